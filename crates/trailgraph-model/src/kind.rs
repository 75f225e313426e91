//! Node kinds and their base kinds, named as in Fix Inventory.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of a node. Each kind also counts as each of its [base kinds](Kind::bases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// The cloud itself (one node, `aws`), root of the account tree.
    Cloud,
    /// An AWS account (`aws_account`).
    AwsAccount,
    /// A region of an account (`aws_region`).
    AwsRegion,
    /// A CloudTrail trail (`aws_cloud_trail`).
    AwsCloudTrail,
    /// A CloudWatch Logs log group (`aws_cloudwatch_log_group`).
    AwsCloudwatchLogGroup,
    /// A CloudWatch Logs metric filter (`aws_cloudwatch_metric_filter`).
    AwsCloudwatchMetricFilter,
    /// A CloudWatch metric alarm (`aws_cloudwatch_alarm`).
    AwsCloudwatchAlarm,
    /// An SNS topic (`aws_sns_topic`).
    AwsSnsTopic,
    /// An SNS subscription (`aws_sns_subscription`).
    AwsSnsSubscription,
}

/// Names that `is(...)` accepts besides the kinds themselves.
pub const BASE_KINDS: &[&str] = &["resource", "aws_resource", "account", "region", "cloud"];

impl Kind {
    /// Every kind, in a stable order (the order of [`Kind::index`]).
    pub const ALL: [Kind; 9] = [
        Kind::Cloud,
        Kind::AwsAccount,
        Kind::AwsRegion,
        Kind::AwsCloudTrail,
        Kind::AwsCloudwatchLogGroup,
        Kind::AwsCloudwatchMetricFilter,
        Kind::AwsCloudwatchAlarm,
        Kind::AwsSnsTopic,
        Kind::AwsSnsSubscription,
    ];

    /// The kind's name as queries write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cloud => "cloud",
            Kind::AwsAccount => "aws_account",
            Kind::AwsRegion => "aws_region",
            Kind::AwsCloudTrail => "aws_cloud_trail",
            Kind::AwsCloudwatchLogGroup => "aws_cloudwatch_log_group",
            Kind::AwsCloudwatchMetricFilter => "aws_cloudwatch_metric_filter",
            Kind::AwsCloudwatchAlarm => "aws_cloudwatch_alarm",
            Kind::AwsSnsTopic => "aws_sns_topic",
            Kind::AwsSnsSubscription => "aws_sns_subscription",
        }
    }

    /// Position in [`Kind::ALL`], for per-kind tables.
    pub fn index(self) -> usize {
        match self {
            Kind::Cloud => 0,
            Kind::AwsAccount => 1,
            Kind::AwsRegion => 2,
            Kind::AwsCloudTrail => 3,
            Kind::AwsCloudwatchLogGroup => 4,
            Kind::AwsCloudwatchMetricFilter => 5,
            Kind::AwsCloudwatchAlarm => 6,
            Kind::AwsSnsTopic => 7,
            Kind::AwsSnsSubscription => 8,
        }
    }

    /// The kind hierarchy from the kind itself up to `resource`, as Fix stores it in `kinds`.
    pub fn bases(self) -> &'static [&'static str] {
        match self {
            Kind::Cloud => &["cloud", "resource"],
            Kind::AwsAccount => &["aws_account", "account", "aws_resource", "resource"],
            Kind::AwsRegion => &["aws_region", "region", "aws_resource", "resource"],
            Kind::AwsCloudTrail => &["aws_cloud_trail", "aws_resource", "resource"],
            Kind::AwsCloudwatchLogGroup => {
                &["aws_cloudwatch_log_group", "aws_resource", "resource"]
            }
            Kind::AwsCloudwatchMetricFilter => {
                &["aws_cloudwatch_metric_filter", "aws_resource", "resource"]
            }
            Kind::AwsCloudwatchAlarm => &["aws_cloudwatch_alarm", "aws_resource", "resource"],
            Kind::AwsSnsTopic => &["aws_sns_topic", "aws_resource", "resource"],
            Kind::AwsSnsSubscription => &["aws_sns_subscription", "aws_resource", "resource"],
        }
    }

    /// Whether this kind is `name` or has `name` among its base kinds.
    pub fn is_a(self, name: &str) -> bool {
        self.bases().contains(&name)
    }

    /// The kinds that count as `name` (the kind itself or those having it as a base), or `None`
    /// if no kind or base kind has that name.
    pub fn matching(name: &str) -> Option<Vec<Kind>> {
        let kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| k.is_a(name)).collect();
        if kinds.is_empty() { None } else { Some(kinds) }
    }

    /// Every name `is(...)` accepts: the kinds and the base kinds.
    pub fn all_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        for base in BASE_KINDS {
            if !names.contains(base) {
                names.push(base);
            }
        }
        names
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a kind name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{0}`")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
            assert_eq!(Kind::ALL[k.index()], k);
            assert_eq!(k.bases()[0], k.as_str());
        }
        assert!("aws_ec2_instance".parse::<Kind>().is_err());
    }

    #[test]
    fn base_kinds_match() {
        assert!(Kind::AwsCloudTrail.is_a("aws_resource"));
        assert!(Kind::AwsAccount.is_a("account"));
        assert!(!Kind::AwsCloudTrail.is_a("account"));
        assert_eq!(Kind::matching("region"), Some(vec![Kind::AwsRegion]));
        assert_eq!(Kind::matching("resource").map(|v| v.len()), Some(9));
        assert_eq!(Kind::matching("aws_ec2_instance"), None);
    }
}
