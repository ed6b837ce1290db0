//! Blaze server: serves datasets over HTTP with the Blaze protocol (`spec/blaze.md` §4), so
//! that remote data looks local.
//!
//! - `GET /datashape`: the datashape of everything served, as plain text.
//! - `POST /compute` (`Content-Type: application/vnd.blaze+json`) and `POST /compute.json`:
//!   `{"expr": <JSON tree or expression text>, "namespace": {...}}` →
//!   `{"datashape", "names", "data"}`, or an Arrow IPC stream with
//!   `Accept: application/vnd.apache.arrow.stream`.
//! - `POST /add` (only when allowed): `{"name": "uri"}`.
//! - `GET /`: a page to browse the datasets and try expressions.
//!
//! ```no_run
//! use blaze_server::{Config, Options, Server};
//!
//! let config = Config::parse("iris:\n  source: examples/data/iris.csv\n", "datasets.yaml".as_ref())?;
//! let server = Server::new(&config, Options::default())?;
//! println!("serving at http://{}/", server.local_addr());
//! server.run_until_signal()?;
//! # Ok::<(), String>(())
//! ```

mod app;
mod compute;
mod config;
mod datasets;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use blaze_compute::{Session, SessionOptions};

pub use config::{Config, Dataset, Settings};
pub use wire::{cell, response_json};

/// How the server listens and what it allows.
#[derive(Clone, Debug)]
pub struct Options {
    /// The address to listen on: loopback unless told otherwise.
    pub host: String,
    /// The port (0: any free one).
    pub port: u16,
    /// Whether `POST /add` exists.
    pub allow_add: bool,
    /// The most rows a JSON response may hold (Arrow streams have no limit).
    pub max_rows: usize,
    /// How long a computation may take.
    pub timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 6363,
            allow_add: false,
            max_rows: 100_000,
            timeout: Duration::from_secs(60),
            max_body: 1 << 20,
        }
    }
}

/// A server with its datasets bound and its port open, not yet answering.
pub struct Server {
    shared: Arc<app::Shared>,
    listener: std::net::TcpListener,
}

impl Server {
    /// Binds the configured datasets and opens the port.
    pub fn new(config: &Config, options: Options) -> Result<Self, String> {
        let mut session = Session::new(SessionOptions::default()).map_err(|e| e.to_string())?;
        let mut datasets = Vec::new();
        for dataset in &config.datasets {
            let dshape = datasets::bind(&mut session, dataset)?;
            datasets.push((dataset.name.clone(), dshape));
        }
        let address = format!("{}:{}", options.host, options.port);
        let listener = std::net::TcpListener::bind(&address)
            .map_err(|e| format!("cannot listen on {address}: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("cannot listen on {address}: {e}"))?;
        let shared = Arc::new(app::Shared {
            session: RwLock::new(session),
            datasets: RwLock::new(datasets),
            settings: config.settings.clone(),
            options,
        });
        Ok(Self { shared, listener })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener")
    }

    /// The names of the datasets served.
    pub fn datasets(&self) -> Vec<String> {
        let datasets = self.shared.datasets.read().expect("not poisoned");
        datasets.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Answers requests until `shutdown` completes, then finishes the requests in flight.
    pub fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
        // Requests are computed on its blocking threads, which need room for deep expressions.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_stack_size(blaze_compute::EXPRESSION_STACK_BYTES)
            .build()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        // The last reference to the session is dropped here, outside the runtime.
        let shared = self.shared.clone();
        let result = runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener)?;
            axum::serve(listener, app::router(self.shared))
                .with_graceful_shutdown(shutdown)
                .await
        });
        runtime.shutdown_timeout(Duration::from_secs(5));
        drop(shared);
        result.map_err(|e| format!("the server stopped: {e}"))
    }

    /// Answers requests until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub fn run_until_signal(self) -> Result<(), String> {
        self.run(async {
            let interrupt = Box::pin(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            let terminate = Box::pin(async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut signals) => {
                        signals.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            });
            futures_util::future::select(interrupt, terminate).await;
        })
    }
}
