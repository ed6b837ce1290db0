//! The routes, payloads, responses and error codes of `spec/blaze.md` §4.

use blaze_server::Options;
use serde_json::{Value, json};

use super::Running;
use super::http::Request;

/// `:leaf.accounts` as a tree.
fn accounts() -> Value {
    json!({"op": "Field", "args": [":leaf", "accounts"]})
}

fn field(of: Value, name: &str) -> Value {
    json!({"op": "Field", "args": [of, name]})
}

#[test]
fn datashape_is_the_record_of_the_datasets() {
    let server = Running::examples(Options::default());
    let response = server.request(Request::get("/datashape"));
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        response.text(),
        "{\n  accounts: var * {\n    id: int64,\n    name: string,\n    balance: int64\n    },\n  \
         iris: var * {\n    sepal_length: float64,\n    sepal_width: float64,\n    \
         petal_length: float64,\n    petal_width: float64,\n    species: string\n    }\n  }"
    );
}

#[test]
fn trees_text_and_namespaces_compute() {
    let server = Running::examples(Options::default());
    let sum = json!({"op": "sum", "args": [field(accounts(), "balance")]});
    let response = server.request(Request::compute(&json!({"expr": sum})));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.blaze+json")
    );
    assert_eq!(
        response.json(),
        json!({"datashape": "int64", "data": 100, "names": ["balance_sum"]})
    );

    // As Blaze's client sends it: the leaf is a symbol, whatever its name, and reductions
    // carry their axis and keepdims.
    let t = json!({"op": "Symbol", "args": ["t", {"__!datashape": "{accounts: var * {id: int64, name: string, balance: int64}, iris: var * {species: string}}"}, 0]});
    let max = json!({"op": "max", "args": [field(field(t, "accounts"), "balance"), [0], false]});
    let response = server.request(Request::compute(&json!({"expr": max})));
    assert_eq!(
        response.json(),
        json!({"datashape": "int64", "data": 400, "names": ["balance_max"]})
    );

    // A column, with a name from the namespace in the tree.
    let selected = json!({"op": "Selection", "args": [accounts(), {"op": "Gt", "args": [field(accounts(), "balance"), "pl"]}]});
    let payload = json!({"expr": field(selected, "name"), "namespace": {"pl": 150}});
    assert_eq!(
        server.request(Request::compute(&payload)).json(),
        json!({"datashape": "var * string", "data": ["Charlie", "Denis"], "names": ["name"]})
    );

    // Expression text, over the datasets' names; a table comes back as rows.
    let payload = json!({"expr": "accounts[accounts.balance < 0][['name', 'balance']]", "odo_kwargs": {}, "compute_kwargs": {}});
    assert_eq!(
        server.request(Request::compute(&payload)).json(),
        json!({
            "datashape": "var * {\n  name: string,\n  balance: int64\n  }",
            "data": [["Bob", -200], ["Edith", -500]],
            "names": ["name", "balance"]
        })
    );
    // No rows: the names are still the result's columns.
    let payload = json!({"expr": "accounts[accounts.balance > 1000].name"});
    assert_eq!(
        server.request(Request::compute(&payload)).json(),
        json!({"datashape": "var * string", "data": [], "names": ["name"]})
    );
    // Rows picked by position, in the order given.
    let payload = json!({"expr": {"op": "Slice", "args": [field(accounts(), "name"), [[4, 0]]]}});
    assert_eq!(
        server.request(Request::compute(&payload)).json(),
        json!({"datashape": "2 * string", "data": ["Edith", "Alice"], "names": ["name"]})
    );
    let payload = json!({"expr": "by(iris.species, n=iris.species.count())"});
    assert_eq!(
        server.request(Request::compute(&payload)).json()["data"],
        json!([
            ["Iris-setosa", 50],
            ["Iris-versicolor", 50],
            ["Iris-virginica", 50]
        ])
    );

    // The talk-era route takes JSON whatever its media type.
    let response = server.request(Request::post(
        "/compute.json",
        json!({"expr": "accounts.id.count()"})
            .to_string()
            .into_bytes(),
    ));
    assert_eq!(response.json()["data"], json!(5));
}

#[test]
fn arrow_streams_the_result() {
    let server = Running::examples(Options {
        max_rows: 10,
        ..Options::default()
    });
    let payload = json!({"expr": "iris[['species', 'petal_length']]"});
    // Over the JSON row limit...
    let response = server.request(Request::compute(&payload));
    assert_eq!(response.status, 422);
    assert!(
        response
            .text()
            .starts_with("the result has more than 10 rows"),
        "{}",
        response.text()
    );
    // ... but streamed whole as Arrow.
    let response = server.request(
        Request::compute(&payload).header("Accept", "application/vnd.apache.arrow.stream"),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/vnd.apache.arrow.stream")
    );
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(response.body), None)
            .unwrap();
    let schema = reader.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["species", "petal_length"]);
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 150);
    let last = batches.last().unwrap();
    assert_eq!(
        arrow::util::display::array_value_to_string(last.column(0), last.num_rows() - 1).unwrap(),
        "Iris-virginica"
    );
}

