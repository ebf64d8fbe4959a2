/* The side-effect half of the lock (see lock.h): digesting a crate's
 * build-time code from disk, the policy lookup, the hooks wrapper.c and
 * shim.c call, the project's units from `cargo metadata`, and `bsbox lock`. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "evlog.h"
#include "fileio.h"
#include "lock.h"
#include "semver.h"
#include "shim.h"

#define SOURCE_MAX (32u << 20)  /* one source file */
#define FILES_MAX 4096          /* files in one crate's build-time code */
#define META_MAX (256u << 20)   /* cargo metadata's output */

bool lock_locked(void)
{
	const char *e = getenv("BSBOX_LOCKED");
	return e && strcmp(e, "1") == 0;
}

/* ---- digesting the code ------------------------------------------------------ */

struct fileset {
	const char *dir; /* the crate's directory */
	char **paths;    /* relative, normalised */
	size_t n;
	bool overflow;
};

/* a/b/../c -> a/c; ./x -> x; leading .. kept (a file outside the crate). */
static void normalise(char *p)
{
	char *parts[256];
	size_t n = 0;
	char *save = NULL;
	cleanup_free char *copy = strdup(p);
	if (!copy)
		return;
	for (char *t = strtok_r(copy, "/", &save); t && n < 256; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..") && n && strcmp(parts[n - 1], ".."))
			n--;
		else
			parts[n++] = t;
	}
	char *o = p;
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s%s", i ? "/" : "", parts[i]);
	*o = '\0';
}

/* A regular file dir/rel exists. */
static bool exists(const char *dir, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	return (size_t)snprintf(p, sizeof p, "%s/%s", dir, rel) < sizeof p && stat(p, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

/* 1 added, 0 already there, -1 too many or no memory */
static int fs_add(struct fileset *fs, const char *rel)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->paths[i], rel))
			return 0;
	if (fs->n >= FILES_MAX) {
		fs->overflow = true;
		return -1;
	}
	char **nv = realloc(fs->paths, (fs->n + 1) * sizeof *nv);
	if (!nv || !(nv[fs->n] = strdup(rel))) {
		if (nv)
			fs->paths = nv;
		fs->overflow = true;
		return -1;
	}
	fs->paths = nv;
	fs->n++;
	return 1;
}

static void scan_file(struct fileset *fs, const char *rel, bool modroot, int depth);

struct scan_ctx {
	struct fileset *fs;
	const char *rel; /* the file being scanned */
	bool modroot;    /* its `mod x;` resolve next to it (a crate root or mod.rs) */
	int depth;
};

static void on_ref(void *ud, char kind, const char *name, const char *path)
{
	struct scan_ctx *c = ud;
	char dir[PATH_MAX], cand[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", c->rel);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (kind == 'm' && path) {
		snprintf(cand, sizeof cand, "%s/%s", dir, path);
		normalise(cand);
		if (exists(c->fs->dir, cand))
			scan_file(c->fs, cand, !strcmp(strrchr(cand, '/') ? strrchr(cand, '/') + 1 : cand, "mod.rs"),
				  c->depth + 1);
		return;
	}
	if (kind == 'm') {
		/* foo.rs's modules live in foo/, a root's and mod.rs's next to it */
		char mdir[PATH_MAX];
		if (c->modroot) {
			snprintf(mdir, sizeof mdir, "%s", dir);
		} else {
			snprintf(mdir, sizeof mdir, "%s", c->rel);
			size_t l = strlen(mdir);
			if (l > 3 && !strcmp(mdir + l - 3, ".rs"))
				mdir[l - 3] = '\0';
		}
		snprintf(cand, sizeof cand, "%s/%s.rs", mdir, name);
		normalise(cand);
		if (exists(c->fs->dir, cand)) {
			scan_file(c->fs, cand, false, c->depth + 1);
			return;
		}
		snprintf(cand, sizeof cand, "%s/%s/mod.rs", mdir, name);
		normalise(cand);
		if (exists(c->fs->dir, cand))
			scan_file(c->fs, cand, true, c->depth + 1);
		return;
	}
	snprintf(cand, sizeof cand, "%s/%s", dir, path);
	if (path[0] == '/')
		return; /* an absolute include is not the crate's code; review shows it */
	normalise(cand);
	if (!exists(c->fs->dir, cand))
		return;
	if (kind == 'i')
		scan_file(c->fs, cand, c->modroot, c->depth + 1);
	else
		fs_add(c->fs, cand);
}

