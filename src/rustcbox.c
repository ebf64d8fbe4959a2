/* Confined compiles (see rustcbox.h): which rustc/rustdoc calls load proc
 * macros, the record that carries that through rlib dependencies, and the
 * policy such a call runs under. */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "reslimit.h"
#include "err.h"
#include "policy.h"
#include "policystore.h"
#include "procmacro.h"
#include "run.h"
#include "rustcbox.h"
#include "shim.h"
#include "strv.h"
#include "util.h"

extern char **environ;

#define RECORD_DIR ".bsbox-pm"
#define RECORD_MAX (64 * 1024)
#define TAINT_SUFFIX ".tainted"

/* ---- the command line (pure) ------------------------------------------- */

static void codegen_opt(struct rustc_args *a, const char *opt)
{
	if (strncmp(opt, "extra-filename=", 15) == 0)
		a->extra_filename = opt + 15;
	else if (strncmp(opt, "incremental=", 12) == 0)
		a->incremental = opt + 12;
	else if (strncmp(opt, "linker=", 7) == 0)
		a->linker = opt + 7;
}

static bool item_is(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && strncmp(v, word, n) == 0;
}

static void crate_types(struct rustc_args *a, const char *v)
{
	a->crate_type_seen = true;
	while (*v) {
		size_t n = strcspn(v, ",");
		if (!item_is(v, n, "bin"))
			a->crate_type_other = true;
		if (item_is(v, n, "lib") || item_is(v, n, "rlib") || item_is(v, n, "dylib") ||
		    item_is(v, n, "proc-macro"))
			a->crate_type_lib = true;
		if (item_is(v, n, "proc-macro"))
			a->proc_macro = true;
		v += n;
		if (*v == ',')
			v++;
	}
}

