/* Policies: JSON text -> struct policy, plus the pure helpers the sandbox
 * uses to query one.  No side effects beyond opening and reading policy
 * files.  Every parse error names SOURCE:LINE:COL and the key it concerns;
 * cJSON keeps no positions, so jsonpos.c finds them in the text.  The
 * format is documented in docs/policy.md. */
#define _GNU_SOURCE /* asprintf */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "jsonpos.h"
#include "policy.h"
#include "semver.h"
#include "strv.h"
#include "util.h"

#define DEFAULT_SOURCE "<builtin default>"
#define POLICY_MAX_BYTES (1024 * 1024) /* a policy is a page of text, not a megabyte */
#define EXTENDS_MAX_DEPTH 16           /* backstop; cycles are detected by file identity */
#define LIMIT_MAX ((double)(1L << 40))
#define KEYPATH_MAX 4                  /* deepest key path in the schema: read[3].path */

static const char known_keys[] =
	"$schema, comment, crate, versions, extends, read, write, exec, unix_sockets, credentials, network, env, directives, dev, limits";

/* ---- small helpers ---------------------------------------------------- */

static void cleanup_cjsonp(cJSON **j)
{
	cJSON_Delete(*j);
}
#define cleanup_cjson __attribute__((cleanup(cleanup_cjsonp)))

static int nomem(struct bsbox_err *err)
{
	return bsbox_err_set(err, ENOMEM, "policy");
}

/* Copy s for a message: control characters become '?', long strings are cut. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i = 0;
	for (; s[i] && i + 1 < size; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "an invalid value";
}

static void rule_clear(struct policy_rule *r)
{
	free(r->path);
	free(r->origin);
	free(r->why);
}

/* Append a rule (copies every string). 0 or -ENOMEM. */
static int rule_add(struct policy *p, const char *path, unsigned access, const char *origin,
		    const char *why)
{
	struct policy_rule *nr = realloc(p->rules, (p->nrules + 1) * sizeof *nr);
	if (!nr)
		return -ENOMEM;
	p->rules = nr;
	struct policy_rule r = {
		.path = strdup(path),
		.access = access,
		.origin = strdup(origin),
		.why = why ? strdup(why) : NULL,
	};
	if (!r.path || !r.origin || (why && !r.why)) {
		rule_clear(&r);
		return -ENOMEM;
	}
	p->rules[p->nrules++] = r;
	return 0;
}

static struct policy *policy_alloc(const char *source)
{
	struct policy *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->limits = (struct policy_limits){ -1, -1, -1, -1, -1, -1, -1, -1 };
	if (!(p->source = strdup(source))) {
		free(p);
		return NULL;
	}
	return p;
}

