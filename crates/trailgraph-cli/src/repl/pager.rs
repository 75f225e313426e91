//! Output longer than the screen goes through a pager, as `git` does.

use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

/// Prints `output`: through `$TRAILGRAPH_PAGER`, `$PAGER` or `less -FRX` when stdout is a terminal
/// of `screen` (columns, rows) and the output needs more rows than it has; directly otherwise,
/// with `no_pager`, or when the pager cannot be started.
pub(crate) fn show(output: &[u8], screen: Option<(u16, u16)>, no_pager: bool) -> io::Result<()> {
    let stdout = io::stdout();
    let fits = screen.is_none_or(|(columns, rows)| {
        rows_needed(output, usize::from(columns)) < usize::from(rows)
    });
    if no_pager || fits || !stdout.is_terminal() {
        let mut out = stdout.lock();
        out.write_all(output)?;
        return out.flush();
    }
    match spawn_pager() {
        Some(mut child) => {
            if let Some(mut input) = child.stdin.take() {
                // The reader quitting early (`q` in less) is not an error.
                match input.write_all(output) {
                    Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
                    _ => {}
                }
            }
            child.wait().map(|_| ())
        }
        None => {
            let mut out = stdout.lock();
            out.write_all(output)?;
            out.flush()
        }
    }
}

/// How many screen rows `output` takes on a terminal `columns` wide (long lines wrap).
pub(crate) fn rows_needed(output: &[u8], columns: usize) -> usize {
    let columns = columns.max(1);
    String::from_utf8_lossy(output)
        .lines()
        .map(|line| {
            let width = visible_width(line);
            width.div_ceil(columns).max(1)
        })
        .sum()
}

/// Characters on screen, not counting ANSI colour sequences.
fn visible_width(line: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, c) if c.is_ascii_alphabetic() => in_escape = false,
            (true, _) => {}
            (false, '\t') => width += 8 - width % 8,
            (false, _) => width += 1,
        }
    }
    width
}

fn spawn_pager() -> Option<std::process::Child> {
    let configured = ["TRAILGRAPH_PAGER", "PAGER"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty());
    let mut command = match configured {
        // As git does: the variable is a shell command line.
        Some(line) if line.trim() == "cat" => return None,
        Some(line) => {
            let mut command = Command::new("sh");
            command.arg("-c").arg(line);
            command
        }
        None => Command::new("less"),
    };
    // less: quit when it fits, keep colours, do not clear the screen.
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    command.stdin(Stdio::piped()).spawn().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_and_colours_take_no_room() {
        assert_eq!(rows_needed(b"a\nb\n", 80), 2);
        assert_eq!(rows_needed(&[b'x'; 161], 80), 3);
        assert_eq!(rows_needed(b"\x1b[1mab\x1b[0m\n\n", 2), 2);
    }
}
