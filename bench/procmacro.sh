# Sourced by bench/run.sh (uses its pair, row, timeit, median, ratio, le,
# fmt_s, pair_failed, $BSBOX, $BDIR, $ROOT, $CORPUS, $REPS, nfail).
#
# c. issue 13: what confining proc macros costs.
#   - one sandbox launch (a confined rustc call pays one): `bsbox run
#     /bin/true` and `bwrap ... /bin/true`, each against a bare /bin/true;
#   - a clean `cargo check` of a derive-heavy project (serde, thiserror, clap
#     derive from the corpus's Debian registry) with RUSTC_WRAPPER=bsbox
#     against a wrapper that only adds bsbox's -vV line (so cargo's hashes
#     and the work are the same; only the confinement differs).
# Environment: BENCH_PM_REPS (clean checks each way, default 3),
# BENCH_PM_LIMIT (the ratio the check must stay under, 1.03).

PM_REPS=${BENCH_PM_REPS:-3}
PM_LIMIT=${BENCH_PM_LIMIT:-1.03}
echo "== proc macros (issue 13): a sandbox launch vs bubblewrap; cargo check (derive-heavy) <= $PM_LIMIT"

PM_POL=$BDIR/pm-true.json
echo '{"extends": ["default"]}' >"$PM_POL"
pm_true_base() { /bin/true; }
pm_true_box() { "$BSBOX" run --policy "$PM_POL" -- /bin/true; }
pm_true_bwrap() { bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc /bin/true; }
pm_launch_reps=$((REPS * 2))
if pair pm-launch "$pm_launch_reps" pm_true_base pm_true_box; then
	d=$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%+.1fms", (a - b) * 1000 }')
	row launch "bsbox run /bin/true vs bare /bin/true" "$BASE_MED" "$BOX_MED" "($d a launch)"
	pm_box_cost=$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%.6f", a - b }')
else
	pair_failed launch "bsbox run /bin/true vs bare /bin/true"
	pm_box_cost=
fi
if ! command -v bwrap >/dev/null 2>&1; then
	echo "launch:       bwrap /bin/true                                 skipped: no bwrap (apt-get install bubblewrap)"
elif pair pm-bwrap "$pm_launch_reps" pm_true_base pm_true_bwrap; then
	d=$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%+.1fms", (a - b) * 1000 }')
	extra="($d a launch"
	[ -n "$pm_box_cost" ] && extra="$extra; bsbox/bwrap launch cost $(ratio "$pm_box_cost" \
		"$(awk -v a="$BOX_MED" -v b="$BASE_MED" 'BEGIN { printf "%.6f", a - b }')")"
	row launch "bwrap --unshare-all /bin/true vs bare" "$BASE_MED" "$BOX_MED" "$extra)"
else
	pair_failed launch "bwrap --unshare-all /bin/true vs bare"
fi

PM_CARGO=$(command -v cargo || { [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ] && echo "${CARGO_HOME:-$HOME/.cargo}/bin/cargo"; })
if [ -z "$PM_CARGO" ] || [ ! -f "$CORPUS/.cargo/config.toml" ]; then
	echo "procmacro:    cargo check (derive-heavy)                      skipped: no cargo or no corpus at $CORPUS"
	[ "${BSBOX_MUST_WORK:-}" = 1 ] && nfail=$((nfail + 1))
else
	PM_DIR=$BDIR/derive-heavy
	rm -rf "$PM_DIR"
	cp -r "$ROOT/tests/crates/derive-heavy" "$PM_DIR"
	mkdir -p "$PM_DIR/.cargo"
	cp "$CORPUS/.cargo/config.toml" "$PM_DIR/.cargo/config.toml"
	pm_v=$("$BSBOX" --version | awk '{print $2}')
	cat >"$BDIR/plainwrap" <<EOF
#!/bin/sh
if [ "\$2" = -vV ] && [ \$# = 2 ]; then "\$1" -vV && echo "bsbox: $pm_v"; exit; fi
exec "\$@"
EOF
	chmod +x "$BDIR/plainwrap"
	pm_check_base() { rm -rf "$BDIR/pm-target-base" && (cd "$PM_DIR" && PATH="$(dirname "$PM_CARGO"):$PATH" \
		CARGO_TARGET_DIR=$BDIR/pm-target-base RUSTC_WRAPPER=$BDIR/plainwrap "$PM_CARGO" check --offline); }
	pm_check_box() { rm -rf "$BDIR/pm-target-box" && (cd "$PM_DIR" && PATH="$(dirname "$PM_CARGO"):$PATH" \
		CARGO_TARGET_DIR=$BDIR/pm-target-box RUSTC_WRAPPER=$BSBOX "$PM_CARGO" check --offline); }
	echo "   derive-heavy: $PM_REPS clean cargo check each way ..." >&2
	if pair pm-check "$PM_REPS" pm_check_base pm_check_box; then
		r=$(ratio "$BOX_MED" "$BASE_MED")
		if le "$r" "$PM_LIMIT"; then verdict="PASS (<= $PM_LIMIT)"; else verdict="FAIL (> $PM_LIMIT)"; nfail=$((nfail + 1)); fi
		row procmacro "clean cargo check (derive-heavy)" "$BASE_MED" "$BOX_MED" "$verdict"
	else
		pair_failed procmacro "clean cargo check (derive-heavy)"
	fi
fi
echo
