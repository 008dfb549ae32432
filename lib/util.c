/*
 * util.c - error reporting, checked allocation, growable buffers, an arena for the many
 * small strings of a replay, and a string hash set (the replay's "seen" set).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static void vfill(struct dq_error *err, int code, int sys_errno, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	err->sys_errno = sys_errno;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (sys_errno) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(sys_errno));
	}
}

int dq_fail(struct dq_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfill(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int dq_fail_errno(struct dq_error *err, int code, int sys_errno, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfill(err, code, sys_errno, fmt, ap);
	va_end(ap);
	return code;
}

const char *dq_strerror(int code)
{
	switch (code) {
	case DQ_OK: return "success";
	case DQ_EINVAL: return "invalid argument";
	case DQ_ENOTTABLE: return "not a Delta table";
	case DQ_EIO: return "I/O error";
	case DQ_ECORRUPT: return "corrupt log";
	case DQ_EMISSING: return "versions missing from the log";
	case DQ_ERANGE: return "out of range";
	case DQ_ENOTIMPL: return "not supported";
	case DQ_EUNSUPPORTED: return "unsupported protocol or reader feature";
	case DQ_ENOMEM: return "out of memory";
	case DQ_EFORKED: return "handle used after fork";
	}
	return "unknown error";
}

void *dq_malloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *dq_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

void *dq_realloc_array(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return realloc(p, (n && size) ? n * size : 1);
}

char *dq_strdup(const char *s)
{
	return dq_strndup(s, strlen(s));
}

char *dq_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int dq_buf_reserve(struct dq_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : SIZE_MAX / 2;
	if (extra > max || b->len > max - extra)
		return -1;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int dq_buf_append(struct dq_buf *b, const void *p, size_t n)
{
	if (dq_buf_reserve(b, n))
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int dq_buf_puts(struct dq_buf *b, const char *s)
{
	return dq_buf_append(b, s, strlen(s));
}

void dq_buf_release(struct dq_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct dq_arena_block {
	struct dq_arena_block *next;
	size_t used, cap;
	_Alignas(max_align_t) char data[];
};

void dq_hint_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
	if (n >= 2 * huge && e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#else
	(void)p, (void)n;
#endif
}

/* The smallest spare block with room for n bytes, unlinked; NULL when none has. */
static struct dq_arena_block *spare_take(struct dq_arena *a, size_t n)
{
	struct dq_arena_block **best = NULL;
	for (struct dq_arena_block **p = &a->spare; *p; p = &(*p)->next)
		if ((*p)->cap >= n && (!best || (*p)->cap < (*best)->cap))
			best = p;
	if (!best)
		return NULL;
	struct dq_arena_block *b = *best;
	*best = b->next;
	return b;
}

/* On a miss, the largest spare block too small for n: the buffer n outgrew, which would
 * otherwise stay around unused for as long as the arena does. */
static void spare_drop_outgrown(struct dq_arena *a, size_t n)
{
	struct dq_arena_block **worst = NULL;
	for (struct dq_arena_block **p = &a->spare; *p; p = &(*p)->next)
		if ((*p)->cap < n && (!worst || (*p)->cap > (*worst)->cap))
			worst = p;
	if (worst) {
		struct dq_arena_block *b = *worst;
		*worst = b->next;
		free(b);
	}
}

