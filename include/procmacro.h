/* `bsbox proc-macro-srv`: rust-analyzer's proc-macro server, confined.
 *
 * rust-analyzer loads every proc-macro library of a workspace into one
 * long-lived process, rust-analyzer-proc-macro-srv, and talks to it in JSON
 * lines on stdin/stdout.  Pointing `rust-analyzer.procMacro.server` at
 * `bsbox proc-macro-srv` (through contrib/editors/bsbox-proc-macro-srv) runs
 * that server under a policy that can read the toolchain, the workspace, the
 * dependency sources and the target dir (read+exec: the dylibs are mmapped
 * PROT_EXEC), write nothing but the private /tmp, and has no network and no
 * home directory.  Everything else is run_confined()'s (include/run.h). */
#ifndef BSBOX_PROCMACRO_H
#define BSBOX_PROCMACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "policy.h"
#include "settings.h"

/* The paths the server needs, all absolute (or "" when unknown). */
struct procmacro_paths {
	const char *sysroot;   /* rustc --print sysroot: read+exec */
	const char *server;    /* the server binary (outside the sysroot when given): read+exec */
	const char *workspace; /* the workspace root: read; "" when withheld (e.g. it is $HOME) */
	const char *target;    /* the target dir holding the proc-macro dylibs: read+exec */
};

/* Pure.  The policy the server gets on top of `base`: clears the write bit of
 * every rule of base except the private /tmp ($TMPDIR, /tmp), then merges the
 * rules for the paths above and $CARGO_HOME/registry, $CARGO_HOME/git (read).
 * strip_writes=false keeps base as the user wrote it (--policy FILE). */
int procmacro_policy(struct policy *base, const struct procmacro_paths *paths, bool strip_writes,
		     struct bsbox_err *err);

/* Pure.  Walks up from start (absolute, normalised) with exists(dir) telling
 * whether dir/Cargo.toml exists and is_ws(dir) whether it has a [workspace]
 * table: the nearest [workspace] directory at or above the nearest Cargo.toml
 * (as cargo finds it),
 * else the nearest Cargo.toml's directory, else start itself. */
typedef bool (*procmacro_probe_fn)(const char *dir, void *ud);
void procmacro_find_workspace(const char *start, procmacro_probe_fn has_manifest,
			      procmacro_probe_fn is_workspace, void *ud, char *out, size_t outlen);

/* `bsbox proc-macro-srv [--policy FILE] [--log FILE] [SERVER-ARGS...] [-- SERVER [ARGS...]]`,
 * argv[0] is "proc-macro-srv".  Returns an exit code. */
int procmacro_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
