/* Learn mode (`bsbox learn`) and the denial -> policy translation that
 * `bsbox policy explain` shares (see learn.h).
 *
 *   learn_main: run CMD with BSBOX_MODE=audit and a fresh log
 *       -> learn_collect (log -> per-crate rules, generalised)
 *       -> learn_simplify (merge, group siblings, drop covered)
 *       -> write_policy (merge into DIR/<crate>.json, atomically) */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "evlog.h"
#include "learn.h"
#include "lock.h"
#include "strv.h"
#include "policy.h"
#include "policystore.h"
#include "semver.h"
#include "util.h"

#define ADDRS_MAX 512
#define GROUP_MIN 3 /* read siblings grouped to their directory */

/* ---- generalisation ------------------------------------------------------- */

/* "name-0123456789abcdef": cargo's hashed build and deps names */
static bool hashed(const char *comp, size_t len)
{
	if (len < 18 || comp[len - 17] != '-')
		return false;
	for (size_t i = len - 16; i < len; i++)
		if (!isxdigit((unsigned char)comp[i]) || isupper((unsigned char)comp[i]))
			return false;
	return true;
}

/* package names compare with '-' and '_' equal (the build dir keeps '-') */
static bool same_crate(const char *a, size_t alen, const char *b)
{
	if (strlen(b) != alen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] == '_' ? '-' : a[i], y = b[i] == '_' ? '-' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

static char *join(const char *var, const char *rest)
{
	char *out = NULL;
	if (asprintf(&out, "%s%s", var, rest) < 0)
		return NULL;
	return out;
}

/* Cut p at the parent of the first hashed component inside cargo's output
 * (after build/, deps/, incremental/, .fingerprint/ or examples/:
 * "libfoo-0123456789abcdef.rlib", "foo-0123456789abcdef").  Registry
 * directories such as "index.crates.io-6f17d22bba15001f" are the same on
 * every machine and stay. */
static void cut_hash(char *p)
{
	static const char *const outputs[] = { "build", "deps", "incremental", ".fingerprint",
					       "examples" };
	char *prev = NULL;
	size_t prevlen = 0;
	for (char *c = strchr(p, '/'); c; c = strchr(c + 1, '/')) {
		char *start = c + 1;
		size_t len = strcspn(start, "/"), stem = strcspn(start, ".");
		bool in_output = false;
		for (size_t i = 0; prev && i < sizeof outputs / sizeof outputs[0]; i++)
			in_output |= strlen(outputs[i]) == prevlen && strncmp(prev, outputs[i], prevlen) == 0;
		if (in_output && (hashed(start, len) || (stem < len && hashed(start, stem)))) {
			*c = '\0';
			return;
		}
		prev = start;
		prevlen = len;
	}
}

char *learn_generalise(const struct learn_env *env, const char *crate, const char *version,
		       const char *path)
{
	char *out = NULL;
	size_t l;

	/* .../build/<crate>-<hash>/out[/...] -> $OUT_DIR[/...] */
	for (const char *b = strstr(path, "/build/"); b && crate; b = strstr(b + 1, "/build/")) {
		const char *comp = b + 7;
		size_t len = strcspn(comp, "/");
		if (!hashed(comp, len) || !same_crate(comp, len - 17, crate))
			continue;
		if (strncmp(comp + len, "/out", 4) == 0 && (comp[len + 4] == '/' || !comp[len + 4]))
			return join("$OUT_DIR", comp + len + 4);
	}
	/* the crate's own sources: a component "<crate>-<version>" */
	if (crate && version) {
		char want[256];
		snprintf(want, sizeof want, "/%s-%s", crate, version);
		size_t wl = strlen(want);
		for (const char *s = strstr(path, want); s; s = strstr(s + 1, want))
			if (s[wl] == '/' || !s[wl])
				return join("$CARGO_MANIFEST_DIR", s + wl);
	}
	/* the longest matching prefix */
	const struct {
		const char *var, *val;
	} pre[] = {
		{ "$TARGET_DIR", env ? env->target_dir : NULL },
		{ "$CARGO_HOME", env ? env->cargo_home : NULL },
		{ "$RUSTUP_HOME", env ? env->rustup_home : NULL },
		{ "$CARGO_WORKSPACE_DIR", env ? env->workspace : NULL },
		{ "$HOME", env ? env->home : NULL },
	};
	size_t best = 0, bestlen = 0;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (pre[i].val && *pre[i].val && strcmp(pre[i].val, "/") != 0 &&
		    util_path_within(path, pre[i].val) && (l = strlen(pre[i].val)) > bestlen) {
			best = i;
			bestlen = l;
		}
	out = bestlen ? join(pre[best].var, path + bestlen) : strdup(path);
	if (out)
		cut_hash(out);
	return out;
}

/* ---- collection ------------------------------------------------------------ */

static struct learn_crate *crate_get(struct learn_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->crates[i].name, name) == 0)
			return &s->crates[i];
	struct learn_crate *nv = realloc(s->crates, (s->n + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	s->crates = nv;
	struct learn_crate *c = &nv[s->n];
	memset(c, 0, sizeof *c);
	if (!(c->name = strdup(name)))
		return NULL;
	s->n++;
	return c;
}

static int rule_add(struct learn_crate *c, char *path, unsigned access, const char *by)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].path, path) == 0) {
			c->rules[i].access |= access;
			free(path);
			return 0;
		}
	struct learn_rule *nv = realloc(c->rules, (c->nrules + 1) * sizeof *nv);
	if (!nv) {
		free(path);
		return -ENOMEM;
	}
	c->rules = nv;
	nv[c->nrules] = (struct learn_rule){ .path = path, .access = access,
					     .by = by ? strdup(by) : NULL };
	c->nrules++;
	return 0;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* The directive key of "cargo::rustc-link-arg=..." / "cargo:KEY=...", or of
 * the suggestion "\"directives\": [\"KEY\"]". */
