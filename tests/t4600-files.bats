#!/usr/bin/env bats
# deltaq files

load helpers

@test "files: lists the active files, sorted by path" {
	run deltaq files -o json "$FIX/basic"
	assert_success
	assert_equal "$(jq -c 'map([.path, .size, .num_records, .dv_cardinality])' <<<"$output")" \
		"$(python3 "$FIX/gen.py" --facts | jq -c '.[] | select(.name == "basic") | .files | sort_by(.decoded) | map([.decoded, .size, .num_records, null])')"
}

@test "files: json records have the documented keys" {
	run deltaq files -o json "$FIX/example"
	assert_equal "$(jq -c '.[0] | keys_unsorted' <<<"$output")" '["path","size","modification_time","partition_values","num_records","dv_cardinality"]'
	assert_equal "$(jq -r '.[0].modification_time' <<<"$output")" "2023-06-01T12:39:58.417Z"
}

@test "files: text is aligned with a header" {
	run deltaq files "$FIX/example"
	assert_line --index 0 --regexp '^PATH +SIZE  MODIFIED +PARTITION +RECORDS  DELETED$'
	assert_line --index 1 --regexp '^event_date=2024-03-01/part-.* +296  2023-06-.*  event_date=2024-03-01 +117 +-$'
	assert_equal "${#lines[@]}" 11
}

@test "files: partition values keep nulls and empty strings" {
	run deltaq files -o ndjson "$FIX/partitioned"
	assert_output --partial '"partition_values":{"date":null,'
	assert_output --partial '"country":""}'
}

@test "files: --where filters on partition values" {
	run deltaq files -o ndjson --where event_date=2024-03-03 "$FIX/example"
	assert_equal "${#lines[@]}" 2
	run deltaq files -o ndjson --where date=2024-01-02 --where country=DE "$FIX/partitioned"
	assert_equal "${#lines[@]}" 1
	run deltaq files -o ndjson --where date=__HIVE_DEFAULT_PARTITION__ "$FIX/partitioned"
	assert_equal "$(jq -r '.partition_values.date' <<<"$output")" null
}

@test "files: --where on a column that is not a partition column is a usage error" {
	run deltaq files --where nope=1 "$FIX/example"
	assert_failure 2
	assert_output --partial "'nope' is not a partition column"
	run deltaq files --where novalue "$FIX/example"
	assert_failure 2
}

@test "files: --stats adds min, max and null_count by logical name" {
	run deltaq files -o json --stats "$FIX/colmap"
	assert_success
	assert_equal "$(jq -c '.[0] | [.min.id, .max.info.city, .null_count.info.zip]' <<<"$output")" '[0,"Paris",1]'
	run deltaq files -o json "$FIX/colmap"
	assert_equal "$(jq -c '.[0] | has("min")' <<<"$output")" false
}

@test "files: --at lists an older version" {
	run deltaq files -o ndjson --at 3 "$FIX/example"
	assert_equal "${#lines[@]}" 6
}

@test "files: an unsupported reader feature exits 4 with nothing on stdout" {
	for t in unsupported_feature reader_v4 catalog_managed; do
		run --separate-stderr deltaq files "$FIX/$t"
		assert_failure 4
		assert_equal "$output" ""
	done
	run --separate-stderr deltaq files "$FIX/unsupported_feature"
	assert_equal "$stderr" "deltaq: the table needs reader feature someFutureFeature, which deltaq does not support, so its file list cannot be trusted"
}

@test "files: tsv and csv" {
	run deltaq files -o tsv "$FIX/basic"
	assert_line --index 0 "$(printf 'path\tsize\tmodification_time\tpartition_values\tnum_records\tdv_cardinality')"
	assert_equal "${#lines[@]}" 4
	run deltaq files -o csv --stats "$FIX/basic"
	assert_line --index 0 "path,size,modification_time,partition_values,num_records,dv_cardinality,min,max,null_count"
}

@test "files: an empty table prints only the header" {
	local t="$BATS_TEST_TMPDIR/e"
	tiny_table "$t" 1
	run deltaq files "$t"
	assert_output "PATH  SIZE  MODIFIED  PARTITION  RECORDS  DELETED"
	run deltaq files -o json "$t"
	assert_output "[]"
}
