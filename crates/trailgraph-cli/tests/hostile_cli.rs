//! Hostile input run by the built binary: queries, snapshots and check directories. The runs
//! that could exhaust the stack, memory or time go through `prlimit` (util-linux) with an
//! address-space and CPU limit, and must end with an ordinary exit code and a clear message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use util::Dir;

/// Address space (2 GiB) and CPU seconds (60) for one hostile run.
const LIMITS: [&str; 2] = ["--as=2147483648", "--cpu=60"];

fn prlimit_available() -> bool {
    let ok = Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "SKIPPED: prlimit (util-linux) is not installed, so no resource limit can be set"
        );
    }
    ok
}

/// Runs `trailgraph args...` under the limits with `stdin`.
fn limited(dir: &Dir, args: &[&str], stdin: &[u8]) -> Output {
    limited_with_env(dir, args, stdin, &[])
}

/// Runs `trailgraph args...` under the limits with `stdin` and environment variables `env`.
fn limited_with_env(dir: &Dir, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new("prlimit")
        .args(LIMITS)
        .arg(env!("CARGO_BIN_EXE_trailgraph"))
        .args(args)
        .current_dir(dir.root())
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

#[track_caller]
fn assert_ended_normally(output: &Output, what: &str) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        output.status.signal().is_none() && output.status.code().is_some(),
        "{what}: killed by a signal ({:?})\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn hostile_queries() -> Vec<String> {
    let n = 100_000;
    vec![
        format!("{}all", "not ".repeat(n)),
        format!("{}a==1{}", "(".repeat(n), ")".repeat(n)),
        format!(
            "is(aws_account) {}{}",
            "with(any, --> ".repeat(n),
            ")".repeat(n)
        ),
        format!("is(aws_account) {}all{}", "{m: ".repeat(n), "}".repeat(n)),
        vec!["a==1"; n].join(" and "),
        vec!["a==1"; n].join(" or "),
        format!("x == {}", "9".repeat(n)),
    ]
}

#[test]
fn hostile_queries_through_parse_are_errors_within_limits() {
    if !prlimit_available() {
        return;
    }
    let dir = Dir::new();
    let input = hostile_queries().join("\n") + "\n";
    let output = limited(&dir, &["parse"], input.as_bytes());
    assert_ended_normally(&output, "parse");
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 7, "{stdout}");
    assert!(
        stdout.lines().all(|l| l.starts_with("error column ")),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("nested too deeply (limit 64)").count(),
        4,
        "{stdout}"
    );
    assert_eq!(stdout.matches("too many terms").count(), 2, "{stdout}");
    assert!(stdout.contains("out of range"), "{stdout}");
}

#[test]
fn hostile_queries_through_the_shell_and_explain_are_errors_within_limits() {
    if !prlimit_available() {
        return;
    }
    let dir = Dir::new();
    let mut input = String::new();
    for q in hostile_queries() {
        input.push_str(&format!("search {q} | count\nsearch --explain {q}\n"));
    }
    input.push_str(&vec!["search is(aws_account) | count"; 2_000].join("; "));
    input.push('\n');
    let output = limited(&dir, &["shell", "--demo"], input.as_bytes());
    assert_ended_normally(&output, "shell");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.matches("nested too deeply").count() >= 8, "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("total matched").count(), 2_000);
}

