# Each sandbox layer proven from the outside with tests/probe.c.
#
# test_layer_* run in every mode (full, [no-userns], [no-userns,landlock=1],
# and [user] when the suite runs as root); see tests/run.sh.  The other tests
# here check the command line and the exit codes once.
#
# A denied action shows as probe exit 12 (it saw an errno) or bsbox exit 124
# (the supervisor recorded a denial, which wins over CMD's status).


# sanity: the probe itself works unconfined, so a denial below is bsbox's doing
test_probe_unconfined() {
	echo data >"$T/f"
	"$PROBE" read "$T/f" >"$T/out" || fail "probe read unconfined"
	assert_contains "$T/out" "read: ok"
	"$PROBE" personality >"$T/out" || fail "personality unconfined: $(cat "$T/out")"
	"$PROBE" seccomp-listener >"$T/out" || fail "seccomp-listener unconfined: $(cat "$T/out")"
	"$PROBE" ptrace >"$T/out" || fail "ptrace unconfined: $(cat "$T/out")"
	"$PROBE" x32 >"$T/out"
	assert_contains "$T/out" "x32: errno=38 (ENOSYS)" # no CONFIG_X86_X32_ABI here
	"$PROBE" env PATH >/dev/null || fail "env PATH"
	"$PROBE" nope >/dev/null 2>&1
	assert_eq "$?" 11 "probe usage exit"
}

# ---- files -------------------------------------------------------------------

test_layer_read_home() {
	local secret="bsbox-secret-$RANDOM$RANDOM"
	mkdir -p "$T/home/.ssh"
	echo "$secret" >"$T/home/.ssh/id_rsa"
	chmod 600 "$T/home/.ssh/id_rsa"
	export HOME=$T/home
	"$PROBE" read "$T/home/.ssh/id_rsa" | grep -q "$secret" || fail "secret unreadable even unconfined"
	run_probe read "$T/home/.ssh/id_rsa"
	assert_rc 12 124
	assert_not_contains "$T/out" "$secret"
	assert_not_contains "$T/err" "$secret"
	assert_not_contains "$T/out" "read: ok"
	# listing the home directory is denied too
	run_probe ls "$T/home"
	assert_rc 12 124
	assert_not_contains "$T/out" ".ssh"
}

test_layer_write_outside() {
	mkdir -p "$T/outside"
	run_probe write "$T/outside/f"
	assert_rc 12 124
	assert_no_file "$T/outside/f"
	# the working directory is readable, not writable
	run_probe write "$T/cwd/f"
	assert_rc 12 124
	assert_no_file "$T/cwd/f"
}

test_layer_write_allowed() {
	mkdir -p "$T/outdir"
	POLICY=$(mkpolicy out write "\"$T/outdir\"")
	run_probe write "$T/outdir/f"
	assert_rc 0
	[ -f "$T/outdir/f" ] || { fail "$T/outdir/f was not written"; return 1; }
	assert_eq "$(stat -c %u "$T/outdir/f")" "$(id -u)" "owner uid of a file written in the sandbox"
	assert_eq "$(stat -c %g "$T/outdir/f")" "$(id -g)" "owner gid"
	assert_eq "$(cat "$T/outdir/f")" "x" "content"
}

# An allowed directory under the host's /tmp must stay reachable although the
# sandbox mounts a private /tmp (users build in /tmp; NOTES.md).
test_layer_write_allowed_under_tmp() {
	local d
	d=$(mktemp -d /tmp/bsbox-test-out.XXXXXX) || { fail "mktemp"; return 1; }
	defer rm -rf "$d"
	POLICY=$(mkpolicy tmpout write "\"$d\"")
	run_probe write "$d/f"
	assert_rc 0
	[ -f "$d/f" ] || fail "$d/f was not written on the host"
}

# ---- network -------------------------------------------------------------------

test_layer_tcp_connect() {
	local got=$T/got-tcp
	listener tcp - "$got" || return 1
	run_probe connect 127.0.0.1 "$LISTEN_PORT"
	assert_rc 12 124 || return 1
	assert_not_contains "$T/out" "connect: ok"
	sleep 0.5
	[ -s "$got" ] && fail "the host listener on 127.0.0.1:$LISTEN_PORT got a connection"
	# the listener was reachable: unconfined, it is
	"$PROBE" connect 127.0.0.1 "$LISTEN_PORT" >/dev/null
	wait_file "$got" 20 || fail "sanity: unconfined connect did not reach the listener"
	if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
		listener tcp6 - "$T/got-tcp6" || return 1
		run_probe connect ::1 "$LISTEN_PORT"
		assert_rc 12 124
		assert_not_contains "$T/out" "connect: ok"
		sleep 0.5
		[ -s "$T/got-tcp6" ] && fail "the host listener on [::1]:$LISTEN_PORT got a connection"
	fi
	return 0
}

