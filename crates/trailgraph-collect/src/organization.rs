//! Organisation mode: the accounts of an AWS Organization, found with the credentials of the
//! management account (or of a delegated administrator), each reached by assuming a role in it.
//!
//! The organisation is walked from its roots down (`ListRoots`, then per parent
//! `ListOrganizationalUnitsForParent` and `ListAccountsForParent`, every page), so that each
//! account gets its organisational-unit path and excluded units are never entered; tags come
//! from `ListTagsForResource`. Only read-only calls.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::Semaphore;
use trailgraph_model::evidence::OrganizationAccount;

use crate::collect::Sink;

/// The role Organizations creates in accounts it creates.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// The error label of failures that belong to the organisation, not to one account.
pub const ORGANIZATION_LABEL: &str = "organization";

/// Organisational units walked at most (AWS allows five levels below the root; a listing that
/// goes on beyond these bounds is cut and recorded).
const MAX_UNITS: usize = 10_000;
/// Accounts listed at most.
const MAX_ACCOUNTS: usize = 100_000;
/// Levels below a root walked at most.
const MAX_DEPTH: usize = 16;
/// Organizations calls at once (its rate limits are low and per organisation).
const CONCURRENT_CALLS: usize = 4;

/// Which accounts of the organisation to collect and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrganizationOptions {
    /// The role assumed in each member account.
    pub role_name: String,
    /// The external id the role's trust policy asks for. Never written anywhere.
    pub external_id: Option<String>,
    /// Only these accounts (ids or names); empty: every account.
    pub include_accounts: Vec<String>,
    /// Not these accounts (ids or names).
    pub exclude_accounts: Vec<String>,
    /// Not the accounts in these organisational units or below them (ids such as
    /// `ou-ab12-cdef3456`, names, or paths from the root such as `Workloads/Sandbox`).
    pub exclude_units: Vec<String>,
}

impl Default for OrganizationOptions {
    fn default() -> Self {
        OrganizationOptions {
            role_name: DEFAULT_ROLE_NAME.to_owned(),
            external_id: None,
            include_accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            exclude_units: Vec::new(),
        }
    }
}

/// An account of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The account id.
    pub id: String,
    /// Its name in Organizations.
    pub name: String,
    /// What Organizations says of it.
    pub details: OrganizationAccount,
}

/// The organisation as found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Discovery {
    /// The accounts to collect (active, selected), in id order.
    pub members: Vec<Member>,
}

/// Why the organisation could not be read at all.
pub(crate) fn organization_error(code: &str, message: &str) -> crate::CollectError {
    let hint = match code {
        "AWSOrganizationsNotInUseException" => {
            " (these credentials' account is not in an organisation)"
        }
        "AccessDeniedException" | "AccessDenied" => {
            " (run with credentials of the management account or of a delegated administrator \
             allowed organizations:Describe* and organizations:List*)"
        }
        _ => "",
    };
    crate::CollectError::Organization(format!("{code}: {message}{hint}"))
}

fn failed<E, R>(
    sink: &Sink,
    account: &str,
    operation: &str,
    resource: Option<&str>,
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    sink.sdk_failure(account, None, ("organizations", operation), resource, err);
}

/// A parent (root or unit) to list, with the names and ids from the root down to it.
struct Parent {
    id: String,
    path: Vec<String>,
    ids: Vec<String>,
}

