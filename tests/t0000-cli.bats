#!/usr/bin/env bats
# Usage, exit codes, output plumbing: what every command shares.

load helpers

setup() {
	T="$BATS_TEST_TMPDIR/t"
	tiny_table "$T" 3
}

@test "cli: no arguments is a usage error" {
	run deltaq
	assert_failure 2
	assert_output --partial "usage: deltaq <command>"
}

@test "cli: unknown command is a usage error" {
	run deltaq frobnicate "$T"
	assert_failure 2
	assert_output --partial "'frobnicate' is not a deltaq command"
}

@test "cli: --help lists every command" {
	run deltaq --help
	assert_success
	for c in version log show info schema protocol files partitions diff help; do
		assert_output --partial "  $c "
	done
}

@test "cli: --version names deltaq and its libraries" {
	run deltaq --version
	assert_success
	assert_line --regexp '^deltaq [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^jansson [0-9.]+$'
	assert_line --regexp '^zstd [0-9.]+$'
	assert_line --partial 'libarchive'
}

@test "cli: the binary needs only libc: archive and codec libraries load on first use" {
	# lib/dynlib.h: linked, they cost every start (every --jobs worker) 0.7 ms and more;
	# libm, unused, another 0.07 ms; jansson and zlib come from their static libraries
	# (Makefile, STATIC_PKGS): loading them cost 0.08 ms.
	run readelf -d "$DELTAQ"
	assert_success
	assert_line --regexp 'NEEDED.*\[libc\.so'
	for lib in libarchive libsnappy libzstd liblz4 libbrotli libstdc++ libm libjansson libz; do
		refute_output --partial "[$lib"
	done
	# and the static ones are really in it
	run deltaq --version
	assert_line --regexp '^jansson [0-9.]+$'
	assert_line --regexp '^zlib [0-9.]+$'
}

# Empty stand-ins for the codec libraries and libarchive, found first by dlopen.
fake_libs() {
	mkdir -p "$BATS_TEST_TMPDIR/fake"
	echo 'int deltaq_fake;' >"$BATS_TEST_TMPDIR/fake/empty.c"
	for so in libsnappy.so.1 libzstd.so.1 liblz4.so.1 libbrotlidec.so.1 libarchive.so.13; do
		cc -shared -o "$BATS_TEST_TMPDIR/fake/$so" "$BATS_TEST_TMPDIR/fake/empty.c"
	done
}

@test "cli: a library that cannot be loaded fails only what needs it, naming it (exit 3)" {
	fake_libs
	export LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/fake"
	# A JSON-only table and a Parquet footer need no codec.
	run deltaq info "$T"
	assert_success
	run deltaq parquet "$FIX/parquet/duck_snappy_v1.parquet"
	assert_success
	run --separate-stderr deltaq parquet --rows 1 "$FIX/parquet/duck_snappy_v1.parquet"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot read '$FIX/parquet/duck_snappy_v1.parquet': column 'txn.appId', page at offset 4: cannot load libsnappy.so.1: it has no snappy_uncompress"
	run deltaq parquet --rows 1 "$FIX/parquet/duck_zstd_v1.parquet"
	assert_failure 3
	assert_output --partial "cannot load libzstd.so.1: it has no ZSTD_decompress"
	run deltaq --version
	assert_success
	assert_line 'zstd cannot load libzstd.so.1: it has no ZSTD_decompress'
	assert_line 'libarchive: cannot load libarchive.so.13: it has no archive_entry_filetype'
}

@test "cli: help CMD and CMD --help print the same usage" {
	run deltaq help log
	assert_success
	assert_output --partial "usage: deltaq log"
	local a=$output
	run deltaq log --help
	assert_success
	assert_equal "$output" "$a"
}

@test "cli: help of an unknown command is a usage error" {
	run deltaq help nope
	assert_failure 2
}

@test "cli: unknown option is a usage error" {
	run deltaq version --bogus "$T"
	assert_failure 2
	run deltaq log --bogus "$T"
	assert_failure 2
}

@test "cli: unknown output format is a usage error" {
	run deltaq version -o yaml "$T"
	assert_failure 2
	assert_output --partial "unknown output format 'yaml'"
}

@test "cli: --threads must be a positive number" {
	run deltaq info --threads 0 "$T"
	assert_failure 2
	run deltaq info --threads x "$T"
	assert_failure 2
	run deltaq info --threads 3 "$T"
	assert_success
}

