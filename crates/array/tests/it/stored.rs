//! Zarr (v2 and v3) and HDF5: reading what zarr-python and h5py write
//! (`tests/fixtures/make_stored.py`), and storing results block by block.

use std::path::{Path, PathBuf};

use blaze_array::{Array, Block, ChunkSpec, DType, Index};
use blaze_tasks::Scheduler;

const NAMES: [&str; 6] = ["f64", "f32", "i64", "i32", "u8", "b"];
/// The chunk shapes make_stored.py stored them in.
const CHUNKS: [&[usize]; 6] = [&[4, 3], &[2, 4, 2], &[5], &[6, 4], &[3, 3], &[4, 2]];

fn stored(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stored")
        .join(name)
}

/// The values the Python libraries stored, from their `.npy` copy.
fn truth(name: &str) -> Block {
    Array::from_npy(stored(&format!("{name}.npy")), ChunkSpec::Auto)
        .unwrap()
        .compute()
        .unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An array whose block `bad` fails to compute.
fn failing_at(x: &Array, bad: usize) -> Array {
    let seen = std::sync::atomic::AtomicUsize::new(0);
    x.map_blocks("fail", x.dtype(), move |b| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == bad {
            Err("disk on fire".into())
        } else {
            Ok(b.clone())
        }
    })
}

#[test]
fn zarr_v2_and_v3_written_by_zarr_python_read_back_exactly() {
    for (name, stored_chunks) in NAMES.into_iter().zip(CHUNKS) {
        for format in [2, 3] {
            let path = stored(&format!("{name}.v{format}.zarr"));
            for chunks in [
                ChunkSpec::Auto,
                ChunkSpec::Uniform(2),
                ChunkSpec::Uniform(5),
                // Blocks that are whole stored chunks, or runs of them along the first axis,
                // are read without zarrs' buffers.
                ChunkSpec::from(stored_chunks),
                ChunkSpec::Shape(
                    std::iter::once(Some(stored_chunks[0] * 2))
                        .chain(stored_chunks[1..].iter().map(|&c| Some(c)))
                        .collect(),
                ),
            ] {
                let x = Array::from_zarr(&path, "", chunks.clone()).unwrap();
                assert_eq!(
                    x.compute().unwrap(),
                    truth(name),
                    "{name} v{format} {chunks:?}"
                );
            }
        }
    }
}

#[test]
fn zarr_v2_compressed_with_zlib_or_gzip_reads_back_exactly() {
    for codec in ["zlib", "gzip"] {
        let path = stored(&format!("f64.{codec}.v2.zarr"));
        for chunks in [ChunkSpec::Auto, ChunkSpec::Uniform(5)] {
            let x = Array::from_zarr(&path, "", chunks.clone()).unwrap();
            assert_eq!(x.compute().unwrap(), truth("f64"), "{codec} {chunks:?}");
        }
    }
}

#[test]
fn uncompressed_zarr_chunks_and_unwritten_ones_read_back_exactly() {
    // Chunk (1, 1) is all zeros, which zarr-python does not write: it reads as the fill value.
    for format in [2, 3] {
        let path = stored(&format!("f64_sparse.raw.v{format}.zarr"));
        for chunks in [ChunkSpec::Auto, ChunkSpec::from(&[4usize, 3][..])] {
            let x = Array::from_zarr(&path, "", chunks.clone()).unwrap();
            assert_eq!(
                x.compute().unwrap(),
                truth("f64_sparse"),
                "v{format} {chunks:?}"
            );
        }
    }
}