static void emits(struct rustc_args *a, const char *v)
{
	a->emit_seen = true;
	while (*v) {
		size_t n = strcspn(v, ",");
		if (n >= 4 && strncmp(v, "link", 4) == 0 && (n == 4 || v[4] == '='))
			a->emit_link = true;
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

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = (char *)s;
	*v = nv;
	return 0;
}

/* "[OPTS:]NAME=PATH" -> PATH; "NAME" (a sysroot crate) -> NULL */
static const char *extern_path(const char *v)
{
	const char *eq = strchr(v, '=');
	return eq && eq[1] ? eq + 1 : NULL;
}

/* "[KIND=]PATH" -> PATH (KIND: dependency, crate, native, framework, all) */
static const char *ldir_path(const char *v)
{
	static const char *const kinds[] = { "dependency=", "crate=", "native=", "framework=", "all=" };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (strncmp(v, kinds[k], strlen(kinds[k])) == 0)
			return v + strlen(kinds[k]);
	return v;
}

int rustc_args_parse(struct rustc_args *a, char **args, int n)
{
	bool rustdoc = a->rustdoc;
	memset(a, 0, sizeof *a);
	a->rustdoc = rustdoc;
	if (n == 1 && strcmp(args[0], "-vV") == 0)
		a->version_probe = true;
	if (n == 2) {
		const char *x = args[0], *y = args[1];
		if ((!strcmp(x, "-V") && !strcmp(y, "-v")) || (!strcmp(x, "-v") && !strcmp(y, "-V")) ||
		    (!strcmp(x, "--version") && !strcmp(y, "--verbose")) ||
		    (!strcmp(x, "--verbose") && !strcmp(y, "--version")))
			a->version_probe = true;
	}
	for (int i = 0; i < n; i++) {
		const char *s = args[i], *v;
		size_t l = strlen(s);
		if (s[0] != '-' && !a->input && l > 3 && strcmp(s + l - 3, ".rs") == 0)
			a->input = s;
		if (s[0] != '-')
			continue;
		if ((v = opt_value(args, n, &i, "--crate-name")))
			a->crate_name = v;
		else if ((v = opt_value(args, n, &i, "--crate-type")))
			crate_types(a, v);
		else if ((v = opt_value(args, n, &i, "--out-dir")))
			a->out_dir = v;
		else if ((v = opt_value(args, n, &i, "--emit")))
			emits(a, v);
		else if ((v = opt_value(args, n, &i, "--codegen")))
			codegen_opt(a, v);
		else if ((v = opt_value(args, n, &i, "--extern"))) {
			if ((v = extern_path(v)) && push(&a->externs, &a->nexterns, v) < 0)
				return -ENOMEM;
		} else if ((v = opt_value(args, n, &i, "--library-path"))) { /* rustdoc's -L */
			if (push(&a->ldirs, &a->nldirs, ldir_path(v)) < 0)
				return -ENOMEM;
		} else if (strcmp(s, "-L") == 0 && i + 1 < n) {
			if (push(&a->ldirs, &a->nldirs, ldir_path(args[++i])) < 0)
				return -ENOMEM;
		} else if (strncmp(s, "-L", 2) == 0 && s[2]) {
			if (push(&a->ldirs, &a->nldirs, ldir_path(s + 2)) < 0)
				return -ENOMEM;
		} else if (strcmp(s, "-o") == 0 && i + 1 < n)
			a->out_file = args[++i];
		else if (strncmp(s, "-o", 2) == 0 && s[2])
			a->out_file = s + 2;
		else if (strcmp(s, "-C") == 0 && i + 1 < n)
			codegen_opt(a, args[++i]);
		else if (strncmp(s, "-C", 2) == 0 && s[2])
			codegen_opt(a, s + 2);
	}
	return 0;
}

void rustc_args_free(struct rustc_args *a)
{
	free(a->externs);
	free(a->ldirs);
	a->externs = a->ldirs = NULL;
	a->nexterns = a->nldirs = 0;
}

bool rustcbox_record_path(const char *artifact, char *out, size_t outlen)
{
	const char *base = strrchr(artifact, '/');
	if (!base || base == artifact)
		return false;
	const char *dir_end = base;          /* ".../deps" ends here */
	const char *parent_end = dir_end - 1;
	while (parent_end > artifact && *parent_end != '/')
		parent_end--;
	if (*parent_end != '/')
		return false;
	base++;
	size_t stem = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".rlib") || !strcmp(dot, ".rmeta") || !strcmp(dot, ".so") ||
		    !strcmp(dot, ".dylib") || !strcmp(dot, ".dll")))
		stem = (size_t)(dot - base);
	int w = snprintf(out, outlen, "%.*s/" RECORD_DIR "/%.*s", (int)(parent_end - artifact),
			 artifact, (int)stem, base);
	return w > 0 && (size_t)w < outlen;
}

bool rustcbox_lib_name(const char *artifact, char *out, size_t outlen)
{
	const char *base = strrchr(artifact, '/');
	base = base ? base + 1 : artifact;
	if (strncmp(base, "lib", 3) != 0)
		return false;
	base += 3;
	size_t n = strcspn(base, "-.");
	if (n == 0 || n >= outlen)
		return false;
	memcpy(out, base, n);
	out[n] = '\0';
	return true;
}

