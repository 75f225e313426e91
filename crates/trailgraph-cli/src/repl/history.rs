//! Where the shell keeps its history, and keeping it private.

use std::fs::{self, DirBuilder, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use super::helper::ShellHelper;

/// The environment variable that names the history file; empty turns history off.
pub(crate) const HISTORY_VARIABLE: &str = "TRAILGRAPH_HISTORY";

/// `$TRAILGRAPH_HISTORY`, else `$XDG_STATE_HOME/trailgraph/history`, else
/// `~/.local/state/trailgraph/history`; `None` when history is off or there is no home.
pub(crate) fn location() -> Option<PathBuf> {
    location_from(|name| std::env::var_os(name))
}

fn location_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(file) = var(HISTORY_VARIABLE) {
        return (!file.is_empty()).then(|| PathBuf::from(file));
    }
    // The XDG spec says to ignore relative paths.
    let state = var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            var("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".local").join("state"))
        })?;
    Some(state.join("trailgraph").join("history"))
}

/// Reads the history file into the editor; a missing file is an empty history.
pub(crate) fn load(editor: &mut Editor<ShellHelper, FileHistory>, path: &Path) -> io::Result<()> {
    match editor.load_history(path) {
        Ok(()) => Ok(()),
        Err(ReadlineError::Io(e)) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(to_io(e)),
    }
}

/// Adds `line` to the history and appends it to the file at once, so that a crash or a second
/// shell keeps it. The directory is created with mode 0700 and the file kept at 0600.
pub(crate) fn add(
    editor: &mut Editor<ShellHelper, FileHistory>,
    path: &Path,
    line: &str,
) -> io::Result<()> {
    editor.add_history_entry(line).map_err(to_io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    editor.append_history(path).map_err(to_io)?;
    fs::set_permissions(path, Permissions::from_mode(0o600))
}

fn to_io(e: ReadlineError) -> io::Error {
    match e {
        ReadlineError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn history_location_follows_the_override_then_xdg_then_home() {
        assert_eq!(
            location_from(env(&[
                ("TRAILGRAPH_HISTORY", "/tmp/h"),
                ("HOME", "/home/a")
            ])),
            Some(PathBuf::from("/tmp/h"))
        );
        assert_eq!(
            location_from(env(&[("TRAILGRAPH_HISTORY", ""), ("HOME", "/home/a")])),
            None
        );
        assert_eq!(
            location_from(env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/home/a")])),
            Some(PathBuf::from("/s/trailgraph/history"))
        );
        assert_eq!(
            location_from(env(&[("XDG_STATE_HOME", "relative"), ("HOME", "/home/a")])),
            Some(PathBuf::from("/home/a/.local/state/trailgraph/history"))
        );
        assert_eq!(location_from(env(&[])), None);
    }
}
