#!/usr/bin/env bash
# What --trace costs (issue 14): the same C compile loop inside `bsbox run`,
# untraced, traced by the BPF backend and traced by the supervisor
# (BSBOX_TRACE_BACKEND=seccomp), interleaved; and the fixed cost of loading
# the BPF programs once per sandbox (`bsbox run -- true`).
#
#   make bench-trace            (or: bash bench/trace.sh)
#   BENCH_REPS=9                repetitions (medians are reported)
#   BENCH_CC_LOOPS=20           compiles per run
#   BENCH_TRACE_LIMIT=1.03      the BPF row's ratio must stay under it
#   BENCH_DIR=/var/tmp/bsbox-bench
# The BPF rows need root; without it they are skipped and only the
# supervisor's row is shown.  Exit status 1 if the BPF compile row fails.
set -u
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BSBOX=${BSBOX:-$ROOT/bsbox}
REPS=${BENCH_REPS:-9}
LOOPS=${BENCH_CC_LOOPS:-20}
LIMIT=${BENCH_TRACE_LIMIT:-1.03}
BDIR=${BENCH_DIR:-/var/tmp/bsbox-bench}/trace
mkdir -p "$BDIR" || exit 1
export BSBOX_QUIET=1 BSBOX_LOG=$BDIR/events.jsonl
unset BSBOX_TRACE BSBOX_TRACE_BACKEND BSBOX_FORCE_NO_USERNS BSBOX_NO_FUSE

cat >"$BDIR/c.c" <<'C'
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
int main(void) { printf("%f\n", sin(1.0)); return 0; }
C
cat >"$BDIR/loop.sh" <<SH
cd "$BDIR" && for i in \$(seq 1 $LOOPS); do cc -O1 -c c.c -o c.o || exit 1; done
SH
echo "{\"extends\": [\"default\"], \"write\": [\"$BDIR\"]}" >"$BDIR/policy.json"

bpf=0
"$BSBOX" doctor 2>/dev/null | grep -q '^  trace backend (--trace) *BPF' && bpf=1

t() { # t VAR CMD...: wall seconds of CMD into VAR's file
	local f=$1 t0=$EPOCHREALTIME
	shift
	"$@" </dev/null >/dev/null 2>"$BDIR/last.err" || { echo "bench: $* failed" >&2; cat "$BDIR/last.err" >&2; exit 1; }
	awk -v a="${t0/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.6f\n", b - a }' >>"$BDIR/$f"
}
med() { sort -g "$BDIR/$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

rm -f "$BDIR"/*.s
run=("$BSBOX" run --policy "$BDIR/policy.json")
for ((i = 0; i < REPS; i++)); do
	t plain.s "${run[@]}" -- sh "$BDIR/loop.sh"
	((bpf)) && t bpf.s "${run[@]}" --trace "$BDIR/t.jsonl" -- sh "$BDIR/loop.sh"
	BSBOX_TRACE_BACKEND=seccomp t sec.s "${run[@]}" --trace "$BDIR/t.jsonl" -- sh "$BDIR/loop.sh"
	t true.s "${run[@]}" -- true
	((bpf)) && t truebpf.s "${run[@]}" --trace "$BDIR/t.jsonl" -- true
	rm -f "$BDIR/t.jsonl"
done

echo "bsbox --trace cost: $LOOPS compiles per run, $REPS runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
P=$(med plain.s)
rc=0
if ((bpf)); then
	B=$(med bpf.s)
	R=$(ratio "$B" "$P")
	verdict=PASS
	awk -v r="$R" -v l="$LIMIT" 'BEGIN { exit !(r <= l) }' || { verdict="FAIL (limit $LIMIT)"; rc=1; }
	printf 'trace: %-34s untraced %.3fs  traced %.3fs  ratio %s  %s\n' "BPF backend, compile loop" "$P" "$B" "$R" "$verdict"
	printf 'trace: %-34s untraced %.3fs  traced %.3fs  (+%.0f ms: loading the programs)\n' \
		"BPF backend, sandbox start" "$(med true.s)" "$(med truebpf.s)" \
		"$(awk -v a="$(med truebpf.s)" -v b="$(med true.s)" 'BEGIN { print (a - b) * 1000 }')"
else
	echo "trace: BPF backend                         skipped: $("$BSBOX" doctor | grep -A1 'trace backend' | tail -n 1 | sed 's/^ *//')"
fi
S=$(med sec.s)
printf 'trace: %-34s untraced %.3fs  traced %.3fs  ratio %s  (information)\n' "supervisor backend, compile loop" "$P" "$S" "$(ratio "$S" "$P")"
exit $rc
