#!/usr/bin/env bats
# deltaq parquet: footer, pages and rows of one Parquet file; refusals and usage errors.
# Uses the generated fixtures in tests/fixtures/parquet, and apache/parquet-testing
# (../shared/parquet-testing, or $DQ_PARQUET_TESTING) where a case needs one of its files.

load helpers

PQ="$FIX/parquet"
LEGACY="$PQ/legacy_v1_gzip.parquet"

# testing_file NAME: sets TF to parquet-testing's data/NAME, or skips the test (in the
# test's own shell: a skip inside $(...) would not skip it).
testing_file() {
	local d=${DQ_PARQUET_TESTING:-$BATS_TEST_DIRNAME/../../shared/parquet-testing}
	[ -f "$d/data/$1" ] || skip "parquet-testing's $1 is not here (../shared/parquet-testing)"
	TF=$d/data/$1
}

@test "parquet: text shows the file, the schema with levels and each row group's chunks" {
	run deltaq parquet "$LEGACY"
	assert_success
	assert_line --index 0 "file:       $LEGACY"
	assert_line --index 1 'size:       5782'
	assert_line --index 2 'created_by: @dsnp/parquetjs'
	assert_line --index 3 'num_rows:   7'
	assert_line --index 4 'row_groups: 3'
	assert_line --regexp '^PATH +TYPE +REPETITION +LOGICAL +CONVERTED +DEF +REP$'
	assert_line --regexp '^add.partitionValues.value +BYTE_ARRAY +OPTIONAL +- +UTF8 +3 +1$'
	assert_line 'row group 2: 1 rows, 895 bytes'
	assert_line --regexp '^add.size +INT64 +GZIP +RLE,PLAIN +1 +93 +93 +104 +104 +0$'
}

@test "parquet: -o json has the documented keys" {
	run deltaq parquet -o json "$PQ/duck_snappy_v1.parquet"
	assert_success
	assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" \
		'["file","size","created_by","num_rows","row_groups","schema","key_value_metadata"]'
	assert_equal "$(jq -c '.row_groups[0] | keys_unsorted' <<<"$output")" \
		'["num_rows","total_byte_size","columns"]'
	assert_equal "$(jq -c '.row_groups[0].columns[0] | keys_unsorted' <<<"$output")" \
		'["path","type","codec","encodings","num_values","compressed_size","uncompressed_size","data_page_offset","dictionary_page_offset","statistics"]'
	assert_equal "$(jq -c '.row_groups[0].columns[0].statistics | keys_unsorted' <<<"$output")" \
		'["min","max","null_count"]'
	assert_equal "$(jq -c '[.schema[] | select(.type != null)][0] | keys_unsorted' <<<"$output")" \
		'["path","type","repetition","logical_type","converted_type","max_definition_level","max_repetition_level"]'
	assert_equal "$(jq -r '.num_rows' <<<"$output")" 554
}

@test "parquet: levels come from the file's schema" {
	run deltaq parquet -o json "$PQ/duck_snappy_v1.parquet"
	assert_equal "$(jq -c '.schema[] | select(.path == "add.partitionValues.key_value.value") | [.max_definition_level, .max_repetition_level, .repetition]' <<<"$output")" '[4,1,"OPTIONAL"]'
	assert_equal "$(jq -c '.schema[] | select(.path == "add.partitionValues") | [.logical_type, .converted_type]' <<<"$output")" '[null,"MAP"]'
	run deltaq parquet -o json "$LEGACY"
	assert_equal "$(jq -c '.schema[] | select(.path == "protocol.readerFeatures") | [.max_definition_level, .max_repetition_level, .repetition]' <<<"$output")" '[2,1,"REPEATED"]'
}

@test "parquet: statistics are decoded by type" {
	run deltaq parquet -o json "$LEGACY"
	assert_equal "$(jq -c '.row_groups[1].columns[] | select(.path == "add.size") | .statistics' <<<"$output")" \
		'{"min":"101","max":"103","null_count":0}'
	assert_equal "$(jq -c '.row_groups[0].columns[] | select(.path == "add.dataChange") | .statistics' <<<"$output")" \
		'{"min":"true","max":"true","null_count":2}'
}

@test "parquet: --rows N prints N rows, one JSON object per line" {
	run deltaq parquet --rows 3 "$PQ/duck_zstd_v1.parquet"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_equal "$output" "$(head -n 3 "$PQ/checkpoint.jsonl")"
	run deltaq parquet --rows 3 -o ndjson "$PQ/duck_zstd_v1.parquet"
	assert_equal "$output" "$(head -n 3 "$PQ/checkpoint.jsonl")"
	run deltaq parquet --rows 0 "$PQ/duck_zstd_v1.parquet"
	assert_success
	assert_output ''
}

