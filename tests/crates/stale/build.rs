// Tries to write under $HOME each time trigger.txt changes.
fn main() {
    println!("cargo:rerun-if-changed=trigger.txt");
    let home = std::env::var("HOME").unwrap_or_default();
    let target = format!("{}/stale-was-here", home);
    match std::fs::write(&target, "x") {
        Ok(()) => println!("cargo:warning=WROTE {}", target),
        Err(e) => println!("cargo:warning=could not write {}: {}", target, e),
    }
}
