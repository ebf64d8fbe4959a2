/* The sandbox inherits the environment minus anything that looks like a
 * secret: build scripts legitimately need most of cargo's variables (CARGO_*,
 * DEP_*, TARGET, ...), so this is a denylist of patterns, and a policy can
 * pass a name back explicitly ("env": ["NAME"]). */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

/* Matched case-insensitively against the whole name. */
static const char *const secret_globs[] = {
	"*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*CREDENTIAL*", "*API_KEY*", "*APIKEY*",
	"*ACCESS_KEY*", "*PRIVATE_KEY*", "*_AUTH", "*_AUTH_*", "AUTH_*", "*AUTHTOKEN*", "*SESSION_KEY*", "*_PAT", "*_KEY",
	"AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "GCP_*", "GH_*", "GITHUB_*",
	"ACTIONS_*", "CI_JOB_JWT*", "VAULT_*", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO",
	"DOCKER_CONFIG", "KUBECONFIG", "NPM_CONFIG__AUTH*", "NETRC", "CARGO_REGISTRY_*",
	"CARGO_REGISTRIES_*", "DBUS_SESSION_BUS_ADDRESS", "SENTRY_DSN", "DATABASE_URL",
};

/* Never treated as secrets although a glob above matches. */
static const char *const benign[] = {
	"GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITHUB_SHA", "GITHUB_REF", "GITHUB_RUN_ID",
	"XAUTHORITY", "CARGO_PKG_AUTHORS",
};

bool env_is_secret(const char *name)
{
	for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++)
		if (strcmp(name, benign[i]) == 0)
			return false;
	for (size_t i = 0; i < sizeof secret_globs / sizeof secret_globs[0]; i++)
		if (fnmatch(secret_globs[i], name, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

static size_t name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool in_list(char *const *add, const char *kv)
{
	size_t n = name_len(kv);
	for (; add && *add; add++)
		if (name_len(*add) == n && strncmp(*add, kv, n) == 0)
			return true;
	return false;
}

char **env_scrub(char *const *envp, const struct policy *p, char *const *add, size_t *removed)
{
	size_t n = 0, nadd = 0, dropped = 0;
	while (envp && envp[n])
		n++;
	while (add && add[nadd])
		nadd++;
	char **out = calloc(n + nadd + 1, sizeof *out);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *kv = envp[i];
		if (in_list(add, kv))
			continue;
		size_t nl = name_len(kv);
		char name[256];
		if (nl >= sizeof name) {
			dropped++;
			continue;
		}
		memcpy(name, kv, nl);
		name[nl] = '\0';
		if (env_is_secret(name) && !(p && policy_env_allowed(p, name))) {
			dropped++;
			continue;
		}
		out[k++] = (char *)kv;
	}
	for (size_t i = 0; i < nadd; i++)
		out[k++] = add[i];
	out[k] = NULL;
	if (removed)
		*removed = dropped;
	return out;
}
