/*
 * test_lastcp.c - MD5 (RFC 1321 vectors) and _last_checkpoint: the checksum's canonical
 * form, checked against hand-written canonical strings; the fields, and every way a file
 * can be invalid; and every _last_checkpoint in ../shared/corpus (DQ_CORPUS overrides the
 * place), whose checksums must all verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lastcp.h"
#include "md5.h"
#include "unit.h"

static void md5_of(const void *p, size_t n, char hex[33])
{
	struct md5_ctx c;
	unsigned char d[16];
	md5_init(&c);
	md5_update(&c, p, n);
	md5_final(&c, d);
	md5_hex(d, hex);
}

static void md5_vectors(void)
{
	/* RFC 1321 appendix A.5, then lengths around the 56- and 64-byte padding edges. */
	static const struct { const char *in, *out; } rfc[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	static const struct { size_t n; const char *out; } as[] = {
		{ 55, "ef1772b6dff9a122358552954ad0df65" },
		{ 56, "3b0c8ac703f828b04c6c197006d17218" },
		{ 57, "652b906d60af96844ebd21b674f35e93" },
		{ 63, "b06521f39153d618550606be297466d5" },
		{ 64, "014842d480b571495a4a0363793f7367" },
		{ 65, "c743a45e0d2e6a95cb859adae0248435" },
		{ 119, "8a7bd0732ed6a28ce75f6dabc90e1613" },
		{ 120, "5f61c0ccad4cac44c75ff505e1f1e537" },
		{ 128, "e510683b3f5ffe4093d021808bc6ff70" },
	};
	char hex[33];
	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		md5_of(rfc[i].in, strlen(rfc[i].in), hex);
		CHECK_STR(hex, rfc[i].out);
	}
	char a[128];
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		md5_of(a, as[i].n, hex);
		CHECKF(!strcmp(hex, as[i].out), "md5 of %zu 'a's: %s", as[i].n, hex);
	}

	/* A million 'a's (the FIPS 180 companion vector), fed in uneven pieces. */
	struct md5_ctx c;
	unsigned char d[16];
	char *m = malloc(1000000);
	memset(m, 'a', 1000000);
	md5_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step % 97 + 13)
		md5_update(&c, m + off, off + step > 1000000 ? 1000000 - off : step);
	md5_final(&c, d);
	md5_hex(d, hex);
	CHECK_STR(hex, "7707d6ae4e027c70eea2a935c2296f21");

	/* Every split of a 200-byte message gives the one-shot digest. */
	char whole[33], split[33];
	for (int i = 0; i < 200; i++)
		m[i] = (char)(i * 7 + 3);
	md5_of(m, 200, whole);
	int bad = 0;
	for (size_t k = 0; k <= 200; k++) {
		md5_init(&c);
		md5_update(&c, m, k);
		md5_update(&c, m + k, 200 - k);
		md5_final(&c, d);
		md5_hex(d, split);
		bad += strcmp(whole, split) != 0;
	}
	CHECK_INT(bad, 0);
	free(m);
}

/* lastcp_checksum(json) must be the MD5 of the canonical text written out by hand. */
#define CHECK_CANON(json, canon)                                                        \
	do {                                                                            \
		char got_[33], want_[33];                                               \
		md5_of(canon, strlen(canon), want_);                                    \
		bool ok_ = lastcp_checksum(json, strlen(json), got_);                   \
		CHECKF(ok_ && !strcmp(got_, want_), "checksum of %s: %s, expected md5(%s)", \
		       json, ok_ ? got_ : "(failed)", canon);                           \
	} while (0)

