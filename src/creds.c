/* Credentials inside readable trees: finding them (creds_scan) and the
 * git-config sanitiser.  See creds.h for who applies the result. */
#define _GNU_SOURCE
#include <ctype.h>
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
#include "creds.h"
#include "fileio.h"

#define GITCONFIG_MAX (1024 * 1024) /* larger than any real .git/config */
#define MODULES_DEPTH 3             /* submodules of submodules of submodules */

/* ---- the sanitiser (pure) ------------------------------------------------ */

/* Append s[0..n) to the growing buffer; false on ENOMEM. */
static bool put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = (*cap ? *cap * 2 : 256);
		while (nc < *len + n + 1)
			nc *= 2;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return false;
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/* Copy one line, dropping the userinfo of every "scheme://user[:pw]@host".
 * Sets *changed when something was dropped. */
static bool put_without_userinfo(char **buf, size_t *len, size_t *cap, const char *s, size_t n,
				 bool *changed)
{
	size_t i = 0;
	while (i < n) {
		const char *sep = memmem(s + i, n - i, "://", 3);
		if (!sep)
			break;
		size_t host = (size_t)(sep - s) + 3, j = host;
		/* the authority ends at '/', whitespace, a quote or the line's end */
		while (j < n && s[j] != '/' && s[j] != '"' && !isspace((unsigned char)s[j]))
			j++;
		const char *at = NULL;
		for (size_t k = host; k < j; k++)
			if (s[k] == '@')
				at = s + k; /* the last '@': passwords may hold one */
		if (!put(buf, len, cap, s + i, host - i))
			return false;
		if (at) {
			*changed = true;
			i = (size_t)(at - s) + 1;
		} else {
			i = host;
		}
	}
	return put(buf, len, cap, s + i, n - i);
}

/* The line continues on the next one: ends with an odd number of '\'. */
static bool continues(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

int creds_sanitize_gitconfig(const char *in, size_t len, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t blen = 0, cap = 0;
	bool changed = false, in_credential = false, dropping = false;
	*out = NULL;
	*outlen = 0;

	for (size_t pos = 0; pos < len;) {
		const char *line = in + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, full = nl ? n + 1 : n;
		pos += full;
		size_t body = n;
		if (body && line[body - 1] == '\r')
			body--;

		if (dropping) {
			/* a continuation line of a dropped entry */
			dropping = continues(line, body);
			continue;
		}
		size_t i = 0;
		while (i < body && isspace((unsigned char)line[i]))
			i++;
		if (i < body && line[i] == '[') {
			/* "[section]", "[section "sub"]", "[section.sub]" */
			size_t j = i + 1, k;
			while (j < body && isspace((unsigned char)line[j]))
				j++;
			for (k = j; k < body && (isalnum((unsigned char)line[k]) || line[k] == '-'); k++)
				;
			in_credential = k - j == 10 && strncasecmp(line + j, "credential", 10) == 0;
		} else if (i < body && line[i] != '#' && line[i] != ';') {
			size_t k = i;
			while (k < body && (isalnum((unsigned char)line[k]) || line[k] == '-'))
				k++;
			if (in_credential || (k - i == 11 && strncasecmp(line + i, "extraheader", 11) == 0)) {
				changed = true;
				dropping = continues(line, body);
				continue;
			}
		}
		if (!put_without_userinfo(&buf, &blen, &cap, line, full, &changed)) {
			free(buf);
			return -ENOMEM;
		}
	}
	if (!changed) {
		free(buf);
		return 0;
	}
	if (!buf && !(buf = strdup("")))
		return -ENOMEM;
	*out = buf;
	*outlen = blen;
	return 1;
}

/* ---- finding them ---------------------------------------------------------- */

static int add_secret(struct policy *p, const char *path, const struct stat *st, char *clean,
		      size_t clean_len)
{
	for (size_t i = 0; i < p->nsecrets; i++)
		if (strcmp(p->secrets[i].path, path) == 0) {
			free(clean);
			return 0;
		}
	struct policy_secret *ns = realloc(p->secrets, (p->nsecrets + 1) * sizeof *ns);
	if (!ns) {
		free(clean);
		return -ENOMEM;
	}
	p->secrets = ns;
	char *dup = strdup(path);
	if (!dup) {
		free(clean);
		return -ENOMEM;
	}
	p->secrets[p->nsecrets++] = (struct policy_secret){
		.path = dup,
		.dev = (unsigned long)st->st_dev,
		.ino = (unsigned long)st->st_ino,
		.clean = clean,
		.clean_len = clean_len,
	};
	return 0;
}

/* Is this file one the policy leaves alone: not readable by it at all, or
 * granted back by "credentials"? */
static bool left_alone(const struct policy *p, const char *path)
{
	unsigned a = policy_access_for(p, path);
	return !(a & POL_R) || (a & POL_C);
}

/* .git-credentials, .netrc: hidden when they exist */
static int check_hidden(struct policy *p, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || left_alone(p, path))
		return 0;
	return add_secret(p, path, &st, NULL, 0);
}

