/* Confined compiles: the rustc (and rustdoc) calls that load proc macros.
 *
 * A rustc call runs third-party code at compile time exactly when it loads a
 * proc-macro dylib.  It loads one named by an `--extern NAME=PATH.so`, and
 * also every proc macro that its rlib/rmeta dependencies depend on (rustc
 * resolves a crate's dependencies from its metadata: `serde` with the derive
 * feature makes every user of serde load serde_derive, with no
 * `--extern serde_derive` on its command line).  So the wrapper records, for
 * each library it compiles, which proc macros loading that library pulls in:
 *
 *   <dir of --out-dir>/.bsbox-pm/lib<crate><extra-filename>
 *       one line per proc macro: "<package>@<version>"
 *
 * written by bsbox before rustc runs, from the arguments alone, outside every
 * directory a confined compile may write (--out-dir is deps/, the record is
 * in its parent), so a proc macro cannot erase the record that confines the
 * next crate.  A dependency without a record (built by something else) makes
 * the call confined too, as "unknown".
 *
 * A call that loads none runs rustc with exec, as before.  One that loads
 * some runs rustc itself in the sandbox (run_confined()): read+exec for the
 * system and the toolchain, read for the sources, the -L/--extern inputs
 * and OUT_DIR, write for --out-dir / -o, the incremental dir and the private
 * /tmp; no network, no home; secrets scrubbed from the environment.  Its
 * policy is the union of the policies of the proc macros it loads, found as
 * build-script policies are (<package>@<version>.json, <package>.json), minus
 * what they inherit from the built-in default (whose write access to OUT_DIR
 * belongs to build scripts), plus the "env" of the compiled crate's own
 * policy (its env!/option_env!).  stdin/stdout/stderr and cargo's jobserver
 * pass through, so cargo's JSON diagnostics are untouched.
 *
 * The --out-dir a confined compile writes holds the other crates' libraries
 * too: those that change during the run get "<record>.tainted", and a call
 * that loads a tainted library is confined (until it is compiled again). */
#ifndef BSBOX_RUSTCBOX_H
#define BSBOX_RUSTCBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "policy.h"

/* What the wrapper reads from a rustc or rustdoc command line (strings are
 * borrowed from argv). */
struct rustc_args {
	const char *crate_name;
	const char *out_dir;         /* --out-dir */
	const char *out_file;        /* -o (rustdoc: the output directory) */
	const char *extra_filename;  /* -C extra-filename= */
	const char *incremental;     /* -C incremental= */
	const char *linker;          /* -C linker= */
	const char *input;           /* the root source file (*.rs), for the lock */
	bool crate_type_seen;
	bool crate_type_other;       /* a crate type other than bin */
	bool crate_type_lib;         /* lib, rlib, dylib or proc-macro: others load it */
	bool proc_macro;             /* --crate-type proc-macro */
	bool emit_seen;
	bool emit_link;
	bool version_probe;          /* -vV */
	bool rustdoc;                /* set by the caller: a rustdoc command line */
	char **externs;              /* the PATH of each --extern [OPTS:]NAME=PATH (malloc'ed array) */
	size_t nexterns;
	char **ldirs;                /* the PATH of each -L [KIND=]PATH (malloc'ed array) */
	size_t nldirs;
};

/* Pure.  Fill a from args[0..n) (rustc's or rustdoc's options); 0 or -ENOMEM.
 * rustc_args_free releases the arrays. */
int rustc_args_parse(struct rustc_args *a, char **args, int n);
void rustc_args_free(struct rustc_args *a);

/* Pure.  The record of the artifact at path (".../deps/libfoo-HASH.rlib",
 * ".rmeta", ".so"): ".../.bsbox-pm/libfoo-HASH".  Returns false when path
 * has no directory or does not fit. */
bool rustcbox_record_path(const char *artifact, char *out, size_t outlen);

/* Pure.  "foo_bar" from ".../libfoo_bar-HASH.so" (the library name; the
 * package name may differ in '-' vs '_'), false if not of that form. */
bool rustcbox_lib_name(const char *artifact, char *out, size_t outlen);

/* The proc macros a call loads (as "<package>@<version>", or "<libname>"
 * when only the file is known), read from its --extern records. *unknown is
 * set when a dependency has no record.  Caller frees with strv_free. */
int rustcbox_loaded(const struct rustc_args *a, char ***macros, size_t *n, bool *unknown,
		    struct bsbox_err *err);

/* Write the record of the library this call produces (nothing for other
 * crate types): what loading it pulls in -- itself for a proc macro
 * (CARGO_PKG_NAME@CARGO_PKG_VERSION), else the macros it loads. */
int rustcbox_record(const struct rustc_args *a, char *const *macros, size_t n,
		    struct bsbox_err *err);

/* Pure.  Add to policy p (the proc-macro base: the built-in default without
 * its writes) the rules of one proc macro's policy pm, leaving out what pm
 * inherits from the built-in default; env, network and dev are merged. */
int rustcbox_merge_macro(struct policy *p, const struct policy *pm, struct bsbox_err *err);

/* Run cmd (`rustc ARGS`, `W rustc ARGS`, `clippy-driver rustc ARGS`,
 * `rustdoc ARGS`) confined for a call that loads macros[0..n); workspace is
 * where .bsbox/policies is looked up (may be NULL).  Returns the exit code
 * (rustc's own; 124 when something was denied; 122/123 for bsbox's errors). */
int rustcbox_run(char **cmd, const struct rustc_args *a, char *const *macros, size_t n,
		 bool unknown, const char *workspace);

#endif
