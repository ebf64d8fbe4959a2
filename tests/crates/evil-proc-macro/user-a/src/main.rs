bsbox_test_reader_a::read_data!();

// A secret-looking variable embedded at compile time: scrubbed from a
// confined compile unless the crate's own policy passes it ("env").
const TOKEN: Option<&str> = option_env!("BSBOX_TEST_TOKEN");

fn main() {
    println!("data: {} bytes", DATA_LEN);
    println!("token: {}", if TOKEN.is_some() { "set" } else { "unset" });
}
