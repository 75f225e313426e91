//! AWS API output, as the AWS CLI prints it, per account and region.
//!
//! Every way into an inventory goes through this type: the live collector turns SDK responses
//! into exactly the JSON the AWS CLI prints for the same call, the importer reads that JSON
//! from files, and the demo inventory is a document of the same shape. [`crate::build`] turns
//! evidence into nodes and links them. So collect, import and demo cannot drift apart.
//!
//! `None` (or a missing map entry) means "not collected", never "empty": the reason belongs in
//! [`crate::SnapshotMeta::errors`].
//!
//! Each document has a typed shape ([`cloudtrail`], [`logs`], [`cloudwatch`], [`sns`], [`sts`]);
//! [`validated`] checks every document against it before the builder links anything, and a
//! document that does not fit is recorded as an error and not used (see [`validate`]).

pub mod cloudtrail;
pub mod cloudwatch;
pub mod logs;
mod shape;
pub mod sns;
pub mod sts;
mod validate;

pub use validate::{
    Document, FOREIGN_EVIDENCE, INCOMPLETE_EVIDENCE, INVALID_EVIDENCE, validate, validated,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::meta::SnapshotMeta;

/// Evidence for a set of accounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Provenance and collection errors; copied into the inventory.
    pub meta: SnapshotMeta,
    /// One entry per account.
    pub accounts: Vec<AccountEvidence>,
}

/// Evidence for one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEvidence {
    /// The 12-digit account id.
    pub account_id: String,
    /// A friendly name (alias, profile or organisation name); the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `aws sts get-caller-identity` output, when available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_identity: Option<serde_json::Value>,
    /// The account alias (`aws iam list-account-aliases`), when the account has one and it was
    /// read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// How the account was reached: `default`, `profile:NAME` or `role:ARN` (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_with: Option<String>,
    /// What AWS Organizations says of the account, when it was collected as part of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationAccount>,
    /// One entry per region collected.
    pub regions: Vec<RegionEvidence>,
}

/// An account as AWS Organizations lists it (`aws organizations list-accounts-for-parent`,
/// `list-tags-for-resource`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationAccount {
    /// The organisation's id (`o-...`).
    pub organization_id: String,
    /// The management account's id.
    pub management_account_id: String,
    /// The account's e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
    /// The organisational units from the root down to the account's parent, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ou_path: Vec<String>,
    /// The same units by id (`ou-...`), root first (`r-...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ou_ids: Vec<String>,
    /// The account's tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Evidence for one region of one account. Each field holds the complete output of one AWS CLI
/// command (all pages merged into one document, as the CLI does).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEvidence {
    /// Region code, e.g. `us-east-1`.
    pub region: String,
    /// `aws cloudtrail describe-trails --include-shadow-trails`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub describe_trails: Option<serde_json::Value>,
    /// `aws cloudtrail get-trail-status --name <trail>` by trail name (home trails of the region).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trail_status: BTreeMap<String, serde_json::Value>,
    /// `aws cloudtrail get-event-selectors --trail-name <trail>` by trail name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub event_selectors: BTreeMap<String, serde_json::Value>,
    /// `aws cloudtrail list-tags --resource-id-list <arn>` by trail name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub trail_tags: BTreeMap<String, serde_json::Value>,
    /// `aws logs describe-log-groups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_groups: Option<serde_json::Value>,
    /// `aws logs describe-metric-filters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_filters: Option<serde_json::Value>,
    /// `aws cloudwatch describe-alarms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<serde_json::Value>,
    /// `aws sns list-topics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topics: Option<serde_json::Value>,
    /// `aws sns get-topic-attributes --topic-arn <arn>` by topic name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub topic_attributes: BTreeMap<String, serde_json::Value>,
    /// `aws sns list-subscriptions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<serde_json::Value>,
}

impl RegionEvidence {
    /// A region in which every list was read and is empty: no trail, log group, filter, alarm,
    /// topic or subscription (unlike [`RegionEvidence::default`], where nothing was collected).
    pub fn empty(region: &str) -> Self {
        RegionEvidence {
            region: region.to_owned(),
            describe_trails: Some(serde_json::json!({"trailList": []})),
            log_groups: Some(serde_json::json!({"logGroups": []})),
            metric_filters: Some(serde_json::json!({"metricFilters": []})),
            alarms: Some(serde_json::json!({"MetricAlarms": [], "CompositeAlarms": []})),
            topics: Some(serde_json::json!({"Topics": []})),
            subscriptions: Some(serde_json::json!({"Subscriptions": []})),
            ..RegionEvidence::default()
        }
    }
}
