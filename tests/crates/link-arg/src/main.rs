fn main() { println!("link-arg built"); }
