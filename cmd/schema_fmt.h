/*
 * schema_fmt.h - renders a Delta table schema (metaData.schemaString parsed by jansson,
 * protocol section 5) for `deltaq schema`: Spark's printSchema tree, a Spark/Databricks DDL
 * column list, and one row per field for the tabular output formats.
 *
 * The schema is borrowed and never modified.  All three functions refuse a root that is not a
 * struct type ({"type":"struct","fields":[...]}).  Below the root they differ on purpose:
 *
 *   tree, flatten  are for looking at a table, broken ones included, so they show what is
 *                  there: a name, type or boolean that is missing where it is required or has
 *                  the wrong JSON type prints as `?` in the tree and is JSON null in a row.
 *   ddl            is text someone may run, so any malformed part makes it return NULL.
 *
 * Absent booleans (nullable, containsNull, valueContainsNull) default to true, as in
 * kernel-rs.  A "metadata" that is not an object is ignored by tree and flatten.  Nesting
 * deeper than SCHEMA_MAX_DEPTH levels counts as malformed (jansson's own parser stops at
 * 2048 levels; this keeps recursion bounded for json_t built by other means).
 */
#ifndef DELTAQ_SCHEMA_FMT_H
#define DELTAQ_SCHEMA_FMT_H

#include <stdio.h>

#include <jansson.h>

#define SCHEMA_MAX_DEPTH 256

/*
 * Writes the schema as Spark's StructType.printTreeString does, one line per field and per
 * array element / map key / map value:
 *
 *   root
 *    |-- id: long (nullable = false) [physical: col-5f1c, id: 1]
 *    |-- tags: array (nullable = true)
 *    |    |-- element: string (containsNull = true)
 *
 * Column mapping metadata (delta.columnMapping.physicalName, .id) is appended in brackets,
 * only the parts present ("?" for a present part of the wrong JSON type); an element, key or
 * value with an id in its field's delta.columnMapping.nested.ids gets " [id: N]".  Decimal
 * types lose their inner spaces ("decimal(10, 2)" -> "decimal(10,2)"); other type strings,
 * including ones deltaq does not know, print as given.  Control characters in names and type
 * strings are escaped (\n, \t, \x1b, ...) so each entry stays one terminal-safe line.
 * Returns 0, or -1 without writing anything when the root is not a struct.  Write errors
 * are left in out's error indicator for the caller's ferror/fclose check.
 */
int schema_print_tree(FILE *out, const json_t *schema);

/*
 * New malloc'd column list for CREATE TABLE, e.g.
 *   "id BIGINT NOT NULL, address STRUCT<city: STRING NOT NULL>, props MAP<STRING, BIGINT>"
 * Names that are not [A-Za-z_][A-Za-z0-9_]* are backquoted (embedded backquotes doubled);
 * NOT NULL for non-nullable fields at any depth; metadata.comment becomes COMMENT '...' with
 * backslash, quote and control characters escaped as Spark string literals read them; a
 * string field with metadata __CHAR_VARCHAR_TYPE_STRING "char(n)"/"varchar(n)" is written
 * as CHAR(n)/VARCHAR(n), as Spark's SHOW CREATE TABLE does.  Types deltaq does not know are
 * written as given.  An empty struct gives "".  NULL when the schema is malformed anywhere
 * (including a name containing NUL) or on out of memory.
 */
char *schema_ddl(const json_t *schema);

/*
 * New JSON array with one object per field at every depth, depth first, keys in this order:
 *   "path"           dotted display path; a name that is empty or contains '.' or '`' is
 *                    backquoted (backquotes doubled); array elements are "<path>.element",
 *                    map parts "<path>.key" / "<path>.value"; a name that is not a string
 *                    is "?"
 *   "type"           type string (decimals normalized as in the tree), "struct", "array",
 *                    "map", or null when malformed
 *   "nullable"       bool (containsNull for .element, false for .key, valueContainsNull for
 *                    .value), null when present but not a boolean
 *   "physical_name"  delta.columnMapping.physicalName, or null
 *   "id"             delta.columnMapping.id (for .element/.key/.value: the entry in the
 *                    field's delta.columnMapping.nested.ids), or null
 * NULL when the root is not a struct, or on out of memory.
 */
json_t *schema_flatten(const json_t *schema);

#endif
