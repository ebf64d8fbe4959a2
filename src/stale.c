/* Stale build scripts: remove the build-script binaries cargo would reuse
 * from a build without bsbox (see stale.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "fileio.h"
#include "rustcbox.h"
#include "shim.h"
#include "stale.h"
#include "wrapper.h"

#define STALE_MAX_DIRS 16
#define STALE_MARKER ".bsbox-swept"

bool stale_is_target_probe(const struct rustc_args *c)
{
	return c->crate_name && strcmp(c->crate_name, "___") == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t l = strlen(s), sl = strlen(suf);
	return l >= sl && strcmp(s + l - sl, suf) == 0;
}

/* A build-script binary cargo may run (its hard link `build-script-NAME`) or
 * relink from (rustc's `build_script_NAME-HASH`); not the dep-info, nor our
 * own `.bsbox-real` / `.bsbox-tmp.PID` files. */
static bool is_script_name(const char *n)
{
	if (strncmp(n, "build-script-", 13) != 0 && strncmp(n, "build_script_", 13) != 0)
		return false;
	return !has_suffix(n, ".d") && !strstr(n, ".bsbox-");
}

/* The file at dfd/name starts with `#!` and has the shim marker line. */
static bool is_shim_at(int dfd, const char *name)
{
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	char buf[4097];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	buf[n] = '\0';
	return strstr(buf, "\n" SHIM_MARKER "\n") != NULL;
}

/* Is dfd/name (a regular file named like a script binary) one to remove?
 * linked_only: only cargo's `build-script-*` links (made after the wrapper
 * shimmed rustc's output, so a non-shim one is old) and the files sharing
 * their inode; a `build_script_*-HASH` of its own may be rustc's output
 * being written right now by a concurrent compile, not yet shimmed. */
struct unit_scan {
	bool linked_only;
	dev_t dev[8];
	ino_t ino[8];
	size_t n;
};

static bool stale_at(int dfd, const char *name, const struct stat *st, struct unit_scan *u)
{
	if (!is_script_name(name) || !S_ISREG(st->st_mode) || is_shim_at(dfd, name))
		return false;
	if (!u->linked_only)
		return true;
	if (strncmp(name, "build-script-", 13) == 0) {
		if (u->n < sizeof u->ino / sizeof u->ino[0]) {
			u->dev[u->n] = st->st_dev;
			u->ino[u->n++] = st->st_ino;
		}
		return true;
	}
	for (size_t i = 0; i < u->n; i++)
		if (u->dev[i] == st->st_dev && u->ino[i] == st->st_ino)
			return true;
	return false;
}

/* One unit dir, build/<unit>/: remove its stale script binaries (two passes
 * in linked_only mode: the links first, then the files sharing an inode). */
static int sweep_unit(int dfd, const char *path, bool linked_only, size_t *removed,
		      struct bsbox_err *err)
{
	struct unit_scan u = { .linked_only = linked_only };
	for (int pass = 0; pass < (linked_only ? 2 : 1); pass++) {
		int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			return bsbox_err_set(err, errno, "reading %s", path);
		}
		struct dirent *e;
		int rc = 0;
		while (rc == 0 && (e = readdir(d))) {
			struct stat st;
			bool link = strncmp(e->d_name, "build-script-", 13) == 0;
			if (linked_only && link != (pass == 0))
				continue;
			if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !stale_at(dfd, e->d_name, &st, &u))
				continue;
			if (unlinkat(dfd, e->d_name, 0) < 0 && errno != ENOENT)
				rc = bsbox_err_set(err, errno,
						   "%s/%s was built without bsbox and cargo may run it "
						   "unconfined, but it cannot be removed (run `cargo clean`)",
						   path, e->d_name);
			else
				(*removed)++;
		}
		closedir(d);
		if (rc)
			return rc;
	}
	return 0;
}

