#!/usr/bin/env bats
# deltaq orphans: files no active file references, and which of them VACUUM would delete.
# Tables are generated per test; file times are set with touch, and every run that judges
# ages passes --now, so the answers do not depend on the clock.

load helpers

NOW=2024-06-01T00:00:00Z
NOW_MS=1717200000000
DAY_MS=86400000
OLD='2024-01-01 00:00:00 UTC'      # long before NOW - 1 week
RECENT='2024-05-31 00:00:00 UTC'   # within a week of NOW

# otable DIR [PARTITION-COLUMNS-JSON [CONFIGURATION-JSON [PROTOCOL-JSON]]]: version 0.
otable() {
	local pc=${2:-[]} conf=${3:-{\}} proto=${4:-'{"minReaderVersion":1,"minWriterVersion":2}'}
	commit "$1" 0 <<J
{"commitInfo":{"timestamp":1704067200000,"operation":"CREATE TABLE"}}
{"protocol":$proto}
{"metaData":{"id":"o","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":$pc,"configuration":$conf,"createdTime":1704067200000}}
J
}

# add PATH [EXTRA-JSON]: one add action line.
add() { printf '{"add":{"path":"%s","partitionValues":{},"size":1,"modificationTime":1704067200000,"dataChange":true%s}}\n' "$1" "${2:-}"; }
# remove PATH DELETION-TIMESTAMP [EXTRA-JSON]
remove() { printf '{"remove":{"path":"%s","deletionTimestamp":%s,"dataChange":true%s}}\n' "$1" "$2" "${3:-}"; }

# mkfile PATH [DATE] [BYTES]: a file under the table with that mtime.
mkfile() {
	mkdir -p "$(dirname "$1")"
	head -c "${3:-1}" /dev/zero > "$1"
	touch -d "${2:-$OLD}" "$1"
}

# paths of the ndjson records on stdin, one per line
paths() { jq -r .path; }

@test "orphans: an untracked file is listed, active files are not" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	{ add a.parquet; add b.parquet; } | commit "$t" 1
	mkfile "$t/a.parquet"
	mkfile "$t/b.parquet" "$RECENT"
	mkfile "$t/stray.parquet" "$OLD" 10
	mkfile "$t/new.parquet" "$RECENT" 20
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -c '[.path, .size, .deletable, .reason]' <<<"$output")" \
'["new.parquet",20,false,"recent"]
["stray.parquet",10,true,null]'
}

@test "orphans, check --deep, files: names that are not UTF-8 come out as U+FFFD in valid JSON" {
	# jansson refuses such text: the file was dropped from orphans' JSON, and check --deep
	# failed with "out of memory"
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add 'a%FF.parquet' | commit "$t" 1
	mkfile "$t/$(printf 'a\377.parquet')"
	mkfile "$t/$(printf 'junk\376.bin')" "$OLD" 3
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -ac '[.files[] | [.path, .size]]' <<<"$output")" '[["junk\ufffd.bin",3]]'
	run --separate-stderr deltaq files -o ndjson "$t"
	assert_success
	assert_equal "$(jq -ac .path <<<"$output")" '"a\ufffd.parquet"'
	# the active file is found by its bytes (1 byte: no Parquet), the stray one listed;
	# the same from --jobs workers, whose work items carry the bytes
	run --separate-stderr deltaq check --deep -o json "$t"
	assert_failure 1
	assert_equal "$(jq -ac '[.findings[] | [.rule, .path]]' <<<"$output")" \
		'[["DQ303","a\ufffd.parquet"],["DQ310","junk\ufffd.bin"]]'
	local here=$output
	run --separate-stderr deltaq check --deep --jobs 2 -o json "$t"
	assert_failure 1
	assert_equal "$output" "$here"
	# a table directory whose name is not UTF-8: valid JSON, and valid XML for junit
	local odd
	odd=$BATS_TEST_TMPDIR/$(printf 'tbl\377')
	mv "$t" "$odd"
	run --separate-stderr deltaq info -o json "$odd"
	assert_success
	[[ "$(jq -a .location <<<"$output")" == *'tbl\ufffd"' ]] # (jq -a -r aborts in jq 1.6)
	run --separate-stderr deltaq check -o junit "$odd"
	assert_success
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())' <<<"$output"
}

