//! `/compute`: the payload's expression, read against the served data, computed on a blocking
//! thread, answered as JSON (bounded by the row limit) or streamed as Arrow IPC.

use std::sync::Arc;
use std::time::Instant;

use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;
use axum::http::StatusCode;
use blaze_compute::{Error, ResultStream, Session};
use blaze_expr::{Expr, Namespace, Value as Literal, from_tree, literal, symbol};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use crate::app::{Failure, Shared, timed_out};
use crate::wire::response_json;

/// A computation asked for.
pub(crate) struct Request {
    /// A JSON tree (`spec/blaze.md` §4.4), or expression text over the datasets' names.
    pub(crate) expr: Value,
    /// Names the tree or text uses for values (`{"pl": 5}`).
    pub(crate) namespace: Map<String, Value>,
    /// Whether to answer with an Arrow IPC stream.
    pub(crate) arrow: bool,
}

/// How a computation that started well is answered.
pub(crate) enum Outcome {
    /// The whole JSON response.
    Json {
        body: String,
        expr: String,
        rows: usize,
    },
    /// An Arrow stream, whose bytes follow on the body channel.
    Arrow { expr: String },
}

/// The body chunks of an Arrow answer.
pub(crate) type Chunks = mpsc::Receiver<Result<Bytes, std::io::Error>>;

/// Starts computing `request` on a blocking thread: how it is answered (known once the first
/// batch is computed, so that errors get their status) and the body that follows.
pub(crate) fn start(
    shared: Arc<Shared>,
    request: Request,
    deadline: Instant,
) -> (
    oneshot::Receiver<Result<Outcome, Failure>>,
    impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
) {
    let (head, head_rx) = oneshot::channel();
    let (chunks, chunks_rx) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let session = shared.session.read().expect("not poisoned");
        match prepare(&session, &shared, &request) {
            Err(failure) => {
                let _ = head.send(Err(failure));
            }
            Ok(Prepared::Array(expr, array)) if request.arrow => {
                // A 1-d or 2-d array streams as its rows (columns f0, f1, …).
                match blaze_odo::array_as_table(&array, &expr.to_string()) {
                    Ok(rows) => {
                        let batches = rows
                            .batches
                            .map(|b| b.map_err(|e| Error::Engine(e.to_string())));
                        stream_arrow(
                            expr,
                            &rows.schema,
                            batches,
                            head,
                            &chunks,
                            deadline,
                            &shared,
                        );
                    }
                    Err(e) => {
                        let _ = head.send(Err(Failure::new(
                            StatusCode::NOT_ACCEPTABLE,
                            format!("{e}; ask for JSON instead"),
                        )));
                    }
                }
            }
            Ok(Prepared::Array(expr, array)) => {
                let _ = head.send(array_outcome(&expr, &array, deadline, &shared));
            }
            Ok(Prepared::Table(expr, stream)) if request.arrow => {
                let schema = stream.schema();
                stream_arrow(expr, &schema, stream, head, &chunks, deadline, &shared);
            }
            Ok(Prepared::Table(expr, stream)) => {
                let _ = head.send(collect_json(&expr, stream, deadline, &shared));
            }
        }
    });
    (head_rx, body(chunks_rx))
}

fn body(chunks: Chunks) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    })
}

/// A request's expression, ready to compute.
enum Prepared {
    /// Over tables: the stream of its result.
    Table(Expr, ResultStream),
    /// Over n-d arrays: the lazy array it is.
    Array(Expr, blaze_array::Array),
}

/// The expression of `request`, and its result's stream or array.
fn prepare(session: &Session, shared: &Shared, request: &Request) -> Result<Prepared, Failure> {
    let expr = expression(session, shared, request)?;
    if let Some(array) = session.array(&expr).map_err(computation_failure)? {
        return Ok(Prepared::Array(expr, array));
    }
    let stream = session.execute(&expr).map_err(computation_failure)?;
    Ok(Prepared::Table(expr, stream))
}

/// An n-d array result as JSON nested lists (`{"datashape": "2 * 3 * float64", "data":
/// [[...], [...]], "names": [...]}`), if its first axis is within the server's row limit.
fn array_outcome(
    expr: &Expr,
    array: &blaze_array::Array,
    deadline: Instant,
    shared: &Shared,
) -> Result<Outcome, Failure> {
    let limit = shared.options.max_rows;
    let rows = array.shape().first().copied().unwrap_or(1);
    if rows > limit {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the result ({}) has more than {limit} rows, this server's limit for JSON: ask for fewer (x[:n])",
                array.datashape()
            ),
        ));
    }
    blaze_compute::check_printable(array, None)
        .map_err(|message| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, message))?;
    let block = array
        .compute()
        .map_err(|e| computation_failure(Error::Engine(e.to_string())))?;
    if Instant::now() > deadline {
        return Err(timed_out(shared.options.timeout));
    }
    let body = serde_json::json!({
        "datashape": array.datashape(),
        "data": blaze_compute::array_json(&block),
        "names": expr.name().into_iter().collect::<Vec<_>>(),
    });
    Ok(Outcome::Json {
        body: body.to_string(),
        expr: expr.to_string(),
        rows,
    })
}

