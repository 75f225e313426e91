//! Property tests: the parser never panics, printing round-trips, and the
//! comparison never claims coverage that a random event disproves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};
use trailgraph_pattern::{
    Comparison, Event, EventCatalog, Judgement, Verdict, compare, compare_judged, parse,
    scope_sources,
};

const SELECTORS: [&str; 6] = ["$.a", "$.b", "$.c.d", "$.c.e", "$.l[0]", "$.l[1]"];
const TESTS: [&str; 18] = [
    "= x",
    "= \"x\"",
    "= y",
    "= x*",
    "= *x",
    "= *y*",
    "!= x",
    "!= \"y*\"",
    "= 1",
    "> 1",
    "<= 2",
    "!= 2",
    "= *",
    "IS NULL",
    "NOT EXISTS",
    "IS TRUE",
    "IS FALSE",
    "= %^x%",
];

fn atom() -> impl Strategy<Value = String> {
    (0..SELECTORS.len(), 0..TESTS.len()).prop_map(|(s, t)| format!("{} {}", SELECTORS[s], TESTS[t]))
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        (prop::collection::vec(inner, 2..4), any::<bool>()).prop_map(|(items, or)| {
            let sep = if or { " || " } else { " && " };
            format!("({})", items.join(sep))
        })
    })
}

fn json_pattern() -> impl Strategy<Value = String> {
    expr().prop_map(|e| format!("{{ {e} }}"))
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("x")),
        Just(json!("y")),
        Just(json!("xy")),
        Just(json!("yx")),
        Just(json!("xx")),
        Just(json!("y*")),
        Just(json!(1)),
        Just(json!(2)),
        Just(json!(1.5)),
        Just(json!(3)),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(false)),
        Just(json!({})),
        Just(json!([])),
    ]
}

fn event() -> impl Strategy<Value = Value> {
    (
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of((prop::option::of(scalar()), prop::option::of(scalar()))),
        prop::option::of(prop::collection::vec(scalar(), 0..3)),
    )
        .prop_map(|(a, b, c, l)| {
            let mut m = serde_json::Map::new();
            if let Some(a) = a {
                m.insert("a".into(), a);
            }
            if let Some(b) = b {
                m.insert("b".into(), b);
            }
            if let Some((d, e)) = c {
                let mut cm = serde_json::Map::new();
                if let Some(d) = d {
                    cm.insert("d".into(), d);
                }
                if let Some(e) = e {
                    cm.insert("e".into(), e);
                }
                m.insert("c".into(), Value::Object(cm));
            }
            if let Some(l) = l {
                m.insert("l".into(), Value::Array(l));
            }
            Value::Object(m)
        })
}

