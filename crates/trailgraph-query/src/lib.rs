//! The Fix Inventory (formerly Resoto) search language for trailgraph.
//!
//! Queries are parsed with a pest grammar into a spanned [`ast::Query`], printed back
//! canonically by `Display`, lowered against an inventory into a [`plan::Plan`] (kinds resolved,
//! paths prefixed, regexes compiled, durations turned into times) and evaluated over the graph.
//! [`run_command_line`] runs a shell line such as
//! `search is(aws_cloud_trail) | count` and writes its output to any `io::Write`.
//! This crate does not collect data and does not render errors for a terminal beyond
//! [`render_error`].
//!
//! ```
//! let canonical = trailgraph_query::parse_only("is(aws_cloud_trail) and trail_is_multi_region_trail=true")?;
//! assert_eq!(canonical, r#"(is("aws_cloud_trail") and trail_is_multi_region_trail == true)"#);
//! # Ok::<(), trailgraph_query::ParseError>(())
//! ```

#![forbid(unsafe_code)]

pub mod ast;
pub mod command;
pub mod covers;
pub mod duration;
mod error;
pub mod eval;
pub mod graph_output;
pub mod jq;
pub mod lower;
pub mod output;
pub mod parser;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod shell;
pub mod trace;
pub mod vocabulary;
pub mod words;

pub use command::{CommandError, run_command_line, search_nodes};
pub use eval::{
    EvalOptions, Evaluation, FastHash, FilterJudgements, NodeHasher, Searcher, Stats, evaluate,
    evaluate_from, explain,
};
pub use lower::{Context, LowerError, lower};
pub use parser::{ParseError, parse};
pub use plan::Plan;
pub use render::{render_error, render_error_with_label};
pub use trace::{NodeTrace, TraceOptions, TracePlan, level_syntax, lower_traced};
pub use vocabulary::{UnknownProperty, Vocabulary};

/// Parses `query` and returns its canonical rendering (for `trailgraph parse`).
pub fn parse_only(query: &str) -> Result<String, ParseError> {
    parse(query).map(|q| q.to_string())
}