#[test]
fn a_truncated_chunk_is_an_error_naming_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("raw.zarr");
    copy_dir(&stored("f64_sparse.raw.v3.zarr"), &store);
    let chunk = store.join("c/0/0");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() - 8]).unwrap();
    let x = Array::from_zarr(&store, "", ChunkSpec::from(&[4usize, 3][..])).unwrap();
    let err = x.compute().unwrap_err().to_string();
    assert!(
        err.contains("c/0/0") && err.contains("the chunk holds 88 bytes, not the 96 of its shape"),
        "{err}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn zstd_chunks_read_ahead_give_their_values_and_their_errors() {
    // 24 zstd chunks of 1 MiB (smaller ones are not read ahead): each block read starts reading
    // the next ones on helper threads.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("x.zarr");
    let x = Array::normal(&[3072, 1024], 0.0, 1.0, 7, [128, 1024]).unwrap();
    x.to_zarr(&store, &Scheduler::threaded()).unwrap();
    let want = x.compute().unwrap();
    let want_sum = x.sum(Some(&[0]), false).unwrap().compute().unwrap();
    for scheduler in [Scheduler::threaded(), Scheduler::synchronous()] {
        let back = Array::from_zarr(&store, "", ChunkSpec::from(&[128usize, 1024][..])).unwrap();
        assert_eq!(back.compute_with(&scheduler).unwrap(), want);
        let sum = back.sum(Some(&[0]), false).unwrap();
        assert_eq!(sum.compute_with(&scheduler).unwrap(), want_sum);
        // Rows 1000..1140 are parts of blocks, which read no further ahead.
        let rows = |a: &Array| {
            a.index(&[Index::Slice {
                start: Some(1000),
                stop: Some(1140),
                step: 1,
            }])
            .unwrap()
        };
        assert_eq!(
            rows(&back).compute_with(&scheduler).unwrap(),
            rows(&x).compute().unwrap()
        );
    }
    // A damaged chunk in the middle is named, whether or not it was read ahead.
    let chunk = store.join("c/13/0");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).unwrap();
    let back = Array::from_zarr(&store, "", ChunkSpec::from(&[128usize, 1024][..])).unwrap();
    let err = back
        .sum(None, false)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(err.contains("c/13/0") && err.contains("zstd"), "{err}");
}

#[test]
fn zarr_blocks_are_whole_stored_chunks() {
    // 13 × 7 float64 stored in chunks of 4 × 3: small chunks grow along the first axis only.
    let x = Array::from_zarr(stored("f64.v3.zarr"), "", ChunkSpec::Auto).unwrap();
    assert_eq!(x.chunks().dims(), [vec![13], vec![3, 3, 1]]);
    assert_eq!(x.datashape(), "13 * 7 * float64");
}

#[test]
fn an_array_inside_a_zarr_group_is_named_by_its_path() {
    let x = Array::from_zarr(stored("group.zarr"), "/inner/data", ChunkSpec::Auto).unwrap();
    assert_eq!(x.compute().unwrap(), truth("f64"));
    let err = Array::from_zarr(stored("group.zarr"), "inner/nope", ChunkSpec::Auto)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("group.zarr") && err.contains("zarr"), "{err}");
    // A group is not an array: the error lists the arrays it holds.
    for (node, named) in [("", "the store"), ("inner", "'inner'")] {
        let err = Array::from_zarr(stored("group.zarr"), node, ChunkSpec::Auto)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with(&format!(
                "{named} is a Zarr group; name an array in it, as in {}::inner/data (it has inner/data)",
                stored("group.zarr").display()
            )),
            "{err}"
        );
    }
}

#[test]
fn hdf5_datasets_written_by_h5py_read_back_exactly() {
    let file = stored("data.h5");
    for name in NAMES {
        for chunks in [ChunkSpec::Auto, ChunkSpec::Uniform(3)] {
            let x = Array::from_hdf5(&file, &format!("/{name}"), chunks).unwrap();
            assert_eq!(x.compute().unwrap(), truth(name), "{name}");
        }
    }
    // Chunked, gzip-compressed, in a nested group: blocks follow the stored chunks.
    let x = Array::from_hdf5(&file, "group/inner/chunked", ChunkSpec::Auto).unwrap();
    assert_eq!(x.chunks().dims(), [vec![13], vec![3, 3, 1]]);
    let row = x.index(&[Index::At(12)]).unwrap().compute().unwrap();
    assert_eq!(row, truth("f64").index_axis(0, 12));
}

