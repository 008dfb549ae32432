#!/usr/bin/env bats
# Checkpoints: every Parquet form, cleaned-up history, fallbacks.

load helpers

CORPUS="$BATS_TEST_DIRNAME/../../shared/corpus"

need_corpus() {
	[ -d "$CORPUS" ] || skip "../shared/corpus not found (it is beside the checkout in CI)"
}

# A copy of corpus table $1 whose commits up to $2 were cleaned up, as log retention does.
cleaned_copy() {
	local t="$BATS_TEST_TMPDIR/cleaned"
	cp -r "$CORPUS/$1" "$t"
	local v
	for ((v = 0; v <= $2; v++)); do
		rm -f "$t/_delta_log/$(printf '%020d' "$v").json" "$t/_delta_log/$(printf '%020d' "$v").crc"
	done
	printf '%s\n' "$t"
}

@test "checkpoint: every checkpoint-shaped fixture (codecs, pages, dictionaries, legacy) reads as DuckDB does" {
	run python3 "$BATS_TEST_DIRNAME/check_checkpoints.py"
	assert_success
	assert_line --regexp '^checkpoints: [0-9]+ passed, 0 failed$'
}

@test "checkpoint: a table whose early commits were cleaned up reads from its checkpoint" {
	need_corpus
	run deltaq info -o json "$CORPUS/delta-golden/checkpoint"
	local full=$output
	local t
	t=$(cleaned_copy delta-golden/checkpoint 10)
	run --separate-stderr deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.version, .num_files, .size_bytes, .checkpoint_version, .commits_since_checkpoint, .earliest_version]' <<<"$output")" \
		"$(jq -c '[.version, .num_files, .size_bytes, 10, 4, 10]' <<<"$full")"
	run deltaq files -o json "$t"
	assert_equal "$(jq -c 'map(.path)' <<<"$output")" "$(deltaq files -o json "$CORPUS/delta-golden/checkpoint" | jq -c 'map(.path)')"
}

@test "checkpoint: time travel reaches back to the oldest checkpoint, not further" {
	need_corpus
	local t
	t=$(cleaned_copy delta-golden/checkpoint 10)
	run deltaq info -o json --at 10 "$t"
	assert_success
	run --separate-stderr deltaq info --at 9 "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: version 9 is out of range: the log has versions 10 to 14"
}

@test "checkpoint: show of a version only its checkpoint is left of summarises it" {
	need_corpus
	local t
	t=$(cleaned_copy delta-golden/checkpoint 10)
	run deltaq show -o json "$t" 10
	assert_success
	assert_equal "$(jq -c '[.version, .kind, .files]' <<<"$output")" '[10,"classic",["00000000000000000010.checkpoint.parquet"]]'
	assert_equal "$(jq -c '.rows | has("add") and has("metaData") and has("protocol")' <<<"$output")" true
	run deltaq show "$t" 10
	assert_line --index 0 "version:    10 (no commit file; its checkpoint)"
}

@test "checkpoint: log says where history starts" {
	need_corpus
	local t
	t=$(cleaned_copy delta-golden/checkpoint 10)
	run --separate-stderr deltaq log -o ndjson "$t"
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "$stderr" "deltaq: history starts at version 11 (older commits were cleaned up); snapshots can be rebuilt from version 10"
}

@test "checkpoint: an unreadable checkpoint falls back to the JSON commits with a warning" {
	need_corpus
	local t="$BATS_TEST_TMPDIR/broken"
	cp -r "$CORPUS/delta-golden/checkpoint" "$t"
	local c="$t/_delta_log/00000000000000000010.checkpoint.parquet"
	head -c 100 "$c" > "$c.tmp" && mv "$c.tmp" "$c"
	run --separate-stderr deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.num_files, .checkpoint_version]' <<<"$output")" '[1,null]'
	[[ $stderr == "deltaq: warning: cannot read '_delta_log/00000000000000000010.checkpoint.parquet'"*"; falling back to an older checkpoint or the JSON commits" ]]
}

@test "checkpoint: an unreadable checkpoint with no history before it is exit 3, naming the file" {
	need_corpus
	local t
	t=$(cleaned_copy delta-golden/checkpoint 10)
	local c="$t/_delta_log/00000000000000000010.checkpoint.parquet"
	head -c 100 "$c" > "$c.tmp" && mv "$c.tmp" "$c"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$output" ""
	[[ $stderr == "deltaq: cannot read '_delta_log/00000000000000000010.checkpoint.parquet'"* ]]
}

