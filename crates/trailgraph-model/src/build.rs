//! Evidence → inventory: one node per resource, properties named as in Fix Inventory, and the
//! links between resources by exact identity.
//!
//! Linking is one pass after every node exists, so the order of the evidence never matters:
//! - cloud → account → region → each resource of that account and region;
//! - region → trail for every region that lists a trail (shadows of multi-region and
//!   organisation trails), so a trail appears once, under its home region;
//! - trail → log group by the trail's `CloudWatchLogsLogGroupArn` (account and region exact, the
//!   `:*` suffix normalised), never by name alone;
//! - log group → metric filter by (account, region, log group name);
//! - metric filter → alarm by (account, region, metric name, namespace), including metric-math
//!   alarms whose queries use that metric;
//! - alarm → SNS topic by the ARNs in `AlarmActions`, in any collected account and region;
//! - topic → subscription by topic ARN.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value as Json;

use crate::evidence::{AccountEvidence, Evidence, RegionEvidence};
use crate::inventory::{Ancestors, EdgeType, Inventory, Node, NodeId};
use crate::kind::Kind;
use crate::value::{Object, Value};

/// The node id of the single cloud node.
pub const CLOUD_ID: &str = "aws";

/// Whether `text` has the shape of an AWS account id: twelve ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Node id of an account.
pub fn account_node_id(account_id: &str) -> String {
    account_id.to_owned()
}

/// Node id of a region of an account.
pub fn region_node_id(account_id: &str, region: &str) -> String {
    format!("{account_id}/{region}")
}

/// Builds the linked inventory from evidence.
///
/// The evidence is validated first ([`crate::evidence::validated`]): a document that does not
/// have its shape, is one page of a longer list or belongs to another account is left out and
/// recorded in `meta.errors`, so it reads as "not collected", never as "no resources".
pub fn build_inventory(evidence: &Evidence) -> Inventory {
    let evidence = crate::evidence::validated(evidence);
    let evidence = evidence.as_ref();
    let mut builder = Builder {
        inventory: Inventory::new(evidence.meta.clone()),
        ..Builder::default()
    };
    builder.add_structure(evidence);
    for account in &evidence.accounts {
        for region in &account.regions {
            builder.add_region_resources(account, region);
        }
    }
    builder.add_trails(evidence);
    builder.link();
    let mut inventory = builder.inventory;
    fill_meta_scope(&mut inventory, evidence);
    // In the order a binary snapshot keeps (each account's nodes together), so that a snapshot
    // read back lists nodes in the order the collection did.
    inventory.into_part_order()
}

fn fill_meta_scope(inventory: &mut Inventory, evidence: &Evidence) {
    let meta = &mut inventory.meta;
    let accounts: BTreeSet<String> = evidence
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .chain(meta.accounts.iter().cloned())
        .collect();
    let regions: BTreeSet<String> = evidence
        .accounts
        .iter()
        .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
        .chain(meta.regions.iter().cloned())
        .collect();
    meta.accounts = accounts.into_iter().collect();
    meta.regions = regions.into_iter().collect();
    if meta.services.is_empty() {
        meta.services = ["cloudtrail", "logs", "cloudwatch", "sns", "sts"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    }
}

/// A trail as listed in one region, before deciding which listing becomes the node.
struct TrailListing<'a> {
    account: &'a AccountEvidence,
    region: &'a RegionEvidence,
    trail: &'a Json,
    arn: String,
}

#[derive(Default)]
struct Builder {
    inventory: Inventory,
    /// (account, region) → region node.
    regions: HashMap<(String, String), NodeId>,
    /// account id → account node.
    accounts: HashMap<String, NodeId>,
    /// (account, region, log group name) → log group node.
    log_groups: HashMap<(String, String, String), NodeId>,
    /// Metric filters with their (account, region, log group name).
    filters: Vec<(NodeId, String, String, String)>,
    /// (account, region, metric name, namespace) → alarms.
    alarms_by_metric: HashMap<(String, String, String, String), Vec<NodeId>>,
    /// Alarms and their action ARNs.
    alarms: Vec<(NodeId, Vec<String>)>,
    /// Subscriptions with the topic ARN.
    subscriptions: Vec<(NodeId, String)>,
    /// Trails and the log group ARN they deliver to.
    trail_log_groups: Vec<(NodeId, String)>,
    /// Every edge added so far (all are `default` edges): one hash look-up per edge keeps
    /// building linear where scanning a region's 80,000 edges per new edge was quadratic.
    edges: HashSet<(NodeId, NodeId)>,
}

impl Builder {
    /// Adds a `default` edge once.
    fn edge(&mut self, from: NodeId, to: NodeId) {
        if self.edges.insert((from, to)) {
            self.inventory
                .add_edge_unchecked(from, to, EdgeType::Default);
        }
    }

    fn add(&mut self, node: Node, ancestors: Ancestors) -> Option<NodeId> {
        // Ids come from ARNs, which are unique; a repeated id (the same resource listed twice)
        // keeps the first node.
        match self.inventory.add_node(node) {
            Ok(index) => {
                self.inventory.set_ancestors(index, ancestors);
                Some(index)
            }
            Err(_) => None,
        }
    }

