/*
 * column.c - one column chunk, read and decoded (apache/parquet-format:README.md "Column
 * chunks", "Data Pages", "Checksumming"; ../shared/research/parquet.md sections 2.2 and 3.1).
 *
 * The chunk starts at its dictionary page when the footer gives a usable offset for one
 * (writers put 0 there to mean none), else at its first data page, and is read with one
 * store read.  Its pages follow one another until they hold the chunk's num_values level
 * entries: at most one DICTIONARY_PAGE first, then DATA_PAGE (v1: the whole body
 * compressed, then repetition and definition levels each behind a 4-byte length when
 * their maximum is above 0, then values) and DATA_PAGE_V2 (levels first, uncompressed and
 * unprefixed; only the values compressed, and only when is_compressed) in any mix of
 * value encodings, so a writer that falls back from its dictionary to PLAIN mid-chunk
 * reads fine.  INDEX_PAGE and unknown page types are skipped.  A page with a CRC is
 * checked against the bytes as written.
 *
 * Everything the caller gets lives in the column's arena; scratch space is malloc'd and
 * freed here.  Every size comes from the file, so each is checked against the bytes at
 * hand, and a page may not claim more level entries than the chunk has left.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "encoding.h"
#include "reader.h"
#include "snappy_stream.h"

/* Old parquet-mr (1.2.8 and before) left the dictionary page header out of
 * total_compressed_size (PARQUET-816); arrow reads this much further for them. */
#define PARQUET_816_PADDING 100

struct chunk {
	parquet_file *f;
	size_t rg;
	int leaf;
	const struct parquet_schema_element *el;
	const struct parquet_column_chunk *cc;
	int64_t start;                  /* file offset of buf[0] */
	uint8_t *buf;
	size_t len;
};

/* Prefixes err->msg with the file, column and page, unless it names the file already. */
static int page_fail(const struct chunk *c, int64_t off, struct dq_error *err)
{
	char msg[sizeof(err->msg)];
	int code = err->code ? err->code : DQ_ECORRUPT;

	if (!strncmp(err->msg, "cannot read '", 13))
		return code;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	dq_fail(err, code, "cannot read '%s': column '%s', page at offset %lld: %s", c->f->name,
		c->el->path, (long long)off, msg);
	return code;
}

__attribute__((format(printf, 4, 5)))
static int bad_page(const struct chunk *c, int64_t off, struct dq_error *err, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column '%s', page at offset %lld: %s",
		       c->f->name, c->el->path, (long long)off, msg);
}

static int oom(const struct chunk *c, struct dq_error *err)
{
	return dq_fail(err, DQ_ENOMEM, "cannot read '%s': column '%s': out of memory", c->f->name,
		       c->el->path);
}

/* "parquet-mr version 1.2.8 (build ...)" and older, or parquet-mr without a version
 * (arrow's ApplicationVersion reads that as 0.0.0). */
static bool before_parquet_816_fix(const char *created_by)
{
	static const char prefix[] = "parquet-mr";
	int a, b, p;

	if (!created_by || strncmp(created_by, prefix, sizeof(prefix) - 1))
		return false;
	if (sscanf(created_by + sizeof(prefix) - 1, " version %d.%d.%d", &a, &b, &p) != 3)
		return true;
	return a < 1 || (a == 1 && (b < 2 || (b == 2 && p <= 8)));
}

/* Finds the chunk's byte range and reads it into the arena. */
static int chunk_load(parquet_file *f, size_t rg, int leaf, struct dq_arena *arena,
		      struct chunk *c, struct dq_error *err)
{
	const struct parquet_meta *m = &f->meta;

