#!/usr/bin/env bash
# The bsbox test suite.
#
#   tests/run.sh [PATTERN]      (make check runs it with BSBOX and BSBOX_BUILD set)
#
# PATTERN is an extended regex matched against each test's display name, e.g.
# 'layer_read', 'unit/', '\[user\]', 'no-userns'.
#
# Runs, in order: the unit test binaries ($BSBOX_BUILD/unit/*_test), then every
# test_* function of tests/*.sh (files in name order, functions in file
# order).  test_layer_* run once per mode:
#   full                                     "ok - layer_x"
#   BSBOX_FORCE_NO_USERNS=1                  "ok - layer_x [no-userns]"
#   BSBOX_FORCE_NO_USERNS=1 BSBOX_LANDLOCK_ABI=1   "ok - layer_x [no-userns,landlock=1]"
#   as the unprivileged user (root only)     "ok - layer_x [user]"
# and test_layer_log_* (the supervisor's events) also with
#   BSBOX_NO_FUSE=1                          "ok - layer_log_x [no-fuse]"
# so both ways reads outside the policy are seen are tested as root: the
# FUSE root's lookup misses and a notification for every open.
# Tests tagged with tag_unpriv run in full mode and as the unprivileged user;
# tests tagged with `tag_modes MODES` run once in each of those modes (the
# display names as above, e.g. "ok - cargo_benign [no-fuse]"), [user] only
# when the suite runs as root.
# Each test runs in its own bash process under `timeout`, in a fresh $T.
#
# Environment:
#   BSBOX, BSBOX_BUILD    the binary and its build dir (default ./bsbox, ./build)
#   BSBOX_MUST_WORK=1     a skip for a missing feature counts as a failure (CI)
#   BSBOX_TEST_TIMEOUT    seconds per test (300)
#   BSBOX_TEST_MODES      space-separated subset of: full no-userns no-userns-ll1 no-fuse user
#   BSBOX_TEST_USER       the unprivileged user (bsbox-test; created if missing)
#   BSBOX_TEST_TMPDIR     where per-test dirs go (/var/tmp: deliberately not
#                         under /tmp, which the sandbox replaces)
#   BSBOX_TEST_KEEP=1     keep the per-test dirs of passing tests too
#   BSBOX_TEST_VERBOSE=1  print every test's output, not only failures'
#
# The last line is exactly "N passed, M failed, K skipped"; the exit status is
# 1 if M > 0.
set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$TESTS_DIR")
: "${BSBOX:=$ROOT/bsbox}"
: "${BSBOX_BUILD:=$ROOT/build}"
: "${CORPUS:=}"
PROBE=$BSBOX_BUILD/probe
export BSBOX BSBOX_BUILD PROBE CORPUS

# shellcheck source=tests/lib.sh
. "$TESTS_DIR/lib.sh"

load_tests() {
	local f
	for f in "$TESTS_DIR"/*.sh; do
		case ${f##*/} in run.sh | lib.sh) continue ;; esac
		# shellcheck disable=SC1090
		. "$f"
	done
}

# The environment of one mode (exported for bsbox); the full mode clears the
# switches in case the caller's environment had them.
mode_env() {
	unset BSBOX_FORCE_NO_USERNS BSBOX_LANDLOCK_ABI BSBOX_NO_FUSE
	case $1 in
	no-fuse) export BSBOX_NO_FUSE=1 ;;
	no-userns) export BSBOX_FORCE_NO_USERNS=1 ;;
	no-userns-ll1) export BSBOX_FORCE_NO_USERNS=1 BSBOX_LANDLOCK_ABI=1 ;;
	esac
}

# ---- one test (re-invoked: run.sh --one NAME MODE TSTATE) ---------------------
if [ "${1:-}" = "--one" ]; then
	NAME=$2 MODE=$3 TSTATE=$4
	T=$TSTATE/t
	export T TSTATE MODE
	export BSBOX_LOG=$TSTATE/events.jsonl
	mode_env "$MODE"
	if [ "$MODE" = user ] && [ "$(id -u)" = 0 ]; then
		echo "mode user but running as root"
		exit 1
	fi
	load_tests
	trap lib_cleanup EXIT
	mkdir -p "$T/cwd" || exit 1
	cd "$T/cwd" || exit 1
	if [ "$NAME" = "${NAME#test_}" ] || ! declare -F "$NAME" >/dev/null; then
		echo "no such test: $NAME"
		exit 1
	fi
	"$NAME"
	r=$?
	if [ -s "$TSTATE/fails" ]; then
		exit 1
	elif [ -e "$TSTATE/skip" ]; then
		[ -e "$TSTATE/skip_ok" ] && exit 78
		exit 77
	elif [ "$r" = 77 ]; then
		# a skip must say why (skip/skip_ok), or it is not one
		echo "  FAIL: returned 77 without calling skip or skip_ok"
		exit 1
	elif [ "$r" != 0 ]; then
		echo "  FAIL: returned $r"
		exit 1
	fi
	exit 0
