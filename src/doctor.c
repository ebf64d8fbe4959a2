#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "bpfdeny.h"
#include "bpfread.h"
#include "ebpf.h"
#include "fusefs.h"
#include "reslimit.h"
#include "sandbox.h"

int doctor_main(int argc, char **argv, const struct bsbox_settings *set)
{
	(void)argc;
	(void)argv;
	struct sandbox_caps c;
	sandbox_probe(&c, set->force_no_userns, set->landlock_abi_max);

	printf("bsbox %s: what this machine provides\n\n", BSBOX_VERSION);
	printf("  %-28s %s\n", "user namespaces", c.userns ? "yes" : "NO");
	if (!c.userns)
		printf("  %-28s   %s\n", "", c.userns_why);
	if (c.landlock_abi > 0)
		printf("  %-28s ABI %d%s\n", "Landlock", c.landlock_abi,
		       c.landlock_abi < 4   ? " (no TCP rules: needs ABI 4, Linux 6.7)"
		       : c.landlock_abi < 6 ? " (no socket/signal scoping: needs ABI 6, Linux 6.12)"
					    : "");
	else
		printf("  %-28s NO  (Linux >= 5.13 with lsm=landlock,... on the kernel command line)\n",
		       "Landlock");
	printf("  %-28s %s\n", "seccomp user notification",
	       c.seccomp_notify ? "yes" : "NO (Linux >= 5.5 and libseccomp >= 2.5 needed)");
	printf("  %-28s %s\n", "cgroup v2", c.cgroup2 ? "yes" : "no");
	/* the real thing: make the run's cgroup and remove it again */
	struct policy_limits pl = { .mem_mb = 1024, .nproc = 1024 };
	struct reslimit_cg cg;
	reslimit_cg_setup(&cg, &pl);
	printf("  %-28s %s\n", "memory limit (mem_mb)",
	       cg.mem ? "a cgroup: the sandbox as a whole, hits logged"
		      : "the supervisor's memory sample (no cgroup bsbox may create): hits "
			"logged, growth between samples overshoots");
	printf("  %-28s %s\n", "process limit (nproc)",
	       cg.pids ? "a cgroup: hits logged"
		       : "the supervisor counts forks (no cgroup): hits logged");
	reslimit_cg_remove(&cg);
	printf("  %-28s %s\n", "eBPF for this user",
	       c.bpf ? "yes" : "no (needs CAP_BPF or kernel.unprivileged_bpf_disabled=0; optional)");
	struct ebpf_caps eb;
	ebpf_probe(&eb);
	printf("  %-28s %s\n", "BPF LSM", eb.lsm_active ? "active" : "not active");
	if (eb.lsm_how)
		printf("  %-28s   (from %s)\n", "", eb.lsm_how);
	if (!eb.lsm_active)
		printf("  %-28s   the kernel needs CONFIG_BPF_LSM=y and lsm=...,bpf\n", "");
	else if (!eb.lsm)
		printf("  %-28s   loading LSM programs needs CAP_BPF + CAP_PERFMON (root)\n", "");
	{
		/* load it for real: the programs are refused on some kernels */
		struct policy none = { 0 };
		struct bpfdeny *d = NULL;
		struct bsbox_err derr = { 0 };
		if (bpfdeny_open(&none, true, true, set->bpf_debug, NULL, &d, &derr) == 0)
			printf("  %-28s active (root without user namespaces: UDP without network, ungranted unix connects)\n",
			       "BPF deny layer:");
		else
			printf("  %-28s not active (%s)\n", "BPF deny layer:",
			       strncmp(derr.msg, "BPF deny layer: ", 16) ? derr.msg : derr.msg + 16);
		bpfdeny_close(d, NULL);
	}
	printf("  %-28s %s\n", "kernel BTF", eb.btf ? "yes" : "no (/sys/kernel/btf/vmlinux)");
	printf("  %-28s %s\n", "BPF programs in this build",
	       eb.built ? "yes" : "no (built without clang/bpftool/BTF)");
	if (eb.trace)
		printf("  %-28s BPF (raw tracepoints, ring buffer)\n", "trace backend (--trace)");
	else
		printf("  %-28s seccomp supervisor (slower: every open is notified)\n"
		       "  %-28s   not BPF: %s\n",
		       "trace backend (--trace)", "", eb.why_not);

	bool nofuse_env = set->no_fuse;
	bool fuse = c.userns && !nofuse_env && fusefs_available();
	printf("  %-28s %s\n", "FUSE root (fast reads)",
	       fuse	    ? "yes"
	       : nofuse_env ? "off (BSBOX_NO_FUSE=1): the supervisor checks every open"
	       : c.userns   ? "no: the supervisor checks every open (slower)"
			    : "no (needs user namespaces)");
	if (fuse && geteuid() == 0) {
		/* as root, build scripts run as an unprivileged id, and what only
		 * root may read is logged: by the BPF read watcher, loaded here for
		 * real (bpf() may be blocked, in Docker say), else by the
		 * supervisor seeing every open */
		struct policy none = { 0 };
		struct bpfread *rr = NULL;
		struct bsbox_err rerr = { 0 };
		if (set->no_bpf_reads)
			printf("  %-28s   but as root every open goes to the supervisor\n"
			       "  %-28s   (BSBOX_NO_BPF_READS=1), which logs what only root may read\n",
			       "", "");
		else if (bpfread_open(&none, 1, set->bpf_debug, false, NULL, &rr, &rerr) == 0)
			printf("  %-28s   as root too: the BPF read watcher logs what only root\n"
			       "  %-28s   may read (README: Started by root)\n", "", "");
		else
			printf("  %-28s   but as root every open still goes to the supervisor, which\n"
			       "  %-28s   logs what only root may read (README: Started by root): the\n"
			       "  %-28s   BPF read watcher does not load: %s\n", "", "", "",
			       strncmp(rerr.msg, "BPF read watcher: ", 18) ? rerr.msg : rerr.msg + 18);
		bpfread_close(rr, NULL);
	}
	if (!fuse && !nofuse_env && c.userns)
		printf("  %-28s   /dev/fuse is not read-writable by this user (Debian and Ubuntu\n"
		       "  %-28s   ship it 0666; `modprobe fuse` if it is missing)\n", "", "");

	const char *mode;
	int rc = 0;
	if (c.userns)
		mode = "full: namespaces + mount tree + Landlock + seccomp";
	else if (c.landlock_abi > 0)
		mode = "degraded: Landlock + seccomp (no namespaces)";
	else {
		mode = "NONE: bsbox refuses to run unless --allow-weak (seccomp only)";
		rc = 1;
	}
	printf("\n  sandbox mode: %s\n", mode);
	return rc;
}
