/* The pure half of the lock (see lock.h): lock.json <-> struct lock, the
 * verdict for a unit, the policy digest, the scan of Rust sources for the
 * files they pull in and the Cargo.lock lookup.  No syscalls: unit-tested
 * in tests/unit/lock_test.c. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "lock.h"
#include "semver.h"

const char *lock_kind_name(enum lock_kind k)
{
	return k == LOCK_PROC_MACRO ? "proc-macro" : "build-script";
}

void lock_entry_free(struct lock_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->version);
	free(e->source);
	free(e->checksum);
	free(e->root);
	free(e->policy_file);
	free(e->dir);
	for (size_t i = 0; i < e->nfiles; i++)
		free(e->files[i].path);
	free(e->files);
	memset(e, 0, sizeof *e);
}

void lock_free(struct lock *l)
{
	for (size_t i = 0; i < l->n; i++)
		lock_entry_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Order: name, then version by semver (text when unparsable), then kind. */
static int entry_cmp(const void *a, const void *b)
{
	const struct lock_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	struct semver vx, vy;
	struct bsbox_err err;
	if (semver_parse(x->version, &vx, &err) == 0 && semver_parse(y->version, &vy, &err) == 0)
		c = semver_cmp(&vx, &vy);
	if (!c)
		c = strcmp(x->version, y->version);
	if (c)
		return c;
	return (int)x->kind - (int)y->kind;
}

int lock_add(struct lock *l, struct lock_entry *e)
{
	struct lock_entry *nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	nv[l->n++] = *e;
	memset(e, 0, sizeof *e);
	qsort(l->v, l->n, sizeof *l->v, entry_cmp);
	return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool is_tag(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != SHA256_TAG_LEN - 1)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return -ENOMEM;
	return 0;
}

static int entry_from_json(const cJSON *o, const char *source, size_t idx, struct lock_entry *e,
			   struct bsbox_err *err)
{
	memset(e, 0, sizeof *e);
	const char *name = jstr(o, "name"), *version = jstr(o, "version"), *kind = jstr(o, "kind");
	const char *code = jstr(o, "code");
	if (!cJSON_IsObject(o) || !name || !version || !kind)
		return bsbox_err_setx(err, EINVAL, "%s: crates[%zu]: wants \"name\", \"version\" and \"kind\"",
				      source, idx);
	if (strcmp(kind, "build-script") && strcmp(kind, "proc-macro"))
		return bsbox_err_setx(err, EINVAL,
				      "%s: crates[%zu] (%s): \"kind\" is \"build-script\" or \"proc-macro\"",
				      source, idx, name);
	e->kind = strcmp(kind, "proc-macro") == 0 ? LOCK_PROC_MACRO : LOCK_BUILD_SCRIPT;
	if (code && !is_tag(code))
		return bsbox_err_setx(err, EINVAL, "%s: crates[%zu] (%s): \"code\" is not sha256:<64 hex>",
				      source, idx, name);
	if (code)
		strcpy(e->code, code);
	const cJSON *pol = cJSON_GetObjectItemCaseSensitive(o, "policy");
	const char *pd = cJSON_IsObject(pol) ? jstr(pol, "digest") : NULL;
	if (pd && !is_tag(pd))
		return bsbox_err_setx(err, EINVAL,
				      "%s: crates[%zu] (%s): \"policy\".\"digest\" is not sha256:<64 hex>",
				      source, idx, name);
	if (pd)
		strcpy(e->policy, pd);
	if (dup_opt(name, &e->name) || dup_opt(version, &e->version) ||
	    dup_opt(jstr(o, "source"), &e->source) || dup_opt(jstr(o, "checksum"), &e->checksum) ||
	    dup_opt(jstr(o, "root"), &e->root) || dup_opt(jstr(o, "dir"), &e->dir) ||
	    dup_opt(cJSON_IsObject(pol) ? jstr(pol, "file") : NULL, &e->policy_file))
		return bsbox_err_set(err, ENOMEM, "%s", source);
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(o, "files");
	const cJSON *f;
	size_t nf = 0;
	cJSON_ArrayForEach(f, files) nf++;
	if (nf && !(e->files = calloc(nf, sizeof *e->files)))
		return bsbox_err_set(err, ENOMEM, "%s", source);
	cJSON_ArrayForEach(f, files)
	{
		if (!cJSON_IsString(f) || !is_tag(f->valuestring) || !f->string)
			return bsbox_err_setx(err, EINVAL, "%s: crates[%zu] (%s): \"files\" maps paths to sha256:<hex>",
					      source, idx, name);
		if (!(e->files[e->nfiles].path = strdup(f->string)))
			return bsbox_err_set(err, ENOMEM, "%s", source);
		strcpy(e->files[e->nfiles++].digest, f->valuestring);
	}
	return 0;
}

