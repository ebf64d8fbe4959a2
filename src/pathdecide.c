/* The supervisor's decision on a path, pure (pathdecide.h): the policy,
 * the path, the access and the facts gathered by the caller in, the verdict
 * and the event out.  The order of the checks is the policy's semantics:
 *
 *   files    a foreign /proc entry, the sandbox's own /proc and /dev, a
 *            credential file, the policy's grant (a root-only file excepted),
 *            the way down to a rule, a listing, a missing file, mkdir -p of
 *            what exists; else denied (EACCES; audit: logged, let through)
 *   sockets  the name services (ENOENT), a "unix_sockets" grant, nothing
 *            there (ENOENT); else denied
 *   probes   the home (quiet); else "hidden" (information) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathdecide.h"
#include "util.h"

/* ---- paths that are never judged, names, escaping ------------------------- */

/* Always let through, never logged: the kernel's view of them is the
 * sandbox's own (/proc of its pid namespace, its /dev nodes). */
bool pathdecide_path_free(const char *p)
{
	static const char *const trees[] = { "/proc", "/dev/fd", "/dev/shm", "/dev/pts" };
	static const char *const nodes[] = { "/dev/null",   "/dev/zero",   "/dev/full",
					     "/dev/random", "/dev/urandom", "/dev/tty",
					     "/dev/stdin",  "/dev/stdout", "/dev/stderr",
					     "/dev/ptmx" };
	if (strcmp(p, "/dev") == 0)
		return true; /* the sandbox's own minimal /dev, or Landlock's read-only grant */
	if (strncmp(p, "/proc", 5) && strncmp(p, "/dev/", 5))
		return false;
	for (size_t i = 0; i < sizeof trees / sizeof *trees; i++)
		if (util_path_within(p, trees[i]))
			return true;
	for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++)
		if (!strcmp(p, nodes[i]))
			return true;
	return false;
}

static const char *access_name(unsigned want)
{
	return want & POL_W ? "write" : want & POL_X ? "exec" : "read";
}

/* JSON string body escaping for the suggestion (quotes and backslashes;
 * control characters in paths are rare enough to drop) */
static void json_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (; *s && o + 3 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			out[o++] = '\\';
		else if (ch < 0x20)
			continue;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
}


/* The name services glibc asks before /etc/passwd: nscd, and systemd's
 * userdb (nss-systemd is in Debian's default nsswitch.conf).  `id`, `ls -l`
 * and tar look users up through them; the sandbox answers "not there", as
 * the full mode's tree (no /run) does, and the lookup falls back to
 * /etc/passwd.  Nothing is logged: it is not a script's doing. */
static bool unix_quiet(const char *p)
{
	return !strcmp(p, "/run/nscd/socket") || !strcmp(p, "/var/run/nscd/socket") ||
	       util_path_within(p, "/run/systemd/userdb") || util_path_within(p, "/var/run/systemd/userdb");
}


/* "/proc/PID/X" where X is one of the entries the kernel guards with a
 * ptrace check (Landlock refuses them across its domain, in silence).  Only
 * meaningful without a pid namespace: with one, other processes are not in
 * /proc at all. */
pid_t pathdecide_proc_pid(const char *path)
{
	static const char *const guarded[] = { "environ", "mem",   "maps",     "smaps", "auxv",
					       "syscall", "stack", "pagemap",  "io",    "personality",
					       "cwd",     "root",  "exe",      "fd",    "fdinfo",
					       "map_files", "smaps_rollup", "timers" };
	if (strncmp(path, "/proc/", 6) != 0)
		return 0;
	const char *s = path + 6;
	char *end;
	long pid = strtol(s, &end, 10);
	if (end == s || *end != '/' || pid <= 0 || pid > INT_MAX)
		return 0;
	s = end + 1;
	if (!strncmp(s, "task/", 5)) { /* /proc/PID/task/TID/X */
		s += 5;
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s++ != '/')
			return 0;
	}
	size_t len = strcspn(s, "/");
	bool hit = false;
	for (size_t i = 0; i < sizeof guarded / sizeof *guarded; i++)
		hit |= strlen(guarded[i]) == len && !strncmp(s, guarded[i], len);
	return hit ? (pid_t)pid : 0;
}

/* ---- verdicts ------------------------------------------------------------- */

static enum pd_verdict verdict(struct pd_result *r, enum pd_verdict v, int err)
{
	r->verdict = v;
	r->err = err;
	return v;
}

static enum pd_verdict need(struct pd_result *r, enum pd_fact fact)
{
	r->need = (unsigned)fact;
	return verdict(r, PD_NEED, 0);
}

enum why {
	WHY_POLICY,    /* no rule grants it */
	WHY_SECRET,    /* a credential file, hidden */
	WHY_FOREIGN,   /* another process's /proc entry */
	WHY_ROOT_ONLY, /* granted, but only the host's root may read it */
};

