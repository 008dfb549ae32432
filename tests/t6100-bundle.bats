#!/usr/bin/env bats
# deltaq bundle: the log (all of it or --from V), footers or data files, in an archive that
# reads back as the same table, byte-identical from run to run, never inside the table.

load helpers

setup() {
	W=$BATS_TEST_TMPDIR
}

# A table at $1 whose two data files are real Parquet files (tests/fixtures/parquet_writer.py).
data_table() {
	local d=$1 size0 size1
	mkdir -p "$d/p=a" "$d/p=b"
	python3 "$FIX/parquet_writer.py" "$d/p=a/f0.parquet" 100 2
	python3 "$FIX/parquet_writer.py" "$d/p=b/f1.parquet" 7
	size0=$(stat -c %s "$d/p=a/f0.parquet")
	size1=$(stat -c %s "$d/p=b/f1.parquet")
	commit "$d" 0 <<J
{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"dt","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}},{\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],"configuration":{},"createdTime":1704067200000}}
{"add":{"path":"p=a/f0.parquet","partitionValues":{"p":"a"},"size":$size0,"modificationTime":1704067200000,"dataChange":true,"stats":"{\"numRecords\":100}"}}
J
	commit "$d" 1 <<J
{"add":{"path":"p=b/f1.parquet","partitionValues":{"p":"b"},"size":$size1,"modificationTime":1704067200000,"dataChange":true,"stats":"{\"numRecords\":7}"}}
J
	"$FIX/set-mtimes.sh" "$d" >/dev/null
}

info_sans_location() { deltaq info -o json "$@" | jq 'del(.location)'; }

@test "bundle: the archive reads back as the table, in every format" {
	local t
	t=$(fixture partitioned)
	want=$(info_sans_location "$t")
	for out in b.tar.zst b.tar.gz b.tar.xz b.tar b.zip b.bundle; do
		run deltaq bundle -o json "$t" "$W/$out"
		assert_success
		run jq -r '[.format, .entries] | @tsv' <<<"$output"
		case $out in
		*.zip) assert_output --regexp '^zip	[0-9]+$' ;;
		b.bundle) assert_output --regexp '^tar.zst	[0-9]+$' ;;
		*) assert_output --regexp "^${out#b.}	[0-9]+\$" ;;
		esac
		if [ "$out" = b.zip ]; then
			# zip keeps times to the second: compare the rest
			assert_equal "$(info_sans_location "$W/$out" | jq 'del(.timestamp, .timestamp_ms)')" \
				"$(jq 'del(.timestamp, .timestamp_ms)' <<<"$want")"
		else
			assert_equal "$(info_sans_location "$W/$out")" "$want"
			assert_equal "$(deltaq log -o json "$W/$out")" "$(deltaq log -o json "$t")"
		fi
	done
	# one folder named after the table, holding _delta_log
	run tar -tf "$W/b.tar.zst"
	assert_line 'partitioned/_delta_log/00000000000000000000.json'
	refute_line --regexp '^[^p]'
}

@test "bundle: the same table and options give the same bytes" {
	local t
	t=$(fixture basic)
	for out in a.tar.zst a.tar.gz a.zip; do
		deltaq bundle "$t" "$W/1$out" >/dev/null
	done
	sleep 1.1 # a clock leaking into the archive would show now
	for out in a.tar.zst a.tar.gz a.zip; do
		deltaq bundle "$t" "$W/2$out" >/dev/null
		cmp "$W/1$out" "$W/2$out"
	done
	# sorted entries, owner 0:0, mode 0644, each file's own mtime
	run tar --numeric-owner -tvf "$W/1a.tar.zst"
	assert_line --index 0 --regexp '^-rw-r--r-- 0/0 .* 2024-01-01 00:00 basic/_delta_log/00000000000000000000.json$'
	assert_line --index 1 --regexp '^-rw-r--r-- 0/0 .* 2024-01-01 01:00 basic/_delta_log/00000000000000000001.json$'
}

