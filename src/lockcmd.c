/* `bsbox lock` and what it shares with review, learn and policy check:
 * the project's units from `cargo metadata`, the comparison with the lock,
 * where the sources of a version are (see lock.h). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "fileio.h"
#include "lock.h"
#include "semver.h"
#include "shim.h"

#define META_MAX (256u << 20) /* cargo metadata's output */

/* ---- the project's units (cargo metadata) ---------------------------------- */

/* Run argv in dir (NULL: here), capture stdout (stderr passes through). */
static int capture(char *const *argv, const char *dir, char **out, struct bsbox_err *err)
{
	int p[2];
	*out = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return bsbox_err_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return bsbox_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		/* cargo finds its config (source replacement...) from the cwd */
		if (dir && chdir(dir) < 0)
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "bsbox: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[65536];
	ssize_t n;
	while (m && (n = read(p[0], chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || len > META_MAX)
			break;
		fwrite(chunk, 1, (size_t)n, m);
	}
	close(p[0]);
	if (m)
		fclose(m);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			break;
	if (!m || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		return bsbox_err_setx(err, EIO, "`%s %s` failed", argv[0], argv[1] ? argv[1] : "");
	}
	*out = buf;
	return 0;
}

static void host_triple(char *out, size_t len)
{
	const char *rustc = getenv("RUSTC");
	char *argv[] = { (char *)(rustc && *rustc ? rustc : "rustc"), (char *)"-vV", NULL };
	cleanup_free char *text = NULL;
	struct bsbox_err err;
	out[0] = '\0';
	if (capture(argv, NULL, &text, &err) < 0)
		return;
	const char *h = strstr(text, "\nhost: ");
	if (h)
		snprintf(out, len, "%.*s", (int)strcspn(h + 7, "\n"), h + 7);
}

int lock_project_units(const char *manifest_dir, struct lock *out, char **workspace,
		       struct bsbox_err *err)
{
	memset(out, 0, sizeof *out);
	*workspace = NULL;
	char host[128];
	cleanup_free char *mpath = NULL;
	host_triple(host, sizeof host);
	const char *cargo = getenv("CARGO");
	char *argv[10] = { (char *)(cargo && *cargo ? cargo : "cargo"), (char *)"metadata",
			  (char *)"--format-version", (char *)"1", NULL };
	size_t n = 4;
	if (host[0]) {
		argv[n++] = (char *)"--filter-platform";
		argv[n++] = host;
	}
	if (manifest_dir) {
		if (asprintf(&mpath, "%s/Cargo.toml", manifest_dir) < 0)
			return bsbox_err_set(err, ENOMEM, "units");
		argv[n++] = (char *)"--manifest-path";
		argv[n++] = mpath;
		/* from inside a build: never the network */
		argv[n++] = (char *)"--offline";
	}
	cleanup_free char *text = NULL;
	if (capture(argv, manifest_dir, &text, err) < 0)
		return bsbox_err_ret(err);
	cJSON *meta = cJSON_Parse(text);
	const char *ws = meta ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "workspace_root")) : NULL;
	if (!ws) {
		cJSON_Delete(meta);
		return bsbox_err_setx(err, EINVAL, "cargo metadata: no workspace_root in its output");
	}
	*workspace = strdup(ws);
	cleanup_free char *lockpath = NULL, *cargo_lock = NULL;
	if (asprintf(&lockpath, "%s/Cargo.lock", ws) >= 0)
		fileio_read(lockpath, META_MAX, &cargo_lock, NULL, err);
	int rc = 0;
	const cJSON *pkg;
	cJSON_ArrayForEach(pkg, cJSON_GetObjectItemCaseSensitive(meta, "packages"))
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "name"));
		const char *version = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "version"));
		const char *manifest = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "manifest_path"));
		const char *source = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pkg, "source"));
		if (!name || !version || !manifest)
			continue;
		const cJSON *t;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(pkg, "targets"))
		{
			const cJSON *k;
			int kind = -1;
			cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(t, "kind"))
			{
				const char *ks = cJSON_GetStringValue(k);
				if (ks && !strcmp(ks, "custom-build"))
					kind = LOCK_BUILD_SCRIPT;
				else if (ks && !strcmp(ks, "proc-macro"))
					kind = LOCK_PROC_MACRO;
			}
			const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "src_path"));
			if (kind < 0 || !src)
				continue;
			struct lock_entry e = { .kind = (enum lock_kind)kind };
			cleanup_free char *dir = strdup(manifest);
			if (dir && strrchr(dir, '/'))
				*strrchr(dir, '/') = '\0';
			if (!dir || !(e.name = strdup(name)) || !(e.version = strdup(version)) ||
			    !(e.dir = strdup(dir)) || !(e.source = strdup(source ? source : "path"))) {
				lock_entry_free(&e);
				rc = bsbox_err_set(err, ENOMEM, "units");
				goto out;
			}
			char *s = NULL, *c = NULL;
			if (cargo_lock && lock_cargo_lock_find(cargo_lock, name, version, &s, &c) == 0) {
				free(s);
				e.checksum = c;
			}
			if (lock_code_digest(dir, e.kind, src, &e, err) < 0 ||
			    lock_entry_policy(ws, &e, err) < 0 || lock_add(out, &e) < 0) {
				if (!err->msg[0])
					bsbox_err_set(err, ENOMEM, "units");
				bsbox_err_prefix(err, "%s %s", name, version);
				lock_entry_free(&e);
				rc = bsbox_err_ret(err);
				goto out;
			}
		}
	}
