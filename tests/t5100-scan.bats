#!/usr/bin/env bats
# deltaq scan: footers of the data files against the log, per partition.  Tables come from
# fixtures/scan_table.py (real Parquet written by parquet_writer.py) in the test's tmpdir.

load helpers

setup() {
	OK="$BATS_TEST_TMPDIR/ok"
	BAD="$BATS_TEST_TMPDIR/bad"
}

# scan_table DIR [options]: a table with real Parquet data files (see scan_table.py).
scan_table() { python3 "$FIX/scan_table.py" "$@" >/dev/null; }

# json_table DIR PARTITION-COLUMNS ADDS: version 0 of a table whose adds (ADDS: a JSON
# array of [path, partitionValues]) each name a file of 7 bytes and 1 row.
json_table() {
	mkdir -p "$1/_delta_log"
	python3 - "$1/_delta_log/00000000000000000000.json" "$2" "$3" <<'PY'
import json, sys
cols, adds = json.loads(sys.argv[2]), json.loads(sys.argv[3])
fields = [{"name": c, "type": "string", "nullable": True, "metadata": {}} for c in cols]
fields.append({"name": "x", "type": "long", "nullable": True, "metadata": {}})
acts = [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
        {"metaData": {"id": "1", "format": {"provider": "parquet", "options": {}},
                      "schemaString": json.dumps({"type": "struct", "fields": fields}),
                      "partitionColumns": cols, "configuration": {}, "createdTime": 0}}]
for path, pv in adds:
    acts.append({"add": {"path": path, "partitionValues": pv, "size": 7, "modificationTime": 0,
                         "dataChange": True, "stats": '{"numRecords":1}'}})
open(sys.argv[1], "w").write("".join(json.dumps(a) + "\n" for a in acts))
PY
}

# scan_three_ways DIR: scans DIR in-process (some mismatch: exit 1), into $here, then
# with --jobs 2 and through --list-partitions | --partition -, which must print the same.
scan_three_ways() {
	run --separate-stderr deltaq scan -o ndjson "$1"
	assert_failure 1
	here=$output
	run --separate-stderr deltaq scan -o ndjson --jobs 2 "$1"
	assert_failure 1
	assert_equal "$output" "$here"
	run --separate-stderr bash -c '"$0" scan --list-partitions "$1" | "$0" scan -o ndjson --partition - "$1"' "$DELTAQ" "$1"
	assert_failure 1
	assert_equal "$output" "$here"
}

@test "scan: a clean table: one row per partition and a total, exit 0" {
	scan_table "$OK" --partitions 3 --files 2 --rows 10 --row-groups 2
	run --separate-stderr deltaq scan "$OK"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "PARTITION       FILES  BYTES  ROW_GROUPS  ROWS  MISMATCHES"
	assert_line --index 1 --regexp '^day=2024-01-01      2 +[0-9]+           4    21           0$'
	assert_line --index 4 --regexp '^total               6 +[0-9]+          12    63           0$'
	assert_equal "${#lines[@]}" 5
}

@test "scan: bytes are the files' sizes on disk and rows their footers' counts" {
	scan_table "$OK" --partitions 2 --files 3 --rows 5 --row-groups 3
	run deltaq scan -o json "$OK"
	assert_success
	local want
	want=$(find "$OK" -name '*.parquet' -printf '%s\n' | awk '{ s += $1 } END { print s }')
	assert_equal "$(jq '[.[].size_bytes] | add' <<<"$output")" "$want"
	# file k of a partition has 5 + k rows: 5 + 6 + 7 per partition
	assert_equal "$(jq -c '[.[] | [.num_files, .row_groups, .num_rows]]' <<<"$output")" '[[3,9,18],[3,9,18]]'
}

@test "scan: -o json has the documented keys and an empty mismatches list when clean" {
	scan_table "$OK" --partitions 1
	run deltaq scan -o json "$OK"
	assert_success
	assert_equal "$(jq -c '.[0] | keys_unsorted' <<<"$output")" \
		'["partition_values","num_files","size_bytes","row_groups","num_rows","mismatches","error"]'
	assert_equal "$(jq -c '.[0] | [.partition_values, .mismatches, .error]' <<<"$output")" '[{"day":"2024-01-01"},[],null]'
}