fn term_pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![Just(""), Just("?"), Just("-")],
            prop_oneof![
                Just("x"),
                Just("xy"),
                Just("y"),
                Just("\"x y\""),
                Just("z"),
                Just("%x.y%")
            ],
        ),
        1..4,
    )
    .prop_map(|terms| {
        terms
            .into_iter()
            .map(|(k, t)| format!("{k}{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn space_pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("f"),
            Just("..."),
            Just("f = x*"),
            Just("f > 10 && f < 20"),
            Just("f = 1 || f = \"2\""),
            Just("f != %a%"),
        ],
        1..5,
    )
    .prop_map(|fields| format!("[{}]", fields.join(", ")))
}

fn any_pattern() -> impl Strategy<Value = String> {
    prop_oneof![json_pattern(), term_pattern(), space_pattern()]
}

/// Random whitespace between tokens must not matter.
fn respace(text: &str, seed: u64) -> String {
    let mut out = String::new();
    let mut s = seed;
    for c in text.chars() {
        if c == ' ' {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            out.push_str(["\n", "  ", "\t", " \r\n "][(s >> 33) as usize % 4]);
        } else {
            out.push(c);
        }
    }
    out
}

/// Conditions on CloudTrail fields the catalog constrains.
const CT_ATOMS: [&str; 16] = [
    "$.eventName = CreateRoute",
    "$.eventName = CreateRouteTable",
    "$.eventName = ConsoleLogin",
    "$.eventName != ConsoleLogin",
    "$.eventName = Create*",
    "$.eventSource = ec2.amazonaws.com",
    "$.eventSource = apigateway.amazonaws.com",
    "$.eventSource != signin.amazonaws.com",
    "$.additionalEventData.MFAUsed = No",
    "$.additionalEventData.MFAUsed != Yes",
    "$.additionalEventData.MFAUsed NOT EXISTS",
    "$.readOnly IS TRUE",
    "$.readOnly IS FALSE",
    "$.readOnly NOT EXISTS",
    "$.userIdentity.type = Root",
    "$.userIdentity.type != IAMUser",
];

fn ct_pattern() -> impl Strategy<Value = String> {
    (0..CT_ATOMS.len())
        .prop_map(|i| CT_ATOMS[i].to_owned())
        .prop_recursive(3, 10, 3, |inner| {
            (prop::collection::vec(inner, 2..4), any::<bool>()).prop_map(|(items, or)| {
                let sep = if or { " || " } else { " && " };
                format!("({})", items.join(sep))
            })
        })
        .prop_map(|e| format!("{{ {e} }}"))
}

/// Random events, kept only when CloudTrail could write them.
fn ct_event() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just(None),
        Just(Some("CreateRoute")),
        Just(Some("CreateRouteTable")),
        Just(Some("ConsoleLogin")),
        Just(Some("CreateVpc")),
        Just(Some("Other")),
    ];
    let source = prop_oneof![
        Just(None),
        Just(Some("ec2.amazonaws.com")),
        Just(Some("apigateway.amazonaws.com")),
        Just(Some("appmesh.amazonaws.com")),
        Just(Some("signin.amazonaws.com")),
        Just(Some("other.amazonaws.com")),
    ];
    let mfa = prop_oneof![Just(None), Just(Some("Yes")), Just(Some("No"))];
    let read_only = prop::option::of(any::<bool>());
    let identity = prop_oneof![
        Just(None),
        Just(Some("Root")),
        Just(Some("IAMUser")),
        Just(Some("AssumedRole")),
    ];
    (name, source, mfa, read_only, identity).prop_map(|(n, s, m, r, i)| {
        let mut e = serde_json::Map::new();
        if let Some(n) = n {
            e.insert("eventName".into(), json!(n));
        }
        if let Some(s) = s {
            e.insert("eventSource".into(), json!(s));
        }
        if let Some(m) = m {
            e.insert("additionalEventData".into(), json!({"MFAUsed": m}));
        }
        if let Some(r) = r {
            e.insert("readOnly".into(), json!(r));
        }
        if let Some(i) = i {
            e.insert("userIdentity".into(), json!({"type": i}));
        }
        Value::Object(e)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cloudtrail_comparison_never_over_claims(
        required in ct_pattern(),
        actual in ct_pattern(),
        events in prop::collection::vec(ct_event(), 60),
    ) {
        let catalog = EventCatalog::builtin();
        let r = parse(&required).unwrap();
        let a = parse(&actual).unwrap();
        let c = compare_judged(&r, &a, Judgement::CloudTrail(catalog));
        // A required pattern that names its event sources is judged over events from them.
        let scope = scope_sources(&r);
        let in_scope = |e: &Value| {
            scope.as_ref().is_none_or(|sources| {
                e.get("eventSource")
                    .and_then(Value::as_str)
                    .is_some_and(|s| sources.iter().any(|x| x == s))
            })
        };
        for e in events.iter().filter(|e| catalog.admits(e) && in_scope(e)) {
            let ev = Event::from_json(e.clone());
            let (rm, am) = (r.matches(&ev), a.matches(&ev));
            match c.verdict() {
                Verdict::Equivalent => prop_assert_eq!(rm, am, "{} vs {} on {}", required, actual, e),
                Verdict::Covers => prop_assert!(!rm || am, "{} vs {} on {}", required, actual, e),
                _ => {}
            }
        }
        for missed in c.missed_events() {
            prop_assert!(catalog.admits(missed), "{}", missed);
            let ev = Event::from_json(missed.clone());
            prop_assert!(r.matches(&ev) && !a.matches(&ev));
        }
        // never stricter than the language: what the language proves stays proven
        let l = compare(&r, &a);
        if matches!(l.verdict(), Verdict::Equivalent | Verdict::Covers) {
            prop_assert!(matches!(c.verdict(), Verdict::Equivalent | Verdict::Covers), "{:?} vs {:?}", l, c);
        }
    }

    #[test]
    fn parser_never_panics_on_random_text(s in "\\PC{0,64}") {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_pattern_like_text(s in "[{}\\[\\]()$.a-c0-9 =!<>&|*%\"?,-]{0,64}") {
        if let Ok(p) = parse(&s) {
            let printed = p.to_string();
            prop_assert_eq!(parse(&printed).unwrap(), p, "{} printed as {}", s, printed);
        }
    }

    #[test]
    fn print_then_parse_gives_the_same_tree(text in any_pattern(), seed in any::<u64>()) {
        let pattern = parse(&text).unwrap();
        let printed = pattern.to_string();
        prop_assert_eq!(&parse(&printed).unwrap(), &pattern, "{}", printed);
        // whitespace between tokens is insignificant for JSON patterns
        if text.starts_with('{') {
            prop_assert_eq!(parse(&respace(&text, seed)).unwrap(), pattern);
        }
    }

    #[test]
    fn comparison_never_over_claims(
        required in json_pattern(),
        actual in json_pattern(),
        events in prop::collection::vec(event(), 40),
    ) {
        let r = parse(&required).unwrap();
        let a = parse(&actual).unwrap();
        let c = compare(&r, &a);
        for e in &events {
            let e = Event::from_json(e.clone());
            let (rm, am) = (r.matches(&e), a.matches(&e));
            match c.verdict() {
                Verdict::Equivalent => prop_assert_eq!(rm, am, "{} vs {} on {}", required, actual, e.text()),
                Verdict::Covers => prop_assert!(!rm || am, "{} vs {} on {}", required, actual, e.text()),
                _ => {}
            }
        }
        for missed in c.missed_events() {
            let e = Event::from_json(missed.clone());
            prop_assert!(r.matches(&e) && !a.matches(&e));
        }
        // the verdict does not depend on how the actual pattern is written
        let rewritten = parse(&a.to_string()).unwrap();
        prop_assert_eq!(compare(&r, &rewritten).verdict(), c.verdict());
        // comparing a pattern with itself
        prop_assert_eq!(compare(&r, &parse(&respace(&required, 7)).unwrap()), Comparison::Equivalent);
    }

    #[test]
    fn term_comparison_never_over_claims(
        required in term_pattern(),
        actual in term_pattern(),
        lines in prop::collection::vec("[xyz \"]{0,8}", 40),
    ) {
        let r = parse(&required).unwrap();
        let a = parse(&actual).unwrap();
        let c = compare(&r, &a);
        for line in &lines {
            let e = Event::from_text(line.clone());
            let (rm, am) = (r.matches(&e), a.matches(&e));
            match c.verdict() {
                Verdict::Equivalent => prop_assert_eq!(rm, am, "{} vs {} on {:?}", required, actual, line),
                Verdict::Covers => prop_assert!(!rm || am, "{} vs {} on {:?}", required, actual, line),
                _ => {}
            }
        }
        for missed in c.missed_events() {
            let e = Event::from_text(missed.as_str().unwrap().to_owned());
            prop_assert!(r.matches(&e) && !a.matches(&e));
        }
    }
}