	memset(c, 0, sizeof(*c));
	c->f = f;
	c->rg = rg;
	c->leaf = leaf;
	if (rg >= m->nrow_groups || leaf < 0 || (size_t)leaf >= m->nleaves ||
	    m->row_groups[rg].ncolumns != m->nleaves)
		return dq_fail(err, DQ_EINVAL, "cannot read '%s': no column %d in row group %zu",
			       f->name, leaf, rg);
	c->el = &m->schema[m->leaves[leaf]];
	c->cc = &m->row_groups[rg].columns[leaf];
	const struct parquet_column_meta *cm = &c->cc->meta;
	if (c->cc->encrypted)
		return dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': column '%s' is encrypted; "
			       "encrypted Parquet files are not supported", f->name, c->el->path);
	if (c->cc->file_path && *c->cc->file_path)
		return dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': column '%s' of row group %zu "
			       "is in another file ('%s', column chunk at offset %lld); external "
			       "column data is not supported", f->name, c->el->path, rg,
			       c->cc->file_path, (long long)c->cc->file_offset);
	if (!c->cc->has_meta)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group %zu has "
			       "no metadata", f->name, c->el->path, rg);
	if (cm->num_values < 0)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group %zu has "
			       "%lld values", f->name, c->el->path, rg, (long long)cm->num_values);
	if (cm->num_values == 0)
		return 0;
	int64_t start = cm->data_page_offset;
	if (cm->dictionary_page_offset >= 4 && cm->dictionary_page_offset < start)
		start = cm->dictionary_page_offset;
	int64_t len = cm->total_compressed_size;
	if (start < 4 || start >= f->footer_offset || len <= 0 || len > f->footer_offset - start)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group %zu: "
			       "chunk at offset %lld of %lld bytes is outside the data (which ends "
			       "at offset %lld)", f->name, c->el->path, rg, (long long)start,
			       (long long)len, (long long)f->footer_offset);
	if (before_parquet_816_fix(m->created_by)) {
		int64_t room = f->footer_offset - start - len;
		len += room < PARQUET_816_PADDING ? room : PARQUET_816_PADDING;
	}
	if ((uint64_t)len > SIZE_MAX / 2)
		return oom(c, err);
	c->start = start;
	c->len = (size_t)len;
	if (!(c->buf = dq_arena_alloc(arena, c->len)))
		return oom(c, err);
	return parquet_read_at(f, start, c->len, c->buf, err);
}

/* The page header at *pos; checks that its body lies inside the chunk and its CRC. */
static int page_at(const struct chunk *c, size_t pos, struct parquet_page_header *ph,
		   size_t *hlen, bool *crc_ok, struct dq_error *err)
{
	int64_t off = c->start + (int64_t)pos;
	int rc = parquet_page_header_parse(c->buf + pos, c->len - pos, c->f->name, off, ph, hlen, err);

	if (rc)
		return page_fail(c, off, err);
	if (ph->compressed_size < 0 || ph->uncompressed_size < 0 ||
	    (size_t)ph->compressed_size > c->len - pos - *hlen)
		return bad_page(c, off, err, "its %d bytes run past the column chunk (which ends "
				"at offset %lld)", (int)ph->compressed_size,
				(long long)(c->start + (int64_t)c->len));
	*crc_ok = !ph->has_crc ||
		  (uint32_t)crc32(0, c->buf + pos + *hlen, (uInt)ph->compressed_size) == ph->crc;
	return 0;
}

/* Bits needed for levels up to max. */
static int bit_width(int max)
{
	int w = 0;

	while (max >> w)
		w++;
	return w;
}

/* Growable scratch space (malloc'd). */
struct scratch {
	uint32_t *u32;
	size_t cap;
};

static uint32_t *scratch_get(struct scratch *s, size_t n)
{
	if (n > s->cap) {
		uint32_t *p = dq_realloc_array(s->u32, n, sizeof(*p));
		if (!p)
			return NULL;
		s->u32 = p;
		s->cap = n;
	}
	return s->u32 ? s->u32 : (s->u32 = malloc(sizeof(uint32_t)));
}

/* The level entries of the chunk, as decoded so far (malloc'd). */
struct levels {
	int16_t *def, *rep;
	size_t n, cap;
};

static int levels_grow(struct levels *l, size_t more)
{
	if (l->n + more <= l->cap)
		return 0;
	size_t cap = l->cap ? l->cap : 1024;
	while (cap < l->n + more)
		cap = cap > SIZE_MAX / 4 ? l->n + more : cap * 2;
	int16_t *d = dq_realloc_array(l->def, cap, sizeof(*d));
	if (!d)
		return -1;
	l->def = d;
	int16_t *r = dq_realloc_array(l->rep, cap, sizeof(*r));
	if (!r)
		return -1;
	l->rep = r;
	l->cap = cap;
	return 0;
}

/* Decoded value arrays of the pages so far, concatenated at the end. */
struct pieces {
	struct parquet_values *v;
	size_t n, cap, total;
};

static size_t value_size(enum parquet_type t)
{
	switch (t) {
	case PQ_BOOLEAN: return 1;
	case PQ_INT32:
	case PQ_FLOAT: return 4;
	case PQ_INT64:
	case PQ_DOUBLE: return 8;
	default: return sizeof(struct parquet_bytes);
	}
}

