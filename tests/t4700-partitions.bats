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

@test "partitions, info, check: sizes and counts a damaged log states at INT64_MAX are held there, not wrapped" {
	# Two files of INT64_MAX bytes and rows: the sums are held at INT64_MAX (never a
	# negative total) and the record count is no longer exact.
	local t="$BATS_TEST_TMPDIR/t"
	cp -R "$FIX/example" "$t"
	local a='{"add":{"path":"event_date=2024-03-08/%s.parquet","partitionValues":{"event_date":"2024-03-08"},"size":9223372036854775807,"modificationTime":1,"dataChange":true,"stats":"{\\"numRecords\\":9223372036854775807}"}}\n'
	printf "$a$a" A B >"$t/_delta_log/00000000000000000012.json"
	run --separate-stderr deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -r '[.size_bytes, .num_records, .num_records_exact] | map(tostring) | join(" ")' <<<"$output" | sed 's/9223372036854776000/MAX/g')" "MAX MAX false"
	assert_output --partial '"size_bytes": 9223372036854775807'
	run --separate-stderr deltaq partitions -o tsv "$t"
	assert_success
	assert_equal "${lines[-1]}" $'{"event_date":"2024-03-08"}\t2\t9223372036854775807\t'
	# A DV that deletes more rows than the file has: the count is unknown, and a finding.
	local d="$BATS_TEST_TMPDIR/dv"
	cp -R "$FIX/dv" "$d"
	sed -i 's/"cardinality":5/"cardinality":50/' "$d/_delta_log/00000000000000000002.json"
	run --separate-stderr deltaq info -o json "$d"
	assert_success
	assert_equal "$(jq -c '.num_records_exact' <<<"$output")" false
	run --separate-stderr deltaq check -o json "$d"
	assert_failure 1
	assert_equal "$(jq -r '.findings[0].rule' <<<"$output")" DQ117
	assert_equal "$(jq -r '.findings[0].message' <<<"$output" | sed 's/.*: its/its/')" "its cardinality 50 is more than the 10 rows stats numRecords gives the file"
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
