# One lookup for a crate's policy (issue 11, "Copies that disagree"): `bsbox
# policy show` prints the file the shim applies, <crate>@<version>.json
# before <crate>.json.  Sourced by tests/run.sh.

_ps_setup() {
	mkdir -p "$T/pol"
	echo '{"extends": ["default"], "read": ["/opt/bsbox-any-version"]}' >"$T/pol/foo.json"
	echo '{"extends": ["default"], "read": ["/opt/bsbox-pinned-1.2.3"]}' >"$T/pol/foo@1.2.3.json"
}

test_policystore_show_versions() {
	_ps_setup
	# the pinned version: its own file
	BSBOX_POLICY_DIR=$T/pol run_bsbox policy show foo@1.2.3
	assert_rc 0
	assert_contains "$T/out" "# policy for foo@1.2.3: $T/pol/foo@1.2.3.json"
	assert_contains "$T/out" "/opt/bsbox-pinned-1.2.3"
	# another version: foo.json, as the shim would (not the built-in default)
	BSBOX_POLICY_DIR=$T/pol run_bsbox policy show foo@9.9.9
	assert_rc 0
	assert_contains "$T/out" "# policy for foo@9.9.9: $T/pol/foo.json"
	assert_contains "$T/out" "/opt/bsbox-any-version"
	# no version: foo.json, and a word about the pinned file
	BSBOX_POLICY_DIR=$T/pol run_bsbox policy show foo
	assert_rc 0
	assert_contains "$T/out" "# policy for foo: $T/pol/foo.json"
	assert_contains "$T/out" "# $T/pol/foo@1.2.3.json applies to foo 1.2.3 instead"
	# a crate without a file: the default
	BSBOX_POLICY_DIR=$T/pol run_bsbox policy show bar@1.0.0
	assert_rc 0
	assert_contains "$T/out" "# no policy file for bar@1.0.0: the built-in default applies"
}
