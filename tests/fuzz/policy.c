/* Fuzz target: the policy parser (src/policy.c) and the positions it reports
 * (src/jsonpos.c).  A crate's policy is text written by hand or by
 * `bsbox learn` from what a build script did, so every byte is input.
 *
 * Each input is parsed as a policy file whose `extends` resolve in the
 * tree's policies/ (so the real presets are read and merged).  A policy that
 * parses is expanded with typical cargo variables, queried and planned as a
 * mount tree (ns_plan.h, against a made-up host); one that does
 * not must come back with a "fuzz.json:LINE:COL: ..." message whose position
 * is inside the text.  jsonpos is also asked directly about the paths the
 * parser asks for, on whatever the text is. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "jsonpos.h"
#include "ns_plan.h"
#include "policy.h"

#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

static const char *lookup(const char *name, void *ud)
{
	static const char *const vars[][2] = {
		{ "HOME", "/home/u" },
		{ "CARGO_MANIFEST_DIR", "/home/u/src/foo" },
		{ "CARGO_HOME", "/home/u/.cargo" },
		{ "RUSTUP_HOME", "/home/u/.rustup" },
		{ "OUT_DIR", "/home/u/src/foo/target/debug/build/foo-0123456789abcdef/out" },
		{ "CARGO_TARGET_DIR", "/home/u/src/foo/target" },
		{ "TMPDIR", "/tmp" },
		{ "EMPTY", "" },
		{ "REL", "relative/dir" },
		{ "DOTS", "/../../.." },
		{ "SLASHES", "//a//b/./c/" },
	};
	(void)ud;
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		if (!strcmp(vars[i][0], name))
			return vars[i][1];
	return NULL;
}

/* A normalised absolute path: "/" or "/a/b", no "//", ".", ".." or trailing '/'. */
static int normalised(const char *p)
{
	if (p[0] != '/')
		return 0;
	if (!strcmp(p, "/"))
		return 1;
	if (p[strlen(p) - 1] == '/' || strstr(p, "//"))
		return 0;
	for (const char *c = p; (c = strchr(c, '/')); c++) {
		size_t n = strcspn(c + 1, "/");
		if ((n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
	}
	return 1;
}

static void check_error(const char *text, size_t size, const struct bsbox_err *err)
{
	FUZZ_CHECK_STR(err->msg);
	FUZZ_CHECK(err->msg[0] != '\0');
	unsigned line, col;
	if (sscanf(err->msg, "fuzz.json:%u:%u:", &line, &col) != 2)
		return; /* an error inside a preset names the preset */
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	FUZZ_CHECK(line >= 1 && line <= lines);
	FUZZ_CHECK(col >= 1 && col <= size + 1);
}

/* The mount plan's view of the host: a type from the path's bytes, so the
 * same policy always meets the same tree (directory, file, symlink, absent,
 * unreadable). */
static void fake_probe(void *arg, const char *path, struct ns_host_node *out)
{
	static const mode_t types[] = { S_IFDIR, S_IFREG, S_IFLNK, 0, 0 };
	size_t h = strlen(path);
	for (const char *c = path; *c; c++)
		h = h * 31 + (unsigned char)*c;
	(void)arg;
	*out = (struct ns_host_node){ .type = types[h % 5], .errnum = h % 5 == 3 ? ENOENT : EACCES };
	if (out->type == S_IFLNK)
		snprintf(out->link, sizeof out->link, "../%s", path + 1);
}

static void check_node(void *arg, const char *path, mode_t mode, const char *link)
{
	(void)arg;
	FUZZ_CHECK(path[0] == '/');
	FUZZ_CHECK(S_ISDIR(mode) || S_ISREG(mode) || (S_ISLNK(mode) && link));
	/* what the sandbox mounts itself holds no node of the root's */
	FUZZ_CHECK(strncmp(path, "/dev/", 5) != 0 && strncmp(path, "/tmp/", 5) != 0 &&
		   strncmp(path, "/proc/", 6) != 0);
}

/* The expanded policy as the mount plan (ns_plan.h) in both modes: every op
 * names an absolute path, a bind names its rule, the skeleton only the
 * root's own nodes. */
static void check_plan(const struct policy *p)
{
	for (int audit = 0; audit < 2; audit++) {
		struct ns_plan *pl = NULL;
		struct bsbox_err err = { 0 };
		FUZZ_CHECK(ns_plan_build(p, audit, fake_probe, NULL, &pl, &err) == 0 && pl);
		for (size_t i = 0; i < pl->n; i++) {
			const struct ns_op *op = &pl->ops[i];
			FUZZ_CHECK(op->path && op->path[0] == '/');
			if (op->kind == NS_OP_BIND)
				FUZZ_CHECK(op->index < p->nrules &&
					   strcmp(op->path, p->rules[op->index].path) == 0 &&
					   ns_rule_bound(op->path));
			if (op->kind == NS_OP_DEV)
				FUZZ_CHECK(strncmp(op->path, "/dev/", 5) == 0 && !strchr(op->path + 5, '/'));
		}
		ns_plan_skeleton(pl, check_node, NULL);
		ns_plan_free(pl);
	}
}

static void check_policy(struct policy *p)
{
	struct bsbox_err err = { 0 };
	if (policy_expand(p, lookup, NULL, &err) < 0) {
		FUZZ_CHECK_STR(err.msg);
		FUZZ_CHECK(err.msg[0] != '\0');
		return;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		FUZZ_CHECK(normalised(r->path));
		FUZZ_CHECK(r->origin != NULL);
		FUZZ_CHECK((policy_access_for(p, r->path) & r->access) == r->access);
		FUZZ_CHECK(policy_rule_for(p, r->path, r->access) != NULL);
		if (i > 0) /* sorted and de-duplicated */
			FUZZ_CHECK(strcmp(p->rules[i - 1].path, r->path) != 0);
	}
	static const char *const probes[] = { "/", "/home/u/.ssh/id_rsa", "/usr/lib", "/tmp/x", "/proc/self" };
	for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
		(void)policy_access_for(p, probes[i]);
	(void)policy_env_allowed(p, "CC");
	(void)policy_env_allowed(p, "AWS_SECRET_ACCESS_KEY");
	(void)policy_directive_allowed(p, "rustc-link-arg");

	check_plan(p);

	struct policy *d = policy_new_default();
	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(policy_merge(d, p, &err) == 0);
	policy_free(d);
}

/* The paths the parser's messages ask jsonpos about, on any text. */
static void check_jsonpos(const char *text, size_t size)
{
	static const struct jsonpos_step read0[] = { { "read", 0 }, { NULL, 0 } };
	static const struct jsonpos_step read1path[] = { { "read", 0 }, { NULL, 1 }, { "path", 0 } };
	static const struct jsonpos_step limits[] = { { "limits", 0 }, { "nproc", 0 } };
	static const struct jsonpos_step dup[] = { { "env", 1 } };
	static const struct jsonpos_step esc[] = { { "r\xc3\xa9" "ad", 0 }, { NULL, 2 } };
	static const struct {
		const struct jsonpos_step *p;
		size_t n;
	} paths[] = { { read0, 0 }, { read0, 1 }, { read0, 2 }, { read1path, 3 },
		      { limits, 2 }, { dup, 1 },   { esc, 2 } };
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		for (int at_key = 0; at_key < 2; at_key++) {
			size_t off = (size_t)-1;
			if (jsonpos_find(text, size, paths[i].p, paths[i].n, at_key, &off) == 0)
				FUZZ_CHECK(off < size);
		}
	}
	size_t off;
	if (jsonpos_find_nul_escape(text, size, &off) == 0)
		FUZZ_CHECK(off + 6 <= size);
	unsigned line, col;
	jsonpos_linecol(text, size, size / 2, &line, &col);
	FUZZ_CHECK(line >= 1 && col >= 1);
	jsonpos_linecol(text, size, size + 10, &line, &col);
	FUZZ_CHECK(line >= 1 && col >= 1 && col <= size + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = { FUZZ_SRCDIR "/policies", NULL };
	const char *text = (const char *)data;
	struct bsbox_err err = { 0 };
	struct policy *p = NULL;

	int r = policy_parse(text, size, "fuzz.json", dirs, &p, &err);
	if (r < 0) {
		FUZZ_CHECK(p == NULL);
		check_error(text, size, &err);
	} else {
		FUZZ_CHECK(r == 0 && p != NULL);
		check_policy(p);
		policy_free(p);
	}
	check_jsonpos(text, size);
	return 0;
}
