/* The BSBOX_* environment settings, read once (by main) into one struct and
 * passed down, so every mode reads them the same way: no other module calls
 * getenv("BSBOX_...").  Documented in `bsbox --help` (src/main.c), the man
 * page and the README.  BSBOX_INSIDE is bsbox's own marker for the sandboxed
 * process (read here too, believed only under bsbox's filter: wrapper.c);
 * BSBOX_SCRIPT_DIR is set for the script, never read. */
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
	bool no_cgroup;            /* BSBOX_NO_CGROUP: no cgroup, as an unprivileged user gets */
	bool unsupervised;         /* BSBOX_BENCH_UNSUPERVISED: no supervisor (a benchmark switch) */
	bool quiet;                /* BSBOX_QUIET: no degraded-mode notice */
	bool allow_weak;           /* BSBOX_ALLOW_WEAK: run with seccomp alone */
	int sandbox_id;            /* BSBOX_SANDBOX_ID: host uid/gid of a root-started sandbox; -1 unset */
	const char *log;           /* BSBOX_LOG: the event log (evlog_default_path); NULL if unset
				      or empty */
	const char *trace;         /* BSBOX_TRACE: every build script's access trace; NULL if
				      unset or empty */
	bool trace_seccomp;        /* BSBOX_TRACE_BACKEND=seccomp: the supervisor traces even as root */
	bool test_bpf_read_loss;   /* BSBOX_TEST_BPF_READ_LOSS=1: the BPF read watcher's ring
				      buffer holds no record (a test switch: every record lost) */
	bool bpf_debug;            /* BSBOX_BPF_DEBUG=1: libbpf's messages (verifier logs), and why
				      the BPF deny layer did not load */
	bool locked;               /* BSBOX_LOCKED=1: locked mode (lock.h); exactly "1" */
	const char *rustdoc;       /* BSBOX_RUSTDOC: the rustdoc bsbox-rustdoc runs; NULL if unset
				      or empty */
	bool inside;               /* BSBOX_INSIDE is set (even empty): we may be in our own sandbox */
};

/* Fill s from the environment envp ("NAME=value", NULL-terminated; the
 * strings are borrowed).  Pure.  A flag is on when set, non-empty and not
 * "0"; a number that does not parse whole counts as unset. */
void settings_read(struct bsbox_settings *s, char *const *envp);

#endif
