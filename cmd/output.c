/*
 * output.c - the one writer behind every command's stdout.  Commands hand it rows (JSON
 * objects whose keys are the documented, stable snake_case names) and it renders them as
 * aligned text for people, one JSON document, NDJSON, TSV or CSV.  Text output is buffered
 * to align columns; every other format streams.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

json_t *json_int_or_null(int64_t v, bool known)
{
	return known ? json_integer(v) : json_null();
}

json_t *json_str_or_null(const char *s)
{
	return s ? dq_json_text(s) : json_null();
}

json_t *timestamp_json(int64_t ms)
{
	char buf[40];
	return ms < 0 ? json_null() : json_string(dq_format_timestamp(ms, buf, sizeof(buf)));
}

/* json_put_string and json_put_raw: each byte that is not valid UTF-8 becomes U+FFFD
 * when `lossy`, else is written as it is. */
static void put_string(FILE *fp, const char *s, bool lossy)
{
	static const char hex[] = "0123456789ABCDEF";
	putc('"', fp);
	for (;;) {
		size_t n = 0; /* a run that needs no escape */
		for (;;) {
			unsigned char c = (unsigned char)s[n];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
			if (c < 0x80 || !lossy) {
				n++;
				continue;
			}
			size_t k = dq_utf8_seq(s + n);
			if (!k)
				break;
			n += k;
		}
		fwrite(s, 1, n, fp);
		s += n;
		if (!*s)
			break;
		unsigned char c = (unsigned char)*s++;
		switch (c) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\b': fputs("\\b", fp); break;
		case '\f': fputs("\\f", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (c >= 0x80) { /* lossy, and not UTF-8 */
				fputs("\\uFFFD", fp);
				break;
			}
			fputs("\\u00", fp);
			putc(hex[c >> 4], fp);
			putc(hex[c & 15], fp);
		}
	}
	putc('"', fp);
}

void json_put_string(FILE *fp, const char *s)
{
	put_string(fp, s, true);
}

void json_put_raw(FILE *fp, const char *s)
{
	put_string(fp, s, false);
}

bool jr_lit(char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

bool jr_int(char **p, bool null_ok, int64_t *v)
{
	if (null_ok && jr_lit(p, "null")) {
		*v = -1;
		return true;
	}
	const char *d = *p + (**p == '-');
	if (!isdigit((unsigned char)d[0]) || (d[0] == '0' && isdigit((unsigned char)d[1])))
		return false; /* no digit, or a leading zero JSON does not allow */
	char *end;
	errno = 0;
	long long x = strtoll(*p, &end, 10);
	if (errno)
		return false;
	*v = x;
	*p = end;
	return true;
}

char *jr_string(char **p)
{
	if (**p != '"')
		return NULL;
	char *s = *p + 1, *in = s, *out = s;
	for (;;) {
		unsigned char c = (unsigned char)*in;
		if (c == '"')
			break;
		if (c < 0x20)
			return NULL; /* the end of the text, or a raw control character */
		if (c != '\\') {
			*out++ = *in++;
			continue;
		}
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = in[1] ? strchr(from, in[1]) : NULL;
		if (e) {
			*out++ = to[e - from];
			in += 2;
			continue;
		}
		/* \u00XX for a control character; any other code point: not ours */
		unsigned v = 0;
		if (in[1] != 'u')
			return NULL;
		for (int i = 2; i < 6; i++) {
			char h = in[i];
			if (!isxdigit((unsigned char)h))
				return NULL;
			v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (h | 0x20) - 'a' + 10);
		}
		if (v == 0 || v > 0x7f)
			return NULL;
		*out++ = (char)v;
		in += 6;
	}
	*out = '\0';
	*p = in + 1;
	return s;
}

void json_put_int(FILE *fp, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), fp);
}

void json_put_int_or_null(FILE *fp, int64_t v, bool known)
{
	if (known)
		json_put_int(fp, v);
	else
		fputs("null", fp);
}

void out_begin(struct out *o, enum out_format fmt, const struct out_col *cols, size_t ncols,
	       bool single)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
	o->fp = stdout;
	o->cols = cols;
	o->ncols = ncols;
	o->single = single;
	o->text_header = true;
}

/* Whether p starts a C1 control (U+0080 to U+009F, in UTF-8 C2 80 to C2 9F), which some
 * terminals obey as ESC sequences. */
