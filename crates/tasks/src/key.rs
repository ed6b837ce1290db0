//! Keys: the names of a graph's computations.

use std::fmt;
use std::sync::Arc;

/// The name of one computation in a [`Graph`](crate::Graph): a string such as `x`, or a string
/// with block indices such as `('x', 0, 1)`, the form collections use for their blocks.
///
/// The name is shared, so the many blocks of one collection cost one allocation for it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    name: Arc<str>,
    index: Box<[i64]>,
}

impl Key {
    /// A key with block indices: `Key::new("x", [0, 1])` is `('x', 0, 1)`.
    pub fn new(name: impl Into<Arc<str>>, index: impl Into<Box<[i64]>>) -> Self {
        Key {
            name: name.into(),
            index: index.into(),
        }
    }

    /// The name part of the key: `x` for both `x` and `('x', 0, 1)`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The shared name, to build more keys of the same collection without copying it.
    pub fn name_arc(&self) -> &Arc<str> {
        &self.name
    }

    /// The block indices: empty for a plain name.
    pub fn index(&self) -> &[i64] {
        &self.index
    }

    /// The key as messages show it: `'x'` for a plain name, `('x', 0, 1)` for a block key.
    pub fn quoted(&self) -> impl fmt::Display + '_ {
        Quoted(self)
    }
}

struct Quoted<'a>(&'a Key);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.index.is_empty() {
            write!(f, "'{}'", self.0.name)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Prints `x` for a plain name and `('x', 0, 1)` for a block key, as dask prints them.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index.is_empty() {
            return f.write_str(&self.name);
        }
        write!(f, "('{}'", self.name)?;
        for i in &self.index {
            write!(f, ", {i}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<&str> for Key {
    fn from(name: &str) -> Self {
        Key::new(name, [])
    }
}

impl From<String> for Key {
    fn from(name: String) -> Self {
        Key::new(name, [])
    }
}

impl From<&Key> for Key {
    fn from(key: &Key) -> Self {
        key.clone()
    }
}

impl From<(&str, i64)> for Key {
    fn from((name, i): (&str, i64)) -> Self {
        Key::new(name, [i])
    }
}

impl From<(&str, i64, i64)> for Key {
    fn from((name, i, j): (&str, i64, i64)) -> Self {
        Key::new(name, [i, j])
    }
}

impl From<(&str, i64, i64, i64)> for Key {
    fn from((name, i, j, k): (&str, i64, i64, i64)) -> Self {
        Key::new(name, [i, j, k])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_dask() {
        assert_eq!(Key::from("x").to_string(), "x");
        assert_eq!(Key::from(("x", 0, 1)).to_string(), "('x', 0, 1)");
        assert_eq!(Key::from(("sum", -1)).to_string(), "('sum', -1)");
    }

    #[test]
    fn plain_and_block_keys_differ() {
        assert_ne!(Key::from("x"), Key::from(("x", 0)));
        assert_eq!(Key::from(("x", 0)), Key::new("x", vec![0]));
    }
}
