//! The JSON contract.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value as Json, json};

use crate::chain::ChainStep;
use crate::run::{Report, Resource};

fn resource(x: &Resource) -> Json {
    json!({"id": x.id, "kind": x.kind, "name": x.name, "region": x.region})
}

fn changes(list: &[crate::baseline::Change]) -> Json {
    Json::Array(
        list.iter()
            .map(|c| {
                json!({"control": c.control, "check": c.check, "account": c.account,
                       "resource": c.resource})
            })
            .collect(),
    )
}

fn baseline(b: &crate::baseline::Baseline) -> Json {
    json!({
        "source": b.source,
        "generated_at": b.generated_at,
        "new_failures": changes(&b.new_failures),
        "resolved": changes(&b.resolved),
        "not_evaluable_now": changes(&b.unknown_now),
        "accounts_added": b.accounts_added,
        "accounts_gone": b.accounts_gone,
    })
}

/// A step of a chain as the contract writes it (also under `unmapped` in OCSF).
pub(super) fn step(s: &ChainStep) -> Json {
    json!({
        "node": s.node.as_ref().map(|n| json!({
            "id": n.id, "kind": n.kind, "name": n.name, "account": n.account, "region": n.region,
        })),
        "kind": s.kind,
        "status": s.status.as_str(),
        "condition": s.condition,
        "detail": s.detail,
        "text": s.text,
    })
}

/// One result of the report as the contract writes it.
fn result(report: &Report, c: &crate::run::ControlReport, r: &crate::run::CheckResult) -> Json {
    json!({
        "check": r.check,
        "control": r.control,
        "title": r.title,
        "severity": r.severity.as_str(),
        "risk": c.risk,
        "url": report.benchmark.url,
        "account": r.account,
        "account_name": r.account_name,
        "status": r.status.as_str(),
        "resource": r.resource.as_ref().map(resource),
        "reason": r.reason,
        "chain": r.chain().iter().map(step).collect::<Vec<_>>(),
        "other_chains": r.chains.iter().skip(1)
            .map(|c| c.steps.iter().map(step).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        "resources": r.resources.iter().map(|x| resource(x)).collect::<Vec<_>>(),
        "remediation": r.remediation,
        "fixes": r.fixes.iter().map(|f| json!({
            "text": f.text, "account": f.account, "at": f.at,
        })).collect::<Vec<_>>(),
    })
}

fn results(report: &Report) -> impl Iterator<Item = Json> + '_ {
    report.control_results().map(|(c, r)| result(report, c, r))
}

/// The document without its results (`results` is `null`, in its place).
fn head(report: &Report) -> Json {
    json!({
        "benchmark": report.benchmark.id,
        "benchmark_title": report.benchmark.title,
        "benchmark_version": report.benchmark.version,
        "framework": report.benchmark.framework,
        "benchmark_url": report.benchmark.url,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "shown": report.shown,
        "baseline": report.baseline.as_ref().map(baseline),
        "generated_at": super::time(report.generated_at),
        "filter_judgement": report.filter_judgement,
        "remediation_kind": report.remediation.as_str(),
        "inventory": {
            "source": report.inventory.source,
            "collected_at": super::time(report.inventory.collected_at),
            "accounts": report.inventory.accounts,
            "nodes": report.inventory.nodes,
            "collection_errors": report.inventory.collection_errors,
            "unreached": report.inventory.unreached.iter().map(|u| json!({
                "source": u.source, "reason": u.reason,
            })).collect::<Vec<_>>(),
        },
        "summary": {
            "passed": report.summary.passed,
            "failed": report.summary.failed,
            "not_evaluable": report.summary.not_evaluable,
        },
        "results": null,
    })
}

/// The report as the JSON document of the contract.
pub fn to_json(report: &Report) -> Json {
    let mut document = head(report);
    if let Some(map) = document.as_object_mut() {
        map.insert("results".to_owned(), Json::Array(results(report).collect()));
    }
    document
}

/// Array elements rendered in one go by one thread: large enough that handing batches between the
/// threads costs little, small enough that two batches in memory are a few megabytes.
const BATCH: usize = 128;

/// The document written as it is made: the results are rendered to text a batch at a time, by
/// this thread and one other, and written in order (see [`pretty_array`]), so a report
/// of many results is never held whole and its rendering takes both cores (the text is
/// `to_json`'s, byte for byte, tested).
fn write_streamed(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let results: Vec<_> = report.control_results().collect();
    // `results` is a key of the top-level object, which alone has keys at that depth.
    pretty_with_array(out, &head(report), 1, "results", &results, |(c, r)| {
        ResultOut::new(report, c, r)
    })
}

