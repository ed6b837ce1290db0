"""Writes iris.parquet and iris.arrow from iris.csv (run with pyarrow installed).

    python examples/data/make_columnar.py
"""
from pathlib import Path

import pyarrow.csv as csv
import pyarrow.feather as feather
import pyarrow.parquet as parquet

here = Path(__file__).parent
table = csv.read_csv(here / "iris.csv")
parquet.write_table(table, here / "iris.parquet")
feather.write_feather(table, here / "iris.arrow")
