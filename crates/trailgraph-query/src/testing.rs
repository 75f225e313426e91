//! A generated inventory of any size, for benchmarks and scripts (feature `testing`).
//!
//! Per account: one account node and, in each region, a region node with a trail (the first
//! region's trail is multi-region), the trail's log group with fifteen CIS metric filters and
//! fifteen alarms, three application log groups with three filters and three alarms each, one
//! SNS topic and two subscriptions (one pending). About 57 nodes per account and region, so
//! 1,000 accounts × 17 regions is close to a million nodes. Edges: account → region → every
//! resource, trail → log group → filter → alarm → topic → subscription.

use trailgraph_model::{
    Ancestors, EdgeType, Inventory, Kind, ModelError, Node, NodeId, Object, SnapshotMeta, Value,
};

/// The seventeen regions enabled by default in a commercial account.
pub const REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];

const CIS: [(&str, &str); 15] = [
    (
        "UnauthorizedAPICalls",
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
    ),
    (
        "ConsoleSigninWithoutMFA",
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
    ),
    (
        "RootAccountUsage",
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    ),
    (
        "IAMPolicyChanges",
        r#"{ ($.eventName = DeleteGroupPolicy) || ($.eventName = PutGroupPolicy) }"#,
    ),
    (
        "CloudTrailChanges",
        r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#,
    ),
    (
        "ConsoleLoginFailures",
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    ),
    (
        "DisableOrDeleteCMK",
        r#"{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"#,
    ),
    (
        "S3BucketPolicyChanges",
        r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy)) }"#,
    ),
    (
        "AWSConfigChanges",
        r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel)) }"#,
    ),
    (
        "SecurityGroupChanges",
        r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
    ),
    (
        "NACLChanges",
        r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = DeleteNetworkAcl) }"#,
    ),
    (
        "NetworkGatewayChanges",
        r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = AttachInternetGateway) }"#,
    ),
    (
        "RouteTableChanges",
        r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = DeleteRoute) }"#,
    ),
    (
        "VPCChanges",
        r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) }"#,
    ),
    (
        "OrganizationsChanges",
        r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "CreateAccount")) }"#,
    ),
];

struct Builder {
    inventory: Inventory,
    cloud: NodeId,
}

impl Builder {
    fn add(
        &mut self,
        id: String,
        kind: Kind,
        name: &str,
        pairs: Vec<(&str, Value)>,
        account: Option<NodeId>,
        region: Option<NodeId>,
    ) -> Result<NodeId, ModelError> {
        let node = Node::new(&id, kind, name, name, Object::from_pairs(pairs));
        let index = self.inventory.add_node(node)?;
        let ancestors = Ancestors {
            cloud: Some(self.cloud),
            account: account.or(Some(index).filter(|_| kind == Kind::AwsAccount)),
            region: region.or(Some(index).filter(|_| kind == Kind::AwsRegion)),
        };
        self.inventory.set_ancestors(index, ancestors);
        Ok(index)
    }
}