test_layer_udp() {
	local got=$T/got-udp
	listener udp - "$got" || return 1
	run_probe udp 127.0.0.1 "$LISTEN_PORT"
	# in a network namespace the datagram may be "sent" into the void (the
	# probe says ok): only the host side matters, once the probe ran
	assert_rc 0 12 124 || return 1
	assert_contains "$T/out" "udp: "
	sleep 1
	[ -s "$got" ] && fail "the host UDP listener on 127.0.0.1:$LISTEN_PORT got a datagram"
	"$PROBE" udp 127.0.0.1 "$LISTEN_PORT" >/dev/null
	wait_file "$got" 20 || fail "sanity: unconfined sendto did not reach the listener"
	return 0
}

test_layer_sockets() {
	expect_denied socket EAFNOSUPPORT EPERM -- packet
	if degraded; then
		# no network namespace: IP sockets only where a kernel layer backs
		# the supervisor up (ip_logged; their calls: tests/sockets.sh)
		if ! ip_logged tcp; then
			expect_denied socket EAFNOSUPPORT -- inet
			expect_denied socket EAFNOSUPPORT -- inet6
		fi
		expect_denied socket EAFNOSUPPORT -- netlink
	fi
	run_probe socket unix
	assert_rc 0
}

# Abstract unix sockets belong to the network namespace (full mode) or are
# scoped by Landlock ABI 6 (no user namespace).
test_layer_abstract_unix() {
	local name="bsbox-test-$$-$RANDOM"
	if [ "$MODE" = no-userns-ll1 ]; then
		skip_ok "Landlock ABI < 6 cannot scope abstract unix sockets and there is no network namespace (a documented limitation)"
		return
	fi
	if degraded && [ "$(landlock_abi)" -lt 6 ]; then
		skip "this kernel's Landlock ABI ($(landlock_abi)) is < 6: no abstract socket scoping"
		return
	fi
	listener abstract "$name" "$T/got-abs" || return 1
	run_probe abstract "$name"
	assert_rc 12 124 || return 1
	assert_not_contains "$T/out" "abstract: ok"
	sleep 0.3
	[ -s "$T/got-abs" ] && fail "the host listener @$name got a connection"
	"$PROBE" abstract "$name" >/dev/null
	wait_file "$T/got-abs" 20 || fail "sanity: unconfined connect to @$name failed"
	return 0
}

# ---- the kernel surface (seccomp) ----------------------------------------------

# ACTION ERRNO...: what the filter answers (seccomp_filter.c: ENOSYS for
# io_uring and foreign ABIs, EPERM for the rest)
SYSCALL_CASES=(
	"ptrace EPERM"
	"unshare-user EPERM"
	"unshare-net EPERM"
	"mount EPERM"
	"io_uring ENOSYS"
	"bpf EPERM"
	"perf EPERM"
	"keyctl EPERM"
	"userfaultfd EPERM"
	"tiocsti EPERM"
	"tiocsti-hi EPERM"
	"personality EPERM"
	"seccomp-listener EPERM"
	"x32 ENOSYS"
	"i386 ENOSYS"
	"clone-newns EPERM"
)

test_layer_syscalls() {
	local c action
	for c in "${SYSCALL_CASES[@]}"; do
		# shellcheck disable=SC2086
		set -- $c
		action=$1
		shift
		echo "# $action"
		expect_denied "$action" "$@" && echo "  $(head -n 1 "$T/out")"
	done
	# a denial is a violation: bsbox says so with 124 and logs it
	run_probe ptrace
	assert_rc 124
	assert_contains "$BSBOX_LOG" "ptrace"
	assert_contains "$T/err" "ptrace"
	# personality queries stay allowed (glibc and setarch use them)
	run_probe personality ffffffff
	assert_rc 0
}