static bool c1_at(const unsigned char *p)
{
	return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

/* A string for an aligned text cell: a control character (a newline or an escape in a file
 * name) would break the line or reach the terminal, so it is shown as \n, \t, \r, \xHH
 * or, for a C1 control, \u00HH; a backslash itself as \\, so that none of these can be
 * read back as a name that holds it. */
char *out_text_escape(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p < 0x20 || *p == 0x7f ? 4 : *p == '\\' ? 2 : c1_at(p) ? (p++, 6) : 1;
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r' || *p == '\\') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : *p == '\t' ? 't' : *p == '\r' ? 'r' : '\\';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else if (c1_at(p)) {
			o += sprintf(o, "\\u%04x", p[1]);
			p++;
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

/* Objects print as k=v pairs, arrays comma-joined, strings bare, null as "-". */
char *out_cell_text(const json_t *v)
{
	char buf[64];
	if (!v)
		return strdup("-");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		return strdup(buf);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_OBJECT: {
		char *s = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&s, &n);
		const char *k;
		json_t *x;
		bool first = true;
		json_object_foreach((json_t *)v, k, x) {
			char *c = json_is_null(x) ? strdup("null") : out_cell_text(x);
			fprintf(f, "%s%s=%s", first ? "" : " ", k, c ? c : "");
			free(c);
			first = false;
		}
		fclose(f);
		if (s && !*s) {
			free(s);
			return strdup("-");
		}
		return s;
	}
	case JSON_ARRAY: {
		char *s = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&s, &n);
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			char *c = out_cell_text(x);
			fprintf(f, "%s%s", i ? "," : "", c ? c : "");
			free(c);
		}
		fclose(f);
		if (s && !*s) {
			free(s);
			return strdup("-");
		}
		return s;
	}
	case JSON_NULL:
	default:
		return strdup("-");
	}
}

static void put_sv(FILE *fp, const json_t *v, bool csv)
{
	if (!v || json_is_null(v))
		return;
	char *s;
	if (json_is_object(v) || json_is_array(v))
		s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	else
		s = out_cell_text(v);
	if (!s)
		return;
	if (csv) {
		if (strpbrk(s, ",\"\r\n")) {
			fputc('"', fp);
			for (const char *p = s; *p; p++) {
				if (*p == '"')
					fputc('"', fp);
				fputc(*p, fp);
			}
			fputc('"', fp);
		} else {
			fputs(s, fp);
		}
	} else {
		for (const char *p = s; *p; p++) {
			switch (*p) {
			case '\t': fputs("\\t", fp); break;
			case '\n': fputs("\\n", fp); break;
			case '\r': fputs("\\r", fp); break;
			case '\\': fputs("\\\\", fp); break;
			default: fputc(*p, fp);
			}
		}
	}
	free(s);
}

static void sv_header(struct out *o)
{
	char sep = o->fmt == OUT_CSV ? ',' : '\t';
	for (size_t i = 0; i < o->ncols; i++) {
		if (i)
			fputc(sep, o->fp);
		fputs(o->cols[i].key, o->fp);
	}
	fputc('\n', o->fp);
}