fi

# ---- the runner -------------------------------------------------------------
PATTERN=${1:-}
TIMEOUT=${BSBOX_TEST_TIMEOUT:-300}
MUST_WORK=${BSBOX_MUST_WORK:-0}
MODES=${BSBOX_TEST_MODES:-full no-userns no-userns-ll1 no-fuse user}
npass=0 nfail=0 nskip=0
seq=0

RUNDIR=$(mktemp -d "${BSBOX_TEST_TMPDIR:-/var/tmp}/bsbox-tests.XXXXXX") || exit 1
chmod 755 "$RUNDIR"
trap 'rmdir "$RUNDIR" 2>/dev/null' EXIT

summary() {
	echo "$npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" = 0 ]
	exit $?
}

if [ ! -x "$BSBOX" ] || [ ! -x "$PROBE" ]; then
	echo "not ok - setup: need $BSBOX and $PROBE (run: make check)"
	nfail=1
	summary
fi

want() {
	[ -z "$PATTERN" ] || [[ $1 =~ $PATTERN ]]
}
mode_on() {
	[[ " $MODES " == *" $1 "* ]]
}

# report DISPLAY RC LOG TSTATE: print the result line, count it
report() {
	local disp=$1 r=$2 log=$3 st=$4 why=""
	[ -n "$st" ] && [ -f "$st/skip" ] && why=$(head -n 1 "$st/skip")
	case $r in
	0)
		echo "ok - $disp"
		npass=$((npass + 1))
		;;
	77 | 78)
		if [ "$r" = 77 ] && [ "$MUST_WORK" = 1 ]; then
			echo "not ok - $disp (skipped: ${why:-?}; a failure with BSBOX_MUST_WORK=1)"
			nfail=$((nfail + 1))
		else
			echo "skip - $disp (${why:-no reason given})"
			nskip=$((nskip + 1))
		fi
		;;
	124 | 137)
		echo "not ok - $disp (timed out after ${TIMEOUT}s)"
		nfail=$((nfail + 1))
		;;
	*)
		echo "not ok - $disp"
		nfail=$((nfail + 1))
		;;
	esac
	if [ -s "$log" ] && { [ "${BSBOX_TEST_VERBOSE:-}" = 1 ] ||
		{ [ "$r" != 0 ] && [ "$r" != 77 ] && [ "$r" != 78 ]; } ||
		{ [ "$r" = 77 ] && [ "$MUST_WORK" = 1 ]; }; }; then
		tail -n 60 "$log" | sed 's/^/#   /'
		[ -n "$st" ] && echo "#   (kept $st)"
	fi
}

# ---- the unprivileged user ------------------------------------------------
USER_OK=0 USER_WHY="not running as root"
if [ "$(id -u)" = 0 ] && mode_on user; then
	if ! id "$BSBOX_TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/bash "$BSBOX_TEST_USER" >/dev/null 2>&1 ||
			USER_WHY="could not create user $BSBOX_TEST_USER (useradd)"
	fi
	if id "$BSBOX_TEST_USER" >/dev/null 2>&1; then
		if as_user test -x "$BSBOX" -a -x "$PROBE" -a -r "$TESTS_DIR/run.sh" -a -x "$RUNDIR" 2>/dev/null; then
			USER_OK=1
			USER_HOME=$(getent passwd "$BSBOX_TEST_USER" | cut -d: -f6)
		else
			USER_WHY="$BSBOX_TEST_USER cannot reach $BSBOX, $PROBE or $TESTS_DIR (directory permissions)"
		fi
	fi
fi

