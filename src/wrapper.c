/* rustc-wrapper mode (see wrapper.h).
 *
 * The common case -- not a build script, no proc macro -- must cost nothing
 * measurable: argv is scanned once, the library's proc-macro record written
 * (rustcbox.h) and rustc is exec'ed in place.  Only build scripts, the `-vV`
 * probe and the calls that load proc macros (run confined) fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "lock.h"
#include "rustcbox.h"
#include "shim.h"
#include "stale.h"
#include "toolchain.h"
#include "util.h"
#include "wrapper.h"

#ifndef BSBOX_VERSION
#define BSBOX_VERSION "unknown"
#endif

/* Longest "#!<bsbox> --shim-exec\n" line we write; Linux reads 256 bytes. */
#define SHEBANG_MAX 250

/* rustc reads `@path` arguments from a file, one per line (cargo uses one when
 * the command line is too long).  Expand them so a build script cannot hide
 * there; the strings are leaked (we exec or exit soon).  Returns NULL if
 * there is no @file or on error (then the caller classifies args as is and
 * rustc reports the unreadable file). */
static char **expand_argfiles(char **args, int n, int *nout)
{
	bool any = false;
	for (int i = 0; i < n; i++)
		if (args[i][0] == '@')
			any = true;
	if (!any)
		return NULL;
	size_t cap = (size_t)n + 16, len = 0;
	char **v = malloc(cap * sizeof *v);
	if (!v)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (args[i][0] != '@') {
			v[len++] = args[i];
			continue;
		}
		const char *path = args[i] + 1;
		if (strncmp(path, "shell:", 6) == 0)
			path += 6; /* nightly's shell-quoted form: good enough for classifying */
		FILE *f = fopen(path, "re");
		if (!f) {
			v[len++] = args[i];
			continue;
		}
		char *line = NULL;
		size_t lcap = 0;
		ssize_t l;
		while ((l = getline(&line, &lcap, f)) >= 0) {
			if (l > 0 && line[l - 1] == '\n')
				line[--l] = '\0';
			if (len + 1 >= cap) {
				char **nv = realloc(v, (cap *= 2) * sizeof *v);
				if (!nv)
					break;
				v = nv;
			}
			v[len++] = line;
			line = NULL;
			lcap = 0;
		}
		free(line);
		fclose(f);
		if (len + 1 >= cap)
			break;
	}
	*nout = (int)len;
	return v;
}

static bool is_build_script(const struct rustc_args *c)
{
	return c->crate_name && strncmp(c->crate_name, "build_script_", 13) == 0 &&
	       c->crate_name[13] && !c->crate_type_other;
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return BSBOX_EXIT_SIGNAL + WTERMSIG(status);
	return BSBOX_EXIT_SETUP;
}

static int exec_failed(const char *what)
{
	int e = errno;
	fprintf(stderr, "bsbox: cannot execute %s: %s\n", what, strerror(e));
	return e == ENOENT ? BSBOX_EXIT_NOTFOUND : BSBOX_EXIT_NOEXEC;
}

/* Run cmd (stdio inherited) and wait; returns the wait status or -1. */
static int run_wait(char **cmd, struct bsbox_err *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return bsbox_err_set(err, errno, "fork");
	if (pid == 0) {
		execvp(cmd[0], cmd);
		_exit(exec_failed(cmd[0]));
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return bsbox_err_set(err, errno, "waitpid");
	}
	return st;
}

/* Absolute version of path (relative to the cwd); malloc'ed. */
static char *absolute(const char *path, struct bsbox_err *err)
{
	char *r;
	if (path[0] == '/') {
		r = strdup(path);
	} else {
		cleanup_free char *cwd = getcwd(NULL, 0);
		if (!cwd) {
			bsbox_err_set(err, errno, "getcwd");
			return NULL;
		}
		if (asprintf(&r, "%s/%s", cwd, path) < 0)
			r = NULL;
	}
	if (!r)
		bsbox_err_set(err, ENOMEM, "allocating a path");
	return r;
}

static bool file_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, name) >= sizeof p)
		return false;
	return access(p, F_OK) == 0;
}

/* Drop the last component of an absolute path in place ("/a/b" -> "/a", "/a" -> "/"). */
static void up(char *p)
{
	char *s = strrchr(p, '/');
	if (!s)
		return;
	if (s == p)
		p[1] = '\0';
	else
		*s = '\0';
}