/*
 * One level stream of n entries into dst, checking each against max.  v1 streams
 * (prefixed) are RLE behind a 4-byte length, or BIT_PACKED; v2 streams are RLE of exactly
 * len bytes.  *p and *left advance past the stream.
 */
static int read_levels(const struct chunk *c, int64_t off, const char *which, int encoding,
		       bool prefixed, const uint8_t **p, size_t *left, int max, size_t n,
		       int16_t *dst, struct scratch *s, struct dq_error *err)
{
	uint32_t *tmp = scratch_get(s, n);
	size_t used = 0;
	int bw = bit_width(max);

	if (!tmp)
		return oom(c, err);
	if (!prefixed || encoding == PQ_RLE) {
		size_t skip = 0, slen = *left;
		if (prefixed) {
			if (*left < 4)
				return bad_page(c, off, err, "%s levels: no room for their length", which);
			slen = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 |
			       (uint32_t)(*p)[2] << 16 | (uint32_t)(*p)[3] << 24;
			if (slen > *left - 4)
				return bad_page(c, off, err, "%s levels of %zu bytes run past the page",
						which, slen);
			skip = 4;
		}
		if (parquet_rle_decode(*p + skip, slen, bw, tmp, n, NULL, err))
			return page_fail(c, off, err);
		used = skip + slen;
	} else if (encoding == PQ_BIT_PACKED) {
		if (parquet_bitpacked_decode(*p, *left, bw, tmp, n, &used, err))
			return page_fail(c, off, err);
	} else {
		return dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': column '%s', page at offset "
			       "%lld: %s levels in unsupported encoding %d", c->f->name, c->el->path,
			       (long long)off, which, encoding);
	}
	for (size_t i = 0; i < n; i++) {
		if (tmp[i] > (uint32_t)max)
			return bad_page(c, off, err, "%s level %u above the column's maximum %d",
					which, tmp[i], max);
		dst[i] = (int16_t)tmp[i];
	}
	*p += used;
	*left -= used;
	return 0;
}

/*
 * Whether a page is within the store's limit (see DQ_MAX_PAGE_BYTES): what it decompresses
 * to (when compressed), and its `n` values at 16 bytes each; else the error.  A page that
 * is stored as it is costs no more than the file's own bytes.
 */
static int page_limit(const struct chunk *c, int64_t off, const struct parquet_page_header *ph,
		      int64_t n, bool compressed, struct dq_error *err)
{
	uint64_t max = c->f->store->max_page_bytes ? c->f->store->max_page_bytes : DQ_MAX_PAGE_BYTES;
	uint64_t size = compressed && c->cc->meta.codec != PQ_UNCOMPRESSED
				? (uint64_t)ph->uncompressed_size : 0;
	const char *what = "bytes uncompressed";
	if (n > 0 && (uint64_t)n > max / 16 && (uint64_t)n * 16 > size) {
		size = (uint64_t)n * 16;
		what = "bytes of values in memory";
	}
	if (size <= max)
		return 0;
	return dq_fail(err, DQ_EIO, "cannot read '%s': column '%s', page at offset %lld: %llu %s, "
		       "over the limit of %llu a page may take (DELTAQ_MAX_PAGE_BYTES raises it)",
		       c->f->name, c->el->path, (long long)off, (unsigned long long)size, what,
		       (unsigned long long)max);
}

/* A page body decompressed (into the arena) or, uncompressed, in place. */
static int page_body(const struct chunk *c, int64_t off, const uint8_t *in, size_t inlen,
		     size_t outlen, bool compressed, struct dq_arena *arena, const uint8_t **out,
		     size_t *len, struct dq_error *err)
{
	int codec = c->cc->meta.codec;

	if (!compressed || codec == PQ_UNCOMPRESSED) {
		*out = in;
		*len = inlen;
		return 0;
	}
	if (inlen == 0 && outlen == 0) {
		*out = in;
		*len = 0;
		return 0;
	}
	uint8_t *buf = dq_arena_alloc(arena, outlen ? outlen : 1);
	if (!buf)
		return oom(c, err);
	if (parquet_decompress(codec, in, inlen, buf, outlen, "the page", err))
		return page_fail(c, off, err);
	*out = buf;
	*len = outlen;
	return 0;
}

