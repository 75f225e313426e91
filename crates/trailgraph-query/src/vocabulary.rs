//! Property names a query reads, checked against the names the inventory knows, so that a
//! misspelt property (`trail_is_multiregion_trail != true`, which matches every trail) is
//! reported with the closest known names instead of silently matching or missing everything.

use std::collections::BTreeSet;
use std::fmt;

use trailgraph_model::vocabulary::PROPERTY_NAMES;
use trailgraph_model::{AncestorKind, Inventory, Kind};

use crate::ast::{Path, Query, Span, Spanned, Term, WithClause};

/// How many nodes of each kind are read for their property names, beyond the built-in list.
const NODES_PER_KIND: usize = 2_000;

/// The top-level property names a query may read.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    names: BTreeSet<String>,
}

/// A property a query reads that no kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProperty {
    /// The name as written (the first segment of the path).
    pub name: String,
    /// Where the path is in the query text.
    pub span: Span,
    /// The closest known names, closest first (at most three).
    pub suggestions: Vec<String>,
}

impl fmt::Display for UnknownProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no kind has a property `{}`", self.name)?;
        match self.suggestions.as_slice() {
            [] => Ok(()),
            [one] => write!(f, "; did you mean `{one}`?"),
            many => {
                let quoted: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
                write!(f, "; did you mean one of {}?", quoted.join(", "))
            }
        }
    }
}