int policy_rule_list_push(struct policy_rule_list *l, const char *path, unsigned access,
			  const char *origin, const char *why)
{
	struct policy_rule *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	nv[l->n] = (struct policy_rule){ .path = strdup(path), .access = access,
					 .origin = (char *)origin, .why = (char *)why };
	if (!nv[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

void policy_rule_list_free(struct policy_rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	strv_free(p->env, p->nenv);
	strv_free(p->directives, p->ndirectives);
	strv_free(p->dev, p->ndev);
	for (size_t i = 0; i < p->nsecrets; i++) {
		free(p->secrets[i].path);
		free(p->secrets[i].clean);
	}
	free(p->secrets);
	free(p->versions);
	free(p->comment);
	free(p->source);
	free(p);
}

/* ---- the built-in default -------------------------------------------- */

static const struct {
	const char *path;
	unsigned access;
	const char *why;
} default_rules[] = {
	{ "/usr", POL_R | POL_X, "system tools, headers and libraries" },
	{ "/bin", POL_R | POL_X, "system tools" },
	{ "/sbin", POL_R | POL_X, "system tools" },
	{ "/lib", POL_R | POL_X, "system libraries" },
	{ "/lib32", POL_R | POL_X, "system libraries" },
	{ "/lib64", POL_R | POL_X, "system libraries and the dynamic loader" },
	{ "/libx32", POL_R | POL_X, "system libraries" },
	{ "/etc", POL_R, "ld.so.cache, alternatives, compiler configuration" },
	{ "/tmp", POL_R | POL_W | POL_X, "scratch space (the sandbox mounts a private /tmp)" },
	{ "/sys/fs/cgroup", POL_R, "std::thread::available_parallelism reads the CPU quota" },
	{ "/sys/devices/system/cpu", POL_R, "CPU counts (nproc, num_cpus, make -j)" },
	{ "/sys/kernel/mm/transparent_hugepage", POL_R, "allocators (rustc's jemalloc) probe it" },
	{ "$RUSTUP_HOME/toolchains", POL_R | POL_X, "rustc and cargo run by build scripts" },
	{ "$RUSTUP_HOME/settings.toml", POL_R, "rustup proxies pick the toolchain" },
	{ "$RUSTUP_HOME/update-hashes", POL_R, "rustup proxies pick the toolchain" },
	{ "$SYSROOT", POL_R | POL_X, "the toolchain running this build" },
	{ "$CARGO_HOME/bin", POL_R | POL_X, "rustup proxies and cargo-installed tools" },
	{ "$CARGO_HOME/registry/src", POL_R, "sources of dependencies" },
	{ "$CARGO_HOME/git/checkouts", POL_R, "sources of git dependencies" },
	{ "$CARGO_HOME/config.toml", POL_R, "cargo configuration" },
	{ "$CARGO_MANIFEST_DIR", POL_R, "the crate being built" },
	{ "$CARGO_WORKSPACE_DIR", POL_R, "the workspace being built" },
	{ "$CWD", POL_R, "the working directory" },
	{ "$BSBOX_SCRIPT_DIR", POL_R | POL_X, "the build script binary" },
	{ "$OUT_DIR", POL_R | POL_W | POL_X,
	  "the build script's output directory (configure runs the programs it builds there)" },
};

struct policy *policy_new_default(void)
{
	struct policy *p = policy_alloc(DEFAULT_SOURCE);
	if (!p)
		return NULL;
	for (size_t i = 0; i < sizeof default_rules / sizeof default_rules[0]; i++) {
		if (rule_add(p, default_rules[i].path, default_rules[i].access, DEFAULT_SOURCE,
			     default_rules[i].why) < 0) {
			policy_free(p);
			return NULL;
		}
	}
	p->network = false;
	/* as_mb 0 = unlimited: rustc, LLVM and sanitizers reserve huge mappings.
	 * The rest fit real build scripts (jemalloc's configure: ~3,500 processes
	 * in all but few at once; a C++ library through cc at -jN; bindgen's
	 * libclang) and still stop a fork bomb, a multi-GiB file or allocation,
	 * a filled /tmp and a script that never ends (docs/policy.md#limits). */
	p->limits = (struct policy_limits){
		.nproc = 1024, .fsize_mb = 1024, .cpu_s = 600, .as_mb = 0, .nofile = 4096,
		.mem_mb = 4096, .tmp_mb = 1024, .wall_s = 1800,
	};
	return p;
}

/* ---- merging ----------------------------------------------------------- */

int policy_merge(struct policy *dst, const struct policy *src, struct bsbox_err *err)
{
	for (size_t i = 0; i < src->nrules; i++) {
		const struct policy_rule *r = &src->rules[i];
		if (rule_add(dst, r->path, r->access, r->origin, r->why) < 0)
			return nomem(err);
	}
	for (size_t i = 0; i < src->nenv; i++)
		if (strv_add_unique(&dst->env, &dst->nenv, src->env[i]) < 0)
			return nomem(err);
	for (size_t i = 0; i < src->ndirectives; i++)
		if (strv_add_unique(&dst->directives, &dst->ndirectives, src->directives[i]) < 0)
			return nomem(err);
	for (size_t i = 0; i < src->ndev; i++)
		if (strv_add_unique(&dst->dev, &dst->ndev, src->dev[i]) < 0)
			return nomem(err);
	dst->network = dst->network || src->network;
	if (src->limits.nproc >= 0)
		dst->limits.nproc = src->limits.nproc;
	if (src->limits.fsize_mb >= 0)
		dst->limits.fsize_mb = src->limits.fsize_mb;
	if (src->limits.cpu_s >= 0)
		dst->limits.cpu_s = src->limits.cpu_s;
	if (src->limits.as_mb >= 0)
		dst->limits.as_mb = src->limits.as_mb;
	if (src->limits.nofile >= 0)
		dst->limits.nofile = src->limits.nofile;
	if (src->limits.mem_mb >= 0)
		dst->limits.mem_mb = src->limits.mem_mb;
	if (src->limits.tmp_mb >= 0)
		dst->limits.tmp_mb = src->limits.tmp_mb;
	if (src->limits.wall_s >= 0)
		dst->limits.wall_s = src->limits.wall_s;
	return 0;
}

/* ---- parsing ----------------------------------------------------------- */

/* The chain of files being loaded through `extends`, innermost first. */
struct chain {
	const char *id;   /* canonical path for cycle detection, or NULL */
	const char *name; /* for messages */
	const struct chain *up;
	unsigned depth;
};

struct pctx {
	const char *text;
	size_t len;
	const char *source;
	const char *const *dirs;
	const struct chain *chain;
	struct jsonpos_step path[KEYPATH_MAX];
	size_t depth;
	struct bsbox_err *err;
};

static void push(struct pctx *c, const char *key, size_t n)
{
	if (c->depth < KEYPATH_MAX)
		c->path[c->depth] = (struct jsonpos_step){ .key = key, .n = n };
	c->depth++;
}

static void pop(struct pctx *c)
{
	c->depth--;
}

static int policy_error(struct bsbox_err *err, int errnum)
{
	if (err)
		err->exit_code = BSBOX_EXIT_POLICY;
	return errnum ? -errnum : -1;
}

/* Offset of the current key path's value (or key) in the text; falls back
 * to the nearest ancestor that can be found. */
static size_t cur_offset(const struct pctx *c, bool at_key)
{
	size_t d = c->depth < KEYPATH_MAX ? c->depth : KEYPATH_MAX;
	for (size_t k = d + 1; k-- > 0;) {
		size_t off;
		if (jsonpos_find(c->text, c->len, c->path, k, at_key && k == d, &off) == 0)
			return off;
	}
	return 0;
}

/* "read[3].path" */
static void keypath_str(const struct pctx *c, char *buf, size_t size)
{
	size_t d = c->depth < KEYPATH_MAX ? c->depth : KEYPATH_MAX;
	size_t n = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < d && n < size; k++) {
		char tmp[128];
		int w;
		if (c->path[k].key)
			w = snprintf(buf + n, size - n, "%s%s", k ? "." : "",
				     printable(c->path[k].key, tmp, sizeof tmp));
		else
			w = snprintf(buf + n, size - n, "[%zu]", c->path[k].n);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Set "SOURCE:LINE:COL: key \"KEY\": what" pointing at the current value (or
 * its key with at_key) and return -EINVAL. */
__attribute__((format(printf, 3, 4))) static int perr(const struct pctx *c, bool at_key,
						       const char *fmt, ...)
{
	char what[BSBOX_ERR_MSG], key[256], src[256];
	unsigned line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	jsonpos_linecol(c->text, c->len, cur_offset(c, at_key), &line, &col);
	printable(c->source, src, sizeof src);
	if (c->depth == 0) {
		bsbox_err_setx(c->err, EINVAL, "%s:%u:%u: %s", src, line, col, what);
	} else {
		keypath_str(c, key, sizeof key);
		bsbox_err_setx(c->err, EINVAL, "%s:%u:%u: key \"%s\": %s", src, line, col, key, what);
	}
	return policy_error(c->err, EINVAL);
}

/* "SOURCE:LINE" of the current value, for rule origins. */
static char *cur_origin(const struct pctx *c)
{
	unsigned line, col;
	char *s;
	jsonpos_linecol(c->text, c->len, cur_offset(c, false), &line, &col);
	if (asprintf(&s, "%s:%u", c->source, line) < 0)
		return NULL;
	return s;
}

/* Duplicate members of obj (cJSON keeps both silently). */
static int check_duplicates(struct pctx *c, const cJSON *obj)
{
	for (const cJSON *a = obj->child; a; a = a->next) {
		size_t n = 0;
		for (const cJSON *b = obj->child; b != a; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				n++;
		if (n) {
			push(c, a->string, n);
			int r = perr(c, true, "duplicate key (JSON parsers disagree on which one wins)");
			pop(c);
			return r;
		}
	}
	return 0;
}

static bool is_var_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_var_char(char ch)
{
	return is_var_start(ch) || (ch >= '0' && ch <= '9');
}

/* Parse a variable reference at s ('$'). Sets name/len and returns the
 * number of bytes the reference spans, or 0 if it is malformed. */
static size_t var_ref(const char *s, const char **name, size_t *nlen)
{
	size_t i = 1;
	bool brace = s[1] == '{';
	if (brace)
		i++;
	if (!is_var_start(s[i]))
		return 0;
	*name = s + i;
	while (is_var_char(s[i]))
		i++;
	*nlen = (size_t)(s + i - *name);
	if (brace) {
		if (s[i] != '}')
			return 0;
		i++;
	}
	return i;
}

/* Validate a path as written; returns NULL or what is wrong. */
static const char *path_problem(const char *path)
{
	if (!*path)
		return "empty path";
	if (path[0] == '~' && path[1] != '/' && path[1] != '\0')
		return "only ~/ (the current user's home) is supported, not ~user";
	if (path[0] != '/' && path[0] != '$' && path[0] != '~')
		return "must be absolute, or start with $VAR, ${VAR} or ~/";
	for (const char *s = path; *s; s++) {
		if (*s == '$') {
			const char *name;
			size_t nlen, n = var_ref(s, &name, &nlen);
			if (!n)
				return "malformed variable reference (write $NAME or ${NAME})";
			s += n - 1;
		} else if ((unsigned char)*s < 0x20) {
			return "control character in path";
		}
	}
	return NULL;
}

static int parse_string(struct pctx *c, const cJSON *j, char **out)
{
	if (!cJSON_IsString(j))
		return perr(c, false, "expected a string, got %s", type_name(j));
	if (out) {
		free(*out);
		if (!(*out = strdup(j->valuestring)))
			return nomem(c->err);
	}
	return 0;
}

/* One entry of read/write/exec: "PATH" or {"path": "PATH", "why": "..."}. */
static int parse_path_entry(struct pctx *c, const cJSON *j, unsigned access, struct policy *p)
{
	const char *path = NULL, *why = NULL;
	int r;

	if (cJSON_IsString(j)) {
		path = j->valuestring;
	} else if (cJSON_IsObject(j)) {
		if ((r = check_duplicates(c, j)) < 0)
			return r;
		for (const cJSON *m = j->child; m; m = m->next) {
			push(c, m->string, 0);
			if (strcmp(m->string, "path") == 0 || strcmp(m->string, "why") == 0) {
				if ((r = parse_string(c, m, NULL)) < 0)
					return r;
				*(m->string[0] == 'p' ? &path : &why) = m->valuestring;
			} else {
				return perr(c, true, "unknown key in a path entry (expected \"path\" and \"why\")");
			}
			pop(c);
		}
		if (!path)
			return perr(c, false, "path entry without \"path\"");
	} else {
		return perr(c, false, "expected a path string or {\"path\": ..., \"why\": ...}, got %s",
			    type_name(j));
	}

	if (cJSON_IsObject(j))
		push(c, "path", 0);
	const char *problem = path_problem(path);
	if (problem) {
		char buf[256];
		return perr(c, false, "path \"%s\": %s", printable(path, buf, sizeof buf), problem);
	}
	if (cJSON_IsObject(j))
		pop(c);

	cleanup_free char *origin = cur_origin(c);
	cleanup_free char *expanded = NULL;
	if (!origin)
		return nomem(c->err);
	if (path[0] == '~' && asprintf(&expanded, "$HOME%s", path + 1) < 0)
		return nomem(c->err);
	if (rule_add(p, expanded ? expanded : path, access, origin, why) < 0)
		return nomem(c->err);
	return 0;
}

static int parse_paths(struct pctx *c, const cJSON *j, unsigned access, struct policy *p)
{
	int r;
	if (!cJSON_IsArray(j))
		return perr(c, false, "expected an array of paths, got %s", type_name(j));
	size_t i = 0;
	for (const cJSON *e = j->child; e; e = e->next, i++) {
		push(c, NULL, i);
		if ((r = parse_path_entry(c, e, access, p)) < 0)
			return r;
		pop(c);
	}
	return 0;
}

static bool all_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!is_var_char(*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* A glob fnmatch(3) would read differently from what its author meant:
 * an unclosed '[' or a stray ']' is taken literally, and no variable name
 * holds one, so the entry would silently match nothing. */
static const char *glob_problem(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == ']')
			return "a ']' without its '[' (a bracket expression is \"[AB]\" or \"[!AB]\")";
		if (*p != '[')
			continue;
		const char *q = p + 1;
		if (*q == '!')
			q++;
		if (*q == ']')
			return "an empty bracket expression \"[]\" (fnmatch would read the ']' as a member)";
		while (*q && *q != ']')
			q++;
		if (!*q)
			return "an unclosed '[' (fnmatch would match it literally, and no variable name holds one)";
		p = q;
	}
	return NULL;
}

static const char *env_problem(const char *s)
{
	if (!*s)
		return "empty name";
	if (!all_chars(s, "*?[]!-"))
		return "an environment variable name or a shell glob over names (\"MY_*\")";
	if (strchr(s, '!') && !strstr(s, "[!"))
		return "'!' only after '[' (\"[!AB]\" negates a bracket expression)";
	return glob_problem(s);
}

static const char *directive_problem(const char *s)
{
	if (!*s)
		return "empty directive key";
	if (strchr(s, ':') || strchr(s, '='))
		return "write just the key, without \"cargo::\" and without \"=VALUE\" (e.g. \"rustc-link-arg\")";
	if (!all_chars(s, "-"))
		return "a cargo directive key is letters, digits, '-' and '_' (e.g. \"rustc-link-arg\")";
	return NULL;
}

static const char *dev_problem(const char *s)
{
	if (!*s || s[0] == '/' || s[0] == '.' || strstr(s, "/.") || !all_chars(s, "-./"))
		return "a device name relative to /dev, e.g. \"tty\" or \"net/tun\"";
	return NULL;
}

static const char *extends_problem(const char *s)
{
	if (!*s || s[0] == '.' || !all_chars(s, "-.@+"))
		return "a preset name (letters, digits, '-', '_', '.', '@', '+'), e.g. \"default\" or \"cc\"";
	return NULL;
}

static int parse_strings(struct pctx *c, const cJSON *j, const char *(*problem)(const char *),
			 char ***v, size_t *n)
{
	int r;
	if (!cJSON_IsArray(j))
		return perr(c, false, "expected an array of strings, got %s", type_name(j));
	size_t i = 0;
	for (const cJSON *e = j->child; e; e = e->next, i++) {
		push(c, NULL, i);
		if ((r = parse_string(c, e, NULL)) < 0)
			return r;
		const char *what = problem(e->valuestring);
		if (what) {
			char buf[128];
			return perr(c, false, "\"%s\": expected %s", printable(e->valuestring, buf, sizeof buf),
				    what);
		}
		if (v && strv_add_unique(v, n, e->valuestring) < 0)
			return nomem(c->err);
		pop(c);
	}
	return 0;
}

static int parse_limits(struct pctx *c, const cJSON *j, struct policy_limits *l)
{
	static const struct {
		const char *name;
		size_t off;
	} keys[] = {
		{ "nproc", offsetof(struct policy_limits, nproc) },
		{ "fsize_mb", offsetof(struct policy_limits, fsize_mb) },
		{ "cpu_s", offsetof(struct policy_limits, cpu_s) },
		{ "as_mb", offsetof(struct policy_limits, as_mb) },
		{ "nofile", offsetof(struct policy_limits, nofile) },
		{ "mem_mb", offsetof(struct policy_limits, mem_mb) },
		{ "tmp_mb", offsetof(struct policy_limits, tmp_mb) },
		{ "wall_s", offsetof(struct policy_limits, wall_s) },
	};
	int r;

	if (!cJSON_IsObject(j))
		return perr(c, false, "expected an object, got %s", type_name(j));
	if ((r = check_duplicates(c, j)) < 0)
		return r;
	for (const cJSON *m = j->child; m; m = m->next) {
		size_t k = 0;
		push(c, m->string, 0);
		while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k].name, m->string) != 0)
			k++;
		if (k == sizeof keys / sizeof keys[0])
			return perr(c, true, "unknown limit (known: nproc, fsize_mb, cpu_s, as_mb, nofile, mem_mb, "
					    "tmp_mb, wall_s)");
		if (!cJSON_IsNumber(m))
			return perr(c, false, "expected an integer, got %s", type_name(m));
		double d = m->valuedouble;
		if (!(d >= 0))
			return perr(c, false, "must be >= 0 (0 means unlimited)");
		if (d > LIMIT_MAX)
			return perr(c, false, "too large (at most 2^40)");
		if (d != (double)(long)d)
			return perr(c, false, "expected an integer, got %g", d);
		*(long *)(void *)((char *)l + keys[k].off) = (long)d;
		pop(c);
	}
	return 0;
}

/* Top-level keys of one file, into p (no extends resolution). */
static int parse_members(struct pctx *c, const cJSON *root, struct policy *p, const cJSON **extends)
{
	int r = 0;

	if (!cJSON_IsObject(root))
		return perr(c, false, "a policy is a JSON object ({...}), got %s", type_name(root));
	if ((r = check_duplicates(c, root)) < 0)
		return r;
	for (const cJSON *m = root->child; m; m = m->next) {
		const char *k = m->string;
		push(c, k, 0);
		if (strcmp(k, "$schema") == 0 || strcmp(k, "crate") == 0)
			r = parse_string(c, m, NULL);
		else if (strcmp(k, "comment") == 0)
			r = parse_string(c, m, &p->comment);
		else if (strcmp(k, "versions") == 0) {
			r = parse_string(c, m, &p->versions);
			struct bsbox_err serr = { 0 };
			if (r == 0 && semver_req_check(p->versions, &serr) < 0)
				r = perr(c, false, "%s", serr.msg);
		}
		else if (strcmp(k, "extends") == 0) {
			r = parse_strings(c, m, extends_problem, NULL, NULL);
			*extends = m;
		} else if (strcmp(k, "read") == 0)
			r = parse_paths(c, m, POL_R, p);
		else if (strcmp(k, "write") == 0)
			r = parse_paths(c, m, POL_R | POL_W, p);
		else if (strcmp(k, "exec") == 0)
			r = parse_paths(c, m, POL_R | POL_X, p);
		else if (strcmp(k, "unix_sockets") == 0)
			/* connect()/sendto() to a pathname socket at or beneath the
			 * path; grants no file access (docs/policy.md) */
			r = parse_paths(c, m, POL_S, p);
		else if (strcmp(k, "credentials") == 0)
			/* credential files at or beneath the path are read as they
			 * are, not hidden or sanitised (creds.h); grants no read */
			r = parse_paths(c, m, POL_C, p);
		else if (strcmp(k, "network") == 0) {
			if (!cJSON_IsBool(m))
				r = perr(c, false, "expected true or false, got %s", type_name(m));
			p->network = cJSON_IsTrue(m);
		} else if (strcmp(k, "env") == 0)
			r = parse_strings(c, m, env_problem, &p->env, &p->nenv);
		else if (strcmp(k, "directives") == 0)
			r = parse_strings(c, m, directive_problem, &p->directives, &p->ndirectives);
		else if (strcmp(k, "dev") == 0)
			r = parse_strings(c, m, dev_problem, &p->dev, &p->ndev);
		else if (strcmp(k, "limits") == 0)
			r = parse_limits(c, m, &p->limits);
		else
			r = perr(c, true, "unknown key (known keys: %s)", known_keys);
		if (r < 0)
			return r;
		pop(c);
	}
	return 0;
}


static int parse_chain(const char *text, size_t len, const char *source, const char *const *dirs,
		       const struct chain *chain, struct policy **out, struct bsbox_err *err);

/* Find NAME.json or presets/NAME.json in dirs. 0 and *found, 1 when none,
 * <0 on an error other than "not there". */
static int find_preset(const char *name, const char *const *dirs, char **found, struct bsbox_err *err)
{
	for (size_t d = 0; dirs && dirs[d]; d++) {
		for (size_t f = 0; f < 2; f++) {
			cleanup_free char *path = NULL;
			if (asprintf(&path, "%s%s%s.json", dirs[d], f ? "/presets/" : "/", name) < 0)
				return nomem(err);
			if (access(path, F_OK) == 0) {
				*found = steal_ptr(path);
				return 0;
			}
			if (errno != ENOENT && errno != ENOTDIR)
				return bsbox_err_set(err, errno, "%s", path);
		}
	}
	return 1;
}

static int cycle_error(const struct pctx *c, const char *again)
{
	const char *names[EXTENDS_MAX_DEPTH + 2];
	size_t n = 0;
	char chain[768] = "";
	size_t used = 0;

	for (const struct chain *ch = c->chain; ch && n < EXTENDS_MAX_DEPTH + 1; ch = ch->up)
		names[n++] = ch->name;
	while (n-- > 0) {
		int w = snprintf(chain + used, sizeof chain - used, "%s -> ", names[n]);
		if (w < 0 || (size_t)w >= sizeof chain - used)
			break;
		used += (size_t)w;
	}
	return perr(c, false, "extends cycle: %s%s", chain, again);
}

static int resolve_extends(struct pctx *c, const cJSON *ext, struct policy *base)
{
	size_t i = 0;
	int r;

	for (const cJSON *e = ext->child; e; e = e->next, i++) {
		const char *name = e->valuestring;
		cleanup_policy struct policy *sub = NULL;

		push(c, NULL, i);
		if (strcmp(name, "default") == 0) {
			if (!(sub = policy_new_default()))
				return nomem(c->err);
		} else {
			cleanup_free char *path = NULL;
			cleanup_free char *text = NULL;
			size_t len;

			r = find_preset(name, c->dirs, &path, c->err);
			if (r < 0)
				return policy_error(c->err, -r);
			if (r > 0) {
				char dirs[512] = "";
				size_t used = 0;
				for (size_t d = 0; c->dirs && c->dirs[d]; d++) {
					int w = snprintf(dirs + used, sizeof dirs - used, "%s%s", d ? ", " : "",
							 c->dirs[d]);
					if (w < 0 || (size_t)w >= sizeof dirs - used)
						break;
					used += (size_t)w;
				}
				return perr(c, false, "no preset \"%s\" (looked for %s.json and presets/%s.json in: %s)",
					    name, name, name, used ? dirs : "no directories");
			}
			cleanup_free char *id = realpath(path, NULL);
			for (const struct chain *ch = c->chain; ch; ch = ch->up)
				if (id && ch->id && strcmp(id, ch->id) == 0)
					return cycle_error(c, path);
			if (c->chain && c->chain->depth >= EXTENDS_MAX_DEPTH)
				return perr(c, false, "extends nested more than %d deep", EXTENDS_MAX_DEPTH);
			if ((r = util_read_file(path, POLICY_MAX_BYTES, &text, &len, c->err)) < 0)
				return policy_error(c->err, -r);
			struct chain link = {
				.id = id, .name = path, .up = c->chain,
				.depth = c->chain ? c->chain->depth + 1 : 1,
			};
			/* errors inside the preset name the preset's own file:line:col */
			if ((r = parse_chain(text, len, path, c->dirs, &link, &sub, c->err)) < 0)
				return r;
		}
		if ((r = policy_merge(base, sub, c->err)) < 0)
			return r;
		pop(c);
	}
	return 0;
}

/* cJSON says only where it stopped; show what is there. */
static int syntax_error(const char *text, size_t len, const char *source, size_t off, bool trailing,
			struct bsbox_err *err)
{
	char near[32], shown[32];
	unsigned line, col;
	size_t n = 0, rest = off;

	while (rest < len && (unsigned char)text[rest] <= 0x20)
		rest++;
	while (off + n < len && n < 16 && text[off + n] != '\n')
		n++;
	memcpy(near, text + off, n);
	near[n] = '\0';
	if (rest >= len)
		off = len; /* point at where the text ends */
	jsonpos_linecol(text, len, off, &line, &col);
	if (rest >= len)
		bsbox_err_setx(err, EINVAL, "%s:%u:%u: JSON syntax error: unexpected end of input", source,
			       line, col);
	else
		bsbox_err_setx(err, EINVAL, "%s:%u:%u: JSON syntax error at \"%s\"%s", source, line, col,
			       printable(near, shown, sizeof shown),
			       trailing ? ": text after the end of the policy object" : "");
	return policy_error(err, EINVAL);
}

static int parse_chain(const char *text, size_t len, const char *source, const char *const *dirs,
		       const struct chain *chain, struct policy **out, struct bsbox_err *err)
{
	struct pctx c = {
		.text = text, .len = len, .source = source, .dirs = dirs, .chain = chain, .err = err,
	};
	cleanup_free char *buf = NULL;
	cleanup_cjson cJSON *root = NULL;
	cleanup_policy struct policy *own = NULL;
	cleanup_policy struct policy *p = NULL;
	const cJSON *extends = NULL;
	const char *end = NULL;
	const char *nul;
	size_t off;
	unsigned line, col;
	int r;

	if ((nul = memchr(text, '\0', len))) {
		jsonpos_linecol(text, len, (size_t)(nul - text), &line, &col);
		bsbox_err_setx(err, EINVAL, "%s:%u:%u: NUL byte in policy text", source, line, col);
		return policy_error(err, EINVAL);
	}
	if (jsonpos_find_nul_escape(text, len, &off) == 0) {
		jsonpos_linecol(text, len, off, &line, &col);
		bsbox_err_setx(err, EINVAL, "%s:%u:%u: \\u0000 is not allowed in a policy string", source,
			       line, col);
		return policy_error(err, EINVAL);
	}
	/* cJSON wants a terminated buffer to be safe; we check trailing text ourselves */
	if (!(buf = malloc(len + 1)))
		return nomem(err);
	memcpy(buf, text, len);
	buf[len] = '\0';
	root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	off = (end && end >= buf && end <= buf + len) ? (size_t)(end - buf) : len;
	if (root)
		while (off < len && (unsigned char)buf[off] <= 0x20)
			off++;
	if (!root || off < len)
		return syntax_error(text, len, source, off, root != NULL, err);

	if (!(own = policy_alloc(source)))
		return nomem(err);
	if ((r = parse_members(&c, root, own, &extends)) < 0)
		return r;
	if (!(p = policy_alloc(source)))
		return nomem(err);
	if (extends) {
		push(&c, "extends", 0);
		if ((r = resolve_extends(&c, extends, p)) < 0)
			return r;
		pop(&c);
	}
	if ((r = policy_merge(p, own, err)) < 0)
		return r;
	p->comment = steal_ptr(own->comment);
	p->versions = steal_ptr(own->versions);
	*out = steal_ptr(p);
	return 0;
}

int policy_parse(const char *text, size_t len, const char *source, const char *const *search_dirs,
		 struct policy **out, struct bsbox_err *err)
{
	struct chain top = { .id = NULL, .name = source, .up = NULL, .depth = 0 };
	return parse_chain(text, len, source, search_dirs, &top, out, err);
}

int policy_load_file(const char *path, const char *const *search_dirs, struct policy **out,
		     struct bsbox_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_free char *id = NULL;
	size_t len;
	int r;

	if ((r = util_read_file(path, POLICY_MAX_BYTES, &text, &len, err)) < 0)
		return policy_error(err, -r);
	id = realpath(path, NULL);
	struct chain top = { .id = id, .name = path, .up = NULL, .depth = 0 };
	return parse_chain(text, len, path, search_dirs, &top, out, err);
}

/* ---- expansion --------------------------------------------------------- */

/* Expand variables in `in`. 0 and *out; 1 when a variable is unset or
 * empty (drop the rule); -ENOMEM. */
static int expand_vars(const char *in, policy_lookup_fn lookup, void *ud, char **out)
{
	cleanup_free char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (const char *s = in; *s; s++) {
		const char *name;
		size_t nlen, n;
		if (*s == '$' && (n = var_ref(s, &name, &nlen))) {
			char var[256];
			if (nlen >= sizeof var) {
				fclose(f);
				return 1;
			}
			memcpy(var, name, nlen);
			var[nlen] = '\0';
			const char *val = lookup ? lookup(var, ud) : NULL;
			if (!val || !*val) {
				fclose(f);
				return 1;
			}
			fputs(val, f);
			s += n - 1;
		} else {
			fputc(*s, f);
		}
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*out = steal_ptr(buf);
	return 0;
}


/* Order paths component by component ('/' sorts before every other byte),
 * so a directory comes right before everything beneath it. */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
		if (ca == cb) {
			if (!ca)
				return 0;
			continue;
		}
		if (!ca)
			return -1;
		if (!cb)
			return 1;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
}

struct sortable {
	struct policy_rule rule;
	size_t index;
};

static int sortable_cmp(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	int r = path_cmp(x->rule.path, y->rule.path);
	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

int policy_expand(struct policy *p, policy_lookup_fn lookup, void *ud, struct bsbox_err *err)
{
	cleanup_free struct sortable *v = calloc(p->nrules ? p->nrules : 1, sizeof *v);
	size_t n = 0;
	int r = 0;

	if (!v)
		return nomem(err);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *in = &p->rules[i];
		char *path = NULL;
		r = expand_vars(in->path, lookup, ud, &path);
		if (r < 0) {
			r = nomem(err);
			goto fail;
		}
		if (r > 0) {
			r = 0;
			continue;
		}
		if (path[0] != '/') {
			char buf[256];
			r = bsbox_err_setx(err, EINVAL, "%s: path \"%s\" is not absolute after expansion",
					   in->origin, printable(path, buf, sizeof buf));
			policy_error(err, EINVAL);
			free(path);
			goto fail;
		}
		util_path_normalise(path, path, strlen(path) + 1); /* never longer */
		v[n] = (struct sortable){
			.rule = { .path = path, .access = in->access,
				  .origin = strdup(in->origin), .why = in->why ? strdup(in->why) : NULL },
			.index = i,
		};
		n++;
		if (!v[n - 1].rule.origin || (in->why && !v[n - 1].rule.why)) {
			r = nomem(err);
			goto fail;
		}
	}
	qsort(v, n, sizeof *v, sortable_cmp);

	struct policy_rule *rules = calloc(n ? n : 1, sizeof *rules);
	if (!rules) {
		r = nomem(err);
		goto fail;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m > 0 && strcmp(rules[m - 1].path, v[i].rule.path) == 0) {
			struct policy_rule *keep = &rules[m - 1];
			keep->access |= v[i].rule.access;
			if (!keep->why)
				keep->why = steal_ptr(v[i].rule.why);
			rule_clear(&v[i].rule);
			continue;
		}
		rules[m++] = v[i].rule;
	}
	for (size_t i = 0; i < p->nrules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	p->rules = rules;
	p->nrules = m;
	return 0;

fail:
	for (size_t i = 0; i < n; i++)
		rule_clear(&v[i].rule);
	return r;
}

static int rule_cmp(const void *a, const void *b)
{
	return path_cmp(((const struct policy_rule *)a)->path, ((const struct policy_rule *)b)->path);
}

int policy_add_rule(struct policy *p, const char *abspath, unsigned access, const char *origin,
		    const char *why)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].path, abspath) == 0) {
			p->rules[i].access |= access;
			return 0;
		}
	if (rule_add(p, abspath, access, origin, why) < 0)
		return -ENOMEM;
	qsort(p->rules, p->nrules, sizeof *p->rules, rule_cmp);
	return 0;
}

