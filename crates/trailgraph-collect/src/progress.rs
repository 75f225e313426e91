//! Progress reporting: a trait the collector calls and an indicatif bar for terminals.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

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
    /// `count` more accounts are about to be collected.
    fn add_accounts(&self, count: usize) {
        let _ = count;
    }
    /// One account is finished (every region of it, or it could not be reached).
    fn account_done(&self, done: &AccountDone<'_>) {
        let _ = done;
    }
    /// Collection is over.
    fn finish(&self) {}
}

/// A finished account.
#[derive(Debug, Clone, Copy)]
pub struct AccountDone<'a> {
    /// The account id.
    pub account: &'a str,
    /// Its name (organisation name or alias), when known.
    pub name: Option<&'a str>,
    /// Regions collected.
    pub regions: usize,
    /// Operations that failed in it.
    pub errors: usize,
    /// Time from its first call to its last.
    pub elapsed: std::time::Duration,
}

impl AccountDone<'_> {
    /// `acme-dev (333333333333)`, or the id alone.
    pub fn label(&self) -> String {
        match self.name {
            Some(name) if name != self.account => format!("{name} ({})", self.account),
            _ => self.account.to_owned(),
        }
    }
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A progress bar on stderr: regions done of all, accounts done of all, errors so far.
#[derive(Debug)]
pub struct BarProgress {
    bar: indicatif::ProgressBar,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    accounts: usize,
    done: usize,
    errors: usize,
}

impl BarProgress {
    /// A bar on stderr when stderr is a terminal, otherwise `None`.
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
        Some(BarProgress {
            bar,
            counts: Mutex::new(Counts::default()),
        })
    }

    fn show(&self, last: Option<String>) {
        if let Ok(c) = self.counts.lock() {
            let mut msg = format!("· {}/{} accounts · {} errors", c.done, c.accounts, c.errors);
            if let Some(last) = last {
                msg.push_str(" · ");
                msg.push_str(&last);
            }
            self.bar.set_message(msg);
        }
    }
}

impl Progress for BarProgress {
    fn add_units(&self, count: usize) {
        self.bar.inc_length(count as u64);
    }
    fn unit_done(&self, account: &str, region: &str, errors: usize) {
        if errors > 0 {
            self.show(Some(format!("{account} {region}: {errors} failed")));
        }
        self.bar.inc(1);
    }
    fn add_accounts(&self, count: usize) {
        if let Ok(mut c) = self.counts.lock() {
            c.accounts += count;
        }
        self.show(None);
    }
    fn account_done(&self, done: &AccountDone<'_>) {
        if let Ok(mut c) = self.counts.lock() {
            c.done += 1;
            c.errors += done.errors;
        }
        self.show(Some(done.label()));
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// One line on stderr per finished account, for logs (CI) where a bar cannot draw:
/// `collected 37/200 acme-dev (333333333333): 17 regions, 0 errors, 2.1 s`.
#[derive(Debug, Default)]
pub struct LineProgress {
    counts: Mutex<Counts>,
}

impl LineProgress {
    /// The line for a finished account, the `done`-th of `accounts`.
    pub fn line(done: usize, accounts: usize, account: &AccountDone<'_>) -> String {
        let errors = match account.errors {
            1 => "1 error".to_owned(),
            n => format!("{n} errors"),
        };
        let regions = match account.regions {
            1 => "1 region".to_owned(),
            n => format!("{n} regions"),
        };
        format!(
            "collected {done}/{accounts} {}: {regions}, {errors}, {:.1} s",
            account.label(),
            account.elapsed.as_secs_f64()
        )
    }
}

impl Progress for LineProgress {
    fn add_accounts(&self, count: usize) {
        if let Ok(mut c) = self.counts.lock() {
            c.accounts += count;
        }
    }
    fn account_done(&self, done: &AccountDone<'_>) {
        let line = match self.counts.lock() {
            Ok(mut c) => {
                c.done += 1;
                c.errors += done.errors;
                LineProgress::line(c.done, c.accounts, done)
            }
            Err(_) => return,
        };
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

/// The progress reporter the CLI should use: a bar when stderr is a terminal, a line per
/// account otherwise.
pub fn stderr_progress() -> Box<dyn Progress + Send> {
    match BarProgress::for_stderr() {
        Some(bar) => Box::new(bar),
        None => Box::new(LineProgress::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_account_and_count() {
        let done = AccountDone {
            account: "333333333333",
            name: Some("acme-dev"),
            regions: 17,
            errors: 0,
            elapsed: std::time::Duration::from_millis(2100),
        };
        assert_eq!(
            LineProgress::line(37, 200, &done),
            "collected 37/200 acme-dev (333333333333): 17 regions, 0 errors, 2.1 s"
        );
        let bare = AccountDone {
            name: None,
            regions: 1,
            errors: 1,
            ..done
        };
        assert_eq!(
            LineProgress::line(1, 1, &bare),
            "collected 1/1 333333333333: 1 region, 1 error, 2.1 s"
        );
    }
}
