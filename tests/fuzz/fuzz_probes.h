/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fuzz_probes.h - the fixed probes the record fuzzer renders against.
 *
 * render_record() checks a record against ctx->probes, so the fuzzer needs probes: these
 * cover every way an argument is printed (scalars of each size, enums, bool, pointers,
 * "<optimized out>", str, bytes, msgpack, auto, hidden lengths, char arrays, floats, and
 * structs, arrays and bit-fields by their shapes), a %return probe of each
 * kind, the hidden entry half of a return probe (PROBE_RETURN_ENTRY), one with no arguments
 * and one with UPT_MAX_ARGS.  Names that need escaping make sure every name goes through the
 * JSON writer.
 * tests/fuzz/mkseeds.c writes a valid record for each of them as the seed corpus; the probe
 * index is the record's probe_id.
 */
#ifndef UPTRACE_FUZZ_PROBES_H
#define UPTRACE_FUZZ_PROBES_H

#include "dwarfinfo.h"
#include "output.h"

static struct sym_enumerator fuzz_enums[] = {
	{ .value = 0, .name = (char *)"ZERO" },
	{ .value = -1, .name = (char *)"MINUS_ONE" },
	{ .value = 7, .name = (char *)"se\"v\ne\xc3\xa9n" },
};

#define FUZZ_ENUM { .name = (char *)"kind", .rd = RD_ENUM, .size = 4, .enums = fuzz_enums, \
		    .nenums = sizeof(fuzz_enums) / sizeof(fuzz_enums[0]), .enum_signed = true }

enum {
	FP_SCALARS,  /* entry: every scalar rendering */
	FP_BUFFERS,  /* entry: str, bytes, msgpack, auto, a hidden length */
	FP_RET_INT,  /* %return: s32 */
	FP_SILENT,   /* PROBE_RETURN_ENTRY: records nothing */
	FP_RET_STR,  /* %return: $retval:str */
	FP_MAX_ARGS, /* UPT_MAX_ARGS of everything */
	FP_NO_ARGS,  /* f(), with a binary path and function name that need escaping */
	FP_RET_AUTO, /* %return: $retval:auto[64] */
	FP_TYPED,    /* entry: a char array, float, double, a struct, one in a register, a
		      * bit-field (the shapes of DWARF types) */
	FP_COUNT,
};

/* struct { int id; int bits:5; enum kind; short pair[2]; char name[6]; void *p; } */
static struct sym_shape fuzz_struct_nodes[] = {
	{ .kind = SYM_S_STRUCT, .size = 26, .count = 6, .child = 1, .next = -1 },
	{ .kind = SYM_S_INT, .name = (char *)"id", .size = 4, .is_signed = true, .child = -1,
	  .next = 2 },
	{ .kind = SYM_S_INT, .name = (char *)"bits", .off = 4, .size = 2, .bit_off = 3,
	  .bit_size = 5, .is_signed = true, .child = -1, .next = 3 },
	{ .kind = SYM_S_ENUM, .name = (char *)"k\"ind", .off = 6, .size = 2, .is_signed = true,
	  .enums = fuzz_enums, .nenums = sizeof(fuzz_enums) / sizeof(fuzz_enums[0]), .child = -1,
	  .next = 4 },
	{ .kind = SYM_S_ARRAY, .name = (char *)"pair", .off = 8, .size = 4, .count = 2, .child = 5,
	  .next = 6 },
	{ .kind = SYM_S_INT, .size = 2, .child = -1, .next = -1 },
	{ .kind = SYM_S_CHARS, .name = (char *)"name", .off = 12, .size = 6, .child = -1,
	  .next = 7 },
	{ .kind = SYM_S_PTR, .name = (char *)"p", .off = 18, .size = 8, .child = -1, .next = -1 },
};
static struct sym_shapes fuzz_struct = { fuzz_struct_nodes, 8 };
/* a bit-field alone: 40 bits from bit 2 of its first byte */
static struct sym_shape fuzz_bits_node = { .kind = SYM_S_INT, .size = 6, .bit_off = 2,
					   .bit_size = 40, .child = -1, .next = -1 };
static struct sym_shapes fuzz_bits = { &fuzz_bits_node, 1 };

