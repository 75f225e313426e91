//! Organisation mode against a real moto server behind `scripts/emulator/proxy.py`.
//!
//! Fixture: an organisation managed by account A (123456789012) with
//! - `Workloads/Prod`: `acme-prod` (tagged, with an alias), `acme-locked` (its role cannot be
//!   assumed: the proxy answers that AssumeRole with AccessDenied);
//! - `Workloads`: `acme-dev`, `acme-temp` (excluded by id);
//! - `Sandbox`: `acme-sandbox` (the unit is excluded by name);
//! - the root: `acme-old` (closed, so SUSPENDED).
//!
//! The management account has a logging multi-region organisation trail. moto does not show an
//! organisation trail in member accounts, so the members have no trail here; how members' views
//! of an organisation trail link to it is tested on evidence in the check crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Mutex;

use serde_json::{Value, json};
use support::names::*;
use support::*;
use trailgraph_collect::{AccountDone, LineProgress, OrganizationOptions, Progress};

const EXTERNAL_ID: &str = "ext-7f3c-SECRET-external-id";

struct Org {
    prod: String,
    locked: String,
    dev: String,
    temp: String,
    sandbox: String,
    old: String,
}

async fn create_account(
    org: &aws_sdk_organizations::Client,
    name: &str,
    parent: (&str, &str),
    tags: &[(&str, &str)],
) -> String {
    let mut request = org
        .create_account()
        .email(format!("{name}@example.com"))
        .account_name(name);
    for (k, v) in tags {
        request = request.tags(
            aws_sdk_organizations::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap(),
        );
    }
    let id = request
        .send()
        .await
        .unwrap()
        .create_account_status
        .unwrap()
        .account_id
        .unwrap();
    if parent.0 != parent.1 {
        org.move_account()
            .account_id(&id)
            .source_parent_id(parent.0)
            .destination_parent_id(parent.1)
            .send()
            .await
            .unwrap();
    }
    id
}

async fn unit(org: &aws_sdk_organizations::Client, parent: &str, name: &str) -> String {
    org.create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .send()
        .await
        .unwrap()
        .organizational_unit
        .unwrap()
        .id
        .unwrap()
}

async fn seed(emulator: &Emulator) -> Org {
    let a = emulator.config_a().await;
    let org = aws_sdk_organizations::Client::new(&a);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let workloads = unit(&org, &root, "Workloads").await;
    let prod_unit = unit(&org, &workloads, "Prod").await;
    let sandbox_unit = unit(&org, &root, "Sandbox").await;
    let prod = create_account(
        &org,
        "acme-prod",
        (&root, &prod_unit),
        &[("env", "prod"), ("owner", "platform")],
    )
    .await;
    let locked = create_account(&org, "acme-locked", (&root, &prod_unit), &[]).await;
    let dev = create_account(&org, "acme-dev", (&root, &workloads), &[]).await;
    let temp = create_account(&org, "acme-temp", (&root, &workloads), &[]).await;
    let sandbox = create_account(&org, "acme-sandbox", (&root, &sandbox_unit), &[]).await;
    let old = create_account(&org, "acme-old", (&root, &root), &[]).await;
    org.close_account().account_id(&old).send().await.unwrap();

    // Aliases: the management account and acme-prod.
    aws_sdk_iam::Client::new(&a)
        .create_account_alias()
        .account_alias("acme-management")
        .send()
        .await
        .unwrap();
    let prod_config = member_config(emulator, &a, &prod).await;
    aws_sdk_iam::Client::new(&prod_config)
        .create_account_alias()
        .account_alias("acme-prod-alias")
        .send()
        .await
        .unwrap();

    // The management account: a logging multi-region organisation trail, all management events.
    emulator.create_bucket("AKIDTESTACCOUNTA", "org-trail-bucket");
    let east = in_region(&a, "us-east-1");
    create_log_group(&east, LOG_GROUP).await;
    create_trail(
        &east,
        ACCOUNT_A,
        TRAIL_ORG,
        "org-trail-bucket",
        "us-east-1",
        true,
        true,
    )
    .await;
    let trails = aws_sdk_cloudtrail::Client::new(&east);
    trails.start_logging().name(TRAIL_ORG).send().await.unwrap();
    trails
        .put_event_selectors()
        .trail_name(TRAIL_ORG)
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    Org {
        prod,
        locked,
        dev,
        temp,
        sandbox,
        old,
    }
}

/// Records finished accounts, as the CLI's line printer would print them.
#[derive(Default)]
struct Lines(Mutex<(usize, usize, Vec<String>)>);

