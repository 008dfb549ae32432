#!/usr/bin/env bats
# deltaq version

load helpers

@test "version: prints the latest version alone" {
	run --separate-stderr deltaq version "$FIX/example"
	assert_success
	assert_output "11"
	assert_equal "$stderr" ""
}

@test "version: -o json is {\"version\":N}" {
	run deltaq version -o json "$FIX/basic"
	assert_success
	assert_equal "$(jq -c . <<<"$output")" '{"version":2}'
	run deltaq version -o ndjson "$FIX/basic"
	assert_output '{"version":2}'
}

@test "version: tsv and csv have a header" {
	run deltaq version -o tsv "$FIX/basic"
	assert_output "$(printf 'version\n2')"
	run deltaq version -o csv "$FIX/basic"
	assert_output "$(printf 'version\n2')"
}

@test "version: comes from file names, even when a commit is corrupt" {
	run deltaq version "$FIX/corrupt_json"
	assert_success
	assert_output "2"
	run deltaq version "$FIX/bad_types"
	assert_output "1"
}

@test "version: works whatever the protocol" {
	for t in unsupported_feature reader_v4 catalog_managed; do
		run deltaq version "$FIX/$t"
		assert_success
	done
}

@test "version: ignores names that are not 20-digit commits" {
	run deltaq version "$FIX/noise"
	assert_output "2"
}

@test "version: --at a version checks it exists" {
	run deltaq version --at 5 "$FIX/example"
	assert_output "5"
	run --separate-stderr deltaq version --at 12 "$FIX/example"
	assert_failure 3
	assert_equal "$stderr" "deltaq: version 12 is out of range: the log has versions 0 to 11"
}

@test "version: --at a timestamp picks the latest commit at or before it" {
	local t
	t=$(fixture example)
	run deltaq version --at '2024-01-01 05:00' "$t"
	assert_output "5"
	run deltaq version --at '2024-01-01T05:59:59.999Z' "$t"
	assert_output "5"
	run deltaq version --at '2024-01-01T07:30:00+02:00' "$t"
	assert_output "5"
	run deltaq version --at @1704081600000 "$t"
	assert_output "4"
	run deltaq version --at 2024-01-01 "$t"
	assert_output "0"
}

@test "version: --at a timestamp outside the history names the range (exit 3)" {
	local t
	t=$(fixture example)
	run --separate-stderr deltaq version --at 2023-12-31 "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: timestamp 2023-12-31T00:00:00.000Z is out of range: versions 0 to 11 were committed from 2024-01-01T00:00:00.000Z to 2024-01-01T11:00:00.000Z"
	run deltaq version --at '2024-01-01 11:00:00.001' "$t"
	assert_failure 3
}

@test "version: --at that is neither a version nor a timestamp is a usage error" {
	run deltaq version --at yesterday "$FIX/example"
	assert_failure 2
	assert_output --partial "'yesterday' is neither a version nor a timestamp"
}

@test "version: --at uses monotonic mtimes when a commit's mtime goes backwards" {
	local t="$BATS_TEST_TMPDIR/nm"
	cp -r "$FIX/example" "$t"
	NONMONO=3 "$FIX/set-mtimes.sh" "$t" >/dev/null
	# v3's file time is 01:30, before v2 (02:00): it becomes 02:00:00.001
	run deltaq version --at '2024-01-01T02:00:00Z' "$t"
	assert_output "2"
	run deltaq version --at '2024-01-01T02:00:00.001Z' "$t"
	assert_output "3"
	run deltaq version --at '2024-01-01T01:45:00Z' "$t"
	assert_output "1"
}

@test "version: --at uses in-commit timestamps where they are enabled" {
	local t
	t=$(fixture ict)
	run deltaq version --at 2030-01-01T05:00:00Z "$t"
	assert_output "5"
	run deltaq version --at 2024-01-01T01:30:00Z "$t"
	assert_output "1"
	# v2 and v3 carry 2030 in-commit timestamps, so 2024-01-01 03:00 is before them
	run deltaq version --at 2024-01-01T03:00:00Z "$t"
	assert_output "1"
	# v4 lacks its in-commit timestamp and falls back to its 2024 mtime, so it is
	# "committed at or before" any 2030 time (the defect `check` reports)
	run deltaq version --at 2030-01-01T03:30:00Z "$t"
	assert_output "4"
}
