//! `blaze serve`: serve datasets over HTTP with the Blaze protocol: those of a YAML file, or
//! data named on the command line as `blaze query` binds it.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use blaze_server::{Config, Dataset, Options, Server};

use crate::commands::query::split_binding;
use crate::output::Failure;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The YAML file of datasets (`.yaml`/`.yml`; `-`: standard input): each top-level key
    /// names a dataset, with its `source` (any odo URI or path; a directory serves every data
    /// file under it) and optionally its `dshape`; `_server` holds auth (`users`, `tokens`),
    /// `cors`, `add_roots` and `add_schemes`. Or the data itself, as `[NAME=]URI...` (a bare
    /// URI named after its file or table, as `blaze query` names it), served without auth.
    #[arg(required = true, value_name = "CONFIG.yaml | [NAME=]URI")]
    config: Vec<String>,
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
    let config = match args.config.as_slice() {
        [file] if is_yaml(file) => read_yaml(Path::new(file))?,
        bindings => of_bindings(bindings)?,
    };
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

/// Whether `arg` names a YAML file of datasets (or standard input) rather than data.
fn is_yaml(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    arg == "-" || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// The datasets of the YAML file at `path` (`-`: standard input).
fn read_yaml(path: &Path) -> Result<Config, Failure> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::failed(format!("cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::failed(format!("{}: {e}", path.display())))?
    };
    Config::parse(&text, path).map_err(Failure::invalid)
}

/// Each `[NAME=]URI` of `bindings` as a dataset.
fn of_bindings(bindings: &[String]) -> Result<Config, Failure> {
    let mut datasets: Vec<Dataset> = Vec::with_capacity(bindings.len());
    for binding in bindings {
        let (name, uri) = split_binding(binding)?;
        if datasets.iter().any(|d| d.name == name) {
            return Err(Failure::invalid(format!(
                "two datasets are named {name}; name one of them as NAME={uri}"
            )));
        }
        datasets.push(Dataset {
            name,
            source: uri.to_owned(),
            dshape: None,
        });
    }
    Ok(Config {
        datasets,
        ..Config::default()
    })
}
