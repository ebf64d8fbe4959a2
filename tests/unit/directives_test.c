/* directives_check(): a table of (line, policy) -> verdict.
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed". */
#include <stdio.h>
#include <string.h>

#include "directives.h"
#include "policy.h"
#include "tap.h"

static const char *const dirs[] = { "/t/target/debug/build/x-1/out", "/t/target", NULL };

static int verdict(const char *line, const struct policy *p, struct directive_verdict *v)
{
	return directives_check(line, strlen(line), p, dirs, v);
}

static void expect(const char *line, const struct policy *p, int want, const char *want_key)
{
	struct directive_verdict v;
	int r = verdict(line, p, &v);
	char what[128];
	snprintf(what, sizeof what, "%s%s%s",
		 want == DIRECTIVE_ALLOWED ? "allowed" : want == DIRECTIVE_REJECTED ? "rejected" : "not a directive",
		 want_key ? " key=" : "", want_key ? want_key : "");
	int ok = r == want && (!want_key || strcmp(v.key, want_key) == 0) &&
		 (r != DIRECTIVE_REJECTED || v.why[0]);
	if (!ok)
		printf("# got %d key=%s why=%s\n", r, v.key, v.why);
	check(ok, "%s: %s", what, line);
}

int main(void)
{
	/* a policy that allows link args and reads /opt/libs */
	struct policy_rule rules[] = { { .path = (char *)"/opt/libs", .access = POL_R },
				       { .path = (char *)"/usr", .access = POL_R | POL_X } };
	char *allowdir[] = { (char *)"rustc-link-arg", (char *)"rustc-env",
			     (char *)"frobnicate" };
	struct policy pol = { .rules = rules, .nrules = 2, .directives = allowdir, .ndirectives = 3 };
	struct policy empty = { 0 };

	const int A = DIRECTIVE_ALLOWED, R = DIRECTIVE_REJECTED, N = DIRECTIVE_NONE;

	/* not directives */
	expect("hello world", NULL, N, NULL);
	expect("", NULL, N, NULL);
	expect("cargo", NULL, N, NULL);
	expect("Cargo:rustc-link-arg=-x", NULL, N, NULL);
	expect("xcargo:rustc-link-arg=-x", NULL, N, NULL);

	/* default-allowed */
	expect("cargo:rerun-if-changed=build.rs", NULL, A, "rerun-if-changed");
	expect("cargo::rerun-if-env-changed=CC", NULL, A, "rerun-if-env-changed");
	expect("cargo:warning=hi", NULL, A, "warning");
	expect("cargo::error=bad", NULL, A, "error");
	expect("cargo:rustc-cfg=foo", NULL, A, "rustc-cfg");
	expect("cargo::rustc-check-cfg=cfg(foo)", NULL, A, "rustc-check-cfg");
	expect("cargo:rustc-link-lib=z", NULL, A, "rustc-link-lib");
	expect("cargo:rustc-link-lib=static:+whole-archive=foo", NULL, A, "rustc-link-lib");
	expect("cargo:rustc-env=GIT_HASH=abc", NULL, A, "rustc-env");
	expect("cargo::metadata=root=/x", NULL, A, "metadata");
	expect("cargo:root=/t/target/out", NULL, A, "metadata");
	expect("cargo:include=/usr/include", NULL, A, "metadata");
	expect("cargo:rustc-link-arg =x", NULL, A, "metadata"); /* cargo's key has the space */
	expect("cargo:rustc-link-arg", NULL, A, "rustc-link-arg"); /* no '=': cargo ignores it */

	/* link search */
	expect("cargo:rustc-link-search=native=/t/target/debug/build/x-1/out", NULL, A, "rustc-link-search");
	expect("cargo:rustc-link-search=/t/target/debug/build/x-1/out/lib", NULL, A, "rustc-link-search");
	expect("cargo:rustc-link-search=all=/t/target/debug/build/y-2/out", NULL, A, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/t/target/../../home/u/.evil", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/t/targetx", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/home/u/lib", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/home/u/lib", &empty, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=relative/lib", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=@RUSTC_BUILTIN/lib", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/opt/libs/x86_64", &pol, A, "rustc-link-search");
	expect("cargo:rustc-link-search=/usr/lib/x86_64-linux-gnu", &pol, A, "rustc-link-search");
	expect("cargo:rustc-link-search=/opt/libsy", &pol, R, "rustc-link-search");
	expect("cargo::rustc-link-search=framework=/opt/libs/../../home", &pol, R, "rustc-link-search");

	/* restricted keys */
	expect("cargo:rustc-link-arg=-Wl,--version", NULL, R, "rustc-link-arg");
	expect("cargo::rustc-link-arg=-fuse-ld=/tmp/evil", &empty, R, "rustc-link-arg");
	expect("cargo:rustc-link-arg=-Wl,--version", &pol, A, "rustc-link-arg");
	expect("cargo:rustc-link-arg-bins=-x", &pol, R, "rustc-link-arg-bins");
	expect("cargo:rustc-link-arg-bin=foo=-x", NULL, R, "rustc-link-arg-bin");
	expect("cargo:rustc-link-arg-tests=-x", NULL, R, "rustc-link-arg-tests");
	expect("cargo:rustc-link-arg-examples=-x", NULL, R, "rustc-link-arg-examples");
	expect("cargo:rustc-link-arg-benches=-x", NULL, R, "rustc-link-arg-benches");
	expect("cargo:rustc-link-arg-cdylib=-x", NULL, R, "rustc-link-arg-cdylib");
	expect("cargo:rustc-cdylib-link-arg=-x", NULL, R, "rustc-cdylib-link-arg");
	expect("cargo:rustc-flags=-l foo -L /x", NULL, R, "rustc-flags");
	expect("cargo:rustc-link-lib=link-arg=-fuse-ld=/x", NULL, R, "rustc-link-arg");
	expect("cargo:rustc-link-lib=link-arg:+verbatim=-x", NULL, R, "rustc-link-arg");
	expect("cargo:rustc-link-lib=link-arg=-x", &pol, A, NULL);

	/* rustc-env that changes how rustc / the linker / the wrapper run */
	expect("cargo:rustc-env=LD_PRELOAD=/t/target/out/evil.so", NULL, R, "rustc-env");
	expect("cargo:rustc-env=PATH=/t/target/out", NULL, R, "rustc-env");
	expect("cargo::rustc-env=BSBOX_RUSTC_WRAPPER=/x", NULL, R, "rustc-env");
	expect("cargo:rustc-env=COMPILER_PATH=/x", NULL, R, "rustc-env");
	expect("cargo:rustc-env=LD_LIBRARY_PATH=/x", &pol, A, NULL);
	expect("cargo:rustc-env=PATHX=/x", NULL, A, "rustc-env");

	/* unknown keys: metadata in the old syntax, rejected in the new one */
	expect("cargo::frobnicate=1", NULL, R, "frobnicate");
	expect("cargo::frobnicate=1", &pol, A, "frobnicate");
	expect("cargo::rustc-link-argx=1", NULL, R, "rustc-link-argx");

	/* white space cargo trims (Rust's str::trim: Unicode White_Space) */
	expect("  cargo:rustc-link-arg=-x", NULL, R, "rustc-link-arg");
	expect("\tcargo:rustc-link-arg=-x\r", NULL, R, "rustc-link-arg");
	expect("\xc2\xa0" "cargo:rustc-link-arg=-x", NULL, R, "rustc-link-arg");     /* U+00A0 */
	expect("\xe2\x80\x83" "cargo::rustc-link-arg=-x", NULL, R, "rustc-link-arg"); /* U+2003 */
	expect("\xe3\x80\x80\xe2\x80\xa8" "cargo:rustc-flags=-x", NULL, R, "rustc-flags");
	expect("\xe2\x80\x8b" "cargo:rustc-link-arg=-x", NULL, N, NULL); /* U+200B is not white space */
	expect("cargo:rustc-link-search=native=/home/u\xe2\x80\x80", NULL, R, "rustc-link-search");
	expect("cargo:rustc-link-search=native=/t/target \xc2\x85", NULL, A, "rustc-link-search");

	/* embedded NUL: cargo sees the whole line, we must not stop at the NUL */
	{
		static const char line[] = "cargo:rustc-link-search=native=/t/target\0/../../../home";
		struct directive_verdict v;
		int r = directives_check(line, sizeof line - 1, NULL, dirs, &v);
		check(r == DIRECTIVE_REJECTED, "rejected (NUL byte): cargo:rustc-link-search=...\\0...");
		static const char line2[] = "\0cargo:rustc-link-arg=x";
		r = directives_check(line2, sizeof line2 - 1, NULL, dirs, &v);
		check(r == DIRECTIVE_NONE, "not a directive (leading NUL): \\0cargo:...");
	}
	/* v may be NULL */
	check(directives_check("cargo:rustc-link-arg=x", 22, NULL, NULL, NULL) == DIRECTIVE_REJECTED,
	      "rejected without verdict struct: cargo:rustc-link-arg=x");

	/* path containment: tests/unit/util_test.c (util_path_within) */

	return tap_done();
}
