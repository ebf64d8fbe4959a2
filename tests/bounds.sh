# In full mode Landlock handles only what the mount tree does not already
# bound (landlock.c, fs_handled): reads and truncation are left to the mount
# tree.  These tests show the attacks Landlock used to stop there too are
# still stopped, and logged, in every mode.  Helpers from supervisor.sh.

# a secret outside the policy, read directly (denied and logged), through a
# symlink the sandbox may follow (it sits in a writable directory) and through
# pid 1's root (denied; the supervisor judges the name it is given, so these
# two are refused by the kernel layers without an event of their own)
test_layer_bounds_read_via_links() {
	local secret="bsbox-secret-$RANDOM$RANDOM"
	mkdir -p "$T/w" "$T/out-of-policy"
	echo "$secret" >"$T/out-of-policy/secret"
	ln -s "$T/out-of-policy/secret" "$T/w/esc"
	POLICY=$(mkpolicy bounds write "\"$T/w\"")
	newlog link
	run_boxed --crate bounds -- /bin/sh -c "cat $T/out-of-policy/secret; cat $T/w/esc; cat /proc/1/root$T/out-of-policy/secret; exit 0"
	assert_not_contains "$T/out" "$secret"
	assert_not_contains "$T/err" "$secret"
	assert_not_contains "$BSBOX_LOG" "$secret"
	assert_eq "$rc" 124 "bsbox exit (a denial was recorded)"
	expect_event kind=path access=read "path=$T/out-of-policy/secret" action=denied exe~cat
	[ "$(grep -c "^cat: .*: \(Permission denied\|No such file or directory\)" "$T/err")" = 3 ] ||
		{ fail "not every read was refused by the kernel"; show "$T/err"; }
}

# a file under a read-only rule can be neither truncated nor written
test_layer_bounds_truncate_readonly() {
	mkdir -p "$T/ro"
	echo keep >"$T/ro/f"
	POLICY=$(mkpolicy bounds-ro read "\"$T/ro\"")
	newlog trunc
	run_boxed --crate bounds -- /bin/sh -c "truncate -s 0 $T/ro/f; : >$T/ro/f; echo x >>$T/ro/f; exit 0"
	assert_eq "$(cat "$T/ro/f")" keep "the file's content"
	assert_contains "$T/err" "truncate"
	expect_event kind=path access=write "path=$T/ro/f" action=denied
}