void *dq_arena_alloc(struct dq_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct dq_arena_block *b = a->head;
	if (!b || b->cap - b->used < n) {
		size_t block = a->block > 65536 ? a->block : 65536;
		size_t cap = n > block - 4096 ? n : block - sizeof(*b);
		if (!(b = spare_take(a, cap))) {
			/* A new big block gets an eighth more room than asked for, so that the
			 * same column of the next row group, a little bigger, still fits (what
			 * is not written is not resident). */
			if (cap >= ((size_t)4 << 20) && cap < SIZE_MAX / 2)
				cap += cap / 8;
			spare_drop_outgrown(a, cap);
			b = malloc(sizeof(*b) + cap);
			if (!b)
				return NULL;
			b->cap = cap;
			dq_hint_huge(b, sizeof(*b) + cap);
		}
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *dq_arena_strndup(struct dq_arena *a, const char *s, size_t n)
{
	char *p = dq_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *dq_arena_strdup(struct dq_arena *a, const char *s)
{
	return dq_arena_strndup(a, s, strlen(s));
}

void dq_arena_reset(struct dq_arena *a)
{
	while (a->head) {
		struct dq_arena_block *b = a->head;
		a->head = b->next;
		b->next = a->spare;
		a->spare = b;
	}
}

void dq_arena_adopt(struct dq_arena *dst, struct dq_arena *src)
{
	struct dq_arena_block **lists[2] = { &src->head, &src->spare };
	struct dq_arena_block **into[2] = { &dst->head, &dst->spare };
	for (int i = 0; i < 2; i++) {
		if (!*lists[i])
			continue;
		/* Behind dst's current head, so dst keeps filling the block it was filling. */
		struct dq_arena_block *last = *lists[i];
		while (last->next)
			last = last->next;
		if (i == 0 && *into[0]) {
			last->next = (*into[0])->next;
			(*into[0])->next = *lists[i];
		} else {
			last->next = *into[i];
			*into[i] = *lists[i];
		}
		*lists[i] = NULL;
	}
}

static void free_blocks(struct dq_arena_block *b)
{
	while (b) {
		struct dq_arena_block *next = b->next;
		free(b);
		b = next;
	}
}

void dq_arena_release(struct dq_arena *a)
{
	free_blocks(a->head);
	free_blocks(a->spare);
	a->head = a->spare = NULL;
}

/* Eight bytes a step, each mixed in with a multiply; a final avalanche (splitmix64). */
uint64_t dq_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static int strset_grow(struct dq_strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	struct dq_strset_slot *slots = dq_calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slots[i].key)
			continue;
		size_t j = s->slots[i].hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

/* The slot holding key, or the empty one where it would go. */
static size_t strset_probe(const struct dq_strset *s, const char *key, uint64_t hash)
{
	size_t j = hash & (s->cap - 1);
	while (s->slots[j].key && (s->slots[j].hash != hash || strcmp(s->slots[j].key, key)))
		j = (j + 1) & (s->cap - 1);
	return j;
}

int dq_strset_add_hashed(struct dq_strset *s, const char *key, uint64_t hash)
{
	if ((s->n + 1) * 4 > s->cap * 3 && strset_grow(s))
		return -1;
	size_t j = strset_probe(s, key, hash);
	if (s->slots[j].key)
		return 0;
	s->slots[j] = (struct dq_strset_slot){ hash, key };
	s->n++;
	return 1;
}

int dq_strset_has_hashed(const struct dq_strset *s, const char *key, uint64_t hash)
{
	return s->cap && s->slots[strset_probe(s, key, hash)].key;
}

int dq_strset_add(struct dq_strset *s, const char *key)
{
	return dq_strset_add_hashed(s, key, dq_hash(key, strlen(key)));
}

int dq_strset_has(const struct dq_strset *s, const char *key)
{
	return s->cap && dq_strset_has_hashed(s, key, dq_hash(key, strlen(key)));
}

void dq_strset_release(struct dq_strset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}

int64_t dq_sat_add(int64_t a, int64_t b, bool *clamped)
{
	int64_t r;
	if (!__builtin_add_overflow(a, b, &r))
		return r;
	if (clamped)
		*clamped = true;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

size_t dq_utf8_seq(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
		 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* overlong forms, surrogates, and beyond U+10FFFF */
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

json_t *dq_json_text(const char *s)
{
	json_t *j = json_string(s);
	if (j || !s)
		return j;
	/* Not UTF-8: each stray byte becomes U+FFFD (3 bytes). */
	size_t len = strlen(s), o = 0;
	char *buf = len < SIZE_MAX / 3 ? malloc(3 * len + 1) : NULL;
	if (!buf)
		return NULL;
	while (*s) {
		size_t k = dq_utf8_seq(s);
		if (k) {
			memcpy(buf + o, s, k);
			o += k;
			s += k;
		} else {
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
			s++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}