int lock_entry_parse(const char *text, const char *source, struct lock_entry *out,
		     struct bsbox_err *err)
{
	cJSON *o = cJSON_Parse(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		memset(out, 0, sizeof *out);
		return bsbox_err_setx(err, EINVAL, "%s: not a JSON object", source);
	}
	int r = entry_from_json(o, source, 0, out, err);
	cJSON_Delete(o);
	if (r < 0)
		lock_entry_free(out);
	return r;
}

int lock_parse(const char *text, const char *source, struct lock *out, struct bsbox_err *err)
{
	memset(out, 0, sizeof *out);
	cJSON *root = cJSON_Parse(text);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return bsbox_err_setx(err, EINVAL, "%s: not a JSON object (fix it, or recreate it with `bsbox lock`)",
				      source);
	}
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		cJSON_Delete(root);
		return bsbox_err_setx(err, EINVAL, "%s: \"version\" is not 1 (written by another bsbox?)", source);
	}
	const cJSON *crates = cJSON_GetObjectItemCaseSensitive(root, "crates");
	const cJSON *c;
	size_t i = 0;
	int r = 0;
	cJSON_ArrayForEach(c, crates)
	{
		struct lock_entry e;
		if ((r = entry_from_json(c, source, i++, &e, err)) < 0) {
			lock_entry_free(&e);
			break;
		}
		free(e.dir); /* a lock is machine-independent */
		e.dir = NULL;
		if ((r = lock_add(out, &e)) < 0) {
			lock_entry_free(&e);
			bsbox_err_set(err, ENOMEM, "%s", source);
			break;
		}
	}
	cJSON_Delete(root);
	if (r < 0)
		lock_free(out);
	return r;
}

static cJSON *entry_to_json(const struct lock_entry *e, bool with_dir)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *files = cJSON_CreateObject();
	cJSON *pol = cJSON_CreateObject();
	bool ok = o && files && pol && cJSON_AddStringToObject(o, "name", e->name) &&
		  cJSON_AddStringToObject(o, "version", e->version) &&
		  cJSON_AddStringToObject(o, "kind", lock_kind_name(e->kind)) &&
		  (!e->source || cJSON_AddStringToObject(o, "source", e->source)) &&
		  (!e->checksum || cJSON_AddStringToObject(o, "checksum", e->checksum)) &&
		  (!e->root || cJSON_AddStringToObject(o, "root", e->root)) &&
		  (!e->code[0] || cJSON_AddStringToObject(o, "code", e->code));
	for (size_t i = 0; ok && i < e->nfiles; i++)
		ok = cJSON_AddStringToObject(files, e->files[i].path, e->files[i].digest) != NULL;
	if (ok) {
		cJSON_AddItemToObject(o, "files", files);
		files = NULL;
		ok = (!e->policy_file || cJSON_AddStringToObject(pol, "file", e->policy_file)) &&
		     (!e->policy[0] || cJSON_AddStringToObject(pol, "digest", e->policy));
	}
	if (ok) {
		cJSON_AddItemToObject(o, "policy", pol);
		pol = NULL;
		ok = !with_dir || !e->dir || cJSON_AddStringToObject(o, "dir", e->dir);
	}
	cJSON_Delete(files);
	cJSON_Delete(pol);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static char *print_with_newline(cJSON *o)
{
	char *s = o ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	char *r = NULL;
	if (s && asprintf(&r, "%s\n", s) < 0)
		r = NULL;
	free(s);
	return r;
}

