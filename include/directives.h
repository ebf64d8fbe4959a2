/* Checking the `cargo:` / `cargo::` directives a build script prints on its
 * stdout.  Pure code (no syscalls), unit-tested in tests/unit/directives_test.c.
 *
 * A line is parsed the way cargo parses it (BuildOutput::parse): leading and
 * trailing Unicode white space is trimmed, then `cargo::KEY=VALUE` (new
 * syntax) or `cargo:KEY=VALUE` (old syntax, where an unknown KEY is metadata).
 *
 * Allowed by default: rerun-if-changed, rerun-if-env-changed, warning, error,
 * rustc-cfg, rustc-check-cfg, rustc-link-lib (except the link-arg kind),
 * metadata (and old syntax metadata), rustc-env except for variables that
 * change how rustc, the linker or the RUSTC_WRAPPER chain run (LD_*, PATH,
 * GCC_*, COMPILER_PATH, BSBOX_*, ...: cargo sets rustc-env in *their*
 * environment, outside the sandbox), and rustc-link-search when its path
 * (after an optional KIND= prefix) is inside one of allowed_dirs or a
 * directory the policy grants read access to.  Everything else --
 * rustc-link-arg*, rustc-cdylib-link-arg, rustc-flags, unknown `cargo::` keys,
 * the rustc-env and rustc-link-search cases above -- needs the key in the
 * policy's "directives" list. */
#ifndef BSBOX_DIRECTIVES_H
#define BSBOX_DIRECTIVES_H

#include <stddef.h>

#include "policy.h"

enum {
	DIRECTIVE_NONE = -1,    /* not a cargo directive: forward as is */
	DIRECTIVE_REJECTED = 0, /* why is filled */
	DIRECTIVE_ALLOWED = 1,
};

/* Longest key we report; longer keys are truncated in `key` only. */
#define DIRECTIVE_KEY_MAX 64

struct directive_verdict {
	char key[DIRECTIVE_KEY_MAX]; /* "rustc-link-arg"; "metadata" for old-syntax metadata; "" if DIRECTIVE_NONE */
	char why[256];               /* reason, when rejected */
};

/* Check one line of output (len bytes, may lack the trailing '\n'; embedded
 * NUL bytes are handled: a directive containing one is rejected).
 * p: the policy, rule paths already expanded (policy_expand), may be NULL.
 * allowed_dirs: NULL-terminated absolute, normalised directories that
 * rustc-link-search may point into (OUT_DIR, the target dir); may be NULL.
 * v: filled (may be NULL).  Returns DIRECTIVE_NONE / _REJECTED / _ALLOWED. */
int directives_check(const char *line, size_t len, const struct policy *p,
		     const char *const *allowed_dirs, struct directive_verdict *v);

#endif
