/* The lock's checks during a build (see lock.h): the hooks wrapper.c and
 * shim.c call, the once-per-build check of the whole project, the policy
 * digest of a unit, loading the lock and logging its events. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "evlog.h"
#include "fileio.h"
#include "lock.h"
#include "settings.h"

extern char **environ;
#include "shim.h"

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

char *lock_file_path(const char *workspace)
{
	char *p = NULL;
	if (asprintf(&p, "%s/" LOCK_FILE, workspace ? workspace : ".") < 0)
		return NULL;
	return p;
}

int lock_load(const char *workspace, struct lock *out, struct bsbox_err *err)
{
	memset(out, 0, sizeof *out);
	cleanup_free char *path = lock_file_path(workspace);
	cleanup_free char *text = NULL;
	if (!path)
		return bsbox_err_set(err, ENOMEM, "lock path");
	if (fileio_read(path, LOCK_SOURCE_MAX, &text, NULL, err) < 0)
		return bsbox_err_ret(err);
	return lock_parse(text, path, out, err);
}

void lock_log_event(const char *crate, const char *version, const char *msg, const char *suggest,
		    bool audit)
{
	struct bsbox_err err = { 0 };
	struct evlog log = { .fd = -1 };
	/* reached from lockcmd.c and the hooks, which carry no settings
	 * struct: the same parser, here (as shim_policy_for does) */
	struct bsbox_settings set;
	settings_read(&set, environ);
	cleanup_free char *path = evlog_default_path(set.log);
	if (!path || evlog_open(&log, path, crate, version, &err) < 0)
		return;
	char detail[1200];
	snprintf(detail, sizeof detail, "lock: %s", msg);
	struct bsbox_event ev = { .kind = EV_SETUP, .detail = detail, .audit = audit, .suggest = suggest };
	evlog_write(&log, &ev);
	evlog_close(&log);
}

/* Print and log a refusal; returns the exit code. */
static int refuse(FILE *msgs, const struct lock_entry *u, const char *msg)
{
	char suggest[300];
	snprintf(suggest, sizeof suggest, "bsbox review %s, then bsbox lock --accept %s", u->name, u->name);
	fprintf(msgs,
		"bsbox: lock: %s; not running it (locked mode, BSBOX_LOCKED=1)\n"
		"bsbox: lock: review it with `bsbox review %s`, then record it with `bsbox lock --accept %s`\n",
		msg, u->name, u->name);
	lock_log_event(u->name, u->version, msg, suggest, false);
	return BSBOX_EXIT_VIOLATION;
}

/* The verdict for u (code computed) against the workspace's lock, policy
 * computed here; 0 when it may run, else the exit code (printed, logged). */
static int check_unit(FILE *msgs, const char *workspace, struct lock_entry *u,
		      const struct policy *policy)
{
	struct bsbox_err err = { 0 };
	if (policy) {
		lock_policy_digest(policy, u->policy);
		free(u->policy_file);
		const char *src = policy->source ? policy->source : "?";
		size_t wl = strlen(workspace);
		u->policy_file = strdup(!strncmp(src, workspace, wl) && src[wl] == '/' ? src + wl + 1 : src);
	} else if (lock_entry_policy(workspace, u, &err) < 0) {
		fprintf(msgs, "bsbox: lock: %s\n", err.msg);
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
		return refuse(msgs, u, msg);
	}
	struct lock_verdict v;
	lock_match(&l, u, &v);
	char msg[1024];
	lock_message(u, &v, msg, sizeof msg);
	int rc = 0;
	if (v.kind == LOCK_MATCH_MOVED)
		fprintf(msgs, "bsbox: lock: note: %s (`bsbox lock --accept %s` records the version)\n", msg,
			u->name);
	else if (v.kind != LOCK_MATCH)
		rc = refuse(msgs, u, msg);
	lock_free(&l);
	return rc;
}

/* DIR/bsbox-lock-STEM.json: the sidecar of the artifact DIR/STEM (build
 * script) or DIR/libSTEM.so (proc macro).  Not named like the artifact:
 * nothing that globs build_script_* or lib*.so takes it for one. */
static char *sidecar_path(const char *dir, size_t dirlen, const char *stem, size_t stemlen)
{
	char *p = NULL;
	if (asprintf(&p, "%.*s/" LOCK_SIDECAR_PREFIX "%.*s.json", (int)dirlen, dir, (int)stemlen, stem) < 0)
		return NULL;
	return p;
}

static int read_sidecar(const char *path, struct lock_entry *e, struct bsbox_err *err)
{
	cleanup_free char *text = NULL;
	if (fileio_read(path, LOCK_SOURCE_MAX, &text, NULL, err) < 0)
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
 * DIR/bsbox-lock-NAME-HASH.json (written when it was compiled). */
static int check_extern(FILE *msgs, const char *workspace, const char *spec)
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
	cleanup_free char *side = base > path ? sidecar_path(path, (size_t)(base - path - 1), base + 3, strlen(base) - 6)
						: sidecar_path(".", 1, base + 3, strlen(base) - 6);
	if (!side)
		return BSBOX_EXIT_SETUP;
	struct lock_entry u = { 0 };
	struct bsbox_err err = { 0 };
	if (read_sidecar(side, &u, &err) < 0 && !is_proc_macro(path))
		return 0; /* a dylib crate: its code runs in the program, not at build time */
	if (!u.name) {
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
		struct lock_entry anon = { .name = name, .version = (char *)"" };
		char msg[BSBOX_ERR_MSG + 300];
		snprintf(msg, sizeof msg, "the proc macro %s (%s) was compiled without bsbox's lock data (%s); "
			 "rebuild it (`cargo clean -p %s`) so its code can be checked", name, path, err.msg, name);
		return refuse(msgs, &anon, msg);
	}
	int rc = check_unit(msgs, workspace, &u, NULL);
	lock_entry_free(&u);
	return rc;
}

