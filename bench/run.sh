#!/usr/bin/env bash
# bsbox benchmarks against the unconfined baseline, side by side in one run.
#
#   make bench                 (builds ./bsbox, then: bash bench/run.sh)
#   BENCH_QUICK=1 make bench   skip the clean builds of the corpus workspace
#
# See bench/README.md for what is measured and how to read the output.
#
# Environment:
#   BSBOX              the binary (default ./bsbox)
#   BENCH_REPS         repetitions of each short measurement (default 15)
#   BENCH_CC_LOOPS     compiles per run (8); BENCH_FIND_LOOPS: finds per run (10)
#   BENCH_CARGO_REPS   repetitions of the no-op cargo build (default 15)
#   BENCH_CLEAN_REPS   clean builds of the corpus workspace, each way (default 1)
#   BENCH_QUICK=1      no clean workspace builds
#   BENCH_MODES        sandbox modes for the supervision rows: "full no-fuse no-userns",
#                      as root also no-bpf-reads
#                      (full is checked against BENCH_LIMIT; no-fuse = BSBOX_NO_FUSE=1
#                      and no-userns = BSBOX_FORCE_NO_USERNS=1 are the fallbacks,
#                      shown for information; so is no-bpf-reads = BSBOX_NO_BPF_READS=1,
#                      root's full mode where BPF cannot load)
#   BENCH_LIMIT        the ratio the supervision rows must stay under (1.05)
#   BENCH_CLEAN_LIMIT  the ratio the clean workspace build must stay under (1.02)
#   BENCH_NOUSERNS_LIMIT  the whole-sandbox ratio without user namespaces (1.15)
#   BENCH_FULL=1       also the configure-heavy build (jemalloc-sys, minutes); see
#                      bench/buildscripts.sh for its knobs
#   BENCH_DIR          scratch space (default /var/tmp/bsbox-bench; not /tmp,
#                      which the sandbox replaces with a private one)
#   BSBOX_CORPUS       the corpus (default /tmp/bsbox-corpus); the workspace is
#                      $BSBOX_CORPUS/projects/big-workspace
#
# Exit status: 0 if every checked row PASSed, 1 if one FAILed or could not run.
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BSBOX=${BSBOX:-$ROOT/bsbox}
case $BSBOX in /*) ;; *) BSBOX=$PWD/$BSBOX ;; esac
REPS=${BENCH_REPS:-15}
CARGO_REPS=${BENCH_CARGO_REPS:-15}
CLEAN_REPS=${BENCH_CLEAN_REPS:-1}
MODES=${BENCH_MODES:-full no-fuse no-userns$([ "$(id -u)" = 0 ] && echo ' no-bpf-reads')}
LIMIT=${BENCH_LIMIT:-1.05}
CLEAN_LIMIT=${BENCH_CLEAN_LIMIT:-1.02}
NOUSERNS_LIMIT=${BENCH_NOUSERNS_LIMIT:-1.15}
BDIR=${BENCH_DIR:-/var/tmp/bsbox-bench}
CORPUS=${BSBOX_CORPUS:-/tmp/bsbox-corpus}
WS=$CORPUS/projects/big-workspace

nfail=0
if [ ! -x "$BSBOX" ]; then
	echo "bench: no bsbox binary at $BSBOX (run: make bench)" >&2
	exit 1
fi
mkdir -p "$BDIR" || exit 1
# the event log of everything bsbox does here (not the user's default log)
export BSBOX_LOG=$BDIR/events.jsonl
rm -f "$BSBOX_LOG" # this run's denials only
export BSBOX_QUIET=1
unset BSBOX_MODE BSBOX_FORCE_NO_USERNS BSBOX_LANDLOCK_ABI BSBOX_NO_FUSE BSBOX_NO_BPF_READS

# ---- timing helpers -----------------------------------------------------------

# timeit CMD...: run CMD (output to $BDIR/last.out); $TSEC is the wall time
# in seconds, $TRC the exit status
timeit() {
	local t0=$EPOCHREALTIME t1
	"$@" </dev/null >"$BDIR/last.out" 2>&1
	TRC=$?
	t1=$EPOCHREALTIME
	TSEC=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.6f", b - a }')
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ratio A B: A/B with 3 decimals ("inf" when B <= 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "inf"; else printf "%.3f\n", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "inf" && a <= b) }'; }
fmt_s() { awk -v a="$1" 'BEGIN { printf "%.3fs", a }'; }

# pair NAME N BASE_FN BSBOX_FN: run both N times interleaved (the order
# alternates each repetition so drift and caches favour neither), and keep
# the medians in $BASE_MED / $BOX_MED.  A failing run of either aborts the
# pair: $PAIR_ERR says which.
pair() {
	local name=$1 n=$2 fb=$3 fx=$4 i
	: >"$BDIR/$name.base"
	: >"$BDIR/$name.box"
	PAIR_ERR=
	for ((i = 0; i < n; i++)); do
		if ((i % 2)); then
			timeit "$fx"; [ "$TRC" = 0 ] || { PAIR_ERR="bsbox run failed (exit $TRC)"; return 1; }
			echo "$TSEC" >>"$BDIR/$name.box"
			timeit "$fb"; [ "$TRC" = 0 ] || { PAIR_ERR="baseline failed (exit $TRC)"; return 1; }
			echo "$TSEC" >>"$BDIR/$name.base"
		else
			timeit "$fb"; [ "$TRC" = 0 ] || { PAIR_ERR="baseline failed (exit $TRC)"; return 1; }
			echo "$TSEC" >>"$BDIR/$name.base"
			timeit "$fx"; [ "$TRC" = 0 ] || { PAIR_ERR="bsbox run failed (exit $TRC)"; return 1; }
			echo "$TSEC" >>"$BDIR/$name.box"
		fi
	done
	BASE_MED=$(median <"$BDIR/$name.base")
	BOX_MED=$(median <"$BDIR/$name.box")
}

# row SECTION LABEL BASE BOX [extra]: one aligned result line
row() {
	printf '%-13s %-46s base %-9s bsbox %-9s ratio %-6s %s\n' "$1:" "$2" "$(fmt_s "$3")" "$(fmt_s "$4")" \
		"$(ratio "$4" "$3")" "${5:-}"
}

pair_failed() {
	printf '%-13s %-46s FAILED: %s\n' "$1:" "$2" "$PAIR_ERR"
	sed 's/^/    | /' "$BDIR/last.out" | tail -n 25
	nfail=$((nfail + 1))
}

# ---- the machine ----------------------------------------------------------------

echo "bsbox bench: $("$BSBOX" --version 2>&1 | head -n 1), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  repetitions: $REPS (supervision), $CARGO_REPS (no-op cargo), $CLEAN_REPS (clean workspace build$([ "${BENCH_QUICK:-}" = 1 ] && echo ', skipped: BENCH_QUICK=1'))"
echo "  medians of interleaved runs; ratio = bsbox / baseline"
echo

# ---- a. issue 3: supervision overhead ---------------------------------------------

W=$BDIR/work
mkdir -p "$W"
# many-headers.c: every common system header that compiles on this machine
HDRS="assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h locale.h
math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h
stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h wctype.h aio.h
arpa/inet.h cpio.h dirent.h dlfcn.h fcntl.h fnmatch.h ftw.h glob.h grp.h iconv.h langinfo.h
libgen.h monetary.h mqueue.h net/if.h netdb.h netinet/in.h netinet/tcp.h nl_types.h poll.h
pthread.h pwd.h regex.h sched.h search.h semaphore.h spawn.h strings.h sys/ipc.h sys/mman.h
sys/msg.h sys/resource.h sys/select.h sys/sem.h sys/shm.h sys/socket.h sys/stat.h
sys/statvfs.h sys/time.h sys/times.h sys/types.h sys/uio.h sys/un.h sys/utsname.h sys/wait.h
syslog.h tar.h termios.h ulimit.h unistd.h utime.h utmpx.h wordexp.h err.h error.h getopt.h
malloc.h mntent.h obstack.h paths.h shadow.h sys/epoll.h sys/eventfd.h sys/file.h sys/inotify.h
sys/ioctl.h sys/mount.h sys/prctl.h sys/ptrace.h sys/random.h sys/sendfile.h sys/signalfd.h
sys/sysinfo.h sys/timerfd.h sys/xattr.h linux/limits.h linux/types.h linux/fs.h linux/netlink.h"
if [ ! -s "$W/many-headers.c" ]; then
	{
		echo "#define _GNU_SOURCE"
		for h in $HDRS; do
			printf '#include <%s>\n' "$h" >"$W/one.c"
			cc -fsyntax-only "$W/one.c" >/dev/null 2>&1 && printf '#include <%s>\n' "$h"
		done
		echo "int bench_main(void) { return 0; }"
	} >"$W/many-headers.c.tmp"
	if cc -fsyntax-only "$W/many-headers.c.tmp" >/dev/null 2>&1; then
		mv "$W/many-headers.c.tmp" "$W/many-headers.c"
	else
		# some pair conflicts here: fall back to the C standard headers
		grep -E '^#(define|include <[a-z]+\.h>$)|bench_main' "$W/many-headers.c.tmp" >"$W/many-headers.c"
	fi
fi
NHDR=$(grep -c '^#include' "$W/many-headers.c")
CC_LOOPS=${BENCH_CC_LOOPS:-8}
POL=$BDIR/bench-policy.json
printf '{\n  "extends": ["default"],\n  "write": ["%s"]\n}\n' "$W" >"$POL"

# shellcheck disable=SC2016 # $1 and $2 are the inner shell's (both functions)
cc_base() { sh -c 'i=0; while [ $i -lt "$1" ]; do cc -pipe -c -o "$2/many-headers.o" "$2/many-headers.c" || exit; i=$((i+1)); done' cc "$CC_LOOPS" "$W"; }
# shellcheck disable=SC2016
cc_box() { "$BSBOX" run --policy "$POL" -- sh -c 'i=0; while [ $i -lt "$1" ]; do cc -pipe -c -o "$2/many-headers.o" "$2/many-headers.c" || exit; i=$((i+1)); done' cc "$CC_LOOPS" "$W"; }
FIND_LOOPS=${BENCH_FIND_LOOPS:-10}
# shellcheck disable=SC2016
find_base() { sh -c 'i=0; while [ $i -lt "$1" ]; do find /usr/include -type f | wc -l || exit; i=$((i+1)); done' find "$FIND_LOOPS"; }
# shellcheck disable=SC2016
find_box() { "$BSBOX" run --policy "$POL" -- sh -c 'i=0; while [ $i -lt "$1" ]; do find /usr/include -type f | wc -l || exit; i=$((i+1)); done' find "$FIND_LOOPS"; }
true_base() { /bin/true; }
true_box() { "$BSBOX" run --policy "$POL" -- /bin/true; }
# the same sandbox without the supervisor (no notifications, no FUSE root,
# nothing logged): what supervision itself costs is bsbox / this
cc_uns() { BSBOX_BENCH_UNSUPERVISED=1 cc_box; }
find_uns() { BSBOX_BENCH_UNSUPERVISED=1 find_box; }
true_uns() { BSBOX_BENCH_UNSUPERVISED=1 true_box; }

echo "== supervision (issue 3): allowed work under bsbox run; target: the supervisor's cost <= $LIMIT"
echo "   rows per workload: bsbox vs unconfined (the whole sandbox: namespaces, Landlock, filter,"
echo "   supervisor); excluding startup; and 'supervisor only': bsbox vs the same sandbox with"
echo "   BSBOX_BENCH_UNSUPERVISED=1 (checked in full mode)"
echo "   full mode reads: $("$BSBOX" doctor 2>/dev/null | sed -n 's/^ *FUSE root (fast reads) *//p' | cut -c1-60)"
[ "$(id -u)" = 0 ] && echo "   root's reads: $("$BSBOX" doctor 2>/dev/null | sed -n '/FUSE root (fast reads)/{n;p;n;p;n;p}' | tr -s ' ' | sed 's/^ //' | tr '\n' ' ' | sed 's/  *(README[^)]*)//;s/ *FUSE root.*//;s/ sandbox mode.*//;s/^as root too: //')"
echo "   many-headers.c: $NHDR system headers, compiled $CC_LOOPS times per run; find: $(find /usr/include -type f | wc -l) files, $FIND_LOOPS times per run"
for mode in $MODES; do
	unset BSBOX_FORCE_NO_USERNS BSBOX_NO_FUSE BSBOX_NO_BPF_READS
	case $mode in
	full) ;;
	no-fuse) export BSBOX_NO_FUSE=1 ;;
	no-bpf-reads) export BSBOX_NO_BPF_READS=1 ;;
	no-userns) export BSBOX_FORCE_NO_USERNS=1 ;;
	*) echo "bench: unknown mode $mode" >&2; continue ;;
	esac
	sect="supervision"
	tag=""
	[ "$mode" = full ] || tag=" [$mode]"
	# warm the page cache and check each works confined before timing it
	for f in cc_box find_box true_box cc_uns; do
		"$f" </dev/null >"$BDIR/last.out" 2>&1 || { PAIR_ERR="$f: exit $?"; pair_failed "$sect" "warm-up$tag"; continue 2; }
	done
	if ! pair "true-$mode" "$REPS" true_base true_box; then
		pair_failed "$sect" "startup: /bin/true$tag"
		continue
	fi
	TB=$BASE_MED TX=$BOX_MED
	dt=$(awk -v a="$TX" -v b="$TB" 'BEGIN { printf "%+.1fms", (a - b) * 1000 }')
	row "$sect" "startup: /bin/true$tag" "$TB" "$TX" "($dt per bsbox run)"
	pair "true-uns-$mode" "$REPS" true_uns true_box || { pair_failed "$sect" "startup, unsupervised$tag"; continue; }
	TU=$BASE_MED TX2=$BOX_MED
	for w in "cc:cc -pipe -c many-headers.c (x$CC_LOOPS)" "find:find /usr/include -type f | wc -l (x$FIND_LOOPS)"; do
		key=${w%%:*} label=${w#*:}
		if ! pair "$key-$mode" "$REPS" "${key}_base" "${key}_box"; then
			pair_failed "$sect" "$label$tag"
			continue
		fi
		# issue 16: the whole sandbox, launch included, against unconfined
		r=$(ratio "$BOX_MED" "$BASE_MED")
		case $mode in
		full) wlim=$LIMIT ;;
		no-userns) wlim=$NOUSERNS_LIMIT ;;
		*) wlim= ;;
		esac
		if [ -z "$wlim" ]; then
			verdict="(whole sandbox: shown)"
		elif le "$r" "$wlim"; then
			verdict="PASS (whole sandbox <= $wlim)"
		else
			verdict="FAIL (whole sandbox > $wlim)"
			nfail=$((nfail + 1))
		fi
		row "$sect" "$label$tag" "$BASE_MED" "$BOX_MED" "$verdict"
		# the work alone: minus what /bin/true costs each way
		wb=$(awk -v a="$BASE_MED" -v b="$TB" 'BEGIN { printf "%.6f", a - b }')
		wx=$(awk -v a="$BOX_MED" -v b="$TX" 'BEGIN { printf "%.6f", a - b }')
		row "$sect" "  excluding startup$tag" "$wb" "$wx" "(the whole sandbox: shown)"
		if ! pair "$key-uns-$mode" "$REPS" "${key}_uns" "${key}_box"; then
			pair_failed "$sect" "  supervisor only$tag"
			continue
		fi
		wu=$(awk -v a="$BASE_MED" -v b="$TU" 'BEGIN { printf "%.6f", a - b }')
		wx=$(awk -v a="$BOX_MED" -v b="$TX2" 'BEGIN { printf "%.6f", a - b }')
		r=$(ratio "$wx" "$wu")
		if [ "$mode" != full ]; then
			verdict="(fallback: shown, not checked)"
		elif le "$r" "$LIMIT"; then
			verdict="PASS (<= $LIMIT)"
		else
			verdict="FAIL (> $LIMIT)"
			nfail=$((nfail + 1))
		fi
		row "$sect" "  supervisor only: vs unsupervised$tag" "$wu" "$wx" "$verdict"
	done
