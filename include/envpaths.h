/* Paths named in the build script's own environment (issue 12, "silently
 * different builds"): PKG_CONFIG_PATH=/var/tmp/x/pc hidden by the sandbox
 * makes pkg-config fall back to the system's .pc without a word, so the
 * build passes but is not the one the user asked for.  The directories
 * such variables name are granted read when the policy is expanded, each
 * grant announced once, instead of a warning up front: the user set them
 * for this build. */
#ifndef BSBOX_ENVPATHS_H
#define BSBOX_ENVPATHS_H

#include <stdbool.h>

#include "err.h"
#include "policy.h"

/* Whether the variable NAME names paths a -sys crate's build script reads:
 * PKG_CONFIG_PATH, PKG_CONFIG_LIBDIR, PKG_CONFIG_SYSROOT_DIR, LIBCLANG_PATH,
 * CLANG_PATH and the *_DIR, *_LIB_DIR, *_INCLUDE_DIR, *_LIBDIR, *_INCLUDEDIR,
 * *_LIB, *_INCLUDE family (OPENSSL_DIR, ZLIB_ROOT...), but not cargo's own
 * (CARGO_*, OUT_DIR, the shim's TARGET_DIR), the XDG_* runtime directories or RUSTUP_*. */
bool envpaths_is_path_var(const char *name);

/* Whether PATH (absolute, resolved) must never be granted this way: a
 * directory holding $HOME, or a credentials location under it (~/.ssh,
 * ~/.aws, ~/.gnupg, ~/.cargo/credentials*, ~/.netrc...). */
bool envpaths_denied(const char *path);

/* Called once per grant: the variable, the entry as written. */
typedef void (*envpaths_note_fn)(const char *var, const char *entry, void *ud);

/* For every NAME=VALUE of envp (NULL-terminated) that envpaths_is_path_var:
 * each ':'-separated entry that is absolute, exists, is not denied and is
 * not yet readable under p is granted read (the entry and, if it differs,
 * its resolved path), and note is called.  0 or -errno. */
int envpaths_grant(struct policy *p, char *const *envp, envpaths_note_fn note, void *ud,
		   struct bsbox_err *err);

#endif
