// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_mpjson.c - msgpack -> JSON of loader/mpjson.c, Fluent Bit events, hostile input.
 *
 * Inputs are written as hex and decoded from a heap block of exactly their size, so ASan
 * reports any read past the end.  Every case asserts the exact JSON, the status, the number
 * of complete objects and valid_len, and that mpj_scan() agrees with mpj_stream_to_json().
 *
 * The captures of a real Fluent Bit are read from $UPTRACE_VECTORS (default
 * ../shared/vectors); those tests are skipped, visibly, when the folder is missing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "mpjson.h"

#define WHOLE ((size_t)-1) /* valid_len: the whole input */

struct fx {
	struct obuf ob;
	char *str;
	uint8_t *bin;
	size_t len;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	ob_init(&fx->ob);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ob_free(&fx->ob);
	free(fx->str);
	free(fx->bin);
	free(fx);
	return 0;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	fail_msg("bad hex digit '%c'", c);
	return 0;
}

/* "92 01 a1 61" -> fx->bin (exactly sized heap block), fx->len. */
static void set_hex(struct fx *fx, const char *hex)
{
	size_t n = 0;
	const char *h;

	free(fx->bin);
	fx->bin = malloc(strlen(hex) / 2 + 1);
	assert_non_null(fx->bin);
	for (h = hex; *h; h++) {
		if (*h == ' ')
			continue;
		assert_true(h[1] != '\0');
		fx->bin[n++] = (uint8_t)(nibble(h[0]) << 4 | nibble(h[1]));
		h++;
	}
	fx->bin = realloc(fx->bin, n ? n : 1);
	assert_non_null(fx->bin);
	fx->len = n;
}

static void set_bytes(struct fx *fx, const void *p, size_t n)
{
	free(fx->bin);
	fx->bin = malloc(n ? n : 1);
	assert_non_null(fx->bin);
	memcpy(fx->bin, p, n);
	fx->len = n;
}

/* Decode fx->bin; the JSON as a C string, the scan in *s (checked against mpj_scan()). */
static const char *decode(struct fx *fx, struct mpj_scan *s)
{
	struct mpj_scan s2;

	ob_reset(&fx->ob);
	memset(s, 0xa5, sizeof(*s));
	mpj_stream_to_json(&fx->ob, fx->bin, fx->len, s);
	assert_true(ob_ok(&fx->ob));
	mpj_scan(fx->bin, fx->len, &s2);
	assert_int_equal(s->status, s2.status);
	assert_int_equal(s->nobjs, s2.nobjs);
	assert_int_equal(s->valid_len, s2.valid_len);
	assert_int_equal(s->containers, s2.containers);
	assert_true(s->valid_len <= fx->len);
	free(fx->str);
	fx->str = strndup(fx->ob.buf, fx->ob.len);
	assert_non_null(fx->str);
	return fx->str;
}

static void check_bin(struct fx *fx, const char *want, enum mpj_status st, size_t nobjs,
		      size_t valid_len)
{
	struct mpj_scan s;

	assert_string_equal(decode(fx, &s), want);
	assert_int_equal(s.status, st);
	assert_int_equal(s.nobjs, nobjs);
	assert_int_equal(s.valid_len, valid_len == WHOLE ? fx->len : valid_len);
}

static void check(struct fx *fx, const char *hex, const char *want, enum mpj_status st,
		  size_t nobjs, size_t valid_len)
{
	set_hex(fx, hex);
	check_bin(fx, want, st, nobjs, valid_len);
}

/* One complete object. */
static void check1(struct fx *fx, const char *hex, const char *want)
{
	check(fx, hex, want, MPJ_OK, 1, WHOLE);
}

struct vec {
	const char *hex;
	const char *json;
};

static void check_table(struct fx *fx, const struct vec *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check1(fx, v[i].hex, v[i].json);
}

#define CHECK_TABLE(fx, t) check_table(fx, t, sizeof(t) / sizeof(t[0]))

