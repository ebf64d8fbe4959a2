# A directory that holds the home is never granted, however it is spelt
# (issue 10, item 5): paths are resolved (symlinks, "..") before the check.
# Sourced by tests/run.sh.

# _paths_home: $T/h/home with a fake key, the home of the tests below
_paths_home() {
	mkdir -p "$T/h/home/.ssh" "$T/h/home/proj" || return 1
	echo "FAKE-KEY-bsbox-paths" >"$T/h/home/.ssh/id_rsa"
}

# _paths_denied OUT ERR: the key was not read, and the attempt was logged
_paths_denied() {
	assert_not_contains "$1" FAKE-KEY-bsbox-paths
	[ "$rc" != 0 ] || fail "cat of the key exited 0"
	assert_contains "$BSBOX_LOG" "h/home/.ssh/id_rsa"
}

# BSBOX_WORKSPACE=<home>/proj/../.. is the home's parent: proc-macro-srv must
# refuse to grant it, and say so.
test_paths_procmacro_workspace_dotdot() {
	_paths_home || return 1
	HOME=$T/h/home BSBOX_WORKSPACE=$T/h/home/proj/../.. RUSTC=/nonexistent \
		"$BSBOX" proc-macro-srv --log "$BSBOX_LOG" -- /bin/cat "$T/h/home/.ssh/id_rsa" \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	assert_contains "$T/err" "not granting $T/h (it holds your home directory)"
	_paths_denied "$T/out"
}
tag_unpriv test_paths_procmacro_workspace_dotdot

# $CWD is never the home: not when HOME is spelt through a symlink either.
test_paths_cwd_home_symlink() {
	_paths_home || return 1
	ln -s h/home "$T/homelink" || return 1
	(cd "$T/h/home" && HOME=$T/homelink "$BSBOX" run -- /bin/cat "$T/h/home/.ssh/id_rsa" \
		</dev/null >"$T/out" 2>"$T/err")
	rc=$?
	_paths_denied "$T/out"
}
tag_unpriv test_paths_cwd_home_symlink