/* cargo's target dir: the nearest ancestor of dir holding CACHEDIR.TAG. */
static char *find_target_dir(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return NULL;
	while (strcmp(p, "/") != 0) {
		if (file_exists(p, "CACHEDIR.TAG"))
			return p;
		up(p);
	}
	free(p);
	return NULL;
}

char *wrapper_find_target_dir(const char *dir)
{
	return find_target_dir(dir);
}

static bool has_workspace_table(const char *dir)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof p, "%s/Cargo.toml", dir) >= sizeof p)
		return false;
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return false;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "[workspace]", 11) == 0)
			return true;
	return false;
}

/* Walk up from start: the nearest dir whose Cargo.toml has [workspace], else
 * the nearest dir with a Cargo.toml, else NULL. */
char *wrapper_find_workspace_from(const char *start)
{
	if (!start || start[0] != '/')
		return NULL;
	cleanup_free char *p = strdup(start);
	char *first = NULL;
	if (!p)
		return NULL;
	for (;;) {
		if (file_exists(p, "Cargo.toml")) {
			if (has_workspace_table(p)) {
				free(first);
				return strdup(p);
			}
			if (!first)
				first = strdup(p);
		}
		if (strcmp(p, "/") == 0)
			break;
		up(p);
	}
	return first;
}

/* Where .bsbox/policies is looked up: CARGO_WORKSPACE_DIR; the parent of the
 * target dir if it is a cargo project; the project cargo was started in
 * ($PWD, as cargo runs rustc for registry crates in the crate's own dir);
 * the crate's manifest dir. */
static char *find_workspace(const char *target_dir)
{
	const char *e = getenv("CARGO_WORKSPACE_DIR");
	if (e && e[0] == '/')
		return strdup(e);
	if (target_dir) {
		cleanup_free char *parent = strdup(target_dir);
		if (parent) {
			up(parent);
			if (file_exists(parent, "Cargo.toml"))
				return steal_ptr(parent);
		}
	}
	char *w = wrapper_find_workspace_from(getenv("PWD"));
	if (w)
		return w;
	cleanup_free char *cwd = getcwd(NULL, 0);
	if ((w = wrapper_find_workspace_from(cwd)))
		return w;
	e = getenv("CARGO_MANIFEST_DIR");
	return strdup(e ? e : "/");
}

/* Quote s for sh inside single quotes. */
static char *sh_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *r = malloc(n), *o = r;
	if (!r)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return r;
}

struct shim_info {
	const char *bsbox; /* absolute path of this binary */
	struct shim_meta m;
};

static char *shim_text(const struct shim_info *s, struct bsbox_err *err)
{
	const char *vals[] = { s->bsbox,	s->m.real,      s->m.crate,	     s->m.version,
			       s->m.manifest_dir, s->m.workspace, s->m.target_dir, s->m.rustc,
			       s->m.sysroot };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		if (strchr(vals[i], '\n')) {
			bsbox_err_setx(err, EINVAL, "cannot write a build-script shim: newline in path %s",
				       vals[i]);
			return NULL;
		}
	cleanup_free char *interp = NULL;
	bool plain = strcspn(s->bsbox, " \t") == strlen(s->bsbox);
	if (plain && strlen("#!") + strlen(s->bsbox) + strlen(" --shim-exec\n") <= SHEBANG_MAX) {
		if (asprintf(&interp, "#!%s --shim-exec\n", s->bsbox) < 0)
			interp = NULL;
	} else {
		cleanup_free char *q = sh_quote(s->bsbox);
		if (q && asprintf(&interp, "#!/bin/sh\nexec %s --shim-exec \"$0\" \"$@\"\nexit 126\n", q) < 0)
			interp = NULL;
	}
	char *text = NULL;
	if (!interp || asprintf(&text,
				"%s" SHIM_MARKER "\n"
				"real=%s\ncrate=%s\nversion=%s\nmanifest_dir=%s\nworkspace=%s\ntarget_dir=%s\n"
				"rustc=%s\nsysroot=%s\n",
				interp, s->m.real, s->m.crate, s->m.version, s->m.manifest_dir, s->m.workspace,
				s->m.target_dir, s->m.rustc, s->m.sysroot) < 0) {
		bsbox_err_set(err, ENOMEM, "formatting the shim");
		return NULL;
	}
	return text;
}

/* Move `binary` to `binary.bsbox-real` and put a shim in its place; rustc
 * is the compiler as cargo named it (recorded resolved, with its sysroot). */