static bool directive_key(const char *detail, const char *suggest, char *key, size_t len)
{
	const char *s = detail;
	if (s && (strncmp(s, "cargo::", 7) == 0 || strncmp(s, "cargo:", 6) == 0)) {
		s += s[6] == ':' ? 7 : 6;
		size_t n = strcspn(s, "=");
		if (n && n < len && s[n] == '=') {
			snprintf(key, len, "%.*s", (int)n, s);
			return true;
		}
	}
	const char *q = suggest ? strstr(suggest, "[\"") : NULL;
	if (q) {
		q += 2;
		size_t n = strcspn(q, "\"");
		if (n && n < len) {
			snprintf(key, len, "%.*s", (int)n, q);
			return true;
		}
	}
	return false;
}

static const char *base(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p;
}

static int collect_one(struct learn_set *s, const struct learn_env *env, const cJSON *o)
{
	/* an access trace line (trace.h): what the kernel resolved and let
	 * through outside the policy counts as an audit-mode finding */
	if (jstr(o, "op")) {
		const cJSON *out = cJSON_GetObjectItemCaseSensitive(o, "outside_policy");
		const char *acc = jstr(o, "access"), *op = jstr(o, "op");
		if (!cJSON_IsTrue(out) || !jstr(o, "crate") || !jstr(o, "path"))
			return 0;
		cJSON *ev = cJSON_Duplicate(o, 1);
		if (!ev)
			return -ENOMEM;
		cJSON_AddStringToObject(ev, "kind", "path");
		cJSON_AddStringToObject(ev, "action", "allowed-audit");
		cJSON_DeleteItemFromObject(ev, "access");
		cJSON_AddStringToObject(ev, "access", !strcmp(op, "exec") || (acc && !strcmp(acc, "exec")) ? "exec"
						     : acc && !strcmp(acc, "read")			  ? "read"
													  : "write");
		cJSON_DeleteItemFromObject(ev, "op");
		int rc = collect_one(s, env, ev);
		cJSON_Delete(ev);
		return rc;
	}
	const char *crate = jstr(o, "crate"), *kind = jstr(o, "kind"), *action = jstr(o, "action");
	const char *version = jstr(o, "version");
	/* a confined rustc call that loads one proc macro: what it needed is
	 * that macro's ("name@version"); with several, the entry cannot be
	 * pinned on one and stays with the crate being compiled */
	const char *pm = jstr(o, "proc_macros");
	char pm_name[256];
	if (pm && !strstr(pm, ", ") && !strchr(pm, '(') && strlen(pm) < sizeof pm_name) {
		strcpy(pm_name, pm);
		char *at = strrchr(pm_name, '@');
		if (at)
			*at = '\0';
		crate = pm_name;
		version = at ? pm + (at - pm_name) + 1 : NULL;
	}
	if (!crate || !kind || !action ||
	    (strcmp(action, "denied") != 0 && strcmp(action, "allowed-audit") != 0) ||
	    strcmp(kind, "setup") == 0 || strcmp(kind, "resource") == 0)
		return 0; /* a limit hit is raised by hand, not learnt */
	struct learn_crate *c = crate_get(s, crate);
	if (!c)
		return -ENOMEM;
	c->nevents++;
	if (version) {
		bool seen = false;
		for (size_t i = 0; i < c->nversions; i++)
			seen |= strcmp(c->versions[i], version) == 0;
		if (!seen && c->nversions < sizeof c->versions / sizeof c->versions[0] &&
		    !(c->versions[c->nversions++] = strdup(version)))
			return -ENOMEM;
	}
	if (strcmp(kind, "path") == 0) {
		const char *path = jstr(o, "path"), *acc = jstr(o, "access");
		if (!path || path[0] != '/' || !acc)
			return 0;
		/* another process's /proc entries: no policy entry allows them */
		if (!strncmp(path, "/proc/", 6))
			return 0;
		const char *sug = jstr(o, "suggest");
		unsigned a = sug && !strncmp(sug, "\"credentials\"", 13) ? POL_C /* creds.h */
			     : !strcmp(acc, "write")   ? POL_R | POL_W
			     : !strcmp(acc, "exec")    ? POL_R | POL_X
			     : !strcmp(acc, "connect") ? POL_S /* a unix socket: "unix_sockets" */
						       : POL_R;
		char *g = learn_generalise(env, crate, version, path);
		if (!g)
			return -ENOMEM;
		const char *by = base(jstr(o, "exe"));
		if (by && (strncmp(by, "build_script_", 13) == 0 || strstr(by, ".bsbox-real")))
			by = "the build script"; /* its file name carries a build hash */
		return rule_add(c, g, a, by);
	}
	if (strcmp(kind, "network") == 0) {
		c->network = true;
		const char *addr = jstr(o, "addr");
		if (!addr)
			addr = jstr(o, "detail");
		if (addr && (!c->addrs || !strstr(c->addrs, addr))) {
			size_t cur = c->addrs ? strlen(c->addrs) : 0;
			if (cur + strlen(addr) + 3 < ADDRS_MAX) {
				char *n = realloc(c->addrs, cur + strlen(addr) + 3);
				if (!n)
					return -ENOMEM;
				sprintf(n + cur, "%s%s", cur ? ", " : "", addr);
				c->addrs = n;
			}
		}
		return 0;
	}
	if (strcmp(kind, "directive") == 0) {
		char key[128];
		if (directive_key(jstr(o, "detail"), jstr(o, "suggest"), key, sizeof key))
			return strv_add_unique(&c->directives, &c->ndirectives, key);
		return 0;
	}
	if (strcmp(kind, "syscall") == 0) {
		const char *sc = jstr(o, "syscall");
		return sc ? strv_add_unique(&c->syscalls, &c->nsyscalls, sc) : 0;
	}
	return 0;
}

