/* The supervisor's path decision (src/pathdecide.c) as a table, the way
 * libseccomp tests its filters: each row is a policy, a path, the access
 * wanted, the run's settings and the facts of the host, and the verdict,
 * errno and event expected.  A row also says which facts the decision may
 * ask for: the allowed path must cost no system call (notify.c), and a fact
 * asked for that the row does not expect fails the row.  Pure: linked with
 * cJSON alone (Makefile, PURE_UNITS).
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "err.h"
#include "pathdecide.h"
#include "policy.h"

#include "tap.h"

/* the policies of the table */
enum { POL_NONE, POL_PLAIN, POL_SECRETS };
static const char policy_json[] =
	"{\"read\": [\"/usr\", \"/etc\", \"/home/u/proj\"], \"exec\": [\"/usr/bin\"],"
	" \"write\": [\"/t/out\", \"/tmp\"], \"unix_sockets\": [\"/run/user/1000/bus\"]}";
/* with POL_SECRETS: a sanitised .git/config, a hidden .netrc (creds.h) */
static struct policy_secret secrets[] = {
	{ .path = "/home/u/proj/.git/config", .clean = "[core]\n", .clean_len = 7 },
	{ .path = "/home/u/proj/.netrc" },
};
enum { SEC_NONE, SEC_CLEAN, SEC_HIDDEN };

/* the query's and the run's switches */
#define Q_OPEN (1u << 0)
#define Q_COPY (1u << 1)
#define Q_CONNECT (1u << 2)
#define E_AUDIT (1u << 3)
#define E_NETNS (1u << 4)
#define E_ROOT (1u << 5) /* started by root: the sandbox runs as uid 1000 */

/* the host's facts (what the gatherer would find) */
#define F_FOREIGN (1u << 0)
#define F_ROOT_ONLY (1u << 1)
#define F_EXISTS (1u << 2)
#define F_MISSING (1u << 3)
#define F_UNIX_REAL (1u << 4)
#define F_HOLDS_HOME (1u << 5)

/* the facts a row may cost */
#define A_FOREIGN PD_F_FOREIGN
#define A_SECRET PD_F_SECRET
#define A_ROOT PD_F_ROOT_ONLY
#define A_LSTAT PD_F_LSTAT
#define A_REAL PD_F_UNIX_REAL
#define A_HOME PD_F_HOLDS_HOME

#define HOME "/home/u"
#define SUGGEST_FOREIGN "no policy entry: another process's memory and environment are never readable"
#define SUGGEST_ROOT "no policy entry allows it: only the host's root may read it"
#define DETAIL_HIDDEN "exists on the host but the policy hides it: the call got ENOENT (not a denial)"

struct row {
	const char *name;
	int pol;
	enum pd_access access;
	const char *path;
	unsigned sw;           /* Q_*, E_* */
	unsigned facts;        /* F_* */
	int secret;            /* SEC_*: the credential file the path names */
	const char *lex;       /* PD_CONNECT: as named (NULL: path) */
	int resolve_err;       /* PD_CONNECT without a mount namespace */
	enum pd_verdict want;
	int err;
	unsigned asks;         /* exactly the facts it asks for */
	const char *ev_path;   /* the event's path; NULL: the query's */
	const char *suggest;   /* NULL: not checked */
	const char *detail;    /* NULL: not checked; "": none */
};

