//! One validation of every [`Evidence`] before it is linked: each document is read into its
//! typed shape (the `cloudtrail`, `logs`, `cloudwatch`, `sns` and `sts` modules), checked for a
//! pagination token left in it, and cross-checked against the account it was filed under.
//!
//! A document that fails is not used at all (a half-read list is not the list): it is removed
//! from the evidence, as if it had not been collected, and a [`CollectionError`] records the
//! account, region, service, operation, a code and a message naming the document and what is
//! wrong. The checks turn such errors into *not evaluable*, never into a pass.
//!
//! Codes:
//! - [`INVALID_EVIDENCE`]: not the document's shape (a top-level key missing or renamed, an
//!   element that is not an object, a key field missing or of another type);
//! - [`INCOMPLETE_EVIDENCE`]: one page of a longer list (it still carries `nextToken` /
//!   `NextToken`), or an account with no region at all;
//! - [`FOREIGN_EVIDENCE`]: a resource of another account (by the account field of its ARN), a
//!   trail of another account that is not an organisation trail, or a caller identity of
//!   another account.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::{AccountEvidence, Evidence, RegionEvidence, cloudtrail, cloudwatch, logs, sns, sts};
use crate::build::arn_account;
use crate::meta::CollectionError;

/// Code of a document that does not have its shape (or could not be read as JSON).
pub const INVALID_EVIDENCE: &str = "InvalidEvidence";
/// Code of a document that is one page of a longer list, or of an account without regions.
pub const INCOMPLETE_EVIDENCE: &str = "IncompleteEvidence";
/// Code of evidence that belongs to another account.
pub const FOREIGN_EVIDENCE: &str = "ForeignEvidence";

/// One document of the evidence, named as in the AWS CLI layout (`docs/aws-cli-evidence.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// `sts-get-caller-identity.json` (account level).
    CallerIdentity,
    /// `cloudtrail-describe-trails.json`.
    DescribeTrails,
    /// `cloudtrail-get-trail-status--<trail>.json`.
    TrailStatus(String),
    /// `cloudtrail-get-event-selectors--<trail>.json`.
    EventSelectors(String),
    /// `cloudtrail-list-tags--<trail>.json`.
    TrailTags(String),
    /// `logs-describe-log-groups.json`.
    LogGroups,
    /// `logs-describe-metric-filters.json`.
    MetricFilters,
    /// `cloudwatch-describe-alarms.json`.
    Alarms,
    /// `sns-list-topics.json`.
    Topics,
    /// `sns-get-topic-attributes--<topic>.json`.
    TopicAttributes(String),
    /// `sns-list-subscriptions.json`.
    Subscriptions,
}

impl Document {
    /// The file name of the document in the AWS CLI layout.
    pub fn file_name(&self) -> String {
        match self {
            Document::CallerIdentity => "sts-get-caller-identity.json".into(),
            Document::DescribeTrails => "cloudtrail-describe-trails.json".into(),
            Document::TrailStatus(n) => format!("cloudtrail-get-trail-status--{n}.json"),
            Document::EventSelectors(n) => format!("cloudtrail-get-event-selectors--{n}.json"),
            Document::TrailTags(n) => format!("cloudtrail-list-tags--{n}.json"),
            Document::LogGroups => "logs-describe-log-groups.json".into(),
            Document::MetricFilters => "logs-describe-metric-filters.json".into(),
            Document::Alarms => "cloudwatch-describe-alarms.json".into(),
            Document::Topics => "sns-list-topics.json".into(),
            Document::TopicAttributes(n) => format!("sns-get-topic-attributes--{n}.json"),
            Document::Subscriptions => "sns-list-subscriptions.json".into(),
        }
    }

