/* `bsbox policy check FILE...`, `bsbox policy show CRATE` and
 * `bsbox policy explain [LOG]`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "jsonpos.h"
#include "learn.h"
#include "lock.h"
#include "evlog.h"
#include "policy.h"
#include "policycmd.h"
#include "policystore.h"

static const char *const known_vars[] = {
	"HOME", "TMPDIR", "CWD", "OUT_DIR", "CARGO_MANIFEST_DIR", "CARGO_WORKSPACE_DIR",
	"CARGO_HOME", "RUSTUP_HOME", "SYSROOT", "TARGET_DIR", "BSBOX_SCRIPT_DIR",
};

/* Levenshtein distance, for "did you mean" (names are short). */
static size_t distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), prev[64], cur[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
	}
	return prev[lb];
}

enum var_verdict { VAR_KNOWN, VAR_ENV, VAR_BAD };

/* "FILE:LINE" (a rule's origin) -> "FILE:LINE:COL" with COL at the first
 * "$VAR" / "${VAR" on that line, so editors jump to the variable. */
static void origin_col(const char *origin, const char *var, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", origin);
	const char *colon = strrchr(origin, ':');
	if (!colon)
		return;
	unsigned long want = strtoul(colon + 1, NULL, 10);
	cleanup_free char *file = strndup(origin, (size_t)(colon - origin));
	cleanup_fclose FILE *f = file ? fopen(file, "re") : NULL;
	if (!f || !want)
		return;
	char *line = NULL;
	size_t cap = 0;
	for (unsigned long n = 1; getline(&line, &cap, f) > 0; n++) {
		if (n != want)
			continue;
		char a[80], b[80];
		snprintf(a, sizeof a, "$%s", var);
		snprintf(b, sizeof b, "${%s", var);
		const char *hit = strstr(line, a);
		if (!hit)
			hit = strstr(line, b);
		if (hit) {
			unsigned l, c;
			jsonpos_linecol(line, strlen(line), (size_t)(hit - line), &l, &c);
			snprintf(out, outlen, "%s:%u", origin, c);
		}
		break;
	}
	free(line);
}

/* Each $NAME in path: a documented variable, another environment variable
 * (allowed: dropped when unset, e.g. $OPENSSL_DIR), or a likely mistake --
 * lower case, or within two edits of a documented name ($OUTDIR, $CARGO_HOM).
 * Returns the worst; the offending name goes to out, a hint to hint. */
static enum var_verdict check_vars(const char *path, char *out, size_t outlen, char *hint,
				   size_t hintlen)
{
	enum var_verdict worst = VAR_KNOWN;
	hint[0] = '\0';
	for (const char *s = strchr(path, '$'); s; s = strchr(s + 1, '$')) {
		const char *n = s + 1;
		if (*n == '{')
			n++;
		size_t l = 0;
		while (isalnum((unsigned char)n[l]) || n[l] == '_')
			l++;
		bool known = false, lower = false;
		const char *near = NULL;
		for (size_t i = 0; i < sizeof known_vars / sizeof known_vars[0]; i++) {
			if (strlen(known_vars[i]) == l && strncmp(known_vars[i], n, l) == 0)
				known = true;
			else if (distance(n, l, known_vars[i]) <= 2 || strncasecmp(known_vars[i], n, l) == 0)
				near = known_vars[i];
		}
		for (size_t i = 0; i < l; i++)
			lower |= islower((unsigned char)n[i]) != 0;
		if (known)
			continue;
		enum var_verdict v = near || lower ? VAR_BAD : VAR_ENV;
		if (v >= worst) {
			worst = v;
			snprintf(out, outlen, "%.*s", (int)l, n);
			if (near)
				snprintf(hint, hintlen, "; did you mean $%s?", near);
		}
	}
	return worst;
}

