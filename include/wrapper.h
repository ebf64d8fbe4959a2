/* rustc-wrapper mode: `RUSTC_WRAPPER=bsbox cargo build` makes cargo run
 * `bsbox /path/to/rustc ARGS...` for every compile.
 *
 *  - Most calls are passed straight to rustc with execvp(): argv is parsed,
 *    nothing else (no fork, no file IO).
 *  - `rustc -vV` gets one extra line, `bsbox: VERSION`, so that cargo's
 *    fingerprints (which hash rustc's verbose version) differ between builds
 *    with and without bsbox: a target dir built without bsbox is rebuilt and
 *    no old, unconfined build-script binary is ever reused.
 *  - A build script (`--crate-name build_script_*`, crate type bin) is
 *    compiled, then the binary is renamed to `<binary>.bsbox-real` and a shim
 *    (`#!<bsbox> --shim-exec` + `# bsbox-shim 1` + key=value lines, see
 *    shim.h) is written in its place, so cargo runs `bsbox --shim-exec`.
 *
 * Environment: BSBOX_INSIDE set (a build script running rustc inside the
 * sandbox) -> exec rustc straight; BSBOX_RUSTC_WRAPPER=W -> run
 * `W rustc ARGS` instead of `rustc ARGS` (sccache and the like). */
#ifndef BSBOX_WRAPPER_H
#define BSBOX_WRAPPER_H

#include "settings.h"

/* argv[1] is the rustc path. Returns an exit code when it does not exec. */
int wrapper_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
