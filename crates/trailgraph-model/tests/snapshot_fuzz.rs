//! Hostile snapshot files: a deterministic generator damages a valid snapshot (flipped bytes,
//! cut lines, repeated and swapped lines, forged counts, deep JSON, huge lines) and the reader
//! must answer every case with a value or an error, never a panic, and without allocating by
//! the counts written in the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use trailgraph_model::snapshot::{read_from_bytes, write_to};

/// xorshift64: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn demo_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    write_to(&trailgraph_model::demo_inventory(), &mut out).unwrap();
    out
}

fn deep_node_line(depth: usize) -> String {
    format!(
        "{{\"id\":\"x\",\"kind\":\"aws_account\",\"ancestors\":[null,null,null],\"reported\":{{\"a\":{}1{}}}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    match rng.below(8) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] = (rng.next() & 0xff) as u8;
            }
            return bytes;
        }
        1 => {
            bytes.truncate(rng.below(bytes.len()));
            return bytes;
        }
        2 => {
            let i = rng.below(lines.len());
            let line = lines[i].clone();
            let at = rng.below(lines.len());
            lines.insert(at, line);
        }
        3 => {
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            lines.swap(i, j);
        }
        4 => {
            let forged = [
                "18446744073709551615",
                "4294967296",
                "0",
                "-1",
                "1e30",
                "99999999999999999999999",
            ];
            let count = forged[rng.below(forged.len())];
            let text = String::from_utf8_lossy(&lines[0]).into_owned();
            let key = if rng.below(2) == 0 {
                "\"nodes\":"
            } else {
                "\"edges\":"
            };
            if let Some(at) = text.find(key) {
                let end = text[at + key.len()..]
                    .find(',')
                    .map_or(text.len(), |e| at + key.len() + e);
                lines[0] =
                    format!("{}{count}{}", &text[..at + key.len()], &text[end..]).into_bytes();
            }
        }
        5 => {
            let i = 1 + rng.below(lines.len().saturating_sub(2));
            lines[i] = deep_node_line(10 + rng.below(100_000)).into_bytes();
        }
        6 => {
            let i = 1 + rng.below(lines.len().saturating_sub(2));
            lines[i] = vec![b'x'; rng.below(1 << 20)];
        }
        _ => {
            let edge = format!("[{},{},\"default\"]", rng.next() % 5000, rng.next());
            let at = lines.len().saturating_sub(2);
            lines.insert(at, edge.into_bytes());
        }
    }
    lines.join(&b'\n')
}

#[test]
fn damaged_snapshots_are_errors_never_panics() {
    let original = demo_bytes();
    assert!(read_from_bytes(&original, Path::new("demo")).is_ok());
    let mut rng = Rng(0x5a9b_0ff1_ce00_0001);
    let mut errors = 0;
    for case in 0..400 {
        let damaged = mutate(&mut rng, &original);
        let result = std::panic::catch_unwind(|| {
            read_from_bytes(&damaged, Path::new("damaged")).map(|i| i.node_count())
        });
        let Ok(result) = result else {
            panic!("case {case} panicked");
        };
        if let Err(e) = result {
            errors += 1;
            assert!(e.to_string().starts_with("damaged"), "case {case}: {e}");
        }
    }
    assert!(errors > 200, "most damage is detected ({errors} of 400)");
}

#[test]
fn a_forged_node_count_does_not_allocate_for_it() {
    let text = String::from_utf8(demo_bytes()).unwrap();
    let forged = text.replacen("\"nodes\":", "\"nodes\":1000000000000,\"x\":", 1);
    let err = read_from_bytes(forged.as_bytes(), Path::new("forged")).unwrap_err();
    assert!(err.to_string().contains("forged"), "{err}");
}

#[test]
fn deeply_nested_json_in_a_node_line_is_an_error() {
    let text = String::from_utf8(demo_bytes()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = deep_node_line(100_000);
    let err = read_from_bytes(lines.join("\n").as_bytes(), Path::new("deep")).unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}
