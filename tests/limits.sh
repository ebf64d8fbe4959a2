# Resource limits (src/reslimit.c, docs/policy.md#limits): each limit is hit
# once with a small policy value, and the run fails with a `resource` event
# naming the limit, its value and the entry that raises it, plus the summary
# line.  Sourced by tests/run.sh.

tag_modes "full no-userns user" test_limits_cargo_wall test_limits_fsize test_limits_cpu test_limits_wall
# where no cgroup enforces them the supervisor does, whatever the layers
tag_modes all test_limits_memory test_limits_nproc
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

# _lim_ways CONTROLLER: how nproc and mem_mb are enforced in this mode, one
# word each, for _lim_way to switch to:
#   cgroup      bsbox's cgroup (root, or a systemd-delegated cgroup v2)
#   supervisor  no cgroup (BSBOX_NO_CGROUP=1, as for a user without
#               delegation): the supervisor counts forks and samples memory
#   supervisor-no-userns  the same without user namespaces, as the
#               unprivileged user (the suite's no-userns mode runs as root)
_lim_ways() {
	_lim_cgroup "$1" && echo cgroup
	echo supervisor
	[ "$MODE" = user ] && echo supervisor-no-userns
}

# _lim_way WAY: the environment of one of _lim_ways, and a fresh event log
_lim_way() {
	echo "# enforced by: $1"
	unset BSBOX_NO_CGROUP
	[ "$MODE" = user ] && unset BSBOX_FORCE_NO_USERNS
	case $1 in
	supervisor) export BSBOX_NO_CGROUP=1 ;;
	supervisor-no-userns) export BSBOX_NO_CGROUP=1 BSBOX_FORCE_NO_USERNS=1 ;;
	esac
	: >"$BSBOX_LOG"
}

test_limits_memory() {
	POLICY=$(mkpolicy mem limits '{"mem_mb": 64}')
	local way killer
	for way in $(_lim_ways memory); do
		_lim_way "$way"
		# all at once: the cgroup's OOM killer, or the supervisor's sample
		# (RLIMIT_DATA is a backstop 512 MiB above it, see reslimit_apply)
		run_boxed -- python3 -c 'b = b"x" * (256 << 20); print("touched", len(b))'
		assert_not_contains "$T/out" "touched"
		killer="the kernel killed"
		[ "$way" = cgroup ] || killer="bsbox killed"
		_lim_expect mem_mb 64 "memory limit reached: the sandbox may use 64 MiB (limits.mem_mb); $killer 1 process" || return 1
		# four processes growing by 2 MiB steps to 20 MiB each: the
		# sandbox, not each process, is what is limited, and killing the
		# largest until it fits leaves the others running
		: >"$BSBOX_LOG"
		run_boxed -- python3 -c '
import os, time
kids = []
for k in range(4):
    pid = os.fork()
    if pid == 0:
        l = []
        for i in range(10):
            l.append(b"x" * (2 << 20))
            time.sleep(0.03)
        time.sleep(0.5)
        os._exit(0)
    kids.append(pid)
bad = [p for p in kids if os.waitpid(p, 0)[1] != 0]
print("killed", len(bad), "of 4")'
		grep -Eq "^killed [123] of 4" "$T/out" || { fail "not some of the four killed"; show "$T/out"; }
		_lim_expect mem_mb 64 "memory limit reached: the sandbox may use 64 MiB" || return 1
	done
	# what stays unseen without a cgroup: one allocation beyond the
	# backstop (64 + 512 MiB) is refused whole, so nothing is touched
	_lim_way supervisor
	run_boxed -- python3 -c 'b = bytearray(1 << 30); print("got", len(b))'
	assert_not_contains "$T/out" "got"
	if grep -qa __asan_init "$BSBOX"; then
		# a sanitizer build sets no RLIMIT_DATA backstop (ASan's shadow
		# memory would count, reslimit.c): the watcher sees the pages
		# being filled instead
		_lim_expect mem_mb 64 "memory limit reached: the sandbox may use 64 MiB"
	else
		assert_contains "$T/err" "MemoryError"
	fi
}

test_limits_nproc() {
	POLICY=$(mkpolicy nproc limits '{"nproc": 50}')
	local way
	for way in $(_lim_ways pids); do
		_lim_way "$way"
		run_boxed -- /bin/sh -c 'i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i + 1)); done; echo "started $i"'
		assert_contains "$T/err" "Cannot fork"
		assert_not_contains "$T/out" "started 200"
		_lim_expect nproc 50 "process limit reached: the sandbox may run 50 processes at once (limits.nproc)" || return 1
		# threads are tasks too (RLIMIT_NPROC and pids.max count them)
		: >"$BSBOX_LOG"
		run_boxed -- python3 -c '
import threading
ev = threading.Event()
ts = []
try:
    for i in range(200):
        t = threading.Thread(target=ev.wait)
        t.start()
        ts.append(t)
except RuntimeError as e:
    print("refused at", len(ts), e, flush=True)
ev.set()'
		grep -Eq "^refused at [0-9]+ can.t start new thread" "$T/out" ||
			{ fail "no thread refused"; show "$T/out"; }
		_lim_expect nproc 50 "process limit reached" || return 1
	done
	# many processes one after another (configure scripts start thousands)
	# are never refused: only the tasks alive at once count
	_lim_way supervisor
	run_boxed -- /bin/sh -c 'i=0; while [ $i -lt 300 ]; do /bin/true || exit 9; i=$((i + 1)); done; echo "ran $i"'
	assert_rc 0
	assert_contains "$T/out" "ran 300"
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
	unset BSBOX_NO_CGROUP # about the cgroups, whichever way the suite runs
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