static void canonical_form(void)
{
	/* PROTOCOL.md's own example, canonical form and checksum. */
	const char *spec = "{\"k0\":\"'v 0'\", \"checksum\": \"adsaskfljadfkjadfkj\", "
			   "\"k1\":{\"k2\": 2, \"k3\": [\"v3\", [1, 2], {\"k4\": \"v4\", "
			   "\"k5\": [\"v5\", \"v6\", \"v7\"]}]}}";
	char hex[33];
	CHECK(lastcp_checksum(spec, strlen(spec), hex));
	CHECK_STR(hex, "6a92d155a59bf2eecbd4b4ec7fd1f875");
	CHECK_CANON(spec, "\"k0\"=\"%27v%200%27\",\"k1\"+\"k2\"=2,\"k1\"+\"k3\"+0=\"v3\","
		    "\"k1\"+\"k3\"+1+0=1,\"k1\"+\"k3\"+1+1=2,\"k1\"+\"k3\"+2+\"k4\"=\"v4\","
		    "\"k1\"+\"k3\"+2+\"k5\"+0=\"v5\",\"k1\"+\"k3\"+2+\"k5\"+1=\"v6\","
		    "\"k1\"+\"k3\"+2+\"k5\"+2=\"v7\"");

	CHECK_CANON("{\"b\": {\"y\": null, \"x\": \"https://delta.io\"}, \"a\": 10}",
		    "\"a\"=10,\"b\"+\"x\"=\"https%3A%2F%2Fdelta.io\",\"b\"+\"y\"=null");
	CHECK_CANON("{\"t\":true,\"f\":false,\"n\":null}", "\"f\"=false,\"n\"=null,\"t\"=true");
	CHECK_CANON("{}", "");
	CHECK_CANON(" \t\r\n{ \"a\" : 1 } \n", "\"a\"=1");

	/* Numbers exactly as written. */
	CHECK_CANON("{\"a\":1.50,\"b\":-0,\"c\":1E+2,\"d\":-12.5e-3,\"e\":9223372036854775808}",
		    "\"a\"=1.50,\"b\"=-0,\"c\"=1E+2,\"d\"=-12.5e-3,\"e\"=9223372036854775808");

	/* URL encoding: UTF-8 bytes, upper-case hex, only A-Za-z0-9-._~ left alone. */
	CHECK_CANON("{\"a-b._~Z9\":\"A-Za-z0-9-._~\"}", "\"a-b._~Z9\"=\"A-Za-z0-9-._~\"");
	CHECK_CANON("{\"x\":\"*+=,%/ !'()\"}", "\"x\"=\"%2A%2B%3D%2C%25%2F%20%21%27%28%29\"");
	CHECK_CANON("{\"k \xc3\xa9\":\"\xc3\xbc\\u00e9\\ud83d\\ude00 \\\"q\\\"\\\\\\/\\n\\t\"}",
		    "\"k%20%C3%A9\"=\"%C3%BC%C3%A9%F0%9F%98%80%20%22q%22%5C%2F%0A%09\"");
	CHECK_CANON("{\"\\u20AC\\u0000\":\"\xe2\x82\xac\"}", "\"%E2%82%AC%00\"=\"%E2%82%AC\"");
	CHECK_CANON("{\"\":\"\"}", "\"\"=\"\"");
	/* An escaped key is the same key. */
	char h1[33], h2[33];
	CHECK(lastcp_checksum("{\"\\u0061b\":1}", 13, h1));
	CHECK(lastcp_checksum("{\"ab\":1}", 8, h2));
	CHECK_STR(h1, h2);

	/* Empty containers contribute nothing; nesting joins with '+'. */
	CHECK_CANON("{\"a\":{},\"b\":[],\"c\":{\"d\":{\"e\":[[],{}]}},\"f\":[{}],\"g\":true}",
		    "\"g\"=true");
	CHECK_CANON("{\"a\":{\"b\":{\"c\":[{\"d\":[[\"x\"]]}]}}}",
		    "\"a\"+\"b\"+\"c\"+0+\"d\"+0+0=\"x\"");

	/* Only the top-level checksum is left out. */
	CHECK_CANON("{\"checksum\":\"x\",\"a\":{\"checksum\":\"y\"}}", "\"a\"+\"checksum\"=\"y\"");
	CHECK_CANON("{\"checksum\":{\"z\":[1,2]}}", "");

	/* Arrays longer than ten: index 10 sorts before 2.  Objects inside: 1, 10, 11, 2. */
	CHECK_CANON("{\"a\":[{\"x\":0},{\"x\":1},{\"x\":2},{\"x\":3},{\"x\":4},{\"x\":5},"
		    "{\"x\":6},{\"x\":7},{\"x\":8},{\"x\":9},{\"x\":10},{\"x\":11}]}",
		    "\"a\"+0+\"x\"=0,\"a\"+1+\"x\"=1,\"a\"+10+\"x\"=10,\"a\"+11+\"x\"=11,"
		    "\"a\"+2+\"x\"=2,\"a\"+3+\"x\"=3,\"a\"+4+\"x\"=4,\"a\"+5+\"x\"=5,"
		    "\"a\"+6+\"x\"=6,\"a\"+7+\"x\"=7,\"a\"+8+\"x\"=8,\"a\"+9+\"x\"=9");
	/* Scalars: Spark sorts whole "path=value" strings, so "a"+10= comes before "a"+1=. */
	CHECK_CANON("{\"a\":[\"v0\",\"v1\",\"v2\",\"v3\",\"v4\",\"v5\",\"v6\",\"v7\",\"v8\","
		    "\"v9\",\"v10\",\"v11\"]}",
		    "\"a\"+0=\"v0\",\"a\"+10=\"v10\",\"a\"+11=\"v11\",\"a\"+1=\"v1\","
		    "\"a\"+2=\"v2\",\"a\"+3=\"v3\",\"a\"+4=\"v4\",\"a\"+5=\"v5\","
		    "\"a\"+6=\"v6\",\"a\"+7=\"v7\",\"a\"+8=\"v8\",\"a\"+9=\"v9\"");

	/* Not an object, duplicate keys, broken text: no checksum. */
	CHECK(!lastcp_checksum("[1]", 3, hex));
	CHECK(!lastcp_checksum("\"a\"", 3, hex));
	CHECK(!lastcp_checksum("{\"a\":1,\"a\":1}", 13, hex));
	CHECK(!lastcp_checksum("{\"a\":{\"b\":1,\"b\":2}}", 19, hex));
	CHECK(!lastcp_checksum("{\"a\":1", 6, hex));
	CHECK(!lastcp_checksum("", 0, hex));
	/* A length, not a NUL, ends the text. */
	CHECK(lastcp_checksum("{\"a\":1}garbage", 7, hex));
}

