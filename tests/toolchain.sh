# Build scripts see the toolchain cargo runs, whichever it is (issue 10, item 3).
#
# cargo passes RUSTC=rustc (a bare name) when its toolchain came from PATH
# rather than from rustup; inside the sandbox PATH keeps only directories the
# policy lets the script execute, so a bare name can reach another compiler.
# tests/crates/toolchain's build script records what $RUSTC, $RUSTDOC and
# $CARGO answer inside; these tests compare that with the binaries cargo used.
# Sourced by tests/run.sh.

_tc_crate="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/crates/toolchain"

# _tc_build CARGO PATH: build tests/crates/toolchain with CARGO under
# RUSTC_WRAPPER=$BSBOX, PATH as given and no rustup variables (a fake HOME,
# CARGO_HOME inside it), as a user of that toolchain would.  Output in
# $T/out.txt; the script's answers in $T/answers.
_tc_build() {
	local cargo=$1 path=$2 d=$T/ws/toolchain
	mkdir -p "$T/ws" "$T/home"
	cp -r "$_tc_crate" "$d" || return 1
	(
		cd "$d" || exit 1
		env -u RUSTUP_TOOLCHAIN -u RUSTUP_HOME -u RUSTC -u RUSTDOC -u CARGO \
			-u RUSTC_WORKSPACE_WRAPPER -u BSBOX_MODE -u BSBOX_RUSTC_WRAPPER -u BSBOX_INSIDE \
			HOME="$T/home" CARGO_HOME="$T/home/.cargo" PATH="$path" \
			CARGO_TARGET_DIR="$T/target" RUSTC_WRAPPER="$BSBOX" CARGO_TERM_COLOR=never \
			"$cargo" build --offline
	) >"$T/out.txt" 2>&1
	local r=$?
	find "$T/target" -path '*/out/toolchain.txt' -exec cat {} + >"$T/answers" 2>/dev/null
	return $r
}

# _tc_expect VAR TOOL: the script saw $VAR as an absolute path that answers
# `-V` as TOOL (the binary cargo runs, resolved outside) does.
_tc_expect() {
	local var=$1 tool=$2 want line
	want=$("$tool" -V 2>&1) || { fail "$tool -V failed outside: $want"; return 1; }
	line=$(grep "^$var=" "$T/answers")
	case ${line#"$var="} in
	/*) ;;
	*) fail "\$$var is not an absolute path inside the sandbox: $line" ;;
	esac
	[ "${line#* -> }" = "$want" ] && return 0
	fail "\$$var inside answers '${line#* -> }', cargo's toolchain answers '$want' ($tool)"
	show "$T/answers"
	return 1
}

_tc_check() {
	local path=$1 cargo=$2
	if ! _tc_build "$cargo" "$path"; then
		fail "the build failed"
		show "$T/out.txt"
		tail -n 30 "$T/out.txt"
		return 1
	fi
	[ -s "$T/answers" ] || { fail "the build script left no answers"; return 1; }
	_tc_expect RUSTC "$(PATH=$path command -v rustc)"
	_tc_expect RUSTDOC "$(PATH=$path command -v rustdoc)"
	_tc_expect CARGO "$cargo"
	grep -q '^# bsbox-shim 1$' "$(find "$T/target" -path '*/build/*' -name 'build-script-build' | head -n 1)" ||
		fail "the build script was not shimmed (the test would prove nothing)"
}

# A rustup toolchain reached through a symlink under /opt, put on PATH ahead of
# rustup's proxies, and run without rustup (cargo passes RUSTC=rustc).  The
# nightly toolchain, so that rustup's default (stable) or Debian's rustc
# answering instead is told apart.
test_toolchain_opt_symlink() {
	is_root || { skip_ok "needs root to write /opt"; return; }
	local rh=${RUSTUP_HOME:-$HOME/.rustup} tc
	tc=$(ls -d "$rh"/toolchains/nightly-* 2>/dev/null | head -n 1)
	[ -x "$tc/bin/cargo" ] && [ -x "$tc/bin/rustdoc" ] ||
		{ skip_ok "no rustup nightly toolchain under $rh"; return; }
	local opt=/opt/bsbox-rust-test.$$
	ln -s "$tc" "$opt" || { fail "ln -s $tc $opt"; return 1; }
	defer rm -f "$opt"
	local cargo_home=${CARGO_HOME:-$HOME/.cargo}
	_tc_check "$opt/bin:$cargo_home/bin:/usr/local/bin:/usr/bin:/bin" "$opt/bin/cargo"
}

# Debian's own cargo and rustc (/usr/bin), rustup nowhere on PATH; also as
# the unprivileged user.
test_toolchain_debian() {
	[ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -x /usr/bin/rustdoc ] ||
		{ skip_ok "Debian's cargo, rustc and rustdoc are not installed"; return; }
	_tc_check /usr/local/bin:/usr/bin:/bin /usr/bin/cargo
}
tag_unpriv test_toolchain_debian
