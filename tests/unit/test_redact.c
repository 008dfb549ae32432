/*
 * test_redact.c - bundle --redact's surrogates (lib/redact.c, lib/sha256.c): SHA-256 and
 * HMAC against their published vectors; surrogates that keep type and shape (valid dates,
 * integers in range with their digit count, strings with their length and character
 * classes) for thousands of random inputs; the same surrogate for a partition value in
 * partitionValues and in its folder name; another key, other surrogates; whole actions.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "unit.h"

static uint64_t rng = 42;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static const char *hex(const uint8_t *b, size_t n)
{
	static char out[129];
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	return out;
}

static void vectors(void)
{
	uint8_t d[32];
	struct sha256 s;
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final(&s, d);
	CHECK_STR(hex(d, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_init(&s);
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (size_t i = 0; i < strlen(m); i++) /* byte by byte: the buffering */
		sha256_update(&s, m + i, 1);
	sha256_final(&s, d);
	CHECK_STR(hex(d, 32), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* RFC 4231 test cases 1 and 2, and 6 (a key longer than a block) */
	uint8_t key[131];
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, d);
	CHECK_STR(hex(d, 32), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	CHECK_STR(hex(d, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, 131, big, strlen(big), d);
	CHECK_STR(hex(d, 32), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static bool valid_date(const char *s)
{
	int y, m, d;
	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || y < 1970 || y > 2099 || m < 1 || m > 12)
		return false;
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
	return d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

static void shapes(void)
{
	struct redactor r;
	redact_init(&r, "secret");
	int bad_date = 0, bad_int = 0, bad_text = 0, same = 0;
	for (int i = 0; i < 3000; i++) {
		char in[64];
		snprintf(in, sizeof(in), "%04d-%02d-%02d", 1900 + (int)(next() % 200),
			 1 + (int)(next() % 12), 1 + (int)(next() % 28));
		char *o = redact_partition_value(&r, "date", in);
		bad_date += !o || strlen(o) != 10 || !valid_date(o);
		same += o && !strcmp(o, in);
		free(o);
		snprintf(in, sizeof(in), "2024-01-0%d %02d:%02d:%02d.%06d", 1 + i % 9, i % 24, i % 60,
			 (i * 7) % 60, i);
		o = redact_partition_value(&r, "timestamp", in);
		int hh, mm, ss;
		bad_date += !o || strlen(o) != strlen(in) || !valid_date(o) ||
			    sscanf(o + 11, "%2d:%2d:%2d", &hh, &mm, &ss) != 3 || hh > 23 || mm > 59 ||
			    ss > 59 || o[10] != ' ' || o[19] != '.';
		free(o);

		static const char *const types[] = { "byte", "short", "integer", "long" };
		static const int64_t max[] = { 127, 32767, 2147483647, INT64_MAX };
		int t = (int)(next() % 4);
		int64_t v = (int64_t)(next() % (uint64_t)max[t]) >> (next() % 60);
		if (next() & 1)
			v = -v;
		snprintf(in, sizeof(in), "%" PRId64, v);
		o = redact_partition_value(&r, types[t], in);
		char *end;
		long long x = o ? strtoll(o, &end, 10) : 0;
		bad_int += !o || *end || strlen(o) != strlen(in) || (x < 0) != (v < 0) ||
			   llabs(x) > max[t];
		free(o);

		size_t n = 1 + next() % 40;
		for (size_t k = 0; k < n; k++)
			in[k] = " azAZ09-_./:%é"[next() % 15];
		in[n] = '\0';
		o = redact_text(&r, "text", in, n);
		for (size_t k = 0; o && k < n; k++) {
			unsigned char a = (unsigned char)in[k], b = (unsigned char)o[k];
			bad_text += islower(a) ? !islower(b) : isupper(a) ? !isupper(b)
				    : isdigit(a) ? !isdigit(b) : a != b;
		}
		free(o);
	}
	CHECK_INT(bad_date, 0);
	CHECK_INT(bad_int, 0);
	CHECK_INT(bad_text, 0);
	CHECKF(same < 10, "%d of 3000 dates came back unchanged", same);

	/* stats values keep their JSON type */
	json_t *v = json_integer(2147483000), *o = redact_stat_value(&r, json_string("integer"), v);
	CHECK(json_is_integer(o) && json_integer_value(o) <= 2147483647 &&
	      json_integer_value(o) >= 1000000000);
	json_decref(v);
	json_decref(o);
	v = json_real(-0.0375);
	o = redact_stat_value(&r, json_string("double"), v);
	CHECK(json_is_real(o) && json_real_value(o) < -0.01 && json_real_value(o) > -0.1);
	json_decref(v);
	json_decref(o);
	v = json_string("2023-06-01T12:39:58.417Z");
	o = redact_stat_value(&r, json_string("timestamp"), v);
	CHECK(json_is_string(o) && strlen(json_string_value(o)) == 24 &&
	      json_string_value(o)[23] == 'Z' && valid_date(json_string_value(o)) &&
	      strcmp(json_string_value(o), json_string_value(v)));
	json_decref(v);
	json_decref(o);
	redact_release(&r);
}

static void consistency(void)
{
	struct redactor r, other;
	redact_init(&r, "secret");
	redact_init(&other, "another key");
	json_t *md = json_pack("{s:s, s:[s, s]}", "schemaString",
			       "{\"type\":\"struct\",\"fields\":[{\"name\":\"city\",\"type\":\"string\"},"
			       "{\"name\":\"day\",\"type\":\"date\"},{\"name\":\"n\",\"type\":\"long\"}]}",
			       "partitionColumns", "city", "day");
	redact_metadata(&r, md);
	redact_metadata(&other, md);
	json_decref(md);

	char *city = redact_partition_value(&r, "string", "New York: 5th");
	char *day = redact_partition_value(&r, "date", "2024-03-01");
	char *p = redact_path(&r, "city=New%20York%3A%205th/day=2024-03-01/part-00001-abc.c000.snappy.parquet");
	if (!city || !day || !p) {
		FAILF("no surrogate");
		return;
	}
	char want[256];
	/* Spark escapes ':' in folder names, not spaces; the path here had both escaped */
	snprintf(want, sizeof(want), "city=%.3s %.4s%%3A %.3s/day=%s/", city, city + 4, city + 10, day);
	CHECKF(p && !strncmp(p, want, strlen(want)), "%s vs %s", p, want);
	CHECK(p && strstr(p, ".c000.snappy.parquet") && !strstr(p, "part-00001-abc"));
	/* deterministic, and another key gives other surrogates */
	char *p2 = redact_path(&r, "city=New%20York%3A%205th/day=2024-03-01/part-00001-abc.c000.snappy.parquet");
	char *p3 = redact_path(&other, "city=New%20York%3A%205th/day=2024-03-01/part-00001-abc.c000.snappy.parquet");
	CHECK(p2 && p && !strcmp(p, p2));
	CHECK(p3 && p && strcmp(p, p3));
	/* a scheme stays; everything after it is redacted */
	char *s3 = redact_path(&r, "s3://bucket-1/t/x.parquet");
	CHECK(s3 && !strncmp(s3, "s3://", 5) && !strstr(s3, "bucket") && strstr(s3, ".parquet"));

	/* an add: path, partition values and stats bounds consistent with the above */
	json_t *add = json_loads("{\"add\":{\"path\":\"city=New%20York%3A%205th/day=2024-03-01/"
				 "part-00001-abc.c000.snappy.parquet\",\"partitionValues\":{\"city\":"
				 "\"New York: 5th\",\"day\":\"2024-03-01\"},\"size\":123,\"stats\":"
				 "\"{\\\"numRecords\\\":7,\\\"minValues\\\":{\\\"n\\\":42},\\\"maxValues\\\":"
				 "{\\\"n\\\":4200},\\\"nullCount\\\":{\\\"n\\\":0}}\"}}", 0, NULL);
	CHECK(add && redact_action(&r, add) == 0);
	json_t *a = json_object_get(add, "add");
	CHECK_STR(json_string_value(json_object_get(a, "path")), p);
	CHECK_STR(json_string_value(json_object_get(json_object_get(a, "partitionValues"), "city")), city);
	CHECK_STR(json_string_value(json_object_get(json_object_get(a, "partitionValues"), "day")), day);
	CHECK_INT(json_integer_value(json_object_get(a, "size")), 123);
	json_t *st = json_loads(json_string_value(json_object_get(a, "stats")), 0, NULL);
	CHECK_INT(json_integer_value(json_object_get(st, "numRecords")), 7);
	int64_t mn = json_integer_value(json_object_get(json_object_get(st, "minValues"), "n"));
	int64_t mx = json_integer_value(json_object_get(json_object_get(st, "maxValues"), "n"));
	CHECK(mn >= 10 && mn <= 99 && mn != 42);
	CHECK(mx >= 1000 && mx <= 9999);
	json_decref(st);
	json_decref(add);

	/* commitInfo: the operation and metrics stay, parameters and user do not */
	json_t *ci = json_loads("{\"commitInfo\":{\"operation\":\"DELETE\",\"operationParameters\":"
				"{\"predicate\":\"[\\\"(city = 'Oslo')\\\"]\"},\"userName\":\"alice\","
				"\"operationMetrics\":{\"numDeletedRows\":\"3\"}}}", 0, NULL);
	CHECK(ci && redact_action(&r, ci) == 0);
	char *text = json_dumps(ci, JSON_COMPACT);
	CHECK(text && strstr(text, "\"DELETE\"") && strstr(text, "numDeletedRows\":\"3\"") &&
	      !strstr(text, "Oslo") && !strstr(text, "alice"));
	free(text);
	json_decref(ci);

	free(city);
	free(day);
	free(p);
	free(p2);
	free(p3);
	free(s3);
	redact_release(&r);
	redact_release(&other);
}

int main(void)
{
	unit_run("SHA-256 and HMAC vectors", vectors);
	unit_run("surrogates keep type and shape", shapes);
	unit_run("surrogates are consistent and keyed", consistency);
	return unit_done();
}
