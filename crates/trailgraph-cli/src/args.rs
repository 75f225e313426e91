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
    /// Check every account against a CIS AWS Foundations benchmark's monitoring and CloudTrail
    /// controls.
    ///
    /// Exit code 0 when everything passed, 1 when something failed, 3 when nothing failed but
    /// something could not be evaluated, 2 for usage or input errors.
    Check(Box<CheckArgs>),
    /// Search the inventory: run one command line with -c, or one per stdin line.
    ///
    /// Command lines are Fix Inventory shell lines: `search <query> | count`, `| list a, b`,
    /// `| dump`, `| format "{name}"`, `| head 5`, ... (see docs/query-language.md).
    Shell(ShellArgs),
    /// Collect trails, log groups, metric filters, alarms, SNS topics and subscriptions from AWS
    /// into an inventory snapshot.
    ///
    /// Credentials follow AWS conventions (the default chain, `--profile` including SSO,
    /// `AWS_ENDPOINT_URL`). Only read-only APIs are called (see docs/iam-policy.json). Exit code
    /// 0 when everything was collected, 3 when the snapshot is incomplete (the failed operations
    /// are listed), 2 for usage errors.
    Collect(CollectArgs),
    /// Build an inventory snapshot from evidence instead of credentials.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Parse queries without running them and print their canonical form.
    ///
    /// With QUERY: prints the canonical query, or the error with a caret under the column.
    /// Without: reads one query per line from stdin and prints one line per query, either
    /// `ok <canonical query>` or `error <message>`.
    Parse {
        /// The query to parse.
        query: Option<String>,
    },
    /// CloudWatch Logs filter patterns: compare by meaning, test against events.
    #[command(subcommand)]
    Pattern(PatternCommand),
    /// Runs jq stages for another trailgraph process (its protocol is internal).
    #[command(name = "jq-worker", hide = true)]
    JqWorker {
        /// The most one element may take.
        #[arg(long)]
        seconds: u64,
        /// The most memory the process may use.
        #[arg(long)]
        memory_mib: u64,
    },
}

/// `trailgraph pattern ...`
#[derive(Debug, Subcommand)]
pub enum PatternCommand {
    /// Compare a metric filter's pattern with a required pattern by the events they match.
    ///
    /// Verdicts: `equivalent` (the same events), `covers` (every required event and more),
    /// `partial` (some required events are missed; examples are printed), `invalid` (the actual
    /// pattern does not parse). By default the filter is judged on the events CloudTrail can
    /// write (`queries/catalog/cloudtrail-events.yaml`), and the language-only verdict is printed too
    /// when it differs. The output says whether the filter (and the required pattern) is
    /// catch-all: it matches a routine call it does not single out. Exit code 0 when the
    /// filter counts (equivalent or covers, and not catch-all unless the required pattern is),
    /// 1 otherwise, 2 when the required pattern does not parse.
    Compare {
        /// The pattern the filter must cover (e.g. a CIS pattern).
        #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
        required: String,
        /// The filter pattern as configured.
        #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
        actual: String,
        /// Judge by the pattern language alone, over every JSON event, instead of only over
        /// events CloudTrail can write.
        #[arg(long)]
        language_only: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = PatternFormat::Text)]
        format: PatternFormat,
    },
    /// Tell which events a pattern matches, like the TestMetricFilter API.
    Test {
        /// The filter pattern (may start with `-`, as the term pattern `-DEBUG` does).
        #[arg(allow_hyphen_values = true)]
        pattern: String,
        /// A file with one event per line (JSON or plain text), or one JSON array of events
        /// (strings in it are plain-text events); `-` for stdin.
        event_file: PathBuf,
    },
}

/// Output format of `pattern compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PatternFormat {
    /// Words for people.
    Text,
    /// `{"verdict": ..., "judgement": ..., "missed_events": [...], "missed": [...],
    /// "catch_all": ..., "counts": ..., ...}` (see docs/filter-patterns.md).
    Json,
}

