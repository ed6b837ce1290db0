//! `blaze query [NAME=]URI... EXPR`: compute a Blaze expression over data where it lives;
//! `blaze sql [NAME=]URI... SQL`: the same bindings and outputs, queried in SQL.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use arrow::record_batch::RecordBatch;
use blaze_array::ChunkSpec;
use blaze_compute::{ResultStream, Session, SessionOptions};
use blaze_datashape::DataShape;
use blaze_expr::{Expr, is_identifier};

use super::odo::IfExistsArg;
use super::read_args::{ReadArgs, parse_bytes};
use crate::output::{Failure, snippet};
use crate::results;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Data to bind, then the query: `iris=examples/data/iris.csv 'iris.species.nunique()'`.
    /// A bare URI binds under its file stem (or its table's name); a database binds as a
    /// record of its tables (`db.accounts.amount.sum()`; in SQL, the table `"db.accounts"`).
    /// A .npy file, a Zarr store (`data.zarr`) or an HDF5 dataset (`file.h5::/x`) binds as an
    /// n-d array (`x=data.zarr 'x.sum(axis=0)'`), computed in blocks; its results print as
    /// nested lists or go --into a .npy file, a Zarr store or an HDF5 dataset.
    // One value is enough for clap, so that `blaze query data.csv -h` is help; `run` asks for
    // the two.
    #[arg(required = true, num_args = 1.., value_names = ["[NAME=]URI", "QUERY"])]
    items: Vec<String>,
    /// Output format; `table` (a preview) on a terminal, `json` otherwise.
    #[arg(long, value_enum)]
    format: Option<QueryFormat>,
    /// Write the whole result to this odo target (a file, a table...) instead of printing it.
    #[arg(long, value_name = "TARGET")]
    into: Option<String>,
    /// At most this many rows (the table preview shows 10 unless told).
    #[arg(long)]
    limit: Option<u64>,
    /// Print the plan that computes the query, compute nothing: the SQL sent to each
    /// database (with its parameters) and the plan of what runs locally.
    #[arg(long)]
    explain: bool,
    /// Memory for sorts, group-bys and joins before they spill to disk; suffixes K, M, G
    /// (default: unlimited). An n-d array result printed whole must fit in it too (and, either
    /// way, in the memory the system leaves the process); otherwise it is refused before it is
    /// computed, and goes --into a file instead.
    #[arg(long, value_parser = parse_bytes)]
    memory_limit: Option<u64>,
    /// Compute everything locally, reading whole tables out of SQL databases, rather than
    /// running what SQL expresses inside them.
    #[arg(long)]
    no_pushdown: bool,
    /// What to do when the --into target exists.
    #[arg(long, value_enum, default_value_t = IfExistsArg::Fail)]
    if_exists: IfExistsArg,
    /// For an n-d array result: write a profile of its tasks to FILE, as a Chrome trace
    /// (JSON: when each task ran and on which thread; open it in Perfetto or
    /// chrome://tracing). For a result printed (not --format arrow) or stored --into a .npy
    /// file, a Zarr store or an HDF5 dataset.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// For an n-d array result: write its task graph to FILE in Graphviz's DOT language (one
    /// node per task, after fusion; `dot -Tsvg FILE`). With --explain, nothing is computed.
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// With --into a Zarr store or an HDF5 dataset: the chunks of the n-d array written, as
    /// `blaze odo --chunks` (`auto`, `1000`, `1000,500`, `-1` for a whole axis).
    #[arg(long, value_parser = super::odo::parse_chunks, value_name = "auto|N|N,N,...", allow_hyphen_values = true)]
    chunks: Option<ChunkSpec>,
    #[command(flatten)]
    read: ReadArgs,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum QueryFormat {
    /// A bounded preview: the datashape, then the first rows as a table.
    Table,
    /// `{"datashape": ..., "names": [...], "data": ...}` as the Blaze server answers.
    Json,
    /// One JSON object per row.
    Ndjson,
    /// CSV with a header.
    Csv,
    /// An Arrow IPC stream (an n-d array of one or two dimensions: its rows, columns f0, f1, …).
    Arrow,
}

/// Rows a table preview shows unless `--limit` says otherwise.
pub(crate) const PREVIEW_ROWS: u64 = 10;

/// The language a query is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Language {
    /// A Blaze expression.
    Blaze,
    /// SQL, in DataFusion's dialect.
    Sql,
}

/// An argument as the user wrote it: `main` passes one that begins with `-` after a space, so
/// that clap does not take it for an option.
pub(crate) fn unshield(item: String) -> String {
    match item.strip_prefix(' ') {
        Some(rest) if rest.starts_with('-') => rest.to_owned(),
        _ => item,
    }
}

