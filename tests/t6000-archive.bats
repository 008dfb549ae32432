#!/usr/bin/env bats
# Tables inside archives: recognised by content, one table picked with ARCHIVE#path,
# timestamps from entry times, hostile entries ignored, the byte ceiling, damaged archives.
# Every command's answers against the folder's: tests/archive/compare.py (make conformance).

load helpers

setup() {
	T=$(fixture basic)
	W=$BATS_TEST_TMPDIR
}

@test "archive: every compression, recognised by content whatever the name" {
	tar -C "$(dirname "$T")" -cf "$W/t.tar" basic
	tar -C "$(dirname "$T")" --zstd -cf "$W/t.data" basic
	tar -C "$(dirname "$T")" -czf "$W/t.tgz" basic
	tar -C "$(dirname "$T")" -cJf "$W/t.txz" basic
	(cd "$(dirname "$T")" && zip -qr "$W/t.bin" basic)
	want=$(deltaq files -o tsv "$T")
	for a in t.tar t.data t.tgz t.txz t.bin; do
		run deltaq files -o tsv "$W/$a"
		assert_success
		assert_output "$want"
		run deltaq info -o json "$W/$a"
		assert_success
		assert_equal "$(jq -r .location <<<"$output")" "$(realpath "$W/$a")#basic"
	done
}

@test "archive: commit times come from entry times, at the format's precision" {
	tar -C "$(dirname "$T")" -cf "$W/t.tar" basic
	run deltaq log -o tsv "$T"
	want=$(cut -f1,2 <<<"$output")
	run deltaq log -o tsv "$W/t.tar"
	assert_success
	# set-mtimes.sh puts commits on whole hours, which tar keeps exactly
	assert_equal "$(cut -f1,2 <<<"$output")" "$want"
}

@test "archive: several tables: naming the archive lists them, ARCHIVE#path picks one" {
	mkdir -p "$W/src/one" "$W/src/two/deep"
	tiny_table "$W/src/one"
	tiny_table "$W/src/two/deep" 3
	tar -C "$W/src" -czf "$W/two.tgz" one two
	run --separate-stderr deltaq version "$W/two.tgz"
	assert_failure 3
	assert_output ''
	assert_equal "$stderr" "deltaq: '$W/two.tgz' holds 2 tables; pick one with '$W/two.tgz#PATH': '#one', '#two/deep'"
	run deltaq version "$W/two.tgz#two/deep"
	assert_success
	assert_output 2
	run deltaq version "file://$W/two.tgz#one"
	assert_success
	assert_output 1
	run --separate-stderr deltaq version "$W/two.tgz#two"
	assert_failure 3
	assert_regex "$stderr" "no _delta_log|not a Delta table"
}