/* Parses text; on DQ_OK the caller checks *c and releases it. */
static int parse(const char *text, struct last_checkpoint *c)
{
	struct dq_error err = { 0 };
	int rc = lastcp_parse(text, strlen(text), c, &err);
	CHECKF(rc == DQ_OK, "lastcp_parse(%s): %d %s", text, rc, err.msg);
	return rc;
}

/* Expects text to be invalid with a problem starting with want. */
#define CHECK_INVALID(text, want)                                                       \
	do {                                                                            \
		struct last_checkpoint c_;                                              \
		if (parse(text, &c_) == DQ_OK) {                                        \
			CHECKF(c_.present && !c_.valid &&                               \
				       !strncmp(c_.problem, want, strlen(want)),        \
			       "%s: valid %d, problem \"%s\", expected \"%s...\"", text, \
			       c_.valid, c_.problem, want);                             \
			lastcp_release(&c_);                                            \
		}                                                                       \
	} while (0)

/* text with its "checksum" member's value (the placeholder "") replaced by the real one. */
static char *with_checksum(const char *text)
{
	char hex[33];
	const char *ph = strstr(text, "\"checksum\":\"\"");
	if (!ph || !lastcp_checksum(text, strlen(text), hex))
		return NULL;
	size_t pre = (size_t)(ph - text) + strlen("\"checksum\":\"");
	char *out = malloc(strlen(text) + 33);
	memcpy(out, text, pre);
	memcpy(out + pre, hex, 32);
	strcpy(out + pre + 32, text + pre);
	return out;
}

