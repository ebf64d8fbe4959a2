// build = "build/main.rs": the crate is build_script_main, not build_script_build.
fn main() {
    println!("cargo:rerun-if-changed=build/main.rs");
    let home = std::env::var("HOME").unwrap_or_default();
    let target = format!("{}/pwned-by-build-main", home);
    match std::fs::write(&target, "x") {
        Ok(()) => println!("cargo:warning=WROTE {}", target),
        Err(e) => println!("cargo:warning=could not write {}: {}", target, e),
    }
    println!("cargo:rustc-env=BUILD_MAIN_RAN=1");
}
