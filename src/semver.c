/* Semantic versions and cargo-style requirements (see semver.h).  Pure. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"

/* One comparator: OP followed by a possibly partial version. */
enum op { OP_CARET, OP_TILDE, OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE, OP_ANY };

struct comparator {
	enum op op;
	int nparts; /* numeric parts given: 0 ("*"), 1, 2 or 3 */
	struct semver v;
};

/* A decimal number without leading zeros; advances *s. */
static int number(const char **s, unsigned long *out)
{
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return -1;
	if (p[0] == '0' && isdigit((unsigned char)p[1]))
		return -1;
	unsigned long n = 0;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (n > (ULONG_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*s = p;
	*out = n;
	return 0;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '-';
}

/* "-PRE" and "+BUILD" after the patch number; advances *s. */
static int pre_build(const char **s, struct semver *v)
{
	const char *p = *s;
	v->pre[0] = '\0';
	for (int part = 0; part < 2; part++) {
		char lead = part == 0 ? '-' : '+';
		if (*p != lead)
			continue;
		p++;
		const char *start = p;
		for (;;) { /* dot-separated non-empty identifiers */
			const char *id = p;
			while (ident_char(*p))
				p++;
			if (p == id)
				return -1;
			if (*p != '.')
				break;
			p++;
		}
		if (part == 0) {
			size_t len = (size_t)(p - start);
			if (len >= sizeof v->pre)
				return -1;
			memcpy(v->pre, start, len);
			v->pre[len] = '\0';
		}
	}
	*s = p;
	return 0;
}

int semver_parse(const char *s, struct semver *v, struct bsbox_err *err)
{
	const char *p = s;
	memset(v, 0, sizeof *v);
	if (number(&p, &v->major) < 0 || *p++ != '.' || number(&p, &v->minor) < 0 || *p++ != '.' ||
	    number(&p, &v->patch) < 0 || pre_build(&p, v) < 0 || *p)
		return bsbox_err_setx(err, EINVAL, "\"%.64s\" is not a version (MAJOR.MINOR.PATCH)", s);
	return 0;
}

static int cmp_ul(unsigned long a, unsigned long b)
{
	return a < b ? -1 : a > b;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* Pre-release precedence (semver 2.0.0 section 11). */
static int cmp_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return !*a - !*b; /* a release is above its pre-releases */
	while (*a && *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = all_digits(a, la), nb = all_digits(b, lb);
		int c;
		if (na && nb)
			c = la != lb ? cmp_ul(la, lb) : strncmp(a, b, la);
		else if (na != nb)
			c = na ? -1 : 1;
		else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (!c)
				c = cmp_ul(la, lb);
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	return !!*a - !!*b;
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	int c = cmp_ul(a->major, b->major);
	if (!c)
		c = cmp_ul(a->minor, b->minor);
	if (!c)
		c = cmp_ul(a->patch, b->patch);
	if (!c)
		c = cmp_pre(a->pre, b->pre);
	return c;
}

static void skip_ws(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

static bool wildcard(const char **s)
{
	if (**s == '*' || **s == 'x' || **s == 'X') {
		(*s)++;
		return true;
	}
	return false;
}

/* One comparator from *s up to ',' or the end; advances *s. */
static int parse_comparator(const char **s, struct comparator *c, struct bsbox_err *err)
{
	const char *start = *s, *p = *s;
	static const struct {
		const char *text;
		enum op op;
	} ops[] = {
		{ ">=", OP_GE }, { "<=", OP_LE }, { ">", OP_GT }, { "<", OP_LT },
		{ "=", OP_EQ },  { "~", OP_TILDE }, { "^", OP_CARET },
	};
	memset(c, 0, sizeof *c);
	c->op = OP_CARET;
	skip_ws(&p);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].text);
		if (strncmp(p, ops[i].text, n) == 0) {
			c->op = ops[i].op;
			p += n;
			break;
		}
	}
	skip_ws(&p);
	unsigned long *parts[3] = { &c->v.major, &c->v.minor, &c->v.patch };
	bool wild = false;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '.')
				break;
			p++;
		}
		if (wildcard(&p)) {
			wild = true;
			continue;
		}
		if (wild || number(&p, parts[i]) < 0)
			goto bad; /* "1.*.3", "1.x2", "" */
		c->nparts++;
	}
	if (c->nparts == 3 && pre_build(&p, &c->v) < 0)
		goto bad;
	skip_ws(&p);
	if (*p && *p != ',')
		goto bad;
	if (c->nparts == 0 && !wild)
		goto bad; /* "", ">=" */
	if (c->nparts == 0 && c->op != OP_CARET && c->op != OP_EQ)
		goto bad; /* ">*" means nothing useful; cargo rejects it too */
	if (c->nparts == 0)
		c->op = OP_ANY;
	else if (wild && c->op == OP_CARET)
		c->op = OP_EQ; /* "1.2.*" is "=1.2" */
	*s = p;
	return 0;