int learn_collect(const char *log, const struct learn_env *env, struct learn_set *out,
		  unsigned *bad, struct bsbox_err *err)
{
	cleanup_fclose FILE *f = fopen(log, "re");
	if (!f)
		return bsbox_err_set(err, errno, "opening the event log %s", log);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
		if (!cJSON_IsObject(o)) {
			if (bad)
				(*bad)++;
		} else if ((rc = collect_one(out, env, o)) < 0) {
			cJSON_Delete(o);
			break;
		}
		cJSON_Delete(o);
	}
	free(line);
	if (rc < 0)
		return bsbox_err_set(err, -rc, "reading %s", log);
	return 0;
}

/* ---- simplification ------------------------------------------------------- */

/* A directory a group may widen to: at least two components, counting a
 * leading variable as one ("$HOME/.config" yes, "$HOME" and "/opt" no). */
static bool groupable_dir(const char *dir)
{
	const char *s = dir;
	int comps = 0;
	if (*s == '$') {
		comps = 1;
		s += strcspn(s, "/");
	}
	for (; *s; s++)
		if (*s == '/' && s[1])
			comps++;
	return comps >= 2;
}

static int rule_cmp(const void *a, const void *b)
{
	return strcmp(((const struct learn_rule *)a)->path, ((const struct learn_rule *)b)->path);
}

static void drop_rule(struct learn_crate *c, size_t i)
{
	free(c->rules[i].path);
	free(c->rules[i].by);
	memmove(&c->rules[i], &c->rules[i + 1], (c->nrules - i - 1) * sizeof c->rules[0]);
	c->nrules--;
}

