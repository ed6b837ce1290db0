//! Parsing and canonical printing: the spec's grammar examples and error positions.

use blaze_datashape::{DataShape, Dim, Measure, parse};

/// Asserts that `text` parses, prints as `canonical`, and that the canonical form is stable.
macro_rules! roundtrip {
    ($text:expr => $canonical:expr) => {{
        let parsed = parse($text).unwrap_or_else(|e| panic!("{:?} should parse: {e}", $text));
        let printed = parsed.to_string();
        assert_eq!(printed, $canonical, "printing {:?}", $text);
        let reparsed = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} should reparse: {e}"));
        assert_eq!(reparsed, parsed, "reparsing {printed:?}");
        assert_eq!(reparsed.to_string(), printed);
    }};
    ($text:expr) => {
        roundtrip!($text => $text)
    };
}

/// Asserts that `text` is rejected with exactly `message`.
macro_rules! rejects {
    ($text:expr, $message:expr) => {{
        let err = parse($text).expect_err(concat!("should be rejected: ", $text));
        assert_eq!(err.to_string(), $message, "error for {:?}", $text);
    }};
}

#[test]
fn the_issue_example() {
    roundtrip!("5 * {a: int, \"b c\": ?string}" => "5 * {a: int32, 'b c': ?string}");
}

#[test]
fn dimensions() {
    roundtrip!("3*5*int16" => "3 * 5 * int16");
    roundtrip!("var * int32");
    roundtrip!("N * M * float64");
    roundtrip!("... * int32");
    roundtrip!("Dims... * int32");
    roundtrip!("ellipsis * int32" => "... * int32");
    roundtrip!("3 * Dims... * N * int32");
    roundtrip!("fixed[3] * bool" => "3 * bool");
    roundtrip!("typevar['N'] * int8" => "N * int8");
    roundtrip!("ellipsis['Dims'] * int8" => "Dims... * int8");
    roundtrip!("0 * int8");
    let t = parse("10 * var * int64").unwrap();
    assert_eq!(t.dims(), &[Dim::Fixed(10), Dim::Var]);
    assert_eq!(t.measure(), &Measure::Int64);
}

#[test]
fn unit_types_and_aliases() {
    for name in [
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "string", "bytes", "date", "time", "datetime", "null",
        "void", "object", "json",
    ] {
        roundtrip!(name);
    }
    roundtrip!("int" => "int32");
    roundtrip!("real" => "float64");
    roundtrip!("intptr" => "int64");
    roundtrip!("uintptr" => "uint64");
    roundtrip!("complex" => "complex[float64]");
    roundtrip!("complex128" => "complex[float64]");
    roundtrip!("complex64" => "complex[float32]");
    roundtrip!("complex[float32]");
    roundtrip!("timedelta" => "timedelta[unit='us']");
    assert_eq!(parse("int").unwrap(), parse("int32").unwrap());
    assert_eq!(parse("string").unwrap(), parse("string['U8']").unwrap());
}

#[test]
fn constructors() {
    roundtrip!("string[10]");
    roundtrip!("string['ascii']" => "string['A']");
    roundtrip!("string[10, 'utf-16']" => "string[10, 'U16']");
    roundtrip!("string['U32']");
    roundtrip!("string[fixlen=4, encoding='A']" => "string[4, 'A']");
    roundtrip!("bytes[16]");
    roundtrip!("decimal[10]" => "decimal[precision=10, scale=0]");
    roundtrip!("decimal[10, 2]" => "decimal[precision=10, scale=2]");
    roundtrip!("decimal[precision=18, scale=4]");
    roundtrip!("time[tz='UTC']");
    roundtrip!("datetime[tz='America/New_York']");
    roundtrip!("timedelta[unit='seconds']" => "timedelta[unit='s']");
    roundtrip!("timedelta['D']" => "timedelta[unit='D']");
    roundtrip!("units['second']");
    roundtrip!("units['second', float64]" => "units['second']");
    roundtrip!("units['meter', int32]");
    roundtrip!("categorical[['a', 'b']]" => "categorical[['a', 'b'], type=string, ordered=False]");
    roundtrip!("categorical[[1, 2, 3], type=int8, ordered=True]");
    roundtrip!("option[int32]" => "?int32");
    roundtrip!("map[string, {a: int64}]");
    roundtrip!("struct[['x', 'y'], [int32, int16]]" => "{x: int32, y: int16}");
    roundtrip!("tuple[[int64, float32]]" => "(int64, float32)");
    roundtrip!("funcproto[[int64, float32], bool]" => "(int64, float32) -> bool");
    roundtrip!("typevar['DTypeVar']" => "DTypeVar");
}

#[test]
fn option_binds_everything_to_its_right() {
    roundtrip!("?int32");
    roundtrip!("2 * ?3 * int32");
    roundtrip!("?3 * int32");
    roundtrip!("?{a: int8}");
    roundtrip!("??int32" => "?int32");
    let t = parse("2 * ?3 * int32").unwrap();
    assert_eq!(t.dims(), &[Dim::Fixed(2)]);
    let Measure::Option(inner) = t.measure() else {
        panic!("expected an option, got {t}");
    };
    assert_eq!(inner.to_string(), "3 * int32");
}

