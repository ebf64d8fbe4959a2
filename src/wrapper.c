/* rustc-wrapper mode (see wrapper.h).
 *
 * The common case -- not a build script -- must cost nothing measurable:
 * argv is scanned once and rustc is exec'ed in place.  Only build scripts and
 * the `-vV` probe fork. */
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
#include "shim.h"
#include "toolchain.h"
#include "util.h"
#include "wrapper.h"

#ifndef BSBOX_VERSION
#define BSBOX_VERSION "unknown"
#endif

/* Longest "#!<bsbox> --shim-exec\n" line we write; Linux reads 256 bytes. */
#define SHEBANG_MAX 250

struct rustc_call {
	const char *crate_name;
	const char *out_dir;
	const char *out_file;        /* -o */
	const char *extra_filename;  /* -C extra-filename= */
	bool crate_type_seen;
	bool crate_type_other;       /* a crate type other than bin */
	bool emit_seen;
	bool emit_link;
	bool version_probe;          /* -vV */
};

/* "-C extra-filename=X", "-Cextra-filename=X", "--codegen extra-filename=X" */
static void codegen_opt(struct rustc_call *c, const char *opt)
{
	if (strncmp(opt, "extra-filename=", 15) == 0)
		c->extra_filename = opt + 15;
}

static void crate_types(struct rustc_call *c, const char *v)
{
	/* comma-separated list */
	c->crate_type_seen = true;
	while (*v) {
		size_t n = strcspn(v, ",");
		if (!(n == 3 && strncmp(v, "bin", 3) == 0))
			c->crate_type_other = true;
		v += n;
		if (*v == ',')
			v++;
	}
}

static void emits(struct rustc_call *c, const char *v)
{
	c->emit_seen = true;
	while (*v) {
		size_t n = strcspn(v, ",");
		if (n >= 4 && strncmp(v, "link", 4) == 0 && (n == 4 || v[4] == '='))
			c->emit_link = true;
		v += n;
		if (*v == ',')
			v++;
	}
}

/* Value of "--opt VALUE" / "--opt=VALUE" at args[*i], or NULL. */
static const char *opt_value(char **args, int n, int *i, const char *opt)
{
	size_t l = strlen(opt);
	const char *a = args[*i];
	if (strncmp(a, opt, l) != 0)
		return NULL;
	if (a[l] == '=')
		return a + l + 1;
	if (a[l] == '\0' && *i + 1 < n)
		return args[++*i];
	return NULL;
}

static void classify(struct rustc_call *c, char **args, int n)
{
	memset(c, 0, sizeof *c);
	if (n == 1 && strcmp(args[0], "-vV") == 0)
		c->version_probe = true;
	if (n == 2) {
		const char *a = args[0], *b = args[1];
		if ((!strcmp(a, "-V") && !strcmp(b, "-v")) || (!strcmp(a, "-v") && !strcmp(b, "-V")) ||
		    (!strcmp(a, "--version") && !strcmp(b, "--verbose")) ||
		    (!strcmp(a, "--verbose") && !strcmp(b, "--version")))
			c->version_probe = true;
	}
	for (int i = 0; i < n; i++) {
		const char *a = args[i], *v;
		if (a[0] != '-')
			continue;
		if ((v = opt_value(args, n, &i, "--crate-name")))
			c->crate_name = v;
		else if ((v = opt_value(args, n, &i, "--crate-type")))
			crate_types(c, v);
		else if ((v = opt_value(args, n, &i, "--out-dir")))
			c->out_dir = v;
		else if ((v = opt_value(args, n, &i, "--emit")))
			emits(c, v);
		else if ((v = opt_value(args, n, &i, "--codegen")))
			codegen_opt(c, v);
		else if (strcmp(a, "-o") == 0 && i + 1 < n)
			c->out_file = args[++i];
		else if (strncmp(a, "-o", 2) == 0 && a[2])
			c->out_file = a + 2;
		else if (strcmp(a, "-C") == 0 && i + 1 < n)
			codegen_opt(c, args[++i]);
		else if (strncmp(a, "-C", 2) == 0 && a[2])
			codegen_opt(c, a + 2);
	}
}

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

static bool is_build_script(const struct rustc_call *c)
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
static char *find_workspace_from(const char *start)
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
	char *w = find_workspace_from(getenv("PWD"));
	if (w)
		return w;
	cleanup_free char *cwd = getcwd(NULL, 0);
	if ((w = find_workspace_from(cwd)))
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
static char *binary_path(const struct rustc_call *c, struct bsbox_err *err)
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

static int build_script(char **cmd, const char *rustc, const struct rustc_call *c)
{
	struct bsbox_err err = { 0 };
	int rc = run_rustc(cmd);
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
static bool inside_sandbox(void)
{
	if (!getenv("BSBOX_INSIDE"))
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

int wrapper_main(int argc, char **argv, const struct bsbox_settings *set)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bsbox RUSTC [ARGS...]  (as cargo's RUSTC_WRAPPER)\n");
		return BSBOX_EXIT_USAGE;
	}
	/* a build script in the sandbox running $RUSTC_WRAPPER $RUSTC */
	if (inside_sandbox()) {
		execvp(argv[1], argv + 1);
		return exec_failed(argv[1]);
	}
	/* the command: [BSBOX_RUSTC_WRAPPER] rustc ARGS; argv[0] is ours to reuse */
	char **cmd = argv + 1;
	const char *chain = set->rustc_wrapper;
	if (chain) {
		argv[0] = (char *)chain;
		cmd = argv;
	}

	struct rustc_call c;
	int nargs = argc - 2;
	char **args = expand_argfiles(argv + 2, nargs, &nargs);
	classify(&c, args ? args : argv + 2, args ? nargs : argc - 2);
	if (c.version_probe)
		return version_probe(cmd);
	if (is_build_script(&c))
		return build_script(cmd, argv[1], &c);

	execvp(cmd[0], cmd);
	return exec_failed(cmd[0]);
}