static void simplify_crate(struct learn_crate *c)
{
	/* group read-only siblings */
	for (size_t i = 0; i < c->nrules; i++) {
		if (c->rules[i].access != POL_R)
			continue;
		char *slash = strrchr(c->rules[i].path, '/');
		if (!slash || slash == c->rules[i].path)
			continue;
		size_t dl = (size_t)(slash - c->rules[i].path);
		cleanup_free char *dir = strndup(c->rules[i].path, dl);
		if (!dir || !groupable_dir(dir))
			continue;
		size_t n = 0;
		for (size_t j = 0; j < c->nrules; j++) {
			const char *p = c->rules[j].path;
			if (c->rules[j].access == POL_R && strncmp(p, dir, dl) == 0 && p[dl] == '/' &&
			    !strchr(p + dl + 1, '/'))
				n++;
		}
		if (n < GROUP_MIN)
			continue;
		char *by = c->rules[i].by ? strdup(c->rules[i].by) : NULL;
		rule_add(c, steal_ptr(dir), POL_R, by);
		free(by);
	}
	/* drop what another rule covers */
	for (size_t i = 0; i < c->nrules;) {
		bool covered = false;
		for (size_t j = 0; j < c->nrules && !covered; j++)
			covered = j != i && util_path_within(c->rules[i].path, c->rules[j].path) &&
				  (c->rules[j].access & c->rules[i].access) == c->rules[i].access &&
				  (strcmp(c->rules[j].path, c->rules[i].path) != 0 || j < i);
		if (covered)
			drop_rule(c, i);
		else
			i++;
	}
	if (c->nrules)
		qsort(c->rules, c->nrules, sizeof c->rules[0], rule_cmp);
}

void learn_simplify(struct learn_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		simplify_crate(&s->crates[i]);
}

void learn_versions_req(const struct learn_crate *c, char *buf, size_t len)
{
	struct semver lo = { 0 }, hi = { 0 }, v;
	struct bsbox_err err;
	bool any = false;
	for (size_t i = 0; i < c->nversions; i++) {
		if (semver_parse(c->versions[i], &v, &err) < 0)
			continue;
		if (!any || semver_cmp(&v, &lo) < 0)
			lo = v;
		if (!any || semver_cmp(&v, &hi) > 0)
			hi = v;
		any = true;
	}
	if (!any) {
		snprintf(buf, len, "*");
		return;
	}
	/* one caret range "^MAJOR.MINOR" holds both ends? */
	bool same = lo.major == hi.major && (lo.major > 0 || lo.minor == hi.minor);
	if (same) {
		snprintf(buf, len, "^%lu.%lu", lo.major, lo.minor);
		return;
	}
	if (hi.major > 0)
		snprintf(buf, len, ">=%lu.%lu.%lu, <%lu", lo.major, lo.minor, lo.patch, hi.major + 1);
	else
		snprintf(buf, len, ">=%lu.%lu.%lu, <0.%lu", lo.major, lo.minor, lo.patch, hi.minor + 1);
}

/* ---- JSON ------------------------------------------------------------------ */

static const char *access_verb(unsigned a)
{
	return a & POL_W ? "written" : a & POL_X ? "executed" : a & POL_S ? "connected to" : "read";
}

static cJSON *path_entry(const struct learn_rule *r, unsigned bit)
{
	cJSON *e = cJSON_CreateObject();
	char why[256];
	const char *verb = bit == POL_W	  ? "written"
			   : bit == POL_X ? "executed"
			   : bit == POL_S ? "connected to"
			   : bit == POL_C ? "read (a credential file)"
					  : access_verb(r->access);
	snprintf(why, sizeof why, "learned: %s%s%s during the build (bsbox learn)", verb,
		 r->by ? " by " : "", r->by ? r->by : "");
	if (!e || !cJSON_AddStringToObject(e, "path", r->path) || !cJSON_AddStringToObject(e, "why", why)) {
		cJSON_Delete(e);
		return NULL;
	}
	return e;
}

/* Append c's entries to obj: read/write/exec arrays (skipping paths already
 * present), network, directives.  Returns the number of entries added, or
 * -ENOMEM.  With added != NULL, a line per new entry is appended there. */