    fn add_structure(&mut self, evidence: &Evidence) {
        let cloud_props = Object::new();
        let cloud = self.add(
            Node::new(CLOUD_ID, Kind::Cloud, "aws", "aws", cloud_props),
            Ancestors::default(),
        );
        for account in &evidence.accounts {
            let id = &account.account_id;
            let name = account
                .name
                .as_deref()
                .or(account.alias.as_deref())
                .unwrap_or(id);
            let mut props = vec![(
                "account_alias",
                Value::from(account.alias.clone().or_else(|| account.name.clone())),
            )];
            if let Some(identity) = &account.caller_identity {
                props.push(("account_caller_arn", str_field(identity, "Arn")));
            }
            props.push((
                "account_collected_with",
                Value::from(account.collected_with.clone()),
            ));
            if let Some(org) = &account.organization {
                props.push((
                    "account_organization_id",
                    Value::from(org.organization_id.as_str()),
                ));
                props.push((
                    "account_is_management",
                    Value::from(org.management_account_id == *id),
                ));
                props.push(("account_email", Value::from(org.email.clone())));
                props.push(("account_status", Value::from(org.status.as_str())));
                props.push(("account_ou_path", Value::from(org.ou_path.join("/"))));
                props.push((
                    "account_tags",
                    object(
                        org.tags
                            .iter()
                            .map(|(k, v)| (k.as_str(), Value::from(v.as_str()))),
                    ),
                ));
            }
            // Collection errors travel with the account so that check queries can tell
            // "not collected" from "not configured".
            let errors: Vec<Value> = evidence
                .meta
                .errors
                .iter()
                .filter(|e| &e.account == id)
                .map(|e| {
                    object([
                        ("service", Value::from(e.service.as_str())),
                        ("operation", Value::from(e.operation.as_str())),
                        ("region", Value::from(e.region.clone())),
                        ("resource", Value::from(e.resource.clone())),
                        ("code", Value::from(e.code.as_str())),
                        ("message", Value::from(e.message.as_str())),
                    ])
                })
                .collect();
            props.push(("account_collection_errors", Value::from(errors)));
            let node = Node::new(
                &account_node_id(id),
                Kind::AwsAccount,
                name,
                id,
                Object::from_pairs(props),
            );
            let Some(index) = self.add(
                node,
                Ancestors {
                    cloud,
                    ..Ancestors::default()
                },
            ) else {
                continue;
            };
            self.inventory.set_ancestors(
                index,
                Ancestors {
                    cloud,
                    account: Some(index),
                    region: None,
                },
            );
            if let Some(c) = cloud {
                self.edge(c, index);
            }
            self.accounts.insert(id.clone(), index);
            for region in &account.regions {
                let node = Node::new(
                    &region_node_id(id, &region.region),
                    Kind::AwsRegion,
                    &region.region,
                    &region.region,
                    Object::new(),
                );
                let Some(r) = self.add(node, Ancestors::default()) else {
                    continue;
                };
                self.inventory.set_ancestors(
                    r,
                    Ancestors {
                        cloud,
                        account: Some(index),
                        region: Some(r),
                    },
                );
                self.edge(index, r);
                self.regions.insert((id.clone(), region.region.clone()), r);
            }
        }
    }

    fn ancestors_of(&self, account: &str, region: &str) -> Option<(NodeId, Ancestors)> {
        let r = *self.regions.get(&(account.to_owned(), region.to_owned()))?;
        let ancestors = self.inventory.node(r)?.ancestors;
        Some((r, ancestors))
    }

    /// Adds a resource under its region: node, ancestors and the region → resource edge.
    fn add_regional(&mut self, account: &str, region: &str, node: Node) -> Option<NodeId> {
        let (r, ancestors) = self.ancestors_of(account, region)?;
        let index = self.add(node, ancestors)?;
        self.edge(r, index);
        Some(index)
    }

    fn add_region_resources(&mut self, account: &AccountEvidence, region: &RegionEvidence) {
        let acct = account.account_id.as_str();
        let reg = region.region.as_str();
        for group in list(region.log_groups.as_ref(), "logGroups") {
            let Some(name) = group.get("logGroupName").and_then(Json::as_str) else {
                continue;
            };
            let arn = group.get("arn").and_then(Json::as_str).map_or_else(
                || format!("arn:aws:logs:{reg}:{acct}:log-group:{name}:*"),
                str::to_owned,
            );
            let node = Node::new(
                normalise_log_group_arn(&arn),
                Kind::AwsCloudwatchLogGroup,
                name,
                name,
                Object::from_pairs([
                    ("arn", Value::from(arn.as_str())),
                    ("ctime", timestamp(group.get("creationTime"))),
                    (
                        "group_retention_in_days",
                        value(group.get("retentionInDays")),
                    ),
                    (
                        "group_metric_filter_count",
                        value(group.get("metricFilterCount")),
                    ),
                    ("group_stored_bytes", value(group.get("storedBytes"))),
                    ("group_kms_key_id", value(group.get("kmsKeyId"))),
                    (
                        "group_data_protection_status",
                        value(group.get("dataProtectionStatus")),
                    ),
                    ("group_class", value(group.get("logGroupClass"))),
                ]),
            );
            if let Some(index) = self.add_regional(acct, reg, node) {
                self.log_groups
                    .insert((acct.to_owned(), reg.to_owned(), name.to_owned()), index);
            }
        }
        for filter in list(region.metric_filters.as_ref(), "metricFilters") {
            let (Some(name), Some(group)) = (
                filter.get("filterName").and_then(Json::as_str),
                filter.get("logGroupName").and_then(Json::as_str),
            ) else {
                continue;
            };
            let transformations: Vec<Value> = list(Some(filter), "metricTransformations")
                .map(|t| {
                    object([
                        ("metric_name", value(t.get("metricName"))),
                        ("metric_namespace", value(t.get("metricNamespace"))),
                        ("metric_value", value(t.get("metricValue"))),
                        ("default_value", value(t.get("defaultValue"))),
                        ("dimensions", value(t.get("dimensions"))),
                        ("unit", value(t.get("unit"))),
                    ])
                })
                .collect();
            let id = format!("arn:aws:logs:{reg}:{acct}:log-group:{group}:metric-filter:{name}");
            let node = Node::new(
                &id,
                Kind::AwsCloudwatchMetricFilter,
                name,
                name,
                Object::from_pairs([
                    ("log_group_name", Value::from(group)),
                    ("filter_pattern", value(filter.get("filterPattern"))),
                    ("filter_transformations", Value::from(transformations)),
                    ("ctime", timestamp(filter.get("creationTime"))),
                    (
                        "filter_apply_on_transformed_logs",
                        value(filter.get("applyOnTransformedLogs")),
                    ),
                ]),
            );
            if let Some(index) = self.add_regional(acct, reg, node) {
                self.filters
                    .push((index, acct.to_owned(), reg.to_owned(), group.to_owned()));
            }
        }
        for alarm in list(region.alarms.as_ref(), "MetricAlarms") {
            self.add_alarm(acct, reg, alarm);
        }
        for topic in list(region.topics.as_ref(), "Topics") {
            let Some(arn) = topic.get("TopicArn").and_then(Json::as_str) else {
                continue;
            };
            let name = arn.rsplit(':').next().unwrap_or(arn);
            let attributes = region
                .topic_attributes
                .get(name)
                .and_then(|a| a.get("Attributes"));
            let attr = |key: &str| attributes.and_then(|a| a.get(key));
            let number = |key: &str| {
                attr(key)
                    .and_then(Json::as_str)
                    .and_then(|s| s.parse::<i64>().ok())
                    .map_or(Value::Null, Value::from)
            };
            let mut props = vec![
                ("arn", Value::from(arn)),
                ("topic_display_name", value(attr("DisplayName"))),
                ("topic_owner", value(attr("Owner"))),
                (
                    "topic_subscriptions_confirmed",
                    number("SubscriptionsConfirmed"),
                ),
                (
                    "topic_subscriptions_pending",
                    number("SubscriptionsPending"),
                ),
                (
                    "topic_subscriptions_deleted",
                    number("SubscriptionsDeleted"),
                ),
                ("topic_policy", json_text(attr("Policy"))),
                ("topic_delivery_policy", json_text(attr("DeliveryPolicy"))),
                (
                    "topic_effective_delivery_policy",
                    json_text(attr("EffectiveDeliveryPolicy")),
                ),
                ("topic_kms_master_key_id", value(attr("KmsMasterKeyId"))),
                ("topic_fifo_topic", bool_text(attr("FifoTopic"))),
                (
                    "topic_content_based_deduplication",
                    bool_text(attr("ContentBasedDeduplication")),
                ),
            ];
            props.push((
                "topic_attributes_collected",
                Value::from(attributes.is_some()),
            ));
            let node = Node::new(arn, Kind::AwsSnsTopic, name, arn, Object::from_pairs(props));
            self.add_regional(acct, reg, node);
        }
        for (position, sub) in list(region.subscriptions.as_ref(), "Subscriptions").enumerate() {
            let Some(topic_arn) = sub.get("TopicArn").and_then(Json::as_str) else {
                continue;
            };
            let arn = sub
                .get("SubscriptionArn")
                .and_then(Json::as_str)
                .unwrap_or("");
            let pending = arn == "PendingConfirmation";
            let deleted = arn == "Deleted";
            let confirmed = arn.starts_with("arn:");
            let endpoint = sub
                .get("Endpoint")
                .and_then(Json::as_str)
                .map(redact_endpoint);
            // Unconfirmed subscriptions have no ARN of their own.
            let id = if confirmed {
                arn.to_owned()
            } else {
                format!("{topic_arn}:{}:{position}", arn.to_ascii_lowercase())
            };
            let name = if confirmed {
                arn.rsplit(':').next().unwrap_or(arn).to_owned()
            } else {
                arn.to_owned()
            };
            let node = Node::new(
                &id,
                Kind::AwsSnsSubscription,
                &name,
                &id,
                Object::from_pairs([
                    (
                        "arn",
                        if confirmed {
                            Value::from(arn)
                        } else {
                            Value::Null
                        },
                    ),
                    ("subscription_topic_arn", Value::from(topic_arn)),
                    ("subscription_owner", value(sub.get("Owner"))),
                    ("subscription_protocol", value(sub.get("Protocol"))),
                    ("subscription_endpoint", Value::from(endpoint)),
                    ("subscription_pending_confirmation", Value::from(pending)),
                    ("subscription_deleted", Value::from(deleted)),
                    ("subscription_confirmed", Value::from(confirmed)),
                ]),
            );
            if let Some(index) = self.add_regional(acct, reg, node) {
                self.subscriptions.push((index, topic_arn.to_owned()));
            }
        }
    }