@test "checkpoint: an incomplete multi-part checkpoint is skipped" {
	need_corpus
	local t="$BATS_TEST_TMPDIR/mp"
	cp -r "$CORPUS/delta-golden/multi-part-checkpoint" "$t"
	rm "$t"/_delta_log/*.checkpoint.0000000002.0000000002.parquet
	run --separate-stderr deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.num_files, .checkpoint_version]' <<<"$output")" '[10,null]'
}

@test "checkpoint: --no-checkpoint replays the JSON commits and agrees" {
	need_corpus
	for tbl in delta-golden/multi-part-checkpoint delta-golden/v2-checkpoint-json delta-golden/v2-checkpoint-parquet; do
		run deltaq files -o json "$CORPUS/$tbl"
		local a=$output
		run deltaq files -o json --no-checkpoint "$CORPUS/$tbl"
		assert_equal "$output" "$a"
		run deltaq info -o json --no-checkpoint "$CORPUS/$tbl"
		assert_equal "$(jq .checkpoint_version <<<"$output")" null
	done
}

# Commit 11 after the checkpoint of dv-partitioned-with-checkpoint (18 files at 10) touches
# checkpoint files in every spelling: a plain path, an absolute file:// URI, a
# percent-encoded path (all three remove the file), a remove without the DV of a file
# that has one (a different key: the file stays), and a re-add with a new size.
@test "checkpoint: newer commits hide the checkpoint's adds whatever the path's spelling" {
	need_corpus
	local t
	t=$(cleaned_copy delta-golden/dv-partitioned-with-checkpoint 9)
	rm -f "$t"/_delta_log/0000000000000000001[1-9].json
	local root
	root=$(cd "$t" && pwd -P)
	local a=part=1/part-00000-a1586fa1-50e8-4f06-858a-b43b2e83010b.c000.snappy.parquet
	local b=part=3/part-00000-319bea86-657f-4431-9b26-949dba99cf2c.c000.snappy.parquet
	local c=part=5/part-00000-5c963f16-d5b8-4f8b-8d8a-0e3403228be2.c000.snappy.parquet
	local d=part=0/part-00000-8387c699-30b1-4734-a791-9278d560ec19.c000.snappy.parquet
	local e=part=7/part-00000-33cc19fc-3607-4ea7-ab6d-af4e3ebf62c4.c000.snappy.parquet
	run deltaq files -o json "$t"
	assert_success
	assert_equal "$(jq -c '[length, (map(select(.path == "'"$d"'")) | .[0].dv_cardinality)]' <<<"$output")" '[18,2]'
	{
		printf '{"remove":{"path":"file://%s/%s","deletionTimestamp":1,"dataChange":true}}\n' "$root" "$a"
		printf '{"remove":{"path":"%s","deletionTimestamp":1,"dataChange":true}}\n' "${b/=/%3D}"
		printf '{"remove":{"path":"%s","deletionTimestamp":1,"dataChange":true}}\n' "$c"
		printf '{"remove":{"path":"%s","deletionTimestamp":1,"dataChange":true}}\n' "$d"
		printf '{"add":{"path":"%s","partitionValues":{"part":"7"},"size":999,"modificationTime":1,"dataChange":true}}\n' "$e"
	} >"$t/_delta_log/00000000000000000011.json"
	run deltaq files -o json "$t"
	assert_success
	local files=$output
	assert_equal "$(jq -c 'length' <<<"$files")" 15
	assert_equal "$(jq -c '[.[] | select(.path == "'"$a"'" or .path == "'"$b"'" or .path == "'"$c"'")] | length' <<<"$files")" 0
	assert_equal "$(jq -c '[.[] | select(.path == "'"$d"'")] | map(.dv_cardinality)' <<<"$files")" '[2]'
	assert_equal "$(jq -c '[.[] | select(.path == "'"$e"'")] | map(.size)' <<<"$files")" '[999]'
	run deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.num_files, .size_bytes]' <<<"$output")" "$(jq -c '[length, (map(.size) | add)]' <<<"$files")"
	run deltaq partitions -o json "$t"
	assert_success
	assert_equal "$(jq -c '[(map(.num_files) | add), (map(.size_bytes) | add)]' <<<"$output")" "$(jq -c '[length, (map(.size) | add)]' <<<"$files")"
}
