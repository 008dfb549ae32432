#!/usr/bin/env bats
# make install honours PREFIX and DESTDIR; the installed library links.

load helpers

@test "install: PREFIX and DESTDIR place every file" {
	local root="$BATS_TEST_DIRNAME/.."
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u B -u SAN -u CFLAGS make -s -C "$root" install DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/opt/dq
	assert_success
	for f in bin/deltaq lib/libdeltaq.a lib/libdeltaq.so include/deltaq.h \
		share/man/man1/deltaq.1 share/man/man1/deltaq-log.1 \
		share/bash-completion/completions/deltaq; do
		[ -e "$BATS_TEST_TMPDIR/dest/opt/dq/$f" ] || fail "missing $f"
	done
	run "$BATS_TEST_TMPDIR/dest/opt/dq/bin/deltaq" version "$FIX/basic"
	assert_output "2"
}

@test "install: a program links against the installed library" {
	local root="$BATS_TEST_DIRNAME/.." d="$BATS_TEST_TMPDIR/dest/usr"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u B -u SAN -u CFLAGS make -s -C "$root" install DESTDIR="$BATS_TEST_TMPDIR/dest" PREFIX=/usr >/dev/null
	cat > "$BATS_TEST_TMPDIR/p.c" <<'C'
#include <stdio.h>
#include <deltaq.h>
int main(int argc, char **argv)
{
	dq_table *t;
	dq_snapshot *s;
	struct dq_error err;
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	if (argc < 2 || dq_table_open(argv[1], NULL, &t, &err) || dq_snapshot_open(t, &req, &s, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 3;
	}
	struct dq_totals tot;
	dq_snapshot_totals(s, &tot);
	printf("%lld %lld\n", (long long)tot.num_files, (long long)tot.size_bytes);
	dq_snapshot_close(s);
	dq_table_close(t);
	return 0;
}
C
	run cc -std=c11 -I"$d/include" "$BATS_TEST_TMPDIR/p.c" -o "$BATS_TEST_TMPDIR/p" \
		-L"$d/lib" -ldeltaq $(pkg-config --cflags --libs jansson libarchive libzstd zlib liblz4 libbrotlidec snappy) -lpthread
	assert_success
	run env LD_LIBRARY_PATH="$d/lib" "$BATS_TEST_TMPDIR/p" "$FIX/basic"
	assert_success
	assert_output "3 1150"
}
