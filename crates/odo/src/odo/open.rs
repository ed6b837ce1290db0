//! Opening any resource for reading, and discovering its datashape.

use std::path::{Path, PathBuf};

use blaze_datashape::DataShape;

use super::mongo_collection;
use super::require_table;
use crate::discover::{DiscoverOptions, Discovery, discover_path};
use crate::error::{Error, Result};
use crate::fileset;
use crate::format::{Compression, FileFormat};
use crate::resource::Resource;
use crate::source::{BatchSource, DEFAULT_BATCH_ROWS, open_file};
use crate::{blaze_server, mongo, postgres, remote, sqlite};

/// Opens the resource at `uri` for reading as Arrow record batches, typed by `dshape` or else
/// by discovery (with `options`).
pub fn open(
    uri: &str,
    dshape: Option<&DataShape>,
    options: &DiscoverOptions,
) -> Result<BatchSource> {
    open_source(&Resource::parse(uri)?, dshape, options, DEFAULT_BATCH_ROWS)
}

/// Opens any readable resource as a stream of batches.
pub(crate) fn open_source(
    resource: &Resource,
    dshape: Option<&DataShape>,
    read: &DiscoverOptions,
    batch_rows: usize,
) -> Result<BatchSource> {
    match resource {
        Resource::File {
            path,
            format,
            compression,
        } => {
            count_sizes(read, std::slice::from_ref(path));
            open_file(path, *format, *compression, dshape, read, batch_rows)
        }
        Resource::Files {
            set,
            format,
            compression,
        } => {
            let files = fileset::list(set, *format)?;
            count_sizes(read, &files);
            fileset::open(files, *format, *compression, dshape, read, batch_rows)
        }
        Resource::Remote {
            url,
            format,
            compression,
        } => {
            let staged = remote::download(url)?;
            let files = staged.files.clone();
            let rename = move |e| staged.rename_error(e);
            open_staged(
                files,
                *format,
                *compression,
                dshape,
                read,
                batch_rows,
                rename,
            )
        }
        Resource::Mongo { url, collection } => {
            let export = mongo::export(&mongo_collection(resource, url, collection)?, &[])?;
            let files = vec![export.file.clone()];
            let rename = move |e| export.rename_error(e);
            let (format, compression) = (FileFormat::JsonLines, Compression::None);
            open_staged(files, format, compression, dshape, read, batch_rows, rename)
        }
        Resource::Sqlite { path, table } => {
            sqlite::read(path, require_table(resource, table)?, dshape, batch_rows)
        }
        Resource::Array {
            path,
            format: crate::array::ArrayFormat::Npy,
            ..
        } if crate::npy_records::is_record_npy(path) => crate::npy_records::open(path, batch_rows),
        Resource::Array { .. } | Resource::RemoteZarr { .. } => crate::array_table::array_as_table(
            &crate::array::open_resource(resource)?,
            &resource.to_string(),
        ),
        Resource::Blaze { url, dataset } => {
            let name = dataset.as_deref().ok_or_else(|| {
                Error::InvalidOption(format!(
                    "{resource}: name the dataset, as in {resource}::name"
                ))
            })?;
            blaze_server::read(url, name, &resource.to_string())
        }
        Resource::Postgres { url, table } => postgres::read(
            &postgres::split_table(url, require_table(resource, table)?),
            dshape,
            batch_rows,
        ),
    }
}

/// Opens local copies of remote data as batches. `rename` puts the remote names back into
/// errors; it owns the copies, which go when the reading is done.
pub(crate) fn open_staged(
    files: Vec<PathBuf>,
    format: FileFormat,
    compression: Compression,
    dshape: Option<&DataShape>,
    read: &DiscoverOptions,
    batch_rows: usize,
    rename: impl Fn(Error) -> Error + Send + 'static,
) -> Result<BatchSource> {
    count_sizes(read, &files);
    let mut source =
        fileset::open(files, format, compression, dshape, read, batch_rows).map_err(&rename)?;
    source.batches = Box::new(source.batches.map(move |batch| batch.map_err(&rename)));
    Ok(source)
}

/// Adds the sizes of `files` to the total bytes of the read's progress, if it counts.
fn count_sizes(read: &DiscoverOptions, files: &[PathBuf]) {
    if let Some(progress) = &read.progress {
        progress.add_files(files);
    }
}

/// The datashape of any resource: a file, a table, or a whole database (a record of its
/// tables).
pub fn discover(uri: &str, options: &DiscoverOptions) -> Result<Discovery> {
    match Resource::parse(uri)? {
        Resource::File { path, .. } => discover_path(&path, options),
        Resource::Files { set, format, .. } => {
            fileset::discover(&fileset::list(&set, format)?, options)
        }
        Resource::Mongo {
            url,
            collection: None,
        } => {
            let db = mongo::database_name(&url)?;
            let mut fields = Vec::new();
            for name in mongo::collection_names(&url, &db)? {
                let uri = format!("{url}::{name}");
                fields.push((name, discover(&uri, options)?.datashape));
            }
            let datashape = DataShape::record(fields).map_err(|source| Error::Datashape {
                path: postgres::redact(&url).into(),
                source,
            })?;
            Ok(Discovery {
                datashape,
                rows_read: 0,
                complete: true,
                csv: None,
            })
        }
        Resource::Mongo {
            ref url,
            ref collection,
        } => {
            let resource = Resource::parse(uri)?;
            let export = mongo::export(&mongo_collection(&resource, url, collection)?, &[])?;
            discover_path(&export.file, options).map_err(|e| export.rename_error(e))
        }
        Resource::Remote { url, .. } => {
            let staged = remote::download(&url)?;
            fileset::discover(&staged.files, options).map_err(|e| staged.rename_error(e))
        }
        Resource::Sqlite { path, table } => Ok(Discovery {
            datashape: match table {
                Some(table) => sqlite::discover_table(&path, &table)?,
                None => sqlite::discover_database(&path)?,
            },
            rows_read: 0,
            complete: true,
            csv: None,
        }),
        Resource::Postgres { url, table } => Ok(Discovery {
            datashape: match table {
                Some(table) => postgres::discover_table(&postgres::split_table(&url, &table))?,
                None => postgres::discover_database(&url)?,
            },
            rows_read: 0,
            complete: true,
            csv: None,
        }),
        Resource::RemoteZarr { url, node } => {
            let at = Path::new(&url);
            let members = match node {
                Some(_) => None,
                None => crate::remote_zarr::members(&url)?,
            };
            let datashape = match members {
                Some(members) => crate::array::members_datashape(&members, at)?,
                None => {
                    crate::array::datashape(&crate::remote_zarr::open(&url, node.as_deref())?, at)?
                }
            };
            Ok(Discovery {
                datashape,
                rows_read: 0,
                complete: true,
                csv: None,
            })
        }
        Resource::Array { path, format, node } => crate::array::discover(crate::array::Location {
            path: &path,
            format,
            node: node.as_deref(),
        }),
        Resource::Blaze { url, dataset } => {
            let served = blaze_server::datashape(&url, uri)?;
            let datashape = match dataset {
                None => served,
                Some(name) => served
                    .as_record()
                    .and_then(|r| r.fields().iter().find(|(n, _)| *n == name))
                    .map(|(_, shape)| shape.clone())
                    .ok_or_else(|| {
                        Error::InvalidOption(format!("{uri}: the server has no dataset {name}"))
                    })?,
            };
            Ok(Discovery {
                datashape,
                rows_read: 0,
                complete: true,
                csv: None,
            })
        }
    }
}