#[test]
fn hostile_snapshots_are_errors_within_limits() {
    if !prlimit_available() {
        return;
    }
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.jsonl"])
        .expect_code(0);
    let text = std::fs::read_to_string(dir.path("demo.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header = lines[0].clone();
    let cases = [
        ("forged.tgs", {
            let mut l = lines.clone();
            l[0] = header.replacen("\"nodes\":", "\"nodes\":999999999999999,\"n\":", 1);
            l.join("\n")
        }),
        ("deep.tgs", {
            lines[1] = format!(
                "{{\"id\":\"x\",\"kind\":\"aws_account\",\"ancestors\":[null,null,null],\"reported\":{{\"a\":{}1{}}}}}",
                "[".repeat(200_000),
                "]".repeat(200_000)
            );
            lines.join("\n")
        }),
        (
            "long-line.tgs",
            format!("{header}\n{}\n", "x".repeat(50 << 20)),
        ),
    ];
    for (name, content) in cases {
        std::fs::write(dir.path(name), content).unwrap();
        let output = limited(&dir, &["snapshot", "info", name], b"");
        assert_ended_normally(&output, name);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

#[test]
fn a_hostile_check_file_query_is_an_error_within_limits() {
    if !prlimit_available() {
        return;
    }
    let dir = Dir::new();
    std::fs::create_dir(dir.path("mine")).unwrap();
    let text = trailgraph_check::catalog::BUILTIN_FILES
        .iter()
        .find(|(name, _)| *name == "checks/aws_monitoring.yaml")
        .map(|(_, text)| *text)
        .unwrap();
    let hostile = format!("is(aws_account) and {}all", "not ".repeat(20_000));
    let broken = text
        .replace("id: aws_monitoring_", "id: my_monitoring_")
        .replace("monitoring_chain", "my_monitoring_chain")
        .replacen("is(aws_account) with(", &format!("{hostile} with("), 1);
    std::fs::write(dir.path("mine/checks.yaml"), broken).unwrap();
    let output = limited(&dir, &["check", "--demo", "--checks-dir", "mine"], b"");
    assert_ended_normally(&output, "check");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("checks.yaml"), "{stderr}");
    assert!(stderr.contains("nested too deeply"), "{stderr}");
}

#[test]
fn unreadable_entries_in_a_check_directory_are_errors_naming_them() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("dangling")).unwrap();
    std::os::unix::fs::symlink("missing.yaml", dir.path("dangling/broken.yaml")).unwrap();
    dir.run(&["check", "--demo", "--checks-dir", "dangling"])
        .expect_code(2)
        .stderr_has("broken.yaml: cannot read the check file: it is a symbolic link to a file that does not exist");

    std::fs::create_dir_all(dir.path("directory/checks/odd.yaml")).unwrap();
    dir.run(&["check", "--demo", "--checks-dir", "directory"])
        .expect_code(2)
        .stderr_has("odd.yaml: is a directory, not a check file");

    std::fs::create_dir(dir.path("fifo")).unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.path("fifo/pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    dir.run(&["check", "--demo", "--checks-dir", "fifo"])
        .expect_code(2)
        .stderr_has("pipe.yaml: is not a regular file");

    std::fs::create_dir(dir.path("big")).unwrap();
    let file = std::fs::File::create(dir.path("big/huge.yaml")).unwrap();
    file.set_len(5 << 20).unwrap();
    dir.run(&["check", "--demo", "--checks-dir", "big"])
        .expect_code(2)
        .stderr_has("huge.yaml: is 5242880 bytes; check files are at most 4194304 bytes");
}

/// xorshift64: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn damaged_check_directories_are_errors_never_panics() {
    let text = trailgraph_check::catalog::BUILTIN_FILES
        .iter()
        .find(|(name, _)| *name == "checks/aws_monitoring.yaml")
        .map(|(_, text)| *text)
        .unwrap()
        .replace("id: aws_monitoring_", "id: my_monitoring_");
    let lines: Vec<&str> = text.lines().collect();
    let mut rng = Rng(0xc4ec_0d1e_0000_0001);
    let base = tempfile::tempdir().unwrap();
    let mut errors = 0;
    for case in 0..60 {
        let dir = base.path().join(format!("case{case}"));
        std::fs::create_dir(&dir).unwrap();
        let mut damaged: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        for _ in 0..1 + rng.next() % 4 {
            let i = (rng.next() % damaged.len() as u64) as usize;
            match rng.next() % 5 {
                0 => {
                    damaged.remove(i);
                }
                1 => damaged.insert(i, damaged[i].clone()),
                2 => damaged[i] = format!("  {}", damaged[i]),
                3 => {
                    let cut = (rng.next() % (damaged[i].len() as u64 + 1)) as usize;
                    let cut = (0..=cut)
                        .rev()
                        .find(|c| damaged[i].is_char_boundary(*c))
                        .unwrap_or(0);
                    damaged[i].truncate(cut);
                }
                _ => damaged[i] = damaged[i].replace("is(", "not not (is("),
            }
        }
        std::fs::write(dir.join("checks.yaml"), damaged.join("\n")).unwrap();
        let result =
            std::panic::catch_unwind(|| trailgraph_check::load_catalog(std::slice::from_ref(&dir)));
        let Ok(result) = result else {
            panic!("case {case} panicked");
        };
        if let Err(e) = result {
            errors += 1;
            let message = e.to_string();
            assert!(message.contains("checks.yaml"), "case {case}: {message}");
        }
    }
    assert!(errors > 0, "some damage is detected");
}

#[test]
fn jq_programs_that_recurse_loop_or_grow_without_end_are_errors_within_their_bounds() {
    if !prlimit_available() {
        return;
    }
    let dir = Dir::new();
    let bounds = [
        ("TRAILGRAPH_JQ_SECONDS", "1"),
        ("TRAILGRAPH_JQ_MEMORY_MIB", "256"),
    ];
    let cases = [
        // Recursion that is not a tail call: without a worker it aborts the process.
        ("def f: 1 + f; f", "jq: the program recursed too deeply"),
        // A loop that produces nothing, so no output limit stops it.
        ("last(range(1e12))", "jq spent more than 1 s on one element"),
        (
            "[range(1e10)] | length",
            "jq: the program needed more than 256 MiB",
        ),
    ];
    for (program, message) in cases {
        let line = format!("search is(aws_account) | jq --no-rewrite \"{program}\"");
        let output = limited_with_env(&dir, &["shell", "--demo", "-c", &line], b"", &bounds);
        assert_ended_normally(&output, program);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{program}: {stderr}");
        assert!(stderr.contains(message), "{program}: {stderr}");
        assert!(
            stderr.contains("^^^"),
            "{program}: the error points at the stage: {stderr}"
        );
        // On stdin the shell goes on with the next line.
        let input = format!("{line}\nsearch is(aws_account) | count\n");
        let output = limited_with_env(&dir, &["shell", "--demo"], input.as_bytes(), &bounds);
        assert_ended_normally(&output, program);
        assert_eq!(output.status.code(), Some(2), "{program}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("total matched: 3"), "{program}: {stdout}");
    }
    // One answer larger than the parent takes (the worker has the memory to make it).
    let output = limited_with_env(
        &dir,
        &[
            "shell",
            "--demo",
            "-c",
            "search is(aws_account) | jq --no-rewrite '\"x\" * 70000000'",
        ],
        b"",
        &[("TRAILGRAPH_JQ_MEMORY_MIB", "1024")],
    );
    assert_ended_normally(&output, "a 70 MB answer");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 64 MiB for one element"));
    // Within the bounds, jq runs as before.
    let output = limited_with_env(
        &dir,
        &[
            "shell",
            "--demo",
            "-c",
            "search is(aws_account) | jq \"[range(1e5)] | length\"",
        ],
        b"",
        &bounds,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout)
            .matches("100000")
            .count(),
        3
    );
}