impl Vocabulary {
    /// The names every inventory built by trailgraph can carry
    /// ([`trailgraph_model::vocabulary::PROPERTY_NAMES`]).
    pub fn builtin() -> Self {
        Vocabulary {
            names: PROPERTY_NAMES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The built-in names and the names carried by the first nodes of each kind of
    /// `inventory` (snapshots written by other tools may carry more).
    pub fn of_inventory(inventory: &Inventory) -> Self {
        let mut vocabulary = Vocabulary::builtin();
        for kind in Kind::ALL {
            for id in inventory.nodes_of_kind(kind).iter().take(NODES_PER_KIND) {
                if let Some(node) = inventory.node(*id) {
                    for (key, _) in node.reported.iter() {
                        if !vocabulary.names.contains(key) {
                            vocabulary.names.insert(key.to_owned());
                        }
                    }
                }
            }
        }
        vocabulary
    }

    /// Whether some kind has a property `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    /// The known names closest to `name` (edit distance at most a quarter of its length, and
    /// at least 2; no more than one edit worse than the closest), closest first, at most three.
    pub fn suggestions(&self, name: &str) -> Vec<String> {
        let limit = (name.chars().count() / 4).max(2);
        let mut scored: Vec<(usize, &String)> = self
            .names
            .iter()
            .map(|known| (strsim::levenshtein(name, known), known))
            .filter(|(distance, _)| *distance <= limit)
            .collect();
        scored.sort();
        let best = scored.first().map_or(0, |(distance, _)| *distance);
        scored
            .into_iter()
            .take_while(|(distance, _)| *distance <= best + 1)
            .take(3)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Every property `query` reads from nodes that no kind has, in the order written. Paths
    /// that start with `/`, ancestor shortcuts (`account`, `region`, ...), element paths inside
    /// `path.{...}`, edge filters and names a merge of the query creates are not checked.
    pub fn unknown_properties(&self, query: &Query) -> Vec<UnknownProperty> {
        let mut merged: BTreeSet<&str> = BTreeSet::new();
        let mut paths: Vec<&Spanned<Path>> = Vec::new();
        collect_query(query, &mut paths, &mut merged);
        paths
            .into_iter()
            .filter(|path| {
                path.node
                    .segments
                    .first()
                    .is_none_or(|s| !merged.contains(s.name.as_str()))
            })
            .filter_map(|path| self.unknown_path(path))
            .collect()
    }

    /// The first segment of a node path when no kind has it (`None` for absolute paths and
    /// ancestor shortcuts such as `account`).
    pub fn unknown_path(&self, path: &Spanned<Path>) -> Option<UnknownProperty> {
        if path.node.absolute {
            return None;
        }
        let first = path.node.segments.first()?;
        let name = first.name.as_str();
        let shortcut = first.markers.is_empty()
            && (AncestorKind::from_name(name).is_some() || matches!(name, "zone" | "usage"));
        if shortcut || self.knows(name) {
            return None;
        }
        Some(UnknownProperty {
            name: name.to_owned(),
            span: path.span.clone(),
            suggestions: self.suggestions(name),
        })
    }
}

fn collect_query<'q>(
    query: &'q Query,
    paths: &mut Vec<&'q Spanned<Path>>,
    merged: &mut BTreeSet<&'q str>,
) {
    for part in &query.parts {
        if let Some(term) = &part.term {
            collect_term(term, paths);
        }
        if let Some(merge) = &part.merge {
            for item in &merge.node.merges {
                merged.insert(item.node.name.split('.').next().unwrap_or(&item.node.name));
                collect_query(&item.node.query, paths, merged);
            }
            if let Some(post) = &merge.node.post_filter {
                collect_term(post, paths);
            }
        }
        let mut with: Option<&'q Spanned<WithClause>> = part.with.as_ref();
        while let Some(clause) = with {
            if let Some(term) = &clause.node.term {
                collect_term(term, paths);
            }
            with = clause.node.nested.as_deref();
        }
        for key in &part.sort {
            paths.push(&key.node.path);
        }
    }
}

/// Collects node paths of a term with an explicit stack, so that long `and`/`or` chains and
/// deep `not` nesting cannot overflow the call stack.
fn collect_term<'q>(term: &'q Spanned<Term>, paths: &mut Vec<&'q Spanned<Path>>) {
    let mut stack: Vec<&'q Spanned<Term>> = vec![term];
    let mut found: Vec<&'q Spanned<Path>> = Vec::new();
    while let Some(term) = stack.pop() {
        match &term.node {
            Term::Not(inner) => stack.push(inner),
            Term::Combined { left, right, .. } => {
                // Right first, so that paths come out in the order written.
                stack.push(right);
                stack.push(left);
            }
            Term::Predicate(p) => found.push(&p.path),
            Term::Context { path, .. } | Term::Function { path, .. } => found.push(path),
            Term::All | Term::Is(_) | Term::Id(_) | Term::FullText(_) => {}
        }
    }
    paths.extend(found);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn unknown(query: &str) -> Vec<(String, Vec<String>)> {
        let query = crate::parse(query).unwrap();
        Vocabulary::builtin()
            .unknown_properties(&query)
            .into_iter()
            .map(|u| (u.name, u.suggestions))
            .collect()
    }

    #[test]
    fn misspelt_property_is_found_with_the_closest_name() {
        let found = unknown("is(aws_cloud_trail) and trail_is_multiregion_trail != true");
        assert_eq!(
            found,
            vec![(
                "trail_is_multiregion_trail".to_owned(),
                vec!["trail_is_multi_region_trail".to_owned()]
            )]
        );
    }

    #[test]
    fn known_names_shortcuts_and_absolute_paths_pass() {
        assert!(
            unknown("is(aws_cloud_trail) and name == x and account == y and region == z")
                .is_empty()
        );
        assert!(unknown("/ancestors.account.reported.name == x and /nothing.here == 1").is_empty());
        assert!(unknown("trail_status.is_logging == true and tags.owner == x").is_empty());
        assert!(
            unknown("account_collection_errors[*].{service == x and whatever == 1}").is_empty()
        );
        assert!(unknown("is(aws_sns_topic) sort topic_owner desc").is_empty());
    }

    #[test]
    fn nested_with_merges_and_sort_are_checked() {
        let found = unknown(
            "is(aws_account) with(any, --> is(aws_cloud_trail) with(any, --> nmae == x)) sort ctiem",
        );
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["nmae", "ctiem"]);
        assert_eq!(found[0].1.first().map(String::as_str), Some("name"));
    }

    #[test]
    fn message_names_the_property_and_the_suggestion() {
        let query = crate::parse("trail_is_multiregion_trail != true").unwrap();
        let found = Vocabulary::builtin().unknown_properties(&query);
        assert_eq!(
            found[0].to_string(),
            "no kind has a property `trail_is_multiregion_trail`; did you mean `trail_is_multi_region_trail`?"
        );
        assert_eq!(found[0].span, 0..26);
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let mut text = String::from("a0 == 1");
        for i in 1..20_000 {
            text.push_str(&format!(" or a{i} == 1"));
        }
        let query = crate::parse(&text);
        if let Ok(query) = query {
            assert_eq!(
                Vocabulary::builtin().unknown_properties(&query).len(),
                20_000
            );
        }
    }
}
