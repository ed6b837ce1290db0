//! Direct edges of the graph that move data inside or between stores without Arrow batches:
//! `INSERT ... SELECT` within one database, CSV into PostgreSQL with `COPY ... FROM STDIN`, and
//! PostgreSQL into CSV with `COPY ... TO STDOUT`. Each declines (with [`Error::Unsupported`]) the
//! cases it cannot handle, so that the next cheapest path is taken.

use blaze_datashape::DataShape;

use super::{LoadMode, OdoOptions, check_appendable, require_table};
use crate::discover::discover_path;
use crate::error::{Error, Result};
use crate::format::FileFormat;
use crate::graph::Conversion;
use crate::resource::Resource;
use crate::{postgres, sqlite};

/// The error by which `conversion` declines a case, for the reason given.
fn declines(conversion: Conversion) -> impl Fn(&str) -> Error {
    move |reason| Error::Unsupported {
        conversion,
        reason: reason.to_owned(),
    }
}

pub(super) fn copy_within(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = declines(Conversion::CopyWithinDatabase);
    if options.dshape.is_some() {
        return Err(unsupported("--dshape asks for a conversion"));
    }
    let (rows, shape) = match (from, to) {
        (
            Resource::Sqlite {
                path: from_path,
                table: from_table,
            },
            Resource::Sqlite {
                path: to_path,
                table: to_table,
            },
        ) => {
            let same_file = match (from_path.canonicalize(), to_path.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if !same_file {
                return Err(unsupported("the tables are in different databases"));
            }
            let from_table = require_table(from, from_table)?;
            let to_table = require_table(to, to_table)?;
            let shape = sqlite::discover_table(from_path, from_table)?;
            if mode == LoadMode::Append {
                let existing = sqlite::discover_table(to_path, to_table)?;
                check_appendable(&to.to_string(), &existing, &shape)?;
            }
            (
                sqlite::copy_within(from_path, from_table, to_table, mode)?,
                shape,
            )
        }
        (
            Resource::Postgres {
                url: from_url,
                table: from_table,
            },
            Resource::Postgres {
                url: to_url,
                table: to_table,
            },
        ) => {
            if from_url != to_url {
                return Err(unsupported("the tables are in different databases"));
            }
            let from_table = postgres::split_table(from_url, require_table(from, from_table)?);
            let to_table = postgres::split_table(to_url, require_table(to, to_table)?);
            let shape = postgres::discover_table(&from_table)?;
            if mode == LoadMode::Append {
                let existing = postgres::discover_table(&to_table)?;
                check_appendable(&to.to_string(), &existing, &shape)?;
            }
            (
                postgres::copy_within(&from_table, &to_table, &shape, mode)?,
                shape,
            )
        }
        _ => return Err(unsupported("not two tables of one kind of database")),
    };
    Ok((rows, shape))
}

/// CSV into PostgreSQL with `COPY ... FROM STDIN (FORMAT csv)`: the server parses. Declines
/// (for the path through Arrow) when the file is not UTF-8, writes missing values as markers
/// such as `NA`, or holds a value the server rejects; the Arrow path then names the bad cell.
pub(super) fn csv_to_postgres(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = declines(Conversion::CsvToPostgres);
    let (
        Resource::File {
            path, compression, ..
        },
        Resource::Postgres { url, table },
    ) = (from, to)
    else {
        return Err(unsupported("not a CSV file into a PostgreSQL table"));
    };
    let utf8 = options
        .read
        .encoding
        .as_deref()
        .is_none_or(|e| e.eq_ignore_ascii_case("utf-8") || e.eq_ignore_ascii_case("utf8"));
    if !utf8 {
        return Err(unsupported("the file is not UTF-8"));
    }
    if options.read.rejects.is_some() {
        return Err(unsupported(
            "rejected rows are to be set aside, which the server cannot do",
        ));
    }
    // With a datashape given, discovery only needs to settle the dialect.
    let mut read = options.read.clone();
    if options.dshape.is_some() {
        read.byte_budget = read.byte_budget.min(1 << 20);
    }
    let found = discover_path(path, &read)?;
    let dialect = found.csv.ok_or_else(|| unsupported("not a CSV file"))?;
    if dialect.marker_nulls {
        return Err(unsupported(
            "the file writes missing values as markers such as NA",
        ));
    }
    let shape = options.dshape.clone().unwrap_or(found.datashape);
    let table = postgres::split_table(url, require_table(to, table)?);
    if mode == LoadMode::Append {
        let existing = postgres::discover_table(&table)?;
        check_appendable(&to.to_string(), &existing, &shape)?;
    }
    let mut input = crate::read::open(path, *compression, options.read.progress.as_ref())?;
    let rows = postgres::copy_csv(
        &table,
        &shape,
        mode,
        &mut input,
        dialect.header,
        dialect.delimiter,
    )?;
    Ok((rows, shape))
}

/// A PostgreSQL table into a CSV file with `COPY ... TO STDOUT (FORMAT csv)`. Declines (for the
/// path through Arrow) appends, a given datashape, and tables whose text would not read back
/// the same.
pub(super) fn postgres_to_csv(
    from: &Resource,
    to: &Resource,
    mode: LoadMode,
    options: &OdoOptions,
) -> Result<(u64, DataShape)> {
    let unsupported = declines(Conversion::PostgresToCsv);
    let (
        Resource::Postgres { url, table },
        Resource::File {
            path,
            format: FileFormat::Csv { delimiter },
            compression,
        },
    ) = (from, to)
    else {
        return Err(unsupported("not a PostgreSQL table into a CSV file"));
    };
    if mode == LoadMode::Append || options.dshape.is_some() {
        return Err(unsupported("appending, or converting to a given datashape"));
    }
    let table = postgres::split_table(url, require_table(from, table)?);
    let (rows, shape) = postgres::copy_to_csv(
        &table,
        path,
        *compression,
        delimiter.unwrap_or(b','),
        mode == LoadMode::Replace,
    )?;
    Ok((rows, shape))
}
