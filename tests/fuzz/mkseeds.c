// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkseeds.c - writes the binary seed corpora of the record and msgpack fuzzers.
 *
 *   mkseeds DIR    writes DIR/record/<name> and DIR/mpjson/<name>
 *
 * Run by `make fuzz-seeds`; its output is committed under tests/fuzz/corpus/.  The record
 * seeds are valid records, built with the layout of probes/uptrace.h, for the probes of
 * fuzz_probes.h (so they must be regenerated when either changes); the msgpack seeds are
 * Fluent Bit log events of both formats, group markers, every msgpack type, and streams
 * that are cut short, invalid or nested too deep.  Seeds only have to reach the decoders'
 * paths: libFuzzer mutates them from there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_probes.h"

static const char *outdir;

static void put_file(const char *sub, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- records ---------------------------------------------------------------------------- */

struct arg {
	uint64_t raw;
	const void *data;
	uint32_t len, slot, full_len; /* slot 0: len rounded up to 8 */
	uint16_t flags;
	int16_t err;
};

static void put_record(const char *name, uint32_t probe_id, uint16_t type, uint64_t call_id,
		       uint64_t duration, const struct arg *a, uint32_t nargs)
{
	static uint8_t buf[65536];
	struct upt_call_rec *rec = (void *)buf;
	struct upt_arg_val *v = (void *)(rec + 1);
	uint8_t *d = (uint8_t *)(v + nargs);
	uint32_t i, slot;

	memset(buf, 0, sizeof(buf));
	rec->hdr.type = type;
	rec->hdr.ts_ns = 86400ULL * 1000000000ULL + 123456789;
	rec->hdr.pid = 4242;
	rec->hdr.tid = 4243;
	memcpy(rec->hdr.comm, "flb-pipeline", 12);
	rec->probe_id = probe_id;
	rec->nargs = nargs;
	rec->call_id = call_id;
	rec->duration_ns = duration;
	for (i = 0; i < nargs; i++) {
		slot = a[i].slot ? a[i].slot : (a[i].len + 7) & ~7u;
		v[i] = (struct upt_arg_val){
			.raw = a[i].raw,
			.full_len = a[i].full_len ? a[i].full_len : a[i].len,
			.slot = slot,
			.len = a[i].len,
			.err = a[i].err,
			.flags = a[i].flags,
		};
		if (a[i].len)
			memcpy(d, a[i].data, a[i].len);
		d += slot;
	}
	rec->hdr.size = (uint32_t)(d - buf);
	put_file("record", name, buf, rec->hdr.size);
}

#define STR(s) .data = (s), .len = sizeof(s) - 1
#define NARGS(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

/* [[EventTime, {}], {"message": "hello 0", "counter": 0}]: a Fluent Bit v2 log event. */
static const uint8_t flb_v2[] = "\x92\x92\xd7\x00\x65\x53\xf1\x00\x07\x5b\xcd\x15\x80"
				"\x82\xa7message\xa7hello 0\xa7" "counter\x00";
/* [1700000000.5, {"a": [1, 2, {"b": nil}]}]: the legacy format, a float time. */
static const uint8_t flb_legacy[] = "\x92\xcb\x41\xd9\x54\xfc\x40\x20\x00\x00"
				    "\x81\xa1" "a\x93\x01\x02\x81\xa1" "b\xc0";

static void records(void)
{
	const struct arg scalars[] = {
		{ .raw = 0xfb }, { .raw = 0x8000 }, { .raw = 0xffffffff },
		{ .raw = 0x8000000000000000ULL }, { .raw = 42 }, { .raw = 0xdeadbeef },
		{ .raw = 0 }, { .raw = 1 }, { .raw = 7 }, { .raw = 3 },
	};
	const struct arg scalars2[] = {
		{ .raw = 0x7f }, { .raw = 0xffff }, { .raw = 0 }, { .raw = 1 },
		{ .raw = UINT64_MAX }, { .raw = 0 }, { .raw = 0x7ffd1000 }, { .raw = 0 },
		{ .raw = 0xffffffff }, { .flags = UPT_ARG_NOLOC },
	};
	const struct arg buffers[] = {
		{ .raw = 0x1000, STR("app.log") },
		{ .raw = 0x2000, STR("\x00\xff\x10" "abc") },
		{ .raw = 0x3000, .data = flb_v2, .len = sizeof(flb_v2) - 1 },
		{ .raw = 0x4000, STR("hello w\xc3\xb6rld") },
		{ .raw = 39 },
		{ .raw = 0x5000, .data = flb_legacy, .len = 12, .full_len = 100,
		  .flags = UPT_ARG_TRUNC },
	};
	const struct arg faults[] = {
		{ .raw = 0xdead, .flags = UPT_ARG_FAULT, .err = -14 },
		{ .raw = 0, .flags = UPT_ARG_NULL },
		{ .raw = 0x10, .flags = UPT_ARG_LOC_FAULT, .err = -14 },
		{ .flags = UPT_ARG_NOLOC },
		{ .raw = 2 },
		{ .raw = 0x5000, STR("\xc1\x01") },
	};
	/* the struct of fuzz_probes.h: id -2, bits -3, kind 7, pair {1, 65535}, "ab", NULL */
	static const uint8_t rec[26] = { 0xfe, 0xff, 0xff, 0xff, 0xe8, 0x00, 0x07, 0x00, 0x01,
					 0x00, 0xff, 0xff, 'a', 'b' };
	const struct arg typed[] = {
		{ .raw = 0x1000, STR("dummy.0\0\0\0") },
		{ .raw = 0x3fd0000000000000ULL }, /* 0.25 */
		{ .raw = 0xbfc00000 },		  /* -1.5f */
		{ .raw = 0x2000, .data = rec, .len = sizeof(rec) },
		{ .raw = 0x0000ffff00000005ULL },
		{ .raw = 0x3000, STR("\x68\x45\x23\x01\x00\x00") },
	};
	const struct arg typed_cut[] = {
		{ .raw = 0x1000, STR("abc"), .full_len = 32, .flags = UPT_ARG_TRUNC },
		{ .raw = 0x7ff8000000000000ULL }, /* NaN: null */
		{ .raw = 0x7f800000 },		  /* inf: null */
		{ .raw = 0x2000, .data = rec, .len = 11, .full_len = 26, .flags = UPT_ARG_TRUNC },
		{ .raw = 0 },
		{ .raw = 0x3000, STR("\x68"), .full_len = 6, .flags = UPT_ARG_TRUNC },
	};
	const struct arg ret_int[] = { { .raw = 0xffffffff } };
	const struct arg ret_str[] = { { .raw = 0x7fff0000, STR("/home/user\0"), .slot = 16 } };
	const struct arg ret_auto[] = { { .raw = 0x6000, .data = flb_legacy,
					  .len = sizeof(flb_legacy) - 1 } };
	const struct arg many[UPT_MAX_ARGS] = {
		{ .raw = 1, STR("{\"json\": \"text\"}") },
		{ .raw = 2, .data = flb_v2, .len = sizeof(flb_v2) - 1 },
		{ .raw = 3, STR("line\nbreak\t\x7f\xe2\x80\xa8") },
		{ .raw = 4, STR("\x01\x02\x03\x04\x05") },
		{ .raw = 5 },
		{ .raw = 0xfff6 },
		{ .raw = 7, STR("\x82\xa1k\x01\x02\xc3") },
		{ .raw = 8, STR("\x93\x01\x02") , .full_len = 64, .flags = UPT_ARG_TRUNC },
		{ .raw = (uint64_t)-1 },
		{ .raw = 0x1234 },
		{ .raw = 11, STR("a\0b") },
		{ .raw = 2 },
		{ .raw = 13, STR("h\xc3"), .full_len = 9, .flags = UPT_ARG_TRUNC },
		{ .raw = 14 },
		{ .raw = 0, .flags = UPT_ARG_NULL },
		{ .raw = 16 },
	};

	put_record("scalars", FP_SCALARS, UPT_REC_CALL, 0, 0, scalars, NARGS(scalars));
	put_record("scalars-2", FP_SCALARS, UPT_REC_CALL, 7, 0, scalars2, NARGS(scalars2));
	put_record("buffers", FP_BUFFERS, UPT_REC_CALL, 42, 0, buffers, NARGS(buffers));
	put_record("buffers-faults", FP_BUFFERS, UPT_REC_CALL, 0, 0, faults, NARGS(faults));
	put_record("ret-int", FP_RET_INT, UPT_REC_RET, 42, 1234, ret_int, 1);
	put_record("ret-unpaired", FP_RET_INT, UPT_REC_RET, 0, 0, ret_int, 1);
	put_record("silent", FP_SILENT, UPT_REC_CALL, 1, 0, NULL, 0);
	put_record("ret-str", FP_RET_STR, UPT_REC_RET, 9, 100, ret_str, 1);
	put_record("many", FP_MAX_ARGS, UPT_REC_CALL, 0, 0, many, UPT_MAX_ARGS);
	put_record("no-args", FP_NO_ARGS, UPT_REC_CALL, 0, 0, NULL, 0);
	put_record("ret-auto", FP_RET_AUTO, UPT_REC_RET, 5, 77, ret_auto, 1);
	put_record("typed", FP_TYPED, UPT_REC_CALL, 0, 0, typed, NARGS(typed));
	put_record("typed-cut", FP_TYPED, UPT_REC_CALL, 0, 0, typed_cut, NARGS(typed_cut));
}

/* ---- msgpack ------------------------------------------------------------------------------ */

#define MP(name, bytes) put_file("mpjson", name, bytes, sizeof(bytes) - 1)

static void msgpack(void)
{
	uint8_t deep[80];

	put_file("mpjson", "flb-v2", flb_v2, sizeof(flb_v2) - 1);
	put_file("mpjson", "flb-legacy", flb_legacy, sizeof(flb_legacy) - 1);
	/* two v2 events, an integer and a float32 time, metadata */
	MP("flb-two", "\x92\x92\xce\x65\x53\xf1\x00\x81\xa1m\x01\x81\xa1x\xa1y"
		      "\x92\x92\xca\x4e\xca\xa7\xe2\x80\x81\xa1z\xc2");
	/* group start (-1) and end (EventTime 0xfffffffe) around an event */
	MP("flb-groups", "\x92\x92\xff\x81\xa5group\x01\x80"
			 "\x92\x92\xd7\x00\x00\x00\x00\x01\x00\x00\x00\x00\x80\x81\xa1k\xa1v"
			 "\x92\x92\xd7\x00\xff\xff\xff\xfe\x00\x00\x00\x00\x80\x80");
	/* non-string keys, bin, ext, fixext, str8, array16, map16, ints at the limits */
	MP("types", "\x8c\x01\xc3\x92\x01\x02\xc2\x81\xa1k\x01\xc0\xc0\xca\x3f\xc0\x00\x00"
		    "\xa1" "b\xc4\x03\x00\xff\x7f"
		    "\xa1" "e\xc7\x02\x05\x01\x02"
		    "\xa1" "f\xd4\x7f\x09"
		    "\xa1" "s\xd9\x05q\"\\\n\x01"
		    "\xa1" "a\xdc\x00\x02\xd3\x80\x00\x00\x00\x00\x00\x00\x00"
		    "\xcf\xff\xff\xff\xff\xff\xff\xff\xff"
		    "\xa1" "m\xde\x00\x01\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00\xcb\x00\x00\x00\x00"
		    "\x00\x00\x00\x01"
		    "\xa1" "d\xcb\x3f\xb9\x99\x99\x99\x99\x99\x9a"
		    "\xa1" "u\xa3\xe2\x82\xac");
	MP("cut", "\x01\x93\x01\x02");
	MP("invalid", "\x92\x01\xc1");
	MP("lying-length", "\xdd\xff\xff\xff\xff\x01\x02");
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = 0xc0;
	put_file("mpjson", "deep", deep, sizeof(deep));
	put_file("mpjson", "empty", "", 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	records();
	msgpack();
	return 0;
}
