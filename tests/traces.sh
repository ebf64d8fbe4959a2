# shellcheck shell=bash disable=SC2016,SC2034
# Attempts that used to leave no trace (issue 12): a symlink in OUT_DIR or in
# the crate that points out of the policy (the kernel followed it and said
# ENOENT or EACCES, nothing logged), and, without user namespaces, another
# process's /proc/PID/environ (Landlock refused it in silence).  Each is now
# denied and logged with the path the kernel would have reached, in every
# mode.  (connect() to ~/.ssh/agent.sock: tests/sockets.sh.)

# _tr_home: a stand-in for ~/.ssh, outside every policy, readable by the
# sandbox's user
_tr_home() {
	mkdir -p "$T/home/.ssh" "$T/outdir" "$T/crate" || return 1
	echo PRIVATE-KEY >"$T/home/.ssh/id_rsa"
	echo ssh-ed25519 AAAA >"$T/home/.ssh/authorized_keys"
	chmod -R a+rwX "$T/home" "$T/outdir"
	chmod a+rX "$T/crate"
}

test_layer_log_symlink_out_of_out_dir() {
	_tr_home || return 1
	POLICY=$(mkpolicy out write "\"$T/outdir\"")
	# a link the script plants itself, read through
	newlog read
	run_boxed -- /bin/sh -c "ln -s '$T/home/.ssh/id_rsa' '$T/outdir/key' && cat '$T/outdir/key'"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" PRIVATE-KEY
	expect_event kind=path "path=$T/home/.ssh/id_rsa" access=read action=denied || return 1
	assert_contains "$T/err" "read $T/home/.ssh/id_rsa"
	# written through
	ln -s "$T/home/.ssh/authorized_keys" "$T/outdir/ak"
	newlog write
	run_boxed -- /bin/sh -c "echo evil >>'$T/outdir/ak'"
	assert_rc 124 || return 1
	expect_event kind=path "path=$T/home/.ssh/authorized_keys" access=write action=denied
	assert_not_contains "$T/home/.ssh/authorized_keys" evil
	return 0
}

test_layer_log_symlink_out_of_crate() {
	_tr_home || return 1
	ln -s "$T/home/.ssh/id_rsa" "$T/crate/data.txt"
	POLICY=$(mkpolicy crate read "\"$T/crate\"")
	newlog crate
	run_boxed -- /bin/cat "$T/crate/data.txt"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" PRIVATE-KEY
	expect_event kind=path "path=$T/home/.ssh/id_rsa" access=read action=denied
	# a link that stays inside the policy is fine
	echo hello >"$T/crate/real.txt"
	ln -s real.txt "$T/crate/alias.txt"
	chmod a+r "$T/crate/real.txt"
	run_boxed -- /bin/cat "$T/crate/alias.txt"
	assert_rc 0 || return 1
	assert_contains "$T/out" hello
}

test_layer_log_proc_environ_of_others() {
	degraded || {
		skip_ok "full mode: other processes are not in the sandbox's pid namespace"
		return
	}
	env BSBOX_TEST_SECRET=hunter2 sleep 30 &
	local pid=$!
	BG_PIDS+=("$pid")
	sleep 0.1
	newlog environ
	POLICY=$(mkpolicy base)
	run_boxed -- /bin/cat "/proc/$pid/environ"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" hunter2
	expect_event kind=path "path=/proc/$pid/environ" access=read action=denied || return 1
	# its own is fine
	run_boxed -- /bin/sh -c 'cat /proc/self/environ >/dev/null && cat /proc/$$/environ >/dev/null && echo own-ok'
	assert_rc 0 || return 1
	assert_contains "$T/out" own-ok
}
