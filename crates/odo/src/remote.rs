//! Objects in S3 (`s3://bucket/key`, or a glob of keys such as `s3://bucket/logs/2024-*.csv`)
//! and files on HTTP(S) servers (read-only), through `object_store`.
//!
//! Remote data is staged through local temporary files: a source is downloaded in a stream (in
//! bounded memory) and read as a file; a target is written to a local file and uploaded when
//! complete, so the object appears whole or not at all (an S3 upload becomes visible only when
//! it completes).
//!
//! S3 settings come from the usual environment variables: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT` (an S3-compatible server) and
//! `AWS_ALLOW_HTTP=true` (a server without TLS).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};

use crate::error::{Error, Result};

/// A remote location split into its store and the key (or key pattern) inside it.
pub(crate) struct Location {
    pub(crate) store: Arc<dyn ObjectStore>,
    /// The URL up to the key, e.g. `s3://bucket/`.
    base: String,
    /// The key or key pattern, e.g. `logs/2024-*.csv`.
    pub(crate) key: String,
}

/// An error of the remote store at `url`. An S3 server's answer is given by what it says and
/// its code ("The specified bucket does not exist (NoSuchBucket)") rather than its whole XML.
pub(crate) fn remote_error(url: &str, e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    let element = |name: &str| {
        let (open, close) = (format!("<{name}>"), format!("</{name}>"));
        let start = text.find(&open)? + open.len();
        let len = text[start..].find(&close)?;
        Some(text[start..start + len].to_owned())
    };
    let message = match (element("Message"), element("Code")) {
        (Some(message), Some(code)) => format!("{url}: {message} ({code})"),
        _ => format!("{url}: {text}"),
    };
    Error::Remote {
        uri: url.to_owned(),
        message,
    }
}

pub(crate) fn runtime(url: &str) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| remote_error(url, e))
}

pub(crate) fn locate(url: &str) -> Result<Location> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || key.is_empty() {
            return Err(Error::InvalidOption(format!(
                "'{url}': write s3://bucket/key"
            )));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| remote_error(url, e))?;
        return Ok(Location {
            store: Arc::new(store),
            base: format!("s3://{bucket}/"),
            key: key.to_owned(),
        });
    }
    // http(s)://host[:port]/path: the store is the server, the key its path.
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    let (base, key) = url.split_at(path_start);
    let store = object_store::http::HttpBuilder::new()
        .with_url(base)
        .with_client_options(
            object_store::ClientOptions::new().with_allow_http(url.starts_with("http://")),
        )
        .build()
        .map_err(|e| remote_error(url, e))?;
    Ok(Location {
        store: Arc::new(store),
        base: format!("{base}/"),
        key: key.trim_start_matches('/').to_owned(),
    })
}

/// Local copies of remote objects, deleted when dropped.
pub(crate) struct Staged {
    dir: tempfile::TempDir,
    /// The local files, in key order.
    pub(crate) files: Vec<PathBuf>,
    base: String,
}

impl Staged {
    /// `error` with the local paths put back as the URLs they came from.
    pub(crate) fn rename_error(&self, error: Error) -> Error {
        let local = format!("{}/", self.dir.path().display());
        Error::Remote {
            uri: self.base.clone(),
            message: error.to_string().replace(&local, &self.base),
        }
    }
}

fn has_wildcards(key: &str) -> bool {
    key.contains(['*', '?', '['])
}