@test "orphans: a symbolic link counts as its target; a dangling one is no file" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add a.parquet | commit "$t" 1
	mkfile "$t/a.parquet"
	mkfile "$BATS_TEST_TMPDIR/outside.parquet" "$OLD" 30
	ln -s "$BATS_TEST_TMPDIR/outside.parquet" "$t/link.parquet"
	ln -s "$BATS_TEST_TMPDIR/nowhere.parquet" "$t/dangling.parquet"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -c '[.path, .size, .deletable]' <<<"$output")" '["link.parquet",30,true]'
}

@test "orphans, check --deep: a symbolic link to a folder is not followed (no loop, nothing outside)" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add a.parquet | commit "$t" 1
	mkfile "$t/a.parquet"
	mkfile "$t/sub/old.parquet"
	mkfile "$BATS_TEST_TMPDIR/elsewhere/secret.parquet"
	ln -s . "$t/loop"
	ln -s .. "$t/sub/up"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$t/ext"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" "sub/old.parquet"
	run --separate-stderr deltaq check --deep -o json "$t"
	assert_equal "$(jq -c '[.findings[] | select(.rule == "DQ310") | .path]' <<<"$output")" '["sub/old.parquet"]'
}

@test "orphans, files: text shows control characters in names escaped, one line per file" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/"$'new\nline.parquet'
	mkfile "$t/"$'esc\e[31mred.parquet'
	run --separate-stderr deltaq orphans --now "$NOW" "$t"
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "$(cut -d ' ' -f 1 <<<"${lines[1]}")" 'esc\x1b[31mred.parquet'
	assert_equal "$(cut -d ' ' -f 1 <<<"${lines[2]}")" 'new\nline.parquet'
	# JSON keeps the name as it is.
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$t"
	assert_equal "$(jq -r '.files[1].path' <<<"$output")" $'new\nline.parquet'
	# A backslash is doubled, so that a name holding "\n" cannot pass for one holding a
	# newline; a C1 control (U+009B is CSI to some terminals) is shown as \u009b.
	mkfile "$t/"'two\nchars.parquet'
	mkfile "$t/"$'csi\xc2\x9b31mred.parquet'
	run --separate-stderr deltaq orphans --now "$NOW" "$t"
	assert_success
	assert_equal "${#lines[@]}" 6
	assert_equal "$(cut -d ' ' -f 1 <<<"${lines[1]}")" 'csi\u009b31mred.parquet'
	assert_equal "$(cut -d ' ' -f 1 <<<"${lines[4]}")" 'two\\nchars.parquet'
}

@test "orphans: the deletion-vector files of active adds are not listed" {
	local t=$BATS_TEST_TMPDIR/t dv='"deletionVector":{"storageType":"u","pathOrInlineDv":"%s","offset":1,"sizeInBytes":36,"cardinality":2}'
	otable "$t" '[]' '{}' '{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}'
	{
		add x.parquet ",$(printf "$dv" 'ab^-aqEH.-t@S}K{vb[*k^')"
		add y.parquet ",$(printf "$dv" 'vBn[lx{q8@P<9BNH/isA')"
	} | commit "$t" 1
	mkfile "$t/x.parquet"
	mkfile "$t/y.parquet"
	# protocol.md 7.2: where those two descriptors point
	mkfile "$t/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin"
	mkfile "$t/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin"
	mkfile "$t/deletion_vector_00000000-0000-0000-0000-000000000000.bin"
	mkfile "$t/ab/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" \
'ab/deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin
deletion_vector_00000000-0000-0000-0000-000000000000.bin'
}

@test "orphans: hidden files and directories and _delta_log are skipped, metadata only with UniForm Iceberg" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add a.parquet | commit "$t" 1
	mkfile "$t/a.parquet"
	for f in .hidden/x _tmp/y _SUCCESS .a.parquet.crc sub/.part.crc sub/_x sub/_y/z \
		metadata/v1.metadata.json sub/metadata _delta_log/junk.parquet \
		_change_data/cdc-00000.snappy.parquet _delta_index/i sub/visible.parquet; do
		mkfile "$t/$f"
	done
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" \
'_change_data/cdc-00000.snappy.parquet
_delta_index/i
metadata/v1.metadata.json
sub/metadata
sub/visible.parquet'
	# UniForm writes Iceberg metadata there: Spark (3.3 on) hides "metadata" only then,
	# reading the property as Delta does: split at commas, names compared exactly.
	rm -r "$t/_delta_log"
	otable "$t" '[]' '{"delta.universalFormat.enabledFormats":"hudi,iceberg"}'
	add a.parquet | commit "$t" 1
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" \
'_change_data/cdc-00000.snappy.parquet
_delta_index/i
sub/visible.parquet'
	rm -r "$t/_delta_log"
	otable "$t" '[]' '{"delta.universalFormat.enabledFormats":"hudi, Iceberg"}'
	add a.parquet | commit "$t" 1
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_equal "$(paths <<<"$output" | grep -c metadata)" 2
}