/* The last columns (the event) are optional: a row leaves out what it does
 * not check, so the table stays readable. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct row rows[] = {
	/* ---- files: the policy's grants ---- */
	{ "read under a read rule", POL_PLAIN, PD_READ, "/usr/include/stdio.h", Q_OPEN | Q_COPY, 0, 0,
	  NULL, 0, PD_ALLOW, 0, 0 },
	{ "exec under an exec rule", POL_PLAIN, PD_EXEC, "/usr/bin/cc", 0, 0, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "write under a write rule", POL_PLAIN, PD_WRITE, "/t/out/build/a.o", Q_OPEN, 0, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },
	{ "write to a read-only tree", POL_PLAIN, PD_WRITE, "/usr/lib/x", Q_OPEN, F_EXISTS, 0, NULL, 0,
	  PD_DENY, EACCES, 0, NULL, "\"write\": [\"/usr/lib/x\"]", "flags 01" },
	{ "write to a read-only tree, audit", POL_PLAIN, PD_WRITE, "/usr/lib/x", Q_OPEN | E_AUDIT, 0, 0,
	  NULL, 0, PD_AUDIT, 0, 0, NULL, "\"write\": [\"/usr/lib/x\"]", "flags 01" },
	{ "exec of a readable file", POL_PLAIN, PD_EXEC, "/etc/rc.local", 0, F_EXISTS, 0, NULL, 0, PD_DENY,
	  EACCES, A_LSTAT, NULL, "\"exec\": [\"/etc/rc.local\"]", "" },
	{ "read outside the policy", POL_PLAIN, PD_READ, "/home/u/.ssh/id_rsa", Q_OPEN, F_EXISTS, 0, NULL,
	  0, PD_DENY, EACCES, A_LSTAT, NULL, "\"read\": [\"/home/u/.ssh/id_rsa\"]", "flags 0" },
	{ "read outside the policy, audit", POL_PLAIN, PD_READ, "/home/u/.ssh/id_rsa", Q_OPEN | E_AUDIT,
	  F_EXISTS, 0, NULL, 0, PD_AUDIT, 0, A_LSTAT },
	{ "read outside, in full mode too", POL_PLAIN, PD_READ, "/home/u/.ssh/id_rsa", Q_OPEN | E_NETNS,
	  F_EXISTS, 0, NULL, 0, PD_DENY, EACCES, A_LSTAT },
	{ "no policy: everything goes", POL_NONE, PD_WRITE, "/etc/passwd", Q_OPEN, F_EXISTS, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },
	{ "suggestion escapes quotes", POL_PLAIN, PD_READ, "/opt/a\"b\\c", 0, F_EXISTS, 0, NULL, 0,
	  PD_DENY, EACCES, A_LSTAT, NULL, "\"read\": [\"/opt/a\\\"b\\\\c\"]" },

	/* ---- files: what exists nowhere (PATH searches, optional files) ---- */
	{ "read of a missing file", POL_PLAIN, PD_READ, "/opt/none/x.pc", Q_OPEN, F_MISSING, 0, NULL, 0,
	  PD_ALLOW, 0, A_LSTAT },
	{ "exec of a missing file (PATH search)", POL_PLAIN, PD_EXEC, "/opt/bin/cc", 0, F_MISSING, 0, NULL,
	  0, PD_ALLOW, 0, A_LSTAT },
	{ "read where lstat fails otherwise", POL_PLAIN, PD_READ, "/opt/locked/x", Q_OPEN, 0, 0, NULL, 0,
	  PD_DENY, EACCES, A_LSTAT },
	{ "write of a missing file is not spared", POL_PLAIN, PD_WRITE, "/opt/new", Q_OPEN, F_MISSING, 0,
	  NULL, 0, PD_DENY, EACCES, 0 },

	/* ---- files: listing, the way down to a rule, mkdir -p ---- */
	{ "reading the way down to a rule", POL_PLAIN, PD_READ, "/home/u", 0, F_EXISTS, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },
	{ "listing the way down to a rule", POL_PLAIN, PD_LIST, "/home", Q_OPEN, F_EXISTS, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },
	{ "listing /", POL_PLAIN, PD_LIST, "/", Q_OPEN, F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "listing outside the policy", POL_PLAIN, PD_LIST, "/opt", Q_OPEN, F_EXISTS, 0, NULL, 0, PD_ALLOW,
	  0, 0 },
	{ "a prefix is not the way down", POL_PLAIN, PD_READ, "/home/u/pro", 0, F_EXISTS, 0, NULL, 0,
	  PD_DENY, EACCES, A_LSTAT },
	{ "mkdir -p of an existing ancestor", POL_PLAIN, PD_MKDIR, "/t", 0, F_EXISTS, 0, NULL, 0, PD_ALLOW,
	  0, A_LSTAT },
	{ "mkdir -p of an existing directory outside", POL_PLAIN, PD_MKDIR, "/opt", 0, F_EXISTS, 0, NULL,
	  0, PD_ALLOW, 0, A_LSTAT },
	{ "mkdir of a new directory outside", POL_PLAIN, PD_MKDIR, "/opt/new", 0, F_MISSING, 0, NULL, 0,
	  PD_DENY, EACCES, A_LSTAT, NULL, "\"write\": [\"/opt/new\"]" },
	{ "mkdir under a write rule", POL_PLAIN, PD_MKDIR, "/t/out/d", 0, F_MISSING, 0, NULL, 0, PD_ALLOW,
	  0, 0 },
	{ "writing the way down is still a write", POL_PLAIN, PD_WRITE, "/home/u", 0, F_EXISTS, 0, NULL, 0,
	  PD_DENY, EACCES, 0 },

	/* ---- files: the sandbox's own /proc and /dev ---- */
	{ "/dev/null", POL_PLAIN, PD_WRITE, "/dev/null", Q_OPEN, F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "/dev itself", POL_PLAIN, PD_LIST, "/dev", Q_OPEN, F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "/proc/self/status", POL_PLAIN, PD_READ, "/proc/self/status", Q_OPEN, F_EXISTS, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },
	{ "/dev/sda is no free node", POL_PLAIN, PD_READ, "/dev/sda", Q_OPEN, F_EXISTS, 0, NULL, 0, PD_DENY,
	  EACCES, A_LSTAT },

	/* ---- files: other processes' /proc entries (no pid namespace) ---- */
	{ "/proc/PID/environ of a foreign process", POL_PLAIN, PD_READ, "/proc/1234/environ", Q_OPEN,
	  F_FOREIGN, 0, NULL, 0, PD_DENY, EACCES, A_FOREIGN, NULL, SUGGEST_FOREIGN,
	  "a process outside the sandbox; flags 0" },
	{ "/proc/PID/task/TID/mem of a foreign process", POL_PLAIN, PD_READ, "/proc/1234/task/1240/mem",
	  0, F_FOREIGN, 0, NULL, 0, PD_DENY, EACCES, A_FOREIGN, NULL, SUGGEST_FOREIGN,
	  "a process outside the sandbox" },
	{ "/proc/PID/environ of a foreign process, no policy", POL_NONE, PD_READ, "/proc/1/environ", 0,
	  F_FOREIGN, 0, NULL, 0, PD_DENY, EACCES, A_FOREIGN },
	{ "/proc/PID/environ of our own", POL_PLAIN, PD_READ, "/proc/1234/environ", Q_OPEN, 0, 0, NULL, 0,
	  PD_ALLOW, 0, A_FOREIGN },
	{ "/proc/PID/environ in full mode (pid namespace)", POL_PLAIN, PD_READ, "/proc/1234/environ",
	  Q_OPEN | E_NETNS, F_FOREIGN, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "/proc/PID/status is not guarded", POL_PLAIN, PD_READ, "/proc/1234/status", Q_OPEN, F_FOREIGN,
	  0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "/proc/PID/mem written: not asked", POL_PLAIN, PD_WRITE, "/proc/1234/mem", Q_OPEN, F_FOREIGN, 0,
	  NULL, 0, PD_ALLOW, 0, 0 },

	/* ---- files: credential files (creds.h) ---- */
	{ "credentials: hidden file", POL_SECRETS, PD_READ, "/home/u/proj/.netrc", Q_OPEN | Q_COPY,
	  F_EXISTS, SEC_HIDDEN, NULL, 0, PD_DENY, EACCES, A_SECRET, NULL,
	  "\"credentials\": [\"/home/u/proj/.netrc\"]",
	  "credentials: hidden unless the policy grants them; flags 0" },
	{ "credentials: hidden file, audit", POL_SECRETS, PD_READ, "/home/u/proj/.netrc",
	  Q_OPEN | Q_COPY | E_AUDIT, F_EXISTS, SEC_HIDDEN, NULL, 0, PD_AUDIT, 0, A_SECRET },
	{ "credentials: a sanitised copy is served", POL_SECRETS, PD_READ, "/home/u/proj/.git/config",
	  Q_OPEN | Q_COPY, F_EXISTS, SEC_CLEAN, NULL, 0, PD_COPY, 0, A_SECRET },
	{ "credentials: through a link, no copy possible", POL_SECRETS, PD_READ, "/home/u/proj/cfg",
	  0, F_EXISTS, SEC_CLEAN, NULL, 0, PD_DENY, EACCES, A_SECRET, "/home/u/proj/.git/config",
	  "\"credentials\": [\"/home/u/proj/.git/config\"]",
	  "credentials: hidden unless the policy grants them" },
	{ "credentials: full mode, the tree holds the copy", POL_SECRETS, PD_READ,
	  "/home/u/proj/.git/config", Q_OPEN | Q_COPY | E_NETNS, F_EXISTS, SEC_CLEAN, NULL, 0, PD_ALLOW,
	  0, A_SECRET },
	{ "credentials: audit reads the file itself", POL_SECRETS, PD_READ, "/home/u/proj/.git/config",
	  Q_OPEN | Q_COPY | E_AUDIT, F_EXISTS, SEC_CLEAN, NULL, 0, PD_ALLOW, 0, A_SECRET },
	{ "credentials: an ordinary file", POL_SECRETS, PD_READ, "/home/u/proj/src/lib.rs", Q_OPEN,
	  F_EXISTS, SEC_NONE, NULL, 0, PD_ALLOW, 0, A_SECRET },
	{ "credentials: a write is not asked about", POL_SECRETS, PD_WRITE, "/t/out/x", Q_OPEN, 0,
	  SEC_HIDDEN, NULL, 0, PD_ALLOW, 0, 0 },
	{ "credentials: none in the policy, not asked", POL_PLAIN, PD_READ, "/home/u/proj/.netrc", Q_OPEN,
	  F_EXISTS, SEC_HIDDEN, NULL, 0, PD_ALLOW, 0, 0 },

	/* ---- files: root-only files (started by root) ---- */
	{ "root-only: granted /etc/shadow", POL_PLAIN, PD_READ, "/etc/shadow", Q_OPEN | E_ROOT,
	  F_EXISTS | F_ROOT_ONLY, 0, NULL, 0, PD_DENY, EACCES, A_ROOT, NULL, SUGGEST_ROOT,
	  "root-only: the sandbox's uid 1000 may not read it" },
	{ "root-only: granted and readable", POL_PLAIN, PD_READ, "/etc/hostname", Q_OPEN | E_ROOT, F_EXISTS,
	  0, NULL, 0, PD_ALLOW, 0, A_ROOT },
	{ "root-only: not started by root", POL_PLAIN, PD_READ, "/etc/shadow", Q_OPEN,
	  F_EXISTS | F_ROOT_ONLY, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "root-only: under a write rule", POL_PLAIN, PD_READ, "/t/out/x", Q_OPEN | E_ROOT,
	  F_EXISTS | F_ROOT_ONLY, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "root-only: not an open (a link's source)", POL_PLAIN, PD_READ, "/etc/shadow", E_ROOT,
	  F_EXISTS | F_ROOT_ONLY, 0, NULL, 0, PD_ALLOW, 0, 0 },

	/* ---- pathname unix sockets ---- */
	{ "unix: granted, connect made by the supervisor", POL_PLAIN, PD_CONNECT, "/run/user/1000/bus",
	  Q_CONNECT, F_EXISTS, 0, NULL, 0, PD_CONNECT_HERE, 0, 0, "/run/user/1000/bus" },
	{ "unix: granted, a datagram send goes on", POL_PLAIN, PD_CONNECT, "/run/user/1000/bus", 0,
	  F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "unix: granted, audit", POL_PLAIN, PD_CONNECT, "/run/user/1000/bus", Q_CONNECT | E_AUDIT,
	  F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "unix: granted, full mode", POL_PLAIN, PD_CONNECT, "/run/user/1000/bus", Q_CONNECT | E_NETNS,
	  F_EXISTS, 0, NULL, 0, PD_ALLOW, 0, 0 },
	{ "unix: granted by the rule's resolved form", POL_PLAIN, PD_CONNECT, "/run/real/bus", Q_CONNECT,
	  F_EXISTS | F_UNIX_REAL, 0, "/var/run/user/1000/bus", 0, PD_CONNECT_HERE, 0, A_REAL },
	{ "unix: not granted", POL_PLAIN, PD_CONNECT, "/run/docker.sock", Q_CONNECT, F_EXISTS, 0, NULL, 0,
	  PD_DENY, EACCES, A_REAL, NULL, "\"unix_sockets\": [\"/run/docker.sock\"]" },
	{ "unix: not granted, audit", POL_PLAIN, PD_CONNECT, "/run/docker.sock", Q_CONNECT | E_AUDIT,
	  F_EXISTS, 0, NULL, 0, PD_AUDIT, 0, A_REAL },
	{ "unix: read access is no grant", POL_PLAIN, PD_CONNECT, "/usr/share/x.sock", Q_CONNECT, F_EXISTS,
	  0, NULL, 0, PD_DENY, EACCES, A_REAL },
	{ "unix: the name service", POL_PLAIN, PD_CONNECT, "/run/nscd/socket", Q_CONNECT, F_EXISTS, 0,
	  NULL, 0, PD_FAIL, ENOENT, 0 },
	{ "unix: a link to systemd's userdb", POL_PLAIN, PD_CONNECT,
	  "/run/systemd/userdb/io.systemd.Multiplexer", Q_CONNECT, F_EXISTS, 0, "/tmp/u", 0, PD_FAIL,
	  ENOENT, 0 },
	{ "unix: nothing there", POL_PLAIN, PD_CONNECT, "/run/gone.sock", Q_CONNECT, 0, 0, NULL, ENOENT,
	  PD_FAIL, ENOENT, 0 },
	{ "unix: a symlink loop", POL_PLAIN, PD_CONNECT, "/run/loop.sock", Q_CONNECT, 0, 0, NULL, ELOOP,
	  PD_FAIL, ELOOP, 0 },
	{ "unix: unresolvable for another reason", POL_PLAIN, PD_CONNECT, "/root/x.sock", Q_CONNECT, 0, 0,
	  NULL, EACCES, PD_FAIL, ENOENT, 0 },
	{ "unix: full mode, not in the tree", POL_PLAIN, PD_CONNECT, "/run/docker.sock",
	  Q_CONNECT | E_NETNS, 0, 0, NULL, 0, PD_FAIL, ENOENT, A_LSTAT },
	{ "unix: full mode, in the tree", POL_PLAIN, PD_CONNECT, "/usr/share/x.sock", Q_CONNECT | E_NETNS,
	  F_EXISTS, 0, NULL, 0, PD_DENY, EACCES, A_LSTAT },
	{ "unix: full mode, the private /tmp", POL_PLAIN, PD_CONNECT, "/tmp/.X11-unix/X0",
	  Q_CONNECT | E_NETNS, 0, 0, NULL, 0, PD_DENY, EACCES, A_LSTAT, NULL,
	  "\"unix_sockets\": [\"/tmp/.X11-unix/X0\"]" },
	{ "unix: no policy", POL_NONE, PD_CONNECT, "/run/docker.sock", Q_CONNECT, F_EXISTS, 0, NULL, 0,
	  PD_ALLOW, 0, 0 },

	/* ---- stat-like probes that left the FUSE root ---- */
	{ "probe: hidden by the policy", POL_PLAIN, PD_PROBE, "/opt/sdk/lib/pkgconfig", 0, F_EXISTS, 0,
	  NULL, 0, PD_INFO, 0, A_HOME, NULL, "\"read\": [\"/opt/sdk/lib/pkgconfig\"]", DETAIL_HIDDEN },
	{ "probe: the home", POL_PLAIN, PD_PROBE, "/home/u/.local/lib", 0, F_EXISTS, 0, NULL, 0, PD_ALLOW,
	  0, 0 },
	{ "probe: a directory holding the home", POL_PLAIN, PD_PROBE, "/home", 0,
	  F_EXISTS | F_HOLDS_HOME, 0, NULL, 0, PD_ALLOW, 0, A_HOME },
	{ "probe: a sibling of the home", POL_PLAIN, PD_PROBE, "/home/uu", 0, F_EXISTS, 0, NULL, 0,
	  PD_INFO, 0, A_HOME },
};

