//! The `.str` and `.dt` methods, `truncate` and `%` of text, computed; the expected values are
//! pandas' (for strings and date parts), Blaze's Python backend's (for `truncate`) and
//! Python's (for `%`), worked out with them on the same values.

use crate::{csv_session, try_rows, values};

/// A CSV file of names (one missing), bound as `t`.
fn names() -> (tempfile::TempDir, blaze_compute::Session) {
    csv_session(
        "t",
        "id,name\n1,Alice Smith\n2,  bob \n3,O'Hara 42\n4,École\n5,x1\n6,12\n7,\n",
    )
}

/// A CSV file of datetimes (one missing), bound as `e`.
fn times() -> (tempfile::TempDir, blaze_compute::Session) {
    csv_session(
        "e",
        "id,when\n1,2000-06-25 12:35:10\n2,2000-06-22 12:30:38.012345\n3,1969-12-31 23:59:59\n4,2024-02-29 06:00:00\n5,\n",
    )
}

/// Each expression's values, as listed.
fn check(s: &blaze_compute::Session, cases: &[(&str, &[&str])]) {
    for (text, want) in cases {
        let want: Vec<String> = want.iter().map(|w| w.to_string()).collect();
        assert_eq!(values(s, text), want, "{text}");
    }
}

#[test]
fn string_methods_without_arguments() {
    let (_dir, s) = names();
    let cases: &[(&str, &[&str])] = &[
        (
            "t.name.str.capitalize()",
            &[
                "Alice smith",
                "  bob ",
                "O'hara 42",
                "École",
                "X1",
                "12",
                "",
            ],
        ),
        (
            "t.name.str.isalnum()",
            &["false", "false", "false", "true", "true", "true", ""],
        ),
        (
            "t.name.str.isalpha()",
            &["false", "false", "false", "true", "false", "false", ""],
        ),
        (
            "t.name.str.isdigit()",
            &["false", "false", "false", "false", "false", "true", ""],
        ),
        (
            "t.name.str.isnumeric()",
            &["false", "false", "false", "false", "false", "true", ""],
        ),
        (
            "t.name.str.islower()",
            &["false", "true", "false", "false", "true", "false", ""],
        ),
        (
            "t.name.str.isupper()",
            &["false", "false", "false", "false", "false", "false", ""],
        ),
        (
            "t.name.str.istitle()",
            &["true", "false", "true", "true", "false", "false", ""],
        ),
        (
            "t.name.str.isspace()",
            &["false", "false", "false", "false", "false", "false", ""],
        ),
    ];
    check(&s, cases);
}

