//! Differential test against Resoto's own parser (`resotocore`, the reference implementation of
//! the language): both parse the Fix corpus, the hand-written cases of `oracle/cases.txt`, the
//! documented differences of `oracle/differences.txt` and a deterministic set of generated
//! queries. They must accept and reject the same queries, and for an accepted query each must
//! read the other's canonical rendering back to the tree it built itself. Every disagreement
//! must be one of the documented differences, and every documented difference must still be
//! one (a fixed difference is removed from the list, not kept as dead text).
//!
//! The reference runs in the Python given by `TRAILGRAPH_RESOTO_PYTHON`, a virtual environment
//! with `pip install --no-deps -r tests/oracle/requirements.txt`; without it the test says it is
//! skipped, unless `TRAILGRAPH_REQUIRE_ORACLE` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::Value as Json;
use trailgraph_model::EdgeType;
use trailgraph_query::ast::{Navigation, Query, WithClause};

const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/resoto_oracle.py");

/// What Resoto's parser made of one query.
#[derive(Debug, Clone)]
enum Reference {
    Accepted { canonical: String, tree: String },
    Rejected(String),
}

/// Parses every query with Resoto in one child process.
fn reference(python: &str, queries: &[String]) -> Vec<Reference> {
    let mut child = Command::new(python)
        .arg(ORACLE)
        .env("PYTHONHASHSEED", "0")
        // resotocore's imports warn about optional packages it does not need to parse.
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<String> = queries
        .iter()
        .map(|q| serde_json::json!({ "q": q }).to_string())
        .collect();
    let writer = std::thread::spawn(move || {
        for line in input {
            writeln!(stdin, "{line}").unwrap();
        }
    });
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut out = Vec::with_capacity(queries.len());
    for line in stdout.lines() {
        let v: Json = serde_json::from_str(&line.unwrap()).unwrap();
        out.push(if v["ok"] == Json::Bool(true) {
            Reference::Accepted {
                canonical: v["canonical"].as_str().unwrap().to_owned(),
                tree: v["tree"].as_str().unwrap().to_owned(),
            }
        } else {
            Reference::Rejected(v["error"].as_str().unwrap_or("").to_owned())
        });
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "the oracle failed");
    assert_eq!(out.len(), queries.len(), "the oracle answered every query");
    out
}

/// One query's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    BothAccept,
    BothReject,
    OnlyTrailgraph(String),
    OnlyResoto(String),
    DifferentTree(String),
    /// Only trailgraph accepts, because the query uses syntax of Fix Inventory newer than the
    /// reference (docs/query-language.md lists it); names the construct.
    NewerSyntax(&'static str),
}

impl Verdict {
    fn agrees(&self) -> bool {
        matches!(self, Verdict::BothAccept | Verdict::BothReject)
    }
}

