/* rustc-wrapper mode: `RUSTC_WRAPPER=bsbox cargo build` makes cargo run
 * `bsbox /path/to/rustc ARGS...` for every compile.
 *
 *  - Most calls are passed straight to rustc with execvp(): argv is parsed,
 *    nothing else (no fork, no file IO).
 *  - `rustc -vV` gets one extra line, `bsbox: VERSION`, so that cargo's
 *    fingerprints (which hash rustc's verbose version) differ between builds
 *    with and without bsbox: a target dir built without bsbox is rebuilt and
 *    no old, unconfined build-script binary is ever reused.  cargo < 1.7x
 *    runs -vV without the wrapper: its target probe (`--crate-name ___`)
 *    and the first call with --out-dir remove such binaries (stale.h).
 *  - A call that loads a proc macro runs rustc itself confined (rustcbox.h);
 *    every library compiled gets a record of the proc macros it pulls in.
 *  - A build script (`--crate-name build_script_*`, crate type bin) is
 *    compiled, then the binary is renamed to `<binary>.bsbox-real` and a shim
 *    (`#!<bsbox> --shim-exec` + `# bsbox-shim 1` + key=value lines, see
 *    shim.h) is written in its place, so cargo runs `bsbox --shim-exec`.
 *
 * Environment: BSBOX_INSIDE set (a build script running rustc inside the
 * sandbox) -> exec rustc straight; BSBOX_RUSTC_WRAPPER=W -> run
 * `W rustc ARGS` instead of `rustc ARGS` (sccache and the like), except for
 * the confined calls.  `bsbox W rustc ARGS` (cargo's RUSTC_WORKSPACE_WRAPPER,
 * e.g. clippy-driver) keeps W in the command. */
#ifndef BSBOX_WRAPPER_H
#define BSBOX_WRAPPER_H

#include "settings.h"

/* argv[1] is the rustc path. Returns an exit code when it does not exec. */
int wrapper_main(int argc, char **argv, const struct bsbox_settings *set);

/* rustdoc mode: bsbox run as `bsbox-rustdoc ARGS` (a link cargo runs through
 * RUSTDOC or build.rustdoc; RUSTC_WRAPPER never applies to rustdoc).  Runs
 * the real rustdoc ($BSBOX_RUSTDOC, else the first other `rustdoc` on PATH)
 * confined when it loads proc macros (rustcbox.h), else execs it. */
int wrapper_rustdoc_main(int argc, char **argv, const struct bsbox_settings *set);

/* From start (absolute) upwards: the nearest dir whose Cargo.toml has
 * [workspace], else the nearest dir with a Cargo.toml; malloc'ed or NULL. */
char *wrapper_find_workspace_from(const char *start);
/* cargo's target dir: the nearest ancestor of dir (absolute) holding
 * CACHEDIR.TAG; malloc'ed or NULL. */
char *wrapper_find_target_dir(const char *dir);

#endif