char *lock_format(const struct lock *l)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *crates = cJSON_CreateArray();
	if (!root || !crates || !cJSON_AddNumberToObject(root, "version", 1) ||
	    !cJSON_AddStringToObject(root, "comment",
				     "bsbox lock: the build scripts and proc macros this project runs at build "
				     "time. Review changes with `bsbox review CRATE`, record them with "
				     "`bsbox lock --accept CRATE`.")) {
		cJSON_Delete(root);
		cJSON_Delete(crates);
		return NULL;
	}
	cJSON_AddItemToObject(root, "crates", crates);
	for (size_t i = 0; i < l->n; i++) {
		cJSON *o = entry_to_json(&l->v[i], false);
		if (!o) {
			cJSON_Delete(root);
			return NULL;
		}
		cJSON_AddItemToArray(crates, o);
	}
	return print_with_newline(root);
}

char *lock_entry_format(const struct lock_entry *e)
{
	return print_with_newline(entry_to_json(e, true));
}

/* ---- the verdict ---------------------------------------------------------- */

static const struct lock_digest *file_find(const struct lock_entry *e, const char *path)
{
	for (size_t i = 0; i < e->nfiles; i++)
		if (strcmp(e->files[i].path, path) == 0)
			return &e->files[i];
	return NULL;
}

/* "build.rs, +src/new.rs, -old.rs" (bounded) */
static void changed_files(const struct lock_entry *old, const struct lock_entry *u, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		const struct lock_entry *a = pass ? old : u, *b = pass ? u : old;
		for (size_t i = 0; i < a->nfiles && o < len; i++) {
			const struct lock_digest *d = file_find(b, a->files[i].path);
			if (d && (pass || strcmp(d->digest, a->files[i].digest) == 0))
				continue;
			const char *mark = d ? "" : pass ? "-" : "+";
			int w = snprintf(buf + o, len - o, "%s%s%s", o ? ", " : "", mark, a->files[i].path);
			if (w < 0)
				return;
			o += (size_t)w;
		}
	}
	if (o >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

void lock_match(const struct lock *l, const struct lock_entry *u, struct lock_verdict *v)
{
	memset(v, 0, sizeof *v);
	const struct lock_entry *same_version = NULL, *same_code = NULL, *latest = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct lock_entry *e = &l->v[i];
		if (e->kind != u->kind || strcmp(e->name, u->name) != 0)
			continue;
		latest = e; /* sorted: the highest version last */
		if (strcmp(e->version, u->version) == 0)
			same_version = e;
		if (!same_code && strcmp(e->code, u->code) == 0)
			same_code = e;
	}
	if (same_version && strcmp(same_version->code, u->code) == 0)
		same_code = same_version;
	if (!latest) {
		v->kind = LOCK_NEW;
		return;
	}
	if (!same_code) {
		v->kind = LOCK_CODE_CHANGED;
		v->old = same_version ? same_version : latest;
		changed_files(v->old, u, v->changed, sizeof v->changed);
		return;
	}
	v->old = same_code;
	if (strcmp(same_code->policy, u->policy) != 0)
		v->kind = LOCK_POLICY_CHANGED;
	else
		v->kind = same_code == same_version ? LOCK_MATCH : LOCK_MATCH_MOVED;
}

void lock_message(const struct lock_entry *u, const struct lock_verdict *v, char *buf, size_t len)
{
	const char *what = u->kind == LOCK_PROC_MACRO ? "proc macro" : "build script";
	const char *pf = u->policy_file ? u->policy_file : "?";
	switch (v->kind) {
	case LOCK_MATCH:
		snprintf(buf, len, "%s %s: %s as locked", u->name, u->version, what);
		break;
	case LOCK_MATCH_MOVED:
		snprintf(buf, len, "%s %s -> %s: the %s is unchanged since the locked version", u->name,
			 v->old->version, u->version, what);
		break;
	case LOCK_NEW:
		snprintf(buf, len, "%s %s: a new %s, not in the lock", u->name, u->version, what);
		break;
	case LOCK_CODE_CHANGED:
		if (strcmp(v->old->version, u->version) != 0)
			snprintf(buf, len, "%s %s -> %s: the %s changed (%s)", u->name, v->old->version,
				 u->version, what, v->changed[0] ? v->changed : "code digest");
		else
			snprintf(buf, len, "%s %s: the %s changed since it was locked (%s)", u->name,
				 u->version, what, v->changed[0] ? v->changed : "code digest");
		break;
	case LOCK_POLICY_CHANGED:
		snprintf(buf, len, "%s %s%s%s: the policy of its %s changed (now %s, locked: %s)", u->name,
			 strcmp(v->old->version, u->version) ? v->old->version : "",
			 strcmp(v->old->version, u->version) ? " -> " : "", u->version, what, pf,
			 v->old->policy_file ? v->old->policy_file : "?");
		break;
	}
}

