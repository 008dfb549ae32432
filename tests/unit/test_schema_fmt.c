/*
 * test_schema_fmt.c - exact-output tests for cmd/schema_fmt.c: the printSchema tree, the DDL
 * column list and the flattened rows, for nested types, column mapping, decimals, variant, and
 * malformed schemas (which must not crash and must give the documented results).
 * Build: cc -std=c11 -D_GNU_SOURCE -Icmd cmd/schema_fmt.c tests/unit/test_schema_fmt.c \
 *        $(pkg-config --cflags --libs jansson)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_fmt.h"
#include "unit.h"

/* the end of a flattened row without column mapping */
#define NOCM "'physical_name':null,'id':null}"

/* Equal strings, or both NULL. */
static void check_str(const char *what, const char *got, const char *want)
{
	CHECKF((!got && !want) || (got && want && !strcmp(got, want)),
	       "%s\n  want: %s%s%s\n  got:  %s%s%s", what, want ? "[" : "", want ? want : "NULL",
	       want ? "]" : "", got ? "[" : "", got ? got : "NULL", got ? "]" : "");
}

static void check_int(const char *what, long got, long want)
{
	CHECKF(got == want, "%s: want %ld, got %ld", what, want, got);
}

/* Parses test JSON written with ' for " (use \u0027 for a real quote). */
static json_t *J(const char *text)
{
	char *s = strdup(text);
	json_error_t e;

	if (!s)
		abort();
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_t *j = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!j) {
		fprintf(stderr, "bad test JSON (%s) at %d: %s\n", e.text, e.column, s);
		abort();
	}
	free(s);
	return j;
}

/* Schema helper: wraps a list of field objects in the root struct. */
static json_t *S(const char *fields)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "{'type':'struct','fields':[%s]}", fields);
	return J(buf);
}

static char *tree(const json_t *schema, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	*rc = schema_print_tree(f, schema);
	if (fclose(f))
		abort();
	return buf;
}

static void expect_tree(const char *what, json_t *schema, int want_rc, const char *want)
{
	int rc;
	char *got = tree(schema, &rc);

	check_int(what, rc, want_rc);
	check_str(what, got, want);
	free(got);
}

static void expect_ddl(const char *what, json_t *schema, const char *want)
{
	char *got = schema_ddl(schema);

	check_str(what, got, want);
	free(got);
}

static void expect_flat(const char *what, json_t *schema, const char *want)
{
	json_t *rows = schema_flatten(schema);
	char *got = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
	json_t *w = want ? J(want) : NULL;
	char *wants = w ? json_dumps(w, JSON_COMPACT) : NULL;

	check_str(what, got, wants);
	free(got);
	free(wants);
	json_decref(w);
	json_decref(rows);
}

/* ------------------------------------------------------------------------------------------ */

static const char *brief_fields =
	"{'name':'id','type':'long','nullable':true,'metadata':{}},"
	"{'name':'name','type':'string','nullable':false,'metadata':{}},"
	"{'name':'address','type':{'type':'struct','fields':["
	"  {'name':'city','type':'string','nullable':true,'metadata':{}}]},"
	" 'nullable':true,'metadata':{}},"
	"{'name':'tags','type':{'type':'array','elementType':'string','containsNull':true},"
	" 'nullable':true,'metadata':{}},"
	"{'name':'props','type':{'type':'map','keyType':'string','valueType':'long',"
	" 'valueContainsNull':true},'nullable':true,'metadata':{}}";

static void test_tree_basic(void)
{
	json_t *s = S(brief_fields);

	expect_tree("tree: spark example", s, 0,
		    "root\n"
		    " |-- id: long (nullable = true)\n"
		    " |-- name: string (nullable = false)\n"
		    " |-- address: struct (nullable = true)\n"
		    " |    |-- city: string (nullable = true)\n"
		    " |-- tags: array (nullable = true)\n"
		    " |    |-- element: string (containsNull = true)\n"
		    " |-- props: map (nullable = true)\n"
		    " |    |-- key: string\n"
		    " |    |-- value: long (valueContainsNull = true)\n");
	json_decref(s);

	s = S("");
	expect_tree("tree: empty struct", s, 0, "root\n");
	expect_ddl("ddl: empty struct", s, "");
	expect_flat("flatten: empty struct", s, "[]");
	json_decref(s);
}

