# Shared setup for the bats suite: the binary under test, bats-assert, fixture helpers.
bats_require_minimum_version 1.5.0
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

: "${DELTAQ:=$BATS_TEST_DIRNAME/../build/deltaq}"
FIX="$BATS_TEST_DIRNAME/fixtures"

# deltaq with the binary under test; use with `run`.
deltaq() { "$DELTAQ" "$@"; }

# Copies fixture NAME into the test's temp dir with commit mtimes set to
# 2024-01-01T00:00:00Z + version hours, and prints the copy's path.
fixture() {
	local dst="$BATS_TEST_TMPDIR/$1"
	if [ ! -d "$dst" ]; then
		cp -r "$FIX/$1" "$dst"
		"$FIX/set-mtimes.sh" "$dst" >/dev/null
	fi
	printf '%s\n' "$dst"
}

# Only stdout of a command (bats `run` merges stderr unless --separate-stderr).
stdout_of() { "$@" 2>/dev/null; }

# commit DIR VERSION: writes stdin as _delta_log/<20-digit VERSION>.json under DIR.
commit() {
	mkdir -p "$1/_delta_log"
	cat > "$1/_delta_log/$(printf '%020d' "$2").json"
}

# A minimal valid table at $1 with N (default 2) commits of one file each.
tiny_table() {
	local d=$1 n=${2:-2} v
	commit "$d" 0 <<'J'
{"commitInfo":{"timestamp":1704067200000,"operation":"CREATE TABLE","operationParameters":{},"engineInfo":"test"}}
{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"tiny","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1704067200000}}
J
	for ((v = 1; v < n; v++)); do
		commit "$d" "$v" <<J
{"commitInfo":{"timestamp":1704067200000,"operation":"WRITE","operationMetrics":{"numFiles":"1","numOutputRows":"$v"}}}
{"add":{"path":"f$v.parquet","partitionValues":{},"size":$((v * 100)),"modificationTime":1704067200000,"dataChange":true,"stats":"{\"numRecords\":$v}"}}
J
	done
}
