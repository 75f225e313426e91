//! Time of `compare` for every CIS pattern against an equivalent rewrite
//! (reordered, quoted, multi-line) and against a partial filter (one
//! alternative or condition dropped). Run with `cargo bench -p trailgraph-pattern`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use trailgraph_pattern::{Condition, Expr, Pattern, compare, parse};

fn main() {
    divan::main();
}

fn reversed(expr: &Expr<Condition>) -> Expr<Condition> {
    match expr {
        Expr::Atom(a) => Expr::Atom(a.clone()),
        Expr::Or(items) => Expr::Or(items.iter().rev().map(reversed).collect()),
        Expr::And(items) => Expr::And(items.iter().rev().map(reversed).collect()),
    }
}

/// Drops the first alternative of the first `||` group (or the last `&&` operand).
fn narrowed(expr: &Expr<Condition>) -> Expr<Condition> {
    match expr {
        Expr::Or(items) => Expr::Or(items.iter().skip(1).cloned().collect()),
        Expr::And(items) => match items.iter().position(|e| matches!(e, Expr::Or(_))) {
            Some(i) => {
                let mut items = items.clone();
                items[i] = narrowed(&items[i]);
                Expr::And(items)
            }
            None => Expr::And(items.iter().take(items.len() - 1).cloned().collect()),
        },
        atom => atom.clone(),
    }
}

fn cases() -> Vec<(String, Pattern, Pattern, Pattern)> {
    common::all_distinct_patterns()
        .into_iter()
        .map(|(name, text)| {
            let required = parse(text).unwrap();
            let Pattern::Json(expr) = &required else {
                unreachable!()
            };
            let rewritten = Pattern::Json(reversed(expr))
                .to_string()
                .replace("||", "\n||");
            let rewritten = parse(&rewritten).unwrap();
            let partial = Pattern::Json(narrowed(expr));
            (name, required, rewritten, partial)
        })
        .collect()
}

fn names() -> Vec<String> {
    cases().into_iter().map(|c| c.0).collect()
}

#[divan::bench(args = names())]
fn equivalent_rewrite(bencher: divan::Bencher, name: &str) {
    let (_, required, rewritten, _) = cases().into_iter().find(|c| c.0 == name).unwrap();
    bencher.bench(|| compare(divan::black_box(&required), divan::black_box(&rewritten)));
}

#[divan::bench(args = names())]
fn partial_filter(bencher: divan::Bencher, name: &str) {
    let (_, required, _, partial) = cases().into_iter().find(|c| c.0 == name).unwrap();
    bencher.bench(|| compare(divan::black_box(&required), divan::black_box(&partial)));
}