static int install_shim(const char *binary, const char *rustc, struct bsbox_err *err)
{
	char self[PATH_MAX];
	int sr = util_self_exe(self, sizeof self);
	if (sr < 0)
		return bsbox_err_set(err, -sr, "readlink /proc/self/exe");

	cleanup_free char *real = NULL;
	cleanup_free char *tmp = NULL;
	if (asprintf(&real, "%s" SHIM_REAL_SUFFIX, binary) < 0 ||
	    asprintf(&tmp, "%s.bsbox-tmp.%ld", binary, (long)getpid()) < 0)
		return bsbox_err_set(err, ENOMEM, "allocating a path");

	cleanup_free char *bindir = strdup(binary);
	if (!bindir)
		return bsbox_err_set(err, ENOMEM, "allocating a path");
	up(bindir);
	cleanup_free char *target_dir = find_target_dir(bindir);
	cleanup_free char *workspace = find_workspace(target_dir);
	if (!workspace)
		return bsbox_err_set(err, ENOMEM, "allocating a path");

	const char *crate = getenv("CARGO_PKG_NAME");
	const char *version = getenv("CARGO_PKG_VERSION");
	const char *mdir = getenv("CARGO_MANIFEST_DIR");
	/* the shim has no other way to learn which rustc cargo ran: RUSTC may be
	 * a bare name, resolved on a PATH the sandbox filters */
	cleanup_free char *rustc_path = util_which(rustc, getenv("PATH"));
	cleanup_free char *sysroot = NULL;
	struct bsbox_err serr = { 0 };
	if (rustc_path && toolchain_sysroot(rustc_path, &sysroot, &serr) < 0)
		fprintf(stderr, "bsbox: warning: %s (the build script's $SYSROOT stays unset)\n",
			serr.msg);
	struct shim_info si = {
		.bsbox = self,
		.m = {
			.real = real,
			.crate = crate ? crate : "",
			.version = version ? version : "",
			.manifest_dir = mdir ? mdir : "",
			.workspace = workspace,
			.target_dir = target_dir ? target_dir : "",
			.rustc = rustc_path ? rustc_path : "",
			.sysroot = sysroot ? sysroot : "",
		},
	};
	cleanup_free char *text = shim_text(&si, err);
	if (!text)
		return bsbox_err_ret(err);

	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0700);
	if (fd < 0)
		return bsbox_err_set(err, errno, "creating %s", tmp);
	int wr = util_write_all(fd, text, strlen(text));
	if (wr < 0 || fchmod(fd, 0755) < 0 || close(steal_fd(&fd)) < 0) {
		bsbox_err_set(err, wr < 0 ? -wr : errno, "writing %s", tmp);
		unlink(tmp);
		return bsbox_err_ret(err);
	}
	if (rename(binary, real) < 0) {
		int e = errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "renaming %s", binary);
	}
	if (rename(tmp, binary) < 0) {
		int e = errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "installing the shim at %s", binary);
	}
	return 0;
}

/* The build script's binary path from rustc's arguments; malloc'ed, absolute. */
static char *binary_path(const struct rustc_args *c, struct bsbox_err *err)
{
	if (c->out_file)
		return absolute(c->out_file, err);
	cleanup_free char *rel = NULL;
	if (asprintf(&rel, "%s/%s%s", c->out_dir ? c->out_dir : ".", c->crate_name,
		     c->extra_filename ? c->extra_filename : "") < 0) {
		bsbox_err_set(err, ENOMEM, "allocating a path");
		return NULL;
	}
	return absolute(rel, err);
}

/* Run rustc and wait: 0 when it succeeded, else the exit code to return
 * (rustc's own, or BSBOX_EXIT_SETUP when it could not be run). */
static int run_rustc(char **cmd)
{
	struct bsbox_err err = { 0 };
	int st = run_wait(cmd, &err);
	if (st < 0) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	return st ? exit_code_of(st) : 0;
}

/* What a call loads, for the decision to confine it. */
struct loads {
	char **macros; /* "<package>@<version>" */
	size_t n;
	bool unknown;  /* a dependency without a record (rustcbox.h) */
	const char *out_dir; /* for the workspace lookup */
};

static bool loads_any(const struct loads *l)
{
	return l->n > 0 || l->unknown;
}

/* Compile: confined when the call loads proc macros (cmd_direct is the
 * command without a chained wrapper, see wrapper_main), else run and wait. */
static int compile(char **cmd, char **cmd_direct, const struct rustc_args *c, const struct loads *l)
{
	if (!loads_any(l))
		return run_rustc(cmd);
	cleanup_free char *target = l->out_dir ? find_target_dir(l->out_dir) : NULL;
	cleanup_free char *workspace = find_workspace(target);
	return rustcbox_run(cmd_direct, c, l->macros, l->n, l->unknown, workspace);
}

