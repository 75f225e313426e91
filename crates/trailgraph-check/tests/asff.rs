//! The ASFF report against the AWS Security Finding Format as Security Hub's own API model
//! states it (the `AwsSecurityFinding` shapes of botocore's Security Hub model, vendored under
//! `tests/schemas/`, see its README): every member's type, required members, enums, patterns,
//! and the lengths and item counts the model's documentation gives; plus the format's rules
//! the model leaves to prose (RFC 3339 timestamps, `ProductArn` of the finding's own account
//! and region, `Types` as namespace/category/classifier, at most 32 resources and 50 product
//! fields, 240 KB a finding, 100 a batch). Then the file goes through the real import path:
//! boto3 (which validates every call against the full model) into the moto emulator, twice —
//! the second import updates, it adds nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
mod common;

use common::{partly_collected, report_at};
use trailgraph_check::{Status, to_asff};

/// The vendored model: shape name → shape.
fn model() -> Json {
    let text = include_str!("schemas/securityhub-2018-10-26-asff.json");
    serde_json::from_str(text).unwrap()
}

struct Validator {
    shapes: serde_json::Map<String, Json>,
    /// The `pattern` of each string shape that has one.
    patterns: std::collections::HashMap<String, regex::Regex>,
    /// `Maximum length of 512` / `Maximum of 512 length` (after `Length Constraints`).
    length: regex::Regex,
    /// `Maximum number of 50 items`.
    items: regex::Regex,
}

impl Validator {
    fn new() -> Self {
        let m = model();
        let shapes = m["shapes"].as_object().unwrap().clone();
        let patterns = shapes
            .iter()
            .filter_map(|(name, shape)| {
                let p = shape["pattern"].as_str()?;
                Some((
                    name.clone(),
                    regex::Regex::new(&format!("^(?s:{p})$")).unwrap(),
                ))
            })
            .collect();
        Validator {
            shapes,
            patterns,
            length: regex::Regex::new(r"Maximum (?:length )?of (\d+)(?: length)?").unwrap(),
            items: regex::Regex::new(r"Maximum number of (\d+) items").unwrap(),
        }
    }

    /// A number the documentation of a member states: its maximum length or item count.
    fn documented(&self, doc: &str, what: &str) -> Option<usize> {
        let (re, scope) = if what == "length" {
            (&self.length, doc.split("Length Constraints").nth(1)?)
        } else {
            (&self.items, doc)
        };
        re.captures(scope)?.get(1)?.as_str().parse().ok()
    }

