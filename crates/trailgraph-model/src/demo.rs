//! The demo inventory: a small organisation with realistic monitoring gaps.
//!
//! Three accounts (documented in `docs/demo.md`):
//! - `111111111111` **acme-management** — the organisation's management account. Its
//!   organisation trail `org-trail` (multi-region, logging, all management events, KMS, log file
//!   validation) delivers to `/aws/cloudtrail/org-trail` in us-east-1, where all fifteen CIS
//!   metric filters feed alarms that notify the `security-alerts` topic, which has a confirmed
//!   e-mail subscription and a confirmed HTTPS webhook. The complete chain.
//! - `222222222222` **acme-prod** — a member account. It sees `org-trail` as a shadow trail in
//!   each of its regions, so it is monitored through the management account's chain. Its own
//!   application trail `prod-app-trail` is single-region, without log file validation or KMS.
//! - `333333333333` **acme-sandbox** — a standalone account outside the organisation trail. Its
//!   multi-region trail `sandbox-trail` delivers to `/aws/cloudtrail/sandbox` in us-west-2 with
//!   deliberate breaks: a reordered but equivalent VPC filter (passes), an IAM filter without an
//!   alarm, a security-group alarm in the wrong namespace, a CloudTrail-changes alarm whose topic
//!   has no subscriber, a NACL alarm whose only subscription is pending, a route-table filter that
//!   misses `DeleteRoute`, a network-gateway alarm with actions disabled. A log group with the
//!   same name in eu-west-1 holds a complete root-usage chain that must not count. An old trail
//!   `sandbox-legacy` is multi-region but stopped.

use serde_json::{Value as Json, json};

use crate::evidence::{AccountEvidence, Evidence, RegionEvidence};
use crate::inventory::Inventory;
use crate::meta::SnapshotMeta;

/// The time the demo data was "collected".
pub const DEMO_COLLECTED_AT: &str = "2026-11-20T09:00:00Z";

/// The CIS monitoring patterns as the demo's management account configures them:
/// (metric name, filter pattern).
pub const DEMO_FILTERS: &[(&str, &str)] = &[
    (
        "UnauthorizedAPICalls",
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#,
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
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
    ),
    (
        "CloudTrailConfigChanges",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    (
        "ConsoleAuthenticationFailures",
        r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
    ),
    (
        "DisableOrDeleteCMK",
        "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    ),
    (
        "S3BucketPolicyChanges",
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    ),
    (
        "AWSConfigChanges",
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
    ),
    (
        "SecurityGroupChanges",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
    ),
    (
        "NACLChanges",
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    ),
    (
        "NetworkGatewayChanges",
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    ),
    (
        "RouteTableChanges",
        "{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    ),
    (
        "VPCChanges",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    ),
    (
        "OrganizationsChanges",
        r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
    ),
];

const MGMT: &str = "111111111111";
const PROD: &str = "222222222222";
const SANDBOX: &str = "333333333333";
const ORG_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail";

/// The demo inventory, built through the same evidence path as a real collection.
pub fn demo_inventory() -> Inventory {
    crate::build::build_inventory(&demo_evidence())
}

/// The demo as AWS CLI evidence.
pub fn demo_evidence() -> Evidence {
    let collected_at = DEMO_COLLECTED_AT
        .parse()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    Evidence {
        meta: SnapshotMeta {
            collected_at,
            source: "demo".to_owned(),
            ..SnapshotMeta::default()
        },
        accounts: vec![management(), prod(), sandbox()],
    }
}

fn region(name: &str) -> RegionEvidence {
    RegionEvidence::empty(name)
}

fn push(doc: &mut Option<Json>, key: &str, item: Json) {
    if let Some(Json::Array(items)) = doc.as_mut().and_then(|d| d.get_mut(key)) {
        items.push(item);
    }
}

fn org_trail_listing() -> Json {
    json!({
        "Name": "org-trail", "S3BucketName": "acme-org-cloudtrail-logs",
        "IncludeGlobalServiceEvents": true, "IsMultiRegionTrail": true, "HomeRegion": "us-east-1",
        "TrailARN": ORG_TRAIL, "LogFileValidationEnabled": true,
        "CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:/aws/cloudtrail/org-trail:*",
        "CloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/CloudTrailToCloudWatch",
        "KmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/6f1c2d3e-0000-4000-8000-00000000a001",
        "HasCustomEventSelectors": true, "HasInsightSelectors": false, "IsOrganizationTrail": true
    })
}

fn logging_status(started: &str) -> Json {
    json!({
        "IsLogging": true,
        "LatestDeliveryTime": "2026-11-20T08:55:12+00:00",
        "StartLoggingTime": started,
        "LatestCloudWatchLogsDeliveryTime": "2026-11-20T08:56:40+00:00",
        "LatestDigestDeliveryTime": "2026-11-20T08:10:03+00:00"
    })
}

fn all_management_selectors() -> Json {
    json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true,
        "DataResources": [], "ExcludeManagementEventSources": []}]})
}

