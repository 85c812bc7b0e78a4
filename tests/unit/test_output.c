// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_output.c - BPF records to JSON: values, truncation, faults, and records that lie.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dwarfinfo.h"
#include "output.h"

static struct obuf ob;

static int setup(void **state)
{
	ob_init(&ob);
	return 0;
}

static int teardown(void **state)
{
	ob_free(&ob);
	return 0;
}

/* Render one argument and return the JSON text (valid until the next call). */
static const char *arg(enum render rd, uint8_t size, const struct upt_arg_val *v,
		       const void *data)
{
	struct arg_out o = { .name = "x", .rd = rd, .size = size };

	ob_reset(&ob);
	render_arg(&ob, &o, v, data);
	ob_putc(&ob, 0);
	return ob.buf;
}

static void test_scalars(void **state)
{
	struct upt_arg_val v = { .raw = 0xfffffffe };

	assert_string_equal(arg(RD_SIGNED, 4, &v, NULL), "-2");
	assert_string_equal(arg(RD_SIGNED, 8, &v, NULL), "4294967294");
	assert_string_equal(arg(RD_UNSIGNED, 4, &v, NULL), "4294967294");
	assert_string_equal(arg(RD_HEX, 8, &v, NULL), "\"0xfffffffe\"");
	assert_string_equal(arg(RD_PTR, 8, &v, NULL), "\"0xfffffffe\"");
	v.raw = 0;
	assert_string_equal(arg(RD_PTR, 8, &v, NULL), "null");
	assert_string_equal(arg(RD_HEX, 8, &v, NULL), "\"0x0\"");
	assert_string_equal(arg(RD_BOOL, 1, &v, NULL), "false");
	v.raw = 0x80;
	assert_string_equal(arg(RD_SIGNED, 1, &v, NULL), "-128");
	v.raw = UINT64_MAX;
	assert_string_equal(arg(RD_SIGNED, 8, &v, NULL), "-1");
	assert_string_equal(arg(RD_UNSIGNED, 8, &v, NULL), "18446744073709551615");
}

static void test_strings_and_bytes(void **state)
{
	struct upt_arg_val v = { .raw = 0x1000, .len = 5, .slot = 6, .full_len = 5 };

	assert_string_equal(arg(RD_STR, 8, &v, "hello"), "\"hello\"");
	/* a bounded capture stops at its first NUL */
	v.len = 6;
	assert_string_equal(arg(RD_STR, 8, &v, "ab\0cde"), "\"ab\"");
	v.len = 3;
	assert_string_equal(arg(RD_BYTES, 8, &v, "\x00\xff\x10"),
			    "{\"encoding\":\"base64\",\"data\":\"AP8Q\"}");
	assert_string_equal(arg(RD_AUTO, 8, &v, "\x00\xff\x10"),
			    "{\"encoding\":\"base64\",\"data\":\"AP8Q\"}");
	v.len = 5;
	assert_string_equal(arg(RD_AUTO, 8, &v, "hello"), "\"hello\"");
	v.len = 0;
	assert_string_equal(arg(RD_AUTO, 8, &v, ""), "\"\"");
	v.flags = UPT_ARG_NULL;
	assert_string_equal(arg(RD_STR, 8, &v, NULL), "null");
	assert_string_equal(arg(RD_MSGPACK, 8, &v, NULL), "null");
}

/* float and double from their bits; a value in %xmm says where it is, not "optimized out" */
static void test_floats_and_unreadable(void **state)
{
	struct upt_arg_val v = { .raw = 0x3fd0000000000000ull }; /* 0.25 */
	struct arg_out o = { .name = "x", .rd = RD_FLOAT, .size = 8 };
	struct obuf ob;

	ob_init(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, '\0');
	assert_string_equal(ob.buf, "0.25");
	ob_reset(&ob);
	o.size = 4;
	v.raw = 0xbfc00000; /* -1.5f */
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, '\0');
	assert_string_equal(ob.buf, "-1.5");
	ob_reset(&ob);
	v.flags = UPT_ARG_NOLOC;
	o.unreadable = "in %xmm3";
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, '\0');
	assert_string_equal(ob.buf, "\"<in %xmm3: not readable by a uprobe>\"");
	ob_free(&ob);
}

