#!/usr/bin/env bats
# Replay against an independent implementation: the fixture generator's own replay
# (tests/fixtures/gen.py --facts) at every version of every readable fixture.

load helpers

@test "replay: every version of every fixture matches the generator's replay" {
	run python3 "$BATS_TEST_DIRNAME/check_fixtures.py"
	assert_success
	assert_line --regexp '^fixtures: [0-9]+ passed, 0 failed$'
}

@test "replay: the committed fixtures are what gen.py writes" {
	run python3 "$FIX/gen.py" --check
	assert_success
}

@test "replay: paths are decoded exactly once" {
	run deltaq files -o json "$FIX/partitioned"
	assert_success
	assert_output --partial '"path":"date=2024-01-01/country=a b%25c%2Fé/'
	assert_output --partial '"partition_values":{"date":"2024-01-01","country":"a b%c/é"}'
}

@test "replay: an empty path is refused: it would name the table's own folder" {
	local t="$BATS_TEST_TMPDIR/t"
	cp -R "$FIX/example" "$t"
	printf '%s\n' '{"add":{"path":"","partitionValues":{"event_date":"2024-03-08"},"size":10,"modificationTime":1,"dataChange":true}}' >"$t/_delta_log/00000000000000000012.json"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000012.json' line 1: add.path is empty"
}

@test "replay: a path with %00 is refused, not cut short at the NUL" {
	local t="$BATS_TEST_TMPDIR/t"
	cp -R "$FIX/example" "$t"
	printf '%s\n' '{"add":{"path":"event_date=2024-03-08/a%00b.parquet","partitionValues":{"event_date":"2024-03-08"},"size":10,"modificationTime":1,"dataChange":true}}' >"$t/_delta_log/00000000000000000012.json"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000012.json' line 1: add.path is not a valid URI (bad percent escape)"
	run --separate-stderr deltaq check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -r '.findings[0].rule' <<<"$output")" DQ102
}

@test "replay: a deletion vector with a negative offset or no bytes is malformed (exit 3)" {
	local t="$BATS_TEST_TMPDIR/t" bad
	for bad in 's/"offset":1,/"offset":-1,/' 's/"sizeInBytes":[0-9]*/"sizeInBytes":0/'; do
		rm -rf "$t"
		cp -R "$FIX/dv" "$t"
		sed -i "$bad" "$t/_delta_log/00000000000000000002.json"
		run --separate-stderr deltaq files "$t"
		assert_failure 3
		assert_equal "$output" ""
		assert_equal "${stderr%% line *}" "deltaq: cannot read '_delta_log/00000000000000000002.json'"
		assert_equal "${stderr##*line [0-9]: }" "remove.deletionVector is malformed"
	done
}

@test "replay: /a, file:/a and file:///a name the same file" {
	run deltaq files -o json "$FIX/abspath"
	assert_success
	refute_output --partial "deltaq-abs/x.parquet"
	refute_output --partial "deltaq-abs/y.parquet"
	assert_output --partial '"path":"/tmp/deltaq-abs/z z.parquet"'
}

@test "replay: column-mapped partition values are shown by logical name" {
	run deltaq files -o ndjson "$FIX/colmap"
	assert_success
	assert_output --partial '"partition_values":{"region":'
	refute_output --partial '"partition_values":{"col-'
}

@test "replay: a deletion vector's cardinality is reported and subtracted" {
	run deltaq info -o json "$FIX/dv"
	assert_success
	assert_output --partial '"num_records": 13'
	run deltaq files -o json "$FIX/dv"
	assert_output --regexp '"dv_cardinality":[1-9]'
}

@test "replay: a 0-byte commit is an empty commit" {
	run deltaq info -o json "$FIX/empty_commit"
	assert_success
	assert_output --partial '"num_files": 2'
}

@test "replay: temp files, dot files, checksums and compaction files are ignored" {
	run deltaq version "$FIX/noise"
	assert_output "2"
	run deltaq info -o json "$FIX/noise"
	assert_success
	assert_output --partial '"num_files": 2'
}

@test "replay: txns are latest per appId and removed domains are dropped" {
	run deltaq info -o json "$FIX/txn"
	assert_success
	assert_output --partial '"app-a": 3'
	assert_output --partial '"keep.domain"'
	refute_output --partial '"my.domain"'
}