#[test]
fn string_methods_with_arguments() {
    let (_dir, s) = names();
    let cases: &[(&str, &[&str])] = &[
        (
            "t.name.str.find('b')",
            &["-1", "2", "-1", "-1", "-1", "-1", ""],
        ),
        (
            "t.name.str.replace('l', 'L')",
            &[
                "ALice Smith",
                "  bob ",
                "O'Hara 42",
                "ÉcoLe",
                "x1",
                "12",
                "",
            ],
        ),
        (
            "t.name.str.replace('l', 'L', 1)",
            &[
                "ALice Smith",
                "  bob ",
                "O'Hara 42",
                "ÉcoLe",
                "x1",
                "12",
                "",
            ],
        ),
        (
            "t.name.str.pad(8)",
            &[
                "Alice Smith",
                "    bob ",
                "O'Hara 42",
                "   École",
                "      x1",
                "      12",
                "",
            ],
        ),
        (
            "t.name.str.pad(8, 'right', '-')",
            &[
                "Alice Smith",
                "  bob --",
                "O'Hara 42",
                "École---",
                "x1------",
                "12------",
                "",
            ],
        ),
        (
            "t.name.str.pad(8, 'both', '*')",
            &[
                "Alice Smith",
                "*  bob *",
                "O'Hara 42",
                "*École**",
                "***x1***",
                "***12***",
                "",
            ],
        ),
        ("t.name.str[1:3]", &["li", " b", "'H", "co", "1", "2", ""]),
        ("t.name.str[-2:]", &["th", "b ", "42", "le", "x1", "12", ""]),
        ("t.name.str[-1]", &["h", " ", "2", "e", "1", "2", ""]),
        ("t.name.str[5]", &[" ", " ", "a", "", "", "", ""]),
        (
            "t.name.str.slice_replace(1, 3, 'X')",
            &["AXce Smith", " Xob ", "OXara 42", "ÉXle", "xX", "1X", ""],
        ),
        (
            "t.name.str.slice_replace(-2, None, 'X')",
            &["Alice SmiX", "  boX", "O'Hara X", "ÉcoX", "X", "X", ""],
        ),
        (
            "t.name.str.slice_replace(None, 2, 'X')",
            &["Xice Smith", "Xbob ", "XHara 42", "Xole", "X", "X", ""],
        ),
        (
            "t.name.str.cat(t.name.str.upper(), sep='|')",
            &[
                "Alice Smith|ALICE SMITH",
                "  bob |  BOB ",
                "O'Hara 42|O'HARA 42",
                "École|ÉCOLE",
                "x1|X1",
                "12|12",
                "",
            ],
        ),
        (
            "t.name.map('upper').str.len()",
            &["11", "6", "9", "5", "2", "2", ""],
        ),
    ];
    check(&s, cases);
    // `str[5]` past the end is missing, not empty.
    assert_eq!(values(&s, "t.name.str[5].isnull().sum()"), ["4"]);
}

/// `format % value` of text is Python's interpolation (Blaze's `Interp`), with a literal
/// format or a column of them; the values here are Python's.
#[test]
fn text_interpolates_as_python_does() {
    let (_dir, s) = csv_session(
        "t",
        "fmt,x,n,name\n%.2f,3.14159,7,Alice\nn=%05d,42.5,-7,Bob\n%s!,-1.5,0,\n,1,1,Eve\n",
    );
    let cases: &[(&str, &[&str])] = &[
        ("t.fmt % t.x", &["3.14", "n=00042", "-1.5!", ""]),
        ("t.fmt % 1", &["1.00", "n=00001", "1!", ""]),
        ("'%s!' % t.name", &["Alice!", "Bob!", "", "Eve!"]),
        (
            "'<%-6r>' % t.name",
            &["<'Alice'>", "<'Bob' >", "", "<'Eve' >"],
        ),
        (
            "'%+.1e' % t.x",
            &["+3.1e+00", "+4.2e+01", "-1.5e+00", "+1.0e+00"],
        ),
        ("'%#x' % t.n", &["0x7", "-0x7", "0x0", "0x1"]),
        ("'%3d|' % t.n", &["  7|", " -7|", "  0|", "  1|"]),
        ("'%5.1f%%' % t.x", &["  3.1%", " 42.5%", " -1.5%", "  1.0%"]),
        ("'%s' % (t.n > 0)", &["True", "False", "False", "True"]),
        (
            "'%g' % (t.x * 1e6)",
            &["3.14159e+06", "4.25e+07", "-1.5e+06", "1e+06"],
        ),
    ];
    check(&s, cases);
    // A format with two conversions in a column fails the computation with Python's message
    // (written as a literal, it is refused when parsed: see blaze-expr's error tests).
    let (_dir, two) = csv_session("t", "fmt,x\n%s and %s,1\n");
    let err = try_rows(&two, "t.fmt % t.x").unwrap_err();
    assert!(
        err.contains("'%s and %s' % ...: not enough arguments for format string"),
        "{err}"
    );
}

#[test]
fn replace_with_a_count_replaces_from_the_start() {
    let (_dir, s) = csv_session("t", "w\nllama\nhall all\nnone\n");
    assert_eq!(
        values(&s, "t.w.str.replace('l', 'L', 2)"),
        ["LLama", "haLL all", "none"]
    );
    assert_eq!(
        values(&s, "t.w.str.replace('ll', 'l', 1)"),
        ["lama", "hal all", "none"]
    );
}