static const char *nested_fields =
	"{'name':'items','type':{'type':'array','containsNull':false,'elementType':"
	"  {'type':'struct','fields':["
	"    {'name':'sku','type':'string','nullable':false,'metadata':{}},"
	"    {'name':'qty','type':'integer','nullable':true,'metadata':{}}]}},"
	" 'nullable':true,'metadata':{}},"
	"{'name':'m','type':{'type':'map','keyType':{'type':'struct','fields':["
	"    {'name':'k','type':'short','nullable':false,'metadata':{}}]},"
	"  'valueType':{'type':'struct','fields':["
	"    {'name':'v','type':{'type':'array','elementType':'byte','containsNull':true},"
	"     'nullable':true,'metadata':{}}]},"
	"  'valueContainsNull':false},'nullable':false,'metadata':{}},"
	"{'name':'aa','type':{'type':'array','elementType':{'type':'array','elementType':"
	"  {'type':'map','keyType':'string','valueType':'double','valueContainsNull':true},"
	"  'containsNull':true},'containsNull':false},'nullable':true,'metadata':{}},"
	"{'name':'outer','type':{'type':'struct','fields':["
	"  {'name':'inner','type':{'type':'struct','fields':["
	"    {'name':'leaf','type':'date','nullable':true,'metadata':{}}]},"
	"   'nullable':false,'metadata':{}}]},'nullable':true,'metadata':{}}";

static void test_nested(void)
{
	json_t *s = S(nested_fields);

	expect_tree("tree: nested combos", s, 0,
		    "root\n"
		    " |-- items: array (nullable = true)\n"
		    " |    |-- element: struct (containsNull = false)\n"
		    " |    |    |-- sku: string (nullable = false)\n"
		    " |    |    |-- qty: integer (nullable = true)\n"
		    " |-- m: map (nullable = false)\n"
		    " |    |-- key: struct\n"
		    " |    |    |-- k: short (nullable = false)\n"
		    " |    |-- value: struct (valueContainsNull = false)\n"
		    " |    |    |-- v: array (nullable = true)\n"
		    " |    |    |    |-- element: byte (containsNull = true)\n"
		    " |-- aa: array (nullable = true)\n"
		    " |    |-- element: array (containsNull = false)\n"
		    " |    |    |-- element: map (containsNull = true)\n"
		    " |    |    |    |-- key: string\n"
		    " |    |    |    |-- value: double (valueContainsNull = true)\n"
		    " |-- outer: struct (nullable = true)\n"
		    " |    |-- inner: struct (nullable = false)\n"
		    " |    |    |-- leaf: date (nullable = true)\n");
	expect_ddl("ddl: nested combos", s,
		   "items ARRAY<STRUCT<sku: STRING NOT NULL, qty: INT>>, "
		   "m MAP<STRUCT<k: SMALLINT NOT NULL>, STRUCT<v: ARRAY<TINYINT>>> NOT NULL, "
		   "aa ARRAY<ARRAY<MAP<STRING, DOUBLE>>>, "
		   "outer STRUCT<inner: STRUCT<leaf: DATE> NOT NULL>");
	expect_flat("flatten: nested combos", s,
		    "["
		    "{'path':'items','type':'array','nullable':true," NOCM ","
		    "{'path':'items.element','type':'struct','nullable':false," NOCM ","
		    "{'path':'items.element.sku','type':'string','nullable':false," NOCM ","
		    "{'path':'items.element.qty','type':'integer','nullable':true," NOCM ","
		    "{'path':'m','type':'map','nullable':false," NOCM ","
		    "{'path':'m.key','type':'struct','nullable':false," NOCM ","
		    "{'path':'m.key.k','type':'short','nullable':false," NOCM ","
		    "{'path':'m.value','type':'struct','nullable':false," NOCM ","
		    "{'path':'m.value.v','type':'array','nullable':true," NOCM ","
		    "{'path':'m.value.v.element','type':'byte','nullable':true," NOCM ","
		    "{'path':'aa','type':'array','nullable':true," NOCM ","
		    "{'path':'aa.element','type':'array','nullable':false," NOCM ","
		    "{'path':'aa.element.element','type':'map','nullable':true," NOCM ","
		    "{'path':'aa.element.element.key','type':'string','nullable':false," NOCM ","
		    "{'path':'aa.element.element.value','type':'double','nullable':true," NOCM ","
		    "{'path':'outer','type':'struct','nullable':true," NOCM ","
		    "{'path':'outer.inner','type':'struct','nullable':false," NOCM ","
		    "{'path':'outer.inner.leaf','type':'date','nullable':true," NOCM
		    "]");
	json_decref(s);

	/* key order of each row is part of the contract (tsv/csv column order) */
	s = S("{'name':'a','type':'long','nullable':true}");
	json_t *rows = schema_flatten(s);
	char *got = json_dumps(rows, JSON_COMPACT);
	check_str("flatten: key order", got,
		  "[{\"path\":\"a\",\"type\":\"long\",\"nullable\":true,\"physical_name\":null,"
		  "\"id\":null}]");
	free(got);
	json_decref(rows);
	json_decref(s);
}

