# Proc macros confined under cargo: build, check, clippy, doc (rustcbox.h).
# Sourced by tests/run.sh after tests/cargo.sh, whose helpers (_cargo_wrap,
# _cargo_copy, _cargo, _cargo_have, _cargo_show) these tests use.
# The crates: tests/crates/evil-proc-macro (see its Cargo.toml).

PM_WS=evil-proc-macro

# _pm_rustdoc_link: $T/bin/bsbox-rustdoc -> $BSBOX (what `bsbox setup` sets
# as build.rustdoc); prints its path
_pm_rustdoc_link() {
	mkdir -p "$T/bin"
	ln -sf "$BSBOX" "$T/bin/bsbox-rustdoc"
	echo "$T/bin/bsbox-rustdoc"
}

# _pm_evil CMD...: run `cargo CMD -p bsbox-test-evil-user` (or $PM_PKG) on the
# evil workspace with a secret in the fake HOME and a loopback listener as
# EVIL_PORT; asserts the build failed because of the macro's denials (at load
# and at expansion, in the event log, with the crate and the proc macros) and
# that nothing leaked.  $PM_EXE: the program the events must name (rustc);
# $PM_VARS: more VAR=VALUE for cargo; $PM_HOOK: run with the workspace dir.
_pm_evil() {
	_cargo_have || return 77
	local d pkg=${PM_PKG:-bsbox-test-evil-user} exe=${PM_EXE:-rustc}
	d=$(_cargo_copy "$PM_WS")
	[ -z "${PM_HOOK:-}" ] || "$PM_HOOK" "$d"
	mkdir -p "$H/.ssh"
	echo "SECRET-KEY-MATERIAL" >"$H/.ssh/id_rsa"
	listener tcp - "$T/got" || return 1
	if _cargo "$d" EVIL_PORT="$LISTEN_PORT" ${PM_VARS[@]+"${PM_VARS[@]}"} -- cargo "$@" --offline -p "$pkg"; then
		_cargo_show
		fail "cargo $* passed although the proc macro attacked"
		return 1
	fi
	# nothing leaked
	local f
	for f in "$H"/pwned-*; do
		[ -e "$f" ] && fail "the proc macro wrote $f"
	done
	[ -s "$T/got" ] && fail "the proc macro connected to 127.0.0.1:$LISTEN_PORT"
	grep -q 'STOLEN\|CONNECTED\|WROTE' "$T/out.txt" && { _cargo_show; fail "an attack succeeded"; }
	# why it failed: the summary and the events
	grep -q "denials\? in crate $pkg (compiling it loads the proc macros bsbox-test-evil-pm@0.1.0)" "$T/out.txt" ||
		{ _cargo_show; fail "no summary naming $pkg and the proc macro"; }
	grep -q '\.bsbox/policies/bsbox-test-evil-pm\.json' "$T/out.txt" ||
		{ _cargo_show; fail "the summary does not name the proc macro's policy file"; }
	local log=$T/log.jsonl ev
	[ -s "$log" ] || { fail "no event log"; return 1; }
	for ev in '"kind":"path".*"path":"[^"]*/\.ssh/id_rsa","access":"read"' \
		'"path":"[^"]*/pwned-at-load","access":"write"' \
		'"path":"[^"]*/pwned-at-expand","access":"write"' \
		"\"kind\":\"network\".*\"addr\":\"127.0.0.1:$LISTEN_PORT\""; do
		grep "\"crate\":\"$pkg\"" "$log" | grep '"proc_macros":"bsbox-test-evil-pm@0.1.0"' |
			grep "\"exe\":\"[^\"]*/$exe\"" | grep -q "$ev" ||
			{ fail "no event for $pkg ($exe) matching $ev"; head -n 5 "$log"; }
	done
	[ ! -s "$TSTATE/fails" ]
}

# (1) cargo build: the macro attacks when rustc loads it and when it expands
test_procmacro_evil_build() { _cargo_wrap _pm_t_evil_build; }
_pm_t_evil_build() { _pm_evil build; }