@test "cli: missing TABLE is a usage error" {
	run deltaq info
	assert_failure 2
	assert_output --partial "missing TABLE"
}

@test "cli: extra arguments are a usage error" {
	run deltaq info "$T" extra
	assert_failure 2
	assert_output --partial "unexpected argument 'extra'"
}

@test "cli: a directory without _delta_log is not a Delta table (exit 3)" {
	mkdir -p "$BATS_TEST_TMPDIR/plain"
	run --separate-stderr deltaq info "$BATS_TEST_TMPDIR/plain"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: '$BATS_TEST_TMPDIR/plain' is not a Delta table (no _delta_log)"
}

@test "cli: a missing directory is not a Delta table (exit 3)" {
	run --separate-stderr deltaq version "$BATS_TEST_TMPDIR/nowhere"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: '$BATS_TEST_TMPDIR/nowhere' is not a Delta table (no such directory)"
}

@test "cli: the not-a-table fixture is refused by every command" {
	for c in version log info schema protocol files partitions; do
		run --separate-stderr deltaq "$c" "$FIX/not_a_table"
		assert_failure 3
		assert_equal "$output" ""
		assert_equal "$stderr" "deltaq: '$FIX/not_a_table' is not a Delta table (no _delta_log)"
	done
}

@test "cli: TABLE may be a file:// URI, percent-decoded" {
	local d="$BATS_TEST_TMPDIR/with space%"
	tiny_table "$d" 2
	run deltaq version "file://$BATS_TEST_TMPDIR/with%20space%25"
	assert_success
	assert_output "1"
	run deltaq version "file:$BATS_TEST_TMPDIR/with%20space%25"
	assert_output "1"
	run deltaq version "file://localhost$BATS_TEST_TMPDIR/with%20space%25"
	assert_output "1"
}

@test "cli: a file:// URI naming another host is a usage error" {
	run deltaq version "file://elsewhere/tmp/t"
	assert_failure 2
}

@test "cli: a write error on stdout fails" {
	run deltaq files "$T" -o json
	assert_success
	run bash -c '"$DELTAQ" files -o json "$1" > /dev/full' _ "$T"
	assert_failure 3
	assert_output --partial "write error on standard output"
}

@test "cli: a closed pipe ends quietly" {
	for v in $(seq 2 60); do commit "$T" "$v" <<J
{"add":{"path":"g$v.parquet","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}}
J
	done
	run bash -c 'set -o pipefail; "$DELTAQ" files "$1" | head -1; echo "status=${PIPESTATUS[0]}"' _ "$T"
	refute_output --partial "deltaq:"
	assert_line --index 0 --partial "PATH"
}

@test "cli: works with stdin, stdout and stderr closed" {
	run bash -c '"$DELTAQ" version "$1" <&- 2>&- | cat' _ "$T"
	assert_success
	assert_output "2"
}

@test "cli: output formats share one writer (csv quoting, tsv escaping)" {
	commit "$T" 3 <<'J'
{"add":{"path":"a,b\"c.parquet","partitionValues":{},"size":7,"modificationTime":0,"dataChange":true}}
{"add":{"path":"tab%09x.parquet","partitionValues":{},"size":8,"modificationTime":0,"dataChange":true}}
J
	run deltaq files -o csv "$T"
	assert_success
	assert_line --index 0 "path,size,modification_time,partition_values,num_records,dv_cardinality"
	assert_line --partial '"a,b""c.parquet",7,1970-01-01T00:00:00.000Z,{},,'
	run deltaq files -o tsv "$T"
	assert_line --partial 'tab\tx.parquet	8	'
}

@test "cli: bash completion is generated from the command table" {
	run deltaq completion bash
	assert_success
	assert_output --partial "complete -F _deltaq deltaq"
	assert_output --partial "log) opts=\""
	assert_output --partial "--max-count"
	bash -n <(deltaq completion bash)
}

@test "cli: an empty _delta_log has no commit files (exit 3)" {
	mkdir -p "$BATS_TEST_TMPDIR/empty/_delta_log"
	for c in version log info files schema; do
		run --separate-stderr deltaq "$c" "$BATS_TEST_TMPDIR/empty"
		assert_failure 3
		assert_equal "$output" ""
		assert_equal "$stderr" "deltaq: _delta_log has no commit files"
	done
}