    fn add_alarm(&mut self, acct: &str, reg: &str, alarm: &Json) {
        let Some(name) = alarm.get("AlarmName").and_then(Json::as_str) else {
            return;
        };
        let arn = alarm.get("AlarmArn").and_then(Json::as_str).map_or_else(
            || format!("arn:aws:cloudwatch:{reg}:{acct}:alarm:{name}"),
            str::to_owned,
        );
        let actions: Vec<String> = list_values(alarm.get("AlarmActions"))
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        let metrics: Vec<Value> = list(Some(alarm), "Metrics")
            .map(|m| {
                let stat = m.get("MetricStat");
                let metric = stat.and_then(|s| s.get("Metric"));
                object([
                    ("id", value(m.get("Id"))),
                    ("expression", value(m.get("Expression"))),
                    ("label", value(m.get("Label"))),
                    ("return_data", value(m.get("ReturnData"))),
                    ("period", value(m.get("Period"))),
                    ("account_id", value(m.get("AccountId"))),
                    (
                        "metric_stat",
                        match stat {
                            None => Value::Null,
                            Some(s) => object([
                                (
                                    "metric",
                                    object([
                                        (
                                            "namespace",
                                            value(metric.and_then(|x| x.get("Namespace"))),
                                        ),
                                        (
                                            "metric_name",
                                            value(metric.and_then(|x| x.get("MetricName"))),
                                        ),
                                        (
                                            "dimensions",
                                            dimensions(metric.and_then(|x| x.get("Dimensions"))),
                                        ),
                                    ]),
                                ),
                                ("period", value(s.get("Period"))),
                                ("stat", value(s.get("Stat"))),
                                ("unit", value(s.get("Unit"))),
                            ]),
                        },
                    ),
                ])
            })
            .collect();
        let mut metric_keys: Vec<(String, String)> = Vec::new();
        if let (Some(m), Some(n)) = (
            alarm.get("MetricName").and_then(Json::as_str),
            alarm.get("Namespace").and_then(Json::as_str),
        ) {
            metric_keys.push((m.to_owned(), n.to_owned()));
        }
        for m in list(Some(alarm), "Metrics") {
            let metric = m.get("MetricStat").and_then(|s| s.get("Metric"));
            if let (Some(name), Some(ns)) = (
                metric
                    .and_then(|x| x.get("MetricName"))
                    .and_then(Json::as_str),
                metric
                    .and_then(|x| x.get("Namespace"))
                    .and_then(Json::as_str),
            ) {
                metric_keys.push((name.to_owned(), ns.to_owned()));
            }
        }
        let node = Node::new(
            &arn,
            Kind::AwsCloudwatchAlarm,
            name,
            name,
            Object::from_pairs([
                ("arn", Value::from(arn.as_str())),
                (
                    "mtime",
                    timestamp(alarm.get("AlarmConfigurationUpdatedTimestamp")),
                ),
                (
                    "cloudwatch_alarm_description",
                    value(alarm.get("AlarmDescription")),
                ),
                (
                    "cloudwatch_actions_enabled",
                    value(alarm.get("ActionsEnabled")),
                ),
                ("cloudwatch_ok_actions", value(alarm.get("OKActions"))),
                ("cloudwatch_alarm_actions", value(alarm.get("AlarmActions"))),
                (
                    "cloudwatch_insufficient_data_actions",
                    value(alarm.get("InsufficientDataActions")),
                ),
                ("cloudwatch_state_value", value(alarm.get("StateValue"))),
                ("cloudwatch_state_reason", value(alarm.get("StateReason"))),
                (
                    "cloudwatch_state_updated_timestamp",
                    timestamp(alarm.get("StateUpdatedTimestamp")),
                ),
                ("cloudwatch_metric_name", value(alarm.get("MetricName"))),
                ("cloudwatch_namespace", value(alarm.get("Namespace"))),
                ("cloudwatch_statistic", value(alarm.get("Statistic"))),
                (
                    "cloudwatch_extended_statistic",
                    value(alarm.get("ExtendedStatistic")),
                ),
                ("cloudwatch_dimensions", dimensions(alarm.get("Dimensions"))),
                ("cloudwatch_period", value(alarm.get("Period"))),
                ("cloudwatch_unit", value(alarm.get("Unit"))),
                (
                    "cloudwatch_evaluation_periods",
                    value(alarm.get("EvaluationPeriods")),
                ),
                (
                    "cloudwatch_datapoints_to_alarm",
                    value(alarm.get("DatapointsToAlarm")),
                ),
                ("cloudwatch_threshold", value(alarm.get("Threshold"))),
                (
                    "cloudwatch_comparison_operator",
                    value(alarm.get("ComparisonOperator")),
                ),
                (
                    "cloudwatch_treat_missing_data",
                    value(alarm.get("TreatMissingData")),
                ),
                (
                    "cloudwatch_metrics",
                    if metrics.is_empty() {
                        Value::Null
                    } else {
                        Value::from(metrics)
                    },
                ),
                (
                    "cloudwatch_threshold_metric_id",
                    value(alarm.get("ThresholdMetricId")),
                ),
            ]),
        );
        if let Some(index) = self.add_regional(acct, reg, node) {
            for (metric, namespace) in metric_keys {
                self.alarms_by_metric
                    .entry((acct.to_owned(), reg.to_owned(), metric, namespace))
                    .or_default()
                    .push(index);
            }
            self.alarms.push((index, actions));
        }
    }

