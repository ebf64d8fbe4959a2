# Helpers for the shell tests; sourced by tests/run.sh (never run directly).
#
# A test is a shell function named test_* in tests/*.sh.  It runs in its own
# bash process (under a timeout) with the working directory $T/cwd, and:
#   - passes if it returns 0 and never called fail;
#   - fails if it returns non-zero or called fail (fail returns 1, so
#     `cmd || fail "why"` records the failure and the test may go on checking);
#   - is skipped with `skip "why"; return` (a missing kernel feature: counts as
#     a failure under BSBOX_MUST_WORK=1) or `skip_ok "why"; return` (the test
#     does not apply here, e.g. a degraded mode or a missing optional tool).
#
# Variables:
#   $BSBOX   the bsbox binary          $BSBOX_BUILD  its build dir
#   $PROBE   $BSBOX_BUILD/probe        $T            fresh per-test directory (755)
#   $CORPUS  the corpus dir, if any    $MODE         full | no-userns | no-userns-ll1 | no-fuse | user
#   $rc, $T/out, $T/err                set by run_bsbox / run_probe
# run_bsbox writes the event log to $BSBOX_LOG ($TSTATE/events.jsonl).
#
# Tagging (at file level):
#   tag_unpriv test_name...   also run those tests as the unprivileged user
#                             when the suite runs as root
#   tag_modes MODES test_name...   run those tests once in each of MODES
#                             ("full no-userns no-userns-ll1 no-fuse user", or
#                             `all` for every mode), like test_layer_*
# test_layer_* tests are tagged implicitly and also run in the degraded modes.

: "${BSBOX_TEST_USER:=bsbox-test}"

fail() {
	echo "  FAIL: $*"
	[ -n "${TSTATE:-}" ] && printf '%s\n' "$*" >>"$TSTATE/fails"
	return 1
}

# skip "why": the environment lacks something the test needs (kernel feature,
# privilege).  Under BSBOX_MUST_WORK=1 the runner counts it as a failure.
skip() {
	echo "  SKIP: $*"
	[ -n "${TSTATE:-}" ] && printf '%s\n' "$*" >"$TSTATE/skip"
	return 77
}

# skip_ok "why": the test does not apply here (by design); never a failure.
skip_ok() {
	echo "  SKIP (n/a): $*"
	if [ -n "${TSTATE:-}" ]; then
		printf '%s\n' "$*" >"$TSTATE/skip"
		: >"$TSTATE/skip_ok"
	fi
	return 77
}

tag_unpriv() {
	UNPRIV_TESTS+=("$@")
}
declare -a UNPRIV_TESTS=()

ALL_MODES="full no-userns no-userns-ll1 no-fuse user"
tag_modes() {
	local modes=$1 t
	shift
	[ "$modes" = all ] && modes=$ALL_MODES
	for t in "$@"; do
		TAGGED_MODES[$t]=$modes
	done
}
declare -A TAGGED_MODES=()

# ---- assertions -------------------------------------------------------------

# show a file's head, indented, for failure messages
show() {
	local f=$1
	if [ -s "$f" ]; then
		echo "  --- ${f#"$T"/}:"
		head -n 20 "$f" | sed 's/^/  | /'
	else
		echo "  --- ${f#"$T"/}: (empty)"
	fi
}

assert_contains() {
	local file=$1 str=$2
	grep -qF -- "$str" "$file" 2>/dev/null && return 0
	fail "${file#"$T"/} does not contain '$str'"
	show "$file"
	return 1
}

assert_not_contains() {
	local file=$1 str=$2
	grep -qF -- "$str" "$file" 2>/dev/null || return 0
	fail "${file#"$T"/} contains '$str'"
	show "$file"
	return 1
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[ "$1" = "$2" ] && return 0
	fail "${3:-value}: got '$1', expected '$2'"
}

# assert_rc N...: $rc is one of N...
assert_rc() {
	local want
	for want in "$@"; do
		[ "$rc" = "$want" ] && return 0
	done
	fail "exit status $rc, expected $*"
	show "$T/out"
	show "$T/err"
	return 1
}

assert_no_file() {
	[ ! -e "$1" ] && return 0
	fail "$1 exists (it should not)"
}

# ---- running bsbox --------------------------------------------------------

# run_bsbox ARGS...: $BSBOX ARGS </dev/null >$T/out 2>$T/err; sets $rc
run_bsbox() {
	"$BSBOX" "$@" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

# mkpolicy NAME [KEY VALUE]...: write $TSTATE/NAME.json, print its path.
# The policy extends "default" and lets the probe's directory be executed;
# read/write/exec VALUEs are JSON array members (merged with the probe's
# exec entry), other keys take a JSON value:
#   P=$(mkpolicy out write "\"$T/out\"" limits '{"nproc": 50}')
mkpolicy() {
	local name=$1 f="$TSTATE/$1.json" key val
	shift
	local -A arr=([exec]="\"$BSBOX_BUILD\"")
	local -a other=()
	while [ $# -ge 2 ]; do
		key=$1 val=$2
		shift 2
		case $key in
		read | write | exec) arr[$key]="${arr[$key]:+${arr[$key]}, }$val" ;;
		*) other+=("\"$key\": $val") ;;
		esac
	done
	{
		printf '{\n  "extends": ["default"]'
		for key in read write exec; do
			[ -n "${arr[$key]:-}" ] && printf ',\n  "%s": [%s]' "$key" "${arr[$key]}"
		done
		for val in "${other[@]}"; do
			printf ',\n  %s' "$val"
		done
		printf '\n}\n'
	} >"$f"
	echo "$f"
}