@test "orphans: a partition directory whose column name starts with _ is listed" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t" '["_p"]'
	add '_p=1/a.parquet' | commit "$t" 1
	mkfile "$t/_p=1/a.parquet"
	mkfile "$t/_p=2/b.parquet"
	mkfile "$t/_q=1/c.parquet"
	mkfile "$t/_p/d.parquet"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" '_p=2/b.parquet'
}

@test "orphans: files a tombstone within the retention names are kept, expired ones go" {
	local t=$BATS_TEST_TMPDIR/t dv='"deletionVector":{"storageType":"u","pathOrInlineDv":"vBn[lx{q8@P<9BNH/isA","offset":1,"sizeInBytes":36,"cardinality":2}'
	otable "$t" '[]' '{}' '{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}'
	{ add kept.parquet; add gone.parquet; add nots.parquet; add dv.parquet ",$dv"; } | commit "$t" 1
	{
		remove kept.parquet $((NOW_MS - DAY_MS))
		remove gone.parquet $((NOW_MS - 30 * DAY_MS))
		printf '{"remove":{"path":"nots.parquet","dataChange":true}}\n'
		remove dv.parquet $((NOW_MS - DAY_MS)) ",$dv"
	} | commit "$t" 2
	for f in kept.parquet gone.parquet nots.parquet dv.parquet \
		deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin; do
		mkfile "$t/$f"
	done
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -r '[.path, .deletable, .reason] | @tsv' <<<"$output")" \
"deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin	false	tombstone
dv.parquet	false	tombstone
gone.parquet	true	
kept.parquet	false	tombstone
nots.parquet	true	"
	# Two days on, the one-day-old tombstones have not expired; eight days on they have.
	run --separate-stderr deltaq orphans -o ndjson --now @$((NOW_MS + 2 * DAY_MS)) "$t"
	assert_equal "$(jq -c 'select(.deletable) | .path' <<<"$output" | paste -sd ' ')" '"gone.parquet" "nots.parquet"'
	run --separate-stderr deltaq orphans -o ndjson --now @$((NOW_MS + 8 * DAY_MS)) "$t"
	assert_equal "$(jq -c 'select(.deletable | not)' <<<"$output")" ""
}

# The checkpoint-shaped Parquet fixtures (tests/fixtures/parquet, rows in checkpoint.jsonl,
# written by DuckDB and arrow-rs with various encodings and codecs) as the checkpoint of a
# table: tombstones and deletion vectors come from its remove and add rows.
@test "orphans: tombstones and DV files come from checkpoint rows too" {
	local rows=$FIX/parquet/checkpoint.jsonl f t n=0 want removes add ts1
	removes=$(jq -r 'select(.remove) | [.remove.deletionTimestamp, .remove.path] | @tsv' "$rows" | sort -n | head -n 3)
	add=$(jq -r 'select(.add) | .add.path' "$rows" | head -n 1)
	ts1=$(sed -n 2p <<<"$removes" | cut -f 1)
	# at ts1 with no retention: the oldest tombstone has expired, the next two have not
	want=$(awk -F '\t' -v ts1="$ts1" '{ printf "%s\t%s\n", $2, ($1 < ts1 ? "true" : "false") }' <<<"$removes"
		printf 'stray.parquet\ttrue\n')
	for f in "$FIX"/parquet/duck_*.parquet "$FIX"/parquet/rs_*.parquet; do
		[ "${f##*/}" = duck_empty.parquet ] && continue
		t=$BATS_TEST_TMPDIR/${f##*/}
		mkdir -p "$t/_delta_log"
		cp "$f" "$t/_delta_log/00000000000000000005.checkpoint.parquet"
		echo '{"commitInfo":{"timestamp":1699000000000}}' > "$t/_delta_log/00000000000000000005.json"
		# files from before the tombstones
		while IFS=$'\t' read -r _ p; do mkfile "$t/$p" 2020-01-01; done <<<"$removes"
		mkfile "$t/$add" 2020-01-01
		mkfile "$t/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin" 2020-01-01
		mkfile "$t/stray.parquet" 2020-01-01
		run --separate-stderr deltaq orphans -o ndjson --retain 0 --now "@$ts1" "$t"
		assert_success
		assert_equal "$(jq -r '[.path, .deletable] | @tsv' <<<"$output" | sort)" "$(sort <<<"$want")"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || fail "only $n checkpoint files"
}

@test "orphans: a file re-added after its remove is active again" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add a.parquet | commit "$t" 1
	remove a.parquet $((NOW_MS - DAY_MS)) | commit "$t" 2
	add a.parquet | commit "$t" 3
	mkfile "$t/a.parquet"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_output ""
	# Before the re-add, the tombstone kept it.
	rm "$t/_delta_log/00000000000000000003.json"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_equal "$(jq -r '.reason' <<<"$output")" tombstone
}