#[test]
fn date_methods() {
    let (_dir, s) = times();
    let cases: &[(&str, &[&str])] = &[
        ("e.when.dt.weekday()", &["6", "3", "2", "3", ""]),
        ("e.when.dt.week()", &["25", "25", "1", "9", ""]),
        ("e.when.dt.dayofyear()", &["177", "174", "365", "60", ""]),
        ("e.when.dt.days_in_month()", &["30", "30", "31", "29", ""]),
        ("e.when.dt.quarter()", &["2", "2", "4", "1", ""]),
        (
            "e.when.dt.is_month_end()",
            &["false", "false", "true", "true", ""],
        ),
        (
            "e.when.dt.is_quarter_end()",
            &["false", "false", "true", "false", ""],
        ),
        (
            "e.when.dt.is_year_end()",
            &["false", "false", "true", "false", ""],
        ),
        (
            "e.when.dt.is_month_start()",
            &["false", "false", "false", "false", ""],
        ),
        (
            "e.when.dt.weekday_name()",
            &["Sunday", "Thursday", "Wednesday", "Thursday", ""],
        ),
        (
            "e.when.dt.strftime('%Y/%m/%d %H:%M')",
            &[
                "2000/06/25 12:35",
                "2000/06/22 12:30",
                "1969/12/31 23:59",
                "2024/02/29 06:00",
                "",
            ],
        ),
        ("e.when.dt.microsecond()", &["0", "12345", "0", "0", ""]),
    ];
    check(&s, cases);
}

/// `strftime` prints what Python's prints: `%f` is microseconds, `%Z` of a datetime
/// without a zone is empty, a directive glibc does not know and a lone `%` at the end are
/// kept as written, and a date formats as its midnight.
#[test]
fn strftime_prints_what_python_prints() {
    let (_dir, s) = times();
    let cases: &[(&str, &[&str])] = &[
        (
            "e.when.dt.strftime('%S.%f|%Z|%Q|%-d|100%')",
            &[
                "10.000000||%Q|25|100%",
                "38.012345||%Q|22|100%",
                "59.000000||%Q|31|100%",
                "00.000000||%Q|29|100%",
                "",
            ],
        ),
        (
            "e.when.date.dt.strftime('%d %H:%M')",
            &["25 00:00", "22 00:00", "31 00:00", "29 00:00", ""],
        ),
    ];
    check(&s, cases);
}