static int project_check_once(FILE *msgs, const char *workspace, const char *target_dir);

int lock_rustc_hook(const struct lock_rustc *r)
{
	FILE *msgs = r->msgs;
	bool locked = r->locked;
	if (!r->build_script && !r->proc_macro && !locked)
		return 0;
	const char *ws = r->workspace ? r->workspace : ".";
	if (locked && r->input && r->target_dir) {
		int rc = project_check_once(msgs, ws, r->target_dir);
		if (rc)
			return rc;
	}
	if (locked) {
		for (int i = 0; i + 1 < r->nargs; i++) {
			if (strcmp(r->args[i], "--extern") == 0) {
				int rc = check_extern(msgs, ws, r->args[++i]);
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
		fprintf(msgs, "bsbox: lock: %s: not compiled by cargo (no CARGO_PKG_NAME, CARGO_PKG_VERSION "
			"or CARGO_MANIFEST_DIR); cannot check it against the lock\n", r->crate_name);
		return BSBOX_EXIT_VIOLATION;
	}
	cleanup_free char *input = r->input[0] == '/' ? strdup(r->input) : realpath(r->input, NULL);
	if (!(u.name = strdup(name)) || !(u.version = strdup(version)) || !(u.dir = strdup(dir)) ||
	    !input || lock_code_digest(dir, u.kind, input, &u, &err) < 0) {
		if (!err.msg[0])
			bsbox_err_set(&err, errno ? errno : ENOMEM, "%s", r->input);
		fprintf(msgs, "bsbox: lock: %s %s: digesting its %s: %s\n", name, version,
			lock_kind_name(u.kind), err.msg);
		lock_entry_free(&u);
		return locked ? BSBOX_EXIT_VIOLATION : 0;
	}
	cleanup_free char *stem = NULL;
	if (asprintf(&stem, "%s%s", r->crate_name, r->extra_filename ? r->extra_filename : "") < 0)
		stem = NULL;
	const char *od = r->out_dir ? r->out_dir : ".";
	cleanup_free char *side = stem ? sidecar_path(od, strlen(od), stem, strlen(stem)) : NULL;
	cleanup_free char *text = lock_entry_format(&u);
	if (side && text && fileio_write_atomic(side, text, &err) < 0 && locked)
		fprintf(msgs, "bsbox: lock: warning: %s\n", err.msg);
	if (locked)
		rc = check_unit(msgs, ws, &u, NULL);
	lock_entry_free(&u);
	return rc;
}

int lock_shim_check(const char *real, const char *workspace, const char *crate, const char *version,
		    const struct policy *policy, FILE *msgs)
{
	/* DIR/STEM.bsbox-real -> DIR/bsbox-lock-STEM.json */
	size_t l = strlen(real), sl = strlen(SHIM_REAL_SUFFIX);
	const char *base = strrchr(real, '/');
	cleanup_free char *side = NULL;
	if (base && l > sl && !strcmp(real + l - sl, SHIM_REAL_SUFFIX))
		side = sidecar_path(real, (size_t)(base - real), base + 1, (size_t)(real + l - sl - base - 1));
	struct lock_entry u = { 0 };
	struct bsbox_err err = { 0 };
	if (!side || read_sidecar(side, &u, &err) < 0) {
		struct lock_entry anon = { .name = (char *)(crate ? crate : "build script"),
					   .version = (char *)(version ? version : "") };
		char msg[BSBOX_ERR_MSG + 300];
		snprintf(msg, sizeof msg, "%s %s: the build script was compiled without bsbox's lock data "
			 "(%s); rebuild it (`cargo clean -p %s`) so its code can be checked",
			 anon.name, anon.version, err.msg[0] ? err.msg : "no sidecar", anon.name);
		return refuse(msgs, &anon, msg);
	}
	int rc = check_unit(msgs, workspace ? workspace : ".", &u, policy);
	lock_entry_free(&u);
	return rc;
}

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
static int project_check_once(FILE *msgs, const char *workspace, const char *target_dir)
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
		fprintf(msgs, "bsbox: lock: refused: this build's build-time code differs from %s/%s "
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
		fprintf(msgs, "bsbox: lock: warning: cannot list the project's build scripts and proc macros "
			"(%s); checking each as it is compiled\n", err.msg);
		fileio_write_atomic(marker, "ok\n", &err);
		return 0;
	}
	if (lock_load(ws, &l, &err) < 0) {
		fprintf(msgs, "bsbox: lock: %s%s; not running any build script or proc macro "
			"(locked mode, BSBOX_LOCKED=1)\n", err.msg,
			err.errnum == ENOENT ? " (create it with `bsbox lock`)" : "");
		rc = BSBOX_EXIT_VIOLATION;
	} else {
		cleanup_free bool *used = calloc(l.n + 1, sizeof *used);
		char *buf = NULL;
		size_t blen = 0;
		FILE *m = open_memstream(&buf, &blen);
		int problems = used && m ? lock_compare(&l, &units, used, m, true) : 0;
		if (m)
			fclose(m);
		if (problems) {
			fprintf(msgs, "bsbox: lock: %d build-time unit%s of this project differ%s from %s/%s; "
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