/* A denial (audit: a logged one that goes through) and its event. */
static enum pd_verdict deny(const struct pd_env *env, const struct pd_query *q, struct pd_result *r,
			    unsigned want, enum why why, const struct policy_secret *secret)
{
	char esc[PATH_MAX + 64];
	const char *d = q->detail && q->detail[0] ? q->detail : NULL;
	r->path = secret ? secret->path : q->path;
	r->access = access_name(want);
	r->detail = r->detail_buf;
	switch (why) {
	case WHY_ROOT_ONLY:
		/* granting it changes nothing: only the host's root may read it */
		snprintf(r->detail_buf, sizeof r->detail_buf,
			 "root-only: the sandbox's uid %u may not read it", (unsigned)env->root_id);
		r->suggest = "no policy entry allows it: only the host's root may read it";
		break;
	case WHY_FOREIGN:
		snprintf(r->detail_buf, sizeof r->detail_buf, "a process outside the sandbox%s%s",
			 d ? "; " : "", d ? d : "");
		r->suggest = "no policy entry: another process's memory and environment are never "
			     "readable";
		break;
	case WHY_SECRET:
	case WHY_POLICY:
		if (why == WHY_SECRET)
			snprintf(r->detail_buf, sizeof r->detail_buf,
				 "credentials: hidden unless the policy grants them%s%s", d ? "; " : "",
				 d ? d : "");
		else
			r->detail = d;
		json_escape(r->path, esc, sizeof esc);
		snprintf(r->suggest_buf, sizeof r->suggest_buf, "\"%s\": [\"%s\"]",
			 why == WHY_SECRET ? "credentials" : r->access, esc);
		r->suggest = r->suggest_buf;
		break;
	}
	return env->audit ? verdict(r, PD_AUDIT, 0) : verdict(r, PD_DENY, EACCES);
}

/* ---- files ---------------------------------------------------------------- */

static enum pd_verdict decide_file(const struct pd_env *env, const struct pd_query *q,
				   const struct pd_facts *f, struct pd_result *r)
{
	unsigned want = q->access == PD_EXEC			      ? POL_X
			: q->access == PD_WRITE || q->access == PD_MKDIR ? POL_W
									 : POL_R;
	bool reading = want == POL_R;
	if (reading && !env->have_netns && pathdecide_proc_pid(q->path)) {
		if (!(f->known & PD_F_FOREIGN))
			return need(r, PD_F_FOREIGN);
		if (f->foreign)
			return deny(env, q, r, want, WHY_FOREIGN, NULL);
	}
	if (pathdecide_path_free(q->path) || !env->policy)
		return verdict(r, PD_ALLOW, 0);
	/* a credential file inside a readable tree (creds.h) */
	if (reading && env->policy->nsecrets) {
		if (!(f->known & PD_F_SECRET))
			return need(r, PD_F_SECRET);
		const struct policy_secret *s = f->secret;
		if (s && !s->clean)
			return deny(env, q, r, want, WHY_SECRET, s); /* hidden: every read is logged */
		/* full mode: the tree holds the copy; audit: the file itself */
		if (s && !env->have_netns && !env->audit) {
			if (q->copy_ok) {
				r->secret = s;
				r->path = s->path;
				return verdict(r, PD_COPY, 0);
			}
			return deny(env, q, r, want, WHY_SECRET, s); /* a link to it, say */
		}
	}
	unsigned have = policy_access_for(env->policy, q->path);
	if ((have & want) == want) {
		/* Started by root, the sandbox runs as root_id: a granted file that
		 * id may not read the kernel would refuse without a word.  Under a
		 * writable rule the files are the sandbox's own. */
		if (q->open && reading && env->root_id && !(have & POL_W)) {
			if (!(f->known & PD_F_ROOT_ONLY))
				return need(r, PD_F_ROOT_ONLY);
			if (f->root_only)
				return deny(env, q, r, want, WHY_ROOT_ONLY, NULL);
		}
		return verdict(r, PD_ALLOW, 0);
	}
	/* Listing a directory on the way to an allowed path ("/", "/home"): in
	 * our mount tree it holds only the mount points, and on the host tree
	 * Landlock refuses it; neither is worth a violation. */
	if (reading && policy_is_rule_ancestor(env->policy, q->path))
		return verdict(r, PD_ALLOW, 0);
	/* Listing a directory outside the policy reveals names at most, and the
	 * kernel layers refuse or hide it anyway; compilers scan /opt and
	 * friends for toolchains.  Contents stay logged. */
	if (q->access == PD_LIST)
		return verdict(r, PD_ALLOW, 0);
	/* Reading or executing something that does not exist on the host
	 * either: the kernel answers ENOENT and nothing is revealed.  Answering
	 * EACCES would turn every PATH search (execvp tries each directory) and
	 * every optional-file probe into a "denial" and change ENOENT into an
	 * error programs treat as fatal.  Only denied paths pay for the lstat.
	 * And `mkdir -p` walks down from / creating what exists: EEXIST from
	 * the kernel, nothing written. */
	if (want != POL_W || q->access == PD_MKDIR) {
		if (!(f->known & PD_F_LSTAT))
			return need(r, PD_F_LSTAT);
		if (want != POL_W ? f->missing : f->exists)
			return verdict(r, PD_ALLOW, 0);
	}
	return deny(env, q, r, want, WHY_POLICY, NULL);
}

