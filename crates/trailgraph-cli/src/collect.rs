//! `trailgraph collect` and `trailgraph import aws-cli`.

use std::io::{self, Write};
use std::path::Path;

use trailgraph_collect::{CollectOptions, Evidence, RegionSelection};
use trailgraph_model::{build_inventory, write_snapshot};

use crate::args::{CollectArgs, ImportCommand};
use crate::exit::{INCOMPLETE, Outcome, SUCCESS};

/// Collects from the AWS APIs into a snapshot.
pub fn collect(args: &CollectArgs) -> Outcome {
    // Found out before collecting for minutes, not after.
    if let Err(outcome) = crate::output::prepare(&args.output) {
        return outcome;
    }
    let regions: RegionSelection = match args.regions.parse() {
        Ok(r) => r,
        Err(e) => return Outcome::usage(format!("--regions: {e}")),
    };
    let mut options = CollectOptions::default();
    options.profiles = args.profiles.clone();
    options.role_arns = args.role_arns.clone();
    options.regions = regions;
    options.concurrency = usize::from(args.concurrency);
    if args.organization {
        let mut org = trailgraph_collect::OrganizationOptions::default();
        org.role_name.clone_from(&args.role_name);
        org.external_id.clone_from(&args.external_id);
        org.include_accounts.clone_from(&args.include_accounts);
        org.exclude_accounts.clone_from(&args.exclude_accounts);
        org.exclude_units.clone_from(&args.exclude_ous);
        options.organization = Some(org);
    }
    options.max_attempts = args.max_attempts;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Outcome::usage(format!("cannot start the async runtime: {e}")),
    };
    let progress = trailgraph_collect::stderr_progress();
    let evidence = match runtime.block_on(trailgraph_collect::collect(&options, progress.as_ref()))
    {
        Ok(evidence) => evidence,
        Err(e) => return Outcome::usage(e.to_string()),
    };
    finish(&evidence, &args.output)
}

/// Imports AWS CLI evidence into a snapshot.
pub fn import(command: ImportCommand) -> Outcome {
    match command {
        ImportCommand::AwsCli { dir, output } => {
            match crate::output::prepare(&output).and_then(|()| {
                trailgraph_collect::import_aws_cli(&dir).map_err(|e| Outcome::usage(e.to_string()))
            }) {
                Ok(evidence) => finish(&evidence, &output),
                Err(outcome) => outcome,
            }
        }
    }
}

/// Builds, writes and summarises; exit code 0 when complete, 3 when something is missing.
fn finish(evidence: &Evidence, output: &Path) -> Outcome {
    let inventory = build_inventory(evidence);
    if let Err(e) = write_snapshot(&inventory, output) {
        return Outcome::usage(e.to_string());
    }
    let meta = &inventory.meta;
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "wrote {} ({} accounts, {} regions, {} nodes, {} edges)",
        output.display(),
        meta.accounts.len(),
        meta.regions.len(),
        inventory.node_count(),
        inventory.edge_count()
    );
    for note in &meta.notes {
        let _ = writeln!(err, "note: {note}");
    }
    if meta.errors.is_empty() {
        return Outcome::Code(SUCCESS);
    }
    let _ = writeln!(
        err,
        "incomplete: {} operations could not be completed; checks that need them will say not evaluable:",
        meta.errors.len()
    );
    for e in &meta.errors {
        let region = e.region.as_deref().unwrap_or("global");
        let resource = e
            .resource
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let _ = writeln!(
            err,
            "  {} {region} {}:{}{resource}: {}: {}",
            e.account, e.service, e.operation, e.code, e.message
        );
    }
    Outcome::Code(INCOMPLETE)
}