@test "orphans: takes no --at: VACUUM judges on the latest version" {
	# With --at 1, b.parquet (added at 2, active now) was listed as deletable.
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	add a.parquet | commit "$t" 1
	add b.parquet | commit "$t" 2
	mkfile "$t/b.parquet"
	run --separate-stderr deltaq orphans --now "$NOW" --at 1 "$t"
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "orphans: unrecognized option '--at'"
	run deltaq orphans --help
	assert_output --partial "There is no --at"
}

@test "orphans: VACUUM checks the write protocol: an unknown writer feature exits 4" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t" '[]' '{}' '{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["vacuumProtocolCheck"],"writerFeatures":["vacuumProtocolCheck","someFutureWriterFeature"]}'
	mkfile "$t/x.parquet"
	run --separate-stderr deltaq orphans --now "$NOW" --retain 1 "$t"
	assert_failure 4
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: VACUUM checks the write protocol, and writer feature 'someFutureWriterFeature' is unknown to deltaq"
	# Known writer features (and previews) are fine.
	rm -r "$t"
	otable "$t" '[]' '{}' '{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["vacuumProtocolCheck"],"writerFeatures":["vacuumProtocolCheck","rowTracking","domainMetadata","someThing-preview"]}'
	mkfile "$t/x.parquet"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" x.parquet
}

@test "orphans: a tombstone the table's retention expired keeps nothing, whatever --retain says" {
	# Spark's snapshot drops tombstones not newer than now - the table's retention before
	# VACUUM applies RETAIN: a longer RETAIN does not bring them back.
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	{ add old.parquet; add edge.parquet; add young.parquet; } | commit "$t" 1
	{
		remove old.parquet $((NOW_MS - 10 * DAY_MS))
		remove edge.parquet $((NOW_MS - 7 * DAY_MS))
		remove young.parquet $((NOW_MS - 6 * DAY_MS))
	} | commit "$t" 2
	for f in old edge young; do mkfile "$t/$f.parquet" '2024-03-01 00:00 UTC'; done
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" --retain 720 "$t"
	assert_success
	assert_equal "$(jq -r '[.path, .deletable, .reason] | @tsv' <<<"$output")" \
"edge.parquet	true	
old.parquet	true	
young.parquet	false	tombstone"
	# With the table's own retention, the tombstone exactly one week old has expired too.
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_equal "$(jq -c 'select(.deletable) | .path' <<<"$output" | paste -sd ' ')" '"edge.parquet" "old.parquet"'
}

@test "orphans: --retain sets the retention in hours, rounded as Spark rounds" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/two-hours.parquet" "@$(((NOW_MS - 2 * 3600000) / 1000))"
	mkfile "$t/half-hour.parquet" "@$(((NOW_MS - 1800000) / 1000))"
	run --separate-stderr deltaq orphans -o json --retain 1 --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -c '[.retention_ms, .delete_before, [.files[] | select(.deletable) | .path]]' <<<"$output")" \
		'[3600000,"2024-05-31T23:00:00.000Z",["two-hours.parquet"]]'
	assert_equal "$stderr" "deltaq: warning: --retain is below the table's retention of 168 hours; VACUUM refuses it unless spark.databricks.delta.retentionDurationCheck.enabled is false"
	run --separate-stderr deltaq orphans -o json --retain 0.4 --now "$NOW" "$t"
	assert_equal "$(jq -c '[.retention_ms, .num_deletable]' <<<"$output")" '[0,2]'
	run --separate-stderr deltaq orphans -o json --retain 1.5 --now "$NOW" "$t"
	assert_equal "$(jq -c '[.retention_ms, .num_deletable]' <<<"$output")" '[7200000,0]'
	run --separate-stderr deltaq orphans -o json --retain 200 --now "$NOW" "$t"
	assert_equal "$stderr" ""
}

