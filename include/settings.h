/* The BSBOX_* environment settings, read once (by main) into one struct and
 * passed down, so every mode reads them the same way.  Documented in
 * `bsbox --help` (src/main.c); BSBOX_LOG is read by evlog_default_path(),
 * and BSBOX_INSIDE / BSBOX_SCRIPT_DIR are bsbox's own markers for the
 * sandboxed process, not settings. */
#ifndef BSBOX_SETTINGS_H
#define BSBOX_SETTINGS_H

#include <stdbool.h>

struct bsbox_settings {
	bool audit;                /* BSBOX_MODE=audit */
	const char *policy_dir;    /* BSBOX_POLICY_DIR, searched first; NULL if unset or empty */
	const char *rustc_wrapper; /* BSBOX_RUSTC_WRAPPER: chained wrapper (sccache); NULL if unset */
	const char *workspace;     /* BSBOX_WORKSPACE (proc-macro-srv); NULL if unset */
	bool force_no_userns;      /* BSBOX_FORCE_NO_USERNS: as if user namespaces were unavailable */
	int landlock_abi_max;      /* BSBOX_LANDLOCK_ABI: at most this ABI; -1 = no limit */
	bool no_fuse;              /* BSBOX_NO_FUSE: no FUSE root */
	bool no_bpf_reads;         /* BSBOX_NO_BPF_READS: root's sandbox notifies every open, as
	                              without BPF, instead of the BPF read watcher (bpfread.h) */
	bool unsupervised;         /* BSBOX_BENCH_UNSUPERVISED: no supervisor (a benchmark switch) */
	bool quiet;                /* BSBOX_QUIET: no degraded-mode notice */
	bool allow_weak;           /* BSBOX_ALLOW_WEAK: run with seccomp alone */
	int sandbox_id;            /* BSBOX_SANDBOX_ID: host uid/gid of a root-started sandbox; -1 unset */
};

/* Fill s from the environment envp ("NAME=value", NULL-terminated; the
 * strings are borrowed).  Pure.  A flag is on when set, non-empty and not
 * "0"; a number that does not parse whole counts as unset. */
void settings_read(struct bsbox_settings *s, char *const *envp);

#endif
