//! AWS collection for trailgraph: live SDK calls and AWS CLI evidence files, both turned into
//! the same [`Evidence`] (exactly the JSON the AWS CLI v2 prints per call).
//!
//! [`collect`] reads CloudTrail trails (with shadow and organisation trails, status, event
//! selectors and tags), CloudWatch Logs log groups and metric filters, CloudWatch alarms and
//! SNS topics, topic attributes and subscriptions, and account aliases, for several accounts
//! (profiles, assumed roles, or every account of an AWS Organization with its names, units and
//! tags) and regions at once, with adaptive retries; failed calls are recorded in `meta.errors` and the
//! rest goes on. [`import_aws_cli`] reads the same data from files the AWS CLI wrote, and
//! [`export_aws_cli`] writes them. Only read-only APIs are called (`docs/iam-policy.json`).
//!
//! This crate does not build the inventory graph: `trailgraph_model::build_inventory` does, from
//! the [`Evidence`] returned here, so collect and import cannot drift apart.
//!
//! ```no_run
//! use trailgraph_collect::{collect, CollectOptions, NoProgress};
//!
//! # async fn run() -> Result<(), trailgraph_collect::CollectError> {
//! let mut options = CollectOptions::default();
//! options.regions = "us-east-1,eu-west-1".parse()?;
//! let evidence = collect(&options, &NoProgress).await?;
//! for error in &evidence.meta.errors {
//!     let region = error.region.as_deref().unwrap_or("global");
//!     eprintln!("{} {region} {} {}: {}", error.account, error.service, error.operation, error.code);
//! }
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod cli_files;
mod collect;
mod convert;
mod error;
mod options;
mod organization;
mod progress;

pub use cli_files::{MAX_FILE_BYTES, UNREADABLE_EVIDENCE, export_aws_cli, import_aws_cli};
pub use collect::{
    SERVICES, Source, assume_roles, collect, collect_from, collect_organization, error_chain,
    load_sources, redact_credential_process_output,
};
pub use convert::cli_timestamp;
pub use error::{CollectError, ImportError};
pub use options::{
    CollectOptions, DEFAULT_ENABLED_REGIONS, NOT_ENABLED_CODES, OPT_IN_REGIONS, RegionSelection,
};
pub use organization::{DEFAULT_ROLE_NAME, Member, ORGANIZATION_LABEL, OrganizationOptions};
pub use progress::{AccountDone, BarProgress, LineProgress, NoProgress, Progress, stderr_progress};
pub use trailgraph_model::evidence::{AccountEvidence, Evidence, RegionEvidence};

/// Exit code when everything was collected.
pub const EXIT_COMPLETE: i32 = 0;
/// Exit code for usage errors (bad options).
pub const EXIT_USAGE: i32 = 2;
/// Exit code when the snapshot is incomplete (some operation failed or a file was missing).
pub const EXIT_INCOMPLETE: i32 = 3;

/// The exit code for a finished collection or import: [`EXIT_COMPLETE`] or [`EXIT_INCOMPLETE`].
/// Errors the builder will record (documents of the wrong shape, truncated pages, another
/// account's evidence: `trailgraph_model::evidence::validate`) count as well.
pub fn exit_code(evidence: &Evidence) -> i32 {
    if evidence.meta.is_complete() && trailgraph_model::evidence::validate(evidence).is_empty() {
        EXIT_COMPLETE
    } else {
        EXIT_INCOMPLETE
    }
}
