/* The lock on build-time code: `.bsbox/lock.json`, committed with the
 * project, holds one entry for every build script and proc macro the build
 * runs -- name, version, source, Cargo.lock's checksum, a digest of the code
 * itself and of the policy it runs under.  In locked mode (BSBOX_LOCKED=1)
 * a build script or proc macro that is not in the lock, or whose code or
 * policy changed, is refused before it runs:
 *
 *   wrapper.c  compiling a build script / proc macro: digest its code, write
 *              a sidecar (<out-dir>/bsbox-lock-<crate-name><extra>.json) and, when
 *              locked, check it against the lock before rustc runs;
 *              any rustc call loading a proc macro (--extern NAME=PATH.so):
 *              check the macro's sidecar against the lock; and the first
 *              compile of a locked build checks the whole project (cargo
 *              metadata), so nothing runs when anything differs
 *   shim.c     before a build script runs: its sidecar and the policy it is
 *              about to run under, against the lock
 *
 *   lockfile.c   pure: lock.json, verdicts, policy digest, source scan
 *   lockdigest.c the files of a crate's build-time code and their digest
 *   lock.c       the checks above (hooks), loading the lock, logging
 *   lockcmd.c    `bsbox lock [--accept CRATE|--check]`: the project's units
 *                (cargo metadata), written or compared
 *   review.c     `bsbox review CRATE`: what changed, what the new code reaches for
 *
 * Build-time code digested: a build script's root file plus the files it
 * pulls in with `mod`, `#[path]`, include!, include_str! and include_bytes!
 * (literal paths); a proc macro's library root with the same closure, every
 * file of the root's directory tree (src/) and its Cargo.toml (without the
 * [package] version line, so a bump that changes nothing else keeps the
 * digest).  The code digest is SHA-256 over "relpath\0sha256:hex\n" lines
 * in path order.  The policy digest is SHA-256 over a canonical text of
 * the loaded policy (rules, network, env, directives, dev, versions,
 * limits; not comments or origins), before any $VAR is expanded. */
#ifndef BSBOX_LOCK_H
#define BSBOX_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "policy.h"
#include "sha256.h"

#define LOCK_FILE ".bsbox/lock.json"
#define LOCK_SIDECAR_PREFIX "bsbox-lock-" /* <out-dir>/bsbox-lock-<crate-name><extra>.json */
#define LOCK_SOURCE_MAX (32u << 20) /* one source file, a lock file, a sidecar */

enum lock_kind { LOCK_BUILD_SCRIPT, LOCK_PROC_MACRO };

struct lock_digest {
	char *path; /* relative to the crate's directory, owned */
	char digest[SHA256_TAG_LEN];
};

struct lock_entry {
	char *name, *version;       /* owned */
	enum lock_kind kind;
	char *source;               /* "registry+URL", "git+URL#rev", "path"; owned, may be NULL */
	char *checksum;             /* Cargo.lock's checksum, owned, may be NULL */
	char *root;                 /* root file relative to dir ("build.rs"), owned, may be NULL */
	char code[SHA256_TAG_LEN];  /* "" when not computed */
	struct lock_digest *files;  /* sorted by path */
	size_t nfiles;
	char *policy_file;          /* workspace-relative, absolute or "<builtin default>"; owned */
	char policy[SHA256_TAG_LEN]; /* "" when not computed */
	char *dir;                  /* the crate's source directory (sidecars and review; not in lock.json) */
};

struct lock {
	struct lock_entry *v;
	size_t n;
};

enum lock_verdict_kind {
	LOCK_MATCH,          /* in the lock, same code, same policy */
	LOCK_MATCH_MOVED,    /* another version of the crate is locked with the same code and policy */
	LOCK_NEW,            /* no entry for the crate */
	LOCK_CODE_CHANGED,   /* the code differs from the entry (old) */
	LOCK_POLICY_CHANGED, /* same code, another policy */
};

struct lock_verdict {
	enum lock_verdict_kind kind;
	const struct lock_entry *old; /* the entry compared with (borrowed from the lock), or NULL */
	char changed[512];            /* "build.rs, +src/x.rs, -y.rs" for LOCK_CODE_CHANGED */
};

/* ---- pure --------------------------------------------------------------- */

const char *lock_kind_name(enum lock_kind k); /* "build-script", "proc-macro" */

/* lock.json text -> *out (entries sorted).  Errors name the source. */
int lock_parse(const char *text, const char *source, struct lock *out, struct bsbox_err *err);
/* The lock as JSON text (malloc'ed, trailing newline). */
char *lock_format(const struct lock *l);
/* One entry as a JSON object text (the sidecar format; includes "dir"). */
char *lock_entry_format(const struct lock_entry *e);
int lock_entry_parse(const char *text, const char *source, struct lock_entry *out,
		     struct bsbox_err *err);

/* Compare u (code and policy computed) with the lock. */
void lock_match(const struct lock *l, const struct lock_entry *u, struct lock_verdict *v);
/* The refusal / report line for a verdict (no "bsbox: " prefix). */
void lock_message(const struct lock_entry *u, const struct lock_verdict *v, char *buf, size_t len);

