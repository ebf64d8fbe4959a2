//! What a malicious build script does, harmlessly: it only *tries*, and
//! prints what happened. Unconfined, every step succeeds; under
//! `RUSTC_WRAPPER=bsbox` every step is denied and the build fails with a
//! summary of what was attempted.
//!
//!     cd contrib/demo
//!     cargo build                        # runs unconfined: look at the warnings
//!     RUSTC_WRAPPER=bsbox cargo build    # confined: denied, the build fails
//!     BSBOX_MODE=audit RUSTC_WRAPPER=bsbox cargo build   # allowed, but reported

use std::env;
use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

fn report(what: &str, result: Result<String, String>) {
    match result {
        Ok(s) => println!("cargo:warning=demo-evil: {what}: SUCCEEDED {s}"),
        Err(e) => println!("cargo:warning=demo-evil: {what}: failed ({e})"),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let home = PathBuf::from(env::var("HOME").unwrap_or_else(|_| "/root".into()));

    // 1. steal a private key
    let key = home.join(".ssh/id_rsa");
    report(
        &format!("read {}", key.display()),
        fs::read(&key)
            .map(|b| format!("({} bytes)", b.len()))
            .map_err(|e| e.to_string()),
    );

    // 2. persist: a git hook in the enclosing repository, or a file in $HOME
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let hooks = manifest.join("../../.git/hooks");
    let target = if hooks.is_dir() {
        hooks.join("pre-commit-demo-evil")
    } else {
        home.join(".demo-evil-was-here")
    };
    report(
        &format!("write {}", target.display()),
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&target)
            .and_then(|mut f| f.write_all(b"# demo-evil was here\n"))
            .map(|_| "(remove this file)".to_string())
            .map_err(|e| e.to_string()),
    );

    // 3. phone home
    let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
    report(
        "connect 127.0.0.1:9",
        TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map(|_| "(connected)".to_string())
            .map_err(|e| e.to_string()),
    );
}