    /// Checks `value` against shape `name`; `doc` is the documentation of the member that
    /// holds it (its lengths and item counts).
    fn check(&self, name: &str, value: &Json, doc: &str, path: &str, out: &mut Vec<String>) {
        let Some(shape) = self.shapes.get(name) else {
            out.push(format!("{path}: shape {name} is not in the model"));
            return;
        };
        let ty = shape["type"].as_str().unwrap_or("");
        match ty {
            "structure" => {
                let Some(object) = value.as_object() else {
                    out.push(format!("{path}: {name} must be an object"));
                    return;
                };
                let members = shape["members"].as_object().unwrap();
                for required in shape["required"].as_array().into_iter().flatten() {
                    let required = required.as_str().unwrap();
                    if !object.contains_key(required) {
                        out.push(format!("{path}: {name} lacks required {required}"));
                    }
                }
                for (key, v) in object {
                    match members.get(key) {
                        Some(member) => self.check(
                            member["shape"].as_str().unwrap(),
                            v,
                            member["documentation"].as_str().unwrap_or(""),
                            &format!("{path}.{key}"),
                            out,
                        ),
                        None => out.push(format!("{path}: {name} has no member {key}")),
                    }
                }
            }
            "list" => {
                let Some(items) = value.as_array() else {
                    out.push(format!("{path}: {name} must be a list"));
                    return;
                };
                if let Some(max) = self.documented(doc, "items")
                    && items.len() > max
                {
                    out.push(format!("{path}: {} items, at most {max}", items.len()));
                }
                if let Some(min) = shape["min"].as_u64()
                    && (items.len() as u64) < min
                {
                    out.push(format!("{path}: {} items, at least {min}", items.len()));
                }
                let member = shape["member"]["shape"].as_str().unwrap();
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, "", &format!("{path}[{i}]"), out);
                }
            }
            "map" => {
                let Some(object) = value.as_object() else {
                    out.push(format!("{path}: {name} must be a map"));
                    return;
                };
                let key = shape["key"]["shape"].as_str().unwrap();
                let val = shape["value"]["shape"].as_str().unwrap();
                for (k, v) in object {
                    self.check(
                        key,
                        &Json::from(k.as_str()),
                        "",
                        &format!("{path} key"),
                        out,
                    );
                    self.check(val, v, "", &format!("{path}.{k}"), out);
                }
            }
            "string" => {
                let Some(s) = value.as_str() else {
                    out.push(format!("{path}: {name} must be a string"));
                    return;
                };
                if let Some(values) = shape["enum"].as_array()
                    && !values.iter().any(|v| v == s)
                {
                    out.push(format!("{path}: {s:?} is not one of {values:?}"));
                }
                if let Some(re) = self.patterns.get(name)
                    && !re.is_match(s)
                {
                    out.push(format!("{path}: {s:?} does not match {re}"));
                }
                let len = s.chars().count();
                if let Some(max) = self
                    .documented(doc, "length")
                    .or(shape["max"].as_u64().map(|m| m as usize))
                    && len > max
                {
                    out.push(format!("{path}: {len} characters, at most {max}"));
                }
                if let Some(min) = shape["min"].as_u64()
                    && (len as u64) < min
                {
                    out.push(format!("{path}: {len} characters, at least {min}"));
                }
            }
            "integer" | "long" => {
                if !value.is_i64() && !value.is_u64() {
                    out.push(format!("{path}: {name} must be an integer"));
                }
            }
            "double" => {
                if !value.is_number() {
                    out.push(format!("{path}: {name} must be a number"));
                }
            }
            "boolean" => {
                if !value.is_boolean() {
                    out.push(format!("{path}: {name} must be a boolean"));
                }
            }
            other => out.push(format!("{path}: shape type {other} not handled")),
        }
    }

    /// Every problem of one finding: the model's, then the format's prose rules.
    fn finding(&self, f: &Json, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.check("AwsSecurityFinding", f, "", path, &mut out);
        let text = |k: &str| f.get(k).and_then(Json::as_str).unwrap_or("");
        if text("SchemaVersion") != "2018-10-08" {
            out.push(format!("{path}: SchemaVersion {:?}", text("SchemaVersion")));
        }
        for key in [
            "CreatedAt",
            "UpdatedAt",
            "FirstObservedAt",
            "LastObservedAt",
        ] {
            if let Some(t) = f.get(key).and_then(Json::as_str)
                && t.parse::<jiff::Timestamp>().is_err()
            {
                out.push(format!("{path}.{key}: {t:?} is not RFC 3339"));
            }
        }
        let account = text("AwsAccountId");
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            out.push(format!("{path}: AwsAccountId {account:?}"));
        }
        let arn = regex::Regex::new(
            r"^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):(\d{12}):product/(\d{12})/default$",
        )
        .unwrap();
        match arn.captures(text("ProductArn")) {
            Some(c) => {
                if &c[3] != account || &c[4] != account {
                    out.push(format!(
                        "{path}: ProductArn of another account than {account}"
                    ));
                }
                if let Some(region) = f.get("Region").and_then(Json::as_str)
                    && &c[2] != region
                {
                    out.push(format!(
                        "{path}: ProductArn region {} is not Region {region}",
                        &c[2]
                    ));
                }
            }
            None => out.push(format!("{path}: ProductArn {:?}", text("ProductArn"))),
        }
        const NAMESPACES: [&str; 5] = [
            "Software and Configuration Checks",
            "TTPs",
            "Effects",
            "Unusual Behaviors",
            "Sensitive Data Identifications",
        ];
        for t in f["Types"].as_array().into_iter().flatten() {
            let t = t.as_str().unwrap_or("");
            let parts: Vec<&str> = t.split('/').collect();
            if parts.len() > 3 || !NAMESPACES.contains(&parts[0]) {
                out.push(format!(
                    "{path}: type {t:?} is not namespace/category/classifier"
                ));
            }
        }
        let resources = f["Resources"].as_array().map_or(0, Vec::len);
        if !(1..=32).contains(&resources) {
            out.push(format!("{path}: {resources} resources"));
        }
        if let Some(fields) = f.get("ProductFields").and_then(Json::as_object) {
            if fields.len() > 50 {
                out.push(format!("{path}: {} product fields", fields.len()));
            }
            for (k, v) in fields {
                if k.chars().count() > 128 || v.as_str().is_none_or(|v| v.chars().count() > 2048) {
                    out.push(format!("{path}: product field {k}"));
                }
            }
        }
        if serde_json::to_vec(f).unwrap().len() > 240 * 1024 {
            out.push(format!("{path}: over 240 KB"));
        }
        out
    }

    /// Every problem of a file of findings, with each batch of 100 also checked as the
    /// `BatchImportFindings` request it becomes.
    fn file(&self, findings: &Json) -> Vec<String> {
        let list = findings.as_array().unwrap();
        let mut out: Vec<String> = list
            .iter()
            .enumerate()
            .flat_map(|(i, f)| self.finding(f, &format!("[{i}]")))
            .collect();
        for (b, batch) in list.chunks(100).enumerate() {
            let request = serde_json::json!({"Findings": batch});
            let mut problems = Vec::new();
            self.check(
                "BatchImportFindingsRequest",
                &request,
                "",
                &format!("batch {b}"),
                &mut problems,
            );
            out.extend(problems.into_iter().filter(|p| p.starts_with("batch")));
        }
        let ids: BTreeSet<&str> = list.iter().filter_map(|f| f["Id"].as_str()).collect();
        if ids.len() != list.len() {
            out.push(format!("{} findings, {} ids", list.len(), ids.len()));
        }
        out
    }
}

