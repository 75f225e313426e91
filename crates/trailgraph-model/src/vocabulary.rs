//! The property names nodes of the inventory carry, for telling a misspelt property in a query
//! (`trail_is_multiregion_trail`) from one that is merely absent on some nodes.
//!
//! [`PROPERTY_NAMES`] lists every top-level property the evidence builder writes for any kind,
//! whether or not a given node has it (absent values are not stored), and the synthetic ones the
//! search language computes (`age`, `last_update`, `last_access`). A test builds the demo and a
//! generated inventory and checks that every property they carry is listed here.

/// Every top-level property name a node of the inventory can carry, sorted.
pub const PROPERTY_NAMES: &[&str] = &[
    "account_alias",
    "account_caller_arn",
    "account_collected_with",
    "account_collection_errors",
    "account_email",
    "account_is_management",
    "account_organization_id",
    "account_ou_path",
    "account_status",
    "account_tags",
    "age",
    "alarm_topics_not_collected",
    "arn",
    "atime",
    "cloudwatch_actions_enabled",
    "cloudwatch_alarm_actions",
    "cloudwatch_alarm_description",
    "cloudwatch_comparison_operator",
    "cloudwatch_datapoints_to_alarm",
    "cloudwatch_dimensions",
    "cloudwatch_evaluation_periods",
    "cloudwatch_extended_statistic",
    "cloudwatch_insufficient_data_actions",
    "cloudwatch_metric_name",
    "cloudwatch_metrics",
    "cloudwatch_namespace",
    "cloudwatch_ok_actions",
    "cloudwatch_period",
    "cloudwatch_state_reason",
    "cloudwatch_state_updated_timestamp",
    "cloudwatch_state_value",
    "cloudwatch_statistic",
    "cloudwatch_threshold",
    "cloudwatch_threshold_metric_id",
    "cloudwatch_treat_missing_data",
    "cloudwatch_unit",
    "ctime",
    "filter_apply_on_transformed_logs",
    "filter_pattern",
    "filter_transformations",
    "group_class",
    "group_data_protection_status",
    "group_kms_key_id",
    "group_metric_filter_count",
    "group_retention_in_days",
    "group_stored_bytes",
    "id",
    "kind",
    "last_update",
    "log_group_name",
    "mtime",
    "name",
    "subscription_confirmed",
    "subscription_deleted",
    "subscription_endpoint",
    "subscription_owner",
    "subscription_pending_confirmation",
    "subscription_protocol",
    "subscription_topic_arn",
    "tags",
    "topic_attributes_collected",
    "topic_content_based_deduplication",
    "topic_delivery_policy",
    "topic_display_name",
    "topic_effective_delivery_policy",
    "topic_fifo_topic",
    "topic_kms_master_key_id",
    "topic_owner",
    "topic_policy",
    "topic_subscriptions_confirmed",
    "topic_subscriptions_deleted",
    "topic_subscriptions_pending",
    "trail_cloud_watch_logs_log_group_arn",
    "trail_cloud_watch_logs_role_arn",
    "trail_event_selectors",
    "trail_has_custom_event_selectors",
    "trail_has_insight_selectors",
    "trail_home_region",
    "trail_include_global_service_events",
    "trail_is_multi_region_trail",
    "trail_is_organization_trail",
    "trail_is_shadow",
    "trail_kms_key_id",
    "trail_log_file_validation_enabled",
    "trail_logs_all_management_events",
    "trail_owner_account_id",
    "trail_s3_bucket_name",
    "trail_s3_key_prefix",
    "trail_sns_topic_arn",
    "trail_sns_topic_name",
    "trail_status",
    "usage",
    "zone",
];

/// Whether `name` is a property some kind of the inventory can carry.
pub fn is_property_name(name: &str) -> bool {
    PROPERTY_NAMES.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    #[test]
    fn sorted_for_binary_search() {
        assert!(PROPERTY_NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_property_the_builder_writes_is_listed() {
        let demo = crate::demo_inventory();
        let generated = crate::generate::generate_inventory(3, 3);
        for inventory in [&demo, &generated] {
            for kind in Kind::ALL {
                for id in inventory.nodes_of_kind(kind) {
                    let Some(node) = inventory.node(*id) else {
                        continue;
                    };
                    for (key, _) in node.reported.iter() {
                        assert!(
                            is_property_name(key),
                            "{} property `{key}` is missing from PROPERTY_NAMES",
                            kind.as_str()
                        );
                    }
                }
            }
        }
    }
}
