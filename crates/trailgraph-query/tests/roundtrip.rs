//! Property tests: printing a parsed query and parsing it again gives the same tree, and no
//! input makes the parser panic.

use proptest::prelude::*;

fn ident() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "name",
        "kind",
        "a",
        "b_c",
        "trail_status",
        "is_logging",
        "filter_pattern",
        "x-y",
        "age",
        "tags",
    ])
    .prop_map(str::to_owned)
}

fn path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(
            (
                ident(),
                prop::sample::select(vec!["", "[*]", "[]", "[0]", "[12]"]),
            ),
            1..4,
        ),
    )
        .prop_map(|(absolute, segments)| {
            let body: Vec<String> = segments
                .into_iter()
                .map(|(n, m)| format!("{n}{m}"))
                .collect();
            format!("{}{}", if absolute { "/" } else { "" }, body.join("."))
        })
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        any::<i32>().prop_map(|i| i.to_string()),
        (0u32..100_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        "[a-zA-Z_][a-zA-Z0-9_:/.-]{0,8}".prop_filter("not a keyword prefix", |s| {
            !["true", "false", "null", "--", "-default", "-delete", "-iam"]
                .iter()
                .any(|k| s.starts_with(k))
        }),
        r#"[a-z \\$.*"'/()\[\]{}]{0,12}"#
            .prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        Just("3d".to_owned()),
        Just("-30d".to_owned()),
        Just("2024-01-01T00:00:00Z".to_owned()),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((ident(), inner), 0..3).prop_map(|v| {
                let pairs: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", pairs.join(", "))
            }),
        ]
    })
}

fn op() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "=", "==", "!=", "<", "<=", ">", ">=", "~", "=~", "!~", " in ", " not in ", " covers ",
    ])
}

fn term() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (
            path(),
            prop::sample::select(vec!["", " any", " all", " none"]),
            op(),
            value()
        )
            .prop_map(|(p, m, o, v)| format!("{p}{m}{o}{v}")),
        prop::collection::vec(ident(), 1..3).prop_map(|k| format!("is({})", k.join(", "))),
        prop::collection::vec(ident(), 1..3).prop_map(|k| format!("id([{}])", k.join(","))),
        Just("all".to_owned()),
        Just("\"full text\"".to_owned()),
        path().prop_map(|p| format!("has_key({p}, [a, b])")),
        path().prop_map(|p| format!("in_subnet({p}, \"10.0.0.0/8\")")),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["and", "or"]),
                inner.clone()
            )
                .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|t| format!("({t})")),
            inner.clone().prop_map(|t| format!("not({t})")),
            (path(), inner).prop_map(|(p, t)| format!("{p}.{{{t}}}")),
        ]
    })
}

fn navigation() -> impl Strategy<Value = String> {
    let types = prop::sample::select(vec!["", "default", "delete", "iam", "default,delete"]);
    let range = prop::sample::select(vec!["", "[0]", "[2]", "[1:3]", "[0:]", "[1..2]", "[2,5]"]);
    (
        prop::sample::select(vec![0, 1, 2]),
        types.clone(),
        range,
        types,
    )
        .prop_map(|(dir, t1, r, t2)| match dir {
            0 => format!("-{t1}{r}->"),
            1 => format!("<-{t1}{r}-"),
            _ => format!("<-{t1}{r}{t2}->"),
        })
}

fn query() -> impl Strategy<Value = String> {
    let with = (
        prop::sample::select(vec!["empty", "any", "count > 2", "count==0"]),
        navigation(),
        prop::option::of(term()),
    )
        .prop_map(|(f, n, t)| format!(" with({f}, {n} {})", t.unwrap_or_default()));
    let part = (
        term(),
        prop::option::of(with),
        prop::option::of(path().prop_map(|p| format!(" sort {p} desc, name"))),
        prop::option::of((0usize..5, 1usize..50).prop_map(|(o, n)| format!(" limit {o}, {n}"))),
        any::<bool>(),
    )
        .prop_map(|(t, w, s, l, r)| {
            format!(
                "{t}{}{}{}{}",
                w.unwrap_or_default(),
                s.unwrap_or_default(),
                l.unwrap_or_default(),
                if r { " reversed" } else { "" }
            )
        });
    (prop::collection::vec((part, navigation()), 0..2), term()).prop_map(|(parts, last)| {
        let mut q = String::new();
        for (p, n) in parts {
            q.push_str(&format!("{p} {n} "));
        }
        q.push_str(&last);
        q
    })
}

proptest! {
    // A fixed seed: every run checks the same 512 cases.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x7a11_9a9b),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn print_parse_print_is_stable(text in query()) {
        let parsed = trailgraph_query::parse(&text);
        prop_assert!(parsed.is_ok(), "generated query does not parse: {text}: {:?}", parsed.err().map(|e| e.to_string()));
        let Ok(parsed) = parsed else { return Ok(()) };
        let printed = parsed.to_string();
        let again = trailgraph_query::parse(&printed);
        prop_assert!(again.is_ok(), "rendering does not parse: {printed}");
        let Ok(again) = again else { return Ok(()) };
        prop_assert_eq!(&again, &parsed, "different tree after printing: {}", printed);
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        let _ = trailgraph_query::parse(&text);
    }

    #[test]
    fn query_like_text_never_panics(text in r#"[a-z()\[\]{}<>=!~\-:,.*"\\ 0-9/`#]{0,60}"#) {
        if let Err(e) = trailgraph_query::parse(&text) {
            prop_assert!(e.span.end <= text.len());
            prop_assert!(!e.to_string().contains("Rule"));
        }
    }
}

#[test]
fn hostile_nesting_is_linear() {
    let start = std::time::Instant::now();
    let hostile = "(".repeat(100_000);
    assert!(trailgraph_query::parse(&hostile).is_err());
    let mixed = "a.{[(".repeat(50_000);
    assert!(trailgraph_query::parse(&mixed).is_err());
    // A long flat chain is limited too (its tree is as deep as it is long).
    let long = vec!["a==1"; 20_000].join(" and ");
    assert!(trailgraph_query::parse(&long).is_err());
    let ok = vec!["a==1"; trailgraph_query::parser::MAX_OPERATORS + 1].join(" or ");
    let parsed = trailgraph_query::parse(&ok);
    assert!(parsed.is_ok());
    assert!(parsed.is_ok_and(|q| !q.to_string().is_empty()));
    assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
}

/// Parsing time grows linearly with the input: four times the input may take at most about
/// four times as long (generous bound for noisy machines), never sixteen.
#[test]
fn parse_time_is_not_quadratic() {
    fn best_of_three(query: &str) -> std::time::Duration {
        (0..3)
            .map(|_| {
                let start = std::time::Instant::now();
                let _ = trailgraph_query::parse(query);
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    }
    let shapes: [fn(usize) -> String; 3] = [
        |n| format!("x in [{}]", vec!["a1"; n].join(", ")),
        |n| format!("name == \"{}\"", "ab\\\"".repeat(n)),
        |n| {
            format!("{}a == 1{}", "(".repeat(60), ")".repeat(60)) + &" or b.c.d == x".repeat(n / 50)
        },
    ];
    for shape in shapes {
        let small = best_of_three(&shape(5_000));
        let large = best_of_three(&shape(20_000));
        assert!(
            large <= small * 10 + std::time::Duration::from_millis(20),
            "small {small:?}, large {large:?}"
        );
    }
}