/* Dictionary indices of a page (bit width byte + hybrid) resolved into n values. */
static int resolve_dict(const struct chunk *c, int64_t off, const struct parquet_values *dict,
			const uint8_t *p, size_t len, size_t n, struct dq_arena *arena,
			struct scratch *s, struct parquet_values *out, struct dq_error *err)
{
	size_t sz = value_size(dict->type);

	memset(out, 0, sizeof(*out));
	out->type = dict->type;
	out->type_length = dict->type_length;
	out->n = n;
	if (!(out->v.b = dq_arena_alloc(arena, n ? n * sz : 1)))
		return oom(c, err);
	if (n == 0)
		return 0;
	if (len < 1)
		return bad_page(c, off, err, "dictionary indices: no bit width");
	if (p[0] > 32)
		return bad_page(c, off, err, "dictionary indices: bit width %u", p[0]);
	uint32_t *idx = scratch_get(s, n);
	if (!idx)
		return oom(c, err);
	if (parquet_rle_decode(p + 1, len - 1, p[0], idx, n, NULL, err))
		return page_fail(c, off, err);
	const uint8_t *src = (const uint8_t *)dict->v.b;
	uint8_t *dst = out->v.b;
	for (size_t i = 0; i < n; i++) {
		if (idx[i] >= dict->n)
			return bad_page(c, off, err, "dictionary index %u, the dictionary has %zu "
					"values", idx[i], dict->n);
		memcpy(dst + i * sz, src + (size_t)idx[i] * sz, sz);
	}
	return 0;
}

int parquet_read_column(parquet_file *f, size_t rg, int leaf, struct parquet_column *out,
			struct dq_error *err)
{
	memset(out, 0, sizeof(*out));
	return parquet_read_column_again(f, rg, leaf, out, err);
}

int parquet_read_column_again(parquet_file *f, size_t rg, int leaf, struct parquet_column *out,
			      struct dq_error *err)
{
	struct chunk c;
	struct scratch s = { 0 };
	struct levels lv = { 0 };
	struct pieces pc = { 0 };
	struct parquet_values dict = { 0 };
	bool have_dict = false, seen_data = false;
	int rc;
	struct dq_arena arena = out->arena;

	dq_arena_reset(&arena);
	memset(out, 0, sizeof(*out));
	out->arena = arena;
	out->leaf = leaf;
	if ((rc = chunk_load(f, rg, leaf, &out->arena, &c, err)))
		goto fail;
	const struct parquet_schema_element *el = c.el;
	int max_def = el->max_def, max_rep = el->max_rep;
	int32_t tlen = el->type == PQ_INT96 ? 12 : el->type_length;
	int64_t want = c.cc->meta.num_values;
	size_t pos = 0, seen = 0;