/// Writes `document` as pretty JSON with the array of `items` in the place of its `key`, which
/// must be `null` in `document` and be the only key `key` at `depth` (1 for a key of the
/// top-level object) that is `null`. The document is rendered with `null` and cut there: a
/// key's line at that depth starts with a newline, `2 × depth` spaces and a quote, which no
/// line at another depth and no string (newlines in strings are escaped) can contain.
pub(super) fn pretty_with_array<T: Sync, S: serde::Serialize>(
    out: &mut impl Write,
    document: &Json,
    depth: usize,
    key: &str,
    items: &[T],
    element: impl Fn(&T) -> S + Sync,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(document).map_err(io::Error::other)?;
    let line = format!("\n{}{}: ", "  ".repeat(depth), Json::from(key));
    let place = format!("{line}null");
    let Some(at) = text.find(&place) else {
        return Err(io::Error::other(format!(
            "the document has no place for {key}"
        )));
    };
    let (before, after) = text.split_at(at);
    out.write_all(before.as_bytes())?;
    out.write_all(line.as_bytes())?;
    pretty_array(out, items, depth + 1, element)?;
    out.write_all(after.get(place.len()..).unwrap_or("").as_bytes())
}

/// Writes `items` as a pretty JSON array whose elements are at `depth` (1 for a document that
/// is an array, 2 for an array that is a value of the top-level object), each rendered by
/// what `element` makes of it: the text `serde_json`'s pretty printer writes for the whole
/// array in place, with its elements rendered a batch at a time by this thread and one other,
/// whichever is free (this thread also writes, so it renders fewer), and written in order.
pub(super) fn pretty_array<T: Sync, S: serde::Serialize>(
    out: &mut impl Write,
    items: &[T],
    depth: usize,
    element: impl Fn(&T) -> S + Sync,
) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let batches: Vec<&[T]> = items.chunks(BATCH).collect();
    let batch_text = |batch: &[T]| render(batch, depth, &element);
    // The next batch nobody has taken yet.
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| -> io::Result<()> {
        // The other thread takes batches in turn and hands them over; it waits while two of
        // its batches are not yet taken in, so at most a few batches are held at once.
        let (send, receive) = std::sync::mpsc::sync_channel::<(usize, io::Result<Vec<u8>>)>(2);
        let (other_next, other_batches, other_text) = (&next, &batches, &batch_text);
        scope.spawn(move || {
            loop {
                let i = other_next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = other_batches.get(i) else {
                    break;
                };
                if send.send((i, other_text(batch))).is_err() {
                    break;
                }
            }
        });
        let stopped = || io::Error::other("a rendering thread stopped");
        // Rendered batches not yet written, by index.
        let mut ready: BTreeMap<usize, io::Result<Vec<u8>>> = BTreeMap::new();
        for i in 0..batches.len() {
            let text = loop {
                if let Some(text) = ready.remove(&i) {
                    break text?;
                }
                // What the other thread finished, without waiting.
                if let Ok((j, text)) = receive.try_recv() {
                    ready.insert(j, text);
                    continue;
                }
                // Batch `i` is the other thread's and not done yet: render one more here
                // meanwhile, unless enough wait already; otherwise wait for it.
                if ready.len() < 4 {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if let Some(batch) = batches.get(j) {
                        ready.insert(j, batch_text(batch));
                        continue;
                    }
                }
                let (j, text) = receive.recv().map_err(|_| stopped())?;
                ready.insert(j, text);
            };
            // Every element starts with its separator; the very first has no comma.
            let text = if i == 0 {
                text.get(1..).unwrap_or(&[])
            } else {
                &text[..]
            };
            out.write_all(text)?;
        }
        Ok(())
    })?;
    out.write_all(b"\n")?;
    indent_to(out, depth.saturating_sub(1))?;
    out.write_all(b"]")
}

/// The text of a batch of array elements at `depth`: each as `,`, a newline and its
/// indentation, then the element's pretty JSON as the pretty printer writes it at that depth.
fn render<T, S: serde::Serialize>(
    batch: &[T],
    depth: usize,
    element: &impl Fn(&T) -> S,
) -> io::Result<Vec<u8>> {
    // About what a result with its chains takes (3–10 KB), so that the text seldom grows.
    let mut text = Vec::with_capacity(batch.len() << 12);
    for item in batch {
        text.extend_from_slice(b",\n");
        indent_to(&mut text, depth)?;
        let mut serializer = serde_json::Serializer::with_formatter(&mut text, AtDepth::new(depth));
        serde::Serialize::serialize(&element(item), &mut serializer).map_err(io::Error::other)?;
    }
    Ok(text)
}

/// Writes the indentation of `depth` (two spaces a level).
fn indent_to<W: ?Sized + Write>(out: &mut W, depth: usize) -> io::Result<()> {
    const SPACES: &[u8] = b"                                                                ";
    let mut left = 2 * depth;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.write_all(SPACES.get(..n).unwrap_or(SPACES))?;
        left -= n;
    }
    Ok(())
}

