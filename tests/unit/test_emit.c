// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_emit.c - the event writer: the same calls as JSON text and as msgpack bytes, byte for
 * byte, headers at their smallest width whatever the count, captured msgpack passed through,
 * bytes as base64 text or bin, and a whole event read back by msgpack-c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "emit.h"
#include "output.h"

static struct obuf ob;
static struct emit e;

static int setup(void **state)
{
	(void)state;
	ob_init(&ob);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ob_free(&ob);
	return 0;
}

static void start(enum emit_format fmt)
{
	ob_reset(&ob);
	emit_init(&e, &ob, fmt);
}

static const char *json(void)
{
	ob_putc(&ob, 0);
	return ob.buf;
}

static void assert_bytes(const void *want, size_t n)
{
	assert_true(ob_ok(&ob));
	if (ob.len != n || memcmp(ob.buf, want, n)) {
		print_error("got %zu bytes:", ob.len);
		for (size_t i = 0; i < ob.len; i++)
			print_error(" %02x", (unsigned char)ob.buf[i]);
		print_error("\n");
		fail_msg("expected %zu bytes", n);
	}
}

/* {"a":1,"b":[true,null,"x"],"c":{}} */
static void small_event(void)
{
	emit_map(&e);
	EMIT_KEY(&e, "a");
	emit_u64(&e, 1);
	EMIT_KEY(&e, "b");
	emit_array(&e);
	emit_bool(&e, true);
	emit_null(&e);
	EMIT_STR(&e, "x");
	emit_end(&e);
	EMIT_KEY(&e, "c");
	emit_map(&e);
	emit_end(&e);
	emit_end(&e);
}

static void test_same_calls_both_formats(void **state)
{
	static const char mp[] = "\x83\xa1"
				 "a\x01\xa1"
				 "b\x93\xc3\xc0\xa1x\xa1"
				 "c\x80";

	(void)state;
	start(EMIT_JSON);
	small_event();
	assert_string_equal(json(), "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{}}");
	start(EMIT_MSGPACK);
	small_event();
	assert_bytes(mp, sizeof(mp) - 1);
}

static void test_scalars(void **state)
{
	(void)state;
	start(EMIT_JSON);
	emit_array(&e);
	emit_s64(&e, -5);
	emit_u64(&e, UINT64_MAX);
	emit_hex(&e, 0xdeadbeef);
	emit_time(&e, 1700000000, 5);
	emit_double(&e, 0.5);
	emit_bin(&e, "\x00\xff", 2);
	emit_bytes_value(&e, "abc", 3);
	emit_str(&e, "a\"\n\xff", 4);
	emit_end(&e);
	assert_string_equal(json(), "[-5,18446744073709551615,\"0xdeadbeef\","
				    "\"2023-11-14T22:13:20.000000005Z\",0.5,\"AP8=\","
				    "{\"encoding\":\"base64\",\"data\":\"YWJj\"},"
				    "\"a\\\"\\n\\u00ff\"]");
	start(EMIT_MSGPACK);
	emit_array(&e);
	emit_s64(&e, -5);
	emit_u64(&e, UINT64_MAX);
	emit_hex(&e, 0xdeadbeef);
	emit_time(&e, 1700000000, 5);
	emit_double(&e, 0.5);
	emit_bin(&e, "\x00\xff", 2);
	emit_bytes_value(&e, "abc", 3);
	emit_str(&e, "a\"\n\xff", 4);
	emit_end(&e);
	{
		static const char mp[] =
			"\x98\xfb\xcf\xff\xff\xff\xff\xff\xff\xff\xff"
			"\xaa"
			"0xdeadbeef"
			"\xbe"
			"2023-11-14T22:13:20.000000005Z"
			"\xcb\x3f\xe0\x00\x00\x00\x00\x00\x00"
			"\xc4\x02\x00\xff"
			"\xc4\x03"
			"abc"
			"\xa4"
			"a\"\n\xff";

		assert_bytes(mp, sizeof(mp) - 1);
	}
}

