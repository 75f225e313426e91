//! The check crate knows no AWS kind or property by name and walks no graph of its own: kinds,
//! properties, words and fixes come from the files under `queries/`, and every explanation from
//! the query engine's trace. This test reads the crate's source (tests excluded) and fails on a
//! string literal that names a kind or a kind-specific property, on a `Kind::` variant, and on
//! graph-walking calls.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests may build fixtures with real names; library code may not.
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
            out.push((path.display().to_string(), code));
        }
    }
}

/// The code without comment lines, and its string literals.
fn split(code: &str) -> (String, Vec<String>) {
    let mut outside = String::new();
    let mut literals = Vec::new();
    for line in code.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let mut chars = line.chars().peekable();
        let mut in_string = false;
        let mut current = String::new();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        in_string = false;
                        literals.push(std::mem::take(&mut current));
                    }
                    other => current.push(other),
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '\'' {
                // A char literal such as '"' or '\''.
                outside.push(c);
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\"'") {
                    chars.next();
                    chars.next();
                } else if rest.starts_with("\\") {
                    chars.next();
                    chars.next();
                    chars.next();
                }
            } else {
                outside.push(c);
            }
        }
        if in_string {
            current.push('\n');
        }
        outside.push('\n');
    }
    (outside, literals)
}

#[test]
fn the_check_crate_names_no_kind_or_property_and_walks_no_graph() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() >= 10, "{files:?}");
    let kinds: Vec<&str> = trailgraph_model::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    // Properties of one kind (`trail_status`), not the ones every node has (`name`, `id`).
    let properties: Vec<&str> = trailgraph_model::vocabulary::PROPERTY_NAMES
        .iter()
        .copied()
        .filter(|p| p.contains('_') && !matches!(*p, "last_update" | "last_access"))
        .collect();
    let mut found = Vec::new();
    for (path, code) in &files {
        let (outside, literals) = split(code);
        for literal in &literals {
            for word in literal.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                // OCSF's own `cloud` object and profile share the name of the root kind.
                let ocsf_word = path.ends_with("ocsf.rs") && word == "cloud";
                if (kinds.contains(&word) || properties.contains(&word)) && !ocsf_word {
                    found.push(format!("{path}: \"{literal}\" names `{word}`"));
                }
            }
        }
        for forbidden in [
            "Kind::Aws",
            "Kind::Cloud",
            "neighbors(",
            "successors(",
            "predecessors(",
            "VecDeque",
            "petgraph",
        ] {
            if outside.contains(forbidden) {
                found.push(format!("{path}: uses `{forbidden}`"));
            }
        }
        // Queries are parsed when check files load, never again from printed text.
        let loads = path.ends_with("catalog.rs");
        if !loads && outside.contains("trailgraph_query::parse(") {
            found.push(format!("{path}: parses query text"));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let (outside, literals) =
        split("let a = \"aws_cloud_trail\";\n// \"not code\"\nlet b = '\"'; Kind::AwsAccount\n");
    assert_eq!(literals, ["aws_cloud_trail"]);
    assert!(outside.contains("Kind::AwsAccount"));
}