    /// The service that answers the operation.
    pub fn service(&self) -> &'static str {
        match self {
            Document::CallerIdentity => "sts",
            Document::DescribeTrails
            | Document::TrailStatus(_)
            | Document::EventSelectors(_)
            | Document::TrailTags(_) => "cloudtrail",
            Document::LogGroups | Document::MetricFilters => "logs",
            Document::Alarms => "cloudwatch",
            Document::Topics | Document::TopicAttributes(_) | Document::Subscriptions => "sns",
        }
    }

    /// The AWS API operation.
    pub fn operation(&self) -> &'static str {
        match self {
            Document::CallerIdentity => "GetCallerIdentity",
            Document::DescribeTrails => "DescribeTrails",
            Document::TrailStatus(_) => "GetTrailStatus",
            Document::EventSelectors(_) => "GetEventSelectors",
            Document::TrailTags(_) => "ListTags",
            Document::LogGroups => "DescribeLogGroups",
            Document::MetricFilters => "DescribeMetricFilters",
            Document::Alarms => "DescribeAlarms",
            Document::Topics => "ListTopics",
            Document::TopicAttributes(_) => "GetTopicAttributes",
            Document::Subscriptions => "ListSubscriptions",
        }
    }
}

/// A document that failed, where it is, and the error to record.
struct Rejection {
    account: usize,
    /// `None` for account-level documents (and for errors that reject nothing).
    region: Option<usize>,
    /// `None` when nothing is removed (an account without regions).
    document: Option<Document>,
    /// Every document of the account is removed (its folder is another account's).
    whole_account: bool,
    error: CollectionError,
}

struct Problem {
    code: &'static str,
    detail: String,
}

fn invalid(detail: String) -> Problem {
    Problem {
        code: INVALID_EVIDENCE,
        detail,
    }
}

fn foreign(detail: String) -> Problem {
    Problem {
        code: FOREIGN_EVIDENCE,
        detail,
    }
}

/// The errors validation finds in `evidence` (what [`validated`] adds to `meta.errors`).
pub fn validate(evidence: &Evidence) -> Vec<CollectionError> {
    rejections(evidence).into_iter().map(|r| r.error).collect()
}

/// `evidence` with every document that fails validation removed and its error appended to
/// `meta.errors`; borrowed unchanged when everything is valid. [`crate::build_inventory`] calls
/// this first, so the collector, the importer and the demo share it.
pub fn validated(evidence: &Evidence) -> Cow<'_, Evidence> {
    let found = rejections(evidence);
    if found.is_empty() {
        return Cow::Borrowed(evidence);
    }
    let mut out = evidence.clone();
    for r in found {
        if let (Some(account), Some(document)) = (out.accounts.get_mut(r.account), &r.document) {
            remove(account, r.region, document);
        }
        if let Some(account) = out.accounts.get_mut(r.account).filter(|_| r.whole_account) {
            for region in &mut account.regions {
                *region = RegionEvidence {
                    region: std::mem::take(&mut region.region),
                    ..RegionEvidence::default()
                };
            }
        }
        // Validating validated evidence adds nothing: removed documents are gone, and the one
        // error that removes nothing is not repeated.
        if r.document.is_some() || r.whole_account || !out.meta.errors.contains(&r.error) {
            out.meta.errors.push(r.error);
        }
    }
    Cow::Owned(out)
}

fn remove(account: &mut AccountEvidence, region: Option<usize>, document: &Document) {
    let Some(r) = region.and_then(|i| account.regions.get_mut(i)) else {
        if *document == Document::CallerIdentity {
            account.caller_identity = None;
        }
        return;
    };
    match document {
        Document::CallerIdentity => {}
        Document::DescribeTrails => r.describe_trails = None,
        Document::TrailStatus(n) => drop(r.trail_status.remove(n)),
        Document::EventSelectors(n) => drop(r.event_selectors.remove(n)),
        Document::TrailTags(n) => drop(r.trail_tags.remove(n)),
        Document::LogGroups => r.log_groups = None,
        Document::MetricFilters => r.metric_filters = None,
        Document::Alarms => r.alarms = None,
        Document::Topics => r.topics = None,
        Document::TopicAttributes(n) => drop(r.topic_attributes.remove(n)),
        Document::Subscriptions => r.subscriptions = None,
    }
}