static void scan_file(struct fileset *fs, const char *rel, bool modroot, int depth)
{
	if (depth > 64 || fs_add(fs, rel) <= 0)
		return;
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof p, "%s/%s", fs->dir, rel) >= sizeof p)
		return;
	struct bsbox_err err;
	cleanup_free char *text = NULL;
	size_t len;
	if (fileio_read(p, SOURCE_MAX, &text, &len, &err) < 0)
		return;
	struct scan_ctx c = { .fs = fs, .rel = rel, .modroot = modroot, .depth = depth };
	lock_rust_refs(text, len, on_ref, &c);
}

/* Every regular file under dir/rel (no symlinks followed), into fs. */
static void walk(struct fileset *fs, const char *rel, int depth)
{
	char p[PATH_MAX];
	if (depth > 32 || (size_t)snprintf(p, sizeof p, "%s/%s", fs->dir, rel) >= sizeof p)
		return;
	DIR *d = opendir(p);
	struct dirent *de;
	while (d && !fs->overflow && (de = readdir(d))) {
		char sub[PATH_MAX];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (size_t)snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name) >= sizeof sub)
			continue;
		struct stat st;
		char full[PATH_MAX];
		snprintf(full, sizeof full, "%s/%s", fs->dir, sub);
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(fs, sub, depth + 1);
		else if (S_ISREG(st.st_mode))
			fs_add(fs, sub);
	}
	if (d)
		closedir(d);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cargo.toml without its [package] version line */
static char *manifest_without_version(const char *text)
{
	char *out = strdup(text);
	if (!out)
		return NULL;
	bool in_package = false;
	for (char *line = out; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (line[0] == '[')
			in_package = strncmp(line, "[package]", 9) == 0;
		else if (in_package && strncmp(line, "version", 7) == 0 &&
			 strspn(line + 7, " \t") + 7 < len && line[7 + strspn(line + 7, " \t")] == '=') {
			memmove(line, line + len, strlen(line + len) + 1);
			continue;
		}
		line += len;
	}
	return out;
}

int lock_code_digest(const char *dir, enum lock_kind kind, const char *root, struct lock_entry *e,
		     struct bsbox_err *err)
{
	char rel[PATH_MAX];
	cleanup_free char *rdir = realpath(dir, NULL);
	cleanup_free char *rroot = NULL;
	if (!rdir)
		return bsbox_err_set(err, errno, "%s", dir);
	if (root[0] == '/') {
		rroot = realpath(root, NULL);
		if (!rroot)
			return bsbox_err_set(err, errno, "%s", root);
		size_t dl = strlen(rdir);
		if (strncmp(rroot, rdir, dl) != 0 || rroot[dl] != '/')
			return bsbox_err_setx(err, EINVAL, "%s is outside the crate's directory %s", root, dir);
		snprintf(rel, sizeof rel, "%s", rroot + dl + 1);
	} else {
		snprintf(rel, sizeof rel, "%s", root);
		normalise(rel);
	}
	if (!exists(rdir, rel))
		return bsbox_err_setx(err, ENOENT, "%s/%s: no such file", dir, rel);

