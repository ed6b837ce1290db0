//! Resources named by URIs: what `blaze odo SOURCE TARGET` and `blaze discover` accept.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::format::{Compression, FileFormat};

/// A place data lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// A file on the local file system.
    File {
        /// Its path.
        path: PathBuf,
        /// Its format.
        format: FileFormat,
        /// How its bytes are compressed.
        compression: Compression,
    },
    /// Several files of one format read as one dataset, in name order: the files a glob matches
    /// (`logs/2024-*.jsonl.gz`), or every data file under a directory (`parquet://out/`). As a
    /// target, a directory of numbered part files (`part-00000.parquet`, ...).
    Files {
        /// The glob or the directory.
        set: FileSet,
        /// The files' format.
        format: FileFormat,
        /// How the files' bytes are compressed.
        compression: Compression,
    },
    /// An object in S3 (`s3://bucket/key`, or a glob of keys `s3://bucket/logs/*.csv`) or a
    /// file on an HTTP(S) server (read-only), in a format known from its name.
    Remote {
        /// The URL.
        url: String,
        /// The format.
        format: FileFormat,
        /// How its bytes are compressed.
        compression: Compression,
    },
    /// An n-d array stored in a file or store (`data.npy`, `data.zarr`, `file.h5::/x`), read
    /// and written block by block.
    Array {
        /// Its path.
        path: PathBuf,
        /// How it is stored.
        format: crate::array::ArrayFormat,
        /// The array inside the file or store: an HDF5 dataset's path (`/group/x`), or a Zarr
        /// array's path among its store's groups.
        node: Option<String>,
    },
    /// A Zarr store in S3 (`s3://bucket/path/data.zarr`), or an array in it
    /// (`s3://bucket/data.zarr::group/x`), read chunk by chunk where it is (read-only).
    RemoteZarr {
        /// The store's URL.
        url: String,
        /// The array's path among the store's groups.
        node: Option<String>,
    },
    /// A MongoDB database (`mongodb://host:port/db`), or one of its collections
    /// (`mongodb://host:port/db::collection`).
    Mongo {
        /// The connection string, with the database (without the collection).
        url: String,
        /// The collection, if one is named.
        collection: Option<String>,
    },
    /// A SQLite database file (`sqlite:///path/file.db`), or one of its tables
    /// (`sqlite:///path/file.db::table`).
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The table, if one is named.
        table: Option<String>,
    },
    /// A Blaze server (`blaze://host:port`, the port 6363 when not given) as a record of the
    /// datasets it serves, or one of them (`blaze://host:port::iris`). Read-only.
    Blaze {
        /// The server's HTTP address (`http://[user:password@]host:port`).
        url: String,
        /// The dataset, if one is named.
        dataset: Option<String>,
    },
    /// A PostgreSQL database (`postgresql://user:password@host:port/db`), or one of its tables
    /// (`...::table` or `...::schema.table`).
    Postgres {
        /// The connection URL (without the table).
        url: String,
        /// The table, if one is named, as `schema.table` or `table`.
        table: Option<String>,
    },
}

/// Where the files of a [`Resource::Files`] are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileSet {
    /// A glob pattern such as `logs/2024-*.jsonl.gz` (`*`, `?`, `[...]`, `**`).
    Glob(String),
    /// A directory: every data file under it, at any depth, except hidden ones (`.name`,
    /// `_name`).
    Directory(PathBuf),
}

