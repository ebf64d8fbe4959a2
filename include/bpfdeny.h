/* The kernel-side deny layer (src/bpf/deny.bpf.c): cgroup socket-address
 * programs on a cgroup v2 directory made for one sandbox, refusing UDP when
 * the policy has no network and ungranted pathname unix connects in degraded
 * mode, where Landlock and seccomp cannot.  An extra layer: only as root with
 * the BPF programs built; elsewhere bpfdeny_open() says why not. */
#ifndef BSBOX_BPFDENY_H
#define BSBOX_BPFDENY_H

#include <stdbool.h>

#include "err.h"
#include "evlog.h"
#include "policy.h"

struct bpfdeny;

/* Loads and attaches the programs to a fresh cgroup v2 directory.  deny_udp:
 * refuse UDP sends/connects; deny_unix: refuse pathname unix connects except
 * to the policy's "unix_sockets" paths.  debug: libbpf's own messages
 * (BSBOX_BPF_DEBUG=1, settings.h).  Refusals go to log (borrowed).  -errno
 * with the reason when this host or user cannot. */
int bpfdeny_open(const struct policy *p, bool deny_udp, bool deny_unix, bool debug,
		 struct evlog *log, struct bpfdeny **d, struct bsbox_err *err);
/* In CMD, before exec: move itself into the deny cgroup. */
void bpfdeny_join(const struct bpfdeny *d);
/* Starts the ring-buffer reader thread (after the last fork of the supervisor). */
int bpfdeny_start(struct bpfdeny *d, struct bsbox_err *err);
/* How many connects/sends the kernel refused so far. */
long bpfdeny_denials(const struct bpfdeny *d);
/* Drains the events, adds the refusals to rep (may be NULL) for the summary,
 * detaches the programs, removes the cgroup.  d NULL is fine. */
struct report;
void bpfdeny_close(struct bpfdeny *d, struct report *rep);
/* For doctor: whether the layer can be active here, and why not. */
bool bpfdeny_available(char *why, size_t len);

#endif
