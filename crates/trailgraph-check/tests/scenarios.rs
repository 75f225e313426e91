//! Scenarios for every check: inventories built from AWS CLI-shaped evidence (through
//! `build_inventory`, like a real import) that pass, fail at each link of the chain, and are
//! not evaluable.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value as Json, json};
use trailgraph_check::{Catalog, CheckResult, Report, RunOptions, Status, load_catalog, run};
use trailgraph_model::{
    AccountEvidence, CollectionError, Evidence, RegionEvidence, SnapshotMeta, build_inventory,
};

const ACCT: &str = "123456789012";
const OTHER: &str = "210987654321";
const COLLECTED: &str = "2026-11-20T09:00:00Z";

fn catalog() -> Catalog {
    load_catalog(&[]).unwrap()
}

/// The monitoring checks with their metric names and v6.0 patterns.
fn monitoring_checks(catalog: &Catalog) -> Vec<(String, String, String)> {
    catalog
        .checks()
        .iter()
        .filter(|c| c.id.starts_with("aws_monitoring_"))
        .map(|c| {
            (
                c.id.clone(),
                c.parameters["metric_name"].clone(),
                c.parameters["pattern"].clone(),
            )
        })
        .collect()
}

fn region(name: &str) -> RegionEvidence {
    RegionEvidence::empty(name)
}

fn push(doc: &mut Option<Json>, key: &str, item: Json) {
    doc.as_mut().unwrap()[key]
        .as_array_mut()
        .unwrap()
        .push(item);
}

/// A complete chain in one account and region, with a filter, alarm and confirmed subscription
/// for each (metric, pattern).
struct Chain {
    account: String,
    region: String,
    trail: String,
    group: String,
    topic: String,
}

impl Chain {
    fn new() -> Self {
        Chain {
            account: ACCT.to_owned(),
            region: "us-east-1".to_owned(),
            trail: "main".to_owned(),
            group: "/aws/cloudtrail/main".to_owned(),
            topic: "alerts".to_owned(),
        }
    }

    fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.region, self.account, self.trail
        )
    }

    fn group_arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}:*",
            self.region, self.account, self.group
        )
    }

    fn topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account, self.topic
        )
    }

    fn trail_listing(&self) -> Json {
        json!({"Name": self.trail, "TrailARN": self.trail_arn(), "HomeRegion": self.region,
            "IsMultiRegionTrail": true, "LogFileValidationEnabled": true,
            "KmsKeyId": format!("arn:aws:kms:{}:{}:key/k", self.region, self.account),
            "CloudWatchLogsLogGroupArn": self.group_arn(), "S3BucketName": "logs",
            "IsOrganizationTrail": false})
    }

    fn add_trail(&self, r: &mut RegionEvidence) {
        push(&mut r.describe_trails, "trailList", self.trail_listing());
        r.trail_status.insert(
            self.trail.clone(),
            json!({"IsLogging": true, "LatestCloudWatchLogsDeliveryTime": "2026-11-20T08:50:00Z"}),
        );
        r.event_selectors.insert(
            self.trail.clone(),
            json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        );
    }

    fn add_group(&self, r: &mut RegionEvidence) {
        push(
            &mut r.log_groups,
            "logGroups",
            json!({"logGroupName": self.group, "arn": self.group_arn()}),
        );
    }

    fn add_topic(&self, r: &mut RegionEvidence, confirmed: bool) {
        push(
            &mut r.topics,
            "Topics",
            json!({"TopicArn": self.topic_arn()}),
        );
        let arn = if confirmed {
            format!("{}:0001", self.topic_arn())
        } else {
            "PendingConfirmation".to_owned()
        };
        push(
            &mut r.subscriptions,
            "Subscriptions",
            json!({"SubscriptionArn": arn, "TopicArn": self.topic_arn(), "Protocol": "email",
                "Endpoint": "sec@example.com", "Owner": self.account}),
        );
    }

    fn add_filter(&self, r: &mut RegionEvidence, metric: &str, pattern: &str, namespace: &str) {
        push(
            &mut r.metric_filters,
            "metricFilters",
            json!({"filterName": metric, "filterPattern": pattern, "logGroupName": self.group,
                "metricTransformations": [{"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}]}),
        );
        push(
            &mut r.alarms,
            "MetricAlarms",
            json!({"AlarmName": format!("{metric}Alarm"),
                "AlarmArn": format!("arn:aws:cloudwatch:{}:{}:alarm:{metric}Alarm", self.region, self.account),
                "MetricName": metric, "Namespace": namespace, "ActionsEnabled": true,
                "AlarmActions": [self.topic_arn()]}),
        );
    }

    /// A region with the whole chain for every check.
    fn complete_region(&self, checks: &[(String, String, String)]) -> RegionEvidence {
        let mut r = region(&self.region);
        self.add_trail(&mut r);
        self.add_group(&mut r);
        self.add_topic(&mut r, true);
        for (_, metric, pattern) in checks {
            self.add_filter(&mut r, metric, pattern, "CIS");
        }
        r
    }
}

fn account(id: &str, regions: Vec<RegionEvidence>) -> AccountEvidence {
    AccountEvidence {
        account_id: id.to_owned(),
        name: None,
        caller_identity: None,
        regions,
        ..AccountEvidence::default()
    }
}

fn evidence(accounts: Vec<AccountEvidence>) -> Evidence {
    Evidence {
        meta: SnapshotMeta {
            collected_at: COLLECTED.parse().unwrap(),
            source: "fixture".to_owned(),
            ..SnapshotMeta::default()
        },
        accounts,
    }
}

fn report_with(e: &Evidence, options: RunOptions) -> Report {
    let inventory = build_inventory(e);
    let options = RunOptions {
        generated_at: Some(COLLECTED.parse().unwrap()),
        ..options
    };
    run(&catalog(), &inventory, &options).unwrap()
}

fn report(e: &Evidence) -> Report {
    report_with(e, RunOptions::default())
}

fn result<'a>(r: &'a Report, check: &str, account: &str) -> &'a CheckResult {
    r.results()
        .find(|x| x.check == check && x.account == account)
        .unwrap_or_else(|| panic!("no result for {check} {account}"))
}

fn statuses(r: &Report, account: &str, prefix: &str) -> Vec<(String, Status)> {
    r.results()
        .filter(|x| x.account == account && x.check.starts_with(prefix))
        .map(|x| (x.check.clone(), x.status))
        .collect()
}

fn assert_all(r: &Report, account: &str, prefix: &str, status: Status, why: &str) {
    let s = statuses(r, account, prefix);
    assert!(!s.is_empty());
    for (check, got) in &s {
        assert_eq!(
            *got,
            status,
            "{why}: {check}: {}",
            result(r, check, account).reason
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Monitoring chain, every check

#[test]
fn complete_chain_passes_every_check() {
    let checks = monitoring_checks(&catalog());
    assert_eq!(checks.len(), 15);
    let chain = Chain::new();
    let e = evidence(vec![account(ACCT, vec![chain.complete_region(&checks)])]);
    let r = report(&e);
    assert_all(&r, ACCT, "aws_", Status::Passed, "complete chain");
    assert_eq!(r.exit_code(), 0);
    let vpc = result(&r, "aws_monitoring_vpc_changes", ACCT);
    assert!(
        vpc.reason
            .contains("→ topic alerts → subscription 0001: complete"),
        "{}",
        vpc.reason
    );
    assert!(vpc.remediation.is_empty());
}

#[test]
fn account_without_trail_fails_everything() {
    let e = evidence(vec![account(ACCT, vec![region("us-east-1")])]);
    let r = report(&e);
    assert_all(&r, ACCT, "aws_", Status::Failed, "no trail");
    let vpc = result(&r, "aws_monitoring_vpc_changes", ACCT);
    assert!(vpc.reason.contains("no trail"), "{}", vpc.reason);
    // Nothing exists: every level is created, in chain order, each joined to the one before
    // it, with one log group name throughout.
    let verbs: Vec<&str> = vpc
        .remediation
        .iter()
        .map(|c| c.split(" --").next().unwrap_or(c))
        .collect();
    assert_eq!(
        verbs,
        [
            "aws cloudtrail create-trail",
            "aws cloudtrail start-logging",
            "aws logs create-log-group",
            "aws cloudtrail update-trail",
            "aws logs put-metric-filter",
            "aws cloudwatch put-metric-alarm",
            "aws sns create-topic",
            "aws sns subscribe",
        ],
        "{:?}",
        vpc.remediation
    );
    assert!(
        vpc.remediation[2..5]
            .iter()
            .all(|c| c.contains("aws-cloudtrail-logs")),
        "{:?}",
        vpc.remediation
    );
    assert_eq!(r.exit_code(), 1);
}

/// The monitoring checks, and the report over a complete chain in one account changed by `edit`.
fn edited_report(
    edit: impl Fn(&Chain, &mut RegionEvidence),
    options: RunOptions,
) -> (Vec<(String, String, String)>, Report) {
    let checks = monitoring_checks(&catalog());
    let chain = Chain::new();
    let mut r = chain.complete_region(&checks);
    edit(&chain, &mut r);
    let rep = report_with(&evidence(vec![account(ACCT, vec![r])]), options);
    (checks, rep)
}

/// Stops the chain's trail.
fn stop_trail(c: &Chain, r: &mut RegionEvidence) {
    r.trail_status
        .insert(c.trail.clone(), json!({"IsLogging": false}));
}

/// Breaks one link of a complete chain and expects every monitoring check to fail with `words`
/// in the explanation.
fn broken(edit: impl Fn(&Chain, &mut RegionEvidence), words: &str) {
    let (checks, rep) = edited_report(edit, RunOptions::default());
    for (check, _, _) in &checks {
        let res = result(&rep, check, ACCT);
        assert_eq!(
            res.status,
            Status::Failed,
            "{words}: {check}: {}",
            res.reason
        );
        assert!(
            res.reason.contains(words),
            "{check}: expected `{words}` in: {}",
            res.reason
        );
    }
}

fn set_trail(c: &Chain, r: &mut RegionEvidence, key: &str, value: Json) {
    let mut t = c.trail_listing();
    t[key] = value;
    r.describe_trails = Some(json!({"trailList": [t]}));
}

#[test]
fn single_region_trail_fails() {
    broken(
        |c, r| set_trail(c, r, "IsMultiRegionTrail", json!(false)),
        "single-region",
    );
}

#[test]
fn stopped_trail_fails() {
    broken(stop_trail, "not logging");
}

#[test]
fn data_events_only_trail_fails() {
    broken(
        |c, r| {
            r.event_selectors.insert(
                c.trail.clone(),
                json!({"AdvancedEventSelectors": [{"Name": "s3", "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]}),
            );
        },
        "does not record all management events",
    );
}

#[test]
fn advanced_selector_with_read_only_field_fails() {
    broken(
        |c, r| {
            r.event_selectors.insert(
                c.trail.clone(),
                json!({"AdvancedEventSelectors": [{"Name": "mgmt-writes", "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]}]}]}),
            );
        },
        "does not record all management events",
    );
}

#[test]
fn advanced_selector_without_read_only_field_passes() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&checks);
    r.event_selectors.insert(
        c.trail.clone(),
        json!({"AdvancedEventSelectors": [{"Name": "mgmt", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]}]}]}),
    );
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::Passed,
        "advanced selector",
    );
    assert_eq!(
        result(&rep, "aws_cloudtrail_multi_region_management_events", ACCT).status,
        Status::Passed
    );
}

#[test]
fn trail_without_log_group_fails() {
    broken(
        |c, r| set_trail(c, r, "CloudWatchLogsLogGroupArn", Json::Null),
        "no log group",
    );
}

#[test]
fn log_group_not_collected_fails_with_its_arn() {
    broken(
        |_, r| r.log_groups = Some(json!({"logGroups": []})),
        "is not in the inventory",
    );
}

#[test]
fn partial_filter_fails_and_names_missed_events() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&[]);
    // The route-table filter of the v1.2 text misses nothing of v6.0? It lacks nothing; drop
    // DeleteRoute instead.
    let (_, metric, pattern) = checks
        .iter()
        .find(|x| x.0 == "aws_monitoring_route_table_changes")
        .unwrap();
    let without = pattern.replace(" || ($.eventName = DeleteRoute)", "");
    assert_ne!(&without, pattern);
    c.add_filter(&mut r, metric, &without, "CIS");
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    let res = result(&rep, "aws_monitoring_route_table_changes", ACCT);
    assert_eq!(res.status, Status::Failed);
    assert!(res.reason.contains("partial, misses"), "{}", res.reason);
    assert!(res.reason.contains("DeleteRoute"), "{}", res.reason);
}

#[test]
fn alarm_in_wrong_namespace_fails() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&[]);
    for (_, metric, pattern) in &checks {
        c.add_filter(&mut r, metric, pattern, "AWS/Events");
    }
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    for (check, metric, _) in &checks {
        let res = result(&rep, check, ACCT);
        assert_eq!(res.status, Status::Failed, "{check}");
        assert!(
            res.reason.contains(&format!("no alarm (on metric {metric} in namespace CIS; alarm {metric}Alarm watches {metric} in namespace AWS/Events)")),
            "{}",
            res.reason
        );
        assert!(
            res.remediation
                .iter()
                .any(|c| c.contains("put-metric-alarm") && c.contains("--namespace 'CIS'"))
        );
    }
}

#[test]
fn alarm_with_actions_disabled_fails() {
    broken(
        |_, r| {
            for a in r.alarms.as_mut().unwrap()["MetricAlarms"]
                .as_array_mut()
                .unwrap()
            {
                a["ActionsEnabled"] = json!(false);
            }
        },
        "actions disabled",
    );
}

#[test]
fn alarm_without_sns_action_fails() {
    broken(
        |_, r| {
            for a in r.alarms.as_mut().unwrap()["MetricAlarms"]
                .as_array_mut()
                .unwrap()
            {
                a["AlarmActions"] = json!(["arn:aws:automate:us-east-1:ec2:stop"]);
            }
        },
        "no SNS topic among its alarm actions",
    );
}

#[test]
fn topic_without_subscription_fails() {
    broken(
        |_, r| r.subscriptions = Some(json!({"Subscriptions": []})),
        "no subscription",
    );
}

#[test]
fn topic_with_only_pending_subscriptions_fails() {
    broken(
        |c, r| {
            r.subscriptions = Some(json!({"Subscriptions": []}));
            push(
                &mut r.subscriptions,
                "Subscriptions",
                json!({"SubscriptionArn": "PendingConfirmation", "TopicArn": c.topic_arn(),
                    "Protocol": "email", "Endpoint": "a@example.com", "Owner": c.account}),
            );
        },
        "subscription PendingConfirmation: not confirmed",
    );
}

#[test]
fn two_trails_where_only_the_second_qualifies_pass() {
    let checks = monitoring_checks(&catalog());
    let good = Chain::new();
    let mut r = good.complete_region(&checks);
    let bad = Chain {
        trail: "aaa-first".to_owned(),
        group: "/aws/cloudtrail/first".to_owned(),
        ..Chain::new()
    };
    let mut listing = bad.trail_listing();
    listing["IsMultiRegionTrail"] = json!(false);
    let existing = r.describe_trails.take().unwrap()["trailList"][0].clone();
    r.describe_trails = Some(json!({"trailList": [listing, existing]}));
    r.trail_status
        .insert(bad.trail.clone(), json!({"IsLogging": true}));
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::Passed,
        "second trail qualifies",
    );
}

#[test]
fn same_log_group_name_in_another_region_does_not_count() {
    let checks = monitoring_checks(&catalog());
    let home = Chain::new();
    let mut use1 = region("us-east-1");
    home.add_trail(&mut use1);
    home.add_group(&mut use1);
    let other = Chain {
        region: "eu-west-1".to_owned(),
        ..Chain::new()
    };
    let mut euw1 = other.complete_region(&checks);
    euw1.describe_trails = Some(json!({"trailList": [home.trail_listing()]}));
    euw1.trail_status.clear();
    euw1.event_selectors.clear();
    let rep = report(&evidence(vec![account(ACCT, vec![use1, euw1])]));
    for (check, _, _) in &checks {
        let res = result(&rep, check, ACCT);
        assert_eq!(res.status, Status::Failed, "{check}: {}", res.reason);
        assert!(
            res.reason
                .contains("log group /aws/cloudtrail/main (us-east-1"),
            "{}",
            res.reason
        );
        assert!(res.reason.contains("no filter"), "{}", res.reason);
    }
}

// ---------------------------------------------------------------------------------------------
// Organisation trails and not evaluable

fn org_evidence(with_home: bool) -> Evidence {
    let checks = monitoring_checks(&catalog());
    let mgmt = Chain {
        account: OTHER.to_owned(),
        trail: "org".to_owned(),
        ..Chain::new()
    };
    let mut listing = mgmt.trail_listing();
    listing["IsOrganizationTrail"] = json!(true);
    let mut member = region("us-east-1");
    push(&mut member.describe_trails, "trailList", listing);
    let mut accounts = vec![account(ACCT, vec![member])];
    if with_home {
        accounts.push(account(OTHER, vec![mgmt.complete_region(&checks)]));
    }
    evidence(accounts)
}

#[test]
fn organisation_trail_with_its_home_account_passes_the_member() {
    let rep = report(&org_evidence(true));
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::Passed,
        "org trail with home",
    );
    assert_all(&rep, OTHER, "aws_", Status::Passed, "management account");
    let res = result(&rep, "aws_monitoring_vpc_changes", ACCT);
    assert!(
        res.reason
            .contains(&format!("trail org (us-east-1, {OTHER})")),
        "{}",
        res.reason
    );
}