/* dir/build/<unit>/ for each unit, when dir/build exists. */
static int sweep_build_dir(const char *dir, bool linked_only, size_t *removed,
			   struct bsbox_err *err)
{
	cleanup_free char *build = NULL;
	if (asprintf(&build, "%s/build", dir) < 0)
		return bsbox_err_set(err, ENOMEM, "allocating a path");
	DIR *d = opendir(build);
	if (!d)
		return 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cleanup_close int ufd =
			openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ufd < 0)
			continue;
		char upath[PATH_MAX];
		snprintf(upath, sizeof upath, "%s/%s", build, e->d_name);
		rc = sweep_unit(ufd, upath, linked_only, removed, err);
	}
	closedir(d);
	return rc;
}

int stale_sweep(const char *target_dir, bool linked_only, size_t *removed, struct bsbox_err *err)
{
	/* <profile>/build and <triple>/<profile>/build */
	DIR *d = opendir(target_dir);
	if (!d)
		return 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type == DT_REG)
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", target_dir, e->d_name) < 0)
			return closedir(d), bsbox_err_set(err, ENOMEM, "allocating a path");
		rc = sweep_build_dir(sub, linked_only, removed, err);
		DIR *d2 = rc == 0 ? opendir(sub) : NULL;
		if (!d2)
			continue;
		struct dirent *e2;
		while (rc == 0 && (e2 = readdir(d2))) {
			if (e2->d_name[0] == '.' || e2->d_type == DT_REG || strcmp(e2->d_name, "build") == 0)
				continue;
			cleanup_free char *sub2 = NULL;
			if (asprintf(&sub2, "%s/%s", sub, e2->d_name) < 0) {
				rc = bsbox_err_set(err, ENOMEM, "allocating a path");
				break;
			}
			rc = sweep_build_dir(sub2, linked_only, removed, err);
		}
		closedir(d2);
	}
	closedir(d);
	return rc;
}

/* base/p, or p when absolute; malloc'ed. */
static char *resolve(const char *base, const char *p)
{
	char *r = NULL;
	if (p[0] == '/')
		return strdup(p);
	return asprintf(&r, "%s/%s", base, p) < 0 ? NULL : r;
}

static void add(char **v, size_t *n, char *dir)
{
	if (!dir)
		return;
	char tag[PATH_MAX];
	struct stat st;
	bool dup = false;
	for (size_t i = 0; i < *n; i++)
		dup = dup || strcmp(v[i], dir) == 0;
	if (dup || *n >= STALE_MAX_DIRS ||
	    (size_t)snprintf(tag, sizeof tag, "%s/CACHEDIR.TAG", dir) >= sizeof tag || stat(tag, &st) < 0) {
		free(dir);
		return;
	}
	v[(*n)++] = dir;
}

/* `target-dir = "X"` (in [build]) or `build.target-dir = "X"` (top): X
 * resolved against base, else NULL.  line is modified. */
static char *config_line_target_dir(char *line, const char *base, bool top)
{
	char *s = line + strspn(line, " \t");
	const char *key = top ? "build.target-dir" : "target-dir";
	if (strncmp(s, key, strlen(key)) != 0)
		return NULL;
	s += strlen(key);
	s += strspn(s, " \t");
	if (*s++ != '=')
		return NULL;
	s += strspn(s, " \t");
	char q = *s;
	if (q != '"' && q != '\'')
		return NULL;
	char *end = strchr(++s, q);
	if (!end || end == s)
		return NULL;
	*end = '\0';
	return resolve(base, s);
}

/* build.target-dir in a cargo config file; relative to the dir holding .cargo. */
static char *config_target_dir(const char *file, const char *base)
{
	cleanup_fclose FILE *f = fopen(file, "re");
	if (!f)
		return NULL;
	char line[PATH_MAX + 64];
	bool in_build = false, top = true;
	while (fgets(line, sizeof line, f)) {
		char *s = line + strspn(line, " \t");
		if (s[0] == '[') {
			top = false;
			in_build = strncmp(s, "[build]", 7) == 0;
			continue;
		}
		char *r = in_build || top ? config_line_target_dir(s, base, top) : NULL;
		if (r)
			return r;
	}
	return NULL;
}

