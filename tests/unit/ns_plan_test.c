/* Unit tests for src/ns_plan.c (pure: a policy and a table standing in for
 * the host's file system in, the list of mount operations and the FUSE
 * skeleton out). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ns_plan.h"
#include "tap.h"

/* The fake host: path -> type (and link), or errno. */
static const struct {
	const char *path;
	mode_t type;
	int errnum;
	const char *link;
} host[] = {
	{ "/usr", S_IFDIR, 0, NULL },
	{ "/usr/local", S_IFDIR, 0, NULL },
	{ "/lib", S_IFLNK, 0, "usr/lib" },
	{ "/etc/hosts", S_IFREG, 0, NULL },
	{ "/tmp/proj", S_IFDIR, 0, NULL },
	{ "/root/secret", 0, EACCES, NULL },
};

static char long_path[PATH_MAX], long_gone[PATH_MAX];

static void probe(void *arg, const char *path, struct ns_host_node *out)
{
	int *calls = arg;
	(*calls)++;
	*out = (struct ns_host_node){ .errnum = ENOENT };
	if (path == long_path)
		out->type = S_IFDIR;
	for (size_t i = 0; i < sizeof host / sizeof host[0]; i++) {
		if (strcmp(path, host[i].path) != 0)
			continue;
		out->type = host[i].type;
		out->errnum = host[i].errnum;
		if (host[i].link)
			snprintf(out->link, sizeof out->link, "%s", host[i].link);
	}
}

/* "kind path" of every op (LONG for long_path), "; "-separated */
static void ops_str(const struct ns_plan *pl, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < pl->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s", i ? "; " : "",
					ns_op_name(pl->ops[i].kind),
					strlen(pl->ops[i].path) > 100
						? "LONG"
						: pl->ops[i].path);
}

static const struct ns_op *find(const struct ns_plan *pl, enum ns_op_kind kind, const char *path)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->ops[i].kind == kind && strcmp(pl->ops[i].path, path) == 0)
			return &pl->ops[i];
	return NULL;
}

static void node(void *arg, const char *path, mode_t mode, const char *link)
{
	char *buf = arg;
	size_t off = strlen(buf);
	snprintf(buf + off, 1024 - off, "%s%s %o%s%s", off ? "; " : "", path, (unsigned)mode,
		 link ? " -> " : "", link ? link : "");
}

static struct policy_rule rules[] = {
	{ .path = "/", .access = POL_R },
	{ .path = "/dev/tty", .access = POL_R | POL_W },
	{ .path = "/etc/hosts", .access = POL_R, .origin = "p.json:3" },
	{ .path = "/home/gone", .access = POL_R },
	{ .path = "/lib", .access = POL_R | POL_X },
	{ .path = "/proc/self", .access = POL_R },
	{ .path = "/root/secret", .access = POL_R },
	{ .path = "/tmp", .access = POL_R | POL_W },
	{ .path = "/tmp/proj", .access = POL_R | POL_W },
	{ .path = "/usr", .access = POL_R | POL_X },
	{ .path = "/usr/local", .access = POL_R | POL_W },
	{ .path = long_path, .access = POL_R },
	{ .path = long_gone, .access = POL_R },
};

static char *devs[] = { "tty", "../etc", "a/b", "" };

static struct policy_secret secrets[] = {
	{ .path = "/usr/.netrc" },
	{ .path = "/usr/.gitconfig", .clean = "[user]\n", .clean_len = 7 },
};

static struct policy make_policy(void)
{
	/* "/x/x/.../x" one byte short of PATH_MAX: too long once under /tmp */
	for (size_t i = 0; i + 1 < sizeof long_path; i += 2)
		memcpy(long_path + i, "/x", 2);
	long_path[sizeof long_path - 1] = '\0';
	memcpy(long_gone, long_path, sizeof long_gone);
	long_gone[1] = 'y'; /* not on the host */
	return (struct policy){
		.rules = rules,
		.nrules = sizeof rules / sizeof rules[0],
		.dev = devs,
		.ndev = sizeof devs / sizeof devs[0],
		.limits = { .tmp_mb = 64 },
		.secrets = secrets,
		.nsecrets = sizeof secrets / sizeof secrets[0],
	};
}

/* The plan for p against the fake host; its ops as a string into got;
 * *calls: how often the host was asked.  NULL if it did not build. */
static struct ns_plan *build(const struct policy *p, bool audit, int *calls, char *got, size_t len)
{
	struct ns_plan *pl = NULL;
	struct bsbox_err err = { 0 };
	*calls = 0;
	int r = ns_plan_build(p, audit, probe, calls, &pl, &err);
	check(r == 0 && pl, "%s: the plan builds", audit ? "audit" : "enforce");
	if (pl)
		ops_str(pl, got, len);
	return pl;
}

