//! The HTTP side: routes, status codes and error bodies (`spec/blaze.md` §4.2–4.8), auth,
//! CORS, limits and the log line of each request. Computations run on blocking threads, off
//! the threads that serve connections.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use blaze_compute::Session;
use blaze_datashape::DataShape;
use serde_json::{Map, Value};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::Options;
use crate::compute::{self, Outcome, Request as Computation};
use crate::config::Settings;

/// What every request shares.
pub(crate) struct Shared {
    pub(crate) session: RwLock<Session>,
    /// The datasets served, by name, in order.
    pub(crate) datasets: RwLock<Vec<(String, DataShape)>>,
    pub(crate) settings: Settings,
    pub(crate) options: Options,
}

impl Shared {
    /// The datashape of everything served: a record of the datasets.
    pub(crate) fn datashape(&self) -> DataShape {
        let datasets = self.datasets.read().expect("not poisoned").clone();
        DataShape::record(datasets)
            .unwrap_or_else(|_| DataShape::scalar(blaze_datashape::Measure::Null))
    }
}

/// An error answered as plain text, as Blaze's server does.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.message.clone()).into_response();
        response.extensions_mut().insert(Logged {
            expr: None,
            rows: None,
            error: Some(self.message),
        });
        response
    }
}

/// What the log line of a request says besides its route and status.
#[derive(Clone, Debug, Default)]
pub(crate) struct Logged {
    pub(crate) expr: Option<String>,
    pub(crate) rows: Option<usize>,
    pub(crate) error: Option<String>,
}

/// The media type of Blaze's JSON payloads.
const BLAZE_JSON: &str = "application/vnd.blaze+json";
/// The media type of Arrow IPC streams.
pub(crate) const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";
/// The other formats Blaze's server knew, none of which this one speaks.
const OTHER_FORMATS: [&str; 6] = [
    "msgpack",
    "pickle",
    "fastmsgpack",
    "json_trusted",
    "msgpack_trusted",
    "fastmsgpack_trusted",
];

/// The web page, built into the binary.
const PAGE: &str = include_str!("page.html");

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let empty = || async { "" };
    let mut router = Router::new()
        .route("/", get(|| async { axum::response::Html(PAGE) }))
        .route("/datashape", get(datashape).options(empty))
        .route("/compute", post(compute_blaze).head(empty).options(empty))
        .route("/compute.json", post(compute_json).options(empty));
    if shared.options.allow_add {
        router = router.route("/add", post(add).head(empty).options(empty));
    }
    let mut router = router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), authenticate))
        .layer(DefaultBodyLimit::max(shared.options.max_body));
    if !shared.settings.cors.is_empty() {
        router = router.layer(cors(&shared.settings));
    }
    let allow_add = shared.options.allow_add;
    router
        .layer(middleware::from_fn_with_state(allow_add, allow))
        .layer(middleware::from_fn(log))
        .with_state(shared)
}

/// The methods each route answers, as the `Allow` header of `OPTIONS` lists them.
fn methods(path: &str, allow_add: bool) -> Option<&'static str> {
    match path {
        "/datashape" => Some("GET, HEAD, OPTIONS"),
        "/compute" => Some("POST, HEAD, OPTIONS"),
        "/compute.json" => Some("POST, OPTIONS"),
        "/add" if allow_add => Some("POST, HEAD, OPTIONS"),
        _ => None,
    }
}

/// `OPTIONS` answers list the route's methods (CORS preflights included).
async fn allow(State(allow_add): State<bool>, request: Request, next: Next) -> Response {
    let listed = (request.method() == Method::OPTIONS)
        .then(|| methods(request.uri().path(), allow_add))
        .flatten();
    let mut response = next.run(request).await;
    if let Some(methods) = listed {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(methods));
    }
    response
}

/// Browsers may call from the origins the settings allow.
fn cors(settings: &Settings) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::HEAD, Method::OPTIONS])
        .allow_headers([CONTENT_TYPE, ACCEPT, AUTHORIZATION]);
    if settings.cors.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> = settings
            .cors
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(origins))
    }
}

/// One line per request on standard error: method, route, status, expression, rows, time.
/// Credentials and payloads other than the expression are never written.
async fn log(request: Request, next: Next) -> Response {
    let (method, route) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let logged = response
        .extensions()
        .get::<Logged>()
        .cloned()
        .unwrap_or_default();
    let mut line = Map::new();
    line.insert("method".into(), method.as_str().into());
    line.insert("route".into(), route.into());
    line.insert("status".into(), response.status().as_u16().into());
    if let Some(expr) = logged.expr {
        line.insert("expr".into(), expr.into());
    }
    if let Some(rows) = logged.rows {
        line.insert("rows".into(), rows.into());
    }
    if let Some(error) = logged.error {
        line.insert("error".into(), error.into());
    }
    let ms = started.elapsed().as_secs_f64() * 1e3;
    line.insert("ms".into(), ((ms * 10.0).round() / 10.0).into());
    eprintln!("{}", Value::Object(line));
    response
}

/// Requests must carry credentials the settings list, when they list any.
async fn authenticate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let settings = &shared.settings;
    if request.method() == Method::OPTIONS || !settings.requires_auth() {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let allowed = if let Some(token) = given.strip_prefix("Bearer ") {
        settings.tokens.iter().any(|t| same(t, token.trim()))
    } else if let Some(encoded) = given.strip_prefix("Basic ") {
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .and_then(|d| {
                let (user, password) = d.split_once(':')?;
                Some(
                    settings
                        .users
                        .iter()
                        .any(|(u, p)| same(u, user) & same(p, password)),
                )
            })
            .unwrap_or(false)
    } else {
        false
    };
    if allowed {
        return next.run(request).await;
    }
    let mut response = Failure::new(StatusCode::UNAUTHORIZED, "bad auth token").into_response();
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Login Required\""),
    );
    response
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut differ = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        differ |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    differ == 0
}