@test "bundle: --from V keeps the newest checkpoint at or below V and what follows it" {
	local c=$BATS_TEST_DIRNAME/../../shared/corpus/delta-golden/basic-with-inserts-deletes-checkpoint
	[ -d "$c" ] || skip "../shared/corpus is not here"
	cp -r "$c" "$W/t"
	"$FIX/set-mtimes.sh" "$W/t" >/dev/null # distinct times: no monotonic fix-ups
	run deltaq bundle --from 12 "$W/t" "$W/b.tar"
	assert_success
	run tar -tf "$W/b.tar"
	assert_line 't/_delta_log/00000000000000000010.checkpoint.parquet'
	assert_line 't/_delta_log/00000000000000000011.json'
	assert_line 't/_delta_log/00000000000000000013.json'
	refute_line 't/_delta_log/00000000000000000010.json'
	refute_line 't/_delta_log/00000000000000000009.json'
	assert_equal "$(info_sans_location "$W/b.tar" | jq 'del(.earliest_version)')" \
		"$(info_sans_location "$W/t" | jq 'del(.earliest_version)')"
	assert_equal "$(deltaq files -o json "$W/b.tar")" "$(deltaq files -o json "$W/t")"
	run deltaq bundle --from 99 "$W/t" "$W/c.tar"
	assert_failure 3
	# before the first checkpoint: the whole log
	deltaq bundle --from 5 "$W/t" "$W/d.tar" >/dev/null
	run tar -tf "$W/d.tar"
	assert_line 't/_delta_log/00000000000000000000.json'
}

@test "bundle: --footers keeps sizes and footers, and zeros for the data" {
	data_table "$W/t"
	run deltaq bundle --footers "$W/t" "$W/f.tar.gz"
	assert_success
	mkdir "$W/x"
	tar -C "$W/x" -xzf "$W/f.tar.gz"
	for f in p=a/f0.parquet p=b/f1.parquet; do
		assert_equal "$(stat -c %s "$W/x/t/$f")" "$(stat -c %s "$W/t/$f")"
		assert_equal "$(deltaq parquet -o json "$W/x/t/$f" | jq 'del(.file)')" \
			"$(deltaq parquet -o json "$W/t/$f" | jq 'del(.file)')"
		# the data pages are gone: the file differs from the original, and its bytes
		# between the magic and the footer are all zero
		! cmp -s "$W/x/t/$f" "$W/t/$f"
		flen=$(python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(); print(struct.unpack("<I", b[-8:-4])[0])' "$W/t/$f")
		size=$(stat -c %s "$W/t/$f")
		run python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); print(set(b[4:int(sys.argv[2])]))' \
			"$W/x/t/$f" $((size - 8 - flen))
		assert_output '{0}'
	done
	# the footers answer like the data files: rows per file from the bundle itself
	run deltaq parquet -o json "$W/f.tar.gz" 2>/dev/null
	assert_failure
}

@test "bundle: --footers refuses a data file whose last 8 bytes name no footer" {
	data_table "$W/t"
	local f="$W/t/p=b/f1.parquet" size
	size=$(stat -c %s "$f")
	# a footer length of 0, then one longer than the file, then no magic
	for tail in '\x00\x00\x00\x00PAR1' '\xff\xff\x00\x00PAR1' 'abcdPAR2'; do
		printf "$tail" | dd of="$f" bs=1 seek=$((size - 8)) conv=notrunc status=none
		run --separate-stderr deltaq bundle --footers "$W/t" "$W/f.tar"
		assert_failure 3
		assert_equal "$stderr" "deltaq: cannot bundle the footer of 'p=b/f1.parquet': not a Parquet file (its last 8 bytes name no footer)"
		[ ! -e "$W/f.tar" ]
	done
}

@test "bundle: --with-data copies the data files whole" {
	data_table "$W/t"
	run deltaq bundle --with-data "$W/t" "$W/d.zip"
	assert_success
	mkdir "$W/x"
	(cd "$W/x" && unzip -q "$W/d.zip")
	cmp "$W/x/t/p=a/f0.parquet" "$W/t/p=a/f0.parquet"
	cmp "$W/x/t/p=b/f1.parquet" "$W/t/p=b/f1.parquet"
	run jq -r .data <<<"$(deltaq bundle -o json --with-data "$W/t" "$W/e.zip")"
	assert_output files
}

@test "bundle: progress on stderr only when it is a terminal whose TERM is not dumb" {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	data_table "$W/t"
	run script -qec "$DELTAQ bundle --with-data $W/t $W/a.tar >/dev/null" /dev/null
	assert_success
	assert_output --partial "bundling 100%"
	run env TERM=dumb script -qec "$DELTAQ bundle --with-data $W/t $W/b.tar >/dev/null" /dev/null
	assert_success
	refute_output --partial "bundling"
	run --separate-stderr deltaq bundle --with-data "$W/t" "$W/c.tar"
	assert_success
	assert_equal "$stderr" ""
}