@test "scan: every kind of mismatch is reported with its what, log and file values" {
	scan_table "$BAD" --damage
	run --separate-stderr deltaq scan -o ndjson "$BAD"
	assert_failure 1
	assert_equal "${#lines[@]}" 6
	local m
	m=$(jq -c 'select(.mismatches != []) | .mismatches[] | [.what, .log, (.file | type)]' <<<"$output")
	assert_equal "$m" '["missing",216,"null"]
["unreadable",null,"string"]
["rows",11,"number"]
["size",223,"number"]'
	# the row mismatch names the footer's count and the log's
	assert_equal "$(jq -c 'select(.partition_values.region == "rows") | .mismatches[0] | [.path, .file]' <<<"$output")" \
		'["day=2024-01-01/region=rows/part-00000.parquet",10]'
	# the unreadable file's message says why
	run jq -r 'select(.partition_values.region == "notparquet") | .mismatches[0].file' <<<"$output"
	assert_output --partial "not a Parquet file"
}

@test "scan: a FIFO in place of a data file is unreadable, not waited on" {
	scan_table "$OK" --partitions 1
	local f
	f=$(find "$OK" -name '*.parquet' | sort | head -n 1)
	rm "$f"
	mkfifo "$f"
	for jobs in "" "--jobs 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 20 "$DELTAQ" scan -o ndjson $jobs "$OK"
		assert_failure 1
		assert_equal "$(jq -r '.mismatches[] | select(.what == "unreadable") | .file' <<<"$output")" \
			"cannot read '${f#"$OK"/}': not a regular file"
	done
}

@test "scan: a directory in place of a data file is unreadable, said once" {
	scan_table "$OK" --partitions 1
	local f
	f=$(find "$OK" -name '*.parquet' | sort | head -n 1)
	rm "$f"
	mkdir "$f"
	for jobs in "" "--jobs 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$DELTAQ" scan -o ndjson $jobs "$OK"
		assert_failure 1
		assert_equal "$(jq -r '.mismatches[] | select(.what == "unreadable") | .file' <<<"$output")" \
			"cannot read '${f#"$OK"/}': Is a directory"
	done
}

@test "scan: a file without stats is not compared; null partition values are kept" {
	scan_table "$BAD" --damage
	run --separate-stderr deltaq scan -o ndjson "$BAD"
	assert_equal "$(jq -c 'select(.partition_values.region == "nostats" or .partition_values.region == null) | [.partition_values.region, .mismatches]' <<<"$output")" \
		'["nostats",[]]
[null,[]]'
}

@test "scan: mismatches exit 1 with a summary on stderr and details after the text table" {
	scan_table "$BAD" --damage
	run --separate-stderr deltaq scan "$BAD"
	assert_failure 1
	assert_equal "$stderr" "deltaq: scan: 4 mismatches in 4 of 6 partitions"
	assert_line "total                                12   2424          10   106           4"
	assert_line "day=2024-01-01/region=missing/part-00000.parquet: missing: log 216 bytes, no file"
	assert_line "day=2024-01-01/region=rows/part-00000.parquet: rows: log 11, file 10"
	assert_line "day=2024-01-01/region=size/part-00000.parquet: size: log 223, file 216"
	assert_line --regexp "^day=2024-01-01/region=notparquet/part-00000.parquet: unreadable: .*not a Parquet file"
}

@test "scan: -o tsv has a header of the keys and JSON for nested values" {
	scan_table "$BAD" --damage
	run --separate-stderr deltaq scan -o tsv "$BAD"
	assert_failure 1
	assert_line --index 0 "$(printf 'partition_values\tnum_files\tsize_bytes\trow_groups\tnum_rows\tmismatches\terror')"
	assert_line --index 6 "$(printf '{"day":"2024-01-01","region":null}\t2\t440\t2\t21\t[]\t')"
}

@test "scan: partitions come sorted by their values, nulls last" {
	scan_table "$BAD" --damage
	run --separate-stderr deltaq scan -o ndjson "$BAD"
	assert_equal "$(jq -r '.partition_values.region // "null"' <<<"$output" | paste -sd ' ')" \
		"missing nostats notparquet rows size null"
}

@test "scan: --jobs 1, 2 and 8 give the in-process result, and 8 workers really run" {
	scan_table "$BAD" --damage
	scan_table "$OK" --partitions 12 --files 3 --commits 4
	local t ref
	for t in "$BAD" "$OK"; do
		ref=$(stdout_of deltaq scan -o ndjson "$t" || true)
		for j in 1 2 8; do
			run --separate-stderr env DELTAQ_DEBUG=jobs "$DELTAQ" scan --jobs "$j" -o ndjson "$t"
			assert_equal "$output" "$ref"
			local pids
			pids=$(grep -o 'ready in .*"pid":[0-9]*' <<<"$stderr" | grep -o '[0-9]*$' | sort -u | wc -l)
			[ "$t" = "$OK" ] && [ "$j" = 8 ] && assert_equal "$pids" 8
		done
	done
	run --separate-stderr deltaq scan --jobs 8 "$OK"
	assert_success
	assert_equal "$output" "$(stdout_of deltaq scan "$OK")"
}