static void test_scalars(void **state)
{
	static const struct vec t[] = {
		{"c0", "null"},
		{"c2", "false"},
		{"c3", "true"},
		{"00", "0"},
		{"01", "1"},
		{"7f", "127"},
		{"e0", "-32"},
		{"ff", "-1"},
		{"cc 00", "0"},
		{"cc ff", "255"},
		{"cd 01 00", "256"},
		{"cd ff ff", "65535"},
		{"ce 00 01 00 00", "65536"},
		{"ce ff ff ff ff", "4294967295"},
		{"cf 00 00 00 01 00 00 00 00", "4294967296"},
		{"cf ff ff ff ff ff ff ff ff", "18446744073709551615"},
		{"d0 80", "-128"},
		{"d0 7f", "127"},
		{"d1 80 00", "-32768"},
		{"d1 ff 7f", "-129"},
		{"d1 7f ff", "32767"},
		{"d2 80 00 00 00", "-2147483648"},
		{"d2 ff ff 7f ff", "-32769"},
		{"d3 80 00 00 00 00 00 00 00", "-9223372036854775808"},
		{"d3 7f ff ff ff ff ff ff ff", "9223372036854775807"},
		{"d3 ff ff ff ff ff ff ff fe", "-2"},
		{"ca 3f c0 00 00", "1.5"},
		{"ca 3d cc cc cd", "0.1"},
		{"ca 3f 80 00 00", "1.0"},
		{"ca 7f 80 00 00", "null"},
		{"ca 7f c0 00 00", "null"},
		{"cb 40 04 00 00 00 00 00 00", "2.5"},
		{"cb 3f b9 99 99 99 99 99 9a", "0.1"},
		{"cb 7e 37 e4 3c 88 00 75 9c", "1e+300"},
		{"cb 80 00 00 00 00 00 00 00", "-0.0"},
		{"cb 7f f8 00 00 00 00 00 00", "null"},
		{"cb ff f0 00 00 00 00 00 00", "null"},
	};

	CHECK_TABLE((struct fx *)*state, t);
}

static void test_strings_bin_ext(void **state)
{
	static const struct vec t[] = {
		{"a0", "\"\""},
		{"a3 61 62 63", "\"abc\""},
		{"bf 30 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 37 38 39"
		 " 30 31 32 33 34 35 36 37 38 39 30",
		 "\"0123456789012345678901234567890\""},
		{"d9 00", "\"\""},
		{"d9 03 61 62 63", "\"abc\""},
		{"da 00 03 61 62 63", "\"abc\""},
		{"db 00 00 00 03 61 62 63", "\"abc\""},
		{"a4 22 5c 0a 01", "\"\\\"\\\\\\n\\u0001\""},
		{"a5 ff e2 80 a8 c3", "\"\\u00ff\\u2028\\u00c3\""},
		{"a4 f0 9f 98 80", "\"\xf0\x9f\x98\x80\""},
		{"c4 00", "\"\""},
		{"c4 03 01 02 03", "\"AQID\""},
		{"c5 00 01 ff", "\"/w==\""},
		{"c6 00 00 00 02 00 ff", "\"AP8=\""},
		{"d4 05 aa", "{\"ext\":5,\"data\":\"qg==\"}"},
		{"d5 ff 01 02", "{\"ext\":-1,\"data\":\"AQI=\"}"},
		{"d6 7f 01 02 03 04", "{\"ext\":127,\"data\":\"AQIDBA==\"}"},
		{"d7 80 00 00 00 00 00 00 00 00", "{\"ext\":-128,\"data\":\"AAAAAAAAAAA=\"}"},
		{"d8 01 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
		 "{\"ext\":1,\"data\":\"AAECAwQFBgcICQoLDA0ODw==\"}"},
		{"c7 00 07", "{\"ext\":7,\"data\":\"\"}"},
		{"c7 03 07 01 02 03", "{\"ext\":7,\"data\":\"AQID\"}"},
		{"c8 00 01 08 ff", "{\"ext\":8,\"data\":\"/w==\"}"},
		{"c9 00 00 00 02 09 01 02", "{\"ext\":9,\"data\":\"AQI=\"}"},
	};

	CHECK_TABLE((struct fx *)*state, t);
}

