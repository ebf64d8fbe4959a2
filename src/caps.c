#define _GNU_SOURCE
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "caps.h"

int caps_drop_all(struct bsbox_err *err)
{
	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes
	 * with the rest below. Without the bounding set, an exec of a file with
	 * capabilities (irrelevant under no_new_privs, but belt and braces)
	 * could not regain any. */
	for (cap_value_t c = 0; cap_valid(c); c++) {
		if (cap_drop_bound(c) < 0 && errno != EINVAL && errno != EPERM)
			return bsbox_err_set(err, errno, "dropping capability %d from the bounding set", c);
	}
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
