/* Fuzz target: the `cargo:` directive checker (src/directives.c).  A build
 * script prints whatever it likes on stdout; the shim splits it into lines
 * and asks directives_check about each, so the input here is that stdout.
 *
 * The first byte picks the policy (none, the default, one that grants
 * rustc-link-arg and rustc-env, one that grants every link search path);
 * the rest is split into lines the way the shim's getline loop does.
 * Properties: a verdict is one of the three values, its strings are
 * terminated, a rejection says why, a line without a cargo: prefix is not a
 * directive, and the answer does not depend on whether a verdict is asked
 * for. */
#define _GNU_SOURCE
#include "directives.h"
#include "fuzz.h"
#include "policy.h"

#define OUT_DIR "/home/u/src/foo/target/debug/build/foo-0123456789abcdef/out"

static struct policy *policies[4];

static const char *lookup(const char *name, void *ud)
{
	(void)ud;
	if (!strcmp(name, "HOME"))
		return "/home/u";
	if (!strcmp(name, "CARGO_MANIFEST_DIR"))
		return "/home/u/src/foo";
	if (!strcmp(name, "OUT_DIR"))
		return OUT_DIR;
	if (!strcmp(name, "TMPDIR"))
		return "/tmp";
	return NULL;
}

static struct policy *load(const char *json)
{
	struct bsbox_err err = { 0 };
	struct policy *p = NULL;
	if (json) {
		if (policy_parse(json, strlen(json), "fuzz.json", NULL, &p, &err) < 0) {
			fprintf(stderr, "fuzz: %s\n", err.msg);
			abort();
		}
	} else {
		p = policy_new_default();
	}
	FUZZ_CHECK(p && policy_expand(p, lookup, NULL, &err) == 0);
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	policies[1] = load(NULL);
	policies[2] = load("{\"extends\": [\"default\"], \"read\": [\"/usr/include\", \"/opt/lib\"],"
			   " \"directives\": [\"rustc-link-arg\", \"rustc-env\", \"rustc-flags\"]}");
	policies[3] = load("{\"read\": [\"/\"], \"directives\": [\"rustc-link-search\", \"foo\"]}");
	return 0;
}

static void check_line(const char *line, size_t len, const struct policy *p,
		       const char *const *dirs)
{
	struct directive_verdict v;
	memset(&v, 0x5a, sizeof v); /* unterminated unless the checker terminates it */
	int r = directives_check(line, len, p, dirs, &v);
	FUZZ_CHECK(r == DIRECTIVE_NONE || r == DIRECTIVE_REJECTED || r == DIRECTIVE_ALLOWED);
	FUZZ_CHECK_STR(v.key);
	FUZZ_CHECK_STR(v.why);
	/* (the key may be empty: "cargo::=x" is rejected as an unknown key) */
	if (r == DIRECTIVE_REJECTED)
		FUZZ_CHECK(v.why[0] != '\0');
	if (r == DIRECTIVE_NONE)
		FUZZ_CHECK(v.key[0] == '\0');
	if (!memmem(line, len, "cargo:", 6))
		FUZZ_CHECK(r == DIRECTIVE_NONE);
	FUZZ_CHECK(directives_check(line, len, p, dirs, NULL) == r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = { OUT_DIR, "/home/u/src/foo/target/", NULL };
	if (size < 1)
		return 0;
	const struct policy *p = policies[data[0] & 3];
	const char *const *d = data[0] & 4 ? NULL : dirs;
	const char *s = (const char *)data + 1;
	size_t left = size - 1;
	while (left > 0) {
		const char *nl = memchr(s, '\n', left);
		size_t n = nl ? (size_t)(nl - s) + 1 : left;
		/* a copy of exactly the line, so ASan sees any read past it */
		char *line = malloc(n);
		FUZZ_CHECK(line != NULL);
		memcpy(line, s, n);
		check_line(line, nl ? n - 1 : n, p, d);
		free(line);
		s += n;
		left -= n;
	}
	return 0;
}