    /// Adds one node per trail ARN. The home listing (the trail's own account and home region)
    /// becomes the node, with its status and event selectors; other listings become edges from
    /// their region. A trail seen only as a shadow (its home account or region was not collected)
    /// is kept as a node marked `trail_is_shadow`.
    fn add_trails(&mut self, evidence: &Evidence) {
        let mut listings: Vec<TrailListing<'_>> = Vec::new();
        for account in &evidence.accounts {
            for region in &account.regions {
                for trail in list(region.describe_trails.as_ref(), "trailList") {
                    if let Some(arn) = trail.get("TrailARN").and_then(Json::as_str) {
                        listings.push(TrailListing {
                            account,
                            region,
                            trail,
                            arn: arn.to_owned(),
                        });
                    }
                }
            }
        }
        let mut order: Vec<&str> = Vec::new();
        let mut by_arn: HashMap<&str, Vec<&TrailListing<'_>>> = HashMap::new();
        for listing in &listings {
            let entry = by_arn.entry(listing.arn.as_str()).or_default();
            if entry.is_empty() {
                order.push(listing.arn.as_str());
            }
            entry.push(listing);
        }
        for arn in order {
            let Some(all) = by_arn.get(arn) else { continue };
            let owner = arn_account(arn).unwrap_or_default();
            let home = |l: &&&TrailListing<'_>| {
                let home_region = l
                    .trail
                    .get("HomeRegion")
                    .and_then(Json::as_str)
                    .unwrap_or(&l.region.region);
                l.account.account_id == owner && l.region.region == home_region
            };
            let (chosen, shadow) = match all.iter().find(home) {
                Some(h) => (*h, false),
                None => match all.first() {
                    Some(first) => (*first, true),
                    None => continue,
                },
            };
            let node = trail_node(chosen, shadow);
            let acct = chosen.account.account_id.clone();
            let reg = chosen.region.region.clone();
            let Some(index) = self.add_regional(&acct, &reg, node) else {
                continue;
            };
            for other in all {
                if let Some(r) = self.regions.get(&(
                    other.account.account_id.clone(),
                    other.region.region.clone(),
                )) {
                    self.edge(*r, index);
                }
            }
            if let Some(group_arn) = chosen
                .trail
                .get("CloudWatchLogsLogGroupArn")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
            {
                self.trail_log_groups.push((index, group_arn.to_owned()));
            }
        }
    }

    fn link(&mut self) {
        for (trail, group_arn) in std::mem::take(&mut self.trail_log_groups) {
            if let Some(group) = self
                .inventory
                .find(normalise_log_group_arn(group_arn.as_str()))
            {
                self.edge(trail, group);
            }
        }
        for (filter, acct, reg, group) in std::mem::take(&mut self.filters) {
            if let Some(g) = self.log_groups.get(&(acct.clone(), reg.clone(), group)) {
                self.edge(*g, filter);
            }
            let keys: Vec<(String, String)> = self
                .inventory
                .node(filter)
                .and_then(|n| n.reported.get("filter_transformations"))
                .and_then(Value::as_array)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| {
                            Some((
                                t.get("metric_name")?.as_str()?.to_owned(),
                                t.get("metric_namespace")?.as_str()?.to_owned(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            for (metric, namespace) in keys {
                let key = (acct.clone(), reg.clone(), metric, namespace);
                for alarm in self.alarms_by_metric.get(&key).cloned().unwrap_or_default() {
                    self.edge(filter, alarm);
                }
            }
        }
        let collected: BTreeSet<(String, String)> = self.regions.keys().cloned().collect();
        for (alarm, actions) in std::mem::take(&mut self.alarms) {
            let mut outside = Vec::new();
            for action in actions
                .iter()
                .filter(|a| a.starts_with("arn:") && a.contains(":sns:"))
            {
                match self.inventory.find(action) {
                    Some(topic) => self.edge(alarm, topic),
                    None => {
                        let scope = arn_account(action).zip(arn_region(action));
                        let in_scope = scope.is_some_and(|(a, r)| {
                            collected.contains(&(a.to_owned(), r.to_owned()))
                        });
                        if !in_scope {
                            outside.push(Value::from(action.as_str()));
                        }
                    }
                }
            }
            if let Some(node) = self.inventory.node_mut(alarm) {
                node.reported.update(|reported| {
                    reported.insert("alarm_topics_not_collected", Value::from(outside));
                });
            }
        }
        for (subscription, topic_arn) in std::mem::take(&mut self.subscriptions) {
            if let Some(topic) = self.inventory.find(&topic_arn) {
                self.edge(topic, subscription);
            }
        }
    }
}

fn trail_node(listing: &TrailListing<'_>, shadow: bool) -> Node {
    let t = listing.trail;
    let name = t.get("Name").and_then(Json::as_str).unwrap_or("");
    let status = listing.region.trail_status.get(name).filter(|_| !shadow);
    let selectors = listing.region.event_selectors.get(name).filter(|_| !shadow);
    let tags = listing
        .region
        .trail_tags
        .get(name)
        .filter(|_| !shadow)
        .map(trail_tags);
    let status_value = status.map_or(Value::Null, |s| {
        let f = |key: &str| value(s.get(key));
        let ts = |key: &str| timestamp(s.get(key));
        object([
            ("is_logging", f("IsLogging")),
            ("latest_delivery_error", f("LatestDeliveryError")),
            ("latest_notification_error", f("LatestNotificationError")),
            ("latest_delivery_time", ts("LatestDeliveryTime")),
            ("latest_notification_time", ts("LatestNotificationTime")),
            ("start_logging_time", ts("StartLoggingTime")),
            ("stop_logging_time", ts("StopLoggingTime")),
            (
                "latest_cloud_watch_logs_delivery_error",
                f("LatestCloudWatchLogsDeliveryError"),
            ),
            (
                "latest_cloud_watch_logs_delivery_time",
                ts("LatestCloudWatchLogsDeliveryTime"),
            ),
            (
                "latest_digest_delivery_time",
                ts("LatestDigestDeliveryTime"),
            ),
            (
                "latest_digest_delivery_error",
                f("LatestDigestDeliveryError"),
            ),
        ])
    });
    let selectors_value = selectors.map_or(Value::Null, |s| {
        let classic: Vec<Value> = list(Some(s), "EventSelectors")
            .map(|e| {
                object([
                    ("read_write_type", value(e.get("ReadWriteType"))),
                    (
                        "include_management_events",
                        value(e.get("IncludeManagementEvents")),
                    ),
                    (
                        "data_resources",
                        Value::from(
                            list(Some(e), "DataResources")
                                .map(|d| {
                                    object([
                                        ("type", value(d.get("Type"))),
                                        ("values", value(d.get("Values"))),
                                    ])
                                })
                                .collect::<Vec<_>>(),
                        ),
                    ),
                    (
                        "exclude_management_event_sources",
                        value(e.get("ExcludeManagementEventSources")),
                    ),
                ])
            })
            .collect();
        let advanced: Vec<Value> = list(Some(s), "AdvancedEventSelectors")
            .map(|a| {
                object([
                    ("name", value(a.get("Name"))),
                    (
                        "field_selectors",
                        Value::from(
                            list(Some(a), "FieldSelectors")
                                .map(|f| {
                                    object([
                                        ("selector_field", value(f.get("Field"))),
                                        ("equals", value(f.get("Equals"))),
                                        ("starts_with", value(f.get("StartsWith"))),
                                        ("ends_with", value(f.get("EndsWith"))),
                                        ("not_equals", value(f.get("NotEquals"))),
                                        ("not_starts_with", value(f.get("NotStartsWith"))),
                                        ("not_ends_with", value(f.get("NotEndsWith"))),
                                    ])
                                })
                                .collect::<Vec<_>>(),
                        ),
                    ),
                ])
            })
            .collect();
        object([
            ("event_selectors", Value::from(classic)),
            ("advanced_event_selectors", Value::from(advanced)),
        ])
    });
    let all_management = selectors.map(logs_all_management_events);
    let arn = listing.arn.as_str();
    let f = |key: &str| value(t.get(key));
    let props = Object::from_pairs([
        ("arn", Value::from(arn)),
        ("tags", tags.unwrap_or(Value::Null)),
        (
            "ctime",
            status.map_or(Value::Null, |s| timestamp(s.get("StartLoggingTime"))),
        ),
        (
            "mtime",
            status.map_or(Value::Null, |s| timestamp(s.get("LatestDeliveryTime"))),
        ),
        ("trail_s3_bucket_name", f("S3BucketName")),
        ("trail_s3_key_prefix", f("S3KeyPrefix")),
        ("trail_sns_topic_name", f("SnsTopicName")),
        ("trail_sns_topic_arn", f("SnsTopicARN")),
        (
            "trail_include_global_service_events",
            f("IncludeGlobalServiceEvents"),
        ),
        ("trail_is_multi_region_trail", f("IsMultiRegionTrail")),
        ("trail_home_region", f("HomeRegion")),
        (
            "trail_log_file_validation_enabled",
            f("LogFileValidationEnabled"),
        ),
        (
            "trail_cloud_watch_logs_log_group_arn",
            f("CloudWatchLogsLogGroupArn"),
        ),
        (
            "trail_cloud_watch_logs_role_arn",
            f("CloudWatchLogsRoleArn"),
        ),
        ("trail_kms_key_id", f("KmsKeyId")),
        (
            "trail_has_custom_event_selectors",
            f("HasCustomEventSelectors"),
        ),
        ("trail_has_insight_selectors", f("HasInsightSelectors")),
        ("trail_is_organization_trail", f("IsOrganizationTrail")),
        ("trail_status", status_value),
        ("trail_event_selectors", selectors_value),
        (
            "trail_logs_all_management_events",
            Value::from(all_management),
        ),
        (
            "trail_owner_account_id",
            Value::from(arn_account(arn).map(str::to_owned)),
        ),
        ("trail_is_shadow", Value::from(shadow)),
    ]);
    Node::new(arn, Kind::AwsCloudTrail, name, name, props)
}

/// Whether `get-event-selectors` output records all management events, reads and writes: a
/// classic selector with `IncludeManagementEvents=true` and `ReadWriteType=All`, or an advanced
/// selector with a field selector `eventCategory` equal to `Management` and no `readOnly` field
/// selector.
pub fn logs_all_management_events(selectors: &Json) -> bool {
    let classic = list(Some(selectors), "EventSelectors").any(|e| {
        e.get("IncludeManagementEvents").and_then(Json::as_bool) == Some(true)
            && e.get("ReadWriteType").and_then(Json::as_str) == Some("All")
    });
    let advanced = list(Some(selectors), "AdvancedEventSelectors").any(|a| {
        let fields: Vec<&Json> = list(Some(a), "FieldSelectors").collect();
        let management = fields.iter().any(|f| {
            f.get("Field").and_then(Json::as_str) == Some("eventCategory")
                && list_values(f.get("Equals")).any(|v| v.as_str() == Some("Management"))
        });
        let read_only = fields
            .iter()
            .any(|f| f.get("Field").and_then(Json::as_str) == Some("readOnly"));
        management && !read_only
    });
    classic || advanced
}

/// Log group ARNs come with and without a trailing `:*`; node ids use the form without it.
pub fn normalise_log_group_arn(arn: &str) -> &str {
    arn.strip_suffix(":*").unwrap_or(arn)
}

/// The account field of an ARN (`arn:partition:service:region:account:...`).
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|s| !s.is_empty())
}

/// The region field of an ARN.
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|s| !s.is_empty())
}