/* cargo's command line: the value of --NAME X / --NAME=X, or NULL. */
static const char *cmdline_opt(const char *buf, size_t len, const char *name)
{
	size_t nl = strlen(name);
	for (const char *a = buf; a < buf + len; a += strlen(a) + 1) {
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, name, nl) == 0 && a[nl] == '=')
			return a + nl + 1;
		if (strcmp(a, name) == 0 && a + nl + 1 < buf + len)
			return a + nl + 1;
	}
	return NULL;
}

static void up(char *p)
{
	char *s = strrchr(p, '/');
	if (s && s != p)
		*s = '\0';
	else if (s)
		p[1] = '\0';
}

static void add_workspace(char **v, size_t *n, const char *from)
{
	cleanup_free char *ws = from ? wrapper_find_workspace_from(from) : NULL;
	char *t = NULL;
	if (ws && asprintf(&t, "%s/target", ws) >= 0)
		add(v, n, t);
}

char **stale_target_dirs(void)
{
	char **v = calloc(STALE_MAX_DIRS + 1, sizeof *v);
	if (!v)
		return NULL;
	size_t n = 0;
	cleanup_free char *cwd = getcwd(NULL, 0);
	const char *base = cwd ? cwd : "/";

	const char *envs[] = { "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR" };
	for (size_t i = 0; i < 2; i++) {
		const char *e = getenv(envs[i]);
		if (e && e[0])
			add(v, &n, resolve(base, e));
	}

	/* cargo is our parent: its --target-dir and --manifest-path */
	char path[64], pcwd[PATH_MAX];
	snprintf(path, sizeof path, "/proc/%ld/cwd", (long)getppid());
	ssize_t pl = readlink(path, pcwd, sizeof pcwd - 1);
	const char *pbase = base;
	if (pl > 0) {
		pcwd[pl] = '\0';
		pbase = pcwd;
	}
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)getppid());
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char cmd[16384];
	ssize_t cl = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : -1;
	if (cl > 0) {
		cmd[cl] = '\0';
		const char *td = cmdline_opt(cmd, (size_t)cl, "--target-dir");
		if (td)
			add(v, &n, resolve(pbase, td));
		/* --config 'build.target-dir="X"' (TOML; a config file's path is not read) */
		for (const char *a = cmd; a < cmd + cl; a += strlen(a) + 1) {
			const char *val = cmdline_opt(a, (size_t)(cmd + cl - a), "--config");
			if (!val)
				break;
			char f[PATH_MAX + 32];
			if (strncmp(val, "build.", 6) == 0 && strlen(val) < PATH_MAX) {
				snprintf(f, sizeof f, "%s", val);
				add(v, &n, config_line_target_dir(f, pbase, true));
			}
			a = val;
		}
		const char *mp = cmdline_opt(cmd, (size_t)cl, "--manifest-path");
		cleanup_free char *mdir = mp ? resolve(pbase, mp) : NULL;
		if (mdir) {
			up(mdir);
			add_workspace(v, &n, mdir);
		}
	}

	/* build.target-dir in .cargo/config{,.toml} from the cwd up, and in CARGO_HOME */
	cleanup_free char *p = strdup(base);
	for (; p;) {
		const char *names[] = { ".cargo/config.toml", ".cargo/config" };
		for (size_t i = 0; i < 2; i++) {
			char f[PATH_MAX];
			if ((size_t)snprintf(f, sizeof f, "%s/%s", strcmp(p, "/") ? p : "", names[i]) < sizeof f)
				add(v, &n, config_target_dir(f, p));
		}
		if (strcmp(p, "/") == 0)
			break;
		up(p);
	}
	const char *ch = getenv("CARGO_HOME"), *home = getenv("HOME");
	cleanup_free char *chome = NULL;
	if (ch && ch[0])
		chome = strdup(ch);
	else if (home && asprintf(&chome, "%s/.cargo", home) < 0)
		chome = NULL;
	if (chome) {
		cleanup_free char *chbase = strdup(chome);
		if (chbase) {
			up(chbase);
			const char *names[] = { "config.toml", "config" };
			for (size_t i = 0; i < 2; i++) {
				char f[PATH_MAX];
				if ((size_t)snprintf(f, sizeof f, "%s/%s", chome, names[i]) < sizeof f)
					add(v, &n, config_target_dir(f, chbase));
			}
		}
	}

	add_workspace(v, &n, base);
	if (pbase != base)
		add_workspace(v, &n, pbase);
	return v;
}