# (2) cargo check runs proc macros just the same (rust-analyzer's flycheck)
test_procmacro_evil_check() { _cargo_wrap _pm_t_evil_check; }
_pm_t_evil_check() { _pm_evil check; }

# (2b) cargo test compiles the test harness with the macro too
test_procmacro_evil_test() { _cargo_wrap _pm_t_evil_test; }
_pm_t_evil_test() { _pm_evil test --no-run; }

# (3) a crate that names no proc macro but loads one through a dependency's
# metadata (a re-export, as serde does serde_derive)
test_procmacro_evil_indirect() { _cargo_wrap _pm_t_evil_indirect; }
_pm_t_evil_indirect() {
	PM_PKG=bsbox-test-evil-indirect _pm_evil build || return 1
	# the call had no proc-macro --extern: only the record caught it
	grep -q -- '--extern bsbox_test_evil_lib=[^ ]*\.rlib`' "$T/out.txt" ||
		{ _cargo_show; fail "evil-indirect's rustc call is not the one expected"; return 1; }
	grep -q -- '--extern [^ ]*\.so' <(grep 'crate-name bsbox_test_evil_indirect' "$T/out.txt") &&
		{ fail "evil-indirect's rustc call names a .so (test is broken)"; return 1; }
	return 0
}

# (4) cargo clippy: bsbox clippy-driver rustc ARGS (RUSTC_WORKSPACE_WRAPPER)
test_procmacro_evil_clippy() { _cargo_wrap _pm_t_evil_clippy; }
_pm_t_evil_clippy() {
	_cargo_have || return 77
	# shellcheck disable=SC2154 # _cargo_real_home, _cargo_cargo_home: tests/cargo.sh
	if ! (cd "$T" && HOME=$_cargo_real_home PATH="$_cargo_cargo_home/bin:$PATH" cargo clippy --version) >/dev/null 2>&1; then
		skip_ok "clippy is not installed for this toolchain"
		return
	fi
	PM_EXE=clippy-driver _pm_evil clippy || return 1
	grep -q 'bsbox [^ ]*clippy-driver [^ ]*rustc --crate-name bsbox_test_evil_user' "$T/out.txt" ||
		{ _cargo_show; fail "cargo did not run bsbox clippy-driver rustc ..."; return 1; }
}

# (5) cargo doc: rustdoc loads proc macros too; RUSTDOC=bsbox-rustdoc
test_procmacro_evil_doc() { _cargo_wrap _pm_t_evil_doc; }
_pm_t_evil_doc() {
	local link
	link=$(_pm_rustdoc_link)
	local -a PM_VARS=("RUSTDOC=$link")
	PM_EXE=rustdoc _pm_evil doc
}

