#!/usr/bin/env bats
# The man pages as tests: every example runs, every documented JSON key exists, every
# option a command accepts is documented.
#
# Examples.  In the EXAMPLES section of a page, each line of a literal display
# (.Bd -literal ... .Ed) that begins with "$ " is a shell command; the lines after it, up
# to the next "$ " line or the end of the display, are its output, where a line "..."
# stands for any number of lines.  A trailing "# exit status N" names the status the
# command must end with (default 0).  A command that exits 0 must write something to
# stdout, or, when it ends with "> FILE", to FILE; its shown output is compared with
# stdout.  A command that fails must leave stdout empty (stdout is complete or empty)
# and its shown output is compared with stderr.  Roff escapes: \e is a backslash, \& is
# nothing; any other escape is an error in the page.
#
# The commands run under bash -o pipefail in a fresh directory holding
#   events   a copy of fixtures/example, commit times 2024-01-01T00:00Z + version hours
#            (set-mtimes.sh: git does not keep mtimes, and they are the version times)
#   managed  a copy of fixtures/catalog_managed (a reader feature deltaq does not honour)
#   sales    3 partitions of 2 real Parquet files each (fixtures/scan_table.py), for scan
# with the deltaq under test ($DELTAQ) first on PATH.
#
# Documented keys.  A roff comment `.\" keys: COMMAND` in a page names a command whose
# output has exactly the keys the next list documents (its `.It Va key` items, depth 1):
# the union of the keys of its JSON records, or the header of its TSV output.

load helpers

MAN="$BATS_TEST_DIRNAME/../man"

setup() {
	command -v jq >/dev/null || skip "jq is not installed (make deps installs it)"
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK" "$BATS_TEST_TMPDIR/bin"
	cp -R "$FIX/example" "$WORK/events"
	"$FIX/set-mtimes.sh" "$WORK/events" >/dev/null
	cp -R "$FIX/catalog_managed" "$WORK/managed"
	python3 "$FIX/scan_table.py" "$WORK/sales" --partitions 3 --files 2 --rows 100 --row-groups 2 >/dev/null
	cp "$FIX/parquet/legacy_v1_gzip.parquet" "$WORK/checkpoint.parquet"
	local bin
	bin=$(cd "$(dirname "$DELTAQ")" && pwd)/$(basename "$DELTAQ")
	ln -sf "$bin" "$BATS_TEST_TMPDIR/bin/deltaq"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}

# The literal-display lines of PAGE's EXAMPLES section, roff escapes undone; fails on an
# escape it does not know.
example_lines() {
	awk -v page="$1" '
		/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); lit = 0; next }
		!ex { next }
		/^\.Bd -literal/ { lit = 1; print "\001"; next }
		/^\.Ed/ { lit = 0; next }
		!lit { next }
		{
			line = $0
			if (line ~ /^[.'\'']/) {
				printf "%s: control line inside an example display: %s\n", page, line > "/dev/stderr"
				exit 1
			}
			gsub(/\\&/, "", line)
			gsub(/\\e/, "\002", line)
			if (line ~ /\\/) {
				printf "%s: unknown roff escape in example line: %s\n", page, $0 > "/dev/stderr"
				exit 1
			}
			gsub(/\002/, "\\\\", line)
			print line
		}' "$MAN/$1"
}