#[test]
fn organisation_trail_without_its_home_account_is_not_evaluable() {
    let rep = report(&org_evidence(false));
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::NotEvaluable,
        "org trail without home",
    );
    assert_eq!(
        result(&rep, "aws_cloudtrail_multi_region_management_events", ACCT).status,
        Status::NotEvaluable
    );
    let res = result(&rep, "aws_monitoring_vpc_changes", ACCT);
    assert!(
        res.reason
            .contains("home account or region is not in the inventory"),
        "{}",
        res.reason
    );
    // describe-trails shows a shadow's validation and KMS settings: those checks are judged.
    assert_eq!(
        result(&rep, "aws_cloudtrail_log_file_validation", ACCT).status,
        Status::Passed
    );
    assert_eq!(rep.exit_code(), 3);
}

#[test]
fn collection_error_makes_checks_not_evaluable() {
    let e = {
        let mut e = evidence(vec![account(ACCT, vec![region("us-east-1")])]);
        e.meta.errors.push(CollectionError {
            account: ACCT.to_owned(),
            region: Some("us-east-1".to_owned()),
            service: "logs".to_owned(),
            operation: "DescribeMetricFilters".to_owned(),
            resource: None,
            code: "AccessDenied".to_owned(),
            message: "not allowed".to_owned(),
        });
        e
    };
    let rep = report(&e);
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::NotEvaluable,
        "logs error",
    );
    // The trail checks do not need CloudWatch Logs: no trail, so they fail.
    assert_eq!(
        result(&rep, "aws_cloudtrail_log_file_validation", ACCT).status,
        Status::Failed
    );
    let mut e = e;
    e.meta.errors[0].service = "cloudtrail".to_owned();
    let rep = report(&e);
    assert_all(&rep, ACCT, "aws_", Status::NotEvaluable, "cloudtrail error");
    assert_eq!(rep.exit_code(), 3);
}

#[test]
fn alarm_topic_in_an_uncollected_account_is_not_evaluable() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&checks);
    r.subscriptions = Some(json!({"Subscriptions": []}));
    for a in r.alarms.as_mut().unwrap()["MetricAlarms"]
        .as_array_mut()
        .unwrap()
    {
        a["AlarmActions"] = json!([format!("arn:aws:sns:us-east-1:{OTHER}:central")]);
    }
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::NotEvaluable,
        "topic not collected",
    );
    let res = result(&rep, "aws_monitoring_vpc_changes", ACCT);
    assert!(res.reason.contains("not collected"), "{}", res.reason);
}

// ---------------------------------------------------------------------------------------------
// Patterns: either MFA pattern, benchmark versions, strict mode

#[test]
fn signin_without_mfa_accepts_either_cis_pattern() {
    let catalog = catalog();
    let check = catalog
        .check("aws_monitoring_console_signin_without_mfa")
        .unwrap();
    for key in ["pattern", "pattern_sso"] {
        let c = Chain::new();
        let mut r = c.complete_region(&[]);
        c.add_filter(
            &mut r,
            "ConsoleSigninWithoutMFA",
            &check.parameters[key],
            "CIS",
        );
        let rep = report(&evidence(vec![account(ACCT, vec![r])]));
        let res = result(&rep, &check.id, ACCT);
        assert_eq!(res.status, Status::Passed, "{key}: {}", res.reason);
    }
}

#[test]
fn v1_2_security_group_filter_passes_v4_0_and_fails_v5_0() {
    let v12 = "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }";
    let c = Chain::new();
    let mut r = c.complete_region(&[]);
    c.add_filter(&mut r, "SecurityGroupChanges", v12, "CIS");
    let e = evidence(vec![account(ACCT, vec![r])]);
    let check = "aws_monitoring_security_group_changes";
    let status_in = |benchmark: &str| {
        let rep = report_with(
            &e,
            RunOptions {
                benchmark: Some(benchmark.to_owned()),
                checks: vec![check.to_owned()],
                ..RunOptions::default()
            },
        );
        let res = result(&rep, check, ACCT).clone();
        (res.status, res.control, res.reason)
    };
    let (s, control, _) = status_in("cis_aws_v4_0");
    assert_eq!((s, control.as_str()), (Status::Passed, "4.10"));
    let (s, control, reason) = status_in("cis_aws_v5_0");
    assert_eq!((s, control.as_str()), (Status::Failed, "4.10"));
    assert!(reason.contains("ModifySecurityGroupRules"), "{reason}");
    let (s, control, _) = status_in("cis_aws_v1_2");
    assert_eq!((s, control.as_str()), (Status::Passed, "3.10"));
}

