//! Every CIS monitoring pattern of every version (v1.2 to v7.0), evaluated
//! on CloudTrail-shaped events it must catch and events it must not catch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{VERSIONS, cis_patterns};
use serde_json::{Value, json};
use trailgraph_pattern::{Event, parse};

/// A CloudTrail record with the fields every record has.
fn record(source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333", "userName": "alice"},
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.0",
        "requestParameters": null,
        "responseElements": null,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
}

fn with(mut base: Value, changes: Value) -> Value {
    if let (Value::Object(b), Value::Object(c)) = (&mut base, changes) {
        for (k, v) in c {
            if v.is_null() {
                b.remove(&k);
            } else {
                b.insert(k, v);
            }
        }
    }
    base
}

fn names(source: &str, names: &[&str]) -> Vec<Value> {
    names.iter().map(|n| record(source, n)).collect()
}

const IAM_EVENTS: [&str; 16] = [
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
];
const ORG_EVENTS: [&str; 18] = [
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
];
const SG_EVENTS: [&str; 6] = [
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
];
const ROUTE_EVENTS: [&str; 7] = [
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
];
const VPC_EVENTS: [&str; 11] = [
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DisableVpcClassicLink",
    "EnableVpcClassicLink",
];

fn console_login(mfa: Option<&str>, user_type: &str, result: &str) -> Value {
    let mut e = with(
        record("signin.amazonaws.com", "ConsoleLogin"),
        json!({"responseElements": {"ConsoleLogin": result}, "userIdentity": {"type": user_type}}),
    );
    if let Some(mfa) = mfa {
        e = with(
            e,
            json!({"additionalEventData": {"MFAUsed": mfa, "LoginTo": "https://console.aws.amazon.com"}}),
        );
    }
    e
}

fn denied(code: &str, source_ip: &str, name: &str) -> Value {
    with(
        record("s3.amazonaws.com", name),
        json!({"errorCode": code, "sourceIPAddress": source_ip}),
    )
}