static void fields(void)
{
	struct last_checkpoint c;

	if (parse("{\"version\":10,\"size\":13}", &c) == DQ_OK) {
		CHECK(c.present && c.valid);
		CHECK_STR(c.problem, "");
		CHECK_INT(c.version, 10);
		CHECK_INT(c.size, 13);
		CHECK_INT(c.parts, -1);
		CHECK_INT(c.size_in_bytes, -1);
		CHECK_INT(c.num_of_add_files, -1);
		CHECK(!c.has_checksum && !c.checksum_ok);
		CHECK(!c.v2_path && !c.unusable_preview);
		lastcp_release(&c);
	}

	char *good = with_checksum("{\"version\":3,\"size\":5,\"parts\":2,\"sizeInBytes\":100,"
				   "\"numOfAddFiles\":4,\"tags\":{\"k\":\"v\"},\"checksum\":\"\"}");
	CHECK(good != NULL);
	if (good && parse(good, &c) == DQ_OK) {
		CHECK(c.valid && c.has_checksum && c.checksum_ok);
		CHECK_INT(c.version, 3);
		CHECK_INT(c.size, 5);
		CHECK_INT(c.parts, 2);
		CHECK_INT(c.size_in_bytes, 100);
		CHECK_INT(c.num_of_add_files, 4);
		lastcp_release(&c);
	}
	if (good) {
		/* The same checksum, by hand. */
		char hex[33];
		const char *canon = "\"numOfAddFiles\"=4,\"parts\"=2,\"size\"=5,\"sizeInBytes\"=100,"
				    "\"tags\"+\"k\"=\"v\",\"version\"=3";
		md5_of(canon, strlen(canon), hex);
		CHECK(strstr(good, hex) != NULL);

		/* One digit changed: a torn read. */
		char *torn = strdup(good);
		*strstr(torn, "\"size\":5") = '\0';
		char *bad = malloc(strlen(good) + 1);
		sprintf(bad, "%s\"size\":6%s", torn, strstr(good, "\"size\":5") + 8);
		if (parse(bad, &c) == DQ_OK) {
			CHECK(!c.valid && c.has_checksum && !c.checksum_ok);
			CHECKF(!strncmp(c.problem, "checksum does not match (stored ", 32),
			       "problem: %s", c.problem);
			CHECK_INT(c.version, 3); /* still reported */
			CHECK_INT(c.size, 6);
			lastcp_release(&c);
		}
		/* Upper-case hex does not match (Spark compares the strings). */
		strcpy(bad, good);
		for (char *p = strstr(bad, "\"checksum\":\"") + 12; *p != '"'; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		CHECK_INVALID(bad, "checksum does not match");
		free(torn);
		free(bad);
		free(good);
	}
	CHECK_INVALID("{\"version\":1,\"checksum\":\"\"}", "checksum does not match (computed ");
	CHECK_INVALID("{\"version\":1,\"checksum\":5}", "checksum is not a string");
	CHECK_INVALID("{\"version\":1,\"checksum\":null}", "checksum is not a string");

	/* version */
	CHECK_INVALID("{\"size\":13}", "version is missing");
	CHECK_INVALID("{\"version\":\"10\"}", "version is not an integer");
	CHECK_INVALID("{\"version\":10.0}", "version is not an integer");
	CHECK_INVALID("{\"version\":1e1}", "version is not an integer");
	CHECK_INVALID("{\"version\":null}", "version is not an integer");
	CHECK_INVALID("{\"version\":[1]}", "version is not an integer");
	CHECK_INVALID("{\"version\":-1}", "version is negative");
	CHECK_INVALID("{\"version\":9223372036854775808}", "version is out of range");
	if (parse("{\"version\":9223372036854775807}", &c) == DQ_OK) {
		CHECK(c.valid);
		CHECK_INT(c.version, INT64_MAX);
		lastcp_release(&c);
	}
	/* Other fields: null is absent, wrong types are invalid, unknown keys are ignored. */
	if (parse("{\"version\":1,\"size\":-1,\"parts\":null,\"size_in_bytes\":\"x\"}", &c) ==
	    DQ_OK) {
		CHECK(c.valid);
		CHECK_INT(c.size, -1);
		CHECK_INT(c.parts, -1);
		lastcp_release(&c);
	}
	CHECK_INVALID("{\"version\":1,\"size\":\"13\"}", "size is not an integer");
	CHECK_INVALID("{\"version\":1,\"parts\":0}", "parts is not positive");
	CHECK_INVALID("{\"version\":1,\"sizeInBytes\":1.5}", "sizeInBytes is not an integer");
	CHECK_INVALID("{\"version\":1,\"numOfAddFiles\":true}", "numOfAddFiles is not an integer");

	/* Not JSON, not an object, truncated, broken. */
	CHECK_INVALID("", "file is empty");
	CHECK_INVALID("  \n", "not valid JSON: unexpected end of input at byte 3");
	CHECK_INVALID("hello", "not valid JSON: unexpected 'h' at byte 0");
	CHECK_INVALID("[1,2]", "not a JSON object");
	CHECK_INVALID("10", "not a JSON object");
	CHECK_INVALID("{\"version\":10,\"size\":13", "not valid JSON: unexpected end of input");
	CHECK_INVALID("{\"version\":10,}", "not valid JSON: unexpected '}'");
	CHECK_INVALID("{\"version\":01}", "not valid JSON: unexpected '1'");
	CHECK_INVALID("{\"version\":-}", "not valid JSON");
	CHECK_INVALID("{\"version\":1.}", "not valid JSON");
	CHECK_INVALID("{\"version\":1e}", "not valid JSON");
	CHECK_INVALID("{\"version\":+1}", "not valid JSON");
	CHECK_INVALID("{\"version\":1} {}", "not valid JSON: data after the object at byte 14");
	CHECK_INVALID("\xef\xbb\xbf{\"version\":1}", "not valid JSON: unexpected byte 0xef");
	CHECK_INVALID("{\"version\":1,\"a\":tru}", "not valid JSON");
	CHECK_INVALID("{\"version\":1,\"a\":nul}", "not valid JSON");
	CHECK_INVALID("{\"version\":1 // c\n}", "not valid JSON");
	CHECK_INVALID("{'version':1}", "not valid JSON");
	CHECK_INVALID("{\"version\":1,\"a\":\"x\ty\"}", "not valid JSON: control character");
	CHECK_INVALID("{\"version\":1,\"a\":\"\\x\"}", "not valid JSON: bad escape");
	CHECK_INVALID("{\"version\":1,\"a\":\"\\u12G4\"}", "not valid JSON: bad \\u escape");
	CHECK_INVALID("{\"version\":1,\"a\":\"\\ud800\"}", "not valid JSON: lone surrogate");
	CHECK_INVALID("{\"version\":1,\"a\":\"\\ud800\\u0041\"}", "not valid JSON: lone surrogate");
	CHECK_INVALID("{\"version\":1,\"a\":\"\\udc00\"}", "not valid JSON: lone surrogate");
	CHECK_INVALID("{\"version\":1,\"a\":\"\xc3\"}", "not valid JSON: invalid UTF-8");
	CHECK_INVALID("{\"version\":1,\"a\":\"\xc0\xaf\"}", "not valid JSON: invalid UTF-8");
	CHECK_INVALID("{\"version\":1,\"a\":\"\xed\xa0\x80\"}", "not valid JSON: invalid UTF-8");
	CHECK_INVALID("{\"version\":1,\"a\":\"\xf4\x90\x80\x80\"}", "not valid JSON: invalid UTF-8");
	CHECK_INVALID("{\"version\":1,\"\xff\":1}", "not valid JSON: invalid UTF-8");
	/* An embedded NUL is a byte like any other. */
	if (lastcp_parse("{\"version\":1}\0", 14, &c, NULL) == DQ_OK) {
		CHECK(!c.valid);
		CHECK_STR(c.problem, "not valid JSON: data after the object at byte 13");
		lastcp_release(&c);
	}

	/* Every proper prefix of a good file is invalid JSON (or empty). */
	const char *whole = "{\"version\":2,\"size\":9,\"v2Checkpoint\":{\"path\":\"p.json\","
			    "\"nonFileActions\":[{\"protocol\":{\"minReaderVersion\":3}}]},"
			    "\"x\":[true,false,null,-1.5e3,\"\\u00e9\"]}";
	int prefix_bad = 0;
	for (size_t n = 0; n < strlen(whole); n++) {
		if (lastcp_parse(whole, n, &c, NULL) != DQ_OK)
			continue;
		prefix_bad += c.valid || (strncmp(c.problem, "not valid JSON: ", 16) &&
					  strcmp(c.problem, "file is empty"));
		lastcp_release(&c);
	}
	CHECK_INT(prefix_bad, 0);
	if (parse(whole, &c) == DQ_OK) {
		CHECK(c.valid);
		CHECK_STR(c.v2_path, "p.json");
		lastcp_release(&c);
	}

	/* Duplicate keys, at any depth, also through escapes. */
	CHECK_INVALID("{\"version\":1,\"version\":1}", "duplicate key \"version\"");
	CHECK_INVALID("{\"version\":1,\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"");
	CHECK_INVALID("{\"version\":1,\"v2Checkpoint\":{\"path\":\"a\",\"path\":\"b\"}}",
		      "duplicate key \"path\" in \"v2Checkpoint\"");
	CHECK_INVALID("{\"version\":1,\"x\":[{\"k\":1},{\"k\":1,\"j\":2,\"k\":3}]}",
		      "duplicate key \"k\" in \"x\"+1");
	/* The same key in sibling objects is fine. */
	if (parse("{\"version\":1,\"a\":{\"k\":1},\"b\":{\"k\":1},\"c\":[{\"k\":1},{\"k\":2}]}",
		  &c) == DQ_OK) {
		CHECK(c.valid);
		lastcp_release(&c);
	}

	/* Nesting: 1000 levels (Jackson's limit) are fine, 1001 are not. */
	for (int levels = 999; levels <= 1000; levels++) {
		char *deep = malloc(2 * (size_t)levels + 64);
		char *p = deep + sprintf(deep, "{\"version\":1,\"a\":");
		for (int i = 0; i < levels; i++)
			*p++ = '[';
		for (int i = 0; i < levels; i++)
			*p++ = ']';
		strcpy(p, "}");
		if (levels == 999) {
			if (parse(deep, &c) == DQ_OK) {
				CHECK(c.valid);
				lastcp_release(&c);
			}
		} else {
			CHECK_INVALID(deep, "not valid JSON: nested deeper than 1000 levels");
		}
		free(deep);
	}
	/* At most 2^20 values: the object, "version"'s value, the array, and the rest. */
	for (size_t elems = (1u << 20) - 3; elems <= (1u << 20) - 2; elems++) {
		char *big = malloc(2 * elems + 64);
		char *p = big + sprintf(big, "{\"version\":1,\"a\":[");
		for (size_t i = 0; i < elems; i++)
			p += sprintf(p, "%s0", i ? "," : "");
		strcpy(p, "]}");
		if (elems == (1u << 20) - 3) {
			if (parse(big, &c) == DQ_OK) {
				CHECKF(c.valid, "2^20 values: %s", c.problem);
				lastcp_release(&c);
			}
		} else {
			CHECK_INVALID(big, "too large to checksum: more than 1048576 values");
		}
		free(big);
	}
}

static void v2_and_preview(void)
{
	struct last_checkpoint c;
	const char *v2 = "{\"version\":2,\"size\":9,\"sizeInBytes\":19554,\"numOfAddFiles\":4,"
			 "\"v2Checkpoint\":{\"path\":\"00000000000000000002.checkpoint."
			 "6374b053-df23-479b-b2cf-c9c550132b49.json\",\"sizeInBytes\":891,"
			 "\"modificationTime\":1714496115810,\"sidecarFiles\":[]}}";
	if (parse(v2, &c) == DQ_OK) {
		CHECK(c.valid);
		CHECK_STR(c.v2_path,
			  "00000000000000000002.checkpoint.6374b053-df23-479b-b2cf-c9c550132b49.json");
		CHECK_INT(c.size_in_bytes, 19554);
		CHECK(!c.unusable_preview);
		lastcp_release(&c);
		CHECK(c.v2_path == NULL);
	}
	if (parse("{\"version\":2,\"v2Checkpoint\":{\"path\":\"caf\\u00e9.json\"}}", &c) == DQ_OK) {
		CHECK_STR(c.v2_path, "caf\xc3\xa9.json");
		lastcp_release(&c);
	}
	if (parse("{\"version\":2,\"v2Checkpoint\":null}", &c) == DQ_OK) {
		CHECK(c.valid && !c.v2_path);
		lastcp_release(&c);
	}
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"sizeInBytes\":1}}",
		      "v2Checkpoint.path is missing");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"path\":7}}",
		      "v2Checkpoint.path is not a string");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"path\":\"\"}}",
		      "v2Checkpoint.path is not a file name");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"path\":\"..\"}}",
		      "v2Checkpoint.path is not a file name");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"path\":\"..\\/x.json\"}}",
		      "v2Checkpoint.path is not a file name");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":{\"path\":\"x\\u0000.json\"}}",
		      "v2Checkpoint.path is not a file name");
	CHECK_INVALID("{\"version\":2,\"v2Checkpoint\":[\"x.json\"]}",
		      "v2Checkpoint is not an object");

	if (parse("{\"version\":1,\"size\":2,\"checkpointType\":\"AdaptiveMetadataTree\"}", &c) ==
	    DQ_OK) {
		CHECK(c.valid && c.unusable_preview);
		lastcp_release(&c);
	}
	if (parse("{\"version\":1,\"size\":2,\"amtCheckpoint\":{\"a\":[1]}}", &c) == DQ_OK) {
		CHECK(c.valid && c.unusable_preview);
		lastcp_release(&c);
	}
	if (parse("{\"version\":1,\"checkpointType\":null}", &c) == DQ_OK) {
		CHECK(c.valid && !c.unusable_preview);
		lastcp_release(&c);
	}
	lastcp_release(NULL);
}

