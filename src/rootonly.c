/* Root-only files (rootonly.h): one decision for the supervisor and the BPF
 * watcher. */
#include <stdio.h>
#include <sys/stat.h>

#include "rootonly.h"
#include "util.h"

bool rootonly_file(const struct policy *p, uid_t root_id, const char *path)
{
	if (!root_id || !p || util_path_sandbox_own(path))
		return false;
	unsigned have = policy_access_for(p, path);
	struct stat st;
	if ((have & POL_W) || !(have & POL_R) || stat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return false;
	if (st.st_uid == root_id)
		return !(st.st_mode & S_IRUSR);
	if (st.st_gid == root_id)
		return !(st.st_mode & S_IRGRP);
	return !(st.st_mode & S_IROTH);
}

void rootonly_why(uid_t root_id, const char *by, char *buf, size_t len)
{
	snprintf(buf, len, "root-only: the sandbox's uid %u may not read it%s%s", (unsigned)root_id,
		 by ? "; seen by " : "", by ? by : "");
}
