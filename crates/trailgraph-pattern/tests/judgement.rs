//! Catch-all filters, the CloudTrail event catalog and the CloudTrail-aware
//! verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use trailgraph_pattern::{
    CatalogError, Comparison, Event, EventCatalog, Judgement, Verdict, assess, assess_text,
    catch_all, compare, compare_judged, parse,
};

const ROUTES_PARENTHESISED: &str = "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }";
const MFA_NO: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }"#;
const ROOT_OR_NOT_SERVICE: &str =
    r#"{ $.userIdentity.type = "Root" || $.eventType != "AwsServiceEvent" }"#;

fn ct(required: &str, actual: &str) -> Comparison {
    compare_judged(
        &parse(required).unwrap(),
        &parse(actual).unwrap(),
        Judgement::cloudtrail(),
    )
}

fn lang(required: &str, actual: &str) -> Comparison {
    compare_judged(
        &parse(required).unwrap(),
        &parse(actual).unwrap(),
        Judgement::Language,
    )
}

// ------------------------------------------------------------ catalog

#[test]
fn builtin_catalog_parses_and_covers_every_cis_event_name() {
    let catalog = EventCatalog::from_yaml(EventCatalog::builtin_yaml()).unwrap();
    let name = regex::Regex::new(r#"\$\.eventName\s*=\s*"?([A-Za-z]+)"?"#).unwrap();
    let mut count = 0;
    for (pattern_name, text) in all_distinct_patterns() {
        for m in name.captures_iter(text) {
            let event = &m[1];
            assert!(
                catalog.event_sources(event).is_some(),
                "{pattern_name}: {event} is not catalogued"
            );
            count += 1;
        }
    }
    assert!(count > 100, "{count}");
    for (event, source) in [
        ("ConsoleLogin", "signin.amazonaws.com"),
        ("PutBucketPolicy", "s3.amazonaws.com"),
        ("PutConfigurationRecorder", "config.amazonaws.com"),
        ("DisableKey", "kms.amazonaws.com"),
        ("ScheduleKeyDeletion", "kms.amazonaws.com"),
        ("MoveAccount", "organizations.amazonaws.com"),
        ("CreateRouteTable", "ec2.amazonaws.com"),
        ("StopLogging", "cloudtrail.amazonaws.com"),
        ("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"),
        ("AttachRolePolicy", "iam.amazonaws.com"),
    ] {
        assert!(
            catalog
                .event_sources(event)
                .unwrap()
                .contains(&source.to_owned()),
            "{event}"
        );
    }
    assert_eq!(
        catalog.closed_values("additionalEventData.MFAUsed"),
        Some(&[json!("Yes"), json!("No")][..])
    );
    assert_eq!(
        catalog.closed_values("$.readOnly"),
        Some(&[json!(true), json!(false)][..])
    );
    assert_eq!(
        catalog
            .closed_values("userIdentity.type")
            .map(<[Value]>::len),
        Some(12)
    );
    assert_eq!(
        EventCatalog::builtin().event_sources("CreateRoute"),
        catalog.event_sources("CreateRoute")
    );
}

#[test]
fn catalog_errors_have_positions() {
    let e = EventCatalog::from_yaml("events:\n  - names: [A]\n    sorces: [x]\n").unwrap_err();
    match &e {
        CatalogError::Format { line, .. } => assert!(line.is_some(), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with("line "), "{e}");
    let e = EventCatalog::from_yaml(
        "events:\n  - names: [A]\n    event_sources: [a.amazonaws.com]\n    source: not-a-url\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("https://"), "{e}");
    let e = EventCatalog::from_yaml(
        "closed_fields:\n  - field: x\n    values: [1]\n    source: https://docs.aws.amazon.com/\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("strings or booleans"), "{e}");
}

#[test]
fn admits_checks_sources_and_closed_values() {
    let c = EventCatalog::builtin();
    assert!(c.admits(&json!({"eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com"})));
    assert!(!c.admits(&json!({"eventName": "ConsoleLogin"})));
    assert!(!c.admits(&json!({"eventName": "ConsoleLogin", "eventSource": "ec2.amazonaws.com"})));
    assert!(c.admits(&json!({"eventName": "Other"})));
    assert!(!c.admits(&json!({"additionalEventData": {"MFAUsed": "Maybe"}})));
    assert!(c.admits(&json!({"additionalEventData": {}})));
    assert!(!c.admits(&json!({"readOnly": "true"})));
    assert!(c.admits(&json!("plain text")));
}

// ------------------------------------------------------------ CloudTrail-aware verdict

/// By the language, the parenthesised filter misses `CreateRouteTable` (and
/// every other name but `CreateRoute`) from other sources. CloudTrail writes
/// those names only with `ec2.amazonaws.com`, so under the CloudTrail
/// judgement that gap closes. `DeleteRoute` stays: it is also an API
/// Gateway v2 and App Mesh action, which the CIS v3.0 text (binding
/// `eventSource` only to `CreateRoute`) matches and the filter does not.
#[test]
fn parenthesised_route_filter_under_cloudtrail_judgement() {
    let l = lang(ROUTES_V3_0, ROUTES_PARENTHESISED);
    assert_eq!(l.verdict(), Verdict::Partial);
    let names: Vec<&Value> = l.missed_events().iter().map(|e| &e["eventName"]).collect();
    assert!(names.contains(&&json!("CreateRouteTable")), "{l:?}");
    // The v3.0 text names only ec2.amazonaws.com as a source, so it is judged over EC2 events:
    // the API Gateway and App Mesh DeleteRoute calls it also matches are not route-table
    // changes, and a filter bound to EC2 for every name is complete.
    let c = ct(ROUTES_V3_0, ROUTES_PARENTHESISED);
    assert_eq!(c, Comparison::Equivalent, "{c:?}");
    // A pattern that names no source keeps every source a name is written with.
    let c = ct(ROUTES_V1_2, ROUTES_PARENTHESISED);
    assert_eq!(c.verdict(), Verdict::Partial);
    assert!(!c.missed_events().is_empty());
    for e in c.missed_events() {
        assert_ne!(e["eventSource"], "ec2.amazonaws.com", "{c:?}");
        assert!(EventCatalog::builtin().admits(e));
    }
}

#[test]
fn mfa_no_is_mfa_not_yes_for_cloudtrail() {
    let c = ct(MFA, MFA_NO);
    assert_eq!(c, Comparison::Equivalent);
    let l = lang(MFA, MFA_NO);
    assert_eq!(
        l.missed_events(),
        &[json!({"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Other"}})]
    );
}

#[test]
fn every_cis_pattern_is_equivalent_to_itself_under_both_judgements() {
    for (name, text) in all_distinct_patterns() {
        let p = parse(text).unwrap();
        let rewritten = parse(&p.to_string().replace("||", "\n||")).unwrap();
        for judgement in [Judgement::cloudtrail(), Judgement::Language] {
            assert_eq!(
                compare_judged(&p, &rewritten, judgement),
                Comparison::Equivalent,
                "{name} {}",
                judgement.as_str()
            );
        }
    }
}

/// The drift cases of `compare_cis.rs` keep their verdicts under the
/// CloudTrail judgement; only the examples gain the fields CloudTrail writes.
#[test]
fn drift_verdicts_under_cloudtrail_judgement() {
    let cases = [
        (SECURITY_GROUPS_V5_0, SECURITY_GROUPS_V1_2, Verdict::Partial),
        (SECURITY_GROUPS_V1_2, SECURITY_GROUPS_V5_0, Verdict::Covers),
        // v1.2 also matches CreateRoute from API Gateway and App Mesh, which the v3.0 text
        // leaves out; over the EC2 events the v3.0 text is about, both say the same.
        (ROUTES_V3_0, ROUTES_V1_2, Verdict::Equivalent),
        (ROUTES_V1_2, ROUTES_V3_0, Verdict::Partial),
        (UNAUTHORIZED_V1_2, UNAUTHORIZED_V4_0, Verdict::Partial),
        (UNAUTHORIZED_V4_0, UNAUTHORIZED_V1_2, Verdict::Covers),
        (UNAUTHORIZED_V1_2, UNAUTHORIZED_V1_3, Verdict::Covers),
        (UNAUTHORIZED_V1_3, UNAUTHORIZED_V1_2, Verdict::Partial),
        (
            UNAUTHORIZED_V1_2,
            UNAUTHORIZED_SECURITY_HUB,
            Verdict::Equivalent,
        ),
        (MFA, MFA_SSO, Verdict::Partial),
        (MFA_SSO, MFA, Verdict::Covers),
        (ROOT, ROOT_SECURITY_HUB, Verdict::Equivalent),
    ];
    for (required, actual, expected) in cases {
        let c = ct(required, actual);
        assert_eq!(c.verdict(), expected, "{required} / {actual}: {c:?}");
        if (required, actual) != (ROUTES_V3_0, ROUTES_V1_2) {
            assert_eq!(lang(required, actual).verdict(), expected);
        }
        for e in c.missed_events() {
            assert!(EventCatalog::builtin().admits(e), "{e}");
        }
    }
    // v1.2 route tables against the v3.0 filter: the missed CreateRoute event
    // now names a source CloudTrail writes CreateRoute with, other than EC2.
    let c = ct(ROUTES_V1_2, ROUTES_V3_0);
    let first = &c.missed_events()[0];
    assert_eq!(first["eventName"], "CreateRoute");
    assert_ne!(first["eventSource"], "ec2.amazonaws.com");
    // MFA SSO variant: the missed event has MFAUsed "No", not an invented value.
    let c = ct(MFA, MFA_SSO);
    assert!(
        c.missed_events()
            .iter()
            .all(|e| e["additionalEventData"]["MFAUsed"] == "No"),
        "{c:?}"
    );
}

#[test]
fn missed_events_are_realistic() {
    let c = ct(UNAUTHORIZED_V1_2, "{ $.errorCode = AccessDenied* }");
    assert_eq!(
        c.missed_events(),
        &[json!({"errorCode": "Client.UnauthorizedOperation"})]
    );
    let c = ct(
        ORGANIZATIONS,
        &ORGANIZATIONS.replace(r#"($.eventName = "MoveAccount") || "#, ""),
    );
    assert_eq!(
        c.missed_events(),
        &[json!({"eventName": "MoveAccount", "eventSource": "organizations.amazonaws.com"})]
    );
}

#[test]
fn absent_fields_are_reported_beside_each_missed_event() {
    let a = assess(
        &parse(UNAUTHORIZED_V1_2).unwrap(),
        &parse(UNAUTHORIZED_V4_0).unwrap(),
        Judgement::cloudtrail(),
    );
    assert_eq!(a.comparison.verdict(), Verdict::Partial);
    assert_eq!(a.missed_absent.len(), a.comparison.missed_events().len());
    assert_eq!(
        a.missed_absent[0],
        vec!["sourceIPAddress".to_owned(), "eventName".to_owned()]
    );
}

// ------------------------------------------------------------ catch-all

#[test]
fn catch_all_filters() {
    for text in [
        UNAUTHORIZED_V1_3,
        ROOT_OR_NOT_SERVICE,
        "{ $.errorCode NOT EXISTS }",
        "{ $.eventName = * }",
        r#"{ $.userIdentity.type != "Root" }"#,
        "",
        "eventName",
        "{ $.eventSource = *.amazonaws.com }",
        "{ $.eventName = %.% }",
    ] {
        let p = parse(text).unwrap();
        let found = catch_all(&p).unwrap_or_else(|| panic!("{text} should be catch-all"));
        assert!(
            p.matches(&Event::from_json(found.example.clone())),
            "{text}"
        );
        assert!(found.reason.contains("does not single out"), "{text}");
        assert!(found.example.get("errorCode").is_none());
        assert_eq!(found.example["eventType"], "AwsApiCall");
    }
    let found = catch_all(&parse(ROOT_OR_NOT_SERVICE).unwrap()).unwrap();
    assert_eq!(found.example["eventName"], "GetCallerIdentity");
    assert_eq!(found.example["eventSource"], "sts.amazonaws.com");
    // the v1.3 form names sourceIPAddress: it is given a realistic value
    let found = catch_all(&parse(UNAUTHORIZED_V1_3).unwrap()).unwrap();
    assert_eq!(found.example["sourceIPAddress"], "203.0.113.10");
    assert!(found.reason.contains("sourceIPAddress"), "{}", found.reason);
}

#[test]
fn specific_filters_are_not_catch_all() {
    for text in [
        "{ $.eventName = *Policy* }",
        "{ $.eventSource = s3.amazonaws.com || $.eventSource = iam.amazonaws.com }",
        "ERROR",
        "{ $.eventName = GetCallerIdentity }",
    ] {
        assert!(catch_all(&parse(text).unwrap()).is_none(), "{text}");
    }
    for version in VERSIONS {
        for (topic, text) in cis_patterns(version) {
            let found = catch_all(&parse(text).unwrap());
            if topic == "unauthorized" && ["1.3", "1.4", "1.5", "2.0", "3.0"].contains(&version) {
                assert!(found.is_some(), "{topic} v{version}");
            } else {
                assert!(found.is_none(), "{topic} v{version}: {found:?}");
            }
        }
    }
}

#[test]
fn a_catch_all_filter_does_not_count_unless_the_required_one_is() {
    let a = assess_text(IAM, "{ $.eventName = * }", Judgement::cloudtrail()).unwrap();
    assert_eq!(a.comparison.verdict(), Verdict::Covers);
    assert!(a.actual_catch_all.is_some());
    assert!(!a.counts());
    let reason = a.not_counted_reason().unwrap();
    assert!(reason.contains("catch-all"), "{reason}");
    assert!(reason.contains("GetCallerIdentity"), "{reason}");
    // the v1.3 unauthorized pattern is itself catch-all: a catch-all filter counts for it
    let rewritten = UNAUTHORIZED_V1_3.replace("||", "\n||");
    let a = assess_text(UNAUTHORIZED_V1_3, &rewritten, Judgement::cloudtrail()).unwrap();
    assert!(a.required_catch_all.is_some());
    assert!(a.counts(), "{a:?}");
    assert_eq!(a.not_counted_reason(), None);
    // a specific covering filter counts
    let a = assess_text(IAM, "{ $.eventName = *Policy* }", Judgement::cloudtrail()).unwrap();
    assert!(a.counts());
    assert_eq!(a.language, None);
    // language verdict is kept when it differs
    let a = assess_text(MFA, MFA_NO, Judgement::cloudtrail()).unwrap();
    assert!(a.counts());
    assert_eq!(
        a.language.as_ref().map(Comparison::verdict),
        Some(Verdict::Partial)
    );
    let a = assess_text(MFA, MFA_NO, Judgement::Language).unwrap();
    assert!(!a.counts());
    assert_eq!(a.language, None);
    // an invalid filter
    let a = assess_text(IAM, "{ $.eventName = ", Judgement::cloudtrail()).unwrap();
    assert_eq!(a.comparison.verdict(), Verdict::Invalid);
    assert!(!a.counts());
    assert!(assess_text("{ (", IAM, Judgement::cloudtrail()).is_err());
}

#[test]
fn language_judgement_is_compare() {
    for (_, text) in all_distinct_patterns() {
        let r = parse(text).unwrap();
        let a = parse("{ $.eventName = *Policy* }").unwrap();
        assert_eq!(compare_judged(&r, &a, Judgement::Language), compare(&r, &a));
    }
}

#[test]
fn the_verdict_alone_agrees_with_the_full_assessment() {
    let filters = [
        "{ $.eventName = * }",
        "{ $.eventName = *Policy* }",
        MFA_NO,
        ROUTES_PARENTHESISED,
        UNAUTHORIZED_V1_3,
        "",
        "{ $.eventSource = s3.amazonaws.com }",
        "{ $.eventName = }",
    ];
    for required in [IAM, MFA, ROUTES_V3_0, UNAUTHORIZED_V1_3, UNAUTHORIZED_V4_0] {
        let r = trailgraph_pattern::parse(required).unwrap();
        for actual in filters {
            for judgement in [Judgement::cloudtrail(), Judgement::Language] {
                let short = trailgraph_pattern::assess_actual_text(&r, actual, judgement);
                let full = assess_text(required, actual, judgement).unwrap();
                assert_eq!(short.comparison, full.comparison, "{required} / {actual}");
                assert_eq!(short.counts(), full.counts(), "{required} / {actual}");
                assert_eq!(short.language, None);
            }
        }
    }
}
