#!/usr/bin/env bats
# deltaq check: every rule has a table that triggers it, built by breaking one thing in a
# clean table (tests/make_check_table.py) that triggers none.

load helpers

LOG=_delta_log
C0=$LOG/00000000000000000000.json
C1=$LOG/00000000000000000001.json
C2=$LOG/00000000000000000002.json
CKPT=$LOG/00000000000000000002.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json

# clean [NAME]: a fresh copy of the clean table; prints its path.
clean() {
	local d="$BATS_TEST_TMPDIR/${1:-t}"
	rm -rf "$d"
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$d"
	printf '%s\n' "$d"
}

# rules TABLE [OPTIONS...]: the rule ids check reports, sorted, space-separated.
rules() {
	local t=$1
	shift
	"$DELTAQ" check -o json "$@" "$t" 2>/dev/null | jq -r '[.findings[].rule] | sort | join(" ")'
}

# schema_sub FILE OLD NEW: replaces schema text OLD (as in the schema, e.g. "type":"long")
# by NEW inside FILE's schemaString, where it is escaped as a JSON string.
schema_sub() {
	python3 -c 'import sys, json; p, a, b = sys.argv[1:]; e = lambda x: json.dumps(x)[1:-1]
s = open(p).read(); assert e(a) in s; open(p, "w").write(s.replace(e(a), e(b)))' "$@"
}