/* ---- pathname unix sockets ------------------------------------------------- */

/* Abstract and unnamed addresses never get here (notify_net.c): they belong
 * to the network namespace or Landlock's scoping. */
static enum pd_verdict decide_unix(const struct pd_env *env, const struct pd_query *q,
				   const struct pd_facts *f, struct pd_result *r)
{
	const char *lex = q->lex ? q->lex : q->path;
	if (!env->policy)
		return verdict(r, PD_ALLOW, 0);
	if (unix_quiet(lex))
		return verdict(r, PD_FAIL, ENOENT);
	if (!env->have_netns) {
		/* our view is the target's: path is the socket the kernel would reach */
		if (q->resolve_err)
			return verdict(r, PD_FAIL,
				       q->resolve_err == ENAMETOOLONG || q->resolve_err == ELOOP
					       ? q->resolve_err
					       : ENOENT);
		if (unix_quiet(q->path))
			return verdict(r, PD_FAIL, ENOENT);
	}
	bool granted = false;
	const struct policy *p = env->policy;
	for (size_t i = 0; i < p->nrules && !granted; i++)
		granted = (p->rules[i].access & POL_S) &&
			  (!strcmp(p->rules[i].path, "/") || util_path_within(q->path, p->rules[i].path));
	/* without a mount namespace a rule counts by its own resolved form too
	 * ("/var/run/x.sock" names "/run/x.sock" on Debian) */
	if (!granted && !env->have_netns) {
		if (!(f->known & PD_F_UNIX_REAL))
			return need(r, PD_F_UNIX_REAL);
		granted = f->unix_real;
	}
	r->path = q->path;
	if (granted) {
		/* without a mount namespace a CONTINUE would let a racing thread
		 * swap the address for any socket of the user's: connect() is done
		 * by the supervisor, on the target's socket, to the socket checked */
		if (!env->have_netns && q->connect && !env->audit)
			return verdict(r, PD_CONNECT_HERE, 0);
		return verdict(r, PD_ALLOW, 0);
	}
	if (env->have_netns) {
		/* The tree holds what the policy binds from the host (at the same
		 * paths) plus the private /tmp and /dev/shm, which we cannot look
		 * into without going through our own FUSE root. */
		if (!(f->known & PD_F_LSTAT))
			return need(r, PD_F_LSTAT);
		if (!f->exists && !util_path_within(lex, "/tmp") && !util_path_within(lex, "/dev/shm"))
			return verdict(r, PD_FAIL, ENOENT);
	}
	char esc[PATH_MAX + 64];
	json_escape(q->path, esc, sizeof esc);
	snprintf(r->suggest_buf, sizeof r->suggest_buf, "\"unix_sockets\": [\"%s\"]", esc);
	r->suggest = r->suggest_buf;
	r->access = "connect";
	r->detail = q->detail;
	return env->audit ? verdict(r, PD_AUDIT, 0) : verdict(r, PD_DENY, EACCES);
}

/* ---- probes that left the FUSE root ----------------------------------------- */

/* A stat/access-type probe of a path that exists on the host but lies
 * outside the mount tree (issue 12): not a violation (mkdir -p, PATH searches
 * and feature probes do this all the time), so information.  The home is
 * hidden by design and probed all the time (python's ~/.local, tools'
 * ~/.config): not news; the paths a build points at from there are granted
 * up front (envpaths.h). */
static enum pd_verdict decide_probe(const struct pd_env *env, const struct pd_query *q,
				    const struct pd_facts *f, struct pd_result *r)
{
	if (env->home && *env->home && util_path_within(q->path, env->home))
		return verdict(r, PD_ALLOW, 0);
	if (!(f->known & PD_F_HOLDS_HOME))
		return need(r, PD_F_HOLDS_HOME);
	if (f->holds_home)
		return verdict(r, PD_ALLOW, 0);
	char esc[PATH_MAX + 64];
	json_escape(q->path, esc, sizeof esc);
	snprintf(r->suggest_buf, sizeof r->suggest_buf, "\"read\": [\"%s\"]", esc);
	r->suggest = r->suggest_buf;
	r->path = q->path;
	r->access = "read";
	r->detail = "exists on the host but the policy hides it: the call got ENOENT (not a denial)";
	return verdict(r, PD_INFO, 0);
}

enum pd_verdict pathdecide(const struct pd_env *env, const struct pd_query *q,
			   const struct pd_facts *f, struct pd_result *r)
{
	r->need = 0;
	r->secret = NULL;
	r->path = r->access = r->detail = r->suggest = NULL;
	switch (q->access) {
	case PD_CONNECT:
		return decide_unix(env, q, f, r);
	case PD_PROBE:
		return decide_probe(env, q, f, r);
	case PD_READ:
	case PD_LIST:
	case PD_WRITE:
	case PD_MKDIR:
	case PD_EXEC:
		break;
	}
	return decide_file(env, q, f, r);
}
