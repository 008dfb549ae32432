#!/usr/bin/env bats
# deltaq info

load helpers

@test "info: -o json has every documented key, in order" {
	run deltaq info -o json "$FIX/example"
	assert_success
	run jq -c 'keys_unsorted' <<<"$output"
	assert_output '["location","id","name","description","format","created_time","version","timestamp","timestamp_ms","earliest_version","checkpoint_version","commits_since_checkpoint","partition_columns","num_files","size_bytes","num_records","num_records_exact","min_reader_version","min_writer_version","reader_features","writer_features","unsupported_reader_features","properties","app_transactions","domains"]'
}

@test "info: describes the example table" {
	local t
	t=$(fixture example)
	run deltaq info -o json "$t"
	run jq -c '[.location, .id, .name, .format, .created_time, .version, .timestamp, .timestamp_ms, .earliest_version, .checkpoint_version, .partition_columns, .num_files, .size_bytes, .num_records, .num_records_exact, .min_reader_version, .min_writer_version, .reader_features, .writer_features, .properties["delta.logRetentionDuration"]]' <<<"$output"
	assert_output "[\"$t\",\"853066d6-6530-5a8e-8563-8ae5dd72a184\",\"events\",\"parquet\",\"2023-06-01T11:59:58.917Z\",11,\"2024-01-01T11:00:00.000Z\",1704106800000,0,null,[\"event_date\"],10,3838,822,true,1,2,[],[],\"interval 30 days\"]"
}

@test "info: text is one aligned key: value line per field" {
	run deltaq info "$FIX/example"
	assert_success
	assert_line --index 0 --regexp '^location: +/'
	assert_line --regexp '^num_files: +10$'
	assert_line --regexp '^partition_columns: +event_date$'
}

@test "info: --at shows an older version" {
	run deltaq info -o json --at 4 "$FIX/example"
	assert_equal "$(jq -c '[.version, .num_files, .size_bytes, .num_records]' <<<"$output")" '[4,6,2548,527]'
}

@test "info: num_records is not exact when a file lacks stats" {
	run deltaq info -o json "$FIX/partitioned"
	assert_equal "$(jq -c '[.num_records, .num_records_exact]' <<<"$output")" '[18,false]'
}

@test "info: deletion vectors are subtracted from the record count" {
	run deltaq info -o json "$FIX/dv"
	assert_equal "$(jq -c '[.num_records, .reader_features]' <<<"$output")" '[13,["deletionVectors"]]'
}

@test "info: app transactions and domains" {
	run deltaq info -o json "$FIX/txn"
	assert_equal "$(jq -c '[.app_transactions, .domains]' <<<"$output")" '[{"app-a":3,"app-b":7},["delta.rowTracking","keep.domain"]]'
}

@test "info: an unsupported reader feature gives null file fields and a reason" {
	run --separate-stderr deltaq info -o json "$FIX/unsupported_feature"
	assert_success
	assert_equal "$(jq -c '[.num_files, .size_bytes, .num_records, .num_records_exact, .unsupported_reader_features]' <<<"$output")" '[null,null,null,null,["someFutureFeature"]]'
	assert_equal "$stderr" "deltaq: warning: the table needs reader feature someFutureFeature, which deltaq does not support, so its file list cannot be trusted; num_files, size_bytes and num_records are null"
}

@test "info: minReaderVersion 4 and catalog-managed tables are not honoured" {
	run --separate-stderr deltaq info -o json "$FIX/reader_v4"
	assert_success
	assert_equal "$(jq -c '[.num_files, .unsupported_reader_features]' <<<"$output")" '[null,["minReaderVersion 4"]]'
	run --separate-stderr deltaq info -o json "$FIX/catalog_managed"
	assert_success
	assert_equal "$(jq -c '[.num_files, .unsupported_reader_features]' <<<"$output")" '[null,["catalogManaged"]]'
}

@test "info: ndjson, tsv and csv print one record" {
	run deltaq info -o ndjson "$FIX/basic"
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .num_files <<<"$output")" 3
	run deltaq info -o tsv "$FIX/basic"
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial "$(printf 'location\tid\tname')"
	run deltaq info -o csv "$FIX/basic"
	assert_equal "${#lines[@]}" 2
}

@test "info: a table whose only usable start is an unreadable checkpoint is refused (exit 3)" {
	run --separate-stderr deltaq info "$FIX/no_version0"
	assert_failure 3
	assert_equal "$output" ""
	[[ $stderr == "deltaq: cannot read '_delta_log/00000000000000000005.checkpoint.parquet'"* ]]
}
