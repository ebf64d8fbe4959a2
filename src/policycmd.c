/* `bsbox policy check FILE...` and `bsbox policy show CRATE`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "policy.h"
#include "policycmd.h"
#include "run.h"

static const char *const known_vars[] = {
	"HOME", "TMPDIR", "CWD", "OUT_DIR", "CARGO_MANIFEST_DIR", "CARGO_WORKSPACE_DIR",
	"CARGO_HOME", "RUSTUP_HOME", "SYSROOT", "TARGET_DIR", "BSBOX_SCRIPT_DIR",
};

/* The first $NAME in path that is not a documented variable, copied to out. */
static bool unknown_var(const char *path, char *out, size_t outlen)
{
	for (const char *s = strchr(path, '$'); s; s = strchr(s + 1, '$')) {
		const char *n = s + 1;
		bool brace = *n == '{';
		if (brace)
			n++;
		size_t l = 0;
		while (isalnum((unsigned char)n[l]) || n[l] == '_')
			l++;
		bool known = false;
		for (size_t i = 0; i < sizeof known_vars / sizeof known_vars[0]; i++)
			if (strlen(known_vars[i]) == l && strncmp(known_vars[i], n, l) == 0)
				known = true;
		if (!known) {
			snprintf(out, outlen, "%.*s", (int)l, n);
			return true;
		}
	}
	return false;
}

static int check(int argc, char **argv)
{
	int bad = 0;
	cleanup_strv char **dirs = run_policy_dirs(NULL);
	if (argc < 1) {
		fputs("usage: bsbox policy check FILE...\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		struct bsbox_err err = { 0 };
		cleanup_policy struct policy *p = NULL;
		if (policy_load_file(argv[i], (const char *const *)dirs, &p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			bad++;
			continue;
		}
		char var[64];
		bool ok = true;
		for (size_t r = 0; r < p->nrules; r++) {
			if (unknown_var(p->rules[r].path, var, sizeof var)) {
				fprintf(stderr, "%s: unknown variable $%s in \"%s\" (known: $HOME $TMPDIR "
						"$CWD $OUT_DIR $CARGO_MANIFEST_DIR $CARGO_WORKSPACE_DIR "
						"$CARGO_HOME $RUSTUP_HOME $SYSROOT $TARGET_DIR $BSBOX_SCRIPT_DIR)\n",
					p->rules[r].origin ? p->rules[r].origin : argv[i], var,
					p->rules[r].path);
				ok = false;
			}
		}
		if (!ok) {
			bad++;
			continue;
		}
		printf("%s: ok\n", argv[i]);
	}
	return bad ? BSBOX_EXIT_POLICY : 0;
}

static int show(int argc, char **argv)
{
	if (argc != 1) {
		fputs("usage: bsbox policy show CRATE[@VERSION]\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	char cwd[PATH_MAX];
	cleanup_strv char **dirs = run_policy_dirs(getcwd(cwd, sizeof cwd) ? cwd : NULL);
	struct bsbox_err err = { 0 };
	cleanup_policy struct policy *p = NULL;
	char file[PATH_MAX * 2];
	const char *found = NULL;
	for (char **d = dirs; d && *d && !found; d++) {
		snprintf(file, sizeof file, "%s/%s.json", *d, argv[0]);
		if (access(file, R_OK) == 0)
			found = file;
	}
	if (found) {
		if (policy_load_file(found, (const char *const *)dirs, &p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return BSBOX_EXIT_POLICY;
		}
		printf("# policy for %s: %s\n", argv[0], found);
	} else {
		p = policy_new_default();
		printf("# no policy file for %s: the built-in default applies\n", argv[0]);
	}
	if (!p)
		return BSBOX_EXIT_SETUP;
	printf("network: %s\n", p->network ? "allowed" : "denied");
	for (size_t i = 0; i < p->nrules; i++) {
		char acc[4];
		printf("%s  %-50s  # %s%s%s\n", policy_access_str(p->rules[i].access, acc),
		       p->rules[i].path, p->rules[i].origin ? p->rules[i].origin : "",
		       p->rules[i].why ? ": " : "", p->rules[i].why ? p->rules[i].why : "");
	}
	for (size_t i = 0; i < p->nenv; i++)
		printf("env       %s\n", p->env[i]);
	for (size_t i = 0; i < p->ndirectives; i++)
		printf("directive %s\n", p->directives[i]);
	printf("limits: nproc %ld, fsize %ld MiB, cpu %ld s, as %ld MiB, nofile %ld\n",
	       p->limits.nproc, p->limits.fsize_mb, p->limits.cpu_s, p->limits.as_mb,
	       p->limits.nofile);
	return 0;
}

int policycmd_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return check(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return show(argc - 2, argv + 2);
	fputs("usage: bsbox policy check FILE... | bsbox policy show CRATE\n", stderr);
	return BSBOX_EXIT_USAGE;
}
