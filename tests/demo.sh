#!/bin/sh
# make demo: a short tour of deltaq on the example table shipped in tests/fixtures/.
# Commit timestamps come from file mtimes, which git does not keep, so the tour works on a
# copy whose mtimes are set to one commit an hour from 2024-01-01.
set -e
deltaq=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src" "$tmp/events"
"$(dirname "$0")/fixtures/set-mtimes.sh" "$tmp/events" >/dev/null
cd "$tmp"
run() {
	printf '\n$ %s\n' "$*"
	"$@"
}
run "$deltaq" version events
run "$deltaq" log -n 5 events
run "$deltaq" info events
run "$deltaq" schema events
run "$deltaq" partitions events
run "$deltaq" files --where event_date=2024-03-02 events
run "$deltaq" diff events 3 5
run "$deltaq" log --oneline --since '2024-01-01 05:00' --until '2024-01-01 08:00' events
run "$deltaq" info -o json --at 2 events