/* A char array: text up to its first NUL; with none, the bytes, truncated, its length. */
static void test_char_arrays(void **state)
{
	struct upt_arg_val v = { .raw = 0x1000, .len = 8, .slot = 8, .full_len = 8 };

	assert_string_equal(arg(RD_CHARS, 8, &v, "tail.0\0\0"), "\"tail.0\"");
	assert_string_equal(arg(RD_CHARS, 8, &v, "\0garbage"), "\"\"");
	assert_string_equal(arg(RD_CHARS, 8, &v, "abcdefgh"),
			    "{\"value\":\"abcdefgh\",\"truncated\":true,\"length\":8}");
	/* cut by --max-bytes: the array's own length */
	v.len = 4;
	v.full_len = 32;
	v.flags = UPT_ARG_TRUNC;
	assert_string_equal(arg(RD_CHARS, 8, &v, "abcd"),
			    "{\"value\":\"abcd\",\"truncated\":true,\"length\":32}");
	assert_string_equal(arg(RD_CHARS, 8, &v, "ab\0d"), "\"ab\"");
}

static void test_truncated(void **state)
{
	struct upt_arg_val v = { .raw = 1, .len = 4, .slot = 4, .full_len = 9,
				 .flags = UPT_ARG_TRUNC };
	/* "h\xc3\xa9l" then the cut: the é is whole, text */
	assert_string_equal(arg(RD_AUTO, 8, &v, "h\xc3\xa9l"),
			    "{\"value\":\"h\xc3\xa9l\",\"truncated\":true,\"length\":9}");
	/* a multi-byte character cut by the capture is still text */
	v.len = 2;
	assert_string_equal(arg(RD_AUTO, 8, &v, "h\xc3"),
			    "{\"value\":\"h\\u00c3\",\"truncated\":true,\"length\":9}");
}

static void test_msgpack_values(void **state)
{
	/* [1, {"a": "b"}] as a stream of two objects, then a map alone */
	struct upt_arg_val v = { .raw = 1, .len = 5, .slot = 5, .full_len = 5 };

	assert_string_equal(arg(RD_MSGPACK, 8, &v, "\x01\x81\xa1" "a" "\xc0"), "[1,{\"a\":null}]");
	assert_string_equal(arg(RD_AUTO, 8, &v, "\x81\xa1" "a" "\xa1" "b"), "{\"a\":\"b\"}");
	/* plain ASCII is a valid stream of fixints, but auto keeps it text */
	assert_string_equal(arg(RD_AUTO, 8, &v, "abcde"), "\"abcde\"");
	/* a msgpack buffer that ends mid-object without a cut is an error carrying the bytes */
	v.len = 3;
	assert_string_equal(arg(RD_MSGPACK, 8, &v, "\x01\x92\x01"),
			    "{\"error\":\"incomplete msgpack at byte 1\",\"value\":1,"
			    "\"encoding\":\"base64\",\"data\":\"AZIB\"}");
	v.len = 2;
	assert_string_equal(arg(RD_MSGPACK, 8, &v, "\x01\xc1"),
			    "{\"error\":\"invalid msgpack at byte 1\",\"value\":1,"
			    "\"encoding\":\"base64\",\"data\":\"AcE=\"}");
	/* cut by the capture: the whole objects, marked truncated */
	v.len = 3;
	v.flags = UPT_ARG_TRUNC;
	v.full_len = 100;
	assert_string_equal(arg(RD_MSGPACK, 8, &v, "\x01\x92\x01"),
			    "{\"value\":1,\"truncated\":true,\"length\":100}");
}

/*
 * Enums by name: a signed enum's negative enumerator, and an unsigned one's above
 * INT32_MAX (enum dw_mode's DW_MODE_BIG = 0x80000000u), which sign-extending its 4 bytes
 * would miss; values no enumerator has as numbers, signed as the enum is.
 */
static void test_enums(void **state)
{
	static struct sym_enumerator color[] = { { 7, "BLUE" }, { -2, "BLACK" } };
	static struct sym_enumerator mode[] = { { 2, "WRITE" }, { 0x80000000LL, "BIG" } };
	struct arg_out o = { .name = "x", .rd = RD_ENUM, .size = 4, .enums = color, .nenums = 2,
			     .enum_signed = true };
	struct upt_arg_val v = { .raw = 0xfffffffe };

	(void)state;
	ob_reset(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "\"BLACK\"");
	v.raw = 0xfffffff0;
	ob_reset(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "-16");
	o = (struct arg_out){ .name = "x", .rd = RD_ENUM, .size = 4, .enums = mode, .nenums = 2 };
	v.raw = 0xdead000080000000ULL; /* the register's upper half is not the enum's */
	ob_reset(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "\"BIG\"");
	v.raw = 0x90000000;
	ob_reset(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "2415919104");
}