/// The error opening the dataset `dataset` of the HDF5 file `file`.
fn open_error(file: impl AsRef<Path>, dataset: &str) -> String {
    match Array::from_hdf5(file, dataset, ChunkSpec::Auto) {
        Ok(_) => panic!("{dataset} opened"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn hdf5_errors_name_the_file_and_the_dataset() {
    let file = stored("data.h5");
    let err = open_error(&file, "/strings");
    assert!(
        err.contains("data.h5")
            && err.contains("/strings")
            && err.contains("unsupported element type"),
        "{err}"
    );
    let err = open_error(&file, "/missing");
    assert!(err.contains("data.h5") && err.contains("/missing"), "{err}");
    let err = open_error(stored("nope.h5"), "/x");
    assert!(err.contains("nope.h5") && err.contains("no such"), "{err}");
    // A filter libhdf5 cannot decode is named when the dataset is opened, not deep in HDF5's
    // words at the first block.
    let err = open_error(stored("lzf.h5"), "/x");
    assert!(
        err.contains("lzf.h5")
            && err.contains("/x")
            && err.contains(
                "compressed with LZF (h5py's own), which this HDF5 library cannot decode"
            ),
        "{err}"
    );
}

#[test]
fn zarr_stores_round_trip_every_type_with_uneven_blocks() {
    let dir = tempfile::tempdir().unwrap();
    for name in NAMES {
        // Slicing off the first row leaves blocks of uneven lengths, which Zarr's regular grid
        // cannot hold: they are rechunked on the way out.
        let x = Array::from_npy(stored(&format!("{name}.npy")), ChunkSpec::Uniform(2))
            .unwrap()
            .index(&[Index::Slice {
                start: Some(1),
                stop: None,
                step: 1,
            }])
            .unwrap();
        let path = dir.path().join(format!("{name}.zarr"));
        x.to_zarr(&path, &Scheduler::threaded()).unwrap();
        let back = Array::from_zarr(&path, "", ChunkSpec::Auto).unwrap();
        assert_eq!(back.dtype(), x.dtype());
        assert_eq!(back.compute().unwrap(), x.compute().unwrap(), "{name}");
    }
    let mut expected = NAMES.map(|n| format!("{n}.zarr")).to_vec();
    expected.sort();
    assert_eq!(entries(dir.path()), expected);
}

#[test]
fn a_failed_zarr_store_leaves_nothing_and_keeps_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.zarr");
    let x = Array::arange(0.0, 100.0, 1.0, DType::Float64, 10).unwrap();
    x.to_zarr(&path, &Scheduler::synchronous()).unwrap();
    let err = failing_at(&x.mul(2.0).unwrap(), 5)
        .to_zarr(&path, &Scheduler::synchronous())
        .unwrap_err()
        .to_string();
    assert!(err.contains("disk on fire"), "{err}");
    assert_eq!(entries(dir.path()), ["out.zarr"]);
    let back = Array::from_zarr(&path, "", ChunkSpec::Auto).unwrap();
    assert_eq!(back.compute().unwrap(), x.compute().unwrap());
}

#[test]
fn arrays_are_written_into_groups_of_a_zarr_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    let x = Array::from_npy(stored("i32.npy"), ChunkSpec::Uniform(4)).unwrap();
    let y = x.t().mul(3).unwrap();
    let run = Scheduler::threaded();
    x.to_zarr_node(&store, "a/b/x", &run).unwrap();
    y.to_zarr_node(&store, "/a/y", &run).unwrap();
    let read = |node: &str| {
        Array::from_zarr(&store, node, ChunkSpec::Auto)
            .unwrap()
            .compute()
            .unwrap()
    };
    assert_eq!(read("a/b/x"), truth("i32"));
    assert_eq!(read("a/y"), y.compute().unwrap());
    assert_eq!(entries(&store), ["a", "zarr.json"]);
    assert_eq!(entries(&store.join("a")), ["b", "y", "zarr.json"]);

    // Replacing an array keeps its neighbours; a failure keeps the array that was there and
    // removes the groups it created.
    y.to_zarr_node(&store, "a/b/x", &run).unwrap();
    assert_eq!(read("a/b/x"), y.compute().unwrap());
    let err = failing_at(&x.mul(2).unwrap(), 1)
        .to_zarr_node(&store, "a/b/x", &Scheduler::synchronous())
        .unwrap_err();
    assert!(err.to_string().contains("disk on fire"), "{err}");
    assert_eq!(read("a/b/x"), y.compute().unwrap());
    assert!(
        failing_at(&x, 1)
            .to_zarr_node(&store, "new/deeper/z", &Scheduler::synchronous())
            .is_err()
    );
    assert_eq!(entries(&store), ["a", "zarr.json"]);
    assert_eq!(entries(&store.join("a/b")), ["x", "zarr.json"]);

    // An array whose attributes mention "group" is still an array.
    let tagged = dir.path().join("tagged.zarr");
    x.to_zarr(&tagged, &run).unwrap();
    let meta = std::fs::read_to_string(tagged.join("zarr.json")).unwrap();
    let meta = meta.replacen(
        "\"attributes\": {",
        "\"attributes\": {\"kind\": \"group\",",
        1,
    );
    assert!(meta.contains("\"kind\": \"group\""), "{meta}");
    std::fs::write(tagged.join("zarr.json"), meta).unwrap();
    assert!(blaze_array::zarr_arrays(&tagged).is_empty());
    let err = x
        .to_zarr_node(&tagged, "inner", &run)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the store is an array, not a group to write into"),
        "{err}"
    );

    // Not into an array, over a group, or as a v2 node in a v3 store.
    let cases = [
        ("a/b/x/z", "'a/b/x' is an array, not a group to write into"),
        ("a", "'a' is a group; an array does not replace it"),
        ("a/.hidden", "'.hidden' cannot name a Zarr node"),
    ];
    for (node, message) in cases {
        let err = x.to_zarr_node(&store, node, &run).unwrap_err().to_string();
        assert!(err.contains(message), "{node}: {err}");
    }
    let err = x
        .to_zarr_node(stored("f64.v2.zarr"), "x", &run)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the store is an array, not a group") || err.contains("Zarr v2"),
        "{err}"
    );
}

