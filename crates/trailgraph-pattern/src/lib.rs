//! CloudWatch Logs filter patterns: parse them, evaluate them on log events,
//! and compare two patterns by the events they match.
//!
//! All three pattern families are supported: JSON patterns
//! (`{ $.eventName = CreateVpc || $.errorCode = "AccessDenied*" }`), term
//! patterns (`ERROR ?WARN -debug`) and space-delimited patterns
//! (`[ip, user, ..., status = 4*]`). [`compare`] tells whether an actual
//! metric filter matches every event a required (for instance CIS) pattern
//! matches, independently of clause order, quoting, whitespace or redundant
//! parentheses, and gives example events it misses. The crate does not talk to
//! AWS and does not render errors for a terminal beyond the plain helpers in
//! [`write_comparison_text`] and [`write_test_results`].
//!
//! ```
//! use trailgraph_pattern::{compare_text, parse, Event, Verdict};
//! use serde_json::json;
//!
//! let filter = parse(r#"{ ($.eventName = "CreateVpc") || ($.eventName = DeleteVpc) }"#)?;
//! assert!(filter.matches(&Event::from_json(json!({"eventName": "DeleteVpc"}))));
//!
//! let c = compare_text(
//!     "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) }",
//!     "{ $.eventName = CreateVpc }",
//! )?;
//! assert_eq!(c.verdict(), Verdict::Partial);
//! assert_eq!(c.missed_events(), &[json!({"eventName": "DeleteVpc"})]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod catalog;
mod compare;
mod eval;
mod judge;
mod output;
mod parse;

pub use ast::{
    CompareOp, Condition, Expr, Field, FieldCondition, NumberValue, Pattern, RegexValue, Segment,
    Selector, Term, TermKind, TermMatcher, Test, TextMatch, TextValue, Value,
};
pub use catalog::{CatalogError, EventCatalog, Judgement};
pub use compare::{
    Comparison, RequiredPatternError, Verdict, compare, compare_text, scope_sources,
};
pub use eval::{Event, resolve, split_fields};
pub use judge::{
    Assessment, CatchAll, absent_fields, assess, assess_actual_text, assess_text, assess_verdict,
    catch_all, compare_judged,
};
pub use output::{
    EventFileError, assessment_to_json, comparison_to_json, read_events, write_assessment_text,
    write_comparison_text, write_test_results,
};
pub use parse::{MAX_DEPTH, ParseError, parse};