@test "scan: --jobs 0 starts one worker per CPU available" {
	scan_table "$OK" --partitions 6 --files 1
	command -v taskset >/dev/null || skip "taskset is not installed"
	run --separate-stderr env DELTAQ_DEBUG=jobs taskset -c 0 "$DELTAQ" scan --jobs 0 -o ndjson "$OK"
	assert_success
	assert_equal "$(grep -c 'started (' <<<"$stderr")" 1
}

@test "scan: workers x threads stay within the CPUs unless --threads says otherwise" {
	scan_table "$OK" --partitions 4 --files 1
	command -v taskset >/dev/null || skip "taskset is not installed"
	run --separate-stderr env DELTAQ_DEBUG=jobs taskset -c 0 "$DELTAQ" scan --jobs 2 -o ndjson "$OK"
	assert_equal "$(grep -c 'started (1 threads)' <<<"$stderr")" 2
	run --separate-stderr env DELTAQ_DEBUG=jobs taskset -c 0 "$DELTAQ" scan --jobs 2 --threads 3 -o ndjson "$OK"
	assert_equal "$(grep -c 'started (3 threads)' <<<"$stderr")" 2
}

@test "scan: --list-partitions prints one work item per partition" {
	scan_table "$BAD" --damage
	run deltaq scan --list-partitions "$BAD"
	assert_success
	assert_equal "${#lines[@]}" 6
	assert_equal "$(jq -c 'keys_unsorted' <<<"${lines[0]}")" '["version","partition_values","files"]'
	assert_equal "$(jq -c '.files[1]' <<<"${lines[0]}")" \
		'{"path":"day=2024-01-01/region=missing/part-00001.parquet","size":224,"num_records":11}'
	assert_equal "$(jq -c '.files[0].num_records' <<<"${lines[1]}")" null
	# The items are NDJSON, whatever -o says: another format is refused, not ignored.
	run deltaq scan --list-partitions -o ndjson "$BAD"
	assert_success
	assert_equal "${#lines[@]}" 6
	for f in json tsv csv; do
		run --separate-stderr deltaq scan --list-partitions -o "$f" "$BAD"
		assert_failure 2
		assert_equal "$output" ""
		assert_equal "${stderr_lines[0]}" "deltaq scan: --list-partitions prints NDJSON work items: only -o ndjson goes with it"
	done
}

@test "scan: work items keep paths with quotes, backslashes and control characters" {
	# Items are written without jansson (item_write): its escaping must still round-trip.
	json_table "$OK" '[]' '[["q\"uote.parquet",{}],["back\\slash.parquet",{}],["tab\tnl\n.parquet",{}],["ctl\u0001\u001f.parquet",{}],["\u00fc/\u00e9.parquet",{}]]'
	run deltaq scan --list-partitions "$OK"
	assert_success
	assert_equal "$(jq -c '[.files[].path]' <<<"$output")" \
		'["back\\slash.parquet","ctl\u0001\u001f.parquet","q\"uote.parquet","tab\tnl\n.parquet","ü/é.parquet"]'
	local here
	scan_three_ways "$OK"
	assert_equal "$(jq -r '.mismatches | map(.what) | unique | join(",")' <<<"$here")" missing
}

@test "scan: partition values with quotes, backslashes and non-ASCII keep their text everywhere" {
	# Plain values go through no JSON parser (replay, work items, records): these do.
	json_table "$OK" '["p"]' '[["f0.parquet",{"p":"a\"b"}],["f1.parquet",{"p":"x\\y"}],["f2.parquet",{"p":"\u00e9t\u00e9"}],["f3.parquet",{"p":"tab\t"}],["f4.parquet",{"p":null}],["f5.parquet",{"p":"plain"}]]'
	local here
	scan_three_ways "$OK"
	assert_equal "$(jq -c '.partition_values.p' <<<"$here" | sort | tr '\n' ' ')" \
		'"a\"b" "plain" "tab\t" "x\\y" "été" null '
}

