# shellcheck shell=bash
# Sourced by bench/run.sh (uses its timeit, median, ratio, le, fmt_s, row,
# show_violations, $BSBOX, $BDIR, $CORPUS, nfail).
#
# d. issue 16: build scripts' own work at native speed.  Clean `cargo build`s
# of corpus projects, with RUSTC_WRAPPER=bsbox and without, interleaved (the
# order alternates each pair), each from an empty target directory:
#   - openssl: a small project (checked against BENCH_SMALL_LIMIT, 1.02);
#   - jemalloc-sys: a configure-heavy build script (~3,500 processes, one
#     notification per exec and per write-open); minutes per build, so only
#     with BENCH_FULL=1 (checked against BENCH_LIMIT, 1.05).
# And the configure-heavy part alone, in every run but BENCH_QUICK: jemalloc's
# own ./configure (the one jemalloc-sys's build script runs: ~2,700 execs,
# ~5,000 notifications, seconds) under `bsbox run` against bare, checked
# against BENCH_LIMIT.
# Environment: BENCH_SMALL_REPS (pairs, default 3), BENCH_CONFIGURE_REPS
# (pairs, default 1), BENCH_CONFIGURE_RUNS (configure runs each way, default
# 5), BENCH_SMALL_LIMIT, BENCH_FULL.

SMALL_LIMIT=${BENCH_SMALL_LIMIT:-1.02}
echo "== build scripts (issue 16): clean cargo build of corpus projects; openssl <= $SMALL_LIMIT, configure-heavy <= $LIMIT"

# bs_pair NAME PROJECT REPS LIMIT: the clean builds, the row and its verdict
bs_pair() {
	local name=$1 proj=$CORPUS/projects/$2 reps=$3 limit=$4 i side ok=1
	local label="clean cargo build ($2, x$reps)"
	if [ ! -f "$proj/Cargo.toml" ]; then
		printf '%-13s %-46s skipped: no %s\n' "buildscript:" "$label" "$proj"
		[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
		return
	fi
	bs_base() { rm -rf "$BDIR/$name-target-base" && (cd "$proj" && CARGO_TARGET_DIR=$BDIR/$name-target-base cargo build --offline); }
	bs_box() { rm -rf "$BDIR/$name-target-box" && (cd "$proj" && CARGO_TARGET_DIR=$BDIR/$name-target-box RUSTC_WRAPPER=$BSBOX cargo build --offline); }
	: >"$BDIR/$name.base"
	: >"$BDIR/$name.box"
	for ((i = 0; i < reps && ok; i++)); do
		for side in $( ((i % 2)) && echo "box base" || echo "base box"); do
			echo "   $2: clean build $((i + 1))/$reps, $side ..." >&2
			timeit "bs_$side"
			cp "$BDIR/last.out" "$BDIR/$name-$side.log"
			if [ "$TRC" != 0 ]; then
				ok=0
				printf '%-13s %-46s FAILED %s (exit %s; log %s):\n' "buildscript:" "$label" \
					"$([ "$side" = box ] && echo "under bsbox" || echo "without bsbox")" "$TRC" "$BDIR/$name-$side.log"
				show_violations "$BDIR/$name-$side.log"
				nfail=$((nfail + 1))
				break
			fi
			echo "$TSEC" >>"$BDIR/$name.$side"
		done
	done
	[ "$ok" = 1 ] || return
	BASE_MED=$(median <"$BDIR/$name.base")
	BOX_MED=$(median <"$BDIR/$name.box")
	local r verdict
	r=$(ratio "$BOX_MED" "$BASE_MED")
	if le "$r" "$limit"; then verdict="PASS (<= $limit)"; else verdict="FAIL (> $limit)"; nfail=$((nfail + 1)); fi
	row buildscript "$label" "$BASE_MED" "$BOX_MED" "$verdict"
	rm -rf "$BDIR/$name-target-base" "$BDIR/$name-target-box"
}

# jemalloc's configure, from the Debian package the corpus registry uses
configure_row() {
	local d src='' label="configure (jemalloc, x${BENCH_CONFIGURE_RUNS:-5})"
	for d in /usr/share/cargo/registry/jemalloc-sys-*/rep; do src=$d; done
	if [ ! -x "$src/configure" ]; then
		printf '%-13s %-46s skipped: no jemalloc source (librust-jemalloc-sys-dev)\n' "buildscript:" "$label"
		[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
		return
	fi
	# not under $W: root's degraded mode hands the writable rules to the
	# sandbox's id at every launch (chown -R), which would time this tree
	rm -rf "$BDIR/jm" && cp -r "$src" "$BDIR/jm" || return
	# configure writes and runs its conftest programs in its own directory
	printf '{\n  "extends": ["default"],\n  "write": ["%s"],\n  "exec": ["%s"]\n}\n' "$BDIR/jm" "$BDIR/jm" >"$BDIR/bench-configure.json"
	cf_base() { (cd "$BDIR/jm" && ./configure --disable-cxx); }
	# shellcheck disable=SC2016 # $1 is the inner shell's
	cf_box() { "$BSBOX" run --policy "$BDIR/bench-configure.json" -- sh -c 'cd "$1" && ./configure --disable-cxx' cf "$BDIR/jm"; }
	if ! pair configure "${BENCH_CONFIGURE_RUNS:-5}" cf_base cf_box; then
		pair_failed buildscript "$label"
		return
	fi
	local r verdict
	r=$(ratio "$BOX_MED" "$BASE_MED")
	if le "$r" "$LIMIT"; then verdict="PASS (<= $LIMIT)"; else verdict="FAIL (> $LIMIT)"; nfail=$((nfail + 1)); fi
	row buildscript "$label" "$BASE_MED" "$BOX_MED" "$verdict"
}

if [ -z "${CARGO_BIN:-}" ]; then
	echo "buildscript:  no cargo found: skipped"
	[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
elif [ "${BENCH_QUICK:-}" = 1 ]; then
	echo "buildscript:  clean builds skipped (BENCH_QUICK=1)"
else
	configure_row
	bs_pair openssl openssl "${BENCH_SMALL_REPS:-3}" "$SMALL_LIMIT"
	if [ "${BENCH_FULL:-}" = 1 ]; then
		bs_pair jemalloc jemalloc-sys "${BENCH_CONFIGURE_REPS:-1}" "$LIMIT"
	else
		printf '%-13s %-46s skipped (minutes per build: BENCH_FULL=1)\n' "buildscript:" "clean cargo build (jemalloc-sys)"
	fi
fi
echo