/* ---- the policy digest ---------------------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void lock_policy_digest(const struct policy *p, char out[SHA256_TAG_LEN])
{
	/* one line per fact, sorted: the digest ignores order, comments and origins */
	size_t n = p->nrules + p->nenv + p->ndirectives + p->ndev, k = 0;
	char **lines = calloc(n ? n : 1, sizeof *lines);
	struct sha256 s;
	sha256_init(&s);
	for (size_t i = 0; lines && i < p->nrules; i++) {
		char acc[6];
		if (asprintf(&lines[k], "rule %s %s\n", policy_access_str(p->rules[i].access, acc),
			     p->rules[i].path) >= 0)
			k++;
	}
	for (size_t i = 0; lines && i < p->nenv; i++)
		if (asprintf(&lines[k], "env %s\n", p->env[i]) >= 0)
			k++;
	for (size_t i = 0; lines && i < p->ndirectives; i++)
		if (asprintf(&lines[k], "directive %s\n", p->directives[i]) >= 0)
			k++;
	for (size_t i = 0; lines && i < p->ndev; i++)
		if (asprintf(&lines[k], "dev %s\n", p->dev[i]) >= 0)
			k++;
	if (lines)
		qsort(lines, k, sizeof *lines, str_cmp);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
			sha256_update(&s, lines[i], strlen(lines[i]));
	for (size_t i = 0; i < k; i++)
		free(lines[i]);
	free(lines);
	char tail[512];
	int w = snprintf(tail, sizeof tail, "network %d\nversions %s\nlimits %ld %ld %ld %ld %ld %ld %ld %ld\n",
			 p->network, p->versions ? p->versions : "", p->limits.nproc, p->limits.fsize_mb,
			 p->limits.cpu_s, p->limits.as_mb, p->limits.nofile, p->limits.mem_mb,
			 p->limits.tmp_mb, p->limits.wall_s);
	if (w > 0)
		sha256_update(&s, tail, (size_t)w < sizeof tail ? (size_t)w : sizeof tail - 1);
	sha256_final_tag(&s, out);
}

/* ---- scanning Rust sources -------------------------------------------------- */

enum tok_kind { TOK_END, TOK_IDENT, TOK_STR, TOK_PUNCT };

struct lexer {
	const char *p, *end;
	enum tok_kind kind;
	const char *t; /* token text (for TOK_STR: the contents, escapes left as is) */
	size_t tlen;
};

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}
static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void skip_space_and_comments(struct lexer *x)
{
	while (x->p < x->end) {
		if (isspace((unsigned char)*x->p)) {
			x->p++;
		} else if (x->p + 1 < x->end && x->p[0] == '/' && x->p[1] == '/') {
			while (x->p < x->end && *x->p != '\n')
				x->p++;
		} else if (x->p + 1 < x->end && x->p[0] == '/' && x->p[1] == '*') {
			int depth = 0;
			while (x->p + 1 < x->end) {
				if (x->p[0] == '/' && x->p[1] == '*') {
					depth++;
					x->p += 2;
				} else if (x->p[0] == '*' && x->p[1] == '/') {
					x->p += 2;
					if (--depth == 0)
						break;
				} else {
					x->p++;
				}
			}
			if (depth)
				x->p = x->end;
		} else {
			return;
		}
	}
}

/* A raw string r#*"..."#* starting at x->p (after the optional b). */
static bool raw_string(struct lexer *x)
{
	const char *q = x->p + 1;
	size_t hashes = 0;
	while (q < x->end && *q == '#') {
		hashes++;
		q++;
	}
	if (q >= x->end || *q != '"')
		return false;
	const char *start = ++q;
	for (; q < x->end; q++) {
		if (*q != '"')
			continue;
		size_t h = 0;
		while (h < hashes && q + 1 + h < x->end && q[1 + h] == '#')
			h++;
		if (h == hashes) {
			x->kind = TOK_STR;
			x->t = start;
			x->tlen = (size_t)(q - start);
			x->p = q + 1 + hashes;
			return true;
		}
	}
	x->p = x->end;
	x->kind = TOK_END;
	return true;
}