static void test_column_mapping(void)
{
	json_t *s = S(
		"{'name':'id','type':'long','nullable':false,'metadata':{"
		"  'delta.columnMapping.id':1,'delta.columnMapping.physicalName':'col-5f1c'}},"
		"{'name':'only_phys','type':'string','nullable':true,'metadata':{"
		"  'delta.columnMapping.physicalName':'col-aa'}},"
		"{'name':'only_id','type':'string','nullable':true,'metadata':{"
		"  'delta.columnMapping.id':7}},"
		"{'name':'bad','type':'string','nullable':true,'metadata':{"
		"  'delta.columnMapping.id':'7','delta.columnMapping.physicalName':3}},"
		"{'name':'s','type':{'type':'struct','fields':["
		"   {'name':'x','type':'integer','nullable':true,'metadata':{"
		"     'delta.columnMapping.id':3,'delta.columnMapping.physicalName':'col-x'}}]},"
		" 'nullable':true,'metadata':{'delta.columnMapping.id':2,"
		"   'delta.columnMapping.physicalName':'col-s'}},"
		"{'name':'arr','type':{'type':'array','elementType':{'type':'map','keyType':'string',"
		"   'valueType':'long','valueContainsNull':true},'containsNull':true},"
		" 'nullable':true,'metadata':{'delta.columnMapping.id':4,"
		"   'delta.columnMapping.physicalName':'col-arr',"
		"   'delta.columnMapping.nested.ids':{'col-arr.element':100,"
		"     'col-arr.element.key':101,'col-arr.element.value':'x'}}},"
		"{'name':'plain','type':{'type':'array','elementType':'long','containsNull':true},"
		" 'nullable':true,'metadata':{'delta.columnMapping.nested.ids':{'plain.element':9}}}");

	expect_tree("tree: column mapping", s, 0,
		    "root\n"
		    " |-- id: long (nullable = false) [physical: col-5f1c, id: 1]\n"
		    " |-- only_phys: string (nullable = true) [physical: col-aa]\n"
		    " |-- only_id: string (nullable = true) [id: 7]\n"
		    " |-- bad: string (nullable = true) [physical: ?, id: ?]\n"
		    " |-- s: struct (nullable = true) [physical: col-s, id: 2]\n"
		    " |    |-- x: integer (nullable = true) [physical: col-x, id: 3]\n"
		    " |-- arr: array (nullable = true) [physical: col-arr, id: 4]\n"
		    " |    |-- element: map (containsNull = true) [id: 100]\n"
		    " |    |    |-- key: string [id: 101]\n"
		    " |    |    |-- value: long (valueContainsNull = true) [id: ?]\n"
		    " |-- plain: array (nullable = true)\n"
		    " |    |-- element: long (containsNull = true) [id: 9]\n");
	expect_ddl("ddl: column mapping ignored", s,
		   "id BIGINT NOT NULL, only_phys STRING, only_id STRING, bad STRING, "
		   "s STRUCT<x: INT>, arr ARRAY<MAP<STRING, BIGINT>>, plain ARRAY<BIGINT>");
	expect_flat("flatten: column mapping", s,
		    "["
		    "{'path':'id','type':'long','nullable':false,'physical_name':'col-5f1c','id':1},"
		    "{'path':'only_phys','type':'string','nullable':true,'physical_name':'col-aa','id':null},"
		    "{'path':'only_id','type':'string','nullable':true,'physical_name':null,'id':7},"
		    "{'path':'bad','type':'string','nullable':true," NOCM ","
		    "{'path':'s','type':'struct','nullable':true,'physical_name':'col-s','id':2},"
		    "{'path':'s.x','type':'integer','nullable':true,'physical_name':'col-x','id':3},"
		    "{'path':'arr','type':'array','nullable':true,'physical_name':'col-arr','id':4},"
		    "{'path':'arr.element','type':'map','nullable':true,'physical_name':null,'id':100},"
		    "{'path':'arr.element.key','type':'string','nullable':false,'physical_name':null,'id':101},"
		    "{'path':'arr.element.value','type':'long','nullable':true," NOCM ","
		    "{'path':'plain','type':'array','nullable':true," NOCM ","
		    "{'path':'plain.element','type':'long','nullable':true,'physical_name':null,'id':9}"
		    "]");
	json_decref(s);
}

