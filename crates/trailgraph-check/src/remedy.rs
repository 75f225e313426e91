//! Remediation that fixes what is actually broken: for each broken step of a chain, the check's
//! fixes for the conditions it fails; for a missing step, the fixes that create that level and
//! every level after it, unless a resource the check may reuse stands in (an SNS topic that
//! already has a confirmed subscription). Nothing that exists is proposed again. Commands are
//! filled with the chain's real names (the vocabulary says which kind fills which value), then
//! the control's parameters; a value that cannot be known stays a placeholder that says what to
//! put there. A fix for a node of another account (an organisation trail's home) names it.

use std::collections::HashSet;

use trailgraph_model::NodeId;

use crate::catalog::{Check, Fix, FixWhen};
use crate::chain::{Chain, StepStatus};
use crate::engine::{Engine, FixValues};
use crate::template;
use crate::vocabulary::Vocabulary;

/// The form remediation is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemediationKind {
    /// AWS CLI commands.
    #[default]
    Cli,
    /// Terraform snippets.
    Terraform,
}

impl RemediationKind {
    /// `cli`, `terraform`.
    pub fn as_str(self) -> &'static str {
        match self {
            RemediationKind::Cli => "cli",
            RemediationKind::Terraform => "terraform",
        }
    }
}

impl std::str::FromStr for RemediationKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cli" => Ok(RemediationKind::Cli),
            "terraform" => Ok(RemediationKind::Terraform),
            other => Err(format!(
                "unknown remediation kind `{other}` (cli, terraform)"
            )),
        }
    }
}

/// One filled fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixCommand {
    /// The command or snippet.
    pub text: String,
    /// The account it must run in when that is not the result's own (an organisation trail's
    /// home account).
    pub account: Option<String>,
    /// The kind of the level it repairs.
    pub at: String,
    /// The vocabulary's word for that kind (`trail`).
    pub at_word: String,
}

/// What filling fixes for one result needs.
pub(crate) struct Remedy<'e, 'a> {
    pub engine: &'e Engine<'a>,
    pub vocabulary: &'e Vocabulary,
    pub check: &'e Check,
    /// The control's parameters and derived values.
    pub parameters: &'e dyn Fn(&str) -> Option<String>,
    pub kind: RemediationKind,
    /// The result's node and its account id.
    pub subject: NodeId,
    pub account: &'e str,
    /// The kind of each level of the query the chains come from.
    pub level_kinds: Vec<String>,
}

impl Remedy<'_, '_> {
    /// The fixes for every chain, in chain order, each once.
    pub(crate) fn fixes(&self, chains: &[Chain]) -> Vec<FixCommand> {
        let mut out: Vec<FixCommand> = Vec::new();
        let mut seen = HashSet::new();
        for chain in chains {
            for fix in self.for_chain(chain) {
                if seen.insert((fix.text.clone(), fix.account.clone())) {
                    out.push(fix);
                }
            }
        }
        out
    }

    fn for_chain(&self, chain: &Chain) -> Vec<FixCommand> {
        // Fixes are chosen at broken and missing steps only.
        if chain
            .steps
            .iter()
            .all(|s| matches!(s.status, StepStatus::Ok))
        {
            return Vec::new();
        }
        let inventory = self.engine.inventory;
        // The values fixes are filled with, in the order they are looked up: each node's as the
        // engine keeps them (shared, not copied).
        let mut values: Vec<FixValues> = vec![self.engine.values_of(self.subject, self.vocabulary)];
        if let Some(account) =
            inventory.ancestor(self.subject, trailgraph_model::AncestorKind::Account)
            && let Some(id) = inventory.find(&account.id)
            && id != self.subject
        {
            values.push(self.engine.values_of(id, self.vocabulary));
        }
        for step in &chain.steps {
            if let Some(n) = step.node_id {
                values.push(self.engine.values_of(n, self.vocabulary));
            }
        }
        let mut chosen: Vec<(&Fix, Option<String>)> = Vec::new();
        let mut last_account: Option<String> = None;
        for step in &chain.steps {
            let step_account = step.node.as_ref().and_then(|n| n.account.clone());
            match step.status {
                StepStatus::Ok => last_account = step_account.or(last_account),
                StepStatus::Broken => {
                    let account = step_account.clone().or_else(|| last_account.clone());
                    let by_condition: Vec<&Fix> = self
                        .check
                        .remediation
                        .fixes
                        .iter()
                        .filter(|f| {
                            *f.at == *step.kind
                                && matches!(&f.when, FixWhen::Condition(c) if step.keys.contains(c))
                        })
                        .collect();
                    let fixes = if by_condition.is_empty() {
                        self.fixes_when(&step.kind, &FixWhen::Broken)
                    } else {
                        by_condition
                    };
                    chosen.extend(fixes.into_iter().map(|f| (f, account.clone())));
                    last_account = step_account.or(last_account);
                }
                StepStatus::Missing => {
                    for kind in self.level_kinds.iter().skip(step.level) {
                        let reused = self.reuse(kind, &values, chain);
                        if let Some(node) = reused {
                            values.push(self.engine.values_of(node, self.vocabulary));
                        } else {
                            chosen.extend(
                                self.fixes_when(kind, &FixWhen::Missing)
                                    .into_iter()
                                    .map(|f| (f, last_account.clone())),
                            );
                        }
                        chosen.extend(
                            self.fixes_when(kind, &FixWhen::Link)
                                .into_iter()
                                .map(|f| (f, last_account.clone())),
                        );
                        if reused.is_some() {
                            // The reused node completes the chain from here.
                            break;
                        }
                    }
                    break;
                }
            }
        }
        chosen
            .into_iter()
            .filter_map(|(fix, account)| {
                let template = match self.kind {
                    RemediationKind::Cli => fix.cli.as_ref(),
                    RemediationKind::Terraform => fix.terraform.as_ref(),
                }?;
                Some(FixCommand {
                    text: self.fill(template, &values),
                    account: account.filter(|a| a != self.account),
                    at: fix.at.clone(),
                    at_word: self.vocabulary.word(&fix.at).to_owned(),
                })
            })
            .collect()
    }

