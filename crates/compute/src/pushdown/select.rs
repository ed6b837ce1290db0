//! A `SELECT` under construction. Each collection node of an expression adds to the select of
//! its child where SQL allows it (a filter to an ungrouped select, a limit, new columns) and
//! otherwise reads that select as a subquery, as Blaze's SQL backend nests: group-bys, joins,
//! limits and distinct rows do not commute with what comes after them.

use std::fmt::Write;

use blaze_datashape::Measure;
use blaze_expr::Expr;

use super::dialect::Dialect;
use super::quote;
use crate::compile::base;

/// One term of `ORDER BY`.
#[derive(Clone, Debug)]
pub(crate) struct OrderKey {
    /// The values sorted by.
    pub(crate) sql: String,
    /// Whether they are text (compared by their bytes, as the local engine does).
    pub(crate) text: bool,
    /// Smallest first, missing values last; or largest first, missing values first.
    pub(crate) ascending: bool,
}

impl OrderKey {
    /// Sorting by `key`, compiled to `sql`.
    pub(crate) fn new(sql: String, key: &Expr, ascending: bool) -> Self {
        let text = matches!(base(key.dshape()), Measure::String { .. });
        OrderKey {
            sql,
            text,
            ascending,
        }
    }

    /// The opposite order.
    pub(crate) fn reverse(&mut self) {
        self.ascending = !self.ascending;
    }

    fn render(&self, dialect: Dialect) -> String {
        let values = if self.text {
            dialect.bytewise(&self.sql)
        } else {
            self.sql.clone()
        };
        if self.ascending {
            format!("{values} ASC NULLS LAST")
        } else {
            format!("{values} DESC NULLS FIRST")
        }
    }
}

/// One `SELECT` statement; its columns are named as the Blaze expression names them.
#[derive(Clone, Debug)]
pub(crate) struct Select {
    /// The SQL of each result column, and its name.
    pub(crate) columns: Vec<(String, String)>,
    /// The `FROM` clause's body: a table, a subquery or joined subqueries, with aliases.
    pub(crate) from: String,
    /// Conditions every row satisfies (`WHERE`, joined by `AND`).
    pub(crate) filter: Vec<String>,
    /// `GROUP BY` expressions.
    pub(crate) group_by: Vec<String>,
    /// Whether the columns are aggregates (with or without groups): one row per group.
    pub(crate) aggregated: bool,
    /// `SELECT DISTINCT`.
    pub(crate) distinct: bool,
    /// `ORDER BY` terms.
    pub(crate) order_by: Vec<OrderKey>,
    /// `LIMIT`.
    pub(crate) limit: Option<u64>,
    /// `OFFSET`.
    pub(crate) offset: u64,
}

impl Select {
    /// Every row of `from`, with these columns.
    pub(crate) fn new(from: String, columns: Vec<(String, String)>) -> Self {
        Select {
            columns,
            from,
            filter: Vec::new(),
            group_by: Vec::new(),
            aggregated: false,
            distinct: false,
            order_by: Vec::new(),
            limit: None,
            offset: 0,
        }
    }

    /// Whether rows are still the rows of `FROM` (filtered): new filters and columns may be
    /// added to this select itself.
    pub(crate) fn is_plain(&self) -> bool {
        !self.aggregated && !self.distinct && self.limit.is_none() && self.offset == 0
    }

    /// The SQL of the result column `name`.
    pub(crate) fn column(&self, name: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(_, n)| n == name)
            .map(|(sql, _)| sql.as_str())
    }

    /// Rows `start..start + count` of these rows (`count` unbounded when `None`).
    pub(crate) fn take(&mut self, start: u64, count: Option<u64>) {
        let left = self.limit.map(|limit| limit.saturating_sub(start));
        self.offset += start;
        self.limit = match (left, count) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The statement in `dialect`.
    pub(crate) fn render(&self, dialect: Dialect) -> String {
        let mut sql = String::from("SELECT ");
        if self.distinct {
            sql.push_str("DISTINCT ");
        }
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(expr, name)| format!("{expr} AS {}", quote(name)))
            .collect();
        sql.push_str(&columns.join(", "));
        let _ = write!(sql, " FROM {}", self.from);
        if !self.filter.is_empty() {
            let _ = write!(sql, " WHERE {}", self.filter.join(" AND "));
        }
        if !self.group_by.is_empty() {
            let _ = write!(sql, " GROUP BY {}", self.group_by.join(", "));
        }
        if !self.order_by.is_empty() {
            let keys: Vec<String> = self.order_by.iter().map(|k| k.render(dialect)).collect();
            let _ = write!(sql, " ORDER BY {}", keys.join(", "));
        }
        match (self.limit, self.offset) {
            (Some(limit), 0) => {
                let _ = write!(sql, " LIMIT {limit}");
            }
            (Some(limit), offset) => {
                let _ = write!(sql, " LIMIT {limit} OFFSET {offset}");
            }
            (None, 0) => {}
            // SQLite has no OFFSET without a LIMIT; -1 is its "no limit".
            (None, offset) => match dialect {
                Dialect::Sqlite => {
                    let _ = write!(sql, " LIMIT -1 OFFSET {offset}");
                }
                Dialect::Postgres => {
                    let _ = write!(sql, " OFFSET {offset}");
                }
            },
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_compose() {
        let mut s = Select::new("t".into(), vec![("a".into(), "a".into())]);
        s.take(0, Some(10)); // head(10)
        s.take(2, Some(5)); // [2:7]
        assert_eq!((s.offset, s.limit), (2, Some(5)));
        s.take(4, None); // [4:]
        assert_eq!((s.offset, s.limit), (6, Some(1)));
        s.take(3, Some(2)); // past the end
        assert_eq!((s.offset, s.limit), (9, Some(0)));
        s.limit = None;
        assert_eq!(
            s.render(Dialect::Sqlite),
            "SELECT a AS \"a\" FROM t LIMIT -1 OFFSET 9"
        );
        s.limit = Some(0);
        assert_eq!(
            s.render(Dialect::Postgres),
            "SELECT a AS \"a\" FROM t LIMIT 0 OFFSET 9"
        );
    }

    #[test]
    fn clauses_in_order() {
        let mut s = Select::new("t".into(), vec![("sum(b)".into(), "total".into())]);
        s.filter = vec!["(a > 1)".into(), "(b < 2)".into()];
        s.group_by = vec!["a".into()];
        s.order_by = vec![
            OrderKey {
                sql: "a".into(),
                text: true,
                ascending: true,
            },
            OrderKey {
                sql: "b".into(),
                text: false,
                ascending: false,
            },
        ];
        s.take(0, Some(3));
        assert_eq!(
            s.render(Dialect::Postgres),
            "SELECT sum(b) AS \"total\" FROM t WHERE (a > 1) AND (b < 2) GROUP BY a \
             ORDER BY (a COLLATE \"C\") ASC NULLS LAST, b DESC NULLS FIRST LIMIT 3"
        );
    }
}
