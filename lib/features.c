/*
 * features.c - which protocols and reader features deltaq honours (protocol.md sections 3.6
 * and 8).  deltaq reads only the log, so features that change how data files are read
 * (geospatial, collations, variants) are safe to honour; features that move the truth out
 * of the log (catalogManaged: the latest version lives in a catalog) and every name deltaq
 * does not know are not.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "replay.h"

static const char *const honoured[] = {
	"columnMapping",
	"deletionVectors",
	"timestampNtz",
	"v2Checkpoint",
	"vacuumProtocolCheck",
	"typeWidening",
	"typeWidening-preview",
	"variantType",
	"variantType-preview",
	"variantShredding",
	"variantShredding-preview",
	"geospatial",
	"collations",
	"collations-preview",
	NULL,
};

const char *const *dq_honoured_reader_features(void)
{
	return honoured;
}

bool dq_reader_feature_honoured(const char *name)
{
	for (size_t i = 0; honoured[i]; i++)
		if (!strcmp(honoured[i], name))
			return true;
	return false;
}

bool feature_is_preview(const char *name)
{
	size_t n = strlen(name);
	return (n > 8 && !strcmp(name + n - 8, "-preview")) || (n > 4 && !strcmp(name + n - 4, "-dev"));
}

/* Writer features Spark and delta-kernel-rs know (protocol.md 8.2). */
bool writer_feature_known(const char *name)
{
	static const char *const known[] = {
		"appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns",
		"columnMapping", "identityColumns", "deletionVectors", "rowTracking", "timestampNtz",
		"domainMetadata", "v2Checkpoint", "icebergCompatV1", "icebergCompatV2",
		"icebergCompatV3", "icebergWriterCompatV1", "icebergWriterCompatV3", "clustering",
		"vacuumProtocolCheck", "typeWidening", "inCommitTimestamp", "allowColumnDefaults",
		"variantType", "variantShredding", "collations", "checkpointProtection",
		"catalogManaged", "materializePartitionColumns", "geospatial", "redirectReaderWriter",
		"redirectWriterOnly", "timestampWithoutTimezone", NULL,
	};
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(known[i], name))
			return true;
	return feature_is_preview(name);
}

const char *protocol_problem(const json_t *protocol)
{
	json_t *r = json_object_get(protocol, "minReaderVersion");
	json_t *w = json_object_get(protocol, "minWriterVersion");
	if ((json_is_integer(r) && json_integer_value(r) < 1) ||
	    (json_is_integer(w) && json_integer_value(w) < 1))
		return "minReaderVersion and minWriterVersion must be 1 or more";
	static const char *const lists[][2] = {
		{ "readerFeatures", "readerFeatures is not an array of names" },
		{ "writerFeatures", "writerFeatures is not an array of names" },
	};
	for (size_t k = 0; k < 2; k++) {
		json_t *l = json_object_get(protocol, lists[k][0]), *f;
		size_t i;
		if (!l || json_is_null(l))
			continue;
		if (!json_is_array(l))
			return lists[k][1];
		json_array_foreach(l, i, f)
			if (!json_is_string(f))
				return lists[k][1];
	}
	return NULL;
}

json_t *features_unsupported(const json_t *protocol)
{
	json_t *out = json_array();
	if (!out)
		return NULL;
	json_t *r = json_object_get(protocol, "minReaderVersion");
	json_int_t rv = json_is_integer(r) ? json_integer_value(r) : 0;
	if (rv < 1 || rv > 3) {
		char buf[64];
		snprintf(buf, sizeof(buf), "minReaderVersion %lld", (long long)rv);
		json_array_append_new(out, json_string(buf));
		return out;
	}
	if (rv < 3)
		return out;
	json_t *feats = json_object_get(protocol, "readerFeatures");
	size_t i;
	json_t *f;
	json_array_foreach(feats, i, f) {
		if (!json_is_string(f))
			json_array_append_new(out, json_string("?"));
		else if (!dq_reader_feature_honoured(json_string_value(f)))
			json_array_append(out, f);
	}
	return out;
}
