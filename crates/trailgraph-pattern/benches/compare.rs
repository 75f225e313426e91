//! Benchmarks of pattern comparison (filled in below).

fn main() {}
