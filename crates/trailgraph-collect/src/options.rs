//! What to collect and how: credentials sources, regions, concurrency and retries.

use std::str::FromStr;
use std::time::Duration;

use crate::error::CollectError;

/// Regions enabled by default in every AWS account (no opt-in needed).
pub const DEFAULT_ENABLED_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Commercial regions an account has to opt in to. They are tried too; one that answers as
/// "not enabled" (see [`NOT_ENABLED_CODES`]) is skipped and noted, not counted as an error.
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// Error codes with which AWS answers a call into an opt-in region the account has not
/// enabled (the credentials are not valid there).
pub const NOT_ENABLED_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
    "OptInRequired",
];

/// Which regions to collect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RegionSelection {
    /// Every region enabled for the account: the default-enabled regions plus every opt-in
    /// region that answers (those that do not are skipped with a note). `--regions all` means
    /// the same.
    #[default]
    Enabled,
    /// Exactly these regions (a listed opt-in region that is not enabled is skipped and noted).
    List(Vec<String>),
}

impl RegionSelection {
    /// The region codes this selection asks for, sorted.
    pub fn regions(&self) -> Vec<String> {
        let mut out: Vec<String> = match self {
            RegionSelection::Enabled => DEFAULT_ENABLED_REGIONS
                .iter()
                .chain(OPT_IN_REGIONS)
                .map(|r| (*r).to_owned())
                .collect(),
            RegionSelection::List(list) => list.clone(),
        };
        out.sort();
        out.dedup();
        out
    }
}

impl FromStr for RegionSelection {
    type Err = CollectError;

    /// Parses `all` or a comma-separated list of region codes (`us-east-1,eu-west-1`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(RegionSelection::Enabled);
        }
        let mut list = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if !is_region_code(part) {
                return Err(CollectError::InvalidRegion(part.to_owned()));
            }
            list.push(part.to_owned());
        }
        if list.is_empty() {
            return Err(CollectError::InvalidRegion(text.to_owned()));
        }
        Ok(RegionSelection::List(list))
    }
}

/// `xx-word-N` or `xx-word-word-N` (e.g. `us-east-1`, `us-gov-west-1`).
fn is_region_code(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Options for [`crate::collect`]. Build with [`CollectOptions::default`] and set fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CollectOptions {
    /// Named profiles, one account each (SSO profiles included). Empty: the default chain.
    pub profiles: Vec<String>,
    /// Roles to assume, one account each, using the first profile (or the default chain) as the
    /// source identity. When not empty, only these accounts are collected.
    pub role_arns: Vec<String>,
    /// Regions to collect.
    pub regions: RegionSelection,
    /// How many (account, region) pairs are collected at the same time, over all accounts
    /// (AWS rate limits are per account and region, so accounts do not slow each other).
    pub concurrency: usize,
    /// How many calls one (account, region) pair makes at the same time where it fans out
    /// (per trail, per topic).
    pub region_calls: usize,
    /// Organisation mode: collect every (selected) account of the organisation the credentials
    /// manage, each through a role (see [`crate::OrganizationOptions`]).
    pub organization: Option<crate::organization::OrganizationOptions>,
    /// Attempts per API call, including the first (the SDK's adaptive retry mode: exponential
    /// backoff with jitter, and a client-side rate that drops when AWS throttles).
    pub max_attempts: u32,
    /// First backoff between attempts.
    pub initial_backoff: Duration,
    /// Longest backoff between attempts.
    pub max_backoff: Duration,
    /// Time allowed for one attempt of one call (connect, send, receive).
    pub attempt_timeout: Duration,
    /// An endpoint for every service. `None` leaves it to the SDK, which honours
    /// `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`.
    pub endpoint_url: Option<String>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profiles: Vec::new(),
            role_arns: Vec::new(),
            regions: RegionSelection::Enabled,
            concurrency: 64,
            region_calls: 8,
            organization: None,
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(30),
            endpoint_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_region_lists_and_all() {
        assert_eq!(
            "all".parse::<RegionSelection>().ok(),
            Some(RegionSelection::Enabled)
        );
        assert_eq!(
            "us-east-1, eu-west-1".parse::<RegionSelection>().ok(),
            Some(RegionSelection::List(vec![
                "us-east-1".into(),
                "eu-west-1".into()
            ]))
        );
        assert!("us-east".parse::<RegionSelection>().is_err());
        assert!("US-EAST-1".parse::<RegionSelection>().is_err());
        assert!("".parse::<RegionSelection>().is_err());
    }

    #[test]
    fn enabled_covers_default_and_opt_in_regions() {
        let all = RegionSelection::Enabled.regions();
        assert_eq!(
            all.len(),
            DEFAULT_ENABLED_REGIONS.len() + OPT_IN_REGIONS.len()
        );
    }
}
