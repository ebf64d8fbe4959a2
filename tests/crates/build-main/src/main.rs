fn main() { println!("build-main {}", env!("BUILD_MAIN_RAN")); }