/// Keeps the scheme and host of URL endpoints and hides path and query, which often carry
/// tokens (`https://hooks.example.com/services/T0/B0/secret` → `https://hooks.example.com/…`).
/// User name and password are dropped; the user information ends at the *last* `@`, because a
/// password written unencoded may hold `/ ? # @ :` (`https://u:p/a?s#s@host/x` →
/// `https://host/…`). A URL spelled without `//` (`https:u:p@host`) keeps only its scheme.
/// Other endpoints (e-mail addresses, ARNs, phone numbers) are kept as they are.
pub fn redact_endpoint(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return match endpoint.split_once(':') {
            Some((scheme, _))
                if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
            {
                format!("{scheme}:…")
            }
            _ => endpoint.to_owned(),
        };
    };
    let (after_userinfo, had_userinfo) = match rest.rfind('@') {
        Some(at) => (&rest[at + 1..], true),
        None => (rest, false),
    };
    let host_end = after_userinfo
        .find(['/', '?', '#'])
        .unwrap_or(after_userinfo.len());
    let host = &after_userinfo[..host_end];
    let remainder = &after_userinfo[host_end..];
    if remainder.is_empty() || remainder == "/" && !had_userinfo {
        format!("{scheme}://{host}{remainder}")
    } else {
        format!("{scheme}://{host}/…")
    }
}

