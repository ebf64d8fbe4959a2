bsbox_test_reader_b::read_data!();

fn main() {
    println!("data: {} bytes", DATA_LEN);
}