fn rejections(evidence: &Evidence) -> Vec<Rejection> {
    let mut out = Vec::new();
    for (a, account) in evidence.accounts.iter().enumerate() {
        let id = account.account_id.as_str();
        if account.regions.is_empty() {
            out.push(Rejection {
                account: a,
                region: None,
                document: None,
                whole_account: false,
                error: CollectionError {
                    account: id.to_owned(),
                    region: None,
                    service: "cloudtrail".into(),
                    operation: "DescribeTrails".into(),
                    resource: None,
                    code: INCOMPLETE_EVIDENCE.into(),
                    message: format!(
                        "{id}/: no region was collected for this account (no region folder), so nothing about it can be checked"
                    ),
                },
            });
        }
        if let Some(identity) = &account.caller_identity {
            out.extend(check_caller_identity(a, id, identity));
        }
        for (r, region) in account.regions.iter().enumerate() {
            check_region(a, id, r, region, &mut out);
        }
    }
    out
}

fn error(
    account: &str,
    region: Option<&str>,
    document: &Document,
    resource: Option<String>,
    problem: Problem,
) -> CollectionError {
    let place = match region {
        Some(r) => format!("{account}/{r}/{}", document.file_name()),
        None => format!("{account}/{}", document.file_name()),
    };
    CollectionError {
        account: account.to_owned(),
        region: region.map(str::to_owned),
        service: document.service().to_owned(),
        operation: document.operation().to_owned(),
        resource,
        code: problem.code.to_owned(),
        message: format!("{place}: {}", problem.detail),
    }
}

fn check_caller_identity(a: usize, id: &str, doc: &Json) -> Vec<Rejection> {
    let document = Document::CallerIdentity;
    let problem = match sts::CallerIdentity::from_json(doc) {
        Err(detail) => invalid(detail),
        Ok(identity) => {
            let arn_owner = arn_account(&identity.arn);
            if identity.account == id && arn_owner.is_none_or(|o| o == id) {
                return Vec::new();
            }
            foreign(format!(
                "the evidence was collected in account {} (`Account`, caller `{}`), not in {id}",
                identity.account, identity.arn
            ))
        }
    };
    let mut out = Vec::new();
    if problem.code == FOREIGN_EVIDENCE {
        // The checks read CloudTrail first: an error there makes every check of the account
        // not evaluable, which is what evidence of another account deserves.
        let mut cloudtrail = error(
            id,
            None,
            &document,
            None,
            foreign(format!(
                "{}; nothing in this folder is used as evidence of {id}",
                problem.detail
            )),
        );
        cloudtrail.service = "cloudtrail".into();
        cloudtrail.operation = "DescribeTrails".into();
        out.push(Rejection {
            account: a,
            region: None,
            document: None,
            whole_account: true,
            error: cloudtrail,
        });
    }
    out.push(Rejection {
        account: a,
        region: None,
        document: Some(document.clone()),
        whole_account: false,
        error: error(id, None, &document, None, problem),
    });
    out
}

/// A problem when `arn` is not an ARN of `account`.
fn own_arn(what: &str, arn: &str, account: &str) -> Result<(), Problem> {
    if !arn.starts_with("arn:") {
        return Err(invalid(format!("{what} `{arn}` is not an ARN")));
    }
    match arn_account(arn) {
        Some(owner) if owner == account => Ok(()),
        Some(owner) => Err(foreign(format!(
            "{what} `{arn}` belongs to account {owner}, not {account}"
        ))),
        None => Err(invalid(format!("{what} `{arn}` has no account field"))),
    }
}