/* Canonical digest of a loaded (unexpanded) policy. */
void lock_policy_digest(const struct policy *p, char out[SHA256_TAG_LEN]);

/* The references a Rust source makes to other files.  cb gets, for
 * `mod NAME;` (kind 'm'), NAME and the #[path] attribute's value or NULL;
 * for include!/include_str!/include_bytes! with a literal path (kind 'i',
 * 's', 'b'), the path.  Comments and string contents are skipped. */
typedef void (*lock_ref_fn)(void *ud, char kind, const char *name, const char *path);
void lock_rust_refs(const char *text, size_t len, lock_ref_fn cb, void *ud);

/* A copy of Rust source text with comments blanked (newlines kept) and
 * string literals left as they are; malloc'ed, NULL on ENOMEM. */
char *lock_rust_strip_comments(const char *text, size_t len);

/* Cargo.lock text: the source and checksum of name@version (malloc'ed or
 * NULL).  0 when found, -ENOENT otherwise. */
int lock_cargo_lock_find(const char *text, const char *name, const char *version, char **source,
			 char **checksum);

void lock_entry_free(struct lock_entry *e);
void lock_free(struct lock *l);
/* Add a copy-free entry (takes ownership of e's strings); keeps the order sorted. */
int lock_add(struct lock *l, struct lock_entry *e);

/* ---- with side effects ---------------------------------------------------- */

/* Digest the build-time code of the crate in dir whose root file (build
 * script or proc-macro lib) is root (absolute, or relative to dir): fills
 * e->root, e->files, e->code. */
int lock_code_digest(const char *dir, enum lock_kind kind, const char *root, struct lock_entry *e,
		     struct bsbox_err *err);

/* The policy the shim would use for e (name, version) in workspace: fills
 * e->policy_file and e->policy. */
int lock_entry_policy(const char *workspace, struct lock_entry *e, struct bsbox_err *err);

/* <workspace>/.bsbox/lock.json (malloc'ed) */
char *lock_file_path(const char *workspace);

/* <workspace>/.bsbox/lock.json -> *out; -ENOENT when there is none. */
int lock_load(const char *workspace, struct lock *out, struct bsbox_err *err);

/* Every build script and proc macro of the project in manifest_dir (NULL:
 * around cwd; else --offline, as from inside a build), computed (`cargo metadata --filter-platform HOST`): code,
 * policy, source and checksum.  *workspace gets the workspace root
 * (malloc'ed). */
int lock_project_units(const char *manifest_dir, struct lock *out, char **workspace,
		       struct bsbox_err *err);

/* Where sources of name@version may be: cargo's registry src dirs, Debian's
 * directory registry and the directory registries of the project's cargo
 * config.  Malloc'ed path or NULL. */
char *lock_find_sources(const char *workspace, const char *name, const char *version);

/* Log a lock event (refusal or change) to the event log; audit=true for a
 * change (a warning in `bsbox report --format github`). */
void lock_log_event(const char *crate, const char *version, const char *msg, const char *suggest,
		    bool audit);

/* wrapper.c's hook, for every rustc call it does not pass straight through
 * when unlocked: build scripts and proc macros always (sidecar), everything
 * else in locked mode (proc macros it loads).  Returns 0 to go on, or an
 * exit code after printing why it refuses (to r->msgs). */
struct lock_rustc {
	const char *crate_name;     /* --crate-name */
	const char *input;          /* the root source file, may be NULL */
	const char *out_dir;        /* --out-dir, may be NULL */
	const char *extra_filename; /* -C extra-filename, may be NULL */
	bool build_script;
	bool proc_macro;
	char **args;                /* rustc's arguments (after @file expansion) */
	int nargs;
	const char *workspace;      /* where .bsbox/ is */
	const char *target_dir;     /* cargo's target dir (the once-per-build check's marker), may be NULL */
	bool locked;                /* locked mode (BSBOX_LOCKED=1, settings.h) */
	FILE *msgs;                 /* where the refusals and notes go: the hooks are
	                               library code, the caller's main decides */
};
int lock_rustc_hook(const struct lock_rustc *r);

/* shim.c's hook, in locked mode before the build script at `real` (the
 * .bsbox-real binary) runs under `policy` (loaded, not yet merged with the
 * shim's rules).  Returns 0 or an exit code after printing why to msgs. */
int lock_shim_check(const char *real, const char *workspace, const char *crate, const char *version,
		    const struct policy *policy, FILE *msgs);

/* Compare the project's units with the lock: print each difference to out
 * (and log it when log), return their number.  used[i] (l->n of them) is set
 * for each lock entry some unit matched; the others are stale. */
int lock_compare(const struct lock *l, const struct lock *units, bool *used, FILE *out, bool log);

/* `bsbox policy check`: report lock entries of the project in cwd whose
 * policy file is missing, or whose policy's "versions" does not cover the
 * locked version.  Returns the number of problems (0 when there is no lock). */
int lock_policy_problems(FILE *out);

/* `bsbox learn`: write the lock for the project in cwd (every unit). */
int lock_write_project(bool quiet, struct bsbox_err *err);

/* `bsbox lock [--accept CRATE]... [--check]` */
int lock_main(int argc, char **argv);

#endif