static void test_types(void)
{
	json_t *s = S(
		"{'name':'d1','type':'decimal(10, 2)','nullable':true},"
		"{'name':'d2','type':'decimal( 38 ,0 )','nullable':true},"
		"{'name':'d3','type':'DECIMAL(5,1)','nullable':true},"
		"{'name':'d4','type':'decimal','nullable':true},"
		"{'name':'d5','type':'decimal(10,)','nullable':true},"
		"{'name':'d6','type':{'type':'array','elementType':'decimal(4,  3)','containsNull':true},"
		" 'nullable':true},"
		"{'name':'v1','type':'variant','nullable':true},"
		"{'name':'v2','type':{'type':'variant'},'nullable':true},"
		"{'name':'v3','type':{'type':'array','elementType':{'type':'variant'},"
		" 'containsNull':true},'nullable':true},"
		"{'name':'ntz','type':'timestamp_ntz','nullable':true},"
		"{'name':'nul','type':'void','nullable':true},"
		"{'name':'iv','type':'interval day to second','nullable':true},"
		"{'name':'geo','type':'geometry(OGC:CRS84)','nullable':true}");

	expect_tree("tree: types", s, 0,
		    "root\n"
		    " |-- d1: decimal(10,2) (nullable = true)\n"
		    " |-- d2: decimal(38,0) (nullable = true)\n"
		    " |-- d3: decimal(5,1) (nullable = true)\n"
		    " |-- d4: decimal (nullable = true)\n"
		    " |-- d5: decimal(10,) (nullable = true)\n"
		    " |-- d6: array (nullable = true)\n"
		    " |    |-- element: decimal(4,3) (containsNull = true)\n"
		    " |-- v1: variant (nullable = true)\n"
		    " |-- v2: variant (nullable = true)\n"
		    " |-- v3: array (nullable = true)\n"
		    " |    |-- element: variant (containsNull = true)\n"
		    " |-- ntz: timestamp_ntz (nullable = true)\n"
		    " |-- nul: void (nullable = true)\n"
		    " |-- iv: interval day to second (nullable = true)\n"
		    " |-- geo: geometry(OGC:CRS84) (nullable = true)\n");
	expect_ddl("ddl: types", s,
		   "d1 DECIMAL(10,2), d2 DECIMAL(38,0), d3 DECIMAL(5,1), d4 DECIMAL, "
		   "d5 decimal(10,), d6 ARRAY<DECIMAL(4,3)>, v1 VARIANT, v2 VARIANT, "
		   "v3 ARRAY<VARIANT>, ntz TIMESTAMP_NTZ, nul VOID, iv interval day to second, "
		   "geo geometry(OGC:CRS84)");
	expect_flat("flatten: types", s,
		    "["
		    "{'path':'d1','type':'decimal(10,2)','nullable':true," NOCM ","
		    "{'path':'d2','type':'decimal(38,0)','nullable':true," NOCM ","
		    "{'path':'d3','type':'decimal(5,1)','nullable':true," NOCM ","
		    "{'path':'d4','type':'decimal','nullable':true," NOCM ","
		    "{'path':'d5','type':'decimal(10,)','nullable':true," NOCM ","
		    "{'path':'d6','type':'array','nullable':true," NOCM ","
		    "{'path':'d6.element','type':'decimal(4,3)','nullable':true," NOCM ","
		    "{'path':'v1','type':'variant','nullable':true," NOCM ","
		    "{'path':'v2','type':'variant','nullable':true," NOCM ","
		    "{'path':'v3','type':'array','nullable':true," NOCM ","
		    "{'path':'v3.element','type':'variant','nullable':true," NOCM ","
		    "{'path':'ntz','type':'timestamp_ntz','nullable':true," NOCM ","
		    "{'path':'nul','type':'void','nullable':true," NOCM ","
		    "{'path':'iv','type':'interval day to second','nullable':true," NOCM ","
		    "{'path':'geo','type':'geometry(OGC:CRS84)','nullable':true," NOCM
		    "]");
	json_decref(s);
}

