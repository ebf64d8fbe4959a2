# Resource limits (src/reslimit.c, docs/policy.md#limits): each limit is hit
# once with a small policy value, and the run fails with a `resource` event
# naming the limit, its value and the entry that raises it, plus the summary
# line.  Sourced by tests/run.sh.

tag_modes "full no-userns user" test_limits_cargo_wall test_limits_memory test_limits_nproc test_limits_fsize \
	test_limits_cpu test_limits_wall
# the private tmpfs mounts sit on a FUSE root or on a tmpfs root
tag_modes "full no-fuse user" test_limits_tmpfs

# _lim_cgroup CONTROLLER: bsbox can make a cgroup with it here (src/reslimit.c):
# root, or a systemd-delegated cgroup v2 parent this user may write
_lim_cgroup() {
	local ctl=$1 cg parent
	if is_root; then
		[ -f /sys/fs/cgroup/cgroup.controllers ] || [ -d "/sys/fs/cgroup/$ctl" ]
		return
	fi
	[ -f /sys/fs/cgroup/cgroup.controllers ] || return 1
	cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
	parent=$(dirname "/sys/fs/cgroup$cg")
	[ -w "$parent" ] && grep -qw "$ctl" "$parent/cgroup.subtree_control" 2>/dev/null
}

# _lim_expect KEY VALUE TEXT: bsbox failed as a violation, logged the resource
# event and printed the summary with the entry that raises the limit
_lim_expect() {
	local key=$1 val=$2 text=$3
	assert_rc 124
	expect_event kind=resource "limit=$key" "value=$val" action=denied "detail~$text" \
		"suggest=\"limits\": {\"$key\": $((val * 2))}" || return 1
	assert_contains "$T/err" "$text"
	assert_contains "$T/err" "to allow: \"limits\": {\"$key\": $((val * 2))}"
}

test_limits_memory() {
	POLICY=$(mkpolicy mem limits '{"mem_mb": 64}')
	run_boxed -- python3 -c 'b = b"x" * (256 << 20); print("touched", len(b))'
	if ! _lim_cgroup memory; then
		# the RLIMIT_DATA fallback still stops it, but nothing sees the hit
		assert_contains "$T/err" "MemoryError"
		assert_not_contains "$T/out" "touched"
		skip_ok "documented limitation: no memory cgroup this user may create (not root, no systemd-delegated cgroup v2): the RLIMIT_DATA fallback stopped the allocation (MemoryError) but logs nothing"
		return
	fi
	assert_not_contains "$T/out" "touched"
	_lim_expect mem_mb 64 "memory limit reached"
}

test_limits_nproc() {
	POLICY=$(mkpolicy nproc limits '{"nproc": 50}')
	run_boxed -- /bin/sh -c 'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i + 1)); done; echo "started $i"'
	if ! _lim_cgroup pids; then
		assert_not_contains "$T/out" "started 200"
		skip_ok "documented limitation: no pids cgroup this user may create: RLIMIT_NPROC stopped the fork bomb but logs nothing"
		return
	fi
	assert_not_contains "$T/out" "started 200"
	_lim_expect nproc 50 "process limit reached"
}

test_limits_fsize() {
	POLICY=$(mkpolicy fsize limits '{"fsize_mb": 1}')
	# CMD itself writes (exec): a child of CMD that dies of SIGXFSZ is not seen
	run_boxed -- /bin/sh -c 'exec head -c 3000000 /dev/zero >"${TMPDIR:-/tmp}/bsbox-fsize.$$"'
	rm -f /tmp/bsbox-fsize.* 2>/dev/null
	_lim_expect fsize_mb 1 "file size limit reached"
}

test_limits_cpu() {
	POLICY=$(mkpolicy cpu limits '{"cpu_s": 1}')
	local t0=$SECONDS
	run_boxed -- /bin/sh -c 'while :; do :; done'
	[ $((SECONDS - t0)) -lt 20 ] || fail "the busy loop ran $((SECONDS - t0)) s with cpu_s 1"
	_lim_expect cpu_s 1 "CPU time limit reached"
}

test_limits_wall() {
	POLICY=$(mkpolicy wall limits '{"wall_s": 2}')
	local t0=$SECONDS
	run_boxed -- /bin/sh -c 'sleep 60'
	[ $((SECONDS - t0)) -lt 20 ] || fail "the run took $((SECONDS - t0)) s with wall_s 2"
	_lim_expect wall_s 2 "wall-clock limit reached"
	# a run within the limit is not an event
	: >"$BSBOX_LOG"
	run_boxed -- /bin/true
	assert_rc 0
	ev_find kind=resource >/dev/null && fail "a resource event for a run within wall_s"
	return 0
}