# match_output EXPECTED-FILE ACTUAL-FILE: the lines match, "..." standing for any lines.
match_output() {
	local -a exp act seg
	mapfile -t exp < "$1"
	mapfile -t act < "$2"
	local ne=${#exp[@]} na=${#act[@]}
	[ "$ne" -eq 0 ] && return 0
	# Split the expected lines into segments at "..." lines; match them in order.
	local pos=0 i=0 first=1 lead=0 trail=0
	[ "${exp[0]}" = "..." ] && lead=1
	[ "${exp[ne - 1]}" = "..." ] && trail=1
	while [ "$i" -lt "$ne" ]; do
		seg=()
		while [ "$i" -lt "$ne" ] && [ "${exp[i]}" != "..." ]; do
			seg+=("${exp[i]}")
			i=$((i + 1))
		done
		local last=0
		[ "$i" -ge "$ne" ] && last=1
		i=$((i + 1))
		local ns=${#seg[@]}
		if [ "$ns" -eq 0 ]; then
			first=0
			continue
		fi
		local from to k j ok
		if [ "$first" -eq 1 ] && [ "$lead" -eq 0 ]; then
			from=0 to=0
		elif [ "$last" -eq 1 ] && [ "$trail" -eq 0 ]; then
			from=$((na - ns)) to=$((na - ns))
			[ "$from" -lt "$pos" ] && return 1
		else
			from=$pos to=$((na - ns))
		fi
		ok=0
		for ((k = from; k <= to; k++)); do
			ok=1
			for ((j = 0; j < ns; j++)); do
				if [ "$((k + j))" -ge "$na" ] || [ "${act[k + j]}" != "${seg[j]}" ]; then
					ok=0
					break
				fi
			done
			[ "$ok" -eq 1 ] && break
		done
		[ "$ok" -eq 1 ] || return 1
		pos=$((k + ns))
		first=0
	done
	[ "$trail" -eq 1 ] || [ "$pos" -eq "$na" ]
}

# run_example PAGE CMD EXPECTED-FILE: runs one example; prints what is wrong and fails.
run_example() {
	local page=$1 cmd=$2 expected=$3 want=0 out err status file
	local exit_re='#[[:space:]]*exit status ([0-9]+)[[:space:]]*$'
	local redirect_re='>[[:space:]]*([^[:space:]|;&<>]+)[[:space:]]*(#.*)?$'
	if [[ $cmd =~ $exit_re ]]; then
		want=${BASH_REMATCH[1]}
	fi
	out="$BATS_TEST_TMPDIR/stdout" err="$BATS_TEST_TMPDIR/stderr"
	status=0
	(cd "$WORK" && bash -o pipefail -c "$cmd") > "$out" 2> "$err" || status=$?
	local problem=""
	if [ "$status" -ne "$want" ]; then
		problem="exit status $status, expected $want"
	elif [ "$want" -ne 0 ] && [ -s "$out" ]; then
		problem="failed but wrote to stdout"
	elif [ "$want" -eq 0 ]; then
		if [[ $cmd =~ $redirect_re ]]; then
			file=${BASH_REMATCH[1]}
			[ -s "$WORK/$file" ] || problem="wrote nothing to $file"
		elif [ ! -s "$out" ]; then
			problem="wrote nothing to stdout"
		fi
	fi
	if [ -z "$problem" ]; then
		local shown=$out
		[ "$want" -ne 0 ] && shown=$err
		match_output "$expected" "$shown" ||
			problem="output differs from the page:$(printf '\n'; diff -u "$expected" "$shown" | tail -n +3)"
	fi
	[ -z "$problem" ] && return 0
	printf '%s: example failed: $ %s\n  %s\n' "$page" "$cmd" "$problem"
	printf '  stderr: %s\n' "$(head -c 2000 "$err")"
	return 1
}

# Runs every example of PAGE, reports each failing one, and fails if any did.
check_examples() {
	local page=$1 lines n=0 bad=0 cmd="" expected="$BATS_TEST_TMPDIR/expected"
	lines=$(example_lines "$page") || return 1
	: > "$expected"
	while IFS= read -r line; do
		if [ "$line" = $'\001' ] || [[ $line == '$ '* ]]; then
			if [ -n "$cmd" ]; then
				n=$((n + 1))
				run_example "$page" "$cmd" "$expected" || bad=$((bad + 1))
			fi
			cmd=""
			: > "$expected"
			[[ $line == '$ '* ]] && cmd=${line#'$ '}
		elif [ -n "$cmd" ]; then
			printf '%s\n' "$line" >> "$expected"
		elif [ -n "$line" ]; then
			echo "$page: output line before any command in EXAMPLES: $line"
			bad=$((bad + 1))
		fi
	done <<< "$lines"$'\n\001'
	if [ "$n" -eq 0 ]; then
		echo "$page: no examples"
		return 1
	fi
	[ "$bad" -eq 0 ] || { echo "$page: $bad of $n examples failed"; return 1; }
}

@test "man: deltaq.1 examples run" { check_examples deltaq.1; }
@test "man: deltaq-version.1 examples run" { check_examples deltaq-version.1; }
@test "man: deltaq-log.1 examples run" { check_examples deltaq-log.1; }
@test "man: deltaq-show.1 examples run" { check_examples deltaq-show.1; }
@test "man: deltaq-info.1 examples run" { check_examples deltaq-info.1; }
@test "man: deltaq-schema.1 examples run" { check_examples deltaq-schema.1; }
@test "man: deltaq-protocol.1 examples run" { check_examples deltaq-protocol.1; }
@test "man: deltaq-files.1 examples run" { check_examples deltaq-files.1; }
@test "man: deltaq-partitions.1 examples run" { check_examples deltaq-partitions.1; }
@test "man: deltaq-diff.1 examples run" { check_examples deltaq-diff.1; }
@test "man: deltaq-orphans.1 examples run" { check_examples deltaq-orphans.1; }
@test "man: deltaq-help.1 examples run" { check_examples deltaq-help.1; }
@test "man: deltaq-parquet.1 examples run" { check_examples deltaq-parquet.1; }
@test "man: deltaq-check.1 examples run" { check_examples deltaq-check.1; }
@test "man: deltaq-bundle.1 examples run" { check_examples deltaq-bundle.1; }
@test "man: deltaq-scan.1 examples run" { check_examples deltaq-scan.1; }

@test "man: every command has a page, and every page an examples test" {
	local c
	for c in $(deltaq help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
		[ -f "$MAN/deltaq-$c.1" ] || fail "no man page for command '$c'"
	done
	for p in "$MAN"/*.1; do
		grep -q "check_examples ${p##*/};" "$BATS_TEST_FILENAME" ||
			fail "${p##*/} has no examples test in ${BATS_TEST_FILENAME##*/}"
	done
}

@test "man: documented JSON keys are the keys the commands write" {
	local page cmd doc got bad=0
	for page in "$MAN"/*.1; do
		while IFS=$'\t' read -r cmd doc; do
			got=$( (cd "$WORK" && bash -o pipefail -c "$cmd") 2>/dev/null) ||
				{ echo "${page##*/}: keys command failed: $cmd"; bad=1; continue; }
			if [[ $got == [\{\[]* ]]; then
				got=$(jq -r -s '[.[] | if type == "array" then .[] else . end | keys_unsorted[]]
					| unique | join(" ")' <<< "$got")
			else
				got=$(head -n 1 <<< "$got" | tr '\t' '\n' | sort -u | paste -sd ' ')
			fi
			doc=$(tr ' ' '\n' <<< "$doc" | sort -u | paste -sd ' ')
			if [ "$got" != "$doc" ]; then
				echo "${page##*/}: keys of '$cmd'"
				echo "  documented: $doc"
				echo "  written:    $got"
				bad=1
			fi
		done < <(awk '
			/^\.\\" keys: / { pending = substr($0, 11); next }
			/^\.Bl/ {
				depth++
				if (pending != "" && !collecting) { collecting = 1; at = depth; keys = "" }
				next
			}
			/^\.El/ {
				if (collecting && depth == at) {
					print pending "\t" substr(keys, 2)
					collecting = 0; pending = ""
				}
				depth--
				next
			}
			collecting && depth == at && /^\.It / {
				for (i = 2; i < NF; i++)
					if ($i == "Va") keys = keys " " $(i + 1)
			}' "$page")
	done
	[ "$bad" -eq 0 ]
}

@test "man: each command page documents exactly the long options the command takes" {
	local page c want have bad=0
	for page in "$MAN"/deltaq-*.1; do
		c=${page##*/deltaq-}
		c=${c%.1}
		[ "$c" = help ] && continue
		want=$(deltaq completion bash | sed -n "s/^ *$c) opts=\"\\([^\"]*\\)\" ;;\$/\\1/p" |
			tr ' ' '\n' | grep '^--' | sort -u | paste -sd ' ')
		[ -n "$want" ] || { echo "$c: not in the completion script"; bad=1; continue; }
		have=$(awk '/^\.Sh / { on = ($2 == "SYNOPSIS" || $2 == "OPTIONS"); next } on' "$page" |
			grep -o 'Fl \\-[a-z][a-z-]*' | sed 's/^Fl \\-/--/' | sort -u | paste -sd ' ')
		if [ "$want" != "$have" ]; then
			echo "deltaq-$c.1: options $have"
			echo "deltaq $c takes: $want"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "man: deltaq.1 lists the reader features deltaq honours" {
	local want have
	want=$(deltaq protocol --honoured -o tsv | tail -n +2 | cut -f 1 | sort | paste -sd ' ')
	have=$(awk '/^\.Ss Protocol and reader features/ { on = 1; next } /^\.S[sh] / { on = 0 }
		on && /^\.Bl -bullet/ { list = 1; next } list && /^\.El/ { list = 0 }
		list && /^\.Li / { print $2 }' "$MAN/deltaq.1" | sort | paste -sd ' ')
	assert_equal "$have" "$want"
}

@test "man: pages are clean under mandoc -Tlint" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run mandoc -Tlint -W warning "$MAN"/*.1
	assert_success
	assert_output ""
}

# The README's examples.  Its ```sh block after the line "<!-- examples: setup -->" runs
# first, in a fresh folder, with $src the checkout; then each line "$ CMD" of a plain ```
# block runs there in order (bash -o pipefail, stderr merged into stdout as a terminal
# shows them) and must print the lines after it, up to the next "$ " line or the end of
# the block, blank lines at the end left out ("..." standing for any lines).  An example that reads ../shared/corpus is
# skipped, with a note, when the corpus is absent.
@test "README: the setup and every example run as shown" {
	local readme="$BATS_TEST_DIRNAME/../README.md" src dir="$BATS_TEST_TMPDIR/readme"
	src=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	mkdir -p "$dir"
	local setup
	setup=$(awk '/^<!-- examples: setup -->$/ { want = 1; next }
		want && /^```sh$/ { body = 1; next }
		body && /^```$/ { exit }
		body { print }' "$readme")
	[ -n "$setup" ] || { echo "README.md: no setup block"; return 1; }
	(cd "$dir" && src=$src bash -e -o pipefail -c "$setup") ||
		{ echo "README.md: the setup failed"; return 1; }
	local expected="$BATS_TEST_TMPDIR/expected" out="$BATS_TEST_TMPDIR/out"
	local cmd="" n=0 skipped=0 bad=0 line
	run_readme_example() {
		[ -n "$cmd" ] || return 0
		if [[ $cmd == *'../shared/corpus'* ]] && [ ! -d "$src/../shared/corpus" ]; then
			echo "# skipped (no ../shared/corpus): $cmd" >&3
			skipped=$((skipped + 1))
			return 0
		fi
		n=$((n + 1))
		# A blank line between two examples of a block belongs to neither.
		sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$expected"
		(cd "$dir" && src=$src bash -o pipefail -c "$cmd" 2>&1) > "$out" || true
		if ! match_output "$expected" "$out"; then
			printf 'README.md: example differs: $ %s\n' "$cmd"
			diff -u "$expected" "$out" | tail -n +3
			bad=$((bad + 1))
		fi
	}
	: > "$expected"
	while IFS= read -r line; do
		if [ "$line" = $'\001' ] || [[ $line == '$ '* ]]; then
			run_readme_example
			cmd=""
			: > "$expected"
			[[ $line == '$ '* ]] && cmd=${line#'$ '}
		elif [ -n "$cmd" ]; then
			printf '%s\n' "$line" >> "$expected"
		fi
	done < <(awk '/^```/ {
			if (open) { if (plain) print "\001"; open = 0; next }
			open = 1; plain = ($0 == "```"); next
		}
		open && plain { print }' "$readme")
	# The page's examples are all found (those that read the corpus count when skipped).
	[ $((n + skipped)) -ge 10 ] || { echo "README.md: only $((n + skipped)) examples found"; return 1; }
	[ "$bad" -eq 0 ] || { echo "README.md: $bad of $n examples differ"; return 1; }
}
