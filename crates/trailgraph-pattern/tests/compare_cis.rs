//! Comparison verdicts on the CIS patterns: version drift, rewrites that
//! keep the meaning, broader and narrower filters, malformed filters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use regex::Regex;
use serde_json::{Value, json};
use trailgraph_pattern::{
    Comparison, Condition, Expr, Pattern, Verdict, compare, compare_text, comparison_to_json, parse,
};

fn verdict(required: &str, actual: &str) -> Verdict {
    compare_text(required, actual).unwrap().verdict()
}

fn missed(required: &str, actual: &str) -> Vec<Value> {
    let c = compare_text(required, actual).unwrap();
    assert_eq!(c.verdict(), Verdict::Partial, "{c:?}");
    c.missed_events().to_vec()
}

// ------------------------------------------------------------ drift

#[test]
fn drift_table() {
    let partial = |events: Value| Some(events);
    let routes_spacing =
        ROUTES_V3_0.replace("($.eventName = CreateRoute)", "($.eventName =CreateRoute)");
    let cases: Vec<(&str, &str, &str, Verdict, Option<Value>)> = vec![
        (
            "security groups: v1.2 filter, v5.0 required",
            SECURITY_GROUPS_V5_0,
            SECURITY_GROUPS_V1_2,
            Verdict::Partial,
            partial(json!([{"eventName": "ModifySecurityGroupRules"}])),
        ),
        (
            "security groups: v5.0 filter, v1.2 required",
            SECURITY_GROUPS_V1_2,
            SECURITY_GROUPS_V5_0,
            Verdict::Covers,
            None,
        ),
        (
            "routes: v1.2 filter, v3.0 required",
            ROUTES_V3_0,
            ROUTES_V1_2,
            Verdict::Covers,
            None,
        ),
        (
            "routes: v3.0 filter, v1.2 required",
            ROUTES_V1_2,
            ROUTES_V3_0,
            Verdict::Partial,
            partial(json!([{"eventName": "CreateRoute"}])),
        ),
        (
            "unauthorized: v4.0 filter, v1.2 required",
            UNAUTHORIZED_V1_2,
            UNAUTHORIZED_V4_0,
            Verdict::Partial,
            partial(json!([{"errorCode": "AccessDenied"}])),
        ),
        (
            "unauthorized: v1.2 filter, v4.0 required",
            UNAUTHORIZED_V4_0,
            UNAUTHORIZED_V1_2,
            Verdict::Covers,
            None,
        ),
        (
            "unauthorized: v1.3 filter, v1.2 required",
            UNAUTHORIZED_V1_2,
            UNAUTHORIZED_V1_3,
            Verdict::Covers,
            None,
        ),
        (
            "unauthorized: v1.2 filter, v1.3 required",
            UNAUTHORIZED_V1_3,
            UNAUTHORIZED_V1_2,
            Verdict::Partial,
            partial(json!([{"eventName": "Other"}, {"sourceIPAddress": "Other"}])),
        ),
        (
            "unauthorized: v4.0 filter, v1.3 required",
            UNAUTHORIZED_V1_3,
            UNAUTHORIZED_V4_0,
            Verdict::Partial,
            partial(
                json!([{"eventName": "Other"}, {"sourceIPAddress": "Other"}, {"errorCode": "AccessDenied"}]),
            ),
        ),
        (
            "unauthorized: v1.3 filter, v4.0 required",
            UNAUTHORIZED_V4_0,
            UNAUTHORIZED_V1_3,
            Verdict::Covers,
            None,
        ),
        (
            "unauthorized: Security Hub filter, v1.2 required",
            UNAUTHORIZED_V1_2,
            UNAUTHORIZED_SECURITY_HUB,
            Verdict::Equivalent,
            None,
        ),
        (
            "mfa: SSO variant filter, plain required",
            MFA,
            MFA_SSO,
            Verdict::Partial,
            partial(
                json!([{"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Other"}}]),
            ),
        ),
        (
            "mfa: plain filter, SSO required",
            MFA_SSO,
            MFA,
            Verdict::Covers,
            None,
        ),
        (
            "organizations: unquoted filter",
            ORGANIZATIONS,
            &ORGS_UNQUOTED,
            Verdict::Equivalent,
            None,
        ),
        (
            "organizations: Prowler's longer list",
            ORGANIZATIONS,
            &ORGS_PROWLER,
            Verdict::Covers,
            None,
        ),
        (
            "organizations: without eventSource",
            ORGANIZATIONS,
            &ORGS_NO_SOURCE,
            Verdict::Covers,
            None,
        ),
        (
            "organizations: MoveAccount missing",
            ORGANIZATIONS,
            &ORGS_NO_MOVE,
            Verdict::Partial,
            partial(
                json!([{"eventName": "MoveAccount", "eventSource": "organizations.amazonaws.com"}]),
            ),
        ),
        (
            "root: Security Hub spelling",
            ROOT,
            ROOT_SECURITY_HUB,
            Verdict::Equivalent,
            None,
        ),
        (
            "routes v3.0 with irregular spacing",
            ROUTES_V3_0,
            &routes_spacing,
            Verdict::Equivalent,
            None,
        ),
    ];
    for (name, required, actual, expected, events) in cases {
        let c = compare_text(required, actual).unwrap();
        assert_eq!(c.verdict(), expected, "{name}: {c:?}");
        if let Some(events) = events {
            assert_eq!(json!(c.missed_events()), events, "{name}");
        }
    }
}