static void next(struct lexer *x)
{
	skip_space_and_comments(x);
	if (x->p >= x->end) {
		x->kind = TOK_END;
		return;
	}
	char c = *x->p;
	if (c == 'b' && x->p + 1 < x->end && (x->p[1] == '"' || x->p[1] == 'r' || x->p[1] == '\'')) {
		x->p++; /* byte strings and chars: as the plain ones */
		c = *x->p;
	}
	if (c == 'r' && x->p + 1 < x->end && (x->p[1] == '"' || x->p[1] == '#') && raw_string(x))
		return;
	if (c == '"') {
		const char *start = ++x->p;
		while (x->p < x->end && *x->p != '"')
			x->p += (*x->p == '\\' && x->p + 1 < x->end) ? 2 : 1;
		x->kind = TOK_STR;
		x->t = start;
		x->tlen = (size_t)((x->p < x->end ? x->p : x->end) - start);
		if (x->p < x->end)
			x->p++;
		return;
	}
	if (c == '\'') {
		/* a char literal ('x', '\n', '\u{..}') or a lifetime ('a) */
		const char *q = x->p + 1;
		if (q < x->end && *q == '\\') {
			while (q < x->end && *q != '\'')
				q++;
			x->p = q < x->end ? q + 1 : x->end;
		} else if (q + 1 < x->end && q[1] == '\'') {
			x->p = q + 2;
		} else {
			x->p = q;
		}
		x->kind = TOK_PUNCT;
		x->t = "'";
		x->tlen = 1;
		return;
	}
	if (ident_start(c)) {
		x->t = x->p;
		while (x->p < x->end && ident_char(*x->p))
			x->p++;
		x->kind = TOK_IDENT;
		x->tlen = (size_t)(x->p - x->t);
		return;
	}
	x->kind = TOK_PUNCT;
	x->t = x->p++;
	x->tlen = 1;
}

static bool is(const struct lexer *x, enum tok_kind k, const char *s)
{
	return x->kind == k && x->tlen == strlen(s) && memcmp(x->t, s, x->tlen) == 0;
}

/* The current token, if of kind k, as a string in buf (size bytes); false if
 * it is another kind or too long (names and paths are bounded on purpose). */
static bool tok_copy(const struct lexer *x, enum tok_kind k, char *buf, size_t size)
{
	if (x->kind != k || x->tlen >= size)
		return false;
	memcpy(buf, x->t, x->tlen);
	buf[x->tlen] = '\0';
	return true;
}

void lock_rust_refs(const char *text, size_t len, lock_ref_fn cb, void *ud)
{
	struct lexer x = { .p = text, .end = text + len };
	char path_attr[1024] = "";
	bool have_path = false;
	next(&x);
	while (x.kind != TOK_END) {
		if (is(&x, TOK_PUNCT, "#")) {
			next(&x);
			if (is(&x, TOK_PUNCT, "!"))
				next(&x);
			if (!is(&x, TOK_PUNCT, "["))
				continue;
			next(&x);
			bool path = is(&x, TOK_IDENT, "path");
			int depth = 1;
			if (path) {
				next(&x);
				if (is(&x, TOK_PUNCT, "=")) {
					next(&x);
					if (tok_copy(&x, TOK_STR, path_attr, sizeof path_attr))
						have_path = true;
				}
			}
			while (x.kind != TOK_END && depth) {
				if (is(&x, TOK_PUNCT, "["))
					depth++;
				else if (is(&x, TOK_PUNCT, "]"))
					depth--;
				next(&x);
			}
			continue;
		}
		if (is(&x, TOK_IDENT, "mod")) {
			next(&x);
			char name[256];
			if (tok_copy(&x, TOK_IDENT, name, sizeof name)) {
				next(&x);
				if (is(&x, TOK_PUNCT, ";"))
					cb(ud, 'm', name, have_path ? path_attr : NULL);
			}
			have_path = false;
			continue;
		}
		char kind = is(&x, TOK_IDENT, "include")	   ? 'i'
			    : is(&x, TOK_IDENT, "include_str")   ? 's'
			    : is(&x, TOK_IDENT, "include_bytes") ? 'b'
								 : 0;
		if (kind) {
			next(&x);
			if (!is(&x, TOK_PUNCT, "!"))
				continue;
			next(&x);
			if (!is(&x, TOK_PUNCT, "("))
				continue;
			next(&x);
			char p[1024];
			if (tok_copy(&x, TOK_STR, p, sizeof p)) {
				next(&x);
				if (is(&x, TOK_PUNCT, ")") || is(&x, TOK_PUNCT, ","))
					cb(ud, kind, NULL, p);
			}
			continue;
		}
		if (is(&x, TOK_PUNCT, ";") || is(&x, TOK_PUNCT, "{") || is(&x, TOK_PUNCT, "}"))
			have_path = false;
		next(&x);
	}
}

