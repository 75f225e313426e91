//! Search benchmarks (filled in with the generator).

fn main() {}
