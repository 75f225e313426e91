//! The AWS documentation's filter-pattern examples for each family, kept as
//! data in `tests/data/aws_examples.txt` (one line per case).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use trailgraph_pattern::{Event, parse};

#[test]
fn aws_documentation_examples() {
    let table = include_str!("data/aws_examples.txt");
    let mut events: HashMap<&str, Event> = HashMap::new();
    let mut cases = 0;
    let mut failures = Vec::new();
    for (n, line) in table.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, rest) = line.split_once(' ').unwrap();
        let (name, text) = rest.split_once(' ').unwrap();
        match kind {
            "event" => {
                events.insert(name, Event::from_text(text));
            }
            "match" | "no-match" => {
                cases += 1;
                let event = events
                    .get(name)
                    .unwrap_or_else(|| panic!("line {}: no event {name}", n + 1));
                let pattern = match parse(text) {
                    Ok(p) => p,
                    Err(e) => {
                        failures.push(format!("line {}: {text}: {e}", n + 1));
                        continue;
                    }
                };
                if pattern.matches(event) != (kind == "match") {
                    failures.push(format!("line {}: {kind} {name} {text}", n + 1));
                }
                let reparsed = parse(&pattern.to_string()).unwrap();
                assert_eq!(reparsed, pattern, "line {}: printed as {pattern}", n + 1);
            }
            other => panic!("line {}: unknown kind {other}", n + 1),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(cases, 73);
}
