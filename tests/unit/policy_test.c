/* Unit tests for src/policy.c and src/jsonpos.c.  No framework: each case
 * is a function; CHECK() records a failure with its line and the case goes
 * on.  Prints "ok - NAME" / "not ok - NAME" and ends with
 * "N passed, M failed"; exits 1 on any failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "jsonpos.h"
#include "policy.h"
#include "tap.h"

static int case_failed;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			case_failed = 1;                                              \
		}                                                                     \
	} while (0)

#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		const char *g_ = (got), *w_ = (want);                                 \
		if (!g_ || strcmp(g_, w_) != 0) {                                     \
			fprintf(stderr, "  %s:%d: got \"%s\"\n  %*s want \"%s\"\n", __FILE__, __LINE__, \
				g_ ? g_ : "(null)", (int)strlen(__FILE__) + 6, "", w_); \
			case_failed = 1;                                              \
		}                                                                     \
	} while (0)

static char tmpdir[] = "/tmp/policy_test.XXXXXX";

static int parse(const char *text, const char *const *dirs, struct policy **out, struct bsbox_err *err)
{
	memset(err, 0, sizeof *err);
	*out = NULL;
	return policy_parse(text, strlen(text), "t.json", dirs, out, err);
}

/* Parse must fail with exactly this message. */
static void expect_error(const char *text, const char *const *dirs, const char *want)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int r = parse(text, dirs, &p, &err);
	CHECK(r == -EINVAL);
	CHECK(p == NULL);
	CHECK(err.exit_code == BSBOX_EXIT_POLICY);
	CHECK_STR(err.msg, want);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

static const struct policy_rule *find_rule(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].path, path) == 0)
			return &p->rules[i];
	return NULL;
}

/* ---- cases ---------------------------------------------------------------- */

