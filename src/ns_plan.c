/* The mount plan (ns_plan.h): policy -> ordered list of mount operations,
 * and the plan -> the FUSE root's skeleton.  Pure: the host is seen only
 * through the probe callback; ns.c applies the plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ns_plan.h"
#include "util.h"

/* Where ns_build_root stages the new root (ns.c): every target is prefixed
 * with it, so a rule path must leave room for it. */
#define NEWROOT_LEN (sizeof "/tmp" - 1)

struct builder {
	struct ns_plan *pl;
	size_t cap;
};

static int push(struct builder *b, const struct ns_op *op)
{
	if (b->pl->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 32;
		struct ns_op *v = realloc(b->pl->ops, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		b->pl->ops = v;
		b->cap = cap;
	}
	struct ns_op *o = &b->pl->ops[b->pl->n];
	*o = *op;
	o->path = strdup(op->path);
	o->link = op->link ? strdup(op->link) : NULL;
	o->origin = op->origin ? strdup(op->origin) : NULL;
	o->data = NULL;
	if (op->data) {
		o->data = malloc(op->data_len + 1);
		if (o->data) {
			memcpy(o->data, op->data, op->data_len);
			o->data[op->data_len] = '\0';
		}
	}
	if (!o->path || (op->link && !o->link) || (op->origin && !o->origin) ||
	    (op->data && !o->data)) {
		free(o->path);
		free(o->link);
		free(o->origin);
		free(o->data);
		return -ENOMEM;
	}
	b->pl->n++;
	return 0;
}

/* The private /tmp and /dev/shm: sized (limits.tmp_mb), or a script could
 * fill half the host's RAM; tmpfs answers ENOSPC when full. */
static void tmpfs_opts(const struct policy *p, char *buf, size_t len)
{
	if (p->limits.tmp_mb > 0)
		snprintf(buf, len, "mode=1777,size=%ldm", p->limits.tmp_mb);
	else
		snprintf(buf, len, "mode=1777");
}

static int push_tmpfs(struct builder *b, const char *path, mode_t mode, unsigned long flags,
		      const char *opts)
{
	struct ns_op op = { .kind = NS_OP_TMPFS, .path = (char *)path, .mode = mode, .flags = flags };
	snprintf(op.opts, sizeof op.opts, "%s", opts);
	return push(b, &op);
}

static int push_proc(struct builder *b)
{
	struct ns_op op = { .kind = NS_OP_PROC, .path = "/proc", .mode = 0555,
			    .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC };
	return push(b, &op);
}

/* A minimal /dev: a small tmpfs, the harmless nodes plus the policy's own
 * (p->dev), the usual symlinks, a private /dev/shm, then read-only. */
static int plan_dev(struct builder *b, const struct policy *p, const char *shm_opts)
{
	static const char dev_opts[] = "mode=0755,size=64k";
	static const char *const base[] = { "null", "zero", "full", "random", "urandom" };
	static const char *const links[][2] = {
		{ "/dev/fd", "/proc/self/fd" },
		{ "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" },
	};
	int r = push_tmpfs(b, "/dev", 0755, MS_NOSUID | MS_NOEXEC, dev_opts);
	size_t n = sizeof base / sizeof base[0];
	for (size_t i = 0; r == 0 && i < n + p->ndev; i++) {
		const char *name = i < n ? base[i] : p->dev[i - n];
		/* a name, not a path: nothing outside /dev */
		if (!*name || strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "/dev/%s", name) >= (int)sizeof path)
			continue;
		struct ns_op op = { .kind = NS_OP_DEV, .path = path };
		r = push(b, &op);
	}
	for (size_t i = 0; r == 0 && i < sizeof links / sizeof links[0]; i++) {
		struct ns_op op = { .kind = NS_OP_SYMLINK, .path = (char *)links[i][0],
				    .link = (char *)links[i][1] };
		r = push(b, &op);
	}
	if (r == 0)
		r = push_tmpfs(b, "/dev/shm", 01777, MS_NOSUID | MS_NODEV, shm_opts);
	if (r == 0) {
		struct ns_op op = { .kind = NS_OP_REMOUNT, .path = "/dev",
				    .flags = MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_RDONLY };
		snprintf(op.opts, sizeof op.opts, "%s", dev_opts);
		r = push(b, &op);
	}
	return r;
}

bool ns_rule_bound(const char *path)
{
	static const char *const own[] = { "/tmp", "/dev", "/proc", "/" };
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(path, own[i]) == 0)
			return false;
	return strncmp(path, "/dev/", 5) != 0 && strncmp(path, "/proc/", 6) != 0;
}

static int plan_rule(struct builder *b, const struct policy *p, size_t i, bool audit,
		     ns_probe_fn probe, void *probe_arg)
{
	const struct policy_rule *rule = &p->rules[i];
	if (!ns_rule_bound(rule->path))
		return 0; /* the sandbox's own version of it */
	struct ns_host_node node = { 0 };
	probe(probe_arg, rule->path, &node);
	/* a path this machine lacks is not bound, as documented; a probe
	 * that failed otherwise leaves it to pid 1, which opens the source
	 * and reports why it cannot */
	if (!node.type && (node.errnum == ENOENT || node.errnum == ENOTDIR))
		return 0;
	if (strlen(rule->path) + NEWROOT_LEN >= PATH_MAX) {
		struct ns_op op = { .kind = NS_OP_SKIP, .path = rule->path, .errnum = ENAMETOOLONG,
				    .why = "the mount point's path is too long" };
		return push(b, &op);
	}
	struct ns_op op = {
		.kind = NS_OP_BIND,
		.path = rule->path,
		.link = node.type == S_IFLNK ? node.link : NULL,
		.mode = node.type,
		.access = audit ? (POL_R | POL_W | POL_X) : rule->access,
		.origin = rule->origin,
		.index = i,
		/* audit: the host tree shows it already, but not beneath
		 * the private /tmp */
		.covered = audit && !util_path_within(rule->path, "/tmp"),
	};
	return push(b, &op);
}