static int add_entries(cJSON *obj, const struct learn_crate *c, FILE *added)
{
	static const struct {
		const char *key;
		unsigned bit;
	} arrays[] = { { "write", POL_W }, { "exec", POL_X }, { "read", POL_R },
		       { "unix_sockets", POL_S }, { "credentials", POL_C } };
	int n = 0;
	for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++) {
		for (size_t i = 0; i < c->nrules; i++) {
			const struct learn_rule *r = &c->rules[i];
			/* write and exec imply read: read only for plain reads */
			if (arrays[k].bit == POL_R ? (r->access & ~(unsigned)(POL_S | POL_C)) != POL_R
						   : !(r->access & arrays[k].bit))
				continue;
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, arrays[k].key);
			if (!arr) {
				arr = cJSON_AddArrayToObject(obj, arrays[k].key);
				if (!arr)
					return -ENOMEM;
			}
			if (!cJSON_IsArray(arr))
				continue; /* malformed file: left as is, policy check reports it */
			bool have = false;
			const cJSON *e;
			cJSON_ArrayForEach(e, arr)
			{
				const char *p = cJSON_IsString(e) ? e->valuestring : jstr(e, "path");
				have |= p && strcmp(p, r->path) == 0;
			}
			if (have)
				continue;
			cJSON *ne = path_entry(r, arrays[k].bit);
			if (!ne || !cJSON_AddItemToArray(arr, ne))
				return -ENOMEM;
			if (added)
				fprintf(added, "  + %-5s %s\n", arrays[k].key, r->path);
			n++;
		}
	}
	if (c->network) {
		cJSON *nw = cJSON_GetObjectItemCaseSensitive(obj, "network");
		if (!cJSON_IsTrue(nw)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, "network");
			if (!cJSON_AddTrueToObject(obj, "network"))
				return -ENOMEM;
			if (added)
				fprintf(added, "  + network (%s)\n", c->addrs ? c->addrs : "?");
			n++;
		}
	}
	for (size_t i = 0; i < c->ndirectives; i++) {
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "directives");
		if (!arr && !(arr = cJSON_AddArrayToObject(obj, "directives")))
			return -ENOMEM;
		if (!cJSON_IsArray(arr))
			continue;
		bool have = false;
		const cJSON *e;
		cJSON_ArrayForEach(e, arr)
		{
			have |= cJSON_IsString(e) && strcmp(e->valuestring, c->directives[i]) == 0;
		}
		if (have)
			continue;
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(c->directives[i])))
			return -ENOMEM;
		if (added)
			fprintf(added, "  + directives %s\n", c->directives[i]);
		n++;
	}
	return n;
}

char *learn_crate_json(const struct learn_crate *c)
{
	cJSON *o = cJSON_CreateObject();
	char *out = NULL;
	if (o && add_entries(o, c, NULL) >= 0)
		out = cJSON_Print(o);
	cJSON_Delete(o);
	return out;
}

void learn_set_free(struct learn_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct learn_crate *c = &s->crates[i];
		free(c->name);
		for (size_t j = 0; j < c->nversions; j++)
			free(c->versions[j]);
		for (size_t j = 0; j < c->nrules; j++) {
			free(c->rules[j].path);
			free(c->rules[j].by);
		}
		free(c->rules);
		free(c->addrs);
		for (size_t j = 0; j < c->ndirectives; j++)
			free(c->directives[j]);
		free(c->directives);
		for (size_t j = 0; j < c->nsyscalls; j++)
			free(c->syscalls[j]);
		free(c->syscalls);
	}
	free(s->crates);
	s->crates = NULL;
	s->n = 0;
}

/* ---- the environment ------------------------------------------------------- */

static const char *real_or_null(const char *p, char *buf)
{
	if (!p || p[0] != '/')
		return NULL;
	cleanup_free char *r = util_path_resolve(p);
	snprintf(buf, PATH_MAX, "%s", r ? r : p);
	return buf;
}

int learn_collect_here(const char *log, struct learn_set *out, unsigned *bad,
		       struct bsbox_err *err)
{
	char bufs[5][4096];
	struct learn_env env;
	learn_env_from_process(&env, bufs);
	return learn_collect(log, &env, out, bad, err);
}

void learn_env_from_process(struct learn_env *env, char (*bufs)[4096])
{
	char tmp[PATH_MAX], cwd[PATH_MAX];
	const char *home = getenv("HOME"), *e;
	memset(env, 0, sizeof *env);
	env->home = real_or_null(home, bufs[0]);
	if ((e = getenv("CARGO_HOME")) && *e)
		env->cargo_home = real_or_null(e, bufs[1]);
	else if (home && snprintf(tmp, sizeof tmp, "%s/.cargo", home) > 0)
		env->cargo_home = real_or_null(tmp, bufs[1]);
	if ((e = getenv("RUSTUP_HOME")) && *e)
		env->rustup_home = real_or_null(e, bufs[2]);
	else if (home && snprintf(tmp, sizeof tmp, "%s/.rustup", home) > 0)
		env->rustup_home = real_or_null(tmp, bufs[2]);
	bool have_cwd = getcwd(cwd, sizeof cwd) != NULL;
	if ((e = getenv("CARGO_TARGET_DIR")) && *e) {
		if (e[0] == '/')
			env->target_dir = real_or_null(e, bufs[3]);
		else if (have_cwd && snprintf(tmp, sizeof tmp, "%s/%s", cwd, e) > 0)
			env->target_dir = real_or_null(tmp, bufs[3]);
	} else if (have_cwd && snprintf(tmp, sizeof tmp, "%s/target", cwd) > 0) {
		env->target_dir = real_or_null(tmp, bufs[3]);
	}
	if (have_cwd)
		env->workspace = real_or_null(cwd, bufs[4]);
}