static void test_enforce(void)
{
	struct policy p = make_policy();
	int calls;
	char got[4096];
	struct ns_plan *pl = build(&p, false, &calls, got, sizeof got);
	if (!pl)
		return;
	check_str("enforce: the sandbox's own places first (/dev's bad names left out), then the "
		  "rules in order (absent and provided ones left out, even too long; a too long one "
		  "that exists a skip), then "
		  "the credentials",
		  got,
		  "tmpfs /tmp; tmpfs /dev; dev /dev/null; dev /dev/zero; dev /dev/full; dev /dev/random; "
		  "dev /dev/urandom; dev /dev/tty; symlink /dev/fd; symlink /dev/stdin; "
		  "symlink /dev/stdout; symlink /dev/stderr; tmpfs /dev/shm; remount /dev; proc /proc; "
		  "bind /etc/hosts; bind /lib; bind /root/secret; bind /tmp/proj; bind /usr; "
		  "bind /usr/local; skip LONG; secret /usr/.netrc; secret /usr/.gitconfig");
	check(calls == 9, "the host is asked once per rule it could bind (%d)", calls);
	check(!pl->audit, "not an audit plan");

	const struct ns_op *o = find(pl, NS_OP_TMPFS, "/tmp");
	check(o && o->mode == 01777 && o->flags == (MS_NOSUID | MS_NODEV) &&
		      strcmp(o->opts, "mode=1777,size=64m") == 0,
	      "the private /tmp: 1777, nosuid nodev, sized by limits.tmp_mb");
	o = find(pl, NS_OP_TMPFS, "/dev/shm");
	check(o && strcmp(o->opts, "mode=1777,size=64m") == 0, "/dev/shm sized the same");
	o = find(pl, NS_OP_REMOUNT, "/dev");
	check(o && (o->flags & MS_RDONLY) && (o->flags & MS_REMOUNT) &&
		      strcmp(o->opts, "mode=0755,size=64k") == 0,
	      "/dev remounted read-only, keeping its size");
	o = find(pl, NS_OP_SYMLINK, "/dev/fd");
	check(o && o->link && strcmp(o->link, "/proc/self/fd") == 0, "/dev/fd -> /proc/self/fd");

	o = find(pl, NS_OP_BIND, "/lib");
	check(o && o->link && strcmp(o->link, "usr/lib") == 0 && o->mode == S_IFLNK &&
		      o->index == 4,
	      "a host symlink is planned as one (its target), with its rule's index");
	o = find(pl, NS_OP_BIND, "/etc/hosts");
	check(o && !o->link && o->mode == S_IFREG && o->access == POL_R && !o->covered &&
		      o->origin && strcmp(o->origin, "p.json:3") == 0,
	      "a file: read-only, its origin kept for messages");
	o = find(pl, NS_OP_BIND, "/usr/local");
	check(o && o->access == (POL_R | POL_W) && o->index == 10, "/usr/local: its own access");
	o = find(pl, NS_OP_BIND, "/root/secret");
	check(o && o->mode == 0,
	      "a path the probe could not see (EACCES) is left to pid 1, which reports it");
	check(pl->n >= 2 && pl->ops[pl->n - 3].kind == NS_OP_SKIP &&
		      pl->ops[pl->n - 3].errnum == ENAMETOOLONG && pl->ops[pl->n - 3].why,
	      "a rule too long for the staged root is a skip op with ENAMETOOLONG and a reason");
	o = find(pl, NS_OP_SECRET, "/usr/.netrc");
	check(o && !o->data, "a hidden credential file has no copy");
	o = find(pl, NS_OP_SECRET, "/usr/.gitconfig");
	check(o && o->data && o->data_len == 7 && memcmp(o->data, "[user]\n", 7) == 0,
	      "a sanitised one carries its copy");

	char nodes[1024] = "";
	ns_plan_skeleton(pl, node, nodes);
	check_str("the skeleton: the mount points on the root itself, nothing inside /tmp, /dev, "
		  "or a bound directory, nothing of unknown type",
		  nodes,
		  "/tmp 41777; /dev 40755; /proc 40555; /etc/hosts 100644; /lib 120777 -> usr/lib; "
		  "/usr 40755");
	ns_plan_free(pl);
}

static void test_audit(void)
{
	struct policy p = make_policy();
	p.limits.tmp_mb = 0;
	int calls;
	char got[4096];
	struct ns_plan *pl = build(&p, true, &calls, got, sizeof got);
	if (!pl)
		return;
	check_str("audit: the host tree, a private /tmp, a fresh /proc, then the rules; no /dev of "
		  "its own, credentials not hidden",
		  got,
		  "bind-root /; tmpfs /tmp; proc /proc; bind /etc/hosts; bind /lib; "
		  "bind /root/secret; bind /tmp/proj; bind /usr; bind /usr/local; skip LONG");
	check(pl->audit, "an audit plan");
	const struct ns_op *o = find(pl, NS_OP_TMPFS, "/tmp");
	check(o && strcmp(o->opts, "mode=1777") == 0, "an unsized /tmp without limits.tmp_mb");
	o = find(pl, NS_OP_BIND, "/tmp/proj");
	check(o && !o->covered && o->access == (POL_R | POL_W | POL_X),
	      "a rule beneath the private /tmp is bound on top, read-write");
	o = find(pl, NS_OP_BIND, "/etc/hosts");
	check(o && o->covered && o->access == (POL_R | POL_W | POL_X),
	      "the others are covered by the host tree (bound only for an idmapped mount)");
	char nodes[1024] = "";
	ns_plan_skeleton(pl, node, nodes);
	check_str("audit: no skeleton (no FUSE root; everything lies in the host tree)", nodes, "");
	ns_plan_free(pl);
}

static void test_bound(void)
{
	check(!ns_rule_bound("/") && !ns_rule_bound("/tmp") && !ns_rule_bound("/dev") &&
		      !ns_rule_bound("/proc") && !ns_rule_bound("/dev/tty") &&
		      !ns_rule_bound("/proc/self/fd"),
	      "the places the sandbox provides are never bound from the host");
	check(ns_rule_bound("/tmp/x") && ns_rule_bound("/usr") && ns_rule_bound("/devices") &&
		      ns_rule_bound("/procfs"),
	      "everything else is, /tmp/x into the private /tmp (whole components compared)");
}

int main(void)
{
	test_enforce();
	test_audit();
	test_bound();
	return tap_done();
}
