//! SNS documents as the AWS CLI prints them.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::shape::items;

/// `aws sns list-topics`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTopics {
    /// `Topics`.
    pub topics: Vec<Topic>,
}

impl ListTopics {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(ListTopics {
            topics: items(doc, "Topics")?,
        })
    }
}

/// One topic of `list-topics`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    /// `TopicArn`.
    pub topic_arn: String,
}

/// `aws sns get-topic-attributes --topic-arn <arn>`: SNS returns every attribute as a string
/// (numbers and booleans too, policies as JSON text).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicAttributes {
    /// `Attributes`.
    pub attributes: BTreeMap<String, String>,
}

impl TopicAttributes {
    /// Reads and checks the document; the subscription counts, when present, are whole numbers.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        let attributes: TopicAttributes = super::shape::whole(doc)?;
        for key in [
            "SubscriptionsConfirmed",
            "SubscriptionsPending",
            "SubscriptionsDeleted",
        ] {
            if let Some(text) = attributes.attributes.get(key)
                && text.parse::<u64>().is_err()
            {
                return Err(format!(
                    "`Attributes.{key}` is `{text}`, expected a whole number"
                ));
            }
        }
        Ok(attributes)
    }
}

/// `aws sns list-subscriptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSubscriptions {
    /// `Subscriptions`.
    pub subscriptions: Vec<Subscription>,
}

impl ListSubscriptions {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        Ok(ListSubscriptions {
            subscriptions: items(doc, "Subscriptions")?,
        })
    }
}

/// One subscription.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    /// `SubscriptionArn`: an ARN, or `PendingConfirmation` / `Deleted`.
    pub subscription_arn: String,
    /// `TopicArn`.
    pub topic_arn: String,
    /// `Protocol`.
    pub protocol: String,
    /// `Endpoint`.
    pub endpoint: Option<String>,
    /// `Owner`: the subscriber's account.
    pub owner: Option<String>,
}
