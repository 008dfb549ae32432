#!/usr/bin/env bats
# deltaq diff

load helpers

@test "diff: files added and removed, and net bytes" {
	run deltaq diff -o json "$FIX/example" 3 5
	assert_success
	assert_equal "$(jq -c '[.from, .to, (.added|length), (.removed|length), .net_bytes, .protocol_change]' <<<"$output")" '[3,5,3,1,1280,null]'
	assert_equal "$(jq -r '.removed[0].path' <<<"$output")" "event_date=2024-03-01/part-00000-3eba0c33-6478-5364-8254-63f17fde45ce.c000.snappy.parquet"
}

@test "diff: a file rewritten under its old name is removed and added; unchanged, it is neither" {
	local t="$BATS_TEST_TMPDIR/t"
	local p='{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}'
	local m='{"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":{}}}'
	add() { echo "{\"add\":{\"path\":\"c.parquet\",\"partitionValues\":{},\"size\":$1,\"modificationTime\":$2,\"dataChange\":true}}"; }
	printf '%s\n%s\n%s\n' "$p" "$m" "$(add 300 1)" | commit "$t" 0
	echo '{"remove":{"path":"c.parquet","deletionTimestamp":1,"dataChange":true}}' | commit "$t" 1
	add 333 1 | commit "$t" 2
	echo '{"remove":{"path":"c.parquet","deletionTimestamp":1,"dataChange":true}}' | commit "$t" 3
	add 333 1 | commit "$t" 4
	run deltaq diff -o json "$t" 0 2
	assert_success
	assert_equal "$(jq -c '[[.removed[] | [.path, .size]], [.added[] | [.path, .size]], .net_bytes]' <<<"$output")" \
		'[[["c.parquet",300]],[["c.parquet",333]],33]'
	# Removed and added back as it was (as RESTORE does): no change.
	run deltaq diff -o json "$t" 2 4
	assert_equal "$(jq -c '[(.removed | length), (.added | length), .net_bytes]' <<<"$output")" '[0,0,0]'
}

@test "diff: version B comes from an argument or from --at, and both is a usage error" {
	run deltaq diff -o json --at 5 "$FIX/example" 3
	assert_success
	assert_equal "$(jq -c '[.from, .to]' <<<"$output")" '[3,5]'
	run --separate-stderr deltaq diff --at 5 "$FIX/example" 3 6
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "deltaq diff: give version B either as an argument or with --at, not both"
}

@test "diff: json has the documented keys" {
	run deltaq diff -o json "$FIX/example" 0
	assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" '["from","to","added","removed","net_bytes","schema_changes","property_changes","protocol_change"]'
	assert_equal "$(jq -c '.to' <<<"$output")" 11
}

@test "diff: schema, property and protocol changes" {
	run deltaq diff -o json "$FIX/schema_evolution" 0 2
	assert_success
	assert_equal "$(jq -c '.schema_changes' <<<"$output")" '[{"change":"added","column":"b","from":null,"to":"string"}]'
	assert_equal "$(jq -c '.protocol_change | [.from.min_writer_version, .to.min_writer_version]' <<<"$output")" '[2,3]'
	assert_equal "$(jq -c '.property_changes | length > 0' <<<"$output")" true
}

@test "diff: text and ndjson list one change per row" {
	run deltaq diff "$FIX/example" 3 5
	assert_line --index 0 --regexp '^CHANGE +PATH/KEY +SIZE  FROM  TO$'
	assert_line --index 1 --regexp '^file_removed  event_date=2024-03-01/.* +257  - +-$'
	assert_line --index 5 --regexp '^net_bytes +- +1280  3 +5$'
	run deltaq diff -o ndjson "$FIX/example" 6 8
	assert_line --index 0 '{"change":"schema","path":"device","from":null,"to":"string"}'
	assert_line --partial '"change":"net_bytes","size":0'
}

@test "diff: a new deletion vector is a remove and an add" {
	run deltaq diff -o json "$FIX/dv" 0 1
	assert_equal "$(jq -c '[(.added|length), (.removed|length), .added[0].dv_cardinality]' <<<"$output")" '[1,1,2]'
}

@test "diff: REFs may be timestamps" {
	local t
	t=$(fixture example)
	run deltaq diff -o json "$t" '2024-01-01 03:30' '2024-01-01T05:30:00Z'
	assert_equal "$(jq -c '[.from, .to]' <<<"$output")" '[3,5]'
}

@test "diff: needs two snapshots it can trust" {
	run deltaq diff "$FIX/example"
	assert_failure 2
	run --separate-stderr deltaq diff "$FIX/unsupported_feature" 0 1
	assert_failure 4
	assert_equal "$output" ""
	run --separate-stderr deltaq diff "$FIX/example" 0 99
	assert_failure 3
	assert_equal "$output" ""
}
