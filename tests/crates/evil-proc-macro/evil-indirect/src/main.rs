//! Depends on evil-lib only: its rustc call names no proc macro, but rustc
//! loads evil-pm through evil-lib's metadata.
bsbox_test_evil_lib::evil!();

fn main() {
    println!("{}", EVIL);
}
