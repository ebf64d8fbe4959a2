# shellcheck shell=bash disable=SC2016,SC2034
# Credentials inside the workspace (issue 10 item 8).  The workspace is
# readable, .git included, but what holds credentials is not: .git/config is
# served without actions/checkout's http.<url>.extraheader, without the
# user:token@ of remote URLs and without [credential] sections, and
# .git-credentials / .netrc are hidden, every read attempt logged, in every
# mode.  git keeps working on the sanitised copy.

_CRED_TOKEN=ghs_bsboxTESTtoken0123456789

# _cred_ws: a git workspace at $T/ws carrying a CI checkout's credentials
_cred_ws() {
	local ws="$T/ws"
	mkdir -p "$ws" || return 1
	(
		cd "$ws" || exit 1
		git init -q . && git config user.email t@t && git config user.name t &&
			echo 'fn main() {}' >main.rs && git add main.rs &&
			git commit -qm init && git tag v1.2.3 &&
			git config http.https://github.com/.extraheader \
				"AUTHORIZATION: basic $(printf 'x-access-token:%s' "$_CRED_TOKEN" | base64)" &&
			git remote add origin "https://x-access-token:$_CRED_TOKEN@github.com/o/r.git"
	) >/dev/null 2>&1 || {
		fail "could not set up the git workspace"
		return 1
	}
	echo "https://u:$_CRED_TOKEN@github.com" >"$ws/.git-credentials"
	echo "machine github.com login u password $_CRED_TOKEN" >"$ws/.netrc"
	chmod -R a+rX "$T"
	grep -q "$_CRED_TOKEN" "$ws/.git/config" || fail "sanity: no token in .git/config"
}

# run_in_ws CMD...: bsbox run with the default policy (the workspace is
# readable as the working directory, $CWD), from $T/ws
run_in_ws() {
	POLICY=$(mkpolicy ws)
	(cd "$T/ws" && "$BSBOX" run --policy "$POLICY" -- "$@" </dev/null >"$T/out" 2>"$T/err")
	rc=$?
}

test_layer_log_creds_git_config_sanitised() {
	command -v git >/dev/null || {
		skip_ok "git is not installed"
		return
	}
	_cred_ws || return 1
	local head
	head=$(git -C "$T/ws" rev-parse HEAD)
	newlog cfg
	run_in_ws /bin/cat .git/config
	assert_rc 0 || return 1
	assert_not_contains "$T/out" "$_CRED_TOKEN"
	assert_not_contains "$T/out" extraheader
	assert_contains "$T/out" 'url = https://github.com/o/r.git'
	assert_contains "$T/out" '[remote "origin"]'
	# git works on the copy, as the sandbox's own uid when root started it
	# (safe.directory) and with a ~/.gitconfig outside the policy, which
	# without a mount namespace would be a denied open (run.c: git_env)
	mkdir -p "$T/home" && printf '[user]\n\tname = t\n' >"$T/home/.gitconfig"
	chmod -R a+rX "$T/home"
	export HOME="$T/home"
	unset GIT_CONFIG_GLOBAL GIT_CONFIG_COUNT
	run_in_ws /usr/bin/git describe --tags
	assert_rc 0 || return 1
	assert_contains "$T/out" v1.2.3
	run_in_ws /usr/bin/git rev-parse HEAD
	assert_rc 0 || return 1
	assert_eq "$(cat "$T/out")" "$head" "git rev-parse HEAD in the sandbox"
	run_in_ws /usr/bin/git config --get-regexp 'http\..*'
	assert_not_contains "$T/out" "$_CRED_TOKEN"
	if ev_find kind=path >/dev/null; then
		fail "reading the sanitised .git/config was logged"
		show "$BSBOX_LOG"
	fi
	# the host's file is untouched
	grep -q "$_CRED_TOKEN" "$T/ws/.git/config" || fail "the host's .git/config lost its token"
	return 0
}

test_layer_log_creds_files_hidden() {
	command -v git >/dev/null || {
		skip_ok "git is not installed"
		return
	}
	_cred_ws || return 1
	local f
	for f in .git-credentials .netrc; do
		newlog "$f"
		run_in_ws /bin/cat "$f"
		assert_rc 124 || return 1
		assert_not_contains "$T/out" "$_CRED_TOKEN"
		expect_event kind=path "path=$T/ws/$f" access=read action=denied \
			"suggest=\"credentials\": [\"$T/ws/$f\"]" || return 1
		assert_contains "$T/err" "read $T/ws/$f"
	done
	# an O_PATH descriptor (no open for reading to check) reopened through
	# /proc/self/fd: refused all the same, and logged with the file's path
	newlog reopen
	run_in_ws /usr/bin/python3 -c '
import os, sys
fd = os.open(".netrc", os.O_PATH)
try:
    sys.stdout.write(open("/proc/self/fd/%d" % fd).read())
except OSError as e:
    print("reopen: errno=%d" % e.errno)
'
	assert_rc 124 || return 1
	assert_not_contains "$T/out" "$_CRED_TOKEN"
	assert_contains "$T/out" "reopen: errno=13"
	expect_event kind=path "path=$T/ws/.netrc" access=read action=denied
	# the rest of the workspace stays readable
	newlog rest
	run_in_ws /bin/cat main.rs
	assert_rc 0 || return 1
	assert_contains "$T/out" 'fn main'
	return 0
}

# "credentials" grants them back, as they are
test_layer_log_creds_granted() {
	command -v git >/dev/null || {
		skip_ok "git is not installed"
		return
	}
	_cred_ws || return 1
	newlog grant
	POLICY=$(mkpolicy ws credentials "[\"$T/ws/.netrc\", \"$T/ws/.git\"]")
	(cd "$T/ws" && "$BSBOX" run --policy "$POLICY" -- /bin/sh -c 'cat .netrc .git/config' \
		</dev/null >"$T/out" 2>"$T/err")
	rc=$?
	assert_rc 0 || return 1
	assert_contains "$T/out" "password $_CRED_TOKEN"
	assert_contains "$T/out" "extraheader"
	# .git-credentials was not granted
	(cd "$T/ws" && "$BSBOX" run --policy "$POLICY" -- /bin/cat .git-credentials \
		</dev/null >"$T/out" 2>"$T/err")
	rc=$?
	assert_rc 124
	assert_not_contains "$T/out" "$_CRED_TOKEN"
}
