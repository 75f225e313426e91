//! Progress reporting: a trait the collector calls and an indicatif bar for terminals.

use std::io::IsTerminal;

/// Receives progress events from [`crate::collect`]. Every method has a default that does
/// nothing, so an implementation picks what it needs. Called from concurrent tasks.
pub trait Progress: Sync {
    /// `count` more (account, region) units are about to be collected.
    fn add_units(&self, count: usize) {
        let _ = count;
    }
    /// One (account, region) unit is finished, with `errors` failed operations.
    fn unit_done(&self, account: &str, region: &str, errors: usize) {
        let _ = (account, region, errors);
    }
    /// Collection is over.
    fn finish(&self) {}
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A progress bar on stderr.
#[derive(Debug)]
pub struct BarProgress {
    bar: indicatif::ProgressBar,
}

impl BarProgress {
    /// A bar on stderr when stderr is a terminal, otherwise `None` (stay quiet).
    pub fn for_stderr() -> Option<Self> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} regions {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Some(BarProgress { bar })
    }
}

impl Progress for BarProgress {
    fn add_units(&self, count: usize) {
        self.bar.inc_length(count as u64);
    }
    fn unit_done(&self, account: &str, region: &str, errors: usize) {
        if errors > 0 {
            self.bar
                .set_message(format!("{account} {region}: {errors} failed"));
        }
        self.bar.inc(1);
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The progress reporter the CLI should use: a bar when stderr is a terminal, quiet otherwise.
pub fn stderr_progress() -> Box<dyn Progress + Send> {
    match BarProgress::for_stderr() {
        Some(bar) => Box::new(bar),
        None => Box::new(NoProgress),
    }
}
