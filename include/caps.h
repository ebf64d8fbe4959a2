/* Capabilities: drop every one (effective, permitted, inheritable, ambient,
 * bounding) with libcap. */
#ifndef BSBOX_CAPS_H
#define BSBOX_CAPS_H

#include "err.h"

int caps_drop_all(struct bsbox_err *err);

#endif