/* ---- through a store ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECKF(f != NULL, "cannot create %s", path);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void read_store(void)
{
	char root[] = "/tmp/test_lastcp.XXXXXX", path[256];
	struct store *s;
	struct last_checkpoint c;
	struct dq_error err = { 0 };

	if (!mkdtemp(root)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	if (store_dir_open(root, &s, &err) != DQ_OK) {
		FAILF("store_dir_open: %s", err.msg);
		return;
	}
	/* No _delta_log at all, then an empty one: absent, not an error. */
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(!c.present && !c.valid);
	CHECK_INT(c.version, -1);
	lastcp_release(&c);
	snprintf(path, sizeof(path), "%s/_delta_log", root);
	mkdir(path, 0755);
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(!c.present);
	lastcp_release(&c);

	snprintf(path, sizeof(path), "%s/_delta_log/_last_checkpoint", root);
	put_file(path, "{\"version\":7,\"size\":3,\"v2Checkpoint\":{\"path\":\"a.json\"}}\n");
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(c.present && c.valid);
	CHECK_INT(c.version, 7);
	CHECK_STR(c.v2_path, "a.json");
	lastcp_release(&c);

	put_file(path, "{\"version\":7,");
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(c.present && !c.valid);
	CHECKF(!strncmp(c.problem, "not valid JSON", 14), "problem: %s", c.problem);
	lastcp_release(&c);

	put_file(path, "");
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(c.present && !c.valid);
	CHECK_STR(c.problem, "file is empty");
	lastcp_release(&c);

	/* Too big: invalid, not read. */
	int fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)LASTCP_MAX_SIZE + 1) == 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(c.present && !c.valid);
	CHECK_STR(c.problem, "larger than 16777216 bytes");
	lastcp_release(&c);

	/* A directory in its place. */
	remove(path);
	mkdir(path, 0755);
	CHECK_INT(lastcp_read(s, &c, &err), DQ_OK);
	CHECK(c.present && !c.valid);
	CHECK_STR(c.problem, "is a directory");
	lastcp_release(&c);

	/* Unreadable: a real I/O error (unless we are root, who reads anything). */
	rmdir(path);
	put_file(path, "{\"version\":1}");
	chmod(path, 0);
	if (access(path, R_OK) != 0) {
		int rc = lastcp_read(s, &c, &err);
		CHECK_INT(rc, DQ_EIO);
		CHECK_INT(err.sys_errno, EACCES);
		lastcp_release(&c);
	}
	store_close(s);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the corpus ------------------------------------------------------------------------ */

