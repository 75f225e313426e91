//! One function per mode; each returns an [`Outcome`].

use std::io::{self, Write};

use trailgraph_model::{
    Inventory, Kind, SnapshotFormat, read_snapshot, write_snapshot, write_snapshot_as,
};

use crate::args::{Cli, Command, DemoCommand, InventorySource, SnapshotCommand, SnapshotForm};
use crate::exit::{Outcome, SUCCESS};
use crate::{check, collect, parse, pattern, shell};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Demo(DemoCommand::Export { output }) => {
            if let Err(outcome) = crate::output::prepare(&output) {
                return outcome;
            }
            match write_snapshot(&trailgraph_model::demo_inventory(), &output) {
                Ok(()) => Outcome::Code(SUCCESS),
                Err(e) => Outcome::usage(e.to_string()),
            }
        }
        Command::Demo(DemoCommand::Generate {
            accounts,
            regions,
            output,
        }) => {
            if let Err(outcome) = crate::output::prepare(&output) {
                return outcome;
            }
            let inventory =
                trailgraph_model::generate::generate_inventory(accounts, usize::from(regions));
            match write_snapshot(&inventory, &output) {
                Ok(()) => {
                    eprintln!(
                        "wrote {} nodes and {} edges to {}",
                        inventory.node_count(),
                        inventory.edge_count(),
                        output.display()
                    );
                    Outcome::Code(SUCCESS)
                }
                Err(e) => Outcome::usage(e.to_string()),
            }
        }
        Command::Snapshot(SnapshotCommand::Info { file, full }) => match read_snapshot(&file) {
            Ok(inventory) => print_info(&inventory, &file, full)
                .map_or_else(Outcome::from, |()| Outcome::Code(SUCCESS)),
            Err(e) => Outcome::usage(e.to_string()),
        },
        Command::Snapshot(SnapshotCommand::Convert {
            file,
            output,
            to,
            part_nodes,
        }) => {
            if let Err(outcome) = crate::output::prepare(&output) {
                return outcome;
            }
            let format = match to {
                Some(SnapshotForm::Binary) => SnapshotFormat::Binary,
                Some(SnapshotForm::Jsonl) => SnapshotFormat::JsonLines,
                None => SnapshotFormat::for_path(&output),
            };
            let written = read_snapshot(&file).and_then(|inventory| match format {
                SnapshotFormat::Binary => trailgraph_model::snapshot::write_snapshot_in_parts(
                    &inventory, &output, part_nodes,
                ),
                SnapshotFormat::JsonLines => write_snapshot_as(&inventory, &output, format),
            });
            match written {
                Ok(()) => Outcome::Code(SUCCESS),
                Err(e) => Outcome::usage(e.to_string()),
            }
        }
        Command::Pattern(command) => pattern::run(command),
        Command::JqWorker {
            seconds,
            memory_mib,
        } => crate::jq::serve(seconds, memory_mib),
        Command::Parse { query } => parse::run(query.as_deref()),
        Command::Check(args) => check::run(&args),
        Command::Shell(args) => shell::run(&args),
        Command::Collect(args) => collect::collect(&args),
        Command::Import(command) => collect::import(command),
    }
}

/// Loads the inventory named by `--demo` / `--inventory`.
pub fn load_inventory(source: &InventorySource) -> Result<Inventory, Outcome> {
    match (&source.inventory, source.demo) {
        (Some(path), _) => read_snapshot(path).map_err(|e| Outcome::usage(e.to_string())),
        (None, true) => Ok(trailgraph_model::demo_inventory()),
        (None, false) => Err(Outcome::usage("give --demo or --inventory FILE")),
    }
}

/// How many items a list shows before it counts the rest (without `--full`).
const LISTED: usize = 10;
/// How many collection errors are shown without `--full`.
const ERRORS_LISTED: usize = 20;

/// `a, b, c, … (+N more)` for a long list unless `full`.
fn listed(items: &[String], full: bool) -> String {
    if full || items.len() <= LISTED {
        return items.join(", ");
    }
    format!(
        "{}, … (+{} more; --full lists all)",
        items[..LISTED].join(", "),
        items.len() - LISTED
    )
}

fn print_info(inventory: &Inventory, file: &std::path::Path, full: bool) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let meta = &inventory.meta;
    let form = match trailgraph_model::snapshot::file_format(file) {
        Ok(Some(SnapshotFormat::Binary)) => {
            match trailgraph_model::snapshot::binary_version(file) {
                Ok(Some(v)) => format!("binary (format version {v})"),
                _ => "binary".to_owned(),
            }
        }
        Ok(Some(SnapshotFormat::JsonLines)) => "JSON lines (format version 1)".to_owned(),
        _ => "unknown".to_owned(),
    };
    let size = std::fs::metadata(file).map_or(0, |m| m.len());
    writeln!(out, "form:         {form}, {size} bytes")?;
    writeln!(out, "source:       {}", meta.source)?;
    writeln!(out, "collected at: {}", meta.collected_at)?;
    writeln!(out, "written by:   trailgraph {}", meta.tool_version)?;
    writeln!(
        out,
        "accounts:     {} ({})",
        meta.accounts.len(),
        listed(&meta.accounts, full)
    )?;
    writeln!(
        out,
        "regions:      {} ({})",
        meta.regions.len(),
        listed(&meta.regions, full)
    )?;
    writeln!(out, "services:     {}", meta.services.join(", "))?;
    writeln!(out, "nodes:        {}", inventory.node_count())?;
    writeln!(out, "edges:        {}", inventory.edge_count())?;
    for kind in Kind::ALL {
        let count = inventory.count_of_kind(kind);
        if count > 0 {
            writeln!(out, "  {kind}: {count}")?;
        }
    }
    if meta.errors.is_empty() {
        writeln!(out, "complete:     yes")?;
    } else {
        writeln!(
            out,
            "complete:     no, {} operations failed",
            meta.errors.len()
        )?;
        let shown = if full {
            meta.errors.len()
        } else {
            ERRORS_LISTED
        };
        for e in meta.errors.iter().take(shown) {
            let region = e.region.as_deref().unwrap_or("-");
            writeln!(
                out,
                "  {} {} {}:{} {}: {}",
                e.account, region, e.service, e.operation, e.code, e.message
            )?;
        }
        if meta.errors.len() > shown {
            writeln!(
                out,
                "  … and {} more (--full lists all)",
                meta.errors.len() - shown
            )?;
        }
    }
    for note in &meta.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}
