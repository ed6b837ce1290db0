//! Errors of task graphs: a graph that cannot run, and a task that failed.

use crate::Key;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error a task's function returns: any error, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What can go wrong when running a graph.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A requested output is not in the graph.
    #[error("key {} is not in the graph", .key.quoted())]
    UnknownKey {
        /// The key asked for.
        key: Key,
    },
    /// A task depends on a key the graph does not have.
    #[error("missing dependency {} of task {}", .dependency.quoted(), .key.quoted())]
    MissingDependency {
        /// The task.
        key: Key,
        /// What it needs and the graph lacks.
        dependency: Key,
    },
    /// The graph is not acyclic; `keys` is one cycle, its first key repeated at the end.
    #[error("cycle detected between the following keys: {}", join(.keys))]
    Cycle {
        /// The keys of one cycle, in dependency order, the first repeated last.
        keys: Vec<Key>,
    },
    /// A task's function returned an error.
    #[error("task {} failed: {source}", .key.quoted())]
    TaskFailed {
        /// The task.
        key: Key,
        /// What its function returned.
        source: BoxError,
    },
    /// A task's function panicked; the other tasks were stopped and nothing leaked.
    #[error("task {} panicked: {message}", .key.quoted())]
    TaskPanicked {
        /// The task.
        key: Key,
        /// The panic's message.
        message: String,
    },
    /// A broken invariant of this crate.
    #[error("internal error: {0} (this is a bug in blaze)")]
    Internal(String),
}

impl Error {
    /// The key of the task that failed or panicked, if the error is a task's.
    pub fn task_key(&self) -> Option<&Key> {
        match self {
            Error::TaskFailed { key, .. } | Error::TaskPanicked { key, .. } => Some(key),
            Error::UnknownKey { .. }
            | Error::MissingDependency { .. }
            | Error::Cycle { .. }
            | Error::Internal(_) => None,
        }
    }
}

fn join(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| k.quoted().to_string())
        .collect::<Vec<_>>()
        .join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert!(size_of::<Error>() <= 72);
    }

    #[test]
    fn cycle_lists_its_keys() {
        let e = Error::Cycle {
            keys: vec!["a".into(), ("b", 1).into(), "a".into()],
        };
        assert_eq!(
            e.to_string(),
            "cycle detected between the following keys: 'a' -> ('b', 1) -> 'a'"
        );
    }
}
