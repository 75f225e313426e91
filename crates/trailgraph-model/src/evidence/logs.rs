//! CloudWatch Logs documents as the AWS CLI prints them (keys in camelCase).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::shape::items;

/// `aws logs describe-log-groups`.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeLogGroups {
    /// `logGroups`.
    pub log_groups: Vec<LogGroup>,
}

impl DescribeLogGroups {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(DescribeLogGroups {
            log_groups: items(doc, "logGroups")?,
        })
    }
}

/// One log group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// `logGroupName`.
    pub log_group_name: String,
    /// `arn` (with the `:*` suffix).
    pub arn: Option<String>,
    /// `creationTime` (epoch milliseconds).
    pub creation_time: Option<i64>,
    /// `retentionInDays`.
    pub retention_in_days: Option<i64>,
    /// `metricFilterCount`.
    pub metric_filter_count: Option<i64>,
    /// `storedBytes`.
    pub stored_bytes: Option<i64>,
    /// `kmsKeyId`.
    pub kms_key_id: Option<String>,
}

/// `aws logs describe-metric-filters`.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeMetricFilters {
    /// `metricFilters`.
    pub metric_filters: Vec<MetricFilter>,
}

impl DescribeMetricFilters {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(DescribeMetricFilters {
            metric_filters: items(doc, "metricFilters")?,
        })
    }
}

/// One metric filter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricFilter {
    /// `filterName`.
    pub filter_name: String,
    /// `filterPattern` (the empty string matches every event).
    pub filter_pattern: String,
    /// `logGroupName`.
    pub log_group_name: String,
    /// `metricTransformations`.
    pub metric_transformations: Vec<MetricTransformation>,
    /// `creationTime` (epoch milliseconds).
    pub creation_time: Option<i64>,
    /// `applyOnTransformedLogs`.
    pub apply_on_transformed_logs: Option<bool>,
}

/// One metric transformation of a filter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTransformation {
    /// `metricName`.
    pub metric_name: String,
    /// `metricNamespace`.
    pub metric_namespace: String,
    /// `metricValue`.
    pub metric_value: String,
    /// `defaultValue`.
    pub default_value: Option<f64>,
    /// `dimensions`.
    pub dimensions: Option<BTreeMap<String, String>>,
    /// `unit`.
    pub unit: Option<String>,
}