static struct probe fuzz_probes[FP_COUNT] = {
	[FP_SCALARS] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"scalars",
		.out = {
			{ .name = (char *)"s8", .rd = RD_SIGNED, .size = 1 },
			{ .name = (char *)"s16", .rd = RD_SIGNED, .size = 2 },
			{ .name = (char *)"s32", .rd = RD_SIGNED, .size = 4 },
			{ .name = (char *)"s64", .rd = RD_SIGNED, .size = 8 },
			{ .name = (char *)"u32", .rd = RD_UNSIGNED, .size = 4 },
			{ .name = (char *)"x64", .rd = RD_HEX, .size = 8 },
			{ .name = (char *)"ptr", .rd = RD_PTR, .size = 8 },
			{ .name = (char *)"flag", .rd = RD_BOOL, .size = 1 },
			FUZZ_ENUM,
			{ .name = (char *)"fp", .rd = RD_UNSUPPORTED, .size = 8 },
		},
		.spec = { .nargs = 10 },
	},
	[FP_BUFFERS] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"buffers",
		.out = {
			{ .name = (char *)"tag", .rd = RD_STR },
			{ .name = (char *)"buf", .rd = RD_BYTES },
			{ .name = (char *)"events", .rd = RD_MSGPACK },
			{ .name = (char *)"data", .rd = RD_AUTO },
			{ .name = (char *)"len", .rd = RD_HIDDEN, .size = 8 },
			{ .name = (char *)"more", .rd = RD_AUTO },
		},
		.spec = { .nargs = 6 },
	},
	[FP_RET_INT] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"buffers",
		.kind = PROBE_RETURN,
		.out = { { .name = (char *)"retval", .rd = RD_SIGNED, .size = 4 } },
		.spec = { .nargs = 1, .flags = UPT_SPEC_RET },
	},
	[FP_SILENT] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"buffers",
		.kind = PROBE_RETURN_ENTRY,
		.spec = { .nargs = 0, .flags = UPT_SPEC_PUSH | UPT_SPEC_SILENT },
	},
	[FP_RET_STR] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"getenv",
		.kind = PROBE_RETURN,
		.out = { { .name = (char *)"retval", .rd = RD_STR } },
		.spec = { .nargs = 1, .flags = UPT_SPEC_RET },
	},
	[FP_MAX_ARGS] = {
		.binary = (char *)"/usr/lib/libfuzz.so.1",
		.func = (char *)"many",
		.out = {
			{ .name = (char *)"a0", .rd = RD_AUTO },
			{ .name = (char *)"a\"1\\", .rd = RD_MSGPACK },
			{ .name = (char *)"a\n2", .rd = RD_STR },
			{ .name = (char *)"\xc3\xbc" "3", .rd = RD_BYTES },
			{ .name = (char *)"a4", .rd = RD_HIDDEN, .size = 4 },
			{ .name = (char *)"a5", .rd = RD_SIGNED, .size = 2 },
			{ .name = (char *)"a6", .rd = RD_AUTO },
			{ .name = (char *)"a7", .rd = RD_MSGPACK },
			FUZZ_ENUM,
			{ .name = (char *)"a9", .rd = RD_PTR, .size = 8 },
			{ .name = (char *)"a10", .rd = RD_STR },
			{ .name = (char *)"a11", .rd = RD_BOOL, .size = 1 },
			{ .name = (char *)"a12", .rd = RD_AUTO },
			{ .name = (char *)"a13", .rd = RD_UNSIGNED, .size = 8 },
			{ .name = (char *)"a14", .rd = RD_BYTES },
			{ .name = (char *)"a15", .rd = RD_HIDDEN, .size = 8 },
		},
		.spec = { .nargs = UPT_MAX_ARGS },
	},
	[FP_NO_ARGS] = {
		.binary = (char *)"/tmp/odd\npath/\xc3\xbc\x01\xff\xe2\x80\xa8.bin",
		.func = (char *)"f\"q\\",
		.spec = { .nargs = 0 },
	},
	[FP_RET_AUTO] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"next_record",
		.kind = PROBE_RETURN,
		.out = { { .name = (char *)"retval", .rd = RD_AUTO } },
		.spec = { .nargs = 1, .flags = UPT_SPEC_RET },
	},
	[FP_TYPED] = {
		.binary = (char *)"/usr/bin/fuzz",
		.func = (char *)"typed",
		.out = {
			{ .name = (char *)"name", .rd = RD_CHARS },
			{ .name = (char *)"ratio", .rd = RD_FLOAT, .size = 8 },
			{ .name = (char *)"frac", .rd = RD_FLOAT, .size = 4 },
			{ .name = (char *)"*rec", .rd = RD_SHAPE, .shape = &fuzz_struct },
			{ .name = (char *)"pair", .rd = RD_SHAPE, .shape = &fuzz_struct,
			  .shape_in_raw = true },
			{ .name = (char *)"ins->big", .rd = RD_SHAPE, .shape = &fuzz_bits },
		},
		.spec = { .nargs = 6 },
	},
};

/* A realistic CLOCK_REALTIME - CLOCK_BOOTTIME: booted a day before 2023-11-14. */
#define FUZZ_BOOT_TO_REAL_NS (1699920000LL * 1000000000LL)

#endif /* UPTRACE_FUZZ_PROBES_H */
