/* The libbpf side: what eBPF this machine and user can load. */
#ifndef BSBOX_EBPF_H
#define BSBOX_EBPF_H

#include <stdbool.h>

struct ebpf_caps {
	bool socket_filter; /* any program at all (unprivileged BPF or CAP_BPF) */
	bool lsm;           /* BPF LSM programs (CAP_BPF + CAP_MAC_ADMIN, lsm=...,bpf) */
};

/* Probes with libbpf by loading trivial programs; prints nothing. */
void ebpf_probe(struct ebpf_caps *c);

#endif