/* GITDIR/config, then the submodules' GITDIR/modules/NAME/config */
static int check_gitdir(struct policy *p, const char *gitdir, int depth)
{
	char path[PATH_MAX];
	struct stat st;
	if (snprintf(path, sizeof path, "%s/config", gitdir) >= (int)sizeof path)
		return 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && !left_alone(p, path)) {
		cleanup_free char *text = NULL;
		char *clean = NULL;
		size_t len = 0, clen = 0;
		struct bsbox_err rerr = { 0 };
		int r = fileio_read(path, GITCONFIG_MAX, &text, &len, &rerr);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			/* unreadable or huge: hide it rather than guess */
			if ((r = add_secret(p, path, &st, NULL, 0)) < 0)
				return r;
		} else if ((r = creds_sanitize_gitconfig(text, len, &clean, &clen)) < 0) {
			return r;
		} else if (r > 0 && (r = add_secret(p, path, &st, clean, clen)) < 0) {
			return r;
		}
	}
	if (depth >= MODULES_DEPTH ||
	    snprintf(path, sizeof path, "%s/modules", gitdir) >= (int)sizeof path)
		return 0;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
			r = check_gitdir(p, sub, depth + 1);
	}
	closedir(d);
	return r;
}

int creds_scan(struct policy *p, struct bsbox_err *err)
{
	static const char *const hidden[] = { ".git-credentials", ".netrc" };
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *rule = &p->rules[i];
		struct stat st;
		if (!(rule->access & POL_R) || stat(rule->path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		char path[PATH_MAX];
		const char *sep = strcmp(rule->path, "/") ? "/" : "";
		int r = 0;
		for (size_t k = 0; r == 0 && k < sizeof hidden / sizeof *hidden; k++)
			if (snprintf(path, sizeof path, "%s%s%s", rule->path, sep, hidden[k]) <
			    (int)sizeof path)
				r = check_hidden(p, path);
		if (r == 0 && snprintf(path, sizeof path, "%s%s.git", rule->path, sep) < (int)sizeof path &&
		    stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			r = check_gitdir(p, path, 0);
		if (r < 0)
			return bsbox_err_set(err, -r, "looking for credentials in %s", rule->path);
	}
	return 0;
}

const struct policy_secret *creds_find(const struct policy *p, const char *abspath)
{
	for (size_t i = 0; p && i < p->nsecrets; i++)
		if (strcmp(p->secrets[i].path, abspath) == 0)
			return &p->secrets[i];
	return NULL;
}

const struct policy_secret *creds_find_id(const struct policy *p, unsigned long dev,
					  unsigned long ino)
{
	for (size_t i = 0; p && i < p->nsecrets; i++)
		if (p->secrets[i].dev == dev && p->secrets[i].ino == ino)
			return &p->secrets[i];
	return NULL;
}

size_t creds_nhidden(const struct policy *p)
{
	size_t n = 0;
	for (size_t i = 0; p && i < p->nsecrets; i++)
		n += p->secrets[i].clean == NULL;
	return n;
}
