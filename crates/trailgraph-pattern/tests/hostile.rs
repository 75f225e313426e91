//! Hostile patterns: memory and time are bounded by the size of the input,
//! never by numbers written in it, and deep nesting never overflows the stack.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use trailgraph_pattern::{
    Comparison, Judgement, Verdict, assess, catch_all, compare, compare_judged, parse,
};

const HUGE_INDEX: &str = "{ $.a = 1 || ($.x[100000000] = 1) }";

#[test]
fn a_huge_array_index_is_not_padded() {
    let required = parse(HUGE_INDEX).unwrap();
    let actual = parse("{ $.a = 1 }").unwrap();
    for judgement in [Judgement::Language, Judgement::cloudtrail()] {
        let c = compare_judged(&required, &actual, judgement);
        // the missed event needs x[100000000]: it is not built, so the
        // verdict is undecided, never covers
        assert!(
            matches!(
                c,
                Comparison::Partial {
                    ref missed_events,
                    undecided: Some(_)
                } if missed_events.is_empty()
            ),
            "{c:?}"
        );
        // the other way round no padding is needed
        let c = compare_judged(&actual, &required, judgement);
        assert_eq!(c.verdict(), Verdict::Covers, "{c:?}");
    }
    let a = assess(&required, &actual, Judgement::cloudtrail());
    assert!(!a.counts());
    assert!(catch_all(&required).is_none());
    // a small index is still built exactly
    let c = compare(
        &parse("{ $.a = 1 || ($.x[3] = 1) }").unwrap(),
        &parse("{ $.a = 1 }").unwrap(),
    );
    assert_eq!(
        c.missed_events(),
        &[serde_json::json!({"x": [null, null, null, 1]})]
    );
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let cases = [
        format!("{{ {} $.a = 1 }}", "(".repeat(100_000)),
        format!("{{ {}", "(".repeat(100_000)),
        format!("{{ {} $.a = 1 }}", "($.a = 1 || ".repeat(100_000)),
        format!(
            "{{ {} $.a = 1 }}",
            "($.a = 1 && ($.b = 2 || ".repeat(50_000)
        ),
        format!("[a = {}1]", "(".repeat(100_000)),
        format!("[a, b = {}", "(b = 1 || ".repeat(100_000)),
        format!("{{{}", "{".repeat(100_000)),
        "[".repeat(100_000),
    ];
    for text in &cases {
        assert!(parse(text).is_err(), "{}", &text[..40]);
    }
    // long flat patterns parse (no depth involved)
    let flat = format!("{{ {} }}", vec!["$.a = 1"; 100_000].join(" || "));
    assert!(parse(&flat).is_ok());
    let terms = vec!["-x"; 100_000].join(" ");
    assert!(parse(&terms).is_ok());
    // a run of ')' is one bare term
    assert!(parse(&")".repeat(100_000)).is_ok());
}

fn big_or(n: usize, skip: usize) -> String {
    let items: Vec<String> = (0..n)
        .filter(|i| *i != skip)
        .map(|i| format!("$.eventName = Event{i}"))
        .collect();
    format!("{{ {} }}", items.join(" || "))
}

#[test]
fn many_alternatives_are_compared() {
    let required = parse(&big_or(5_000, usize::MAX)).unwrap();
    let actual = parse(&big_or(5_000, 1234)).unwrap();
    let c = compare(&required, &actual);
    assert_eq!(
        c.missed_events(),
        &[serde_json::json!({"eventName": "Event1234"})]
    );
    let c = compare(&actual, &required);
    assert_eq!(c.verdict(), Verdict::Covers);
    let reordered = parse(&required.to_string().replace("||", "\n||")).unwrap();
    assert_eq!(
        compare_judged(&required, &reordered, Judgement::cloudtrail()),
        Comparison::Equivalent
    );
}