/// Downloads the object at `url`, or every object whose key matches its glob, streaming each
/// to a local temporary file.
pub(crate) fn download(url: &str) -> Result<Staged> {
    let location = locate(url)?;
    let dir = tempfile::Builder::new()
        .prefix(".blaze-remote.")
        .tempdir()
        .map_err(|e| remote_error(url, e))?;
    let rt = runtime(url)?;
    let keys = if has_wildcards(&location.key) {
        let pattern = glob::Pattern::new(&location.key)
            .map_err(|e| Error::InvalidOption(format!("invalid glob '{url}': {}", e.msg)))?;
        let literal: String = location
            .key
            .chars()
            .take_while(|c| !matches!(c, '*' | '?' | '['))
            .collect();
        let prefix = literal
            .rsplit_once('/')
            .map(|(dir, _)| ObjectPath::from(dir));
        let mut keys: Vec<String> = rt.block_on(async {
            let mut listed = location.store.list(prefix.as_ref());
            let mut keys = Vec::new();
            while let Some(meta) = listed.next().await {
                let key = meta.map_err(|e| remote_error(url, e))?.location.to_string();
                if pattern.matches(&key) {
                    keys.push(key);
                }
            }
            Ok::<_, Error>(keys)
        })?;
        keys.sort();
        if keys.is_empty() {
            return Err(Error::InvalidOption(format!("no objects match '{url}'")));
        }
        keys
    } else {
        vec![location.key.clone()]
    };
    let mut files = Vec::with_capacity(keys.len());
    for key in keys {
        let local = dir.path().join(&key);
        let object_url = format!("{}{key}", location.base);
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent).map_err(|e| remote_error(&object_url, e))?;
        }
        rt.block_on(fetch(&*location.store, &key, &local, &object_url))?;
        files.push(local);
    }
    Ok(Staged {
        dir,
        files,
        base: location.base,
    })
}

async fn fetch(store: &dyn ObjectStore, key: &str, local: &Path, url: &str) -> Result<()> {
    let result = store
        .get(&ObjectPath::from(key))
        .await
        .map_err(|e| match e {
            // A missing bucket is "not found" too: the server's answer says which.
            object_store::Error::NotFound { .. } if !e.to_string().contains("NoSuchBucket") => {
                remote_error(url, "no such object")
            }
            e => remote_error(url, e),
        })?;
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(local).map_err(|e| remote_error(url, e))?);
    let mut chunks = result.into_stream();
    while let Some(chunk) = chunks.next().await {
        file.write_all(&chunk.map_err(|e| remote_error(url, e))?)
            .map_err(|e| remote_error(url, e))?;
    }
    file.flush().map_err(|e| remote_error(url, e))
}

/// Whether the object at `url` exists; an error for read-only (HTTP) URLs, which cannot be
/// targets.
pub(crate) fn exists(url: &str) -> Result<bool> {
    writable(url)?;
    let location = locate(url)?;
    runtime(url)?.block_on(async {
        match location
            .store
            .head(&ObjectPath::from(location.key.as_str()))
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(remote_error(url, e)),
        }
    })
}

/// Uploads the local file `local` as the object at `url` (a multipart upload, which S3 makes
/// visible only when complete; an upload that fails is aborted).
pub(crate) fn upload(local: &Path, url: &str) -> Result<()> {
    writable(url)?;
    let location = locate(url)?;
    runtime(url)?.block_on(async {
        let upload = location
            .store
            .put_multipart(&ObjectPath::from(location.key.as_str()))
            .await
            .map_err(|e| remote_error(url, e))?;
        let mut writer = WriteMultipart::new(upload);
        let mut file = std::fs::File::open(local).map_err(|e| remote_error(url, e))?;
        let mut buffer = vec![0u8; 8 << 20];
        loop {
            let n =
                std::io::Read::read(&mut file, &mut buffer).map_err(|e| remote_error(url, e))?;
            if n == 0 {
                break;
            }
            writer.write(&buffer[..n]);
            writer
                .wait_for_capacity(4)
                .await
                .map_err(|e| remote_error(url, e))?;
        }
        writer.finish().await.map_err(|e| remote_error(url, e))?;
        Ok(())
    })
}

fn writable(url: &str) -> Result<()> {
    if url.starts_with("s3://") && has_wildcards(url) {
        Err(Error::InvalidOption(format!(
            "'{url}': a target is one object; name it without wildcards"
        )))
    } else if url.starts_with("s3://") {
        Ok(())
    } else {
        Err(Error::InvalidOption(format!(
            "'{url}': HTTP resources are read-only; write to a file, s3:// or a database"
        )))
    }
}
