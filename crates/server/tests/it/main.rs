//! A real server on loopback, driven with the protocol's payloads over real connections.

mod http;
mod page;
mod protocol;
mod security;

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;

use blaze_server::{Config, Options, Server};

/// The repository's examples directory.
pub(crate) fn example(name: &str) -> String {
    format!("{}/../../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A server running on a thread until dropped.
pub(crate) struct Running {
    pub(crate) addr: std::net::SocketAddr,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl Running {
    /// Starts a server for `yaml` (relative paths from `dir`) with `options` on a free port.
    pub(crate) fn start(yaml: &str, dir: &std::path::Path, options: Options) -> Self {
        let config = Config::parse(yaml, &dir.join("datasets.yaml")).unwrap();
        let server = Server::new(&config, Options { port: 0, ..options }).unwrap();
        let addr = server.local_addr();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            server.run(async move {
                let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
            })
        });
        Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The standard test server: accounts and iris from the examples.
    pub(crate) fn examples(options: Options) -> Self {
        let yaml = format!(
            "accounts:\n  source: {}\niris:\n  source: {}\n",
            example("accounts.csv"),
            example("iris.csv")
        );
        Self::start(&yaml, &PathBuf::from("."), options)
    }

    pub(crate) fn request(&self, request: http::Request<'_>) -> http::Response {
        http::send(self.addr, request)
    }

    /// Stops the server and waits for it, returning what `run` returned.
    pub(crate) fn stop(mut self) -> Result<(), String> {
        drop(self.stop.take());
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