/// The accounts directly under `parent` and its child units (id, name).
/// A listing that fails is recorded and yields what it read before (never passed off as whole:
/// the error names the parent).
async fn list_parent(
    client: &aws_sdk_organizations::Client,
    gate: &Semaphore,
    parent: &Parent,
    (organization_id, management): (&str, &str),
    sink: &Sink,
) -> (Vec<Member>, Vec<(String, String)>) {
    let accounts = async {
        let _permit = gate.acquire().await.ok();
        let mut out = Vec::new();
        let mut pages = client
            .list_accounts_for_parent()
            .parent_id(&parent.id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for account in page.accounts.unwrap_or_default() {
                        let Some(id) = account.id.clone() else {
                            continue;
                        };
                        let status = account
                            .status
                            .as_ref()
                            .map_or("UNKNOWN", |s| s.as_str())
                            .to_owned();
                        out.push(Member {
                            name: account.name.clone().unwrap_or_else(|| id.clone()),
                            id,
                            details: OrganizationAccount {
                                organization_id: organization_id.to_owned(),
                                management_account_id: management.to_owned(),
                                email: account.email.clone(),
                                status,
                                ou_path: parent.path.clone(),
                                ou_ids: parent.ids.clone(),
                                tags: BTreeMap::new(),
                            },
                        });
                    }
                    if out.len() > MAX_ACCOUNTS {
                        break;
                    }
                }
                Err(err) => {
                    failed(
                        sink,
                        ORGANIZATION_LABEL,
                        "ListAccountsForParent",
                        Some(&parent.id),
                        &err,
                    );
                    break;
                }
            }
        }
        out
    };
    let children = async {
        let mut out = Vec::new();
        let _permit = gate.acquire().await.ok();
        let mut pages = client
            .list_organizational_units_for_parent()
            .parent_id(&parent.id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for unit in page.organizational_units.unwrap_or_default() {
                        if let Some(id) = unit.id.clone() {
                            out.push((id, unit.name.clone().unwrap_or_default()));
                        }
                    }
                    if out.len() > MAX_UNITS {
                        break;
                    }
                }
                Err(err) => {
                    failed(
                        sink,
                        ORGANIZATION_LABEL,
                        "ListOrganizationalUnitsForParent",
                        Some(&parent.id),
                        &err,
                    );
                    break;
                }
            }
        }
        out
    };
    tokio::join!(accounts, children)
}

/// Whether `wanted` names the unit: its id, its name or its path from the root.
fn names_unit(wanted: &str, id: &str, name: &str, path: &[String]) -> bool {
    wanted == id || wanted == name || wanted.trim_matches('/') == path.join("/")
}

/// Walks the organisation and returns the accounts to collect. Failures of single calls are
/// recorded in `sink` (the accounts below a unit that could not be listed are then missing, and
/// the record says so); `Err` only when the organisation cannot be read at all.
pub(crate) async fn discover(
    config: &SdkConfig,
    options: &OrganizationOptions,
    sink: &Sink,
) -> Result<Discovery, crate::CollectError> {
    let client = aws_sdk_organizations::Client::new(config);
    let organization = match client.describe_organization().send().await {
        Ok(out) => out.organization,
        Err(err) => {
            let (code, message) = crate::collect::sdk_error_parts(&err);
            return Err(organization_error(&code, &message));
        }
    };
    let organization_id = organization
        .as_ref()
        .and_then(|o| o.id.clone())
        .unwrap_or_default();
    let management = organization
        .as_ref()
        .and_then(|o| o.master_account_id.clone())
        .unwrap_or_default();

    let mut roots = Vec::new();
    let mut pages = client.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(out) => roots.extend(out.roots.unwrap_or_default()),
            Err(err) => {
                let (code, message) = crate::collect::sdk_error_parts(&err);
                return Err(organization_error(&code, &message));
            }
        }
    }

    // The walk goes level by level; the parents of a level are listed concurrently (a few
    // calls at a time), each parent's accounts and units at once.
    let gate = Semaphore::new(CONCURRENT_CALLS);
    let mut level: Vec<Parent> = roots
        .iter()
        .filter_map(|r| {
            Some(Parent {
                id: r.id.clone()?,
                path: Vec::new(),
                ids: vec![r.id.clone()?],
            })
        })
        .collect();
    let mut units = 0usize;
    let mut found: Vec<Member> = Vec::new();
    let scope = (organization_id.as_str(), management.as_str());
    for depth in 0..=MAX_DEPTH {
        if level.is_empty() {
            break;
        }
        let listed = futures_util::future::join_all(
            level
                .iter()
                .map(|p| list_parent(&client, &gate, p, scope, sink)),
        )
        .await;
        let mut next = Vec::new();
        for (parent, (accounts, children)) in level.iter().zip(listed) {
            found.extend(accounts);
            if depth == MAX_DEPTH && !children.is_empty() {
                sink.note(format!(
                    "organisational units deeper than {MAX_DEPTH} levels below {} are not walked",
                    parent.path.join("/")
                ));
                continue;
            }
            for (id, name) in children {
                let mut path = parent.path.clone();
                path.push(name.clone());
                if options
                    .exclude_units
                    .iter()
                    .any(|w| names_unit(w, &id, &name, &path))
                {
                    sink.note(format!(
                        "organisational unit {} ({id}) excluded: its accounts are not collected",
                        path.join("/")
                    ));
                    continue;
                }
                units += 1;
                if units > MAX_UNITS {
                    continue;
                }
                let mut ids = parent.ids.clone();
                ids.push(id.clone());
                next.push(Parent { id, path, ids });
            }
        }
        level = next;
    }
    if units > MAX_UNITS {
        sink.note(format!(
            "the organisation has more than {MAX_UNITS} organisational units; the rest are not walked"
        ));
    }
    if found.len() > MAX_ACCOUNTS {
        sink.note(format!(
            "the organisation lists more than {MAX_ACCOUNTS} accounts; the rest are not collected"
        ));
        found.truncate(MAX_ACCOUNTS);
    }

    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    let named = |m: &Member, list: &[String]| list.iter().any(|w| *w == m.id || *w == m.name);
    for wanted in options
        .include_accounts
        .iter()
        .chain(&options.exclude_accounts)
    {
        if !found.iter().any(|m| m.id == *wanted || m.name == *wanted) {
            sink.note(format!(
                "account {wanted} is not in the organisation (or in an excluded unit)"
            ));
        }
    }
    let mut members = Vec::new();
    for member in found {
        if !options.include_accounts.is_empty() && !named(&member, &options.include_accounts) {
            continue;
        }
        if named(&member, &options.exclude_accounts) {
            sink.note(format!("account {} ({}) excluded", member.name, member.id));
            continue;
        }
        if member.details.status != "ACTIVE" {
            sink.note(format!(
                "account {} ({}) is {}: not collected",
                member.name, member.id, member.details.status
            ));
            continue;
        }
        members.push(member);
    }

    Ok(Discovery { members })
}