fn check_region(a: usize, id: &str, r: usize, region: &RegionEvidence, out: &mut Vec<Rejection>) {
    let name = region.region.as_str();
    let mut reject = |document: Document, resource: Option<String>, problem: Problem| {
        out.push(Rejection {
            account: a,
            region: Some(r),
            error: error(id, Some(name), &document, resource, problem),
            document: Some(document),
            whole_account: false,
        });
    };
    let trail_arn = |trail: &str| -> Option<String> {
        let trails = region
            .describe_trails
            .as_ref()?
            .get("trailList")?
            .as_array()?;
        trails
            .iter()
            .find(|t| t.get("Name").and_then(Json::as_str) == Some(trail))
            .and_then(|t| t.get("TrailARN")?.as_str().map(str::to_owned))
    };
    let singles: [(Document, &Option<Json>, Check); 6] = [
        (
            Document::DescribeTrails,
            &region.describe_trails,
            check_trails,
        ),
        (Document::LogGroups, &region.log_groups, check_log_groups),
        (
            Document::MetricFilters,
            &region.metric_filters,
            check_metric_filters,
        ),
        (Document::Alarms, &region.alarms, check_alarms),
        (Document::Topics, &region.topics, check_topics),
        (
            Document::Subscriptions,
            &region.subscriptions,
            check_subscriptions,
        ),
    ];
    for (document, doc, check) in singles {
        if let Some(doc) = doc
            && let Err(problem) = paged(doc).and_then(|()| check(doc, id))
        {
            reject(document, None, problem);
        }
    }
    for (trail, doc) in &region.trail_status {
        if let Err(problem) = paged(doc).and_then(|()| {
            cloudtrail::TrailStatus::from_json(doc)
                .map(drop)
                .map_err(invalid)
        }) {
            reject(
                Document::TrailStatus(trail.clone()),
                trail_arn(trail),
                problem,
            );
        }
    }
    for (trail, doc) in &region.event_selectors {
        let checked = paged(doc).and_then(|()| {
            let selectors = cloudtrail::EventSelectors::from_json(doc).map_err(invalid)?;
            match &selectors.trail_arn {
                Some(arn) => own_arn("`TrailARN`", arn, id),
                None => Ok(()),
            }
        });
        if let Err(problem) = checked {
            reject(
                Document::EventSelectors(trail.clone()),
                trail_arn(trail),
                problem,
            );
        }
    }
    for (trail, doc) in &region.trail_tags {
        if let Err(problem) = paged(doc).and_then(|()| {
            cloudtrail::ListTags::from_json(doc)
                .map(drop)
                .map_err(invalid)
        }) {
            reject(
                Document::TrailTags(trail.clone()),
                trail_arn(trail),
                problem,
            );
        }
    }
    for (topic, doc) in &region.topic_attributes {
        let checked = paged(doc).and_then(|()| {
            let attributes = sns::TopicAttributes::from_json(doc).map_err(invalid)?;
            match attributes.attributes.get("TopicArn") {
                Some(arn) => own_arn("`Attributes.TopicArn`", arn, id),
                None => Ok(()),
            }
        });
        if let Err(problem) = checked {
            let resource = format!("arn:aws:sns:{name}:{id}:{topic}");
            reject(
                Document::TopicAttributes(topic.clone()),
                Some(resource),
                problem,
            );
        }
    }
}

/// A check of one single document of a region, given the account it is filed under.
type Check = fn(&Json, &str) -> Result<(), Problem>;

fn paged(doc: &Json) -> Result<(), Problem> {
    match super::shape::page_token(doc) {
        Some(key) => Err(Problem {
            code: INCOMPLETE_EVIDENCE,
            detail: format!(
                "`{key}` is present: this is one page of a longer list (run the AWS CLI without `--max-items`/`--no-paginate` so that it merges every page)"
            ),
        }),
        None => Ok(()),
    }
}

fn check_trails(doc: &Json, account: &str) -> Result<(), Problem> {
    let trails = cloudtrail::DescribeTrails::from_json(doc).map_err(invalid)?;
    for (i, trail) in trails.trail_list.iter().enumerate() {
        let what = format!("`trailList`[{i}].`TrailARN`");
        match own_arn(&what, &trail.trail_arn, account) {
            Ok(()) => {}
            // Organisation trails are listed in every member account; their home is the
            // management account (see `trail_is_shadow`).
            Err(p) if p.code == FOREIGN_EVIDENCE && trail.is_organization_trail == Some(true) => {}
            Err(p) if p.code == FOREIGN_EVIDENCE => {
                return Err(foreign(format!(
                    "{}, and the trail is not an organisation trail (`IsOrganizationTrail` is not true)",
                    p.detail
                )));
            }
            Err(p) => return Err(p),
        }
    }
    Ok(())
}

fn check_log_groups(doc: &Json, account: &str) -> Result<(), Problem> {
    let groups = logs::DescribeLogGroups::from_json(doc).map_err(invalid)?;
    for (i, group) in groups.log_groups.iter().enumerate() {
        if let Some(arn) = &group.arn {
            own_arn(&format!("`logGroups`[{i}].`arn`"), arn, account)?;
        }
    }
    Ok(())
}