# run_one FUNC MODE DISPLAY
run_one() {
	local fn=$1 mode=$2 disp=$3 st r log
	seq=$((seq + 1))
	st=$RUNDIR/$(printf '%03d' "$seq")
	log=$st.log
	mkdir -p "$st/t" && chmod 755 "$st" "$st/t"
	# a test file may declare a longer limit: timeout_test_NAME=SECONDS
	local tvar="timeout_$fn" TIMEOUT=$TIMEOUT
	[ -n "${!tvar:-}" ] && TIMEOUT=${!tvar}
	if [ "$mode" = user ]; then
		if [ "$USER_OK" != 1 ]; then
			echo "$USER_WHY" >"$st/skip"
			report "$disp" 77 "" "$st"
			rm -rf "$st"
			return
		fi
		chown -R "$BSBOX_TEST_USER:" "$st"
		# a clean login-like environment: the user cannot read root's
		# toolchains (/root/.cargo), so PATH is the system one
		timeout -k 10 "$TIMEOUT" env -i \
			PATH=/usr/local/bin:/usr/bin:/bin HOME="$USER_HOME" USER="$BSBOX_TEST_USER" \
			LOGNAME="$BSBOX_TEST_USER" LANG=C.UTF-8 TMPDIR=/tmp \
			BSBOX="$BSBOX" BSBOX_BUILD="$BSBOX_BUILD" CORPUS="$CORPUS" \
			BSBOX_MUST_WORK="$MUST_WORK" BSBOX_TEST_USER="$BSBOX_TEST_USER" \
			setpriv --reuid="$BSBOX_TEST_USER" --regid="$BSBOX_TEST_USER" --init-groups -- \
			bash "$TESTS_DIR/run.sh" --one "$fn" "$mode" "$st" </dev/null >"$log" 2>&1
		r=$?
	else
		timeout -k 10 "$TIMEOUT" bash "$TESTS_DIR/run.sh" --one "$fn" "$mode" "$st" \
			</dev/null >"$log" 2>&1
		r=$?
	fi
	report "$disp" "$r" "$log" "$st"
	if [ "$r" = 0 ] || [ "$r" = 78 ] || { [ "$r" = 77 ] && [ "$MUST_WORK" != 1 ]; }; then
		[ "${BSBOX_TEST_KEEP:-}" = 1 ] || rm -rf "$st" "$log"
	fi
}

# ---- unit tests -------------------------------------------------------------
for u in "$BSBOX_BUILD"/unit/*_test; do
	[ -x "$u" ] || continue
	disp="unit/${u##*/}"
	want "$disp" || continue
	seq=$((seq + 1))
	log=$RUNDIR/$(printf '%03d' "$seq").log
	(cd "$ROOT" && timeout -k 10 "$TIMEOUT" "$u") </dev/null >"$log" 2>&1
	r=$?
	report "$disp" "$r" "$log" ""
	[ "$r" = 0 ] && rm -f "$log"
done

# ---- shell tests, in file order -------------------------------------------
load_tests
shopt -s extdebug
declare -a ORDERED=()
mapfile -t ORDERED < <(
	fi=0
	for f in "$TESTS_DIR"/*.sh; do
		fi=$((fi + 1))
		echo "$f $fi"
	done >"$RUNDIR/files"
	declare -F | awk '$3 ~ /^test_/ { print $3 }' | while read -r fn; do
		# "NAME LINE FILE" with extdebug
		read -r _ line file < <(declare -F "$fn")
		idx=$(awk -v f="$file" '$1 == f { print $2 }' "$RUNDIR/files")
		printf '%05d %07d %s\n' "${idx:-99999}" "$line" "$fn"
	done | sort | awk '{ print $3 }'
	rm -f "$RUNDIR/files"
)
shopt -u extdebug

is_unpriv() {
	local t
	[[ $1 == test_layer_* ]] && return 0
	for t in "${UNPRIV_TESTS[@]}"; do
		[ "$t" = "$1" ] && return 0
	done
	return 1
}

for fn in "${ORDERED[@]}"; do
	base=${fn#test_}
	modes="full"
	[[ $fn == test_layer_* ]] && modes="full no-userns no-userns-ll1"
	[[ $fn == test_layer_log_* ]] && modes="$modes no-fuse"
	is_unpriv "$fn" && modes="$modes user"
	[ -n "${TAGGED_MODES[$fn]:-}" ] && modes=${TAGGED_MODES[$fn]}
	# the user mode switches to the test user: only root can
	[ "$(id -u)" = 0 ] || modes=$(for m in $modes; do [ "$m" = user ] || echo "$m"; done)
	for mode in $modes; do
		mode_on "$mode" || continue
		case $mode in
		full) disp=$base ;;
		no-userns) disp="$base [no-userns]" ;;
		no-userns-ll1) disp="$base [no-userns,landlock=1]" ;;
		no-fuse) disp="$base [no-fuse]" ;;
		user) disp="$base [user]" ;;
		esac
		want "$disp" || continue
		run_one "$fn" "$mode" "$disp"
	done
done

summary