out:
	cJSON_Delete(meta);
	if (rc < 0)
		lock_free(out);
	return rc;
}

/* `directory = "..."` values in a cargo config file */
static void config_dirs(const char *file, char ***v, size_t *n)
{
	cleanup_fclose FILE *f = fopen(file, "re");
	char line[PATH_MAX + 64];
	while (f && fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, "directory", 9) != 0)
			continue;
		p = strchr(p, '"');
		char *q = p ? strchr(p + 1, '"') : NULL;
		if (!q)
			continue;
		*q = '\0';
		char **nv = realloc(*v, (*n + 1) * sizeof *nv);
		if (!nv)
			return;
		*v = nv;
		if ((nv[*n] = strdup(p + 1)))
			(*n)++;
	}
}

char *lock_find_sources(const char *workspace, const char *name, const char *version)
{
	char **dirs = NULL;
	size_t n = 0;
	/* the project's .cargo/config.toml and its parents' */
	cleanup_free char *w = strdup(workspace ? workspace : ".");
	while (w && w[0]) {
		char cfg[PATH_MAX];
		snprintf(cfg, sizeof cfg, "%s/.cargo/config.toml", w);
		config_dirs(cfg, &dirs, &n);
		char *s = strrchr(w, '/');
		if (!s)
			break;
		*s = '\0';
	}
	const char *ch = getenv("CARGO_HOME"), *home = getenv("HOME");
	char chbuf[PATH_MAX];
	if (!ch && home)
		snprintf(chbuf, sizeof chbuf, "%s/.cargo", home), ch = chbuf;
	if (ch) {
		char cfg[PATH_MAX];
		snprintf(cfg, sizeof cfg, "%s/config.toml", ch);
		config_dirs(cfg, &dirs, &n);
	}
	char *found = NULL;
	/* Debian drops "+build" from its directory names */
	cleanup_free char *plain = strndup(version, strcspn(version, "+"));
	for (size_t i = 0; !found && i <= n; i++) {
		const char *d = i < n ? dirs[i] : "/usr/share/cargo/registry";
		for (int pass = 0; pass < 2 && !found; pass++) {
			char p[PATH_MAX];
			snprintf(p, sizeof p, "%s/%s-%s", d, name, pass ? plain : version);
			if (access(p, R_OK) == 0)
				found = strdup(p);
		}
	}
	/* cargo's own download cache: $CARGO_HOME/registry/src/<index>/name-version */
	if (!found && ch) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/registry/src", ch);
		DIR *d = opendir(p);
		struct dirent *de;
		while (d && !found && (de = readdir(d))) {
			char q[PATH_MAX];
			if (de->d_name[0] == '.')
				continue;
			snprintf(q, sizeof q, "%s/%s/%s-%s", p, de->d_name, name, version);
			if (access(q, R_OK) == 0)
				found = strdup(q);
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return found;
}

/* ---- bsbox policy check, bsbox learn ---------------------------------------- */

int lock_policy_problems(FILE *out)
{
	cleanup_free char *cwd = getcwd(NULL, 0);
	const char *ws;
	struct lock l;
	struct bsbox_err err = { 0 };
	/* the nearest directory holding .bsbox/lock.json */
	cleanup_free char *w = cwd ? strdup(cwd) : NULL;
	while (w && w[0]) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/" LOCK_FILE, w);
		if (access(p, F_OK) == 0)
			break;
		char *s = strrchr(w, '/');
		if (!s || s == w) {
			w[0] = '\0';
			break;
		}
		*s = '\0';
	}
	if (!w || !w[0])
		return 0;
	ws = w;
	if (lock_load(ws, &l, &err) < 0) {
		fprintf(out, "%s\n", err.msg);
		return 1;
	}
	int problems = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct lock_entry *e = &l.v[i];
		if (!e->policy_file || e->policy_file[0] == '<')
			continue;
		char p[PATH_MAX];
		if (e->policy_file[0] == '/')
			snprintf(p, sizeof p, "%s", e->policy_file);
		else
			snprintf(p, sizeof p, "%s/%s", ws, e->policy_file);
		if (access(p, F_OK) != 0) {
			fprintf(out, "%s/%s: %s %s (%s) was locked with the policy %s, which is missing\n", ws,
				LOCK_FILE, e->name, e->version, lock_kind_name(e->kind), e->policy_file);
			problems++;
			continue;
		}
		struct policy *pol = NULL;
		if (shim_policy_for(ws, e->name, e->version, &pol, &err) == 0 && pol->versions) {
			bool m = false;
			if (semver_req_matches(pol->versions, e->version, &m, &err) == 0 && !m) {
				fprintf(out, "%s/%s: %s %s is locked, but its policy %s says \"versions\": \"%s\"\n",
					ws, LOCK_FILE, e->name, e->version, e->policy_file, pol->versions);
				problems++;
			}
		}
		policy_free(pol);
	}
	lock_free(&l);
	return problems;
}