bad:;
	size_t len = strcspn(start, ",");
	return bsbox_err_setx(err, EINVAL,
			      "\"%.*s\" is not a version requirement (e.g. \"^1.2\", \">=0.9, <0.11\", \"=1.0.3\")",
			      (int)(len > 64 ? 64 : len), start);
}

static int cmp2(const struct semver *v, const struct comparator *c)
{
	int r = cmp_ul(v->major, c->v.major);
	return r ? r : cmp_ul(v->minor, c->v.minor);
}

/* Does v satisfy c (ignoring the pre-release rule)? */
static bool comparator_matches(const struct comparator *c, const struct semver *v)
{
	const struct semver *w = &c->v;
	int n = c->nparts;
	int full = semver_cmp(v, w);
	int part = n == 3 ? full : n == 2 ? cmp2(v, c) : cmp_ul(v->major, w->major);

	switch (c->op) {
	case OP_ANY:
		return true;
	case OP_EQ:
		return part == 0;
	case OP_GT:
		return part > 0;
	case OP_GE:
		return part >= 0;
	case OP_LT:
		return part < 0;
	case OP_LE:
		return part <= 0;
	case OP_TILDE:
		if (n == 1)
			return v->major == w->major;
		return v->major == w->major && v->minor == w->minor && (n == 2 || full >= 0);
	case OP_CARET:
		if (n == 1)
			return v->major == w->major;
		if (n == 2)
			return w->major > 0 ? v->major == w->major && v->minor >= w->minor
					    : v->major == 0 && v->minor == w->minor;
		if (full < 0)
			return false;
		if (w->major > 0)
			return v->major == w->major;
		if (w->minor > 0)
			return v->major == 0 && v->minor == w->minor;
		return v->major == 0 && v->minor == 0 && v->patch == w->patch;
	}
	return false;
}

static int walk(const char *req, const struct semver *v, bool *match, struct bsbox_err *err)
{
	const char *p = req;
	bool all = true, pre_ok = false;
	int count = 0;
	for (;;) {
		struct comparator c;
		if (parse_comparator(&p, &c, err) < 0)
			return -EINVAL;
		count++;
		if (v) {
			all &= comparator_matches(&c, v);
			pre_ok |= c.nparts == 3 && c.v.pre[0] && c.v.major == v->major &&
				  c.v.minor == v->minor && c.v.patch == v->patch;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (match)
		*match = all && (!v || !v->pre[0] || pre_ok);
	return 0;
}

int semver_req_check(const char *req, struct bsbox_err *err)
{
	return walk(req, NULL, NULL, err);
}

int semver_req_matches(const char *req, const char *version, bool *match, struct bsbox_err *err)
{
	struct semver v;
	*match = false;
	if (semver_parse(version, &v, err) < 0)
		return -EINVAL;
	return walk(req, &v, match, err);
}
