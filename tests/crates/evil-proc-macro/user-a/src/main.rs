bsbox_test_reader_a::read_data!();

fn main() {
    println!("data: {} bytes", DATA_LEN);
}
