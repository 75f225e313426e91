//! The interactive shell driven through a pseudo-terminal, as a person would use it.
//!
//! Every wait is bounded (`TIMEOUT_MS`) and every session is ended by the test (Ctrl-D, `quit`)
//! or, failing that, killed when it is dropped.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod util;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

/// How long one expectation may wait.
const TIMEOUT_MS: u64 = 5_000;
const PROMPT: &str = "demo (3 accounts)> ";
const UP: &str = "\x1b[A";
/// The prompt of a line that continues the input: `...> ` ending where `PROMPT` ends.
const CONTINUATION: &str = "              ...> ";

/// Starts `trailgraph shell --demo` on a pseudo-terminal with its history at `history` and waits
/// for the prompt.
fn start(history: &Path) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgraph"));
    command
        .args(["shell", "--demo", "--no-pager"])
        .env("TRAILGRAPH_HISTORY", history)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("PAGER");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).expect("the shell starts");
    session.process_mut().set_kill_timeout(Some(2_000));
    session.exp_string(PROMPT).expect("the prompt");
    session
}

/// Leaves with Ctrl-D and waits for the process to end.
fn leave(mut session: PtySession) {
    session.send_control('d').unwrap();
    session.exp_eof().expect("the shell ends on Ctrl-D");
}

#[test]
fn tab_completes_a_kind() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send("search is(aws_cloud_t\t").unwrap();
    s.flush().unwrap();
    s.exp_string("trail").unwrap();
    s.send_line(") | count").unwrap();
    s.exp_string("total matched: 4").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn tab_completes_a_property_path() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send("search is(aws_cloud_trail) | list name, trail_status.is_lo\t")
        .unwrap();
    s.flush().unwrap();
    s.exp_string("gging").unwrap();
    s.send_line("").unwrap();
    s.exp_string("is_logging=").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn history_survives_two_runs_in_a_private_file() {
    let dir = util::Dir::new();
    let history = dir.path("state/trailgraph/history");
    let mut s = start(&history);
    s.send_line("search is(aws_account) | count").unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&history), 0o600);
    assert_eq!(mode(history.parent().unwrap()), 0o700);

    let mut s = start(&history);
    s.send(UP).unwrap();
    s.send("\r").unwrap();
    s.flush().unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    // Ctrl-R finds the line by a piece of it.
    s.send_control('r').unwrap();
    s.send("aws_acc").unwrap();
    s.flush().unwrap();
    s.exp_string("search is(aws_account) | count").unwrap();
    s.send("\r").unwrap();
    s.flush().unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn ctrl_c_abandons_the_line_and_the_shell_goes_on() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send("search is(aws_account").unwrap();
    s.flush().unwrap();
    s.exp_string("aws_account").unwrap();
    s.send_control('c').unwrap();
    // The line is left on screen and a fresh prompt starts on the next line; keys typed before
    // that prompt appears would be dropped with the abandoned line.
    s.exp_string("\n").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("search is(aws_cloud_trail) | count").unwrap();
    s.exp_string("total matched: 4").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("quit").unwrap();
    s.exp_eof().expect("quit ends the shell");
}