/// `serde_json`'s pretty printer (two spaces a level) for a value that starts `depth` levels
/// deep: its nested lines are indented as they are in the whole document, so an element is
/// written in place in one pass.
struct AtDepth {
    depth: usize,
    has_value: bool,
}

impl AtDepth {
    fn new(depth: usize) -> Self {
        AtDepth {
            depth,
            has_value: false,
        }
    }

    fn begin<W: ?Sized + Write>(&mut self, out: &mut W, open: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        out.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, out: &mut W, close: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            out.write_all(b"\n")?;
            indent_to(out, self.depth)?;
        }
        out.write_all(close)
    }

    fn item<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        indent_to(out, self.depth)
    }
}

impl serde_json::ser::Formatter for AtDepth {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.begin(out, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.end(out, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.begin(out, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.end(out, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.item(out, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

// The written forms of a result and its parts, serialized straight from the report (no JSON
// tree in between). Fields are in the order a `serde_json` object keeps its keys (sorted), so
// the text is `to_json`'s, byte for byte (tested).

#[derive(serde::Serialize)]
struct ResultOut<'a> {
    account: &'a str,
    account_name: &'a str,
    chain: StepsOut<'a>,
    check: &'a str,
    control: &'a str,
    fixes: FixesOut<'a>,
    other_chains: OtherChainsOut<'a>,
    reason: &'a str,
    remediation: &'a [String],
    resource: Option<ResourceOut<'a>>,
    resources: ResourcesOut<'a>,
    risk: &'a str,
    severity: &'static str,
    status: &'static str,
    title: &'a str,
    url: &'a Option<String>,
}

impl<'a> ResultOut<'a> {
    fn new(
        report: &'a Report,
        c: &'a crate::run::ControlReport,
        r: &'a crate::run::CheckResult,
    ) -> Self {
        ResultOut {
            account: &r.account,
            account_name: &r.account_name,
            chain: StepsOut(r.chain()),
            check: &r.check,
            control: &r.control,
            fixes: FixesOut(&r.fixes),
            other_chains: OtherChainsOut(&r.chains),
            reason: &r.reason,
            remediation: &r.remediation,
            resource: r.resource.as_ref().map(ResourceOut::new),
            resources: ResourcesOut(&r.resources),
            risk: &c.risk,
            severity: r.severity.as_str(),
            status: r.status.as_str(),
            title: &r.title,
            url: &report.benchmark.url,
        }
    }
}

#[derive(serde::Serialize)]
struct ResourceOut<'a> {
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    region: &'a Option<String>,
}

impl<'a> ResourceOut<'a> {
    fn new(x: &'a Resource) -> Self {
        ResourceOut {
            id: &x.id,
            kind: &x.kind,
            name: &x.name,
            region: &x.region,
        }
    }
}

struct ResourcesOut<'a>(&'a [std::sync::Arc<Resource>]);

impl serde::Serialize for ResourcesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|x| ResourceOut::new(x)))
    }
}

#[derive(serde::Serialize)]
struct NodeOut<'a> {
    account: &'a Option<String>,
    id: &'a str,
    kind: &'a str,
    name: &'a str,
    region: &'a Option<String>,
}

#[derive(serde::Serialize)]
struct StepOut<'a> {
    condition: &'a Option<String>,
    detail: &'a Option<String>,
    kind: &'a str,
    node: Option<NodeOut<'a>>,
    status: &'static str,
    text: &'a str,
}

impl<'a> StepOut<'a> {
    fn new(s: &'a ChainStep) -> Self {
        StepOut {
            condition: &s.condition,
            detail: &s.detail,
            kind: &s.kind,
            node: s.node.as_deref().map(|n| NodeOut {
                account: &n.account,
                id: &n.id,
                kind: &n.kind,
                name: &n.name,
                region: &n.region,
            }),
            status: s.status.as_str(),
            text: &s.text,
        }
    }
}

struct StepsOut<'a>(&'a [ChainStep]);

impl serde::Serialize for StepsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(StepOut::new))
    }
}

struct OtherChainsOut<'a>(&'a [crate::chain::Chain]);

impl serde::Serialize for OtherChainsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().skip(1).map(|c| StepsOut(&c.steps)))
    }
}

#[derive(serde::Serialize)]
struct FixOut<'a> {
    account: &'a Option<String>,
    at: &'a str,
    text: &'a str,
}

struct FixesOut<'a>(&'a [crate::remedy::FixCommand]);

impl serde::Serialize for FixesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| FixOut {
            account: &f.account,
            at: &f.at,
            text: &f.text,
        }))
    }
}

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    write_streamed(report, out)?;
    writeln!(out)
}