/// The expression a request describes. In a tree, the leaf (`":leaf"`, or the first symbol
/// whatever its name, as Blaze's clients send it) stands for everything served; its fields are
/// the datasets.
fn expression(session: &Session, shared: &Shared, request: &Request) -> Result<Expr, Failure> {
    let mut namespace = session.namespace().clone();
    for (name, value) in &request.namespace {
        namespace.bind(name, literal(constant(name, value)?));
    }
    let invalid = |e: blaze_expr::Error| {
        Failure::new(StatusCode::BAD_REQUEST, format!("Invalid expression:\n{e}"))
    };
    match &request.expr {
        Value::String(text) if text != LEAF => blaze_expr::parse(text, &namespace).map_err(invalid),
        tree => {
            namespace.bind(LEAF, symbol(WHOLE, shared.datashape()));
            let served = shared.datasets.read().expect("not poisoned");
            for (name, _) in served.iter() {
                if let Some(bound) = session.namespace().get(name) {
                    namespace.bind(&format!("{LEAF}.{name}"), bound.clone());
                }
            }
            let example = served
                .first()
                .map_or("name".to_owned(), |(name, _)| name.clone());
            drop(served);
            let leaf = first_symbol(tree);
            if let Some(symbol) = &leaf {
                // Bound to everything served whatever its datashape says, as in Blaze; still,
                // a datashape that does not parse is a mistake to report.
                from_tree(symbol, &namespace).map_err(invalid)?;
            }
            let name = leaf.as_ref().and_then(|s| s["args"][0].as_str());
            let tree = datasets_named(tree.clone(), name, &namespace);
            let expr = from_tree(&tree, &namespace).map_err(invalid)?;
            if expr.leaves().iter().any(|l| l.name() == Some(WHOLE)) {
                return Err(Failure::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Invalid expression:\nthe leaf is everything served, {}; compute over \
                         one of its datasets, as in {{\"op\": \"Field\", \"args\": [\":leaf\", \"{}\"]}}",
                        shared.datashape(),
                        example
                    ),
                ));
            }
            Ok(expr)
        }
    }
}

/// The name that stands for all the data served.
const LEAF: &str = ":leaf";

/// The name of the symbol [`LEAF`] is bound to.
const WHOLE: &str = "_leaf";

/// A namespace value as a constant (Blaze's tagged dates and times included).
fn constant(name: &str, value: &Value) -> Result<Literal, Failure> {
    blaze_expr::json_value(value)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, format!("namespace: {name}: {e}")))
}

/// The first symbol in `tree`, in the order of its arguments.
fn first_symbol(tree: &Value) -> Option<&Value> {
    match tree {
        Value::Object(node) => {
            let args = node.get("args")?.as_array()?;
            if node.get("op").and_then(Value::as_str) == Some("Symbol") {
                return Some(tree);
            }
            args.iter().find_map(first_symbol)
        }
        Value::Array(items) => items.iter().find_map(first_symbol),
        _ => None,
    }
}

/// `tree` with each field of the leaf that names a dataset (`Field(":leaf", "iris")`) written
/// as the name it is bound to (`":leaf.iris"`), and the leaf symbol as `":leaf"`.
fn datasets_named(tree: Value, leaf: Option<&str>, namespace: &Namespace) -> Value {
    let is_symbol = |node: &Map<String, Value>| {
        node.get("op").and_then(Value::as_str) == Some("Symbol")
            && node
                .get("args")
                .and_then(|a| a.get(0))
                .and_then(Value::as_str)
                .is_some_and(|name| Some(name) == leaf)
    };
    let is_leaf = |v: &Value| match v {
        Value::String(s) => s == LEAF,
        Value::Object(node) => is_symbol(node),
        _ => false,
    };
    match tree {
        Value::Object(mut node) => {
            let op = node.get("op").and_then(Value::as_str).map(str::to_owned);
            if is_symbol(&node) {
                return Value::String(LEAF.to_owned());
            }
            if let Some(Value::Array(args)) = node.get_mut("args") {
                if op.as_deref() == Some("Field")
                    && let [of, Value::String(field)] = args.as_slice()
                    && is_leaf(of)
                {
                    let name = format!("{LEAF}.{field}");
                    if namespace.get(&name).is_some() {
                        return Value::String(name);
                    }
                }
                for arg in args.iter_mut() {
                    *arg = datasets_named(arg.take(), leaf, namespace);
                }
            }
            Value::Object(node)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| datasets_named(item, leaf, namespace))
                .collect(),
        ),
        other => other,
    }
}

