//! Datasets served by a Blaze server (`blaze://host:port`, `blaze://host:port::iris`), read
//! with its protocol: `GET /datashape` for their datashapes, `POST /compute` answered as an
//! Arrow IPC stream for their rows and for whole expressions computed there.
//!
//! Credentials: `blaze://user:password@host:port` sends HTTP Basic credentials; the
//! environment variable `BLAZE_TOKEN`, when set, a bearer token instead.

use std::time::Duration;

use arrow::compute::cast;
use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::record_batch::RecordBatch;
use blaze_datashape::DataShape;
use serde_json::{Value, json};

use crate::Resource;
use crate::error::{Error, Result};
use crate::source::BatchSource;

/// The Blaze server's port when the URI gives none.
pub(crate) const DEFAULT_PORT: u16 = 6363;

/// The media type of Blaze's JSON payloads.
const BLAZE_JSON: &str = "application/vnd.blaze+json";
/// The media type of Arrow IPC streams.
const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// `blaze://[user:password@]host[:port]` as the server's HTTP address (without credentials)
/// and its credentials.
struct Server {
    base: String,
    credentials: Option<(String, String)>,
}

impl Server {
    fn parse(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (credentials, host) = match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some((user.to_owned(), password.to_owned())), host)
            }
            None => (None, rest),
        };
        Ok(Self {
            base: format!("http://{}", host.trim_end_matches('/')),
            credentials,
        })
    }

    fn client() -> Result<reqwest::blocking::Client> {
        reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // Results stream for as long as they take.
            .timeout(None)
            .build()
            .map_err(|e| Error::InvalidOption(format!("cannot make an HTTP client: {e}")))
    }

    fn request(
        &self,
        builder: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match (std::env::var("BLAZE_TOKEN").ok(), &self.credentials) {
            (Some(token), _) => builder.bearer_auth(token),
            (None, Some((user, password))) => builder.basic_auth(user, Some(password)),
            (None, None) => builder,
        }
    }

    /// The response to `builder`'s request, or the server's error as text.
    fn send(
        &self,
        uri: &str,
        builder: reqwest::blocking::RequestBuilder,
    ) -> Result<reqwest::blocking::Response> {
        let failed = |message: String| Error::Remote {
            uri: uri.to_owned(),
            message: format!("{uri}: {message}"),
        };
        let response = self.request(builder).send().map_err(|e| {
            failed(format!(
                "cannot reach the Blaze server at {}: {e}",
                self.base
            ))
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().unwrap_or_default();
        Err(failed(format!(
            "the server answered {status}: {}",
            text.trim()
        )))
    }
}

/// The datashape of everything the server at `url` serves: a record of its datasets.
pub(crate) fn datashape(url: &str, uri: &str) -> Result<DataShape> {
    let server = Server::parse(url)?;
    let response = server.send(
        uri,
        Server::client()?.get(format!("{}/datashape", server.base)),
    )?;
    let text = response.text().map_err(|e| Error::Remote {
        uri: uri.to_owned(),
        message: format!("{uri}: {e}"),
    })?;
    blaze_datashape::parse(&text).map_err(|source| Error::Datashape {
        path: uri.into(),
        source,
    })
}

/// The rows of the dataset `name` of the server at `url`.
pub(crate) fn read(url: &str, name: &str, uri: &str) -> Result<BatchSource> {
    let tree = json!({"op": "Field", "args": [":leaf", name]});
    compute_tree(url, &tree, uri, None)
}

/// The result of the expression `tree` (Blaze's JSON tree format, `":leaf"` standing for
/// everything the server serves) computed by the Blaze server `server`, as batches of
/// `schema`.
pub fn compute(server: &Resource, tree: &Value, schema: SchemaRef) -> Result<BatchSource> {
    let Resource::Blaze { url, .. } = server else {
        return Err(Error::InvalidOption(format!(
            "{server} is not a Blaze server"
        )));
    };
    compute_tree(url, tree, &server.to_string(), Some(schema))
}

fn compute_tree(
    url: &str,
    tree: &Value,
    uri: &str,
    schema: Option<SchemaRef>,
) -> Result<BatchSource> {
    let server = Server::parse(url)?;
    let request = Server::client()?
        .post(format!("{}/compute", server.base))
        .header("Content-Type", BLAZE_JSON)
        .header("Accept", ARROW_STREAM)
        .body(json!({ "expr": tree }).to_string());
    let response = server.send(uri, request)?;
    let remote = |e: arrow::error::ArrowError| Error::Remote {
        uri: uri.to_owned(),
        message: format!("{uri}: {e}"),
    };
    let reader = StreamReader::try_new(response, None).map_err(remote)?;
    let schema = schema.unwrap_or_else(|| reader.schema());
    let datashape =
        blaze_datashape::arrow::from_arrow_schema(&schema).map_err(|source| Error::Datashape {
            path: uri.into(),
            source,
        })?;
    let batch_schema = schema.clone();
    let uri = uri.to_owned();
    let batches = reader.map(move |batch| {
        let batch = batch.map_err(|e| Error::Remote {
            uri: uri.clone(),
            message: format!("{uri}: {e}"),
        })?;
        conform(batch, &batch_schema).map_err(|e| Error::Remote {
            uri: uri.clone(),
            message: format!("{uri}: {e}"),
        })
    });
    Ok(BatchSource {
        datashape,
        schema,
        batches: Box::new(batches),
    })
}

/// `batch` as a batch of `schema` (the same columns, typed and named as the reader expects).
fn conform(
    batch: RecordBatch,
    schema: &SchemaRef,
) -> std::result::Result<RecordBatch, arrow::error::ArrowError> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| cast(column, field.data_type()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}
