#!/bin/sh
# make demo: a short tour of deltaq on the example table shipped in tests/fixtures/.
# Commit timestamps come from file mtimes, which git does not keep, so the tour works on a
# copy whose mtimes are set to one commit an hour from 2024-01-01T00:00Z.
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$2" "$tmp/events"
"$here/fixtures/set-mtimes.sh" "$tmp/events" >/dev/null
cd "$tmp"
deltaq() { "$bin" "$@"; }
run() {
	printf '\n$ deltaq'
	for a in "$@"; do
		case $a in *' '*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	printf '\n'
	deltaq "$@"
}
run version events
run log -n 5 events
run info events
run schema events
run partitions events
run files --where event_date=2024-03-03 events
run diff events 3 5
run log --oneline --since '2024-01-01 05:00' --until '2024-01-01 08:00' events
run info -o json --at '2024-01-01 04:30' events
