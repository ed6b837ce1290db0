//! `parse(print(e)) == e` for generated expressions: printing keeps exactly the parentheses
//! precedence needs.

use proptest::prelude::*;

use crate::namespace;

/// Texts of column expressions over `t` (some do not type; those are skipped).
fn column() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("t.amount".to_owned()),
        Just("t.id".to_owned()),
        Just("t.name".to_owned()),
        (-5i64..5).prop_map(|i| i.to_string()),
        (-2.5f64..2.5).prop_map(|x| format!("{x:.2}")),
        Just("'a\\'b'".to_owned()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        let op = prop::sample::select(vec![
            "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&", "|", "^",
        ]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(l, o, r)| format!("({l}) {o} ({r})")),
            inner.clone().prop_map(|e| format!("-({e})")),
            inner.clone().prop_map(|e| format!("~({e})")),
            inner.clone().prop_map(|e| format!("abs({e})")),
            inner.clone().prop_map(|e| format!("({e}).label('x')")),
            inner.prop_map(|e| format!("({e}).isnull()")),
        ]
    })
}

proptest! {
    #[test]
    fn printing_parses_back_the_same(text in column(), reduce in any::<bool>()) {
        let text = if reduce { format!("({text}).max()") } else { text };
        let names = namespace();
        let Ok(e) = blaze_expr::parse(&text, &names) else {
            return Ok(());
        };
        let printed = e.to_string();
        let again = blaze_expr::parse(&printed, &names)
            .unwrap_or_else(|err| panic!("{text} printed as {printed}: {err}"));
        prop_assert_eq!(&again, &e, "{} printed as {}", text, printed);
        prop_assert_eq!(again.to_string(), printed);
    }
}