/// The construct of Fix Inventory newer than resotocore 3.9.0 that `query` uses, if Resoto's
/// rejection (`why`) is about it: the `iam` edge type, edge filters (`-{term}->`), inbound and
/// outbound edge types that touch (`<-defaultdelete->`), a `with` traversal starting below
/// depth 1.
fn newer_syntax(query: &Query, why: &str) -> Option<&'static str> {
    fn navigation(nav: &Navigation, found: &mut Vec<&'static str>) {
        if nav.edge_types.contains(&EdgeType::Iam)
            || nav.outbound_edge_types.contains(&EdgeType::Iam)
        {
            found.push("the iam edge type");
        }
        if nav.edge_filter.is_some() {
            found.push("an edge filter");
        }
    }
    fn with_clause(with: &WithClause, found: &mut Vec<&'static str>) {
        navigation(&with.navigation.node, found);
        if with.navigation.node.start > 1 {
            found.push("a with traversal starting below depth 1");
        }
        if let Some(nested) = &with.nested {
            with_clause(&nested.node, found);
        }
    }
    fn walk(query: &Query, found: &mut Vec<&'static str>) {
        for part in &query.parts {
            if let Some(nav) = &part.navigation {
                navigation(&nav.node, found);
            }
            if let Some(with) = &part.with {
                with_clause(&with.node, found);
            }
            if let Some(merge) = &part.merge {
                for item in &merge.node.merges {
                    walk(&item.node.query, found);
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(query, &mut found);
    let words = ["default", "delete", "iam"];
    let touching = words.iter().any(|a| {
        words
            .iter()
            .any(|b| why.ends_with(&format!("EdgeType is not known: {a}{b}")))
    });
    if touching {
        return Some("touching edge types");
    }
    found.into_iter().find(|construct| match *construct {
        "the iam edge type" => why.contains("iam"),
        "a with traversal starting below depth 1" => why.contains("with traversal need to start"),
        _ => why.starts_with("ParseError"),
    })
}

/// Reads `//` comment lines as the reason of the queries below them; blank lines are skipped
/// and end a comment.
fn read_cases(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/tests/oracle/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut reason = String::new();
    let mut last_was_comment = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("//") {
            if !last_was_comment {
                reason.clear();
            }
            if !reason.is_empty() {
                reason.push(' ');
            }
            reason.push_str(comment.trim());
            last_was_comment = true;
        } else if !line.trim().is_empty() {
            out.push((line.to_owned(), reason.clone()));
            last_was_comment = false;
        } else {
            // A blank line ends a comment: the file's header is nobody's reason.
            last_was_comment = false;
        }
    }
    out
}

/// A small deterministic generator (xorshift), so the generated queries are the same in every
/// run and a disagreement can be reproduced from the printed query.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn space(&mut self) -> &'static str {
        self.pick(&[
            " ", " ", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\u{a0}", "\u{2003}", "\u{3000}",
            "\u{1f}",
        ])
    }
    fn path(&mut self) -> String {
        let mut segments = Vec::new();
        for _ in 0..1 + self.below(3) {
            let name = self.pick(&[
                "name",
                "a",
                "b_c",
                "x-y",
                "age",
                "tags",
                "reported",
                "instance_cores",
                "`aws:x`",
                "`a b`",
                "ctime",
                "allx",
                "any_x",
                "sorted",
                "limits",
                "is_x",
                "with_x",
                "android",
                "order",
                "notice",
                "isa",
                "ids",
                "_a",
                "a1",
                "limit",
                "sort",
                "with",
                "and",
                "or",
                "reversed",
            ]);
            let marker = self.pick(&["", "", "", "[*]", "[]", "[0]", "[12]"]);
            segments.push(format!("{name}{marker}"));
        }
        let prefix = self.pick(&[
            "",
            "",
            "",
            "/",
            "/ancestors.account.reported.",
            "/reported.",
        ]);
        format!("{prefix}{}", segments.join("."))
    }
    fn value(&mut self, depth: usize) -> String {
        let choice = self.below(if depth > 1 { 14 } else { 17 });
        match choice {
            0 => "true".into(),
            1 => "false".into(),
            2 => "null".into(),
            3 => format!("{}", self.below(100_000)),
            4 => format!("-{}", self.below(1000)),
            5 => format!("{}.{}", self.below(1000), self.below(1000)),
            6 => format!("+{}", self.below(100)),
            7 => self
                .pick(&[
                    "abc",
                    "a_b",
                    "a-b",
                    "a:b",
                    "a/b",
                    "a.b",
                    "3d",
                    "-30d",
                    "1.2.3",
                    "x1",
                    ".5",
                    "1.",
                    "-",
                    "-.",
                    "--x",
                    "-defaultx",
                    "-default1",
                    "1-2",
                    "+5x",
                    "a>b",
                ])
                .into(),
            8 => self
                .pick(&[
                    "\"\"",
                    "\"a b\"",
                    "\"quote \\\" inside\"",
                    "\"back\\\\slash\"",
                    "\"{{x}}\"",
                    "\"is(a)\"",
                    "\"é\"",
                    "\"tab\\tx\"",
                ])
                .into(),
            9 => "2024-01-01T00:00:00Z".into(),
            10 => self
                .pick(&["@utc", "2024-01-01", "10.0.0.0/8", "arn:aws:iam::1:role/x"])
                .into(),
            11 => self.pick(&["truex", "nullx", "falsey", "1a", "a1"]).into(),
            12 => self.pick(&["\"true\"", "\"12\"", "\"null\""]).into(),
            13 => self.pick(&["1e3", "0", "007", "-0"]).into(),
            14 | 15 => {
                let items: Vec<String> =
                    (0..self.below(4)).map(|_| self.value(depth + 1)).collect();
                format!("[{}]", items.join(self.pick(&[",", ", ", " , "])))
            }
            _ => {
                let items: Vec<String> = (0..self.below(3))
                    .map(|_| {
                        let key = self.pick(&["a", "b_c", "\"k\"", "x-y", "a.b", "1"]);
                        format!("{key}: {}", self.value(depth + 1))
                    })
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }
    fn operator(&mut self) -> &'static str {
        self.pick(&[
            "=", "==", "!=", "<", "<=", ">", ">=", "~", "=~", "!~", " in ", " not in ",
        ])
    }
    fn leaf(&mut self, depth: usize) -> String {
        match self.below(12) {
            0 | 1 => format!(
                "is({})",
                self.pick(&[
                    "a",
                    "aws_ec2_instance",
                    "\"a\"",
                    "[a, b]",
                    "a,b",
                    "[\"a\",b]",
                    "resource",
                    "a-b",
                ])
            ),
            2 => format!("id({})", self.pick(&["a", "\"x y\"", "[a,b]", "a,b"])),
            3 => "all".into(),
            4 => self.pick(&["\"fulltext\"", "\"a b c\"", "\"\""]).into(),
            5 => {
                let f = self.pick(&["has_key", "in_subnet", "has_desired_change"]);
                let arg = match f {
                    "in_subnet" => self.pick(&["\"10.0.0.0/8\"", "10.0.0.0/16"]).to_string(),
                    "has_key" => self.pick(&["a", "\"b\"", "[a, b]"]).to_string(),
                    _ => String::new(),
                };
                if arg.is_empty() {
                    format!("{f}({})", self.path())
                } else {
                    format!("{f}({}, {arg})", self.path())
                }
            }
            6 if depth < 2 => format!("{}.{{{}}}", self.path(), self.term(depth + 1)),
            7 if depth < 2 => format!("not {}", self.simple(depth + 1)),
            _ => {
                let path = self.path();
                let modifier = if self.chance(10) {
                    format!(" {}", self.pick(&["all", "any", "none"]))
                } else {
                    String::new()
                };
                let op = self.operator();
                let (before, after) = if op.starts_with(' ') {
                    ("", "")
                } else {
                    let s = self.space();
                    let t = self.space();
                    if self.chance(30) { ("", "") } else { (s, t) }
                };
                format!("{path}{modifier}{before}{op}{after}{}", self.value(0))
            }
        }
    }
    fn simple(&mut self, depth: usize) -> String {
        if depth < 3 && self.chance(15) {
            format!("({})", self.term(depth + 1))
        } else {
            self.leaf(depth)
        }
    }
    fn term(&mut self, depth: usize) -> String {
        let mut out = self.simple(depth);
        let n = if depth > 1 { 1 } else { self.below(3) };
        for _ in 0..n {
            let op = self.pick(&["and", "or", "and", "and"]);
            out = format!("{out} {op} {}", self.simple(depth));
        }
        out
    }
    fn navigation(&mut self) -> String {
        // `iam` edges and edge filters are newer than resotocore 3.9.0 (see differences.txt).
        let types = self.pick(&["", "", "", "default", "delete", "default,delete"]);
        let range = self.pick(&[
            "", "", "", "[1]", "[0:]", "[2:3]", "[0:1]", "[1..2]", "[3,]",
        ]);
        match self.below(4) {
            0 | 1 => {
                if types.is_empty() && range.is_empty() {
                    "-->".into()
                } else {
                    format!("-{types}{range}->")
                }
            }
            2 => {
                if types.is_empty() && range.is_empty() {
                    "<--".into()
                } else {
                    format!("<-{types}{range}-")
                }
            }
            _ => {
                if types.is_empty() && range.is_empty() {
                    "<-->".into()
                } else {
                    format!("<-{types}{range}->")
                }
            }
        }
    }
    fn with_clause(&mut self, depth: usize) -> String {
        let filter = match self.below(4) {
            0 => "empty".to_owned(),
            1 => "any".to_owned(),
            _ => format!(
                "count{}{}",
                self.pick(&["==", ">", ">=", "<", "<=", "!="]),
                self.below(5)
            ),
        };
        let term = if self.chance(70) {
            format!(" {}", self.term(2))
        } else {
            String::new()
        };
        let nested = if depth < 2 && self.chance(25) {
            format!(" {}", self.with_clause(depth + 1))
        } else {
            String::new()
        };
        format!("with({filter}, {}{term}{nested})", self.navigation())
    }
    fn part(&mut self) -> String {
        let mut out = String::new();
        if self.chance(85) {
            out.push_str(&self.term(0));
        }
        if self.chance(8) {
            let name = self.pick(&[
                "a",
                "b.c",
                "a[]",
                "/ancestors.x",
                "a: aggregate(sum(1)):",
                "a[]: :",
                "limit",
            ]);
            out.push_str(&format!(
                " {{{name}: {} {}}}",
                self.navigation(),
                self.leaf(2)
            ));
        }
        if self.chance(15) {
            out.push(' ');
            out.push_str(&self.with_clause(0));
        }
        if self.chance(5) {
            out.push_str(self.pick(&[" #tag", " #a-b", " #x1"]));
        }
        if self.chance(15) {
            let keys: Vec<String> = (0..1 + self.below(2))
                .map(|_| format!("{}{}", self.path(), self.pick(&["", " asc", " desc"])))
                .collect();
            out.push_str(&format!(" sort {}", keys.join(", ")));
        }
        if self.chance(15) {
            if self.chance(30) {
                // Not `limit n, 0`: Fix reads that as `limit n` (a documented difference).
                out.push_str(&format!(
                    " limit {}, {}",
                    self.below(10),
                    1 + self.below(99)
                ));
            } else {
                out.push_str(&format!(" limit {}", self.below(100)));
            }
        }
        if self.chance(4) {
            out.push_str(" reversed");
        }
        out.trim_start().to_owned()
    }
    fn query(&mut self) -> String {
        let mut out = String::new();
        if self.chance(6) {
            let group = self.pick(&[
                "",
                "kind: ",
                "kind, name: ",
                "kind as k: ",
                "\"{a}-{ b }\" as x: ",
                "\"{{a}}\": ",
                "limit: ",
                "a as a-b: ",
                "a as _a: ",
            ]);
            let function = self.pick(&[
                "sum(1)",
                "count(x)",
                "min(a.b)",
                "max(x) as m",
                "sum(a * 2 + 1.5)",
                "sum(a * 2 + b)",
                "sum(1.5)",
                "avg(limit) as a-b",
            ]);
            out.push_str(&format!("aggregate({group}{function}): "));
        } else if self.chance(4) {
            out.push_str(self.pick(&[
                "(edge_type=delete): ",
                "(edge_type=default): ",
                "(edge_type=\"default,delete\"): ",
                "(edge_type=\"delete\"): ",
                "(): ",
                "() ",
                "(edge_type=delete) ",
                ": ",
            ]));
        }
        out.push_str(&self.part());
        for _ in 0..self.below(2) {
            let nav = self.navigation();
            let spaced = self.chance(80);
            let part = self.part();
            if spaced {
                out.push_str(&format!(" {nav} {part}"));
            } else {
                out.push_str(&format!("{nav}{part}"));
            }
        }
        out.trim().to_owned()
    }
}

fn generated(count: usize) -> Vec<String> {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while out.len() < count {
        let q = g.query();
        if !q.is_empty() && seen.insert(q.clone()) {
            out.push(q);
        }
    }
    out
}

fn corpus() -> Vec<String> {
    common::corpus_entries()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["query"].as_str())
        .map(|raw| common::search_part(&common::fill_placeholders(raw)))
        .collect()
}