static void test_containers(void **state)
{
	static const struct vec t[] = {
		{"90", "[]"},
		{"93 01 02 03", "[1,2,3]"},
		{"9f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e",
		 "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14]"},
		{"dc 00 00", "[]"},
		{"dc 00 02 01 c0", "[1,null]"},
		{"dd 00 00 00 00", "[]"},
		{"dd 00 00 00 02 01 02", "[1,2]"},
		{"80", "{}"},
		{"82 a1 61 01 a1 62 92 01 02", "{\"a\":1,\"b\":[1,2]}"},
		{"de 00 00", "{}"},
		{"de 00 01 a1 61 c0", "{\"a\":null}"},
		/* Fluent Bit's encoder: map32/array32 headers on tiny maps */
		{"df 00 00 00 00", "{}"},
		{"df 00 00 00 01 a1 61 c3", "{\"a\":true}"},
		{"df 00 00 00 02 a1 61 df 00 00 00 01 a1 62 dd 00 00 00 01 90 a1 63 80",
		 "{\"a\":{\"b\":[[]]},\"c\":{}}"},
		{"81 a1 61 81 a1 62 81 a1 63 93 c2 c3 c0",
		 "{\"a\":{\"b\":{\"c\":[false,true,null]}}}"},
	};

	CHECK_TABLE((struct fx *)*state, t);
}

static void test_non_string_keys(void **state)
{
	static const struct vec t[] = {
		{"87 01 a1 78 c3 01 c0 02 cb bf f8 00 00 00 00 00 00 03 92 01 02 04"
		 " c4 01 01 05 d4 01 01 06",
		 "{\"1\":\"x\",\"true\":1,\"null\":2,\"-1.5\":3,\"[1,2]\":4,\"AQ==\":5,"
		 "\"{\\\"ext\\\":1,\\\"data\\\":\\\"AQ==\\\"}\":6}"},
		{"83 ff 01 d1 ff 7f 02 ca 3f c0 00 00 03", "{\"-1\":1,\"-129\":2,\"1.5\":3}"},
		/* a map as a key: its JSON text, escaped, as the key */
		{"81 81 a1 61 a2 62 22 07", "{\"{\\\"a\\\":\\\"b\\\\\\\"\\\"}\":7}"},
		{"81 a1 ff 01", "{\"\\u00ff\":1}"},
		/* container keys inside stringified keys: 3 levels, then msgpack as base64 */
		{"81 81 81 81 81 01 02 03 04 05 06",
		 "{\"{\\\"{\\\\\\\"{\\\\\\\\\\\\\\\"gQEC\\\\\\\\\\\\\\\":3}"
		 "\\\\\\\":4}\\\":5}\":6}"},
		{"82 c2 80 90 80", "{\"false\":{},\"[]\":{}}"},
	};

	CHECK_TABLE((struct fx *)*state, t);
}

static void test_streams_and_containers_flag(void **state)
{
	struct fx *fx = *state;
	struct mpj_scan s;

	check(fx, "01 02 a1 61", "[1,2,\"a\"]", MPJ_OK, 3, WHOLE);
	/* printable text is a valid stream of fixints: containers tells them apart */
	check(fx, "41 42 43", "[65,66,67]", MPJ_OK, 3, WHOLE);
	decode(fx, &s);
	assert_false(s.containers);
	check(fx, "91 01 80", "[[1],{}]", MPJ_OK, 2, WHOLE);
	decode(fx, &s);
	assert_true(s.containers);
	check(fx, "91 01 02", "[[1],2]", MPJ_OK, 2, WHOLE);
	decode(fx, &s);
	assert_false(s.containers);
	check(fx, "df 00 00 00 00 dd 00 00 00 00", "[{},[]]", MPJ_OK, 2, WHOLE);
	decode(fx, &s);
	assert_true(s.containers);
	/* the flag only covers complete objects */
	check(fx, "90 a5 61", "[]", MPJ_INCOMPLETE, 1, 1);
	decode(fx, &s);
	assert_true(s.containers);
}

static void test_empty(void **state)
{
	struct fx *fx = *state;
	struct mpj_scan s;

	check(fx, "", "[]", MPJ_OK, 0, 0);
	decode(fx, &s);
	assert_false(s.containers);
	mpj_scan(NULL, 0, &s);
	assert_int_equal(s.status, MPJ_OK);
	assert_int_equal(s.nobjs, 0);
	assert_int_equal(s.valid_len, 0);
	assert_false(s.containers);
	assert_false(mpj_is_flb_event(NULL, 0));
}

static void test_incomplete(void **state)
{
	struct fx *fx = *state;

	check(fx, "a5 61 62", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "92 01", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "81 a1 61", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "cd 01", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "ca 00 00", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "d7 00 01", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "c7 03", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "c7 03 01 aa aa", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "01 02 a5 61", "[1,2]", MPJ_INCOMPLETE, 2, 2);
	check(fx, "81 a1 61 01 92", "{\"a\":1}", MPJ_INCOMPLETE, 1, 4);
}