fn trail_tags(list_tags: &Json) -> Value {
    let pairs: Vec<(String, Value)> = list(Some(list_tags), "ResourceTagList")
        .flat_map(|r| list(Some(r), "TagsList"))
        .filter_map(|t| Some((t.get("Key")?.as_str()?.to_owned(), value(t.get("Value")))))
        .collect();
    object(pairs)
}

/// An object value without its null members: an absent property reads as null anyway, and a
/// million nodes do not need to carry millions of nulls.
fn object<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
    Value::Object(Object::from_pairs(
        pairs.into_iter().filter(|(_, v)| !v.is_null()),
    ))
}

fn dimensions(v: Option<&Json>) -> Value {
    match v {
        Some(Json::Array(items)) => Value::from(
            items
                .iter()
                .map(|d| {
                    object([
                        ("name", value(d.get("Name"))),
                        ("value", value(d.get("Value"))),
                    ])
                })
                .collect::<Vec<_>>(),
        ),
        _ => Value::Null,
    }
}

/// The elements of `doc[key]` when it is an array; nothing otherwise.
fn list<'a>(doc: Option<&'a Json>, key: &str) -> impl Iterator<Item = &'a Json> + 'a {
    list_values(doc.and_then(|d| d.get(key)))
}

fn list_values(v: Option<&Json>) -> impl Iterator<Item = &Json> + '_ {
    v.and_then(Json::as_array).into_iter().flatten()
}

