/*
 * test_arena.c - the bump allocator of lib/util.c: blocks kept by dq_arena_reset are
 * reused (the smallest that fits; one a request outgrew is dropped), dq_arena_adopt moves
 * every allocation into another arena intact, and dq_hint_huge is harmless on any buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

/* The block layout is private to util.c; only the list links are needed here. */
struct dq_arena_block {
	struct dq_arena_block *next;
	size_t used, cap;
};

static size_t count(const struct dq_arena_block *b)
{
	size_t n = 0;
	for (; b; b = b->next)
		n++;
	return n;
}

static void test_reset_reuses(void)
{
	struct dq_arena a = { 0 };
	char *big = dq_arena_alloc(&a, 1 << 20);
	char *small = dq_arena_strdup(&a, "hello");
	CHECK(big && small);
	CHECK_STR(small, "hello");
	memset(big, 'x', 1 << 20);
	CHECK_INT(count(a.head), 2);
	dq_arena_reset(&a);
	CHECK(a.head == NULL);
	CHECK_INT(count(a.spare), 2);
	/* the same requests get the same blocks back: no new memory */
	char *big2 = dq_arena_alloc(&a, 1 << 20);
	char *small2 = dq_arena_alloc(&a, 6);
	CHECK(big2 == big);
	CHECK(small2 == small);
	CHECK_INT(count(a.spare), 0);
	/* a smaller big request takes the smallest spare that fits, not the 1 MiB one */
	char *mid = dq_arena_alloc(&a, 200000);
	CHECK(mid != NULL && mid != big);
	dq_arena_reset(&a);
	CHECK_INT(count(a.spare), 3);
	CHECK(dq_arena_alloc(&a, 100000) == mid);
	CHECK_INT(count(a.spare), 2);
	dq_arena_reset(&a);
	/* a request bigger than every spare drops the largest it outgrew (the 1 MiB one) */
	char *huge = dq_arena_alloc(&a, 2 << 20);
	CHECK(huge != NULL);
	memset(huge, 'y', 2 << 20);
	CHECK_INT(count(a.spare), 2);
	CHECK(dq_arena_alloc(&a, 150000) == mid);
	dq_arena_release(&a);
	CHECK(a.head == NULL && a.spare == NULL);
	dq_arena_release(&a); /* twice is fine */
}

static void test_adopt(void)
{
	struct dq_arena a = { 0 }, b = { .block = 1 << 20 };
	char *keep[100];
	char text[32];
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "string %d", i);
		keep[i] = dq_arena_strdup(i % 2 ? &a : &b, text);
	}
	char *last = dq_arena_strdup(&a, "a's last");
	dq_arena_reset(&b); /* b's blocks are spare now; adopt moves those too */
	for (int i = 0; i < 100; i += 2) {
		snprintf(text, sizeof(text), "again %d", i);
		keep[i] = dq_arena_strdup(&b, text);
	}
	dq_arena_adopt(&a, &b);
	CHECK(b.head == NULL && b.spare == NULL);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), i % 2 ? "string %d" : "again %d", i);
		CHECK_STR(keep[i], text);
	}
	/* a keeps filling its own current block */
	char *next = dq_arena_strdup(&a, "next");
	CHECK(next == last + 16);
	dq_arena_adopt(&a, &b); /* an empty arena adds nothing */
	struct dq_arena c = { 0 };
	dq_arena_adopt(&c, &a); /* into an empty arena */
	CHECK_STR(keep[1], "string 1");
	CHECK(a.head == NULL);
	dq_arena_release(&c);
}

static void test_hint_huge(void)
{
	size_t n = 9 << 20;
	char *p = malloc(n);
	CHECK(p != NULL);
	if (!p)
		return;
	dq_hint_huge(p, n);
	dq_hint_huge(p + 1, 100);       /* too small: nothing to do */
	dq_hint_huge(p, 0);
	memset(p, 1, n);
	CHECK(p[n - 1] == 1);
	free(p);
}

int main(void)
{
	unit_run("reset reuses blocks", test_reset_reuses);
	unit_run("adopt", test_adopt);
	unit_run("huge page hint", test_hint_huge);
	return unit_done();
}
