//! The server's YAML file (`spec/blaze.md` §4.10): each top-level key names a dataset, with its
//! `source` (any odo URI or path) and optionally its `dshape`; the key `_server` holds the
//! server's own settings:
//!
//! ```yaml
//! iris:
//!   source: data/iris.csv
//! bank:
//!   source: sqlite:///data/bank.db       # a database: a record of its tables
//! logs:
//!   source: data/logs/                   # a directory: every data file under it
//! _server:
//!   users: {alice: s3cret}               # HTTP Basic credentials
//!   tokens: [a-long-random-token]        # "Authorization: Bearer ..." tokens
//!   cors: ["https://example.org"]        # origins allowed to call from browsers ("*": any)
//!   add_roots: [data/incoming]           # where POST /add may read files (with --allow-add)
//!   add_schemes: [sqlite]                # and which URI schemes it may open
//! ```
//!
//! Relative paths are taken from the YAML file's directory when the file is there, else from
//! the current directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A parsed configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The datasets, in the file's order.
    pub datasets: Vec<Dataset>,
    /// Authentication, CORS and `/add` settings.
    pub settings: Settings,
}

/// One served dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The name clients use (`:leaf.<name>`, or `<name>` in text expressions).
    pub name: String,
    /// Its odo URI, relative paths resolved.
    pub source: String,
    /// The datashape the YAML gives, checked against the one discovered.
    pub dshape: Option<String>,
}

/// The `_server` section.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// HTTP Basic credentials (user, password).
    pub users: Vec<(String, String)>,
    /// Bearer tokens.
    pub tokens: Vec<String>,
    /// Origins allowed by CORS; `*` allows any.
    pub cors: Vec<String>,
    /// Directories under which `/add` may open files.
    pub add_roots: Vec<PathBuf>,
    /// URI schemes `/add` may open besides files (`sqlite`, `postgresql`, `s3`, ...).
    pub add_schemes: Vec<String>,
}

impl Settings {
    /// Whether requests must authenticate.
    pub fn requires_auth(&self) -> bool {
        !self.users.is_empty() || !self.tokens.is_empty()
    }
}

/// The key of the settings section.
const SETTINGS: &str = "_server";

impl Config {
    /// Parses `text`, the contents of the file at `path` (`-` for standard input), whose
    /// directory relative paths are taken from.
    pub fn parse(text: &str, path: &Path) -> Result<Self, String> {
        let at = |e: String| format!("{}: {e}", path.display());
        let root: Value = serde_saphyr::from_str(text).map_err(|e| at(e.to_string()))?;
        let entries = match root {
            Value::Object(entries) => entries,
            Value::Null => serde_json::Map::new(),
            _ => {
                let name = path
                    .file_stem()
                    .map_or("data".into(), |s| s.to_string_lossy());
                return Err(at(format!(
                    "expected a YAML mapping of dataset names to sources; to serve this file, \
                     name it in one, as `{name}: {{source: {}}}`",
                    path.display()
                )));
            }
        };
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty() && path != Path::new("-"));
        let mut config = Config::default();
        for (name, entry) in entries {
            if name == SETTINGS {
                config.settings = settings(&entry).map_err(at)?;
                continue;
            }
            let (source, dshape) = match &entry {
                Value::String(source) => (source.clone(), None),
                Value::Object(fields) => {
                    let source = fields
                        .get("source")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            at(format!("source key not found for data source named {name}"))
                        })?;
                    let dshape = match fields.get("dshape") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(d)) => Some(d.clone()),
                        Some(other) => {
                            return Err(at(format!("{name}: dshape must be text, not {other}")));
                        }
                    };
                    (source.to_owned(), dshape)
                }
                _ => {
                    return Err(at(format!(
                        "source key not found for data source named {name}"
                    )));
                }
            };
            config.datasets.push(Dataset {
                name,
                source: resolve(&source, base),
                dshape,
            });
        }
        Ok(config)
    }
}

