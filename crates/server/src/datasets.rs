//! The datasets served: bound at start from the configuration, and added by `POST /add`
//! within the roots and URI schemes the settings allow.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use blaze_compute::Session;
use blaze_datashape::DataShape;

use crate::app::{Failure, Shared};
use crate::config::{Dataset, Settings};

/// Binds `dataset` in `session`: a directory as a record of the data files under it, anything
/// else as odo reads it. Its datashape.
pub(crate) fn bind(session: &mut Session, dataset: &Dataset) -> Result<DataShape, String> {
    let failed = |e: blaze_compute::Error| format!("{}: {e}", dataset.name);
    let path = Path::new(&dataset.source);
    let is_array = blaze_odo::ArrayFormat::from_path(path).is_some();
    let bound = if !dataset.source.contains("://") && path.is_dir() && !is_array {
        let files = data_files(path).map_err(|e| format!("{}: {e}", dataset.name))?;
        if files.is_empty() {
            return Err(format!(
                "{}: {} holds no data files",
                dataset.name, dataset.source
            ));
        }
        session.bind_record(&dataset.name, &files).map_err(failed)?
    } else {
        let dshape = match &dataset.dshape {
            Some(text) => Some(
                blaze_datashape::parse(text)
                    .map_err(|e| format!("{}: dshape {text:?}: {e}", dataset.name))?,
            ),
            None => None,
        };
        session
            .bind_as(&dataset.name, &dataset.source, dshape)
            .map_err(failed)?
    };
    Ok(bound.dshape().clone())
}

/// The data files under `dir` (not hidden ones), each named by its path from `dir` without
/// its extensions (`2024/jan.csv.gz` → `2024/jan`), in name order.
fn data_files(dir: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at)? {
            let path = entry?.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if blaze_odo::FileFormat::from_path(&path).is_some() {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let name = relative.to_string_lossy();
                let stem = name.split_once('.').map_or(&*name, |(stem, _)| stem);
                files.push((stem.to_owned(), path.display().to_string()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Adds the dataset `name` read from `source`, if the settings allow it there. Its name.
pub(crate) fn add(shared: &Shared, name: &str, source: &str) -> Result<String, Failure> {
    let unprocessable = |m: String| Failure::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    if shared
        .datasets
        .read()
        .expect("not poisoned")
        .iter()
        .any(|(n, _)| n == name)
    {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            format!("Cannot add dataset named {name}, already exists on server."),
        ));
    }
    permitted(&shared.settings, source)
        .map_err(|m| unprocessable(format!("Addition not supported: {m}")))?;
    let dataset = Dataset {
        name: name.to_owned(),
        source: source.to_owned(),
        dshape: None,
    };
    let mut session = shared.session.write().expect("not poisoned");
    let dshape = bind(&mut session, &dataset)
        .map_err(|m| unprocessable(format!("Addition failed with message: {m}")))?;
    shared
        .datasets
        .write()
        .expect("not poisoned")
        .push((name.to_owned(), dshape));
    Ok(name.to_owned())
}

/// Whether `/add` may open `source`: a file (or SQLite database) under one of the roots, or a
/// URI of a scheme the settings list.
fn permitted(settings: &Settings, source: &str) -> Result<(), String> {
    let path = match source.split_once("://") {
        None => PathBuf::from(source),
        Some(("sqlite", rest)) => PathBuf::from(rest.split("::").next().unwrap_or(rest)),
        Some((scheme, _)) => {
            return if settings.add_schemes.iter().any(|s| s == scheme) {
                Ok(())
            } else {
                Err(format!(
                    "{scheme}:// sources are not allowed on this server"
                ))
            };
        }
    };
    if source.starts_with("sqlite://") && !settings.add_schemes.iter().any(|s| s == "sqlite") {
        return Err("sqlite:// sources are not allowed on this server".into());
    }
    let outside = || {
        format!(
            "{} is outside the directories this server reads",
            path.display()
        )
    };
    let Ok(path) = path.canonicalize() else {
        return Err(outside());
    };
    let inside = settings
        .add_roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| path.starts_with(root));
    if inside { Ok(()) } else { Err(outside()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additions_stay_within_roots_and_schemes() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("in.csv");
        std::fs::write(&inside, "a\n1\n").unwrap();
        let settings = Settings {
            add_roots: vec![dir.path().to_path_buf()],
            add_schemes: vec!["postgresql".into()],
            ..Settings::default()
        };
        assert_eq!(permitted(&settings, inside.to_str().unwrap()), Ok(()));
        let escape = format!("{}/../etc/passwd", dir.path().display());
        assert!(
            permitted(&settings, &escape)
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            permitted(&settings, "/etc/passwd")
                .unwrap_err()
                .contains("outside")
        );
        assert_eq!(permitted(&settings, "postgresql://u@h/db::t"), Ok(()));
        assert_eq!(
            permitted(&settings, "s3://bucket/k.csv"),
            Err("s3:// sources are not allowed on this server".into())
        );
        assert_eq!(
            permitted(&settings, &format!("sqlite://{}", inside.display())),
            Err("sqlite:// sources are not allowed on this server".into())
        );
    }
}
