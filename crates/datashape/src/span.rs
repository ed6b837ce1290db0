//! Positions in source text, shared by every grammar in the workspace.

use std::fmt;

/// A position in source text: 1-based line and column (counted in characters).
///
/// Line 0 means "unknown", for errors that have no place in any text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// 1-based line number; 0 when unknown.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Location {
    /// A location at `line`, `column` (both 1-based).
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A range of source text: from `start` up to (not including) `end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First character of the range.
    pub start: Location,
    /// The position just after the last character of the range.
    pub end: Location,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: Location, end: Location) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn union(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// How many columns a caret marker under this span should cover on its first line (at least 1).
    pub fn width_on_first_line(&self) -> usize {
        if self.end.line == self.start.line && self.end.column > self.start.column {
            (self.end.column - self.start.column) as usize
        } else {
            1
        }
    }
}