	struct fileset fs = { .dir = rdir };
	scan_file(&fs, rel, true, 0);
	if (kind == LOCK_PROC_MACRO) {
		char tree[PATH_MAX];
		snprintf(tree, sizeof tree, "%s", rel);
		char *slash = strrchr(tree, '/');
		if (slash) { /* the root's directory (src/), never the whole crate dir */
			*slash = '\0';
			walk(&fs, tree, 0);
		}
		fs_add(&fs, "Cargo.toml");
	}
	int rc = 0;
	if (fs.overflow) {
		rc = bsbox_err_setx(err, E2BIG, "%s: more than %d files of build-time code", dir, FILES_MAX);
		goto out;
	}
	qsort(fs.paths, fs.n, sizeof *fs.paths, str_cmp);
	if (!(e->files = calloc(fs.n ? fs.n : 1, sizeof *e->files)) || !(e->root = strdup(rel))) {
		rc = bsbox_err_set(err, ENOMEM, "digest");
		goto out;
	}
	struct sha256 all;
	sha256_init(&all);
	for (size_t i = 0; i < fs.n; i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", rdir, fs.paths[i]);
		cleanup_free char *text = NULL;
		size_t len = 0;
		if (fileio_read(p, SOURCE_MAX, &text, &len, err) < 0) {
			rc = bsbox_err_ret(err);
			goto out;
		}
		struct lock_digest *d = &e->files[e->nfiles++];
		if (kind == LOCK_PROC_MACRO && !strcmp(fs.paths[i], "Cargo.toml")) {
			cleanup_free char *m = manifest_without_version(text);
			sha256_tag(m ? m : text, m ? strlen(m) : len, d->digest);
		} else {
			sha256_tag(text, len, d->digest);
		}
		d->path = steal_ptr(fs.paths[i]);
		sha256_update(&all, d->path, strlen(d->path) + 1);
		sha256_update(&all, d->digest, strlen(d->digest));
		sha256_update(&all, "\n", 1);
	}
	sha256_final_tag(&all, e->code);
out:
	for (size_t i = 0; i < fs.n; i++)
		free(fs.paths[i]);
	free(fs.paths);
	return rc;
}

/* ---- policy, lock file, log ------------------------------------------------- */

int lock_entry_policy(const char *workspace, struct lock_entry *e, struct bsbox_err *err)
{
	struct policy *p = NULL;
	if (shim_policy_for(workspace, e->name, e->version, &p, err) < 0)
		return bsbox_err_prefix(err, "policy for %s", e->name);
	lock_policy_digest(p, e->policy);
	const char *src = p->source ? p->source : "?";
	size_t wl = workspace ? strlen(workspace) : 0;
	free(e->policy_file);
	e->policy_file = strdup(wl && !strncmp(src, workspace, wl) && src[wl] == '/' ? src + wl + 1 : src);
	policy_free(p);
	return e->policy_file ? 0 : bsbox_err_set(err, ENOMEM, "policy");
}

static char *lock_path(const char *workspace)
{
	char *p = NULL;
	if (asprintf(&p, "%s/" LOCK_FILE, workspace ? workspace : ".") < 0)
		return NULL;
	return p;
}

int lock_load(const char *workspace, struct lock *out, struct bsbox_err *err)
{
	memset(out, 0, sizeof *out);
	cleanup_free char *path = lock_path(workspace);
	cleanup_free char *text = NULL;
	if (!path)
		return bsbox_err_set(err, ENOMEM, "lock path");
	if (fileio_read(path, SOURCE_MAX, &text, NULL, err) < 0)
		return bsbox_err_ret(err);
	return lock_parse(text, path, out, err);
}

void lock_log_event(const char *crate, const char *version, const char *msg, const char *suggest,
		    bool audit)
{
	struct bsbox_err err = { 0 };
	struct evlog log = { .fd = -1 };
	cleanup_free char *path = evlog_default_path();
	if (!path || evlog_open(&log, path, crate, version, &err) < 0)
		return;
	char detail[1200];
	snprintf(detail, sizeof detail, "lock: %s", msg);
	struct bsbox_event ev = { .kind = EV_SETUP, .detail = detail, .audit = audit, .suggest = suggest };
	evlog_write(&log, &ev);
	evlog_close(&log);
}

/* Print and log a refusal; returns the exit code. */
static int refuse(const struct lock_entry *u, const char *msg)
{
	char suggest[300];
	snprintf(suggest, sizeof suggest, "bsbox review %s, then bsbox lock --accept %s", u->name, u->name);
	fprintf(stderr,
		"bsbox: lock: %s; not running it (locked mode, BSBOX_LOCKED=1)\n"
		"bsbox: lock: review it with `bsbox review %s`, then record it with `bsbox lock --accept %s`\n",
		msg, u->name, u->name);
	lock_log_event(u->name, u->version, msg, suggest, false);
	return BSBOX_EXIT_VIOLATION;
}

/* The verdict for u (code computed) against the workspace's lock, policy
 * computed here; 0 when it may run, else the exit code (printed, logged). */