@test "scan: a data file whose name is not UTF-8 is read by its bytes and shown with U+FFFD" {
	json_table "$OK" '[]' '[["f%FF.parquet",{}]]'
	printf 'not parquet' >"$OK/$(printf 'f\377.parquet')"
	local here
	scan_three_ways "$OK"
	# found (its size is compared), and valid JSON with U+FFFD in place of the byte
	assert_equal "$(jq -ac '[.mismatches[] | [.path, .what]]' <<<"$here")" \
		'[["f\ufffd.parquet","size"],["f\ufffd.parquet","unreadable"]]'
	# its work item line as an argument, too
	run --separate-stderr deltaq scan -o ndjson --partition "$(stdout_of deltaq scan --list-partitions "$OK")" "$OK"
	assert_failure 1
	assert_equal "$output" "$here"
}

@test "scan: --partition - reads work items in any JSON shape, not only --list-partitions' own" {
	# Items as --list-partitions writes them are read without a JSON parser; others
	# (keys in another order, spaces) through jansson, to the same records.
	scan_table "$BAD" --damage
	local items
	items=$(stdout_of deltaq scan --list-partitions "$BAD")
	run --separate-stderr deltaq scan -o ndjson --partition - "$BAD" <<<"$items"
	assert_failure 1
	local plain=$output
	assert_equal "${#lines[@]}" "$(wc -l <<<"$items")"
	run --separate-stderr deltaq scan -o ndjson --partition - "$BAD" \
		< <(jq -c '{files: .files, partition_values: .partition_values, version: .version}' <<<"$items" | sed 's/,"/, "/g')
	assert_failure 1
	assert_equal "$output" "$plain"
	# as jansson reads them: the last of a key given twice wins; a leading zero is no JSON
	run deltaq scan -o ndjson --partition - "$BAD" <<<'{"version":0,"partition_values":{"day":"x","day":"2024-01-01"},"files":[]}'
	assert_success
	assert_equal "$(jq -c .partition_values <<<"$output")" '{"day":"2024-01-01"}'
	run --separate-stderr deltaq scan -o ndjson --partition - "$BAD" <<<'{"version":0,"partition_values":{},"files":[{"path":"a","size":07,"num_records":null}]}'
	assert_failure 2
	assert_equal "$output" ""
}

@test "scan: work items read without jansson give what jansson gives (300 random items)" {
	# item_write's own shape takes the hand parser; a space after the first brace sends
	# the same item through jansson.  Random plain values, including JSON's own
	# punctuation inside strings, negative sizes and nulls; every file is missing but
	# the one real file, whose rows are compared with a random num_records.
	scan_table "$OK" --partitions 1 --files 1
	local real
	real=$(stdout_of deltaq scan --list-partitions "$OK" | jq -c '.files[0]')
	python3 - "$real" >"$BATS_TEST_TMPDIR/items" <<'PY'
import json, random, sys
real = json.loads(sys.argv[1])
r = random.Random(4)
chars = "abcXYZ019 _-.=/:%,{}[]"
def text():
    return "".join(r.choice(chars) for _ in range(r.randint(0, 8)))
for i in range(300):
    pv = {"i": str(i)}
    for _ in range(r.randint(0, 3)):
        pv[text()] = r.choice([None, text()])
    files = [{"path": "f" + text(), "size": r.randint(-5, 10**15),
              "num_records": r.choice([None, r.randint(0, 10**6)])} for _ in range(r.randint(0, 4))]
    if r.random() < 0.5:  # the real file: its rows against a random num_records
        files.append(dict(real, num_records=r.choice([None, real["num_records"], r.randint(0, 10**6)])))
    item = {"version": r.choice([None, r.randint(0, 10**6)]), "partition_values": pv, "files": files}
    print(json.dumps(item, separators=(",", ":")))
PY
	run --separate-stderr deltaq scan -o ndjson --partition - "$OK" <"$BATS_TEST_TMPDIR/items"
	assert_failure 1
	assert_equal "${#lines[@]}" 300
	local plain=$output
	run --separate-stderr deltaq scan -o ndjson --partition - "$OK" < <(sed 's/^{/{ /' "$BATS_TEST_TMPDIR/items")
	assert_failure 1
	assert_equal "$output" "$plain"
}

@test "scan: --partition ITEM scans that item's files and prints the same record" {
	scan_table "$BAD" --damage
	local item
	item=$(stdout_of deltaq scan --list-partitions "$BAD" | sed -n 4p)
	run --separate-stderr deltaq scan -o ndjson --partition "$item" "$BAD"
	assert_failure 1
	assert_equal "$output" "$({ stdout_of deltaq scan -o ndjson "$BAD" || true; } | sed -n 4p)"
}