	out->values.type = el->type;
	out->values.type_length = tlen;
	while ((int64_t)seen < want) {
		struct parquet_page_header ph;
		size_t hlen;
		bool crc_ok;
		int64_t off = c.start + (int64_t)pos;

		if (pos >= c.len) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group "
				     "%zu: its pages hold %zu values, the footer says %lld", f->name,
				     el->path, rg, seen, (long long)want);
			goto fail;
		}
		if ((rc = page_at(&c, pos, &ph, &hlen, &crc_ok, err)))
			goto fail;
		if (!crc_ok) {
			rc = bad_page(&c, off, err, "CRC mismatch");
			goto fail;
		}
		const uint8_t *raw = c.buf + pos + hlen;
		size_t rawlen = (size_t)ph.compressed_size;
		pos += hlen + rawlen;

		if (ph.type == PQ_DICTIONARY_PAGE) {
			const uint8_t *body;
			size_t blen;
			if (have_dict || seen_data) {
				rc = bad_page(&c, off, err, "a dictionary page %s",
					      have_dict ? "after another" : "after data pages");
				goto fail;
			}
			if (ph.dict_encoding != PQ_PLAIN && ph.dict_encoding != PQ_PLAIN_DICTIONARY) {
				rc = dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': column '%s', page "
					     "at offset %lld: dictionary in unsupported encoding %d",
					     f->name, el->path, (long long)off, ph.dict_encoding);
				goto fail;
			}
			if ((rc = page_limit(&c, off, &ph, ph.dict_num_values, true, err)) ||
			    (rc = page_body(&c, off, raw, rawlen, (size_t)ph.uncompressed_size, true,
					    &out->arena, &body, &blen, err)))
				goto fail;
			if (parquet_decode(PQ_PLAIN, el->type, tlen, body, blen,
					   (size_t)ph.dict_num_values, &out->arena, &dict, err)) {
				rc = page_fail(&c, off, err);
				goto fail;
			}
			have_dict = true;
			continue;
		}
		if (ph.type != PQ_DATA_PAGE && ph.type != PQ_DATA_PAGE_V2)
			continue;       /* INDEX_PAGE, or a page type from the future */
		seen_data = true;

		size_t n = (size_t)ph.num_values;
		if ((int64_t)n > want - (int64_t)seen) {
			rc = bad_page(&c, off, err, "%zu values, only %lld of the chunk's %lld are left",
				      n, (long long)(want - (int64_t)seen), (long long)want);
			goto fail;
		}
		if ((rc = page_limit(&c, off, &ph, ph.num_values,
				     ph.type == PQ_DATA_PAGE || ph.is_compressed, err)))
			goto fail;
		if (levels_grow(&lv, n)) {
			rc = oom(&c, err);
			goto fail;
		}
		const uint8_t *p;
		size_t left;
		if (ph.type == PQ_DATA_PAGE) {
			if ((rc = page_body(&c, off, raw, rawlen, (size_t)ph.uncompressed_size, true,
					    &out->arena, &p, &left, err)))
				goto fail;
			if (max_rep > 0 &&
			    (rc = read_levels(&c, off, "repetition", ph.rep_encoding, true, &p, &left,
					      max_rep, n, lv.rep + lv.n, &s, err)))
				goto fail;
			if (max_def > 0 &&
			    (rc = read_levels(&c, off, "definition", ph.def_encoding, true, &p, &left,
					      max_def, n, lv.def + lv.n, &s, err)))
				goto fail;
		} else {
			size_t rl = (size_t)ph.rep_levels_len, dl = (size_t)ph.def_levels_len;
			if (ph.rep_levels_len < 0 || ph.def_levels_len < 0 || rl > rawlen ||
			    dl > rawlen - rl || rl + dl > (size_t)ph.uncompressed_size) {
				rc = bad_page(&c, off, err, "levels of %d and %d bytes do not fit its "
					      "%d bytes", (int)ph.rep_levels_len, (int)ph.def_levels_len,
					      (int)ph.compressed_size);
				goto fail;
			}
			const uint8_t *q = raw;
			size_t qleft = rl;
			if (max_rep > 0 &&
			    (rc = read_levels(&c, off, "repetition", PQ_RLE, false, &q, &qleft,
					      max_rep, n, lv.rep + lv.n, &s, err)))
				goto fail;
			q = raw + rl;
			qleft = dl;
			if (max_def > 0 &&
			    (rc = read_levels(&c, off, "definition", PQ_RLE, false, &q, &qleft,
					      max_def, n, lv.def + lv.n, &s, err)))
				goto fail;
			if ((rc = page_body(&c, off, raw + rl + dl, rawlen - rl - dl,
					    (size_t)ph.uncompressed_size - rl - dl, ph.is_compressed,
					    &out->arena, &p, &left, err)))
				goto fail;
		}
		size_t nn = n;
		if (max_def > 0) {
			nn = 0;
			for (size_t i = 0; i < n; i++)
				nn += lv.def[lv.n + i] == max_def;
		}
		struct parquet_values pv;
		if (nn == 0) {
			/* all nulls: nothing to decode, whatever the encoding says */
			memset(&pv, 0, sizeof(pv));
			pv.type = el->type;
			pv.type_length = tlen;
		} else if (ph.encoding == PQ_PLAIN_DICTIONARY || ph.encoding == PQ_RLE_DICTIONARY) {
			if (!have_dict) {
				rc = bad_page(&c, off, err, "dictionary-encoded values without a "
					      "dictionary page");
				goto fail;
			}
			if ((rc = resolve_dict(&c, off, &dict, p, left, nn, &out->arena, &s, &pv, err)))
				goto fail;
		} else if (parquet_decode(ph.encoding, el->type, tlen, p, left, nn, &out->arena, &pv,
					  err)) {
			rc = page_fail(&c, off, err);
			goto fail;
		}
		if (pc.n == pc.cap) {
			size_t cap = pc.cap ? pc.cap * 2 : 8;
			struct parquet_values *v = dq_realloc_array(pc.v, cap, sizeof(*v));
			if (!v) {
				rc = oom(&c, err);
				goto fail;
			}
			pc.v = v;
			pc.cap = cap;
		}
		pc.v[pc.n++] = pv;
		pc.total += nn;
		lv.n += n;
		seen += n;
	}

	/* the levels and values of all pages, into the arena */
	out->nlevels = lv.n;
	if (max_def > 0 || max_rep > 0) {
		size_t bytes = (lv.n ? lv.n : 1) * sizeof(int16_t);
		if (max_def > 0) {
			if (!(out->def = dq_arena_alloc(&out->arena, bytes))) {
				rc = oom(&c, err);
				goto fail;
			}
			if (lv.n)
				memcpy(out->def, lv.def, lv.n * sizeof(int16_t));
		}
		if (max_rep > 0) {
			if (!(out->rep = dq_arena_alloc(&out->arena, bytes))) {
				rc = oom(&c, err);
				goto fail;
			}
			if (lv.n)
				memcpy(out->rep, lv.rep, lv.n * sizeof(int16_t));
		}
	}
	out->values.n = pc.total;
	if (pc.n == 1) {
		out->values.v = pc.v[0].v;
	} else {
		size_t sz = value_size(el->type);
		uint8_t *dst = dq_arena_alloc(&out->arena, pc.total ? pc.total * sz : 1);
		if (!dst) {
			rc = oom(&c, err);
			goto fail;
		}
		out->values.v.b = dst;
		for (size_t i = 0; i < pc.n; i++) {
			if (pc.v[i].n)
				memcpy(dst, pc.v[i].v.b, pc.v[i].n * sz);
			dst += pc.v[i].n * sz;
		}
	}
	free(s.u32);
	free(lv.def);
	free(lv.rep);
	free(pc.v);
	return 0;