fn check_metric_filters(doc: &Json, _account: &str) -> Result<(), Problem> {
    logs::DescribeMetricFilters::from_json(doc)
        .map(drop)
        .map_err(invalid)
}

fn check_alarms(doc: &Json, account: &str) -> Result<(), Problem> {
    let alarms = cloudwatch::DescribeAlarms::from_json(doc).map_err(invalid)?;
    for (i, alarm) in alarms.metric_alarms.iter().enumerate() {
        if let Some(arn) = &alarm.alarm_arn {
            own_arn(&format!("`MetricAlarms`[{i}].`AlarmArn`"), arn, account)?;
        }
    }
    Ok(())
}

fn check_topics(doc: &Json, account: &str) -> Result<(), Problem> {
    let topics = sns::ListTopics::from_json(doc).map_err(invalid)?;
    for (i, topic) in topics.topics.iter().enumerate() {
        own_arn(
            &format!("`Topics`[{i}].`TopicArn`"),
            &topic.topic_arn,
            account,
        )?;
    }
    Ok(())
}

fn check_subscriptions(doc: &Json, account: &str) -> Result<(), Problem> {
    let subscriptions = sns::ListSubscriptions::from_json(doc).map_err(invalid)?;
    for (i, sub) in subscriptions.subscriptions.iter().enumerate() {
        // A subscription of this account to another account's topic carries that account in
        // its ARN and this one in `Owner`: foreign only when neither names this account.
        let arn_owner = sub
            .subscription_arn
            .starts_with("arn:")
            .then(|| arn_account(&sub.subscription_arn))
            .flatten();
        let owner = sub.owner.as_deref();
        let ours = owner == Some(account) || arn_owner == Some(account);
        let named = owner.or(arn_owner);
        if let (false, Some(other)) = (ours, named) {
            return Err(foreign(format!(
                "`Subscriptions`[{i}] (`{}`) belongs to account {other}, not {account}",
                sub.subscription_arn
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACCT: &str = "111122223333";
    const OTHER: &str = "444455556666";

    fn region() -> RegionEvidence {
        let mut r = RegionEvidence {
            region: "us-east-1".into(),
            describe_trails: Some(
                json!({"trailList": [{"Name": "t", "HomeRegion": "us-east-1",
                "TrailARN": format!("arn:aws:cloudtrail:us-east-1:{ACCT}:trail/t"), "IsMultiRegionTrail": true}]}),
            ),
            log_groups: Some(json!({"logGroups": [{"logGroupName": "g",
                "arn": format!("arn:aws:logs:us-east-1:{ACCT}:log-group:g:*")}]})),
            metric_filters: Some(
                json!({"metricFilters": [{"filterName": "f", "filterPattern": "",
                "logGroupName": "g", "metricTransformations": [{"metricName": "M", "metricNamespace": "N", "metricValue": "1"}]}]}),
            ),
            alarms: Some(
                json!({"MetricAlarms": [{"AlarmName": "a", "MetricName": "M", "Namespace": "N",
                "ActionsEnabled": true, "AlarmActions": []}], "CompositeAlarms": []}),
            ),
            topics: Some(
                json!({"Topics": [{"TopicArn": format!("arn:aws:sns:us-east-1:{ACCT}:alerts")}]}),
            ),
            subscriptions: Some(
                json!({"Subscriptions": [{"SubscriptionArn": "PendingConfirmation",
                "TopicArn": format!("arn:aws:sns:us-east-1:{ACCT}:alerts"), "Protocol": "email", "Owner": ACCT}]}),
            ),
            ..RegionEvidence::default()
        };
        r.trail_status
            .insert("t".into(), json!({"IsLogging": true}));
        r.event_selectors.insert(
            "t".into(),
            json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        );
        r.topic_attributes.insert(
            "alerts".into(),
            json!({"Attributes": {"Owner": ACCT, "SubscriptionsConfirmed": "1"}}),
        );
        r
    }

    fn evidence(r: RegionEvidence) -> Evidence {
        Evidence {
            meta: crate::SnapshotMeta::default(),
            accounts: vec![AccountEvidence {
                account_id: ACCT.into(),
                name: None,
                caller_identity: Some(
                    json!({"Account": ACCT, "Arn": format!("arn:aws:iam::{ACCT}:user/a")}),
                ),
                regions: vec![r],
                ..AccountEvidence::default()
            }],
        }
    }

    fn only_error(e: &Evidence) -> CollectionError {
        let errors = validate(e);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn the_fixture_is_valid() {
        assert_eq!(validate(&evidence(region())), []);
    }

    /// Damages a region's evidence.
    type Damage = fn(&mut RegionEvidence);

    #[test]
    fn every_kind_of_damage_is_an_error_for_its_operation() {
        let cases: Vec<(&str, Damage, &str, &str)> = vec![
            (
                "renamed key",
                |r| r.log_groups = Some(json!({"LogGroups": []})),
                "DescribeLogGroups",
                "missing `logGroups`",
            ),
            (
                "top-level array",
                |r| r.metric_filters = Some(json!([])),
                "DescribeMetricFilters",
                "expected a JSON object, found an array",
            ),
            (
                "top-level null",
                |r| r.alarms = Some(json!(null)),
                "DescribeAlarms",
                "found null",
            ),
            (
                "top-level string",
                |r| r.topics = Some(json!("x")),
                "ListTopics",
                "found a string",
            ),
            (
                "item null",
                |r| r.subscriptions = Some(json!({"Subscriptions": [null]})),
                "ListSubscriptions",
                "`Subscriptions`[0]",
            ),
            (
                "item string",
                |r| r.describe_trails = Some(json!({"trailList": ["t"]})),
                "DescribeTrails",
                "`trailList`[0]",
            ),
            (
                "key field missing",
                |r| {
                    r.alarms = Some(
                        json!({"MetricAlarms": [{"AlarmName": "a", "MetricName": "M", "Namespace": "N", "AlarmActions": []}]}),
                    )
                },
                "DescribeAlarms",
                "`ActionsEnabled`",
            ),
            (
                "key field mistyped",
                |r| {
                    r.alarms = Some(
                        json!({"MetricAlarms": [{"AlarmName": "a", "MetricName": "M", "Namespace": "N", "ActionsEnabled": "true", "AlarmActions": []}]}),
                    )
                },
                "DescribeAlarms",
                "expected a boolean",
            ),
            (
                "metric without namespace",
                |r| {
                    r.alarms = Some(
                        json!({"MetricAlarms": [{"AlarmName": "a", "MetricName": "M", "ActionsEnabled": true, "AlarmActions": []}]}),
                    )
                },
                "DescribeAlarms",
                "without `Namespace`",
            ),
            (
                "filter pattern mistyped",
                |r| {
                    r.metric_filters = Some(
                        json!({"metricFilters": [{"filterName": "f", "filterPattern": 1, "logGroupName": "g", "metricTransformations": []}]}),
                    )
                },
                "DescribeMetricFilters",
                "`metricFilters`[0]",
            ),
            (
                "page token",
                |r| r.log_groups = Some(json!({"logGroups": [], "nextToken": "abc"})),
                "DescribeLogGroups",
                "`nextToken` is present",
            ),
            (
                "page token pascal",
                |r| r.topics = Some(json!({"Topics": [], "NextToken": "abc"})),
                "ListTopics",
                "`NextToken` is present",
            ),
            (
                "status mistyped",
                |r| {
                    drop(
                        r.trail_status
                            .insert("t".into(), json!({"IsLogging": "yes"})),
                    )
                },
                "GetTrailStatus",
                "expected a boolean",
            ),
            (
                "selectors renamed",
                |r| {
                    drop(
                        r.event_selectors
                            .insert("t".into(), json!({"eventSelectors": []})),
                    )
                },
                "GetEventSelectors",
                "neither",
            ),
            (
                "selector field missing",
                |r| {
                    drop(r.event_selectors.insert(
                        "t".into(),
                        json!({"EventSelectors": [{"ReadWriteType": "All"}]}),
                    ))
                },
                "GetEventSelectors",
                "`IncludeManagementEvents`",
            ),
            (
                "topic count not a number",
                |r| {
                    drop(r.topic_attributes.insert(
                        "alerts".into(),
                        json!({"Attributes": {"SubscriptionsConfirmed": "many"}}),
                    ))
                },
                "GetTopicAttributes",
                "whole number",
            ),
        ];
        for (what, damage, operation, words) in cases {
            let mut r = region();
            damage(&mut r);
            let e = only_error(&evidence(r));
            assert_eq!(e.operation, operation, "{what}");
            assert_eq!(e.region.as_deref(), Some("us-east-1"), "{what}");
            assert!(e.message.contains(words), "{what}: {}", e.message);
            let code = if what.starts_with("page token") {
                INCOMPLETE_EVIDENCE
            } else {
                INVALID_EVIDENCE
            };
            assert_eq!(e.code, code, "{what}");
        }
    }

    #[test]
    fn resources_of_another_account_are_foreign() {
        let foreign_trail = json!({"trailList": [{"Name": "t", "HomeRegion": "us-east-1",
            "TrailARN": format!("arn:aws:cloudtrail:us-east-1:{OTHER}:trail/t"), "IsMultiRegionTrail": true,
            "IsOrganizationTrail": false}]});
        let mut r = region();
        r.describe_trails = Some(foreign_trail.clone());
        let e = only_error(&evidence(r));
        assert_eq!(
            (e.code.as_str(), e.operation.as_str()),
            (FOREIGN_EVIDENCE, "DescribeTrails")
        );
        assert!(
            e.message.contains("not an organisation trail"),
            "{}",
            e.message
        );

        let mut org = foreign_trail;
        org["trailList"][0]["IsOrganizationTrail"] = json!(true);
        let mut r = region();
        r.describe_trails = Some(org);
        assert_eq!(
            validate(&evidence(r)),
            [],
            "an organisation trail seen by a member"
        );

        let mut r = region();
        r.log_groups = Some(json!({"logGroups": [{"logGroupName": "g",
            "arn": format!("arn:aws:logs:us-east-1:{OTHER}:log-group:g:*")}]}));
        assert_eq!(only_error(&evidence(r)).code, FOREIGN_EVIDENCE);

        let mut r = region();
        r.subscriptions = Some(
            json!({"Subscriptions": [{"SubscriptionArn": format!("arn:aws:sns:us-east-1:{OTHER}:t:1"),
            "TopicArn": format!("arn:aws:sns:us-east-1:{OTHER}:t"), "Protocol": "email", "Owner": ACCT}]}),
        );
        assert_eq!(
            validate(&evidence(r)),
            [],
            "this account's subscription to another account's topic"
        );

        let mut e = evidence(region());
        e.accounts[0].caller_identity =
            Some(json!({"Account": OTHER, "Arn": format!("arn:aws:iam::{OTHER}:user/a")}));
        let errors = validate(&e);
        let services: Vec<&str> = errors.iter().map(|x| x.service.as_str()).collect();
        assert_eq!(services, ["cloudtrail", "sts"]);
        assert!(errors.iter().all(|x| x.code == FOREIGN_EVIDENCE));
        let cleaned = validated(&e).into_owned();
        let r = &cleaned.accounts[0].regions[0];
        assert_eq!(
            (
                r.region.as_str(),
                r.describe_trails.is_none(),
                r.trail_status.is_empty()
            ),
            ("us-east-1", true, true)
        );
        assert_eq!(
            validated(&cleaned).as_ref(),
            &cleaned,
            "validated twice adds nothing"
        );
    }

    #[test]
    fn an_account_without_regions_is_incomplete() {
        let mut e = evidence(region());
        e.accounts[0].regions.clear();
        let err = only_error(&e);
        assert_eq!(
            (err.service.as_str(), err.code.as_str()),
            ("cloudtrail", INCOMPLETE_EVIDENCE)
        );
        let once = validated(&e).into_owned();
        assert_eq!(validated(&once).as_ref().meta.errors.len(), 1);
    }

    #[test]
    fn unknown_keys_are_fine() {
        let mut r = region();
        r.log_groups = Some(
            json!({"logGroups": [{"logGroupName": "g", "logGroupArn": "x", "newField": {"a": 1}}], "extra": true}),
        );
        assert_eq!(validate(&evidence(r)), []);
    }
}
