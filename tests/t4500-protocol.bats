#!/usr/bin/env bats
# deltaq protocol

load helpers

@test "protocol: legacy versions list their implied features" {
	run deltaq protocol "$FIX/example"
	assert_success
	assert_output "$(cat <<'P'
min_reader_version: 1
min_writer_version: 2
supported:          yes

FEATURE     KIND    IMPLIED  HONOURED
appendOnly  writer  true     -
invariants  writer  true     -
P
)"
}

@test "protocol: --honoured reads no table, and refuses --at rather than ignore it" {
	run deltaq protocol --honoured -o json
	assert_success
	assert_equal "$(jq -r '.[0].name' <<<"$output")" columnMapping
	run --separate-stderr deltaq protocol --honoured --at 3
	assert_failure 2
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "deltaq protocol: --honoured reads no table, so --at does not apply"
}

@test "protocol: reader features say whether deltaq honours them" {
	run deltaq protocol -o json "$FIX/unsupported_feature"
	assert_success
	assert_equal "$(jq -c '[.min_reader_version, .min_writer_version, .supported, .unsupported_reader_features]' <<<"$output")" '[3,7,false,["someFutureFeature"]]'
	assert_equal "$(jq -c '[.features[] | [.name, .kind, .honoured]]' <<<"$output")" '[["deletionVectors","reader-writer",true],["someFutureFeature","reader-writer",false]]'
}

@test "protocol: writer-only features have no honoured verdict" {
	run deltaq protocol -o ndjson "$FIX/ict"
	assert_equal "$(jq -c '[.features[] | select(.name == "inCommitTimestamp") | [.kind, .honoured]]' <<<"$output")" '[["writer",null]]'
}

@test "protocol: catalogManaged and minReaderVersion 4 are not honoured" {
	run deltaq protocol -o json "$FIX/catalog_managed"
	assert_equal "$(jq -c '.unsupported_reader_features' <<<"$output")" '["catalogManaged"]'
	run deltaq protocol -o json "$FIX/reader_v4"
	assert_success
	assert_equal "$(jq -c '[.supported, .unsupported_reader_features]' <<<"$output")" '[false,["minReaderVersion 4"]]'
}

@test "protocol: --honoured lists what deltaq honours" {
	run deltaq protocol --honoured -o tsv
	assert_success
	for f in columnMapping deletionVectors timestampNtz v2Checkpoint vacuumProtocolCheck typeWidening typeWidening-preview variantType variantType-preview variantShredding variantShredding-preview geospatial collations; do
		assert_line --regexp "^$f	"
	done
	refute_output --partial catalogManaged
}

@test "protocol: --at shows an older protocol" {
	run deltaq protocol -o json --at 0 "$FIX/schema_evolution"
	assert_equal "$(jq -c '[.min_reader_version, .min_writer_version]' <<<"$output")" '[1,2]'
	run deltaq protocol -o json "$FIX/schema_evolution"
	assert_equal "$(jq -c '[.min_reader_version, .min_writer_version]' <<<"$output")" '[1,3]'
}