static void test_invalid(void **state)
{
	struct fx *fx = *state;

	check(fx, "c1", "null", MPJ_INVALID, 0, 0);
	check(fx, "01 02 c1 03", "[1,2]", MPJ_INVALID, 2, 2);
	check(fx, "92 01 c1", "null", MPJ_INVALID, 0, 0);
	check(fx, "81 c1 01", "null", MPJ_INVALID, 0, 0);
	check(fx, "a1 61 81 a1 61 c1", "\"a\"", MPJ_INVALID, 1, 2);
	/* the first bad byte wins over a lying length before it */
	check(fx, "dd ff ff ff ff 01 c1", "null", MPJ_INVALID, 0, 0);
}

/* n nested arrays around an empty one (n + 1 containers). */
static void set_nested(struct fx *fx, const char *prefix, size_t n)
{
	size_t plen = strlen(prefix) / 2, i;
	char *buf = malloc(plen + n + 1);

	assert_non_null(buf);
	for (i = 0; i < plen; i++)
		buf[i] = (char)(nibble(prefix[2 * i]) << 4 | nibble(prefix[2 * i + 1]));
	memset(buf + plen, 0x91, n);
	buf[plen + n] = (char)0x90;
	set_bytes(fx, buf, plen + n + 1);
	free(buf);
}

static void test_depth_limit(void **state)
{
	struct fx *fx = *state;
	char want[2 * MPJ_MAX_DEPTH + 1];
	uint8_t buf[65 * 2 + 1];
	struct mpj_scan s;
	int i;

	memset(want, '[', MPJ_MAX_DEPTH);
	memset(want + MPJ_MAX_DEPTH, ']', MPJ_MAX_DEPTH);
	want[2 * MPJ_MAX_DEPTH] = '\0';
	set_nested(fx, "", MPJ_MAX_DEPTH - 1); /* 64 nested arrays: fine */
	check_bin(fx, want, MPJ_OK, 1, WHOLE);
	set_nested(fx, "", MPJ_MAX_DEPTH); /* 65: too deep */
	check_bin(fx, "null", MPJ_INVALID, 0, 0);
	set_nested(fx, "07", MPJ_MAX_DEPTH);
	check_bin(fx, "7", MPJ_INVALID, 1, 1);
	/* too deep is invalid even when the input also ends early */
	set_nested(fx, "", 200);
	fx->len = 150;
	check_bin(fx, "null", MPJ_INVALID, 0, 0);
	/* maps count as well: 65 nested {"":...}, then 64 */
	for (i = 0; i < 65; i++) {
		buf[2 * i] = 0x81;
		buf[2 * i + 1] = 0xa0;
	}
	buf[130] = 0xc0;
	set_bytes(fx, buf, sizeof(buf));
	check_bin(fx, "null", MPJ_INVALID, 0, 0);
	buf[128] = 0xc0;
	set_bytes(fx, buf, 129);
	assert_int_equal(strlen(decode(fx, &s)), 64 * 5 + 4);
	assert_int_equal(s.status, MPJ_OK);
}

/* Lying lengths end at the end of the input: linear time whatever the headers claim. */
static void test_hostile_lengths(void **state)
{
	struct fx *fx = *state;
	clock_t t0 = clock();
	uint8_t *big;
	size_t i, n;

	check(fx, "db ff ff ff ff 61 62", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "da ff ff 61", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "dd ff ff ff ff 01 02 03 04 05", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "df ff ff ff ff a1 61 01 a1 62", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "de ff ff 01 02", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "c6 ff ff ff ff 00", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "c9 ff ff ff ff", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "c9 ff ff ff ff 01 02", "null", MPJ_INCOMPLETE, 0, 0);
	check(fx, "01 dd ff ff ff ff 01 02 03 04", "1", MPJ_INCOMPLETE, 1, 1);
	check(fx, "dd ff ff ff ff dd ff ff ff ff dd ff ff ff ff dd ff ff ff ff", "null",
	      MPJ_INCOMPLETE, 0, 0);
	/* a 0xFFFFFFFF-element array followed by 1 MiB of elements */
	n = 5 + (1 << 20);
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "\xdd\xff\xff\xff\xff", 5);
	for (i = 5; i < n; i++)
		big[i] = (uint8_t)(i & 0x7f);
	set_bytes(fx, big, n);
	free(big);
	check_bin(fx, "null", MPJ_INCOMPLETE, 0, 0);
	/* not a timing test: a guard against walking the claimed 4 billion elements */
	assert_true(clock() - t0 < 5 * CLOCKS_PER_SEC);
}

