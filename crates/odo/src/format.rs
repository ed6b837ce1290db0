//! File formats and compression, recognised from file names (and magic bytes as a fallback).

use std::path::Path;

/// How a file's bytes are compressed, from its last extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// `.gz`
    Gzip,
    /// `.zst`
    Zstd,
}

/// The format of a data file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Delimited text; `.tsv` files default to tabs.
    Csv {
        /// The delimiter implied by the name (`\t` for `.tsv`, `|` for `.psv`), if any.
        delimiter: Option<u8>,
    },
    /// One JSON document: an array of records (or any JSON value).
    Json,
    /// One JSON value per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC file (Feather v2) or stream.
    ArrowIpc,
}

impl FileFormat {
    /// The format and compression named by `path`'s extensions, e.g. `logs.jsonl.gz`.
    pub fn from_path(path: &Path) -> Option<(FileFormat, Compression)> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (stem, compression) = if let Some(stem) = name.strip_suffix(".gz") {
            (stem, Compression::Gzip)
        } else if let Some(stem) = name.strip_suffix(".zst") {
            (stem, Compression::Zstd)
        } else {
            (name.as_str(), Compression::None)
        };
        let extension = stem.rsplit_once('.')?.1;
        let format = match extension {
            "csv" | "txt" => FileFormat::Csv { delimiter: None },
            "tsv" | "tab" => FileFormat::Csv {
                delimiter: Some(b'\t'),
            },
            "psv" => FileFormat::Csv {
                delimiter: Some(b'|'),
            },
            "json" => FileFormat::Json,
            "jsonl" | "ndjson" => FileFormat::JsonLines,
            "parquet" | "pq" => FileFormat::Parquet,
            "arrow" | "feather" | "ipc" | "arrows" => FileFormat::ArrowIpc,
            _ => return None,
        };
        Some((format, compression))
    }

    /// The format of uncompressed `bytes` that start a file, for names without a known extension.
    pub fn from_magic(bytes: &[u8]) -> Option<FileFormat> {
        if bytes.starts_with(b"PAR1") {
            Some(FileFormat::Parquet)
        } else if bytes.starts_with(b"ARROW1") || bytes.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
            Some(FileFormat::ArrowIpc)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let f = |p: &str| FileFormat::from_path(Path::new(p));
        assert_eq!(
            f("a.csv"),
            Some((FileFormat::Csv { delimiter: None }, Compression::None))
        );
        assert_eq!(
            f("dir/A.TSV.gz"),
            Some((
                FileFormat::Csv {
                    delimiter: Some(b'\t')
                },
                Compression::Gzip
            ))
        );
        assert_eq!(
            f("logs.jsonl.zst"),
            Some((FileFormat::JsonLines, Compression::Zstd))
        );
        assert_eq!(
            f("iris.parquet"),
            Some((FileFormat::Parquet, Compression::None))
        );
        assert_eq!(
            f("x.feather"),
            Some((FileFormat::ArrowIpc, Compression::None))
        );
        assert_eq!(f("README"), None);
        assert_eq!(f("data.xlsx"), None);
    }
}