/// `trailgraph check ...`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Which inventory to check.
    #[command(flatten)]
    pub source: InventorySource,
    /// The benchmark (`cis_aws_v1_2`, `cis_aws_v1_4`, `cis_aws_v1_5`, `cis_aws_v2_0`,
    /// `cis_aws_v3_0`, `cis_aws_v4_0`, `cis_aws_v5_0`, `cis_aws_v6_0`). Default: the newest.
    #[arg(long, value_name = "ID")]
    pub benchmark: Option<String>,
    /// Only this check (id or control number such as `4.14`); repeat for several.
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Only this account; repeat for several.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Report format; several, comma-separated (`json,html,junit`), with --output-dir: one
    /// evaluation, a file per format.
    #[arg(long, default_value = "text", value_delimiter = ',', value_parser = ["text", "json", "markdown", "csv", "junit", "html", "sarif", "ocsf", "asff"])]
    pub format: Vec<String>,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write one file per format into this directory (`report.json`, `report.html`,
    /// `report.junit.xml`, `report.md`, `report.csv`, `report.txt`, `report.sarif`,
    /// `report.ocsf.json`, `report.asff.json`), atomically.
    #[arg(long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Require each filter pattern to equal the benchmark's text after whitespace normalisation,
    /// as Security Hub does, instead of judging it by the events it matches.
    #[arg(long)]
    pub strict: bool,
    /// Judge filter patterns by the pattern language alone, over every JSON event, instead of
    /// over the events CloudTrail writes (event sources per event name, closed value sets such
    /// as MFAUsed Yes/No; see docs/filter-patterns.md). Catch-all filters never count either way.
    #[arg(long = "language-only")]
    pub language_only: bool,
    /// The form of remediation: AWS CLI commands or Terraform snippets (as the check files
    /// write them).
    #[arg(long, default_value = "cli", value_parser = ["cli", "terraform"])]
    pub remediation: String,
    /// A directory with more check and benchmark YAML files; repeat for several.
    #[arg(long = "checks-dir", value_name = "DIR")]
    pub checks_dirs: Vec<PathBuf>,
    /// Only results with this status (`failed`, `not_evaluable`, `passed`); repeat for several.
    /// The summary and the exit code still count every result.
    #[arg(long = "status", value_name = "STATUS", value_parser = ["failed", "not_evaluable", "passed"])]
    pub statuses: Vec<String>,
    /// Only checks of this severity and above (`critical`, `high`, `medium`, `low`, `info`).
    #[arg(long, value_name = "LEVEL", value_parser = ["critical", "high", "medium", "low", "info"])]
    pub severity: Option<String>,
    /// Compare with an earlier JSON report of the same benchmark: new failures, resolved
    /// failures, results that became unknown, accounts added and gone, printed first (and as
    /// `baseline` in JSON). The exit code does not change.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,
    /// The region the ASFF findings are for (their `ProductArn`): the region you import them
    /// into with `aws securityhub batch-import-findings`, e.g. your aggregation region.
    #[arg(
        long = "security-hub-region",
        value_name = "REGION",
        default_value = "us-east-1"
    )]
    pub security_hub_region: String,
    /// Print only the summary line (the report still goes to --output when given); the exit
    /// code says the rest.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print how long loading and checking took, on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// `trailgraph shell ...`
#[derive(Debug, Args)]
pub struct ShellArgs {
    /// Which inventory to search.
    #[command(flatten)]
    pub source: InventorySource,
    /// Run this command line and exit.
    #[arg(short = 'c', long = "command", value_name = "COMMAND LINE")]
    pub command: Option<String>,
    /// Print how long loading and each command line took, on stderr.
    #[arg(long)]
    pub timings: bool,
    /// In the interactive shell, print long output directly instead of through a pager
    /// (`$PAGER`, else `less -FRX`).
    #[arg(long)]
    pub no_pager: bool,
}