void out_row(struct out *o, json_t *row)
{
	switch (o->fmt) {
	case OUT_JSON:
		if (o->single) {
			json_dumpf(row, o->fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputc('\n', o->fp);
		} else {
			fputs(o->nrows ? ",\n" : "[\n", o->fp);
			json_dumpf(row, o->fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		}
		break;
	case OUT_NDJSON:
		json_dumpf(row, o->fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', o->fp);
		break;
	case OUT_TSV:
	case OUT_CSV:
		if (!o->nrows)
			sv_header(o);
		for (size_t i = 0; i < o->ncols; i++) {
			if (i)
				fputc(o->fmt == OUT_CSV ? ',' : '\t', o->fp);
			put_sv(o->fp, json_object_get(row, o->cols[i].key), o->fmt == OUT_CSV);
		}
		fputc('\n', o->fp);
		break;
	case OUT_TEXT:
		if (o->ncells + o->ncols > o->capcells) {
			size_t cap = o->capcells ? o->capcells * 2 : 64 * o->ncols;
			while (cap < o->ncells + o->ncols)
				cap *= 2;
			char **c = realloc(o->cells, cap * sizeof(*c));
			if (!c)
				break;
			o->cells = c;
			o->capcells = cap;
		}
		for (size_t i = 0; i < o->ncols; i++) {
			json_t *v = json_object_get(row, o->cols[i].key);
			/* One record: objects (properties, ...) as JSON, unambiguous with spaces. */
			if (o->single && json_is_object(v) && json_object_size(v))
				o->cells[o->ncells++] = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			else {
				char *c = out_cell_text(v);
				o->cells[o->ncells++] = c ? out_text_escape(c) : NULL;
				free(c);
			}
		}
		break;
	}
	o->nrows++;
	json_decref(row);
}

void out_row_text(struct out *o, const char *json, size_t len)
{
	if (o->fmt == OUT_NDJSON || (o->fmt == OUT_JSON && !o->single)) {
		if (o->fmt == OUT_JSON)
			fputs(o->nrows ? ",\n" : "[\n", o->fp);
		fwrite(json, 1, len, o->fp);
		if (o->fmt == OUT_NDJSON)
			fputc('\n', o->fp);
		o->nrows++;
		return;
	}
	json_t *row = json_loadb(json, len, 0, NULL);
	out_row(o, row ? row : json_object());
}

/* Display width of UTF-8 text (code points; good enough for aligned columns). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void text_end(struct out *o)
{
	size_t nc = o->ncols, *w = calloc(nc ? nc : 1, sizeof(*w));
	if (!w)
		return;
	if (o->single) {
		size_t kw = 0;
		for (size_t i = 0; i < nc; i++)
			if (!(o->cols[i].flags & COL_NOTEXT) && width(o->cols[i].key) > kw)
				kw = width(o->cols[i].key);
		for (size_t r = 0; r < o->nrows; r++)
			for (size_t i = 0; i < nc; i++) {
				if (o->cols[i].flags & COL_NOTEXT)
					continue;
				const char *k = o->cols[i].header ? o->cols[i].header : o->cols[i].key;
				fprintf(o->fp, "%s:%*s %s\n", k, (int)(kw - width(k)), "",
					o->cells[r * nc + i] ? o->cells[r * nc + i] : "");
			}
		free(w);
		return;
	}
	for (size_t i = 0; i < nc; i++) {
		const char *h = o->cols[i].header ? o->cols[i].header : o->cols[i].key;
		w[i] = o->text_header ? width(h) : 0;
		for (size_t r = 0; r < o->nrows; r++) {
			const char *c = o->cells[r * nc + i];
			if (c && width(c) > w[i])
				w[i] = width(c);
		}
	}
	/* The last shown column is not padded, so lines carry no trailing blanks. */
	size_t last = 0;
	for (size_t i = 0; i < nc; i++)
		if (!(o->cols[i].flags & COL_NOTEXT))
			last = i;
	for (size_t r = 0; r < o->nrows + (o->text_header ? 1 : 0); r++) {
		bool first = true;
		for (size_t i = 0; i < nc; i++) {
			if (o->cols[i].flags & COL_NOTEXT)
				continue;
			const char *c;
			if (o->text_header && r == 0)
				c = o->cols[i].header ? o->cols[i].header : o->cols[i].key;
			else
				c = o->cells[(r - (o->text_header ? 1 : 0)) * nc + i];
			if (!c)
				c = "";
			if (!first)
				fputs("  ", o->fp);
			first = false;
			size_t pad = w[i] - width(c);
			if (o->cols[i].flags & COL_RIGHT)
				fprintf(o->fp, "%*s%s", (int)pad, "", c);
			else if (i == last)
				fputs(c, o->fp);
			else
				fprintf(o->fp, "%s%*s", c, (int)pad, "");
		}
		fputc('\n', o->fp);
	}
	free(w);
}

int out_end(struct out *o)
{
	if (o->fmt == OUT_JSON && !o->single)
		fputs(o->nrows ? "\n]\n" : "[]\n", o->fp);
	if ((o->fmt == OUT_TSV || o->fmt == OUT_CSV) && !o->nrows)
		sv_header(o);
	if (o->fmt == OUT_TEXT)
		text_end(o);
	for (size_t i = 0; i < o->ncells; i++)
		free(o->cells[i]);
	free(o->cells);
	o->cells = NULL;
	return ferror(o->fp) ? EXIT_UNREADABLE : EXIT_OK;
}

void out_json_doc(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(v);
}

FILE *text_open(struct text_stream *t)
{
	t->text = NULL;
	t->len = 0;
	return t->fp = open_memstream(&t->text, &t->len);
}

char *text_close(struct text_stream *t)
{
	bool bad = ferror(t->fp);
	if (fclose(t->fp) || bad) {
		free(t->text);
		return NULL;
	}
	return t->text;
}
