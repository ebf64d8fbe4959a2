/* Kernel-side deny layer: cgroup socket-address programs attached to the
 * sandbox's own cgroup v2 directory.  They refuse what Landlock cannot (UDP
 * before ABI 10) and what seccomp cannot see a path for (pathname unix
 * connects in degraded mode), and report every refusal through a ring buffer.
 * cgroup programs, not lsm/: on this kind of host root gets EPERM loading
 * BPF_LSM_MAC programs (lockdown), while cgroup sock_addr hooks load. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "deny_event.h"

char LICENSE[] SEC("license") = "GPL";

/* key 0: DENY_UDP / DENY_UNIX bits, set by the loader before attaching */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} deny_cfg SEC(".maps");

/* granted unix socket paths (exact, NUL-padded to DENY_PATHLEN) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[DENY_PATHLEN]);
	__type(value, __u8);
} deny_unix_grants SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} deny_events SEC(".maps");

/* key 0 of deny_cgid: the deny cgroup's id */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} deny_cgid SEC(".maps");

/* The DENY_* bits, for a call made by a process of the sandbox.  The hooks
 * run for the cgroup of the socket's creator, so they also see the
 * supervisor's connect() on the sandbox's socket (pidfd_getfd, after it
 * checked the grant itself): the caller's own cgroup tells them apart. */
static __u32 cfg(void)
{
	__u32 k = 0, *v = bpf_map_lookup_elem(&deny_cfg, &k);
	__u64 *id = bpf_map_lookup_elem(&deny_cgid, &k);
	if (!v || !id || bpf_get_current_cgroup_id() != *id)
		return 0;
	return *v;
}

/* path: the kernel's copy of a unix socket's sun_path, or NULL */
static void report(__u32 kind, struct bpf_sock_addr *ctx, const char *path)
{
	struct deny_event *e = bpf_ringbuf_reserve(&deny_events, sizeof(*e), 0);
	if (!e)
		return;
	e->kind = kind;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->family = ctx->user_family;
	e->port = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	__builtin_memset(e->path, 0, sizeof(e->path));
	if (kind == DENY_EV_UDP4) {
		e->port = bpf_ntohs(ctx->user_port);
		__u32 ip = ctx->user_ip4;
		__builtin_memcpy(e->addr, &ip, 4);
	} else if (kind == DENY_EV_UDP6) {
		e->port = bpf_ntohs(ctx->user_port);
		/* constant offsets: the verifier refuses a moved ctx pointer */
		__u32 w[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };
		__builtin_memcpy(e->addr, w, 16);
	} else if (path) {
		bpf_probe_read_kernel(e->path, DENY_PATHLEN - 1, path);
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* 1 lets the call through, 0 makes it fail with EPERM. */
static int udp(struct bpf_sock_addr *ctx, __u32 kind)
{
	if (ctx->type != 2 /* SOCK_DGRAM */ || !(cfg() & DENY_UDP))
		return 1;
	report(kind, ctx, 0);
	return 0;
}

SEC("cgroup/sendmsg4") int deny_sendmsg4(struct bpf_sock_addr *ctx) { return udp(ctx, DENY_EV_UDP4); }
SEC("cgroup/connect4") int deny_connect4(struct bpf_sock_addr *ctx) { return udp(ctx, DENY_EV_UDP4); }
SEC("cgroup/sendmsg6") int deny_sendmsg6(struct bpf_sock_addr *ctx) { return udp(ctx, DENY_EV_UDP6); }
SEC("cgroup/connect6") int deny_connect6(struct bpf_sock_addr *ctx) { return udp(ctx, DENY_EV_UDP6); }

/* grant_step's state, on the stack: a per-CPU map value would be shared
 * with another connect() that preempts this one on the same CPU (these
 * hooks run with migration, not preemption, disabled). */
struct unix_walk {
	char key[DENY_PATHLEN]; /* the path, cut back to each '/' in turn */
	__u32 i;                /* the next character to cut */
	__u32 granted;
};

/* Whether a directory above the path is granted (a grant "/run/x" covers
 * "/run/x/agent.sock"): from the end, each character is zeroed in turn and
 * where it was a '/', the key (now that directory, NUL-padded like the
 * grants) is looked up.  One step per bpf_loop() iteration: the verifier
 * checks the body about once, where an unrolled walk made it process 5,361
 * instructions, the bulk of the layer's load time. */
static long grant_step(__u32 step, void *arg)
{
	struct unix_walk *w = arg;
	__u32 i = w->i;
	if (i == 0 || i >= DENY_PATHLEN)
		return 1;
	char c = w->key[i];
	w->key[i] = 0;
	w->i = i - 1;
	if (c == '/' && bpf_map_lookup_elem(&deny_unix_grants, w->key)) {
		w->granted = 1;
		return 1;
	}
	return 0;
}

/* libbpf 1.1 does not know "cgroup/connect_unix": the loader sets the
 * program type and BPF_CGROUP_UNIX_CONNECT itself. */
SEC("cgroup_unix_connect") int deny_connect_unix(struct bpf_sock_addr *ctx)
{
	if (!(cfg() & DENY_UNIX))
		return 1;
	/* The context is the kernel's struct bpf_sock_addr_kern: its address
	 * goes to bpf_probe_read_kernel as a plain value (root's CAP_PERFMON,
	 * which that helper needs anyway, lets a pointer reach a helper), so
	 * no kfunc (bpf_cast_to_kern_ctx): a typed kfunc extern makes libbpf
	 * parse all of /sys/kernel/btf/vmlinux to find its id, and each typed
	 * access through its result makes the verifier search the kernel's BTF
	 * by name.  The offset of uaddr is a CO-RE relocation. */
	struct bpf_sock_addr_kern *k = (struct bpf_sock_addr_kern *)ctx;
	struct sockaddr_un *sa = (struct sockaddr_un *)BPF_CORE_READ(k, uaddr);
	struct unix_walk w = {};
	/* n: the length with its NUL; DENY_PATHLEN when sun_path's first
	 * DENY_PATHLEN - 1 bytes hold none (then no exact grant applies) */
	long n = bpf_probe_read_kernel_str(w.key, DENY_PATHLEN, sa->sun_path);
	if (n <= 0)
		return 1;
	/* abstract: the other layers' business; relative: resolved against the
	 * caller's cwd, which this hook cannot see, so left to the supervisor */
	if (w.key[0] != '/')
		return 1;
	if (n < DENY_PATHLEN && bpf_map_lookup_elem(&deny_unix_grants, w.key))
		return 1; /* the socket itself is granted */
	w.i = n - 2;
	bpf_loop(DENY_PATHLEN, grant_step, &w, 0);
	if (w.granted)
		return 1;
	report(DENY_EV_UNIX, ctx, sa->sun_path); /* w.key is cut: the kernel's copy again */
	return 0;
}