static void test_ddl(void)
{
	json_t *s = S(
		"{'name':'id','type':'long','nullable':false,'metadata':{}},"
		"{'name':'name','type':'string','nullable':true,'metadata':{}},"
		"{'name':'address','type':{'type':'struct','fields':["
		"  {'name':'city','type':'string','nullable':true,'metadata':{}}]},"
		" 'nullable':true,'metadata':{}},"
		"{'name':'tags','type':{'type':'array','elementType':'string','containsNull':true},"
		" 'nullable':true,'metadata':{}},"
		"{'name':'props','type':{'type':'map','keyType':'string','valueType':'long',"
		" 'valueContainsNull':true},'nullable':true,'metadata':{}},"
		"{'name':'price','type':'decimal(10,2)','nullable':true},"
		"{'name':'ts','type':'timestamp','nullable':true},"
		"{'name':'ts2','type':'timestamp_ntz','nullable':true},"
		"{'name':'b','type':'boolean','nullable':true},"
		"{'name':'i','type':'integer','nullable':true},"
		"{'name':'s','type':'short','nullable':true},"
		"{'name':'t','type':'byte','nullable':true},"
		"{'name':'f','type':'float','nullable':true},"
		"{'name':'d','type':'double','nullable':true},"
		"{'name':'bin','type':'binary','nullable':true},"
		"{'name':'dt','type':'date','nullable':true},"
		"{'name':'v','type':'variant','nullable':true}");

	expect_ddl("ddl: brief example", s,
		   "id BIGINT NOT NULL, name STRING, address STRUCT<city: STRING>, tags ARRAY<STRING>, "
		   "props MAP<STRING, BIGINT>, price DECIMAL(10,2), ts TIMESTAMP, ts2 TIMESTAMP_NTZ, "
		   "b BOOLEAN, i INT, s SMALLINT, t TINYINT, f FLOAT, d DOUBLE, bin BINARY, dt DATE, "
		   "v VARIANT");
	json_decref(s);

	s = S("{'name':'a b','type':'long','nullable':true},"
	      "{'name':'a.b','type':'long','nullable':true},"
	      "{'name':'a`b','type':'long','nullable':true},"
	      "{'name':'``','type':'long','nullable':true},"
	      "{'name':'1a','type':'long','nullable':true},"
	      "{'name':'_x1','type':'long','nullable':true},"
	      "{'name':'','type':'long','nullable':true},"
	      "{'name':'caf\\u00e9','type':'long','nullable':true},"
	      "{'name':'Select','type':'long','nullable':true},"
	      "{'name':'st','type':{'type':'struct','fields':["
	      "  {'name':'x y','type':'long','nullable':false,'metadata':{'comment':'inner'}}]},"
	      " 'nullable':true}");
	expect_ddl("ddl: identifier quoting", s,
		   "`a b` BIGINT, `a.b` BIGINT, `a``b` BIGINT, `````` BIGINT, `1a` BIGINT, "
		   "_x1 BIGINT, `` BIGINT, `caf\xc3\xa9` BIGINT, Select BIGINT, "
		   "st STRUCT<`x y`: BIGINT NOT NULL COMMENT 'inner'>");
	json_decref(s);

	s = S("{'name':'c','type':'string','nullable':false,'metadata':{"
	      "  'comment':'it\\u0027s a \\\\ path\\nline2\\u001b'}},"
	      "{'name':'e','type':'long','nullable':true,'metadata':{'comment':''}}");
	expect_ddl("ddl: comment escaping", s,
		   "c STRING NOT NULL COMMENT 'it\\'s a \\\\ path\\nline2\\u001b', e BIGINT COMMENT ''");
	json_decref(s);

	s = S("{'name':'vc','type':'string','nullable':true,'metadata':{"
	      "  '__CHAR_VARCHAR_TYPE_STRING':'varchar(10)'}},"
	      "{'name':'ch','type':'string','nullable':false,'metadata':{"
	      "  '__CHAR_VARCHAR_TYPE_STRING':'char( 3 )'}},"
	      "{'name':'odd','type':'string','nullable':true,'metadata':{"
	      "  '__CHAR_VARCHAR_TYPE_STRING':'array<char(3)>'}},"
	      "{'name':'arr','type':{'type':'array','elementType':'string','containsNull':true},"
	      " 'nullable':true,'metadata':{'__CHAR_VARCHAR_TYPE_STRING':'array<varchar(3)>'}}");
	expect_ddl("ddl: char/varchar", s,
		   "vc VARCHAR(10), ch CHAR(3) NOT NULL, odd STRING, arr ARRAY<STRING>");
	expect_tree("tree: char/varchar stays string", s, 0,
		    "root\n"
		    " |-- vc: string (nullable = true)\n"
		    " |-- ch: string (nullable = false)\n"
		    " |-- odd: string (nullable = true)\n"
		    " |-- arr: array (nullable = true)\n"
		    " |    |-- element: string (containsNull = true)\n");
	json_decref(s);

	s = S("{'name':'e','type':{'type':'struct','fields':[]},'nullable':true}");
	expect_ddl("ddl: empty nested struct", s, "e STRUCT<>");
	json_decref(s);
}