/* ---- bsbox lock ----------------------------------------------------------- */

static const char lock_usage[] =
	"usage: bsbox lock [--accept CRATE]... [--check]\n"
	"  Records in .bsbox/lock.json every build script and proc macro the project\n"
	"  runs at build time: name, version, source, Cargo.lock's checksum, a digest\n"
	"  of its code and of its policy.  With BSBOX_LOCKED=1 (set by `bsbox setup\n"
	"  --ci`), a build refuses any that is new or changed before it runs.\n"
	"    (no option)     lock the current state of every crate\n"
	"    --accept CRATE  record CRATE's current state only (after `bsbox review CRATE`)\n"
	"    --check         compare only; exit 124 if anything is new, changed or stale\n";

static bool wanted(char **accept, size_t naccept, const char *name)
{
	if (!naccept)
		return true;
	for (size_t i = 0; i < naccept; i++)
		if (!strcmp(accept[i], name))
			return true;
	return false;
}

int lock_compare(const struct lock *l, const struct lock *units, bool *used, FILE *out,
		   bool log)
{
	int problems = 0;
	for (size_t i = 0; i < units->n; i++) {
		const struct lock_entry *u = &units->v[i];
		struct lock_verdict v;
		lock_match(l, u, &v);
		if (v.old)
			used[v.old - l->v] = true;
		if (v.kind == LOCK_MATCH)
			continue;
		char msg[1024];
		lock_message(u, &v, msg, sizeof msg);
		if (v.kind == LOCK_MATCH_MOVED) {
			fprintf(out, "  note: %s\n", msg);
			continue;
		}
		fprintf(out, "  %s\n      review: bsbox review %s; accept: bsbox lock --accept %s\n", msg,
			u->name, u->name);
		if (log) {
			char suggest[300];
			snprintf(suggest, sizeof suggest, "bsbox review %s, then bsbox lock --accept %s",
				 u->name, u->name);
			lock_log_event(u->name, u->version, msg, suggest, false);
		}
		problems++;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (used[i])
			continue;
		const struct lock_entry *e = &l->v[i];
		fprintf(out, "  stale: %s %s (%s) is locked but no longer built; `bsbox lock` drops it\n",
			e->name, e->version, lock_kind_name(e->kind));
		if (log) {
			char msg[512];
			snprintf(msg, sizeof msg, "stale entry %s %s (%s): no longer built", e->name, e->version,
				 lock_kind_name(e->kind));
			lock_log_event(e->name, e->version, msg, "bsbox lock", false);
		}
		problems++;
	}
	return problems;
}

