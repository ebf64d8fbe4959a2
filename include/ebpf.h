/* The libbpf side: what eBPF this machine and user can load, and the BPF
 * trace backend (src/bpf/trace.bpf.c) that follows one sandbox's processes. */
#ifndef BSBOX_EBPF_H
#define BSBOX_EBPF_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "trace.h"

struct ebpf_caps {
	bool socket_filter;    /* any program at all (unprivileged BPF or CAP_BPF) */
	bool lsm;              /* BPF LSM programs usable: active and loadable by this user */
	bool lsm_active;       /* "bpf" is in the kernel's active LSM list */
	const char *lsm_how;   /* where that list was read, for doctor */
	bool built;            /* bsbox was built with the BPF programs */
	bool btf;              /* /sys/kernel/btf/vmlinux (CO-RE needs it) */
	bool privileged;       /* CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN, effective */
	bool trace;            /* the BPF trace backend can load here */
	char why_not[256];     /* why not, with the remedy; "" when trace */
};

/* Probes without loading anything that stays; prints nothing. */
void ebpf_probe(struct ebpf_caps *c);

/* ebpf_probe without the LSM fields (lsm, lsm_active, lsm_how stay unset):
 * what a launch asks.  Finding the LSM list can fork and mount securityfs
 * privately on kernels before 6.8, which no launch should pay for. */
void ebpf_probe_trace(struct ebpf_caps *c);

/* Pure: is LSM id 109 (bpf) in ids / "bpf" in a comma-separated LSM list. */
bool ebpf_lsm_list_has_bpf(const char *list);

struct ebpf_tracer;

/* Loads and attaches the trace programs; events go to out (borrowed; it
 * must outlive the tracer).  debug: all of libbpf's messages, verifier logs
 * included (BSBOX_BPF_DEBUG=1, settings.h).  -errno with the reason when
 * this user or kernel cannot (the caller falls back to the supervisor's
 * trace). */
int ebpf_tracer_open(struct trace *out, bool debug, struct ebpf_tracer **t, struct bsbox_err *err);
/* Trace process pid and, from now on, everything it forks. */
int ebpf_tracer_follow(struct ebpf_tracer *t, pid_t pid, struct bsbox_err *err);
/* Start the thread that drains the ring buffer into the trace. */
int ebpf_tracer_start(struct ebpf_tracer *t, struct bsbox_err *err);
/* Drain what is left, stop, detach, free. NULL is fine. */
void ebpf_tracer_close(struct ebpf_tracer *t);

#ifdef BSBOX_HAVE_BPF
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "bpf/trace_event.h"

/* libbpf's messages from now on: to stderr with debug (BSBOX_BPF_DEBUG: the
 * verifier's log, why a program did not load), else none.  The loaders'
 * one switch; the printer it replaces is returned, to be put back. */
libbpf_print_fn_t ebpf_libbpf_print(bool debug);

/* The build machine's BTF subset (bpftool gen min_core_btf over every bsbox
 * program) when this is the kernel bsbox was built on: a memfd holding it,
 * to be passed as btf_custom_path (path, "/proc/self/fd/N"), closed by the
 * caller once the object is loaded.  -1 on another kernel: libbpf then parses
 * /sys/kernel/btf/vmlinux (~0.1 s). */
int ebpf_min_btf(char *path, size_t len);

/* A path as a BPF event gives it (bpf/walk.bpf.h): resolved by the kernel
 * (TR_RESOLVED in ncomp: comp is the file itself), or `user`, the string the
 * process passed, made absolute with comp, the directory it was relative to.
 * comp is leaf first; out is not normalised (no "." or ".." removed). */
void ebpf_event_path(char comp[TR_COMP][TR_COMPLEN], __u32 ncomp, char *user, size_t userlen,
		     char *out, size_t outlen);

/* A thread that reads a libbpf ring buffer (its callbacks run there) until
 * stopped.  Started only after the supervisor's last fork. */
#include <pthread.h>
struct ring_buffer;
struct ebpf_reader {
	struct ring_buffer *rb; /* borrowed */
	int stopfd;             /* eventfd */
	pthread_t thread;
	bool running;
};
int ebpf_reader_start(struct ebpf_reader *r, struct ring_buffer *rb, struct bsbox_err *err);
/* Stop the thread (if running), then read what is left from this thread:
 * afterwards every record submitted so far has been handled.  rb NULL or a
 * reader never started is fine. */
void ebpf_reader_stop(struct ebpf_reader *r, struct ring_buffer *rb);
#endif

#endif
