//! Globs and directories of same-shaped files as one source; directories of part files as
//! targets, swapped into place whole.

use std::io::Write;

use blaze_odo::{IfExists, OdoOptions, discover, odo};

use crate::{Files, json_lines_of};

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

/// The file names in `dir`, sorted, hidden ones included (a leftover staging directory would
/// show up here).
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_glob_of_compressed_json_lines_is_one_dataset() {
    let files = Files::new();
    std::fs::create_dir(files.path("logs")).unwrap();
    files.write(
        "logs/2024-01.jsonl.gz",
        gzip("{\"id\": 1, \"user\": \"ann\"}\n{\"id\": 2, \"user\": \"bob\"}\n"),
    );
    // The second file has a missing user: the union is ?string.
    files.write(
        "logs/2024-02.jsonl.gz",
        gzip("{\"id\": 3, \"user\": null}\n"),
    );
    // Not matched by the pattern.
    files.write(
        "logs/2023-12.jsonl.gz",
        gzip("{\"id\": 0, \"user\": \"old\"}\n"),
    );
    let pattern = format!("{}/2024-*.jsonl.gz", files.path("logs").display());

    let found = discover(&pattern, &Default::default()).unwrap();
    assert_eq!(
        found.datashape.to_string(),
        "var * {id: int64, user: ?string}"
    );
    let target = files.path("all.parquet");
    let summary = odo(&pattern, target.to_str().unwrap(), &OdoOptions::default()).unwrap();
    assert_eq!(summary.rows, 3);
    assert_eq!(
        json_lines_of(target.to_str().unwrap()),
        "{\"id\":1,\"user\":\"ann\"}\n{\"id\":2,\"user\":\"bob\"}\n{\"id\":3}\n"
    );
}

#[test]
fn files_with_other_columns_or_no_match_are_clear_errors() {
    let files = Files::new();
    files.write("a-1.csv", "id,name\n1,x\n");
    files.write("a-2.csv", "id,label\n2,y\n");
    let pattern = format!("{}/a-*.csv", files.path("").display());
    let err = discover(&pattern, &Default::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("a-2.csv: its columns differ from those of")
            && err.to_string().contains("must have the same columns"),
        "{err}"
    );
    let none = format!("{}/b-*.csv", files.path("").display());
    assert_eq!(
        discover(&none, &Default::default())
            .unwrap_err()
            .to_string(),
        format!("no files match '{none}'")
    );
}

#[test]
fn a_directory_target_gets_part_files_and_reads_back() {
    let files = Files::new();
    let csv = files.write("in.csv", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n");
    let out = files.path("out");
    let target = format!("{}/*.parquet", out.display());
    let parts = |rows| OdoOptions {
        part_rows: Some(rows),
        ..OdoOptions::default()
    };
    let summary = odo(csv.to_str().unwrap(), &target, &parts(2)).unwrap();
    assert_eq!(summary.rows, 5);
    assert_eq!(
        names_in(&out),
        [
            "part-00000.parquet",
            "part-00001.parquet",
            "part-00002.parquet"
        ]
    );
    // The directory reads back as one dataset, by its name alone.
    let expected = "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n{\"id\":3,\"name\":\"c\"}\n\
                    {\"id\":4,\"name\":\"d\"}\n{\"id\":5,\"name\":\"e\"}\n";
    assert_eq!(json_lines_of(out.to_str().unwrap()), expected);
    assert_eq!(
        discover(out.to_str().unwrap(), &Default::default())
            .unwrap()
            .datashape
            .to_string(),
        "var * {id: int64, name: string}"
    );

    // fail: the directory is left alone.
    let more = files.write("more.csv", "id,name\n6,f\n");
    let err = odo(more.to_str().unwrap(), &target, &parts(2)).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");

    // append: new parts beside the old ones.
    odo(
        more.to_str().unwrap(),
        &target,
        &OdoOptions {
            if_exists: IfExists::Append,
            ..parts(2)
        },
    )
    .unwrap();
    assert_eq!(names_in(&out).len(), 4);
    assert_eq!(
        json_lines_of(out.to_str().unwrap()),
        format!("{expected}{{\"id\":6,\"name\":\"f\"}}\n")
    );

    // replace: only the new rows; nothing left over beside the directory.
    odo(
        more.to_str().unwrap(),
        &format!("parquet://{}", out.display()),
        &OdoOptions {
            if_exists: IfExists::Replace,
            ..parts(2)
        },
    )
    .unwrap();
    assert_eq!(names_in(&out), ["part-00000.parquet"]);
    assert_eq!(
        json_lines_of(out.to_str().unwrap()),
        "{\"id\":6,\"name\":\"f\"}\n"
    );
    assert_eq!(names_in(&files.path("")), ["in.csv", "more.csv", "out"]);
}

#[test]
fn a_failed_directory_load_leaves_the_old_directory() {
    let files = Files::new();
    let good = files.write("good.csv", "id\n1\n2\n");
    let out = files.path("out");
    let target = format!("{}/*.jsonl", out.display());
    odo(good.to_str().unwrap(), &target, &OdoOptions::default()).unwrap();
    let bad = files.write("bad.csv", "id\n3\n4\nfive\n");
    let err = odo(
        bad.to_str().unwrap(),
        &target,
        &OdoOptions {
            if_exists: IfExists::Replace,
            dshape: Some(blaze_datashape::parse("var * {id: int64}").unwrap()),
            part_rows: Some(1),
            ..OdoOptions::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("'five'"), "{err}");
    assert_eq!(
        json_lines_of(out.to_str().unwrap()),
        "{\"id\":1}\n{\"id\":2}\n"
    );
    assert_eq!(names_in(&files.path("")), ["bad.csv", "good.csv", "out"]);
}