/* rustc: the compiler as cargo named it (recorded for the shim, toolchain.h) */
static int build_script(char **cmd, char **cmd_direct, const char *rustc,
			const struct rustc_args *c, const struct loads *l)
{
	struct bsbox_err err = { 0 };
	int rc = compile(cmd, cmd_direct, c, l);
	if (rc)
		return rc;
	if (c->emit_seen && !c->emit_link)
		return 0; /* no binary: nothing will run */

	cleanup_free char *bin = binary_path(c, &err);
	if (!bin) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	struct stat sb;
	if (lstat(bin, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "bsbox: build script %s: rustc succeeded but %s is missing; "
				"not running it unconfined\n", c->crate_name, bin);
		return BSBOX_EXIT_SETUP;
	}
	if (install_shim(bin, rustc, &err) < 0) {
		/* never leave an unconfined build script for cargo to run */
		unlink(bin);
		fprintf(stderr, "bsbox: build script %s: %s\n", c->crate_name, err.msg);
		return BSBOX_EXIT_SETUP;
	}
	return 0;
}

static int version_probe(char **cmd)
{
	fflush(stdout);
	int rc = run_rustc(cmd);
	if (rc)
		return rc;
	/* cargo hashes this output into every unit's fingerprint */
	printf("bsbox: %s\n", BSBOX_VERSION);
	return fflush(stdout) == 0 ? 0 : BSBOX_EXIT_SETUP;
}

/* BSBOX_INSIDE alone proves nothing: a project's .cargo/config.toml [env]
 * table could set it for every rustc call and switch bsbox off. Only a
 * process that really runs under a seccomp filter with no_new_privs (as
 * everything in the sandbox does) is believed. */
static bool inside_sandbox(const struct bsbox_settings *set)
{
	if (!set->inside)
		return false;
	cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	char line[256];
	bool nnp = false, filtered = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "NoNewPrivs:", 11) == 0)
			nnp = atoi(line + 11) == 1;
		else if (strncmp(line, "Seccomp:", 8) == 0)
			filtered = atoi(line + 8) == 2;
	}
	if (!(nnp && filtered))
		fprintf(stderr, "bsbox: warning: BSBOX_INSIDE is set outside a bsbox sandbox; "
				"ignoring it\n");
	return nnp && filtered;
}

/* The lock (lock.h): build scripts and proc macros are digested before
 * rustc compiles them, and in locked mode checked, as is every proc macro a
 * call loads.  Unlocked, other calls cost nothing. */
static int lock_hook(const struct rustc_args *c, char **args, int nargs, bool locked)
{
	bool bs = is_build_script(c);
	if (!bs && !c->proc_macro && !locked)
		return 0;
	/* cargo passes an absolute --out-dir; find_target_dir wants one */
	cleanup_free char *target_dir =
		c->out_dir && c->out_dir[0] == '/' ? find_target_dir(c->out_dir) : NULL;
	cleanup_free char *workspace = find_workspace(target_dir);
	struct lock_rustc r = {
		.crate_name = c->crate_name ? c->crate_name : "",
		.input = c->input,
		.out_dir = c->out_dir,
		.extra_filename = c->extra_filename,
		.build_script = bs,
		.proc_macro = c->proc_macro,
		.args = args,
		.nargs = nargs,
		.workspace = workspace,
		.target_dir = target_dir,
		.locked = locked,
		.msgs = stderr,
	};
	return lock_rustc_hook(&r);
}

/* `W rustc ARGS` as cargo runs RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTC
 * (`bsbox clippy-driver rustc ARGS` under cargo clippy): is a the rustc of
 * that form, i.e. not an argument? */
static bool is_rustc_path(const char *a)
{
	const char *base = strrchr(a, '/');
	base = base ? base + 1 : a;
	size_t l = strlen(base);
	return a[0] != '-' && strncmp(base, "rustc", 5) == 0 && !(l > 3 && !strcmp(base + l - 3, ".rs"));
}

/* The proc macros the call loads, and the record of what its library pulls
 * in (written before rustc runs: it depends on the arguments only). */
static int find_loads(const struct rustc_args *c, struct loads *l)
{
	struct bsbox_err err = { 0 };
	memset(l, 0, sizeof *l);
	l->out_dir = c->out_dir;
	if (rustcbox_loaded(c, &l->macros, &l->n, &l->unknown, &err) < 0) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	if (!c->rustdoc && rustcbox_record(c, l->macros, l->n, &err) < 0)
		/* dependents without the record are confined as "unknown" */
		fprintf(stderr, "bsbox: warning: %s\n", err.msg);
	return 0;
}

