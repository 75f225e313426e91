//! Metadata carried by every inventory and snapshot: provenance and collection errors.

use serde::{Deserialize, Serialize};

/// Where an inventory came from and what could not be collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotMeta {
    /// Version of trailgraph that wrote the inventory.
    pub tool_version: String,
    /// When the data was collected (RFC 3339, UTC).
    pub collected_at: jiff::Timestamp,
    /// How the data was obtained: `aws` (live APIs), `aws-cli` (imported evidence), `demo`,
    /// `generated` (benchmarks) or `fixture` (tests).
    pub source: String,
    /// Account ids covered.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Region codes covered.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Services read (`cloudtrail`, `logs`, `cloudwatch`, `sns`, `sts`).
    #[serde(default)]
    pub services: Vec<String>,
    /// Every operation that failed for good. A non-empty list means the inventory is incomplete.
    #[serde(default)]
    pub errors: Vec<CollectionError>,
    /// Things worth knowing that are not errors (e.g. a region that is not enabled was skipped).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Default for SnapshotMeta {
    fn default() -> Self {
        SnapshotMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            collected_at: jiff::Timestamp::UNIX_EPOCH,
            source: "fixture".to_owned(),
            accounts: Vec::new(),
            regions: Vec::new(),
            services: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl SnapshotMeta {
    /// Metadata for data collected now from `source`.
    pub fn now(source: &str) -> Self {
        SnapshotMeta {
            collected_at: jiff::Timestamp::now(),
            source: source.to_owned(),
            ..SnapshotMeta::default()
        }
    }

    /// Whether every operation succeeded.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors recorded for an account and service (any region when `region` is `None`).
    pub fn errors_for<'a>(
        &'a self,
        account: &'a str,
        service: &'a str,
    ) -> impl Iterator<Item = &'a CollectionError> + 'a {
        self.errors
            .iter()
            .filter(move |e| e.account == account && e.service == service)
    }
}

/// One operation that could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionError {
    /// Account id (or the profile/role when the account could not be determined).
    pub account: String,
    /// Region, when the operation is regional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Service (`cloudtrail`, `logs`, `cloudwatch`, `sns`, `sts`).
    pub service: String,
    /// API operation (`DescribeTrails`, `GetTrailStatus`, ...).
    pub operation: String,
    /// The resource the operation was about, if any (a trail or topic ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Error code (`AccessDenied`, `Throttling`, `NotCollected`, ...).
    pub code: String,
    /// Human-readable message.
    pub message: String,
}