static int check_unit(const char *workspace, struct lock_entry *u, const struct policy *policy)
{
	struct bsbox_err err = { 0 };
	if (policy) {
		lock_policy_digest(policy, u->policy);
		free(u->policy_file);
		const char *src = policy->source ? policy->source : "?";
		size_t wl = strlen(workspace);
		u->policy_file = strdup(!strncmp(src, workspace, wl) && src[wl] == '/' ? src + wl + 1 : src);
	} else if (lock_entry_policy(workspace, u, &err) < 0) {
		fprintf(stderr, "bsbox: lock: %s\n", err.msg);
		return BSBOX_EXIT_POLICY;
	}
	struct lock l;
	if (lock_load(workspace, &l, &err) < 0) {
		char msg[BSBOX_ERR_MSG + 200];
		if (err.errnum == ENOENT)
			snprintf(msg, sizeof msg, "%s %s: no %s/%s to check it against (create it with `bsbox lock`)",
				 u->name, u->version, workspace, LOCK_FILE);
		else
			snprintf(msg, sizeof msg, "%s %s: %s", u->name, u->version, err.msg);
		return refuse(u, msg);
	}
	struct lock_verdict v;
	lock_match(&l, u, &v);
	char msg[1024];
	lock_message(u, &v, msg, sizeof msg);
	int rc = 0;
	if (v.kind == LOCK_MATCH_MOVED)
		fprintf(stderr, "bsbox: lock: note: %s (`bsbox lock --accept %s` records the version)\n", msg,
			u->name);
	else if (v.kind != LOCK_MATCH)
		rc = refuse(u, msg);
	lock_free(&l);
	return rc;
}

static char *sidecar_path(const char *out_dir, const char *crate_name, const char *extra)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s%s" LOCK_SIDECAR_SUFFIX, out_dir ? out_dir : ".", crate_name,
		     extra ? extra : "") < 0)
		return NULL;
	return p;
}

static int read_sidecar(const char *path, struct lock_entry *e, struct bsbox_err *err)
{
	cleanup_free char *text = NULL;
	if (fileio_read(path, SOURCE_MAX, &text, NULL, err) < 0)
		return bsbox_err_ret(err);
	return lock_entry_parse(text, path, e, err);
}

/* A proc-macro library exports its macros' table, __rustc_proc_macro_decls_<hash>__;
 * a dylib crate does not. */
static bool is_proc_macro(const char *so)
{
	static const char sym[] = "__rustc_proc_macro_decls_";
	cleanup_free char *data = NULL;
	size_t len = 0;
	struct bsbox_err err;
	if (fileio_read(so, 1u << 30, &data, &len, &err) < 0)
		return true; /* unreadable: assume the worst */
	return memmem(data, len, sym, sizeof sym - 1) != NULL;
}

/* --extern NAME=DIR/libNAME-HASH.so: the proc macro's sidecar is
 * DIR/NAME-HASH.bsbox-lock (written when it was compiled). */
static int check_extern(const char *workspace, const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *path = eq ? eq + 1 : NULL;
	size_t l = path ? strlen(path) : 0;
	if (!path || l < 3 || strcmp(path + l - 3, ".so") != 0)
		return 0;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(base, "lib", 3) != 0)
		return 0;
	cleanup_free char *side = NULL;
	if (asprintf(&side, "%.*s%.*s" LOCK_SIDECAR_SUFFIX, (int)(base - path), path,
		     (int)(strlen(base) - 6), base + 3) < 0)
		return BSBOX_EXIT_SETUP;
	struct lock_entry u = { 0 };
	struct bsbox_err err = { 0 };
	if (read_sidecar(side, &u, &err) < 0 && !is_proc_macro(path))
		return 0; /* a dylib crate: its code runs in the program, not at build time */
	if (!u.name) {
		struct lock_entry anon = { .name = (char *)"proc-macro", .version = (char *)"" };
		char msg[BSBOX_ERR_MSG + 300];
		snprintf(msg, sizeof msg, "proc macro %s was compiled without bsbox's lock data (%s); "
			 "rebuild it (`cargo clean`) so its code can be checked", path, err.msg);
		return refuse(&anon, msg);
	}
	int rc = check_unit(workspace, &u, NULL);
	lock_entry_free(&u);
	return rc;
}

