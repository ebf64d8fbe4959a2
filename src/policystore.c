/* Finding and loading policy files (see policystore.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "policystore.h"
#include "util.h"

/* Append dir + suffix to the NULL-terminated *v of *n entries. */
static int push(char ***v, size_t *n, const char *dir, const char *suffix)
{
	char **nv = realloc(*v, (*n + 2) * sizeof **v);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (asprintf(&nv[*n], "%s%s", dir, suffix) < 0) {
		nv[*n] = NULL;
		return -ENOMEM;
	}
	nv[++*n] = NULL;
	return 0;
}

int policystore_dirs(const char *policy_dir, const char *workspace, char ***out,
		     struct bsbox_err *err)
{
	cleanup_strv char **v = calloc(1, sizeof *v);
	size_t n = 0;
	const char *e;
	char self[PATH_MAX];
	int r = v ? 0 : -ENOMEM;

	if (!r && policy_dir && *policy_dir)
		r = push(&v, &n, policy_dir, "");
	if (!r && workspace && *workspace)
		r = push(&v, &n, workspace, "/.bsbox/policies");
	if (!r && (e = getenv("XDG_CONFIG_HOME")) && *e)
		r = push(&v, &n, e, "/bsbox/policies");
	else if (!r && (e = getenv("HOME")) && *e)
		r = push(&v, &n, e, "/.config/bsbox/policies");
	/* running from a source checkout: <dir of the binary>/policies */
	if (!r && util_self_exe(self, sizeof self) == 0) {
		char *slash = strrchr(self, '/');
		cleanup_free char *d = NULL;
		*slash = '\0';
		if (asprintf(&d, "%s/policies", self) < 0)
			r = -ENOMEM;
		else if (access(d, R_OK) == 0)
			r = push(&v, &n, d, "");
	}
	if (!r)
		r = push(&v, &n, BSBOX_DATADIR, "/policies");
	if (r < 0)
		return bsbox_err_set(err, -r, "listing the policy directories");
	*out = steal_ptr(v);
	return 0;
}

int policystore_find(const char *crate, const char *version, const char *const *dirs, char **path,
		     struct bsbox_err *err)
{
	*path = NULL;
	for (size_t i = 0; crate && *crate && dirs && dirs[i]; i++) {
		for (int pass = version && *version ? 0 : 1; pass < 2; pass++) {
			char *p = NULL;
			int r = pass == 0 ? asprintf(&p, "%s/%s@%s.json", dirs[i], crate, version)
					  : asprintf(&p, "%s/%s.json", dirs[i], crate);
			if (r < 0)
				return bsbox_err_set(err, ENOMEM, "the policy file of %s", crate);
			if (access(p, F_OK) == 0) {
				*path = p;
				return 0;
			}
			free(p);
		}
	}
	return 0;
}

int policystore_open(const char *file, const char *const *dirs, struct policy **out,
		     struct bsbox_err *err)
{
	*out = NULL;
	if (file) {
		int r = policy_load_file(file, dirs, out, err);
		if (r < 0)
			err->exit_code = BSBOX_EXIT_POLICY;
		return r;
	}
	if (!(*out = policy_new_default()))
		return bsbox_err_set(err, ENOMEM, "the built-in default policy");
	return 0;
}

int policystore_load(const char *crate, const char *version, const char *const *dirs,
		     struct policy **out, struct bsbox_err *err)
{
	cleanup_free char *path = NULL;
	*out = NULL;
	if (policystore_find(crate, version, dirs, &path, err) < 0)
		return bsbox_err_ret(err);
	return policystore_open(path, dirs, out, err);
}