/// A parsed query, ready to compute.
enum Query {
    Expr(Expr),
    Sql(String),
}

pub(crate) fn run(mut args: Args, language: Language) -> Result<(), Failure> {
    let items: Vec<String> = std::mem::take(&mut args.items)
        .into_iter()
        .map(unshield)
        .collect();
    let Some((text, bindings)) = items.split_last().filter(|(_, b)| !b.is_empty()) else {
        let (usage, query) = match language {
            Language::Blaze => ("blaze query [NAME=]URI... EXPRESSION", "expression"),
            Language::Sql => ("blaze sql [NAME=]URI... QUERY", "SQL query"),
        };
        return Err(Failure::invalid(format!(
            "nothing to query: give the data to bind, then the {query} (`{usage}`)"
        )));
    };
    if args.chunks.is_some() && args.into.is_none() {
        return Err(Failure::invalid(
            "--chunks sets the chunks of a result written --into a Zarr store or an HDF5 dataset",
        ));
    }
    let session = open_session(bindings, args.memory_limit, &args.read, args.no_pushdown)?;
    let query = match language {
        Language::Blaze => Query::Expr(parse(&session, text)?),
        Language::Sql => Query::Sql(text.clone()),
    };
    if let Query::Expr(expr) = &query
        && let Some(array) = session.array(expr).map_err(Failure::invalid)?
    {
        let output = crate::arrays::ArrayOutput {
            format: args.format.unwrap_or(if std::io::stdout().is_terminal() {
                QueryFormat::Table
            } else {
                QueryFormat::Json
            }),
            limit: args.limit,
            into: args.into.as_deref(),
            if_exists: args.if_exists.into(),
            explain: args.explain,
            memory_limit: args.memory_limit,
            profile: args.profile.as_deref(),
            graph: args.graph.as_deref(),
            chunks: args.chunks.as_ref(),
        };
        return crate::arrays::run(expr, &array, &output);
    }
    if args.profile.is_some() || args.graph.is_some() {
        return Err(Failure::invalid(
            "--profile and --graph describe the tasks that compute an n-d array (a .npy file, a Zarr store or an HDF5 dataset); this result is a table, computed by DataFusion: --explain prints its plan",
        ));
    }
    if args.explain {
        let plan = match &query {
            Query::Expr(expr) => session.explain(expr),
            Query::Sql(sql) => session.explain_sql(sql),
        };
        print!("{}", plan.map_err(sql_failure)?);
        return Ok(());
    }
    if let Some(target) = &args.into {
        let limit = args.limit;
        let stream = execute(&session, &query, limit)?;
        return into(stream, target, &args);
    }
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        QueryFormat::Table
    } else {
        QueryFormat::Json
    });
    let limit = match format {
        QueryFormat::Table => Some(args.limit.unwrap_or(PREVIEW_ROWS)),
        _ => args.limit,
    };
    // One row more than shown tells whether there are more.
    let stream = execute(&session, &query, limit.map(|n| n + 1))?;
    let dshape = match &query {
        Query::Expr(expr) => expr.dshape().clone(),
        Query::Sql(_) => {
            blaze_datashape::arrow::from_arrow_schema(&stream.schema()).map_err(Failure::failed)?
        }
    };
    write_result(
        &mut std::io::stdout().lock(),
        &dshape,
        stream,
        format,
        limit,
    )
}

/// Writes the result in `stream` (of datashape `dshape`) in `format`; with a `limit`, the
/// stream holds one row more than shown, which tells whether there are more.
pub(crate) fn write_result(
    out: &mut impl Write,
    dshape: &DataShape,
    stream: ResultStream,
    format: QueryFormat,
    limit: Option<u64>,
) -> Result<(), Failure> {
    let schema = stream.schema();
    let batches: Vec<RecordBatch> = stream.collect::<Result<_, _>>().map_err(Failure::failed)?;
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let shown = limit.map_or(total, |n| total.min(n as usize));
    let batches = results::first_rows(&batches, shown);
    let more = total > shown;
    let written = match format {
        QueryFormat::Table => results::write_table(out, dshape, &batches, more),
        QueryFormat::Json => results::write_json(out, dshape, &schema, &batches),
        QueryFormat::Ndjson => results::write_ndjson(out, &batches),
        QueryFormat::Csv => results::write_csv(out, &batches),
        QueryFormat::Arrow => results::write_arrow(out, &schema, &batches),
    };
    written
        .and_then(|()| out.flush().map_err(|e| e.to_string()))
        .map_err(Failure::failed)
}