/* "PID STARTTIME" of cargo, our parent: which cargo run a marker is for. */
static int cargo_id(char *out, size_t len)
{
	char path[64], buf[1024];
	pid_t pp = getppid();
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pp);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* field 22 (starttime); fields 3.. follow the last ')' of the comm */
	char *s = strrchr(buf, ')');
	for (int f = 2; s && f < 22; f++)
		s = strchr(s + 1, ' ');
	if (!s)
		return -1;
	unsigned long long start = strtoull(s + 1, NULL, 10);
	return (size_t)snprintf(out, len, "%ld %llu\n", (long)pp, start) < len ? 0 : -1;
}

/* <target>/.bsbox-swept names this cargo run: its target dir is clean. */
static bool swept_for(const char *target_dir, const char *id)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof p, "%s/%s", target_dir, STALE_MARKER) >= sizeof p)
		return false;
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	char buf[64];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, id) == 0;
}

static void mark_swept(const char *target_dir, const char *id)
{
	char p[PATH_MAX];
	struct bsbox_err err = { 0 };
	/* best effort: without it the next call sweeps again */
	if ((size_t)snprintf(p, sizeof p, "%s/%s", target_dir, STALE_MARKER) < sizeof p)
		(void)fileio_write_atomic(p, id, &err);
}

int stale_probe_hook(FILE *msgs)
{
	char **dirs = stale_target_dirs();
	if (!dirs) {
		fprintf(msgs, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	char id[64];
	bool have_id = cargo_id(id, sizeof id) == 0;
	int rc = 0;
	for (size_t i = 0; dirs[i]; i++) {
		struct bsbox_err err = { 0 };
		size_t removed = 0;
		if (rc == 0 && stale_sweep(dirs[i], false, &removed, &err) < 0) {
			fprintf(msgs, "bsbox: %s\n", err.msg);
			rc = BSBOX_EXIT_SETUP;
		} else if (rc == 0 && have_id) {
			mark_swept(dirs[i], id);
		}
		if (removed)
			fprintf(msgs,
				"bsbox: removed %zu build-script binaries built without bsbox from %s; "
				"cargo builds them again, confined\n",
				removed, dirs[i]);
		free(dirs[i]);
	}
	free(dirs);
	return rc;
}

int stale_compile_hook(const char *out_dir, FILE *msgs)
{
	char id[64];
	if (cargo_id(id, sizeof id) < 0)
		return 0; /* not run by a process we can see: nothing to compare */
	cleanup_free char *target = wrapper_find_target_dir(out_dir);
	if (!target || swept_for(target, id))
		return 0;
	struct bsbox_err err = { 0 };
	size_t removed = 0;
	if (stale_sweep(target, true, &removed, &err) < 0) {
		fprintf(msgs, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	mark_swept(target, id);
	if (!removed)
		return 0;
	fprintf(msgs,
		"bsbox: error: %s held %zu build-script binaries built without bsbox (now removed).\n"
		"bsbox: cargo may already have run them, unconfined, in this build: bsbox did not know\n"
		"bsbox: this target dir when cargo started (only CARGO_TARGET_DIR, --target-dir,\n"
		"bsbox: build.target-dir in .cargo/config.toml and <workspace>/target are looked at).\n"
		"bsbox: Check what they did, then build again; or run `cargo clean` first.\n",
		target, removed);
	return BSBOX_EXIT_SETUP;
}