char *lock_rust_strip_comments(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, text, len);
	out[len] = '\0';
	size_t i = 0;
	while (i < len) {
		char c = out[i];
		if (c == '/' && i + 1 < len && out[i + 1] == '/') {
			while (i < len && out[i] != '\n')
				out[i++] = ' ';
		} else if (c == '/' && i + 1 < len && out[i + 1] == '*') {
			int depth = 0;
			while (i < len) {
				if (out[i] == '/' && i + 1 < len && out[i + 1] == '*') {
					depth++;
					out[i++] = ' ';
					out[i++] = ' ';
				} else if (out[i] == '*' && i + 1 < len && out[i + 1] == '/') {
					out[i++] = ' ';
					out[i++] = ' ';
					if (--depth == 0)
						break;
				} else {
					if (out[i] != '\n')
						out[i] = ' ';
					i++;
				}
			}
		} else if (c == 'r' && i + 1 < len && (out[i + 1] == '"' || out[i + 1] == '#') &&
			   (i == 0 || !ident_char(out[i - 1]))) {
			size_t j = i + 1, hashes = 0;
			while (j < len && out[j] == '#')
				hashes++, j++;
			if (j >= len || out[j] != '"') {
				i++;
				continue;
			}
			for (j++; j < len; j++) {
				size_t h = 0;
				while (out[j] == '"' && h < hashes && j + 1 + h < len && out[j + 1 + h] == '#')
					h++;
				if (out[j] == '"' && h == hashes)
					break;
			}
			i = j + 1 + hashes;
		} else if (c == '"') {
			for (i++; i < len && out[i] != '"'; i++)
				if (out[i] == '\\')
					i++;
			i++;
		} else if (c == '\'' && i + 2 < len && (out[i + 2] == '\'' || out[i + 1] == '\\')) {
			/* a char literal, so '"' does not open a string */
			for (i++; i < len && out[i] != '\''; i++)
				if (out[i] == '\\')
					i++;
			i++;
		} else {
			i++;
		}
	}
	return out;
}

/* ---- Cargo.lock ---------------------------------------------------------- */

/* `key = "value"` at the start of line -> malloc'ed value, else NULL */
static char *toml_value(const char *line, size_t len, const char *key)
{
	size_t kl = strlen(key);
	if (len < kl || strncmp(line, key, kl) != 0)
		return NULL;
	const char *p = line + kl, *end = line + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != '=')
		return NULL;
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != '"')
		return NULL;
	const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
	return q ? strndup(p + 1, (size_t)(q - p - 1)) : NULL;
}

int lock_cargo_lock_find(const char *text, const char *name, const char *version, char **source,
			 char **checksum)
{
	*source = *checksum = NULL;
	cleanup_free char *n = NULL, *v = NULL, *s = NULL, *c = NULL;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool header = len >= 11 && strncmp(p, "[[package]]", 11) == 0;
		char *val;
		if (header)
			;
		else if ((val = toml_value(p, len, "name")))
			free(n), n = val;
		else if ((val = toml_value(p, len, "version")))
			free(v), v = val;
		else if ((val = toml_value(p, len, "source")))
			free(s), s = val;
		else if ((val = toml_value(p, len, "checksum")))
			free(c), c = val;
		if (header || !nl) {
			if (n && v && !strcmp(n, name) && !strcmp(v, version)) {
				*source = steal_ptr(s);
				*checksum = steal_ptr(c);
				return 0;
			}
			free(n);
			free(v);
			free(s);
			free(c);
			n = v = s = c = NULL;
			if (!nl)
				return -ENOENT;
		}
		p = nl + 1;
	}
}