static const char *verdict_name(enum pd_verdict v)
{
	static const char *const names[] = { "NEED",  "ALLOW", "FAIL", "DENY",
					     "AUDIT", "INFO",  "COPY", "CONNECT_HERE" };
	return (unsigned)v < sizeof names / sizeof *names ? names[v] : "?";
}

/* What the gatherer (notify.c) would find on this row's host. */
static void gather(const struct row *w, unsigned fact, struct pd_facts *f)
{
	f->known |= fact;
	switch ((enum pd_fact)fact) {
	case PD_F_FOREIGN:
		f->foreign = w->facts & F_FOREIGN;
		break;
	case PD_F_SECRET:
		f->secret = w->secret == SEC_CLEAN ? &secrets[0] : w->secret == SEC_HIDDEN ? &secrets[1] : NULL;
		break;
	case PD_F_ROOT_ONLY:
		f->root_only = w->facts & F_ROOT_ONLY;
		break;
	case PD_F_LSTAT:
		f->exists = w->facts & F_EXISTS;
		f->missing = w->facts & F_MISSING;
		break;
	case PD_F_UNIX_REAL:
		f->unix_real = w->facts & F_UNIX_REAL;
		break;
	case PD_F_HOLDS_HOME:
		f->holds_home = w->facts & F_HOLDS_HOME;
		break;
	}
}

