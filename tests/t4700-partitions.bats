#!/usr/bin/env bats
# deltaq partitions

load helpers

@test "partitions: one row per partition with files, bytes and records" {
	run deltaq partitions "$FIX/example"
	assert_success
	assert_line --index 0 "PARTITION              FILES  BYTES  RECORDS"
	assert_line --index 3 "event_date=2024-03-03      2   1191      210"
	assert_equal "${#lines[@]}" 8
}

@test "partitions: totals add up to info's" {
	run deltaq partitions -o json "$FIX/example"
	assert_equal "$(jq -c '[(map(.num_files)|add), (map(.size_bytes)|add), (map(.num_records)|add)]' <<<"$output")" '[10,3838,822]'
}

@test "partitions: records are null when a file of the partition lacks stats" {
	run deltaq partitions -o ndjson "$FIX/partitioned"
	assert_success
	assert_equal "$(jq -s -c 'map(select(.num_records == null)) | length' <<<"$output")" 1
}

@test "partitions: deletion vectors are subtracted" {
	run deltaq partitions -o json "$FIX/dv"
	assert_equal "$(jq -c '.[0] | [.partition_values, .num_files, .num_records]' <<<"$output")" '[{},2,13]'
}

@test "partitions: --where narrows them" {
	run deltaq partitions -o ndjson --where event_date=2024-03-05 "$FIX/example"
	assert_equal "$output" '{"partition_values":{"event_date":"2024-03-05"},"num_files":2,"size_bytes":872,"num_records":125}'
}

@test "partitions: an unsupported reader feature exits 4" {
	run --separate-stderr deltaq partitions "$FIX/unsupported_feature"
	assert_failure 4
	assert_equal "$output" ""
}
