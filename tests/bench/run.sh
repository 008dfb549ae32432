#!/bin/sh
# run.sh - `make bench`: times deltaq against its peers on a synthetic Delta table.
#
# Generates the JSON-log table with gen_table.py (20,000 commits, ~100,000 adds, 365 date
# partitions, ~75 MB of JSON log; only when missing or when the generator changed),
# installs the npm package @duckdb/node-api into tests/bench/node/ when missing, generates
# the checkpoint table with gen_checkpoint.mjs through DuckDB (a 1,000,000-add SNAPPY
# checkpoint at version 99 and 50 commits after it, 185 MB; same rule), then measure.py
# times each command and prints wall time, peak RSS and ratios to the peers: on the first
# table a Python json replay, DuckDB read_json with a SQL replay, a jq reduce, and the
# `cat _delta_log/*.json` and `ls _delta_log` floors; on the second DuckDB read_parquet +
# read_json replays doing what `info`, `files` and `partitions` do, DuckDB's `select 1`
# and the cat floor; archive.py then reads the first table from a .tar.zst, against its
# folder and against extracting it first.  Results go to tests/bench/results.json.
#
# Builds nothing: uses $DELTAQ, else build/deltaq.  Exits 0 whether or not the targets
# are met, non-zero when deltaq gives a wrong answer or a command fails.
#
# Environment: DELTAQ (binary), BENCH_WORK (generated data, default tests/bench/work),
# BENCH_REPS (timed runs, default 5), BENCH_RSS_REPS (RSS runs, default 3),
# BENCH_NO_DUCKDB=1 (skip DuckDB), DUCKDB_NODE_API (npm version, default pinned below).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${BENCH_WORK:-$here/work}
deltaq=${DELTAQ:-$root/build/deltaq}
duckdb_version=${DUCKDB_NODE_API:-1.5.6-r.1}

command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is required" >&2; exit 1; }

python3 "$here/gen_table.py" --out "$work"

no_duckdb=
if [ -n "${BENCH_NO_DUCKDB:-}" ]; then
	no_duckdb="BENCH_NO_DUCKDB is set"
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	no_duckdb="node or npm not found"
	echo "bench: node or npm not found: skipping DuckDB" >&2
elif [ ! -f "$here/node/node_modules/@duckdb/node-api/package.json" ] ||
     ! grep -q "\"version\": \"$duckdb_version\"" \
	"$here/node/node_modules/@duckdb/node-api/package.json"; then
	echo "bench: installing @duckdb/node-api@$duckdb_version into $here/node" >&2
	mkdir -p "$here/node"
	if ! npm install --prefix "$here/node" --no-audit --no-fund --save-exact \
		"@duckdb/node-api@$duckdb_version" >"$work/npm.log" 2>&1; then
		no_duckdb="npm install @duckdb/node-api failed (offline?), see $work/npm.log"
		echo "bench: $no_duckdb: skipping DuckDB" >&2
	fi
fi

# The checkpoint table needs DuckDB to be written, even when BENCH_NO_DUCKDB skips its rows.
no_checkpoint=
if ! command -v node >/dev/null 2>&1; then
	no_checkpoint="node not found"
elif [ ! -f "$here/node/node_modules/@duckdb/node-api/package.json" ]; then
	no_checkpoint="@duckdb/node-api is not installed (needed to write the checkpoint)"
elif ! node "$here/gen_checkpoint.mjs" --out "$work/cp"; then
	no_checkpoint="gen_checkpoint.mjs failed"
fi
[ -n "$no_checkpoint" ] && echo "bench: $no_checkpoint: skipping the checkpoint table" >&2

set -- --work "$work" --cp-work "$work/cp" --results "$here/results.json" \
	--reps "${BENCH_REPS:-5}" --rss-reps "${BENCH_RSS_REPS:-3}"
[ -n "$no_duckdb" ] && set -- "$@" --no-duckdb "$no_duckdb"
[ -n "$no_checkpoint" ] && set -- "$@" --no-checkpoint "$no_checkpoint"
if [ -x "$deltaq" ]; then
	set -- "$@" --deltaq "$deltaq"
else
	echo "bench: $deltaq not found (run make, or set DELTAQ): timing the peers only" >&2
fi
status=0
python3 "$here/measure.py" "$@" || status=$?
# Issue 5's workload: the JSON table read from a .tar.zst, against its folder and tar -xf.
if [ -x "$deltaq" ]; then
	echo
	python3 "$here/archive.py" --deltaq "$deltaq" --work "$work" --reps "${BENCH_REPS:-5}" \
		--results "$here/results.json" || status=1
fi
exit $status
