//! Raw command-line arguments as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Is every dangerous API change in this AWS estate caught by CloudTrail, matched by a metric
/// filter, raised by an alarm, and delivered to someone who subscribed?
#[derive(Debug, Parser)]
#[command(name = "trailgraph", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with the embedded demo inventory.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Inspect inventory snapshot files.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
}

/// `trailgraph demo ...`
#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Write the demo inventory to a snapshot file.
    Export {
        /// The snapshot file to write (created with mode 0600).
        #[arg(long, short)]
        output: PathBuf,
    },
}

/// `trailgraph snapshot ...`
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Print a snapshot's metadata, counts per kind and collection errors.
    Info {
        /// The snapshot file.
        file: PathBuf,
    },
}

/// Where the inventory comes from: `--demo` or `--inventory FILE`.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct InventorySource {
    /// Use the embedded demo inventory (three accounts with realistic gaps).
    #[arg(long)]
    pub demo: bool,
    /// Load an inventory snapshot written by `collect`, `import` or `demo export`.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
}