@test "parquet: --rows -o json is one array" {
	run deltaq parquet --rows 2 -o json "$LEGACY"
	assert_success
	assert_equal "$(jq -c 'length' <<<"$output")" 2
	assert_equal "$(jq -c '.[1]' <<<"$output")" \
		'{"add":null,"protocol":{"minReaderVersion":1,"readerFeatures":[]}}'
	run deltaq parquet --rows 0 -o json "$LEGACY"
	assert_output '[]'
}

@test "parquet: -o ndjson prints every row, across row groups" {
	run deltaq parquet -o ndjson "$PQ/rs_snappy_v2_rg100_pages.parquet"
	assert_success
	assert_equal "$output" "$(cat "$PQ/checkpoint.jsonl")"
	run deltaq parquet -o ndjson "$LEGACY"
	assert_equal "$output" "$(cat "$LEGACY.jsonl")"
	run deltaq parquet -o ndjson "$PQ/duck_empty.parquet"
	assert_success
	assert_output ''
}

@test "parquet: rows keep null, empty lists and empty maps apart" {
	run deltaq parquet -o ndjson "$PQ/duck_snappy_v1.parquet"
	assert_output --partial '"options":{}'
	assert_output --partial '"tags":null'
	assert_output --partial '"region":null'
	run deltaq parquet -o ndjson "$LEGACY"
	assert_output --partial '"readerFeatures":[]'
}

@test "parquet: --pages lists every page header" {
	run deltaq parquet --pages -o json "$PQ/rs_snappy_v1_dictfallback.parquet"
	assert_success
	assert_equal "$(jq -c '.row_groups[0].columns[0].pages[0] | keys_unsorted' <<<"$output")" \
		'["offset","type","header_size","compressed_size","uncompressed_size","encoding","num_values","num_nulls","num_rows","definition_level_encoding","repetition_level_encoding","is_compressed","crc"]'
	# a dictionary that falls back to PLAIN pages in the middle of a chunk
	assert_equal "$(jq '[.row_groups[].columns[] | select([.pages[].encoding] | (index("RLE_DICTIONARY") != null and index("PLAIN") != null))] | length > 0' <<<"$output")" true
	run deltaq parquet --pages "$PQ/rs_snappy_v2_dict.parquet"
	assert_line 'pages of row group 0:'
	assert_line --regexp '^PATH +OFFSET +PAGE +ENCODING +VALUES +COMPRESSED +UNCOMPRESSED +CRC$'
	assert_output --partial 'DATA_PAGE_V2'
	run deltaq parquet --pages -o csv "$LEGACY"
	assert_line --index 0 'row_group,path,offset,type,header_size,encoding,num_values,num_nulls,num_rows,compressed_size,uncompressed_size,definition_level_encoding,repetition_level_encoding,is_compressed,crc'
	assert_line --index 1 '0,add.path,4,DATA_PAGE,71,PLAIN,3,,,43,23,RLE,RLE,,'
}

@test "parquet: tsv and csv list the column chunks" {
	run deltaq parquet -o tsv "$LEGACY"
	assert_success
	assert_line --index 0 "$(printf 'row_group\tpath\ttype\tcodec\tencodings\tnum_values\tcompressed_size\tuncompressed_size\tdata_page_offset\tdictionary_page_offset\tmin\tmax\tnull_count')"
	assert_equal "${#lines[@]}" 22
}

@test "parquet: a file inside a table, by a path with directories" {
	t=$(fixture example)
	mkdir -p "$t/_delta_log"
	cp "$PQ/duck_snappy_v1.parquet" "$t/_delta_log/00000000000000000011.checkpoint.parquet"
	run deltaq parquet --rows 1 "$t/_delta_log/00000000000000000011.checkpoint.parquet"
	assert_success
	assert_output "$(head -n 1 "$PQ/checkpoint.jsonl")"
	cd "$t/_delta_log" && run deltaq parquet -o json 00000000000000000011.checkpoint.parquet
	assert_success
}

@test "parquet: a file that is not Parquet is exit 3, named, with nothing on stdout" {
	run --separate-stderr deltaq parquet "$FIX/example/_delta_log/00000000000000000000.json"
	assert_failure 3
	assert_output ''
	assert_equal "$stderr" "deltaq: cannot read '$FIX/example/_delta_log/00000000000000000000.json': not a Parquet file (no PAR1 magic at its end)"
	run --separate-stderr deltaq parquet "$FIX/no_version0/_delta_log/00000000000000000005.checkpoint.parquet"
	assert_failure 3
	assert_output ''
	assert [ -n "$stderr" ]
}

