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
		__builtin_memcpy(e->path, path, DENY_PATHLEN);
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

/* The unix hook's working memory, on its stack: a per-CPU map value would
 * be shared with another connect() that preempts this one on the same CPU
 * (these hooks run with migration, not preemption, disabled). */
struct unix_scratch {
	char path[DENY_PATHLEN];
	char key[DENY_PATHLEN];
	__u32 granted;
};

/* Whether the policy grants s->path: the exact path, or a directory above
 * it (the map holds both; a grant "/run/x" covers "/run/x/agent.sock").  The
 * key grows by one character per step, looked up at each '/'. */
static long grant_step(__u32 i, void *arg)
{
	struct unix_scratch *s = arg;
	if (i >= DENY_PATHLEN - 1)
		return 1;
	char c = s->path[i];
	if (c == 0) {
		s->granted = bpf_map_lookup_elem(&deny_unix_grants, s->key) != NULL;
		return 1;
	}
	if (c == '/' && i > 0 && bpf_map_lookup_elem(&deny_unix_grants, s->key)) {
		s->granted = 1;
		return 1;
	}
	s->key[i] = c;
	return 0;
}

/* libbpf 1.1 does not know "cgroup/connect_unix": the loader sets the
 * program type and BPF_CGROUP_UNIX_CONNECT itself. */
SEC("cgroup_unix_connect") int deny_connect_unix(struct bpf_sock_addr *ctx)
{
	if (!(cfg() & DENY_UNIX))
		return 1;
	struct unix_scratch s = {};
	/* The context is the kernel's struct bpf_sock_addr_kern: its address
	 * goes to bpf_probe_read_kernel as a plain value (root's CAP_PERFMON,
	 * which that helper needs anyway, lets a pointer reach a helper), so
	 * no kfunc (bpf_cast_to_kern_ctx): a typed kfunc extern makes libbpf
	 * parse all of /sys/kernel/btf/vmlinux to find its id, and each typed
	 * access through its result makes the verifier search the kernel's BTF
	 * by name.  The offset of uaddr is a CO-RE relocation. */
	struct bpf_sock_addr_kern *k = (struct bpf_sock_addr_kern *)ctx;
	struct sockaddr_un *sa = (struct sockaddr_un *)BPF_CORE_READ(k, uaddr);
	if (bpf_probe_read_kernel(s.path, DENY_PATHLEN - 1, sa->sun_path) < 0)
		return 1;
	/* abstract: the other layers' business; relative: resolved against the
	 * caller's cwd, which this hook cannot see, so left to the supervisor */
	if (s.path[0] != '/')
		return 1;
	/* one step per character: the verifier checks grant_step's body a few
	 * times rather than an unrolled loop's every branch (5,361 instructions
	 * processed before, the bulk of the layer's load) */
	bpf_loop(DENY_PATHLEN - 1, grant_step, &s, 0);
	if (s.granted)
		return 1;
	report(DENY_EV_UNIX, ctx, s.path);
	return 0;
}
