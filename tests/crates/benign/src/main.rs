include!(concat!(env!("OUT_DIR"), "/gen.rs"));

fn main() {
    #[cfg(bsbox_benign)]
    println!("{} {}", GREETING, env!("BENIGN_ENV"));
}