impl Progress for Lines {
    fn add_accounts(&self, count: usize) {
        self.0.lock().unwrap().1 += count;
    }
    fn account_done(&self, done: &AccountDone<'_>) {
        let mut inner = self.0.lock().unwrap();
        inner.0 += 1;
        let line = LineProgress::line(inner.0, inner.1, done);
        inner.2.push(line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_is_collected_with_names_units_and_failures() {
    let Some(emulator) =
        Emulator::start("an_organisation_is_collected_with_names_units_and_failures")
    else {
        return;
    };
    let org = seed(&emulator).await;
    emulator.reset_operations();
    emulator.configure(json!({
        "rules": [{"service": "sts", "operation": "AssumeRole", "body_contains": org.locked,
                   "code": "AccessDenied", "status": 403,
                   "message": "User is not authorized to perform: sts:AssumeRole"}],
        // Throttling on every service: adaptive retries slow down instead of failing.
        "faults": {"seed": 11, "rate": 0.15, "kinds": ["throttle"]},
    }));

    let mut options = test_options(&emulator);
    let mut selection = OrganizationOptions::default();
    selection.external_id = Some(EXTERNAL_ID.to_owned());
    selection.exclude_accounts = vec![org.temp.clone()];
    selection.exclude_units = vec!["Sandbox".to_owned()];
    options.organization = Some(selection);
    options.max_attempts = 10;
    let progress = Lines::default();
    let base = trailgraph_collect::Source {
        label: "default".into(),
        config: emulator.config_a().await,
        member: None,
    };
    let evidence = trailgraph_collect::collect_organization(base, &options, &progress)
        .await
        .unwrap();

    // Which accounts: the management account, acme-prod, acme-dev, and acme-locked (without
    // regions); not the excluded, the excluded unit's or the suspended one.
    let ids: Vec<&str> = evidence
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let mut expected = vec![ACCOUNT_A, &org.prod, &org.dev, &org.locked];
    expected.sort();
    assert_eq!(ids, expected);
    let notes = evidence.meta.notes.join("\n");
    assert!(
        notes.contains(&format!("acme-old ({}) is SUSPENDED", org.old)),
        "{notes}"
    );
    assert!(
        notes.contains(&format!("acme-temp ({}) excluded", org.temp)),
        "{notes}"
    );
    assert!(notes.contains("organisational unit Sandbox"), "{notes}");
    assert!(!ids.contains(&org.sandbox.as_str()));

    let account = |id: &str| {
        evidence
            .accounts
            .iter()
            .find(|a| a.account_id == id)
            .unwrap()
    };
    let prod = account(&org.prod);
    assert_eq!(prod.name.as_deref(), Some("acme-prod"));
    assert_eq!(prod.alias.as_deref(), Some("acme-prod-alias"));
    let details = prod.organization.as_ref().unwrap();
    assert_eq!(details.ou_path, vec!["Workloads", "Prod"]);
    assert_eq!(details.email.as_deref(), Some("acme-prod@example.com"));
    assert_eq!(details.tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(details.management_account_id, ACCOUNT_A);
    assert_eq!(
        prod.collected_with.as_deref(),
        Some(
            format!(
                "role:arn:aws:iam::{}:role/OrganizationAccountAccessRole",
                org.prod
            )
            .as_str()
        )
    );
    assert_eq!(prod.regions.len(), 2);
    let management = account(ACCOUNT_A);
    assert_eq!(management.collected_with.as_deref(), Some("default"));
    assert_eq!(management.alias.as_deref(), Some("acme-management"));
    assert_eq!(
        account(&org.dev).organization.as_ref().unwrap().ou_path,
        vec!["Workloads"]
    );

    // The locked account: one error naming the role and the likely causes, no regions.
    let locked = account(&org.locked);
    assert!(locked.regions.is_empty());
    assert_eq!(locked.name.as_deref(), Some("acme-locked"));
    let errors: Vec<_> = evidence.meta.errors.iter().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors[0];
    assert_eq!(error.account, org.locked);
    assert_eq!(
        (error.service.as_str(), error.operation.as_str()),
        ("sts", "AssumeRole")
    );
    assert_eq!(error.code, "AccessDenied");
    assert!(error.message.contains(&format!(
        "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
        org.locked
    )));
    assert!(error.message.contains("trust policy"), "{}", error.message);

    // One progress line per account, with its name.
    let lines = progress.0.lock().unwrap().2.clone();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("acme-prod ({}): 2 regions, 0 errors", org.prod))),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("collected ") && l.contains("/4 "))
    );