# (6) the decision itself: a call with no proc macro is an exec (no seccomp
# filter, no fork); one with an --extern .so runs confined; libraries get a
# record of the macros they pull in, outside --out-dir
test_procmacro_decision() {
	local deps=$T/target/debug/deps
	mkdir -p "$deps"
	: >"$deps/libm-1.so"
	local s
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name x --crate-type lib \
		--out-dir "$deps" -C extra-filename=-2 --extern std)
	assert_eq "$s" "Seccomp:	0" "a call with no proc macro"
	assert_eq "$(cat "$T/target/debug/.bsbox-pm/libx-2")" "" "the record of x"
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name y --crate-type lib \
		--out-dir "$deps" -C extra-filename=-3 --extern m="$deps/libm-1.so" 2>"$T/err")
	assert_eq "$s" "Seccomp:	2" "a call with an --extern .so"
	assert_eq "$(cat "$T/target/debug/.bsbox-pm/liby-3")" "m" "the record of y (a macro without a record)"
	# z depends on y's rlib only: confined through y's record
	: >"$deps/liby-3.rlib"
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name z --crate-type bin \
		--out-dir "$deps" --extern y="$deps/liby-3.rlib" 2>>"$T/err")
	assert_eq "$s" "Seccomp:	2" "a call whose rlib dependency pulls in a macro"
	# a dependency without a record: confined (unknown)
	: >"$deps/libw-9.rlib"
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name v --crate-type bin \
		--out-dir "$deps" --extern w="$deps/libw-9.rlib" 2>>"$T/err")
	assert_eq "$s" "Seccomp:	2" "a call with a dependency bsbox did not compile"
	# the tripwire: a confined call alters x's rlib (whose record is empty);
	# a call that loads x is confined from then on, until x is compiled again
	: >"$deps/libx-2.rlib"
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name u --crate-type bin \
		--out-dir "$deps" --extern x="$deps/libx-2.rlib")
	assert_eq "$s" "Seccomp:	0" "a call loading x, before"
	# shellcheck disable=SC2016 # the inner shell's $0
	"$BSBOX" /bin/sh -c 'echo tampered >>"$0"' "$deps/libx-2.rlib" --crate-name t --crate-type bin \
		--out-dir "$deps" --extern m="$deps/libm-1.so" 2>>"$T/err"
	assert_eq "$(cat "$deps/libx-2.rlib")" "tampered" "the confined call's write (test is broken)"
	[ -e "$T/target/debug/.bsbox-pm/libx-2.tainted" ] || fail "x was not tainted"
	s=$("$BSBOX" /bin/sh -c 'grep ^Seccomp: /proc/$$/status' --crate-name u --crate-type bin \
		--out-dir "$deps" --extern x="$deps/libx-2.rlib" 2>>"$T/err")
	assert_eq "$s" "Seccomp:	2" "a call loading x, after a confined call altered it"
	"$BSBOX" /bin/true --crate-name x --crate-type lib --out-dir "$deps" -C extra-filename=-2
	[ -e "$T/target/debug/.bsbox-pm/libx-2.tainted" ] && fail "compiling x again did not clear the taint"
	[ ! -s "$TSTATE/fails" ]
}

# (7) per-macro policies: reader-a's policy grants the data file to reader-a
# only; user-b, which loads only reader-b (the same code), is denied it
test_procmacro_per_macro_policy() { _cargo_wrap _pm_t_per_macro_policy; }
_pm_t_per_macro_policy() {
	_cargo_have || return 77
	local d
	d=$(_cargo_copy "$PM_WS")
	mkdir -p "$T/data" "$d/.bsbox/policies"
	echo "twelve bytes" >"$T/data/blob"
	printf '{"extends": ["default"], "read": ["%s"]}\n' "$T/data" \
		>"$d/.bsbox/policies/bsbox-test-reader-a.json"
	_cargo "$d" BSBOX_TEST_DATA="$T/data/blob" -- cargo build --offline -p bsbox-test-user-a ||
		{ _cargo_show; fail "user-a did not build although reader-a's policy grants the file"; return 1; }
	assert_eq "$("$T/target/debug/bsbox-test-user-a" | head -n 1)" "data: 13 bytes" "user-a's output"
	[ -s "$T/log.jsonl" ] && { cat "$T/log.jsonl"; fail "events for user-a"; return 1; }
	if _cargo "$d" BSBOX_TEST_DATA="$T/data/blob" -- cargo build --offline -p bsbox-test-user-b; then
		_cargo_show
		fail "user-b built: reader-a's policy granted the file to reader-b"
		return 1
	fi
	grep '"crate":"bsbox-test-user-b"' "$T/log.jsonl" | grep '"proc_macros":"bsbox-test-reader-b@0.1.0"' |
		grep -q "\"path\":\"$T/data/blob\",\"access\":\"read\"" ||
		{ cat "$T/log.jsonl"; fail "no read denial of the data file for user-b"; return 1; }
	grep -q 'in crate bsbox-test-user-b (compiling it loads the proc macros bsbox-test-reader-b@0.1.0)' "$T/out.txt" ||
		{ _cargo_show; fail "the summary does not name user-b and reader-b"; return 1; }
	grep -q 'policies/bsbox-test-reader-b\.json' "$T/out.txt" ||
		{ _cargo_show; fail "the summary does not point at reader-b's policy"; return 1; }
	return 0
}

