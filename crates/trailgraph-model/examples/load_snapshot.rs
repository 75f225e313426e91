//! Loads a snapshot and prints how long it took and how much memory the nodes hold.
//!
//! `cargo run --release -p trailgraph-model --example load_snapshot -- [--generate ACCOUNTS] FILE [--convert OUT]`
//!
//! With `--generate`, first writes a generated inventory of ACCOUNTS accounts × 17 regions (in
//! the form FILE's name asks for: JSON lines for `*.jsonl`, binary otherwise). With `--convert`,
//! writes the loaded inventory to OUT and loads that too.

use std::time::Instant;

/// The allocator of the `trailgraph` binary, so that the figures are the ones it gets.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let convert = match args.iter().position(|a| a == "--convert") {
        Some(i) if i + 1 < args.len() => {
            let out = args.remove(i + 1);
            args.remove(i);
            Some(out)
        }
        _ => None,
    };
    let (generate, path) = match args.as_slice() {
        [flag, accounts, path] if flag == "--generate" => {
            (accounts.parse::<usize>().ok(), path.clone())
        }
        [path] => (None, path.clone()),
        _ => {
            eprintln!("usage: load_snapshot [--generate ACCOUNTS] FILE [--convert OUT]");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(accounts) = generate {
        let started = Instant::now();
        let inventory = trailgraph_model::generate::generate_inventory(accounts, 17);
        if let Err(e) = trailgraph_model::write_snapshot(&inventory, std::path::Path::new(&path)) {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
        println!(
            "generated {} nodes in {:.1} s",
            inventory.node_count(),
            started.elapsed().as_secs_f64()
        );
    }
    if let Err(e) = load(&path, convert.as_deref()) {
        eprintln!("error: {e}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::SUCCESS
}

fn load(path: &str, convert: Option<&str>) -> Result<(), String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    println!("{path}: {:.1} MB", size as f64 / 1e6);
    let started = Instant::now();
    match trailgraph_model::read_snapshot(std::path::Path::new(&path)) {
        Ok(inventory) => {
            let elapsed = started.elapsed();
            let nodes = inventory.node_count();
            let bytes = inventory.approximate_node_bytes();
            println!("nodes: {nodes}");
            println!("edges: {}", inventory.edge_count());
            println!("load: {:.2} s", elapsed.as_secs_f64());
            println!(
                "node data: {:.0} bytes per node (ids, properties and node structs; graph, indexes and allocator overhead not included)",
                bytes as f64 / nodes.max(1) as f64
            );
            if let Some(out) = convert {
                let started = Instant::now();
                trailgraph_model::write_snapshot(&inventory, std::path::Path::new(out))
                    .map_err(|e| e.to_string())?;
                println!("write {out}: {:.2} s", started.elapsed().as_secs_f64());
                drop(inventory);
                return load(out, None);
            }
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