/* ---- Fluent Bit log events ---- */

/* v2, fixext8 EventTime, map32 headers, str8 */
#define REC1_HEX                                             \
	"92 92 d7 00 6b 02 62 6e 11 35 87 c6 df 00 00 00 00" \
	" df 00 00 00 01 a3 6c 6f 67 d9 0b 68 65 6c 6c 6f 20 77 6f 72 6c 64"
#define REC1_JSON                                                            \
	"{\"timestamp\":\"2026-11-22T03:33:02.288720838Z\",\"metadata\":{}," \
	"\"body\":{\"log\":\"hello world\"}}"
/* legacy, uint32 seconds, array32/map16, str16, bin8, float64, array16 */
#define REC2_HEX                                                                        \
	"dd 00 00 00 02 ce 65 53 f1 00 de 00 04 a1 73 da 00 02 68 69 a1 62 c4 02 00 ff" \
	" a1 66 cb 40 04 00 00 00 00 00 00 a1 61 dc 00 03 01 d0 fe c0"
#define REC2_JSON                                                            \
	"{\"timestamp\":\"2023-11-14T22:13:20.000000000Z\",\"metadata\":{}," \
	"\"body\":{\"s\":\"hi\",\"b\":\"AP8=\",\"f\":2.5,\"a\":[1,-2,null]}}"
/* v2, ext8 EventTime, metadata, str32 key, ext32 value */
#define REC3_HEX                                             \
	"92 92 c7 08 00 00 00 00 01 00 00 00 02 81 a1 6b c0" \
	" 81 db 00 00 00 01 78 c9 00 00 00 02 09 01 02"
#define REC3_JSON                                                                      \
	"{\"timestamp\":\"1970-01-01T00:00:01.000000002Z\",\"metadata\":{\"k\":null}," \
	"\"body\":{\"x\":{\"ext\":9,\"data\":\"AQI=\"}}}"

static void test_flb_events(void **state)
{
	struct fx *fx = *state;

	check1(fx, REC1_HEX, "[" REC1_JSON "]");
	check1(fx, REC2_HEX, "[" REC2_JSON "]");
	check1(fx, REC3_HEX, "[" REC3_JSON "]");
	check(fx, REC1_HEX " " REC2_HEX " " REC3_HEX, "[" REC1_JSON "," REC2_JSON "," REC3_JSON "]",
	      MPJ_OK, 3, WHOLE);
	/* v2 with fixmap headers, as in the dummy capture */
	check1(fx, "92 92 d7 00 00 00 00 3c 00 00 00 00 80 81 a1 61 01",
	       "[{\"timestamp\":\"1970-01-01T00:01:00.000000000Z\",\"metadata\":{},"
	       "\"body\":{\"a\":1}}]");
}

/* One event at the given time with empty metadata and body. */
#define EV0(ts) "[{\"timestamp\":\"" ts "\",\"metadata\":{},\"body\":{}}]"

static void test_flb_timestamps(void **state)
{
	static const struct vec t[] = {
		/* integer seconds, every width */
		{"92 00 80", EV0("1970-01-01T00:00:00.000000000Z")},
		{"92 cf 00 00 00 00 65 53 f1 00 80", EV0("2023-11-14T22:13:20.000000000Z")},
		{"92 d3 00 00 00 00 65 53 f1 00 80", EV0("2023-11-14T22:13:20.000000000Z")},
		/* float seconds, rounded to the nanosecond */
		{"92 cb 41 d9 54 fc 40 07 e6 b7 80", EV0("2023-11-14T22:13:20.123456717Z")},
		{"92 92 ca 3f c0 00 00 80 80", EV0("1970-01-01T00:00:01.500000000Z")},
		{"92 cb 41 d9 54 fc 40 00 00 00 80", EV0("2023-11-14T22:13:20.000000000Z")},
		/* negative times other than the markers are times before 1970 */
		{"92 fd 80", EV0("1969-12-31T23:59:57.000000000Z")},
		{"92 d2 ff fe ae 7f 80", EV0("1969-12-30T23:59:59.000000000Z")},
		{"92 cb bf e0 00 00 00 00 00 00 80", EV0("1969-12-31T23:59:59.500000000Z")},
		/* EventTime seconds are unsigned: 0x80000000 is 2038, not 1901 */
		{"92 d7 00 80 00 00 00 00 00 00 00 80", EV0("2038-01-19T03:14:08.000000000Z")},
		/* hostile nanoseconds carry into the seconds */
		{"92 d7 00 00 00 00 00 3b 9a ca 00 80", EV0("1970-01-01T00:00:01.000000000Z")},
	};

	CHECK_TABLE((struct fx *)*state, t);
}