static void test_faults(void **state)
{
	struct upt_arg_val v = { .raw = 0xdead, .err = -14, .flags = UPT_ARG_FAULT };

	assert_string_equal(arg(RD_STR, 8, &v, NULL),
			    "{\"error\":\"cannot read user memory\",\"errno\":14,"
			    "\"address\":\"0xdead\"}");
	v.flags = UPT_ARG_LOC_FAULT;
	assert_string_equal(arg(RD_SIGNED, 4, &v, NULL),
			    "{\"error\":\"cannot read the argument\",\"errno\":14,"
			    "\"address\":\"0xdead\"}");
	v.flags = UPT_ARG_NOLOC;
	assert_string_equal(arg(RD_SIGNED, 4, &v, NULL), "\"<optimized out>\"");
}

/*
 * A shape over bytes, the way probe.c gets one from symbols/: struct { int id; int bits:5
 * (at bit 3 of byte 4); enum; short pair[2]; char name[6]; void *p; struct { uint8_t u; }
 * in; long double ld; }, 48 bytes.
 */
static struct sym_enumerator colors[] = { { 7, "BLUE" }, { -2, "BLACK" } };
static struct sym_shape nodes[] = {
	/* 0 */ { .kind = SYM_S_STRUCT, .size = 48, .count = 8, .child = 1, .next = -1 },
	/* 1 */ { .kind = SYM_S_INT, .name = "id", .off = 0, .size = 4, .is_signed = true,
		  .child = -1, .next = 2 },
	/* 2 */ { .kind = SYM_S_INT, .name = "bits", .off = 4, .size = 2, .bit_off = 3,
		  .bit_size = 5, .is_signed = true, .child = -1, .next = 3 },
	/* 3 */ { .kind = SYM_S_ENUM, .name = "color", .off = 6, .size = 2, .is_signed = true,
		  .enums = colors, .nenums = 2, .child = -1, .next = 4 },
	/* 4 */ { .kind = SYM_S_ARRAY, .name = "pair", .off = 8, .size = 4, .count = 2, .child = 5,
		  .next = 6 },
	/* 5 */ { .kind = SYM_S_INT, .size = 2, .child = -1, .next = -1 },
	/* 6 */ { .kind = SYM_S_CHARS, .name = "name", .off = 12, .size = 6, .child = -1,
		  .next = 7 },
	/* 7 */ { .kind = SYM_S_PTR, .name = "p", .off = 18, .size = 8, .child = -1, .next = 8 },
	/* 8 */ { .kind = SYM_S_STRUCT, .name = "in", .off = 26, .size = 1, .count = 1,
		  .child = 9, .next = 10 },
	/* 9 */ { .kind = SYM_S_INT, .name = "u", .size = 1, .child = -1, .next = -1 },
	/* 10 */ { .kind = SYM_S_OPAQUE, .name = "ld", .off = 32, .size = 16, .child = -1,
		   .next = -1, .why = "long double" },
};
static struct sym_shapes shapes = { nodes, sizeof(nodes) / sizeof(nodes[0]) };

static void test_shapes(void **state)
{
	uint8_t d[48] = {
		0xfe, 0xff, 0xff, 0xff,	      /* id -2 */
		0xe8, 0x00,		      /* bits: 0b11101 at bit 3 = -3 */
		0xfe, 0xff,		      /* color -2: BLACK */
		0x01, 0x00, 0xff, 0xff,	      /* pair 1, 65535 (unsigned) */
		'a',  'b',  0,	  'z',	0, 0, /* name "ab" */
		0,    0,    0,	  0,	0, 0, 0, 0, /* p NULL */
		200,				    /* in.u */
	};
	struct arg_out o = { .name = "x", .rd = RD_SHAPE, .shape = &shapes };
	struct upt_arg_val v = { .len = 48 };
	static const char whole[] =
		"{\"id\":-2,\"bits\":-3,\"color\":\"BLACK\",\"pair\":[1,65535],\"name\":\"ab\","
		"\"p\":null,\"in\":{\"u\":200},\"ld\":\"0x40008000000000000000\"}";

	(void)state;
	/* 2.0L: exponent 0x4000, mantissa 0x8000000000000000; the 6 bytes after are padding */
	memcpy(d + 32, "\0\0\0\0\0\0\0\x80\0\x40\xaa\xaa\xaa\xaa\xaa\xaa", 16);
	ob_reset(&ob);
	render_arg(&ob, &o, &v, d);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, whole);
	/* cut at 11 bytes: what is whole (id, bits, color, pair[0]) and the full length */
	v.len = 11;
	v.flags = UPT_ARG_TRUNC;
	v.full_len = 48;
	ob_reset(&ob);
	render_arg(&ob, &o, &v, d);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "{\"value\":{\"id\":-2,\"bits\":-3,\"color\":\"BLACK\"},"
				    "\"truncated\":true,\"length\":48}");
	/* an enum value no enumerator has, and a bit-field of an unsigned type */
	d[6] = 9;
	d[7] = 0;
	nodes[2].is_signed = false;
	v.len = 8;
	v.flags = 0;
	ob_reset(&ob);
	render_arg(&ob, &o, &v, d);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "{\"id\":-2,\"bits\":29,\"color\":9}");
	nodes[2].is_signed = true;
	/* a struct of at most 8 bytes in a register: the register's bytes */
	o.shape_in_raw = true;
	v.raw = 0x0000ffff00000005ULL; /* id 5, bits from byte 4: 0xff >> 3 = 31 -> -1 */
	ob_reset(&ob);
	render_arg(&ob, &o, &v, NULL);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "{\"id\":5,\"bits\":-1,\"color\":0}");
}