static void test_flatten_paths(void)
{
	json_t *s = S("{'name':'a.b','type':{'type':'struct','fields':["
		      "  {'name':'c`d','type':'long','nullable':true},"
		      "  {'name':'','type':'long','nullable':true},"
		      "  {'name':'p q','type':{'type':'map','keyType':'string','valueType':"
		      "    {'type':'array','elementType':'long','containsNull':false}},"
		      "   'nullable':true}]},'nullable':true}");

	expect_flat("flatten: path quoting", s,
		    "["
		    "{'path':'`a.b`','type':'struct','nullable':true," NOCM ","
		    "{'path':'`a.b`.`c``d`','type':'long','nullable':true," NOCM ","
		    "{'path':'`a.b`.``','type':'long','nullable':true," NOCM ","
		    "{'path':'`a.b`.p q','type':'map','nullable':true," NOCM ","
		    "{'path':'`a.b`.p q.key','type':'string','nullable':false," NOCM ","
		    "{'path':'`a.b`.p q.value','type':'array','nullable':true," NOCM ","
		    "{'path':'`a.b`.p q.value.element','type':'long','nullable':false," NOCM
		    "]");
	json_decref(s);
}

static void test_escapes(void)
{
	json_t *s = S("{'name':'new\\nline\\ttab\\u001b[31m\\u007f\\u0085','type':'lo\\u0000ng',"
		      " 'nullable':true,'metadata':{'delta.columnMapping.physicalName':'p\\r'}}");

	expect_tree("tree: control characters escaped", s, 0,
		    "root\n"
		    " |-- new\\nline\\ttab\\x1b[31m\\x7f\\u0085: lo\\x00ng (nullable = true)"
		    " [physical: p\\r]\n");
	expect_ddl("ddl: NUL in type is malformed", s, NULL);
	json_decref(s);

	s = S("{'name':'n\\u0000ul','type':'long','nullable':true}");
	expect_ddl("ddl: NUL in name is malformed", s, NULL);
	expect_flat("flatten: NUL kept in path", s,
		    "[{'path':'n\\u0000ul','type':'long','nullable':true,'physical_name':null,"
		    "'id':null}]");
	json_decref(s);
}

static void test_malformed_root(void)
{
	static const char *roots[] = {
		"5", "null", "'struct'", "[]", "{}", "{'type':'struct'}",
		"{'type':'struct','fields':{}}", "{'type':'struct','fields':null}",
		"{'type':'array','elementType':'long','containsNull':true}",
		"{'type':5,'fields':[]}", "{'fields':[]}",
	};
	char what[96];

	expect_tree("tree: NULL schema", NULL, -1, "");
	check_str("ddl: NULL schema", schema_ddl(NULL), NULL);
	check_int("flatten: NULL schema", schema_flatten(NULL) == NULL, 1);
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		json_t *s = J(roots[i]);
		snprintf(what, sizeof(what), "tree: bad root %s", roots[i]);
		expect_tree(what, s, -1, "");
		snprintf(what, sizeof(what), "ddl: bad root %s", roots[i]);
		expect_ddl(what, s, NULL);
		snprintf(what, sizeof(what), "flatten: bad root %s", roots[i]);
		expect_flat(what, s, NULL);
		json_decref(s);
	}
}