fail:
	free(s.u32);
	free(lv.def);
	free(lv.rep);
	free(pc.v);
	parquet_column_release(out);
	out->leaf = leaf;
	return rc ? rc : DQ_ECORRUPT;
}

void parquet_column_release(struct parquet_column *c)
{
	if (!c)
		return;
	dq_arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

int parquet_chunk_pages(parquet_file *f, size_t rg, int leaf, struct parquet_page_info **out,
			size_t *n, struct dq_error *err)
{
	struct dq_arena arena = { 0 };
	struct parquet_page_info *pages = NULL;
	size_t np = 0, cap = 0, pos = 0;
	int64_t seen = 0;
	struct chunk c;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = chunk_load(f, rg, leaf, &arena, &c, err)))
		goto done;
	while (seen < c.cc->meta.num_values && pos < c.len) {
		struct parquet_page_info pi = { .offset = c.start + (int64_t)pos };
		if ((rc = page_at(&c, pos, &pi.h, &pi.header_len, &pi.crc_ok, err)))
			goto done;
		memset(&pi.h.stats, 0, sizeof(pi.h.stats));
		pi.crc_ok = pi.crc_ok && pi.h.has_crc;
		if (np == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct parquet_page_info *p = dq_realloc_array(pages, nc, sizeof(*p));
			if (!p) {
				rc = oom(&c, err);
				goto done;
			}
			pages = p;
			cap = nc;
		}
		pages[np++] = pi;
		pos += pi.header_len + (size_t)pi.h.compressed_size;
		if (pi.h.type == PQ_DATA_PAGE || pi.h.type == PQ_DATA_PAGE_V2)
			seen += pi.h.num_values;
	}
done:
	dq_arena_release(&arena);
	if (rc) {
		free(pages);
		return rc;
	}
	*out = pages;
	*n = np;
	return 0;
}

/* ---- scanning byte arrays through a window ---------------------------------------------- */

#define SCAN_WINDOW ((size_t)256 << 10)