/* A container's header is the smallest for its count: 15 and 16, 65535 and 65536 items. */
static void test_header_widths(void **state)
{
	static const uint32_t counts[] = { 0, 15, 16, 65535, 65536 };
	static const unsigned char arr[][5] = { { 0x90 },
						{ 0x9f },
						{ 0xdc, 0x00, 0x10 },
						{ 0xdc, 0xff, 0xff },
						{ 0xdd, 0x00, 0x01, 0x00, 0x00 } };
	static const size_t hl[] = { 1, 1, 3, 3, 5 };
	uint32_t i, k;

	(void)state;
	for (k = 0; k < 5; k++) {
		start(EMIT_MSGPACK);
		emit_array(&e);
		for (i = 0; i < counts[k]; i++)
			emit_u64(&e, 1);
		emit_end(&e);
		assert_true(ob_ok(&ob));
		assert_int_equal(ob.len, hl[k] + counts[k]);
		assert_memory_equal(ob.buf, arr[k], hl[k]);
		if (counts[k])
			assert_int_equal(ob.buf[ob.len - 1], 1);
		/* maps count pairs */
		start(EMIT_MSGPACK);
		emit_map(&e);
		for (i = 0; i < counts[k] && i < 16; i++) {
			EMIT_KEY(&e, "k");
			emit_u64(&e, i);
		}
		emit_end(&e);
		assert_int_equal((unsigned char)ob.buf[0],
				 counts[k] < 16 ? 0x80 | counts[k] : 0xde);
	}
}

/* Captured msgpack goes through as it is, even in widths msgpack-c would not choose. */
static void test_raw_msgpack_passes_through(void **state)
{
	/* a map32 of one pair and an array16 of one item: Fluent Bit's habit */
	static const char objs[] = "\xdf\x00\x00\x00\x01\xa1k\x01"
				   "\xdc\x00\x01\x02";
	static const char want[] = "\x81\xa3"
				   "buf\x92"
				   "\xdf\x00\x00\x00\x01\xa1k\x01"
				   "\xdc\x00\x01\x02";

	(void)state;
	start(EMIT_MSGPACK);
	emit_map(&e);
	EMIT_KEY(&e, "buf");
	emit_array(&e);
	emit_msgpack_raw(&e, objs, sizeof(objs) - 1, 2);
	emit_end(&e);
	emit_end(&e);
	assert_bytes(want, sizeof(want) - 1);
	/* JSON writers cannot take raw msgpack: the event is marked failed, never wrong */
	start(EMIT_JSON);
	emit_array(&e);
	emit_msgpack_raw(&e, objs, sizeof(objs) - 1, 2);
	assert_false(ob_ok(&ob));
	ob.oom = false;
}

/* A real call event, rendered in msgpack, read back by msgpack-c: one map, nothing after. */
static void test_event_reads_back(void **state)
{
	struct {
		struct upt_call_rec rec;
		struct upt_arg_val v[2];
		char data[8];
	} r = {
		.rec = { .hdr = { .type = UPT_REC_CALL, .size = sizeof(r), .ts_ns = 42,
				  .pid = 7, .tid = 8, .comm = "flb" },
			 .nargs = 2 },
		.v = { { .raw = 3 }, { .raw = 0x1000, .slot = 8, .len = 4, .full_len = 4 } },
		.data = "\x93\x01\x02\x03",
	};
	struct probe p = { .binary = "/bin/x", .func = "f", .pid = -1 };
	struct probe *probes[] = { &p };
	struct render_ctx ctx = { .probes = probes, .nprobes = 1 };
	msgpack_unpacked u;
	struct event ev;
	size_t off = 0;

	(void)state;
	p.spec.nargs = 2;
	p.out[0] = (struct arg_out){ .name = "n", .rd = RD_UNSIGNED, .size = 4 };
	p.out[1] = (struct arg_out){ .name = "buf", .rd = RD_MSGPACK, .size = 8 };
	assert_int_equal(event_from_record(&ctx, &r, sizeof(r), &ev), 0);
	assert_int_equal(p.events, 1);
	start(EMIT_MSGPACK);
	event_render(&ev, &e);
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, ob.buf, ob.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, ob.len);
	assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
	/* time, event_type, pid, tid, comm, binary, function, args */
	assert_int_equal(u.data.via.map.size, 8);
	/* args.buf is the captured array itself, [1,2,3] */
	assert_non_null(memmem(ob.buf, ob.len, "\xa3" "buf\x93\x01\x02\x03", 8));
	msgpack_unpacked_destroy(&u);
	start(EMIT_JSON);
	event_render(&ev, &e);
	assert_non_null(strstr(json(), ",\"args\":{\"n\":3,\"buf\":[1,2,3]}}"));
	probe__free_heads(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_calls_both_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_widths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_msgpack_passes_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_reads_back, setup, teardown),
	};

	return cmocka_run_group_tests_name("emit", tests, NULL, NULL);
}