/* A record of one probe with two arguments: an int and a 5-byte string. */
struct rec2 {
	struct upt_call_rec r;
	struct upt_arg_val v[2];
	char data[8];
};

static struct probe probe = {
	.binary = "/bin/x",
	.func = "f",
	.out = { { .name = "n", .rd = RD_SIGNED, .size = 4 }, { .name = "s", .rd = RD_STR } },
	.spec = { .nargs = 2 },
};

static void make_rec(struct rec2 *r)
{
	memset(r, 0, sizeof(*r));
	r->r.hdr.type = UPT_REC_CALL;
	r->r.hdr.size = sizeof(*r);
	r->r.hdr.ts_ns = 1500000000ULL;
	r->r.hdr.pid = 10;
	r->r.hdr.tid = 11;
	memcpy(r->r.hdr.comm, "flb-pipeline\0\0\0\0", 16);
	r->r.nargs = 2;
	r->v[0].raw = (uint32_t)-7;
	r->v[1].raw = 0x1234;
	r->v[1].len = 5;
	r->v[1].slot = 6;
	memcpy(r->data, "hello", 6);
}

static void test_record(void **state)
{
	struct probe *probes[] = { &probe };
	struct render_ctx ctx = { .probes = probes, .nprobes = 1,
				  .boot_to_real_ns = 1795000000LL * 1000000000LL };
	struct rec2 r;

	make_rec(&r);
	ob_reset(&ob);
	assert_ptr_equal(render_record(&ctx, &ob, &r, sizeof(r)), &probe);
	ob_putc(&ob, 0);
	assert_string_equal(ob.buf, "{\"time\":\"2026-11-18T11:06:41.500000000Z\","
				    "\"event_type\":\"uprobe\",\"pid\":10,\"tid\":11,"
				    "\"comm\":\"flb-pipeline\",\"binary\":\"/bin/x\","
				    "\"function\":\"f\",\"args\":{\"n\":-7,\"s\":\"hello\"}}\n");
	assert_int_equal(probe.events, 1);
	assert_int_equal(ctx.bad_records, 0);
}

/*
 * The fields a probe's events share are rendered once per thread: events of two threads in
 * turn, a renamed thread (same tid, new comm) and the msgpack sink each get their own.
 */
static void test_record_head_per_thread(void **state)
{
	struct probe p = probe;
	struct probe *probes[] = { &p };
	struct render_ctx ctx = { .probes = probes, .nprobes = 1 };
	static const struct {
		uint32_t tid;
		const char *comm, *want;
	} seq[] = {
		{ 11, "a", "\"pid\":10,\"tid\":11,\"comm\":\"a\",\"binary\":\"/bin/x\"" },
		{ 11, "a", "\"pid\":10,\"tid\":11,\"comm\":\"a\",\"binary\":\"/bin/x\"" },
		{ 12, "a", "\"pid\":10,\"tid\":12,\"comm\":\"a\",\"binary\":\"/bin/x\"" },
		{ 11, "a", "\"pid\":10,\"tid\":11,\"comm\":\"a\",\"binary\":\"/bin/x\"" },
		{ 11, "worker", "\"pid\":10,\"tid\":11,\"comm\":\"worker\",\"binary\":\"/bin/x\"" },
	};
	struct event ev;
	struct rec2 r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		make_rec(&r);
		r.r.hdr.tid = seq[i].tid;
		memset(r.r.hdr.comm, 0, sizeof(r.r.hdr.comm));
		strcpy(r.r.hdr.comm, seq[i].comm);
		ob_reset(&ob);
		assert_non_null(render_record(&ctx, &ob, &r, sizeof(r)));
		ob_putc(&ob, 0);
		assert_non_null(strstr(ob.buf, seq[i].want));
		assert_non_null(strstr(ob.buf, "\"function\":\"f\",\"args\":{\"n\":-7,"));
		/* the same event in msgpack between the JSON ones: its own cache */
		assert_int_equal(event_from_record(&ctx, &r, sizeof(r), &ev), 0);
		ob_reset(&ob);
		event_render_line(&ev, &ob, EMIT_MSGPACK);
		assert_true(ob_ok(&ob));
		assert_non_null(memmem(ob.buf, ob.len, "\xa4" "comm", 5));
		assert_non_null(memmem(ob.buf, ob.len, seq[i].comm, strlen(seq[i].comm)));
		assert_int_equal((uint8_t)ob.buf[0], 0x88); /* a map of 8: time .. args */
	}
	probe__free_heads(&p);
}