@test "bundle: folders nested 256 levels deep in _delta_log are refused; a link loop is not followed" {
	data_table "$W/t"
	local deep
	deep=$(printf 'd/%.0s' $(seq 256))
	mkdir -p "$W/t/_delta_log/$deep"
	echo x >"$W/t/_delta_log/${deep}f"
	run --separate-stderr deltaq bundle "$W/t" "$W/a.tar"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot list '_delta_log/$(printf 'd/%.0s' $(seq 44))d...': nested more than 256 directories deep (a symbolic link loop?)"
	[ ! -e "$W/a.tar" ]
	# a few levels are bundled as they are
	rm -r "$W/t/_delta_log/d/d/d"
	echo y >"$W/t/_delta_log/d/d/g"
	run deltaq bundle "$W/t" "$W/b.tar"
	assert_success
	assert_equal "$(tar -xOf "$W/b.tar" t/_delta_log/d/d/g)" y
	# a symbolic link to a folder is not followed, so a loop ends at once
	ln -s .. "$W/t/_delta_log/d/loop"
	run --separate-stderr timeout 60 "$DELTAQ" bundle "$W/t" "$W/c.tar"
	assert_success
	run tar tf "$W/c.tar"
	refute_output --partial loop
}

@test "bundle: never writes inside the table; failures leave no OUT" {
	local t
	t=$(fixture basic)
	before=$(cd "$t" && find . -type f | sort | xargs md5sum)
	run --separate-stderr deltaq bundle "$t" "$t/b.tar.zst"
	assert_failure 2
	assert_regex "$stderr" "is inside the table"
	run deltaq bundle "$t" "$t/_delta_log/b.tar.zst"
	assert_failure 2
	assert_equal "$(cd "$t" && find . -type f | sort | xargs md5sum)" "$before"
	run --separate-stderr deltaq bundle "$t" "$W/no/such/dir/b.tar.zst"
	assert_failure 3
	assert_output ''
	run ls "$W"
	refute_output --partial tmp
	run --separate-stderr deltaq bundle "$W/missing" "$W/b.tar.zst"
	assert_failure 3
	[ ! -e "$W/b.tar.zst" ]
	run deltaq bundle "$t"
	assert_failure 2
	run deltaq bundle --from nope "$t" "$W/b.tar"
	assert_failure 2
}