static void test_valid_every_key(void)
{
	static const char text[] =
		"{\n"
		"  \"$schema\": \"https://example.org/policy.schema.json\",\n"
		"  \"comment\": \"jemalloc needs git\",\n"
		"  \"crate\": \"tikv-jemalloc-sys\",\n"
		"  \"versions\": \">=0.5, <0.7\",\n"
		"  \"read\": [\"/usr/include\",\n"
		"           {\"path\": \"~/.gitconfig\", \"why\": \"configure runs git\"}],\n"
		"  \"write\": [\"$OUT_DIR\"],\n"
		"  \"exec\": [\"${CARGO_HOME}/bin\"],\n"
		"  \"network\": true,\n"
		"  \"env\": [\"CC\", \"MY_*\", \"CC\"],\n"
		"  \"directives\": [\"rustc-link-arg\"],\n"
		"  \"dev\": [\"tty\", \"net/tun\"],\n"
		"  \"limits\": {\"nproc\": 100, \"fsize_mb\": 200, \"cpu_s\": 300, \"as_mb\": 0, \"nofile\": 500}\n"
		"}\n";
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int r = parse(text, NULL, &p, &err);
	CHECK(r == 0);
	if (r) {
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	CHECK_STR(p->source, "t.json");
	CHECK_STR(p->comment, "jemalloc needs git");
	CHECK_STR(p->versions, ">=0.5, <0.7");
	CHECK(p->nrules == 4);
	if (p->nrules == 4) {
		CHECK_STR(p->rules[0].path, "/usr/include");
		CHECK(p->rules[0].access == POL_R);
		CHECK_STR(p->rules[0].origin, "t.json:6");
		CHECK(p->rules[0].why == NULL);
		CHECK_STR(p->rules[1].path, "$HOME/.gitconfig");
		CHECK_STR(p->rules[1].origin, "t.json:7");
		CHECK_STR(p->rules[1].why, "configure runs git");
		CHECK_STR(p->rules[2].path, "$OUT_DIR");
		CHECK(p->rules[2].access == (POL_R | POL_W));
		CHECK_STR(p->rules[2].origin, "t.json:8");
		CHECK_STR(p->rules[3].path, "${CARGO_HOME}/bin");
		CHECK(p->rules[3].access == (POL_R | POL_X));
	}
	CHECK(p->network);
	CHECK(p->nenv == 2); /* duplicates dropped */
	CHECK(p->ndirectives == 1);
	CHECK(p->ndev == 2);
	CHECK(p->limits.nproc == 100 && p->limits.fsize_mb == 200 && p->limits.cpu_s == 300 &&
	      p->limits.as_mb == 0 && p->limits.nofile == 500);
}

static void test_empty_object(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	CHECK(parse("{}", NULL, &p, &err) == 0);
	if (!p)
		return;
	CHECK(p->nrules == 0 && !p->network && p->nenv == 0 && !p->comment && !p->versions);
	CHECK(p->limits.nproc < 0 && p->limits.fsize_mb < 0 && p->limits.cpu_s < 0 &&
	      p->limits.as_mb < 0 && p->limits.nofile < 0);
}

static void test_syntax_errors(void)
{
	expect_error("{\n  \"read\": [\"/a\" \"/b\"]\n}", NULL,
		     "t.json:2:17: JSON syntax error at \"\"/b\"]\"");
	expect_error("{\n  \"read\": [\"/a\",]\n}", NULL, "t.json:2:17: JSON syntax error at \"]\"");
	expect_error("{\"read\": [\n", NULL, "t.json:2:1: JSON syntax error: unexpected end of input");
	expect_error("", NULL, "t.json:1:1: JSON syntax error: unexpected end of input");
	expect_error("{}\n{}", NULL,
		     "t.json:2:1: JSON syntax error at \"{}\": text after the end of the policy object");
	/* columns count characters, not bytes */
	expect_error("{\"comment\": \"\xc3\xa9\xc3\xa9\", x}", NULL, "t.json:1:20: JSON syntax error at \"}\"");
	expect_error("{\"read\": [\"/a\\u0000/b\"]}", NULL,
		     "t.json:1:14: \\u0000 is not allowed in a policy string");
}

static void test_not_object(void)
{
	expect_error("\n  [1, 2]", NULL, "t.json:2:3: a policy is a JSON object ({...}), got an array");
}

static void test_unknown_key(void)
{
	expect_error("{\n  \"read\": [],\n  \"reed\": []\n}", NULL,
		     "t.json:3:3: key \"reed\": unknown key (known keys: $schema, comment, crate, versions, "
		     "extends, read, write, exec, unix_sockets, credentials, network, env, directives, dev, limits)");
	expect_error("{\"read\": [{\"path\": \"/a\", \"because\": \"x\"}]}", NULL,
		     "t.json:1:26: key \"read[0].because\": unknown key in a path entry (expected \"path\" and \"why\")");
}

static void test_wrong_type(void)
{
	expect_error("{\"network\": \"yes\"}", NULL,
		     "t.json:1:13: key \"network\": expected true or false, got a string");
	expect_error("{\"read\": \"/usr\"}", NULL,
		     "t.json:1:10: key \"read\": expected an array of paths, got a string");
	expect_error("{\"write\": [\"/a\", 3]}", NULL,
		     "t.json:1:18: key \"write[1]\": expected a path string or {\"path\": ..., \"why\": ...}, got a number");
	expect_error("{\"env\": [\"A\", null]}", NULL, "t.json:1:15: key \"env[1]\": expected a string, got null");
	expect_error("{\"comment\": 1}", NULL, "t.json:1:13: key \"comment\": expected a string, got a number");
	expect_error("{\"read\": [{\"why\": \"x\"}]}", NULL,
		     "t.json:1:11: key \"read[0]\": path entry without \"path\"");
	expect_error("{\"directives\": [\"cargo::rustc-link-arg\"]}", NULL,
		     "t.json:1:17: key \"directives[0]\": \"cargo::rustc-link-arg\": expected write just the key, "
		     "without \"cargo::\" and without \"=VALUE\" (e.g. \"rustc-link-arg\")");
}

static void test_bad_limits(void)
{
	expect_error("{\"limits\": {\n  \"nproc\": 1,\n  \"nprocs\": 2}}", NULL,
		     "t.json:3:3: key \"limits.nprocs\": unknown limit (known: nproc, fsize_mb, cpu_s, as_mb, nofile, mem_mb, tmp_mb, wall_s)");
	expect_error("{\"limits\": {\"cpu_s\": -1}}", NULL,
		     "t.json:1:22: key \"limits.cpu_s\": must be >= 0 (0 means unlimited)");
	expect_error("{\"limits\": {\"cpu_s\": 1.5}}", NULL,
		     "t.json:1:22: key \"limits.cpu_s\": expected an integer, got 1.5");
	expect_error("{\"limits\": {\"nofile\": \"10\"}}", NULL,
		     "t.json:1:23: key \"limits.nofile\": expected an integer, got a string");
	expect_error("{\"limits\": {\"as_mb\": 1e300}}", NULL,
		     "t.json:1:22: key \"limits.as_mb\": too large (at most 2^40)");
	expect_error("{\"limits\": []}", NULL, "t.json:1:12: key \"limits\": expected an object, got an array");
}

static void test_duplicate_key(void)
{
	expect_error("{\n  \"read\": [\"/a\"],\n  \"write\": [],\n  \"read\": [\"/b\"]\n}", NULL,
		     "t.json:4:3: key \"read\": duplicate key (JSON parsers disagree on which one wins)");
	expect_error("{\"limits\": {\"nproc\": 1, \"nproc\": 2}}", NULL,
		     "t.json:1:25: key \"limits.nproc\": duplicate key (JSON parsers disagree on which one wins)");
	/* escapes are compared after decoding */
	expect_error("{\"read\": [], \"r\\u0065ad\": []}", NULL,
		     "t.json:1:14: key \"read\": duplicate key (JSON parsers disagree on which one wins)");
}

static void test_relative_path(void)
{
	expect_error("{\"read\": [\"/ok\",\n  {\"path\": \"rel/x\", \"why\": \"y\"}]}", NULL,
		     "t.json:2:12: key \"read[1].path\": path \"rel/x\": must be absolute, or start with $VAR, ${VAR} or ~/");
	expect_error("{\"exec\": [\"~bob/bin\"]}", NULL,
		     "t.json:1:11: key \"exec[0]\": path \"~bob/bin\": only ~/ (the current user's home) is supported, not ~user");
	expect_error("{\"exec\": [\"${HOME/bin\"]}", NULL,
		     "t.json:1:11: key \"exec[0]\": path \"${HOME/bin\": malformed variable reference (write $NAME or ${NAME})");
	expect_error("{\"exec\": [\"\"]}", NULL, "t.json:1:11: key \"exec[0]\": path \"\": empty path");
}

static void test_unknown_extends(void)
{
	char want[512];
	const char *dirs[] = { tmpdir, "/nonexistent", NULL };
	snprintf(want, sizeof want,
		 "t.json:2:26: key \"extends[1]\": no preset \"nope\" (looked for nope.json and "
		 "presets/nope.json in: %s, /nonexistent)", tmpdir);
	expect_error("{\n  \"extends\": [\"default\", \"nope\"]\n}", dirs, want);
	expect_error("{\"extends\": [\"nope\"]}", NULL,
		     "t.json:1:14: key \"extends[0]\": no preset \"nope\" (looked for nope.json and "
		     "presets/nope.json in: no directories)");
	expect_error("{\"extends\": [\"../etc/passwd\"]}", NULL,
		     "t.json:1:14: key \"extends[0]\": \"../etc/passwd\": expected a preset name (letters, "
		     "digits, '-', '_', '.', '@', '+'), e.g. \"default\" or \"cc\"");
}

static void test_extends_preset(void)
{
	const char *dirs[] = { "/nonexistent", tmpdir, NULL };
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int r = parse("{\"extends\": [\"default\", \"cc\"], \"read\": [\"/srv\"], \"comment\": \"mine\",\n"
		      " \"limits\": {\"nofile\": 64}}",
		      dirs, &p, &err);
	CHECK(r == 0);
	if (r) {
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	cleanup_policy struct policy *def = policy_new_default();
	CHECK(def != NULL);
	if (!def)
		return;
	CHECK(p->nrules == def->nrules + 2);
	/* the default first, then the preset, then this file */
	CHECK_STR(p->rules[0].path, def->rules[0].path);
	CHECK_STR(p->rules[0].origin, "<builtin default>");
	char origin[512];
	snprintf(origin, sizeof origin, "%s/presets/cc.json:1", tmpdir);
	CHECK_STR(p->rules[def->nrules].path, "/opt/cc");
	CHECK_STR(p->rules[def->nrules].origin, origin);
	CHECK_STR(p->rules[def->nrules + 1].path, "/srv");
	CHECK_STR(p->comment, "mine"); /* the preset's comment is not inherited */
	CHECK(p->network);              /* ORed in from the preset */
	CHECK(policy_env_allowed(p, "CC"));
	CHECK(p->limits.nproc == 1024);   /* from the default */
	CHECK(p->limits.cpu_s == 7);      /* the preset overrides the default */
	CHECK(p->limits.nofile == 64);    /* this file overrides both */
	CHECK_STR(p->source, "t.json");

	/* an error inside a preset names the preset's own file:line:col */
	write_file(tmpdir, "broken.json", "{\n \"network\": 1}");
	char want[512];
	snprintf(want, sizeof want, "%s/broken.json:2:13: key \"network\": expected true or false, got a number",
		 tmpdir);
	expect_error("{\"extends\": [\"broken\"]}", dirs, want);
}

static void test_extends_cycle(void)
{
	const char *dirs[] = { tmpdir, NULL };
	char path[512], want[1024];
	struct bsbox_err err = { 0 };
	struct policy *p = NULL;

	write_file(tmpdir, "cyc-a.json", "{\"extends\": [\"cyc-b\"]}");
	write_file(tmpdir, "cyc-b.json", "{\n  \"extends\": [\"default\", \"cyc-a\"]}");
	snprintf(path, sizeof path, "%s/cyc-a.json", tmpdir);
	int r = policy_load_file(path, dirs, &p, &err);
	CHECK(r == -EINVAL);
	CHECK(p == NULL);
	snprintf(want, sizeof want,
		 "%s/cyc-b.json:2:26: key \"extends[1]\": extends cycle: %s/cyc-a.json -> %s/cyc-b.json -> %s/cyc-a.json",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	CHECK_STR(err.msg, want);

	/* a file extending itself */
	write_file(tmpdir, "self.json", "{\"extends\": [\"self\"]}");
	snprintf(path, sizeof path, "%s/self.json", tmpdir);
	r = policy_load_file(path, dirs, &p, &err);
	CHECK(r == -EINVAL);
	CHECK(strstr(err.msg, "extends cycle") != NULL);

	/* a diamond is not a cycle */
	write_file(tmpdir, "dia-l.json", "{\"extends\": [\"cc\"]}");
	write_file(tmpdir, "dia-r.json", "{\"extends\": [\"cc\"]}");
	write_file(tmpdir, "dia.json", "{\"extends\": [\"dia-l\", \"dia-r\"]}");
	snprintf(path, sizeof path, "%s/dia.json", tmpdir);
	r = policy_load_file(path, dirs, &p, &err);
	CHECK(r == 0);
	policy_free(p);
}

static void test_load_file_errors(void)
{
	struct bsbox_err err = { 0 };
	struct policy *p = NULL;
	CHECK(policy_load_file("/nonexistent/x.json", NULL, &p, &err) == -ENOENT);
	CHECK(strstr(err.msg, "/nonexistent/x.json") != NULL);
	CHECK(err.exit_code == BSBOX_EXIT_POLICY);
	CHECK(policy_load_file(tmpdir, NULL, &p, &err) == -EINVAL);
	CHECK(p == NULL);
}

static const char *vars[][2] = {
	{ "HOME", "/home/u" },
	{ "OUT_DIR", "/t/out/" },
	{ "CARGO_HOME", "/home/u/.cargo" },
	{ "EMPTY", "" },
	{ "REL", "rel" },
};

static const char *lookup(const char *name, void *ud)
{
	(*(int *)ud)++;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (strcmp(vars[i][0], name) == 0)
			return vars[i][1];
	return NULL;
}

static void test_expand(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int calls = 0;
	int r = parse("{\"read\": [\"~/src\", \"$UNSET/x\", \"/a/./b//c/../d/\", \"$EMPTY/x\", \"/usr/lib\",\n"
		      "  \"/..\", \"$OUT_DIR\", \"/usr\"],\n"
		      " \"exec\": [\"${CARGO_HOME}/bin\", \"/usr/lib/\"],\n"
		      " \"write\": [\"$OUT_DIR/.\", \"/usr-x\"]}",
		      NULL, &p, &err);
	CHECK(r == 0);
	if (r)
		return;
	r = policy_expand(p, lookup, &calls, &err);
	CHECK(r == 0);
	CHECK(calls > 0);
	static const struct {
		const char *path;
		unsigned access;
	} want[] = {
		{ "/", POL_R },
		{ "/a/b/d", POL_R },
		{ "/home/u/.cargo/bin", POL_R | POL_X },
		{ "/home/u/src", POL_R },
		{ "/t/out", POL_R | POL_W },
		{ "/usr", POL_R },
		{ "/usr/lib", POL_R | POL_X },
		{ "/usr-x", POL_R | POL_W },
	};
	CHECK(p->nrules == sizeof want / sizeof want[0]);
	for (size_t i = 0; i < p->nrules && i < sizeof want / sizeof want[0]; i++) {
		CHECK_STR(p->rules[i].path, want[i].path);
		CHECK(p->rules[i].access == want[i].access);
	}
	/* merged duplicates keep the first origin */
	const struct policy_rule *out = find_rule(p, "/t/out");
	CHECK(out && strcmp(out->origin, "t.json:2") == 0);
	const struct policy_rule *lib = find_rule(p, "/usr/lib");
	CHECK(lib && strcmp(lib->origin, "t.json:1") == 0);

	/* not absolute after expansion */
	cleanup_policy struct policy *q = NULL;
	CHECK(parse("{\n\"read\": [\"$REL/x\"]}", NULL, &q, &err) == 0);
	if (q) {
		CHECK(policy_expand(q, lookup, &calls, &err) == -EINVAL);
		CHECK_STR(err.msg, "t.json:2: path \"rel/x\" is not absolute after expansion");
		CHECK(q->nrules == 1); /* left as it was */
		CHECK_STR(q->rules[0].path, "$REL/x");
	}
}

static void test_default_expand(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = policy_new_default();
	int calls = 0;
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_STR(p->source, "<builtin default>");
	for (size_t i = 0; i < p->nrules; i++) {
		CHECK_STR(p->rules[i].origin, "<builtin default>");
		CHECK(p->rules[i].why != NULL);
	}
	CHECK(!p->network);
	CHECK(p->limits.as_mb == 0 && p->limits.nproc == 1024 && p->limits.mem_mb == 4096 &&
	      p->limits.tmp_mb == 1024 && p->limits.wall_s == 1800);
	CHECK(policy_expand(p, lookup, &calls, &err) == 0);
	char buf[6];
	CHECK_STR(policy_access_str(policy_access_for(p, "/usr/bin/cc"), buf), "r-x");
	CHECK_STR(policy_access_str(policy_access_for(p, "/etc/passwd"), buf), "r--");
	CHECK_STR(policy_access_str(policy_access_for(p, "/t/out/x.rs"), buf), "rwx");
	CHECK_STR(policy_access_str(policy_access_for(p, "/home/u/.cargo/bin/cargo"), buf), "r-x");
	CHECK_STR(policy_access_str(policy_access_for(p, "/home/u/.ssh/id_rsa"), buf), "---");
	CHECK_STR(policy_access_str(policy_access_for(p, "/opt/x"), buf), "---");
	CHECK(find_rule(p, "$RUSTUP_HOME/toolchains") == NULL); /* unset: dropped */
	for (size_t i = 1; i < p->nrules; i++)
		CHECK(strcmp(p->rules[i - 1].path, p->rules[i].path) != 0);
}

static void test_access_for(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int calls = 0;
	CHECK(parse("{\"read\": [\"/usr/lib\"], \"exec\": [\"/usr/lib/x/bin\"], \"write\": [\"/w\"]}", NULL,
		    &p, &err) == 0);
	if (!p)
		return;
	CHECK(policy_expand(p, lookup, &calls, &err) == 0);
	CHECK(policy_access_for(p, "/usr/lib") == POL_R);
	CHECK(policy_access_for(p, "/usr/lib/libc.so") == POL_R);
	CHECK(policy_access_for(p, "/usr/lib64") == 0);
	CHECK(policy_access_for(p, "/usr/li") == 0);
	CHECK(policy_access_for(p, "/usr") == 0);
	CHECK(policy_access_for(p, "/usr/lib/x/bin/cc") == (POL_R | POL_X));
	CHECK(policy_access_for(p, "/w") == (POL_R | POL_W));
	CHECK(policy_access_for(p, "/wx") == 0);

	const struct policy_rule *r = policy_rule_for(p, "/usr/lib/x/bin/cc", POL_R);
	CHECK(r && strcmp(r->path, "/usr/lib/x/bin") == 0); /* most specific */
	r = policy_rule_for(p, "/usr/lib/x/y", POL_R);
	CHECK(r && strcmp(r->path, "/usr/lib") == 0);
	CHECK(policy_rule_for(p, "/usr/lib/libc.so", POL_X) == NULL);
	CHECK(policy_rule_for(p, "/usr/lib/x/bin/cc", POL_R | POL_W) == NULL);

	cleanup_policy struct policy *root = NULL;
	CHECK(parse("{\"read\": [\"/\"]}", NULL, &root, &err) == 0);
	if (root) {
		CHECK(policy_access_for(root, "/") == POL_R);
		CHECK(policy_access_for(root, "/anything/at/all") == POL_R);
	}
}

/* policy_is_rule_ancestor: strictly above a rule, component-wise */
static void test_rule_ancestor(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int calls = 0;
	CHECK(parse("{\"read\": [\"/usr/lib\", \"/home/u/proj\"], \"write\": [\"/t/out\"]}",
		    NULL, &p, &err) == 0);
	if (!p)
		return;
	CHECK(policy_expand(p, lookup, &calls, &err) == 0);
	CHECK(policy_is_rule_ancestor(p, "/"));
	CHECK(policy_is_rule_ancestor(p, "/usr"));
	CHECK(policy_is_rule_ancestor(p, "/home"));
	CHECK(policy_is_rule_ancestor(p, "/home/u"));
	CHECK(policy_is_rule_ancestor(p, "/t"));
	CHECK(!policy_is_rule_ancestor(p, "/usr/lib"));       /* the rule itself */
	CHECK(!policy_is_rule_ancestor(p, "/usr/lib/x"));     /* beneath it */
	CHECK(!policy_is_rule_ancestor(p, "/us"));            /* a prefix, not a component */
	CHECK(!policy_is_rule_ancestor(p, "/usr/li"));
	CHECK(!policy_is_rule_ancestor(p, "/home/u/pro"));
	CHECK(!policy_is_rule_ancestor(p, "/etc"));
	CHECK(!policy_is_rule_ancestor(p, "/t/out/deeper"));

	/* "/" leads to every rule, even one on "/" itself; an empty policy has none */
	cleanup_policy struct policy *root = NULL;
	CHECK(parse("{\"read\": [\"/\"]}", NULL, &root, &err) == 0);
	if (root) {
		CHECK(policy_is_rule_ancestor(root, "/"));
		CHECK(!policy_is_rule_ancestor(root, "/usr"));
	}
	cleanup_policy struct policy *none = NULL;
	CHECK(parse("{}", NULL, &none, &err) == 0);
	if (none) {
		CHECK(none->nrules == 0);
		CHECK(!policy_is_rule_ancestor(none, "/"));
	}
}

static void test_env_and_directives(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	CHECK(parse("{\"env\": [\"CC\", \"MY_*\", \"CFLAGS_?\"], \"directives\": [\"rustc-link-arg\"]}", NULL,
		    &p, &err) == 0);
	if (!p)
		return;
	CHECK(policy_env_allowed(p, "CC"));
	CHECK(!policy_env_allowed(p, "CCX"));
	CHECK(!policy_env_allowed(p, "XCC"));
	CHECK(policy_env_allowed(p, "MY_"));
	CHECK(policy_env_allowed(p, "MY_TOKEN"));
	CHECK(!policy_env_allowed(p, "MYTOKEN"));
	CHECK(policy_env_allowed(p, "CFLAGS_1"));
	CHECK(!policy_env_allowed(p, "CFLAGS_12"));
	CHECK(policy_directive_allowed(p, "rustc-link-arg"));
	CHECK(!policy_directive_allowed(p, "rustc-link-arg-bins"));
	CHECK(!policy_directive_allowed(p, "rustc-link"));
	expect_error("{\"env\": [\"A=B\"]}", NULL,
		     "t.json:1:10: key \"env[0]\": \"A=B\": expected an environment variable name or a shell "
		     "glob over names (\"MY_*\")");
}

static void test_merge_deep_copy(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *dst = NULL;
	struct policy *src = NULL;
	CHECK(parse("{\"read\": [\"/a\"], \"env\": [\"X\"]}", NULL, &dst, &err) == 0);
	CHECK(parse("{\"read\": [{\"path\": \"/b\", \"why\": \"w\"}], \"env\": [\"X\", \"Y\"], \"dev\": [\"tty\"],"
		    " \"directives\": [\"d\"], \"limits\": {\"nproc\": 3}}",
		    NULL, &src, &err) == 0);
	if (!dst || !src) {
		policy_free(src);
		return;
	}
	CHECK(policy_merge(dst, src, &err) == 0);
	policy_free(src); /* dst must not point into src (ASan checks) */
	CHECK(dst->nrules == 2);
	CHECK_STR(dst->rules[1].path, "/b");
	CHECK_STR(dst->rules[1].why, "w");
	CHECK(dst->nenv == 2);
	CHECK_STR(dst->env[1], "Y");
	CHECK(dst->ndev == 1 && dst->ndirectives == 1);
	CHECK(dst->limits.nproc == 3 && dst->limits.cpu_s < 0);
}

static void test_access_str(void)
{
	char buf[6];
	CHECK_STR(policy_access_str(0, buf), "---");
	CHECK_STR(policy_access_str(POL_R, buf), "r--");
	CHECK_STR(policy_access_str(POL_R | POL_W, buf), "rw-");
	CHECK_STR(policy_access_str(POL_R | POL_X, buf), "r-x");
	CHECK_STR(policy_access_str(POL_R | POL_W | POL_X, buf), "rwx");
}

static void test_jsonpos(void)
{
	static const char t[] = "\xEF\xBB\xBF{\"a\": [1, {\"b\\\"\": \"x\"}, [2, 3]], \"a\": true}";
	const size_t len = sizeof t - 1;
	size_t off;
	struct jsonpos_step p1[] = { { "a", 0 }, { NULL, 1 }, { "b\"", 0 } };
	CHECK(jsonpos_find(t, len, p1, 3, false, &off) == 0 && t[off] == '"' && t[off + 1] == 'x');
	CHECK(jsonpos_find(t, len, p1, 3, true, &off) == 0 && t[off + 1] == 'b');
	struct jsonpos_step p2[] = { { "a", 0 }, { NULL, 2 }, { NULL, 1 } };
	CHECK(jsonpos_find(t, len, p2, 3, false, &off) == 0 && t[off] == '3');
	struct jsonpos_step p3[] = { { "a", 1 } };
	CHECK(jsonpos_find(t, len, p3, 1, false, &off) == 0 && t[off] == 't');
	struct jsonpos_step p4[] = { { "a", 2 } };
	CHECK(jsonpos_find(t, len, p4, 1, false, &off) == -1);
	struct jsonpos_step p5[] = { { "a", 0 }, { NULL, 3 } };
	CHECK(jsonpos_find(t, len, p5, 2, false, &off) == -1);
	/* truncated text never reads past len */
	for (size_t n = 0; n < len; n++)
		(void)jsonpos_find(t, n, p2, 3, false, &off);
	unsigned line, col;
	jsonpos_linecol("ab\n\xc3\xa9x", 6, 5, &line, &col);
	CHECK(line == 2 && col == 2);
}

/* "unix_sockets": its own access bit, nothing else granted, errors with
 * file:line:col and the key path like the other path keys */
static void test_unix_sockets(void)
{
	struct bsbox_err err;
	cleanup_policy struct policy *p = NULL;
	int calls = 0;
	int r = parse("{\"read\": [\"/run/a\"],\n \"unix_sockets\": [\"/run/user/1000/bus\",\n"
		      "  {\"path\": \"$OUT_DIR/s\", \"why\": \"its own test server\"}]}",
		      NULL, &p, &err);
	CHECK(r == 0);
	if (r)
		return;
	CHECK(policy_expand(p, lookup, &calls, &err) == 0);
	char buf[6];
	CHECK_STR(policy_access_str(policy_access_for(p, "/run/user/1000/bus"), buf), "---s");
	CHECK_STR(policy_access_str(policy_access_for(p, "/run/user/1000"), buf), "---");
	CHECK_STR(policy_access_str(policy_access_for(p, "/run/a/x"), buf), "r--");
	const struct policy_rule *rule = policy_rule_for(p, "/t/out/s/x", POL_S);
	CHECK(rule != NULL);
	if (rule) {
		CHECK_STR(rule->path, "/t/out/s");
		CHECK_STR(rule->why, "its own test server");
		CHECK_STR(rule->origin, "t.json:3");
	}
	CHECK(policy_rule_for(p, "/run/a/x", POL_S) == NULL);
	CHECK_STR(policy_access_str(POL_R | POL_S, buf), "r--s");
	expect_error("{\n  \"unix_sockets\": [\"run/bus\"]\n}", NULL,
		     "t.json:2:20: key \"unix_sockets[0]\": path \"run/bus\": must be absolute, or start "
		     "with $VAR, ${VAR} or ~/");
	expect_error("{\"unix_sockets\": \"/run/bus\"}", NULL,
		     "t.json:1:18: key \"unix_sockets\": expected an array of paths, got a string");
}

/* ---- driver ------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "valid policy with every key", test_valid_every_key },
	{ "empty object", test_empty_object },
	{ "syntax errors at line:col", test_syntax_errors },
	{ "top level not an object", test_not_object },
	{ "unknown key", test_unknown_key },
	{ "wrong type", test_wrong_type },
	{ "bad limits", test_bad_limits },
	{ "duplicate key", test_duplicate_key },
	{ "relative path", test_relative_path },
	{ "unknown extends", test_unknown_extends },
	{ "extends a preset", test_extends_preset },
	{ "extends cycle", test_extends_cycle },
	{ "load_file errors", test_load_file_errors },
	{ "expand: unset, .., ~/, sort, merge", test_expand },
	{ "default policy expands", test_default_expand },
	{ "access_for is component-wise", test_access_for },
	{ "is_rule_ancestor: strictly above a rule", test_rule_ancestor },
	{ "env globs and directives", test_env_and_directives },
	{ "merge deep-copies", test_merge_deep_copy },
	{ "access_str", test_access_str },
	{ "unix_sockets", test_unix_sockets },
	{ "jsonpos", test_jsonpos },
};

static void setup(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
	cleanup_free char *presets = NULL;
	if (asprintf(&presets, "%s/presets", tmpdir) < 0 || mkdir(presets, 0700) < 0) {
		perror("mkdir");
		exit(2);
	}
	write_file(presets, "cc.json",
		   "{\"read\": [\"/opt/cc\"], \"env\": [\"CC\"], \"network\": true, \"comment\": \"theirs\",\n"
		   " \"limits\": {\"cpu_s\": 7}}");
}

static void teardown(void)
{
	cleanup_free char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
	setup();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		case_failed = 0;
		cases[i].fn();
		check(!case_failed, "%s", cases[i].name);
	}
	teardown();
	return tap_done();
}