/* ---- records ------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);
	return l >= k && strcmp(s + l - k, suffix) == 0;
}

/* Add the lines of the record at path to *v; 1 if there is no record. */
static int read_record(const char *path, char ***v, size_t *n, struct bsbox_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return bsbox_err_set(err, errno, "reading %s", path);
	}
	char buf[RECORD_MAX + 1];
	size_t len = 0;
	ssize_t r;
	while (len < RECORD_MAX && (r = read(fd, buf + len, RECORD_MAX - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return bsbox_err_set(err, errno, "reading %s", path);
		len += (size_t)r;
	}
	buf[len] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (*line && strv_add_unique(v, n, line) < 0)
			return bsbox_err_set(err, ENOMEM, "reading %s", path);
	return 0;
}

int rustcbox_loaded(const struct rustc_args *a, char ***macros, size_t *n, bool *unknown,
		    struct bsbox_err *err)
{
	*macros = NULL;
	*n = 0;
	*unknown = false;
	for (size_t i = 0; i < a->nexterns; i++) {
		const char *p = a->externs[i];
		char rec[PATH_MAX], taint[PATH_MAX + 16], name[256];
		bool has_rec = rustcbox_record_path(p, rec, sizeof rec);
		if (has_rec && snprintf(taint, sizeof taint, "%s" TAINT_SUFFIX, rec) < (int)sizeof taint &&
		    access(taint, F_OK) == 0) {
			/* changed by a confined compile: its record no longer says
			 * what loading it pulls in */
			*unknown = true;
			if (ends_with(p, ".so") && rustcbox_lib_name(p, name, sizeof name) &&
			    strv_add_unique(macros, n, name) < 0)
				return bsbox_err_set(err, ENOMEM, "proc-macro list");
			continue;
		}
		int r = has_rec ? read_record(rec, macros, n, err) : 1;
		if (r < 0)
			return bsbox_err_ret(err);
		if (r == 0)
			continue;
		/* no record: a dylib is a proc macro all the same (named by its
		 * file); an rlib/rmeta may pull in any */
		if (ends_with(p, ".so") && rustcbox_lib_name(p, name, sizeof name)) {
			if (strv_add_unique(macros, n, name) < 0)
				return bsbox_err_set(err, ENOMEM, "proc-macro list");
		} else {
			*unknown = true;
		}
	}
	return 0;
}

int rustcbox_record(const struct rustc_args *a, char *const *macros, size_t n,
		    struct bsbox_err *err)
{
	if (!a->crate_type_lib || !a->out_dir || !a->crate_name)
		return 0;
	char art[PATH_MAX], rec[PATH_MAX];
	if (snprintf(art, sizeof art, "%s/lib%s%s", a->out_dir, a->crate_name,
		     a->extra_filename ? a->extra_filename : "") >= (int)sizeof art ||
	    !rustcbox_record_path(art, rec, sizeof rec))
		return bsbox_err_setx(err, ENAMETOOLONG, "--out-dir %s: path too long", a->out_dir);

	/* the text first: a proc macro pulls in itself, a library what it loads */
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return bsbox_err_set(err, ENOMEM, "proc-macro record");
	if (a->proc_macro) {
		const char *pkg = getenv("CARGO_PKG_NAME"), *ver = getenv("CARGO_PKG_VERSION");
		if (pkg && *pkg && ver && *ver)
			fprintf(m, "%s@%s\n", pkg, ver);
		else
			fprintf(m, "%s\n", a->crate_name);
	} else {
		for (size_t i = 0; i < n; i++)
			fprintf(m, "%s\n", macros[i]);
	}
	if (fclose(m) != 0)
		return bsbox_err_set(err, ENOMEM, "proc-macro record");

	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s", rec);
	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return bsbox_err_set(err, errno, "creating %s", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", rec, (long)getpid());
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return bsbox_err_set(err, errno, "creating %s", tmp);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			unlink(tmp);
			return bsbox_err_set(err, e, "writing %s", tmp);
		}
		off += (size_t)w;
	}
	if (close(steal_fd(&fd)) < 0 || rename(tmp, rec) < 0) {
		int e = errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "writing %s", rec);
	}
	/* rustc is about to write this library afresh */
	snprintf(tmp, sizeof tmp, "%s" TAINT_SUFFIX, rec);
	if (unlink(tmp) < 0 && errno != ENOENT)
		return bsbox_err_set(err, errno, "removing %s", tmp);
	return 0;
}

/* ---- the tripwire ------------------------------------------------------- */

/* A confined compile may write its --out-dir, which holds every other
 * crate's artifacts too: a proc macro could alter a library whose record
 * says it pulls in no macro, so that a later, unconfined compile loads a
 * crafted one.  The libraries there are snapshotted (inode and ctime, which
 * no one can set back) before the run; one that changed or went away by the
 * end is tainted (<record>.tainted), and a call that loads it is confined.
 * A concurrent rebuild of another crate taints it too: that only confines
 * its dependents once more. */
