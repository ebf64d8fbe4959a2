/* Learn mode and the denial-to-policy translation shared with `bsbox policy
 * explain`.
 *
 *   bsbox learn [--dir DIR] -- cargo build ...
 *
 * runs the command with BSBOX_MODE=audit and a fresh event log, then writes,
 * for every crate whose build script needed more than its policy, the
 * entries that would have let it pass into DIR/<crate>.json (default
 * ./.bsbox/policies), merged with what the file already holds.
 *
 * The collection and generalisation below are pure (no syscalls beyond
 * reading the log), so tests/unit/learn_test.c covers them. */
#ifndef BSBOX_LEARN_H
#define BSBOX_LEARN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "settings.h"

/* Prefixes that become variables.  All borrowed, absolute, no trailing '/';
 * any may be NULL (not replaced). */
struct learn_env {
	const char *home;        /* -> $HOME */
	const char *cargo_home;  /* -> $CARGO_HOME */
	const char *rustup_home; /* -> $RUSTUP_HOME */
	const char *target_dir;  /* -> $TARGET_DIR */
	const char *workspace;   /* -> $CARGO_WORKSPACE_DIR */
};

struct learn_rule {
	char *path;     /* generalised ("$OUT_DIR/x", "/opt/y"), owned */
	unsigned access; /* POL_R | POL_W | POL_X */
	char *by;       /* basename of the first program that needed it, owned, may be NULL */
};

struct learn_crate {
	char *name;
	char *versions[8]; /* distinct versions seen, owned */
	size_t nversions;
	struct learn_rule *rules;
	size_t nrules;
	bool network;
	char *addrs;       /* "127.0.0.1:9, [::1]:443" (bounded), owned, may be NULL */
	char **directives; /* keys, owned */
	size_t ndirectives;
	char **syscalls;   /* denied system calls: no policy entry allows them */
	size_t nsyscalls;
	unsigned nevents;  /* denial events counted for this crate */
};

struct learn_set {
	struct learn_crate *crates;
	size_t n;
};

/* path (absolute, as logged) for crate@version -> a policy path with
 * variables: a build dir's out/ -> $OUT_DIR, the crate's own source
 * (<crate>-<version>/) -> $CARGO_MANIFEST_DIR, then the longest of the env
 * prefixes; a component carrying a cargo build hash (name-0123456789abcdef)
 * cuts the path at its parent.  Returns malloc'ed string or NULL (ENOMEM). */
char *learn_generalise(const struct learn_env *env, const char *crate, const char *version,
		       const char *path);

/* Read a JSONL event log and collect every denial (or audit-mode "would deny")
 * by crate, generalised with env.  Events without a crate are skipped.
 * Malformed lines are skipped (counted in *bad if bad != NULL). */
int learn_collect(const char *log, const struct learn_env *env, struct learn_set *out,
		  unsigned *bad, struct bsbox_err *err);

/* Simplify each crate's rules: read/write/exec of the same path merged,
 * three or more read siblings grouped to their directory (never to "/",
 * a top-level directory or a bare variable such as $HOME), rules covered by
 * another dropped, sorted. */
void learn_simplify(struct learn_set *s);

/* The semver requirement for the versions seen: "^X.Y" when one caret range
 * holds them all, else ">=A.B.C, <N". Into buf (always terminated). */
void learn_versions_req(const struct learn_crate *c, char *buf, size_t len);

/* The policy entries of c as JSON text (an object with read/write/exec,
 * network, directives), each path entry {"path", "why"}; malloc'ed. */
char *learn_crate_json(const struct learn_crate *c);

void learn_set_free(struct learn_set *s);

/* Fill env from the process environment ($HOME, $CARGO_HOME or ~/.cargo,
 * $RUSTUP_HOME or ~/.rustup, $CARGO_TARGET_DIR or <cwd>/target, cwd as the
 * workspace).  Strings are stored in bufs (caller-provided, 5 x PATH_MAX). */
void learn_env_from_process(struct learn_env *env, char (*bufs)[4096]);

/* learn_collect with the paths of this process (learn_env_from_process):
 * what `bsbox learn` and `bsbox policy explain` both do with a log. */
int learn_collect_here(const char *log, struct learn_set *out, unsigned *bad,
		       struct bsbox_err *err);

/* `bsbox learn ...` */
int learn_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
