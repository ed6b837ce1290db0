//! `blaze serve`: serve the datasets of a YAML file over HTTP with the Blaze protocol.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use blaze_server::{Config, Options, Server};

use crate::output::Failure;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The YAML file of datasets (`-`: standard input): each top-level key names a dataset,
    /// with its `source` (any odo URI or path; a directory serves every data file under it)
    /// and optionally its `dshape`; `_server` holds auth (`users`, `tokens`), `cors`,
    /// `add_roots` and `add_schemes`.
    config: PathBuf,
    /// The address to listen on (loopback by default: others cannot connect).
    #[arg(long, short = 'H', default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (0: any free port, printed at start).
    #[arg(long, short, default_value_t = 6363)]
    port: u16,
    /// Enable POST /add, confined to the config's add_roots directories and add_schemes.
    #[arg(long)]
    allow_add: bool,
    /// The most rows a JSON response holds; larger results are refused (ask for Arrow).
    #[arg(long, default_value_t = 100_000)]
    max_rows: usize,
    /// Seconds a computation may take before it is stopped (504).
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// The largest request body accepted, in bytes (413 beyond).
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let text = if args.config.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::failed(format!("cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(&args.config)
            .map_err(|e| Failure::failed(format!("{}: {e}", args.config.display())))?
    };
    let config = Config::parse(&text, &args.config).map_err(Failure::invalid)?;
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(Failure::invalid(
            "--timeout must be a positive number of seconds",
        ));
    }
    let options = Options {
        host: args.host,
        port: args.port,
        allow_add: args.allow_add,
        max_rows: args.max_rows,
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
    };
    let server = Server::new(&config, options).map_err(Failure::failed)?;
    eprintln!(
        "serving {} at http://{}/ (Ctrl-C or SIGTERM stops it)",
        match server.datasets().as_slice() {
            [] => "no datasets".to_owned(),
            names => names.join(", "),
        },
        server.local_addr()
    );
    server.run_until_signal().map_err(Failure::failed)
}