#[test]
fn benchmark_numbering_and_patterns_per_version() {
    let catalog = catalog();
    let control_of = |b: &str, check: &str| {
        catalog
            .benchmark(b)
            .unwrap()
            .controls()
            .find(|(_, c)| c.check == check)
            .map(|(s, c)| {
                (
                    s.title.clone(),
                    c.control.clone(),
                    c.parameters.get("pattern").cloned(),
                )
            })
    };
    let unauthorized = "aws_monitoring_unauthorized_api_calls";
    let (s, n, p) = control_of("cis_aws_v1_2", unauthorized).unwrap();
    assert_eq!((s.as_str(), n.as_str()), ("3 Monitoring", "3.1"));
    assert_eq!(p.unwrap().matches("$.").count(), 2);
    let (s, n, p) = control_of("cis_aws_v3_0", unauthorized).unwrap();
    assert_eq!((s.as_str(), n.as_str()), ("4 Monitoring", "4.1"));
    let p = p.unwrap();
    assert_eq!(p.matches("$.").count(), 4);
    assert!(!p.contains("&&"));
    let (s, n, p) = control_of("cis_aws_v6_0", unauthorized).unwrap();
    assert_eq!((s.as_str(), n.as_str()), ("5 Monitoring", "5.1"));
    assert!(p.unwrap().contains("&&"));
    assert!(control_of("cis_aws_v1_2", "aws_monitoring_organizations_changes").is_none());
    assert_eq!(
        control_of("cis_aws_v1_4", "aws_monitoring_organizations_changes")
            .unwrap()
            .1,
        "4.15"
    );
    let route = "aws_monitoring_route_table_changes";
    assert!(
        !control_of("cis_aws_v2_0", route)
            .unwrap()
            .2
            .unwrap()
            .contains("eventSource")
    );
    assert!(
        control_of("cis_aws_v3_0", route)
            .unwrap()
            .2
            .unwrap()
            .contains("eventSource")
    );
    let delivery = "aws_cloudtrail_cloudwatch_logs_delivery";
    assert_eq!(control_of("cis_aws_v1_2", delivery).unwrap().1, "2.4");
    assert_eq!(control_of("cis_aws_v2_0", delivery).unwrap().1, "3.4");
    assert!(control_of("cis_aws_v3_0", delivery).is_none());
    let kms = "aws_cloudtrail_kms_encryption";
    assert_eq!(control_of("cis_aws_v1_2", kms).unwrap().1, "2.7");
    assert_eq!(control_of("cis_aws_v2_0", kms).unwrap().1, "3.7");
    assert_eq!(control_of("cis_aws_v5_0", kms).unwrap().1, "3.5");
    assert_eq!(control_of("cis_aws_v6_0", kms).unwrap().1, "4.5");
}