test_layer_kill_host_process() {
	if [ "$MODE" = no-userns-ll1 ]; then
		skip_ok "Landlock ABI < 6 cannot scope signals and there is no pid namespace (a documented limitation)"
		return
	fi
	sleep 60 &
	local victim=$!
	BG_PIDS+=("$victim")
	run_probe kill "$victim" 9
	# the probe ran and kill() failed: invisible in the pid namespace
	# (ESRCH), refused by Landlock's signal scoping (EPERM)
	assert_rc 12 124 || return 1
	grep -Eq "^kill: errno=[0-9]+ \((ESRCH|EPERM)\)" "$T/out" || { fail "kill did not fail with ESRCH or EPERM"; show "$T/out"; }
	kill -0 "$victim" 2>/dev/null || fail "a host process was killed from the sandbox"
}

test_layer_proc_status() {
	run_probe caps
	if [ "$rc" != 0 ]; then
		if degraded && ! is_root && grep -q 'CapPrm=0* CapEff=0* CapBnd=[0-9a-f]* CapAmb=0*$' "$T/out"; then
			# without a user namespace an unprivileged caller has no
			# CAP_SETPCAP to clear its bounding set; no_new_privs makes
			# it irrelevant
			echo "  (bounding set kept: not root and no user namespace)"
		else
			fail "capabilities left in the sandbox"
			show "$T/out"
		fi
	fi
	run_probe nnp
	assert_rc 0
	assert_contains "$T/out" "NoNewPrivs=1"
	run_probe seccomp
	assert_rc 0
	assert_contains "$T/out" "Seccomp=2"
}

# ---- environment and fds ---------------------------------------------------

SECRET_VARS="CARGO_REGISTRY_TOKEN GITHUB_TOKEN ACTIONS_ID_TOKEN_REQUEST_TOKEN AWS_SECRET_ACCESS_KEY SSH_AUTH_SOCK MY_API_KEY NPM_TOKEN FOO_PASSWORD"

test_layer_env_scrub() {
	local v
	for v in $SECRET_VARS; do
		export "$v=secret-value-of-$v"
	done
	export BSBOX_TEST_BENIGN=hello-benign
	run_boxed -- /usr/bin/env
	assert_rc 0
	for v in $SECRET_VARS; do
		assert_not_contains "$T/out" "$v="
	done
	assert_not_contains "$T/out" "secret-value-of"
	assert_contains "$T/out" "PATH="
	assert_contains "$T/out" "BSBOX_TEST_BENIGN=hello-benign"
	run_probe env GITHUB_TOKEN
	assert_rc 12 # the probe ran; the variable is unset
	assert_contains "$T/out" "env: GITHUB_TOKEN=unset"
	# a policy can pass one through by name
	POLICY=$(mkpolicy env env '["MY_API_KEY"]')
	run_boxed -- /usr/bin/env
	assert_rc 0
	assert_contains "$T/out" "MY_API_KEY=secret-value-of-MY_API_KEY"
	assert_not_contains "$T/out" "GITHUB_TOKEN="
}

test_layer_fds() {
	exec 5</dev/null 7</dev/null
	run_probe fds
	assert_rc 0
	assert_contains "$T/out" "fds: none"
	run_boxed --keep-fd 7 -- "$PROBE" fds 7
	assert_rc 0
	assert_contains "$T/out" " 7="
	assert_not_contains "$T/out" " 5="
	exec 5<&- 7<&-
}

# ---- processes and limits -----------------------------------------------------

test_layer_daemon() {
	mkdir -p "$T/outdir"
	local file=$T/outdir/daemon-was-here
	POLICY=$(mkpolicy out write "\"$T/outdir\"")
	run_probe daemon "$file"
	assert_rc 0
	sleep 4
	assert_no_file "$file"
	if pgrep -f "$file" >"$T/pids"; then
		fail "a process of the sandbox outlived bsbox: $(tr '\n' ' ' <"$T/pids")"
		xargs kill -9 <"$T/pids" 2>/dev/null
	fi
	return 0
}

test_layer_forkbomb() {
	POLICY=$(mkpolicy nproc limits '{"nproc": 50}')
	run_probe forkbomb 2000
	if [ "$rc" != 0 ] && is_root && grep -q "no limit hit" "$T/out"; then
		fail "fork bomb not stopped: as root (uid 0 keeps uid 0 in the sandbox) the kernel exempts the caller from RLIMIT_NPROC; bsbox needs another limit (pids cgroup) here"
		show "$T/out"
		return 1
	fi
	# with a pids cgroup the hit is seen: a resource event fails the run
	# (tests/limits.sh); with RLIMIT_NPROC alone it is not
	if [ "$rc" = 124 ]; then
		expect_event kind=resource limit=nproc value=50 || return 1
	else
		assert_rc 0
	fi
	assert_contains "$T/out" "forkbomb: stopped after"
	local n
	n=$(sed -n 's/^forkbomb: stopped after \([0-9]*\) forks.*/\1/p' "$T/out")
	[ -n "$n" ] && [ "$n" -le 60 ] || fail "the fork bomb made ${n:-?} processes with nproc 50"
}