/// `trailgraph collect ...`
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// A named profile (SSO profiles too); repeat for several accounts. Default: the default
    /// credential chain.
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// A role to assume, one per account; repeat for several accounts.
    #[arg(long = "role-arn", value_name = "ARN")]
    pub role_arns: Vec<String>,
    /// Regions: `all` (every region enabled for the account, the default) or `r1,r2,...`.
    #[arg(long, default_value = "all", value_name = "REGIONS")]
    pub regions: String,
    /// Collect every account of the AWS Organization these credentials manage (the management
    /// account or a delegated administrator): accounts are found with Organizations, each member
    /// is reached by assuming --role-name in it, the caller's own account with its own
    /// credentials. Accounts that are not ACTIVE are skipped and noted.
    #[arg(long, conflicts_with = "role_arns")]
    pub organization: bool,
    /// The role assumed in each member account (organisation mode).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "organization"
    )]
    pub role_name: String,
    /// The external id the member role's trust policy asks for (organisation mode). Never
    /// written to the snapshot or to any message.
    #[arg(long, value_name = "ID", requires = "organization")]
    pub external_id: Option<String>,
    /// Only this account of the organisation (id or name); repeat for several.
    #[arg(
        long = "include-account",
        value_name = "ACCOUNT",
        requires = "organization"
    )]
    pub include_accounts: Vec<String>,
    /// Not this account of the organisation (id or name); repeat for several.
    #[arg(
        long = "exclude-account",
        value_name = "ACCOUNT",
        requires = "organization"
    )]
    pub exclude_accounts: Vec<String>,
    /// Not the accounts in this organisational unit or below it (id `ou-...`, name, or path such
    /// as `Workloads/Sandbox`); repeat for several.
    #[arg(long = "exclude-ou", value_name = "OU", requires = "organization")]
    pub exclude_ous: Vec<String>,
    /// How many (account, region) pairs are collected at the same time, over all accounts (AWS
    /// rate limits are per account and region; within one pair at most 8 calls run at once).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Attempts per API call, including the first (throttling and transient errors are retried
    /// with backoff).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// The snapshot file to write (created with mode 0600).
    #[arg(long, short)]
    pub output: PathBuf,
}

/// `trailgraph import ...`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import the JSON the AWS CLI prints for the CIS audit commands, laid out as
    /// `DIR/<account-id>/<region>/<service>-<operation>[--<name>].json` (see
    /// docs/aws-cli-evidence.md). A missing file means "not collected" (exit code 3).
    #[command(name = "aws-cli")]
    AwsCli {
        /// The evidence directory.
        dir: PathBuf,
        /// The snapshot file to write (created with mode 0600).
        #[arg(long, short)]
        output: PathBuf,
    },
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
    /// Write a generated inventory of any size (for benchmarks): about 60 nodes per account and
    /// region, so `--accounts 1000` × 17 regions is about a million nodes (≈ 160 MB of binary
    /// snapshot, ≈ 680 MB as JSON lines; 10,000 accounts take about 14 GB of memory to generate).
    Generate {
        /// Number of accounts (the default is small; the benchmarks ask for 1000).
        #[arg(long, default_value_t = 10)]
        accounts: usize,
        /// Regions per account (1 to 17).
        #[arg(long, default_value_t = 17, value_parser = clap::value_parser!(u8).range(1..=17))]
        regions: u8,
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
        /// List every account, region and collection error (by default long lists are cut
        /// with a count of the rest).
        #[arg(long)]
        full: bool,
    },
    /// Write a snapshot in the other form: JSON lines (for people and other tools) or binary
    /// (fast to load, what trailgraph writes by default). Reading takes either form.
    Convert {
        /// The snapshot to read (either form).
        file: PathBuf,
        /// Where to write it (atomically, mode 0600).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// The form to write; by default JSON lines for a name ending in `.jsonl`, otherwise
        /// binary.
        #[arg(long, value_enum)]
        to: Option<SnapshotForm>,
        /// Nodes per part of a binary snapshot (whole accounts go into a part, so parts may be
        /// larger). `check` reads a snapshot part by part and holds about two at a time:
        /// smaller parts take less memory; the default was the fastest measured (see
        /// docs/performance.md).
        #[arg(long, value_name = "N", default_value_t = trailgraph_model::parts::PART_NODES,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        part_nodes: usize,
    },
}

/// The two forms of a snapshot file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SnapshotForm {
    /// Binary (format version 3).
    Binary,
    /// JSON lines (format version 1).
    Jsonl,
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
