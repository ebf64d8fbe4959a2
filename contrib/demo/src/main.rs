fn main() {
    println!("demo-evil: the binary is harmless; look at what its build script tried");
}
