/* Root-only files (rootonly.h): the permission check pathdecide() asks
 * for, shared by the supervisor and the BPF watcher. */
#include <sys/stat.h>

#include "rootonly.h"

bool rootonly_denied(uid_t root_id, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return false;
	if (st.st_uid == root_id)
		return !(st.st_mode & S_IRUSR);
	if (st.st_gid == root_id)
		return !(st.st_mode & S_IRGRP);
	return !(st.st_mode & S_IROTH);
}
