/* Stale build scripts: a target dir built without bsbox holds build-script
 * binaries that are not shims.  cargo >= 1.7x runs `rustc -vV` through the
 * wrapper, whose extra `bsbox:` line changes every hash, so those binaries
 * are never reused.  Older cargo (Debian's 1.65) runs `rustc -vV` directly:
 * the hashes stay the same, and a rerun-if-changed reruns the old binary,
 * unconfined, without any rustc call before it.
 *
 * What every cargo does run through the wrapper, before any unit is built, is
 * its target probe (`rustc - --crate-name ___ --print=file-names ...`),
 * whenever target/.rustc_info.json has no answer for it.  That cache is
 * keyed by rustc's and the wrapper's path and mtime, so a build without
 * bsbox (or with another bsbox binary) since the last bsbox build always
 * makes the next bsbox build probe again.  At that probe, bsbox removes
 * every build-script binary in cargo's target dir that is not a shim (both
 * cargo's hard link and rustc's output: cargo relinks one from the other);
 * cargo then finds the unit's output missing and compiles it again, through
 * the wrapper, which installs a shim. */
#ifndef BSBOX_STALE_H
#define BSBOX_STALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rustc_args;
struct bsbox_err;

/* Pure.  The call is cargo's target probe (`--crate-name ___`). */
bool stale_is_target_probe(const struct rustc_args *c);

/* Remove the non-shim build-script binaries under target_dir (a cargo
 * target dir: <profile>/build/<unit>/ and <triple>/<profile>/build/<unit>/);
 * *removed counts them.  linked_only (while cargo may be compiling): only
 * cargo's `build-script-*` links and the files that share their inode.  0, or -errno when one could not be removed. */
int stale_sweep(const char *target_dir, bool linked_only, size_t *removed,
		struct bsbox_err *err);

/* The target dirs the cargo running this probe may use (CARGO_TARGET_DIR,
 * CARGO_BUILD_TARGET_DIR, its --target-dir and --manifest-path, build.target-dir
 * in .cargo/config{,.toml} from its cwd up and in CARGO_HOME, else the
 * workspace's target/), each that exists and has cargo's CACHEDIR.TAG.
 * NULL-terminated, malloc'ed (free each); NULL on ENOMEM. */
char **stale_target_dirs(void);

/* The wrapper's hook for the target probe: sweep every candidate target dir
 * and mark it (<target>/.bsbox-swept: cargo's pid and start time).
 * Returns 0, or an exit code after printing why to msgs (a stale binary that could
 * not be removed would run unconfined: the build must not go on). */
int stale_probe_hook(FILE *msgs);

/* The wrapper's hook for every call with --out-dir: the first one of a cargo
 * run in a target dir not marked for that run (the probe was answered from
 * cargo's cache, or did not know this target dir) sweeps it (linked_only)
 * and marks it.  Anything found there may already have run unconfined: the
 * build fails, saying so (to msgs).  Returns 0 or an exit code. */
int stale_compile_hook(const char *out_dir, FILE *msgs);

#endif