#[test]
fn errors_have_blazes_codes_and_plain_text() {
    let server = Running::examples(Options::default());
    let expect = |request: Request<'_>, status: u16, body: &str| {
        let response = server.request(request);
        assert_eq!(response.status, status, "{}", response.text());
        assert_eq!(response.text(), body);
        response
    };
    let sum = json!({"expr": "accounts.balance.sum()"});
    expect(
        Request::post("/compute", sum.to_string().into_bytes())
            .header("Content-Type", "text/plain"),
        415,
        "Unsupported serialization format text/plain",
    );
    expect(
        Request::post("/compute", sum.to_string().into_bytes())
            .header("Content-Type", "application/vnd.blaze+msgpack"),
        415,
        "Unsupported serialization format 'application/vnd.blaze+msgpack'",
    );
    expect(
        Request::post("/compute", b"{not json".to_vec())
            .header("Content-Type", "application/vnd.blaze+json"),
        400,
        "Bad data.  Got {not json",
    );
    expect(
        Request::compute(&json!({"expr": "accounts.id.sum()", "nah": 1, "ayy": 2})),
        400,
        "unexpected keys in payload: ['ayy', 'nah']",
    );
    expect(
        Request::compute(&json!({"expr": "accounts.id.sum()", "profile": true})),
        403,
        "profiling is disabled on this server",
    );
    expect(
        Request::compute(&json!({"namespace": {}})),
        400,
        "the payload has no expr",
    );
    let response = server.request(Request::compute(
        &json!({"expr": field(accounts(), "balanse")}),
    ));
    assert_eq!(response.status, 400);
    assert!(
        response.text().starts_with("Invalid expression:\n")
            && response.text().contains("did you mean 'balance'"),
        "{}",
        response.text()
    );
    // The leaf alone is everything served, which is not one table to answer with.
    let response = server.request(Request::compute(&json!({"expr": ":leaf"})));
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(
        response
            .text()
            .starts_with("Invalid expression:\nthe leaf is everything served, {")
            && response
                .text()
                .contains(r#"as in {"op": "Field", "args": [":leaf", "#),
        "{}",
        response.text()
    );
    // A leaf symbol's datashape is the served data's, but it must still be one.
    let bad = json!({"op": "Symbol", "args": ["t", {"__!datashape": "var * {a: int32"}, 0]});
    expect(
        Request::compute(&json!({"expr": field(bad, "accounts")})),
        400,
        "Invalid expression:\nexpression tree: Symbol: datashape 'var * {a: int32': invalid datashape at line 1, column 16: expected ',' or '}', found end of input",
    );
    // Keys of another type than the column's are a typing error, not a failure to compute.
    let keys = json!({"op": "IsIn", "args": [field(accounts(), "id"), {"__!frozenset": [1, "a"]}]});
    let response = server.request(Request::compute(&json!({ "expr": keys })));
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(
        response.text().contains("isin cannot compare"),
        "{}",
        response.text()
    );
    let response = server.request(Request::compute(
        &json!({"expr": {"op": "Eval", "args": ["import os"]}}),
    ));
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(response.text().contains("Eval"), "{}", response.text());
    let response = server.request(Request::compute(
        &json!({"expr": "accounts.nrows.T.dot(accounts.id)"}),
    ));
    assert!(
        response.status == 501 || response.status == 400,
        "{} {}",
        response.status,
        response.text()
    );
    expect(
        Request::post("/compute.msgpack", Vec::new()),
        404,
        "Unsupported serialization format",
    );
    expect(Request::post("/add", b"{}".to_vec()), 404, "/add not found");
    // Methods: /compute is POST, HEAD and OPTIONS; /datashape is GET, HEAD and OPTIONS.
    let response = server.request(Request::get("/compute"));
    assert_eq!(response.status, 405);
    let allowed = server.request(Request::get("/compute").method("OPTIONS"));
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("allow"), Some("POST, HEAD, OPTIONS"));
    let allowed = server.request(Request::get("/datashape").method("OPTIONS"));
    assert_eq!(allowed.header("allow"), Some("GET, HEAD, OPTIONS"));
    assert_eq!(
        server
            .request(Request::get("/datashape").method("HEAD"))
            .status,
        200
    );
    assert_eq!(
        server
            .request(Request::post("/datashape", Vec::new()))
            .status,
        405
    );
}

#[test]
fn a_failing_computation_is_500_with_its_message() {
    // The YAML's dshape says the names are integers: reading them fails while computing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        super::example("accounts.csv"),
        dir.path().join("accounts.csv"),
    )
    .unwrap();
    let yaml = "accounts:\n  source: accounts.csv\n  dshape: 'var * {id: int64, name: int64, balance: int64}'\n";
    let server = Running::start(yaml, dir.path(), Options::default());
    let response = server.request(Request::compute(&json!({"expr": "accounts.name.sum()"})));
    assert_eq!(response.status, 500, "{}", response.text());
    assert!(
        response
            .text()
            .starts_with("Computation failed with message:\n")
            && response.text().contains("Alice"),
        "{}",
        response.text()
    );
    // The dshape given is the one served.
    let response = server.request(Request::get("/datashape"));
    assert!(
        response.text().contains("name: int64"),
        "{}",
        response.text()
    );
}