static void run_row(const struct row *w, const struct policy *plain, const struct policy *withsec)
{
	struct pd_env env = {
		.policy = w->pol == POL_NONE ? NULL : w->pol == POL_PLAIN ? plain : withsec,
		.audit = w->sw & E_AUDIT,
		.have_netns = w->sw & E_NETNS,
		.root_id = w->sw & E_ROOT ? 1000 : 0,
		.home = HOME,
	};
	bool opens = w->sw & Q_OPEN;
	const char *detail = w->access == PD_CONNECT ? NULL : opens && w->access == PD_WRITE ? "flags 01"
							     : opens ? "flags 0"
								     : NULL;
	struct pd_query q = {
		.path = w->path,
		.access = w->access,
		.open = opens,
		.copy_ok = w->sw & Q_COPY,
		.connect = w->sw & Q_CONNECT,
		.lex = w->lex,
		.resolve_err = w->resolve_err,
		.detail = detail,
	};
	struct pd_facts f = { 0 };
	struct pd_result r;
	unsigned asked = 0;
	bool twice = false;
	enum pd_verdict v;
	for (int i = 0; (v = pathdecide(&env, &q, &f, &r)) == PD_NEED && i < 8; i++) {
		twice |= (asked & r.need) != 0;
		asked |= r.need;
		gather(w, r.need, &f);
	}
	bool ok = v == w->want && r.verdict == v && r.err == w->err && asked == w->asks && !twice;
	const char *want_path = w->ev_path ? w->ev_path : w->path;
	bool event = v == PD_DENY || v == PD_AUDIT || v == PD_INFO;
	if (event || w->ev_path)
		ok = ok && r.path && !strcmp(r.path, want_path);
	if (event && w->suggest)
		ok = ok && r.suggest && !strcmp(r.suggest, w->suggest);
	if (event && w->detail)
		ok = ok && (w->detail[0] ? r.detail && !strcmp(r.detail, w->detail) : !r.detail);
	if (event)
		ok = ok && r.access && r.suggest;
	if (v == PD_COPY)
		ok = ok && r.secret == &secrets[0];
	check(ok, "%s", w->name);
	if (!ok)
		printf("#   got %s err %d asked 0x%x%s path \"%s\" suggest \"%s\" detail \"%s\"\n"
		       "#   want %s err %d asks 0x%x\n",
		       verdict_name(v), r.err, asked, twice ? " (a fact twice)" : "",
		       r.path ? r.path : "(null)", r.suggest ? r.suggest : "(null)",
		       r.detail ? r.detail : "(null)", verdict_name(w->want), w->err, w->asks);
}