static ORGS_UNQUOTED: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| ORGANIZATIONS.replace('"', ""));
static ORGS_PROWLER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    ORGANIZATIONS.replace(
        r#"($.eventName = "AcceptHandshake")"#,
        r#"($.eventName = "AcceptHandshake") || ($.eventName = "CancelHandshake") || ($.eventName = "CreateOrganization") || ($.eventName = "EnableAllFeatures")"#,
    )
});
static ORGS_NO_SOURCE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    ORGANIZATIONS.replace("($.eventSource = organizations.amazonaws.com) && ", "")
});
static ORGS_NO_MOVE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| ORGANIZATIONS.replace(r#"($.eventName = "MoveAccount") || "#, ""));

// ------------------------------------------------------------ rewrites keeping the meaning

fn reversed(expr: &Expr<Condition>) -> Expr<Condition> {
    match expr {
        Expr::Atom(a) => Expr::Atom(a.clone()),
        Expr::Or(items) => Expr::Or(items.iter().rev().map(reversed).collect()),
        Expr::And(items) => Expr::And(items.iter().rev().map(reversed).collect()),
    }
}

fn duplicated(expr: &Expr<Condition>) -> Expr<Condition> {
    match expr {
        Expr::Or(items) | Expr::And(items) => {
            let mut items: Vec<_> = items.iter().map(duplicated).collect();
            if let Some(first) = items.first().cloned() {
                items.push(first);
            }
            if matches!(expr, Expr::Or(_)) {
                Expr::Or(items)
            } else {
                Expr::And(items)
            }
        }
        atom => atom.clone(),
    }
}

fn json_of(text: &str) -> Expr<Condition> {
    match parse(text).unwrap() {
        Pattern::Json(e) => e,
        other => panic!("{other:?}"),
    }
}

/// Rewrites of a pattern text that must not change its meaning.
fn rewrites(text: &str) -> Vec<(&'static str, String)> {
    let expr = json_of(text);
    let ops = Regex::new(r#"\s*(\|\||&&|\(|\)|!=|=|\{|\})\s*"#).unwrap();
    let atom =
        Regex::new(r#"\$\.[A-Za-z.]+\s*(!=|=)\s*("[^"]*"|[^\s()]+)|\$\.[A-Za-z.]+ NOT EXISTS"#)
            .unwrap();
    let unquote = Regex::new(r#""([A-Za-z0-9.*]+)""#).unwrap();
    vec![
        ("canonical", Pattern::Json(expr.clone()).to_string()),
        ("reordered", Pattern::Json(reversed(&expr)).to_string()),
        ("duplicated", Pattern::Json(duplicated(&expr)).to_string()),
        ("compact", ops.replace_all(text, "$1").into_owned()),
        (
            "multi-line",
            text.replace("||", "\n  ||").replace("&&", "\n\t&&\r\n"),
        ),
        (
            "extra parentheses",
            atom.replace_all(text, "(($0))").into_owned(),
        ),
        ("unquoted", unquote.replace_all(text, "$1").into_owned()),
        ("quoted", Pattern::Json(expr).to_string()),
        (
            "wrapped",
            format!(
                "{{ ({}) }}",
                text.trim().trim_start_matches('{').trim_end_matches('}')
            ),
        ),
    ]
}

#[test]
fn rewrites_of_every_cis_pattern_are_equivalent() {
    let mut count = 0;
    for (name, text) in all_distinct_patterns() {
        for (how, rewritten) in rewrites(text) {
            let c = compare_text(text, &rewritten).unwrap();
            assert_eq!(c, Comparison::Equivalent, "{name} {how}: {rewritten}");
            count += 1;
        }
    }
    assert_eq!(count, 9 * all_distinct_patterns().len());
}

#[test]
fn rewrites_look_different() {
    let r = rewrites(IAM);
    assert!(
        r.iter()
            .any(|(how, t)| *how == "compact" && !t.contains(' '))
    );
    assert!(
        r.iter().any(|(how, t)| *how == "reordered"
            && t.starts_with(r#"{ $.eventName = "DetachGroupPolicy""#))
    );
    assert!(
        r.iter()
            .any(|(how, t)| *how == "multi-line" && t.contains('\n'))
    );
}

// ------------------------------------------------------------ narrower filters

/// Removes the `i`-th alternative of the first `||` group found.
fn without_alternative(
    expr: &Expr<Condition>,
    i: usize,
) -> Option<(Expr<Condition>, Expr<Condition>)> {
    match expr {
        Expr::Or(items) => {
            let mut items = items.clone();
            if i >= items.len() {
                return None;
            }
            let removed = items.remove(i);
            let rest = if items.len() == 1 {
                items.remove(0)
            } else {
                Expr::Or(items)
            };
            Some((rest, removed))
        }
        Expr::And(items) => {
            let pos = items.iter().position(|e| matches!(e, Expr::Or(_)))?;
            let (inner, removed) = without_alternative(&items[pos], i)?;
            let mut items = items.clone();
            items[pos] = inner;
            Some((Expr::And(items), removed))
        }
        Expr::Atom(_) => None,
    }
}

#[test]
fn dropping_any_alternative_is_partial_and_names_the_missed_event() {
    let mut count = 0;
    for (name, text) in all_distinct_patterns() {
        let required = parse(text).unwrap();
        let expr = json_of(text);
        let mut i = 0;
        while let Some((narrower, removed)) = without_alternative(&expr, i) {
            i += 1;
            let c = compare(&required, &Pattern::Json(narrower.clone()));
            // Some alternatives are redundant (the v1.3 unauthorized form
            // matches almost everything through its `!=` clauses).
            if c.verdict() != Verdict::Partial {
                assert_eq!(name, "unauthorized (v1.3)", "{removed}: {c:?}");
                continue;
            }
            count += 1;
            let actual = Pattern::Json(narrower);
            for event in c.missed_events() {
                let event = trailgraph_pattern::Event::from_json(event.clone());
                assert!(
                    required.matches(&event) && !actual.matches(&event),
                    "{name}"
                );
            }
            if let Expr::Atom(cond) = &removed
                && cond.selector.to_string() == "$.eventName"
                && cond.test.to_string().starts_with("= ")
                && !name.starts_with("routes")
            {
                let value = cond.test.to_string();
                let event_name = value.trim_start_matches("= ").trim_matches('"');
                assert!(
                    c.missed_events()
                        .iter()
                        .any(|e| e["eventName"] == event_name),
                    "{name}: {removed} {:?}",
                    c.missed_events()
                );
            }
        }
    }
    assert!(count > 100, "{count}");
}

#[test]
fn narrower_filters() {
    // && written for ||: matches nothing, so misses everything
    assert_eq!(
        missed(
            SECURITY_GROUPS_V1_2,
            &SECURITY_GROUPS_V1_2.replace("||", "&&")
        ),
        vec![
            json!({"eventName": "CreateSecurityGroup"}),
            json!({"eventName": "DeleteSecurityGroup"}),
            json!({"eventName": "RevokeSecurityGroupEgress"}),
            json!({"eventName": "RevokeSecurityGroupIngress"}),
            json!({"eventName": "AuthorizeSecurityGroupEgress"}),
            json!({"eventName": "AuthorizeSecurityGroupIngress"}),
        ]
    );
    assert_eq!(
        missed(CMK, &CMK.replace("||", "&&")),
        vec![
            json!({"eventName": "DisableKey", "eventSource": "kms.amazonaws.com"}),
            json!({"eventName": "ScheduleKeyDeletion", "eventSource": "kms.amazonaws.com"}),
        ]
    );
    // an extra condition
    assert_eq!(
        missed(
            CLOUDTRAIL,
            &CLOUDTRAIL
                .replace("{ ", "{ $.awsRegion = us-east-1 && (")
                .replace(" }", ") }")
        ),
        vec![
            json!({"eventName": "CreateTrail"}),
            json!({"eventName": "DeleteTrail"}),
            json!({"eventName": "StopLogging"}),
            json!({"eventName": "UpdateTrail"}),
            json!({"eventName": "StartLogging"}),
        ]
    );
    assert_eq!(
        missed(
            AUTH_FAILURES,
            r#"{ $.eventName = ConsoleLogin && $.errorMessage = "Failed authentication" && $.userIdentity.type = IAMUser }"#
        ),
        vec![json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication"})]
    );
    // IS NULL is not NOT EXISTS
    assert_eq!(
        missed(ROOT, &ROOT.replace("NOT EXISTS", "IS NULL")),
        vec![json!({"eventType": "Other", "userIdentity": {"type": "Root"}})]
    );
    // a missing event
    assert_eq!(
        missed(IAM, &IAM.replace("||($.eventName=DeletePolicy)", "")),
        vec![json!({"eventName": "DeletePolicy"})]
    );
    // case matters
    assert_eq!(
        missed(VPC, &VPC.replace("= CreateVpc)", "= createvpc)")),
        vec![json!({"eventName": "CreateVpc"})]
    );
}

#[test]
fn broader_filters() {
    assert_eq!(verdict(IAM, "{ $.eventName = *Policy* }"), Verdict::Covers);
    assert_eq!(verdict(IAM, "{ $.eventName = %Policy% }"), Verdict::Covers);
    assert_eq!(verdict(IAM, "{ $.eventName = %Pol.cy% }"), Verdict::Covers);
    // two IAM event names end in "PolicyVersion"
    assert_eq!(
        missed(IAM, "{ $.eventName = %Policy$% }"),
        vec![
            json!({"eventName": "CreatePolicyVersion"}),
            json!({"eventName": "DeletePolicyVersion"})
        ]
    );
    assert_eq!(
        missed(
            IAM,
            "{ $.eventName = %Policy$% && $.eventName != %^Delete% }"
        )
        .len(),
        6
    );
    assert_eq!(
        verdict(CMK, "{ $.eventSource = kms.amazonaws.com }"),
        Verdict::Covers
    );
    assert_eq!(
        verdict(
            CMK,
            "{ $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }"
        ),
        Verdict::Covers
    );
    assert_eq!(
        verdict(
            VPC,
            "{ $.eventName = *Vpc* || $.eventName = *VpcClassicLink }"
        ),
        Verdict::Covers
    );
    assert_eq!(
        verdict(MFA, r#"{ $.eventName = "ConsoleLogin" }"#),
        Verdict::Covers
    );
    assert_eq!(
        verdict(ROOT, r#"{ $.userIdentity.type = "Root" }"#),
        Verdict::Covers
    );
    // `*Policy*` still misses the Organizations events that are not policies
    assert_eq!(
        missed(ORGANIZATIONS, "{ $.eventName = *Policy* }").first(),
        Some(&json!({"eventName": "MoveAccount", "eventSource": "organizations.amazonaws.com"}))
    );
    // ... and `Policy*` misses most IAM events
    assert_eq!(missed(IAM, "{ $.eventName = Policy* }").len(), 10);
}

// ------------------------------------------------------------ malformed

#[test]
fn malformed_filters_are_invalid_with_a_position() {
    let cases = [
        (
            "{ ($.eventName = CreateVpc) || }",
            "expected a condition such as '$.eventName = value' or '(' at line 1, column 32, found '}'",
        ),
        (
            "{ ($.eventName = CreateVpc) ",
            "expected '&&', '||' or '}' at line 1, column 29, found end of pattern",
        ),
        (
            r#"{ ($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Success"}"#,
            "expected '&&', '||' or ')' at line 1, column 81, found '}'",
        ),
        (
            "{ ($.eventName = CreateVpc)\n  || ($.eventName DeleteVpc) }",
            "expected an operator (=, !=, <, >, <=, >=, IS, NOT EXISTS) after '$.eventName' at line 2, column 19, found 'DeleteVpc'",
        ),
        (
            "{ $.eventName == CreateVpc }",
            "expected a value after '=' at line 1, column 16, found '='",
        ),
        (
            "{ $.eventName = CreateVpc || $.eventName = DeleteVpc",
            "expected '&&', '||' or '}' at line 1, column 53, found end of pattern",
        ),
    ];
    for (actual, message) in cases {
        let c = compare_text(VPC, actual).unwrap();
        assert_eq!(c.verdict(), Verdict::Invalid, "{actual}");
        assert_eq!(
            comparison_to_json(&c),
            json!({"verdict": "invalid", "error": message}),
            "{actual}"
        );
    }
}

#[test]
fn unparsable_required_pattern_is_an_error_not_a_verdict() {
    let e = compare_text("{ $.a = ", VPC).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the required pattern does not parse: expected a value after '=' at line 1, column 9, found end of pattern"
    );
}