#[test]
fn parse_error_shows_a_caret_and_the_next_query_runs() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send_line("search is(aws_account) and name = }").unwrap();
    s.exp_string("error: expected").unwrap();
    s.exp_string("  | search is(aws_account) and name = }")
        .unwrap();
    s.exp_string("  |                                   ^")
        .unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("search is(aws_account) | count").unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn an_open_parenthesis_continues_on_the_next_line() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send_line("search is(aws_cloud_trail) and (").unwrap();
    s.send_line("name != nothing) | count").unwrap();
    s.exp_string("total matched: 4").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn an_incomplete_line_shows_the_continuation_prompt() {
    assert_eq!(CONTINUATION.len(), PROMPT.len());
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send_line("search is(aws_cloud_trail) and (").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    // Still open after the second line: a third continuation line.
    s.send_line("name != nothing").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    s.send_line(") | count").unwrap();
    s.exp_string("total matched: 4").unwrap();
    s.exp_string(PROMPT).unwrap();

    // Tab on a continuation line completes as part of the whole input.
    s.send_line("search is(aws_cloud_trail) and (").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    s.send("trail_status.is_lo\t").unwrap();
    s.flush().unwrap();
    s.exp_string("gging").unwrap();
    s.send_line(" == true) | count").unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();

    // A trailing pipe waits for the next command; the lines are one history entry.
    s.send_line("search is(aws_account) |").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    s.send_line("count").unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send(UP).unwrap();
    s.send("\r").unwrap();
    s.flush().unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();

    // Ctrl-C on a continuation line abandons the whole input.
    s.send_line("search is(aws_sns_topic").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    s.send_control('c').unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("search is(aws_sns_topic) | count").unwrap();
    s.exp_string("total matched: 5").unwrap();
    s.exp_string(PROMPT).unwrap();

    // Ctrl-D on an empty continuation line runs the input as it is, and the shell goes on.
    s.send_line("search is(aws_account").unwrap();
    s.exp_string(CONTINUATION).unwrap();
    s.send_control('d').unwrap();
    s.exp_string("error: ").unwrap();
    s.exp_string("  | search is(aws_account").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("search is(aws_account) | count").unwrap();
    s.exp_string("total matched: 3").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn check_run_reports_what_trailgraph_check_reports() {
    let dir = util::Dir::new();
    let one_shot = dir.run(&["check", "--demo", "--check", "4.2"]);
    // The pseudo-terminal reader sees bytes, so compare the lines without symbols.
    let lines: Vec<&str> = one_shot
        .stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.is_ascii())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("1 failed")),
        "{}",
        one_shot.stdout
    );
    let mut s = start(&dir.path("history"));
    s.send_line("check run 4.2").unwrap();
    for line in lines {
        s.exp_string(line).unwrap();
    }
    s.exp_string(PROMPT).unwrap();
    s.send_line("check run 9.99").unwrap();
    s.exp_string("unknown check `9.99`").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn shell_commands_kinds_properties_explain_help() {
    let dir = util::Dir::new();
    let mut s = start(&dir.path("history"));
    s.send_line("kinds").unwrap();
    s.exp_string("aws_cloud_trail: 4").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("properties aws_cloud_trail").unwrap();
    s.exp_regex(r"trail_status\.is_logging +boolean").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("explain is(aws_cloud_trail) and trail_is_multi_region_trail == true")
        .unwrap();
    s.exp_string("part 0:").unwrap();
    s.exp_string("in 4 out").unwrap();
    s.exp_string(PROMPT).unwrap();
    // Errors of explain point into the line as typed.
    s.send_line("explain is(aws_nothing)").unwrap();
    s.exp_string("error: unknown kind `aws_nothing`").unwrap();
    s.exp_string("  |            ^^^^^^^^^^^").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("properties aws_nothing").unwrap();
    s.exp_string("unknown kind `aws_nothing`").unwrap();
    s.exp_string(PROMPT).unwrap();
    s.send_line("help").unwrap();
    s.exp_string("properties KIND").unwrap();
    s.exp_string(PROMPT).unwrap();
    leave(s);
}

#[test]
fn ctrl_c_interrupts_a_running_query_and_the_shell_goes_on() {
    let dir = util::Dir::new();
    // About 40,000 nodes: dumping all of them takes seconds in a debug build (ten times as many
    // in an optimised one).
    let accounts = if cfg!(debug_assertions) { 40 } else { 400 };
    dir.run(&[
        "demo",
        "generate",
        "--accounts",
        &accounts.to_string(),
        "--output",
        "big.tgs",
    ])
    .expect_code(0);
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailgraph"));
    command
        .args(["shell", "--no-pager", "--inventory"])
        .arg(dir.path("big.tgs"))
        .env("TRAILGRAPH_HISTORY", "")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("PAGER");
    let mut s = spawn_command(command, Some(TIMEOUT_MS)).expect("the shell starts");
    s.process_mut().set_kill_timeout(Some(2_000));
    let prompt = format!("big.tgs ({accounts} accounts)> ");
    let prompt = prompt.as_str();
    s.exp_string(prompt).expect("the prompt");
    s.send_line("search all | dump").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    s.send_control('c').unwrap();
    let before = s
        .exp_string("interrupted")
        .expect("the query is interrupted");
    assert!(
        !before.contains("reported:"),
        "the interrupted query printed output: {before}"
    );
    s.exp_string(prompt).expect("back at the prompt");
    s.send_line("search is(aws_account) | count").unwrap();
    s.exp_string(&format!("total matched: {accounts}")).unwrap();
    s.exp_string(prompt).unwrap();
    leave(s);
}
