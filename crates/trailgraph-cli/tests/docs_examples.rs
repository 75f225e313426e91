//! Every `trailgraph shell --demo -c '...'` line in README.md and docs/ runs and prints something.

#![allow(clippy::expect_used)]

mod util;

use std::path::{Path, PathBuf};

use util::Dir;

/// The single-quoted command line of a `trailgraph shell --demo -c '...'` (or `cargo run
/// --release -- shell --demo -c '...'`) documentation line.
fn demo_command(line: &str) -> Option<&str> {
    let start = line.find("shell --demo -c '")? + "shell --demo -c '".len();
    let rest = &line[start..];
    let end = rest.rfind('\'')?;
    Some(&rest[..end])
}

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn documented_demo_queries_run() {
    let dir = Dir::new();
    let mut ran = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable doc");
        for (number, line) in text.lines().enumerate() {
            let Some(command) = demo_command(line) else {
                continue;
            };
            let run = dir.run(&["shell", "--demo", "-c", command]);
            // A check run that prints its report ends with the verdict's exit code.
            let runs_checks =
                command.starts_with("check run") || command.starts_with("benchmark run");
            let ran_fine = run.code == 0 || (runs_checks && (run.code == 1 || run.code == 3));
            assert!(
                ran_fine && !run.stdout.trim().is_empty(),
                "{}:{}: `{command}` exited {} with\nstdout: {}\nstderr: {}",
                file.display(),
                number + 1,
                run.code,
                run.stdout,
                run.stderr
            );
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} documented examples found");
    println!("{ran} documented demo queries ran");
}
