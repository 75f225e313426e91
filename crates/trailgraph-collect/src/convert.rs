//! SDK output structs → the JSON the AWS CLI v2 prints for the same call (`--output json`).
//!
//! Field names are the wire/model member names, exactly as the CLI prints them: PascalCase for
//! CloudTrail, CloudWatch and SNS, camelCase for CloudWatch Logs (and CloudTrail's top-level
//! `trailList`). Absent members are left out, as the CLI does; lists the service sent are kept
//! even when empty. Timestamps are printed the way CLI v2 does by default (`iso8601`):
//! `2024-05-01T12:34:56+00:00`, with `.ffffff` microseconds when they are not zero. CloudWatch
//! Logs times are epoch milliseconds (`long` in the model), printed as numbers.

use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// Builds one JSON object, leaving out members that are `None`.
#[derive(Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    pub(crate) fn new() -> Self {
        Obj::default()
    }
    pub(crate) fn s(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), Value::String(v.to_owned()));
        }
        self
    }
    pub(crate) fn b(mut self, key: &str, value: Option<bool>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), Value::Bool(v));
        }
        self
    }
    pub(crate) fn i(mut self, key: &str, value: Option<i64>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), Value::from(v));
        }
        self
    }
    pub(crate) fn f(mut self, key: &str, value: Option<f64>) -> Self {
        if let Some(v) = value {
            // NaN and infinities cannot be JSON; the CLI would fail on them as well.
            if let Some(n) = serde_json::Number::from_f64(v) {
                self.0.insert(key.to_owned(), Value::Number(n));
            }
        }
        self
    }
    pub(crate) fn t(mut self, key: &str, value: Option<&DateTime>) -> Self {
        if let Some(v) = value {
            self.0
                .insert(key.to_owned(), Value::String(cli_timestamp(v)));
        }
        self
    }
    pub(crate) fn strs(mut self, key: &str, value: Option<&Vec<String>>) -> Self {
        if let Some(v) = value {
            self.0.insert(
                key.to_owned(),
                Value::Array(v.iter().cloned().map(Value::String).collect()),
            );
        }
        self
    }
    pub(crate) fn v(mut self, key: &str, value: Option<Value>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_owned(), v);
        }
        self
    }
    pub(crate) fn list<T>(
        self,
        key: &str,
        value: Option<&Vec<T>>,
        f: impl Fn(&T) -> Value,
    ) -> Self {
        let value = value.map(|items| Value::Array(items.iter().map(f).collect()));
        self.v(key, value)
    }
    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A timestamp as AWS CLI v2 prints it by default: Python's `datetime.isoformat()` in UTC.
pub fn cli_timestamp(value: &DateTime) -> String {
    let micros = value.subsec_nanos() / 1_000;
    let base = jiff::Timestamp::from_second(value.secs())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|_| value.secs().to_string());
    if micros == 0 {
        format!("{base}+00:00")
    } else {
        format!("{base}.{micros:06}+00:00")
    }
}