@test "archive: entries reaching outside the archive are ignored" {
	mkdir -p "$W/src"
	tiny_table "$W/src/t" 3
	# Each hostile entry would add a commit (version 3 or 4) if it were honoured: a
	# symbolic link, a hard link, a '..' path that resolves inside the table, an absolute
	# path.  None may count; the table stays at version 2.
	python3 - "$W/src/t" "$W/evil.tar" <<'PY'
import io, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
commit = b'{"commitInfo":{"timestamp":1704067200000,"operation":"WRITE"}}\n'
with tarfile.open(out, "w") as tar:
    tar.add(src, arcname="t")
    def member(name, **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        return ti
    tar.addfile(member("t/_delta_log/00000000000000000003.json", type=tarfile.SYMTYPE,
                       linkname="/etc/passwd"))
    tar.addfile(member("t/_delta_log/00000000000000000004.json", type=tarfile.LNKTYPE,
                       linkname="t/_delta_log/00000000000000000000.json"))
    tar.addfile(member("t/x/../_delta_log/00000000000000000003.json", size=len(commit)),
                io.BytesIO(commit))
    tar.addfile(member("/t/_delta_log/00000000000000000003.json", size=len(commit)),
                io.BytesIO(commit))
PY
	run tar -tf "$W/evil.tar"
	assert_line 't/x/../_delta_log/00000000000000000003.json'
	run deltaq version "$W/evil.tar"
	assert_success
	assert_output 2
	run deltaq log -o tsv "$W/evil.tar"
	assert_success
	assert_equal "${#lines[@]}" 4
}

@test "archive: --max-archive-bytes stops a pass, exit 3 naming the entry" {
	tar -C "$(dirname "$T")" -czf "$W/t.tgz" basic
	run --separate-stderr deltaq info --max-archive-bytes 1K "$W/t.tgz"
	assert_failure 3
	assert_output ''
	assert_regex "$stderr" "more than 1024 bytes uncompressed \(at entry 'basic/.*'; see --max-archive-bytes\)"
	run deltaq info --max-archive-bytes 1M "$W/t.tgz"
	assert_success
	run deltaq info --max-archive-bytes lots "$W/t.tgz"
	assert_failure 2
}

@test "archive: a truncated archive is exit 3 naming the entry; a non-archive file is not a table" {
	tar -C "$(dirname "$T")" -cf "$W/t.tar" basic
	head -c 3000 "$W/t.tar" > "$W/cut.tar"
	run --separate-stderr deltaq log "$W/cut.tar"
	assert_failure 3
	assert_output ''
	assert_regex "$stderr" "^deltaq: cannot read archive '$W/cut.tar': (after )?entry 'basic/"
	printf 'plain text\n' > "$W/notes.txt"
	run --separate-stderr deltaq log "$W/notes.txt"
	assert_failure 3
	assert_equal "$stderr" "deltaq: '$W/notes.txt' is not a Delta table (neither a folder nor a tar or zip archive)"
}

# Opens of FILE in an strace -f log: "supervisor N, workers M" (O_DIRECTORY probes aside).
archive_opens() {
	local sup
	sup=$(awk 'NR == 1 { print $1 }' "$1")
	awk -v f="$2" -v sup="$sup" 'index($0, "openat(") && index($0, "\"" f "\"") && !index($0, "O_DIRECTORY") {
		if ($1 == sup) s++; else w++ } END { printf "supervisor %d, workers %d\n", s, w }' "$1"
}

@test "archive: --jobs workers read stand-ins, never the archive, which is read in 2 or 3 passes" {
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t" >/dev/null
	tar -C "$W" -c --zstd -f "$W/t.tar.zst" t
	mkdir "$W/tmp"
	export TMPDIR=$W/tmp
	# LeakSanitizer (make check's ASan build) cannot run under ptrace
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	# scan: the index pass, then one for every footer
	run --separate-stderr strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" scan --jobs 2 -o ndjson "$W/t.tar.zst"
	assert_success
	assert_equal "$output" "$(deltaq scan -o ndjson "$W/t")"
	assert_equal "$(archive_opens "$W/trace" "$W/t.tar.zst")" "supervisor 2, workers 0"
	grep -q "deltaq-standins-" "$W/trace" # the workers opened the stand-ins instead
	# check --deep: and one more for the deletion vector files, read whole
	run --separate-stderr strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" check --deep --jobs 2 -o json "$W/t.tar.zst"
	local want
	want=$(deltaq check --deep -o json "$W/t" | jq -c '[.findings[] | [.rule, .path, .message]]')
	assert_equal "$(jq -c '[.findings[] | [.rule, .path, .message]]' <<<"$output")" "$want"
	assert_equal "$(archive_opens "$W/trace" "$W/t.tar.zst")" "supervisor 3, workers 0"
	# the stand-ins are gone once the command ends
	assert_equal "$(ls -A "$W/tmp")" ""
}

