//! read_data!() reads the file named by $BSBOX_TEST_DATA at expansion time
//! (as include_dir! or sqlx's offline data do) and expands to its length.
use proc_macro::TokenStream;

#[proc_macro]
pub fn read_data(_input: TokenStream) -> TokenStream {
    let path = std::env::var("BSBOX_TEST_DATA").unwrap_or_default();
    match std::fs::read(&path) {
        Ok(b) => format!("pub const DATA_LEN: usize = {};", b.len()).parse().unwrap(),
        Err(e) => format!("compile_error!(\"reading {}: {}\");", path, e).parse().unwrap(),
    }
}
