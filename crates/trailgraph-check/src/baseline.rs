//! Changes since an earlier audit: a report compared with an earlier JSON report of the same
//! benchmark — failures that are new, failures that are resolved, results that became
//! unknown, accounts added and gone.
//!
//! The earlier report is a file someone hands in, so it is read as untrusted JSON: it must be
//! a JSON report of this contract (`benchmark`, `results[]` with `check`, `account`, `status`),
//! of the same benchmark, and anything else is an error that says what is wrong.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::run::{Report, Status};

/// One (check, account, resource) of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Control number (in this report's benchmark).
    pub control: String,
    /// Check id.
    pub check: String,
    /// Account id.
    pub account: String,
    /// The resource id for a check about another kind.
    pub resource: Option<String>,
}

/// What changed since the earlier report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Baseline {
    /// Where the earlier report came from (its file name).
    pub source: String,
    /// When it was made (as it says).
    pub generated_at: String,
    /// Failed now, not failed then (or not there then).
    pub new_failures: Vec<Change>,
    /// Failed then, passed now.
    pub resolved: Vec<Change>,
    /// Failed or passed then, not evaluable now.
    pub unknown_now: Vec<Change>,
    /// Accounts in this report and not in the earlier one.
    pub accounts_added: Vec<String>,
    /// Accounts in the earlier report and not in this one.
    pub accounts_gone: Vec<String>,
}

impl Baseline {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_failures.is_empty()
            && self.resolved.is_empty()
            && self.unknown_now.is_empty()
            && self.accounts_added.is_empty()
            && self.accounts_gone.is_empty()
    }
}

type Key = (String, String, Option<String>);

fn text<'j>(v: &'j Json, field: &str, at: &str) -> Result<&'j str, String> {
    v.get(field)
        .and_then(Json::as_str)
        .ok_or_else(|| format!("{at}: `{field}` is missing or not a string"))
}

/// Compares `report` with `earlier` (an earlier JSON report, from `source`) and records the
/// changes in `report.baseline`.
pub fn compare_baseline(report: &mut Report, earlier: &Json, source: &str) -> Result<(), String> {
    let benchmark = text(earlier, "benchmark", "the baseline")?;
    if benchmark != report.benchmark.id {
        return Err(format!(
            "the baseline is a report of benchmark `{benchmark}`, this run is `{}`",
            report.benchmark.id
        ));
    }
    let results = earlier
        .get("results")
        .and_then(Json::as_array)
        .ok_or("the baseline: `results` is missing or not an array")?;
    let mut before: BTreeMap<Key, Status> = BTreeMap::new();
    let mut accounts_before: BTreeSet<String> = BTreeSet::new();
    for (i, r) in results.iter().enumerate() {
        let at = format!("the baseline, results[{i}]");
        let check = text(r, "check", &at)?;
        let account = text(r, "account", &at)?;
        let word = text(r, "status", &at)?;
        let status = Status::parse(word).ok_or_else(|| format!("{at}: unknown status `{word}`"))?;
        let resource = r
            .get("resource")
            .and_then(|x| x.get("id"))
            .and_then(Json::as_str)
            .map(str::to_owned);
        accounts_before.insert(account.to_owned());
        before.insert((check.to_owned(), account.to_owned(), resource), status);
    }
    if let Some(listed) = earlier
        .get("inventory")
        .and_then(|i| i.get("accounts"))
        .and_then(Json::as_array)
    {
        accounts_before.extend(listed.iter().filter_map(Json::as_str).map(str::to_owned));
    }
    let mut baseline = Baseline {
        source: source.to_owned(),
        generated_at: earlier
            .get("generated_at")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned(),
        ..Baseline::default()
    };
    for r in report.results() {
        let key: Key = (
            r.check.clone(),
            r.account.clone(),
            r.resource.as_ref().map(|x| x.id.clone()),
        );
        let change = || Change {
            control: r.control.clone(),
            check: r.check.clone(),
            account: r.account.clone(),
            resource: r.resource.as_ref().map(|x| x.id.clone()),
        };
        let then = before.get(&key).copied();
        match (then, r.status) {
            (Some(Status::Failed), Status::Failed) => {}
            (_, Status::Failed) => baseline.new_failures.push(change()),
            (Some(Status::Failed), Status::Passed) => baseline.resolved.push(change()),
            (Some(Status::Failed | Status::Passed), Status::NotEvaluable) => {
                baseline.unknown_now.push(change());
            }
            _ => {}
        }
    }
    let accounts_now: BTreeSet<&str> = report
        .inventory
        .accounts
        .iter()
        .map(String::as_str)
        .collect();
    baseline.accounts_added = accounts_now
        .iter()
        .filter(|a| !accounts_before.contains(**a))
        .map(|a| (*a).to_owned())
        .collect();
    baseline.accounts_gone = accounts_before
        .iter()
        .filter(|a| !accounts_now.contains(a.as_str()))
        .cloned()
        .collect();
    report.baseline = Some(baseline);
    Ok(())
}
