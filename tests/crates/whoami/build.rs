// Records who the build script runs as (its uid and the user namespace's
// map, so the test can tell the host uid) in OUT_DIR, and writes a file and
// a directory there: tests/launch.sh checks they end up the invoking user's.
use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap().to_string();
    let map = fs::read_to_string("/proc/self/uid_map").unwrap();
    fs::write(Path::new(&out).join("ids.txt"), format!("{}\n{}", uid, map)).unwrap();
    fs::create_dir_all(Path::new(&out).join("sub")).unwrap();
    fs::write(Path::new(&out).join("sub/file"), "written by the build script\n").unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