@test "parquet: a FIFO is refused, not waited on, named as given (exit 3)" {
	mkfifo "$BATS_TEST_TMPDIR/ff"
	run --separate-stderr timeout 20 "$DELTAQ" parquet "$BATS_TEST_TMPDIR/ff"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '$BATS_TEST_TMPDIR/ff': not a regular file"
}

@test "parquet: missing files and directories are exit 3" {
	run --separate-stderr deltaq parquet "$BATS_TEST_TMPDIR/nope.parquet"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '$BATS_TEST_TMPDIR/nope.parquet': No such file or directory"
	run --separate-stderr deltaq parquet "$BATS_TEST_TMPDIR/nodir/x.parquet"
	assert_failure 3
	assert [ -n "$stderr" ]
	run --separate-stderr deltaq parquet "$FIX/example"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '$FIX/example': is a directory"
}

@test "parquet: truncated files are exit 3 and name the file" {
	local f="$BATS_TEST_TMPDIR/cut.parquet" n
	for n in 0 3 12 100 4000 5770 5781; do
		head -c "$n" "$LEGACY" > "$f"
		run --separate-stderr deltaq parquet -o json "$f"
		assert_failure 3
		assert_output ''
		assert_regex "$stderr" "^deltaq: cannot read '$f': "
	done
}

@test "parquet: a damaged page is exit 3 with the file, column and offset" {
	local f="$BATS_TEST_TMPDIR/bad.parquet"
	cp "$LEGACY" "$f"
	# the first page header of add.path starts at offset 4: make its type invalid garbage
	printf '\377\377\377\377\377\377\377\377' | dd of="$f" bs=1 seek=4 conv=notrunc 2>/dev/null
	run --separate-stderr deltaq parquet --rows 1 "$f"
	assert_failure 3
	assert_output ''
	assert_regex "$stderr" "^deltaq: cannot read '$f': .*offset [0-9]+"
	run --separate-stderr deltaq parquet "$f"
	assert_success
}

@test "parquet: rows of a file damaged in a later row group leave stdout empty" {
	local f="$BATS_TEST_TMPDIR/late.parquet"
	python3 "$FIX/parquet_writer.py" "$f" 30 3
	run deltaq parquet -o ndjson "$f"
	assert_success
	assert_equal "${#lines[@]}" 30
	# damage the page header of the last row group only
	local off
	off=$(deltaq parquet -o json "$f" | jq '.row_groups[2].columns[0].data_page_offset')
	printf '\377\377\377\377\377\377\377\377' | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
	for args in "-o ndjson" "--rows 25" "-o json --rows 100"; do
		run --separate-stderr deltaq parquet $args "$f"
		assert_failure 3
		assert_output ''
		assert_regex "$stderr" "^deltaq: cannot read '$f': .*offset $off"
	done
	# the rows before the damage are still there for whoever asks only for them
	run deltaq parquet --rows 10 "$f"
	assert_success
	assert_equal "${#lines[@]}" 10
}

@test "parquet: a page CRC mismatch is exit 3" {
	testing_file datapage_v1-corrupt-checksum.parquet
	f=$TF
	run --separate-stderr deltaq parquet --rows 1 "$f"
	assert_failure 3
	assert_output ''
	assert_equal "$stderr" "deltaq: cannot read '$f': column 'a', page at offset 4: CRC mismatch"
	run deltaq parquet --pages -o json "$f"
	assert_success
	assert_equal "$(jq -r '.row_groups[0].columns[0].pages[0].crc' <<<"$output")" mismatch
}

@test "parquet: an encrypted footer (PARE) is refused with exit 3" {
	local f="$BATS_TEST_TMPDIR/enc.parquet"
	printf 'PAR1\001\002\003\004\005\006\007\010\002\000\000\000PARE' > "$f"
	run --separate-stderr deltaq parquet "$f"
	assert_failure 3
	assert_output ''
	assert_equal "$stderr" "deltaq: cannot read '$f': encrypted Parquet files are not supported"
}

@test "parquet: encrypted columns under a plaintext footer are refused with exit 3 when read" {
	testing_file encrypt_columns_plaintext_footer.parquet.encrypted
	f=$TF
	run deltaq parquet -o json "$f"
	assert_success
	run --separate-stderr deltaq parquet --rows 1 "$f"
	assert_failure 3
	assert_output ''
	assert_regex "$stderr" "is encrypted; encrypted Parquet files are not supported$"
}