/* ---- writing a policy file ------------------------------------------------ */

/* The keys a reader looks for first, first; the rest in their order. */
static cJSON *reorder(cJSON *obj)
{
	static const char *const first[] = { "$schema", "comment", "crate", "versions", "extends" };
	cJSON *n = cJSON_CreateObject();
	if (!n) {
		cJSON_Delete(obj);
		return NULL;
	}
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) {
		cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(obj, first[i]);
		if (it)
			cJSON_AddItemToObject(n, first[i], it);
	}
	while (obj->child) {
		cJSON *it = cJSON_DetachItemViaPointer(obj, obj->child);
		cleanup_free char *key = it->string ? strdup(it->string) : NULL;
		if (!key) {
			cJSON_Delete(it);
			continue;
		}
		cJSON_AddItemToObject(n, key, it);
	}
	cJSON_Delete(obj);
	return n;
}

struct write_opts {
	const char *dir;
	const char *workspace;
	const char *policy_dir; /* BSBOX_POLICY_DIR of the caller, may be NULL */
};

/* The policy file the shim would load for crate@version outside dir (a
 * shipped or user-wide one): a new file in dir starts from its contents, so
 * shadowing it loses nothing.  *out NULL when none. */
static int current_policy(const struct write_opts *o, const char *crate, const char *version,
			  char **out, struct bsbox_err *err)
{
	cleanup_strv char **dirs = NULL;
	if (policystore_dirs(o->policy_dir, o->workspace, &dirs, err) < 0)
		return bsbox_err_ret(err);
	return policystore_find(crate, version, (const char *const *)dirs, out, err);
}

/* Policy files are a page of text; learn refuses to merge into anything
 * bigger than the policy parser accepts. */
#define LEARN_POLICY_MAX (1024 * 1024)

static int write_policy(const struct write_opts *o, const struct learn_crate *c, struct bsbox_err *err)
{
	const char *version = c->nversions ? c->versions[0] : NULL;
	cleanup_free char *path = NULL, *text = NULL, *seed = NULL;
	/* an existing file in dir, <crate>@<version>.json first */
	const char *const here[] = { o->dir, NULL };
	if (policystore_find(c->name, version, here, &path, err) < 0)
		return bsbox_err_ret(err);
	bool exists = path != NULL;
	if (!exists && asprintf(&path, "%s/%s.json", o->dir, c->name) < 0)
		return bsbox_err_set(err, ENOMEM, "policy path");
	if (!exists && current_policy(o, c->name, version, &seed, err) < 0)
		return bsbox_err_ret(err);
	if (exists || seed) {
		if (util_read_file(exists ? path : seed, LEARN_POLICY_MAX, &text, NULL, err) < 0)
			return bsbox_err_ret(err);
	}
	cJSON *obj = text ? cJSON_Parse(text) : cJSON_CreateObject();
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		return bsbox_err_setx(err, EINVAL, "%s is not a JSON object; fix it (bsbox policy check) and learn again",
				      exists ? path : seed);
	}
	char req[64], date[32], comment[256];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&now, &tm));
	learn_versions_req(c, req, sizeof req);
	if (!text) {
		snprintf(comment, sizeof comment, "%s: learned by `bsbox learn` on %s; review before committing",
			 c->name, date);
		cJSON *ext = cJSON_CreateArray();
		if (!cJSON_AddStringToObject(obj, "comment", comment) ||
		    !cJSON_AddStringToObject(obj, "crate", c->name) || !ext ||
		    !cJSON_AddItemToArray(ext, cJSON_CreateString("default")) ||
		    !cJSON_AddItemToObject(obj, "extends", ext)) {
			cJSON_Delete(obj);
			return bsbox_err_set(err, ENOMEM, "policy");
		}
	}
	/* addbuf before added: cleanups run in reverse, the stream must be
	 * closed (it writes into addbuf) before addbuf is freed */
	cleanup_free char *addbuf = NULL;
	cleanup_fclose FILE *added = NULL;
	size_t addlen = 0;
	added = open_memstream(&addbuf, &addlen);
	/* versions: set when absent; when the learned versions fall outside the
	 * old requirement, learning was the user's approval of the new ones */
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(obj, "versions");
	bool fits = cJSON_IsString(ov);
	for (size_t i = 0; fits && i < c->nversions; i++) {
		bool m = false;
		struct bsbox_err e2;
		fits = semver_req_matches(ov->valuestring, c->versions[i], &m, &e2) == 0 && m;
	}
	if (c->nversions && !fits) {
		if (added)
			fprintf(added, "  %c versions %s%s%s\n", cJSON_IsString(ov) ? '~' : '+',
				cJSON_IsString(ov) ? ov->valuestring : "", cJSON_IsString(ov) ? " -> " : "",
				req);
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "versions");
		if (!cJSON_AddStringToObject(obj, "versions", req)) {
			cJSON_Delete(obj);
			return bsbox_err_set(err, ENOMEM, "policy");
		}
	}
	if (c->network && c->addrs) {
		/* the why of "network": true lives in the comment */
		cJSON *cm = cJSON_GetObjectItemCaseSensitive(obj, "comment");
		cleanup_free char *nc = NULL;
		if ((!cJSON_IsString(cm) || !strstr(cm->valuestring, c->addrs)) &&
		    asprintf(&nc, "%s%snetwork: learned %s, the build script connected to %s",
			     cJSON_IsString(cm) ? cm->valuestring : "", cJSON_IsString(cm) ? "; " : "",
			     date, c->addrs) >= 0) {
			if (cJSON_IsString(cm))
				cJSON_SetValuestring(cm, nc);
			else
				cJSON_AddStringToObject(obj, "comment", nc);
		}
	}
	int n = add_entries(obj, c, added);
	if (added)
		fflush(added);
	if (n >= 0 && !(obj = reorder(obj)))
		return bsbox_err_set(err, ENOMEM, "policy");
	if (n < 0) {
		cJSON_Delete(obj);
		return bsbox_err_set(err, ENOMEM, "policy");
	}
	cleanup_free char *out = cJSON_Print(obj);
	cJSON_Delete(obj);
	if (!out)
		return bsbox_err_set(err, ENOMEM, "policy");
	if (n == 0 && exists && addlen == 0) {
		printf("%s: %s already allows everything it needed\n", c->name, path);
		return 0;
	}
	int mr = util_mkdir_p(o->dir, 0755);
	if (mr < 0)
		return bsbox_err_set(err, -mr, "creating %s", o->dir);
	size_t olen = strlen(out);
	out[olen] = '\n'; /* cJSON_Print's NUL: the file ends with a newline */
	if (util_write_atomic(path, out, olen + 1, 0644, err) < 0)
		return bsbox_err_ret(err);
	printf("wrote %s (%s%s%s):\n%s", path, exists ? "updated" : "new",
	       seed ? ", starting from " : "", seed ? seed : "", addbuf ? addbuf : "");
	for (size_t i = 0; i < c->nsyscalls; i++)
		printf("  ! %s() was denied: no policy entry allows it; the sandbox refuses it for every crate\n",
		       c->syscalls[i]);
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

