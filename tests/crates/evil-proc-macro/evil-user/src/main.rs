//! Expands evil!() (documented by `cargo doc` too: rustdoc loads the macro).
bsbox_test_evil_pm::evil!();

fn main() {
    println!("{}", EVIL);
}
