//! `--output` of every writing command: symlinks, pipes, directories and devices are written
//! through or refused, never replaced; interrupted writes leave no temporary file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::Dir;

/// Every writing command with its `--output` last, so the target can be appended.
fn writers(dir: &Dir) -> Vec<Vec<String>> {
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    trailgraph_collect::export_aws_cli(
        &trailgraph_model::demo::demo_evidence(),
        &dir.path("evidence"),
    )
    .unwrap();
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    vec![
        owned(&["demo", "export", "--output"]),
        owned(&["demo", "generate", "--accounts", "1", "--output"]),
        owned(&["check", "--inventory", "demo.tgs", "--output"]),
        owned(&["snapshot", "convert", "demo.tgs", "--output"]),
        owned(&["import", "aws-cli", "evidence", "--output"]),
        owned(&["collect", "--regions", "us-east-1", "--output"]),
    ]
}

fn run_with(dir: &Dir, args: &[String], target: &str) -> util::Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push(target);
    dir.run(&all)
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".trailgraph-") && n.ends_with(".tmp"))
        .collect()
}

#[test]
fn output_to_a_directory_is_refused_by_every_writer() {
    let dir = Dir::new();
    fs::create_dir(dir.path("out.d")).unwrap();
    for args in writers(&dir) {
        run_with(&dir, &args, "out.d")
            .expect_code(2)
            .stderr_has("out.d: is a directory");
        assert!(dir.path("out.d").is_dir());
    }
}

#[test]
fn output_to_a_fifo_is_refused_without_blocking() {
    let dir = Dir::new();
    let status = Command::new("mkfifo")
        .arg(dir.path("pipe.tgs"))
        .status()
        .unwrap();
    assert!(status.success());
    for args in writers(&dir) {
        run_with(&dir, &args, "pipe.tgs")
            .expect_code(2)
            .stderr_has("pipe.tgs: is a named pipe");
        let kind = fs::symlink_metadata(dir.path("pipe.tgs")).unwrap();
        assert!(kind.file_type().is_fifo());
    }
}

#[test]
fn output_to_dev_null_writes_through_and_keeps_the_device() {
    let dir = Dir::new();
    for args in writers(&dir) {
        let run = run_with(&dir, &args, "/dev/null");
        // collect has no credentials here; whatever it ends with, /dev/null stays.
        if args[0] != "collect" {
            assert!(
                run.code == 0 || run.code == 1 || run.code == 3,
                "{args:?}: {}",
                run.stderr
            );
        }
        let meta = fs::symlink_metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device(), "{args:?}");
        assert!(temp_files(Path::new("/dev")).is_empty());
    }
}

#[test]
fn output_dash_and_dev_stdout_write_to_standard_output() {
    let dir = Dir::new();
    for target in ["-", "/dev/stdout"] {
        let run = dir.run(&["demo", "export", "--output", target]);
        run.expect_code(0);
        assert!(
            run.stdout
                .starts_with("{\"format\":\"trailgraph-snapshot\""),
            "{target}: {}",
            &run.stdout[..run.stdout.len().min(200)]
        );
    }
    assert!(temp_files(dir.root()).is_empty());
}

#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = Dir::new();
    fs::create_dir(dir.path("real")).unwrap();
    for args in writers(&dir) {
        if args[0] == "collect" {
            continue;
        }
        fs::write(dir.path("real/report"), "old").unwrap();
        let _ = fs::remove_file(dir.path("link"));
        std::os::unix::fs::symlink("real/report", dir.path("link")).unwrap();
        let run = run_with(&dir, &args, "link");
        assert!(run.code != 2, "{args:?}: {}", run.stderr);
        let link = fs::symlink_metadata(dir.path("link")).unwrap();
        assert!(link.file_type().is_symlink(), "{args:?} replaced the link");
        let written = fs::read(dir.path("real/report")).unwrap();
        assert_ne!(written, b"old", "{args:?} did not write the link's target");
        assert!(temp_files(dir.root()).is_empty());
        assert!(temp_files(&dir.path("real")).is_empty());
    }
}

#[test]
fn output_through_a_dangling_symlink_is_refused() {
    let dir = Dir::new();
    std::os::unix::fs::symlink("missing/file", dir.path("dangling")).unwrap();
    dir.run(&["demo", "export", "--output", "dangling"])
        .expect_code(2)
        .stderr_has("dangling: is a symbolic link to a file that does not exist");
    assert!(
        fs::symlink_metadata(dir.path("dangling"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn collect_into_a_missing_directory_fails_before_collecting() {
    let dir = Dir::new();
    dir.run(&[
        "collect",
        "--regions",
        "us-east-1",
        "--output",
        "no/such/dir/x.tgs",
    ])
    .expect_code(2)
    .stderr_has("--output no/such/dir/x.tgs: the directory no/such/dir does not exist");
}

/// Starts a large `demo generate` write and waits until its temporary file exists.
fn start_large_write(dir: &Dir) -> Option<std::process::Child> {
    let child = Command::new(env!("CARGO_BIN_EXE_trailgraph"))
        .args([
            "demo",
            "generate",
            "--accounts",
            "200",
            "--output",
            "big.tgs",
        ])
        .current_dir(dir.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if !temp_files(dir.root()).is_empty() {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_write_killed_with_sigkill_is_cleaned_up_by_the_next_write() {
    let dir = Dir::new();
    let Some(mut child) = start_large_write(&dir) else {
        panic!("the write never created its temporary file");
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temp_files(dir.root());
    // The write may have finished just before the kill; usually its file is left.
    eprintln!("left after SIGKILL: {left:?}");
    dir.run(&["demo", "export", "--output", "small.tgs"])
        .expect_code(0);
    assert_eq!(temp_files(dir.root()), Vec::<String>::new());
}

#[test]
fn a_write_stopped_with_sigterm_leaves_no_temporary_file() {
    let dir = Dir::new();
    let Some(mut child) = start_large_write(&dir) else {
        panic!("the write never created its temporary file");
    };
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    // Stopped mid-write it exits with 130; a write that had just finished exits with 0.
    assert!(matches!(status.code(), Some(0 | 130)), "{status:?}");
    assert_eq!(temp_files(dir.root()), Vec::<String>::new());
}
