//! Authentication, CORS, limits and `/add`'s confinement.

use std::time::Duration;

use base64::Engine as _;
use blaze_server::Options;
use serde_json::json;

use super::Running;
use super::http::Request;

fn with_settings(settings: &str, options: Options) -> Running {
    let yaml = format!(
        "accounts:\n  source: {}\n_server:\n{settings}",
        super::example("accounts.csv")
    );
    Running::start(&yaml, std::path::Path::new("."), options)
}

fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[test]
fn basic_credentials_and_bearer_tokens() {
    let server = with_settings(
        "  users: {alice: 's3cret:colon'}\n  tokens: [t0k3n]\n",
        Options::default(),
    );
    let sum = json!({"expr": "accounts.balance.sum()"});
    let response = server.request(Request::compute(&sum));
    assert_eq!(response.status, 401);
    assert_eq!(response.text(), "bad auth token");
    assert_eq!(
        response.header("www-authenticate"),
        Some("Basic realm=\"Login Required\"")
    );
    for wrong in [
        basic("alice", "s3cret"),
        basic("bob", "s3cret:colon"),
        "Bearer t0k3".to_owned(),
        "t0k3n".to_owned(),
    ] {
        let response = server.request(Request::compute(&sum).header("Authorization", wrong));
        assert_eq!(response.status, 401);
    }
    let response = server
        .request(Request::compute(&sum).header("Authorization", basic("alice", "s3cret:colon")));
    assert_eq!(response.json()["data"], json!(100));
    let response =
        server.request(Request::get("/datashape").header("Authorization", "Bearer t0k3n"));
    assert_eq!(response.status, 200);
    assert_eq!(server.request(Request::get("/datashape")).status, 401);
    assert_eq!(server.request(Request::get("/")).status, 401);
}

#[test]
fn cors_allows_the_configured_origins() {
    let server = with_settings("  cors: ['https://example.org']\n", Options::default());
    let response =
        server.request(Request::get("/datashape").header("Origin", "https://example.org"));
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://example.org")
    );
    let response =
        server.request(Request::get("/datashape").header("Origin", "https://evil.example"));
    assert_eq!(response.header("access-control-allow-origin"), None);
    // A preflight.
    let response = server.request(
        Request::get("/compute")
            .method("OPTIONS")
            .header("Origin", "https://example.org")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type"),
    );
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    // No settings: no CORS headers at all.
    let server = Running::examples(Options::default());
    let response =
        server.request(Request::get("/datashape").header("Origin", "https://example.org"));
    assert_eq!(response.header("access-control-allow-origin"), None);
}

#[test]
fn body_size_and_time_limits() {
    let server = Running::examples(Options {
        max_body: 200,
        ..Options::default()
    });
    let big = json!({"expr": format!("accounts[accounts.name == '{}'].id", "x".repeat(300))});
    assert_eq!(server.request(Request::compute(&big)).status, 413);
    let small = json!({"expr": "accounts.id.sum()"});
    assert_eq!(server.request(Request::compute(&small)).status, 200);

    let server = Running::examples(Options {
        timeout: Duration::from_nanos(1),
        ..Options::default()
    });
    let response = server.request(Request::compute(&small));
    assert_eq!(response.status, 504);
    assert!(
        response.text().contains("this server's limit"),
        "{}",
        response.text()
    );
}

#[test]
fn the_deepest_expressions_are_computed_and_the_server_stays_up() {
    // As deep as the parser accepts. Such a request overflowed the stack of the thread
    // computing it, which stopped the whole server.
    let server = Running::examples(Options::default());
    let column = json!({"expr": format!("accounts.balance{}", " + 1".repeat(990))});
    let response = server.request(Request::compute(&column));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["data"], json!([1090, 790, 1290, 1390, 490]));
    let rows = json!({"expr": format!("accounts{}.balance.sum()", ".head(5)".repeat(498))});
    let response = server.request(Request::compute(&rows));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["data"], json!(100));
    let deeper = json!({"expr": format!("accounts{}.balance.sum()", ".head(5)".repeat(499))});
    let response = server.request(Request::compute(&deeper));
    assert_eq!(response.status, 400);
    assert!(
        response.text().contains("the expression nests too deeply"),
        "{}",
        response.text()
    );
}

#[test]
fn add_is_confined_to_its_roots() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("more.csv"), "x\n1\n2\n3\n").unwrap();
    let settings = format!("  add_roots: ['{}']\n", root.path().display());
    let server = with_settings(
        &settings,
        Options {
            allow_add: true,
            ..Options::default()
        },
    );
    let add = |payload: serde_json::Value| {
        server.request(Request::post("/add", payload.to_string().into_bytes()))
    };
    let source = root.path().join("more.csv").display().to_string();
    let response = add(json!({"more": source}));
    assert_eq!((response.status, response.text()), (201, "OK".to_owned()));
    let sum = server.request(Request::compute(&json!({"expr": "more.x.sum()"})));
    assert_eq!(sum.json()["data"], json!(6));
    let datashape = server.request(Request::get("/datashape")).text();
    assert!(
        datashape.ends_with("  more: var * {\n    x: int64\n    }\n  }"),
        "{datashape}"
    );

    let response = add(json!({"more": {"source": source}}));
    assert_eq!(response.status, 409);
    assert_eq!(
        response.text(),
        "Cannot add dataset named more, already exists on server."
    );
    let response = add(json!({"passwd": "/etc/passwd"}));
    assert_eq!(response.status, 422);
    assert!(
        response.text().contains("outside the directories"),
        "{}",
        response.text()
    );
    let response = add(json!({"db": "postgresql://u@localhost/db"}));
    assert_eq!(response.status, 422);
    assert!(
        response
            .text()
            .contains("postgresql:// sources are not allowed")
    );
    assert_eq!(add(json!({"a": source, "b": source})).status, 422);
    assert_eq!(add(json!(["more"])).status, 422);
    let missing = root.path().join("missing.csv").display().to_string();
    let response = add(json!({"missing": missing}));
    assert_eq!(response.status, 422);
}