#[test]
fn arrays_are_written_into_zarr_v2_stores_in_v2() {
    // A store as zarr-python 2 writes one: a root group holding an array it wrote.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("v2.zarr");
    std::fs::create_dir_all(store.join("old")).unwrap();
    std::fs::write(store.join(".zgroup"), "{\"zarr_format\": 2}").unwrap();
    for file in std::fs::read_dir(stored("i32.v2.zarr")).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), store.join("old").join(file.file_name())).unwrap();
    }
    let x = Array::from_npy(stored("i32.npy"), ChunkSpec::Uniform(4)).unwrap();
    let y = x.t().mul(3).unwrap().astype(DType::Float64).unwrap();
    let run = Scheduler::threaded();
    y.to_zarr_node(&store, "new/y", &run).unwrap();
    assert_eq!(entries(&store), [".zgroup", "new", "old"]);
    assert_eq!(entries(&store.join("new")), [".zgroup", "y"]);
    let metadata: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("new/y/.zarray")).unwrap())
            .unwrap();
    assert_eq!(metadata["zarr_format"], 2);
    assert_eq!(metadata["dtype"], "<f8");
    assert_eq!(metadata["compressor"]["id"], "zstd");
    let read = |node: &str| {
        Array::from_zarr(&store, node, ChunkSpec::Auto)
            .unwrap()
            .compute()
            .unwrap()
    };
    assert_eq!(read("new/y"), y.compute().unwrap());
    assert_eq!(read("old"), truth("i32"));
    assert_eq!(
        blaze_array::zarr_arrays(&store),
        ["new/y".to_owned(), "old".to_owned()]
    );
    // Replacing keeps the neighbours; a v3 node inside is refused.
    x.to_zarr_node(&store, "new/y", &run).unwrap();
    assert_eq!(read("new/y"), truth("i32"));
    assert_eq!(read("old"), truth("i32"));
    std::fs::create_dir(store.join("v3")).unwrap();
    std::fs::write(
        store.join("v3/zarr.json"),
        "{\"zarr_format\": 3, \"node_type\": \"group\"}",
    )
    .unwrap();
    let err = x
        .to_zarr_node(&store, "v3/x", &run)
        .unwrap_err()
        .to_string();
    assert!(err.contains("'v3' is Zarr v3 in a Zarr v2 store"), "{err}");
}

