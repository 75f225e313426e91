//! Query semantics as data: `tests/semantics.txt` holds a query line followed by a line with
//! the expected node ids in output order (`=> a b c`, `=> -` for none, `=> error: text` for a
//! lowering error), evaluated over `tests/fixtures/inventory.json`.

mod common;

use trailgraph_query::{EvalOptions, evaluate, lower, parse};

#[test]
fn semantics_table() {
    let (inventory, context) = common::fixture();
    let table = include_str!("semantics.txt");
    let lines: Vec<&str> = table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        lines.len().is_multiple_of(2),
        "every query needs an expected line"
    );
    let mut failures = Vec::new();
    let mut cases = 0;
    for pair in lines.chunks(2) {
        let [query, expected] = pair else { continue };
        let Some(expected) = expected.strip_prefix("=>") else {
            failures.push(format!("{query}\n    expected line must start with =>"));
            continue;
        };
        cases += 1;
        let expected = expected.trim();
        let actual = match parse(query) {
            Err(e) => format!("error: {e}"),
            Ok(q) => match lower(&q, &context) {
                Err(e) => format!("error: {e}"),
                Ok(plan) => {
                    let result = evaluate(&plan, &inventory, EvalOptions::default());
                    let ids: Vec<&str> = result
                        .nodes
                        .iter()
                        .filter_map(|n| inventory.node(*n).map(|n| &*n.id))
                        .collect();
                    if ids.is_empty() {
                        "-".to_owned()
                    } else {
                        ids.join(" ")
                    }
                }
            },
        };
        let ok = match expected.strip_prefix("error:") {
            Some(text) => actual.starts_with("error:") && actual.contains(text.trim()),
            None => actual == expected,
        };
        if !ok {
            failures.push(format!(
                "{query}\n    expected: {expected}\n    actual:   {actual}"
            ));
        }
    }
    println!("semantics: {cases} cases");
    assert!(cases >= 60, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