/// (events the pattern must match, events it must not match).
fn expectations(topic: &str, version: &str) -> (Vec<Value>, Vec<Value>) {
    let v = VERSIONS.iter().position(|x| *x == version).unwrap();
    let from = |w: &str| v >= VERSIONS.iter().position(|x| *x == w).unwrap();
    let delivery = "delivery.logs.amazonaws.com";
    match topic {
        "unauthorized" if from("4.0") => (
            vec![
                denied(
                    "Client.UnauthorizedOperation",
                    "203.0.113.7",
                    "RunInstances",
                ),
                // `&&` binds tighter: the exclusions only apply to AccessDenied*.
                denied("Client.UnauthorizedOperation", delivery, "HeadBucket"),
                denied("AccessDenied", "203.0.113.7", "GetObject"),
                denied("AccessDeniedException", "203.0.113.7", "GetSecretValue"),
            ],
            vec![
                record("ec2.amazonaws.com", "DescribeInstances"),
                denied("AccessDenied", delivery, "PutObject"),
                denied("AccessDenied", "203.0.113.7", "HeadBucket"),
                denied("ThrottlingException", "203.0.113.7", "GetObject"),
                // a missing sourceIPAddress makes `!=` false
                with(
                    denied("AccessDenied", "x", "GetObject"),
                    json!({"sourceIPAddress": null}),
                ),
            ],
        ),
        "unauthorized" if from("1.3") => (
            vec![
                denied("Client.UnauthorizedOperation", delivery, "HeadBucket"),
                denied("AccessDenied", delivery, "HeadBucket"),
                // the `||` form matches almost every event
                record("ec2.amazonaws.com", "DescribeInstances"),
                with(
                    record("s3.amazonaws.com", "GetObject"),
                    json!({"sourceIPAddress": delivery}),
                ),
            ],
            vec![
                with(
                    record("s3.amazonaws.com", "HeadBucket"),
                    json!({"sourceIPAddress": delivery}),
                ),
                with(
                    record("s3.amazonaws.com", "HeadBucket"),
                    json!({"sourceIPAddress": null}),
                ),
            ],
        ),
        "unauthorized" => (
            vec![
                denied(
                    "Client.UnauthorizedOperation",
                    "203.0.113.7",
                    "RunInstances",
                ),
                denied("AccessDenied", delivery, "HeadBucket"),
                denied("AccessDeniedException", "203.0.113.7", "GetSecretValue"),
            ],
            vec![
                record("ec2.amazonaws.com", "DescribeInstances"),
                denied("ThrottlingException", "203.0.113.7", "GetObject"),
                denied("accessdenied", "203.0.113.7", "GetObject"),
                denied("UnauthorizedOperationX", "203.0.113.7", "GetObject"),
            ],
        ),
        "mfa" => (
            vec![
                console_login(Some("No"), "IAMUser", "Success"),
                console_login(Some("No"), "AssumedRole", "Failure"),
            ],
            vec![
                console_login(Some("Yes"), "IAMUser", "Success"),
                // no additionalEventData: `!=` on a missing field is false
                console_login(None, "IAMUser", "Success"),
                with(
                    record("sts.amazonaws.com", "AssumeRole"),
                    json!({"additionalEventData": {"MFAUsed": "No"}}),
                ),
            ],
        ),
        "mfa-sso" => (
            vec![console_login(Some("No"), "IAMUser", "Success")],
            vec![
                console_login(Some("No"), "AssumedRole", "Success"),
                console_login(Some("No"), "IAMUser", "Failure"),
                console_login(Some("Yes"), "IAMUser", "Success"),
            ],
        ),
        "root" => {
            let root = |changes: Value| {
                with(
                    with(
                        record("iam.amazonaws.com", "CreateUser"),
                        json!({"userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}}),
                    ),
                    changes,
                )
            };
            (
                vec![
                    root(json!({})),
                    root(json!({"eventType": "AwsConsoleSignIn"})),
                ],
                vec![
                    root(
                        json!({"userIdentity": {"type": "Root", "invokedBy": "support.amazonaws.com"}}),
                    ),
                    root(json!({"eventType": "AwsServiceEvent"})),
                    root(json!({"eventType": null})),
                    record("iam.amazonaws.com", "CreateUser"),
                ],
            )
        }
        "iam" => (
            names("iam.amazonaws.com", &IAM_EVENTS),
            names(
                "iam.amazonaws.com",
                &[
                    "ListPolicies",
                    "GetPolicy",
                    "CreateUser",
                    "deletegrouppolicy",
                    "PutGroupPolicyX",
                ],
            ),
        ),
        "cloudtrail" => (
            names(
                "cloudtrail.amazonaws.com",
                &[
                    "CreateTrail",
                    "UpdateTrail",
                    "DeleteTrail",
                    "StartLogging",
                    "StopLogging",
                ],
            ),
            names(
                "cloudtrail.amazonaws.com",
                &["DescribeTrails", "GetTrailStatus", "PutEventSelectors"],
            ),
        ),
        "auth-failures" => (
            vec![with(
                record("signin.amazonaws.com", "ConsoleLogin"),
                json!({"errorMessage": "Failed authentication"}),
            )],
            vec![
                record("signin.amazonaws.com", "ConsoleLogin"),
                with(
                    record("signin.amazonaws.com", "ConsoleLogin"),
                    json!({"errorMessage": "failed authentication"}),
                ),
                with(
                    record("sts.amazonaws.com", "AssumeRole"),
                    json!({"errorMessage": "Failed authentication"}),
                ),
            ],
        ),
        "cmk" => (
            names("kms.amazonaws.com", &["DisableKey", "ScheduleKeyDeletion"]),
            [
                names("kms.amazonaws.com", &["EnableKey", "CancelKeyDeletion"]),
                names("ec2.amazonaws.com", &["DisableKey"]),
            ]
            .concat(),
        ),
        "s3-policy" => (
            names(
                "s3.amazonaws.com",
                &[
                    "PutBucketAcl",
                    "PutBucketPolicy",
                    "PutBucketCors",
                    "PutBucketLifecycle",
                    "PutBucketReplication",
                    "DeleteBucketPolicy",
                    "DeleteBucketCors",
                    "DeleteBucketLifecycle",
                    "DeleteBucketReplication",
                ],
            ),
            [
                names("s3.amazonaws.com", &["GetBucketAcl", "PutObject"]),
                names("s3-control.amazonaws.com", &["PutBucketPolicy"]),
            ]
            .concat(),
        ),
        "config" => (
            names(
                "config.amazonaws.com",
                &[
                    "StopConfigurationRecorder",
                    "DeleteDeliveryChannel",
                    "PutDeliveryChannel",
                    "PutConfigurationRecorder",
                ],
            ),
            [
                names(
                    "config.amazonaws.com",
                    &["StartConfigurationRecorder", "DescribeConfigRules"],
                ),
                names("ec2.amazonaws.com", &["PutDeliveryChannel"]),
            ]
            .concat(),
        ),
        "security-groups" => {
            let mut hit = names("ec2.amazonaws.com", &SG_EVENTS);
            let mut miss = names(
                "ec2.amazonaws.com",
                &["DescribeSecurityGroups", "ModifyInstanceAttribute"],
            );
            if from("5.0") {
                hit.push(record("ec2.amazonaws.com", "ModifySecurityGroupRules"));
            } else {
                miss.push(record("ec2.amazonaws.com", "ModifySecurityGroupRules"));
            }
            (hit, miss)
        }
        "nacl" => (
            names(
                "ec2.amazonaws.com",
                &[
                    "CreateNetworkAcl",
                    "CreateNetworkAclEntry",
                    "DeleteNetworkAcl",
                    "DeleteNetworkAclEntry",
                    "ReplaceNetworkAclEntry",
                    "ReplaceNetworkAclAssociation",
                ],
            ),
            names("ec2.amazonaws.com", &["DescribeNetworkAcls"]),
        ),
        "gateways" => (
            names(
                "ec2.amazonaws.com",
                &[
                    "CreateCustomerGateway",
                    "DeleteCustomerGateway",
                    "AttachInternetGateway",
                    "CreateInternetGateway",
                    "DeleteInternetGateway",
                    "DetachInternetGateway",
                ],
            ),
            names(
                "ec2.amazonaws.com",
                &["DescribeInternetGateways", "CreateNatGateway"],
            ),
        ),
        "routes" => {
            let mut hit = names("ec2.amazonaws.com", &ROUTE_EVENTS);
            // the eventSource clause binds only to CreateRoute
            hit.push(record("other.amazonaws.com", "CreateRouteTable"));
            let mut miss = names("ec2.amazonaws.com", &["DescribeRouteTables"]);
            let foreign = record("other.amazonaws.com", "CreateRoute");
            if from("3.0") {
                miss.push(foreign);
            } else {
                hit.push(foreign);
            }
            (hit, miss)
        }
        "vpc" => (
            names("ec2.amazonaws.com", &VPC_EVENTS),
            names("ec2.amazonaws.com", &["DescribeVpcs", "CreateSubnet"]),
        ),
        "organizations" => (
            names("organizations.amazonaws.com", &ORG_EVENTS),
            [
                names(
                    "organizations.amazonaws.com",
                    &[
                        "CancelHandshake",
                        "CreateOrganization",
                        "EnableAllFeatures",
                        "ListAccounts",
                    ],
                ),
                names("iam.amazonaws.com", &["CreatePolicy", "AttachPolicy"]),
            ]
            .concat(),
        ),
        other => panic!("no expectations for {other}"),
    }
}

#[test]
fn every_cis_pattern_of_every_version_catches_its_events() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for version in VERSIONS {
        for (topic, text) in cis_patterns(version) {
            let pattern = parse(text).unwrap_or_else(|e| panic!("v{version} {topic}: {e}"));
            let (hit, miss) = expectations(topic, version);
            assert!(!hit.is_empty() && !miss.is_empty());
            for event in hit {
                checked += 1;
                if !pattern.matches(&Event::from_json(event.clone())) {
                    failures.push(format!("v{version} {topic} should match {event}"));
                }
            }
            for event in miss {
                checked += 1;
                if pattern.matches(&Event::from_json(event.clone())) {
                    failures.push(format!("v{version} {topic} should not match {event}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 1000, "{checked}");
}

#[test]
fn cis_patterns_survive_printing() {
    for version in VERSIONS {
        for (topic, text) in cis_patterns(version) {
            let pattern = parse(text).unwrap();
            let printed = pattern.to_string();
            assert_eq!(
                parse(&printed).unwrap(),
                pattern,
                "v{version} {topic}: {printed}"
            );
        }
    }
}

#[test]
fn security_hub_variants_mean_the_same() {
    use common::*;
    use trailgraph_pattern::{Verdict, compare_text};
    for (required, actual) in [
        (UNAUTHORIZED_V1_2, UNAUTHORIZED_SECURITY_HUB),
        (ROOT, ROOT_SECURITY_HUB),
    ] {
        assert_eq!(
            compare_text(required, actual).unwrap().verdict(),
            Verdict::Equivalent
        );
    }
}