static int project_check_once(const char *workspace, const char *target_dir);

int lock_rustc_hook(const struct lock_rustc *r)
{
	bool locked = lock_locked();
	if (!r->build_script && !r->proc_macro && !locked)
		return 0;
	const char *ws = r->workspace ? r->workspace : ".";
	if (locked && r->input && r->target_dir) {
		int rc = project_check_once(ws, r->target_dir);
		if (rc)
			return rc;
	}
	if (locked) {
		for (int i = 0; i + 1 < r->nargs; i++) {
			if (strcmp(r->args[i], "--extern") == 0) {
				int rc = check_extern(ws, r->args[++i]);
				if (rc)
					return rc;
			}
		}
	}
	if (!(r->build_script || r->proc_macro))
		return 0;

	const char *name = getenv("CARGO_PKG_NAME"), *version = getenv("CARGO_PKG_VERSION");
	const char *dir = getenv("CARGO_MANIFEST_DIR");
	struct lock_entry u = { 0 };
	struct bsbox_err err = { 0 };
	int rc = 0;
	u.kind = r->build_script ? LOCK_BUILD_SCRIPT : LOCK_PROC_MACRO;
	if (!r->input)
		return 0; /* cargo's probes (`rustc - --print ...`) compile nothing from a file */
	if (!name || !version || !dir) {
		if (!locked)
			return 0;
		fprintf(stderr, "bsbox: lock: %s: not compiled by cargo (no CARGO_PKG_NAME, "
			"CARGO_MANIFEST_DIR or source file); cannot check it against the lock\n", r->crate_name);
		return BSBOX_EXIT_VIOLATION;
	}
	cleanup_free char *input = r->input[0] == '/' ? strdup(r->input) : realpath(r->input, NULL);
	if (!(u.name = strdup(name)) || !(u.version = strdup(version)) || !(u.dir = strdup(dir)) ||
	    !input || lock_code_digest(dir, u.kind, input, &u, &err) < 0) {
		if (!err.msg[0])
			bsbox_err_set(&err, errno ? errno : ENOMEM, "%s", r->input);
		fprintf(stderr, "bsbox: lock: %s %s: digesting its %s: %s\n", name, version,
			lock_kind_name(u.kind), err.msg);
		lock_entry_free(&u);
		return locked ? BSBOX_EXIT_VIOLATION : 0;
	}
	cleanup_free char *side = sidecar_path(r->out_dir, r->crate_name, r->extra_filename);
	cleanup_free char *text = lock_entry_format(&u);
	if (side && text && fileio_write_atomic(side, text, &err) < 0 && locked)
		fprintf(stderr, "bsbox: lock: warning: %s\n", err.msg);
	if (locked)
		rc = check_unit(ws, &u, NULL);
	lock_entry_free(&u);
	return rc;
}

int lock_shim_check(const char *real, const char *workspace, const char *crate, const char *version,
		    const struct policy *policy)
{
	size_t l = strlen(real), sl = strlen(SHIM_REAL_SUFFIX);
	cleanup_free char *side = NULL;
	if (l > sl && !strcmp(real + l - sl, SHIM_REAL_SUFFIX) &&
	    asprintf(&side, "%.*s" LOCK_SIDECAR_SUFFIX, (int)(l - sl), real) < 0)
		side = NULL;
	struct lock_entry u = { 0 };
	struct bsbox_err err = { 0 };
	if (!side || read_sidecar(side, &u, &err) < 0) {
		struct lock_entry anon = { .name = (char *)(crate ? crate : "build script"),
					   .version = (char *)(version ? version : "") };
		char msg[BSBOX_ERR_MSG + 300];
		snprintf(msg, sizeof msg, "%s %s: the build script was compiled without bsbox's lock data "
			 "(%s); rebuild it (`cargo clean -p %s`) so its code can be checked",
			 anon.name, anon.version, err.msg[0] ? err.msg : "no sidecar", anon.name);
		return refuse(&anon, msg);
	}
	int rc = check_unit(workspace ? workspace : ".", &u, policy);
	lock_entry_free(&u);
	return rc;
}

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

