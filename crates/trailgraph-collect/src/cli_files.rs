//! AWS CLI evidence on disk: `DIR/<account-id>/<region>/<service>-<operation>[--<name>].json`.
//!
//! [`import_aws_cli`] reads such a directory into [`Evidence`]; [`export_aws_cli`] writes one.
//! A file that should be there and is not is recorded as a `NotCollected` error ("not
//! collected", never "empty").

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use trailgraph_model::build::is_account_id;
use trailgraph_model::evidence::{AccountEvidence, Evidence, INVALID_EVIDENCE, RegionEvidence};
use trailgraph_model::{CollectionError, SnapshotMeta};

use crate::error::ImportError;

/// `sts-get-caller-identity.json`, in the account folder.
pub const CALLER_IDENTITY_FILE: &str = "sts-get-caller-identity.json";
/// `iam-list-account-aliases.json`, in the account folder (optional): the account's friendly name.
pub const ACCOUNT_ALIASES_FILE: &str = "iam-list-account-aliases.json";
/// `aws cloudtrail describe-trails --include-shadow-trails`.
pub const DESCRIBE_TRAILS_FILE: &str = "cloudtrail-describe-trails.json";
/// `aws logs describe-log-groups`.
pub const LOG_GROUPS_FILE: &str = "logs-describe-log-groups.json";
/// `aws logs describe-metric-filters`.
pub const METRIC_FILTERS_FILE: &str = "logs-describe-metric-filters.json";
/// `aws cloudwatch describe-alarms --alarm-types MetricAlarm CompositeAlarm`.
pub const ALARMS_FILE: &str = "cloudwatch-describe-alarms.json";
/// `aws sns list-topics`.
pub const TOPICS_FILE: &str = "sns-list-topics.json";
/// `aws sns list-subscriptions`.
pub const SUBSCRIPTIONS_FILE: &str = "sns-list-subscriptions.json";
/// Prefix of `cloudtrail-get-trail-status--<trail name>.json`.
pub const TRAIL_STATUS_PREFIX: &str = "cloudtrail-get-trail-status--";
/// Prefix of `cloudtrail-get-event-selectors--<trail name>.json`.
pub const EVENT_SELECTORS_PREFIX: &str = "cloudtrail-get-event-selectors--";
/// Prefix of `cloudtrail-list-tags--<trail name>.json` (optional files).
pub const TRAIL_TAGS_PREFIX: &str = "cloudtrail-list-tags--";
/// Prefix of `sns-get-topic-attributes--<topic name>.json`.
pub const TOPIC_ATTRIBUTES_PREFIX: &str = "sns-get-topic-attributes--";

/// The largest evidence file read, 256 MiB: a `describe-log-groups` of 600,000 log groups is
/// about 150 MiB. A larger file is recorded as unreadable, never read whole.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Code of an evidence file that is there but cannot be read: not a regular file (a FIFO, a
/// device, a folder), larger than [`MAX_FILE_BYTES`], or failing to read.
pub const UNREADABLE_EVIDENCE: &str = "UnreadableEvidence";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Why an evidence file that is present could not be used: a code and a message naming it.
struct Unusable {
    code: &'static str,
    message: String,
}

