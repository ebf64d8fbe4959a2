/* The build-script shim: cargo runs the file wrapper.c wrote in place of a
 * build script, the kernel turns its `#!<bsbox> --shim-exec` line into
 * `bsbox --shim-exec SHIMFILE [ARGS...]` (or a `#!/bin/sh` line execs the
 * same when the bsbox path is too long or has blanks for a shebang).
 *
 * Shim file format (version 1), after the interpreter line(s):
 *   # bsbox-shim 1
 *   real=<absolute path of the real build-script binary>
 *   crate=<CARGO_PKG_NAME at compile time>
 *   version=<CARGO_PKG_VERSION at compile time>
 *   manifest_dir=<CARGO_MANIFEST_DIR>
 *   workspace=<workspace root, where .bsbox/policies is looked up>
 *   target_dir=<cargo's target dir, may be empty>
 *   rustc=<the rustc cargo ran, absolute (PATH searched), symlinks kept>
 *   sysroot=<its `--print sysroot`, may be empty>
 * Unknown keys are ignored; a file without the marker is refused (123).
 *
 * shim_main finds the policy (policystore_load(): <crate>@<version>.json,
 * then <crate>.json, else the built-in default), runs the real
 * script with run_confined() and filters its stdout through
 * directives_check(): a rejected `cargo:` line is not passed to cargo and
 * fails the build (124) unless BSBOX_MODE=audit. */
#ifndef BSBOX_SHIM_H
#define BSBOX_SHIM_H

#include "settings.h"
#include <stddef.h>

#define SHIM_MARKER "# bsbox-shim 1"
#define SHIM_REAL_SUFFIX ".bsbox-real"

/* What a shim file records (wrapper.c writes it, shim.c reads it); the
 * strings are borrowed. */
struct shim_meta {
	const char *real;         /* absolute path of the real build-script binary */
	const char *crate;        /* CARGO_PKG_NAME at compile time */
	const char *version;      /* CARGO_PKG_VERSION at compile time */
	const char *manifest_dir; /* CARGO_MANIFEST_DIR */
	const char *workspace;    /* where .bsbox/policies is looked up */
	const char *target_dir;   /* cargo's target dir, may be "" */
	const char *rustc;        /* the rustc cargo ran, absolute; may be "" (see toolchain.h) */
	const char *sysroot;      /* its sysroot, may be "" */
};

struct policy;
struct bsbox_err;

/* The policy the shim runs crate@version under, found from workspace
 * (run_policy_dirs: <crate>@<version>.json, then <crate>.json, else the
 * built-in default); for the lock's policy digest.  Caller frees *out. */
int shim_policy_for(const char *workspace, const char *crate, const char *version,
		    struct policy **out, struct bsbox_err *err);

/* cargo's jobserver in CARGO_MAKEFLAGS (mf, may be NULL):
 * `--jobserver-fds=R,W` / `--jobserver-auth=R,W` (pipes we inherit: the open
 * ones above 2 go to fds, at most SHIM_JOBSERVER_FDS) or
 * `--jobserver-auth=fifo:PATH` (make >= 4.4: *fifo, malloc'ed, else NULL). */
#define SHIM_JOBSERVER_FDS 4
void shim_jobserver(const char *mf, int *fds, size_t *nfds, char **fifo);

/* argv[1] == "--shim-exec", argv[2] = shim file, argv[3..] = script args. */
int shim_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