test_layer_bigfile() {
	POLICY=$(mkpolicy fsize limits '{"fsize_mb": 1}')
	run_boxed -- /bin/sh -c "exec '$PROBE' bigfile \"\${TMPDIR:-/tmp}/bsbox-bigfile.\$\$\" 4; "
	assert_rc 12
	assert_contains "$T/out" "errno=27 (EFBIG) after 1048576 bytes"
	# tidy up the host /tmp in the modes without a private one
	rm -f /tmp/bsbox-bigfile.* 2>/dev/null
	return 0
}

# ---- the namespaces (full mode only) -------------------------------------------

test_layer_private_tmp() {
	full_only "private /tmp" || return
	need_userns || return
	local host
	host=$(mktemp /tmp/bsbox-test-host.XXXXXX) || { fail "mktemp"; return 1; }
	defer rm -f "$host"
	run_probe ls /tmp
	assert_rc 0
	assert_not_contains "$T/out" "${host##*/}"
	local inside="bsbox-test-inside.$$.$RANDOM"
	run_probe write "/tmp/$inside"
	assert_rc 0
	assert_no_file "/tmp/$inside"
	rm -f "/tmp/$inside"
}

test_layer_dev_minimal() {
	full_only "minimal /dev" || return
	need_userns || return
	local allowed=" null zero full random urandom tty fd stdin stdout stderr shm pts ptmx console mqueue " e
	run_probe ls /dev
	assert_rc 0
	while read -r e; do
		[[ $allowed == *" $e "* ]] || fail "/dev/$e is visible in the sandbox"
	done < <(tail -n +2 "$T/out")
	assert_contains "$T/out" "null"
	assert_contains "$T/out" "urandom"
}

# what every shell script does: > /dev/null (O_CREAT|O_TRUNC), read urandom
test_layer_dev_usable() {
	run_boxed -- /bin/sh -c 'echo hi >/dev/null && echo hi >>/dev/null && head -c 4 /dev/urandom | wc -c && head -c 2 /dev/zero | wc -c'
	assert_rc 0
	assert_eq "$(tr -d ' ' <"$T/out" | tr '\n' ' ')" "4 2 " "bytes read from /dev/urandom and /dev/zero"
}

test_layer_hostname() {
	full_only "UTS namespace" || return
	need_userns || return
	local before
	before=$(uname -n)
	run_probe hostname "bsbox-probe-$$"
	# the probe ran: sethostname was refused (no CAP_SYS_ADMIN left) inside
	# a UTS namespace of its own
	assert_rc 12 124 || return 1
	assert_contains "$T/out" "hostname: errno=1 (EPERM) nodename=bsbox"
	assert_eq "$(uname -n)" "$before" "host hostname after the sandbox ran sethostname"
}

# ---- exit status ----------------------------------------------------------------

test_layer_exit_status() {
	run_boxed -- /bin/sh -c 'exit 7'
	assert_rc 7
	run_boxed -- /bin/sh -c 'kill -9 $$'
	assert_rc 137
	run_boxed -- /nonexistent/cmd
	assert_rc 127
	run_boxed -- /etc/hostname # exists, not executable
	assert_rc 126
	if degraded; then
		local n
		n=$(grep -c "degraded mode" "$T/err")
		assert_eq "$n" 1 "degraded-mode notices on stderr"
	else
		assert_not_contains "$T/err" "degraded mode"
	fi
}

test_layer_benign_work() {
	mkdir -p "$T/work"
	cat >"$T/work/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello from the sandbox"); return 0; }
EOF
	POLICY=$(mkpolicy work write "\"$T/work\"" exec "\"$T/work\"")
	run_boxed -- /bin/sh -c "cd '$T/work' && cc -O1 -o hello hello.c && ./hello"
	assert_rc 0
	assert_contains "$T/out" "hello from the sandbox"
	run_boxed -- /bin/sh -c 'd=$(mktemp -d) && echo ok >"$d/f" && cat "$d/f" && rm -r "$d"'
	assert_rc 0
	assert_contains "$T/out" "ok"
}

