/* Unit tests for src/envpaths.c: granting read of the paths the build
 * script's environment names. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envpaths.h"
#include "policy.h"
#include "tap.h"

static int notes;
static void note(const char *var, const char *entry, void *ud)
{
	(void)var;
	(void)entry;
	(void)ud;
	notes++;
}

int main(void)
{
	check(envpaths_is_path_var("PKG_CONFIG_PATH"), "PKG_CONFIG_PATH");
	check(envpaths_is_path_var("PKG_CONFIG_LIBDIR"), "PKG_CONFIG_LIBDIR");
	check(envpaths_is_path_var("LIBCLANG_PATH"), "LIBCLANG_PATH");
	check(envpaths_is_path_var("OPENSSL_DIR"), "OPENSSL_DIR");
	check(envpaths_is_path_var("SODIUM_LIB_DIR"), "SODIUM_LIB_DIR");
	check(envpaths_is_path_var("OPENSSL_INCLUDE_DIR"), "OPENSSL_INCLUDE_DIR");
	check(!envpaths_is_path_var("PATH"), "not PATH");
	check(!envpaths_is_path_var("CARGO_MANIFEST_DIR"), "not cargo's own");
	check(!envpaths_is_path_var("OUT_DIR"), "not OUT_DIR");
	check(!envpaths_is_path_var("TARGET_DIR"), "not the shim's TARGET_DIR");
	check(!envpaths_is_path_var("XDG_RUNTIME_DIR"), "not XDG_RUNTIME_DIR");
	check(!envpaths_is_path_var("SODIUM_STATIC"), "not a flag");

	char base[] = "/var/tmp/envpaths_test.XXXXXX";
	if (!mkdtemp(base))
		return 2;
	char home[300], ssh[300], pc[300], cmd[400];
	snprintf(home, sizeof home, "%s/home", base);
	snprintf(ssh, sizeof ssh, "%s/home/.ssh", base);
	snprintf(pc, sizeof pc, "%s/pc", base);
	mkdir(home, 0755);
	mkdir(ssh, 0700);
	mkdir(pc, 0755);
	setenv("HOME", home, 1);
	check(envpaths_denied(home) && envpaths_denied(ssh) && envpaths_denied("/") &&
		      envpaths_denied(base),
	      "home, its parents and ~/.ssh are denied");
	check(!envpaths_denied(pc), "an ordinary directory is not denied");

	struct policy *p = NULL;
	struct bsbox_err err = { 0 };
	check(policy_parse("{}", 2, "t.json", NULL, &p, &err) == 0 && policy_expand(p, NULL, NULL, &err) == 0,
	      "policy parses");
	char v1[400], v2[400], v3[400];
	snprintf(v1, sizeof v1, "PKG_CONFIG_PATH=%s:relative:/nonexistent/x:%s", pc, ssh);
	snprintf(v2, sizeof v2, "OPENSSL_DIR=%s", home);
	snprintf(v3, sizeof v3, "MY_SECRET=%s", pc);
	char *envp[] = { v1, v2, v3, NULL };
	check(envpaths_grant(p, envp, note, NULL, &err) == 0, "envpaths_grant");
	check(policy_access_for(p, pc) & POL_R, "the PKG_CONFIG_PATH entry is granted read");
	check(!(policy_access_for(p, pc) & POL_W), "read only");
	check(!(policy_access_for(p, ssh) & POL_R), "~/.ssh is not granted");
	check(!(policy_access_for(p, home) & POL_R), "the home is not granted");
	check(p->nrules == 1 && notes == 1, "one grant, one note (%zu rules, %d notes)", p->nrules, notes);
	check(envpaths_grant(p, envp, note, NULL, &err) == 0 && notes == 1, "granted once: no second note");
	policy_free(p);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		return 2;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
