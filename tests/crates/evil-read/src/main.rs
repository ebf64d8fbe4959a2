fn main() { println!("evil-read built"); }