/// A session with each `NAME=URI` (or bare URI) of `bindings` bound.
pub(crate) fn open_session(
    bindings: &[String],
    memory_limit: Option<u64>,
    read: &ReadArgs,
    no_pushdown: bool,
) -> Result<Session, Failure> {
    let mut session = Session::new(SessionOptions {
        memory_limit: memory_limit.map(|m| m as usize),
        spill_dir: None,
        read: read.options(64 << 20),
        no_pushdown,
    })
    .map_err(Failure::failed)?;
    for binding in bindings {
        let (name, uri) = split_binding(binding)?;
        session.bind(&name, uri).map_err(|e| match e {
            blaze_compute::Error::Odo(e) => Failure::from_odo(e),
            e => Failure::failed(e),
        })?;
    }
    Ok(session)
}

/// `text` as an expression over the session's names; an error shows where in the text.
pub(crate) fn parse(session: &Session, text: &str) -> Result<Expr, Failure> {
    session.parse(text).map_err(|e| match e {
        blaze_compute::Error::Expr(e) => {
            Failure::invalid(format!("{e}\n{}", snippet(text, e.span())))
        }
        e => Failure::invalid(e),
    })
}

/// The expression's result as a stream, of at most `limit` rows when given.
pub(crate) fn execute_expr(
    session: &Session,
    expr: &Expr,
    limit: Option<u64>,
) -> Result<ResultStream, Failure> {
    let computed = match limit {
        Some(n) if !expr.dshape().dims().is_empty() => expr.head(n).map_err(Failure::invalid)?,
        _ => expr.clone(),
    };
    session.execute(&computed).map_err(Failure::failed)
}

/// The query's result as a stream, of at most `limit` rows when given.
fn execute(session: &Session, query: &Query, limit: Option<u64>) -> Result<ResultStream, Failure> {
    match query {
        Query::Expr(expr) => execute_expr(session, expr, limit),
        Query::Sql(sql) => session
            .execute_sql(sql, limit.map(|n| n as usize))
            .map_err(sql_failure),
    }
}

/// SQL that does not parse or plan is the user's mistake; anything else a failure.
fn sql_failure(error: blaze_compute::Error) -> Failure {
    match error {
        blaze_compute::Error::Sql(message) => Failure::invalid(message),
        e => Failure::failed(e),
    }
}

/// Streams the whole result into an odo target.
fn into(stream: ResultStream, target: &str, args: &Args) -> Result<(), Failure> {
    let schema = stream.schema();
    let datashape = blaze_datashape::arrow::from_arrow_schema(&schema).map_err(Failure::failed)?;
    let source = blaze_odo::BatchSource {
        datashape,
        schema,
        batches: Box::new(stream.map(|batch| {
            batch.map_err(|e| blaze_odo::Error::Format {
                path: PathBuf::from("the query's result"),
                message: e.to_string(),
            })
        })),
    };
    let options = blaze_odo::OdoOptions {
        if_exists: args.if_exists.into(),
        chunks: args.chunks.clone(),
        ..Default::default()
    };
    let summary = blaze_odo::odo_batches(source, target, &options).map_err(Failure::from_odo)?;
    println!("{summary}");
    Ok(())
}

/// `NAME=URI`, or a bare URI named after its table or file.
pub(crate) fn split_binding(binding: &str) -> Result<(String, &str), Failure> {
    if let Some((name, uri)) = binding.split_once('=')
        && is_identifier(name)
    {
        return Ok((name.to_owned(), uri));
    }
    let name = default_name(binding);
    if !is_identifier(&name) {
        return Err(Failure::invalid(format!(
            "cannot name {binding} after itself ('{name}' is not a name an expression can use); bind it as NAME={binding}"
        )));
    }
    Ok((name, binding))
}

/// The name a bare URI binds under: its table's name, or its file's stem without extensions.
fn default_name(uri: &str) -> String {
    if let Some((_, table)) = uri.rsplit_once("::") {
        return table.rsplit('.').next().unwrap_or(table).to_owned();
    }
    let path = uri.trim_end_matches('/');
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.').next().unwrap_or(file).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_named_after_files_and_tables() {
        assert_eq!(split_binding("iris=data/x.csv").unwrap().0, "iris");
        assert_eq!(split_binding("data/iris.csv.gz").unwrap().0, "iris");
        assert_eq!(
            split_binding("sqlite:///db.sqlite::accounts").unwrap().0,
            "accounts"
        );
        assert_eq!(
            split_binding("postgresql://u:p@h/db::public.sales")
                .unwrap()
                .0,
            "sales"
        );
        assert_eq!(split_binding("parquet://out/").unwrap().0, "out");
        assert!(split_binding("data/2024-logs.csv").is_err());
    }
}
