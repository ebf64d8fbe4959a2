fn main() { println!("stale built"); }