int wrapper_main(int argc, char **argv, const struct bsbox_settings *set)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bsbox RUSTC [ARGS...]  (as cargo's RUSTC_WRAPPER)\n");
		return BSBOX_EXIT_USAGE;
	}
	/* a build script in the sandbox running $RUSTC_WRAPPER $RUSTC */
	if (inside_sandbox(set)) {
		execvp(argv[1], argv + 1);
		return exec_failed(argv[1]);
	}
	/* the command: [BSBOX_RUSTC_WRAPPER] [WORKSPACE_WRAPPER] rustc ARGS;
	 * argv[0] is ours to reuse.  A confined call runs without the chained
	 * wrapper: sccache and the like need their server (the network) and a
	 * cache outside the sandbox. */
	char **cmd = argv + 1, **cmd_direct = argv + 1;
	const char *chain = set->rustc_wrapper;
	if (chain) {
		argv[0] = (char *)chain;
		cmd = argv;
	}
	int first = argc > 2 && is_rustc_path(argv[2]) ? 3 : 2;

	struct rustc_args c = { 0 };
	int rc;
	int nargs = argc - first;
	char **args = expand_argfiles(argv + first, nargs, &nargs);
	if (rustc_args_parse(&c, args ? args : argv + first, args ? nargs : argc - first) < 0) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	if (c.version_probe)
		return version_probe(cmd);
	if (stale_is_target_probe(&c) && (rc = stale_probe_hook(stderr)) != 0)
		return rc;
	if (c.out_dir && c.out_dir[0] == '/' && (rc = stale_compile_hook(c.out_dir, stderr)) != 0)
		return rc;
	int lrc = lock_hook(&c, args ? args : argv + first, args ? nargs : argc - first,
			    set->locked);
	if (lrc)
		return lrc;
	struct loads l;
	rc = find_loads(&c, &l);
	if (rc)
		return rc;
	if (is_build_script(&c))
		return build_script(cmd, cmd_direct, argv[first - 1], &c, &l);
	if (loads_any(&l))
		return compile(cmd, cmd_direct, &c, &l);

	execvp(cmd[0], cmd);
	return exec_failed(cmd[0]);
}

/* The rustdoc to run: $BSBOX_RUSTDOC, else the first `rustdoc` on PATH that
 * is not this binary (a rustup proxy picks the toolchain cargo runs). */
static int find_rustdoc(char *out, size_t len, const char *bsbox_rustdoc)
{
	if (bsbox_rustdoc) {
		snprintf(out, len, "%s", bsbox_rustdoc);
		return 0;
	}
	cleanup_free char *self = realpath("/proc/self/exe", NULL);
	const char *path = getenv("PATH");
	cleanup_free char *copy = strdup(path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX];
		if (!*d || snprintf(cand, sizeof cand, "%s/rustdoc", d) >= (int)sizeof cand ||
		    access(cand, X_OK) != 0)
			continue;
		cleanup_free char *rp = realpath(cand, NULL);
		if (rp && self && strcmp(rp, self) == 0)
			continue;
		snprintf(out, len, "%s", cand);
		return 0;
	}
	return -ENOENT;
}

int wrapper_rustdoc_main(int argc, char **argv, const struct bsbox_settings *set)
{
	char real[PATH_MAX];
	if (find_rustdoc(real, sizeof real, set->rustdoc) < 0) {
		fprintf(stderr, "bsbox: no rustdoc on PATH besides bsbox itself; set BSBOX_RUSTDOC\n");
		return BSBOX_EXIT_NOTFOUND;
	}
	argv[0] = real; /* the command: rustdoc ARGS */
	if (inside_sandbox(set)) {
		execv(argv[0], argv);
		return exec_failed(argv[0]);
	}
	struct rustc_args c = { .rustdoc = true };
	int nargs = argc - 1;
	char **args = expand_argfiles(argv + 1, nargs, &nargs);
	if (rustc_args_parse(&c, args ? args : argv + 1, args ? nargs : argc - 1) < 0) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	struct loads l;
	int rc = find_loads(&c, &l);
	if (rc)
		return rc;
	if (loads_any(&l)) {
		l.out_dir = c.out_file ? c.out_file : c.out_dir;
		return compile(argv, argv, &c, &l);
	}
	execv(argv[0], argv);
	return exec_failed(argv[0]);
}
