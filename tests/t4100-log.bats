#!/usr/bin/env bats
# deltaq log

load helpers

setup() {
	T=$(fixture example)
	M=$(fixture many)
}

@test "log: one aligned row per commit, newest first" {
	run --separate-stderr deltaq log "$T"
	assert_success
	assert_line --index 0 --regexp '^VERSION +TIMESTAMP +OPERATION +USER +\+FILES +-FILES +ROWS$'
	assert_line --index 1 --regexp '^ +11  2024-01-01T11:00:00\.000Z  WRITE +bob@example\.com +1 +- +40$'
	assert_line --index 12 --regexp '^ +0  2024-01-01T00:00:00\.000Z  CREATE TABLE'
	assert_equal "${#lines[@]}" 13
}

@test "log: -o json has the documented keys" {
	run deltaq log -o json -n 1 "$T"
	assert_success
	run jq -c '.[0] | keys_unsorted' <<<"$output"
	assert_output '["version","timestamp","timestamp_ms","operation","user","engine","files_added","files_removed","rows_written","operation_parameters","operation_metrics"]'
}

@test "log: fields come from commitInfo and operationMetrics" {
	run deltaq log -o json "$T"
	run jq -c '.[] | select(.version == 10) | [.operation, .user, .engine, .files_added, .files_removed, .timestamp_ms]' <<<"$output"
	assert_output '["MERGE","alice@example.com","Apache-Spark/3.5.1 Delta-Lake/3.2.0",2,1,1704103200000]'
}

@test "log: -n N lists the N newest commits" {
	run deltaq log -o ndjson -n 5 "$M"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_equal "$(jq -r .version <<<"${lines[0]}")" 29
	assert_equal "$(jq -r .version <<<"${lines[4]}")" 25
}

@test "log: -n 5 reads only the five newest commit files" {
	# Make every older commit unreadable: log -n 5 must not need them.
	for v in $(seq 0 24); do chmod 000 "$M/_delta_log/$(printf '%020d' "$v").json"; done
	[ "$(id -u)" = 0 ] && skip "root reads files whatever their mode"
	run deltaq log -n 5 "$M"
	assert_success
}

@test "log: -n 5 does not parse older commits (a corrupt old commit is not read)" {
	printf '{"commitInfo": garbage\n' > "$M/_delta_log/00000000000000000003.json"
	run deltaq log -n 5 "$M"
	assert_success
	run --separate-stderr deltaq log "$M"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000003.json' line 1: invalid token near 'garbage'"
}

@test "log: --reverse lists oldest first" {
	run deltaq log -o ndjson --reverse -n 3 "$M"
	assert_equal "$(jq -r .version <<<"${lines[0]}")" 27
	assert_equal "$(jq -r .version <<<"${lines[2]}")" 29
}

@test "log: --since/--until versions are inclusive" {
	run deltaq log -o ndjson --since 3 --until 6 "$M"
	assert_equal "$(jq -s -c 'map(.version)' <<<"$output")" '[6,5,4,3]'
}

@test "log: --since/--until timestamps keep commits within the range" {
	run deltaq log -o ndjson --since '2024-01-01 05:00' --until '2024-01-01T07:00:00Z' "$T"
	assert_equal "$(jq -s -c 'map(.version)' <<<"$output")" '[7,6,5]'
	run deltaq log -o ndjson --since '2024-01-01T05:00:00.001Z' -n 1 "$T"
	assert_equal "$(jq -s -c 'map(.version)' <<<"$output")" '[11]'
}

@test "log: an empty time range prints nothing and exits 0" {
	run --separate-stderr deltaq log --since 2031-01-01 "$T"
	assert_success
	assert_output "VERSION  TIMESTAMP  OPERATION  USER  +FILES  -FILES  ROWS"
	run --separate-stderr deltaq log -o ndjson --since 2031-01-01 "$T"
	assert_success
	assert_output ""
	run deltaq log -o json --until 2020-01-01 "$T"
	assert_output "[]"
}

@test "log: --oneline prints version, time and operation" {
	run deltaq log --oneline -n 2 "$T"
	assert_output "$(printf '11  2024-01-01T11:00:00.000Z  WRITE\n10  2024-01-01T10:00:00.000Z  MERGE')"
}

@test "log: a commit without commitInfo still gets its row, with nulls" {
	local t="$BATS_TEST_TMPDIR/noci"
	tiny_table "$t" 2
	commit "$t" 2 <<'J'
{"add":{"path":"z.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}}
J
	run deltaq log -o ndjson -n 1 "$t"
	assert_success
	assert_equal "$(jq -c '[.version, .operation, .user, .files_added, .operation_parameters]' <<<"$output")" '[2,null,null,null,null]'
}

@test "log: commitInfo need not be the first line" {
	local t="$BATS_TEST_TMPDIR/late"
	tiny_table "$t" 1
	commit "$t" 1 <<'J'
{"add":{"path":"z.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}}
{"commitInfo":{"operation":"LATE"}}
J
	run deltaq log -o ndjson -n 1 "$t"
	assert_equal "$(jq -r .operation <<<"$output")" "LATE"
}

@test "log: in-commit timestamps replace mtimes from the enablement version" {
	local t
	t=$(fixture ict)
	run --separate-stderr deltaq log -o ndjson "$t"
	assert_success
	assert_equal "$(jq -s -c 'map([.version, .timestamp_ms])' <<<"$output")" \
		'[[5,1893474000000],[4,1704081600000],[3,1893466800000],[2,1893463200000],[1,1704070800000],[0,1704067200000]]'
	assert_equal "$stderr" "deltaq: warning: commit 4 has no inCommitTimestamp although in-commit timestamps are enabled from version 2; using its file time"
}

@test "log: mtimes that go backwards are made monotonic" {
	local t="$BATS_TEST_TMPDIR/nm"
	cp -r "$FIX/example" "$t"
	NONMONO=3 "$FIX/set-mtimes.sh" "$t" >/dev/null
	run deltaq log -o ndjson --since 2 --until 3 "$t"
	assert_equal "$(jq -s -c 'map(.timestamp_ms)' <<<"$output")" '[1704074400001,1704074400000]'
}

@test "log: tsv and csv carry nested objects as JSON" {
	run deltaq log -o tsv -n 1 "$T"
	assert_line --index 0 "$(printf 'version\ttimestamp\ttimestamp_ms\toperation\tuser\tengine\tfiles_added\tfiles_removed\trows_written\toperation_parameters\toperation_metrics')"
	assert_line --index 1 --partial '{"mode":"Append"'
	run deltaq log -o csv -n 1 "$T"
	assert_line --index 1 --partial '"{""mode"":""Append""'
}

@test "log: -n takes a number" {
	run deltaq log -n x "$T"
	assert_failure 2
	run deltaq log --since nope "$T"
	assert_failure 2
}

@test "log: works on tables whose protocol deltaq does not honour" {
	run deltaq log "$FIX/catalog_managed"
	assert_success
	run deltaq log "$FIX/reader_v4"
	assert_success
}

@test "log: lists the commits still there and says where history starts" {
	run --separate-stderr deltaq log -o ndjson "$FIX/no_version0"
	assert_success
	assert_equal "$(jq -s -c 'map(.version)' <<<"$output")" '[7,6,5]'
	assert_equal "$stderr" "deltaq: history starts at version 5 (older commits were cleaned up); snapshots can be rebuilt from version 5"
}