static int scan_whole(parquet_file *f, size_t rg, int leaf, struct parquet_column *col,
		      parquet_bytes_fn *fn, void *arg, struct dq_error *err)
{
	int rc = parquet_read_column_again(f, rg, leaf, col, err);
	if (rc)
		return rc;
	int16_t max_def = f->meta.schema[f->meta.leaves[leaf]].max_def;
	size_t vi = 0;
	for (size_t i = 0; i < col->nlevels && vi < col->values.n; i++)
		if (!col->def || col->def[i] == max_def) {
			fn(arg, i, col->values.v.ba[vi].ptr, col->values.v.ba[vi].len);
			vi++;
		}
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The PLAIN values of one page, from a Snappy stream positioned at their start (output
 * byte vpos) or from a buffer; fn gets those whose level entry is defined.  -1 when the
 * stream or the values are not as they should be (the caller starts over the slow way).
 */
static int scan_values(struct snappy_stream *ss, const uint8_t *body, size_t blen, size_t vpos,
		       const int16_t *def, int16_t max_def, size_t n, size_t first,
		       struct dq_arena *arena, parquet_bytes_fn *fn, void *arg)
{
	size_t total = ss ? ss->total : blen;
	for (size_t i = 0; i < n; i++) {
		if (def && def[i] != max_def)
			continue;
		const uint8_t *p;
		if (vpos > total || total - vpos < 4)
			return -1;
		if (ss && snappy_stream_fill(ss, vpos + 4, vpos))
			return -1;
		uint32_t len = le32(ss ? snappy_stream_at(ss, vpos) : body + vpos);
		if (len > total - vpos - 4)
			return -1;
		if (ss) {
			int r = snappy_stream_fill(ss, vpos + 4 + len, vpos);
			if (r == SNAPPY_STREAM_NOROOM) {
				size_t cap = 2 * ((size_t)len + SCAN_WINDOW);
				uint8_t *w = dq_arena_alloc(arena, cap);
				if (!w)
					return -1;
				snappy_stream_grow(ss, w, cap);
				r = snappy_stream_fill(ss, vpos + 4 + len, vpos);
			}
			if (r)
				return -1;
			p = snappy_stream_at(ss, vpos + 4);
		} else {
			p = body + vpos + 4;
		}
		fn(arg, first + i, p, len);
		vpos += 4 + (size_t)len;
	}
	return 0;
}

int parquet_scan_bytes(parquet_file *f, size_t rg, int leaf, struct parquet_column *col,
		       parquet_bytes_fn *fn, void *arg, struct dq_error *err)
{
	const struct parquet_meta *m = &f->meta;
	if (leaf < 0 || (size_t)leaf >= m->nleaves)
		return scan_whole(f, rg, leaf, col, fn, arg, err);
	const struct parquet_schema_element *el = &m->schema[m->leaves[leaf]];
	if (el->type != PQ_BYTE_ARRAY && el->type != PQ_FIXED_LEN_BYTE_ARRAY && el->type != PQ_INT96)
		return dq_fail(err, DQ_EINVAL, "cannot read '%s': column '%s' does not hold byte arrays",
			       f->name, el->path);
	if (el->type != PQ_BYTE_ARRAY || el->max_rep > 0)
		return scan_whole(f, rg, leaf, col, fn, arg, err);
	struct dq_arena arena = col->arena;
	dq_arena_reset(&arena);
	memset(col, 0, sizeof(*col));
	col->arena = arena;
	col->leaf = leaf;
	struct chunk c;
	struct dq_error quiet;
	if (chunk_load(f, rg, leaf, &col->arena, &c, &quiet))
		return scan_whole(f, rg, leaf, col, fn, arg, err);
	int64_t want = c.cc->meta.num_values;
	int max_def = el->max_def;
	int codec = c.cc->meta.codec;

	/* Only chunks of PLAIN data pages are scanned here; anything else (a dictionary,
	 * a bad CRC, a page with too many values) is left to the whole read. */
	size_t pos = 0;
	int64_t seen = 0;
	while (seen < want) {
		struct parquet_page_header ph;
		size_t hlen;
		bool crc_ok;
		if (pos >= c.len || page_at(&c, pos, &ph, &hlen, &crc_ok, &quiet) || !crc_ok ||
		    ph.type == PQ_DICTIONARY_PAGE)
			return scan_whole(f, rg, leaf, col, fn, arg, err);
		pos += hlen + (size_t)ph.compressed_size;
		if (ph.type != PQ_DATA_PAGE && ph.type != PQ_DATA_PAGE_V2)
			continue;
		if (ph.encoding != PQ_PLAIN || ph.num_values < 0 || ph.num_values > want - seen ||
		    (ph.type == PQ_DATA_PAGE && max_def > 0 && ph.def_encoding != PQ_RLE))
			return scan_whole(f, rg, leaf, col, fn, arg, err);
		seen += ph.num_values;
	}

	uint8_t *win = dq_arena_alloc(&col->arena, SCAN_WINDOW);
	struct scratch s = { 0 };
	int rc = win ? 0 : -1;
	pos = 0;
	seen = 0;
	while (seen < want && rc == 0) {
		struct parquet_page_header ph;
		size_t hlen;
		bool crc_ok;
		int64_t off = c.start + (int64_t)pos;
		page_at(&c, pos, &ph, &hlen, &crc_ok, &quiet);
		const uint8_t *raw = c.buf + pos + hlen, *body = NULL, *p;
		size_t rawlen = (size_t)ph.compressed_size, blen = 0, left, vpos = 0;
		pos += hlen + rawlen;
		if (ph.type != PQ_DATA_PAGE && ph.type != PQ_DATA_PAGE_V2)
			continue;
		size_t n = (size_t)ph.num_values;
		/* A snappy page is streamed through the window, which still grows to its
		 * largest value: its uncompressed size counts too. */
		if (page_limit(&c, off, &ph, ph.num_values, ph.type == PQ_DATA_PAGE || ph.is_compressed,
			       &quiet)) {
			rc = -1;
			break;
		}
		int16_t *def = max_def > 0 ? dq_arena_alloc(&col->arena, (n ? n : 1) * sizeof(*def)) : NULL;
		struct snappy_stream ss, *st = NULL;
		if (max_def > 0 && !def) {
			rc = -1;
			break;
		}
		if (ph.type == PQ_DATA_PAGE) {
			if (codec == PQ_SNAPPY && rawlen > 0) {
				st = &ss;
				if (snappy_stream_init(st, raw, rawlen, win, SCAN_WINDOW) ||
				    st->total != (size_t)ph.uncompressed_size) {
					rc = -1;
					break;
				}
			} else if (page_body(&c, off, raw, rawlen, (size_t)ph.uncompressed_size, true,
					     &col->arena, &body, &blen, &quiet)) {
				rc = -1;
				break;
			}
			if (max_def > 0) {
				size_t total = st ? st->total : blen;
				if (total < 4 || (st && snappy_stream_fill(st, 4, 0))) {
					rc = -1;
					break;
				}
				size_t l = le32(st ? snappy_stream_at(st, 0) : body);
				if (l > total - 4 || l > SCAN_WINDOW / 2 ||
				    (st && snappy_stream_fill(st, 4 + l, 0))) {
					rc = -1;
					break;
				}
				p = st ? snappy_stream_at(st, 0) : body;
				left = 4 + l;
				if (read_levels(&c, off, "definition", PQ_RLE, true, &p, &left, max_def, n,
						def, &s, &quiet)) {
					rc = -1;
					break;
				}
				vpos = 4 + l;
			}
		} else {
			size_t rl = (size_t)ph.rep_levels_len, dl = (size_t)ph.def_levels_len;
			if (ph.rep_levels_len < 0 || ph.def_levels_len < 0 || rl > rawlen ||
			    dl > rawlen - rl || rl + dl > (size_t)ph.uncompressed_size) {
				rc = -1;
				break;
			}
			p = raw + rl;
			left = dl;
			if (max_def > 0 && read_levels(&c, off, "definition", PQ_RLE, false, &p, &left,
						       max_def, n, def, &s, &quiet)) {
				rc = -1;
				break;
			}
			size_t vlen = (size_t)ph.uncompressed_size - rl - dl;
			if (ph.is_compressed && codec == PQ_SNAPPY && rawlen - rl - dl > 0) {
				st = &ss;
				if (snappy_stream_init(st, raw + rl + dl, rawlen - rl - dl, win, SCAN_WINDOW) ||
				    st->total != vlen) {
					rc = -1;
					break;
				}
			} else if (page_body(&c, off, raw + rl + dl, rawlen - rl - dl, vlen,
					     ph.is_compressed, &col->arena, &body, &blen, &quiet)) {
				rc = -1;
				break;
			}
		}
		rc = scan_values(st, body, blen, vpos, def, (int16_t)max_def, n, (size_t)seen,
				 &col->arena, fn, arg);
		/* the rest of the page must decompress as libsnappy would have it */
		if (rc == 0 && st && (snappy_stream_fill(st, st->total, st->total) ||
				      !snappy_stream_done(st)))
			rc = -1;
		seen += (int64_t)n;
	}
	free(s.u32);
	if (rc)
		return scan_whole(f, rg, leaf, col, fn, arg, err);
	return 0;
}