test_limits_tmpfs() {
	full_only "the private /tmp and /dev/shm are tmpfs mounts of the mount namespace" || return
	need_userns || return
	POLICY=$(mkpolicy tmp limits '{"tmp_mb": 1}')
	run_boxed -- /bin/sh -c 'head -c 3000000 /dev/zero >/tmp/big; echo "rc $?"; df -k /tmp | tail -n 1'
	assert_contains "$T/err" "No space left on device"
	_lim_expect tmp_mb 1 "tmpfs size limit reached: the private /tmp holds 1 MiB"
	: >"$BSBOX_LOG"
	run_boxed -- /bin/sh -c 'head -c 3000000 /dev/zero >/dev/shm/big'
	_lim_expect tmp_mb 1 "the private /dev/shm holds 1 MiB"
}

# the new key is validated like the others: file, line, key
test_limits_policy_errors() {
	printf '{\n  "limits": {\n    "wall_s": -1\n  }\n}\n' >"$T/bad.json"
	run_bsbox run --policy "$T/bad.json" -- /bin/true
	assert_rc 122
	assert_contains "$T/err" "bad.json:3:15: key \"limits.wall_s\": must be >= 0 (0 means unlimited)"
	printf '{"limits": {"wall": 5}}\n' >"$T/bad.json"
	run_bsbox run --policy "$T/bad.json" -- /bin/true
	assert_rc 122
	assert_contains "$T/err" "unknown limit (known: nproc, fsize_mb, cpu_s, as_mb, nofile, mem_mb, tmp_mb, wall_s)"
}

# The defaults' benign check is tests/cargo.sh's test_cargo_corpus_cc and
# test_cargo_corpus_cmake: those corpus projects build under the default limits.

# Under cargo: a build script that never ends is stopped by the crate
# policy's wall_s, the build fails, cargo's output names the limit and the
# entry that raises it, and the event names the crate.
_lim_t_cargo_wall() {
	_cargo_have || return
	local d
	d=$(_cargo_copy benign)
	printf 'fn main() { std::thread::sleep(std::time::Duration::from_secs(120)); }\n' >"$d/build.rs"
	mkdir -p "$d/.bsbox/policies"
	echo '{"extends": ["default"], "limits": {"wall_s": 2}}' >"$d/.bsbox/policies/bsbox-test-benign.json"
	local t0=$SECONDS
	if _cargo "$d" -- cargo build --offline; then
		_cargo_show
		fail "the build passed though its build script ran past wall_s"
		return 1
	fi
	[ $((SECONDS - t0)) -lt 100 ] || fail "the build took $((SECONDS - t0)) s with wall_s 2"
	grep -q 'wall-clock limit reached: the run may take 2 s' "$T/out.txt" ||
		{ _cargo_show; fail "cargo's output does not name the limit"; return 1; }
	grep -q '"limits": {"wall_s": 4}' "$T/out.txt" || { _cargo_show; fail "no entry that raises it"; return 1; }
	BSBOX_LOG=$T/log.jsonl expect_event kind=resource limit=wall_s value=2 crate=bsbox-test-benign \
		action=denied || return 1
}
test_limits_cargo_wall() { _cargo_wrap _lim_t_cargo_wall; }

# a run killed with SIGKILL leaves its cgroup behind: the next run removes
# such empty cgroups of bsbox processes that are gone
test_limits_cgroup_sweep() {
	is_root || { skip_ok "only root's runs make cgroups here"; return; }
	local base
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then base=/sys/fs/cgroup; else base=/sys/fs/cgroup/pids; fi
	[ -d "$base" ] || { skip "no pids cgroup hierarchy at $base"; return; }
	local dead
	dead=$(sh -c 'echo $$')
	mkdir "$base/bsbox-$dead" || { fail "mkdir $base/bsbox-$dead"; return 1; }
	defer rmdir "$base/bsbox-$dead"
	run_boxed -- /bin/true
	assert_rc 0
	[ ! -d "$base/bsbox-$dead" ] || fail "the stale cgroup $base/bsbox-$dead is still there"
	# and a run that is SIGKILLed leaves one that the next run removes
	"$BSBOX" run --policy "$(mkpolicy base)" -- /bin/sleep 60 </dev/null >/dev/null 2>&1 &
	local pid=$!
	local i=0
	while [ ! -d "$base/bsbox-$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -d "$base/bsbox-$pid" ] || { kill -9 "$pid"; fail "no cgroup $base/bsbox-$pid while the run was going"; return 1; }
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	sleep 0.5
	run_boxed -- /bin/true
	[ ! -d "$base/bsbox-$pid" ] || fail "$base/bsbox-$pid is left after the next run"
}
