//! What a move did, and how it is told to a person.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use blaze_datashape::DataShape;

use crate::graph::Plan;

/// What [`odo`](crate::odo) did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The source (passwords hidden).
    pub source: String,
    /// The target (passwords hidden).
    pub target: String,
    /// Rows moved from the source (not counting rows the target already had).
    pub rows: u64,
    /// The datashape of the moved data.
    pub datashape: DataShape,
    /// Rows set aside as rejects, and the file they went to.
    pub rejected: Option<(u64, PathBuf)>,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// The path taken.
    pub plan: Plan,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            self.rows as f64 / seconds
        } else {
            0.0
        };
        write!(
            f,
            "{} → {} in {} ({} rows/s)",
            rows(self.rows),
            self.target,
            human_duration(seconds),
            human_count(rate)
        )?;
        if let Some((rejected, path)) = &self.rejected {
            write!(f, "; {} rejected → {}", rows(*rejected), path.display())?;
        }
        Ok(())
    }
}

/// `1 row`, `1,234 rows`.
fn rows(n: u64) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{} rows", thousands(n))
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn human_duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.1} s")
    }
}

fn human_count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(rows(1), "1 row");
        assert_eq!(rows(1234), "1,234 rows");
        assert_eq!(human_count(476_123.0), "476k");
        assert_eq!(human_duration(2.13), "2.1 s");
    }
}
