// Records what $RUSTC, $RUSTDOC and $CARGO answer inside the sandbox, as
// autocfg, rustversion and version_check would see them; tests/toolchain.sh
// compares it with the toolchain cargo itself runs.
use std::{env, fs, path::Path, process::Command};

fn version(var: &str) -> String {
    let tool = env::var(var).unwrap_or_else(|_| String::from("(unset)"));
    let answer = match Command::new(&tool).arg("-V").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Ok(o) => format!("failed: {}", String::from_utf8_lossy(&o.stderr).trim()),
        Err(e) => format!("cannot run: {}", e),
    };
    format!("{}={} -> {}", var, tool, answer)
}

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let text = ["RUSTC", "RUSTDOC", "CARGO"].iter().map(|v| version(v)).collect::<Vec<_>>().join("\n");
    for line in text.lines() {
        println!("cargo:warning={}", line);
    }
    fs::write(Path::new(&out).join("toolchain.txt"), text + "\n").unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
