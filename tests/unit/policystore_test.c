/* Unit tests for src/policystore.c: the lookup order on a scratch directory
 * and the search directories. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "policystore.h"
#include "tap.h"

static void touch(const char *dir, const char *name)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f) {
		fputs("{}\n", f);
		fclose(f);
	}
}

static void expect_find(const char *const *dirs, const char *crate, const char *version,
			const char *want)
{
	struct bsbox_err err = { 0 };
	cleanup_free char *path = NULL;
	int r = policystore_find(crate, version, dirs, &path, &err);
	const char *got = path ? strrchr(path, '/') + 1 : "(none)";
	char shown[PATH_MAX];
	snprintf(shown, sizeof shown, "%s", path ? path : "(none)");
	bool ok = r == 0 && (want ? path && strstr(path, want) && strcmp(strrchr(want, '/') + 1, got) == 0
				  : !path);
	check(ok, "find %s@%s -> %s (got %s)", crate, version ? version : "-", want ? want : "(none)",
	      shown);
}

static void test_store(const char *tmp)
{
	char a[PATH_MAX], b[PATH_MAX];
	snprintf(a, sizeof a, "%s/a", tmp);
	snprintf(b, sizeof b, "%s/b", tmp);
	mkdir(a, 0755);
	mkdir(b, 0755);
	touch(a, "foo.json");
	touch(b, "foo@1.0.0.json");
	touch(b, "bar.json");
	touch(b, "bar@2.0.0.json");
	const char *const dirs[] = { a, b, NULL };
	/* the first directory wins, whatever the second pins */
	expect_find(dirs, "foo", "1.0.0", "/a/foo.json");
	expect_find(dirs, "foo", NULL, "/a/foo.json");
	/* within a directory, the pinned version first */
	expect_find(dirs, "bar", "2.0.0", "/b/bar@2.0.0.json");
	expect_find(dirs, "bar", "2.0.1", "/b/bar.json");
	expect_find(dirs, "baz", "1.0.0", NULL);
	expect_find(dirs, "", "1.0.0", NULL);

	struct bsbox_err err = { 0 };
	cleanup_strv char **sd = NULL;
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_CONFIG_HOME");
	check(policystore_dirs("/pd", "/ws", &sd, &err) == 0 && sd && strcmp(sd[0], "/pd") == 0 &&
		      strcmp(sd[1], "/ws/.bsbox/policies") == 0 &&
		      strcmp(sd[2], "/home/u/.config/bsbox/policies") == 0,
	      "search order: BSBOX_POLICY_DIR, the workspace, the user's config");
	size_t n = 0;
	while (sd && sd[n])
		n++;
	check(n >= 4 && strcmp(sd[n - 1], BSBOX_DATADIR "/policies") == 0,
	      "the installed policies come last");
}

int main(void)
{
	char tmp[] = "/tmp/bsbox-settings-test.XXXXXX";
	tap_in_tmpdir(tmp, test_store);
	return tap_done();
}