pub(crate) mod cloudtrail {
    use super::Obj;
    use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
    use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ResourceTag,
        Tag, Trail,
    };
    use serde_json::Value;

    // `SnsTopicName` is deprecated in the model but still printed by the CLI.
    #[allow(deprecated)]
    pub(crate) fn trail(t: &Trail) -> Value {
        Obj::new()
            .s("Name", t.name.as_deref())
            .s("S3BucketName", t.s3_bucket_name.as_deref())
            .s("S3KeyPrefix", t.s3_key_prefix.as_deref())
            .s("SnsTopicName", t.sns_topic_name.as_deref())
            .s("SnsTopicARN", t.sns_topic_arn.as_deref())
            .b(
                "IncludeGlobalServiceEvents",
                t.include_global_service_events,
            )
            .b("IsMultiRegionTrail", t.is_multi_region_trail)
            .s("HomeRegion", t.home_region.as_deref())
            .s("TrailARN", t.trail_arn.as_deref())
            .b("LogFileValidationEnabled", t.log_file_validation_enabled)
            .s(
                "CloudWatchLogsLogGroupArn",
                t.cloud_watch_logs_log_group_arn.as_deref(),
            )
            .s(
                "CloudWatchLogsRoleArn",
                t.cloud_watch_logs_role_arn.as_deref(),
            )
            .s("KmsKeyId", t.kms_key_id.as_deref())
            .b("HasCustomEventSelectors", t.has_custom_event_selectors)
            .b("HasInsightSelectors", t.has_insight_selectors)
            .b("IsOrganizationTrail", t.is_organization_trail)
            .b("RecursiveLogging", t.recursive_logging)
            .build()
    }

    pub(crate) fn describe_trails(trails: &[Trail]) -> Value {
        serde_json::json!({ "trailList": trails.iter().map(trail).collect::<Vec<_>>() })
    }

    pub(crate) fn trail_status(o: &GetTrailStatusOutput) -> Value {
        Obj::new()
            .b("IsLogging", o.is_logging)
            .s("LatestDeliveryError", o.latest_delivery_error.as_deref())
            .s(
                "LatestNotificationError",
                o.latest_notification_error.as_deref(),
            )
            .t("LatestDeliveryTime", o.latest_delivery_time.as_ref())
            .t(
                "LatestNotificationTime",
                o.latest_notification_time.as_ref(),
            )
            .t("StartLoggingTime", o.start_logging_time.as_ref())
            .t("StopLoggingTime", o.stop_logging_time.as_ref())
            .s(
                "LatestCloudWatchLogsDeliveryError",
                o.latest_cloud_watch_logs_delivery_error.as_deref(),
            )
            .t(
                "LatestCloudWatchLogsDeliveryTime",
                o.latest_cloud_watch_logs_delivery_time.as_ref(),
            )
            .t(
                "LatestDigestDeliveryTime",
                o.latest_digest_delivery_time.as_ref(),
            )
            .s(
                "LatestDigestDeliveryError",
                o.latest_digest_delivery_error.as_deref(),
            )
            .s(
                "LatestDeliveryAttemptTime",
                o.latest_delivery_attempt_time.as_deref(),
            )
            .s(
                "LatestNotificationAttemptTime",
                o.latest_notification_attempt_time.as_deref(),
            )
            .s(
                "LatestNotificationAttemptSucceeded",
                o.latest_notification_attempt_succeeded.as_deref(),
            )
            .s(
                "LatestDeliveryAttemptSucceeded",
                o.latest_delivery_attempt_succeeded.as_deref(),
            )
            .s("TimeLoggingStarted", o.time_logging_started.as_deref())
            .s("TimeLoggingStopped", o.time_logging_stopped.as_deref())
            .build()
    }

    fn data_resource(d: &DataResource) -> Value {
        Obj::new()
            .s("Type", d.r#type.as_deref())
            .strs("Values", d.values.as_ref())
            .build()
    }

    fn event_selector(e: &EventSelector) -> Value {
        Obj::new()
            .s(
                "ReadWriteType",
                e.read_write_type.as_ref().map(|v| v.as_str()),
            )
            .b("IncludeManagementEvents", e.include_management_events)
            .list("DataResources", e.data_resources.as_ref(), data_resource)
            .strs(
                "ExcludeManagementEventSources",
                e.exclude_management_event_sources.as_ref(),
            )
            .build()
    }

    fn field_selector(f: &AdvancedFieldSelector) -> Value {
        Obj::new()
            .s("Field", Some(&f.field))
            .strs("Equals", f.equals.as_ref())
            .strs("StartsWith", f.starts_with.as_ref())
            .strs("EndsWith", f.ends_with.as_ref())
            .strs("NotEquals", f.not_equals.as_ref())
            .strs("NotStartsWith", f.not_starts_with.as_ref())
            .strs("NotEndsWith", f.not_ends_with.as_ref())
            .build()
    }

    fn advanced_selector(a: &AdvancedEventSelector) -> Value {
        Obj::new()
            .s("Name", a.name.as_deref())
            .list("FieldSelectors", Some(&a.field_selectors), field_selector)
            .build()
    }

    pub(crate) fn event_selectors(o: &GetEventSelectorsOutput) -> Value {
        Obj::new()
            .s("TrailARN", o.trail_arn.as_deref())
            .list("EventSelectors", o.event_selectors.as_ref(), event_selector)
            .list(
                "AdvancedEventSelectors",
                o.advanced_event_selectors.as_ref(),
                advanced_selector,
            )
            .build()
    }

    fn tag(t: &Tag) -> Value {
        Obj::new()
            .s("Key", Some(&t.key))
            .s("Value", t.value.as_deref())
            .build()
    }

    pub(crate) fn resource_tag(r: &ResourceTag) -> Value {
        Obj::new()
            .s("ResourceId", r.resource_id.as_deref())
            .list("TagsList", r.tags_list.as_ref(), tag)
            .build()
    }
}

pub(crate) mod logs {
    use super::Obj;
    use aws_sdk_cloudwatchlogs::types::{LogGroup, MetricFilter, MetricTransformation};
    use serde_json::{Map, Value};

