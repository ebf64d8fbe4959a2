fn main() {
    println!("cflags: {}", env!("PC_CFLAGS"));
}