/// The status and text of an error computing (`spec/blaze.md` §4.7).
fn computation_failure(error: Error) -> Failure {
    match error {
        Error::Expr(e) => {
            Failure::new(StatusCode::BAD_REQUEST, format!("Invalid expression:\n{e}"))
        }
        Error::Unsupported(_) => Failure::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("Computation not supported:\n{error}"),
        ),
        e => Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Computation failed with message:\n{e}"),
        ),
    }
}

/// The whole result as the JSON response, if it has no more rows than the server's limit.
fn collect_json(
    expr: &Expr,
    stream: ResultStream,
    deadline: Instant,
    shared: &Shared,
) -> Result<Outcome, Failure> {
    let limit = shared.options.max_rows;
    let schema = stream.schema();
    let mut batches: Vec<RecordBatch> = Vec::new();
    let mut rows = 0;
    for batch in stream {
        let batch = batch.map_err(computation_failure)?;
        rows += batch.num_rows();
        if rows > limit {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the result has more than {limit} rows, this server's limit for JSON: \
                     ask for it as an Arrow stream (Accept: application/vnd.apache.arrow.stream), \
                     or for fewer rows (.head(n))"
                ),
            ));
        }
        batches.push(batch);
        if Instant::now() > deadline {
            return Err(timed_out(shared.options.timeout));
        }
    }
    Ok(Outcome::Json {
        body: response_json(expr.dshape(), &schema, &batches).to_string(),
        expr: expr.to_string(),
        rows,
    })
}

/// Answers with an Arrow stream once the first batch is computed, then sends the rest as it
/// comes. A client that goes away stops the computation; so does the deadline (the stream is
/// then cut short, which readers report as an error).
fn stream_arrow(
    expr: Expr,
    schema: &arrow::datatypes::Schema,
    mut stream: impl Iterator<Item = Result<RecordBatch, Error>>,
    head: oneshot::Sender<Result<Outcome, Failure>>,
    chunks: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    deadline: Instant,
    shared: &Shared,
) {
    let first = match stream.next().transpose() {
        Ok(first) => first,
        Err(e) => {
            let _ = head.send(Err(computation_failure(e)));
            return;
        }
    };
    let mut writer = match StreamWriter::try_new(Vec::new(), schema) {
        Ok(writer) => writer,
        Err(e) => {
            let _ = head.send(Err(computation_failure(Error::Engine(e.to_string()))));
            return;
        }
    };
    let text = expr.to_string();
    if head.send(Ok(Outcome::Arrow { expr: text })).is_err() {
        return;
    }
    let send = |writer: &mut StreamWriter<Vec<u8>>| {
        let bytes = std::mem::take(writer.get_mut());
        chunks.blocking_send(Ok(Bytes::from(bytes))).is_ok()
    };
    if !send(&mut writer) {
        return;
    }
    for batch in first.into_iter().map(Ok).chain(stream) {
        let written = batch
            .map_err(|e| e.to_string())
            .and_then(|b| writer.write(&b).map_err(|e| e.to_string()));
        if let Err(message) = written {
            let _ = chunks.blocking_send(Err(std::io::Error::other(message)));
            return;
        }
        if !send(&mut writer) {
            return;
        }
        if Instant::now() > deadline {
            let message = timed_out(shared.options.timeout).message;
            let _ = chunks.blocking_send(Err(std::io::Error::other(message)));
            return;
        }
    }
    if writer.finish().is_ok() {
        send(&mut writer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_leaf_and_its_datasets_are_named() {
        let mut namespace = Namespace::new();
        namespace.bind(
            ":leaf.iris",
            symbol("iris", blaze_datashape::parse("var * {a: int64}").unwrap()),
        );
        let t =
            json!({"op": "Symbol", "args": ["t", {"__!datashape": "{iris: var * {a: int64}}"}, 0]});
        let tree = json!({"op": "sum", "args": [{"op": "Field", "args": [{"op": "Field", "args": [t, "iris"]}, "a"]}]});
        assert_eq!(first_symbol(&tree), Some(&t));
        assert_eq!(
            datasets_named(tree, Some("t"), &namespace),
            json!({"op": "sum", "args": [{"op": "Field", "args": [":leaf.iris", "a"]}]})
        );
        // Not a dataset: left for the expression's own error (with a suggestion).
        let tree = json!({"op": "Field", "args": [":leaf", "irs"]});
        assert_eq!(datasets_named(tree.clone(), None, &namespace), tree);
        assert_eq!(
            datasets_named(
                json!({"op": "Field", "args": [":leaf", "iris"]}),
                None,
                &namespace
            ),
            json!(":leaf.iris")
        );
    }
}