/// Reads one evidence file: only a regular file (a symbolic link to one is followed), at most
/// [`MAX_FILE_BYTES`], never empty, valid JSON. A FIFO or `/dev/zero` is refused before it is
/// opened, so an import cannot hang on it.
fn read_document(path: &Path) -> Result<Value, Unusable> {
    let unreadable = |what: String| Unusable {
        code: UNREADABLE_EVIDENCE,
        message: format!("{}: {what}", path.display()),
    };
    let metadata = fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !metadata.is_file() {
        return Err(unreadable(
            "not a regular file (a FIFO, device or folder is never read)".into(),
        ));
    }
    let file = fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(unreadable(format!(
            "larger than the limit of {MAX_FILE_BYTES} bytes"
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Unusable {
            code: INVALID_EVIDENCE,
            message: format!(
                "{}: the file is empty (an empty result is a document such as {{\"trailList\": []}})",
                path.display()
            ),
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| Unusable {
        code: INVALID_EVIDENCE,
        message: format!(
            "{}:{}:{}: invalid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ),
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        out.push(entry.map_err(io_error(dir))?.path());
    }
    out.sort();
    Ok(out)
}

/// Region-shaped: two lowercase letters, one or more lowercase words, a number
/// (`us-east-1`, `us-gov-west-1`, `ap-southeast-5`).
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !middle.is_empty()
        && middle
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

fn not_collected(
    account: &str,
    region: &str,
    service: &str,
    operation: &str,
    resource: Option<&str>,
    file: &Path,
) -> CollectionError {
    CollectionError {
        account: account.to_owned(),
        region: Some(region.to_owned()),
        service: service.to_owned(),
        operation: operation.to_owned(),
        resource: resource.map(str::to_owned),
        code: "NotCollected".to_owned(),
        message: format!("file {} is missing", file.display()),
    }
}

fn unusable(
    account: &str,
    region: Option<&str>,
    service: &str,
    operation: &str,
    resource: Option<&str>,
    problem: Unusable,
) -> CollectionError {
    CollectionError {
        account: account.to_owned(),
        region: region.map(str::to_owned),
        service: service.to_owned(),
        operation: operation.to_owned(),
        resource: resource.map(str::to_owned),
        code: problem.code.to_owned(),
        message: problem.message,
    }
}

/// Reads AWS CLI evidence from `dir` (layout in `docs/aws-cli-evidence.md`).
///
/// Missing files are recorded in `meta.errors` with code `NotCollected`: the per-region files,
/// and the per-trail files for every trail homed in that account and region (per-topic files
/// for every listed topic). `cloudtrail-list-tags--*.json` files are optional. A file that is
/// there but cannot be used is recorded too: `UnreadableEvidence` (not a regular file, larger
/// than [`MAX_FILE_BYTES`], a read error) or `InvalidEvidence` (empty, not JSON). Folders
/// under an account that are not region-shaped (`.git`) and files with other names are
/// ignored and noted. The shape of each document is checked when the inventory is built
/// (`trailgraph_model::evidence::validated`).
pub fn import_aws_cli(dir: &Path) -> Result<Evidence, ImportError> {
    let mut meta = SnapshotMeta::now("aws-cli");
    let mut accounts = Vec::new();
    for account_dir in sorted_entries(dir)? {
        let Some(account_id) = account_dir
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| is_account_id(n) && account_dir.is_dir())
        else {
            meta.notes.push(format!(
                "ignored {} (not an account folder)",
                account_dir.display()
            ));
            continue;
        };
        let account_id = account_id.to_owned();
        let mut account = AccountEvidence {
            account_id: account_id.clone(),
            ..AccountEvidence::default()
        };
        for entry in sorted_entries(&account_dir)? {
            let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                meta.notes.push(format!(
                    "ignored {} (the name is not UTF-8)",
                    entry.display()
                ));
                continue;
            };
            if name == CALLER_IDENTITY_FILE {
                match read_document(&entry) {
                    Ok(identity) => account.caller_identity = Some(identity),
                    Err(problem) => meta.errors.push(unusable(
                        &account_id,
                        None,
                        "sts",
                        "GetCallerIdentity",
                        None,
                        problem,
                    )),
                }
            } else if name == ACCOUNT_ALIASES_FILE {
                match read_document(&entry) {
                    Ok(aliases) => {
                        account.alias = aliases
                            .get("AccountAliases")
                            .and_then(serde_json::Value::as_array)
                            .and_then(|a| a.first())
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned);
                    }
                    // The alias only names the account; the id is used instead.
                    Err(problem) => meta.notes.push(format!("ignored {}", problem.message)),
                }
            } else if entry.is_dir() {
                if !is_region_name(name) {
                    meta.notes
                        .push(format!("ignored {} (not a region folder)", entry.display()));
                    continue;
                }
                let region = import_region(&entry, &account_id, name, &mut meta)?;
                account.regions.push(region);
            } else {
                meta.notes.push(format!("ignored {}", entry.display()));
            }
        }
        for region in &account.regions {
            if !meta.regions.contains(&region.region) {
                meta.regions.push(region.region.clone());
            }
        }
        meta.accounts.push(account_id);
        accounts.push(account);
    }
    if accounts.is_empty() {
        return Err(ImportError::Empty {
            path: dir.to_owned(),
        });
    }
    meta.regions.sort();
    meta.services = crate::collect::SERVICES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    Ok(Evidence { meta, accounts })
}

/// The trails in a describe-trails document homed in `region` and `account`: (name, ARN).
fn home_trails(describe_trails: &Value, account: &str, region: &str) -> Vec<(String, String)> {
    describe_trails
        .get("trailList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.get("HomeRegion").and_then(Value::as_str) == Some(region))
        .filter_map(|t| {
            let name = t.get("Name")?.as_str()?;
            let arn = t.get("TrailARN")?.as_str()?;
            (arn.split(':').nth(4) == Some(account)).then(|| (name.to_owned(), arn.to_owned()))
        })
        .collect()
}

fn topic_arns(topics: &Value) -> Vec<String> {
    topics
        .get("Topics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("TopicArn")?.as_str().map(str::to_owned))
        .collect()
}

/// Reads one regional evidence document, or records why it is unusable for the account,
/// region, service and operation that would have produced it.
fn read_or_record(
    path: &Path,
    errors: &mut Vec<CollectionError>,
    account: &str,
    region: &str,
    service: &str,
    operation: &str,
) -> Option<Value> {
    match read_document(path) {
        Ok(value) => Some(value),
        Err(problem) => {
            errors.push(unusable(
                account,
                Some(region),
                service,
                operation,
                None,
                problem,
            ));
            None
        }
    }
}

fn import_region(
    dir: &Path,
    account: &str,
    region: &str,
    meta: &mut SnapshotMeta,
) -> Result<RegionEvidence, ImportError> {
    let mut evidence = RegionEvidence {
        region: region.to_owned(),
        ..RegionEvidence::default()
    };
    let mut single = |file: &str, service: &str, operation: &str| -> Option<Value> {
        let path = dir.join(file);
        if fs::symlink_metadata(&path).is_err() {
            meta.errors.push(not_collected(
                account, region, service, operation, None, &path,
            ));
            return None;
        }
        read_or_record(&path, &mut meta.errors, account, region, service, operation)
    };
    evidence.describe_trails = single(DESCRIBE_TRAILS_FILE, "cloudtrail", "DescribeTrails");
    evidence.log_groups = single(LOG_GROUPS_FILE, "logs", "DescribeLogGroups");
    evidence.metric_filters = single(METRIC_FILTERS_FILE, "logs", "DescribeMetricFilters");
    evidence.alarms = single(ALARMS_FILE, "cloudwatch", "DescribeAlarms");
    evidence.topics = single(TOPICS_FILE, "sns", "ListTopics");
    evidence.subscriptions = single(SUBSCRIPTIONS_FILE, "sns", "ListSubscriptions");

    // Per-name files: read whatever is there, then check the expected ones. A file that is
    // there but unusable is recorded once, as what it is, not also as missing.
    let mut unusable_files: Vec<String> = Vec::new();
    for path in sorted_entries(dir)? {
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            meta.notes.push(format!(
                "ignored {} (the name is not UTF-8)",
                path.display()
            ));
            continue;
        };
        let Some(stem) = file.strip_suffix(".json") else {
            meta.notes.push(format!("ignored {}", path.display()));
            continue;
        };
        let target = if let Some(name) = stem.strip_prefix(TRAIL_STATUS_PREFIX) {
            Some((
                &mut evidence.trail_status,
                name,
                "cloudtrail",
                "GetTrailStatus",
            ))
        } else if let Some(name) = stem.strip_prefix(EVENT_SELECTORS_PREFIX) {
            Some((
                &mut evidence.event_selectors,
                name,
                "cloudtrail",
                "GetEventSelectors",
            ))
        } else if let Some(name) = stem.strip_prefix(TRAIL_TAGS_PREFIX) {
            Some((&mut evidence.trail_tags, name, "cloudtrail", "ListTags"))
        } else if let Some(name) = stem.strip_prefix(TOPIC_ATTRIBUTES_PREFIX) {
            Some((
                &mut evidence.topic_attributes,
                name,
                "sns",
                "GetTopicAttributes",
            ))
        } else {
            None
        };
        match target {
            Some((map, name, service, operation)) => {
                match read_or_record(&path, &mut meta.errors, account, region, service, operation) {
                    Some(value) => {
                        map.insert(name.to_owned(), value);
                    }
                    None => unusable_files.push(file.to_owned()),
                }
            }
            None if is_known_single(file) => {}
            None => meta.notes.push(format!("ignored {}", path.display())),
        }
    }
    let missing = |prefix: &str, name: &str| {
        let file = format!("{prefix}{name}.json");
        (!unusable_files.contains(&file)).then(|| dir.join(file))
    };
    if let Some(trails) = &evidence.describe_trails {
        for (name, arn) in home_trails(trails, account, region) {
            for (map, prefix, operation) in [
                (
                    &evidence.trail_status,
                    TRAIL_STATUS_PREFIX,
                    "GetTrailStatus",
                ),
                (
                    &evidence.event_selectors,
                    EVENT_SELECTORS_PREFIX,
                    "GetEventSelectors",
                ),
            ] {
                if map.contains_key(&name) {
                    continue;
                }
                if let Some(path) = missing(prefix, &name) {
                    meta.errors.push(not_collected(
                        account,
                        region,
                        "cloudtrail",
                        operation,
                        Some(&arn),
                        &path,
                    ));
                }
            }
        }
    }
    if let Some(topics) = &evidence.topics {
        for arn in topic_arns(topics) {
            let name = arn.rsplit(':').next().unwrap_or(&arn).to_owned();
            if evidence.topic_attributes.contains_key(&name) {
                continue;
            }
            if let Some(path) = missing(TOPIC_ATTRIBUTES_PREFIX, &name) {
                meta.errors.push(not_collected(
                    account,
                    region,
                    "sns",
                    "GetTopicAttributes",
                    Some(&arn),
                    &path,
                ));
            }
        }
    }
    Ok(evidence)
}

/// The files of a region folder that hold one whole list each.
const SINGLE_FILES: [&str; 6] = [
    DESCRIBE_TRAILS_FILE,
    LOG_GROUPS_FILE,
    METRIC_FILTERS_FILE,
    ALARMS_FILE,
    TOPICS_FILE,
    SUBSCRIPTIONS_FILE,
];

fn is_known_single(file: &str) -> bool {
    SINGLE_FILES.contains(&file)
}

fn write_json(path: &Path, value: &Value) -> Result<(), ImportError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| ImportError::Shape {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    text.push('\n');
    fs::write(path, text).map_err(io_error(path))
}

/// Writes `evidence` to `dir` in the AWS CLI layout (the inverse of [`import_aws_cli`]).
/// Values that were not collected are not written, so importing the result records them as
/// `NotCollected` again. `meta` (provenance, errors, notes) is not part of the layout.
pub fn export_aws_cli(evidence: &Evidence, dir: &Path) -> Result<(), ImportError> {
    for account in &evidence.accounts {
        let account_dir = dir.join(&account.account_id);
        fs::create_dir_all(&account_dir).map_err(io_error(&account_dir))?;
        if let Some(caller) = &account.caller_identity {
            write_json(&account_dir.join(CALLER_IDENTITY_FILE), caller)?;
        }
        // The layout names an account by its alias only; a name from elsewhere stands in.
        if let Some(alias) = account.alias.as_ref().or(account.name.as_ref()) {
            let aliases = serde_json::json!({ "AccountAliases": [alias] });
            write_json(&account_dir.join(ACCOUNT_ALIASES_FILE), &aliases)?;
        }
        for region in &account.regions {
            let region_dir = account_dir.join(&region.region);
            fs::create_dir_all(&region_dir).map_err(io_error(&region_dir))?;
            let singles = [
                (DESCRIBE_TRAILS_FILE, &region.describe_trails),
                (LOG_GROUPS_FILE, &region.log_groups),
                (METRIC_FILTERS_FILE, &region.metric_filters),
                (ALARMS_FILE, &region.alarms),
                (TOPICS_FILE, &region.topics),
                (SUBSCRIPTIONS_FILE, &region.subscriptions),
            ];
            for (file, value) in singles {
                if let Some(value) = value {
                    write_json(&region_dir.join(file), value)?;
                }
            }
            let maps: [(&str, &BTreeMap<String, Value>); 4] = [
                (TRAIL_STATUS_PREFIX, &region.trail_status),
                (EVENT_SELECTORS_PREFIX, &region.event_selectors),
                (TRAIL_TAGS_PREFIX, &region.trail_tags),
                (TOPIC_ATTRIBUTES_PREFIX, &region.topic_attributes),
            ];
            for (prefix, map) in maps {
                for (name, value) in map {
                    if name.contains(['/', '\\']) || name.starts_with('.') {
                        return Err(ImportError::Shape {
                            path: region_dir.clone(),
                            message: format!("name `{name}` cannot be used in a file name"),
                        });
                    }
                    write_json(&region_dir.join(format!("{prefix}{name}.json")), value)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, text).unwrap();
    }

    #[test]
    fn missing_files_are_not_collected_never_empty() {
        let dir = tempfile::tempdir().unwrap();
        let region = dir.path().join("111122223333/us-east-1");
        write(
            &region.join(DESCRIBE_TRAILS_FILE),
            r#"{"trailList":[{"Name":"t","HomeRegion":"us-east-1","TrailARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}]}"#,
        );
        write(
            &region.join(TOPICS_FILE),
            r#"{"Topics":[{"TopicArn":"arn:aws:sns:us-east-1:111122223333:alerts"}]}"#,
        );
        let evidence = import_aws_cli(dir.path()).unwrap();
        let r = &evidence.accounts[0].regions[0];
        assert!(r.log_groups.is_none());
        let mut ops: Vec<_> = evidence
            .meta
            .errors
            .iter()
            .map(|e| (e.operation.as_str(), e.code.as_str()))
            .collect();
        ops.sort();
        assert_eq!(
            ops,
            [
                ("DescribeAlarms", "NotCollected"),
                ("DescribeLogGroups", "NotCollected"),
                ("DescribeMetricFilters", "NotCollected"),
                ("GetEventSelectors", "NotCollected"),
                ("GetTopicAttributes", "NotCollected"),
                ("GetTrailStatus", "NotCollected"),
                ("ListSubscriptions", "NotCollected"),
            ]
        );
    }

    #[test]
    fn malformed_json_is_recorded_with_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir
            .path()
            .join("111122223333/eu-west-1")
            .join(LOG_GROUPS_FILE);
        write(&file, "{\n  \"logGroups\": [,]\n}");
        let evidence = import_aws_cli(dir.path()).unwrap();
        assert!(evidence.accounts[0].regions[0].log_groups.is_none());
        let e = evidence
            .meta
            .errors
            .iter()
            .find(|e| e.operation == "DescribeLogGroups")
            .unwrap();
        assert_eq!(e.code, INVALID_EVIDENCE);
        assert_eq!(e.region.as_deref(), Some("eu-west-1"));
        assert!(
            e.message
                .contains("logs-describe-log-groups.json:2:17: invalid JSON"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_damaged_shape_makes_the_import_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        let region = dir.path().join("111122223333/us-east-1");
        for file in SINGLE_FILES {
            write(&region.join(file), "{}");
        }
        let evidence = import_aws_cli(dir.path()).unwrap();
        assert!(evidence.meta.errors.is_empty());
        assert_eq!(trailgraph_model::evidence::validate(&evidence).len(), 6);
        assert_eq!(crate::exit_code(&evidence), crate::EXIT_INCOMPLETE);
    }

    #[test]
    fn names_that_are_not_utf8_are_noted_and_ignored() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let account = dir.path().join("111122223333");
        let region = account.join("us-east-1");
        write(&region.join(DESCRIBE_TRAILS_FILE), r#"{"trailList": []}"#);
        let odd = std::ffi::OsStr::from_bytes(b"us-east-\xff");
        fs::create_dir_all(account.join(odd)).unwrap();
        fs::write(
            region.join(std::ffi::OsStr::from_bytes(b"x\xfe.json")),
            "{}",
        )
        .unwrap();
        fs::create_dir_all(dir.path().join(std::ffi::OsStr::from_bytes(b"\xff12"))).unwrap();
        let evidence = import_aws_cli(dir.path()).unwrap();
        assert_eq!(evidence.accounts.len(), 1);
        assert_eq!(evidence.accounts[0].regions.len(), 1);
        let notes = evidence.meta.notes.join("\n");
        assert_eq!(notes.matches("not UTF-8").count(), 2, "{notes}");
        assert!(notes.contains("not an account folder"), "{notes}");
    }

    #[test]
    fn only_region_shaped_folders_are_regions() {
        for name in [
            "us-east-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-central-2",
        ] {
            assert!(is_region_name(name), "{name}");
        }
        for name in [
            ".git",
            "us-east",
            "useast-1",
            "us--1",
            "US-east-1",
            "us-east-1a",
            "u-east-1",
            "-east-1",
        ] {
            assert!(!is_region_name(name), "{name}");
        }
    }

    #[test]
    fn export_then_import_round_trips() {
        let mut region = RegionEvidence {
            region: "us-east-1".into(),
            describe_trails: Some(serde_json::json!({"trailList": []})),
            log_groups: Some(serde_json::json!({"logGroups": []})),
            metric_filters: Some(serde_json::json!({"metricFilters": []})),
            alarms: Some(serde_json::json!({"MetricAlarms": [], "CompositeAlarms": []})),
            topics: Some(
                serde_json::json!({"Topics": [{"TopicArn": "arn:aws:sns:us-east-1:111122223333:a"}]}),
            ),
            subscriptions: Some(serde_json::json!({"Subscriptions": []})),
            ..RegionEvidence::default()
        };
        region.topic_attributes.insert(
            "a".into(),
            serde_json::json!({"Attributes": {"Owner": "111122223333"}}),
        );
        let evidence = Evidence {
            meta: SnapshotMeta::default(),
            accounts: vec![AccountEvidence {
                account_id: "111122223333".into(),
                name: None,
                caller_identity: Some(serde_json::json!({"Account": "111122223333"})),
                regions: vec![region],
                ..AccountEvidence::default()
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        export_aws_cli(&evidence, dir.path()).unwrap();
        let back = import_aws_cli(dir.path()).unwrap();
        assert_eq!(back.accounts, evidence.accounts);
        assert!(back.meta.errors.is_empty());
    }
}