static struct probe ret_probe = {
	.binary = "/bin/x",
	.func = "f",
	.kind = PROBE_RETURN,
	.out = { { .name = "retval", .rd = RD_SIGNED, .size = 4 } },
	.spec = { .nargs = 1 },
};

struct rec1 {
	struct upt_call_rec r;
	struct upt_arg_val v[1];
};

static void test_return_record(void **state)
{
	struct probe *probes[] = { &probe, &ret_probe };
	struct render_ctx ctx = { .probes = probes, .nprobes = 2 };
	struct rec1 r = {};

	r.r.hdr.type = UPT_REC_RET;
	r.r.hdr.size = sizeof(r);
	r.r.hdr.pid = r.r.hdr.tid = 5;
	memcpy(r.r.hdr.comm, "t", 2);
	r.r.probe_id = 1;
	r.r.nargs = 1;
	r.r.call_id = 42;
	r.r.duration_ns = 1234;
	r.v[0].raw = 0xffffffff;
	ob_reset(&ob);
	assert_ptr_equal(render_record(&ctx, &ob, &r, sizeof(r)), &ret_probe);
	ob_putc(&ob, 0);
	assert_string_equal(strchr(ob.buf, ','), ",\"event_type\":\"uretprobe\",\"pid\":5,\"tid\":5,"
						 "\"comm\":\"t\",\"binary\":\"/bin/x\",\"function\":\"f\","
						 "\"retval\":-1,\"duration_ns\":1234,\"call_id\":42}\n");
	/* the entry was not seen: no duration, no id */
	r.r.call_id = 0;
	r.r.duration_ns = 0;
	ob_reset(&ob);
	assert_non_null(render_record(&ctx, &ob, &r, sizeof(r)));
	ob_putc(&ob, 0);
	assert_non_null(strstr(ob.buf, "\"retval\":-1,\"duration_ns\":null,\"call_id\":null}"));
	/* a return record for an entry probe (or the reverse) is a lie */
	r.r.probe_id = 0;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	assert_int_equal(ctx.bad_records, 1);
}

/* Every way a record can lie is caught before a byte of its data is read. */
static void test_lying_records(void **state)
{
	struct probe *probes[] = { &probe };
	struct render_ctx ctx = { .probes = probes, .nprobes = 1 };
	struct rec2 r;
	size_t i;

	make_rec(&r);
	r.r.hdr.size = sizeof(r) + 8;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	make_rec(&r);
	r.r.probe_id = 1;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	make_rec(&r);
	r.r.nargs = 3;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	make_rec(&r);
	r.v[1].slot = 0xfffffff0;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	make_rec(&r);
	r.v[1].len = 7; /* more than its slot */
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	make_rec(&r);
	r.r.hdr.type = 77;
	assert_null(render_record(&ctx, &ob, &r, sizeof(r)));
	/* every prefix too short for the data the record claims */
	make_rec(&r);
	for (i = 0; i < offsetof(struct rec2, data) + 6; i++) {
		r.r.hdr.size = i;
		assert_null(render_record(&ctx, &ob, &r, i));
	}
	assert_int_equal(ctx.bad_records, 6 + offsetof(struct rec2, data) + 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),	    cmocka_unit_test(test_strings_and_bytes),
		cmocka_unit_test(test_char_arrays),
		cmocka_unit_test(test_floats_and_unreadable),
		cmocka_unit_test(test_truncated),   cmocka_unit_test(test_msgpack_values),
		cmocka_unit_test(test_faults),	    cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_head_per_thread),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_lying_records),
		cmocka_unit_test(test_return_record),
	};

	return cmocka_run_group_tests_name("output", tests, setup, teardown);
}
