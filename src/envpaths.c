/* Granting read of the paths the build script's environment names
 * (envpaths.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "envpaths.h"
#include "util.h"

static bool has_prefix(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n > k && memcmp(s + n - k, suf, k) == 0;
}

bool envpaths_is_path_var(const char *name)
{
	static const char *const exact[] = { "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR",
					     "PKG_CONFIG_SYSROOT_DIR", "LIBCLANG_PATH",
					     "CLANG_PATH", NULL };
	static const char *const skip[] = { "CARGO_", "RUSTUP_", "XDG_", "BSBOX_", "RUSTC_", NULL };
	static const char *const suffixes[] = { "_DIR", "_LIBDIR", "_INCLUDEDIR", "_LIB",
						"_INCLUDE", NULL };
	for (size_t i = 0; exact[i]; i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	for (size_t i = 0; skip[i]; i++)
		if (has_prefix(name, skip[i]))
			return false;
	/* cargo's OUT_DIR, and TARGET_DIR, which the shim sets for policies */
	if (strcmp(name, "OUT_DIR") == 0 || strcmp(name, "TARGET_DIR") == 0)
		return false;
	size_t n = strlen(name);
	for (size_t i = 0; suffixes[i]; i++)
		if (has_suffix(name, n, suffixes[i]))
			return true;
	return false;
}

bool envpaths_denied(const char *path)
{
	/* relative to $HOME; "" = the home directory itself */
	static const char *const creds[] = { ".ssh", ".aws", ".gnupg", ".netrc", ".git-credentials",
					     ".config/gh", ".config/gcloud", ".kube", ".docker",
					     ".cargo/credentials", ".cargo/credentials.toml",
					     ".pypirc", ".npmrc", NULL };
	if (util_holds_home(path))
		return true;
	const char *home = getenv("HOME");
	cleanup_free char *h = home && *home ? util_path_resolve(home) : NULL;
	if (!h)
		return false;
	for (size_t i = 0; creds[i]; i++) {
		char c[PATH_MAX];
		if (snprintf(c, sizeof c, "%s/%s", h, creds[i]) >= (int)sizeof c)
			continue;
		if (util_path_within(path, c))
			return true;
	}
	return false;
}

static int grant_one(struct policy *p, const char *var, const char *entry, envpaths_note_fn note,
		     void *ud)
{
	struct stat st;
	if (entry[0] != '/' || stat(entry, &st) < 0)
		return 0;
	char norm[PATH_MAX], real[PATH_MAX];
	if (util_path_normalise(entry, norm, sizeof norm) < 0 || !realpath(entry, real))
		return 0;
	/* both the name and what it resolves to: a link to the home is refused */
	if (envpaths_denied(norm) || envpaths_denied(real))
		return 0;
	if ((policy_access_for(p, norm) & POL_R) && (policy_access_for(p, real) & POL_R))
		return 0;
	char why[PATH_MAX + 64];
	snprintf(why, sizeof why, "named by $%s in the build script's environment", var);
	int r = policy_add_rule(p, norm, POL_R, "<build script environment>", why);
	if (r == 0 && strcmp(norm, real) != 0)
		r = policy_add_rule(p, real, POL_R, "<build script environment>", why);
	if (r == 0 && note)
		note(var, entry, ud);
	return r;
}

int envpaths_grant(struct policy *p, char *const *envp, envpaths_note_fn note, void *ud,
		   struct bsbox_err *err)
{
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *eq = strchr(envp[i], '=');
		if (!eq || eq == envp[i])
			continue;
		char name[256];
		size_t nlen = (size_t)(eq - envp[i]);
		if (nlen >= sizeof name)
			continue;
		memcpy(name, envp[i], nlen);
		name[nlen] = '\0';
		if (!envpaths_is_path_var(name))
			continue;
		cleanup_free char *val = strdup(eq + 1);
		if (!val)
			return bsbox_err_set(err, ENOMEM, "out of memory");
		char *save = NULL;
		for (char *e = strtok_r(val, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
			int r = grant_one(p, name, e, note, ud);
			if (r < 0)
				return bsbox_err_set(err, -r, "granting read of $%s entry %s", name, e);
		}
	}
	return 0;
}
