//! Uses tokio-macros, futures-macro, time-macros, ctor, derive_arbitrary,
//! prost-derive, tracing-attributes and valuable-derive: each runs confined.
use valuable::Valuable;
#[derive(arbitrary::Arbitrary, Debug)]
#[allow(dead_code)]
struct A { x: u8 }
#[derive(Clone, PartialEq, prost::Message)]
struct P { #[prost(uint32, tag = "1")] n: u32 }
#[derive(Valuable)]
#[allow(dead_code)]
struct V { y: u8 }
#[ctor::ctor]
fn init() {}
#[tracing::instrument]
fn traced(a: u8) -> u8 { a }
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let d = time::macros::date!(2024 - 01 - 01);
    let r = futures::join!(async { 1 }, async { 2 });
    let _ = V { y: 1 }.as_value();
    println!("{} {:?} {} {:?}", d, r, traced(3), P { n: 4 });
}