done
unset BSBOX_FORCE_NO_USERNS BSBOX_NO_FUSE BSBOX_NO_BPF_READS
echo

# ---- b. issue 4: cargo ------------------------------------------------------------

CARGO_BIN=$(command -v cargo || { [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ] && echo "${CARGO_HOME:-$HOME/.cargo}/bin/cargo"; })
echo "== cargo (issue 4): RUSTC_WRAPPER=bsbox vs plain cargo; targets: no-op +few ms, clean workspace <= $CLEAN_LIMIT"
if [ -z "$CARGO_BIN" ]; then
	echo "cargo:        no cargo found: skipped"
	[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
else
	PATH="$(dirname "$CARGO_BIN"):$PATH"
	export PATH CARGO_TERM_COLOR=never
	unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WRAPPER CARGO_TARGET_DIR
	# shipped policies: searched first, as an installed bsbox would find them
	if [ -n "$(ls -A "$ROOT/policies" 2>/dev/null)" ]; then
		export BSBOX_POLICY_DIR=$ROOT/policies
		echo "   policies: $ROOT/policies ($(find "$ROOT/policies" -name '*.json' | wc -l) files)"
	else
		echo "   policies: none shipped in $ROOT/policies (the built-in default only)"
	fi
	echo "   cargo: $("$CARGO_BIN" --version 2>&1)"

	# bsbox's own summaries from a failed build (what was denied, by whom,
	# the entry to add), else the tail of the log
	show_violations() {
		local f=$1
		if grep -qE 'bsbox: [0-9]+ (denial|access)' "$f"; then
			awk '/failed to run custom build command/ { print; next }
			     /bsbox: [0-9]+ (denial|access)/ { on = 1 }
			     on { print } /policy: add these entries/ { on = 0 }' "$f" | head -n 60 | sed 's/^/    | /'
		else
			tail -n 25 "$f" | sed 's/^/    | /'
		fi
	}

	# no-op build: a crate with a build script, built once each way, then
	# `cargo build` with nothing to do
	NOOP_SRC=$ROOT/tests/crates/benign
	NOOP=$BDIR/noop
	rm -rf "$NOOP"
	cp -r "$NOOP_SRC" "$NOOP"
	rm -rf "$NOOP/target"
	noop_base() { (cd "$NOOP" && CARGO_TARGET_DIR=$BDIR/noop-target-base cargo build --offline -q); }
	noop_box() { (cd "$NOOP" && CARGO_TARGET_DIR=$BDIR/noop-target-bsbox RUSTC_WRAPPER=$BSBOX cargo build --offline -q); }
	rm -rf "$BDIR/noop-target-base" "$BDIR/noop-target-bsbox"
	if ! noop_base >"$BDIR/last.out" 2>&1; then
		PAIR_ERR="first build without bsbox failed"
		pair_failed cargo "no-op cargo build (benign)"
	elif ! noop_box >"$BDIR/last.out" 2>&1; then
		echo "cargo:        no-op cargo build (benign)                      FAILED: the first build under bsbox failed"
		show_violations "$BDIR/last.out"
		nfail=$((nfail + 1))
	elif pair noop "$CARGO_REPS" noop_base noop_box; then
		d=$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%+.1fms", (a - b) * 1000 }')
		row cargo "no-op cargo build (benign)" "$BASE_MED" "$BOX_MED" "($d)"
	else
		pair_failed cargo "no-op cargo build (benign)"
	fi

	# the corpus workspace: clean builds, then a no-op build on top of them
	if [ ! -f "$WS/Cargo.toml" ]; then
		echo "cargo:        clean build (big-workspace)                     skipped: no $WS"
		[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
	elif [ "${BENCH_QUICK:-}" = 1 ]; then
		echo "cargo:        clean build (big-workspace)                     skipped (BENCH_QUICK=1)"
	else
		ws_base() { rm -rf "$BDIR/ws-target-base" && (cd "$WS" && CARGO_TARGET_DIR=$BDIR/ws-target-base cargo build --offline); }
		ws_box() { rm -rf "$BDIR/ws-target-bsbox" && (cd "$WS" && CARGO_TARGET_DIR=$BDIR/ws-target-bsbox RUSTC_WRAPPER=$BSBOX cargo build --offline); }
		: >"$BDIR/ws.base"
		: >"$BDIR/ws.box"
		ws_ok=1
		for ((i = 0; i < CLEAN_REPS && ws_ok; i++)); do
			for side in $( ((i % 2)) && echo "box base" || echo "base box"); do
				echo "   clean build $((i + 1))/$CLEAN_REPS, $side ..." >&2
				timeit "ws_$side"
				cp "$BDIR/last.out" "$BDIR/ws-$side.log"
				if [ "$TRC" != 0 ]; then
					ws_ok=0
					if [ "$side" = box ]; then
						[ -s "$BDIR/ws.base" ] && echo "   (baseline clean build: $(fmt_s "$(median <"$BDIR/ws.base")"))"
						echo "cargo:        clean build (big-workspace)                     FAILED under bsbox (exit $TRC; log $BDIR/ws-box.log):"
						show_violations "$BDIR/ws-box.log"
					else
						echo "cargo:        clean build (big-workspace)                     FAILED without bsbox (exit $TRC; log $BDIR/ws-base.log):"
						tail -n 15 "$BDIR/ws-base.log" | sed 's/^/    | /'
					fi
					nfail=$((nfail + 1))
					break
				fi
				echo "$TSEC" >>"$BDIR/ws.$side"
			done
		done
		if [ "$ws_ok" = 1 ]; then
			BASE_MED=$(median <"$BDIR/ws.base")
			BOX_MED=$(median <"$BDIR/ws.box")
			r=$(ratio "$BOX_MED" "$BASE_MED")
			if le "$r" "$CLEAN_LIMIT"; then verdict="PASS (<= $CLEAN_LIMIT)"; else verdict="FAIL (> $CLEAN_LIMIT)"; nfail=$((nfail + 1)); fi
			row cargo "clean build (big-workspace)" "$BASE_MED" "$BOX_MED" "$verdict"
			nviol=$(grep -c '"action":"denied"' "$BSBOX_LOG" 2>/dev/null)
			echo "   (event log $BSBOX_LOG: ${nviol:-0} denials in total)"
			ws_noop_base() { (cd "$WS" && CARGO_TARGET_DIR=$BDIR/ws-target-base cargo build --offline -q); }
			ws_noop_box() { (cd "$WS" && CARGO_TARGET_DIR=$BDIR/ws-target-bsbox RUSTC_WRAPPER=$BSBOX cargo build --offline -q); }
			if pair ws-noop "$CARGO_REPS" ws_noop_base ws_noop_box; then
				d=$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%+.1fms", (a - b) * 1000 }')
				row cargo "no-op cargo build (big-workspace)" "$BASE_MED" "$BOX_MED" "($d)"
			else
				pair_failed cargo "no-op cargo build (big-workspace)"
			fi
		fi
	fi
fi

echo

# ---- d. issue 16: build scripts' own work ------------------------------------------
# shellcheck source=bench/buildscripts.sh
. "$ROOT/bench/buildscripts.sh"

# ---- c. issue 13: proc macros ------------------------------------------------------
# shellcheck source=bench/procmacro.sh
. "$ROOT/bench/procmacro.sh"

if [ "$nfail" = 0 ]; then
	echo "bench: all checked rows passed"
else
	echo "bench: $nfail row(s) FAILED or could not run"
fi
[ "$nfail" = 0 ]
