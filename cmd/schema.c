/*
 * schema.c - `deltaq schema TABLE`: the schema as Spark's printSchema tree (with column
 * mapping names and ids), the raw schema with -o json, one row per field with
 * ndjson/tsv/csv, or a CREATE TABLE column list with --ddl.
 */
#include <stdlib.h>

#include "cmd.h"
#include "schema_fmt.h"

const char usage_schema[] =
	"usage: deltaq schema [options] TABLE\n"
	"\n"
	"Print the schema: a tree like Spark's printSchema (column-mapping physical names\n"
	"and ids when present); json: the raw schema; ndjson/tsv/csv: one row per field.\n"
	"\n"
	"      --ddl            a CREATE TABLE column list instead\n"
	TABLE_USAGE;

enum { OPT_DDL = 2000 };

const struct option options_schema[] = {
	TABLE_OPTIONS,
	{ "ddl", no_argument, NULL, OPT_DDL },
	{ NULL, 0, NULL, 0 },
};

int cmd_schema(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("schema");
	int opt, rc;
	bool done = false, ddl = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_schema, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (opt == OPT_DDL)
			ddl = true;
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	dq_snapshot *s;
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_METADATA, false, &t, &s)))
		return rc;
	const json_t *schema = dq_snapshot_schema(s);
	if (!json_is_object(schema)) {
		fprintf(stderr, "deltaq: the schemaString of version %lld's metaData does not parse as a schema\n",
			(long long)dq_snapshot_metadata_version(s));
		dq_snapshot_close(s);
		dq_table_close(t);
		return EXIT_UNREADABLE;
	}
	if (ddl) {
		char *d = schema_ddl(schema);
		if (!d) {
			fprintf(stderr, "deltaq: the schema in version %lld's metaData is malformed\n",
				(long long)dq_snapshot_metadata_version(s));
			rc = EXIT_UNREADABLE;
		} else if (cli->format == OUT_TEXT) {
			puts(d);
		} else {
			static const struct out_col dcol[] = { { "ddl", NULL, 0 } };
			struct out o;
			out_begin(&o, cli->format, dcol, 1, true);
			out_row(&o, json_pack("{ss}", "ddl", d));
			rc = out_end(&o);
		}
		free(d);
	} else if (cli->format == OUT_TEXT) {
		if (schema_print_tree(stdout, schema)) {
			fprintf(stderr, "deltaq: the schema in version %lld's metaData is malformed\n",
				(long long)dq_snapshot_metadata_version(s));
			rc = EXIT_UNREADABLE;
		}
	} else if (cli->format == OUT_JSON) {
		out_json_doc(json_incref((json_t *)schema));
	} else {
		static const struct out_col cols[] = {
			{ "path", NULL, 0 }, { "type", NULL, 0 }, { "nullable", NULL, 0 },
			{ "physical_name", NULL, 0 }, { "id", NULL, 0 },
		};
		json_t *rows = schema_flatten(schema);
		struct out o;
		out_begin(&o, cli->format, cols, 5, false);
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r)
			out_row(&o, json_incref(r));
		json_decref(rows);
		rc = out_end(&o);
	}
	dq_snapshot_close(s);
	dq_table_close(t);
	return rc;
}