static int check(int argc, char **argv, const struct bsbox_settings *set)
{
	int bad = 0;
	struct bsbox_err derr = { 0 };
	cleanup_strv char **dirs = NULL;
	if (policystore_dirs(set->policy_dir, NULL, &dirs, &derr) < 0) {
		fprintf(stderr, "bsbox policy check: %s\n", derr.msg);
		return BSBOX_EXIT_SETUP;
	}
	/* the lock's entries name policy files: report the missing ones */
	int lockbad = lock_policy_problems(stdout);
	if (argc < 1 && !lockbad) {
		fputs("usage: bsbox policy check FILE...\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	bad += lockbad;
	for (int i = 0; i < argc; i++) {
		struct bsbox_err err = { 0 };
		cleanup_policy struct policy *p = NULL;
		/* presets next to the file first, as where it will be installed */
		cleanup_free char *own = strdup(argv[i]);
		char *slash = own ? strrchr(own, '/') : NULL;
		if (own && slash)
			*slash = '\0';
		size_t nd = 0;
		while (dirs && dirs[nd])
			nd++;
		cleanup_free const char **search = calloc(nd + 3, sizeof *search);
		if (!own || !search) {
			fputs("bsbox policy check: out of memory\n", stderr);
			return BSBOX_EXIT_SETUP;
		}
		size_t k = 0;
		search[k++] = slash ? own : ".";
		for (size_t d = 0; d < nd; d++)
			search[k++] = dirs[d];
		if (policy_load_file(argv[i], search, &p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			bad++;
			continue;
		}
		char var[64], hint[64], where[PATH_MAX + 32];
		bool ok = true;
		for (size_t r = 0; r < p->nrules; r++) {
			const char *origin = p->rules[r].origin ? p->rules[r].origin : argv[i];
			switch (check_vars(p->rules[r].path, var, sizeof var, hint, sizeof hint)) {
			case VAR_KNOWN:
				break;
			case VAR_ENV:
				/* notes only for the file's own rules, not its presets' */
				if (strncmp(origin, argv[i], strlen(argv[i])) != 0 ||
				    origin[strlen(argv[i])] != ':')
					break;
				printf("%s: note: $%s in \"%s\" is not a bsbox variable: taken from the "
				       "environment, the rule is dropped when it is unset\n",
				       origin, var, p->rules[r].path);
				break;
			case VAR_BAD:
				origin_col(origin, var, where, sizeof where);
				fprintf(stderr, "%s: unknown variable $%s in \"%s\"%s (known: $HOME $TMPDIR "
						"$CWD $OUT_DIR $CARGO_MANIFEST_DIR $CARGO_WORKSPACE_DIR "
						"$CARGO_HOME $RUSTUP_HOME $SYSROOT $TARGET_DIR $BSBOX_SCRIPT_DIR)\n",
					where, var, p->rules[r].path, hint);
				ok = false;
				break;
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

/* Other version-pinned files of crate in dirs (<crate>@*.json), for a note:
 * they apply to those versions only. */
static void note_pinned(const char *crate, const char *const *dirs, const char *shown)
{
	size_t cl = strlen(crate);
	for (size_t i = 0; dirs && dirs[i]; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l <= cl + 6 || strncmp(e->d_name, crate, cl) != 0 || e->d_name[cl] != '@' ||
			    strcmp(e->d_name + l - 5, ".json") != 0)
				continue;
			char path[PATH_MAX];
			snprintf(path, sizeof path, "%s/%s", dirs[i], e->d_name);
			if (shown && strcmp(path, shown) == 0)
				continue;
			printf("# %s applies to %s %.*s instead (bsbox policy show %.*s)\n", path, crate,
			       (int)(l - cl - 6), e->d_name + cl + 1, (int)(l - 5), e->d_name);
		}
		if (d)
			closedir(d);
	}
}

/* `bsbox policy show CRATE[@VERSION]`: what the shim applies to that crate
 * (policystore_load(), the same lookup) built from the current directory. */
static int show(int argc, char **argv, const struct bsbox_settings *set)
{
	if (argc != 1) {
		fputs("usage: bsbox policy show CRATE[@VERSION]\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	char cwd[PATH_MAX];
	struct bsbox_err err = { 0 };
	cleanup_strv char **dirs = NULL;
	cleanup_free char *crate = strdup(argv[0]);
	if (!crate || policystore_dirs(set->policy_dir, getcwd(cwd, sizeof cwd) ? cwd : NULL, &dirs,
				       &err) < 0) {
		fprintf(stderr, "bsbox policy show: %s\n", crate ? err.msg : "out of memory");
		return BSBOX_EXIT_SETUP;
	}
	char *at = strchr(crate, '@');
	const char *version = NULL;
	if (at) {
		*at = '\0';
		version = at + 1;
	}
	const char *const *cdirs = (const char *const *)dirs;
	cleanup_free char *found = NULL;
	cleanup_policy struct policy *p = NULL;
	if (policystore_find(crate, version, cdirs, &found, &err) < 0 ||
	    policystore_open(found, cdirs, &p, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return err.exit_code ? err.exit_code : BSBOX_EXIT_SETUP;
	}
	const char *what = argv[0];
	if (found)
		printf("# policy for %s: %s\n", what, found);
	else
		printf("# no policy file for %s: the built-in default applies\n", what);
	if (!version)
		note_pinned(crate, cdirs, found);
	if (!p)
		return BSBOX_EXIT_SETUP;
	printf("network: %s\n", p->network ? "allowed" : "denied");
	for (size_t i = 0; i < p->nrules; i++) {
		char acc[6];
		printf("%-5s %-50s  # %s%s%s\n", policy_access_str(p->rules[i].access, acc),
		       p->rules[i].path, p->rules[i].origin ? p->rules[i].origin : "",
		       p->rules[i].why ? ": " : "", p->rules[i].why ? p->rules[i].why : "");
	}
	for (size_t i = 0; i < p->nenv; i++)
		printf("env       %s\n", p->env[i]);
	for (size_t i = 0; i < p->ndirectives; i++)
		printf("directive %s\n", p->directives[i]);
	printf("limits: nproc %ld, fsize %ld MiB, cpu %ld s, as %ld MiB, nofile %ld, mem %ld MiB, "
	       "tmp %ld MiB, wall %ld s\n",
	       p->limits.nproc, p->limits.fsize_mb, p->limits.cpu_s, p->limits.as_mb,
	       p->limits.nofile, p->limits.mem_mb, p->limits.tmp_mb, p->limits.wall_s);
	return 0;
}

/* `bsbox policy explain [LOG]`: the denials in LOG as the policy entries
 * that would allow them, by crate (the same generalisation as learn mode). */
static int explain(int argc, char **argv, const struct bsbox_settings *settings)
{
	if (argc > 1) {
		fputs("usage: bsbox policy explain [LOG]\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	cleanup_free char *log = argc == 1 ? strdup(argv[0]) : evlog_default_path(settings->log);
	if (!log) {
		fputs("bsbox policy explain: no event log (give one, or set BSBOX_LOG)\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	struct learn_set set = { 0 };
	struct bsbox_err err = { 0 };
	unsigned bad = 0;
	if (learn_collect_here(log, &set, &bad, &err) < 0) {
		fprintf(stderr, "bsbox policy explain: %s\n", err.msg);
		return BSBOX_EXIT_USAGE;
	}
	learn_simplify(&set);
	if (bad)
		fprintf(stderr, "bsbox policy explain: %s: %u malformed line%s skipped\n", log, bad,
			bad == 1 ? "" : "s");
	if (!set.n)
		printf("%s: no denials\n", log);
	for (size_t i = 0; i < set.n; i++) {
		const struct learn_crate *c = &set.crates[i];
		char req[64];
		learn_versions_req(c, req, sizeof req);
		printf("%s%s %s: %u denial%s; a policy .bsbox/policies/%s.json with \"extends\": "
		       "[\"default\"] and:\n",
		       i ? "\n" : "", c->name, c->nversions ? c->versions[0] : "", c->nevents,
		       c->nevents == 1 ? "" : "s", c->name);
		cleanup_free char *json = learn_crate_json(c);
		if (json && strcmp(json, "{\n}") != 0 && strcmp(json, "{}") != 0)
			printf("%s\n", json);
		if (c->network && c->addrs)
			printf("  (network: %s)\n", c->addrs);
		for (size_t j = 0; j < c->nsyscalls; j++)
			printf("  %s() cannot be allowed by a policy: the sandbox refuses it for every "
			       "crate\n", c->syscalls[j]);
	}
	learn_set_free(&set);
	return 0;
}

int policycmd_main(int argc, char **argv, const struct bsbox_settings *set)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return check(argc - 2, argv + 2, set);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return show(argc - 2, argv + 2, set);
	if (argc >= 2 && strcmp(argv[1], "explain") == 0)
		return explain(argc - 2, argv + 2, set);
	fputs("usage: bsbox policy check FILE... | bsbox policy show CRATE[@VERSION] | bsbox policy explain [LOG]\n",
	      stderr);
	return BSBOX_EXIT_USAGE;
}