fn log_group(account: &str, region: &str, name: &str, created_ms: i64) -> Json {
    json!({"logGroupName": name, "creationTime": created_ms, "retentionInDays": 365,
        "metricFilterCount": 0, "storedBytes": 1_048_576,
        "arn": format!("arn:aws:logs:{region}:{account}:log-group:{name}:*"),
        "logGroupArn": format!("arn:aws:logs:{region}:{account}:log-group:{name}")})
}

fn metric_filter(group: &str, name: &str, pattern: &str, metric: &str, namespace: &str) -> Json {
    json!({"filterName": name, "filterPattern": pattern, "logGroupName": group,
        "creationTime": 1_735_689_600_000i64,
        "metricTransformations": [{"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}]})
}

fn alarm(
    account: &str,
    region: &str,
    name: &str,
    metric: &str,
    namespace: &str,
    actions: &[String],
    enabled: bool,
) -> Json {
    json!({"AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),
        "AlarmDescription": format!("CIS monitoring: {metric}"),
        "AlarmConfigurationUpdatedTimestamp": "2026-01-05T10:00:00+00:00",
        "ActionsEnabled": enabled, "OKActions": [], "AlarmActions": actions,
        "InsufficientDataActions": [], "StateValue": "OK",
        "StateReason": "Threshold Crossed: no datapoints were received for 1 period",
        "StateUpdatedTimestamp": "2026-11-19T23:00:00+00:00",
        "MetricName": metric, "Namespace": namespace, "Statistic": "Sum", "Dimensions": [],
        "Period": 300, "EvaluationPeriods": 1, "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"})
}

fn topic(account: &str, region: &str, name: &str) -> (String, Json) {
    let arn = format!("arn:aws:sns:{region}:{account}:{name}");
    (arn.clone(), json!({"TopicArn": arn}))
}

fn topic_attributes(arn: &str, account: &str, confirmed: u32, pending: u32) -> Json {
    json!({"Attributes": {"TopicArn": arn, "Owner": account, "DisplayName": "",
        "SubscriptionsConfirmed": confirmed.to_string(), "SubscriptionsPending": pending.to_string(),
        "SubscriptionsDeleted": "0",
        "Policy": format!("{{\"Version\":\"2008-10-17\",\"Statement\":[{{\"Sid\":\"AllowCloudWatchAlarms\",\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"cloudwatch.amazonaws.com\"}},\"Action\":\"SNS:Publish\",\"Resource\":\"{arn}\"}}]}}"),
        "EffectiveDeliveryPolicy": "{\"http\":{\"defaultHealthyRetryPolicy\":{\"numRetries\":3}}}"}})
}

fn subscription(
    topic_arn: &str,
    account: &str,
    id: Option<&str>,
    protocol: &str,
    endpoint: &str,
) -> Json {
    let arn = id.map_or_else(
        || "PendingConfirmation".to_owned(),
        |id| format!("{topic_arn}:{id}"),
    );
    json!({"SubscriptionArn": arn, "Owner": account, "Protocol": protocol,
        "Endpoint": endpoint, "TopicArn": topic_arn})
}

fn management() -> AccountEvidence {
    let mut use1 = region("us-east-1");
    push(&mut use1.describe_trails, "trailList", org_trail_listing());
    use1.trail_status.insert(
        "org-trail".into(),
        logging_status("2025-03-01T12:00:00+00:00"),
    );
    use1.event_selectors
        .insert("org-trail".into(), all_management_selectors());
    use1.trail_tags.insert(
        "org-trail".into(),
        json!({"ResourceTagList": [{"ResourceId": ORG_TRAIL, "TagsList": [
            {"Key": "owner", "Value": "security"}, {"Key": "cost-center", "Value": "sec-001"}]}]}),
    );
    let group = "/aws/cloudtrail/org-trail";
    push(
        &mut use1.log_groups,
        "logGroups",
        log_group(MGMT, "us-east-1", group, 1_740_830_400_000),
    );
    let (topic_arn, topic_doc) = topic(MGMT, "us-east-1", "security-alerts");
    push(&mut use1.topics, "Topics", topic_doc);
    use1.topic_attributes.insert(
        "security-alerts".into(),
        topic_attributes(&topic_arn, MGMT, 2, 0),
    );
    push(
        &mut use1.subscriptions,
        "Subscriptions",
        subscription(
            &topic_arn,
            MGMT,
            Some("4f0e7c1a-1111-4a2b-9c3d-000000000001"),
            "email",
            "secops@acme.example",
        ),
    );
    push(
        &mut use1.subscriptions,
        "Subscriptions",
        subscription(
            &topic_arn,
            MGMT,
            Some("4f0e7c1a-1111-4a2b-9c3d-000000000002"),
            "https",
            "https://hooks.chat.acme.example/services/T024BE7LD/B04M5U0QX/q9bLx2Token",
        ),
    );
    for (metric, pattern) in DEMO_FILTERS {
        push(
            &mut use1.metric_filters,
            "metricFilters",
            metric_filter(group, metric, pattern, metric, "CISBenchmark"),
        );
        push(
            &mut use1.alarms,
            "MetricAlarms",
            alarm(
                MGMT,
                "us-east-1",
                &format!("{metric}Alarm"),
                metric,
                "CISBenchmark",
                std::slice::from_ref(&topic_arn),
                true,
            ),
        );
    }
    let mut euw1 = region("eu-west-1");
    push(&mut euw1.describe_trails, "trailList", org_trail_listing());
    AccountEvidence {
        account_id: MGMT.to_owned(),
        name: Some("acme-management".to_owned()),
        caller_identity: Some(json!({"UserId": "AROADEMO:auditor", "Account": MGMT,
            "Arn": "arn:aws:sts::111111111111:assumed-role/SecurityAudit/auditor"})),
        regions: vec![use1, euw1],
        ..AccountEvidence::default()
    }
}

fn prod() -> AccountEvidence {
    let mut regions = Vec::new();
    for name in ["us-east-1", "eu-west-1", "eu-central-1"] {
        let mut r = region(name);
        push(&mut r.describe_trails, "trailList", org_trail_listing());
        regions.push(r);
    }
    let app_trail_arn = format!("arn:aws:cloudtrail:eu-west-1:{PROD}:trail/prod-app-trail");
    if let Some(euw1) = regions.get_mut(1) {
        push(
            &mut euw1.describe_trails,
            "trailList",
            json!({
            "Name": "prod-app-trail", "S3BucketName": "acme-prod-app-trail",
            "IncludeGlobalServiceEvents": false, "IsMultiRegionTrail": false, "HomeRegion": "eu-west-1",
            "TrailARN": app_trail_arn, "LogFileValidationEnabled": false,
            "HasCustomEventSelectors": true, "HasInsightSelectors": false, "IsOrganizationTrail": false}),
        );
        euw1.trail_status
            .insert("prod-app-trail".into(), json!({"IsLogging": true,
                "LatestDeliveryTime": "2026-11-20T08:40:00+00:00", "StartLoggingTime": "2024-06-01T09:00:00+00:00"}));
        euw1.event_selectors.insert(
            "prod-app-trail".into(),
            json!({"AdvancedEventSelectors": [
            {"Name": "S3 data events for the app bucket", "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]}),
        );
    }
    AccountEvidence {
        account_id: PROD.to_owned(),
        name: Some("acme-prod".to_owned()),
        caller_identity: None,
        regions,
        ..AccountEvidence::default()
    }
}

fn sandbox() -> AccountEvidence {
    let mut usw2 = region("us-west-2");
    let trail_arn = format!("arn:aws:cloudtrail:us-west-2:{SANDBOX}:trail/sandbox-trail");
    let legacy_arn = format!("arn:aws:cloudtrail:us-west-2:{SANDBOX}:trail/sandbox-legacy");
    let group = "/aws/cloudtrail/sandbox";
    let sandbox_trail = json!({
        "Name": "sandbox-trail", "S3BucketName": "acme-sandbox-trail",
        "IncludeGlobalServiceEvents": true, "IsMultiRegionTrail": true, "HomeRegion": "us-west-2",
        "TrailARN": trail_arn, "LogFileValidationEnabled": true,
        "CloudWatchLogsLogGroupArn": format!("arn:aws:logs:us-west-2:{SANDBOX}:log-group:{group}:*"),
        "CloudWatchLogsRoleArn": format!("arn:aws:iam::{SANDBOX}:role/CloudTrailToCloudWatch"),
        "HasCustomEventSelectors": true, "HasInsightSelectors": false, "IsOrganizationTrail": false});
    let legacy_trail = json!({
        "Name": "sandbox-legacy", "S3BucketName": "acme-sandbox-legacy",
        "IncludeGlobalServiceEvents": true, "IsMultiRegionTrail": true, "HomeRegion": "us-west-2",
        "TrailARN": legacy_arn, "LogFileValidationEnabled": true,
        "KmsKeyId": format!("arn:aws:kms:us-west-2:{SANDBOX}:key/0b5e8e44-0000-4000-8000-00000000c003"),
        "HasCustomEventSelectors": false, "HasInsightSelectors": false, "IsOrganizationTrail": false});
    push(
        &mut usw2.describe_trails,
        "trailList",
        sandbox_trail.clone(),
    );
    push(&mut usw2.describe_trails, "trailList", legacy_trail.clone());
    usw2.trail_status.insert(
        "sandbox-trail".into(),
        logging_status("2025-09-15T08:00:00+00:00"),
    );
    usw2.trail_status.insert("sandbox-legacy".into(), json!({"IsLogging": false,
        "LatestDeliveryTime": "2025-02-01T00:00:00+00:00", "StartLoggingTime": "2023-01-10T00:00:00+00:00",
        "StopLoggingTime": "2025-02-01T00:00:00+00:00"}));
    usw2.event_selectors.insert(
        "sandbox-trail".into(),
        json!({"AdvancedEventSelectors": [
        {"Name": "Management events selector", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]}]}]}),
    );
    usw2.event_selectors
        .insert("sandbox-legacy".into(), all_management_selectors());
    push(
        &mut usw2.log_groups,
        "logGroups",
        log_group(SANDBOX, "us-west-2", group, 1_757_923_200_000),
    );

    let (alerts_arn, alerts) = topic(SANDBOX, "us-west-2", "sandbox-alerts");
    let (nobody_arn, nobody) = topic(SANDBOX, "us-west-2", "sandbox-unwatched");
    let (pending_arn, pending) = topic(SANDBOX, "us-west-2", "sandbox-oncall");
    for t in [alerts, nobody, pending] {
        push(&mut usw2.topics, "Topics", t);
    }
    usw2.topic_attributes.insert(
        "sandbox-alerts".into(),
        topic_attributes(&alerts_arn, SANDBOX, 1, 0),
    );
    usw2.topic_attributes.insert(
        "sandbox-unwatched".into(),
        topic_attributes(&nobody_arn, SANDBOX, 0, 0),
    );
    usw2.topic_attributes.insert(
        "sandbox-oncall".into(),
        topic_attributes(&pending_arn, SANDBOX, 0, 1),
    );
    push(
        &mut usw2.subscriptions,
        "Subscriptions",
        subscription(
            &alerts_arn,
            SANDBOX,
            Some("9a8b7c6d-2222-4e5f-8a9b-000000000003"),
            "email",
            "sandbox-owners@acme.example",
        ),
    );
    push(
        &mut usw2.subscriptions,
        "Subscriptions",
        subscription(&pending_arn, SANDBOX, None, "email", "oncall@acme.example"),
    );

    let ns = "CISBenchmark";
    let alerts_only = std::slice::from_ref(&alerts_arn);
    // VPC changes: the CIS pattern reordered, quoted and spread over lines. Equivalent.
    let vpc = "{\n  ($.eventName = \"EnableVpcClassicLink\") || ($.eventName = \"DisableVpcClassicLink\") ||\n  ($.eventName = \"DetachClassicLinkVpc\") || ($.eventName = \"AttachClassicLinkVpc\") ||\n  ($.eventName = \"RejectVpcPeeringConnection\") || ($.eventName = \"DeleteVpcPeeringConnection\") ||\n  ($.eventName = \"CreateVpcPeeringConnection\") || ($.eventName = \"AcceptVpcPeeringConnection\") ||\n  ($.eventName = \"ModifyVpcAttribute\") || ($.eventName = \"DeleteVpc\") || ($.eventName = \"CreateVpc\")\n}";
    let filters: Vec<(&str, String, &str, Vec<Json>)> = vec![
        ("VPCChanges", vpc.to_owned(), ns,
            vec![alarm(SANDBOX, "us-west-2", "VPCChangesAlarm", "VPCChanges", ns, alerts_only, true)]),
        ("IAMPolicyChanges", pattern("IAMPolicyChanges"), ns, vec![]),
        ("SecurityGroupChanges", pattern("SecurityGroupChanges"), ns,
            vec![alarm(SANDBOX, "us-west-2", "SecurityGroupChangesAlarm", "SecurityGroupChanges", "AWS/Events", alerts_only, true)]),
        ("CloudTrailConfigChanges", pattern("CloudTrailConfigChanges"), ns,
            vec![alarm(SANDBOX, "us-west-2", "CloudTrailConfigChangesAlarm", "CloudTrailConfigChanges", ns, std::slice::from_ref(&nobody_arn), true)]),
        ("NACLChanges", pattern("NACLChanges"), ns,
            vec![alarm(SANDBOX, "us-west-2", "NACLChangesAlarm", "NACLChanges", ns, std::slice::from_ref(&pending_arn), true)]),
        ("RouteTableChanges",
            "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DisassociateRouteTable) }".to_owned(),
            ns, vec![alarm(SANDBOX, "us-west-2", "RouteTableChangesAlarm", "RouteTableChanges", ns, alerts_only, true)]),
        ("NetworkGatewayChanges", pattern("NetworkGatewayChanges"), ns,
            vec![alarm(SANDBOX, "us-west-2", "NetworkGatewayChangesAlarm", "NetworkGatewayChanges", ns, alerts_only, false)]),
    ];
    for (metric, pattern_text, namespace, alarms) in filters {
        push(
            &mut usw2.metric_filters,
            "metricFilters",
            metric_filter(group, metric, &pattern_text, metric, namespace),
        );
        for a in alarms {
            push(&mut usw2.alarms, "MetricAlarms", a);
        }
    }

    let mut euw1 = region("eu-west-1");
    push(&mut euw1.describe_trails, "trailList", sandbox_trail);
    push(&mut euw1.describe_trails, "trailList", legacy_trail);
    push(
        &mut euw1.log_groups,
        "logGroups",
        log_group(SANDBOX, "eu-west-1", group, 1_757_923_200_000),
    );
    let (eu_topic_arn, eu_topic) = topic(SANDBOX, "eu-west-1", "sandbox-eu-alerts");
    push(&mut euw1.topics, "Topics", eu_topic);
    euw1.topic_attributes.insert(
        "sandbox-eu-alerts".into(),
        topic_attributes(&eu_topic_arn, SANDBOX, 1, 0),
    );
    push(
        &mut euw1.subscriptions,
        "Subscriptions",
        subscription(
            &eu_topic_arn,
            SANDBOX,
            Some("1c2d3e4f-3333-4a5b-8c7d-000000000004"),
            "sms",
            "+15555550100",
        ),
    );
    push(
        &mut euw1.metric_filters,
        "metricFilters",
        metric_filter(
            group,
            "RootAccountUsage",
            &pattern("RootAccountUsage"),
            "RootAccountUsage",
            ns,
        ),
    );
    push(
        &mut euw1.alarms,
        "MetricAlarms",
        alarm(
            SANDBOX,
            "eu-west-1",
            "RootAccountUsageAlarm",
            "RootAccountUsage",
            ns,
            std::slice::from_ref(&eu_topic_arn),
            true,
        ),
    );

    AccountEvidence {
        account_id: SANDBOX.to_owned(),
        name: Some("acme-sandbox".to_owned()),
        caller_identity: None,
        regions: vec![usw2, euw1],
        ..AccountEvidence::default()
    }
}

fn pattern(metric: &str) -> String {
    DEMO_FILTERS
        .iter()
        .find(|(m, _)| *m == metric)
        .map_or_else(String::new, |(_, p)| (*p).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;

    #[test]
    fn demo_has_three_accounts_and_the_org_trail_once() {
        let inv = demo_inventory();
        assert_eq!(inv.count_of_kind(Kind::AwsAccount), 3);
        assert_eq!(inv.count_of_kind(Kind::AwsCloudTrail), 4);
        assert_eq!(
            inv.count_of_kind(Kind::AwsCloudwatchMetricFilter),
            15 + 7 + 1
        );
        let org = inv.find(ORG_TRAIL).unwrap();
        // The org trail is listed by two management regions and three prod regions.
        assert_eq!(inv.predecessors(org).count(), 5);
        assert_eq!(inv.meta.accounts.len(), 3);
        assert_eq!(inv.meta.source, "demo");
    }

    #[test]
    fn demo_survives_a_snapshot_round_trip() {
        let inv = demo_inventory();
        let mut bytes = Vec::new();
        crate::snapshot::write_to(&inv, &mut bytes).unwrap();
        let back = crate::snapshot::read_from_bytes(&bytes, std::path::Path::new("demo")).unwrap();
        assert_eq!(back.node_count(), inv.node_count());
        assert_eq!(back.edge_count(), inv.edge_count());
        for (i, n) in inv.nodes() {
            assert_eq!(back.node(i), Some(n));
        }
    }
}
