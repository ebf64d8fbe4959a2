/* Unit tests for src/semver.c: a table of (requirement, version, expected).
 * Prints "ok - NAME" / "not ok - NAME", ends with "N passed, M failed";
 * exits 1 on any failure. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "semver.h"
#include "tap.h"

static const struct {
	const char *req, *version;
	bool match;
} matches[] = {
	/* caret, explicit and bare */
	{ "^1.2.3", "1.2.3", true },     { "^1.2.3", "1.9.0", true },
	{ "^1.2.3", "2.0.0", false },    { "^1.2.3", "1.2.2", false },
	{ "1.2.3", "1.4.0", true },      { "^0.2.3", "0.2.9", true },
	{ "^0.2.3", "0.3.0", false },    { "^0.0.3", "0.0.3", true },
	{ "^0.0.3", "0.0.4", false },    { "^1.2", "1.2.0", true },
	{ "^1.2", "1.1.9", false },      { "^1.2", "1.99.0", true },
	{ "^0.9", "0.9.4", true },       { "^0.9", "0.10.0", false },
	{ "^0.0", "0.0.7", true },       { "^0.0", "0.1.0", false },
	{ "^1", "1.99.99", true },       { "^1", "2.0.0", false },
	{ "^0", "0.99.0", true },
	/* tilde */
	{ "~1.2.3", "1.2.9", true },     { "~1.2.3", "1.3.0", false },
	{ "~1.2.3", "1.2.2", false },    { "~1.2", "1.2.0", true },
	{ "~1", "1.9.0", true },         { "~1", "2.0.0", false },
	/* exact and partial */
	{ "=1.0.3", "1.0.3", true },     { "=1.0.3", "1.0.4", false },
	{ "=1.2", "1.2.7", true },       { "=1.2", "1.3.0", false },
	{ "=1", "1.5.0", true },
	/* inequalities */
	{ ">1.2.3", "1.2.4", true },     { ">1.2.3", "1.2.3", false },
	{ ">1.2", "1.2.9", false },      { ">1.2", "1.3.0", true },
	{ ">=1.2", "1.2.0", true },      { "<1.2", "1.1.99", true },
	{ "<1.2", "1.2.0", false },      { "<=1.2", "1.2.9", true },
	{ "<=1.2", "1.3.0", false },     { "<2", "1.99.0", true },
	/* ranges */
	{ ">=0.9, <0.11", "0.9.0", true },  { ">=0.9, <0.11", "0.10.5", true },
	{ ">=0.9, <0.11", "0.11.0", false }, { ">=0.9,<0.11", "0.8.9", false },
	{ " >= 0.9 ,  < 0.11 ", "0.10.0", true },
	/* wildcards */
	{ "*", "7.0.0", true },          { "1.*", "1.4.0", true },
	{ "1.*", "2.0.0", false },       { "1.2.*", "1.2.5", true },
	{ "1.2.x", "1.3.0", false },     { "=1.*", "1.0.0", true },
	/* pre-releases only match a comparator naming one of the same version */
	{ "^1.2.3", "1.3.0-rc.1", false }, { "*", "1.0.0-alpha", false },
	{ ">=1.3.0-rc.1", "1.3.0-rc.2", true }, { ">=1.3.0-rc.1", "1.3.0-rc.0", false },
	{ ">=1.3.0-rc.1", "1.3.0", true }, { ">=1.3.0-rc.1", "1.4.0-rc.1", false },
	{ "=1.0.0-alpha.1", "1.0.0-alpha.1", true },
	{ ">=1.0.0-alpha.2", "1.0.0-alpha.10", true },
	{ ">=1.0.0-alpha.beta", "1.0.0-alpha.1", false },
	{ "^1.0.0", "1.0.0+build.5", true },
};

static const char *const bad_reqs[] = {
	"", " ", ">=", "1.2.3.4", "1..2", "a.b.c", "^01.2", ">=0.9 <0.11", "1.*.3",
	">*", "1.2.3-", "1.2.3-a..b", "1.2,", ",1.2", "~>1.2", "1.2.3 x",
};

static const char *const bad_versions[] = {
	"1.2", "1", "", "1.2.3.4", "01.2.3", "1.2.3-", "v1.2.3", "1.2.3 ",
};

int main(void)
{
	for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
		struct bsbox_err err = { 0 };
		bool m = !matches[i].match;
		int r = semver_req_matches(matches[i].req, matches[i].version, &m, &err);
		if (r < 0)
			fprintf(stderr, "  %s\n", err.msg);
		check(r == 0 && m == matches[i].match, "%s %s %s", matches[i].req, matches[i].match ? "matches" : "does not match",
		       matches[i].version);
	}
	for (size_t i = 0; i < sizeof bad_reqs / sizeof bad_reqs[0]; i++) {
		struct bsbox_err err = { 0 };
		int r = semver_req_check(bad_reqs[i], &err);
		bool ok = r < 0 && strstr(err.msg, "is not a version requirement");
		check(ok, "requirement %s rejected", bad_reqs[i]);
	}
	for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
		struct bsbox_err err = { 0 };
		bool m;
		int r = semver_req_matches("*", bad_versions[i], &m, &err);
		check(r < 0 && strstr(err.msg, "is not a version"), "version %s rejected", bad_versions[i]);
	}
	struct semver a, b;
	struct bsbox_err err = { 0 };
	static const char *const order[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
					     "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
					     "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0" };
	for (size_t i = 0; i + 1 < sizeof order / sizeof order[0]; i++) {
		bool ok = semver_parse(order[i], &a, &err) == 0 && semver_parse(order[i + 1], &b, &err) == 0 &&
			  semver_cmp(&a, &b) < 0 && semver_cmp(&b, &a) > 0 && semver_cmp(&a, &a) == 0;
		check(ok, "%s < %s", order[i], order[i + 1]);
	}
	return tap_done();
}