/// Generates `accounts` accounts with the first `regions` of [`REGIONS`] (at most 17).
pub fn generate(accounts: usize, regions: usize) -> Result<Inventory, ModelError> {
    let regions = &REGIONS[..regions.min(REGIONS.len())];
    let per_account = 1 + regions.len() * 57;
    let mut inventory = Inventory::new(SnapshotMeta::now("generated"));
    inventory.reserve(1 + accounts * per_account, accounts * per_account * 2);
    let cloud = inventory.add_node(Node::new("aws", Kind::Cloud, "aws", "aws", Object::new()))?;
    let mut b = Builder { inventory, cloud };
    let ctime = || Value::from("2024-01-01T00:00:00Z");
    for a in 0..accounts {
        let account_id = format!("{:012}", 100_000_000_000u64 + a as u64);
        let account = b.add(
            account_id.clone(),
            Kind::AwsAccount,
            &format!("account-{a}"),
            vec![("ctime", ctime())],
            None,
            None,
        )?;
        b.inventory.add_edge(cloud, account, EdgeType::Default);
        for (r, region_name) in regions.iter().enumerate() {
            let region = b.add(
                format!("{account_id}/{region_name}"),
                Kind::AwsRegion,
                region_name,
                vec![("region_in_use", Value::from(true))],
                Some(account),
                None,
            )?;
            b.inventory.add_edge(account, region, EdgeType::Default);
            let arn = |service: &str, rest: &str| {
                format!("arn:aws:{service}:{region_name}:{account_id}:{rest}")
            };
            let resource = |b: &mut Builder,
                            id: String,
                            kind: Kind,
                            name: &str,
                            pairs: Vec<(&str, Value)>|
             -> Result<NodeId, ModelError> {
                let index = b.add(id, kind, name, pairs, Some(account), Some(region))?;
                b.inventory.add_edge(region, index, EdgeType::Default);
                Ok(index)
            };
            let topic_arn = arn("sns", "security-alerts");
            let topic = resource(
                &mut b,
                topic_arn.clone(),
                Kind::AwsSnsTopic,
                "security-alerts",
                vec![
                    ("arn", Value::from(topic_arn.as_str())),
                    ("topic_subscriptions_confirmed", Value::from(1i64)),
                    ("topic_subscriptions_pending", Value::from(1i64)),
                ],
            )?;
            for (s, pending) in [(0, false), (1, true)] {
                let sub_arn = format!("{topic_arn}:sub-{s}");
                let sub = resource(
                    &mut b,
                    sub_arn.clone(),
                    Kind::AwsSnsSubscription,
                    &sub_arn,
                    vec![
                        ("arn", Value::from(sub_arn.as_str())),
                        ("subscription_topic_arn", Value::from(topic_arn.as_str())),
                        ("subscription_protocol", Value::from("email")),
                        ("subscription_pending_confirmation", Value::from(pending)),
                    ],
                )?;
                b.inventory.add_edge(topic, sub, EdgeType::Default);
            }
            let trail_name = format!("trail-{r}");
            let trail_arn = arn("cloudtrail", &format!("trail/{trail_name}"));
            let group_arn = arn("logs", &format!("log-group:cloudtrail-{r}:*"));
            let trail = resource(
                &mut b,
                trail_arn.clone(),
                Kind::AwsCloudTrail,
                &trail_name,
                vec![
                    ("arn", Value::from(trail_arn.as_str())),
                    ("trail_is_multi_region_trail", Value::from(r == 0)),
                    ("trail_log_file_validation_enabled", Value::from(a % 5 != 0)),
                    (
                        "trail_cloud_watch_logs_log_group_arn",
                        Value::from(group_arn.as_str()),
                    ),
                    (
                        "trail_status",
                        Value::Object(Object::from_pairs([
                            ("is_logging", Value::from(a % 7 != 0)),
                            ("latest_delivery_time", Value::from("2024-05-31T00:00:00Z")),
                        ])),
                    ),
                    ("ctime", ctime()),
                ],
            )?;
            for g in 0..4 {
                let group_name = if g == 0 {
                    format!("cloudtrail-{r}")
                } else {
                    format!("app-{r}-{g}")
                };
                let group_arn = arn("logs", &format!("log-group:{group_name}:*"));
                let group = resource(
                    &mut b,
                    group_arn.clone(),
                    Kind::AwsCloudwatchLogGroup,
                    &group_name,
                    vec![
                        ("arn", Value::from(group_arn.as_str())),
                        (
                            "group_retention_in_days",
                            Value::from(if g == 0 { 365i64 } else { 30 }),
                        ),
                        ("ctime", ctime()),
                    ],
                )?;
                if g == 0 {
                    b.inventory.add_edge(trail, group, EdgeType::Default);
                }
                let filters: Vec<(String, &str)> = if g == 0 {
                    CIS.iter().map(|(m, p)| ((*m).to_owned(), *p)).collect()
                } else {
                    (0..3)
                        .map(|f| (format!("AppErrors{g}{f}"), "ERROR"))
                        .collect()
                };
                for (f, (metric, pattern)) in filters.iter().enumerate() {
                    let filter_name = format!("{group_name}-{metric}");
                    let filter = resource(
                        &mut b,
                        arn("logs", &format!("metric-filter:{filter_name}")),
                        Kind::AwsCloudwatchMetricFilter,
                        &filter_name,
                        vec![
                            ("log_group_name", Value::from(group_name.as_str())),
                            ("filter_pattern", Value::from(*pattern)),
                            (
                                "filter_transformations",
                                Value::Array(Box::new([Value::Object(Object::from_pairs([
                                    ("metric_name", Value::from(metric.as_str())),
                                    ("metric_namespace", Value::from("CISBenchmark")),
                                    ("metric_value", Value::from("1")),
                                ]))])),
                            ),
                        ],
                    )?;
                    b.inventory.add_edge(group, filter, EdgeType::Default);
                    let alarm_name = format!("{filter_name}-alarm");
                    let alarm_arn = arn("cloudwatch", &format!("alarm:{alarm_name}"));
                    // Every seventh alarm has its actions disabled.
                    let enabled = (a + r + f) % 7 != 0;
                    let alarm = resource(
                        &mut b,
                        alarm_arn.clone(),
                        Kind::AwsCloudwatchAlarm,
                        &alarm_name,
                        vec![
                            ("arn", Value::from(alarm_arn.as_str())),
                            ("cloudwatch_metric_name", Value::from(metric.as_str())),
                            ("cloudwatch_namespace", Value::from("CISBenchmark")),
                            ("cloudwatch_actions_enabled", Value::from(enabled)),
                            (
                                "cloudwatch_alarm_actions",
                                Value::Array(Box::new([Value::from(topic_arn.as_str())])),
                            ),
                        ],
                    )?;
                    b.inventory.add_edge(filter, alarm, EdgeType::Default);
                    b.inventory.add_edge(alarm, topic, EdgeType::Default);
                }
            }
        }
    }
    Ok(b.inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_chains() -> Result<(), ModelError> {
        let inventory = generate(2, 3)?;
        assert_eq!(inventory.node_count(), 1 + 2 * (1 + 3 * 57));
        assert_eq!(inventory.count_of_kind(Kind::AwsCloudTrail), 6);
        assert_eq!(
            inventory.count_of_kind(Kind::AwsCloudwatchMetricFilter),
            2 * 3 * 24
        );
        Ok(())
    }
}