/* cargo's process (our parent) as "<pid>-<start time>": one build */

static int write_lock(const char *ws, struct lock *old, struct lock *units, char **accept,
		      size_t naccept, bool quiet, struct bsbox_err *err)
{
	struct lock next = { 0 };
	int changes = 0;
	cleanup_free char *path = NULL, *text = NULL;
	/* report first: moving entries into next empties them */
	for (size_t j = 0; j < units->n; j++) {
		const struct lock_entry *u = &units->v[j];
		if (!wanted(accept, naccept, u->name))
			continue;
		struct lock_verdict v;
		lock_match(old, u, &v);
		if (v.kind == LOCK_MATCH)
			continue;
		char msg[1024];
		lock_message(u, &v, msg, sizeof msg);
		if (!quiet)
			printf("  %c %s\n", v.kind == LOCK_NEW ? '+' : '~', msg);
		changes++;
		if (old->n) {
			char m2[1100];
			snprintf(m2, sizeof m2, "accepted: %s", msg);
			lock_log_event(u->name, u->version, m2, NULL, true);
		}
	}
	/* the old entries of the crates not accepted stay; the others go */
	for (size_t i = 0; i < old->n; i++) {
		struct lock_entry *e = &old->v[i];
		if (!wanted(accept, naccept, e->name)) {
			if (lock_add(&next, e) < 0)
				goto nomem;
			continue;
		}
		bool still = false;
		for (size_t j = 0; j < units->n; j++)
			still |= !strcmp(units->v[j].name, e->name) && !strcmp(units->v[j].version, e->version) &&
				 units->v[j].kind == e->kind;
		if (!still) {
			if (!quiet)
				printf("  - %s %s (%s): no longer built\n", e->name, e->version, lock_kind_name(e->kind));
			changes++;
		}
	}
	for (size_t j = 0; j < units->n; j++) {
		struct lock_entry *u = &units->v[j];
		if (!wanted(accept, naccept, u->name) || !u->name)
			continue;
		free(u->dir);
		u->dir = NULL;
		if (lock_add(&next, u) < 0)
			goto nomem;
	}
	path = lock_file_path(ws);
	text = lock_format(&next);
	lock_free(&next);
	if (!path || !text)
		return bsbox_err_set(err, ENOMEM, "lock");
	if (fileio_write_atomic(path, text, err) < 0)
		return bsbox_err_ret(err);
	if (!quiet)
		printf("%s: %d change%s\n", path, changes, changes == 1 ? "" : "s");
	return 0;
nomem:
	lock_free(&next);
	return bsbox_err_set(err, ENOMEM, "lock");
}

