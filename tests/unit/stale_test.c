/* stale_sweep on a fake target dir: which build-script files go, which stay
 * (shims, dep-info, bsbox's own files, a compile in progress). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "rustcbox.h"
#include "shim.h"
#include "stale.h"
#include "tap.h"

static char root[] = "/tmp/bsbox-stale-test.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[4096], cmd[4200];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
	if (system(cmd) != 0)
		abort();
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *rel)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	return access(p, F_OK) == 0;
}

static void link_rel(const char *from, const char *to)
{
	char a[4096], b[4096];
	snprintf(a, sizeof a, "%s/%s", root, from);
	snprintf(b, sizeof b, "%s/%s", root, to);
	if (link(a, b) < 0)
		abort();
}

#define SHIM "#!/usr/bin/bsbox --shim-exec\n" SHIM_MARKER "\nreal=/x.bsbox-real\n"

int main(void)
{
	if (!mkdtemp(root))
		abort();
	struct bsbox_err err = { 0 };
	size_t n = 0;

	/* an old plain build: cargo's link and rustc's output share an inode */
	put("debug/build/a-1111/build_script_build-1111", "\177ELF old");
	link_rel("debug/build/a-1111/build_script_build-1111", "debug/build/a-1111/build-script-build");
	put("debug/build/a-1111/build_script_build-1111.d", "deps");
	/* a shimmed one, and its real binary */
	put("debug/build/b-2222/build-script-build", SHIM);
	put("debug/build/b-2222/build-script-build.bsbox-real", "\177ELF real");
	/* rustc's output being written now, no link yet (a compile in progress) */
	put("debug/build/c-3333/build_script_build-3333", "\177ELF new");
	/* --target TRIPLE layout, and the run dir's output file */
	put("x86_64-unknown-linux-gnu/release/build/d-4444/build-script-main", "\177ELF");
	put("debug/build/a-5555/output", "cargo:rerun-if-changed=x\n");

	check(stale_sweep(root, true, &n, &err) == 0, "linked-only sweep: %s", err.msg);
	check(n == 3, "linked-only removed 3 (the link, its inode twin, the triple's), got %zu", n);
	check(!exists("debug/build/a-1111/build-script-build"), "the old link is gone");
	check(!exists("debug/build/a-1111/build_script_build-1111"), "its rustc output (same inode) is gone");
	check(exists("debug/build/a-1111/build_script_build-1111.d"), "dep-info stays");
	check(exists("debug/build/b-2222/build-script-build"), "a shim stays");
	check(exists("debug/build/b-2222/build-script-build.bsbox-real"), "the real binary stays");
	check(exists("debug/build/c-3333/build_script_build-3333"), "a compile in progress is left alone");
	check(!exists("x86_64-unknown-linux-gnu/release/build/d-4444/build-script-main"),
	      "<triple>/<profile>/build is swept");
	check(exists("debug/build/a-5555/output"), "the run dir stays");

	/* at the probe nothing compiles yet: a lone rustc output is stale too
	 * (cargo would relink build-script-build from it and run it) */
	n = 0;
	check(stale_sweep(root, false, &n, &err) == 0, "full sweep: %s", err.msg);
	check(n == 1 && !exists("debug/build/c-3333/build_script_build-3333"),
	      "the full sweep removes a lone rustc output (removed %zu)", n);
	check(exists("debug/build/b-2222/build-script-build"), "a shim still stays");

	n = 0;
	check(stale_sweep("/nonexistent/bsbox", false, &n, &err) == 0 && n == 0, "a missing dir is no error");

	struct rustc_args c = { .crate_name = "___" };
	check(stale_is_target_probe(&c), "--crate-name ___ is the probe");
	c.crate_name = "build_script_build";
	check(!stale_is_target_probe(&c), "a build script is not the probe");

	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return tap_done();
}