#[test]
fn a_directory_is_a_namespace_of_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(logs.join("old")).unwrap();
    std::fs::write(logs.join("day1.csv"), "n\n1\n2\n").unwrap();
    std::fs::write(logs.join("old").join("day0.csv"), "n\n10\n").unwrap();
    std::fs::write(logs.join(".hidden.csv"), "n\n100\n").unwrap();
    let server = Running::start("logs:\n  source: logs\n", dir.path(), Options::default());
    let response = server.request(Request::get("/datashape"));
    assert_eq!(
        response.text(),
        "{\n  logs: {\n    day1: var * {\n      n: int64\n      },\n    \
         'old/day0': var * {\n      n: int64\n      }\n    }\n  }"
    );
    let sum = |file: &str| {
        let expr =
            json!({"op": "sum", "args": [field(field(field(json!(":leaf"), "logs"), file), "n")]});
        server
            .request(Request::compute(&json!({"expr": expr})))
            .json()["data"]
            .clone()
    };
    assert_eq!(sum("day1"), json!(3));
    assert_eq!(sum("old/day0"), json!(10));
}

#[test]
fn many_clients_at_once_and_a_clean_stop() {
    let server = Running::examples(Options::default());
    let addr = server.addr;
    let clients: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..10 {
                    let payload = json!({"expr": format!("accounts[accounts.id > {}].id.count()", (i + j) % 5)});
                    let response = super::http::send(addr, Request::compute(&payload));
                    assert_eq!(response.status, 200, "{}", response.text());
                    assert_eq!(response.json()["data"], json!(5 - (i + j) % 5));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    assert_eq!(server.stop(), Ok(()));
}

#[test]
fn the_page_is_served_at_the_root() {
    let server = Running::examples(Options::default());
    let response = server.request(Request::get("/"));
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().contains("<title>Blaze server</title>"));
}

#[test]
fn n_d_arrays_are_served_as_nested_lists() {
    let stored = |name: &str| {
        format!(
            "{}/../array/tests/fixtures/stored/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let yaml = format!(
        "x:\n  source: {}\nz:\n  source: {}\nc:\n  source: {}\n",
        stored("i32.npy"),
        stored("f64.v3.zarr"),
        stored("f32.npy")
    );
    let server = Running::start(&yaml, std::path::Path::new("."), Options::default());
    let response = server.request(Request::get("/datashape"));
    assert_eq!(
        response.text(),
        "{\n  x: 6 * 9 * int32,\n  z: 13 * 7 * float64,\n  c: 5 * 4 * 3 * float32\n  }"
    );

    // The first column of x, by text and as a tree.
    let column = server.request(Request::compute(&json!({"expr": "x[:, 0]"})));
    assert_eq!(column.status, 200, "{}", column.text());
    let whole = server
        .request(Request::compute(&json!({"expr": "x"})))
        .json();
    let first: Vec<Value> = whole["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(
        column.json(),
        json!({"datashape": "6 * int32", "data": first, "names": ["x"]})
    );
    let tree = json!({"op": "sum", "args": [{"op": "Field", "args": [":leaf", "z"]}, [0], false]});
    let sum = server
        .request(Request::compute(&json!({"expr": tree})))
        .json();
    assert_eq!(sum["datashape"], "7 * float64");
    assert_eq!(sum["names"], json!(["z_sum"]));
    assert_eq!(sum["data"].as_array().unwrap().len(), 7);

    // As Arrow, a 2-d array streams as its rows: a column per array column, f0 … f8.
    let arrow = |expr: &str| {
        server.request(
            Request::compute(&json!({ "expr": expr }))
                .header("accept", "application/vnd.apache.arrow.stream"),
        )
    };
    let response = arrow("x * 2");
    assert_eq!(response.status, 200, "{}", response.text());
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(response.body), None)
            .unwrap();
    let names: Vec<String> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, (0..9).map(|i| format!("f{i}")).collect::<Vec<_>>());
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let rows: Vec<Value> = batches
        .iter()
        .flat_map(|b| {
            (0..b.num_rows()).map(|r| {
                let row: Vec<Value> = b
                    .columns()
                    .iter()
                    .map(|c| {
                        let text = arrow::util::display::array_value_to_string(c, r).unwrap();
                        json!(text.parse::<i64>().unwrap())
                    })
                    .collect();
                Value::Array(row)
            })
        })
        .collect();
    let doubled = server
        .request(Request::compute(&json!({"expr": "x * 2"})))
        .json();
    assert_eq!(Value::Array(rows), doubled["data"]);
    // A 3-d array has no rows to stream.
    let response = arrow("c");
    assert_eq!(response.status, 406, "{}", response.text());
    let small = Running::start(
        &yaml,
        std::path::Path::new("."),
        Options {
            max_rows: 5,
            ..Options::default()
        },
    );
    let response = small.request(Request::compute(&json!({"expr": "x"})));
    assert_eq!(response.status, 422);
    assert!(
        response.text().contains("more than 5 rows"),
        "{}",
        response.text()
    );
}
