#!/bin/sh
# scan.sh - the `scan` workload of `make bench`: 500 partitions x 4 small Parquet files,
# `deltaq scan` in-process and with --jobs 1/2/4 (see scan_bench.py for the method).
# Writes tests/bench/scan-results.json.
#
# Environment: DELTAQ (binary, default build/deltaq), BENCH_WORK (generated data, default
# tests/bench/work; the table goes to its scan/ folder), BENCH_SCAN_REPS (rounds, default 21:
# a run takes about 20 ms, and the minimum of few is at the mercy of a shared host).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${BENCH_WORK:-$here/work}
exec python3 "$here/scan_bench.py" --deltaq "${DELTAQ:-$root/build/deltaq}" \
	--work "$work/scan" --reps "${BENCH_SCAN_REPS:-21}" --results "$here/scan-results.json"