static void test_malformed_nested(void)
{
	json_t *s = S(
		"1,"
		"{'name':5,'type':'long','nullable':true},"
		"{'name':'notype','nullable':true},"
		"{'name':'emptytype','type':'','nullable':true},"
		"{'name':'bare','type':'struct','nullable':true},"
		"{'name':'numtype','type':{'type':5},'nullable':true},"
		"{'name':'nullable_str','type':'long','nullable':'yes'},"
		"{'name':'no_nullable','type':'long'},"
		"{'name':'meta_arr','type':'long','nullable':true,'metadata':[1]},"
		"{'name':'arr_noelem','type':{'type':'array','containsNull':true},'nullable':true},"
		"{'name':'arr_badnull','type':{'type':'array','elementType':[],'containsNull':0},"
		" 'nullable':true},"
		"{'name':'map_noval','type':{'type':'map','keyType':'string'},'nullable':true},"
		"{'name':'map_defaults','type':{'type':'map','keyType':7,'valueType':'long'},"
		" 'nullable':true},"
		"{'name':'st_badfields','type':{'type':'struct','fields':'x'},'nullable':true},"
		"{'name':'st_badentry','type':{'type':'struct','fields':[null]},'nullable':true},"
		"{'name':'ids_bad','type':{'type':'array','elementType':'long','containsNull':true},"
		" 'nullable':true,'metadata':{'delta.columnMapping.nested.ids':[1]}}");

	expect_tree("tree: malformed entries print ?", s, 0,
		    "root\n"
		    " |-- ?: ? (nullable = ?)\n"
		    " |-- ?: long (nullable = true)\n"
		    " |-- notype: ? (nullable = true)\n"
		    " |-- emptytype: ? (nullable = true)\n"
		    " |-- bare: ? (nullable = true)\n"
		    " |-- numtype: ? (nullable = true)\n"
		    " |-- nullable_str: long (nullable = ?)\n"
		    " |-- no_nullable: long (nullable = true)\n"
		    " |-- meta_arr: long (nullable = true)\n"
		    " |-- arr_noelem: ? (nullable = true)\n"
		    " |-- arr_badnull: array (nullable = true)\n"
		    " |    |-- element: ? (containsNull = ?)\n"
		    " |-- map_noval: ? (nullable = true)\n"
		    " |-- map_defaults: map (nullable = true)\n"
		    " |    |-- key: ?\n"
		    " |    |-- value: long (valueContainsNull = true)\n"
		    " |-- st_badfields: ? (nullable = true)\n"
		    " |-- st_badentry: struct (nullable = true)\n"
		    " |    |-- ?: ? (nullable = ?)\n"
		    " |-- ids_bad: array (nullable = true)\n"
		    " |    |-- element: long (containsNull = true)\n");
	expect_ddl("ddl: malformed entries", s, NULL);
	expect_flat("flatten: malformed entries are null", s,
		    "["
		    "{'path':'?','type':null,'nullable':null," NOCM ","
		    "{'path':'?','type':'long','nullable':true," NOCM ","
		    "{'path':'notype','type':null,'nullable':true," NOCM ","
		    "{'path':'emptytype','type':null,'nullable':true," NOCM ","
		    "{'path':'bare','type':null,'nullable':true," NOCM ","
		    "{'path':'numtype','type':null,'nullable':true," NOCM ","
		    "{'path':'nullable_str','type':'long','nullable':null," NOCM ","
		    "{'path':'no_nullable','type':'long','nullable':true," NOCM ","
		    "{'path':'meta_arr','type':'long','nullable':true," NOCM ","
		    "{'path':'arr_noelem','type':null,'nullable':true," NOCM ","
		    "{'path':'arr_badnull','type':'array','nullable':true," NOCM ","
		    "{'path':'arr_badnull.element','type':null,'nullable':null," NOCM ","
		    "{'path':'map_noval','type':null,'nullable':true," NOCM ","
		    "{'path':'map_defaults','type':'map','nullable':true," NOCM ","
		    "{'path':'map_defaults.key','type':null,'nullable':false," NOCM ","
		    "{'path':'map_defaults.value','type':'long','nullable':true," NOCM ","
		    "{'path':'st_badfields','type':null,'nullable':true," NOCM ","
		    "{'path':'st_badentry','type':'struct','nullable':true," NOCM ","
		    "{'path':'st_badentry.?','type':null,'nullable':null," NOCM ","
		    "{'path':'ids_bad','type':'array','nullable':true," NOCM ","
		    "{'path':'ids_bad.element','type':'long','nullable':true," NOCM
		    "]");
	json_decref(s);

	/* each of these alone makes the DDL NULL, while the field next to it is fine */
	static const char *bad[] = {
		"{'name':'x','type':'long','nullable':'no'}",
		"{'name':'x','type':'long','nullable':true,'metadata':5}",
		"{'name':'x','type':'long','nullable':true,'metadata':{'comment':5}}",
		"{'name':'x','type':{'type':'array','elementType':'long','containsNull':1},"
		" 'nullable':true}",
		"{'name':'x','type':{'type':'map','keyType':'long','valueType':'long',"
		" 'valueContainsNull':'t'},'nullable':true}",
		"{'name':'x','type':{'type':'struct','fields':[{'name':'y','type':5}]},"
		" 'nullable':true}",
		"{'name':'x','type':{'type':'map','keyType':'long','valueType':{}},'nullable':true}",
		"{'type':'long','nullable':true}",
		"7",
	};
	char fields[512], what[600];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(fields, sizeof(fields), "{'name':'ok','type':'long','nullable':true},%s",
			 bad[i]);
		s = S(fields);
		snprintf(what, sizeof(what), "ddl: malformed %s", bad[i]);
		expect_ddl(what, s, NULL);
		json_decref(s);
	}
}