    fn fixes_when(&self, kind: &str, when: &FixWhen) -> Vec<&Fix> {
        self.check
            .remediation
            .fixes
            .iter()
            .filter(|f| f.at == kind && &f.when == when)
            .collect()
    }

    /// A node that stands in for a missing level of `kind` and everything after it, found by
    /// a reuse query run from a node of the chain.
    fn reuse(&self, kind: &str, values: &[FixValues], chain: &Chain) -> Option<NodeId> {
        let inventory = self.engine.inventory;
        let known = |name: &String| values.iter().flat_map(|v| v.iter()).any(|(k, _)| k == name);
        for reuse in self
            .check
            .remediation
            .reuse
            .iter()
            .filter(|r| r.at == kind && !r.when_unknown.iter().any(known))
        {
            let anchor = if reuse.from.is_empty() {
                Some(self.subject)
            } else {
                reuse.from.iter().find_map(|k| {
                    chain
                        .steps
                        .iter()
                        .find(|s| *s.kind == **k)
                        .and_then(|s| s.node_id)
                })
            };
            let Some(anchor) = anchor else {
                continue;
            };
            let lookup = |name: &str| self.value(name, values);
            // The same reuse from the same node with the same values finds the same node: many
            // results share one (every control of an account missing its alarms).
            let mut key = format!(
                "{:x}|{}",
                std::ptr::from_ref(reuse) as usize,
                anchor.index()
            );
            for name in reuse.query.placeholders.keys() {
                key.push('|');
                key.push_str(&lookup(name).unwrap_or_default());
            }
            let found = self.engine.remembered_reuse(&key, || {
                let bound = template::bind(&reuse.query.query, &lookup).ok()?;
                let prepared = self.engine.prepare_once(&bound).ok()?;
                self.engine
                    .select_from(&prepared, &[anchor])
                    .into_iter()
                    .filter_map(|n| {
                        inventory
                            .node(n)
                            .map(|x| (x.name().to_owned(), x.id.clone(), n))
                    })
                    .min()
                    .map(|(_, _, n)| n)
            });
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn value(&self, name: &str, values: &[FixValues]) -> Option<String> {
        template::resolve_name(name, &|n| {
            values
                .iter()
                .flat_map(|v| v.iter())
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .or_else(|| (self.parameters)(n))
        })
    }

    fn fill(&self, template_text: &str, values: &[FixValues]) -> String {
        template::fill(template_text, false, |name| {
            let value = match self.value(name, values) {
                Some(v) => match self.kind {
                    RemediationKind::Cli => v.replace('\'', r"'\''"),
                    RemediationKind::Terraform => hcl_escape(&v),
                },
                None => {
                    let first = name.split('|').next().unwrap_or(name);
                    let first = first.strip_suffix(".label").unwrap_or(first);
                    format!("<{}>", first.replace('_', "-"))
                }
            };
            Some(value)
        })
        .unwrap_or_else(|_| template_text.to_owned())
    }
}

/// Escapes a value for the inside of a double-quoted HCL string.
fn hcl_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_values_are_escaped() {
        assert_eq!(
            hcl_escape(r#"{ $.a = "b\c" } ${x} %{y}"#),
            r#"{ $.a = \"b\\c\" } $${x} %%{y}"#
        );
    }
}
