//! Computing where the data lives. The largest parts of an expression whose tables are all in
//! one SQLite or PostgreSQL database, and whose every node SQL expresses, compile to one query
//! the database runs (values bound as parameters, identifiers quoted); only its result travels,
//! and the rest of the expression runs locally over it. Blaze's SQL backend did the same,
//! through SQLAlchemy; this compiles from the expression tree itself rather than from
//! DataFusion's plans, whose SQL unparser is not trusted with every plan.

mod dialect;
mod element;
pub(crate) mod mongo;
mod select;
mod sql;

use std::collections::HashMap;

use blaze_expr::{Expr, Op};
use blaze_odo::{Resource, SqlQuery, SqlValue};

pub(crate) use self::dialect::Dialect;
use self::select::Select;
use self::sql::SqlCompiler;
use crate::error::Result;

/// `name` as a SQL identifier, quoted: `"name"`, embedded quotes doubled.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Why a part of an expression is computed locally rather than in its database.
#[derive(Debug)]
pub(crate) struct Local(pub(crate) String);

type Pushdown<T> = std::result::Result<T, Local>;

/// Why a single value of reductions of different rows is not one query: each set of rows is
/// reduced in its own, and the values combined locally.
fn different_rows() -> Local {
    Local("it reduces more than one set of rows: each is reduced in a query of its own".into())
}

/// A table of a database that a name is bound to.
#[derive(Clone, Debug)]
pub(crate) struct DatabaseTable {
    /// The database, without the table.
    pub(crate) database: Resource,
    /// What the database computes in.
    pub(crate) language: Language,
}

/// What a database computes in, and how it names the table.
#[derive(Clone, Debug)]
pub(crate) enum Language {
    /// SQL of a dialect; the table's name quoted (`"schema"."table"` in PostgreSQL).
    Sql { dialect: Dialect, quoted: String },
    /// MongoDB's aggregation pipelines over the collection.
    Mongo,
    /// Blaze expressions, sent whole to the server that serves the dataset.
    Blaze {
        /// The server's name for the dataset.
        dataset: String,
    },
}

/// The tables bound to SQL databases and MongoDB collections, by the names the engine knows
/// them by (`t`, `db.accounts`).
#[derive(Debug, Default)]
pub(crate) struct DatabaseTables(HashMap<String, DatabaseTable>);

impl DatabaseTables {
    /// Records that `name` is bound to the resource at `uri`: a table of a SQL database, a
    /// MongoDB collection, or anything else (forgetting an earlier binding of the name).
    pub(crate) fn bind(&mut self, name: &str, uri: &str) -> Result<()> {
        let table = match Resource::parse(uri)? {
            Resource::Sqlite {
                path,
                table: Some(table),
            } => Some(DatabaseTable {
                database: Resource::Sqlite { path, table: None },
                language: Language::Sql {
                    dialect: Dialect::Sqlite,
                    quoted: quote(&table),
                },
            }),
            Resource::Postgres {
                url,
                table: Some(table),
            } => {
                // `schema.table`, or a table of the search path.
                let quoted = match table.split_once('.') {
                    Some((schema, name)) => format!("{}.{}", quote(schema), quote(name)),
                    None => quote(&table),
                };
                Some(DatabaseTable {
                    database: Resource::Postgres { url, table: None },
                    language: Language::Sql {
                        dialect: Dialect::Postgres,
                        quoted,
                    },
                })
            }
            // A collection is a database of its own here: pipelines read one collection.
            collection @ Resource::Mongo {
                collection: Some(_),
                ..
            } => Some(DatabaseTable {
                database: collection,
                language: Language::Mongo,
            }),
            Resource::Blaze {
                url,
                dataset: Some(dataset),
            } => Some(DatabaseTable {
                database: Resource::Blaze { url, dataset: None },
                language: Language::Blaze { dataset },
            }),
            _ => None,
        };
        match table {
            Some(table) => self.0.insert(name.to_owned(), table),
            None => self.0.remove(name),
        };
        Ok(())
    }

    /// The SQL table `expr` is, if it is one: a symbol bound to it, or a table of a bound
    /// database (`db.accounts`).
    fn table_of(&self, expr: &Expr) -> Option<&DatabaseTable> {
        self.0.get(&table_name(expr)?)
    }

    /// The one SQL database every table of `expr` is in, if there is one.
    pub(crate) fn database_of(&self, expr: &Expr) -> Option<&DatabaseTable> {
        let mut found: Option<&DatabaseTable> = None;
        let mut pending = vec![expr];
        while let Some(e) = pending.pop() {
            if let Some(name) = table_name(e) {
                let table = self.0.get(&name)?;
                match found {
                    Some(f) if f.database != table.database => return None,
                    _ => found = Some(table),
                }
            } else if matches!(e.op(), Op::Symbol { .. }) {
                return None;
            } else {
                pending.extend(e.children());
            }
        }
        found
    }
}