@test "orphans: delta.deletedFileRetentionDuration is the default retention" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t" '[]' '{"delta.deletedFileRetentionDuration":"interval 2 days"}'
	mkfile "$t/three-days.parquet" '2024-05-29 00:00:00 UTC'
	mkfile "$t/one-day.parquet" '2024-05-31 00:00:00 UTC'
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -c '[.retention_ms, [.files[] | select(.deletable) | .path]]' <<<"$output")" \
		'[172800000,["three-days.parquet"]]'
	# Without the property, one week: neither goes.
	local u=$BATS_TEST_TMPDIR/u
	otable "$u"
	cp "$t"/*.parquet "$u"/ && touch -r "$t/three-days.parquet" "$u/three-days.parquet"
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$u"
	assert_equal "$(jq -c '[.retention_ms, .num_files, .num_deletable]' <<<"$output")" '[604800000,2,0]'
}

@test "orphans: a retention property that is not an interval exits 3 unless --retain is given" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t" '[]' '{"delta.deletedFileRetentionDuration":"interval 1 month"}'
	mkfile "$t/x.parquet"
	run --separate-stderr deltaq orphans --now "$NOW" "$t"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "deltaq: table property delta.deletedFileRetentionDuration at version 0 is 'interval 1 month', not an interval such as 'interval 1 week'"
	run --separate-stderr deltaq orphans -o ndjson --retain 24 --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" x.parquet
}

@test "orphans: log paths are percent-decoded, normalised, and absolute ones count under the root" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	{
		add 'a%20b.parquet'
		add './c.parquet'
		add 'd//e.parquet'
		add "file://$t/abs.parquet"
		add "$t/plain-abs.parquet"
		add "file://$t/./dot.parquet"
		add "file://${t%/*}//${t##*/}//sub/../twice.parquet"
		add "file:///elsewhere/stray.parquet"
	} | commit "$t" 1
	for f in 'a b.parquet' c.parquet d/e.parquet abs.parquet plain-abs.parquet dot.parquet \
		twice.parquet stray.parquet 'a%20b.parquet'; do
		mkfile "$t/$f"
	done
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" 'a%20b.parquet
stray.parquet'
}

@test "orphans: a --retain reaching back before 1970 cuts off there, as Spark's does" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/x.parquet"
	mkfile "$t/y1900.parquet" '1900-01-01 00:00 UTC'
	mkfile "$t/y1960.parquet" '1960-01-01 00:00 UTC'
	run --separate-stderr deltaq orphans -o json --now "$NOW" --retain 1000000 "$t"
	assert_success
	assert_equal "$(jq -c '[.delete_before, [.files[] | [.path, .deletable]]]' <<<"$output")" \
		'["1910-05-04T08:00:00.000Z",[["x.parquet",false],["y1900.parquet",true],["y1960.parquet",false]]]'
	# As far back as the option goes: the cut-off is held at year 1, and still a date.
	run --separate-stderr deltaq orphans -o json --now "$NOW" --retain 1000000000000 "$t"
	assert_equal "$(jq -c '[.delete_before, .num_deletable]' <<<"$output")" '["0001-01-01T00:00:00.000Z",0]'
}

@test "orphans: a path is taken as the file it names once normalised, never a sibling folder's" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	{
		add "${t}2/sib.parquet"                  # the folder t2 beside t, not t
		add "$t/../${t##*/}/back.parquet"        # out of the root and back in
		add "../${t##*/}/rel.parquet"            # the same, relative
	} | commit "$t" 1
	for f in sib.parquet back.parquet rel.parquet; do mkfile "$t/$f"; done
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" "$t"
	assert_success
	assert_equal "$(paths <<<"$output")" sib.parquet
}

@test "orphans: with a retention property that does not parse, --retain alone decides tombstones" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t" '[]' '{"delta.deletedFileRetentionDuration":"a while"}'
	add a.parquet | commit "$t" 1
	remove a.parquet $((NOW_MS - 3 * DAY_MS)) | commit "$t" 2
	mkfile "$t/a.parquet"
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" --retain 168 "$t"
	assert_success
	assert_equal "$(jq -r '.reason' <<<"$output")" tombstone
	run --separate-stderr deltaq orphans -o ndjson --now "$NOW" --retain 48 "$t"
	assert_equal "$(jq -r '.deletable' <<<"$output")" true
}