static void test_flb_groups(void **state)
{
	struct fx *fx = *state;
	static const struct vec t[] = {
		{"92 92 d7 00 ff ff ff ff 00 00 00 00 81 a1 67 01 81 a1 72 a1 78"
		 " 92 92 d7 00 00 00 00 0a 00 00 00 00 80 81 a1 6d 02"
		 " 92 92 d7 00 ff ff ff fe 00 00 00 00 80 80",
		 "[{\"group\":\"start\",\"metadata\":{\"g\":1},\"body\":{\"r\":\"x\"}},"
		 "{\"timestamp\":\"1970-01-01T00:00:10.000000000Z\",\"metadata\":{},"
		 "\"body\":{\"m\":2}},"
		 "{\"group\":\"end\",\"metadata\":{},\"body\":{}}]"},
		/* integer markers, any width */
		{"92 92 ff 81 a1 67 01 80 92 92 fe 80 80",
		 "[{\"group\":\"start\",\"metadata\":{\"g\":1},\"body\":{}},"
		 "{\"group\":\"end\",\"metadata\":{},\"body\":{}}]"},
		{"92 92 d3 ff ff ff ff ff ff ff ff 80 80 92 92 d0 fe 80 80",
		 "[{\"group\":\"start\",\"metadata\":{},\"body\":{}},"
		 "{\"group\":\"end\",\"metadata\":{},\"body\":{}}]"},
		/* legacy form */
		{"92 ff 81 a1 61 01", "[{\"group\":\"start\",\"metadata\":{},\"body\":{\"a\":1}}]"},
		/* float -1.0 */
		{"92 92 cb bf f0 00 00 00 00 00 00 80 80",
		 "[{\"group\":\"start\",\"metadata\":{},\"body\":{}}]"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_hex(fx, t[i].hex);
		check_bin(fx, t[i].json, MPJ_OK, i == 0 ? 3 : i < 3 ? 2 : 1, WHOLE);
	}
}

static void test_not_flb_events(void **state)
{
	static const struct vec t[] = {
		{"92 01 02", "[1,2]"},
		{"92 01 a1 61", "[1,\"a\"]"},
		{"92 c0 80", "[null,{}]"},
		{"92 cb 7f f8 00 00 00 00 00 00 80", "[null,{}]"},
		{"92 cf 80 00 00 00 00 00 00 00 80", "[9223372036854775808,{}]"},
		{"92 d7 01 00 00 00 00 00 00 00 00 80",
		 "[{\"ext\":1,\"data\":\"AAAAAAAAAAA=\"},{}]"},
		{"92 d6 00 00 00 00 01 80", "[{\"ext\":0,\"data\":\"AAAAAQ==\"},{}]"},
		{"92 93 01 80 c0 80", "[[1,{},null],{}]"},
		{"92 92 01 90 80", "[[1,[]],{}]"},
		{"92 92 92 01 80 80 80", "[[[1,{}],{}],{}]"},
		{"93 01 80 80", "[1,{},{}]"},
		{"91 01", "[1]"},
		{"82 01 80 02 80", "{\"1\":{},\"2\":{}}"},
	};
	struct fx *fx = *state;

	CHECK_TABLE(fx, t);
	/* one object that is not an event turns the whole stream into plain JSON */
	check(fx, "92 01 80 05", "[[1,{}],5]", MPJ_OK, 2, WHOLE);
	check(fx, REC1_HEX " 05",
	      "[[[{\"ext\":0,\"data\":\"awJibhE1h8Y=\"},{}],{\"log\":\"hello world\"}],5]", MPJ_OK,
	      2, WHOLE);
}

static void test_is_flb_event(void **state)
{
	struct fx *fx = *state;

	set_hex(fx, REC1_HEX);
	assert_true(mpj_is_flb_event(fx->bin, fx->len));
	assert_false(mpj_is_flb_event(fx->bin, fx->len - 1));
	assert_false(mpj_is_flb_event(fx->bin, 3));
	set_hex(fx, REC2_HEX " 01 02");
	assert_true(mpj_is_flb_event(fx->bin, fx->len));
	set_hex(fx, "92 ff 80");
	assert_true(mpj_is_flb_event(fx->bin, fx->len));
	set_hex(fx, "92 01 02");
	assert_false(mpj_is_flb_event(fx->bin, fx->len));
	set_hex(fx, "92 01 81 a1 61 c1");
	assert_false(mpj_is_flb_event(fx->bin, fx->len));
	set_hex(fx, "c1");
	assert_false(mpj_is_flb_event(fx->bin, fx->len));
}

/* Every prefix of a three-record stream: complete records decode, the rest is cut short. */
static void test_truncated_every_byte(void **state)
{
	static const char *const json[] = {REC1_JSON, REC2_JSON, REC3_JSON};
	struct fx *fx = *state;
	uint8_t *all;
	size_t bound[3], n, k, i, nobjs;
	char want[1024];

	set_hex(fx, REC1_HEX);
	bound[0] = fx->len;
	set_hex(fx, REC2_HEX);
	bound[1] = bound[0] + fx->len;
	set_hex(fx, REC3_HEX);
	bound[2] = bound[1] + fx->len;
	set_hex(fx, REC1_HEX " " REC2_HEX " " REC3_HEX);
	n = fx->len;
	assert_int_equal(n, bound[2]);
	all = malloc(n);
	assert_non_null(all);
	memcpy(all, fx->bin, n);
	for (k = 0; k <= n; k++) {
		for (nobjs = 0; nobjs < 3 && bound[nobjs] <= k; nobjs++)
			;
		if (k == 0) {
			strcpy(want, "[]");
		} else if (!nobjs) {
			strcpy(want, "null");
		} else {
			strcpy(want, "[");
			for (i = 0; i < nobjs; i++) {
				strcat(want, i ? "," : "");
				strcat(want, json[i]);
			}
			strcat(want, "]");
		}
		set_bytes(fx, all, k);
		check_bin(fx, want,
			  k == 0 || (nobjs && k == bound[nobjs - 1]) ? MPJ_OK : MPJ_INCOMPLETE,
			  nobjs, nobjs ? bound[nobjs - 1] : 0);
	}
	free(all);
}

/* One object holding every msgpack format; each of its proper prefixes is INCOMPLETE. */
static void test_truncated_every_format(void **state)
{
	struct fx *fx = *state;
	uint8_t *all;
	size_t n, k;

	set_hex(fx, "dd 00 00 00 21 c0 c2 c3 7f e0 cc 01 cd 00 01 ce 00 00 00 01"
		    " cf 00 00 00 00 00 00 00 01 d0 ff d1 ff ff d2 ff ff ff ff"
		    " d3 ff ff ff ff ff ff ff ff ca 3f c0 00 00 cb 40 04 00 00 00 00 00 00"
		    " a1 61 d9 01 62 da 00 01 63 db 00 00 00 01 64"
		    " c4 01 01 c5 00 01 02 c6 00 00 00 01 03"
		    " d4 01 01 d5 01 01 02 d6 01 01 02 03 04 d7 01 00 00 00 00 00 00 00 00"
		    " d8 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
		    " c7 01 02 05 c8 00 01 03 06 c9 00 00 00 01 04 07"
		    " 91 90 dc 00 01 80 de 00 01 a0 c0");
	check_bin(fx,
		  "[null,false,true,127,-32,1,1,1,1,-1,-1,-1,-1,1.5,2.5,\"a\",\"b\",\"c\",\"d\","
		  "\"AQ==\",\"Ag==\",\"Aw==\","
		  "{\"ext\":1,\"data\":\"AQ==\"},{\"ext\":1,\"data\":\"AQI=\"},"
		  "{\"ext\":1,\"data\":\"AQIDBA==\"},{\"ext\":1,\"data\":\"AAAAAAAAAAA=\"},"
		  "{\"ext\":1,\"data\":\"AAAAAAAAAAAAAAAAAAAAAA==\"},"
		  "{\"ext\":2,\"data\":\"BQ==\"},{\"ext\":3,\"data\":\"Bg==\"},"
		  "{\"ext\":4,\"data\":\"Bw==\"},[[]],[{}],{\"\":null}]",
		  MPJ_OK, 1, WHOLE);
	n = fx->len;
	all = malloc(n);
	assert_non_null(all);
	memcpy(all, fx->bin, n);
	for (k = 1; k < n; k++) {
		set_bytes(fx, all, k);
		check_bin(fx, "null", MPJ_INCOMPLETE, 0, 0);
	}
	free(all);
}

/* ---- captures of a real Fluent Bit ---- */

/* Read dir/name into an exactly sized heap block; NULL when the folder is missing. */
static uint8_t *read_vector(const char *name, size_t *len)
{
	const char *dir = getenv("UPTRACE_VECTORS");
	char path[4096];
	struct stat st;
	uint8_t *buf;
	FILE *f;

	if (!dir || !*dir)
		dir = "../shared/vectors";
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		print_message("vectors folder %s not found (set UPTRACE_VECTORS): skipping\n", dir);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	assert_int_equal(*len, (size_t)st.st_size);
	fclose(f);
	return buf;
}

/* JSON text without the whitespace outside strings. */
static char *json_compact(const uint8_t *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	bool in_str = false;
	size_t i;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		if (in_str) {
			*o++ = (char)s[i];
			if (s[i] == '\\' && i + 1 < n)
				*o++ = (char)s[++i];
			else if (s[i] == '"')
				in_str = false;
		} else if (!strchr(" \t\r\n", s[i])) {
			*o++ = (char)s[i];
			in_str = s[i] == '"';
		}
	}
	*o = '\0';
	return out;
}