    pub(crate) fn log_group(g: &LogGroup) -> Value {
        Obj::new()
            .s("logGroupName", g.log_group_name.as_deref())
            .i("creationTime", g.creation_time)
            .i("retentionInDays", g.retention_in_days.map(i64::from))
            .i("metricFilterCount", g.metric_filter_count.map(i64::from))
            .s("arn", g.arn.as_deref())
            .i("storedBytes", g.stored_bytes)
            .s("kmsKeyId", g.kms_key_id.as_deref())
            .s(
                "dataProtectionStatus",
                g.data_protection_status.as_ref().map(|v| v.as_str()),
            )
            .list(
                "inheritedProperties",
                g.inherited_properties.as_ref(),
                |p| Value::String(p.as_str().to_owned()),
            )
            .s(
                "logGroupClass",
                g.log_group_class.as_ref().map(|v| v.as_str()),
            )
            .s("logGroupArn", g.log_group_arn.as_deref())
            .b("deletionProtectionEnabled", g.deletion_protection_enabled)
            .b(
                "bearerTokenAuthenticationEnabled",
                g.bearer_token_authentication_enabled,
            )
            .s("retentionPolicyName", g.retention_policy_name.as_deref())
            .build()
    }

    fn transformation(t: &MetricTransformation) -> Value {
        let dimensions = t.dimensions.as_ref().map(|d| {
            // HashMap order is random; sort for stable output (JSON objects are unordered).
            let mut pairs: Vec<_> = d.iter().collect();
            pairs.sort();
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<Map<_, _>>(),
            )
        });
        Obj::new()
            .s("metricName", Some(&t.metric_name))
            .s("metricNamespace", Some(&t.metric_namespace))
            .s("metricValue", Some(&t.metric_value))
            .f("defaultValue", t.default_value)
            .v("dimensions", dimensions)
            .s("unit", t.unit.as_ref().map(|v| v.as_str()))
            .build()
    }

    pub(crate) fn metric_filter(m: &MetricFilter) -> Value {
        Obj::new()
            .s("filterName", m.filter_name.as_deref())
            .s("filterPattern", m.filter_pattern.as_deref())
            .list(
                "metricTransformations",
                m.metric_transformations.as_ref(),
                transformation,
            )
            .i("creationTime", m.creation_time)
            .s("logGroupName", m.log_group_name.as_deref())
            // A plain bool in the SDK: absent and false cannot be told apart, so only `true`
            // (the case that changes what the filter sees) is printed.
            .b(
                "applyOnTransformedLogs",
                m.apply_on_transformed_logs.then_some(true),
            )
            .s(
                "fieldSelectionCriteria",
                m.field_selection_criteria.as_deref(),
            )
            .strs(
                "emitSystemFieldDimensions",
                m.emit_system_field_dimensions.as_ref(),
            )
            .build()
    }
}

pub(crate) mod cloudwatch {
    use super::Obj;
    use aws_sdk_cloudwatch::types::{
        CompositeAlarm, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat,
    };
    use serde_json::Value;

    fn dimension(d: &Dimension) -> Value {
        Obj::new()
            .s("Name", d.name.as_deref())
            .s("Value", d.value.as_deref())
            .build()
    }

    fn metric(m: &Metric) -> Value {
        Obj::new()
            .s("Namespace", m.namespace.as_deref())
            .s("MetricName", m.metric_name.as_deref())
            .list("Dimensions", m.dimensions.as_ref(), dimension)
            .build()
    }

    fn metric_stat(s: &MetricStat) -> Value {
        Obj::new()
            .v("Metric", s.metric.as_ref().map(metric))
            .i("Period", s.period.map(i64::from))
            .s("Stat", s.stat.as_deref())
            .s("Unit", s.unit.as_ref().map(|v| v.as_str()))
            .build()
    }

    fn query(q: &MetricDataQuery) -> Value {
        Obj::new()
            .s("Id", q.id.as_deref())
            .v("MetricStat", q.metric_stat.as_ref().map(metric_stat))
            .s("Expression", q.expression.as_deref())
            .s("Label", q.label.as_deref())
            .b("ReturnData", q.return_data)
            .i("Period", q.period.map(i64::from))
            .s("AccountId", q.account_id.as_deref())
            .build()
    }

