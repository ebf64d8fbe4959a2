// Reads a secret under $HOME: must be denied.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let home = std::env::var("HOME").unwrap_or_default();
    let path = format!("{}/.secret/token", home);
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            println!("cargo:warning=EVIL READ {} bytes from {}", s.len(), path);
        }
        Err(e) => {
            eprintln!("evil-read: cannot read {}: {}", path, e);
            std::process::exit(1);
        }
    }
}
