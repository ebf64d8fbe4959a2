/* eBPF capability probe through libbpf.  bsbox does not load programs yet;
 * doctor reports whether a BPF LSM program (per-file denial logging without
 * a round trip to the supervisor) could be used here. */
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>

#include "ebpf.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void ebpf_probe(struct ebpf_caps *c)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	c->socket_filter = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SOCKET_FILTER, NULL) == 1;
	c->lsm = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_LSM, NULL) == 1;
	libbpf_set_print(old);
}