# run_boxed [bsbox run options] -- CMD...; uses $POLICY (default: mkpolicy base)
run_boxed() {
	local -a opts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	local pol=${POLICY:-}
	[ -n "$pol" ] || pol=$(mkpolicy base)
	run_bsbox run --policy "$pol" "${opts[@]}" -- "$@"
}

# run_probe ACTION ARGS...: the probe confined with $POLICY
run_probe() {
	run_boxed -- "$PROBE" "$@"
}

# expect_denied ACTION ERRNO_NAME... -- ARGS: the probe ran (rc 12), the action
# failed with one of the errnos.  Example: expect_denied io_uring ENOSYS
expect_denied() {
	local action=$1 e ok=
	shift
	local -a errs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		errs+=("$1")
		shift
	done
	[ "${1:-}" = "--" ] && shift
	run_probe "$action" "$@"
	if grep -q "^$action: ok" "$T/out"; then
		fail "$action $*: succeeded inside the sandbox"
		show "$T/out"
		return 1
	fi
	for e in "${errs[@]}"; do
		grep -q "^$action: errno=[0-9]* ($e)" "$T/out" && ok=1
	done
	if { [ "$rc" != 12 ] && [ "$rc" != 124 ]; } || [ -z "$ok" ]; then
		fail "$action $*: expected ${errs[*]} (probe exit 12 or bsbox 124), got exit $rc"
		show "$T/out"
		show "$T/err"
		return 1
	fi
	return 0
}

# ---- modes and environment ------------------------------------------------

degraded() { [ "${BSBOX_FORCE_NO_USERNS:-}" = 1 ]; }
is_root() { [ "$(id -u)" = 0 ]; }

# full_only "why": skip_ok in the degraded modes
full_only() {
	degraded || return 0
	skip_ok "only meaningful with namespaces ($1); mode $MODE"
	return 77
}

# need_userns: the kernel lets this user create a user namespace with a
# working uid_map (what bsbox's full mode needs)
need_userns() {
	degraded && return 0
	if ! unshare -Ur true 2>/dev/null; then
		skip "unprivileged user namespaces unavailable here (sysctl kernel.apparmor_restrict_unprivileged_userns / user.max_user_namespaces)"
		return 77
	fi
}

landlock_abi() {
	python3 - 2>/dev/null <<'EOF' || echo 0
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(444, None, 0, 1)   # landlock_create_ruleset(NULL, 0, VERSION)
print(r if r > 0 else 0)
EOF
}

# ip_logged tcp|udp: such a socket exists in the sandbox and its connect,
# bind, listen and sends are refused by the supervisor with the address in
# the event.  Always with a network namespace; without one only where a
# kernel layer refuses the traffic too (seccomp_filter.h): TCP with Landlock
# ABI >= 4, UDP with the BPF deny layer (root, not --audit: $AUDIT=1).
# Elsewhere socket() itself is refused (EAFNOSUPPORT, no address).
ip_logged() {
	degraded || return 0
	case $1 in
	tcp)
		local abi
		abi=$(landlock_abi)
		[ -n "${BSBOX_LANDLOCK_ABI:-}" ] && [ "$BSBOX_LANDLOCK_ABI" -lt "$abi" ] && abi=$BSBOX_LANDLOCK_ABI
		[ "$abi" -ge 4 ]
		;;
	udp) is_root && [ "${AUDIT:-0}" != 1 ] && "$BSBOX" doctor 2>&1 | grep -q 'BPF deny layer: *active' ;;
	*) return 2 ;;
	esac
}

# as_user CMD...: run CMD as the unprivileged test user (as is when not root)
as_user() {
	if is_root; then
		setpriv --reuid="$BSBOX_TEST_USER" --regid="$BSBOX_TEST_USER" --init-groups -- "$@"
	else
		"$@"
	fi
}

# ---- background helpers ---------------------------------------------------

declare -a BG_PIDS=()
declare -a DEFERRED=()

defer() {
	DEFERRED+=("$*")
}

lib_cleanup() {
	local p c
	for c in "${DEFERRED[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
}

# wait_file FILE [TENTHS]: until FILE is non-empty (default 5 s)
wait_file() {
	local i
	for ((i = 0; i < ${2:-50}; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# listener KIND ARG GOTFILE: start a python3 listener in the background.
#   tcp|udp|tcp6 - : binds 127.0.0.1 (::1) on a free port, prints it
#   abstract NAME  : listens on @NAME
# Each accepted connection / datagram appends "GOT" to GOTFILE.
# Sets $LISTEN_PORT (tcp/udp).
listener() {
	local kind=$1 arg=$2 got=$3 ready="$TSTATE/ready.$RANDOM"
	python3 - "$kind" "$arg" "$got" "$ready" <<'EOF' &
import socket, sys
kind, arg, got, ready = sys.argv[1:5]
if kind == "abstract":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + arg)
elif kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
elif kind == "tcp6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::1", 0))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
if kind != "udp":
    s.listen(16)
port = s.getsockname()[1] if kind != "abstract" else 0
with open(ready, "w") as f:
    f.write("%d\n" % port)
while True:
    if kind == "udp":
        s.recvfrom(65536)
    else:
        c, _ = s.accept()
        c.close()
    with open(got, "a") as f:
        f.write("GOT\n")
EOF
	BG_PIDS+=($!)
	if ! wait_file "$ready"; then
		fail "listener $kind did not start"
		return 1
	fi
	LISTEN_PORT=$(cat "$ready")
}
