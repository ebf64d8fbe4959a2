/* Unit tests for the pure part of src/rustcbox.c: reading rustc's and
 * rustdoc's command lines, the record paths, and merging a macro's policy
 * without what it inherits from the built-in default. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "rustcbox.h"
#include "tap.h"

static int parse(struct rustc_args *a, char **argv)
{
	int n = 0;
	while (argv[n])
		n++;
	return rustc_args_parse(a, argv, n);
}

static void test_parse(void)
{
	struct rustc_args a = { 0 };
	char *argv[] = { "--crate-name", "user", "--edition=2021", "src/main.rs", "--crate-type", "bin",
			 "--emit=dep-info,link", "-C", "extra-filename=-ab", "--out-dir", "/t/deps",
			 "-C", "incremental=/t/inc", "-Clinker=/usr/bin/cc", "-L", "dependency=/t/deps",
			 "-Lnative=/o/lib", "-L", "/plain", "--extern", "pm=/t/deps/libpm-1.so",
			 "--extern=noprelude:lib=/t/deps/liblib-2.rlib", "--extern", "proc_macro",
			 "--cfg", "feature=\"x\"", NULL };
	check(parse(&a, argv) == 0, "parse a cargo rustc line");
	check(a.crate_name && !strcmp(a.crate_name, "user"), "crate name");
	check(a.out_dir && !strcmp(a.out_dir, "/t/deps"), "--out-dir");
	check(a.incremental && !strcmp(a.incremental, "/t/inc"), "-C incremental=");
	check(a.linker && !strcmp(a.linker, "/usr/bin/cc"), "-Clinker=");
	check(a.extra_filename && !strcmp(a.extra_filename, "-ab"), "extra-filename");
	check(!a.crate_type_other && !a.crate_type_lib && a.emit_link, "a bin that links");
	check(a.nexterns == 2 && !strcmp(a.externs[0], "/t/deps/libpm-1.so") &&
		      !strcmp(a.externs[1], "/t/deps/liblib-2.rlib"),
	      "--extern paths (options stripped, sysroot crates without a path skipped)");
	check(a.nldirs == 3 && !strcmp(a.ldirs[0], "/t/deps") && !strcmp(a.ldirs[1], "/o/lib") &&
		      !strcmp(a.ldirs[2], "/plain"),
	      "-L paths without their kind");
	rustc_args_free(&a);

	char *pm[] = { "--crate-type", "proc-macro", "--crate-name", "m", NULL };
	check(parse(&a, pm) == 0 && a.proc_macro && a.crate_type_lib && a.crate_type_other,
	      "a proc-macro crate is a library others load");
	rustc_args_free(&a);
	char *vv[] = { "-vV", NULL };
	check(parse(&a, vv) == 0 && a.version_probe && a.nexterns == 0, "-vV");
	rustc_args_free(&a);
	struct rustc_args d = { .rustdoc = true };
	char *doc[] = { "--crate-name", "x", "-o", "/t/doc", "--extern", "m=/t/deps/libm-1.so",
			"--library-path", "dependency=/t/deps", NULL };
	check(parse(&d, doc) == 0 && d.rustdoc && d.out_file && !strcmp(d.out_file, "/t/doc") &&
		      d.nexterns == 1 && d.nldirs == 1 && !strcmp(d.ldirs[0], "/t/deps"),
	      "a rustdoc line keeps the rustdoc flag");
	rustc_args_free(&d);
}

static void test_paths(void)
{
	char out[256];
	check(rustcbox_record_path("/t/debug/deps/libserde-12ab.rlib", out, sizeof out) &&
		      !strcmp(out, "/t/debug/.bsbox-pm/libserde-12ab"),
	      "record of an rlib: %s", out);
	check(rustcbox_record_path("/t/debug/deps/libserde-12ab.rmeta", out, sizeof out) &&
		      !strcmp(out, "/t/debug/.bsbox-pm/libserde-12ab"),
	      "an rmeta shares the rlib's record");
	check(rustcbox_record_path("/t/debug/deps/libserde_derive-9.so", out, sizeof out) &&
		      !strcmp(out, "/t/debug/.bsbox-pm/libserde_derive-9"),
	      "record of a proc macro");
	check(!rustcbox_record_path("libx.rlib", out, sizeof out), "no directory: no record");
	check(!rustcbox_record_path("/libx.rlib", out, sizeof out), "no parent directory: no record");
	check(!rustcbox_record_path("/t/debug/deps/libserde-12ab.rlib", out, 10), "too long: no record");
	check(rustcbox_lib_name("/t/deps/libthiserror_impl-77.so", out, sizeof out) &&
		      !strcmp(out, "thiserror_impl"),
	      "library name from a file");
	check(!rustcbox_lib_name("/t/deps/foo.so", out, sizeof out), "not lib*: no name");
}

static void test_merge(void)
{
	struct bsbox_err err = { 0 };
	const char *text = "{\"extends\": [\"default\"], \"read\": [\"/data\"], \"env\": [\"DATABASE_URL\"],"
			   " \"directives\": [\"rustc-link-arg\"]}";
	struct policy *pm = NULL;
	check(policy_parse(text, strlen(text), "m.json", NULL, &pm, &err) == 0, "parse a macro policy");
	struct policy *base = calloc(1, sizeof *base);
	base->limits = (struct policy_limits){ -1, -1, -1, -1, -1 };
	check(pm && rustcbox_merge_macro(base, pm, &err) == 0, "merge it");
	check(base->nrules == 1 && !strcmp(base->rules[0].path, "/data"),
	      "only its own rules (the default's $OUT_DIR write is not inherited): %zu", base->nrules);
	check(policy_env_allowed(base, "DATABASE_URL"), "its env grant");
	check(base->ndirectives == 0, "no cargo directives");
	policy_free(base);
	policy_free(pm);
}

int main(void)
{
	test_parse();
	test_paths();
	test_merge();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