/// The name a table leaf is registered under: a symbol's, or `db.table` for a table of a
/// database bound as a record of tables.
fn table_name(expr: &Expr) -> Option<String> {
    if expr.dshape().dims().is_empty() {
        return None;
    }
    match expr.op() {
        Op::Symbol { name } => Some(name.clone()),
        Op::Field { child, field } if child.dshape().dims().is_empty() => match child.op() {
            Op::Symbol { name } => Some(format!("{name}.{field}")),
            _ => None,
        },
        _ => None,
    }
}

/// `expr`, all of whose tables are datasets of one Blaze server, as the JSON tree the server
/// computes: a symbol bound to a dataset written as the server's name for it
/// (`":leaf.iris"`), a symbol bound to the whole server as `":leaf"`.
pub(crate) fn blaze_tree(expr: &Expr, tables: &DatabaseTables) -> serde_json::Value {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut pending = vec![expr];
    while let Some(e) = pending.pop() {
        let dataset = table_name(e)
            .and_then(|name| tables.0.get(&name))
            .and_then(|table| match &table.language {
                Language::Blaze { dataset } => Some(dataset),
                _ => None,
            });
        match (e.op(), dataset) {
            (Op::Symbol { name }, Some(dataset)) => {
                names.push((name.clone(), format!(":leaf.{dataset}")));
            }
            (Op::Field { child, .. }, Some(_)) => {
                if let Op::Symbol { name } = child.op() {
                    names.push((name.clone(), ":leaf".to_owned()));
                }
            }
            _ => pending.extend(e.children()),
        }
    }
    let names: Vec<(&str, &str)> = names
        .iter()
        .map(|(n, l)| (n.as_str(), l.as_str()))
        .collect();
    blaze_expr::to_tree(expr, &names)
}

/// An expression compiled to one query of a database.
#[derive(Clone, Debug)]
pub(crate) struct PushedQuery {
    select: Select,
    params: Vec<SqlValue>,
    dialect: Dialect,
}

impl PushedQuery {
    /// The query, giving only the result columns at the positions `columns` when told (the
    /// others are not needed; see [`PushedQuery::can_project`]), or all of them.
    pub(crate) fn sql(&self, columns: Option<&[usize]>) -> SqlQuery {
        let mut select = self.select.clone();
        if let Some(columns) = columns {
            select.columns = columns.iter().map(|&i| select.columns[i].clone()).collect();
        }
        SqlQuery {
            sql: select.render(self.dialect),
            params: self.params.clone(),
        }
    }

    /// Whether the query may give fewer columns with the same rows (distinct rows of fewer
    /// columns are other rows).
    pub(crate) fn can_project(&self) -> bool {
        !self.select.distinct
    }
}

/// `expr` as one query of the database all its tables are in, or why it is not.
pub(crate) fn compile(
    expr: &Expr,
    tables: &DatabaseTables,
    dialect: Dialect,
) -> Pushdown<PushedQuery> {
    SqlCompiler::new(dialect, tables).query(expr)
}

#[cfg(test)]
mod tests {
    use blaze_expr::{Namespace, symbol};

    use super::*;

    #[test]
    fn a_scan_of_some_columns_asks_the_database_for_those_only() {
        let mut tables = DatabaseTables::default();
        tables.bind("t", "sqlite:///shop.db::t").unwrap();
        let mut names = Namespace::new();
        let dshape = blaze_datashape::parse("var * {a: int64, b: string, c: float64}").unwrap();
        names.bind("t", symbol("t", dshape));
        let query = |text: &str| {
            let expr = blaze_expr::parse(text, &names).unwrap();
            compile(&expr, &tables, Dialect::Sqlite).unwrap()
        };
        let filtered = query("t[t.a > 1]");
        assert_eq!(
            filtered.sql(Some(&[2, 0])).sql,
            "SELECT \"q1\".\"c\" AS \"c\", \"q1\".\"a\" AS \"a\" FROM \"t\" AS \"q1\" \
             WHERE (\"q1\".\"a\" > ?1)"
        );
        assert_eq!(filtered.sql(Some(&[2, 0])).params, [SqlValue::Int(1)]);
        assert!(filtered.can_project());
        // Distinct rows of fewer columns would be other rows.
        assert!(!query("t.distinct()").can_project());
    }
}
