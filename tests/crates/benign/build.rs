// Writes a generated file into OUT_DIR and sets a cfg: what most build scripts
// do.  Like autocfg and rustc_version, it also runs `$RUSTC_WRAPPER $RUSTC -vV`
// (inside the sandbox bsbox must pass that straight to rustc).
use std::{env, fs, path::Path, process::Command};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out).join("gen.rs"), "pub const GREETING: &str = \"hello from OUT_DIR\";\n").unwrap();

    let rustc = env::var("RUSTC").unwrap();
    let mut cmd = match env::var("RUSTC_WRAPPER") {
        Ok(w) if !w.is_empty() => {
            let mut c = Command::new(w);
            c.arg(&rustc);
            c
        }
        _ => Command::new(&rustc),
    };
    let vv = cmd.arg("-vV").output().expect("running $RUSTC_WRAPPER $RUSTC -vV");
    let text = String::from_utf8_lossy(&vv.stdout);
    assert!(vv.status.success() && text.contains("host: "), "rustc -vV failed: {:?}", vv);
    assert!(!text.contains("bsbox:"), "nested wrapper call not passed straight to rustc");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-cfg=bsbox_benign");
    println!("cargo:rustc-check-cfg=cfg(bsbox_benign)");
    println!("cargo:rustc-env=BENIGN_ENV=set-by-build-rs");
    println!("cargo:rustc-link-search=native={}", out);
}
