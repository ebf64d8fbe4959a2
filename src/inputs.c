/* The build inputs report (inputs.h).
 *
 * From the trace: every allowed read or exec of a crate's sandbox, minus
 * what is not a host input — the crate's own sources (CARGO_MANIFEST_DIR),
 * its OUT_DIR and the build directory around it (other crates' outputs and
 * the build script itself), the sandbox's private /tmp, /proc, /sys, /dev,
 * and anything the crate also wrote.  What is left is resolved on the host
 * (realpath: /usr/bin/cc becomes the gcc it points to), kept if it is a
 * regular file, sorted and de-duplicated, so two builds with the same inputs
 * give the same list; then hashed, and looked up with one `dpkg -S` call. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "inputs.h"
#include "sha256.h"
#include "strv.h"

struct input {
	char *path;
	bool exec;
	char sha[65];
	char *package; /* NULL: dpkg does not know it */
};

struct crate_inputs {
	char *name, *version;
	char **skip; /* path prefixes that are not inputs */
	size_t nskip;
	char **written;
	size_t nwritten;
	char **raw; /* paths read ("r:"/"x:" prefixed) */
	size_t nraw;
	struct input *in;
	size_t nin;
};

struct inputs {
	struct crate_inputs *c;
	size_t n;
};

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	while (l > 1 && dir[l - 1] == '/')
		l--;
	return strncmp(path, dir, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

static struct crate_inputs *crate_get(struct inputs *all, const char *name, const char *version)
{
	for (size_t i = 0; i < all->n; i++)
		if (!strcmp(all->c[i].name, name) && !strcmp(all->c[i].version, version))
			return &all->c[i];
	struct crate_inputs *c = realloc(all->c, (all->n + 1) * sizeof *c);
	if (!c)
		return NULL;
	all->c = c;
	c = &all->c[all->n++];
	memset(c, 0, sizeof *c);
	c->name = strdup(name);
	c->version = strdup(version);
	static const char *const never[] = { "/proc", "/sys", "/dev", "/tmp" };
	for (size_t i = 0; i < sizeof never / sizeof *never; i++)
		strv_add_unique(&c->skip, &c->nskip, never[i]);
	return c->name && c->version ? c : NULL;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void take_record(struct inputs *all, const cJSON *o, const char *only)
{
	const char *op = jstr(o, "op"), *name = jstr(o, "crate"), *ver = jstr(o, "version");
	if (!op || (only && (!name || strcmp(name, only) != 0)))
		return;
	struct crate_inputs *c = crate_get(all, name ? name : "(no crate)", ver ? ver : "");
	if (!c)
		return;
	if (!strcmp(op, "start")) {
		const char *md = jstr(o, "manifest_dir"), *od = jstr(o, "out_dir");
		if (md)
			strv_add_unique(&c->skip, &c->nskip, md);
		if (od) {
			/* OUT_DIR = <target>/<profile>/build/<pkg>-<hash>/out: the build
			 * directory holds the other crates' outputs and the scripts */
			char d[PATH_MAX];
			snprintf(d, sizeof d, "%s", od);
			for (int up = 0; up < 2; up++) {
				char *s = strrchr(d, '/');
				if (s && s != d)
					*s = '\0';
			}
			strv_add_unique(&c->skip, &c->nskip, d);
		}
		return;
	}
	const char *path = jstr(o, "path"), *res = jstr(o, "result"), *acc = jstr(o, "access");
	if (!path || !res || strcmp(res, "allowed") != 0)
		return;
	if (!strcmp(op, "exec") || (!strcmp(op, "open") && acc && !strcmp(acc, "exec"))) {
		char k[PATH_MAX + 2];
		snprintf(k, sizeof k, "x:%s", path);
		strv_add_unique(&c->raw, &c->nraw, k);
	} else if (!strcmp(op, "open") && acc && !strcmp(acc, "read")) {
		char k[PATH_MAX + 2];
		snprintf(k, sizeof k, "r:%s", path);
		strv_add_unique(&c->raw, &c->nraw, k);
	} else if (!strcmp(op, "open") || !strcmp(op, "mkdir") || !strcmp(op, "rename")) {
		strv_add_unique(&c->written, &c->nwritten, path);
		const char *to = jstr(o, "to");
		if (to)
			strv_add_unique(&c->written, &c->nwritten, to);
	}
}

static int cmp_input(const void *a, const void *b)
{
	return strcmp(((const struct input *)a)->path, ((const struct input *)b)->path);
}

static int cmp_crate(const void *a, const void *b)
{
	const struct crate_inputs *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->version, y->version);
}

/* raw trace paths -> host inputs */
static void settle(struct crate_inputs *c)
{
	for (size_t i = 0; i < c->nraw; i++) {
		bool exec = c->raw[i][0] == 'x';
		const char *p = c->raw[i] + 2;
		bool skip = strv_has(c->written, c->nwritten, p);
		for (size_t k = 0; !skip && k < c->nskip; k++)
			skip = under(p, c->skip[k]);
		if (skip)
			continue;
		char real[PATH_MAX];
		struct stat st;
		if (!realpath(p, real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (size_t k = 0; !skip && k < c->nskip; k++)
			skip = under(real, c->skip[k]);
		if (skip)
			continue;
		size_t j;
		for (j = 0; j < c->nin && strcmp(c->in[j].path, real) != 0; j++)
			;
		if (j < c->nin) {
			c->in[j].exec |= exec;
			continue;
		}
		struct input *in = realloc(c->in, (c->nin + 1) * sizeof *in);
		if (!in)
			return;
		c->in = in;
		in = &c->in[c->nin];
		memset(in, 0, sizeof *in);
		if (!(in->path = strdup(real)))
			return;
		in->exec = exec;
		if (sha256_file(real, in->sha) < 0)
			in->sha[0] = '\0';
		c->nin++;
	}
	qsort(c->in, c->nin, sizeof *c->in, cmp_input);
}

/* Debian 12 merged /usr, but dpkg still knows /lib/x86_64-linux-gnu/libc.so.6
 * under the name its package shipped: the other spelling of a path, or NULL. */
static char *usrmerge_alias(const char *p)
{
	static const char *const dirs[] = { "/lib/", "/lib64/", "/bin/", "/sbin/", "/lib32/" };
	char *out = NULL;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		if (!strncmp(p, "/usr", 4) && !strncmp(p + 4, dirs[i], strlen(dirs[i])))
			return strdup(p + 4);
		if (!strncmp(p, dirs[i], strlen(dirs[i])))
			return asprintf(&out, "/usr%s", p) < 0 ? NULL : out;
	}
	return NULL;
}

/* One `dpkg -S` for every path (and its usrmerge alias). */
static void dpkg_lookup(struct inputs *all)
{
	char **q = NULL;
	size_t nq = 0;
	for (size_t i = 0; i < all->n; i++)
		for (size_t j = 0; j < all->c[i].nin; j++) {
			strv_add_unique(&q, &nq, all->c[i].in[j].path);
			cleanup_free char *alias = usrmerge_alias(all->c[i].in[j].path);
			if (alias)
				strv_add_unique(&q, &nq, alias);
		}
	if (nq == 0)
		return;
	cleanup_free char **argv = calloc(nq + 3, sizeof *argv);
	int pfd[2];
	if (!argv || pipe2(pfd, O_CLOEXEC) < 0) {
		strv_free(q, nq);
		return;
	}
	argv[0] = "dpkg";
	argv[1] = "-S";
	for (size_t i = 0; i < nq; i++)
		argv[i + 2] = q[i];
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execvp("dpkg", argv);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		/* "pkg1, pkg2: /path" ("diversion by ..." lines have no ": /") */
		char *sep = strstr(line, ": /");
		if (!sep)
			continue;
		*sep = '\0';
		char *path = sep + 2;
		path[strcspn(path, "\n")] = '\0';
		for (size_t i = 0; i < all->n; i++)
			for (size_t j = 0; j < all->c[i].nin; j++) {
				struct input *in = &all->c[i].in[j];
				cleanup_free char *alias = usrmerge_alias(in->path);
				if (in->package || (strcmp(in->path, path) && (!alias || strcmp(alias, path))))
					continue;
				in->package = strdup(line);
			}
	}
	free(line);
	if (f)
		fclose(f);
	else
		close(pfd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	strv_free(q, nq);
}

static void inputs_free(struct inputs *all)
{
	for (size_t i = 0; i < all->n; i++) {
		struct crate_inputs *c = &all->c[i];
		free(c->name);
		free(c->version);
		strv_free(c->skip, c->nskip);
		strv_free(c->written, c->nwritten);
		strv_free(c->raw, c->nraw);
		for (size_t j = 0; j < c->nin; j++) {
			free(c->in[j].path);
			free(c->in[j].package);
		}
		free(c->in);
	}
	free(all->c);
}

static void print_text(const struct inputs *all)
{
	for (size_t i = 0; i < all->n; i++) {
		const struct crate_inputs *c = &all->c[i];
		if (c->nin == 0)
			continue;
		printf("%s %s: %zu host file%s\n", c->name, c->version, c->nin, c->nin == 1 ? "" : "s");
		for (size_t j = 0; j < c->nin; j++) {
			const struct input *in = &c->in[j];
			printf("  %-4s %s  %s  %s\n", in->exec ? "exec" : "read", in->sha[0] ? in->sha : "-",
			       in->package ? in->package : "-", in->path);
		}
	}
}

static int print_json(const struct inputs *all)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "crates");
	for (size_t i = 0; arr && i < all->n; i++) {
		const struct crate_inputs *c = &all->c[i];
		if (c->nin == 0)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "crate", c->name);
		cJSON_AddStringToObject(o, "version", c->version);
		cJSON *ins = cJSON_AddArrayToObject(o, "inputs");
		for (size_t j = 0; ins && j < c->nin; j++) {
			const struct input *in = &c->in[j];
			cJSON *x = cJSON_CreateObject();
			cJSON_AddItemToArray(ins, x);
			cJSON_AddStringToObject(x, "path", in->path);
			cJSON_AddStringToObject(x, "access", in->exec ? "exec" : "read");
			if (in->sha[0])
				cJSON_AddStringToObject(x, "sha256", in->sha);
			else
				cJSON_AddNullToObject(x, "sha256");
			if (in->package)
				cJSON_AddStringToObject(x, "package", in->package);
			else
				cJSON_AddNullToObject(x, "package");
		}
	}
	char *s = cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return -ENOMEM;
	puts(s);
	free(s);
	return 0;
}

int inputs_report(const char *trace, const char *crate, bool json)
{
	cleanup_fclose FILE *f = fopen(trace, "re");
	if (!f) {
		fprintf(stderr, "bsbox report --inputs: %s: %s (write one with BSBOX_TRACE=FILE or "
				"bsbox run --trace FILE)\n", trace, strerror(errno));
		return 1;
	}
	struct inputs all = { 0 };
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		cJSON *o = cJSON_Parse(line);
		if (o)
			take_record(&all, o, crate);
		cJSON_Delete(o);
	}
	free(line);
	for (size_t i = 0; i < all.n; i++)
		settle(&all.c[i]);
	qsort(all.c, all.n, sizeof *all.c, cmp_crate);
	dpkg_lookup(&all);
	int rc = 0;
	if (json)
		rc = print_json(&all);
	else
		print_text(&all);
	inputs_free(&all);
	return rc < 0 || fflush(stdout) != 0 ? 1 : 0;
}