async fn not_found(request: Request) -> Failure {
    let path = request.uri().path();
    if path.starts_with("/compute.") {
        return Failure::new(StatusCode::NOT_FOUND, "Unsupported serialization format");
    }
    Failure::new(StatusCode::NOT_FOUND, format!("{path} not found"))
}

/// `GET /datashape`: the datashape of everything served, one field per line.
async fn datashape(State(shared): State<Arc<Shared>>) -> Response {
    let text = shared.datashape().pretty(0);
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// `POST /compute`: the payload's format is its media type.
async fn compute_blaze(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media != BLAZE_JSON {
        let known = media
            .strip_prefix("application/vnd.blaze+")
            .is_some_and(|f| OTHER_FORMATS.contains(&f));
        return Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            if known {
                format!("Unsupported serialization format '{content_type}'")
            } else {
                format!("Unsupported serialization format {content_type}")
            },
        ));
    }
    compute(shared, &headers, body).await
}

/// `POST /compute.json`: the talk-era route, JSON whatever the media type.
async fn compute_json(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    compute(shared, &headers, body).await
}

/// The payload's keys Blaze's clients send.
const PAYLOAD_KEYS: [&str; 6] = [
    "expr",
    "namespace",
    "odo_kwargs",
    "compute_kwargs",
    "profile",
    "profiler_output",
];

async fn compute(
    shared: Arc<Shared>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let payload: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(payload)) => payload,
        _ => {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                format!("Bad data.  Got {}", String::from_utf8_lossy(&body)),
            ));
        }
    };
    let mut unexpected: Vec<&String> = payload
        .keys()
        .filter(|k| !PAYLOAD_KEYS.contains(&k.as_str()))
        .collect();
    if !unexpected.is_empty() {
        unexpected.sort();
        let listed: Vec<String> = unexpected
            .iter()
            .map(|k| blaze_datashape::quote(k))
            .collect();
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            format!("unexpected keys in payload: [{}]", listed.join(", ")),
        ));
    }
    if payload.get("profile").and_then(Value::as_bool) == Some(true) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            "profiling is disabled on this server",
        ));
    }
    let expr = payload
        .get("expr")
        .cloned()
        .ok_or_else(|| Failure::new(StatusCode::BAD_REQUEST, "the payload has no expr"))?;
    let namespace = match payload.get("namespace") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(names)) => names.clone(),
        Some(_) => {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "namespace must map names to values",
            ));
        }
    };
    let arrow = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(ARROW_STREAM));
    let computation = Computation {
        expr,
        namespace,
        arrow,
    };
    let deadline = Instant::now() + shared.options.timeout;
    let (head, body) = compute::start(shared.clone(), computation, deadline);
    let outcome = match tokio::time::timeout(shared.options.timeout, head).await {
        Ok(Ok(outcome)) => outcome?,
        Ok(Err(_)) => {
            return Err(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Computation failed with message:\nthe computation stopped unexpectedly",
            ));
        }
        Err(_) => return Err(timed_out(shared.options.timeout)),
    };
    Ok(match outcome {
        Outcome::Json { body, expr, rows } => {
            let mut response = ([(CONTENT_TYPE, BLAZE_JSON)], body).into_response();
            response.extensions_mut().insert(Logged {
                expr: Some(expr),
                rows: Some(rows),
                error: None,
            });
            response
        }
        Outcome::Arrow { expr } => {
            let mut response =
                ([(CONTENT_TYPE, ARROW_STREAM)], Body::from_stream(body)).into_response();
            response.extensions_mut().insert(Logged {
                expr: Some(expr),
                rows: None,
                error: None,
            });
            response
        }
    })
}

/// The answer when a computation takes longer than the server allows.
pub(crate) fn timed_out(limit: Duration) -> Failure {
    Failure::new(
        StatusCode::GATEWAY_TIMEOUT,
        format!(
            "Computation failed with message:\nit took longer than {} s, this server's limit",
            limit.as_secs_f64()
        ),
    )
}

/// `POST /add` (with `--allow-add`): `{"name": "uri"}` or `{"name": {"source": "uri"}}`.
async fn add(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Response, Failure> {
    let payload: Value = serde_json::from_slice(&body).map_err(|_| {
        Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Bad data.  Got {}", String::from_utf8_lossy(&body)),
        )
    })?;
    let Value::Object(entries) = payload else {
        return Err(Failure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the payload must map one name to a source",
        ));
    };
    let [(name, entry)]: [(String, Value); 1] = entries
        .into_iter()
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| {
            Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the payload must map exactly one name to a source",
            )
        })?;
    let source = match &entry {
        Value::String(source) => source.clone(),
        Value::Object(fields) => fields
            .get("source")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("source key not found for data source named {name}"),
                )
            })?,
        _ => {
            return Err(Failure::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("source key not found for data source named {name}"),
            ));
        }
    };
    let added = tokio::task::spawn_blocking(move || crate::datasets::add(&shared, &name, &source))
        .await
        .map_err(|_| {
            Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Addition failed with message: the addition stopped unexpectedly",
            )
        })??;
    let mut response = (StatusCode::CREATED, "OK").into_response();
    response.extensions_mut().insert(Logged {
        expr: Some(format!("add {added}")),
        rows: None,
        error: None,
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same("s3cret", "s3cret"));
        assert!(!same("s3cret", "s3cres"));
        assert!(!same("s3cret", "s3cre"));
        assert!(!same("", "x"));
    }
}
