//! Property tests: the parser never panics, and print/parse round-trips on generated types.

use blaze_datashape::{
    Categorical, DataShape, Dim, Encoding, Literal, Measure, Record, TimeUnit, parse,
};
use proptest::prelude::*;

fn unit_measure() -> impl Strategy<Value = Measure> {
    let simple = prop::sample::select(vec![
        Measure::Bool,
        Measure::Int8,
        Measure::Int16,
        Measure::Int32,
        Measure::Int64,
        Measure::UInt8,
        Measure::UInt16,
        Measure::UInt32,
        Measure::UInt64,
        Measure::Float16,
        Measure::Float32,
        Measure::Float64,
        Measure::Complex64,
        Measure::Complex128,
        Measure::Date,
        Measure::Null,
        Measure::Void,
        Measure::Object,
        Measure::Json,
        Measure::STRING,
    ]);
    let encoding = prop::sample::select(vec![
        Encoding::Ascii,
        Encoding::Utf8,
        Encoding::Utf16,
        Encoding::Utf32,
    ]);
    let unit = prop::sample::select(vec![
        TimeUnit::Nanosecond,
        TimeUnit::Microsecond,
        TimeUnit::Second,
        TimeUnit::Day,
        TimeUnit::Year,
    ]);
    let tz = prop::option::of("[A-Za-z_/+0-9:-]{1,12}");
    prop_oneof![
        4 => simple,
        1 => (prop::option::of(0u64..1000), encoding).prop_map(|(fixlen, encoding)| Measure::String { fixlen, encoding }),
        1 => prop::option::of(0u64..100).prop_map(|fixlen| Measure::Bytes { fixlen }),
        1 => tz.clone().prop_map(|tz| Measure::Time { tz }),
        1 => tz.prop_map(|tz| Measure::DateTime { tz }),
        1 => unit.prop_map(|unit| Measure::TimeDelta { unit }),
        1 => (1u32..=76).prop_flat_map(|p| (Just(p), 0..=p)).prop_map(|(precision, scale)| Measure::Decimal { precision, scale }),
        1 => (prop::collection::vec(any::<String>(), 0..4), any::<bool>()).prop_map(|(cats, ordered)| {
            Measure::Categorical(Categorical::new(
                cats.into_iter().map(Literal::Str).collect(),
                Measure::STRING.into(),
                ordered,
            ))
        }),
        1 => "[A-Z][a-zA-Z0-9_]{0,5}".prop_map(Measure::TypeVar),
    ]
}

fn dim() -> impl Strategy<Value = Dim> {
    prop_oneof![
        (0u64..10_000_000_000).prop_map(Dim::Fixed),
        Just(Dim::Var),
        "[A-Z][a-z0-9]{0,3}".prop_map(Dim::TypeVar),
    ]
}

fn datashape() -> impl Strategy<Value = DataShape> {
    let leaf = (prop::collection::vec(dim(), 0..3), unit_measure())
        .prop_map(|(dims, m)| DataShape::new(dims, m).unwrap());
    leaf.prop_recursive(4, 32, 5, |inner| {
        let measure = prop_oneof![
            prop::collection::vec((any::<String>(), inner.clone()), 0..5)
                .prop_filter_map("distinct names", |fields| Record::try_new(fields)
                    .ok()
                    .map(Measure::Record)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Measure::Tuple),
            (prop::collection::vec(inner.clone(), 0..3), inner.clone()).prop_map(|(args, ret)| {
                Measure::Function {
                    args,
                    ret: Box::new(ret),
                }
            }),
            (inner.clone(), inner.clone())
                .prop_map(|(k, v)| Measure::Map(Box::new(k), Box::new(v))),
            ("[a-z ]{1,8}", inner.clone()).prop_map(|(unit, ty)| Measure::Units {
                unit,
                ty: Box::new(ty)
            }),
            inner.clone().prop_map(|t| t.into_option().into_parts().1),
        ];
        (prop::collection::vec(dim(), 0..2), measure)
            .prop_map(|(dims, m)| DataShape::new(dims, m).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics(text in "\\PC{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn parser_never_panics_on_datashape_like_text(
        text in "[ \\[\\]{}()*,:=?'\"#\\n.a-zA-Z0-9_>-]{0,40}"
    ) {
        let _ = parse(&text);
    }

    #[test]
    fn print_parse_roundtrip(t in datashape()) {
        let printed = t.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&reparsed, &t);
        prop_assert_eq!(reparsed.to_string(), printed);
        for width in [0, 30, 80] {
            prop_assert_eq!(&parse(&t.pretty(width)).unwrap(), &t);
        }
    }
}