/* n arrays nested inside the field's type, built directly (no parser depth limit). */
static json_t *deep_schema(int n)
{
	json_t *t = json_string("long");
	for (int i = 0; i < n; i++)
		t = json_pack("{s:s, s:o, s:b}", "type", "array", "elementType", t, "containsNull", 1);
	return json_pack("{s:s, s:[{s:s, s:o, s:b}]}", "type", "struct", "fields", "name", "deep",
			 "type", t, "nullable", 1);
}

static void test_depth(void)
{
	json_t *s = deep_schema(SCHEMA_MAX_DEPTH);
	char *ddl = schema_ddl(s);
	int ok = ddl && !strncmp(ddl, "deep ARRAY<ARRAY<", 17) && strstr(ddl, "<BIGINT>");
	check_int("ddl: deepest allowed nesting", ok, 1);
	free(ddl);
	json_decref(s);

	s = deep_schema(SCHEMA_MAX_DEPTH + 5);
	int rc;
	char *out = tree(s, &rc);
	check_int("tree: too deep returns 0", rc, 0);
	/* the element line at depth SCHEMA_MAX_DEPTH + 1 is a placeholder, nothing below it */
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	check_int("tree: too deep stops at the limit", lines, 1 + 1 + SCHEMA_MAX_DEPTH + 1);
	char *last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	check_int("tree: too deep ends in ?", strstr(last, "-- element: ? (containsNull = true)\n")
		  != NULL, 1);
	free(out);
	expect_ddl("ddl: too deep", s, NULL);
	json_t *rows = schema_flatten(s);
	check_int("flatten: too deep rows", (long)json_array_size(rows), 1 + SCHEMA_MAX_DEPTH + 1);
	check_int("flatten: too deep last type null",
		  json_is_null(json_object_get(json_array_get(rows, json_array_size(rows) - 1),
					       "type")), 1);
	json_decref(rows);
	json_decref(s);
}

/* jansson allocations fail after `fail_after` successes, to walk every error path in flatten */
static long fail_after = -1;

static void *failing_malloc(size_t n)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	return malloc(n);
}

static void test_flatten_oom(void)
{
	json_t *s = S(nested_fields);
	json_t *full = schema_flatten(s);
	int bad = 0, succeeded = 0;

	for (long k = 0; k < 2000 && !succeeded; k++) {
		json_set_alloc_funcs(failing_malloc, free);
		fail_after = k;
		json_t *rows = schema_flatten(s);
		fail_after = -1;
		json_set_alloc_funcs(malloc, free);
		if (rows) {
			succeeded = 1;
			bad += !json_equal(rows, full);
			json_decref(rows);
		}
	}
	check_int("flatten: out of memory gives NULL, then the full result", succeeded && !bad, 1);
	json_decref(full);
	json_decref(s);
}

int main(void)
{
	test_tree_basic();
	test_nested();
	test_column_mapping();
	test_types();
	test_ddl();
	test_flatten_paths();
	test_escapes();
	test_malformed_root();
	test_malformed_nested();
	test_depth();
	test_flatten_oom();
	return unit_done();
}