@test "scan: --partition VALUES picks a partition from the log" {
	scan_table "$BAD" --damage
	run deltaq scan -o ndjson --partition '{"region":null,"day":"2024-01-01"}' "$BAD"
	assert_success
	assert_equal "$output" "$({ stdout_of deltaq scan -o ndjson "$BAD" || true; } | sed -n 6p)"
	run --separate-stderr deltaq scan --partition '{"day":"1999-01-01"}' "$BAD"
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" 'deltaq scan: --partition: no partition {"day":"1999-01-01"} at version 0'
	run deltaq scan --partition 'day=2024' "$BAD"
	assert_failure 2
}

@test "scan: xargs -P over --list-partitions merges to the --jobs result" {
	scan_table "$OK" --partitions 9 --files 2
	rm "$OK/day=2024-01-05/part-00001.parquet"
	local merged jobs
	merged=$(deltaq scan --list-partitions "$OK" |
		xargs -d '\n' -P 4 -I{} "$DELTAQ" scan -o ndjson --partition {} "$OK" 2>/dev/null | sort)
	jobs=$(stdout_of deltaq scan --jobs 3 -o ndjson "$OK" | sort)
	assert_equal "$merged" "$jobs"
	assert_equal "$(wc -l <<<"$merged")" 9
}

@test "scan: --partition - reads work items from stdin, also with --jobs" {
	scan_table "$BAD" --damage
	run --separate-stderr bash -c '"$0" scan --list-partitions "$1" | sed -n "2p;5p" | "$0" scan -o ndjson --jobs 2 --partition - "$1"' "$DELTAQ" "$BAD"
	assert_failure 1
	assert_equal "$output" "$({ stdout_of deltaq scan -o ndjson "$BAD" || true; } | sed -n '2p;5p')"
	run bash -c 'echo "{\"files\":3}" | "$0" scan --partition - "$1"' "$DELTAQ" "$BAD"
	assert_failure 2
	assert_output --partial "standard input line 1"
}

@test "scan: --at scans the files of an older version" {
	scan_table "$OK" --partitions 4 --files 1 --commits 4
	run deltaq scan -o ndjson --at 1 "$OK"
	assert_success
	assert_equal "${#lines[@]}" 2
	run deltaq scan -o ndjson "$OK"
	assert_equal "${#lines[@]}" 4
}

@test "scan: an empty table has no partitions and a zero total" {
	scan_table "$OK" --partitions 0
	run deltaq scan "$OK"
	assert_success
	assert_line --index 1 --regexp '^total +0 +0 +0 +0 +0$'
	run deltaq scan --jobs 2 -o json "$OK"
	assert_success
	assert_output "[]"
}

@test "scan: a reader feature deltaq does not honour exits 4, an unreadable table 3" {
	run --separate-stderr deltaq scan "$FIX/unsupported_feature"
	assert_failure 4
	assert_equal "$output" ""
	run --separate-stderr deltaq scan --list-partitions --jobs 2 "$FIX/unsupported_feature"
	assert_failure 4
	run --separate-stderr deltaq scan --jobs 2 "$BATS_TEST_TMPDIR/nope"
	assert_failure 3
	assert_equal "$output" ""
	run --separate-stderr deltaq scan "$FIX/corrupt_json"
	assert_failure 3
}

@test "scan: the placeholder data files of the demo table are all unreadable" {
	run --separate-stderr deltaq scan -o json "$(fixture example)"
	assert_failure 1
	assert_equal "$(jq '[.[].mismatches[] | select(.what == "unreadable")] | length' <<<"$output")" 10
}

@test "scan: usage errors exit 2" {
	scan_table "$OK"
	run deltaq scan --jobs -1 "$OK"
	assert_failure 2
	run deltaq scan --jobs many "$OK"
	assert_failure 2
	run deltaq scan --list-partitions --partition - "$OK"
	assert_failure 2
	run deltaq scan
	assert_failure 2
}

@test "scan: a progress bar on stderr only when it is a terminal" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	scan_table "$OK" --partitions 3
	run script -qec "$DELTAQ scan -o ndjson $OK >$BATS_TEST_TMPDIR/out" /dev/null
	assert_success
	assert_output --partial "deltaq scan: ["
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(stdout_of deltaq scan -o ndjson "$OK")"
	run env TERM=dumb script -qec "$DELTAQ scan -o ndjson $OK >/dev/null" /dev/null
	assert_success
	refute_output --partial "deltaq scan: ["
	run --separate-stderr deltaq scan -o ndjson "$OK"
	assert_equal "$stderr" ""
}

@test "scan: help and the command list know it; __worker stays hidden" {
	run deltaq help scan
	assert_success
	assert_output --partial "usage: deltaq scan"
	run deltaq --help
	assert_output --partial "  scan "
	refute_output --partial "__worker"
	run deltaq completion bash
	refute_output --partial "__worker"
}