struct snap_entry {
	char *name;
	ino_t ino;
	struct timespec ctime;
};

struct snap {
	struct snap_entry *v;
	size_t n;
};

static int snap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_entry *)a)->name, ((const struct snap_entry *)b)->name);
}

static bool is_artifact(const char *name)
{
	return ends_with(name, ".rlib") || ends_with(name, ".rmeta") || ends_with(name, ".so");
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* The libraries in dir except own (the stem of this call's outputs). */
static int snap_take(const char *dir, const char *own, struct snap *s)
{
	memset(s, 0, sizeof *s);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	size_t cap = 0, ol = own ? strlen(own) : 0;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		struct stat st;
		if (!is_artifact(e->d_name) || (ol && strncmp(e->d_name, own, ol) == 0 && e->d_name[ol] == '.') ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (s->n == cap) {
			struct snap_entry *nv = realloc(s->v, (cap = cap ? cap * 2 : 64) * sizeof *nv);
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			s->v = nv;
		}
		s->v[s->n] = (struct snap_entry){ .name = strdup(e->d_name), .ino = st.st_ino,
						  .ctime = st.st_ctim };
		if (!s->v[s->n].name) {
			r = -ENOMEM;
			break;
		}
		s->n++;
	}
	closedir(d);
	if (r == 0 && s->n)
		qsort(s->v, s->n, sizeof *s->v, snap_cmp);
	return r;
}

/* Taint what changed between before and now; returns how many. */
static unsigned snap_taint(const char *dir, const char *own, const struct snap *before)
{
	struct snap now;
	unsigned tainted = 0;
	if (snap_take(dir, own, &now) < 0)
		now = (struct snap){ 0 }; /* unreadable now: everything is suspect */
	for (size_t i = 0; i < before->n; i++) {
		const struct snap_entry *b = &before->v[i];
		const struct snap_entry *a = now.n ? bsearch(b, now.v, now.n, sizeof *now.v, snap_cmp) : NULL;
		if (a && a->ino == b->ino && a->ctime.tv_sec == b->ctime.tv_sec &&
		    a->ctime.tv_nsec == b->ctime.tv_nsec)
			continue;
		char art[PATH_MAX], rec[PATH_MAX], taint[PATH_MAX + 16];
		if (snprintf(art, sizeof art, "%s/%s", dir, b->name) >= (int)sizeof art ||
		    !rustcbox_record_path(art, rec, sizeof rec))
			continue;
		snprintf(taint, sizeof taint, "%s" TAINT_SUFFIX, rec);
		int fd = open(taint, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0)
			close(fd);
		tainted++;
	}
	snap_free(&now);
	return tainted;
}

/* ---- the policy --------------------------------------------------------- */

int rustcbox_merge_macro(struct policy *p, const struct policy *pm, struct bsbox_err *err)
{
	cleanup_policy struct policy *dflt = policy_new_default();
	if (!dflt)
		return bsbox_err_set(err, ENOMEM, "default policy");
	cleanup_free struct policy_rule *own = calloc(pm->nrules + 1, sizeof *own);
	if (!own)
		return bsbox_err_set(err, ENOMEM, "policy rules");
	size_t k = 0;
	for (size_t i = 0; i < pm->nrules; i++)
		if (!pm->rules[i].origin || strcmp(pm->rules[i].origin, dflt->source) != 0)
			own[k++] = pm->rules[i];
	/* a view of pm without the inherited rules; policy_merge copies */
	struct policy view = *pm;
	view.rules = own;
	view.nrules = k;
	view.directives = NULL; /* cargo directives are a build-script matter */
	view.ndirectives = 0;
	return policy_merge(p, &view, err);
}

/* Append a rule for path (made absolute against the cwd); a path holding '$'
 * is withheld, as policy_expand would read it as a variable. */
static int rule(struct policy_rule_list *r, const char *path, unsigned access, const char *why)
{
	if (!path || !*path)
		return 0;
	char abs[PATH_MAX];
	if (path[0] == '/') {
		snprintf(abs, sizeof abs, "%s", path);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return 0;
		snprintf(abs, sizeof abs, "%s/%s", cwd, path);
	}
	if (strchr(abs, '$'))
		return 0;
	/* "/", $HOME or above it (a -L from some rustflags): that would hand out
	 * the home directory the sandbox exists to withhold */
	size_t l = strlen(abs);
	while (l > 1 && abs[l - 1] == '/')
		abs[--l] = '\0';
	if (util_holds_home(abs)) /* resolved: "-L dir/.." cannot name the home */
		return 0;
	return policy_rule_list_push(r, abs, access, "<bsbox rustc>", why);
}

static char *dirname_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return NULL;
	char *s = strrchr(d, '/');
	if (!s)
		strcpy(d, ".");
	else if (s == d)
		d[1] = '\0';
	else
		*s = '\0';
	return d;
}

/* The toolchain a command runs: for .../bin/rustc (or rustdoc, clippy-driver)
 * whose parent holds lib/rustlib, that parent.  A rustup proxy in
 * ~/.cargo/bin resolves to ~/.cargo/bin/rustup, which is no sysroot. */
static void sysroot_of(char *const *cmd, char *out, size_t len)
{
	out[0] = '\0';
	/* the program, and the rustc after a workspace wrapper (clippy-driver) */
	for (size_t i = 0; cmd[i] && i < 2; i++) {
		const char *base = strrchr(cmd[i], '/');
		if (i == 1 && (!base || strncmp(base + 1, "rustc", 5) != 0 || ends_with(base, ".rs")))
			break;
		cleanup_free char *rp = base ? realpath(cmd[i], NULL) : NULL;
		if (!rp)
			continue;
		char *s = strrchr(rp, '/');
		if (!s || s - rp < 4 || strncmp(s - 4, "/bin", 4) != 0)
			continue;
		s[-4] = '\0';
		char probe[PATH_MAX];
		struct stat st;
		if (snprintf(probe, sizeof probe, "%s/lib/rustlib", rp) < (int)sizeof probe &&
		    stat(probe, &st) == 0 && S_ISDIR(st.st_mode) && rp[0] && strcmp(rp, "/") != 0) {
			snprintf(out, len, "%s", rp);
			return;
		}
	}
}

static int call_rules(struct policy_rule_list *r, const struct rustc_args *a, const char *fifo)
{
	int rc = 0;
	rc |= rule(r, a->out_dir, POL_R | POL_W, "rustc's --out-dir");
	if (a->out_file) {
		cleanup_free char *d = dirname_of(a->out_file);
		if (!d)
			return -ENOMEM;
		/* rustdoc's -o is a directory; rustc's a file next to its temporaries */
		rc |= rule(r, a->rustdoc ? a->out_file : d, POL_R | POL_W, "the output (-o)");
	}
	rc |= rule(r, a->incremental, POL_R | POL_W, "the incremental cache (-C incremental)");
	for (size_t i = 0; i < a->nexterns; i++)
		rc |= rule(r, a->externs[i], POL_R | POL_X,
			   "a dependency (--extern); proc macros are mmapped PROT_EXEC");
	for (size_t i = 0; i < a->nldirs; i++)
		rc |= rule(r, a->ldirs[i], POL_R | POL_X, "a library search path (-L)");
	if (a->linker && strchr(a->linker, '/'))
		rc |= rule(r, a->linker, POL_R | POL_X, "the linker (-C linker)");
	if (fifo && fifo[0] == '/')
		rc |= rule(r, fifo, POL_R | POL_W, "cargo's jobserver");
	return rc ? -ENOMEM : 0;
}

/* <pkg>@<version>.json, then <pkg>.json (and the library name with '_' as
 * '-' for a macro known only by its file), in each search dir. */
static int find_macro_policy(char **dirs, const char *spec, char **path_out)
{
	*path_out = NULL;
	char pkg[256];
	snprintf(pkg, sizeof pkg, "%s", spec);
	char *at = strrchr(pkg, '@');
	const char *ver = NULL;
	if (at) {
		*at = '\0';
		ver = at + 1;
	}
	char dashed[256];
	snprintf(dashed, sizeof dashed, "%s", pkg);
	for (char *c = dashed; *c; c++)
		if (*c == '_')
			*c = '-';
	for (size_t i = 0; dirs && dirs[i]; i++) {
		const char *names[3] = { pkg, strcmp(dashed, pkg) ? dashed : NULL, NULL };
		const char *const dir[] = { dirs[i], NULL };
		for (size_t k = 0; names[k]; k++) {
			struct bsbox_err err = { 0 };
			if (policystore_find(names[k], ver, dir, path_out, &err) < 0)
				return -ENOMEM;
			if (*path_out)
				return 0;
		}
	}
	return 0;
}

int rustcbox_run(char **cmd, const struct rustc_args *a, char *const *macros, size_t n,
		 bool unknown, const char *workspace)
{
	struct bsbox_err err = { 0 };
	/* the wrapper's caller has no settings struct to pass: the same parser */
	struct bsbox_settings set;
	settings_read(&set, environ);
	const char *crate = getenv("CARGO_PKG_NAME");
	if (!crate || !*crate)
		crate = a->crate_name ? a->crate_name : "?";
	const char *version = getenv("CARGO_PKG_VERSION");

	/* the base: what proc-macro-srv gets (the default without its writes,
	 * the dependency sources), plus the toolchain this call runs */
	cleanup_policy struct policy *p = policy_new_default();
	if (!p) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	char sysroot[PATH_MAX];
	sysroot_of(cmd, sysroot, sizeof sysroot);
	struct procmacro_paths paths = { .sysroot = sysroot, .server = "", .workspace = "", .target = "" };
	if (procmacro_policy(p, &paths, true, &err) < 0) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_POLICY;
	}

	/* $CARGO_WORKSPACE_DIR in policies (docs/policy.md), as for build
	 * scripts; never a directory holding the home directory */
	if (workspace && workspace[0] == '/' && !util_holds_home(workspace))
		setenv("CARGO_WORKSPACE_DIR", workspace, 0);

	int keep[SHIM_JOBSERVER_FDS];
	size_t nkeep = 0;
	cleanup_free char *fifo = NULL;
	shim_jobserver(getenv("CARGO_MAKEFLAGS"), keep, &nkeep, &fifo);

	struct policy_rule_list r = { 0 };
	int rc = call_rules(&r, a, fifo);
	if (rc == 0) {
		struct policy extra = {
			.rules = r.v,
			.nrules = r.n,
			.limits = { .nproc = -1, .fsize_mb = -1, .cpu_s = -1, .as_mb = -1, .nofile = -1,
				    .mem_mb = -1, .tmp_mb = -1, .wall_s = -1 },
		};
		rc = policy_merge(p, &extra, &err);
	}
	policy_rule_list_free(&r);
	if (rc < 0) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}

	/* the union of the macros' own policies */
	cleanup_strv char **dirs = NULL;
	if (policystore_dirs(set.policy_dir, workspace, &dirs, &err) < 0) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	cleanup_free char *hint_file = NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = NULL;
		if (find_macro_policy(dirs, macros[i], &path) < 0) {
			fprintf(stderr, "bsbox: out of memory\n");
			return BSBOX_EXIT_SETUP;
		}
		if (!path)
			continue;
		cleanup_policy struct policy *pm = NULL;
		if (policy_load_file(path, (const char *const *)dirs, &pm, &err) < 0 ||
		    rustcbox_merge_macro(p, pm, &err) < 0) {
			fprintf(stderr, "bsbox: policy of proc macro %s: %s\n", macros[i], err.msg);
			return err.exit_code ? err.exit_code : BSBOX_EXIT_POLICY;
		}
		if (!hint_file)
			hint_file = steal_ptr(path);
	}

	/* the crate's own env!/option_env! of a secret-looking variable: its
	 * own policy's "env" (only that: its paths are its build script's) */
	const char *ver = version && *version ? version : NULL;
	cleanup_free char *spec = NULL;
	cleanup_free char *own_path = NULL;
	if (asprintf(&spec, "%s%s%s", crate, ver ? "@" : "", ver ? ver : "") < 0 ||
	    find_macro_policy(dirs, spec, &own_path) < 0) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	if (own_path) {
		cleanup_policy struct policy *cp = NULL;
		if (policy_load_file(own_path, (const char *const *)dirs, &cp, &err) < 0) {
			fprintf(stderr, "bsbox: policy of %s: %s\n", crate, err.msg);
			return err.exit_code ? err.exit_code : BSBOX_EXIT_POLICY;
		}
		for (size_t i = 0; i < cp->nenv; i++)
			if (strv_add_unique(&p->env, &p->nenv, cp->env[i]) < 0) {
				fprintf(stderr, "bsbox: out of memory\n");
				return BSBOX_EXIT_SETUP;
			}
	}

	/* "a@1, b@2" for the log and the summary */
	cleanup_free char *list = NULL;
	size_t llen = 0;
	FILE *m = open_memstream(&list, &llen);
	if (!m) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(m, "%s%s", i ? ", " : "", macros[i]);
	if (unknown)
		fprintf(m, "%s(those of dependencies bsbox did not compile)", n ? ", " : "");
	fclose(m);

	/* where to allow more: the (first) macro's policy file, else a new one */
	cleanup_free char *hint = NULL;
	char first[256] = "PROC-MACRO";
	if (n > 0) {
		snprintf(first, sizeof first, "%s", macros[0]);
		char *at = strrchr(first, '@');
		if (at)
			*at = '\0';
	}
	if (hint_file) {
		if (asprintf(&hint, "%s (the policy of the proc macro that needs them)", hint_file) < 0)
			hint = NULL;
	} else if (asprintf(&hint, "%s/.bsbox/policies/%s.json, the policy of the proc macro that "
				   "needs them (of: %s; a new file: start it with \"extends\": [\"default\"])",
			    workspace ? workspace : ".", first, list) < 0) {
		hint = NULL;
	}

	/* the tripwire: libraries of other crates in the writable --out-dir */
	char own[PATH_MAX] = "";
	if (a->crate_name)
		snprintf(own, sizeof own, "lib%s%s", a->crate_name, a->extra_filename ? a->extra_filename : "");
	struct snap before = { 0 };
	cleanup_free char *odir = !a->rustdoc && !a->out_dir && a->out_file ? dirname_of(a->out_file) : NULL;
	const char *wdir = a->rustdoc ? NULL : a->out_dir ? a->out_dir : odir;
	int sr = wdir ? snap_take(wdir, own, &before) : 0;
	if (sr < 0) {
		fprintf(stderr, "bsbox: reading %s: %s\n", wdir, strerror(-sr));
		return BSBOX_EXIT_SETUP;
	}

	/* a compile's time and memory scale with the code, not with a script */
	reslimit_for_compiler(&p->limits);
	struct run_req req = {
		.argv = cmd,
		.policy = p,
		.audit = set.audit,
		.settings = &set,
		.keep_fds = keep,
		.nkeep_fds = nkeep,
		.stdout_fd = -1, /* rustc's output and diagnostics go to cargo untouched */
		.crate = crate,
		.crate_version = version,
		.proc_macros = list,
		.policy_hint = hint,
	};
	int code = run_confined(&req);
	if (wdir) {
		/* silently: a concurrent rebuild looks the same, and cargo's
		 * output stays as it is */
		snap_taint(wdir, own, &before);
		snap_free(&before);
	}
	return code;
}
