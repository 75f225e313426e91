//! CloudTrail documents as the AWS CLI prints them: the keys the builder reads, with their
//! types. Other keys are allowed (AWS adds fields); a required key that is missing or of
//! another type makes the document invalid.

use serde::Deserialize;
use serde_json::Value as Json;

use super::shape::{items, optional_items};

/// `aws cloudtrail describe-trails --include-shadow-trails`.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribeTrails {
    /// `trailList`.
    pub trail_list: Vec<Trail>,
}

impl DescribeTrails {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(DescribeTrails {
            trail_list: items(doc, "trailList")?,
        })
    }
}

/// One trail of `trailList` (home listing or shadow).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trail {
    /// `Name`.
    pub name: String,
    /// `TrailARN`: its account field is the trail's home account.
    #[serde(rename = "TrailARN")]
    pub trail_arn: String,
    /// `HomeRegion`.
    pub home_region: String,
    /// `IsMultiRegionTrail`.
    pub is_multi_region_trail: bool,
    /// `IsOrganizationTrail` (absent means false).
    pub is_organization_trail: Option<bool>,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: Option<bool>,
    /// `LogFileValidationEnabled`.
    pub log_file_validation_enabled: Option<bool>,
    /// `CloudWatchLogsLogGroupArn`.
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `S3BucketName`.
    pub s3_bucket_name: Option<String>,
    /// `S3KeyPrefix`.
    pub s3_key_prefix: Option<String>,
    /// `SnsTopicARN`.
    #[serde(rename = "SnsTopicARN")]
    pub sns_topic_arn: Option<String>,
    /// `HasCustomEventSelectors`.
    pub has_custom_event_selectors: Option<bool>,
    /// `HasInsightSelectors`.
    pub has_insight_selectors: Option<bool>,
}

/// `aws cloudtrail get-trail-status --name <trail>`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
    /// `LatestDeliveryError`.
    pub latest_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryError`.
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
}

impl TrailStatus {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        super::shape::whole(doc)
    }
}

/// `aws cloudtrail get-event-selectors --trail-name <trail>`: classic or advanced selectors
/// (at least one of the two lists).
#[derive(Debug, Clone, PartialEq)]
pub struct EventSelectors {
    /// `TrailARN`.
    pub trail_arn: Option<String>,
    /// `EventSelectors`.
    pub event_selectors: Option<Vec<EventSelector>>,
    /// `AdvancedEventSelectors`.
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
}

impl EventSelectors {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        let trail_arn = super::shape::optional_string(doc, "TrailARN")?;
        let event_selectors = optional_items(doc, "EventSelectors")?;
        let advanced_event_selectors = optional_items(doc, "AdvancedEventSelectors")?;
        if event_selectors.is_none() && advanced_event_selectors.is_none() {
            return Err("neither `EventSelectors` nor `AdvancedEventSelectors` is present".into());
        }
        Ok(EventSelectors {
            trail_arn,
            event_selectors,
            advanced_event_selectors,
        })
    }
}

/// A classic event selector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSelector {
    /// `ReadWriteType`: `All`, `ReadOnly` or `WriteOnly`.
    pub read_write_type: String,
    /// `IncludeManagementEvents`.
    pub include_management_events: bool,
    /// `DataResources`.
    pub data_resources: Option<Vec<DataResource>>,
    /// `ExcludeManagementEventSources`.
    pub exclude_management_event_sources: Option<Vec<String>>,
}

/// A data resource of a classic selector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataResource {
    /// `Type`.
    #[serde(rename = "Type")]
    pub resource_type: Option<String>,
    /// `Values`.
    pub values: Option<Vec<String>>,
}

/// An advanced event selector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedEventSelector {
    /// `Name`.
    pub name: Option<String>,
    /// `FieldSelectors`.
    pub field_selectors: Vec<FieldSelector>,
}

/// A field selector of an advanced selector.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldSelector {
    /// `Field`.
    pub field: String,
    /// `Equals`.
    pub equals: Option<Vec<String>>,
    /// `StartsWith`.
    pub starts_with: Option<Vec<String>>,
    /// `EndsWith`.
    pub ends_with: Option<Vec<String>>,
    /// `NotEquals`.
    pub not_equals: Option<Vec<String>>,
    /// `NotStartsWith`.
    pub not_starts_with: Option<Vec<String>>,
    /// `NotEndsWith`.
    pub not_ends_with: Option<Vec<String>>,
}

/// `aws cloudtrail list-tags --resource-id-list <arn>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTags {
    /// `ResourceTagList`.
    pub resource_tag_list: Vec<ResourceTag>,
}

impl ListTags {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(ListTags {
            resource_tag_list: items(doc, "ResourceTagList")?,
        })
    }
}

/// The tags of one resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceTag {
    /// `ResourceId`.
    pub resource_id: Option<String>,
    /// `TagsList`.
    pub tags_list: Option<Vec<Tag>>,
}

/// One tag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: Option<String>,
}
