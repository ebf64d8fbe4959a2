/* Landlock: ABI probe, best-effort downgrade, ruleset from the policy. */
#ifndef BSBOX_LANDLOCK_H
#define BSBOX_LANDLOCK_H

#include <stdbool.h>

#include "err.h"
#include "policy.h"

/* The kernel's Landlock ABI (0 = unavailable), capped at max (max < 0: no cap). */
int ll_abi(int max);

struct ll_opts {
	const struct policy *policy; /* expanded */
	int abi;                     /* from ll_abi(), > 0 */
	bool restrict_fs;            /* false in audit mode: only net/scope rules */
	bool restrict_net;           /* deny TCP bind/connect (ABI >= 4) */
	bool private_tmp;            /* /tmp, /dev/shm are the sandbox's own: allow everything there */
	bool scope;                  /* scope abstract unix sockets and signals (ABI >= 6) */
	bool mount_bounded;          /* our mount tree bounds reads: handle only what it does not */
};

/* Build the ruleset from paths as seen now (call after the mount tree is in
 * place) and restrict the calling thread. Requires no_new_privs or
 * CAP_SYS_ADMIN. Paths that do not exist are skipped. */
int ll_restrict(const struct ll_opts *o, struct bsbox_err *err);

#endif