impl Resource {
    /// Parses a resource URI: a file path (`data/iris.csv`, `file:///tmp/x.parquet`), optionally
    /// with a format hint (`jsonlines://events.log`, `csv://data.txt`).
    pub fn parse(uri: &str) -> Result<Resource> {
        if let Some(rest) = uri.strip_prefix("sqlite://") {
            // As in SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db; `::` names a table.
            let rest = rest.strip_prefix('/').unwrap_or(rest);
            let (path, table) = match rest.rsplit_once("::") {
                Some((path, table)) if !table.is_empty() => (path, Some(table.to_owned())),
                Some((path, _)) => (path, None),
                None => (rest, None),
            };
            if path.is_empty() {
                return Err(Error::InvalidOption(format!(
                    "'{uri}': no database file; write sqlite:///path/to/file.db::table"
                )));
            }
            return Ok(Resource::Sqlite {
                path: PathBuf::from(path),
                table,
            });
        }
        if uri.starts_with("postgresql://") || uri.starts_with("postgres://") {
            // `::` names a table, unless what follows is part of the URL (an IPv6 host).
            let (url, table) = match uri.rsplit_once("::") {
                Some((url, table)) if !table.contains(['/', ']', '@']) => {
                    (url, (!table.is_empty()).then(|| table.to_owned()))
                }
                _ => (uri, None),
            };
            return Ok(Resource::Postgres {
                url: url.to_owned(),
                table,
            });
        }
        if let Some(rest) = uri.strip_prefix("blaze://") {
            let (address, dataset) = match rest.split_once("::") {
                Some((address, name)) => (address, (!name.is_empty()).then(|| name.to_owned())),
                None => (rest, None),
            };
            let address = address.trim_end_matches('/');
            let host = address.rsplit('@').next().unwrap_or(address);
            if host.is_empty() || address.contains('/') {
                return Err(Error::InvalidOption(format!(
                    "'{uri}': a Blaze server is blaze://host[:port], a dataset blaze://host[:port]::name"
                )));
            }
            let port = if host.rsplit_once(':').is_some_and(|(_, p)| !p.contains(']')) {
                String::new()
            } else {
                format!(":{}", crate::blaze_server::DEFAULT_PORT)
            };
            return Ok(Resource::Blaze {
                url: format!("http://{address}{port}"),
                dataset,
            });
        }
        if uri.starts_with("mongodb://") {
            let (url, collection) = match uri.rsplit_once("::") {
                Some((url, name)) if !name.contains(['/', '@']) => {
                    (url, (!name.is_empty()).then(|| name.to_owned()))
                }
                _ => (uri, None),
            };
            crate::mongo::database_name(url)?;
            return Ok(Resource::Mongo {
                url: url.to_owned(),
                collection,
            });
        }
        if ["s3://", "http://", "https://"]
            .iter()
            .any(|scheme| uri.starts_with(scheme))
        {
            let name = uri.split(['?', '#']).next().unwrap_or(uri);
            let (store, node) = match name.split_once("::") {
                Some((store, node)) => (store, Some(node.trim_matches('/').to_owned())),
                None => (name, None),
            };
            match crate::array::ArrayFormat::from_path(Path::new(store.trim_end_matches('/'))) {
                Some(crate::array::ArrayFormat::Zarr) if uri.starts_with("s3://") => {
                    return Ok(Resource::RemoteZarr {
                        url: store.trim_end_matches('/').to_owned(),
                        node: node.filter(|n| !n.is_empty()),
                    });
                }
                Some(_) => {
                    return Err(Error::InvalidOption(format!(
                        "'{uri}': n-d arrays are read remotely from Zarr stores in S3 (s3://bucket/data.zarr); copy a .npy or HDF5 file to local disk first"
                    )));
                }
                None => {}
            }
            let (format, compression) = FileFormat::from_path(Path::new(name)).ok_or_else(|| {
                Error::InvalidOption(format!(
                    "'{uri}': cannot tell the format; the name should end in .csv, .tsv, .json, .jsonl, .parquet or .arrow (optionally followed by .gz or .zst)"
                ))
            })?;
            return Ok(Resource::Remote {
                url: uri.to_owned(),
                format,
                compression,
            });
        }
        let (hint, rest) = match uri.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, uri),
        };
        let (file, node) = match rest.split_once("::") {
            Some((file, node)) => (file, Some(node.to_owned())),
            None => (rest, None),
        };
        let array_format = match hint.as_deref() {
            None | Some("file") => {
                crate::array::ArrayFormat::from_path(Path::new(file.trim_end_matches('/')))
            }
            Some(scheme) => crate::array::ArrayFormat::from_scheme(scheme),
        };
        if let Some(format) = array_format {
            if node.is_some() && format == crate::array::ArrayFormat::Npy {
                return Err(Error::InvalidOption(format!(
                    "'{uri}': a .npy file holds one array; '::' names an array inside an HDF5 file or a Zarr store"
                )));
            }
            return Ok(Resource::Array {
                path: PathBuf::from(file.trim_end_matches('/')),
                format,
                node,
            });
        }
        let hinted = match hint.as_deref() {
            None | Some("file") => None,
            Some("csv") => Some(FileFormat::Csv { delimiter: None }),
            Some("tsv") => Some(FileFormat::Csv {
                delimiter: Some(b'\t'),
            }),
            Some("json") => Some(FileFormat::Json),
            Some("jsonlines" | "jsonl" | "ndjson") => Some(FileFormat::JsonLines),
            Some("parquet") => Some(FileFormat::Parquet),
            Some("arrow" | "feather") => Some(FileFormat::ArrowIpc),
            Some(other) => {
                return Err(Error::InvalidOption(format!(
                    "'{uri}': unknown scheme '{other}://' (known: local paths, file://, format hints such as csv://, jsonlines://, parquet://, npy://, zarr://, hdf5://; s3://, http(s)://, sqlite:///file.db::table, postgresql://)"
                )));
            }
        };
        if rest.contains(['*', '?', '[']) {
            let (format, compression) = match (hinted, FileFormat::from_path(Path::new(rest))) {
                (Some(format), named) => (format, named.map_or(Compression::None, |n| n.1)),
                (None, Some(named)) => named,
                (None, None) => {
                    return Err(Error::InvalidOption(format!(
                        "'{uri}': cannot tell the files' format; end the pattern with an extension (*.csv, *.jsonl.gz, *.parquet) or add a hint such as parquet://"
                    )));
                }
            };
            return Ok(Resource::Files {
                set: FileSet::Glob(rest.to_owned()),
                format,
                compression,
            });
        }
        let path = PathBuf::from(rest);
        if rest.ends_with('/') || path.is_dir() {
            let (format, compression) = match hinted {
                Some(format) => (format, Compression::None),
                None => crate::fileset::format_of_directory(&path)?.ok_or_else(|| {
                    Error::InvalidOption(format!(
                        "'{uri}' is a directory with no data files; name the format of its files, as in parquet://{rest}"
                    ))
                })?,
            };
            return Ok(Resource::Files {
                set: FileSet::Directory(path),
                format,
                compression,
            });
        }
        let named = FileFormat::from_path(&path);
        let (format, compression) = match (hinted, named) {
            (Some(format), Some((_, compression))) => (format, compression),
            (Some(format), None) => (format, Compression::None),
            (None, Some(found)) => found,
            (None, None) => return Err(Error::UnknownFormat { path }),
        };
        Ok(Resource::File {
            path,
            format,
            compression,
        })
    }

    /// The kind of resource, as named in the conversion graph.
    pub fn kind(&self) -> crate::graph::Kind {
        match self {
            Resource::File { format, .. }
            | Resource::Files { format, .. }
            | Resource::Remote { format, .. } => crate::graph::Kind::File(*format),
            Resource::Sqlite { .. } => crate::graph::Kind::Sqlite,
            Resource::Postgres { .. } => crate::graph::Kind::Postgres,
            Resource::Mongo { .. } => crate::graph::Kind::Mongo,
            Resource::Blaze { .. } => crate::graph::Kind::BlazeServer,
            Resource::Array {
                path,
                format: crate::array::ArrayFormat::Npy,
                ..
            } if crate::npy_records::is_record_npy(path) => crate::graph::Kind::NpyRecords,
            Resource::Array { format, .. } => crate::graph::Kind::Array(*format),
            Resource::RemoteZarr { .. } => {
                crate::graph::Kind::Array(crate::array::ArrayFormat::Zarr)
            }
        }
    }

    /// Where the resource is, for messages and errors: a path, or a URL without its password.
    pub fn location(&self) -> PathBuf {
        match self {
            Resource::File { path, .. }
            | Resource::Sqlite { path, .. }
            | Resource::Array { path, .. } => path.clone(),
            Resource::Files {
                set: FileSet::Glob(pattern),
                ..
            } => PathBuf::from(pattern),
            Resource::Files {
                set: FileSet::Directory(path),
                ..
            } => path.clone(),
            Resource::Remote { url, .. } | Resource::RemoteZarr { url, .. } => PathBuf::from(url),
            Resource::Postgres { url, .. }
            | Resource::Mongo { url, .. }
            | Resource::Blaze { url, .. } => PathBuf::from(crate::postgres::redact(url)),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::File { path, .. }
            | Resource::Array {
                path, node: None, ..
            } => write!(f, "{}", path.display()),
            Resource::Array {
                path,
                node: Some(node),
                ..
            } => write!(f, "{}::{node}", path.display()),
            Resource::Files { .. } => write!(f, "{}", self.location().display()),
            Resource::Remote { url, .. } | Resource::RemoteZarr { url, node: None } => {
                f.write_str(url)
            }
            Resource::RemoteZarr {
                url,
                node: Some(node),
            } => write!(f, "{url}::{node}"),
            Resource::Sqlite { path, table: None } => write!(f, "sqlite:///{}", path.display()),
            Resource::Sqlite {
                path,
                table: Some(table),
            } => write!(f, "sqlite:///{}::{table}", path.display()),
            Resource::Postgres { url, table: None }
            | Resource::Mongo {
                url,
                collection: None,
            } => f.write_str(&crate::postgres::redact(url)),
            Resource::Mongo {
                url,
                collection: Some(name),
            } => write!(f, "{}::{name}", crate::postgres::redact(url)),
            Resource::Postgres {
                url,
                table: Some(table),
            } => write!(f, "{}::{table}", crate::postgres::redact(url)),
            Resource::Blaze { url, dataset } => {
                let address = crate::postgres::redact(url);
                let address = address.strip_prefix("http://").unwrap_or(&address);
                match dataset {
                    Some(name) => write!(f, "blaze://{address}::{name}"),
                    None => write!(f, "blaze://{address}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blaze_servers_and_their_datasets() {
        let parse = |uri: &str| Resource::parse(uri).unwrap();
        assert_eq!(
            parse("blaze://localhost"),
            Resource::Blaze {
                url: "http://localhost:6363".into(),
                dataset: None
            }
        );
        assert_eq!(
            parse("blaze://u:pw@10.0.0.1:7000::iris"),
            Resource::Blaze {
                url: "http://u:pw@10.0.0.1:7000".into(),
                dataset: Some("iris".into())
            }
        );
        assert_eq!(
            parse("blaze://u:pw@10.0.0.1:7000::iris").to_string(),
            "blaze://u:***@10.0.0.1:7000::iris"
        );
        assert!(Resource::parse("blaze://host/path").is_err());
        assert!(Resource::parse("blaze://").is_err());
    }

    #[test]
    fn parses_paths_and_hints() {
        assert_eq!(
            Resource::parse("data/x.csv.gz").unwrap(),
            Resource::File {
                path: "data/x.csv.gz".into(),
                format: FileFormat::Csv { delimiter: None },
                compression: Compression::Gzip
            }
        );
        assert_eq!(
            Resource::parse("jsonlines://logs/events.log").unwrap(),
            Resource::File {
                path: "logs/events.log".into(),
                format: FileFormat::JsonLines,
                compression: Compression::None
            }
        );
        assert_eq!(
            Resource::parse("sqlite:////tmp/a.db::t").unwrap(),
            Resource::Sqlite {
                path: "/tmp/a.db".into(),
                table: Some("t".into())
            }
        );
        assert_eq!(
            Resource::parse("sqlite:///data.db").unwrap(),
            Resource::Sqlite {
                path: "data.db".into(),
                table: None
            }
        );
        assert_eq!(
            Resource::parse("postgresql://u:p@[::1]:5432/db::sales.orders").unwrap(),
            Resource::Postgres {
                url: "postgresql://u:p@[::1]:5432/db".into(),
                table: Some("sales.orders".into())
            }
        );
        assert_eq!(
            Resource::parse("postgres://u@[::1]:5432/db").unwrap(),
            Resource::Postgres {
                url: "postgres://u@[::1]:5432/db".into(),
                table: None
            }
        );
        assert_eq!(
            Resource::parse("postgresql://u:secret@h/db::t")
                .unwrap()
                .to_string(),
            "postgresql://u:***@h/db::t"
        );
        assert!(Resource::parse("x.unknown").is_err());
        assert!(
            Resource::parse("ftp://host/x.csv")
                .unwrap_err()
                .to_string()
                .contains("unknown scheme 'ftp://'")
        );
    }
}
