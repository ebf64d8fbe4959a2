#!/usr/bin/env bash
# `make demo`: build contrib/demo with bsbox as RUSTC_WRAPPER. The build is
# meant to fail (its build script misbehaves); this script succeeds when
# bsbox caught it and fails if the build went through unconfined.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bsbox=${1:?usage: run.sh PATH-TO-BSBOX}
export PATH="$PATH:${HOME:-/root}/.cargo/bin:/root/.cargo/bin"
command -v cargo >/dev/null || { echo "demo: cargo not found (apt-get install cargo, or rustup)" >&2; exit 1; }
export CARGO_TARGET_DIR="$here/target"
export BSBOX_LOG="$CARGO_TARGET_DIR/bsbox-events.jsonl"
rm -rf "$CARGO_TARGET_DIR"
echo "\$ RUSTC_WRAPPER=bsbox cargo build    (in contrib/demo)"
out=$(cd "$here" && RUSTC_WRAPPER="$bsbox" cargo build --offline 2>&1)
rc=$?
printf '%s\n' "$out"
echo
if [ $rc -ne 0 ] && grep -q 'bsbox: .*denial' <<<"$out"; then
	echo "demo: bsbox stopped the build script (cargo exit $rc); events in $BSBOX_LOG:"
	"$bsbox" report "$BSBOX_LOG"
	exit 0
fi
echo "demo: the build script was NOT caught (cargo exit $rc)" >&2
exit 1
