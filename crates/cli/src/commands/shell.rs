//! `blaze shell [NAME=]URI...`: an interactive prompt over bound data. Each line is an
//! expression (its result is previewed) or `name = expression` (bound for later lines).

use std::io::IsTerminal;
use std::path::PathBuf;

use blaze_compute::Session;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::query::{
    PREVIEW_ROWS, QueryFormat, execute_expr, open_session, parse, split_binding, write_result,
};
use super::read_args::{ReadArgs, parse_bytes};
use crate::output::Failure;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Data to bind: `iris=examples/data/iris.csv`, or a bare URI (bound under its file stem or
    /// table name).
    #[arg(value_name = "[NAME=]URI")]
    bindings: Vec<String>,
    /// Rows each result shows.
    #[arg(long, default_value_t = PREVIEW_ROWS)]
    rows: u64,
    /// Memory for sorts, group-bys and joins before they spill to disk; suffixes K, M, G.
    #[arg(long, value_parser = parse_bytes)]
    memory_limit: Option<u64>,
    #[command(flatten)]
    read: ReadArgs,
}

const HELP: &str = "\
Each line is an expression, previewed, or NAME = EXPRESSION, bound for later lines:
  iris.species.count_values()
  big = iris[iris.petal_length > 5]
  by(big.species, n=big.species.count())
Commands:
  :names            the bound names and their datashapes
  :bind NAME=URI    bind more data
  :explain EXPR     the plan that computes an expression
  :help             this text
  :quit             leave (also Ctrl-D)";

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let mut session = open_session(&args.bindings, args.memory_limit, &args.read, false)?;
    let mut editor = DefaultEditor::new().map_err(Failure::failed)?;
    let history = history_file();
    if let Some(path) = &history {
        // No history yet is not an error.
        let _ = editor.load_history(path);
    }
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        println!("blaze shell: :help for help, :quit or Ctrl-D to leave");
        print_names(&session);
    }
    loop {
        let line = match editor.readline("blaze> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Failure::failed(e)),
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let _ = editor.add_history_entry(line);
        match line {
            ":quit" | ":q" | "quit" | "exit" => break,
            ":help" | "help" => println!("{HELP}"),
            ":names" => print_names(&session),
            _ => {
                if let Err(failure) = evaluate(&mut session, line, args.rows) {
                    eprintln!("{}", failure.message);
                }
            }
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(path);
    }
    Ok(())
}

/// One line: a command, an assignment or an expression.
fn evaluate(session: &mut Session, line: &str, rows: u64) -> Result<(), Failure> {
    if let Some(binding) = line.strip_prefix(":bind ") {
        let (name, uri) = split_binding(binding.trim())?;
        let expr = session.bind(&name, uri).map_err(Failure::failed)?;
        println!("{name} :: {}", expr.dshape());
        return Ok(());
    }
    if let Some(text) = line.strip_prefix(":explain ") {
        let expr = parse(session, text.trim())?;
        print!("{}", session.explain(&expr).map_err(Failure::failed)?);
        return Ok(());
    }
    if let Some((name, text)) = assignment(line) {
        let expr = parse(session, text)?;
        println!("{name} :: {}", expr.dshape());
        session.assign(name, expr);
        return Ok(());
    }
    let expr = parse(session, line)?;
    if let Some(array) = session.array(&expr).map_err(Failure::invalid)? {
        let output = crate::arrays::ArrayOutput {
            format: QueryFormat::Table,
            limit: Some(rows),
            into: None,
            if_exists: blaze_odo::IfExists::Fail,
            explain: false,
            // A preview holds a few rows; the system's memory is still checked.
            memory_limit: None,
            profile: None,
            graph: None,
            chunks: None,
        };
        return crate::arrays::run(&expr, &array, &output);
    }
    let stream = execute_expr(session, &expr, Some(rows + 1))?;
    write_result(
        &mut std::io::stdout().lock(),
        expr.dshape(),
        stream,
        QueryFormat::Table,
        Some(rows),
    )
}

/// `name = expression` (not `==`): the name and the expression's text.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let (name, rest) = line.split_once('=')?;
    let name = name.trim();
    if rest.starts_with('=') || !blaze_expr::is_identifier(name) {
        return None;
    }
    Some((name, rest.trim()))
}

fn print_names(session: &Session) {
    for name in session.namespace().names() {
        if let Some(expr) = session.namespace().get(name) {
            println!("{name} :: {}", expr.dshape());
        }
    }
}

/// Where the prompt's history is kept: `$XDG_STATE_HOME/blaze/history`, or
/// `~/.local/state/blaze/history`.
fn history_file() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    Some(state.join("blaze").join("history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_are_told_from_comparisons() {
        assert_eq!(assignment("big = t[t.x > 1]"), Some(("big", "t[t.x > 1]")));
        assert_eq!(assignment("t.x == 1"), None);
        assert_eq!(assignment("t.x.label('a') "), None);
        assert_eq!(assignment("by(t.a, n=t.a.count())"), None);
    }
}