@test "archive: a folder table's --jobs workers open the table itself; nothing is written" {
	mkdir "$W/tmp"
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t" >/dev/null
	run --separate-stderr env TMPDIR="$W/tmp" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" scan --jobs 2 "$W/t"
	assert_success
	assert_equal "$(ls -A "$W/tmp")" ""
	run grep -c "deltaq-standins-" "$W/trace"
	assert_output 0
	# the supervisor and both workers opened the table's folder
	assert_equal "$(awk -v f="\"$W/t\"" 'NR > 1 && index($0, f) && index($0, "O_DIRECTORY") { print $1 }' "$W/trace" | sort -u | wc -l)" 3
}

@test "archive: stand-ins that cannot be written are exit 3 naming the folder" {
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t" >/dev/null
	tar -C "$W" -c -f "$W/t.tar" t
	run --separate-stderr env TMPDIR="$W/nowhere" "$DELTAQ" scan --jobs 2 "$W/t.tar"
	assert_failure 3
	assert_equal "$output" ""
	assert_equal "$stderr" "deltaq: cannot make a folder for --jobs workers in '$W/nowhere': No such file or directory"
}

@test "archive: check --deep and bundle --footers read every deletion vector file in one pass" {
	local c=$BATS_TEST_DIRNAME/../../shared/corpus/delta-golden/dv-partitioned-with-checkpoint
	[ -d "$c" ] || skip "../shared/corpus is not here"
	cp -r "$c" "$W/t"
	tar -C "$W" -c --zstd -f "$W/t.tar.zst" t
	mkdir "$W/tmp"
	export TMPDIR=$W/tmp ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	local want n
	want=$(deltaq check --deep -o json "$W/t" | jq -c '[.findings[] | [.rule, .path, .message]]')
	n=$(cat "$W"/t/_delta_log/*.json | jq -s '[.[].add.deletionVector.pathOrInlineDv // empty] | unique | length')
	[ "$n" -gt 2 ] # several deletion vector files
	for jobs in "" "--jobs 2"; do
		# the index, the footers, and every deletion vector file
		run --separate-stderr strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" check --deep $jobs -o json "$W/t.tar.zst"
		assert_equal "$(jq -c '[.findings[] | [.rule, .path, .message]]' <<<"$output")" "$want"
		assert_equal "$(archive_opens "$W/trace" "$W/t.tar.zst")" "supervisor 3, workers 0"
	done
	run --separate-stderr strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" bundle --footers "$W/t.tar.zst" "$W/b.tar"
	assert_success
	assert_equal "$(archive_opens "$W/trace" "$W/t.tar.zst")" "supervisor 3, workers 0"
	assert_equal "$(ls -A "$W/tmp")" ""
}

@test "archive: SIGINT once the stand-ins exist removes them and exits by the signal" {
	python3 "$BATS_TEST_DIRNAME/make_check_table.py" "$W/t" >/dev/null
	tar -C "$W" -c -f "$W/t.tar" t
	mkdir "$W/tmp"
	for cmd in "scan --jobs 2" "check --deep --jobs 2"; do
		run --separate-stderr env TMPDIR="$W/tmp" DELTAQ_TEST_SIGINT_STANDINS=1 "$DELTAQ" $cmd "$W/t.tar"
		assert_failure 130
		assert_equal "$output" ""
		assert_equal "$(ls -A "$W/tmp")" ""
	done
}

@test "archive: scan reads the footers of more files than one chunk in one pass" {
	# scan_here inspects ~1024 files at a time; the footers are fetched once before
	python3 "$FIX/scan_table.py" "$W/t" --partitions 300 --files 4 >/dev/null
	tar -C "$W" -c --zstd -f "$W/t.tar.zst" t
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run --separate-stderr strace -f -qq -e trace=openat -o "$W/trace" "$DELTAQ" scan -o ndjson "$W/t.tar.zst"
	assert_success
	assert_equal "$output" "$(deltaq scan -o ndjson "$W/t")"
	assert_equal "$(archive_opens "$W/trace" "$W/t.tar.zst")" "supervisor 2, workers 0"
}
