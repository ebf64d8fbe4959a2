/* Granting the targets of system symlinks (syslinks.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "syslinks.h"

const char *const syslinks_default_dirs[] = { "/etc", NULL };

int syslinks_grant(struct policy *p, const char *const *dirs, struct bsbox_err *err)
{
	for (size_t d = 0; dirs && dirs[d]; d++) {
		if (!(policy_access_for(p, dirs[d]) & POL_R))
			continue;
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		struct dirent *de;
		int r = 0;
		while (r == 0 && (de = readdir(dir))) {
			if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
				continue;
			char path[PATH_MAX], target[PATH_MAX];
			struct stat st;
			if (snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name) >= (int)sizeof path ||
			    lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) || !realpath(path, target) ||
			    (policy_access_for(p, target) & POL_R))
				continue;
			/* only what lies in system places: never a home directory */
			if (strncmp(target, "/home/", 6) == 0 || strncmp(target, "/root", 5) == 0 ||
			    strncmp(target, "/proc/", 6) == 0)
				continue;
			char why[PATH_MAX + 64];
			snprintf(why, sizeof why, "the target of %s, which the policy grants", path);
			r = policy_add_rule(p, target, POL_R, "<system symlink>", why);
		}
		closedir(dir);
		if (r < 0)
			return bsbox_err_set(err, -r, "granting the targets of the symlinks in %s", dirs[d]);
	}
	return 0;
}
