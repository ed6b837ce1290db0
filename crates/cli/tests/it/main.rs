//! End-to-end tests of the `blaze` binary: real processes, real files.

mod arrays;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `blaze` with `args` from the workspace root.
fn blaze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blaze"))
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("the blaze binary runs")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `blaze shell` with `args`, typing `input` at its prompt, its history kept under `state`.
fn shell(args: &[&str], input: &str, state: &Path) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_blaze"))
        .arg("shell")
        .args(args)
        .current_dir(workspace_root())
        .env("XDG_STATE_HOME", state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the blaze binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the shell reads its input");
    child.wait_with_output().expect("the shell exits")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn a_piped_csv_row_is_numbered_by_its_own_line() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.parquet");
    // A pipe cannot be read twice, so its rows are parsed as they are split; the bad cell is
    // on line 6, after a blank line and `\r\n` line ends.
    let mut child = Command::new(env!("CARGO_BIN_EXE_blaze"))
        .args(["odo", "csv:///dev/stdin", target.to_str().unwrap()])
        .args(["--dshape", "var * {a: int64, b: int64}"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the blaze binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin
        .write_all(b"a,b\r\n1,2\r\n\r\n3,4\r\n5,6\r\n7,x\r\n")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: /dev/stdin: line 6, column 2: 'x' in column 'b' is not a valid int64 \
         (types as --dshape says)\n"
    );
    assert!(!target.exists(), "nothing is left behind");
}

#[test]
fn datashape_prints_the_canonical_form() {
    let out = blaze(&["datashape", "5 * {a: int, \"b c\": ?string}"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "5 * {a: int32, 'b c': ?string}\n");

    let out = blaze(&[
        "datashape",
        "var * {x: real, y: string['ascii']}",
        "--format",
        "json",
    ]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {x: float64, y: string['A']}\"}\n"
    );

    let out = blaze(&["datashape", "{a: int32, b: string}", "--width", "0"]);
    assert_eq!(stdout(&out), "{\n  a: int32,\n  b: string\n  }\n");
}

#[test]
fn datashape_errors_point_at_the_position_and_exit_2() {
    let out = blaze(&["datashape", "var * {a: int32,\n  b: flaot64}"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: invalid datashape at line 2, column 6: unknown type 'flaot64'; did you mean 'float64'?\n  |\n2 |   b: flaot64}\n  |      ^^^^^^^\n"
    );
}

#[test]
fn discover_sample_data() {
    let out = blaze(&["discover", "examples/data/iris.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let iris = "var * {\n  sepal_length: float64,\n  sepal_width: float64,\n  petal_length: float64,\n  petal_width: float64,\n  species: string\n  }\n";
    assert_eq!(stdout(&out), iris);
    for file in ["examples/data/iris.parquet", "examples/data/iris.arrow"] {
        assert_eq!(stdout(&blaze(&["discover", file])), iris, "{file}");
    }
    let out = blaze(&["discover", "examples/data/accounts.csv", "--format", "json"]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {id: int64, name: string, balance: int64}\"}\n"
    );
    let out = blaze(&["discover", "examples/data/events.jsonl", "--format", "json"]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {id: int64, when: datetime[tz='UTC'], user: {name: string, email: ?string}, tags: var * string, amount: ?float64, note: ?string}\"}\n"
    );
}

#[test]
fn discover_options() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.txt");
    std::fs::write(&path, "a;b\n1;-\n2;x\n").unwrap();
    let path = path.to_str().unwrap();
    let out = blaze(&[
        "discover",
        path,
        "--delimiter",
        ";",
        "--null",
        "-",
        "--null",
        "x",
    ]);
    assert_eq!(stdout(&out), "var * {a: int64, b: ?string}\n");
    let out = blaze(&["discover", path, "--no-header", "--delimiter", ";"]);
    assert_eq!(stdout(&out), "var * {column_1: string, column_2: string}\n");
    let out = blaze(&["discover", path, "--sample-rows", "1"]);
    assert_eq!(
        stderr(&out),
        format!(
            "note: types inferred from the first 1 rows of {path}; later rows were not read (see --sample-rows, --byte-budget)\n"
        )
    );
}

#[test]
fn discover_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ragged.csv");
    std::fs::write(&path, "a,b\n1,2\n3\n").unwrap();
    let out = blaze(&["discover", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}: line 3: 1 field, but the header has 2\n",
            path.display()
        )
    );
    let out = blaze(&["discover", "no/such/file.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: no/such/file.csv: No such file"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&[
        "discover",
        "examples/data/iris.csv",
        "--encoding",
        "klingon",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown encoding 'klingon'"));
    let out = blaze(&["discover"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn odo_converts_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("iris.parquet");
    let target = target.to_str().unwrap();
    let out = blaze(&["odo", "examples/data/iris.csv", target]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(
        summary.starts_with(&format!("150 rows → {target} in ")) && summary.ends_with(" rows/s)\n"),
        "{summary}"
    );
    let out = blaze(&["discover", target, "--format", "json"]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {sepal_length: float64, sepal_width: float64, petal_length: float64, petal_width: float64, species: string}\"}\n"
    );

    let jsonl = dir.path().join("iris.jsonl");
    let out = blaze(&["odo", target, jsonl.to_str().unwrap(), "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 150);
    assert_eq!(summary["path"][0]["from"], "Parquet");
    assert_eq!(summary["path"][1]["to"], "JSON lines");

    let out = blaze(&["odo", target, jsonl.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists; use --if-exists replace"));
    let out = blaze(&[
        "odo",
        "-q",
        target,
        jsonl.to_str().unwrap(),
        "--if-exists",
        "replace",
    ]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()));
}

#[test]
fn odo_explain_moves_nothing() {
    let out = blaze(&[
        "odo",
        "--explain",
        "examples/data/accounts.csv",
        "/nonexistent/dir/out.arrow",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1. CSV → Arrow record batches  (read; cost 1.00)\n\
         2. Arrow record batches → Arrow IPC  (write to a temporary file, rename into place; cost 0.20)\n\
         total cost 1.20\n"
    );
}

#[test]
fn odo_killed_midway_leaves_the_target_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    let mut text = String::with_capacity(60 << 20);
    text.push_str("id,name,amount,when\n");
    for i in 0..2_000_000u32 {
        text.push_str(&format!(
            "{i},name {i},{}.25,2024-01-01 10:{:02}:00\n",
            i % 1000,
            i % 60
        ));
    }
    std::fs::write(&big, text).unwrap();
    let target = dir.path().join("out.parquet");
    std::fs::write(&target, b"the old target").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_blaze"))
        .args([
            "odo",
            big.to_str().unwrap(),
            target.to_str().unwrap(),
            "--if-exists",
            "replace",
            "-q",
            // A given datashape skips discovery, so the kill lands while the target is written.
            "--dshape",
            "var * {id: int64, name: string, amount: float64, when: datetime}",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        still_running,
        "the load finished before it could be killed; make the file bigger"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"the old target");
}

#[test]
fn odo_writes_a_directory_of_parts_and_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("iris");
    let pattern = format!("{}/*.csv.gz", parts.display());
    let out = blaze(&[
        "odo",
        "-q",
        "examples/data/iris.csv",
        &pattern,
        "--part-rows",
        "60",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&parts)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "part-00000.csv.gz",
            "part-00001.csv.gz",
            "part-00002.csv.gz"
        ]
    );
    // The glob of parts is one dataset of 150 rows again.
    let back = dir.path().join("back.jsonl");
    let out = blaze(&["odo", &pattern, back.to_str().unwrap(), "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 150, "{}", stderr(&out));
    let out = blaze(&["discover", parts.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "var * {\n  sepal_length: float64,\n  sepal_width: float64,\n  petal_length: float64,\n  petal_width: float64,\n  species: string\n  }\n"
    );
}

#[test]
fn query_prints_the_servers_json_shape() {
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts.balance.sum()",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"int64\",\"names\":[\"balance_sum\"],\"data\":100}\n"
    );
    let out = blaze(&[
        "query",
        "a=examples/data/accounts.csv",
        "a[a.balance > 0].name",
        "--format",
        "json",
    ]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * string\",\"names\":[\"name\"],\"data\":[\"Alice\",\"Charlie\",\"Denis\"]}\n"
    );
    let out = blaze(&[
        "query",
        "iris=examples/data/iris.parquet",
        "by(iris.species, n=iris.species.count()).sort('species')",
        "--format",
        "json",
    ]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {\\n  species: string,\\n  n: int32\\n  }\",\"names\":[\"species\",\"n\"],\"data\":[[\"Iris-setosa\",50],[\"Iris-versicolor\",50],[\"Iris-virginica\",50]]}\n"
    );
}

#[test]
fn an_expression_may_begin_with_a_minus_sign() {
    assert_eq!(
        accounts_json("-t.balance.sum()"),
        "{\"datashape\":\"int64\",\"names\":[\"balance_sum\"],\"data\":-100}\n"
    );
    // Before the bindings' options, with a number first.
    let out = blaze(&[
        "query",
        "--format",
        "json",
        "t=examples/data/accounts.csv",
        "-2 * t.id",
        "--limit",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * int64\",\"names\":[\"id\"],\"data\":[-2,-4]}\n"
    );
    // Errors point into the expression as written.
    let out = blaze(&["query", "t=examples/data/accounts.csv", "-t.nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: at line 1, column 2: 'nope' is not a field of t (fields: id, name, balance)\n  |\n1 | -t.nope\n  |  ^^^^^^\n"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_comes_after_the_bindings_too_and_a_query_needs_both_parts() {
    for command in ["query", "sql"] {
        let out = blaze(&[command, "examples/data/accounts.csv", "-h"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("Usage: blaze {command} [OPTIONS] [NAME=]URI...")),
            "{command}: {}",
            stdout(&out)
        );
        let out = blaze(&[command, "examples/data/accounts.csv"]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stdout(&out), "");
        let usage = match command {
            "query" => "the expression (`blaze query [NAME=]URI... EXPRESSION`)",
            _ => "the SQL query (`blaze sql [NAME=]URI... QUERY`)",
        };
        assert_eq!(
            stderr(&out),
            format!("error: nothing to query: give the data to bind, then {usage}\n")
        );
    }
}

#[test]
fn the_deepest_expressions_compute_whatever_stack_the_shell_gives() {
    // As deep as the parser accepts, under a 1 MiB stack limit (8 MiB is usual): the command
    // runs on a thread of its own with the room it needs, instead of overflowing.
    let deepest = |expr: &str| {
        Command::new("bash")
            .args(["-c", "ulimit -s 1024; exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_blaze"))
            .args([
                "query",
                "t=examples/data/accounts.csv",
                expr,
                "--format",
                "json",
            ])
            .current_dir(workspace_root())
            .output()
            .expect("bash runs")
    };
    let out = deepest(&format!("t.balance{}", " + 1".repeat(990)));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * int64\",\"names\":[\"balance\"],\"data\":[1090,790,1290,1390,490]}\n",
        "{}",
        stderr(&out)
    );
    let out = deepest(&format!("t{}.balance.sum()", ".head(5)".repeat(498)));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"int64\",\"names\":[\"balance_sum\"],\"data\":100}\n",
        "{}",
        stderr(&out)
    );
    let out = deepest(&format!("t{}.balance.sum()", ".head(5)".repeat(499)));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the expression nests too deeply: more than 1000 levels"),
        "{}",
        stderr(&out)
    );
}

/// The JSON answer of `blaze query t=examples/data/accounts.csv EXPR --format json`.
fn accounts_json(expr: &str) -> String {
    let out = blaze(&[
        "query",
        "t=examples/data/accounts.csv",
        expr,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{expr}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn distinct_keeps_the_first_of_each_in_the_rows_order() {
    let data = |expr: &str| {
        let json: serde_json::Value = serde_json::from_str(&accounts_json(expr)).unwrap();
        json["data"].to_string()
    };
    // As pandas' drop_duplicates: a sort before it stays (Blaze's `t.sort('name').distinct('name')`).
    assert_eq!(
        data("t.sort('balance').distinct()"),
        r#"[[5,"Edith",-500],[2,"Bob",-200],[1,"Alice",100],[3,"Charlie",300],[4,"Denis",400]]"#
    );
    assert_eq!(
        data("t.sort('name', ascending=False).distinct('name').id"),
        "[5,4,3,2,1]"
    );
    assert_eq!(
        data("t.name.distinct()"),
        r#"["Alice","Bob","Charlie","Denis","Edith"]"#
    );
    // The first of each kept: balances' signs in the order first seen.
    assert_eq!(data("(t.balance > 0).distinct()"), "[true,false]");
    assert_eq!(
        data("t.sort('id', ascending=False)[['id', 'name']].distinct().id"),
        "[5,4,3,2,1]"
    );
}

#[test]
fn constants_compute_to_one_value() {
    let json = accounts_json;
    assert_eq!(
        json("2 + 3"),
        "{\"datashape\":\"int64\",\"names\":[],\"data\":5}\n"
    );
    assert_eq!(
        json("'a'"),
        "{\"datashape\":\"string\",\"names\":[],\"data\":\"a\"}\n"
    );
    assert_eq!(
        json("None"),
        "{\"datashape\":\"null\",\"names\":[],\"data\":null}\n"
    );
    // As Blaze's `expr.fields`: a column of two names combined has none.
    assert_eq!(
        json("(t.id + t.balance).max()"),
        "{\"datashape\":\"int64\",\"names\":[\"max\"],\"data\":404}\n"
    );
    assert!(json("t.id + t.balance").starts_with("{\"datashape\":\"var * int64\",\"names\":[],"));
    // Blaze's `ndim` is a number of the datashape.
    assert_eq!(
        json("t.ndim + 1"),
        "{\"datashape\":\"int64\",\"names\":[],\"data\":2}\n"
    );
}

#[test]
fn nested_records_and_lists_query_and_print_as_json() {
    let query = |expr: &str, format: &str| {
        blaze(&[
            "query",
            "e=examples/data/events.jsonl",
            expr,
            "--format",
            format,
        ])
    };
    let json = |expr: &str| -> serde_json::Value {
        let out = query(expr, "json");
        assert_eq!(out.status.code(), Some(0), "{expr}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(
        json("e[e.user.email.isnull()].user.name")["data"],
        serde_json::json!(["bob", "dave"])
    );
    assert_eq!(
        json("e.user.name.str.upper().head(2)")["data"],
        serde_json::json!(["ALICE", "BOB"])
    );
    let tags = json("e.tags");
    assert_eq!(tags["datashape"], "var * var * string");
    assert_eq!(tags["data"][2], serde_json::json!(["purchase", "coupon"]));
    let rows = json("e[['id', 'user', 'tags']].head(2)");
    assert_eq!(
        rows["data"][1],
        serde_json::json!([2, {"name": "bob", "email": null}, []])
    );
    let out = query("e.tags.head(1)", "ndjson");
    assert_eq!(stdout(&out), "{\"tags\":[\"login\"]}\n");
    let out = query("e.head(1)", "csv");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CSV cannot hold the nested column 'user'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn datafusion_settings_come_from_its_environment_variables() {
    let run = |batch_size: &str| {
        Command::new(env!("CARGO_BIN_EXE_blaze"))
            .args(["query", "a=examples/data/accounts.csv", "a.balance.sum()"])
            .env("DATAFUSION_EXECUTION_BATCH_SIZE", batch_size)
            .current_dir(workspace_root())
            .output()
            .expect("the blaze binary runs")
    };
    let out = run("2");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"data\":100"), "{}", stdout(&out));
    let out = run("lots");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "a DATAFUSION_* setting: Error setting config datafusion.execution.batch_size"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn query_formats_and_previews() {
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts[['name', 'balance']].sort('balance')",
        "--format",
        "table",
        "--limit",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "var * {name: string, balance: int64}\n\
         +-------+---------+\n\
         | name  | balance |\n\
         +-------+---------+\n\
         | Edith | -500    |\n\
         | Bob   | -200    |\n\
         +-------+---------+\n\
         ... (first 2 rows shown; --limit N for more, --format for all)\n"
    );
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts[accounts.id < 3][['id', 'name']]",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&out), "id,name\n1,Alice\n2,Bob\n");
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts[accounts.id < 3].name",
        "--format",
        "ndjson",
    ]);
    assert_eq!(stdout(&out), "{\"name\":\"Alice\"}\n{\"name\":\"Bob\"}\n");

    // A group-by comes sorted by its keys, and its preview shows the first of those.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(&file, "k,v\nd,1\nb,2\na,3\nd,4\nc,5\n").unwrap();
    let file = file.to_str().unwrap();
    let by = "by(t.k, s=t.v.sum())";
    let out = blaze(&["query", file, by, "--format", "table", "--limit", "2"]);
    assert_eq!(
        stdout(&out),
        "var * {k: string, s: int64}\n\
         +---+---+\n\
         | k | s |\n\
         +---+---+\n\
         | a | 3 |\n\
         | b | 2 |\n\
         +---+---+\n\
         ... (first 2 rows shown; --limit N for more, --format for all)\n"
    );
    let out = blaze(&["query", file, by, "--format", "json"]);
    assert_eq!(
        stdout(&out),
        r#"{"datashape":"var * {\n  k: string,\n  s: int64\n  }","names":["k","s"],"data":[["a",3],["b",2],["c",5],["d",5]]}"#.to_owned() + "\n"
    );
}

#[test]
fn query_into_a_target_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("positive.parquet");
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts[accounts.balance > 0]",
        "--into",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("3 rows → "), "{}", stdout(&out));
    let out = blaze(&[
        "query",
        target.to_str().unwrap(),
        "positive.id.sum()",
        "--format",
        "json",
    ]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"int64\",\"names\":[\"id_sum\"],\"data\":8}\n"
    );

    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "accounts.balnce.sum()",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: at line 1, column 1: 'balnce' is not a field of accounts; did you mean 'balance'? (fields: id, name, balance)\n  |\n1 | accounts.balnce.sum()\n  | ^^^^^^^^^^^^^^^\n"
    );
}

#[test]
fn sql_over_the_same_bindings() {
    let out = blaze(&[
        "sql",
        "a=examples/data/accounts.csv",
        "c=examples/data/cities.csv",
        "SELECT c.city, sum(a.balance) AS total FROM a JOIN c ON a.name = c.name GROUP BY c.city ORDER BY c.city",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * {\\n  city: string,\\n  total: ?int64\\n  }\",\"names\":[\"city\",\"total\"],\"data\":[[\"Berlin\",-200],[\"Paris\",400]]}\n"
    );
    let out = blaze(&[
        "sql",
        "examples/data/iris.csv",
        "SELECT species FROM iris",
        "--format",
        "table",
        "--limit",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("| Iris-setosa |\n+-------------+\n... (first 2 rows shown"),
        "{}",
        stdout(&out)
    );
    let out = blaze(&["sql", "examples/data/iris.csv", "DROP TABLE iris"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: blaze sql only reads;"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["sql", "examples/data/iris.csv", "SELEC 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("SELEC"), "{}", stderr(&out));
}

#[test]
fn query_joins_and_windows() {
    let out = blaze(&[
        "query",
        "a=examples/data/accounts.csv",
        "c=examples/data/cities.csv",
        "join(a, c, how='left').sort('id')[['id', 'city']]",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "id,city\n1,Paris\n2,Berlin\n3,Paris\n4,\n5,\n"
    );
    let out = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "transform(accounts, running=accounts.balance.cumsum())[['id', 'running']]",
        "--format",
        "ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().last(),
        Some("{\"id\":5,\"running\":100}")
    );
}

#[test]
fn shell_evaluates_lines_and_binds_names() {
    let state = tempfile::tempdir().unwrap();
    let out = shell(
        &["examples/data/accounts.csv"],
        "rich = accounts[accounts.balance > 0]\nrich.name.count()\nrich.balanc\n:names\nrich.sort('balance', ascending=False).name\n:quit\n",
        state.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.starts_with("rich :: var * {id: int64, name: string, balance: int64}\n3\n"),
        "{printed}"
    );
    assert!(
        printed.contains("accounts :: var * {id: int64, name: string, balance: int64}\n"),
        "{printed}"
    );
    assert!(
        printed.contains("| Denis   |\n| Charlie |\n| Alice   |"),
        "{printed}"
    );
    // A bad line says what is wrong and the shell goes on.
    assert!(
        stderr(&out).contains(
            "'balanc' is not a field of accounts[accounts.balance > 0]; did you mean 'balance'?"
        ),
        "{}",
        stderr(&out)
    );
    // The history is kept.
    let history = std::fs::read_to_string(state.path().join("blaze/history")).unwrap();
    assert!(history.contains("rich.name.count()"), "{history}");
}

#[test]
fn a_result_larger_than_the_memory_limit_streams_into_a_target() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("big.csv");
    let rows = 1_000_000u64;
    let mut text = String::from("id,key,label\n");
    for i in 0..rows {
        // Keys in a scrambled order, so that sorting moves every row.
        let key = (i * 7919) % rows;
        writeln!(text, "{i},{key},row number {i} of the big file").unwrap();
    }
    std::fs::write(&source, &text).unwrap();
    let target = dir.path().join("sorted.parquet");
    // The sort holds about 60 MB of rows; the memory limit is 16 MB, so it spills to disk.
    let out = blaze(&[
        "query",
        &format!("big={}", source.display()),
        "big.sort('key')",
        "--memory-limit",
        "16M",
        "--into",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("1,000,000 rows → "),
        "{}",
        stdout(&out)
    );
    let out = blaze(&[
        "query",
        &format!("s={}", target.display()),
        "summary(n=s.count(), first=s.key.min(), last=s.key.max(), ordered=(s.key - s.key.shift(1) == 1).all())",
        "--format",
        "json",
    ]);
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"{\\n  n: int32,\\n  first: int64,\\n  last: int64,\\n  ordered: bool\\n  }\",\"names\":[\"n\",\"first\",\"last\",\"ordered\"],\"data\":[1000000,0,999999,true]}\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn query_computes_in_sqlite_and_explains_what_it_sends() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:///{}", dir.path().join("bank.db").display());
    for (file, table) in [("accounts.csv", "accounts"), ("cities.csv", "cities")] {
        let out = blaze(&[
            "odo",
            &format!("examples/data/{file}"),
            &format!("{db}::{table}"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let expr = "by(join(db.accounts[db.accounts.balance > -250], db.cities, 'name').city, \
                total=join(db.accounts[db.accounts.balance > -250], db.cities, 'name').balance.sum()).sort('city')";
    let on_files = expr.replace("db.", "");
    let expected = blaze(&[
        "query",
        "examples/data/accounts.csv",
        "examples/data/cities.csv",
        &on_files,
        "--format",
        "json",
    ]);
    assert_eq!(expected.status.code(), Some(0), "{}", stderr(&expected));
    let db_binding = format!("db={db}");
    let out = blaze(&["query", &db_binding, expr, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&expected));

    // One query does it all; the value is a parameter.
    let out = blaze(&["query", &db_binding, expr, "--explain"]);
    let plan = stdout(&out);
    assert!(
        plan.starts_with(&format!("Sent to {db}:\n  SELECT ")),
        "{plan}"
    );
    assert!(
        plan.contains("INNER JOIN") && plan.contains("GROUP BY"),
        "{plan}"
    );
    assert!(plan.contains("\n  parameters: -250\n"), "{plan}");
    assert!(plan.contains("Local plan (DataFusion):"), "{plan}");

    // Told not to, blaze reads the tables and computes locally, with the same result.
    let out = blaze(&["query", &db_binding, expr, "--no-pushdown", "--explain"]);
    assert!(!stdout(&out).contains("Sent to"), "{}", stdout(&out));
    let out = blaze(&[
        "query",
        &db_binding,
        expr,
        "--no-pushdown",
        "--format",
        "json",
    ]);
    assert_eq!(stdout(&out), stdout(&expected));
}

/// One HTTP/1.1 request on its own connection; the status and the body.
fn http(addr: &str, method: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

/// `blaze serve` on a free port for a YAML file of `datasets` (name, path from the workspace
/// root): the process, its address and its standard error after the first line.
fn serve(
    dir: &Path,
    datasets: &[(&str, &str)],
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStderr>,
) {
    let config = dir.join("datasets.yaml");
    let yaml: String = datasets
        .iter()
        .map(|(name, path)| {
            let path = workspace_root().join(path);
            format!("{name}:\n  source: {}\n", path.display())
        })
        .collect();
    std::fs::write(&config, yaml).unwrap();
    serve_args(&[config.to_str().unwrap()])
}

/// `blaze serve ARGS --port 0`: the process, its address and its standard error after the
/// first line.
fn serve_args(
    args: &[&str],
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStderr>,
) {
    use std::io::BufRead;
    let mut server = Command::new(env!("CARGO_BIN_EXE_blaze"))
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(server.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.starts_with("serving "), "{first}");
    let addr = first
        .split("http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    (server, addr, stderr)
}

#[test]
fn serve_answers_logs_each_request_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, mut stderr) =
        serve(dir.path(), &[("accounts", "examples/data/accounts.csv")]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let (status, body) = http(&addr, "GET", "/datashape", "", "");
    assert_eq!(status, 200);
    assert!(
        body.starts_with("{\n  accounts: var * {\n    id: int64,"),
        "{body}"
    );
    let (status, body) = http(
        &addr,
        "POST",
        "/compute",
        "Content-Type: application/vnd.blaze+json\r\nAuthorization: Basic c2VjcmV0\r\n",
        r#"{"expr": "accounts.balance.sum()"}"#,
    );
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            r#"{"datashape":"int64","names":["balance_sum"],"data":100}"#
        )
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = server.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(lines[0]["route"], "/datashape");
    assert_eq!(lines[1]["route"], "/compute");
    assert_eq!(lines[1]["status"], 200);
    assert_eq!(lines[1]["expr"], "accounts.balance.sum()");
    assert_eq!(lines[1]["rows"], 1);
    assert!(lines[1]["ms"].as_f64().unwrap() >= 0.0);
    // Credentials are never logged.
    assert!(!log.contains("c2VjcmV0"), "{log}");
}

#[test]
fn serve_takes_data_named_on_the_command_line() {
    let root = workspace_root();
    let accounts = root.join("examples/data/accounts.csv");
    let iris = format!("flowers={}", root.join("examples/data/iris.csv").display());
    let (mut server, addr, _stderr) = serve_args(&[accounts.to_str().unwrap(), &iris]);
    let (status, body) = http(&addr, "GET", "/datashape", "", "");
    assert_eq!(status, 200);
    assert!(body.starts_with("{\n  accounts: var * {"), "{body}");
    assert!(body.contains("\n  flowers: var * {"), "{body}");
    let (status, body) = http(
        &addr,
        "POST",
        "/compute",
        "Content-Type: application/vnd.blaze+json\r\n",
        r#"{"expr": "flowers.species.nunique()"}"#,
    );
    let want = r#"{"datashape":"int32","names":["species_nunique"],"data":3}"#;
    assert_eq!((status, body.as_str()), (200, want));
    server.kill().unwrap();
    server.wait().unwrap();

    // Two datasets of one name, and a name no expression can use, are refused.
    let out = blaze(&["serve", "a=x.csv", "a=y.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("two datasets are named a"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["serve", "2024-data.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bind it as NAME=2024-data.csv"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn blaze_uris_query_and_move_a_servers_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr, _stderr) = serve(
        dir.path(),
        &[
            ("iris", "examples/data/iris.csv"),
            ("accounts", "examples/data/accounts.csv"),
        ],
    );
    let server_uri = format!("blaze://{addr}");
    // The whole expression goes to the server, in one request.
    let binding = format!("d={server_uri}");
    let out = blaze(&[
        "query",
        &binding,
        "d.iris.species.distinct()",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"datashape\":\"var * string\",\"names\":[\"species\"],\"data\":[\"Iris-setosa\",\"Iris-versicolor\",\"Iris-virginica\"]}\n"
    );
    let out = blaze(&[
        "query",
        &binding,
        "by(d.iris.species, n=d.iris.species.count())",
        "--explain",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let explained = stdout(&out);
    assert!(
        explained.starts_with(&format!(
            "Sent to {server_uri}:\n  {{\"op\":\"By\",\"args\":[{{\"op\":\"Field\",\"args\":[{{\"op\":\"Field\",\"args\":[\":leaf\",\"iris\"]}}"
        )),
        "{explained}"
    );
    // One dataset bound alone; mixed with a local file, the remote part goes.
    let binding = format!("a={server_uri}::accounts");
    let out = blaze(&[
        "query",
        &binding,
        "c=examples/data/cities.csv",
        "join(a[a.balance > 0], c, 'name').city",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let local = blaze(&[
        "query",
        "a=examples/data/accounts.csv",
        "c=examples/data/cities.csv",
        "join(a[a.balance > 0], c, 'name').city",
        "--format",
        "json",
    ]);
    let want: serde_json::Value = serde_json::from_str(&stdout(&local)).unwrap();
    assert_eq!(result, want);
    assert!(!want["data"].as_array().unwrap().is_empty());
    // odo pulls a dataset as an Arrow stream.
    let target = dir.path().join("iris.parquet");
    let dataset = format!("{server_uri}::iris");
    let out = blaze(&["odo", &dataset, target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = blaze(&[
        "query",
        target.to_str().unwrap(),
        "iris.petal_length.sum()",
        "--format",
        "json",
    ]);
    assert!(stdout(&out).contains("\"data\":563.69"), "{}", stdout(&out));
    // Errors name the server and carry its answer; its datasets are read-only.
    let out = blaze(&["query", &binding, "a.balanse.sum()"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = blaze(&["odo", "examples/data/iris.csv", &dataset]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    let out = blaze(&["discover", &format!("{server_uri}::nope")]);
    assert!(
        stderr(&out).contains("the server has no dataset nope"),
        "{}",
        stderr(&out)
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