@test "parquet: usage errors are exit 2" {
	run deltaq parquet
	assert_failure 2
	assert_output --partial 'missing FILE'
	run deltaq parquet --rows x "$LEGACY"
	assert_failure 2
	run deltaq parquet --rows -1 "$LEGACY"
	assert_failure 2
	run deltaq parquet --rows 1 --pages "$LEGACY"
	assert_failure 2
	run deltaq parquet --rows 1 -o csv "$LEGACY"
	assert_failure 2
	run deltaq parquet --pages -o ndjson "$LEGACY"
	assert_failure 2
	run deltaq parquet --at 1 "$LEGACY"
	assert_failure 2
	run deltaq parquet "$LEGACY" "$LEGACY"
	assert_failure 2
	assert_output --partial 'unexpected argument'
}

@test "parquet: --help prints the usage" {
	run deltaq parquet --help
	assert_success
	assert_line --index 0 'usage: deltaq parquet [options] FILE'
	run deltaq help parquet
	assert_success
	assert_line --index 0 'usage: deltaq parquet [options] FILE'
}

@test "parquet: a page over DELTAQ_MAX_PAGE_BYTES is refused with its size, before it is decompressed" {
	local f="$FIX/parquet/duck_snappy_v1.parquet"
	run --separate-stderr env DELTAQ_MAX_PAGE_BYTES=100 "$DELTAQ" parquet --rows 2 "$f"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '$f': column 'txn.appId', page at offset 38: 8864 bytes of values in memory, over the limit of 100 a page may take (DELTAQ_MAX_PAGE_BYTES raises it)"
	# The footer and page headers are read whatever the limit.
	run env DELTAQ_MAX_PAGE_BYTES=100 "$DELTAQ" parquet --pages "$f"
	assert_success
	run env DELTAQ_MAX_PAGE_BYTES=1M "$DELTAQ" parquet -o ndjson --rows 2 "$f"
	assert_success
	assert_equal "${#lines[@]}" 2
	run --separate-stderr env DELTAQ_MAX_PAGE_BYTES=1x "$DELTAQ" parquet "$f"
	assert_failure 2
	assert_equal "$stderr" "deltaq: DELTAQ_MAX_PAGE_BYTES takes a size such as 512M or 2G, not '1x'"
}

@test "parquet: parquet-testing's 4 KB file of 1 GiB strings is refused at once by default" {
	local big
	testing_file large_string_map.brotli.parquet
	big=$TF
	run --separate-stderr "$DELTAQ" parquet --rows 1 "$big"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot read '$big': column 'arr.key_value.key', page at offset 4: 1073741828 bytes uncompressed, over the limit of 268435456 a page may take (DELTAQ_MAX_PAGE_BYTES raises it)"
}

@test "parquet: a checkpoint with a page over DELTAQ_MAX_PAGE_BYTES is not used; the commits answer" {
	local t=$BATS_TEST_DIRNAME/../../shared/corpus/delta-golden/dv-partitioned-with-checkpoint
	[ -d "$t" ] || skip "../shared/corpus not found (it is beside the checkout in CI)"
	run "$DELTAQ" info -o json "$t"
	local want
	want=$(jq -c '[.version, .num_files, .num_records, .checkpoint_version]' <<<"$output")
	assert_equal "$want" '[15,15,35,10]'
	run --separate-stderr env DELTAQ_MAX_PAGE_BYTES=1K "$DELTAQ" info -o json "$t"
	assert_success
	assert_equal "$(jq -c '[.version, .num_files, .num_records, .checkpoint_version]' <<<"$output")" '[15,15,35,null]'
	assert_equal "$stderr" "deltaq: warning: cannot read '_delta_log/00000000000000000010.checkpoint.parquet': column 'add.path', page at offset 97: 1417 bytes uncompressed, over the limit of 1024 a page may take (DELTAQ_MAX_PAGE_BYTES raises it); falling back to an older checkpoint or the JSON commits"
	run env DELTAQ_MAX_PAGE_BYTES=1K "$DELTAQ" check -o json "$t"
	assert_failure 1
	assert_equal "$(jq -r '[.findings[].rule] | join(" ")' <<<"$output")" DQ108
	# add.stats (snappy, 2654 bytes) is streamed to count rows, not decompressed whole:
	# its size counts all the same.
	run --separate-stderr env DELTAQ_MAX_PAGE_BYTES=2000 "$DELTAQ" info -o json "$t"
	assert_success
	assert_equal "$(jq -c '.checkpoint_version' <<<"$output")" null
	assert_equal "$stderr" "deltaq: warning: cannot read '_delta_log/00000000000000000010.checkpoint.parquet': column 'add.stats', page at offset 1996: 2654 bytes uncompressed, over the limit of 2000 a page may take (DELTAQ_MAX_PAGE_BYTES raises it); falling back to an older checkpoint or the JSON commits"
}