static const char usage[] =
	"usage: bsbox learn [--dir DIR] [--keep-log FILE] -- CMD [ARGS...]\n"
	"  Runs CMD (e.g. cargo build) with BSBOX_MODE=audit and a fresh event log,\n"
	"  then writes the policy entries each build script needed into\n"
	"  DIR/<crate>.json (default ./.bsbox/policies), merged with the file there.\n"
	"  Sets RUSTC_WRAPPER to bsbox unless it is set.  Build scripts cargo does\n"
	"  not rerun are not observed: run `cargo clean` first for a full picture.\n"
	"  For a cargo command, .bsbox/lock.json is written too (see bsbox lock).\n";

static int run_cmd(char **argv, const char *log, const char *trace, const char *dir,
		   bool dir_given)
{
	char self[PATH_MAX];
	bool have_self = util_self_exe(self, sizeof self) == 0;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bsbox learn: fork: %s\n", strerror(errno));
		return BSBOX_EXIT_SETUP;
	}
	if (pid == 0) {
		setenv("BSBOX_MODE", "audit", 1);
		setenv("BSBOX_LOG", log, 1);
		if (trace) /* the kernel's view too, where BPF loads (trace.h) */
			setenv("BSBOX_TRACE", trace, 1);
		if (dir_given)
			setenv("BSBOX_POLICY_DIR", dir, 1);
		const char *w = getenv("RUSTC_WRAPPER");
		if ((!w || !*w) && have_self)
			setenv("RUSTC_WRAPPER", self, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "bsbox learn: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? BSBOX_EXIT_NOTFOUND : BSBOX_EXIT_NOEXEC);
	}
	int st;
	signal(SIGINT, SIG_IGN); /* the child gets it and ends; we still write */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return BSBOX_EXIT_SETUP;
	signal(SIGINT, SIG_DFL);
	if (WIFSIGNALED(st))
		return BSBOX_EXIT_SIGNAL + WTERMSIG(st);
	return WEXITSTATUS(st);
}