    // Only what the policy allows, and every organisation action of it is used.
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/iam-policy.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let allowed: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let called: Vec<String> = emulator
        .operations()
        .into_iter()
        .map(|(service, op, _)| {
            let service = if service == "monitoring" {
                "cloudwatch".to_owned()
            } else {
                service
            };
            format!("{service}:{op}")
        })
        .collect();
    for action in &called {
        assert!(
            allowed.contains(action),
            "{action} is not in docs/iam-policy.json"
        );
    }
    for action in allowed.iter().filter(|a| a.starts_with("organizations:")) {
        assert!(
            called.contains(action),
            "{action} is in the policy but not used"
        );
    }

    // No secret in the snapshot: not the external id, no key, no session token.
    let inventory = trailgraph_model::build_inventory(&evidence);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("org.snapshot");
    trailgraph_model::write_snapshot(&inventory, &path).unwrap();
    // Strings are stored as plain UTF-8 in either snapshot form, so a byte search finds them.
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    let messages = format!("{:?}{:?}", evidence.meta.errors, evidence.meta.notes);
    for secret in [EXTERNAL_ID, "test-secret", "FQoGZXIvYXdzE", "SessionToken"] {
        assert!(!text.contains(secret), "{secret} in the snapshot");
        assert!(!messages.contains(secret), "{secret} in a message");
    }
    assert!(text.contains("acme-prod"));

    // Verdicts per account, end to end: the management account's trail passes 4.1, the members
    // (no trail of their own in moto) fail it, the locked account is not evaluable.
    let catalog = trailgraph_check::load_catalog(&[]).unwrap();
    let report = trailgraph_check::run(
        &catalog,
        &inventory,
        &trailgraph_check::RunOptions::default(),
    )
    .unwrap();
    let verdict = |account: &str| {
        report
            .results()
            .find(|r| r.control == "4.1" && r.account == account)
            .map(|r| (r.status, r.account_name.clone(), r.reason.clone()))
            .unwrap()
    };
    assert_eq!(
        verdict(ACCOUNT_A).0,
        trailgraph_check::Status::Passed,
        "{:?}",
        verdict(ACCOUNT_A)
    );
    let prod_verdict = verdict(&org.prod);
    assert_eq!(prod_verdict.0, trailgraph_check::Status::Failed);
    assert_eq!(prod_verdict.1, "acme-prod");
    let locked_verdict = verdict(&org.locked);
    assert_eq!(locked_verdict.0, trailgraph_check::Status::NotEvaluable);
    assert_eq!(locked_verdict.1, "acme-locked");
    assert!(
        locked_verdict.2.contains("AssumeRole"),
        "{}",
        locked_verdict.2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_selects_accounts_by_name_or_id() {
    let Some(emulator) = Emulator::start("include_selects_accounts_by_name_or_id") else {
        return;
    };
    let org = seed(&emulator).await;
    let mut options = test_options(&emulator);
    options.regions = trailgraph_collect::RegionSelection::List(vec!["us-east-1".into()]);
    let mut selection = OrganizationOptions::default();
    selection.include_accounts = vec!["acme-dev".to_owned(), org.prod.clone(), "nobody".to_owned()];
    options.organization = Some(selection);
    let base = trailgraph_collect::Source {
        label: "default".into(),
        config: emulator.config_a().await,
        member: None,
    };
    let evidence =
        trailgraph_collect::collect_organization(base, &options, &trailgraph_collect::NoProgress)
            .await
            .unwrap();
    let mut ids: Vec<&str> = evidence
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    ids.sort();
    let mut expected = vec![org.dev.as_str(), org.prod.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        evidence.meta.errors.is_empty(),
        "{:#?}",
        evidence.meta.errors
    );
    assert!(
        evidence
            .meta
            .notes
            .iter()
            .any(|n| n.contains("account nobody is not in the organisation")),
        "{:?}",
        evidence.meta.notes
    );
    assert!(evidence.meta.services.contains(&"organizations".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_outside_an_organisation_are_a_clear_error() {
    let Some(emulator) = Emulator::start("credentials_outside_an_organisation_are_a_clear_error")
    else {
        return;
    };
    let mut options = test_options(&emulator);
    options.organization = Some(OrganizationOptions::default());
    let base = trailgraph_collect::Source {
        label: "default".into(),
        config: emulator.config_a().await,
        member: None,
    };
    let err =
        trailgraph_collect::collect_organization(base, &options, &trailgraph_collect::NoProgress)
            .await
            .unwrap_err()
            .to_string();
    assert!(err.contains("the organisation could not be read"), "{err}");
    assert!(err.contains("AWSOrganizationsNotInUseException"), "{err}");
}