# (8) `bsbox setup` covers cargo doc: the config it writes (build.rustdoc =
# the bsbox-rustdoc link) confines rustdoc with no RUSTDOC in the environment
test_procmacro_evil_doc_setup() { _cargo_wrap _pm_t_evil_doc_setup; }
_pm_t_evil_doc_setup() {
	_cargo_have || return 77
	mkdir -p "$H"
	(env -u XDG_DATA_HOME HOME="$H" CARGO_HOME="$T/ch" "$BSBOX" setup --no-editor >"$T/setup.txt" 2>&1) ||
		{ show "$T/setup.txt"; fail "bsbox setup failed"; return 1; }
	grep -q '^rustdoc = ' "$T/ch/config.toml" || { show "$T/ch/config.toml"; fail "no build.rustdoc"; return 1; }
	# cargo reads a project's .cargo/config.toml like the user's
	# shellcheck disable=SC2317 # called through $PM_HOOK
	_pm_setup_config() {
		mkdir -p "$1/.cargo"
		cp "$T/ch/config.toml" "$1/.cargo/config.toml"
	}
	local -a PM_VARS=(RUSTC_WRAPPER=)
	PM_HOOK=_pm_setup_config PM_EXE=rustdoc _pm_evil doc
}

# (9) derive-heavy code (serde, thiserror, clap derive from the Debian
# registry the corpus uses) builds confined into the same bytes as without
# confinement.  The baseline wrapper prints bsbox's -vV line too, so cargo's
# hashes (-C metadata) are the same and only the confinement differs.
test_procmacro_identical_binaries() { _cargo_wrap _pm_t_identical_binaries; }
_pm_t_identical_binaries() {
	_cargo_have || return 77
	local corpus=${CORPUS:-/tmp/bsbox-corpus}
	if [ ! -f "$corpus/.cargo/config.toml" ] || ! ls -d /usr/share/cargo/registry/clap_derive-* >/dev/null 2>&1; then
		skip_ok "no crate corpus (make test-deps)"
		return
	fi
	local d bin=$T/target/debug/bsbox-derive-heavy v
	d=$(_cargo_copy derive-heavy)
	mkdir -p "$d/.cargo"
	cp "$corpus/.cargo/config.toml" "$d/.cargo/config.toml"
	v=$("$BSBOX" --version | awk '{print $2}')
	cat >"$T/plainwrap" <<EOF
#!/bin/sh
# bsbox without confinement: the same -vV line, everything else exec'ed
if [ "\$2" = -vV ] && [ \$# = 2 ]; then "\$1" -vV && echo "bsbox: $v"; exit; fi
exec "\$@"
EOF
	chmod +x "$T/plainwrap"
	_cargo "$d" RUSTC_WRAPPER="$T/plainwrap" -- nice cargo build --offline ||
		{ _cargo_show; fail "unconfined build failed"; return 1; }
	cp "$bin" "$T/plain.bin"
	[ -s "$T/log.jsonl" ] && { fail "events from the unconfined build (test is broken)"; return 1; }
	rm -rf "$T/target"
	_cargo "$d" -- nice cargo build --offline -v || { _cargo_show; fail "confined build failed"; return 1; }
	[ -s "$T/log.jsonl" ] && { cat "$T/log.jsonl"; fail "denials in a confined derive-heavy build"; return 1; }
	# the derives really went through the sandbox: their records exist
	grep -qx 'serde_derive@.*' "$T"/target/debug/.bsbox-pm/libserde-* ||
		{ fail "no record: serde does not pull in serde_derive"; return 1; }
	cmp "$T/plain.bin" "$bin" || { fail "the confined build's binary differs"; return 1; }
	assert_eq "$("$bin" --name bsbox)" '{"to":"bsbox","times":2}' "the binary's output"
}

# (10) the evil macro under `cargo build` in every mode, unprivileged
# included (Debian's cargo there, as in test_layer_cargo_demo): the compile
# that loads it fails with the denials logged, nothing it tried happened
test_layer_procmacro_evil() {
	command -v cargo >/dev/null 2>&1 || { skip "no cargo on PATH for mode $MODE"; return; }
	cp -r "$ROOT/tests/crates/$PM_WS" "$T/ws" && rm -rf "$T/ws/target" "$T/ws/Cargo.lock" || return 1
	mkdir -p "$T/home/.ssh"
	echo "SECRET-KEY-MATERIAL" >"$T/home/.ssh/id_rsa"
	[ -n "${RUSTUP_HOME:-}" ] || [ ! -d "$HOME/.rustup" ] || export RUSTUP_HOME=$HOME/.rustup
	[ -n "${CARGO_HOME:-}" ] || [ ! -d "$HOME/.cargo" ] || export CARGO_HOME=$HOME/.cargo
	listener tcp - "$T/got" || return 1
	(cd "$T/ws" && HOME=$T/home CARGO_TARGET_DIR=$T/target BSBOX_LOG=$T/log.jsonl EVIL_PORT=$LISTEN_PORT \
		RUSTC_WRAPPER=$BSBOX cargo build --offline -p bsbox-test-evil-user) >"$T/out" 2>&1 &&
		{ cat "$T/out"; fail "the evil proc macro's user built"; return 1; }
	assert_contains "$T/out" "in crate bsbox-test-evil-user (compiling it loads the proc macros bsbox-test-evil-pm@0.1.0)"
	local ev
	for ev in '"path":"[^"]*/\.ssh/id_rsa","access":"read"' '"path":"[^"]*/pwned-at-load","access":"write"' \
		'"path":"[^"]*/pwned-at-expand","access":"write"' '"kind":"network"'; do
		grep '"crate":"bsbox-test-evil-user","version":"0.1.0","proc_macros":"bsbox-test-evil-pm@0.1.0"' \
			"$T/log.jsonl" | grep -q "$ev" || fail "no event matching $ev"
	done
	assert_no_file "$T/home/pwned-at-load"
	assert_no_file "$T/home/pwned-at-expand"
	[ -s "$T/got" ] && fail "the proc macro connected to the listener"
	grep -q 'STOLEN' "$T/out" && fail "the proc macro read the key"
	[ ! -s "$TSTATE/fails" ]
}

# (11) a chained wrapper (BSBOX_RUSTC_WRAPPER, sccache-like) still sees every
# call that loads no proc macro; a call that loads one runs confined without
# it (sccache needs its server and cache outside the sandbox)
test_procmacro_chained_wrapper() { _cargo_wrap _pm_t_chained_wrapper; }
_pm_t_chained_wrapper() {
	cat >"$T/fakewrap" <<EOF
#!/bin/sh
echo "\$*" >>"$T/fakewrap.log"
exec "\$@"
EOF
	chmod +x "$T/fakewrap"
	local -a PM_VARS=("BSBOX_RUSTC_WRAPPER=$T/fakewrap")
	_pm_evil build || return 1
	grep -q -- '--crate-name bsbox_test_evil_pm ' "$T/fakewrap.log" ||
		{ fail "the chained wrapper did not see the proc macro's own compile"; return 1; }
	grep -q -- '--crate-name bsbox_test_evil_user ' "$T/fakewrap.log" &&
		{ fail "the chained wrapper ran the compile that loads the proc macro"; return 1; }
	return 0
}

# (12) bsbox learn puts what a confined compile needed into the policy of the
# proc macro it loads (not of the crate being compiled), and the learned
# policy lets the build pass
test_procmacro_learn() { _cargo_wrap _pm_t_learn; }
_pm_t_learn() {
	_cargo_have || return 77
	local d
	d=$(_cargo_copy "$PM_WS")
	mkdir -p "$T/data"
	echo "some data" >"$T/data/blob"
	_cargo "$d" BSBOX_TEST_DATA="$T/data/blob" -- "$BSBOX" learn -- cargo build --offline -p bsbox-test-user-b ||
		{ _cargo_show; fail "bsbox learn failed"; return 1; }
	local pol=$d/.bsbox/policies/bsbox-test-reader-b.json
	[ -f "$pol" ] || { _cargo_show; ls "$d/.bsbox/policies"; fail "no policy learned for the proc macro"; return 1; }
	assert_no_file "$d/.bsbox/policies/bsbox-test-user-b.json"
	grep -q "\"path\":[[:space:]]*\"$T/data/blob\"" "$pol" || { cat "$pol"; fail "the data file is not in the learned policy"; return 1; }
	rm -rf "$T/target" "$T/log.jsonl"
	_cargo "$d" BSBOX_TEST_DATA="$T/data/blob" -- cargo build --offline -p bsbox-test-user-b ||
		{ _cargo_show; fail "the learned policy does not let user-b build"; return 1; }
	[ -s "$T/log.jsonl" ] && { cat "$T/log.jsonl"; fail "denials with the learned policy"; return 1; }
	return 0
}

# (13) real proc macros from the corpus's registry (tokio-macros,
# futures-macro, time-macros, ctor, derive_arbitrary, prost-derive,
# tracing-attributes, valuable-derive) run confined under the base policy:
# the build passes with no denial, every one of them was recorded, and the
# binary works
test_procmacro_corpus_macros() { _cargo_wrap _pm_t_corpus_macros; }
_pm_t_corpus_macros() {
	_cargo_have || return 77
	local corpus=${CORPUS:-/tmp/bsbox-corpus} d m
	if [ ! -f "$corpus/.cargo/config.toml" ] || ! ls -d /usr/share/cargo/registry/tokio-macros-* >/dev/null 2>&1; then
		skip_ok "no crate corpus (make test-deps)"
		return
	fi
	d=$(_cargo_copy macro-zoo)
	mkdir -p "$d/.cargo"
	cp "$corpus/.cargo/config.toml" "$d/.cargo/config.toml"
	_cargo "$d" -- nice cargo build --offline || { _cargo_show; fail "the macro zoo did not build confined"; return 1; }
	[ -s "$T/log.jsonl" ] && { head -n 5 "$T/log.jsonl"; fail "denials for real proc macros"; return 1; }
	# the libraries that re-export them are recorded as pulling them in, so
	# the zoo's own compile (which names none but ctor) ran confined
	local pair lib
	for pair in tokio:tokio-macros futures:futures-macro time:time-macros arbitrary:derive_arbitrary \
		prost:prost-derive tracing:tracing-attributes valuable:valuable-derive ctor:ctor; do
		lib=${pair%%:*} m=${pair#*:}
		grep -qh "^$m@" "$T"/target/debug/.bsbox-pm/lib"$lib"-* 2>/dev/null ||
			fail "the record of $lib does not name $m"
	done
	assert_eq "$("$T/target/debug/bsbox-macro-zoo")" '2024-01-01 (1, 2) 3 P { n: 4 }' "the zoo's output"
	[ ! -s "$TSTATE/fails" ]
}

# (14) the crate's own env!/option_env! of a secret-looking variable: a
# confined compile does not see it, unless the crate's own policy passes it
test_procmacro_env() { _cargo_wrap _pm_t_env; }
_pm_t_env() {
	_cargo_have || return 77
	local d
	d=$(_cargo_copy "$PM_WS")
	mkdir -p "$T/data" "$d/.bsbox/policies"
	echo "x" >"$T/data/blob"
	printf '{"extends": ["default"], "read": ["%s"]}\n' "$T/data" \
		>"$d/.bsbox/policies/bsbox-test-reader-a.json"
	_cargo "$d" BSBOX_TEST_DATA="$T/data/blob" BSBOX_TEST_TOKEN=hunter2 -- cargo build --offline -p bsbox-test-user-a ||
		{ _cargo_show; fail "user-a did not build"; return 1; }
	assert_eq "$("$T/target/debug/bsbox-test-user-a" | tail -n 1)" "token: unset" "a scrubbed token"
	echo '{"extends": ["default"], "env": ["BSBOX_TEST_TOKEN"]}' >"$d/.bsbox/policies/bsbox-test-user-a.json"
	rm -rf "$T/target"
	_cargo "$d" BSBOX_TEST_DATA="$T/data/blob" BSBOX_TEST_TOKEN=hunter2 -- cargo build --offline -p bsbox-test-user-a ||
		{ _cargo_show; fail "user-a did not build with its policy"; return 1; }
	assert_eq "$("$T/target/debug/bsbox-test-user-a" | tail -n 1)" "token: set" "a token the crate's policy passes"
	[ ! -s "$TSTATE/fails" ]
}
