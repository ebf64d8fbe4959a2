/* The Rust toolchain a build really uses.  cargo hands build scripts
 * RUSTC=rustc (a bare name) when its toolchain came from PATH rather than
 * rustup; inside the sandbox PATH is filtered, so that name could reach
 * another compiler.  The wrapper records the rustc it was given (resolved
 * like execvp) and its sysroot in the shim file; the shim passes absolute
 * $RUSTC, $RUSTDOC and $CARGO to the script and grants what they need. */
#ifndef BSBOX_TOOLCHAIN_H
#define BSBOX_TOOLCHAIN_H

#include "err.h"

/* `RUSTC --print sysroot` (RUSTC searched on PATH if bare; stderr
 * inherited): a malloc'ed absolute path into *out. 0 or -errno. */
int toolchain_sysroot(const char *rustc, char **out, struct bsbox_err *err);

/* Called for each path to grant read+exec; returns 0 or -errno. */
typedef int (*toolchain_grant_fn)(void *ud, const char *path);

/* What makes the absolute tool path `tool`, spelled as outside, run the same
 * file inside the sandbox: every symlink among its directories (the mount
 * tree recreates a rule that is a symlink as one), its directory resolved,
 * and, if the tool itself is a symlink (rustup's proxies, alternatives), the
 * directory of its target.  A directory that holds the home is never
 * granted.  Returns the first error of fn. */
int toolchain_grants(const char *tool, toolchain_grant_fn fn, void *ud);

#endif
