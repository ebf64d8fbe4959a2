#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"

/* The bounding set: emptying it needs CAP_SETPCAP, which goes with the
 * rest (caps_drop_all) or with a switch away from uid 0 (caps_set_ids).
 * Without it, an exec of a file with capabilities (irrelevant under
 * no_new_privs, but belt and braces) could regain some. */
static int drop_bounding(struct bsbox_err *err)
{
	for (cap_value_t c = 0; cap_valid(c); c++) {
		if (cap_drop_bound(c) < 0 && errno != EINVAL && errno != EPERM)
			return bsbox_err_set(err, errno, "dropping capability %d from the bounding set", c);
	}
	return 0;
}

int caps_set_ids(uid_t uid, gid_t gid, struct bsbox_err *err)
{
	if (drop_bounding(err) < 0)
		return bsbox_err_ret(err);
	if (setgroups(0, NULL) < 0)
		return bsbox_err_set(err, errno, "clearing the supplementary groups");
	if (setresgid(gid, gid, gid) < 0)
		return bsbox_err_set(err, errno, "setresgid(%u)", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return bsbox_err_set(err, errno, "setresuid(%u)", (unsigned)uid);
	return 0;
}

int caps_drop_all(struct bsbox_err *err)
{
	if (drop_bounding(err) < 0)
		return bsbox_err_ret(err);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return bsbox_err_set(err, errno, "clearing ambient capabilities");
	cap_t caps = cap_init(); /* all clear */
	if (!caps)
		return bsbox_err_set(err, errno, "cap_init");
	int r = cap_set_proc(caps);
	int saved = errno;
	cap_free(caps);
	if (r < 0)
		return bsbox_err_set(err, saved, "dropping capabilities");
	return 0;
}