/// The parts of timedeltas, as pandas' `Series.dt` gives them: whole days rounded down, and
/// the other parts what is left after them (the values here are pandas').
#[test]
fn timedelta_methods() {
    let (_dir, s) = times();
    // From 2024-02-29 06:00:00 back to each time: the second is -8652 days and 23438.012345
    // seconds, and its total, -747509361.987655 seconds, is cut toward zero.
    let delta = "(e.when - e.when.max())";
    let cases: &[(String, &[&str])] = &[
        (
            format!("{delta}.dt.days()"),
            &["-8649", "-8652", "-19783", "0", ""],
        ),
        (
            format!("{delta}.dt.seconds()"),
            &["23710", "23438", "64799", "0", ""],
        ),
        (
            format!("{delta}.dt.microseconds()"),
            &["0", "12345", "0", "0", ""],
        ),
        (
            format!("{delta}.dt.nanoseconds()"),
            &["0", "0", "0", "0", ""],
        ),
        (
            format!("{delta}.dt.total_seconds()"),
            &["-747249890", "-747509361", "-1709186401", "0", ""],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(values(&s, text), *want, "{text}");
    }
}

#[test]
fn truncate_rounds_down_as_blaze_does() {
    let (_dir, s) = times();
    let cases: &[(&str, &[&str])] = &[
        (
            "e.when.truncate(10, 'minutes')",
            &[
                "2000-06-25T12:30:00",
                "2000-06-22T12:30:00",
                "1969-12-31T23:50:00",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.truncate(7, 'hours')",
            &[
                "2000-06-25T07:00:00",
                "2000-06-22T07:00:00",
                "1969-12-31T21:00:00",
                "2024-02-29T00:00:00",
                "",
            ],
        ),
        (
            "e.when.truncate(15, 's')",
            &[
                "2000-06-25T12:35:00",
                "2000-06-22T12:30:30",
                "1969-12-31T23:59:45",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.truncate(5, 'ms')",
            &[
                "2000-06-25T12:35:10",
                "2000-06-22T12:30:38.010",
                "1969-12-31T23:59:59",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.truncate(1, 'week')",
            &["2000-06-25", "2000-06-18", "1969-12-28", "2024-02-25", ""],
        ),
        (
            "e.when.truncate(days=3)",
            &["2000-06-25", "2000-06-22", "1969-12-29", "2024-02-29", ""],
        ),
        (
            "e.when.truncate(4, 'months')",
            &["2000-04-01", "2000-04-01", "1969-12-01", "2023-12-01", ""],
        ),
        (
            "e.when.truncate(5, 'years')",
            &["2000-01-01", "2000-01-01", "1965-01-01", "2020-01-01", ""],
        ),
        ("e.id.truncate(2)", &["0", "2", "2", "4", "4"]),
    ];
    check(&s, cases);
}

#[test]
fn floor_ceil_and_round_to_a_frequency_as_pandas() {
    let (_dir, s) = times();
    let cases: &[(&str, &[&str])] = &[
        (
            "e.when.dt.floor('10min')",
            &[
                "2000-06-25T12:30:00",
                "2000-06-22T12:30:00",
                "1969-12-31T23:50:00",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.dt.ceil('h')",
            &[
                "2000-06-25T13:00:00",
                "2000-06-22T13:00:00",
                "1970-01-01T00:00:00",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.dt.ceil('7h')",
            &[
                "2000-06-25T19:00:00",
                "2000-06-22T14:00:00",
                "1970-01-01T00:00:00",
                "2024-02-29T07:00:00",
                "",
            ],
        ),
        (
            "e.when.dt.round('15s')",
            &[
                "2000-06-25T12:35:15",
                "2000-06-22T12:30:45",
                "1970-01-01T00:00:00",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        // 23:59:59 is half way between two even seconds: to the even multiple, as pandas.
        (
            "e.when.dt.round('2s')",
            &[
                "2000-06-25T12:35:10",
                "2000-06-22T12:30:38",
                "1970-01-01T00:00:00",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
        (
            "e.when.dt.floor('D')",
            &[
                "2000-06-25T00:00:00",
                "2000-06-22T00:00:00",
                "1969-12-31T00:00:00",
                "2024-02-29T00:00:00",
                "",
            ],
        ),
        (
            "e.when.dt.round('ms')",
            &[
                "2000-06-25T12:35:10",
                "2000-06-22T12:30:38.012",
                "1969-12-31T23:59:59",
                "2024-02-29T06:00:00",
                "",
            ],
        ),
    ];
    check(&s, cases);
}

#[test]
fn slices_with_a_step() {
    let (_dir, s) = times();
    assert_eq!(values(&s, "e.id[::2]"), ["1", "3", "5"]);
    assert_eq!(values(&s, "e.id[1::2]"), ["2", "4"]);
    assert_eq!(values(&s, "e.id[::-1]"), ["5", "4", "3", "2", "1"]);
    assert_eq!(values(&s, "e.id[-2::-2]"), ["4", "2"]);
    assert_eq!(values(&s, "e.id[3:0:-1]"), ["4", "3", "2"]);
    assert_eq!(values(&s, "e.id[-10:-1:3]"), ["1", "4"]);
}
