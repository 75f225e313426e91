//! `explain`: a plan printed with the rows in and out of every step.

use std::fmt::Write as _;

use trailgraph_model::Inventory;

use super::{EvalOptions, evaluate};
use crate::plan::Plan;

/// Runs `plan` and prints it with the rows in and out of every step.
pub fn explain(plan: &Plan, inventory: &Inventory) -> String {
    let evaluation = evaluate(plan, inventory, EvalOptions::default());
    let mut out = String::new();
    for (i, (part, stats)) in plan.parts.iter().zip(&evaluation.stats.parts).enumerate() {
        let _ = writeln!(out, "part {i}:");
        let _ = writeln!(
            out,
            "  source   {:<60} out {}",
            stats.source, stats.candidates
        );
        let _ = writeln!(
            out,
            "  filter   {:<60} in {} out {}",
            part.filter.to_string(),
            stats.candidates,
            stats.after_filter
        );
        if let (Some(merge), Some(after)) = (&part.merge, stats.after_merge) {
            let names: Vec<String> = merge
                .items
                .iter()
                .map(|i| format!("{}{}", i.keys.join("."), if i.many { "[]" } else { "" }))
                .collect();
            let _ = writeln!(
                out,
                "  merge    {:<60} in {} out {after}",
                format!("{{{}}} {}", names.join(", "), merge.post_filter),
                stats.after_filter
            );
        }
        if let (Some(with), Some(after)) = (&part.with, stats.after_with) {
            let _ = writeln!(
                out,
                "  with     {:<60} in {} out {} (walks {})",
                with.to_string(),
                stats.after_merge.unwrap_or(stats.after_filter),
                after,
                stats.with_walks
            );
        }
        let before_limit = stats
            .after_with
            .or(stats.after_merge)
            .unwrap_or(stats.after_filter);
        let mut order = Vec::new();
        if part.sort.is_empty() {
            order.push("sort kind, name, id".to_owned());
        } else {
            let keys: Vec<String> = part
                .sort
                .iter()
                .map(|s| format!("{} {}", s.path, if s.ascending { "asc" } else { "desc" }))
                .collect();
            order.push(format!("sort {}", keys.join(", ")));
        }
        if let Some((offset, length)) = part.limit {
            order.push(format!("limit {offset}, {length}"));
        }
        if part.reversed {
            order.push("reversed".to_owned());
        }
        let _ = writeln!(
            out,
            "  order    {:<60} in {before_limit} out {}",
            order.join(" "),
            stats.after_limit
        );
        if let (Some(nav), Some(after)) = (&part.navigation, stats.after_navigation) {
            let _ = writeln!(
                out,
                "  traverse {:<60} in {} out {after}",
                nav.to_string(),
                stats.after_limit
            );
        }
    }
    let _ = writeln!(out, "result: {} nodes", evaluation.nodes.len());
    out
}