/// The `_server` section's settings.
fn settings(entry: &Value) -> Result<Settings, String> {
    let Value::Object(fields) = entry else {
        return Err(format!("{SETTINGS} must be a mapping of settings"));
    };
    let mut settings = Settings::default();
    for (key, value) in fields {
        let texts = || -> Result<Vec<String>, String> {
            match value {
                Value::String(one) => Ok(vec![one.clone()]),
                Value::Array(many) => many
                    .iter()
                    .map(|v| text(v).ok_or_else(|| format!("{SETTINGS}.{key}: {v} is not text")))
                    .collect(),
                _ => Err(format!("{SETTINGS}.{key} must be a list of texts")),
            }
        };
        match key.as_str() {
            "users" => {
                let Value::Object(users) = value else {
                    return Err(format!("{SETTINGS}.users must map user names to passwords"));
                };
                for (user, password) in users {
                    let password = text(password).ok_or_else(|| {
                        format!("{SETTINGS}.users.{user}: the password must be text")
                    })?;
                    settings.users.push((user.clone(), password));
                }
            }
            "tokens" => settings.tokens = texts()?,
            "cors" => settings.cors = texts()?,
            "add_roots" => settings.add_roots = texts()?.into_iter().map(PathBuf::from).collect(),
            "add_schemes" => settings.add_schemes = texts()?,
            _ => {
                return Err(format!(
                    "{SETTINGS}.{key} is not a setting (users, tokens, cors, add_roots, add_schemes)"
                ));
            }
        }
    }
    Ok(settings)
}

/// A YAML scalar as text (numbers too: a password may look like one).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `source` with a relative path (a plain path, or a `sqlite:///` one, which SQLAlchemy reads
/// as relative) taken from `base` when the file is there.
fn resolve(source: &str, base: Option<&Path>) -> String {
    let (prefix, path) = match source.split_once("://") {
        None => ("", source),
        Some(("sqlite", rest)) if rest.starts_with('/') && !rest.starts_with("//") => {
            ("sqlite:///", &rest[1..])
        }
        Some(_) => return source.to_owned(),
    };
    match base {
        Some(base) if Path::new(path).is_relative() && base.join(path).exists() => {
            format!("{prefix}{}", base.join(path).display())
        }
        _ => source.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasets_settings_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("iris.csv"), "a\n1\n").unwrap();
        let yaml = "iris:\n  source: iris.csv\nbank:\n  source: sqlite:///bank.db\n  dshape: 'var * {a: int64}'\nshort: s3://b/k.csv\n_server:\n  users: {alice: 1234}\n  tokens: t0ken\n  cors: ['*']\n";
        let config = Config::parse(yaml, &dir.path().join("c.yaml")).unwrap();
        let names: Vec<&str> = config.datasets.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["iris", "bank", "short"]);
        assert_eq!(
            config.datasets[0].source,
            dir.path().join("iris.csv").display().to_string()
        );
        // Not in the YAML's directory: left to the current directory.
        assert_eq!(config.datasets[1].source, "sqlite:///bank.db");
        assert_eq!(
            config.datasets[1].dshape.as_deref(),
            Some("var * {a: int64}")
        );
        assert_eq!(config.datasets[2].source, "s3://b/k.csv");
        assert_eq!(
            config.settings.users,
            [("alice".to_owned(), "1234".to_owned())]
        );
        assert_eq!(config.settings.tokens, ["t0ken"]);
        assert!(config.settings.requires_auth());

        let err = Config::parse("iris:\n  path: x.csv\n", Path::new("c.yaml")).unwrap_err();
        assert_eq!(
            err,
            "c.yaml: source key not found for data source named iris"
        );
        let err = Config::parse("_server:\n  colour: red\n", Path::new("c.yaml")).unwrap_err();
        assert!(err.contains("_server.colour is not a setting"), "{err}");
        let err = Config::parse("iris: [1, 2\n", Path::new("c.yaml")).unwrap_err();
        assert!(err.starts_with("c.yaml: "), "{err}");
        // A data file given where the YAML file goes.
        let err = Config::parse("id,name\n1,Alice\n", Path::new("data/accounts.csv")).unwrap_err();
        assert_eq!(
            err,
            "data/accounts.csv: expected a YAML mapping of dataset names to sources; to serve \
             this file, name it in one, as `accounts: {source: data/accounts.csv}`"
        );
    }
}
