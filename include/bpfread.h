/* Root's refused reads, seen in the kernel (src/bpf/read.bpf.c).
 *
 * Started by root, the sandbox runs as an unprivileged host id and the kernel
 * refuses it root-only files (rootonly.h).  With the FUSE root, read-only
 * opens are not notified to the supervisor (native speed), so a BPF program
 * reports each read-only open the kernel refused with EACCES/EPERM in the
 * followed processes, and this module logs those the supervisor would have
 * logged: the same event, detail "...; seen by kernel-bpf".  Every record is
 * read before the run's verdict, and a record the ring buffer had to drop is
 * a denial of its own: nothing is lost in silence.
 *
 * Only as root with the BPF programs built (bpf() blocked, in Docker say:
 * bpfread_open fails and the caller keeps notifying every open). */
#ifndef BSBOX_BPFREAD_H
#define BSBOX_BPFREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "evlog.h"
#include "policy.h"
#include "report.h"

struct bpfread;

/* Loads and attaches the program.  p (expanded) and log are borrowed and
 * must outlive the watcher; root_id is the sandbox's host id; debug
 * (BSBOX_BPF_DEBUG) lets libbpf's messages through; test_loss
 * (BSBOX_TEST_BPF_READ_LOSS) makes the ring buffer too small for one record.
 * -errno with the reason when this host or user cannot. */
int bpfread_open(const struct policy *p, uid_t root_id, bool debug, bool test_loss,
		 struct evlog *log, struct bpfread **r, struct bsbox_err *err);
/* Follow pid (CMD, before it execs) and everything it forks from now on. */
int bpfread_follow(struct bpfread *r, pid_t pid, struct bsbox_err *err);
/* Start the thread that reads the records as they come (after the last fork
 * of the supervisor; NULL is fine). */
int bpfread_start(struct bpfread *r, struct bsbox_err *err);
/* Once the sandbox has ended (every record of its processes is in the ring
 * buffer): read what is left, add the denials to rep (may be NULL) and one
 * more for records lost, detach, free.  NULL is fine. */
void bpfread_close(struct bpfread *r, struct report *rep);
/* For doctor: whether the watcher can load here, and why not. */
bool bpfread_available(char *why, size_t len);

#endif