@test "replay: corrupt JSON names the file and line (exit 3, stdout empty)" {
	run --separate-stderr deltaq files "$FIX/corrupt_json"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000001.json' line 3: unexpected token near end of file"
}

@test "replay: a FIFO in place of a commit is refused, not waited on (exit 3)" {
	local t="$BATS_TEST_TMPDIR/t"
	cp -r "$FIX/empty_commit" "$t"
	local c
	c=$(find "$t/_delta_log" -name '*.json' | sort | tail -n 1)
	rm "$c"
	mkfifo "$c"
	run --separate-stderr timeout 20 "$DELTAQ" files "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/$(basename "$c")': not a regular file"
}

@test "replay: a folder by a commit's name is refused, not skipped (exit 3)" {
	# Skipped, the version before it would pass for the latest.
	local t="$BATS_TEST_TMPDIR/t"
	cp -R "$FIX/example" "$t"
	rm "$t/_delta_log/00000000000000000011.json"
	mkdir "$t/_delta_log/00000000000000000011.json"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000011.json': Is a directory"
	run deltaq version "$t"
	assert_output 11
	run --separate-stderr deltaq check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -r '.findings[0].rule' <<<"$output")" DQ102
}

@test "replay: wrong JSON types name the file, line and field" {
	run --separate-stderr deltaq info "$FIX/bad_types"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000001.json' line 2: add.size is not an integer"
	# A null says so; a field left out is missing.
	local t="$BATS_TEST_TMPDIR/t" what
	for what in null missing; do
		rm -rf "$t"
		tiny_table "$t" 2
		if [ "$what" = null ]; then
			sed -i 's/"size":[0-9]*/"size":null/' "$t/_delta_log/00000000000000000001.json"
		else
			sed -i 's/"size":[0-9]*,//' "$t/_delta_log/00000000000000000001.json"
		fi
		run --separate-stderr deltaq files "$t"
		assert_failure 3
		assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000001.json' line 2: add.size is $what"
	done
}

@test "replay: a gap in the versions names the missing version" {
	run --separate-stderr deltaq files "$FIX/gap"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: version 2 is missing from the log (between '00000000000000000001.json' and '00000000000000000003.json')"
	run deltaq info -o json --at 1 "$FIX/gap"
	assert_success
}

@test "replay: a log without protocol or metaData is refused" {
	run --separate-stderr deltaq info "$FIX/no_metadata"
	assert_failure 3
	assert_equal "$stderr" "deltaq: no metaData action in versions 0 to 1"
}

@test "replay: history whose only checkpoint is unreadable is refused, naming the file" {
	run --separate-stderr deltaq files "$FIX/no_version0"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000005.checkpoint.parquet': invalid footer length 1701603686 at offset 56 (the file has 64 bytes)"
	run deltaq version "$FIX/no_version0"
	assert_success
	assert_output "7"
}

@test "replay: results do not depend on the number of threads" {
	local t
	t=$(fixture many)
	run deltaq files -o json --threads 1 "$t"
	local one=$output
	for n in 2 3 8; do
		run deltaq files -o json --threads "$n" "$t"
		assert_equal "$output" "$one"
	done
}

@test "replay: a bad commit in any batch of a long log is reported, whatever the threads" {
	# Commits are parsed 64 at a time, the next batch while this one is reconciled: an
	# error in the first batch, in the one read ahead, or in the last must each be the
	# error reported, with the parses still in flight waited for (ASan checks the rest).
	local t="$BATS_TEST_TMPDIR/long" v n
	tiny_table "$t" 300
	run deltaq files -o json --threads 1 "$t"
	assert_success
	local one=$output
	assert_equal "$(jq length <<<"$one")" 299
	run deltaq schema -o json --threads 2 "$t"
	assert_success
	for v in 290 200 5; do
		cp "$t/_delta_log/$(printf '%020d' "$v").json" "$BATS_TEST_TMPDIR/keep"
		printf '{"add":{"path":\n' >"$t/_delta_log/$(printf '%020d' "$v").json"
		for n in 1 2 8; do
			run --separate-stderr deltaq files --threads "$n" "$t"
			assert_failure 3
			assert_equal "$output" ""
			assert_equal "$stderr" "deltaq: cannot read '_delta_log/$(printf '%020d' "$v").json' line 1: unexpected token near end of file"
		done
		cp "$BATS_TEST_TMPDIR/keep" "$t/_delta_log/$(printf '%020d' "$v").json"
	done
	for n in 2 8; do
		run deltaq files -o json --threads "$n" "$t"
		assert_equal "$output" "$one"
	done
}