# the toolchain on PATH runs in the sandbox (the default policy's exec rules)
test_layer_rustc_runs() {
	if ! command -v rustc >/dev/null 2>&1 || ! rustc -vV >/dev/null 2>&1; then
		skip "no working rustc on PATH for $(id -un) in mode $MODE"
		return
	fi
	run_boxed -- rustc -vV
	assert_rc 0
	assert_contains "$T/out" "host: "
}

# ---- degraded modes ----------------------------------------------------------------

test_no_landlock_no_userns_refused() {
	BSBOX_FORCE_NO_USERNS=1 BSBOX_LANDLOCK_ABI=0 run_boxed -- /bin/true
	assert_rc 123
	assert_contains "$T/err" "--allow-weak"
	BSBOX_FORCE_NO_USERNS=1 BSBOX_LANDLOCK_ABI=0 run_boxed --allow-weak -- "$PROBE" seccomp
	assert_rc 0
	assert_contains "$T/out" "Seccomp=2"
}

# ---- command line and policy errors --------------------------------------------

test_cli_usage() {
	run_bsbox
	assert_rc 121
	run_bsbox run
	assert_rc 121
	run_bsbox run --no-such-option -- /bin/true
	assert_rc 121
	run_bsbox run --keep-fd nope -- /bin/true
	assert_rc 121
	run_bsbox --help
	assert_rc 0
	assert_contains "$T/out" "EXIT STATUS"
}

test_cli_malformed_policy() {
	printf '{\n  "extends": ["default"],\n  "network": "yes"\n}\n' >"$T/bad.json"
	run_bsbox run --policy "$T/bad.json" -- /bin/true
	assert_rc 122
	assert_contains "$T/err" "$T/bad.json:3:"
	assert_contains "$T/err" "network"
	printf '{\n  "extends": ["default"],\n  "wirte": ["/x"]\n}\n' >"$T/typo.json"
	run_bsbox run --policy "$T/typo.json" -- /bin/true
	assert_rc 122
	assert_contains "$T/err" "$T/typo.json:3:"
	assert_contains "$T/err" "wirte"
	printf '{ "read": [ "/x", }\n' >"$T/syntax.json"
	run_bsbox run --policy "$T/syntax.json" -- /bin/true
	assert_rc 122
	assert_contains "$T/err" "$T/syntax.json:1:"
	run_bsbox run --policy "$T/missing.json" -- /bin/true
	assert_rc 122
}

# The product's main job end to end in every mode, including as an
# unprivileged user (Debian's cargo there: root's rustup is not readable):
# the demo crate's build script is caught, nothing it tried happened.
test_layer_cargo_demo() {
	command -v cargo >/dev/null 2>&1 || { skip "no cargo on PATH for mode $MODE"; return; }
	mkdir -p "$T/demo" && cp -r "$ROOT/contrib/demo/Cargo.toml" "$ROOT/contrib/demo/build.rs" \
		"$ROOT/contrib/demo/src" "$T/demo/" || return 1
	mkdir -p "$T/home"
	# keep the toolchain where it is when HOME moves
	[ -n "${RUSTUP_HOME:-}" ] || [ ! -d "$HOME/.rustup" ] || export RUSTUP_HOME=$HOME/.rustup
	[ -n "${CARGO_HOME:-}" ] || [ ! -d "$HOME/.cargo" ] || export CARGO_HOME=$HOME/.cargo
	(cd "$T/demo" && HOME=$T/home CARGO_TARGET_DIR=$T/target BSBOX_LOG=$T/log.jsonl \
		RUSTC_WRAPPER=$BSBOX cargo build --offline) >"$T/out" 2>&1
	local rc=$?
	[ "$rc" -ne 0 ] || { cat "$T/out"; fail "the demo built: its build script was not stopped"; return 1; }
	grep -q 'failed to run custom build command' "$T/out" || { cat "$T/out"; fail "no build-script failure from cargo"; return 1; }
	assert_contains "$T/out" 'write '"$T/home"'/.demo-evil-was-here' || return 1
	[ ! -e "$T/home/.demo-evil-was-here" ] || { fail "the build script wrote into HOME"; return 1; }
	if ip_logged tcp; then
		assert_contains "$T/out" 'connect 127.0.0.1:9' || return 1
	else
		assert_contains "$T/out" 'socket(AF_INET' || return 1
	fi
	grep -q '"crate":"demo-evil"' "$T/log.jsonl" || { cat "$T/log.jsonl"; fail "no event for crate demo-evil"; return 1; }
	return 0
}