/* Compare units with lock: print each difference, return their number.
 * used[i] is set for every lock entry some unit matched. */
static int compare(const struct lock *l, const struct lock *units, bool *used, FILE *out,
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
static bool build_id(char *out, size_t len)
{
	pid_t pp = getppid();
	char p[64], buf[1024];
	snprintf(p, sizeof p, "/proc/%ld/stat", (long)pp);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *f = strrchr(buf, ')');
	/* fields after the command: state is field 3, starttime field 22 */
	for (int i = 3; f && i <= 22; i++)
		f = strchr(f + 1, ' ');
	if (!f)
		return false;
	snprintf(out, len, "%ld-%llu", (long)pp, strtoull(f, NULL, 10));
	return true;
}

/* Locked mode, the first compile of a build: the whole project against the
 * lock (cargo metadata), so a new or changed build script or proc macro
 * anywhere in it, or a stale entry, fails the build before any of them runs.
 * The result is kept in <target>/bsbox-lock/<cargo pid>-<start> for the
 * other rustc calls of the same cargo run (serialised by a flock).  When
 * cargo metadata cannot run, the per-unit checks still hold. */
static int project_check_once(const char *workspace, const char *target_dir)
{
	char id[64], dir[PATH_MAX], marker[PATH_MAX + 64], lockf[PATH_MAX + 16];
	struct bsbox_err err = { 0 };
	if (!build_id(id, sizeof id) || (size_t)snprintf(dir, sizeof dir, "%s/bsbox-lock", target_dir) >= sizeof dir ||
	    fileio_mkdir_p(dir, &err) < 0)
		return 0;
	snprintf(marker, sizeof marker, "%s/%s", dir, id);
	snprintf(lockf, sizeof lockf, "%s/.lock", dir);
	cleanup_close int lfd = open(lockf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
		return 0;
	cleanup_free char *prev = NULL;
	if (fileio_read(marker, 64, &prev, NULL, &err) == 0) {
		if (strncmp(prev, "ok", 2) == 0)
			return 0;
		fprintf(stderr, "bsbox: lock: refused: this build's build-time code differs from %s/%s "
			"(the first error of the build lists what)\n", workspace, LOCK_FILE);
		return BSBOX_EXIT_VIOLATION;
	}

	/* a new build: forget the markers of earlier ones */
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);

	struct lock units, l;
	cleanup_free char *ws = NULL;
	int rc = 0;
	if (lock_project_units(workspace, &units, &ws, &err) < 0) {
		fprintf(stderr, "bsbox: lock: warning: cannot list the project's build scripts and proc macros "
			"(%s); checking each as it is compiled\n", err.msg);
		fileio_write_atomic(marker, "ok\n", &err);
		return 0;
	}
	if (lock_load(ws, &l, &err) < 0) {
		fprintf(stderr, "bsbox: lock: %s%s; not running any build script or proc macro "
			"(locked mode, BSBOX_LOCKED=1)\n", err.msg,
			err.errnum == ENOENT ? " (create it with `bsbox lock`)" : "");
		rc = BSBOX_EXIT_VIOLATION;
	} else {
		cleanup_free bool *used = calloc(l.n + 1, sizeof *used);
		char *buf = NULL;
		size_t blen = 0;
		FILE *m = open_memstream(&buf, &blen);
		int problems = used && m ? compare(&l, &units, used, m, true) : 0;
		if (m)
			fclose(m);
		if (problems) {
			fprintf(stderr, "bsbox: lock: %d build-time unit%s of this project differ%s from %s/%s; "
				"not running any build script or proc macro (locked mode, BSBOX_LOCKED=1):\n%s",
				problems, problems == 1 ? "" : "s", problems == 1 ? "s" : "", ws, LOCK_FILE,
				buf ? buf : "");
			rc = BSBOX_EXIT_VIOLATION;
		}
		free(buf);
		lock_free(&l);
	}
	lock_free(&units);
	fileio_write_atomic(marker, rc ? "refused\n" : "ok\n", &err);
	return rc;
}

/* Write units into the lock, for the crates in accept (all when naccept 0);
 * prints what changed. */
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
	path = lock_path(ws);
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
		int problems = used ? compare(&old, &units, used, stdout, true) : 1;
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