@test "replay: --at an older version answers when the latest cannot be read" {
	# Commit times may need the latest metadata (in-commit timestamps); reading it failed
	# here once with no error to write to (a crash), for every command taking --at.
	local t="$BATS_TEST_TMPDIR/t" c
	cp -R "$FIX/example" "$t"
	echo '[1,2]' >>"$t/_delta_log/00000000000000000011.json"
	for c in info files partitions schema; do
		run --separate-stderr deltaq "$c" -o json --at 3 "$t"
		assert_success
	done
	run --separate-stderr deltaq diff -o json "$t" 2 3
	assert_success
	assert_equal "$(jq -c '[.from, .to]' <<<"$output")" '[2,3]'
	run --separate-stderr deltaq info "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000011.json' line 3: not a JSON object"
}

@test "replay: a line read without a tree must still be one object; check parses every line" {
	# Lines of actions a command does not need (commitInfo for files) are not parsed, but
	# a second action after one, or one cut short, is an error rather than skipped.
	local t="$BATS_TEST_TMPDIR/t" c="$BATS_TEST_TMPDIR/t/_delta_log/00000000000000000012.json"
	cp -R "$FIX/example" "$t"
	printf '{"commitInfo":{"a":1}} {"add":{"path":"x/Z.parquet","partitionValues":{"event_date":"2024-03-08"},"size":10,"modificationTime":1,"dataChange":true}}\n' >"$c"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000012.json' line 1: end of file expected near '{'"
	run --separate-stderr deltaq check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -c '[.findings[] | .rule]' <<<"$output")" '["DQ102"]'
	printf '{"txn":{"appId":"a","version":1}} xx\n{"commitInfo":{"a":[1,2}\n' >"$c"
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '_delta_log/00000000000000000012.json' line 1: end of file expected near 'xx'"
	# An add beside a commitInfo in one object is read, not skipped with it.
	printf '%s\n' '{"commitInfo":{"operation":"WRITE"},"add":{"path":"event_date=2024-03-08/hidden.parquet","partitionValues":{"event_date":"2024-03-08"},"size":10,"modificationTime":1,"dataChange":true}}' >"$c"
	run --separate-stderr deltaq files -o json "$t"
	assert_success
	assert_equal "$(jq '[.[] | select(.path == "event_date=2024-03-08/hidden.parquet")] | length' <<<"$output")" 1
	# Valid brackets around invalid JSON: files does not read the line, check does.
	printf '{"commitInfo": garbage}\n' >"$c"
	run deltaq files -o json "$t"
	assert_success
	run --separate-stderr deltaq check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -r '.findings[0].message' <<<"$output")" "cannot read '_delta_log/00000000000000000012.json' line 1: invalid token near 'garbage'"
}

@test "replay: a corrupt _last_checkpoint is a warning, never a wrong answer" {
	local t="$BATS_TEST_TMPDIR/h"
	tiny_table "$t" 3
	printf '{"version":1,"size' > "$t/_delta_log/_last_checkpoint"
	run --separate-stderr deltaq info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.version, .num_files]' <<<"$output")" '[2,2]'
	[[ $stderr == "deltaq: warning: '_delta_log/_last_checkpoint' is unusable ("*"); using the listing instead" ]]
}

@test "replay: a _last_checkpoint naming a missing checkpoint is a warning" {
	local t="$BATS_TEST_TMPDIR/h"
	tiny_table "$t" 3
	printf '{"version":1,"size":3}' > "$t/_delta_log/_last_checkpoint"
	run --separate-stderr deltaq files -o json "$t"
	assert_success
	assert_equal "$(jq length <<<"$output")" 2
	assert_equal "$stderr" "deltaq: warning: '_delta_log/_last_checkpoint' names version 1, which has no complete checkpoint; using the listing instead"
}

@test "replay: a _last_checkpoint whose checksum does not match is a warning" {
	local t="$BATS_TEST_TMPDIR/h"
	tiny_table "$t" 3
	printf '{"version":1,"size":3,"checksum":"00000000000000000000000000000000"}' > "$t/_delta_log/_last_checkpoint"
	run --separate-stderr deltaq info "$t"
	assert_success
	[[ $stderr == *"_last_checkpoint' is unusable (checksum"* ]]
}
