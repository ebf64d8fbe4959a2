/* The supervisor's modules among themselves (not for the rest of bsbox,
 * which sees notify.h): one notification being served, the verdicts, and
 * the helpers they share.
 *   supervise.c   the poll loop: RECV -> notify_decide -> SEND; FUSE misses
 *   notify.c      the decision per syscall: paths, the dangerous list;
 *                 logging (notify_emit) and the trace's supervisor backend
 *   pathdecide.c  the decision on a path, pure: policy + path + facts in
 *   notify_net.c  network and pathname-unix-socket destinations
 *   procinfo.c    reading the target's memory and /proc entries */
#ifndef BSBOX_NOTIFY_CALL_H
#define BSBOX_NOTIFY_CALL_H

#include <limits.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>

#include "evlog.h"
#include "notify.h"
#include "pathdecide.h"
#include "syscalls.h"

/* One notification being served. */
struct call {
	struct notify_ctx *ctx;
	int fd;
	const struct seccomp_notif *req;
	bool fuse;        /* from a FUSE lookup miss, not a notification (fd is -1) */
	const char *miss; /* with fuse: the path whose lookup left the tree */
	const char *name; /* syscall name */
	/* lazily filled when something is logged */
	bool proc_loaded;
	char exe[PATH_MAX];
	char cmdline[513];
};

enum verdict {
	V_CONTINUE,
	V_ERROR,
	V_ANSWERED, /* the reply went out already (SECCOMP_ADDFD_FLAG_SEND) */
	V_SUCCESS,  /* done on the target's behalf: the call returns 0 */
};

/* ---- notify.c ---- */

/* The verdict for c (c->name is set here); *errp holds the errno of a
 * V_ERROR. */
enum verdict notify_decide(struct call *c, int *errp);

/* The verdict for a path syscall (se->kind SC_OPEN..SC_SYMLINKAT); the FUSE
 * miss adapter (supervise.c) calls it for the open a lookup miss stands for. */
enum verdict notify_path_call(struct call *c, const struct sc_entry *se, int *errp);

/* Log ev for c (who, exe, cmdline filled in), add it to the report and, for
 * a denial, to the trace. */
void notify_emit(struct call *c, struct bsbox_event *ev);

/* Is c's notification still pending (the target still waits, so what was
 * read from its memory is what it passed)?  Always true for a FUSE miss. */
bool notify_id_valid(const struct call *c);

/* pathdecide() for q, with the facts it asks for gathered from the host
 * (lstat, /proc, realpath) as c's process and the run see them.  Never
 * PD_NEED. */
enum pd_verdict notify_pathdecide(const struct call *c, const struct pd_query *q,
				  struct pd_result *r);

/* The supervisor is the trace's backend for allowed calls too (no BPF). */
bool notify_tracing_all(const struct call *c);

/* Is our view of abs the target's?  (No mount namespace, or a path the tree
 * binds from the host at the same place.) */
bool notify_resolvable(const struct call *c, const char *abs);

/* abs with its symlinks resolved in our view: the last component only when
 * follow; a missing last component is kept as it is.  0 or -errno. */
int notify_host_resolve(const char *abs, bool follow, char *out, size_t size);

/* ---- supervise.c ---- */

/* A probe of path, a host path the tree hides: the informational "hidden"
 * event, once per path, and the path kept for the summary.  From a FUSE
 * lookup miss, or a notified probe without a FUSE root (notify_probe.h). */
void notify_hidden_probe(struct notify_ctx *ctx, const struct seccomp_notif *req,
			 const char *path);

/* ---- notify_net.c ---- */

/* connect, bind, sendto, sendmsg, sendmmsg: the destinations. */
enum verdict notify_net_call(struct call *c, const struct sc_entry *se, int *errp);

/* socket, socketpair of a family the filter refuses: logged, EAFNOSUPPORT. */
enum verdict notify_socket_call(struct call *c, const struct sc_entry *se, int *errp);

#endif