int lock_write_project(bool quiet, struct bsbox_err *err)
{
	struct lock units, old = { 0 };
	cleanup_free char *ws = NULL;
	if (lock_project_units(NULL, &units, &ws, err) < 0)
		return bsbox_err_ret(err);
	struct bsbox_err e2 = { 0 };
	if (lock_load(ws, &old, &e2) < 0 && e2.errnum != ENOENT) {
		lock_free(&units);
		*err = e2;
		return bsbox_err_ret(err);
	}
	int rc = write_lock(ws, &old, &units, NULL, 0, quiet, err);
	lock_free(&old);
	lock_free(&units);
	return rc;
}

int lock_main(int argc, char **argv)
{
	cleanup_free char **accept = calloc((size_t)argc, sizeof *accept);
	size_t naccept = 0;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--accept") && i + 1 < argc)
			accept[naccept++] = argv[++i];
		else if (!strncmp(argv[i], "--accept=", 9))
			accept[naccept++] = argv[i] + 9;
		else if (!strcmp(argv[i], "--check") || !strcmp(argv[i], "--locked"))
			check = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(lock_usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "bsbox lock: unexpected argument '%s'\n%s", argv[i], lock_usage);
			return BSBOX_EXIT_USAGE;
		}
	}
	if (!accept || (check && naccept)) {
		fputs(lock_usage, stderr);
		return BSBOX_EXIT_USAGE;
	}
	struct bsbox_err err = { 0 };
	struct lock units, old = { 0 };
	cleanup_free char *ws = NULL;
	if (lock_project_units(NULL, &units, &ws, &err) < 0) {
		fprintf(stderr, "bsbox lock: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	int rc = 0;
	if (lock_load(ws, &old, &err) < 0) {
		if (err.errnum != ENOENT || check || naccept) {
			fprintf(stderr, "bsbox lock: %s%s\n", err.msg,
				err.errnum == ENOENT ? " (create it with `bsbox lock`)" : "");
			rc = err.errnum == ENOENT && check ? BSBOX_EXIT_VIOLATION : BSBOX_EXIT_SETUP;
			goto out;
		}
	}
	for (size_t i = 0; i < naccept; i++) {
		bool known = false;
		for (size_t j = 0; j < units.n; j++)
			known |= !strcmp(units.v[j].name, accept[i]);
		for (size_t j = 0; j < old.n; j++)
			known |= !strcmp(old.v[j].name, accept[i]);
		if (!known) {
			fprintf(stderr, "bsbox lock: %s has no build script or proc macro in this project "
				"and no lock entry\n", accept[i]);
			rc = BSBOX_EXIT_USAGE;
			goto out;
		}
	}
	if (check) {
		cleanup_free bool *used = calloc(old.n + 1, sizeof *used);
		printf("%s/%s: %zu entr%s, %zu build-time unit%s in the project\n", ws, LOCK_FILE, old.n,
		       old.n == 1 ? "y" : "ies", units.n, units.n == 1 ? "" : "s");
		int problems = used ? lock_compare(&old, &units, used, stdout, true) : 1;
		int pp = lock_policy_problems(stdout);
		if (problems + pp) {
			printf("bsbox lock --check: %d problem%s\n", problems + pp, problems + pp == 1 ? "" : "s");
			rc = BSBOX_EXIT_VIOLATION;
		} else {
			printf("bsbox lock --check: ok\n");
		}
		goto out;
	}
	if (write_lock(ws, &old, &units, accept, naccept, false, &err) < 0) {
		fprintf(stderr, "bsbox lock: %s\n", err.msg);
		rc = BSBOX_EXIT_SETUP;
	}
out:
	lock_free(&old);
	lock_free(&units);
	return rc;
}
