#!/usr/bin/env bats
# deltaq schema

load helpers

@test "schema: prints a tree like Spark's printSchema" {
	run deltaq schema "$FIX/example"
	assert_success
	assert_output "$(cat <<'S'
root
 |-- event_id: long (nullable = false)
 |-- event_date: date (nullable = true)
 |-- user_id: string (nullable = true)
 |-- country: string (nullable = true)
 |-- amount: decimal(10,2) (nullable = true)
 |-- payload: struct (nullable = true)
 |    |-- source: string (nullable = true)
 |    |-- tags: array (nullable = true)
 |    |    |-- element: string (containsNull = true)
 |-- created_at: timestamp (nullable = true)
 |-- device: string (nullable = true)
S
)"
}

@test "schema: --at shows the schema before a column was added" {
	run deltaq schema --at 7 "$FIX/example"
	refute_output --partial "device"
}

@test "schema: column mapping names and ids" {
	run deltaq schema "$FIX/colmap"
	assert_line --index 1 --regexp '^ \|-- id: long \(nullable = true\) \[physical: col-[0-9a-f-]+, id: 1\]$'
}

@test "schema: -o json is the raw schema" {
	run deltaq schema -o json "$FIX/example"
	assert_equal "$(jq -r '.type' <<<"$output")" struct
	assert_equal "$(jq -r '.fields[0].name' <<<"$output")" event_id
}

@test "schema: ndjson/tsv/csv have one row per field" {
	run deltaq schema -o ndjson "$FIX/example"
	assert_equal "${#lines[@]}" 11
	assert_line --index 6 '{"path":"payload.source","type":"string","nullable":true,"physical_name":null,"id":null}'
	run deltaq schema -o csv "$FIX/colmap"
	assert_line --index 0 "path,type,nullable,physical_name,id"
}

@test "schema: --ddl prints a CREATE TABLE column list" {
	run deltaq schema --ddl "$FIX/example"
	assert_output "event_id BIGINT NOT NULL, event_date DATE, user_id STRING, country STRING, amount DECIMAL(10,2), payload STRUCT<source: STRING, tags: ARRAY<STRING>>, created_at TIMESTAMP, device STRING"
	run deltaq schema --ddl -o json "$FIX/basic"
	assert_equal "$(jq -r 'keys[0]' <<<"$output")" ddl
}

@test "schema: works whatever the protocol" {
	run deltaq schema "$FIX/unsupported_feature"
	assert_success
	run deltaq schema "$FIX/catalog_managed"
	assert_success
}

@test "schema: reads only protocol and metaData (corrupt add lines elsewhere do not matter)" {
	run deltaq schema "$FIX/corrupt_json"
	assert_success
}

@test "schema: a schemaString that does not parse is an error" {
	local t="$BATS_TEST_TMPDIR/bad"
	commit "$t" 0 <<'J'
{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{not json","partitionColumns":[],"configuration":{}}}
J
	run --separate-stderr deltaq schema "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: the schemaString of version 0's metaData does not parse as a schema"
	# Later commits without a metaData: the message still names the version that has it.
	for v in 1 2; do
		echo '{"commitInfo":{"timestamp":1704067200000,"operation":"WRITE"}}' | commit "$t" "$v"
	done
	run --separate-stderr deltaq schema --ddl "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: the schemaString of version 0's metaData does not parse as a schema"
	# From a JSON (v2) checkpoint: the checkpoint's version.
	local v2="$BATS_TEST_TMPDIR/v2"
	echo '{"commitInfo":{"timestamp":0}}' | commit "$v2" 3
	{
		echo '{"checkpointMetadata":{"version":2}}'
		echo '{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["v2Checkpoint"],"writerFeatures":["v2Checkpoint"]}}'
		echo '{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{not json","partitionColumns":[],"configuration":{}}}'
	} > "$v2/_delta_log/00000000000000000002.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json"
	run --separate-stderr deltaq schema "$v2"
	assert_failure 3
	assert_equal "$stderr" "deltaq: the schemaString of version 2's metaData does not parse as a schema"
}
