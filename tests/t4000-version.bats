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

# ict_late DIR: versions 0-2 without in-commit timestamps, enabled at 3 (03:00) with 04:00
# and 05:00 at 4 and 5; every commit file then touched to 2025-06-01, as a copy of the log
# that did not keep file times leaves it.
ict_late() {
	local t=$1 v b=1704067200000
	local m='{"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],"configuration":CONF}}'
	{
		echo '{"commitInfo":{"timestamp":0,"operation":"CREATE"}}'
		echo '{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}'
		echo "${m/CONF/{\}}"
	} | commit "$t" 0
	for v in 1 2; do echo '{"commitInfo":{"timestamp":0,"operation":"WRITE"}}' | commit "$t" "$v"; done
	{
		echo "{\"commitInfo\":{\"timestamp\":0,\"inCommitTimestamp\":$((b + 3 * 3600000)),\"operation\":\"SET\"}}"
		echo '{"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["inCommitTimestamp"]}}'
		echo "${m/CONF/{\"delta.enableInCommitTimestamps\":\"true\",\"delta.inCommitTimestampEnablementVersion\":\"3\",\"delta.inCommitTimestampEnablementTimestamp\":\"$((b + 3 * 3600000))\"\}}"
	} | commit "$t" 3
	for v in 4 5; do
		echo "{\"commitInfo\":{\"timestamp\":0,\"inCommitTimestamp\":$((b + v * 3600000)),\"operation\":\"WRITE\"}}" | commit "$t" "$v"
	done
	touch -d '2025-06-01 UTC' "$t"/_delta_log/*.json
}

@test "version: --at with in-commit timestamps enabled later searches the side of the enablement time it falls on" {
	# As Spark's getActiveCommitAtTime and kernel-rs: a time at or after the enablement
	# commit's in-commit timestamp is looked for among versions 3-5 only; file times (here
	# all after it) are never compared with in-commit timestamps.
	local t="$BATS_TEST_TMPDIR/ict_late" w
	ict_late "$t"
	for w in 2024-01-01T03:00Z:3 2024-01-01T04:30Z:4 2024-01-01T05:00Z:5; do
		run --separate-stderr deltaq version --at "${w%Z:*}Z" "$t"
		assert_success
		assert_output "${w##*:}"
	done
	run --separate-stderr deltaq version --at 2024-01-01T05:00:00.001Z "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: timestamp 2024-01-01T05:00:00.001Z is out of range: versions 3 to 5 were committed from 2024-01-01T03:00:00.000Z to 2024-01-01T05:00:00.000Z"
	# Before the enablement: the file times of versions 0-2, which all come later.
	run --separate-stderr deltaq version --at 2024-01-01T02:00Z "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: timestamp 2024-01-01T02:00:00.000Z is out of range: versions 0 to 2 were committed from 2025-06-01T00:00:00.000Z to 2025-06-01T00:00:00.002Z (in-commit timestamps start at version 3, 2024-01-01T03:00:00.000Z)"
	run deltaq info -o json --at 2024-01-01T04:30Z "$t"
	assert_success
	assert_equal "$(jq .version <<<"$output")" 4
	# A latest version that cannot be read leaves the enablement unknown: the first
	# commit with an in-commit timestamp stands for it.
	{
		echo '{"commitInfo":{"timestamp":0,"inCommitTimestamp":1704088800000,"operation":"WRITE"}}'
		echo '{"protocol":{"minReaderVersion":"x","minWriterVersion":7}}'
	} | commit "$t" 6
	touch -d '2025-06-01 UTC' "$t/_delta_log/00000000000000000006.json"
	run --separate-stderr deltaq version --at 2024-01-01T04:30Z "$t"
	assert_success
	assert_output 4
}

@test "version: --at a timestamp on a table of one commit names that commit" {
	local t
	t="$BATS_TEST_TMPDIR/one"
	tiny_table "$t" 1
	touch -d '2024-01-01 00:00 UTC' "$t/_delta_log/00000000000000000000.json"
	run --separate-stderr deltaq version --at 2023-12-31 "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: timestamp 2023-12-31T00:00:00.000Z is out of range: version 0 was committed at 2024-01-01T00:00:00.000Z"
}

@test "version: --at a timestamp makes file times monotonic from the earliest version that can be read" {
	# Commits 3 and 4 outlived a cleanup of 0-2; the checkpoint at 5 is where snapshots
	# start.  Commit 4's file time (09:00) is after 5-7's: monotonic from commit 3 it would
	# push them all past 09:00, but Spark's time travel starts at 5, as deltaq does.
	local t="$BATS_TEST_TMPDIR/cleaned" v
	for v in 3 4 5 6 7; do echo '{"commitInfo":{"timestamp":0,"operation":"WRITE"}}' | commit "$t" "$v"; done
	cp "$FIX/parquet/duck_snappy_v1.parquet" "$t/_delta_log/00000000000000000005.checkpoint.parquet"
	touch -d '2024-01-01 03:00 UTC' "$t/_delta_log/00000000000000000003.json"
	touch -d '2024-01-01 09:00 UTC' "$t/_delta_log/00000000000000000004.json"
	for v in 5 6 7; do touch -d "2024-01-01 0$v:00 UTC" "$t/_delta_log/0000000000000000000$v.json"; done
	run --separate-stderr deltaq version --at 2024-01-01T06:30Z "$t"
	assert_success
	assert_output 6
	# `log` shows the times as Spark's DESCRIBE HISTORY does: monotonic from the oldest commit.
	run --separate-stderr deltaq log -o json "$t"
	assert_equal "$(jq -r '.[] | select(.version == 5) | .timestamp' <<<"$output")" 2024-01-01T09:00:00.001Z
	# Version 4 has a commit file but no snapshot: the message says why, and from where.
	run --separate-stderr deltaq files --at 4 "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: version 4 cannot be read: the log starts at version 3 (versions 0 to 2 are missing) and no checkpoint at or before it covers them; the earliest version that can be read is 5"
}