/// Each account's tags (`ListTagsForResource`, a few calls at a time), by account id. Run
/// while the accounts are collected: it adds no time of its own.
pub(crate) async fn tags(
    config: &SdkConfig,
    accounts: &[String],
    sink: &Sink,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let client = aws_sdk_organizations::Client::new(config);
    let gate = Semaphore::new(CONCURRENT_CALLS);
    let client = &client;
    let gate = &gate;
    let found = futures_util::future::join_all(accounts.iter().map(|id| async move {
        let _permit = gate.acquire().await.ok();
        let mut pages = client
            .list_tags_for_resource()
            .resource_id(id)
            .into_paginator()
            .send();
        let mut tags = BTreeMap::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(out) => {
                    for tag in out.tags.unwrap_or_default() {
                        tags.insert(tag.key, tag.value);
                    }
                }
                Err(err) => {
                    failed(sink, id, "ListTagsForResource", Some(id), &err);
                    break;
                }
            }
        }
        (id.clone(), tags)
    }))
    .await;
    found.into_iter().collect()
}

/// The role to assume in `account`, in the partition of the caller's ARN.
pub(crate) fn role_arn(caller_arn: &str, account: &str, role_name: &str) -> String {
    let partition = caller_arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// The message for a role that could not be assumed: which role, and the likely causes.
pub(crate) fn assume_failure(role: &str, member: &Member, cause: &str) -> String {
    format!(
        "could not assume {role} in account {} ({}): {cause}. Likely causes: the role does not \
         exist in that account, its trust policy does not trust the caller (or asks for another \
         external id), or a service control policy denies sts:AssumeRole",
        member.name, member.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_named_by_id_name_or_path() {
        let path = vec!["Workloads".to_owned(), "Sandbox".to_owned()];
        assert!(names_unit(
            "ou-ab12-cdef3456",
            "ou-ab12-cdef3456",
            "Sandbox",
            &path
        ));
        assert!(names_unit("Sandbox", "ou-x", "Sandbox", &path));
        assert!(names_unit("Workloads/Sandbox", "ou-x", "Sandbox", &path));
        assert!(names_unit("/Workloads/Sandbox/", "ou-x", "Sandbox", &path));
        assert!(!names_unit("Workloads", "ou-x", "Sandbox", &path));
    }

    #[test]
    fn roles_are_in_the_callers_partition() {
        assert_eq!(
            role_arn(
                "arn:aws-us-gov:iam::111111111111:user/a",
                "222222222222",
                "R"
            ),
            "arn:aws-us-gov:iam::222222222222:role/R"
        );
        assert_eq!(
            role_arn("", "222222222222", "R"),
            "arn:aws:iam::222222222222:role/R"
        );
    }
}
