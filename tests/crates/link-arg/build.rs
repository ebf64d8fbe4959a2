// Passes an argument to the linker, which runs outside the sandbox.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg=-Wl,--no-undefined");
}
