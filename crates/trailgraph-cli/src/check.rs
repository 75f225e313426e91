//! `trailgraph check`: run a benchmark and report.

use std::io::{self, IsTerminal, Write};

use trailgraph_check::{Format, RunOptions, Severity, Status, load_catalog, write_report};
use trailgraph_model::write_atomically;

use crate::args::CheckArgs;
use crate::args::InventorySource;
use crate::exit::Outcome;

/// Loads the checks and the inventory, runs the benchmark, writes the report.
pub fn run(args: &CheckArgs) -> Outcome {
    let mut formats: Vec<Format> = Vec::new();
    for name in &args.format {
        match name.parse() {
            Ok(f) if !formats.contains(&f) => formats.push(f),
            Ok(_) => {}
            Err(e) => return Outcome::usage(format!("--format: {e}")),
        }
    }
    let format = formats.first().copied().unwrap_or(Format::Text);
    if formats.len() > 1 && args.output_dir.is_none() {
        return Outcome::usage(
            "--format: several formats need --output-dir DIR (a file per format)".to_owned(),
        );
    }
    let targets: Vec<(Format, std::path::PathBuf)> = match &args.output_dir {
        Some(dir) => {
            if !dir.is_dir() {
                return Outcome::usage(format!("--output-dir {}: not a directory", dir.display()));
            }
            formats
                .iter()
                .map(|f| (*f, dir.join(format!("report.{}", extension(*f)))))
                .collect()
        }
        None => args.output.iter().map(|p| (format, p.clone())).collect(),
    };
    for (_, path) in &targets {
        if let Err(outcome) = crate::output::prepare(path) {
            return outcome;
        }
    }
    let catalog = match load_catalog(&args.checks_dirs) {
        Ok(c) => c,
        Err(e) => return Outcome::usage(e.to_string()),
    };
    let options = RunOptions {
        benchmark: args.benchmark.clone(),
        checks: args.checks.clone(),
        accounts: args.accounts.clone(),
        strict: args.strict,
        language_only: args.language_only,
        remediation: args.remediation.parse().unwrap_or_default(),
        generated_at: None,
    };
    let started = std::time::Instant::now();
    let (mut report, figures) = match checked(&catalog, &args.source, &options) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let region = &args.security_hub_region;
    if region.is_empty()
        || region.len() > 16
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Outcome::usage(format!(
            "--security-hub-region {region:?}: not a region name (such as eu-west-1)"
        ));
    }
    report.finding_region.clone_from(region);
    if let Some(path) = &args.baseline {
        let earlier = match read_baseline(path) {
            Ok(v) => v,
            Err(e) => return Outcome::usage(format!("--baseline {}: {e}", path.display())),
        };
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if let Err(e) = trailgraph_check::compare_baseline(&mut report, &earlier, &source) {
            return Outcome::usage(format!("--baseline {}: {e}", path.display()));
        }
    }
    let statuses: Vec<Status> = args
        .statuses
        .iter()
        .filter_map(|s| Status::parse(s))
        .collect();
    let severity = args.severity.as_deref().and_then(Severity::parse);
    report.retain(&statuses, severity);
    // Sources that could not be read are in every format; say so where a pipeline log shows it.
    for u in &report.inventory.unreached {
        eprintln!("trailgraph: not evaluable: {}", u.reason);
    }
    let checked = started.elapsed();
    if args.timings {
        eprintln!(
            "load: {:.1} ms ({} nodes, {} part{})\ncheck: {:.1} ms ({} results)",
            figures.load.as_secs_f64() * 1000.0,
            report.inventory.nodes,
            figures.parts,
            if figures.parts == 1 { "" } else { "s" },
            figures.check.as_secs_f64() * 1000.0,
            report.results().count()
        );
    }
    let written = match targets.as_slice() {
        [] if args.quiet => Ok(()),
        // Written straight into the temporary file (buffered), renamed into place only once the
        // whole report is there.
        [_, ..] => targets.iter().try_for_each(|(format, path)| {
            write_atomically(path, |mut out| {
                write_report(&report, *format, &mut out, false)
            })
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        }),
        [] => {
            let stdout = io::stdout();
            let color = format == Format::Text
                && stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let mut out = io::BufWriter::new(stdout.lock());
            write_report(&report, format, &mut out, color).and_then(|()| out.flush())
        }
    };
    if args.timings {
        eprintln!(
            "report: {:.1} ms",
            (started.elapsed() - checked).as_secs_f64() * 1000.0
        );
    }
    let verdict = Outcome::of_report(&report);
    let summary = report.summary;
    // The process ends with this command: the report of a large estate (millions of small
    // allocations) is left to the operating system to reclaim rather than freed piece by piece
    // (70 ms of a one-second check of 1,000 accounts).
    std::mem::forget(report);
    if let Err(e) = written {
        return Outcome::output_failed(e, verdict);
    }
    if args.quiet {
        println!(
            "{} passed, {} failed, {} not evaluable",
            summary.passed, summary.failed, summary.not_evaluable
        );
    }
    Outcome::Code(verdict)
}