#[test]
fn demo_findings_are_valid_asff() {
    let report = report_at(&trailgraph_model::demo_inventory(), "2026-11-20T10:00:00Z");
    let findings = to_asff(&report);
    let validator = Validator::new();
    let problems = validator.file(&findings);
    assert!(problems.is_empty(), "{problems:#?}");
    let list = findings.as_array().unwrap();
    assert_eq!(list.len(), report.results().count());

    // The validator is not a rubber stamp.
    let refused = |edit: &dyn Fn(&mut Json)| {
        let mut f = list[0].clone();
        edit(&mut f);
        !validator.finding(&f, "x").is_empty()
    };
    assert!(refused(&|f| {
        f.as_object_mut().unwrap().remove("Title");
    }));
    assert!(refused(&|f| f["Title"] = Json::from("x".repeat(257))));
    assert!(refused(&|f| f["Severity"]["Label"] = Json::from("SEVERE")));
    assert!(refused(&|f| f["Compliance"]["Verdict"] = Json::from("x")));
    assert!(refused(&|f| f["Description"] = Json::from("  ")));
    assert!(refused(&|f| f["CreatedAt"] = Json::from("yesterday")));
    assert!(refused(&|f| f["Resources"] = Json::Array(Vec::new())));
    assert!(refused(&|f| f["ProductArn"] = Json::from(
        "arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default"
    )));

    // Each status as Security Hub says it; nothing not judged reads as passed.
    for (f, r) in list.iter().zip(report.results()) {
        let (compliance, workflow) = match r.status {
            Status::Passed => ("PASSED", "RESOLVED"),
            Status::Failed => ("FAILED", "NEW"),
            Status::NotEvaluable => ("WARNING", "NEW"),
        };
        assert_eq!(f["Compliance"]["Status"], compliance);
        assert_eq!(f["Workflow"]["Status"], workflow);
        assert_eq!(f["AwsAccountId"], r.account.as_str());
        assert_eq!(f["Region"], "us-east-1");
    }
    let failed = list
        .iter()
        .find(|f| {
            f["Compliance"]["Status"] == "FAILED" && f["Resources"].as_array().unwrap().len() > 1
        })
        .expect("a failure with the node where it breaks");
    assert_eq!(failed["Resources"][0]["Type"], "AwsAccount");
    assert!(
        failed["Resources"][1]["Id"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:")
    );

    insta::assert_snapshot!(
        serde_json::to_string_pretty(&findings)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "VERSION")
    );
}

#[test]
fn ids_do_not_change_with_the_verdict_or_the_time() {
    let complete =
        trailgraph_model::build_inventory(&trailgraph_model::generate::generate_evidence(20, 2));
    let partial = partly_collected();
    let ids = |inventory: &trailgraph_model::Inventory, at: &str| -> Vec<String> {
        to_asff(&report_at(inventory, at))
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["Id"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = ids(&complete, "2026-11-20T10:00:00Z");
    // Another day, and one account's verdicts changed to not evaluable: the same findings.
    assert_eq!(before, ids(&partial, "2026-12-20T10:00:00Z"));
    let report = report_at(&partial, "2026-12-20T10:00:00Z");
    let findings = to_asff(&report);
    let problems = Validator::new().file(&findings);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["Compliance"]["Status"] == "WARNING")
    );
}

/// A moto server on a free loopback port, killed on drop.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn listening(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

#[test]
fn security_hub_takes_the_findings_and_a_reimport_updates_them() {
    let test = "security_hub_takes_the_findings_and_a_reimport_updates_them";
    let python = match std::env::var("TRAILGRAPH_EMULATOR_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            assert!(
                std::env::var("TRAILGRAPH_REQUIRE_EMULATOR").as_deref() != Ok("1"),
                "{test}: TRAILGRAPH_REQUIRE_EMULATOR=1 but TRAILGRAPH_EMULATOR_PYTHON is not set"
            );
            eprintln!("SKIPPED {test}: TRAILGRAPH_EMULATOR_PYTHON is not set");
            return;
        }
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _moto = Moto(
        Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !listening(port) {
        assert!(
            Instant::now() < deadline,
            "{test}: moto did not start in 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // More than one batch: 160 results of 20 accounts with a few not evaluable.
    let report = report_at(&partly_collected(), "2026-11-20T10:00:00Z");
    let findings = to_asff(&report);
    let count = findings.as_array().unwrap().len();
    assert!(count > 100);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("findings.asff.json");
    std::fs::write(&file, serde_json::to_vec(&findings).unwrap()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/securityhub_import.py"
    );
    let mut child = Command::new(&python)
        .arg(script)
        .arg(port.to_string())
        .arg(&file)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{test}: the import did not end in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{test}: the import failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome: Json = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(outcome["findings"], count);
    assert_eq!(outcome["batches"], count.div_ceil(100) * 2);
    assert_eq!(outcome["failed"], Json::Array(Vec::new()), "{outcome}");
    assert_eq!(outcome["after_first"], count);
    assert_eq!(
        outcome["after_second"], count,
        "a re-import must update, not add"
    );
}
