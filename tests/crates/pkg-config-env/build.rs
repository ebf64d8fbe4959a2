// What a -sys crate's pkg-config probe does: ask pkg-config for the cflags
// of zlib and hand the include directories to cargo.  With PKG_CONFIG_PATH
// pointing at a shadowing zlib.pc, the include directory is its marker.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let out = Command::new("pkg-config")
        .args(["--cflags", "zlib"])
        .output()
        .expect("pkg-config");
    let flags = String::from_utf8_lossy(&out.stdout);
    for f in flags.split_whitespace() {
        if let Some(dir) = f.strip_prefix("-I") {
            println!("cargo:include={}", dir);
        }
    }
    println!("cargo:rustc-env=PC_CFLAGS={}", flags.trim());
}