fn value(v: Option<&Json>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn str_field(doc: &Json, key: &str) -> Value {
    doc.get(key)
        .and_then(Json::as_str)
        .map_or(Value::Null, Value::from)
}

/// SNS returns booleans as the strings "true"/"false".
fn bool_text(v: Option<&Json>) -> Value {
    match v.and_then(Json::as_str) {
        Some("true") => Value::Bool(true),
        Some("false") => Value::Bool(false),
        _ => value(v),
    }
}

/// SNS returns policies as JSON text; parse them, keeping the text when it is not JSON.
fn json_text(v: Option<&Json>) -> Value {
    match v {
        Some(Json::String(s)) => serde_json::from_str::<Json>(s)
            .map_or_else(|_| Value::from(s.as_str()), |parsed| Value::from(&parsed)),
        other => value(other),
    }
}

/// Normalises a timestamp to RFC 3339 UTC (`2024-05-01T10:00:00Z`). Accepts what the AWS CLI
/// prints (ISO 8601 with offset) and epoch numbers (milliseconds when larger than 10^11,
/// seconds otherwise). Empty strings (moto's unset fields) become null.
pub fn timestamp(v: Option<&Json>) -> Value {
    match v {
        Some(Json::String(s)) if s.is_empty() => Value::Null,
        Some(Json::String(s)) => match s.parse::<jiff::Timestamp>() {
            Ok(t) => Value::from(format_timestamp(t)),
            Err(_) => Value::from(s.as_str()),
        },
        Some(Json::Number(n)) => {
            let Some(x) = n.as_f64() else {
                return Value::Null;
            };
            // Epoch values beyond 10^11 can only be milliseconds (year 5138 in seconds).
            let millis = if x.abs() > 1e11 { x } else { x * 1000.0 };
            #[allow(clippy::cast_possible_truncation)]
            match jiff::Timestamp::from_millisecond(millis as i64) {
                Ok(t) => Value::from(format_timestamp(t)),
                Err(_) => Value::Null,
            }
        }
        _ => Value::Null,
    }
}

/// RFC 3339 in UTC with whole seconds.
pub fn format_timestamp(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second)
        .unwrap_or(t)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_keeps_scheme_and_host() {
        assert_eq!(
            redact_endpoint("https://hooks.slack.com/services/T0/B0/XYZ?token=abc"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_endpoint("https://user:pw@example.com:8443/p"),
            "https://example.com:8443/…"
        );
        assert_eq!(
            redact_endpoint("https://example.com"),
            "https://example.com"
        );
        assert_eq!(redact_endpoint("ops@example.com"), "ops@example.com");
    }

    #[test]
    fn redaction_table_of_endpoint_forms() {
        let secret_free = |out: &str| {
            ["user", "pass", "p/w", "s3cr", "tok"]
                .iter()
                .all(|s| !out.contains(s))
        };
        let cases = [
            ("https://user:pass@example.com/p", "https://example.com/…"),
            ("http://user:pass@example.com", "http://example.com"),
            ("https://user:p/w@example.com/hook", "https://example.com/…"),
            (
                "https://user:pa?ss@example.com/hook",
                "https://example.com/…",
            ),
            ("https://user:pa#ss@example.com", "https://example.com"),
            (
                "https://user:p@ss:s3cr@example.com:8443/x",
                "https://example.com:8443/…",
            ),
            (
                "https://user:a/b?c#d@e:f@example.com/tok?tok=1",
                "https://example.com/…",
            ),
            ("https://user@example.com/", "https://example.com/…"),
            ("https://example.com/", "https://example.com/"),
            ("https://example.com?tok=1", "https://example.com/…"),
            ("https://example.com#tok", "https://example.com/…"),
            ("HTTPS://user:pass@EXAMPLE.com/tok", "HTTPS://EXAMPLE.com/…"),
            ("https:user:pass@example.com/tok", "https:…"),
            ("http:/user:pass@example.com", "http:…"),
            ("https://", "https://"),
            ("https://@", "https://"),
            ("ops@example.com", "ops@example.com"),
            ("+15555550100", "+15555550100"),
            (
                "arn:aws:sqs:us-east-1:111122223333:queue",
                "arn:aws:sqs:us-east-1:111122223333:queue",
            ),
            (
                "arn:aws:lambda:us-east-1:111122223333:function:f",
                "arn:aws:lambda:us-east-1:111122223333:function:f",
            ),
            (
                "arn:aws:sns:us-east-1:111122223333:endpoint/GCM/app/0f1e",
                "arn:aws:sns:us-east-1:111122223333:endpoint/GCM/app/0f1e",
            ),
            ("", ""),
        ];
        for (input, expected) in cases {
            let out = redact_endpoint(input);
            assert_eq!(out, expected, "{input}");
            if input.contains("://") || input.starts_with("http") {
                assert!(secret_free(&out), "{input} → {out}");
            }
        }
    }

    #[test]
    fn management_events_classic_and_advanced() {
        let classic =
            json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]});
        assert!(logs_all_management_events(&classic));
        let writes = json!({"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true}]});
        assert!(!logs_all_management_events(&writes));
        let advanced = json!({"AdvancedEventSelectors": [{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]}]}]});
        assert!(logs_all_management_events(&advanced));
        let read_only = json!({"AdvancedEventSelectors": [{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]}]}]});
        assert!(!logs_all_management_events(&read_only));
        let data_only = json!({"AdvancedEventSelectors": [{"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]}]}], "EventSelectors": []});
        assert!(!logs_all_management_events(&data_only));
    }

    #[test]
    fn timestamps_normalise() {
        assert_eq!(
            timestamp(Some(&json!("2024-05-01T10:00:00.123000+02:00"))),
            Value::from("2024-05-01T08:00:00Z")
        );
        assert_eq!(
            timestamp(Some(&json!(1714557600000i64))),
            Value::from("2024-05-01T10:00:00Z")
        );
        assert_eq!(
            timestamp(Some(&json!(1714557600))),
            Value::from("2024-05-01T10:00:00Z")
        );
        assert_eq!(timestamp(Some(&json!(""))), Value::Null);
    }

    fn region(name: &str) -> RegionEvidence {
        RegionEvidence {
            region: name.to_owned(),
            ..RegionEvidence::default()
        }
    }

    /// Same-named log groups in two regions; a multi-region trail whose log group is in
    /// us-east-1; filters, alarm and topic wired; a shadow listing in eu-west-1.
    fn two_region_evidence() -> Evidence {
        let acct = "111122223333";
        let trail_arn = format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/main");
        let trail = json!({"Name": "main", "TrailARN": trail_arn, "HomeRegion": "us-east-1",
            "IsMultiRegionTrail": true,
            "CloudWatchLogsLogGroupArn": format!("arn:aws:logs:us-east-1:{acct}:log-group:ct:*")});
        let mut use1 = region("us-east-1");
        use1.describe_trails = Some(json!({"trailList": [trail.clone()]}));
        use1.trail_status
            .insert("main".into(), json!({"IsLogging": true}));
        use1.event_selectors.insert(
            "main".into(),
            json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        );
        use1.log_groups = Some(json!({"logGroups": [{"logGroupName": "ct",
            "arn": format!("arn:aws:logs:us-east-1:{acct}:log-group:ct:*"), "creationTime": 1714557600000i64}]}));
        use1.metric_filters = Some(
            json!({"metricFilters": [{"filterName": "vpc", "logGroupName": "ct",
            "filterPattern": "{ $.eventName = CreateVpc }",
            "metricTransformations": [{"metricName": "VpcChanges", "metricNamespace": "CIS", "metricValue": "1"}]}]}),
        );
        use1.alarms = Some(json!({"MetricAlarms": [
            {"AlarmName": "vpc", "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:vpc"),
             "MetricName": "VpcChanges", "Namespace": "CIS", "ActionsEnabled": true,
             "AlarmActions": [format!("arn:aws:sns:eu-west-1:{acct}:alerts"), "arn:aws:sns:us-east-1:999988887777:far"]},
            {"AlarmName": "other-ns", "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:other-ns"),
             "MetricName": "VpcChanges", "Namespace": "Other", "ActionsEnabled": true, "AlarmActions": []},
            {"AlarmName": "math", "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:math"),
             "ActionsEnabled": true, "AlarmActions": [],
             "Metrics": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": "CIS", "MetricName": "VpcChanges"}, "Period": 300, "Stat": "Sum"}},
                         {"Id": "e1", "Expression": "m1 * 2"}]}
        ], "CompositeAlarms": []}));
        let mut euw1 = region("eu-west-1");
        euw1.describe_trails = Some(json!({"trailList": [trail]}));
        euw1.log_groups = Some(json!({"logGroups": [{"logGroupName": "ct",
            "arn": format!("arn:aws:logs:eu-west-1:{acct}:log-group:ct:*")}]}));
        euw1.topics =
            Some(json!({"Topics": [{"TopicArn": format!("arn:aws:sns:eu-west-1:{acct}:alerts")}]}));
        euw1.subscriptions = Some(json!({"Subscriptions": [
            {"SubscriptionArn": format!("arn:aws:sns:eu-west-1:{acct}:alerts:1"), "TopicArn": format!("arn:aws:sns:eu-west-1:{acct}:alerts"),
             "Protocol": "https", "Endpoint": "https://hooks.example.com/T/secret", "Owner": acct},
            {"SubscriptionArn": "PendingConfirmation", "TopicArn": format!("arn:aws:sns:eu-west-1:{acct}:alerts"),
             "Protocol": "email", "Endpoint": "ops@example.com", "Owner": acct}]}));
        Evidence {
            meta: crate::SnapshotMeta::now("fixture"),
            accounts: vec![AccountEvidence {
                account_id: acct.to_owned(),
                name: Some("prod".to_owned()),
                caller_identity: None,
                regions: vec![use1, euw1],
                ..AccountEvidence::default()
            }],
        }
    }

    fn successors_named(inv: &Inventory, id: &str, kind: Kind) -> Vec<String> {
        let Some(index) = inv.find(id) else {
            return Vec::new();
        };
        let mut names: Vec<String> = inv
            .successors(index)
            .filter_map(|i| inv.node(i))
            .filter(|n| n.kind == kind)
            .map(|n| n.id.to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn links_by_exact_identity() {
        let inv = build_inventory(&two_region_evidence());
        let acct = "111122223333";
        let trail = format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/main");
        assert_eq!(
            inv.count_of_kind(Kind::AwsCloudTrail),
            1,
            "one node per trail ARN"
        );
        // Both regions list the trail; it belongs to us-east-1.
        assert_eq!(
            successors_named(
                &inv,
                &region_node_id(acct, "eu-west-1"),
                Kind::AwsCloudTrail
            ),
            vec![trail.clone()]
        );
        let t = inv.find(&trail).unwrap();
        let region = inv.ancestor(t, crate::AncestorKind::Region).unwrap();
        assert_eq!(region.name(), "us-east-1");
        assert_eq!(
            successors_named(&inv, &trail, Kind::AwsCloudwatchLogGroup),
            vec![format!("arn:aws:logs:us-east-1:{acct}:log-group:ct")],
            "the log group of the same name in eu-west-1 is not linked"
        );
        let filter = format!("arn:aws:logs:us-east-1:{acct}:log-group:ct:metric-filter:vpc");
        assert_eq!(
            successors_named(
                &inv,
                &format!("arn:aws:logs:us-east-1:{acct}:log-group:ct"),
                Kind::AwsCloudwatchMetricFilter
            ),
            vec![filter.clone()]
        );
        assert_eq!(
            successors_named(&inv, &filter, Kind::AwsCloudwatchAlarm),
            vec![
                format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:math"),
                format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:vpc"),
            ],
            "namespace must match; metric-math alarms count"
        );
        let alarm = format!("arn:aws:cloudwatch:us-east-1:{acct}:alarm:vpc");
        assert_eq!(
            successors_named(&inv, &alarm, Kind::AwsSnsTopic),
            vec![format!("arn:aws:sns:eu-west-1:{acct}:alerts")],
            "a topic in another region is linked"
        );
        let a = inv.node(inv.find(&alarm).unwrap()).unwrap();
        assert_eq!(
            a.property("alarm_topics_not_collected").unwrap().to_json(),
            json!(["arn:aws:sns:us-east-1:999988887777:far"])
        );
        let topic = format!("arn:aws:sns:eu-west-1:{acct}:alerts");
        assert_eq!(
            successors_named(&inv, &topic, Kind::AwsSnsSubscription).len(),
            2
        );
        let trail_node = inv.node(t).unwrap();
        assert_eq!(
            trail_node.property("trail_logs_all_management_events"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            trail_node.property("trail_status.is_logging"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            trail_node.property("trail_is_shadow"),
            Some(&Value::Bool(false))
        );
        let subs: Vec<String> = inv
            .nodes_of_kind(Kind::AwsSnsSubscription)
            .iter()
            .filter_map(|i| inv.node(*i))
            .filter_map(|n| n.str_property("subscription_endpoint").map(str::to_owned))
            .collect();
        assert!(subs.contains(&"https://hooks.example.com/…".to_owned()));
        assert!(!subs.iter().any(|s| s.contains("secret")));
    }

    #[test]
    fn fixture_demo_and_generated_evidence_are_valid() {
        assert_eq!(crate::evidence::validate(&two_region_evidence()), []);
        assert_eq!(crate::evidence::validate(&crate::demo::demo_evidence()), []);
        assert_eq!(
            crate::evidence::validate(&crate::generate::generate_evidence(3, 17)),
            []
        );
    }

    #[test]
    fn a_damaged_document_is_left_out_and_recorded_on_the_account() {
        let mut evidence = two_region_evidence();
        evidence.accounts[0].regions[0].log_groups = Some(json!({"LogGroups": []}));
        let inv = build_inventory(&evidence);
        assert_eq!(inv.meta.errors.len(), 1);
        let e = &inv.meta.errors[0];
        assert_eq!(
            (e.service.as_str(), e.operation.as_str(), e.code.as_str()),
            ("logs", "DescribeLogGroups", "InvalidEvidence")
        );
        assert!(
            e.message.starts_with(
                "111122223333/us-east-1/logs-describe-log-groups.json: missing `logGroups`"
            ),
            "{}",
            e.message
        );
        let account = inv.node(inv.find("111122223333").unwrap()).unwrap();
        let errors = account.property("account_collection_errors").unwrap();
        assert_eq!(errors.as_array().map(<[Value]>::len), Some(1));
        // The trail's log group in us-east-1 is not linked: that list was not read.
        assert_eq!(
            successors_named(
                &inv,
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
                Kind::AwsCloudwatchLogGroup
            ),
            Vec::<String>::new()
        );
        // Validated evidence validates to itself.
        let once = crate::evidence::validated(&evidence).into_owned();
        assert_eq!(crate::evidence::validated(&once).as_ref(), &once);
    }

    #[test]
    fn order_of_evidence_does_not_matter() {
        let evidence = two_region_evidence();
        let mut reversed = evidence.clone();
        for account in &mut reversed.accounts {
            account.regions.reverse();
        }
        let a = build_inventory(&evidence);
        let b = build_inventory(&reversed);
        let edges = |inv: &Inventory| {
            let mut e: Vec<(String, String)> = inv
                .edges()
                .filter_map(|(f, t, _)| {
                    Some((inv.node(f)?.id.to_string(), inv.node(t)?.id.to_string()))
                })
                .collect();
            e.sort();
            e
        };
        assert_eq!(edges(&a), edges(&b));
        assert_eq!(a.node_count(), b.node_count());
    }

    #[test]
    fn shadow_without_home_is_marked() {
        let member = "444455556666";
        let org_trail = json!({"Name": "org", "TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org",
            "HomeRegion": "us-east-1", "IsMultiRegionTrail": true, "IsOrganizationTrail": true});
        let mut r = region("us-east-1");
        r.describe_trails = Some(json!({"trailList": [org_trail]}));
        let evidence = Evidence {
            meta: crate::SnapshotMeta::now("fixture"),
            accounts: vec![AccountEvidence {
                account_id: member.to_owned(),
                name: None,
                caller_identity: None,
                regions: vec![r],
                ..AccountEvidence::default()
            }],
        };
        let inv = build_inventory(&evidence);
        let t = inv
            .find("arn:aws:cloudtrail:us-east-1:111122223333:trail/org")
            .unwrap();
        let node = inv.node(t).unwrap();
        assert_eq!(node.property("trail_is_shadow"), Some(&Value::Bool(true)));
        assert_eq!(node.property("trail_status"), None);
        assert_eq!(
            node.str_property("trail_owner_account_id"),
            Some("111122223333")
        );
    }
}
