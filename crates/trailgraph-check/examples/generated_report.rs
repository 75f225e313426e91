//! Writes the JSON and text reports of the newest benchmark over a generated inventory
//! (`generated_report ACCOUNTS [strict|html]`), for comparing runner versions. With
//! `TRAILGRAPH_REPEAT` set it only runs the default benchmark six times over one inventory and
//! prints each run's time (for profiling the runner without the generator).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

fn main() {
    let mut args = std::env::args().skip(1);
    let accounts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let mode = args.next();
    let strict = mode.as_deref() == Some("strict");
    // `generated_report N repeat`: only time the newest benchmark, several times (for profiles).
    if std::env::var("TRAILGRAPH_REPEAT").is_ok() {
        let catalog = trailgraph_check::load_catalog(&[]).unwrap();
        let inventory = trailgraph_model::generate::generate_inventory(accounts, 17);
        eprintln!("generated");
        for _ in 0..6 {
            let start = std::time::Instant::now();
            let report = trailgraph_check::run(&catalog, &inventory, &Default::default()).unwrap();
            eprintln!("run: {:?} {:?}", start.elapsed(), report.summary);
        }
        return;
    }
    let catalog = trailgraph_check::load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::generate::generate_inventory(accounts, 17);
    let mut out = std::io::stdout().lock();
    // `generated_report N html`: the HTML report of the newest benchmark only.
    if mode.as_deref() == Some("html") {
        let start = std::time::Instant::now();
        let report = trailgraph_check::run(&catalog, &inventory, &Default::default()).unwrap();
        let mut page = Vec::new();
        trailgraph_check::write_report(&report, trailgraph_check::Format::Html, &mut page, false)
            .unwrap();
        eprintln!("html: {} bytes in {:?}", page.len(), start.elapsed());
        std::io::Write::write_all(&mut out, &page).unwrap();
        return;
    }
    for benchmark in ["cis_aws_v6_0", "cis_aws_v1_4"] {
        let options = trailgraph_check::RunOptions {
            benchmark: Some(benchmark.to_owned()),
            strict,
            generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let start = std::time::Instant::now();
        let report = trailgraph_check::run(&catalog, &inventory, &options).unwrap();
        eprintln!("{benchmark}: {:?}", start.elapsed());
        for format in [
            trailgraph_check::Format::Json,
            trailgraph_check::Format::Text,
        ] {
            trailgraph_check::write_report(&report, format, &mut out, false).unwrap();
        }
    }
}
