/* Policies: JSON (cJSON) -> struct policy.  Pure code: no syscalls beyond
 * reading the policy files themselves, so it is unit-tested and fuzzed.
 * Format documented in docs/policy.md. */
#ifndef BSBOX_POLICY_H
#define BSBOX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum {
	POL_R = 1, /* read files and list directories */
	POL_W = 2, /* create, write, remove, rename */
	POL_X = 4, /* execute */
	POL_S = 8,  /* connect to a pathname unix socket ("unix_sockets"); implies nothing else */
	POL_C = 16, /* credential files here are read as they are ("credentials"), see creds.h */
};

struct policy_rule {
	char *path;     /* absolute after policy_expand(); may hold $VARS before */
	unsigned access; /* POL_R | POL_W | POL_X */
	char *origin;   /* "FILE:LINE" or "<builtin default>"; owned */
	char *why;      /* optional justification from the policy ("why"), owned, may be NULL */
};

/* A growing list of extra rules (the shim's, a confined rustc call's) to
 * pass to policy_merge as a view: paths owned, origin and why borrowed
 * (string literals). */
struct policy_rule_list {
	struct policy_rule *v;
	size_t n;
};

/* Append path (copied) with access; 0 or -ENOMEM. */
int policy_rule_list_push(struct policy_rule_list *l, const char *path, unsigned access,
			  const char *origin, const char *why);
void policy_rule_list_free(struct policy_rule_list *l);

struct policy_limits {
	long nproc;    /* RLIMIT_NPROC; <0 = unset (use default) */
	long fsize_mb; /* RLIMIT_FSIZE in MiB */
	long cpu_s;    /* RLIMIT_CPU seconds */
	long as_mb;    /* RLIMIT_AS in MiB */
	long nofile;   /* RLIMIT_NOFILE */
	long mem_mb;   /* the whole sandbox's memory (cgroup memory.max; else RLIMIT_DATA) */
	long tmp_mb;   /* size of each private tmpfs (/tmp, /dev/shm) in MiB */
	long wall_s;   /* wall-clock seconds for the whole run */
};

/* A credential file inside a readable tree (creds.h): hidden, or served as a
 * copy with the credential-bearing entries removed. */
struct policy_secret {
	char *path;         /* absolute, as granted (the tree's view) */
	unsigned long dev;  /* the file's identity on the host, to know it behind symlinks */
	unsigned long ino;
	char *clean;        /* NULL: hidden; else the sanitised text to serve instead */
	size_t clean_len;
};

struct policy {
	char *source;              /* file the policy came from, or "<builtin default>" */
	struct policy_rule *rules; /* path allowlist */
	size_t nrules;
	bool network;              /* allow inet/inet6/netlink... sockets and the host network */
	char **env;                /* names (shell globs allowed: "MY_*") passed through even if secret-looking */
	size_t nenv;
	char **directives;         /* extra cargo directive keys allowed (e.g. "rustc-link-arg") */
	size_t ndirectives;
	char **dev;                /* extra device nodes, e.g. "tty" */
	size_t ndev;
	char *versions;            /* semver requirement the policy was written for, or NULL */
	char *comment;             /* free text, or NULL */
	struct policy_limits limits;
	struct policy_secret *secrets; /* filled by creds_scan() after expansion; owned */
	size_t nsecrets;
};

/* Built-in default policy for `bsbox run` and build scripts: system
 * directories and the toolchain read/exec, $OUT_DIR and $TMPDIR (the private
 * /tmp) writable, the crate and workspace readable, no network, no home. */
struct policy *policy_new_default(void);

/* Parse JSON text. On error, err->msg is "SOURCE:LINE:COL: key \"K\": what is
 * wrong" and nothing is returned. `extends` entries are resolved through
 * search_dirs (each tried for NAME.json and presets/NAME.json); "default" is
 * the built-in default. Caller owns *out (policy_free). */
int policy_parse(const char *text, size_t len, const char *source,
		 const char *const *search_dirs, struct policy **out, struct bsbox_err *err);
int policy_load_file(const char *path, const char *const *search_dirs,
		     struct policy **out, struct bsbox_err *err);

/* Append everything in src to dst (union of rules, env, directives; network
 * ORed; limits: src's set values override). */
int policy_merge(struct policy *dst, const struct policy *src, struct bsbox_err *err);

/* Expand $NAME / ${NAME} in rule paths with lookup(name, ud) (NULL = unset).
 * A rule whose variable is unset is dropped. Paths are then normalised
 * (no trailing '/', no '.', '..' resolved lexically); a path that is not
 * absolute after expansion is an error naming its origin. */
typedef const char *(*policy_lookup_fn)(const char *name, void *ud);
int policy_expand(struct policy *p, policy_lookup_fn lookup, void *ud, struct bsbox_err *err);

/* Add a rule to an expanded policy (abspath absolute and normalised),
 * keeping the rules sorted; an existing rule for the path gets the access
 * bits ORed in.  0 or -ENOMEM. */
int policy_add_rule(struct policy *p, const char *abspath, unsigned access, const char *origin,
		    const char *why);

/* Union of access bits granted to an absolute, normalised path: a rule grants
 * its bits to its own path and everything beneath it (component-wise:
 * "/usr/lib" covers "/usr/lib/x" but not "/usr/lib64"). */
unsigned policy_access_for(const struct policy *p, const char *abspath);

/* The rule that would grant `access` to abspath, or NULL. */
const struct policy_rule *policy_rule_for(const struct policy *p, const char *abspath, unsigned access);

/* Some rule lies strictly beneath abspath (absolute, normalised): "/usr" for
 * a rule on "/usr/lib", not "/usr/lib" itself nor "/us".  "/" is the
 * ancestor of every rule, so true for any non-empty policy.  Lexical. */
bool policy_is_rule_ancestor(const struct policy *p, const char *abspath);

bool policy_env_allowed(const struct policy *p, const char *name);
bool policy_directive_allowed(const struct policy *p, const char *key);

void policy_free(struct policy *p);
static inline void cleanup_policyp(struct policy **p)
{
	policy_free(*p);
}
#define cleanup_policy __attribute__((cleanup(cleanup_policyp)))

/* "rw-" / "r-x" style for messages, then 's' with POL_S and 'c' with POL_C
 * ("---s", "r--c") */
const char *policy_access_str(unsigned access, char buf[6]);

#endif