static struct {
	int files, with_checksum, checksum_ok, without_valid, expected_invalid;
} corpus;

/* The check_reason of the table's <table>.expected.json, looked for beside the table root
 * and beside its parent (dat/x/delta has dat/x.expected.json); NULL if none. */
static char *check_reason(const char *root)
{
	char path[4096];
	char *r = NULL;
	for (int up = 0; up < 2 && !r; up++) {
		snprintf(path, sizeof(path), "%s", root);
		for (int i = 0; i < up; i++) {
			char *slash = strrchr(path, '/');
			if (slash)
				*slash = '\0';
		}
		strncat(path, ".expected.json", sizeof(path) - strlen(path) - 1);
		json_t *j = json_load_file(path, 0, NULL);
		if (!j)
			continue;
		const char *why = json_string_value(json_object_get(j, "check_reason"));
		r = strdup(why ? why : "");
		json_decref(j);
	}
	return r;
}

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	if (flag != FTW_F || strcmp(path + ftw->base, "_last_checkpoint"))
		return 0;
	/* root/_delta_log/_last_checkpoint */
	char root[4096];
	snprintf(root, sizeof(root), "%.*s", (int)ftw->base, path);
	size_t n = strlen(root);
	if (n < 12 || strcmp(root + n - 12, "/_delta_log/"))
		return 0;
	root[n - 12] = '\0';

	struct store *s;
	struct dq_error err = { 0 };
	struct last_checkpoint c;
	if (store_dir_open(root, &s, &err) != DQ_OK) {
		FAILF("%s: %s", root, err.msg);
		return 0;
	}
	int rc = lastcp_read(s, &c, &err);
	store_close(s);
	if (rc != DQ_OK) {
		FAILF("%s: %s", path, err.msg);
		return 0;
	}
	corpus.files++;
	char *reason = check_reason(root);
	bool flagged = reason && strstr(reason, "_last_checkpoint");
	if (c.has_checksum) {
		corpus.with_checksum++;
		corpus.checksum_ok += c.checksum_ok;
		CHECKF(c.checksum_ok, "%s: %s", path, c.problem);
	} else if (flagged) {
		corpus.expected_invalid++;
		CHECKF(!c.valid, "%s: valid, but the corpus says: %s", path, reason);
		printf("corpus: %s invalid as the corpus expects (%s): %s\n", path, reason,
		       c.problem);
	} else {
		corpus.without_valid += c.valid;
	}
	CHECKF(c.valid == !flagged, "%s: valid %d (%s), corpus check_reason: %s", path, c.valid,
	       c.problem, reason ? reason : "none");
	CHECKF(c.present, "%s: not present", path);
	free(reason);
	lastcp_release(&c);
	return 0;
}

static void corpus_files(void)
{
	const char *dir = getenv("DQ_CORPUS");
	struct stat st;
	if (!dir)
		dir = "../shared/corpus";
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		unit_skip("no corpus at %s (set DQ_CORPUS): corpus _last_checkpoint files not checked",
			  dir);
		return;
	}
	nftw(dir, visit, 32, FTW_PHYS);
	printf("corpus: %d _last_checkpoint files: %d with a checksum (%d match), %d without "
	       "(valid), %d invalid as the corpus expects\n",
	       corpus.files, corpus.with_checksum, corpus.checksum_ok, corpus.without_valid,
	       corpus.expected_invalid);
	CHECK(corpus.files > 0);
	CHECK_INT(corpus.checksum_ok, corpus.with_checksum);
	CHECK_INT(corpus.with_checksum + corpus.without_valid + corpus.expected_invalid,
		  corpus.files);
}

int main(void)
{
	unit_run("md5", md5_vectors);
	unit_run("canonical form", canonical_form);
	unit_run("fields and problems", fields);
	unit_run("v2Checkpoint and preview fields", v2_and_preview);
	unit_run("through a store", read_store);
	unit_run("corpus", corpus_files);
	return unit_done();
}
