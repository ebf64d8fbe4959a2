/* Digesting a crate's build-time code (see lock.h): the build script or
 * proc-macro root, the files it pulls in (lock_rust_refs), a proc macro's
 * src/ tree and Cargo.toml. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "err.h"
#include "fileio.h"
#include "lock.h"

#define FILES_MAX 4096 /* files in one crate's build-time code */

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
	if (fileio_read(p, LOCK_SOURCE_MAX, &text, &len, &err) < 0)
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
		if (fileio_read(p, LOCK_SOURCE_MAX, &text, &len, err) < 0) {
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
