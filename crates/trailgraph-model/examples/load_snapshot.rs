//! Loads a snapshot and prints how long it took and how much memory the nodes hold.
//!
//! `cargo run --release -p trailgraph-model --example load_snapshot -- [--generate ACCOUNTS] FILE`
//!
//! With `--generate`, first writes a generated inventory of ACCOUNTS accounts × 17 regions.

use std::time::Instant;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (generate, path) = match args.as_slice() {
        [flag, accounts, path] if flag == "--generate" => {
            (accounts.parse::<usize>().ok(), path.clone())
        }
        [path] => (None, path.clone()),
        _ => {
            eprintln!("usage: load_snapshot [--generate ACCOUNTS] FILE");
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
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