int learn_main(int argc, char **argv, const struct bsbox_settings *settings)
{
	const char *dir = NULL, *keep = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--keep-log") == 0 && i + 1 < argc)
			keep = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "bsbox learn: unknown option %s\n%s", argv[i], usage);
			return BSBOX_EXIT_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return BSBOX_EXIT_USAGE;
	}
	char cwd[PATH_MAX], dirbuf[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd)) {
		fprintf(stderr, "bsbox learn: getcwd: %s\n", strerror(errno));
		return BSBOX_EXIT_SETUP;
	}
	bool dir_given = dir != NULL;
	if (!dir) {
		snprintf(dirbuf, sizeof dirbuf, "%s/.bsbox/policies", cwd);
		dir = dirbuf;
	} else if (dir[0] != '/') {
		snprintf(dirbuf, sizeof dirbuf, "%s/%s", cwd, dir);
		dir = dirbuf;
	}

	/* the log lives outside /tmp: the sandbox replaces /tmp, and the
	 * supervisor (outside) writes it anyway, but keep it out of sight */
	const char *td = getenv("TMPDIR");
	cleanup_free char *log = NULL;
	if (keep) {
		log = strdup(keep);
		/* emptied, and there even when nothing is logged: its path is shown */
		int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
		if (log && fd < 0) {
			fprintf(stderr, "bsbox learn: --keep-log %s: %s\n", log, strerror(errno));
			return BSBOX_EXIT_SETUP;
		}
		if (fd >= 0)
			close(fd);
	} else if (asprintf(&log, "%s/bsbox-learn.XXXXXX", td && *td == '/' ? td : "/tmp") >= 0) {
		int fd = mkstemp(log);
		if (fd < 0) {
			fprintf(stderr, "bsbox learn: creating a log in %s: %s\n", td ? td : "/tmp",
				strerror(errno));
			return BSBOX_EXIT_SETUP;
		}
		close(fd);
	}
	if (!log) {
		fprintf(stderr, "bsbox learn: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}

	/* an access trace beside the log, unless the user keeps their own */
	cleanup_free char *trace = NULL;
	if (!settings->trace && asprintf(&trace, "%s.trace", log) < 0)
		trace = NULL;
	if (trace)
		unlink(trace);

	/* the log's path is only shown where it stays: with --keep-log, or
	 * below when something failed (a temporary log is removed otherwise) */
	if (keep)
		fprintf(stderr, "bsbox learn: running %s in audit mode (log %s)\n", argv[i], log);
	else
		fprintf(stderr, "bsbox learn: running %s in audit mode\n", argv[i]);
	int code = run_cmd(argv + i, log, trace, dir, dir_given);

	struct learn_set set = { 0 };
	struct bsbox_err err = { 0 };
	unsigned bad = 0;
	int rc = learn_collect_here(log, &set, &bad, &err);
	if (rc == 0 && trace && access(trace, F_OK) == 0)
		rc = learn_collect_here(trace, &set, &bad, &err);
	if (!keep && (code != 0 || rc < 0))
		fprintf(stderr, "bsbox learn: events kept in %s (bsbox report %s)\n", log, log);
	else if (!keep)
		unlink(log);
	if (trace)
		unlink(trace);
	if (rc < 0) {
		fprintf(stderr, "bsbox learn: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	learn_simplify(&set);
	if (code != 0)
		fprintf(stderr, "bsbox learn: %s exited with status %d; writing what was observed\n",
			argv[i], code);
	struct write_opts wo = { .dir = dir, .workspace = cwd, .policy_dir = settings->policy_dir };
	int written = 0, failed = 0;
	for (size_t k = 0; k < set.n; k++) {
		const struct learn_crate *c = &set.crates[k];
		if (!c->nrules && !c->network && !c->ndirectives) {
			for (size_t j = 0; j < c->nsyscalls; j++)
				printf("%s: %s() was denied: no policy entry allows it\n", c->name,
				       c->syscalls[j]);
			continue;
		}
		if (write_policy(&wo, c, &err) < 0) {
			fprintf(stderr, "bsbox learn: %s: %s\n", c->name, err.msg);
			failed++;
		} else {
			written++;
		}
	}
	if (!written && !failed)
		printf("bsbox learn: no build script needed more than its policy; nothing written\n");
	learn_set_free(&set);
	/* the lock records the build-time code that just ran and its policies */
	const char *prog = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
	if (strncmp(prog, "cargo", 5) == 0) {
		if (dir_given)
			setenv("BSBOX_POLICY_DIR", dir, 1);
		if (lock_write_project(false, &err) < 0)
			fprintf(stderr, "bsbox learn: not writing %s: %s\n", LOCK_FILE, err.msg);
	}
	if (failed)
		return BSBOX_EXIT_SETUP;
	return code;
}