@test "bundle --redact: replays, counts and diffs like the table, without its values" {
	local t
	t=$(fixture example)
	run deltaq bundle -o json --redact k1 "$t" "$W/r.tar.zst"
	assert_success
	assert_equal "$(jq .redacted <<<"$output")" true
	assert_equal "$(info_sans_location "$W/r.tar.zst")" "$(info_sans_location "$t")"
	assert_equal "$(deltaq log -o json "$W/r.tar.zst" | jq -c '[.[] | {version, timestamp, operation}]')" \
		"$(deltaq log -o json "$t" | jq -c '[.[] | {version, timestamp, operation}]')"
	counts='[.[] | [.num_files, .size_bytes, .num_records]] | sort'
	assert_equal "$(deltaq partitions -o json "$W/r.tar.zst" | jq -c "$counts")" \
		"$(deltaq partitions -o json "$t" | jq -c "$counts")"
	assert_equal "$(deltaq diff -o json "$W/r.tar.zst" 2 | jq -c '.summary // (.|length)')" \
		"$(deltaq diff -o json "$t" 2 | jq -c '.summary // (.|length)')"
	# every path, partition value and string bound of the original is gone
	mkdir "$W/x"
	tar -C "$W/x" -xf "$W/r.tar.zst"
	grep -h '"add"' "$t"/_delta_log/*.json | jq -r '.add.path | split("/")[-1] | split(".")[0]' |
		sort -u > "$W/stems"
	grep -h '"add"' "$t"/_delta_log/*.json | jq -r '.add.partitionValues[] // empty' | sort -u > "$W/values"
	grep -h '"add"' "$t"/_delta_log/*.json | jq -r '.add.stats | fromjson |
		(.minValues, .maxValues) | .. | strings | "\\\"" + . + "\\\""' | sort -u > "$W/bounds"
	[ -s "$W/stems" ] && [ -s "$W/values" ] && [ -s "$W/bounds" ]
	cat "$W/x"/example/_delta_log/* > "$W/redacted"
	run grep -F -f "$W/stems" "$W/redacted"
	assert_failure
	run grep -F -f "$W/values" "$W/redacted"
	assert_failure
	run grep -F -f "$W/bounds" "$W/redacted"
	assert_failure
	# the same key gives the same bundle, another key another one
	deltaq bundle --redact k1 "$t" "$W/r2.tar.zst" >/dev/null
	cmp "$W/r.tar.zst" "$W/r2.tar.zst"
	deltaq bundle --redact k2 "$t" "$W/r3.tar.zst" >/dev/null
	! cmp -s "$W/r.tar.zst" "$W/r3.tar.zst"
}

@test "bundle --redact: no data files, no --from, and not without the early commits" {
	local t
	t=$(fixture example)
	run --separate-stderr deltaq bundle --redact k --footers "$t" "$W/r.tar"
	assert_failure 2
	assert_regex "$stderr" "--redact takes the whole log and no data files"
	run deltaq bundle --redact k --with-data "$t" "$W/r.tar"
	assert_failure 2
	run deltaq bundle --redact k --from 3 "$t" "$W/r.tar"
	assert_failure 2
	run deltaq bundle --redact '' "$t" "$W/r.tar"
	assert_failure 2
	t=$(fixture no_version0)
	run --separate-stderr deltaq bundle --redact k "$t" "$W/r.tar"
	assert_failure 3
	assert_regex "$stderr" "cannot redact the table: its early commits are gone"
	[ ! -e "$W/r.tar" ]
}

@test "bundle: a symbolic link to a folder in the log is not followed; a folder by a commit's name is refused" {
	local t="$W/links"
	cp -R "$FIX/example" "$t"
	mkdir -p "$W/outside"
	echo secret >"$W/outside/secret.txt"
	ln -s "$W/outside" "$t/_delta_log/ext"
	ln -s . "$t/_delta_log/loop"
	run --separate-stderr deltaq bundle "$t" "$W/l.tar"
	assert_success
	run tar tf "$W/l.tar"
	refute_output --partial secret
	refute_output --partial loop
	mkdir "$t/_delta_log/00000000000000000012.json"
	run --separate-stderr deltaq bundle "$t" "$W/l2.tar"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot bundle '_delta_log/00000000000000000012.json': a folder where a commit file belongs"
	[ ! -e "$W/l2.tar" ]
}

@test "bundle --redact: a line that is JSON but not an object is refused, never copied as it came" {
	local t="$W/nonobj"
	cp -R "$FIX/example" "$t"
	echo '["SECRETPATH1.parquet"]' >>"$t/_delta_log/00000000000000000003.json"
	run --separate-stderr deltaq bundle --redact k "$t" "$W/r.tar"
	assert_failure 3
	assert_equal "$stderr" "deltaq: cannot redact '_delta_log/00000000000000000003.json' line 3: not a JSON object"
	[ ! -e "$W/r.tar" ]
}

@test "bundle: --footers and --with-data bring the deletion vector files along" {
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t"
	run deltaq check --deep "$W/t"
	assert_success
	for opt in --footers --with-data; do
		rm -f "$W/b.tar"
		run deltaq bundle "$opt" "$W/t" "$W/b.tar"
		assert_success
		run tar -tf "$W/b.tar"
		assert_line --regexp '^t/dv/deletion_vector_[0-9a-f-]+\.bin$'
		# the bundle passes the storage rules like the table: files, footers, DVs
		run deltaq check --deep -o json "$W/b.tar"
		assert_success
		assert_equal "$(jq -c '[.findings[].rule]' <<<"$output")" '[]'
	done
}

@test "bundle: check gives the bundle the table's findings" {
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t"
	# a .crc that lies and a _last_checkpoint whose checksum is wrong: two log errors
	python3 - "$W/t/_delta_log" <<'PY'
import json, sys
d = sys.argv[1]
p = d + "/00000000000000000002.crc"
c = json.load(open(p))
c["numFiles"] = 3
open(p, "w").write(json.dumps(c))
p = d + "/_last_checkpoint"
c = json.load(open(p))
c["checksum"] = "0" * 32
open(p, "w").write(json.dumps(c))
PY
	findings() { deltaq check -o json "$1" | jq -c '[.findings[] | [.rule, .version, .path]]'; }
	want=$(findings "$W/t" || true)
	assert_equal "$(jq length <<<"$want")" 2
	for out in b.tar.zst b.zip; do
		run deltaq bundle "$W/t" "$W/$out"
		assert_success
		assert_equal "$(findings "$W/$out" || true)" "$want"
		run deltaq check "$W/$out"
		assert_failure 1
	done
}
