//! Derive-heavy: serde, thiserror and clap derives (tests/procmacro_cargo.sh).
use clap::Parser;
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[clap(name = "derive-heavy")]
struct Args {
    /// A name to greet
    #[clap(long, default_value = "world")]
    name: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Greeting {
    to: String,
    times: u32,
}

#[derive(thiserror::Error, Debug)]
enum Error {
    #[error("bad json: {0}")]
    Json(#[from] serde_json::Error),
}

fn main() -> Result<(), Error> {
    let args = Args::parse();
    let g = Greeting { to: args.name, times: 2 };
    let text = serde_json::to_string(&g)?;
    let back: Greeting = serde_json::from_str(&text)?;
    assert_eq!(g, back);
    println!("{}", text);
    Ok(())
}
