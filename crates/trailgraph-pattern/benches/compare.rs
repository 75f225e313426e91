//! Time of `compare` for every CIS pattern against an equivalent rewrite
//! (reordered, quoted, multi-line) and against a partial filter (one
//! alternative or condition dropped); of `assess` under the CloudTrail-aware
//! judgement (with the catch-all findings) against the rewrite and against a
//! typical real variant (the rewrite with one more event name, so it
//! covers); and of `compare` on filters of 5,000 and 50,000 `||` terms.
//! Run with `cargo bench -p trailgraph-pattern`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use trailgraph_pattern::{Condition, Expr, Judgement, Pattern, assess, compare, parse};

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

/// The rewrite with one more alternative: a broader filter, as real ones often are.
fn variant(rewritten: &Pattern) -> Pattern {
    let Pattern::Json(expr) = rewritten else {
        unreachable!()
    };
    parse(&format!(
        "{{ ({}) || ($.eventName = GetSessionToken) }}",
        Pattern::Json(expr.clone())
            .to_string()
            .trim_start_matches("{ ")
            .trim_end_matches(" }")
    ))
    .unwrap()
}

#[divan::bench(args = names())]
fn assess_rewrite(bencher: divan::Bencher, name: &str) {
    let (_, required, rewritten, _) = cases().into_iter().find(|c| c.0 == name).unwrap();
    bencher.bench(|| {
        assess(
            divan::black_box(&required),
            divan::black_box(&rewritten),
            Judgement::cloudtrail(),
        )
    });
}

#[divan::bench(args = names())]
fn assess_variant(bencher: divan::Bencher, name: &str) {
    let (_, required, rewritten, _) = cases().into_iter().find(|c| c.0 == name).unwrap();
    let actual = variant(&rewritten);
    bencher.bench(|| {
        assess(
            divan::black_box(&required),
            divan::black_box(&actual),
            Judgement::cloudtrail(),
        )
    });
}

fn big_or(n: usize, skip: usize) -> Pattern {
    let items: Vec<String> = (0..n)
        .filter(|i| *i != skip)
        .map(|i| format!("$.eventName = Event{i}"))
        .collect();
    parse(&format!("{{ {} }}", items.join(" || "))).unwrap()
}

/// A required pattern of `n` `||` terms against the same minus one term (partial).
#[divan::bench(args = [5_000, 50_000], sample_count = 10)]
fn many_alternatives(bencher: divan::Bencher, n: usize) {
    let required = big_or(n, usize::MAX);
    let actual = big_or(n, n / 2);
    bencher.bench(|| compare(divan::black_box(&required), divan::black_box(&actual)));
}