/* ---- queries ----------------------------------------------------------- */


unsigned policy_access_for(const struct policy *p, const char *abspath)
{
	unsigned a = 0;
	for (size_t i = 0; i < p->nrules; i++)
		if (util_path_within(abspath, p->rules[i].path))
			a |= p->rules[i].access;
	return a;
}

const struct policy_rule *policy_rule_for(const struct policy *p, const char *abspath, unsigned access)
{
	const struct policy_rule *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if ((r->access & access) != access || !util_path_within(abspath, r->path))
			continue;
		size_t n = strlen(r->path);
		if (!best || n > best_len) {
			best = r;
			best_len = n;
		}
	}
	return best;
}

/* Listing a directory on the way to a rule (mkdir -p, a walk down from /):
 * the supervisor lets it through unlogged (notify.c). */
bool policy_is_rule_ancestor(const struct policy *p, const char *abspath)
{
	size_t l = strlen(abspath);
	if (l == 1 && abspath[0] == '/')
		return p->nrules > 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const char *r = p->rules[i].path;
		if (strncmp(r, abspath, l) == 0 && r[l] == '/')
			return true;
	}
	return false;
}

bool policy_env_allowed(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nenv; i++)
		if (fnmatch(p->env[i], name, 0) == 0)
			return true;
	return false;
}

bool policy_directive_allowed(const struct policy *p, const char *key)
{
	return strv_has(p->directives, p->ndirectives, key);
}

const char *policy_access_str(unsigned access, char buf[6])
{
	size_t n = 3;
	buf[0] = (access & POL_R) ? 'r' : '-';
	buf[1] = (access & POL_W) ? 'w' : '-';
	buf[2] = (access & POL_X) ? 'x' : '-';
	if (access & POL_S)
		buf[n++] = 's';
	if (access & POL_C)
		buf[n++] = 'c';
	buf[n] = '\0';
	return buf;
}