    pub(crate) fn metric_alarm(a: &MetricAlarm) -> Value {
        Obj::new()
            .s("AlarmName", a.alarm_name.as_deref())
            .s("AlarmArn", a.alarm_arn.as_deref())
            .s("AlarmDescription", a.alarm_description.as_deref())
            .t(
                "AlarmConfigurationUpdatedTimestamp",
                a.alarm_configuration_updated_timestamp.as_ref(),
            )
            .b("ActionsEnabled", a.actions_enabled)
            .strs("OKActions", a.ok_actions.as_ref())
            .strs("AlarmActions", a.alarm_actions.as_ref())
            .strs(
                "InsufficientDataActions",
                a.insufficient_data_actions.as_ref(),
            )
            .s("StateValue", a.state_value.as_ref().map(|v| v.as_str()))
            .s("StateReason", a.state_reason.as_deref())
            .s("StateReasonData", a.state_reason_data.as_deref())
            .t("StateUpdatedTimestamp", a.state_updated_timestamp.as_ref())
            .s("MetricName", a.metric_name.as_deref())
            .s("Namespace", a.namespace.as_deref())
            .s("Statistic", a.statistic.as_ref().map(|v| v.as_str()))
            .s("ExtendedStatistic", a.extended_statistic.as_deref())
            .list("Dimensions", a.dimensions.as_ref(), dimension)
            .i("Period", a.period.map(i64::from))
            .s("Unit", a.unit.as_ref().map(|v| v.as_str()))
            .i("EvaluationPeriods", a.evaluation_periods.map(i64::from))
            .i("DatapointsToAlarm", a.datapoints_to_alarm.map(i64::from))
            .f("Threshold", a.threshold)
            .s(
                "ComparisonOperator",
                a.comparison_operator.as_ref().map(|v| v.as_str()),
            )
            .s("TreatMissingData", a.treat_missing_data.as_deref())
            .s(
                "EvaluateLowSampleCountPercentile",
                a.evaluate_low_sample_count_percentile.as_deref(),
            )
            .list("Metrics", a.metrics.as_ref(), query)
            .s("ThresholdMetricId", a.threshold_metric_id.as_deref())
            .s(
                "EvaluationState",
                a.evaluation_state.as_ref().map(|v| v.as_str()),
            )
            .t(
                "StateTransitionedTimestamp",
                a.state_transitioned_timestamp.as_ref(),
            )
            .i("EvaluationInterval", a.evaluation_interval.map(i64::from))
            .build()
    }

    pub(crate) fn composite_alarm(a: &CompositeAlarm) -> Value {
        Obj::new()
            .b("ActionsEnabled", a.actions_enabled)
            .strs("AlarmActions", a.alarm_actions.as_ref())
            .s("AlarmArn", a.alarm_arn.as_deref())
            .t(
                "AlarmConfigurationUpdatedTimestamp",
                a.alarm_configuration_updated_timestamp.as_ref(),
            )
            .s("AlarmDescription", a.alarm_description.as_deref())
            .s("AlarmName", a.alarm_name.as_deref())
            .s("AlarmRule", a.alarm_rule.as_deref())
            .strs(
                "InsufficientDataActions",
                a.insufficient_data_actions.as_ref(),
            )
            .strs("OKActions", a.ok_actions.as_ref())
            .s("StateReason", a.state_reason.as_deref())
            .s("StateReasonData", a.state_reason_data.as_deref())
            .t("StateUpdatedTimestamp", a.state_updated_timestamp.as_ref())
            .s("StateValue", a.state_value.as_ref().map(|v| v.as_str()))
            .t(
                "StateTransitionedTimestamp",
                a.state_transitioned_timestamp.as_ref(),
            )
            .s(
                "ActionsSuppressedBy",
                a.actions_suppressed_by.as_ref().map(|v| v.as_str()),
            )
            .s(
                "ActionsSuppressedReason",
                a.actions_suppressed_reason.as_deref(),
            )
            .s("ActionsSuppressor", a.actions_suppressor.as_deref())
            .i(
                "ActionsSuppressorWaitPeriod",
                a.actions_suppressor_wait_period.map(i64::from),
            )
            .i(
                "ActionsSuppressorExtensionPeriod",
                a.actions_suppressor_extension_period.map(i64::from),
            )
            .build()
    }
}

pub(crate) mod sns {
    use super::Obj;
    use aws_sdk_sns::types::Subscription;
    use serde_json::{Map, Value};
    use std::collections::HashMap;

    pub(crate) fn topic(arn: Option<&str>) -> Value {
        Obj::new().s("TopicArn", arn).build()
    }

    pub(crate) fn attributes(attrs: Option<&HashMap<String, String>>) -> Value {
        let mut pairs: Vec<_> = attrs.map(|a| a.iter().collect()).unwrap_or_default();
        pairs.sort();
        let map: Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        serde_json::json!({ "Attributes": map })
    }

    pub(crate) fn subscription(s: &Subscription) -> Value {
        Obj::new()
            .s("SubscriptionArn", s.subscription_arn.as_deref())
            .s("Owner", s.owner.as_deref())
            .s("Protocol", s.protocol.as_deref())
            .s("Endpoint", s.endpoint.as_deref())
            .s("TopicArn", s.topic_arn.as_deref())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_like_cli_v2() {
        assert_eq!(
            cli_timestamp(&DateTime::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20+00:00"
        );
        assert_eq!(
            cli_timestamp(&DateTime::from_secs_and_nanos(1_700_000_000, 123_456_789)),
            "2023-11-14T22:13:20.123456+00:00"
        );
    }

    #[test]
    fn absent_members_are_left_out_and_empty_lists_kept() {
        let v = Obj::new()
            .s("A", None)
            .s("B", Some("b"))
            .strs("C", Some(&Vec::new()))
            .build();
        assert_eq!(v, serde_json::json!({"B": "b", "C": []}));
    }
}