static void test_proc_pid(void)
{
	check(pathdecide_proc_pid("/proc/42/environ") == 42, "proc_pid: /proc/42/environ");
	check(pathdecide_proc_pid("/proc/42/fd/3") == 42, "proc_pid: /proc/42/fd/3");
	check(pathdecide_proc_pid("/proc/42/task/43/mem") == 42, "proc_pid: a thread's mem");
	check(pathdecide_proc_pid("/proc/42/status") == 0, "proc_pid: status is not guarded");
	check(pathdecide_proc_pid("/proc/42/environment") == 0, "proc_pid: whole names only");
	check(pathdecide_proc_pid("/proc/self/environ") == 0, "proc_pid: self is ours");
	check(pathdecide_proc_pid("/proc/0/environ") == 0, "proc_pid: no pid 0");
	check(pathdecide_proc_pid("/proc/42/task/x/mem") == 0, "proc_pid: a malformed task");
	check(pathdecide_proc_pid("/proc/99999999999/environ") == 0, "proc_pid: out of range");
	check(pathdecide_proc_pid("/procx/42/environ") == 0, "proc_pid: not /proc");
}

/* the sandbox's own paths: its /proc and /dev, not the host's look-alikes */
static void test_path_free(void)
{
	static const struct { const char *p; bool own; } own[] = {
		{ "/proc", true },	   { "/proc/1/environ", true }, { "/dev", true },
		{ "/dev/null", true },   { "/dev/shm/x", true },	    { "/dev/pts/0", true },
		{ "/dev/mem", false },   { "/dev/nullx", false },	    { "/procx", false },
		{ "/etc/shadow", false }, { "/proc2/x", false },
	};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		check(pathdecide_path_free(own[i].p) == own[i].own, "path_free: %s %sthe sandbox's own",
		      own[i].p, own[i].own ? "" : "not ");
}

int main(void)
{
	struct bsbox_err err = { 0 };
	cleanup_policy struct policy *plain = NULL;
	if (policy_parse(policy_json, sizeof policy_json - 1, "t.json", NULL, &plain, &err) < 0 ||
	    policy_expand(plain, NULL, NULL, &err) < 0) {
		check(0, "the table's policy: %s", err.msg);
		return tap_done();
	}
	/* the same rules with two credential files (owned by the table) */
	struct policy withsec = *plain;
	withsec.secrets = secrets;
	withsec.nsecrets = sizeof secrets / sizeof *secrets;

	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		run_row(&rows[i], plain, &withsec);
	test_proc_pid();
	test_path_free();
	return tap_done();
}
