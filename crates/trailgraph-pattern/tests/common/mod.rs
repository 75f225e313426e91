//! The CIS AWS Foundations monitoring patterns, exactly as the benchmark
//! versions print them (v1.2 to v7.0), shared by the tests and the benchmark.
#![allow(dead_code, clippy::unwrap_used)]

/// The CIS versions covered.
pub const VERSIONS: [&str; 10] = [
    "1.2", "1.3", "1.4", "1.5", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0",
];

pub const UNAUTHORIZED_V1_2: &str =
    r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
pub const UNAUTHORIZED_V1_3: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || ($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }"#;
pub const UNAUTHORIZED_V4_0: &str = r#"{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }"#;
pub const UNAUTHORIZED_SECURITY_HUB: &str =
    r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#;
pub const MFA: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
pub const MFA_SSO: &str = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#;
pub const ROOT: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
pub const ROOT_SECURITY_HUB: &str = r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#;
pub const IAM: &str = "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}";
pub const CLOUDTRAIL: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
pub const AUTH_FAILURES: &str =
    r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;
pub const CMK: &str = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }";
pub const S3_POLICY: &str = "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }";
pub const CONFIG: &str = "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }";
pub const SECURITY_GROUPS_V1_2: &str = "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }";
pub const SECURITY_GROUPS_V5_0: &str = "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }";
pub const NACL: &str = "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }";
pub const GATEWAYS: &str = "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }";
pub const ROUTES_V1_2: &str = "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }";
pub const ROUTES_V3_0: &str = "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }";
pub const VPC: &str = "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }";
pub const ORGANIZATIONS: &str = r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#;

fn index(version: &str) -> usize {
    VERSIONS.iter().position(|v| *v == version).unwrap()
}

/// Every (topic, pattern) pair CIS `version` prescribes.
pub fn cis_patterns(version: &str) -> Vec<(&'static str, &'static str)> {
    let v = index(version);
    let at_least = |w: &str| v >= index(w);
    let mut out = vec![
        (
            "unauthorized",
            if at_least("4.0") {
                UNAUTHORIZED_V4_0
            } else if at_least("1.3") {
                UNAUTHORIZED_V1_3
            } else {
                UNAUTHORIZED_V1_2
            },
        ),
        ("mfa", MFA),
        ("mfa-sso", MFA_SSO),
        ("root", ROOT),
        ("iam", IAM),
        ("cloudtrail", CLOUDTRAIL),
        ("auth-failures", AUTH_FAILURES),
        ("cmk", CMK),
        ("s3-policy", S3_POLICY),
        ("config", CONFIG),
        (
            "security-groups",
            if at_least("5.0") {
                SECURITY_GROUPS_V5_0
            } else {
                SECURITY_GROUPS_V1_2
            },
        ),
        ("nacl", NACL),
        ("gateways", GATEWAYS),
        (
            "routes",
            if at_least("3.0") {
                ROUTES_V3_0
            } else {
                ROUTES_V1_2
            },
        ),
        ("vpc", VPC),
    ];
    if at_least("1.3") {
        out.push(("organizations", ORGANIZATIONS));
    }
    out
}

/// Every distinct CIS pattern string of every version, with a name.
pub fn all_distinct_patterns() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for version in VERSIONS {
        for (topic, pattern) in cis_patterns(version) {
            if !out.iter().any(|(_, p)| *p == pattern) {
                out.push((format!("{topic} (v{version})"), pattern));
            }
        }
    }
    out
}
