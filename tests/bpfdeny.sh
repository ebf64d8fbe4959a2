# shellcheck shell=bash disable=SC2016,SC2034
# The kernel-side deny layer (issue 14, src/bpfdeny.c): as root without user
# namespaces, cgroup BPF programs refuse UDP when the policy has no network and
# pathname unix connects the policy does not grant, and log them with
# "by kernel-bpf".  The supervisor refuses the same calls first, so each test
# runs with BSBOX_BENCH_UNSUPERVISED=1 (seccomp denies plainly, the
# supervisor passes unix connects on): what is refused then is the BPF layer's.

# _bpfdeny_need: root, degraded mode, a bsbox that has the layer
_bpfdeny_need() {
	if ! degraded; then
		skip_ok "the BPF deny layer is for the degraded modes; mode $MODE"
		return 77
	fi
	if ! is_root; then
		skip_ok "the BPF deny layer needs root; mode $MODE"
		return 77
	fi
	if ! "$BSBOX" doctor 2>&1 | grep -Eq "BPF deny layer: +active"; then
		skip "the BPF deny layer cannot load here: $("$BSBOX" doctor 2>&1 | grep 'BPF deny layer')"
		return 77
	fi
}

test_layer_bpfdeny_unix_connect() {
	_bpfdeny_need || return
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/agent.sock" "$T/got" || return 1
	_sock_listen stream "$d/granted.sock" "$T/got-granted" || return 1
	mkdir -p "$d/g/sub" && chmod 755 "$d/g" "$d/g/sub"
	_sock_listen stream "$d/g/in-dir.sock" "$T/got-dir" || return 1
	_sock_listen stream "$d/g/sub/deep.sock" "$T/got-deep" || return 1
	_sock_listen stream "$d/gx.sock" "$T/got-gx" || return 1
	newlog bpf
	POLICY=$(mkpolicy r read "\"$d\"" unix_sockets "[\"$d/granted.sock\", \"$d/g\"]")
	BSBOX_BENCH_UNSUPERVISED=1 run_probe_py connect "$d/agent.sock"
	assert_rc 124 || return 1
	assert_contains "$T/out" "connect: errno=1 (EPERM)"
	expect_event kind=path syscall=connect "path=$d/agent.sock" access=connect \
		"detail~by kernel-bpf" action=denied \
		"suggest=\"unix_sockets\": [\"$d/agent.sock\"]" || return 1
	assert_contains "$T/err" "connect $d/agent.sock"
	sleep 0.2
	[ -s "$T/got" ] && fail "the host listener got a connection from the sandbox"
	# the granted socket is let through by the kernel layer too
	newlog granted
	BSBOX_BENCH_UNSUPERVISED=1 run_probe_py connect "$d/granted.sock"
	assert_rc 0
	assert_contains "$T/out" "connect: ok"
	# and so is one in a granted directory
	BSBOX_BENCH_UNSUPERVISED=1 run_probe_py connect "$d/g/in-dir.sock"
	assert_rc 0
	assert_contains "$T/out" "connect: ok"
	# and deeper (the walk looks the grant up at each '/')
	BSBOX_BENCH_UNSUPERVISED=1 run_probe_py connect "$d/g/sub/deep.sock"
	assert_rc 0
	assert_contains "$T/out" "connect: ok"
	# a directory grant is one of whole names: "$d/g" is no grant of "$d/gx.sock"
	newlog narrow
	BSBOX_BENCH_UNSUPERVISED=1 run_probe_py connect "$d/gx.sock"
	assert_rc 124 || return 1
	assert_contains "$T/out" "connect: errno=1 (EPERM)"
	expect_event kind=path syscall=connect "path=$d/gx.sock" "detail~by kernel-bpf" \
		action=denied || return 1
	return 0
}

# No UDP test: without network the supervisor refuses every send with an
# address (tests/sockets.sh) before the kernel layer could see it, and an
# inherited socket (--keep-fd) is not
# covered: cgroup sock_addr hooks run for the cgroup of the socket's creator,
# not of the sender (checked: a UDP socket made outside sends from inside).

# A degraded run killed with SIGKILL leaves its empty bsbox-deny-PID cgroup
# behind (28 had piled up on the developers' VM).  The next run removes the
# ones whose bsbox is gone, and never a live one's.
test_layer_bpfdeny_sweeps_killed_runs() {
	_bpfdeny_need || return
	local root=/sys/fs/cgroup/unified dead live
	[ "$(stat -f -c %T "$root" 2>/dev/null)" = cgroup2fs ] || root=/sys/fs/cgroup
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir "$root/bsbox-deny-$dead" "$root/bsbox-deny-$$" || { fail "cannot mkdir in $root"; return 1; }
	run_bsbox run --policy "$(mkpolicy sweep)" -- true
	live=$([ -d "$root/bsbox-deny-$$" ] && echo kept)
	rmdir "$root/bsbox-deny-$$" 2>/dev/null
	if [ -d "$root/bsbox-deny-$dead" ]; then
		rmdir "$root/bsbox-deny-$dead"
		fail "the cgroup of a killed run (pid $dead, gone) is still there"
		return 1
	fi
	assert_rc 0 || return 1
	assert_eq "$live" kept "the cgroup of a live pid ($$)"
}
