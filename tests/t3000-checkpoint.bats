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
