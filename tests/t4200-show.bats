#!/usr/bin/env bats
# deltaq show

load helpers

@test "show: text summarises the commit and lists its actions" {
	local t
	t=$(fixture example)
	run --separate-stderr deltaq show "$t" 4
	assert_success
	assert_line --index 0 "version:   4"
	assert_line --index 1 "timestamp: 2024-01-01T04:00:00.000Z"
	assert_line --index 2 "operation: DELETE"
	assert_line --index 3 "actions:   commitInfo=1 remove=1 add=1"
	assert_line --index 4 --regexp '^#  ACTION +PATH +SIZE  DATA_CHANGE$'
	assert_line --index 6 --regexp '^2  remove +event_date=2024-03-01/part-00000-3eba0c33.* +257  true$'
}

@test "show: -o json prints the raw actions as an array" {
	run deltaq show -o json "$FIX/example" 4
	assert_success
	assert_equal "$(jq -c 'map(keys[0])' <<<"$output")" '["commitInfo","remove","add"]'
	assert_equal "$(jq -r '.[2].add.size' <<<"$output")" 296
}

@test "show: -o ndjson prints one raw action per line, as in the log" {
	run deltaq show -o ndjson "$FIX/basic" 0
	assert_success
	run diff <(jq -cS . <<<"$output") <(jq -cS . "$FIX/basic/_delta_log/00000000000000000000.json")
	assert_success
}

@test "show: REF defaults to the latest version and accepts timestamps" {
	run deltaq show -o json "$FIX/example"
	assert_equal "$(jq -r '.[0].commitInfo.operation' <<<"$output")" "WRITE"
	local t
	t=$(fixture example)
	run deltaq show -o json "$t" '2024-01-01 06:30'
	assert_equal "$(jq -r '.[0].commitInfo.operation' <<<"$output")" "OPTIMIZE"
	run deltaq show -o json --at 7 "$FIX/example"
	assert_equal "$(jq -r '.[0].commitInfo.operation' <<<"$output")" "SET TBLPROPERTIES"
}

@test "show: tsv has one row per action" {
	run deltaq show -o tsv "$FIX/example" 6
	assert_line --index 0 "$(printf 'index\taction\tpath\tsize\tdata_change\tdetail')"
	assert_equal "${#lines[@]}" 6
	assert_line --index 2 --regexp $'^2\tremove\tevent_date=2024-03-04/.*\t468\tfalse\t\{"remove"'
}

@test "show: a version with no commit file names the range (exit 3)" {
	run --separate-stderr deltaq show "$FIX/example" 99
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: version 99 is out of range: the log has versions 0 to 11"
	run --separate-stderr deltaq show "$FIX/gap" 2
	assert_failure 3
	assert_equal "$stderr" "deltaq: version 2 has no commit file (the log has versions 0 to 3)"
}

@test "show: corrupt JSON names the line" {
	run --separate-stderr deltaq show "$FIX/corrupt_json" 1
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000001.json' line 3: unexpected token near end of file"
}

@test "show: works whatever the protocol" {
	run deltaq show -o json "$FIX/reader_v4" 0
	assert_success
	assert_output --partial '"minReaderVersion": 4'
}

@test "show: an empty commit has no actions" {
	run deltaq show -o json "$FIX/empty_commit" 1
	assert_success
	assert_output "[]"
}
