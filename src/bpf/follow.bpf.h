/* Which processes a BPF program follows: the tgids in `tracked`.  The
 * loader puts the sandbox's first process there before it execs CMD; every
 * fork of a tracked process adds the child, every exit of a group leader
 * removes it.  So one bsbox process follows exactly its own sandbox, whatever
 * namespaces it uses.  Included by each program that follows a sandbox
 * (trace.bpf.c, read.bpf.c): each object has its own set. */
#ifndef BSBOX_BPF_FOLLOW_H
#define BSBOX_BPF_FOLLOW_H

/* At most FOLLOW_MAX processes at once (a program may define it smaller:
 * the bucket array is allocated when the map is created, ~16 bytes each).
 * Not preallocated: creating a 64k-entry map costs milliseconds per sandbox. */
#ifndef FOLLOW_MAX
#define FOLLOW_MAX 65536
#endif
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} tracked SEC(".maps");

/* forks that could not be followed (the set was full): the loader says so */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} follow_lost SEC(".maps");

static __always_inline bool is_tracked(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	if (!bpf_map_lookup_elem(&tracked, &ptgid))
		return 0;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;
	if (bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY) < 0) {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&follow_lost, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(trace_exit, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
	if (pid == tgid)
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

#endif