#[test]
fn hdf5_stores_add_and_replace_datasets_without_touching_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.h5");
    let x = Array::from_npy(stored("i32.npy"), ChunkSpec::Uniform(4)).unwrap();
    x.to_hdf5(&file, "/first", &Scheduler::threaded()).unwrap();
    let y = x.t().mul(3).unwrap();
    y.to_hdf5(&file, "/deep/er/second", &Scheduler::threaded())
        .unwrap();
    let first = Array::from_hdf5(&file, "/first", ChunkSpec::Auto).unwrap();
    // Stored in chunks of 4 × 4 (the blocks'); read in whole stored chunks, grown along axis 0.
    assert_eq!(first.chunks().dims(), [vec![6], vec![4, 4, 1]]);
    assert_eq!(first.compute().unwrap(), truth("i32"));
    let second = Array::from_hdf5(&file, "/deep/er/second", ChunkSpec::Auto).unwrap();
    assert_eq!(second.compute().unwrap(), y.compute().unwrap());

    // Replacing a dataset: a failure keeps the old one; success swaps it in.
    let err = failing_at(&x, 2)
        .to_hdf5(&file, "/first", &Scheduler::synchronous())
        .unwrap_err()
        .to_string();
    assert!(err.contains("disk on fire"), "{err}");
    let first = Array::from_hdf5(&file, "/first", ChunkSpec::Auto).unwrap();
    assert_eq!(first.compute().unwrap(), truth("i32"));
    x.add(1)
        .unwrap()
        .to_hdf5(&file, "first", &Scheduler::threaded())
        .unwrap();
    let first = Array::from_hdf5(&file, "/first", ChunkSpec::Auto).unwrap();
    assert_eq!(
        first.compute().unwrap(),
        x.add(1).unwrap().compute().unwrap()
    );
    // Read from and stored into the same file.
    first
        .to_hdf5(&file, "/copy", &Scheduler::threaded())
        .unwrap();
    let copy = Array::from_hdf5(&file, "/copy", ChunkSpec::Auto).unwrap();
    assert_eq!(copy.compute().unwrap(), first.compute().unwrap());
    assert_eq!(entries(dir.path()), ["out.h5"]);

    // Every element type, and a failed store into a new file leaves no file.
    for name in NAMES {
        let path = dir.path().join(format!("{name}.h5"));
        let x = Array::from_npy(stored(&format!("{name}.npy")), ChunkSpec::Uniform(3)).unwrap();
        x.to_hdf5(&path, "/data", &Scheduler::threaded()).unwrap();
        let back = Array::from_hdf5(&path, "/data", ChunkSpec::Auto).unwrap();
        assert_eq!(back.compute().unwrap(), truth(name), "{name}");
    }
    let lost = dir.path().join("lost.h5");
    assert!(
        failing_at(&x, 1)
            .to_hdf5(&lost, "/x", &Scheduler::synchronous())
            .is_err()
    );
    assert!(!lost.exists());
    assert!(!entries(dir.path()).iter().any(|n| n.starts_with('.')));
}