fn short(text: &str) -> String {
    let one_line = text.replace('\n', "\\n");
    // TRAILGRAPH_ORACLE_FULL prints whole queries, for studying a disagreement.
    if one_line.chars().count() > 160 && std::env::var_os("TRAILGRAPH_ORACLE_FULL").is_none() {
        format!("{}…", one_line.chars().take(160).collect::<String>())
    } else {
        one_line
    }
}

#[test]
fn trailgraph_and_resoto_parse_alike() {
    let Some(python) = std::env::var_os("TRAILGRAPH_RESOTO_PYTHON") else {
        assert!(
            std::env::var_os("TRAILGRAPH_REQUIRE_ORACLE").is_none(),
            "TRAILGRAPH_REQUIRE_ORACLE is set but TRAILGRAPH_RESOTO_PYTHON is not"
        );
        println!(
            "oracle: skipped, TRAILGRAPH_RESOTO_PYTHON is not set (a Python with tests/oracle/requirements.txt)"
        );
        return;
    };
    let python = python.to_string_lossy().into_owned();

    let cases = read_cases("cases.txt");
    let differences = read_cases("differences.txt");
    let corpus = corpus();
    let generated = generated(2500);
    let mut sources: Vec<(&str, String)> = Vec::new();
    sources.extend(corpus.iter().map(|q| ("corpus", q.clone())));
    sources.extend(cases.iter().map(|(q, _)| ("cases", q.clone())));
    sources.extend(differences.iter().map(|(q, _)| ("differences", q.clone())));
    sources.extend(generated.iter().map(|q| ("generated", q.clone())));
    let queries: Vec<String> = sources.iter().map(|(_, q)| q.clone()).collect();

    // Resoto parses every query, trailgraph's rendering of it, and its own rendering of it (its
    // renderer is not always faithful: a non-ASCII character comes out as a JSON `\u` escape its
    // parser keeps as text, so that reading is excused when Resoto itself misreads it).
    let first = reference(&python, &queries);
    let ours: Vec<Result<trailgraph_query::ast::Query, trailgraph_query::ParseError>> =
        queries.iter().map(|q| trailgraph_query::parse(q)).collect();
    let renderings: Vec<String> = ours
        .iter()
        .map(|r| r.as_ref().map(ToString::to_string).unwrap_or_default())
        .collect();
    let second = reference(&python, &renderings);
    let canonicals: Vec<String> = first
        .iter()
        .map(|r| match r {
            Reference::Accepted { canonical, .. } => canonical.clone(),
            Reference::Rejected(_) => String::new(),
        })
        .collect();
    let third = reference(&python, &canonicals);

    let mut unfaithful = 0usize;
    let mut verdicts = Vec::with_capacity(queries.len());
    for i in 0..queries.len() {
        let verdict = match (&ours[i], &first[i]) {
            (Err(_), Reference::Rejected(_)) => Verdict::BothReject,
            (Ok(tree), Reference::Rejected(why)) => match newer_syntax(tree, why) {
                Some(construct) => Verdict::NewerSyntax(construct),
                None => Verdict::OnlyTrailgraph(why.clone()),
            },
            (Err(e), Reference::Accepted { canonical, .. }) => Verdict::OnlyResoto(format!(
                "trailgraph: {e} at {:?}; Resoto reads `{}`",
                e.span,
                short(canonical)
            )),
            (
                Ok(tree),
                Reference::Accepted {
                    canonical,
                    tree: reference_tree,
                },
            ) => {
                let mut why = Vec::new();
                match &second[i] {
                    Reference::Accepted {
                        tree: r,
                        canonical: back,
                    } if r != reference_tree => {
                        why.push(format!(
                            "Resoto reads trailgraph's `{}` as `{}`, not as `{}`",
                            short(&renderings[i]),
                            short(back),
                            short(canonical)
                        ));
                    }
                    Reference::Accepted { .. } => {}
                    Reference::Rejected(e) => why.push(format!(
                        "Resoto cannot read trailgraph's `{}`: {e}",
                        short(&renderings[i])
                    )),
                }
                let faithful =
                    matches!(&third[i], Reference::Accepted { tree: r, .. } if r == reference_tree);
                if faithful {
                    match trailgraph_query::parse(canonical) {
                        Ok(t) if &t == tree => {}
                        Ok(t) => why.push(format!(
                            "trailgraph reads Resoto's `{}` as `{}`, not as `{}`",
                            short(canonical),
                            short(&t.to_string()),
                            short(&renderings[i])
                        )),
                        Err(e) => why.push(format!(
                            "trailgraph cannot read Resoto's `{}`: {e}",
                            short(canonical)
                        )),
                    }
                } else {
                    unfaithful += 1;
                }
                if why.is_empty() {
                    Verdict::BothAccept
                } else {
                    Verdict::DifferentTree(why.join("; "))
                }
            }
        };
        verdicts.push(verdict);
    }

    let documented: HashSet<&str> = differences.iter().map(|(q, _)| q.as_str()).collect();
    let mut per_source: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    let mut newer: BTreeMap<&str, usize> = BTreeMap::new();
    for ((source, query), verdict) in sources.iter().zip(&verdicts) {
        let entry = per_source.entry(source).or_default();
        entry.0 += 1;
        if verdict.agrees() {
            entry.1 += 1;
        }
        if *source == "differences" {
            if verdict.agrees() {
                stale.push(query.clone());
            } else {
                entry.2 += 1;
            }
        } else if let Verdict::NewerSyntax(construct) = verdict {
            *newer.entry(construct).or_default() += 1;
            entry.3 += 1;
        } else if !verdict.agrees() && !documented.contains(query.as_str()) {
            unexpected.push(format!("[{source}] `{}`\n      {verdict:?}", short(query)));
        }
    }

    let total = verdicts.len();
    let agreeing = verdicts.iter().filter(|v| v.agrees()).count();
    let accepted = verdicts
        .iter()
        .filter(|v| **v == Verdict::BothAccept)
        .count();
    println!(
        "oracle: {total} queries tried against resotocore; {agreeing} agree ({accepted} accepted by both with the same tree, {} rejected by both); {} documented differences; {unfaithful} accepted queries that Resoto misreads in its own rendering",
        agreeing - accepted,
        differences.len()
    );
    for (source, (tried, agree, documented, newer)) in &per_source {
        println!(
            "  {source}: {tried} tried, {agree} agree, {documented} documented differences, {newer} newer Fix syntax"
        );
    }
    println!(
        "newer Fix syntax than the reference, accepted only by trailgraph: {}",
        newer
            .iter()
            .map(|(construct, n)| format!("{construct} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("documented differences (docs/query-language.md):");
    let mut last_reason = "";
    for ((query, reason), verdict) in differences
        .iter()
        .zip(verdicts.iter().skip(corpus.len() + cases.len()))
    {
        if reason != last_reason {
            println!("  - {reason}");
            last_reason = reason;
        }
        let kind = match verdict {
            Verdict::OnlyTrailgraph(_) => "only trailgraph accepts",
            Verdict::OnlyResoto(_) => "only Resoto accepts",
            Verdict::DifferentTree(_) => "different tree",
            _ => "agrees now",
        };
        println!("      {} ({kind})", short(query));
    }
    assert!(
        stale.is_empty(),
        "documented differences that agree now (remove them from oracle/differences.txt):\n  {}",
        stale.join("\n  ")
    );
    for line in &unexpected {
        println!("UNEXPECTED {line}");
    }
    assert!(
        unexpected.is_empty(),
        "{} undocumented disagreements with resotocore (the first are printed above)",
        unexpected.len()
    );
}