#define DUMMY_JSON                                                            \
	"[{\"timestamp\":\"2026-11-22T03:33:02.288720838Z\",\"metadata\":{}," \
	"\"body\":{\"message\":\"hello\",\"n\":42,\"nested\":{\"a\":[1,2.5,true,null]}}}]"

static void test_vector_dummy(void **state)
{
	struct fx *fx = *state;
	uint8_t *mp, *js;
	size_t mp_len, js_len;
	char *compact;

	mp = read_vector("fluent-bit-5.1.1-dummy.msgpack", &mp_len);
	if (!mp)
		skip();
	js = read_vector("fluent-bit-5.1.1-dummy.json", &js_len);
	assert_non_null(js);
	compact = json_compact(js, js_len);
	assert_string_equal(compact, DUMMY_JSON);
	set_bytes(fx, mp, mp_len);
	assert_int_equal(fx->len, 54);
	check_bin(fx, DUMMY_JSON, MPJ_OK, 1, 54);
	assert_true(mpj_is_flb_event(fx->bin, fx->len));
	free(compact);
	free(js);
	free(mp);
}

static void test_vector_tail_truncated(void **state)
{
	struct fx *fx = *state;
	struct mpj_scan s;
	uint8_t *mp;
	size_t len;

	mp = read_vector("fluent-bit-5.1.1-tail-first64of124.msgpack", &len);
	if (!mp)
		skip();
	set_bytes(fx, mp, len);
	free(mp);
	assert_int_equal(fx->len, 64);
	check_bin(fx,
		  "[{\"timestamp\":\"2026-11-22T03:33:20.290868285Z\",\"metadata\":{},"
		  "\"body\":{\"log\":\"first line\"}}]",
		  MPJ_INCOMPLETE, 1, 37);
	decode(fx, &s);
	assert_true(s.containers);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_scalars),
		T(test_strings_bin_ext),
		T(test_containers),
		T(test_non_string_keys),
		T(test_streams_and_containers_flag),
		T(test_empty),
		T(test_incomplete),
		T(test_invalid),
		T(test_depth_limit),
		T(test_hostile_lengths),
		T(test_flb_events),
		T(test_flb_timestamps),
		T(test_flb_groups),
		T(test_not_flb_events),
		T(test_is_flb_event),
		T(test_truncated_every_byte),
		T(test_truncated_every_format),
		T(test_vector_dummy),
		T(test_vector_tail_truncated),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
