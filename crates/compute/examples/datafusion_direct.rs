//! The baseline of `bench/groupby_bench.py`: SQL over one Parquet file run on DataFusion
//! directly, with no Blaze code in between, writing its result as an Arrow IPC stream to
//! standard output as `blaze query --format arrow` does. The difference in time between the
//! two is what Blaze adds.
//!
//!   cargo run --release -p blaze-compute --example datafusion_direct -- x=data.parquet 'SELECT ...'

use std::io::Write;
use std::process::ExitCode;

use datafusion::prelude::{ParquetReadOptions, SessionContext};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [binding, sql] = args.as_slice() else {
        eprintln!("usage: datafusion_direct NAME=FILE.parquet 'SELECT ...'");
        return ExitCode::from(2);
    };
    let Some((name, path)) = binding.split_once('=') else {
        eprintln!("usage: datafusion_direct NAME=FILE.parquet 'SELECT ...'");
        return ExitCode::from(2);
    };
    match run(name, path, sql) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(name: &str, path: &str, sql: &str) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let batches = runtime.block_on(async {
        let ctx = SessionContext::new();
        ctx.register_parquet(name, path, ParquetReadOptions::default())
            .await?;
        ctx.sql(sql).await?.collect().await
    })?;
    let mut out = std::io::stdout().lock();
    if let Some(first) = batches.first() {
        let mut writer = arrow::ipc::writer::StreamWriter::try_new(&mut out, &first.schema())?;
        for batch in &batches {
            writer.write(batch)?;
        }
        writer.finish()?;
    }
    out.flush()?;
    Ok(())
}