int ns_plan_build(const struct policy *p, bool audit, ns_probe_fn probe, void *probe_arg,
		  struct ns_plan **out, struct bsbox_err *err)
{
	*out = NULL;
	struct ns_plan *pl = calloc(1, sizeof *pl);
	if (!pl)
		return bsbox_err_set(err, ENOMEM, "planning the mount tree");
	pl->audit = audit;
	struct builder b = { .pl = pl };
	char opts[sizeof pl->ops->opts];
	tmpfs_opts(p, opts, sizeof opts);
	int r;
	if (audit) {
		/* the host tree, writable as the user's own permissions allow,
		 * with a private /tmp and a fresh /proc */
		struct ns_op root = { .kind = NS_OP_BIND_ROOT, .path = "/" };
		r = push(&b, &root);
		if (r == 0)
			r = push_tmpfs(&b, "/tmp", 01777, MS_NOSUID | MS_NODEV, opts);
		if (r == 0)
			r = push_proc(&b);
	} else {
		r = push_tmpfs(&b, "/tmp", 01777, MS_NOSUID | MS_NODEV, opts);
		if (r == 0)
			r = plan_dev(&b, p, opts);
		if (r == 0)
			r = push_proc(&b);
	}
	/* Rules are sorted, so a parent is bound before what lies beneath it. */
	for (size_t i = 0; r == 0 && i < p->nrules; i++)
		r = plan_rule(&b, p, i, audit, probe, probe_arg);
	/* credentials inside the bound trees (creds.h); audit shows them */
	for (size_t i = 0; r == 0 && !audit && i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		struct ns_op op = { .kind = NS_OP_SECRET, .path = s->path, .data = s->clean,
				    .data_len = s->clean ? s->clean_len : 0, .index = i };
		r = push(&b, &op);
	}
	if (r < 0) {
		ns_plan_free(pl);
		return bsbox_err_set(err, -r, "planning the mount tree");
	}
	*out = pl;
	return 0;
}

void ns_plan_free(struct ns_plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->ops[i].path);
		free(pl->ops[i].link);
		free(pl->ops[i].origin);
		free(pl->ops[i].data);
	}
	free(pl->ops);
	free(pl);
}

/* The node op needs on the root file system, if any: its type and mode. */
static mode_t node_mode(const struct ns_op *op)
{
	switch (op->kind) {
	case NS_OP_TMPFS:
	case NS_OP_PROC:
		return S_IFDIR | op->mode;
	case NS_OP_SYMLINK:
		return S_IFLNK | 0777;
	case NS_OP_BIND:
		if (op->link)
			return S_IFLNK | 0777;
		if (op->mode == S_IFDIR)
			return S_IFDIR | 0755;
		return op->mode ? S_IFREG | 0644 : 0; /* 0: pid 1 will tell */
	case NS_OP_DEV:
		return S_IFREG | 0644;
	case NS_OP_BIND_ROOT:
	case NS_OP_REMOUNT:
	case NS_OP_SECRET:
	case NS_OP_SKIP:
		return 0;
	}
	return 0;
}

/* A path beneath what an earlier op mounted or linked lives in that mount
 * (or cannot be made, under a symlink): not in the root file system. */
static bool inside_earlier(const struct ns_plan *pl, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		const struct ns_op *e = &pl->ops[j];
		bool covers = e->kind == NS_OP_BIND_ROOT || e->kind == NS_OP_TMPFS ||
			      e->kind == NS_OP_PROC || e->kind == NS_OP_SYMLINK ||
			      (e->kind == NS_OP_BIND && (e->link || e->mode == S_IFDIR));
		if (covers && strcmp(pl->ops[i].path, e->path) != 0 &&
		    util_path_within(pl->ops[i].path, e->path))
			return true;
	}
	return false;
}

void ns_plan_skeleton(const struct ns_plan *pl, ns_node_fn fn, void *arg)
{
	for (size_t i = 0; i < pl->n; i++) {
		const struct ns_op *op = &pl->ops[i];
		mode_t mode = node_mode(op);
		if (!mode || inside_earlier(pl, i))
			continue;
		fn(arg, op->path, mode, S_ISLNK(mode) ? op->link : NULL);
	}
}

const char *ns_op_name(enum ns_op_kind kind)
{
	switch (kind) {
	case NS_OP_BIND_ROOT:
		return "bind-root";
	case NS_OP_TMPFS:
		return "tmpfs";
	case NS_OP_PROC:
		return "proc";
	case NS_OP_DEV:
		return "dev";
	case NS_OP_SYMLINK:
		return "symlink";
	case NS_OP_REMOUNT:
		return "remount";
	case NS_OP_BIND:
		return "bind";
	case NS_OP_SECRET:
		return "secret";
	case NS_OP_SKIP:
		return "skip";
	}
	return "?";
}