/// Where the time of a check went.
struct Figures {
    /// Reading and decoding the snapshot (or building the demo).
    load: std::time::Duration,
    /// Checking, report assembly included.
    check: std::time::Duration,
    /// How many parts the snapshot was read in.
    parts: usize,
}

/// The report of `options` over the inventory `source` names. A snapshot file is read and
/// checked part by part (see `trailgraph_model::parts`): one thread decodes the next part while
/// the current one is checked, and only the results are held between parts, so an estate is
/// checked in the memory of about two of its parts instead of all of it.
fn checked(
    catalog: &trailgraph_check::Catalog,
    source: &InventorySource,
    options: &RunOptions,
) -> Result<(trailgraph_check::Report, Figures), Outcome> {
    let usage = |e: &dyn std::fmt::Display| Outcome::usage(e.to_string());
    let started = std::time::Instant::now();
    let mut checker = trailgraph_check::Checker::new(catalog, options).map_err(|e| usage(&e))?;
    // A check that walks into other accounts' nodes (see `Checker::by_parts`) sees the whole
    // inventory.
    let by_parts = source.inventory.as_ref().filter(|_| checker.by_parts());
    let Some(path) = by_parts else {
        let inventory = crate::commands::load_inventory(source)?;
        let load = started.elapsed();
        checker.add(&inventory, |_| true).map_err(|e| usage(&e))?;
        let report = checker.finish(&inventory.meta).map_err(|e| usage(&e))?;
        let figures = Figures {
            load,
            check: started.elapsed() - load,
            parts: 1,
        };
        return Ok((report, figures));
    };
    // At most one decoded part waits while another is checked.
    let (send, receive) = std::sync::mpsc::sync_channel::<trailgraph_model::binary::Part>(1);
    let (meta, checked) = std::thread::scope(|scope| {
        let checking = scope.spawn(move || {
            let mut busy = std::time::Duration::ZERO;
            let mut parts = 0usize;
            for part in receive {
                let at = std::time::Instant::now();
                parts += 1;
                let added = checker.add(&part.inventory, |n| part.owns(n));
                drop(part);
                busy += at.elapsed();
                added?;
            }
            Ok::<_, trailgraph_check::CheckError>((checker, busy, parts))
        });
        let meta = trailgraph_model::read_snapshot_parts(path, |part| {
            // The checker stops taking parts only when it failed; its error is reported.
            match send.send(part) {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(_) => std::ops::ControlFlow::Break(()),
            }
        });
        drop(send);
        let checked = checking
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (meta, checked)
    });
    let (checker, busy, parts) = checked.map_err(|e| usage(&e))?;
    let meta = meta.map_err(|e| usage(&e))?;
    let read = started.elapsed();
    let report = checker.finish(&meta).map_err(|e| usage(&e))?;
    let figures = Figures {
        // The checker waits for the reader at the start and between parts; what it did not
        // overlap is the load's share.
        load: read.saturating_sub(busy),
        check: busy + (started.elapsed() - read),
        parts,
    };
    Ok((report, figures))
}

/// The file name extension of a format in --output-dir.
fn extension(format: Format) -> &'static str {
    match format {
        Format::Text => "txt",
        Format::Json => "json",
        Format::Markdown => "md",
        Format::Csv => "csv",
        Format::Junit => "junit.xml",
        Format::Html => "html",
        Format::Sarif => "sarif",
        Format::Ocsf => "ocsf.json",
        Format::Asff => "asff.json",
        _ => "out",
    }
}

/// The most a baseline file may hold: a JSON report of 10,000 accounts is far smaller.
const BASELINE_LIMIT: u64 = 512 * 1024 * 1024;

/// Reads an earlier JSON report, bounded in size.
fn read_baseline(path: &std::path::Path) -> Result<serde_json::Value, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut text = Vec::new();
    file.take(BASELINE_LIMIT + 1)
        .read_to_end(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > BASELINE_LIMIT {
        return Err(format!(
            "larger than {} MiB: not a report of this tool",
            BASELINE_LIMIT / 1024 / 1024
        ));
    }
    serde_json::from_slice(&text).map_err(|e| format!("not a JSON report ({e})"))
}
