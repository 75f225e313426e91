//! CIS monitoring checks and benchmarks for trailgraph: YAML check files whose logic is written
//! in trailgraph's search language, the runner that gives one verdict per (check, account),
//! explanations of where a chain breaks, remediation commands filled with the account's real
//! names, and report formats (text, JSON, Markdown, CSV, JUnit).
//!
//! This crate does not collect data and does not parse command lines; it takes a loaded
//! [`trailgraph_model::Inventory`] and writes reports to any `io::Write`.
//!
//! ```
//! use trailgraph_check::{load_catalog, run, write_report, Format, RunOptions};
//!
//! let catalog = load_catalog(&[])?;
//! let inventory = trailgraph_model::demo_inventory();
//! let options = RunOptions {
//!     generated_at: Some("2026-11-20T10:00:00Z".parse()?),
//!     ..RunOptions::default()
//! };
//! let report = run(&catalog, &inventory, &options)?;
//! assert_eq!(report.benchmark.id, "cis_aws_v6_0");
//! let mut out = Vec::new();
//! write_report(&report, Format::Json, &mut out, false)?;
//! assert!(String::from_utf8(out)?.contains("\"not_evaluable\""));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

pub mod baseline;
pub mod catalog;
pub mod chain;
mod engine;
pub mod error;
mod files;
pub mod remedy;
pub mod report;
pub mod run;
pub mod template;
pub mod vocabulary;

pub use baseline::{Baseline, Change, compare_baseline};
pub use catalog::{
    Benchmark, Catalog, Check, Control, Section, Severity, builtin_sources, load_catalog,
    load_sources,
};
pub use chain::{Chain, ChainStep, NodeRef, StepStatus};
pub use error::{CheckError, CheckFileError, FileLocation};
pub use remedy::{FixCommand, RemediationKind};
pub use report::{Format, to_asff, to_json, to_ocsf, to_sarif, write_report};
pub use run::{
    BenchmarkInfo, CheckResult, Checker, ControlReport, InventoryInfo, Report, Resource,
    RunOptions, SectionReport, Status, Summary, Unreached, run,
};
pub use trailgraph_query::covers::strict_normalise;
pub use vocabulary::Vocabulary;
