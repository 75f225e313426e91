//! CloudWatch alarm documents as the AWS CLI prints them.

use serde::Deserialize;
use serde_json::Value as Json;

use super::shape::{items, optional_items};

/// `aws cloudwatch describe-alarms --alarm-types MetricAlarm CompositeAlarm`.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeAlarms {
    /// `MetricAlarms`.
    pub metric_alarms: Vec<MetricAlarm>,
    /// `CompositeAlarms` (absent when only metric alarms were asked for).
    pub composite_alarms: Option<Vec<CompositeAlarm>>,
}

impl DescribeAlarms {
    /// Reads and checks the document: every metric alarm watches a metric (`MetricName` and
    /// `Namespace`) or metric queries (`Metrics`).
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        let metric_alarms: Vec<MetricAlarm> = items(doc, "MetricAlarms")?;
        for (i, alarm) in metric_alarms.iter().enumerate() {
            let single = match (&alarm.metric_name, &alarm.namespace) {
                (Some(_), Some(_)) => true,
                (None, None) => false,
                (Some(_), None) => {
                    return Err(format!(
                        "`MetricAlarms`[{i}]: `MetricName` without `Namespace`"
                    ));
                }
                (None, Some(_)) => {
                    return Err(format!(
                        "`MetricAlarms`[{i}]: `Namespace` without `MetricName`"
                    ));
                }
            };
            let queries = alarm.metrics.as_ref().is_some_and(|m| !m.is_empty());
            if !single && !queries {
                return Err(format!(
                    "`MetricAlarms`[{i}]: neither `MetricName` and `Namespace` nor `Metrics`"
                ));
            }
        }
        Ok(DescribeAlarms {
            metric_alarms,
            composite_alarms: optional_items(doc, "CompositeAlarms")?,
        })
    }
}

/// One metric alarm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarm {
    /// `AlarmName`.
    pub alarm_name: String,
    /// `AlarmArn`.
    pub alarm_arn: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions`.
    pub alarm_actions: Vec<String>,
    /// `OKActions`.
    #[serde(rename = "OKActions")]
    pub ok_actions: Option<Vec<String>>,
    /// `InsufficientDataActions`.
    pub insufficient_data_actions: Option<Vec<String>>,
    /// `MetricName` (single-metric alarms).
    pub metric_name: Option<String>,
    /// `Namespace` (single-metric alarms).
    pub namespace: Option<String>,
    /// `Metrics` (metric-math alarms).
    pub metrics: Option<Vec<MetricDataQuery>>,
    /// `StateValue`.
    pub state_value: Option<String>,
    /// `Statistic`.
    pub statistic: Option<String>,
    /// `Period`.
    pub period: Option<i64>,
    /// `EvaluationPeriods`.
    pub evaluation_periods: Option<i64>,
    /// `Threshold`.
    pub threshold: Option<f64>,
    /// `ComparisonOperator`.
    pub comparison_operator: Option<String>,
    /// `Dimensions`.
    pub dimensions: Option<Vec<Dimension>>,
}

/// One query of a metric-math alarm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQuery {
    /// `Id`.
    pub id: String,
    /// `MetricStat`.
    pub metric_stat: Option<MetricStat>,
    /// `Expression`.
    pub expression: Option<String>,
    /// `ReturnData`.
    pub return_data: Option<bool>,
    /// `AccountId`.
    pub account_id: Option<String>,
}

/// The metric of a query.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    /// `Metric`.
    pub metric: Metric,
    /// `Period`.
    pub period: Option<i64>,
    /// `Stat`.
    pub stat: Option<String>,
}

/// A metric by name and namespace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    /// `Namespace`.
    pub namespace: String,
    /// `MetricName`.
    pub metric_name: String,
    /// `Dimensions`.
    pub dimensions: Option<Vec<Dimension>>,
}

/// A metric dimension.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// `Name`.
    pub name: String,
    /// `Value`.
    pub value: String,
}

/// One composite alarm (read for completeness; no check uses them).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompositeAlarm {
    /// `AlarmName`.
    pub alarm_name: String,
    /// `AlarmArn`.
    pub alarm_arn: Option<String>,
}