# commits_only TABLE: drops _last_checkpoint, the checkpoint and the .crc, so that an
# edited commit is all the log says.
commits_only() {
	rm "$1/$LOG/_last_checkpoint" "$1"/$LOG/*.checkpoint.* "$1"/$LOG/*.crc
}

# sub FILE PYTHON-EXPR: rewrites FILE's text as the expression of `s`.
sub() {
	python3 -c 'import sys; p=sys.argv[1]; s=open(p).read(); s=eval(sys.argv[2]); open(p,"w").write(s)' "$1" "$2"
}

@test "check: bad commits in every batch of a long log are each found, whatever the threads" {
	# The pass applies commits in order while the pool parses the next 64: a commit that
	# does not parse in the first batch, in one read ahead and in the last is each a
	# finding, in version order, with 1, 2 or 8 threads.
	local t="$BATS_TEST_TMPDIR/long" v n
	tiny_table "$t" 300
	for v in 5 200 290; do
		printf '{"add":{"path":\n' >"$t/_delta_log/$(printf '%020d' "$v").json"
	done
	run --separate-stderr deltaq check -o json --threads 1 "$t"
	assert_failure 1
	local one=$output
	assert_equal "$(jq -c '[.findings[] | [.rule, .version]]' <<<"$one")" '[["DQ102",5],["DQ102",200],["DQ102",290]]'
	for n in 2 8; do
		run --separate-stderr deltaq check -o json --threads "$n" "$t"
		assert_failure 1
		assert_equal "$output" "$one"
	done
}

@test "check: the clean table has no finding, with and without --deep" {
	t=$(clean)
	run deltaq check "$t"
	assert_success
	assert_output "0 errors, 0 warnings"
	run deltaq check --deep "$t"
	assert_success
	assert_output "0 errors, 0 warnings"
}

@test "check: DQ101 a hole in the commits; none for commits missing before the earliest" {
	t=$(clean)
	commits_only "$t"
	cp "$t/$C2" "$t/$LOG/00000000000000000004.json"
	sub "$t/$LOG/00000000000000000004.json" 's.replace("f2.parquet", "f4.parquet")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "DQ101  version 3 is missing"
	[ "$(rules "$t")" = "DQ101" ]
	# Cleanup: commits 0 and 1 gone, the checkpoint at 2 starts the history.
	t=$(clean c)
	rm "$t/$C0" "$t/$C1"
	[ "$(rules "$t")" = "" ]
}

@test "check: DQ102 a commit that does not parse names the file and line" {
	t=$(clean)
	echo '{"add": {"path": ' >> "$t/$C1"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "DQ102  cannot read '_delta_log/00000000000000000001.json' line 3"
	[ "$(rules "$t")" = "DQ102" ]
}

@test "check: DQ103 no metaData in version 0 or in the log" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" '"\n".join(l for l in s.split("\n") if "metaData" not in l)'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "version 0 has no metaData action"
	assert_output --partial "no metaData action in versions 0 to 2"
	[ "$(rules "$t")" = "DQ103 DQ103" ]
}

@test "check: DQ104 a protocol beyond reader 3 / writer 7" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\"minWriterVersion\":7", "\"minWriterVersion\":8")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "protocol (3, 8) is beyond"
	[ "$(rules "$t")" = "DQ104" ]
}

@test "check: DQ104 feature lists only and always with versions 3 and 7, reader features among the writer ones" {
	local from to
	# (3, 7) without readerFeatures; (2, 7) with them; reader feature not a writer one.
	for edit in 's.replace("\"readerFeatures\":[\"deletionVectors\"],", "")' \
		's.replace("\"minReaderVersion\":3", "\"minReaderVersion\":2")' \
		's.replace("\"writerFeatures\":[\"deletionVectors\"]", "\"writerFeatures\":[]")'; do
		t=$(clean)
		commits_only "$t"
		sub "$t/$C0" "$edit"
		run deltaq check -o json "$t"
		assert_failure 1
		assert_equal "$(jq -r '[.findings[].rule] | unique | join(" ")' <<<"$output")" DQ104
	done
	assert_equal "$(jq -r '.findings[0].message' <<<"$output")" \
		"'_delta_log/00000000000000000000.json': reader feature 'deletionVectors' is not among the writer features, as every reader feature must be"
}

@test "check: DQ104 a malformed protocol action; the other commands exit 3 on it, not 4" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\"readerFeatures\":[", "\"readerFeatures\":\"x\",\"old\":[", 1)'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "the protocol action's readerFeatures is not an array of names"
	[ "$(rules "$t")" = "DQ104" ]
	run --separate-stderr deltaq files "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: the protocol action's readerFeatures is not an array of names"
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\"minWriterVersion\":7", "\"minWriterVersion\":0")'
	run --separate-stderr deltaq info "$t"
	assert_failure 3
	assert_equal "$stderr" "deltaq: the protocol action's minReaderVersion and minWriterVersion must be 1 or more"
}

@test "check: DQ105 an unreadable _last_checkpoint" {
	t=$(clean)
	echo 'not json' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ105" ]
	run deltaq check "$t"
	assert_failure 1
}

@test "check: DQ106 a _last_checkpoint whose checksum does not match" {
	t=$(clean)
	echo '{"version":2,"size":5,"checksum":"00000000000000000000000000000000"}' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ106" ]
}

@test "check: DQ107 a _last_checkpoint naming a version without a checkpoint, none newer" {
	t=$(clean)
	echo '{"version":3,"size":5}' > "$t/$LOG/_last_checkpoint"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "names version 3, which has no complete checkpoint"
	[ "$(rules "$t")" = "DQ107" ]
	# Behind the newest checkpoint (at 2) the hint is only out of date: readers list the
	# log and use that one (kernel-rs logs it), so a warning.
	echo '{"version":1,"size":5}' > "$t/$LOG/_last_checkpoint"
	run deltaq check "$t"
	assert_success
	assert_output --partial "DQ201  '_delta_log/_last_checkpoint' names version 1, which has no complete checkpoint; the newest is at version 2"
	[ "$(rules "$t")" = "DQ201" ]
}

@test "check: DQ108 a checkpoint that cannot be read" {
	t=$(clean)
	echo 'not parquet at all' > "$t/$LOG/00000000000000000001.checkpoint.parquet"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "DQ108  cannot read '_delta_log/00000000000000000001.checkpoint.parquet'"
	[ "$(rules "$t")" = "DQ108" ]
}

@test "check: DQ109 a checkpoint without protocol" {
	t=$(clean)
	sub "$t/$CKPT" '"\n".join(l for l in s.split("\n") if "protocol" not in l)'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "has no protocol action"
	# the hint's size (5 actions) now disagrees too
	[ "$(rules "$t")" = "DQ109 DQ201" ]
}

@test "check: DQ110 a checkpoint that differs from the commits it covers" {
	t=$(clean)
	sub "$t/$CKPT" '"\n".join(l for l in s.split("\n") if "f1.parquet" not in l)'
	echo '{"version":2,"size":4}' > "$t/$LOG/_last_checkpoint"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "differs from the JSON commits up to version 2: it has 1 active files, the commits 2"
	[ "$(rules "$t")" = "DQ110" ]
	t=$(clean m)
	sub "$t/$CKPT" 's.replace("\"id\":\"check-table\"", "\"id\":\"other\"")'
	[ "$(rules "$t")" = "DQ110" ]
}

@test "check: DQ111 a .crc that disagrees with the replay, or does not parse" {
	t=$(clean)
	sub "$t/$LOG/00000000000000000002.crc" 's.replace("\"numFiles\": 2", "\"numFiles\": 10")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "says numFiles 10; the log replays to 2 files at version 2"
	[ "$(rules "$t")" = "DQ111" ]
	t=$(clean b)
	echo '{' > "$t/$LOG/00000000000000000002.crc"
	[ "$(rules "$t")" = "DQ111" ]
	t=$(clean c)
	sub "$t/$LOG/00000000000000000002.crc" 's.replace("\"tableSizeBytes\": ", "\"tableSizeBytes\": 1")'
	[ "$(rules "$t")" = "DQ111" ]
	# A table has one metaData and one protocol (PROTOCOL.md, Version Checksum File).
	t=$(clean d)
	sub "$t/$LOG/00000000000000000002.crc" 's.replace("\"numMetadata\": 1", "\"numMetadata\": 2")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "says numMetadata 2 and numProtocol 1; a table has one of each"
}

@test "check: DQ112 the same file added twice in one commit" {
	t=$(clean)
	line=$(grep '"add"' "$t/$C1")
	printf '%s\n' "$line" >> "$t/$C1"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "'p=1/f1.parquet' is added a second time in version 1"
	[ "$(rules "$t")" = "DQ112" ]
	# Once per path whatever the deletion vectors (PROTOCOL.md: "at most one file action
	# of the same type for any path (regardless of dvId)").
	t=$(clean b)
	commits_only "$t"
	local dv='"deletionVector":{"storageType":"u","pathOrInlineDv":"dvvBn[lx{q8@P<9BNH/isA","offset":1,"sizeInBytes":36,"cardinality":2}'
	{
		echo '{"remove":{"path":"p=1/f1.parquet","deletionTimestamp":1,"dataChange":true}}'
		echo "{\"remove\":{\"path\":\"p=1/f1.parquet\",\"deletionTimestamp\":1,\"dataChange\":true,$dv}}"
	} | commit "$t" 3
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "'p=1/f1.parquet' is removed a second time in version 3"
	[ "$(rules "$t")" = "DQ112" ]
}

@test "check: text shows control characters of names in messages escaped" {
	local t="$BATS_TEST_TMPDIR/esc"
	cp -R "$FIX/example" "$t"
	local a='{"add":{"path":"event_date=2024-03-08/x%1B%5B2Jy%0Az.parquet","partitionValues":{"event_date":"2024-03-08"},"size":10,"modificationTime":1,"dataChange":true}}'
	printf '%s\n%s\n' "$a" "$a" >"$t/_delta_log/00000000000000000012.json"
	run --separate-stderr deltaq check "$t"
	assert_failure 1
	assert_equal "${#lines[@]}" 3 # errors:, the finding, the summary (bats drops the blank line)
	assert_line --index 1 --partial 'x\x1b[2Jy\nz.parquet'
	refute_output --partial $'\e'
}

@test "check: DQ113 partition values: an unknown key, a value that is not its type" {
	t=$(clean)
	sub "$t/$C1" 's.replace("{\"p\":\"1\"}", "{\"p\":\"one\"}")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "'p' = 'one' does not parse as integer"
	[ "$(rules "$t")" = "DQ113" ]
	t=$(clean b)
	sub "$t/$C1" 's.replace("{\"p\":\"1\"}", "{\"p\":\"1\",\"q\":\"x\"}")'
	[ "$(rules "$t")" = "DQ113" ]
	# No entry for a partition column is not a null value.
	for pv in '{}' 'null'; do
		t=$(clean b)
		sub "$t/$C1" "s.replace('{\"p\":\"1\"}', '$pv')"
		run deltaq check "$t"
		assert_failure 1
		assert_output --partial "no value for partition column 'p'"
		[ "$(rules "$t")" = "DQ113" ]
	done
	# With column mapping the key is the physical name; readers look up no other, so a
	# value under the logical name reads as null.
	t=$(clean c)
	commits_only "$t"
	schema_sub "$t/$C0" '{"name":"p","type":"integer","nullable":true,"metadata":{}}' \
		'{"name":"p","type":"integer","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-p"}}'
	sub "$t/$C0" 's.replace("\"configuration\":{}", "\"configuration\":{\"delta.columnMapping.mode\":\"name\"}")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "key 'p' is the logical name of a partition column; with column mapping the key is its physical name 'col-p'"
	sub "$t/$C1" 's.replace("{\"p\":\"1\"}", "{\"col-p\":\"1\"}")'
	sub "$t/$C2" 's.replace("{\"p\":\"2\"}", "{\"col-p\":\"2\"}")'
	[ "$(rules "$t")" = "" ]
	# Dates and times must exist: February 29th only in leap years, hours to 23.  A
	# decimal's integer digits must fit its precision less its scale (Spark's cast reads
	# null otherwise); more fraction digits are only rounded.
	local ty v1 v2 want
	for case in 'timestamp|2024-02-29|2000-02-29 23:59:59|' 'timestamp|2023-02-29|2024-01-01|DQ113' \
		'timestamp|1900-02-29|2024-01-01|DQ113' 'timestamp|2024-01-01 24:00:00|2024-01-01|DQ113' \
		'timestamp|2024-01-01 12:60:00|2024-01-01|DQ113' 'decimal(3,1)|12.345|2|' \
		'decimal(3,1)|123.4|2|DQ113' 'decimal(3,1)|1.2E1|2|' 'decimal(3,1)|1.2E2|2|DQ113' \
		'decimal|9999999999|2|' 'decimal|10000000000|2|DQ113' 'decimal(5,0)|00012345|2|'; do
		IFS='|' read -r ty v1 v2 want <<<"$case"
		t=$(clean d)
		commits_only "$t"
		schema_sub "$t/$C0" '{"name":"p","type":"integer"' "{\"name\":\"p\",\"type\":\"$ty\""
		sub "$t/$C1" "s.replace('{\"p\":\"1\"}', '{\"p\":\"$v1\"}')"
		sub "$t/$C2" "s.replace('{\"p\":\"2\"}', '{\"p\":\"$v2\"}')"
		[ "$(rules "$t")" = "$want" ] || fail "$ty $v1 / $v2: $(rules "$t"), expected '$want'"
	done
}

@test "check: DQ114 stats that do not parse, or a negative numRecords" {
	t=$(clean)
	sub "$t/$C1" 's.replace("{\\\"numRecords\\\": 3}", "{\\\"numRecords\\\": 3")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "the stats of 'p=1/f1.parquet' does not parse"
	[ "$(rules "$t")" = "DQ114" ]
	t=$(clean b)
	sub "$t/$C1" 's.replace("{\\\"numRecords\\\": 3}", "{\\\"numRecords\\\": -3}")'
	[ "$(rules "$t")" = "DQ114" ]
}

@test "check: DQ115 a schemaString that does not parse" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\"schemaString\":\"{", "\"schemaString\":\"{{")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "metaData.schemaString is not valid JSON"
	[ "$(rules "$t")" = "DQ115" ]
}

@test "check: DQ115 a decimal out of range, or two fields whose names differ only in case" {
	local ty
	for ty in 'decimal(39,0)' 'decimal(5,6)' 'decimal(0,0)' 'decimal(10)' 'decimal(10,2' ; do
		t=$(clean)
		commits_only "$t"
		schema_sub "$t/$C0" '"type":"long"' "\"type\":\"$ty\""
		run deltaq check "$t"
		assert_failure 1
		assert_output --partial "metaData.schemaString gives 'id' type '$ty' (decimal needs a precision of 1 to 38"
		[ "$(rules "$t")" = "DQ115" ]
	done
	# Spark's and kernel-rs's spellings that are fine: no finding.
	for ty in 'decimal(38,38)' 'decimal( 10 , 2 )' 'decimal(\t0038,\t2)' 'decimal' 'void' 'variant' \
		'timestamp_ntz' 'geometry(OGC:CRS84)' 'geography(OGC:CRS84, spherical)'; do
		t=$(clean)
		commits_only "$t"
		schema_sub "$t/$C0" '"type":"long"' "\"type\":\"$ty\""
		[ "$(rules "$t")" = "" ]
	done
	t=$(clean)
	commits_only "$t"
	schema_sub "$t/$C0" '"name":"id"' '"name":"P"'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "metaData.schemaString has two fields named 'P' and 'p' in the schema (names are unique, ignoring case)"
	[ "$(rules "$t")" = "DQ115" ]
	# Long names too, and inside an array's struct.
	local long
	long=$(printf 'n%.0s' {1..300})
	t=$(clean)
	commits_only "$t"
	schema_sub "$t/$C0" '{"name":"id","type":"long","nullable":true,"metadata":{}}' \
		"{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":{\"type\":\"struct\",\"fields\":[{\"name\":\"$long\",\"type\":\"long\"},{\"name\":\"${long^^}\",\"type\":\"long\"}]}},\"nullable\":true,\"metadata\":{}}"
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "in a.element (names are unique, ignoring case)"
	[ "$(rules "$t")" = "DQ115" ]
}

@test "check: DQ206 a type deltaq does not know is a warning, once per type name" {
	t=$(clean)
	commits_only "$t"
	schema_sub "$t/$C0" '"type":"long"' '"type":"interval day"'
	# The same schema again in version 1: still one finding, at its first version.
	python3 -c 'import sys; m=[l for l in open(sys.argv[1]) if l.startswith("{\"metaData\"")]; open(sys.argv[2], "a").write(m[0])' "$t/$C0" "$t/$C1"
	run deltaq check "$t"
	assert_success
	assert_output --partial "DQ206  '_delta_log/00000000000000000000.json': type 'interval day', which deltaq does not know, of column 'id'"
	[ "$(rules "$t")" = "DQ206" ]
	run deltaq check --strict "$t"
	assert_failure 1
	# A column path of any length (here 800 bytes of non-ASCII names, which the one-line
	# message cuts short).
	local deep
	deep=$(printf 'é%.0s' {1..200})
	t=$(clean)
	commits_only "$t"
	schema_sub "$t/$C0" '{"name":"id","type":"long","nullable":true,"metadata":{}}' \
		"{\"name\":\"$deep\",\"type\":{\"type\":\"struct\",\"fields\":[{\"name\":\"x$deep\",\"type\":\"foo\"}]},\"nullable\":true,\"metadata\":{}}"
	run --separate-stderr deltaq check -o json "$t"
	assert_success
	assert_equal "$(jq -r '[.findings[].rule] | join(" ")' <<<"$output")" DQ206
	assert_equal "$(jq -r '.findings[0].message' <<<"$output" | grep -c "type 'foo', which deltaq does not know, of column 'éé")" 1
}

@test "check: DQ116 two columns with one column-mapping id or physical name" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\\\"metadata\\\":{}", "\\\"metadata\\\":{\\\"delta.columnMapping.id\\\":1,\\\"delta.columnMapping.physicalName\\\":\\\"c1\\\"}")'
	# With column mapping off, ids and physical names are never read: Spark leaves such
	# metadata alone, so no finding.
	[ "$(rules "$t")" = "" ]
	sub "$t/$C0" 's.replace("\"configuration\":{}", "\"configuration\":{\"delta.columnMapping.mode\":\"id\"}")'
	run deltaq check -o ndjson "$t"
	assert_failure 1
	assert_output --partial "share column-mapping id 1"
	assert_output --partial "share physical name 'c1'"
	[ "$(rules "$t" | tr ' ' '\n' | grep -c DQ116)" = 2 ]
}

@test "check: DQ117 a malformed deletion vector descriptor" {
	t=$(clean)
	rm "$t"/$LOG/*.checkpoint.* "$t/$LOG/_last_checkpoint"
	sub "$t/$C2" 's.replace("\"storageType\":\"u\"", "\"storageType\":\"x\"")'
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "storageType is not u, i or p"
	[ "$(rules "$t")" = "DQ117" ]
	t=$(clean b)
	rm "$t"/$LOG/*.checkpoint.* "$t/$LOG/_last_checkpoint"
	sub "$t/$C2" 's.replace("\"cardinality\":2", "\"cardinality\":\"two\"")'
	[ "$(rules "$t")" = "DQ117" ]
}

@test "check: DQ118 history that starts after 0 without a checkpoint" {
	t=$(clean)
	rm "$t/$C0" "$t/$LOG/_last_checkpoint" "$t"/$LOG/*.checkpoint.* "$t"/$LOG/*.crc
	run deltaq check "$t"
	assert_failure 1
	assert_output --partial "history starts at version 1"
	[ "$(rules "$t")" = "DQ118" ]
}

@test "check: DQ201 _last_checkpoint fields that disagree with the disk (a warning)" {
	t=$(clean)
	echo '{"version":2,"size":99}' > "$t/$LOG/_last_checkpoint"
	run deltaq check "$t"
	assert_success
	assert_output --partial "size is 99; the checkpoint holds 5 actions"
	assert_output --partial "0 errors, 1 warning"
	[ "$(rules "$t")" = "DQ201" ]
	echo '{"version":2,"size":5,"numOfAddFiles":7}' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ201" ]
	echo '{"version":2,"size":5,"sizeInBytes":1}' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ201" ]
	echo '{"version":2,"size":5,"parts":3}' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ201" ]
	echo '{"version":2,"size":5,"v2Checkpoint":{"path":"nope.json","sizeInBytes":1,"modificationTime":1}}' > "$t/$LOG/_last_checkpoint"
	[ "$(rules "$t")" = "DQ201" ]
}

@test "check: DQ202 DQ203 DQ204 unknown writer, unhonoured reader and preview features warn" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C0" 's.replace("\"writerFeatures\":[\"deletionVectors\"]", "\"writerFeatures\":[\"deletionVectors\",\"fancyWrites\",\"collations-preview\"]")'
	[ "$(rules "$t")" = "DQ202 DQ204" ]
	# An unknown writer feature stops only `orphans` (VACUUM checks the write protocol):
	# --deep still lists untracked files.
	[ "$(rules "$t" --deep)" = "DQ202 DQ204" ]
	sub "$t/$C0" 's.replace("\"readerFeatures\":[\"deletionVectors\"]", "\"readerFeatures\":[\"deletionVectors\",\"futureRead\"]")'
	sub "$t/$C0" 's.replace("\"fancyWrites\"", "\"fancyWrites\",\"futureRead\"")'
	run deltaq check "$t"
	assert_success
	assert_output --partial "reader feature 'futureRead' is not honoured"
	[ "$(rules "$t")" = "DQ202 DQ202 DQ203 DQ204" ]
	# --deep needs the file list: exit 4
	run deltaq check --deep "$t"
	assert_failure 4
}

@test "check: DQ205 a checkpoint deltaq cannot read is a warning" {
	t=$(clean)
	printf 'PARExxxxxxxx\010\000\000\000PARE' > "$t/$LOG/00000000000000000001.checkpoint.parquet"
	run deltaq check "$t"
	assert_success
	assert_output --partial "encrypted Parquet files are not supported"
	[ "$(rules "$t")" = "DQ205" ]
}

@test "check --deep: DQ301 DQ302 DQ303 DQ304 data files missing, resized, not Parquet, wrong rows" {
	t=$(clean)
	rm "$t/p=1/f1.parquet"
	[ "$(rules "$t")" = "" ]
	run deltaq check --deep "$t"
	assert_failure 1
	assert_output --partial "active file 'p=1/f1.parquet' (version 2): does not exist"
	[ "$(rules "$t" --deep)" = "DQ301" ]
	t=$(clean b)
	echo x >> "$t/p=1/f1.parquet"
	[ "$(rules "$t" --deep)" = "DQ302" ]
	t=$(clean c)
	size=$(stat -c %s "$t/p=1/f1.parquet")
	head -c "$size" /dev/zero > "$t/p=1/f1.parquet"
	[ "$(rules "$t" --deep)" = "DQ303" ]
	t=$(clean d)
	sub "$t/$C1" 's.replace("{\\\"numRecords\\\": 3}", "{\\\"numRecords\\\": 4}")'
	sub "$t/$CKPT" 's.replace("{\\\"numRecords\\\": 3}", "{\\\"numRecords\\\": 4}")'
	run deltaq check --deep "$t"
	assert_output --partial "holds 3 rows; its stats say numRecords 4"
	[ "$(rules "$t" --deep)" = "DQ304" ]
}

@test "check --deep: DQ305 DQ306 DQ307 DQ308 deletion vectors missing, undecodable, corrupt, miscounted" {
	dvf() { ls "$1"/dv/deletion_vector_*.bin; }
	t=$(clean)
	rm "$(dvf "$t")"
	[ "$(rules "$t" --deep)" = "DQ305" ]
	t=$(clean b)
	# a wrong magic, with a CRC that matches it
	python3 - "$(dvf "$t")" <<'PY'
import struct, sys, zlib
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = struct.unpack(">I", b[1:5])[0]
b[5] ^= 0xff
b[5 + n:9 + n] = struct.pack(">I", zlib.crc32(bytes(b[5:5 + n])))
open(p, "wb").write(b)
PY
	run deltaq check --deep "$t"
	assert_output --partial "does not decode: magic"
	[ "$(rules "$t" --deep)" = "DQ306" ]
	t=$(clean c)
	python3 -c "import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[-1]^=1; open(p,'wb').write(b)" "$(dvf "$t")"
	[ "$(rules "$t" --deep)" = "DQ307" ]
	t=$(clean d)
	sub "$t/$C2" 's.replace("\"cardinality\":2", "\"cardinality\":3")'
	sub "$t/$CKPT" 's.replace("\"cardinality\":2", "\"cardinality\":3")'
	run deltaq check --deep "$t"
	assert_output --partial "deletes 2 rows; its descriptor says 3"
	[ "$(rules "$t" --deep)" = "DQ308" ]
	# A descriptor's sizeInBytes that is not its record's (kernel-rs and Spark fail the
	# read), from the commits, from the checkpoint, and through --jobs workers.
	local size
	t=$(clean e)
	size=$(grep -o '"sizeInBytes":[0-9]*' "$t/$C2" | head -n 1 | cut -d: -f2)
	sub "$t/$C2" "s.replace('\"sizeInBytes\":$size', '\"sizeInBytes\":$((size + 8))')"
	sub "$t/$CKPT" "s.replace('\"sizeInBytes\":$size', '\"sizeInBytes\":$((size + 8))')"
	run deltaq check --deep "$t"
	assert_failure 1
	assert_output --partial "its record is $size bytes; the descriptor's sizeInBytes says $((size + 8))"
	[ "$(rules "$t" --deep)" = "DQ306" ]
	[ "$(rules "$t" --deep --jobs 2)" = "DQ306" ]
}

@test "check --deep: DQ309 a data file deltaq cannot read is a warning" {
	t=$(clean)
	commits_only "$t"
	sub "$t/$C1" 's.replace("\"path\":\"p=1/f1.parquet\"", "\"path\":\"s3://bucket/f1.parquet\"")'
	run deltaq check --deep "$t"
	assert_success
	# the local file the log no longer names is left untracked
	[ "$(rules "$t" --deep)" = "DQ309 DQ310" ]
}

@test "check --deep: DQ310 files no active file references, as orphans lists them" {
	t=$(clean)
	[ "$(rules "$t" --deep)" = "" ]
	echo stray > "$t/p=1/stray.parquet"
	touch -d 2020-01-01 "$t/p=1/stray.parquet"
	mkdir "$t/_tmp" && echo x > "$t/_tmp/hidden" # VACUUM skips hidden folders, so does check
	run deltaq check --deep "$t"
	assert_success
	assert_output --partial "'p=1/stray.parquet' (6 bytes) is under the table but no active file at version 2 references it; VACUUM would delete it"
	[ "$(rules "$t" --deep)" = "DQ310" ]
	[ "$(rules "$t")" = "" ]
	run deltaq check --deep --strict "$t"
	assert_failure 1
	assert_equal "$(deltaq orphans -o tsv "$t" | tail -n +2 | cut -f 1)" "p=1/stray.parquet"
}

@test "check: --ignore drops a rule; an unknown id is a usage error" {
	t=$(clean)
	echo 'not json' > "$t/$LOG/_last_checkpoint"
	echo '{' > "$t/$LOG/00000000000000000002.crc"
	[ "$(rules "$t")" = "DQ105 DQ111" ]
	[ "$(rules "$t" --ignore DQ105)" = "DQ111" ]
	run deltaq check --ignore DQ105 --ignore DQ111 "$t"
	assert_success
	run deltaq check --ignore DQ999 "$t"
	assert_failure 2
	assert_output --partial "no rule 'DQ999'"
}

@test "check: --baseline round trip reports only new findings" {
	t=$(clean)
	echo 'not json' > "$t/$LOG/_last_checkpoint"
	run deltaq check -o json "$t"
	assert_failure 1
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/base.json"
	run deltaq check --baseline "$BATS_TEST_TMPDIR/base.json" "$t"
	assert_success
	assert_output "0 errors, 0 warnings"
	echo '{' > "$t/$LOG/00000000000000000002.crc"
	[ "$(rules "$t" --baseline "$BATS_TEST_TMPDIR/base.json")" = "DQ111" ]
	echo 'nope' > "$BATS_TEST_TMPDIR/bad.json"
	run deltaq check --baseline "$BATS_TEST_TMPDIR/bad.json" "$t"
	assert_failure 2
}

@test "check: --strict makes warnings fail" {
	t=$(clean)
	echo '{"version":2,"size":99}' > "$t/$LOG/_last_checkpoint"
	run deltaq check "$t"
	assert_success
	run deltaq check --strict "$t"
	assert_failure 1
}

@test "check: -o json is the documented report; -o ndjson one finding per line" {
	t=$(clean)
	echo 'not json' > "$t/$LOG/_last_checkpoint"
	run deltaq check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" '["schema_version","table","version","errors","warnings","findings"]'
	assert_equal "$(jq -c '[.schema_version, .version, .errors, .warnings]' <<<"$output")" '[1,2,1,0]'
	assert_equal "$(jq -c '.findings[0] | keys_unsorted' <<<"$output")" '["rule","severity","message","version","path"]'
	assert_equal "$(jq -r '.findings[0].path' <<<"$output")" "_delta_log/_last_checkpoint"
	run deltaq check -o ndjson "$t"
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .rule <<<"${lines[0]}")" DQ105
	run deltaq check -o tsv "$t"
	assert_failure 2
}

@test "check: -o junit is well-formed XML, one testcase per rule, failures for errors" {
	t=$(clean)
	echo 'not <json> & "more"' > "$t/$LOG/_last_checkpoint"
	mkdir -p "$t/$LOG"
	run deltaq check -o junit "$t"
	assert_failure 1
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/j.xml"
	run python3 - "$BATS_TEST_TMPDIR/j.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
names = [c.get("name").split(":")[0] for c in cases]
assert len(names) == len(set(names)), names
assert "DQ105" in names and "DQ301" not in names, names
fails = [c.get("name").split(":")[0] for c in cases if c.find("failure") is not None]
assert fails == ["DQ105"], fails
assert suite.get("failures") == "1" and int(suite.get("tests")) == len(cases)
print("ok", len(cases))
PY
	assert_success
	assert_output --regexp '^ok [0-9]+$'
	run deltaq check --deep -o junit "$t"
	assert_output --partial 'name="DQ301: '
}

@test "check: exit 3 when the table cannot be read at all, 2 on usage errors" {
	run deltaq check "$FIX/not_a_table"
	assert_failure 3
	mkdir -p "$BATS_TEST_TMPDIR/empty/_delta_log"
	run deltaq check "$BATS_TEST_TMPDIR/empty"
	assert_failure 3
	run --separate-stderr deltaq check -o json "$BATS_TEST_TMPDIR/empty"
	assert_equal "$output" ""
	run deltaq check
	assert_failure 2
	run deltaq check --bogus "$FIX/basic"
	assert_failure 2
	# --jobs without --deep, found before any I/O (the table here does not exist)
	run --separate-stderr deltaq check --jobs 2 "$BATS_TEST_TMPDIR/nowhere"
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "deltaq check: --jobs goes with --deep: only the storage rules run in workers"
}

@test "check: --list-rules prints every rule with a stable id in every format" {
	run deltaq check --list-rules
	assert_success
	assert_line --index 0 --regexp '^ID +SEVERITY +DEEP +SUMMARY$'
	assert_line --regexp '^DQ101 +error +false +commit versions are not contiguous'
	run deltaq check --list-rules -o json
	assert_equal "$(jq -c '.[0] | keys_unsorted' <<<"$output")" '["id","severity","deep","summary"]'
	# ids are unique, and sorted
	assert_equal "$(jq -r '.[].id' <<<"$output" | sort -u | wc -l)" "$(jq length <<<"$output")"
	assert_equal "$(jq -r '.[].id' <<<"$output")" "$(jq -r '.[].id' <<<"$output" | sort)"
	# every rule in the man page, and every rule of the man page in the list
	assert_equal "$(jq -r '.[].id' <<<"$output")" \
		"$(grep -o '^\.It Sy DQ[0-9]*' "$BATS_TEST_DIRNAME/../man/deltaq-check.1" | awk '{print $3}')"
	for f in ndjson tsv csv junit; do
		run deltaq check --list-rules -o "$f"
		assert_success
		assert_output --partial DQ309
	done
}

@test "check: fixtures with known defects are flagged, healthy ones pass" {
	for f in corrupt_json gap no_metadata no_version0 reader_v4 bad_types; do
		run deltaq check "$FIX/$f"
		assert_failure 1
	done
	for f in basic example partitioned dv ict colmap txn abspath noise empty_commit schema_evolution many catalog_managed unsupported_feature; do
		run deltaq check "$FIX/$f"
		assert_success
	done
}
