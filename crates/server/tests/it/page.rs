//! The page at `/`, in headless Chromium driven through ChromeDriver's WebDriver protocol:
//! load it, type an expression, read the table; an error shows in place. Chromium and
//! ChromeDriver are Debian's (`scripts/services.sh` installs them).

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use blaze_server::Options;
use serde_json::{Value, json};

use super::Running;
use super::http::{Request, send};

/// The key WebDriver names elements by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    process: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/services.sh installs Debian's chromium-driver)");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let mut driver = Self {
            process,
            addr,
            session: String::new(),
            _profile: profile,
        };
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([format!(
            "--user-data-dir={}",
            driver._profile.path().display()
        )])
        .collect::<Vec<_>>();
        let created = driver.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
            }}}),
        );
        driver.session = created["sessionId"].as_str().unwrap().to_owned();
        driver
    }

    /// A WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let mut request = Request::post(path, body.to_string().into_bytes())
            .method(method)
            .header("Content-Type", "application/json");
        if method == "GET" {
            request.body.clear();
        }
        let response = send(self.addr, request);
        let value = response.json()["value"].clone();
        assert_eq!(response.status, 200, "{path}: {value}");
        value
    }

    fn session_call(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn element(&self, css: &str) -> String {
        let found = self.session_call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        found[ELEMENT].as_str().unwrap().to_owned()
    }

    fn text(&self, css: &str) -> String {
        let element = self.element(css);
        let text = self.session_call("GET", &format!("/element/{element}/text"), json!({}));
        text.as_str().unwrap().to_owned()
    }

    /// The text of `css` once `done` says it is ready (within ten seconds).
    fn wait_for(&self, css: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(css);
            if done(&text) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} still says {text:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn type_and_run(&self, expr: &str) {
        let input = self.element("#expr");
        self.session_call("POST", &format!("/element/{input}/clear"), json!({}));
        self.session_call(
            "POST",
            &format!("/element/{input}/value"),
            json!({"text": expr}),
        );
        let run = self.element("#run");
        self.session_call("POST", &format!("/element/{run}/click"), json!({}));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = send(
                self.addr,
                Request::get(&format!("/session/{}", self.session)).method("DELETE"),
            );
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn the_page_computes_expressions_typed_into_it() {
    let server = Running::examples(Options::default());
    let driver = Driver::start();
    driver.session_call(
        "POST",
        "/url",
        json!({"url": format!("http://{}/", server.addr)}),
    );
    let datashape = driver.wait_for("#datashape", |t| t != "loading…");
    assert!(
        datashape.starts_with("{\n  accounts: var * {"),
        "{datashape}"
    );

    driver.type_and_run("by(iris.species, n=iris.species.count())");
    let table = driver.wait_for("#result", |t| !t.is_empty());
    assert_eq!(
        table,
        "species n\nIris-setosa 50\nIris-versicolor 50\nIris-virginica 50"
    );
    assert_eq!(
        driver.text("#status"),
        "var * {species: string, n: int32} — 3 rows"
    );

    driver.type_and_run("accounts.balanse.sum()");
    let error = driver.wait_for("#error", |t| !t.is_empty());
    assert!(
        error.starts_with("400 Bad Request\nInvalid expression:") && error.contains("balance"),
        "{error}"
    );
    assert_eq!(driver.text("#result"), "");
}
