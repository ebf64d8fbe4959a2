/* Unit tests for src/learn.c's pure part: path generalisation, grouping and
 * the versions requirement.  Prints "ok - ..." / "not ok - ...", ends with
 * "N passed, M failed"; exits 1 on any failure. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "policy.h"
#include "tap.h"


static const struct learn_env env = {
	.home = "/home/u",
	.cargo_home = "/home/u/.cargo",
	.rustup_home = "/home/u/.rustup",
	.target_dir = "/home/u/src/ws/target",
	.workspace = "/home/u/src/ws",
};

static const struct {
	const char *crate, *version, *path, *want;
} gen[] = {
	{ "foo-sys", "1.2.3", "/home/u/src/ws/target/debug/build/foo-sys-0123456789abcdef/out/x.h",
	  "$OUT_DIR/x.h" },
	{ "foo_sys", "1.2.3", "/var/tmp/t/release/build/foo-sys-0123456789abcdef/out", "$OUT_DIR" },
	{ "foo", "1.0.0", "/home/u/src/ws/target/debug/build/bar-0123456789abcdef/out/bar.h",
	  "$TARGET_DIR/debug/build" },
	{ "foo", "1.0.0", "/home/u/src/ws/target/debug/deps/libbar-0123456789abcdef.rlib",
	  "$TARGET_DIR/debug/deps" },
	{ "foo", "1.0.0", "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/foo-1.0.0/src/x.c",
	  "$CARGO_MANIFEST_DIR/src/x.c" },
	{ "foo", "1.0.0", "/usr/share/cargo/registry/foo-1.0.0/include", "$CARGO_MANIFEST_DIR/include" },
	{ "foo", "1.0.0", "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/bar-2.0.0/a",
	  "$CARGO_HOME/registry/src/index.crates.io-6f17d22bba15001f/bar-2.0.0/a" },
	{ "foo", "1.0.0", "/home/u/.rustup/toolchains/x/bin/rustc", "$RUSTUP_HOME/toolchains/x/bin/rustc" },
	{ "foo", "1.0.0", "/home/u/.config/thing/a.conf", "$HOME/.config/thing/a.conf" },
	{ "foo", "1.0.0", "/home/u/src/ws/vendor/x", "$CARGO_WORKSPACE_DIR/vendor/x" },
	{ "foo", "1.0.0", "/home/user2/x", "/home/user2/x" },
	{ "foo", "1.0.0", "/opt/sdk/lib", "/opt/sdk/lib" },
};

static void add(struct learn_crate *c, const char *path, unsigned access)
{
	c->rules = realloc(c->rules, (c->nrules + 1) * sizeof *c->rules);
	c->rules[c->nrules++] = (struct learn_rule){ .path = strdup(path), .access = access };
}

int main(void)
{
	for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
		char *g = learn_generalise(&env, gen[i].crate, gen[i].version, gen[i].path);
		char what[512];
		snprintf(what, sizeof what, "generalise %s", gen[i].path);
		check_str(what, g, gen[i].want);
		free(g);
	}

	/* grouping: three read siblings -> their directory; never to $HOME */
	struct learn_set s = { 0 };
	s.crates = calloc(1, sizeof *s.crates);
	s.n = 1;
	struct learn_crate *c = &s.crates[0];
	c->name = strdup("foo");
	add(c, "$HOME/.config/thing/a", POL_R);
	add(c, "$HOME/.config/thing/b", POL_R);
	add(c, "$HOME/.config/thing/c", POL_R);
	add(c, "$HOME/.a", POL_R);
	add(c, "$HOME/.b", POL_R);
	add(c, "$HOME/.c", POL_R);
	add(c, "$OUT_DIR/x", POL_R | POL_W);
	add(c, "$OUT_DIR/x/y", POL_R);
	add(c, "/opt/tool/bin/t", POL_R | POL_X);
	learn_simplify(&s);
	char got[1024] = "";
	for (size_t i = 0; i < c->nrules; i++) {
		char acc[6];
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s %s", i ? ", " : "",
			 policy_access_str(c->rules[i].access, acc), c->rules[i].path);
	}
	check_str("simplify: group, keep $HOME files, drop covered", got,
		  "r-- $HOME/.a, r-- $HOME/.b, r-- $HOME/.c, r-- $HOME/.config/thing, rw- $OUT_DIR/x, r-x /opt/tool/bin/t");

	char req[64];
	c->versions[0] = strdup("0.9.4");
	c->nversions = 1;
	learn_versions_req(c, req, sizeof req);
	check_str("versions 0.9.4", req, "^0.9");
	c->versions[1] = strdup("0.10.1");
	c->nversions = 2;
	learn_versions_req(c, req, sizeof req);
	check_str("versions 0.9.4 + 0.10.1", req, ">=0.9.4, <0.11");
	free(c->versions[0]);
	free(c->versions[1]);
	c->versions[0] = strdup("1.2.3");
	c->versions[1] = strdup("1.7.0");
	learn_versions_req(c, req, sizeof req);
	check_str("versions 1.2.3 + 1.7.0", req, "^1.2");
	learn_set_free(&s);

	return tap_done();
}