#[test]
fn records_tuples_functions() {
    roundtrip!("{}");
    roundtrip!("{a: int32,}" => "{a: int32}");
    roundtrip!("{'Unique Key': int64, \"it's\": string}" => "{'Unique Key': int64, \"it's\": string}");
    roundtrip!("{True: bool, var: int8, _x: string}");
    roundtrip!("{'a\\\\b': int8}");
    roundtrip!("(float32)");
    roundtrip!("(float32,)" => "(float32)");
    roundtrip!("()");
    roundtrip!("() -> int32");
    roundtrip!("(int32, float64) -> bool");
    roundtrip!("(N * S, (M * S) -> T) -> N * T");
    roundtrip!("var * {a: 3 * {b: ?string, c: var * (int8, bool)}}");
    // Comments and whitespace anywhere.
    roundtrip!("# the accounts table\nvar * {\n  id: int64,  # key\n  name: string\n}\n"
        => "var * {id: int64, name: string}");
}

#[test]
fn long_records_pretty_print_as_pprint() {
    let t = parse(
        "5000000000 * {a: (int, float32, real, string, datetime), b: {c: 5 * int, d: var * 100 * float32}}",
    )
    .unwrap();
    assert_eq!(
        t.pretty(80),
        "5000000000 * {\n  a: (int32, float32, float64, string, datetime),\n  b: {c: 5 * int32, d: var * 100 * float32}\n  }"
    );
    let narrow = "{\n  a: (\n    int32,\n    float32,\n    float64,\n    string,\n    datetime\n    ),\n  b: {\n    c: 5 * int32,\n    d: var * 100 * float32\n    }\n  }";
    assert_eq!(
        DataShape::scalar(t.measure().clone()).pretty(30),
        format!("{narrow}")
    );
    // `str` lays a long record out over lines without counting the dimensions.
    assert_eq!(t.to_string(), format!("5000000000 * {}", t.measure()));
    // Width 0 is the server's `/datashape` form.
    let server = parse("{accounts: 2 * {name: string, amount: int64}}").unwrap();
    assert_eq!(
        server.pretty(0),
        "{\n  accounts: 2 * {\n    name: string,\n    amount: int64\n    }\n  }"
    );
    // Multi-line output parses back.
    assert_eq!(parse(&t.pretty(30)).unwrap(), t);
}

#[test]
fn errors_have_positions_and_say_what_was_expected() {
    rejects!(
        "int64,asdf",
        "invalid datashape at line 1, column 6: expected '*' or end of input, found ','"
    );
    rejects!(
        "3 *",
        "invalid datashape at line 1, column 4: expected a dimension or a type, found end of input"
    );
    rejects!(
        "{a int32}",
        "invalid datashape at line 1, column 4: expected ':', found 'int32'"
    );
    rejects!(
        "{a: int32\n b: int8}",
        "invalid datashape at line 2, column 2: expected ',' or '}', found 'b'"
    );
    rejects!(
        "var * flaot64",
        "invalid datashape at line 1, column 7: unknown type 'flaot64'; did you mean 'float64'?"
    );
    rejects!(
        "bigint",
        "invalid datashape at line 1, column 1: unknown type 'bigint'"
    );
    rejects!(
        "3 * 01 * int32",
        "invalid datashape at line 1, column 5: integer '01' has leading zeros"
    );
    rejects!(
        "{a: int8, a: int16}",
        "invalid datashape at line 1, column 11: duplicate field name 'a' in record"
    );
    rejects!(
        "... * 3 * ... * int8",
        "invalid datashape at line 1, column 1: a datashape may have at most one ellipsis ('...') dimension"
    );
    rejects!(
        "complex[int64]",
        "invalid datashape at line 1, column 8: complex[...]: the component type must be float32 or float64"
    );
    rejects!(
        "string['latin1']",
        "invalid datashape at line 1, column 7: string[...]: unsupported string encoding 'latin1' (expected 'A', 'U8', 'U16' or 'U32')"
    );
    rejects!(
        "timedelta[unit='fortnight']",
        "invalid datashape at line 1, column 10: timedelta[...]: unknown time unit 'fortnight' (expected one of ns, us, ms, s, m, h, D, W, M, Y)"
    );
    rejects!(
        "decimal[precision=10, 2]",
        "invalid datashape at line 1, column 23: decimal[...]: positional arguments cannot follow keyword arguments"
    );
    rejects!(
        "decimal[]",
        "invalid datashape at line 1, column 9: expected a type constructor argument, found ']'"
    );
    rejects!(
        "decimal[10, 2, 3]",
        "invalid datashape at line 1, column 16: decimal[...]: takes at most 2 argument(s)"
    );
    rejects!(
        "datetime[zone='UTC']",
        "invalid datashape at line 1, column 10: datetime[...]: unknown keyword 'zone' (expected 'tz')"
    );
    rejects!(
        "categorical[[1, 'a']]",
        "invalid datashape at line 1, column 17: expected an integer (list items must be of one kind), found a string"
    );
    rejects!(
        "int32[3]",
        "invalid datashape at line 1, column 1: int32[...]: this type takes no arguments"
    );
    rejects!(
        "'unterminated",
        "invalid datashape at line 1, column 1: unterminated string"
    );
    rejects!(
        "var",
        "invalid datashape at line 1, column 4: expected '*', found end of input"
    );
    rejects!(
        "",
        "invalid datashape at line 1, column 1: expected a dimension or a type, found end of input"
    );
    rejects!(
        "3 * int32 ~",
        "invalid datashape at line 1, column 11: unexpected character '~'"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for (open, close) in [
        ("(", ")"),
        ("{a: ", "}"),
        ("option[", "]"),
        ("?", ""),
        ("decimal[", "]"),
    ] {
        let text = format!("{}int8{}", open.repeat(10_000), close.repeat(10_000));
        let err = parse(&text).expect_err("too deep");
        assert!(
            err.to_string().contains("types nested more than 128 deep"),
            "{err}"
        );
    }
}