#[test]
fn strict_mode_requires_the_same_text() {
    let catalog = catalog();
    let check = catalog.check("aws_monitoring_vpc_changes").unwrap();
    let pattern = &check.parameters["pattern"];
    let reordered = "{ ($.eventName = \"EnableVpcClassicLink\") || ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) }";
    let respaced = pattern.replace(" = ", "=").replace(" || ", "||\n");
    for (filter, normal, strict) in [
        (reordered, Status::Passed, Status::Failed),
        (respaced.as_str(), Status::Passed, Status::Passed),
    ] {
        let c = Chain::new();
        let mut r = c.complete_region(&[]);
        c.add_filter(&mut r, "VPCChanges", filter, "CIS");
        let e = evidence(vec![account(ACCT, vec![r])]);
        for (is_strict, expected) in [(false, normal), (true, strict)] {
            let rep = report_with(
                &e,
                RunOptions {
                    strict: is_strict,
                    checks: vec![check.id.clone()],
                    ..RunOptions::default()
                },
            );
            let res = result(&rep, &check.id, ACCT);
            assert_eq!(
                res.status, expected,
                "strict={is_strict} {filter}: {}",
                res.reason
            );
            if expected == Status::Failed {
                assert!(
                    res.reason.contains("not the same text (strict mode)"),
                    "{}",
                    res.reason
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Trail checks

#[test]
fn log_file_validation_and_kms_need_every_trail() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&checks);
    let mut second = Chain {
        trail: "app".to_owned(),
        ..Chain::new()
    }
    .trail_listing();
    second["LogFileValidationEnabled"] = json!(false);
    second["KmsKeyId"] = Json::Null;
    push(&mut r.describe_trails, "trailList", second);
    let rep = report(&evidence(vec![account(ACCT, vec![r])]));
    for check in [
        "aws_cloudtrail_log_file_validation",
        "aws_cloudtrail_kms_encryption",
    ] {
        let res = result(&rep, check, ACCT);
        assert_eq!(res.status, Status::Failed, "{check}");
        assert!(
            res.reason.starts_with("trail app (us-east-1"),
            "{}",
            res.reason
        );
        assert!(
            res.remediation.iter().all(|c| c.contains("--name 'app'")),
            "{:?}",
            res.remediation
        );
        assert_eq!(res.resources.len(), 1);
    }
    assert_eq!(
        result(&rep, "aws_cloudtrail_log_file_validation", ACCT).reason,
        format!("trail app (us-east-1, {ACCT}): log file validation disabled")
    );
    // The monitoring checks only need one qualifying trail.
    assert_all(
        &rep,
        ACCT,
        "aws_monitoring_",
        Status::Passed,
        "one good trail",
    );
}

#[test]
fn cloudwatch_logs_delivery_uses_the_collection_time() {
    let run_v2 = |delivered: Option<&str>, group: bool| {
        let c = Chain::new();
        let mut r = c.complete_region(&[]);
        let status = match delivered {
            Some(t) => json!({"IsLogging": true, "LatestCloudWatchLogsDeliveryTime": t}),
            None => json!({"IsLogging": true}),
        };
        r.trail_status.insert(c.trail.clone(), status);
        if !group {
            set_trail(&c, &mut r, "CloudWatchLogsLogGroupArn", Json::Null);
        }
        let rep = report_with(
            &evidence(vec![account(ACCT, vec![r])]),
            RunOptions {
                benchmark: Some("cis_aws_v2_0".to_owned()),
                checks: vec!["3.4".to_owned()],
                ..RunOptions::default()
            },
        );
        let res = result(&rep, "aws_cloudtrail_cloudwatch_logs_delivery", ACCT).clone();
        (res.status, res.reason)
    };
    assert_eq!(run_v2(Some("2026-11-19T10:00:00Z"), true).0, Status::Passed);
    let (s, reason) = run_v2(Some("2026-11-19T08:00:00Z"), true);
    assert_eq!(s, Status::Failed);
    assert!(
        reason.contains("more than 24h before collection"),
        "{reason}"
    );
    let (s, reason) = run_v2(None, true);
    assert_eq!(s, Status::Failed);
    assert!(reason.contains("never delivered"), "{reason}");
    let (s, reason) = run_v2(Some("2026-11-20T08:00:00Z"), false);
    assert_eq!(s, Status::Failed);
    assert!(reason.contains("no CloudWatch Logs log group"), "{reason}");
}

#[test]
fn demo_verdicts() {
    let rep = report_with(
        &trailgraph_model::demo::demo_evidence(),
        RunOptions::default(),
    );
    assert_all(
        &rep,
        "111111111111",
        "aws_",
        Status::Passed,
        "management account",
    );
    assert_all(
        &rep,
        "222222222222",
        "aws_monitoring_",
        Status::Passed,
        "member through the org trail",
    );
    assert_eq!(
        result(&rep, "aws_cloudtrail_log_file_validation", "222222222222").status,
        Status::Failed
    );
    assert_eq!(
        result(&rep, "aws_cloudtrail_kms_encryption", "222222222222").status,
        Status::Failed
    );
    let sandbox: Vec<(String, Status)> = statuses(&rep, "333333333333", "aws_monitoring_");
    let passed: Vec<&str> = sandbox
        .iter()
        .filter(|(_, s)| *s == Status::Passed)
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(passed, ["aws_monitoring_vpc_changes"]);
    let reason = |check: &str| result(&rep, check, "333333333333").reason.clone();
    assert!(
        reason("aws_monitoring_iam_policy_changes")
            .contains("filter IAMPolicyChanges: equivalent: no alarm")
    );
    assert!(reason("aws_monitoring_security_group_changes").contains("namespace AWS/Events"));
    assert!(
        reason("aws_monitoring_cloudtrail_config_changes")
            .contains("topic sandbox-unwatched: no subscription")
    );
    assert!(
        reason("aws_monitoring_nacl_changes")
            .contains("subscription PendingConfirmation: not confirmed")
    );
    assert!(
        reason("aws_monitoring_route_table_changes").contains(
            "misses {\"eventName\":\"DeleteRoute\",\"eventSource\":\"ec2.amazonaws.com\"}"
        )
    );
    assert!(reason("aws_monitoring_network_gateway_changes").contains("actions disabled"));
    assert!(
        reason("aws_monitoring_root_account_usage")
            .contains("log group /aws/cloudtrail/sandbox (us-west-2")
    );
    assert!(reason("aws_monitoring_vpc_changes").starts_with("passed: trail sandbox-trail"));
}

// ---------------------------------------------------------------------------------------------
// Nothing checked is never green

fn identity_error(source: &str) -> CollectionError {
    CollectionError {
        account: source.to_owned(),
        region: None,
        service: "sts".to_owned(),
        operation: "GetCallerIdentity".to_owned(),
        resource: None,
        code: "InvalidClientTokenId".to_owned(),
        message: "The security token included in the request is invalid.".to_owned(),
    }
}

#[test]
fn inventory_without_accounts_is_not_evaluable() {
    let r = report(&evidence(Vec::new()));
    assert!(r.summary.not_evaluable > 0, "{:?}", r.summary);
    assert_eq!(r.summary.passed + r.summary.failed, 0);
    assert_eq!(r.exit_code(), 3);
    assert_eq!(r.inventory.unreached.len(), 1);
    assert_eq!(r.inventory.unreached[0].source, "(none)");
    assert!(r.results().all(|x| x.status == Status::NotEvaluable));
    let controls = r.sections.iter().flat_map(|s| &s.controls).count();
    assert_eq!(r.results().count(), controls, "one result per control");
    let first = r.results().next().unwrap();
    assert!(
        first.reason.contains("holds no account"),
        "{}",
        first.reason
    );
}

#[test]
fn failed_identity_without_any_account_is_not_evaluable() {
    let mut e = evidence(Vec::new());
    e.meta.errors.push(identity_error("profile:prod"));
    let r = report(&e);
    assert_eq!(r.exit_code(), 3);
    assert_eq!(r.inventory.unreached.len(), 1);
    let vpc = result(&r, "aws_monitoring_vpc_changes", "profile:prod");
    assert_eq!(vpc.status, Status::NotEvaluable);
    assert!(
        vpc.reason.contains("profile:prod could not be read")
            && vpc
                .reason
                .contains("InvalidClientTokenId calling sts:GetCallerIdentity"),
        "{}",
        vpc.reason
    );
    for format in [
        trailgraph_check::Format::Text,
        trailgraph_check::Format::Json,
        trailgraph_check::Format::Junit,
        trailgraph_check::Format::Csv,
        trailgraph_check::Format::Markdown,
    ] {
        let mut out = Vec::new();
        trailgraph_check::write_report(&r, format, &mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("profile:prod"),
            "{format:?} does not name the source:\n{text}"
        );
    }
}

#[test]
fn failed_identity_beside_a_passing_account_is_not_evaluable_not_green() {
    let checks = monitoring_checks(&catalog());
    let chain = Chain::new();
    let mut e = evidence(vec![account(ACCT, vec![chain.complete_region(&checks)])]);
    e.meta
        .errors
        .push(identity_error("role:arn:aws:iam::210987654321:role/Audit"));
    // An account lost whole: its errors name an account id the inventory does not have.
    let mut lost = identity_error(OTHER);
    lost.service = "cloudtrail".to_owned();
    lost.operation = "DescribeTrails".to_owned();
    lost.region = Some("us-east-1".to_owned());
    e.meta.errors.push(lost);
    let r = report(&e);
    assert_all(&r, ACCT, "aws_", Status::Passed, "the collected account");
    assert_all(
        &r,
        "role:arn:aws:iam::210987654321:role/Audit",
        "aws_",
        Status::NotEvaluable,
        "the failed role",
    );
    assert_all(&r, OTHER, "aws_", Status::NotEvaluable, "the lost account");
    assert_eq!(r.exit_code(), 3);
    // Asking for the lost account by id reports it, instead of an unknown-account error.
    let only = report_with(
        &e,
        RunOptions {
            accounts: vec![OTHER.to_owned()],
            ..RunOptions::default()
        },
    );
    assert_all(
        &only,
        OTHER,
        "aws_",
        Status::NotEvaluable,
        "the lost account alone",
    );
    assert!(only.results().all(|x| x.account != ACCT));
}

#[test]
fn account_without_regions_is_not_evaluable() {
    let e = evidence(vec![account(ACCT, Vec::new())]);
    let r = report(&e);
    assert_all(
        &r,
        ACCT,
        "aws_",
        Status::NotEvaluable,
        "no region collected",
    );
    assert!(
        result(&r, "aws_monitoring_vpc_changes", ACCT)
            .reason
            .contains("No region of this account was collected")
    );
}

#[test]
fn account_whose_every_service_failed_is_not_evaluable() {
    let mut e = evidence(vec![account(
        ACCT,
        vec![RegionEvidence {
            region: "us-east-1".to_owned(),
            ..RegionEvidence::default()
        }],
    )]);
    for (service, operation) in [
        ("cloudtrail", "DescribeTrails"),
        ("logs", "DescribeLogGroups"),
        ("logs", "DescribeMetricFilters"),
        ("cloudwatch", "DescribeAlarms"),
        ("sns", "ListTopics"),
        ("sns", "ListSubscriptions"),
    ] {
        e.meta.errors.push(CollectionError {
            account: ACCT.to_owned(),
            region: Some("us-east-1".to_owned()),
            service: service.to_owned(),
            operation: operation.to_owned(),
            resource: None,
            code: "AccessDenied".to_owned(),
            message: "not authorized".to_owned(),
        });
    }
    let r = report(&e);
    assert_all(
        &r,
        ACCT,
        "aws_",
        Status::NotEvaluable,
        "every service failed",
    );
    assert_eq!(r.exit_code(), 3);
}

#[test]
fn account_filter_that_matches_nothing_is_an_error() {
    let e = evidence(vec![account(ACCT, vec![region("us-east-1")])]);
    let inventory = build_inventory(&e);
    let options = RunOptions {
        accounts: vec!["999999999999".to_owned()],
        ..RunOptions::default()
    };
    let err = run(&catalog(), &inventory, &options).unwrap_err();
    assert!(err.to_string().contains("999999999999"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Catch-all filters and the events CloudTrail really writes

/// An account whose only metric filter is `pattern`, with an alarm and a confirmed subscription.
fn single_filter_evidence(pattern: &str) -> Evidence {
    let c = Chain::new();
    let mut r = c.complete_region(&[]);
    c.add_filter(&mut r, "OnlyFilter", pattern, "CIS");
    evidence(vec![account(ACCT, vec![r])])
}

fn in_benchmark(benchmark: &str) -> RunOptions {
    RunOptions {
        benchmark: Some(benchmark.to_owned()),
        ..RunOptions::default()
    }
}

/// The unauthorized-API pattern a benchmark version prints.
fn unauthorized_pattern(benchmark: &str) -> String {
    let catalog = catalog();
    let b = catalog.benchmark(benchmark).unwrap();
    let (_, control) = b
        .controls()
        .find(|(_, c)| c.check == "aws_monitoring_unauthorized_api_calls")
        .unwrap();
    control
        .parameters
        .get("pattern")
        .cloned()
        .unwrap_or_else(|| {
            catalog
                .check("aws_monitoring_unauthorized_api_calls")
                .unwrap()
                .parameters["pattern"]
                .clone()
        })
}

#[test]
fn the_cis_v3_catch_all_filter_passes_only_its_own_control() {
    let pattern = unauthorized_pattern("cis_aws_v3_0");
    assert!(pattern.contains("||"), "{pattern}");
    let e = single_filter_evidence(&pattern);
    for benchmark in ["cis_aws_v1_4", "cis_aws_v3_0"] {
        let r = report_with(&e, in_benchmark(benchmark));
        let passed: Vec<String> = statuses(&r, ACCT, "aws_monitoring_")
            .into_iter()
            .filter(|(_, s)| *s == Status::Passed)
            .map(|(c, _)| c)
            .collect();
        assert_eq!(
            passed,
            ["aws_monitoring_unauthorized_api_calls"],
            "{benchmark}"
        );
        let vpc = result(&r, "aws_monitoring_vpc_changes", ACCT);
        assert_eq!(vpc.status, Status::Failed);
        assert!(
            vpc.reason.contains("filter OnlyFilter: does not count")
                && vpc.reason.contains("catch-all"),
            "{benchmark}: {}",
            vpc.reason
        );
    }
    // From v4.0 the unauthorized-API pattern is specific, so the catch-all counts for nothing.
    for benchmark in ["cis_aws_v4_0", "cis_aws_v5_0", "cis_aws_v6_0"] {
        let r = report_with(&e, in_benchmark(benchmark));
        assert_all(&r, ACCT, "aws_monitoring_", Status::Failed, benchmark);
    }
}

#[test]
fn catch_all_real_filters_count_for_nothing() {
    for pattern in [
        r#"{ $.userIdentity.type = "Root" || $.eventType != "AwsServiceEvent" }"#,
        r#"{ $.userIdentity.type = "Root" || $.userIdentity.type != "Root" }"#,
        "{ $.eventName = * }",
        "",
    ] {
        let r = report(&single_filter_evidence(pattern));
        assert_all(&r, ACCT, "aws_monitoring_", Status::Failed, pattern);
    }
    // Where such a filter covers the control's pattern, the explanation says why it does not
    // count, with an event it matches.
    for (pattern, check) in [
        ("{ $.eventName = * }", "aws_monitoring_vpc_changes"),
        ("", "aws_monitoring_root_account_usage"),
        (
            r#"{ $.userIdentity.type = "Root" || $.userIdentity.type != "Root" }"#,
            "aws_monitoring_root_account_usage",
        ),
    ] {
        let r = report(&single_filter_evidence(pattern));
        let res = result(&r, check, ACCT);
        assert!(
            res.reason.contains("filter OnlyFilter: does not count")
                && res.reason.contains("catch-all"),
            "{pattern}: {}",
            res.reason
        );
    }
}

#[test]
fn service_wide_filters_still_count() {
    let r = report(&single_filter_evidence(
        "{ $.eventSource = s3.amazonaws.com || $.eventSource = organizations.amazonaws.com }",
    ));
    for check in [
        "aws_monitoring_s3_bucket_policy_changes",
        "aws_monitoring_organizations_changes",
    ] {
        let res = result(&r, check, ACCT);
        assert_eq!(res.status, Status::Passed, "{check}: {}", res.reason);
    }
    assert_eq!(
        result(&r, "aws_monitoring_vpc_changes", ACCT).status,
        Status::Failed
    );
}

#[test]
fn filters_judged_over_the_events_cloudtrail_writes() {
    let route_tables = "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }";
    let mfa = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }"#;
    for (check, pattern) in [
        ("aws_monitoring_route_table_changes", route_tables),
        ("aws_monitoring_console_signin_without_mfa", mfa),
    ] {
        let e = single_filter_evidence(pattern);
        let judged = report(&e);
        let res = result(&judged, check, ACCT);
        assert_eq!(res.status, Status::Passed, "{check}: {}", res.reason);
        assert_eq!(judged.filter_judgement, "cloudtrail");
        let language = report_with(
            &e,
            RunOptions {
                language_only: true,
                ..RunOptions::default()
            },
        );
        assert_eq!(language.filter_judgement, "language");
        let res = result(&language, check, ACCT);
        assert_eq!(res.status, Status::Failed, "{check}: {}", res.reason);
    }
}

// ---------------------------------------------------------------------------------------------
// Remediation fixes what is broken, and only that

/// The command names of a result's remediation (`aws cloudtrail start-logging`).
fn verbs(res: &CheckResult) -> Vec<String> {
    res.remediation
        .iter()
        .map(|c| c.split(" --").next().unwrap_or(c).to_owned())
        .collect()
}

/// Breaks the trail of a complete chain with `edit`: every monitoring check fails and gets
/// exactly the commands `fix` (the trail fix), and the multi-region check gets `trail_fix`.
fn trail_fix_only(
    edit: impl Fn(&Chain, &mut RegionEvidence),
    fix: &[&str],
    trail_fix: Option<&[&str]>,
    must_name: &str,
) {
    let (checks, rep) = edited_report(edit, RunOptions::default());
    for (check, _, _) in &checks {
        let res = result(&rep, check, ACCT);
        assert_eq!(res.status, Status::Failed, "{check}: {}", res.reason);
        assert_eq!(verbs(res), fix, "{check}: {:#?}", res.remediation);
        assert!(
            res.remediation.iter().all(|c| c.contains(must_name)),
            "{check}: {:#?}",
            res.remediation
        );
        assert!(!res.chain().is_empty(), "{check}");
    }
    let multi = result(&rep, "aws_cloudtrail_multi_region_management_events", ACCT);
    match trail_fix {
        Some(fix) => {
            assert_eq!(multi.status, Status::Failed, "{}", multi.reason);
            assert_eq!(verbs(multi), fix, "{:#?}", multi.remediation);
        }
        None => assert_eq!(multi.status, Status::Passed, "{}", multi.reason),
    }
}

#[test]
fn a_stopped_trail_gets_start_logging_and_nothing_else() {
    trail_fix_only(
        stop_trail,
        &["aws cloudtrail start-logging"],
        Some(&["aws cloudtrail start-logging"]),
        "'main'",
    );
}

#[test]
fn a_single_region_trail_gets_update_trail_and_nothing_else() {
    trail_fix_only(
        |c, r| set_trail(c, r, "IsMultiRegionTrail", json!(false)),
        &["aws cloudtrail update-trail"],
        Some(&["aws cloudtrail update-trail"]),
        "--is-multi-region-trail",
    );
}

#[test]
fn a_trail_recording_only_writes_gets_event_selectors_and_nothing_else() {
    trail_fix_only(
        |c, r| {
            r.event_selectors.insert(
                c.trail.clone(),
                json!({"EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true}]}),
            );
        },
        &["aws cloudtrail put-event-selectors"],
        Some(&["aws cloudtrail put-event-selectors"]),
        "\"ReadWriteType\":\"All\"",
    );
}

#[test]
fn a_trail_without_its_log_group_is_pointed_at_the_existing_one() {
    // The log group, filters, alarms and topic exist; only the trail's link is missing.
    trail_fix_only(
        |c, r| set_trail(c, r, "CloudWatchLogsLogGroupArn", Json::Null),
        &["aws cloudtrail update-trail"],
        None,
        "log-group:/aws/cloudtrail/main:*",
    );
}

#[test]
fn an_account_without_a_trail_gets_a_trail_for_its_existing_log_group() {
    trail_fix_only(
        |_, r| {
            r.describe_trails = Some(json!({"trailList": []}));
            r.trail_status.clear();
            r.event_selectors.clear();
        },
        &[
            "aws cloudtrail create-trail",
            "aws cloudtrail start-logging",
            "aws cloudtrail update-trail",
        ],
        Some(&[
            "aws cloudtrail create-trail",
            "aws cloudtrail start-logging",
        ]),
        "us-east-1",
    );
}

#[test]
fn terraform_remediation_uses_the_real_names() {
    let terraform = || RunOptions {
        remediation: trailgraph_check::RemediationKind::Terraform,
        ..RunOptions::default()
    };
    let chain = Chain::new();
    let (_, rep) = edited_report(stop_trail, terraform());
    let res = result(&rep, "aws_monitoring_vpc_changes", ACCT);
    assert_eq!(res.remediation.len(), 1, "{:#?}", res.remediation);
    let snippet = &res.remediation[0];
    assert!(
        snippet.contains("resource \"aws_cloudtrail\" \"main\""),
        "{snippet}"
    );
    assert!(snippet.contains("enable_logging = true"), "{snippet}");
    assert!(snippet.contains(&chain.trail_arn()), "{snippet}");
    // A missing filter, alarm and topic in Terraform, with the check's names.
    let mut r = chain.complete_region(&[]);
    r.topics = Some(json!({"Topics": []}));
    r.subscriptions = Some(json!({"Subscriptions": []}));
    let rep = report_with(&evidence(vec![account(ACCT, vec![r])]), terraform());
    let res = result(&rep, "aws_monitoring_vpc_changes", ACCT);
    let kinds: Vec<&str> = res
        .remediation
        .iter()
        .filter_map(|s| s.split('"').nth(1))
        .collect();
    assert_eq!(
        kinds,
        [
            "aws_cloudwatch_log_metric_filter",
            "aws_cloudwatch_metric_alarm",
            "aws_sns_topic",
            "aws_sns_topic_subscription"
        ],
        "{:#?}",
        res.remediation
    );
    assert!(res.remediation[0].contains("log_group_name = \"/aws/cloudtrail/main\""));
    assert!(res.remediation[0].contains("pattern        = \"{ ($.eventName = CreateVpc)"));
}

#[test]
fn an_organisation_trail_fix_is_addressed_to_its_home_account_once() {
    const THIRD: &str = "333333333333";
    let mut e = org_evidence(true);
    // A second member sees the same organisation trail.
    let mut second = e.accounts[0].clone();
    second.account_id = THIRD.to_owned();
    e.accounts.push(second);
    // The organisation trail stops logging in its home account.
    let home = e
        .accounts
        .iter_mut()
        .find(|a| a.account_id == OTHER)
        .unwrap();
    home.regions[0]
        .trail_status
        .insert("org".to_owned(), json!({"IsLogging": false}));
    let rep = report(&e);
    for member in [ACCT, THIRD] {
        let res = result(&rep, "aws_monitoring_vpc_changes", member);
        assert_eq!(res.status, Status::Failed, "{}", res.reason);
        assert_eq!(
            verbs(res),
            ["aws cloudtrail start-logging"],
            "{:#?}",
            res.fixes
        );
        assert_eq!(
            res.fixes[0].account.as_deref(),
            Some(OTHER),
            "{:#?}",
            res.fixes
        );
        assert_eq!(
            res.chain()[0].node.as_ref().unwrap().account.as_deref(),
            Some(OTHER)
        );
    }
    let own = result(&rep, "aws_monitoring_vpc_changes", OTHER);
    assert_eq!(own.fixes[0].account, None, "{:#?}", own.fixes);
    // The text report prints the command once for the members, then points at it.
    let mut out = Vec::new();
    trailgraph_check::write_report(&rep, trailgraph_check::Format::Text, &mut out, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    let start = text.find("✗ 5.14 ").unwrap();
    let end = text[start..]
        .find("✗ 5.15")
        .map_or(text.len(), |i| start + i);
    let section = &text[start..end];
    assert_eq!(
        section
            .matches(&format!("in account {OTHER} (it holds"))
            .count(),
        1,
        "{section}"
    );
    // The members share the organisation trail's break: one finding, the fix printed once.
    assert!(
        section.matches("repaired by the fix in account").count() <= 1,
        "{section}"
    );
}

// ---------------------------------------------------------------------------------------------
// Checks nobody in Rust knows about

const MY_CHECKS: &str = r#"provider: aws
service: logs
checks:
  - id: my_log_group_retention
    title: 'Log groups keep events for a year'
    result_kind: aws_cloudwatch_log_group
    severity: low
    risk: 'Short retention loses the evidence an investigation needs.'
    detect:
      passed: |-
        is(aws_cloudwatch_log_group) and group_retention_in_days >= 365
      not_evaluable:
        - reason: 'The log groups of this account could not be read.'
          query: |-
            is(aws_account) and account_collection_errors[*].service in ["logs"]
    remediation:
      text: 'Keep CloudTrail events at least a year.'
      fixes:
        - at: aws_cloudwatch_log_group
          when: 'group_retention_in_days >= 365'
          cli: "aws logs put-retention-policy --region {{log_group_region}} --log-group-name '{{log_group_name}}' --retention-in-days 365"
  - id: my_no_disabled_alarms
    title: 'No alarm of the account has its actions disabled'
    result_kind: aws_account
    severity: medium
    risk: 'An alarm with actions disabled tells nobody.'
    detect:
      passed: |-
        is(aws_account) with(empty, -[2]{weight == null}-> is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == false)
    remediation:
      text: 'Enable the actions of every alarm.'
      fixes:
        - at: aws_cloudwatch_alarm
          when: 'cloudwatch_actions_enabled == false'
          cli: "aws cloudwatch enable-alarm-actions --region {{alarm_region}} --alarm-names '{{alarm_name}}'"
"#;

const MY_BENCHMARK: &str = "id: mine
title: 'My checks'
framework: internal
version: '0.1'
sections:
  - title: 'Mine'
    controls:
      - control: 'M.1'
        title: 'Log group retention'
        check: my_log_group_retention
      - control: 'M.2'
        title: 'No disabled alarms'
        check: my_no_disabled_alarms
";

const MY_VOCABULARY: &str = "conditions:
  - condition: 'group_retention_in_days >= 365'
    fails: 'keeps events less than a year'
  - condition: 'cloudwatch_actions_enabled == false'
    holds: 'actions disabled'
";

fn my_catalog(with_vocabulary: bool) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("checks")).unwrap();
    std::fs::create_dir(dir.path().join("benchmarks")).unwrap();
    std::fs::write(dir.path().join("checks/mine.yaml"), MY_CHECKS).unwrap();
    std::fs::write(dir.path().join("benchmarks/mine.yaml"), MY_BENCHMARK).unwrap();
    if with_vocabulary {
        std::fs::write(dir.path().join("vocabulary.yaml"), MY_VOCABULARY).unwrap();
    }
    load_catalog(&[dir.path().to_owned()]).unwrap()
}

fn group(name: &str, retention: Option<u32>) -> Json {
    let arn = format!("arn:aws:logs:us-east-1:{ACCT}:log-group:{name}:*");
    match retention {
        Some(days) => json!({"logGroupName": name, "arn": arn, "retentionInDays": days}),
        None => json!({"logGroupName": name, "arn": arn}),
    }
}

#[test]
fn a_custom_per_log_group_check_reports_each_group_with_words_and_filled_fixes() {
    let checks = monitoring_checks(&catalog());
    let c = Chain::new();
    let mut r = c.complete_region(&checks);
    r.log_groups = Some(json!({"logGroups": [
        group("/aws/cloudtrail/main", Some(400)),
        group("/app/short", Some(30)),
        group("/app/forever-unset", None),
    ]}));
    let e = evidence(vec![account(ACCT, vec![r])]);
    let inventory = build_inventory(&e);
    for with_vocabulary in [true, false] {
        let options = RunOptions {
            benchmark: Some("mine".to_owned()),
            ..RunOptions::default()
        };
        let rep = run(&my_catalog(with_vocabulary), &inventory, &options).unwrap();
        let results: Vec<&CheckResult> = rep
            .results()
            .filter(|x| x.check == "my_log_group_retention")
            .collect();
        // The JSON report written result by result is the document built whole, resources
        // included.
        let mut written = Vec::new();
        trailgraph_check::write_report(&rep, trailgraph_check::Format::Json, &mut written, false)
            .unwrap();
        let built = trailgraph_check::to_json(&rep);
        assert!(!built["results"][0]["resource"].is_null());
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&built).unwrap() + "\n"
        );
        let by_group: Vec<(&str, Status)> = results
            .iter()
            .map(|x| (x.resource.as_ref().unwrap().name.as_str(), x.status))
            .collect();
        assert_eq!(
            by_group,
            [
                ("/app/forever-unset", Status::Failed),
                ("/app/short", Status::Failed),
                ("/aws/cloudtrail/main", Status::Passed),
            ]
        );
        let short = results[1];
        assert_eq!(short.account, ACCT);
        let words = if with_vocabulary {
            "keeps events less than a year"
        } else {
            "does not meet `group_retention_in_days >= 365`"
        };
        assert_eq!(
            short.reason,
            format!("log group /app/short (us-east-1, {ACCT}): {words}"),
        );
        assert_eq!(
            short.remediation,
            [
                "aws logs put-retention-policy --region us-east-1 --log-group-name '/app/short' --retention-in-days 365"
            ]
        );
        let step = &short.chain()[0];
        assert_eq!(step.status, trailgraph_check::StepStatus::Broken);
        assert_eq!(
            step.condition.as_deref(),
            Some("group_retention_in_days >= 365")
        );
        assert!(!short.reason.contains("trail"), "{}", short.reason);
        // The text report marks the account by its worst result.
        let mut out = Vec::new();
        trailgraph_check::write_report(&rep, trailgraph_check::Format::Text, &mut out, false)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("  M.1    ✗  Log group retention"), "{text}");
        assert!(
            text.contains(", aws_cloudwatch_log_group /app/short [low]"),
            "{text}"
        );
    }
}

#[test]
fn a_custom_per_account_check_with_an_empty_level_and_an_edge_filter_explains_the_violator() {
    let inventory = trailgraph_model::demo_inventory();
    let options = RunOptions {
        benchmark: Some("mine".to_owned()),
        checks: vec!["M.2".to_owned()],
        ..RunOptions::default()
    };
    let rep = run(&my_catalog(true), &inventory, &options).unwrap();
    let statuses: Vec<(&str, Status)> = rep
        .results()
        .map(|x| (x.account.as_str(), x.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("111111111111", Status::Passed),
            ("222222222222", Status::Passed),
            ("333333333333", Status::Failed),
        ]
    );
    let failed = result(&rep, "my_no_disabled_alarms", "333333333333");
    assert_eq!(
        failed.reason,
        "alarm NetworkGatewayChangesAlarm: actions disabled"
    );
    assert_eq!(
        failed.remediation,
        [
            "aws cloudwatch enable-alarm-actions --region us-west-2 --alarm-names 'NetworkGatewayChangesAlarm'"
        ]
    );
    let passed = result(&rep, "my_no_disabled_alarms", "111111111111");
    assert!(passed.remediation.is_empty());
    assert!(passed.reason.starts_with("passed"), "{}", passed.reason);
}

#[test]
fn the_cloudtrail_security_pack_gets_true_words_and_filled_fixes() {
    let inventory = trailgraph_model::demo_inventory();
    let options = RunOptions {
        benchmark: Some("cloudtrail_security_events".to_owned()),
        ..RunOptions::default()
    };
    let rep = run(&catalog(), &inventory, &options).unwrap();
    let controls: Vec<&str> = rep
        .sections
        .iter()
        .flat_map(|s| s.controls.iter().map(|c| c.control.as_str()))
        .collect();
    assert_eq!(controls, ["S.1", "S.2", "S.3", "S.4", "S.5", "S.6"]);
    // The management account alarms on everything but SetDefaultPolicyVersion, which its CIS
    // IAM filter does not name.
    let management: Vec<(String, Status)> = statuses(&rep, "111111111111", "aws_security_");
    for (check, status) in &management {
        let expected = if check == "aws_security_iam_policy_changes" {
            Status::Failed
        } else {
            Status::Passed
        };
        assert_eq!(*status, expected, "{check}");
    }
    let iam = result(&rep, "aws_security_iam_policy_changes", "111111111111");
    assert!(
        iam.reason
            .contains("\"eventName\":\"SetDefaultPolicyVersion\""),
        "{}",
        iam.reason
    );
    for r in rep.results().filter(|r| r.status == Status::Failed) {
        assert!(!r.remediation.is_empty(), "{}: {}", r.check, r.reason);
        for command in &r.remediation {
            let unfilled = command.replace("<security-team@example.com>", "");
            assert!(!unfilled.contains('<'), "{}: {command}", r.check);
        }
    }
    // The sandbox's CloudTrail filter covers StopLogging, but its topic has no subscriber.
    let stop = result(&rep, "aws_security_stop_logging", "333333333333");
    assert!(
        stop.reason
            .ends_with("filter CloudTrailConfigChanges: covers → alarm CloudTrailConfigChangesAlarm → topic sandbox-unwatched: no subscription"),
        "{}",
        stop.reason
    );
    assert_eq!(verbs(stop), ["aws sns subscribe"]);
}