@test "orphans: json is one document with the files and the totals" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/x.parquet" "$OLD" 7
	mkfile "$t/y.parquet" "$RECENT" 5
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$t"
	assert_success
	assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" \
		'["table","version","files","now","retention_ms","delete_before","num_files","size_bytes","num_deletable","deletable_bytes"]'
	assert_equal "$(jq -c '.files[0] | keys_unsorted' <<<"$output")" '["path","size","modification_time","deletable","reason"]'
	assert_equal "$(jq -c '[.table == "'"$t"'", .version, .now, .delete_before, .num_files, .size_bytes, .num_deletable, .deletable_bytes]' <<<"$output")" \
		'[true,0,"2024-06-01T00:00:00.000Z","2024-05-25T00:00:00.000Z",2,12,1,7]'
	assert_equal "$(jq -r '.files[0].modification_time' <<<"$output")" 2024-01-01T00:00:00.000Z
	# the totals are the sums of the records
	assert_equal "$(jq -c '[(.files | length), (.files | map(.size) | add), (.files | map(select(.deletable)) | length)]' <<<"$output")" '[2,12,1]'
	rm "$t"/*.parquet
	run --separate-stderr deltaq orphans -o json --now "$NOW" "$t"
	assert_equal "$(jq -c '[.files, .num_files, .size_bytes]' <<<"$output")" '[[],0,0]'
}

@test "orphans: tsv and csv have a header and a line per file" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/x,1.parquet"
	mkfile "$t/y.parquet" "$RECENT"
	run --separate-stderr deltaq orphans -o tsv --now "$NOW" "$t"
	assert_success
	assert_equal "$output" "$(printf 'path\tsize\tmodification_time\tdeletable\treason\nx,1.parquet\t1\t2024-01-01T00:00:00.000Z\ttrue\t\ny.parquet\t1\t2024-05-31T00:00:00.000Z\tfalse\trecent')"
	run --separate-stderr deltaq orphans -o csv --now "$NOW" "$t"
	assert_line --index 0 'path,size,modification_time,deletable,reason'
	assert_line --index 1 '"x,1.parquet",1,2024-01-01T00:00:00.000Z,true,'
	rm "$t"/*.parquet
	run --separate-stderr deltaq orphans -o tsv --now "$NOW" "$t"
	assert_output "$(printf 'path\tsize\tmodification_time\tdeletable\treason')"
}

@test "orphans: text is aligned and ends with a total line" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/x.parquet" "$OLD" 1234
	mkfile "$t/sub/longer-name.parquet" "$RECENT" 5
	run --separate-stderr deltaq orphans --now "$NOW" "$t"
	assert_success
	assert_equal "$output" \
"PATH                     SIZE  MODIFIED                  DELETABLE  KEPT
sub/longer-name.parquet     5  2024-05-31T00:00:00.000Z  false      recent
x.parquet                1234  2024-01-01T00:00:00.000Z  true       -
2 untracked files, 1239 bytes; 1 deletable, 1234 bytes (modified before 2024-05-25T00:00:00.000Z, retention 168 hours)"
}

@test "orphans: without --now the clock decides" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/old.parquet"
	mkfile "$t/fresh.parquet" now
	run --separate-stderr deltaq orphans -o ndjson "$t"
	assert_success
	assert_equal "$(jq -r '[.path, .deletable] | @tsv' <<<"$output")" "$(printf 'fresh.parquet\tfalse\nold.parquet\ttrue')"
}

@test "orphans: a table whose file list cannot be trusted exits 4 with nothing on stdout" {
	for f in unsupported_feature reader_v4 catalog_managed; do
		run --separate-stderr deltaq orphans "$FIX/$f"
		assert_failure 4
		assert_output ""
	done
	run --separate-stderr deltaq orphans "$FIX/unsupported_feature"
	assert_equal "$stderr" "deltaq: the table needs reader feature someFutureFeature, which deltaq does not support, so its file list cannot be trusted"
}

@test "orphans: an unreadable table exits 3 with nothing on stdout" {
	for f in not_a_table corrupt_json no_metadata; do
		run --separate-stderr deltaq orphans "$FIX/$f"
		assert_failure 3
		assert_output ""
	done
	run --separate-stderr deltaq orphans "$BATS_TEST_TMPDIR/nope"
	assert_failure 3
}

@test "orphans: a directory that cannot be listed fails the run, stdout stays empty" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/a/x.parquet"
	# Folders whose path from the table root is longer than the kernel takes (PATH_MAX):
	# made one level at a time, as no single path may be that long.
	local long i
	long=$(printf 'd%.0s' {1..250})
	(cd "$t/a" && for i in $(seq 18); do mkdir "$long" && cd "$long" || exit 1; done && : >x.parquet)
	for fmt in text json ndjson tsv; do
		run --separate-stderr deltaq orphans -o $fmt --now "$NOW" "$t"
		assert_failure 3
		assert_output ""
		assert_equal "${stderr:0:26}" "deltaq: cannot list 'a/ddd"
		assert_equal "${#stderr_lines[@]}" 1
	done
}

@test "orphans: directories nested deeper than 256 levels are refused" {
	local t=$BATS_TEST_TMPDIR/t deep
	otable "$t"
	deep=$(printf 'd/%.0s' $(seq 257))
	mkfile "$t/${deep}x.parquet"
	run --separate-stderr deltaq orphans "$t"
	assert_failure 3
	assert_output ""
	assert_equal "$stderr" "deltaq: cannot list '$(printf 'd/%.0s' $(seq 50))...': nested more than 256 directories deep (a symbolic link loop?)"
	rm -r "$t/d/d"
	mkfile "$t/d/x.parquet"
	run --separate-stderr deltaq orphans -o ndjson "$t"
	assert_success
}

@test "orphans: a failed write to stdout is exit 3" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	mkfile "$t/x.parquet"
	for fmt in text json ndjson; do
		run --separate-stderr bash -c '"$0" orphans -o "$1" "$2" > /dev/full' "$DELTAQ" $fmt "$t"
		assert_failure 3
		assert_equal "$stderr" "deltaq: write error on standard output: No space left on device"
	done
}

@test "orphans: bad options are usage errors" {
	local t=$BATS_TEST_TMPDIR/t
	otable "$t"
	for r in -1 abc '' 1h nan inf 1e13 0x10 ' 5' +5 .5 1e3; do
		run --separate-stderr deltaq orphans --retain "$r" "$t"
		assert_failure 2
		assert_output ""
		assert_equal "${stderr%%$'\n'*}" "deltaq orphans: --retain takes a number of hours >= 0, not '$r'"
	done
	for n in yesterday 2024-13-01 @-5; do
		run --separate-stderr deltaq orphans --now "$n" "$t"
		assert_failure 2
	done
	run deltaq orphans
	assert_failure 2
	run deltaq orphans "$t" "$t"
	assert_failure 2
	run deltaq orphans -o yaml "$t"
	assert_failure 2
}

@test "orphans: the table is byte-identical afterwards" {
	local t=$BATS_TEST_TMPDIR/t before after
	otable "$t" '[]' '{"delta.deletedFileRetentionDuration":"interval 1 hour"}'
	{ add a.parquet; add b.parquet; } | commit "$t" 1
	remove a.parquet 1 | commit "$t" 2
	for f in a.parquet b.parquet stray.parquet sub/x.parquet _tmp/y .z; do
		mkfile "$t/$f"
	done
	mkdir "$t/empty"
	snapshot() { (cd "$t" && find . -printf '%p %y %s %m %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
	before=$(snapshot)
	for fmt in text json ndjson tsv csv; do
		run deltaq orphans -o $fmt --retain 0 "$t"
		assert_success
	done
	after=$(snapshot)
	assert_equal "$after" "$before"
	run --separate-stderr deltaq orphans -o ndjson --retain 0 "$t"
	assert_equal "$(jq -r 'select(.deletable) | .path' <<<"$output" | paste -sd ' ')" 'a.parquet stray.parquet sub/x.parquet'
}

@test "orphans: help and the command list" {
	run deltaq orphans --help
	assert_success
	assert_line --index 0 'usage: deltaq orphans [options] TABLE'
	assert_output --partial '--retain HOURS'
	assert_output --partial '--now TIME'
	run deltaq help
	assert_output --partial 'orphans     list untracked files (a VACUUM dry run)'
}

# The corpus: for every table, orphans, the active files and the files on disk that VACUUM
# lists (walked here in Python with Spark's hidden-name rule) fit together: no listed file
# is active, every listed file is on disk and visible, and every visible file on disk that
# is not listed is an active file or a deletion-vector file.  Tables whose files are absent
# on disk (MANIFEST "N active data files absent on disk") thus yield no orphans from them.
# orphans exits as `files` does (3 unreadable, 4 not honoured).  All ~170 tables; a few
# seconds.
@test "orphans: corpus tables: listed, active and on-disk files fit together" {
	local corpus=$BATS_TEST_DIRNAME/../../shared/corpus
	[ -d "$corpus" ] || skip "no corpus at ../shared/corpus"
	run python3 - "$DELTAQ" "$corpus" <<'PY'
import json, os, re, subprocess, sys
deltaq, corpus = sys.argv[1:3]
DV = re.compile(r"(^|/)deletion_vector_[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\.bin$")
def run(*args):
    p = subprocess.run([deltaq, *args], capture_output=True, text=True)
    return p.returncode, p.stdout
def hidden(name, pcols):
    if name == "metadata":
        return True
    if not name.startswith(("_", ".")):
        return False
    if name.startswith(("_delta_index", "_change_data")):
        return False
    return not any(name.startswith(c + "=") for c in pcols)
tables = sorted(os.path.dirname(d) for d, _, _ in os.walk(corpus) if d.endswith("/_delta_log"))
bad, checked, listed = [], 0, 0
for t in tables:
    rc_f, files = run("files", "-o", "ndjson", t)
    rc_o, orphans = run("orphans", "-o", "ndjson", "--now", "2030-01-01", t)
    if rc_f != rc_o:
        bad.append(f"{t}: orphans exit {rc_o}, files exit {rc_f}")
        continue
    if rc_o != 0:
        if orphans:
            bad.append(f"{t}: exit {rc_o} with output")
        continue
    checked += 1
    active = {json.loads(l)["path"] for l in files.splitlines()}
    listed_paths = [json.loads(l)["path"] for l in orphans.splitlines()]
    listed += len(listed_paths)
    rc, proto = run("info", "-o", "json", t)
    pcols = json.loads(proto).get("partition_columns") or []
    disk = set()
    for d, dirs, names in os.walk(t):
        dirs[:] = [x for x in dirs if not hidden(x, pcols)]
        rel = os.path.relpath(d, t)
        for n in names:
            if not hidden(n, pcols):
                disk.add(n if rel == "." else f"{rel}/{n}")
    for p in listed_paths:
        if p in active:
            bad.append(f"{t}: active file {p} listed")
        if p not in disk:
            bad.append(f"{t}: listed {p} is not a visible file on disk")
    for p in sorted(disk - set(listed_paths) - active):
        if not DV.search(p):
            bad.append(f"{t}: {p} on disk is neither listed nor active")
print(f"{checked} tables checked, {listed} files listed, {len(bad)} problems")
print("\n".join(bad[:20]))
sys.exit(1 if bad or checked < 50 or listed == 0 else 0)
PY
	echo "$output"
	assert_success
}

# Tombstones read from checkpoint Parquet rows equal those the JSON commits give, on the
# corpus tables with a checkpoint whose commits all remain (Spark writes every tombstone
# that had not expired when it wrote the checkpoint: here, all of them).  A retention of a
# billion hours keeps every tombstone.
@test "orphans: corpus tables: checkpoint tombstones equal the JSON commits' ones" {
	local corpus=$BATS_TEST_DIRNAME/../../shared/corpus d n=0 kept=0 a b
	[ -d "$corpus" ] || skip "no corpus at ../shared/corpus"
	for d in $(find "$corpus" -maxdepth 4 -name _delta_log | sort); do
		ls "$d" | grep -q '\.checkpoint\.' || continue
		[ -f "$d/00000000000000000000.json" ] || continue
		# As of 1970, every tombstone is within any retention (the table's included).
		a=$(deltaq orphans -o ndjson --now @0 "${d%/_delta_log}" 2>/dev/null) || continue
		b=$(deltaq orphans -o ndjson --now @0 --no-checkpoint "${d%/_delta_log}" 2>/dev/null)
		assert_equal "$a" "$b"
		n=$((n + 1))
		kept=$((kept + $(grep -c '"reason":"tombstone"' <<<"$a" || true)))
	done
	[ "$n" -ge 10 ] || fail "only $n tables with checkpoints"
	[ "$kept" -ge 20 ] || fail "only $kept files kept by tombstones: the test sees too little"
}
