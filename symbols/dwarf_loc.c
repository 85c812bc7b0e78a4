// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dwarf_loc.c - where a parameter is at the probe address, from its DWARF location.
 *
 * A DW_AT_location is either one expression valid in the whole function (gcc -O0), or a
 * location list: expressions each valid in an address range (gcc -O2).  We take the one
 * that covers the probe address, and accept only what BPF can read without running a
 * DWARF stack machine:
 *
 *	DW_OP_regN                      the value is in register N            SYM_LOC_REG
 *	DW_OP_bregN off                 the value is in memory at N + off     SYM_LOC_MEM
 *	DW_OP_fbreg off                 ... at frame base + off               SYM_LOC_MEM
 *	DW_OP_bregN 0; DW_OP_stack_value           the value of register N    SYM_LOC_REG
 *	DW_OP_entry_value(DW_OP_regN); DW_OP_stack_value
 *	                                register N at entry: at the entry pc, that is N itself
 *	DW_OP_lit/constN; DW_OP_stack_value, DW_OP_implicit_value, DW_AT_const_value
 *	                                                                     SYM_LOC_CONST
 *
 * Anything else (a computed value, a value split in pieces, a register BPF cannot read such
 * as an XMM register, no list entry at this address) is SYM_LOC_NONE with the reason: the
 * loader prints "<optimized out>" rather than a wrong value.
 *
 * The frame base (DW_AT_frame_base) of gcc code is DW_OP_call_frame_cfa: the canonical
 * frame address, which the CFI (.eh_frame of the object, else .debug_frame) gives as
 * register + offset at any pc.  At the first instruction on x86-64 that is rsp + 8, so a
 * parameter past the sixth, at DW_OP_fbreg 0, is in memory at rsp + 8.
 *
 * -O0 code describes every parameter as a frame slot (DW_OP_fbreg -36) that the prologue
 * fills in: reading it at the entry would read stack garbage.  At the entry we can tell:
 * a slot below the CFA (the return address is at CFA - 8; below it, nothing is ours yet),
 * or any slot relative to a frame base that is not the CFA (clang: DW_OP_reg6, rbp, not
 * set up yet).  sym_param_loc() says so and dwarf.c moves the probe past the prologue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define X86_64_RSP  7
#define X86_64_NGPR 16 /* rax .. r15; 16 is the return address column */

static void loc_none(struct sym_loc *l, const char *why)
{
	*l = (struct sym_loc){.kind = SYM_LOC_NONE, .why = why};
}

/* NULL when BPF can read register `reg` from pt_regs, else why not. */
static const char *reg_unreadable(const struct sym_dwarf *d, uint64_t reg)
{
	static const char *const xmm[16] = {
		"in %xmm0", "in %xmm1", "in %xmm2",   "in %xmm3",   "in %xmm4",	  "in %xmm5",
		"in %xmm6", "in %xmm7", "in %xmm8",   "in %xmm9",   "in %xmm10", "in %xmm11",
		"in %xmm12", "in %xmm13", "in %xmm14", "in %xmm15",
	};

	switch (d->machine) {
	case EM_X86_64:
		if (reg < X86_64_NGPR)
			return NULL;
		if (reg >= 17 && reg <= 32)
			return xmm[reg - 17];
		if (reg >= 33 && reg <= 40)
			return "in an x87 register";
		if (reg >= 41 && reg <= 48)
			return "in an MMX register";
		return "in a register uptrace cannot read";
	case EM_AARCH64:
		if (reg <= 31)
			return NULL;
		if (reg >= 64 && reg <= 95)
			return "in a SIMD/FP register";
		return "in a register uptrace cannot read";
	default:
		return reg < 32 ? NULL : "in a register uptrace cannot read";
	}
}

static bool set_reg(const struct sym_dwarf *d, struct sym_loc *l, enum sym_loc_kind kind,
		    uint64_t reg, int64_t off)
{
	const char *why = reg_unreadable(d, reg);

	if (why) {
		loc_none(l, why);
		return false;
	}
	*l = (struct sym_loc){.kind = kind, .reg = (int)reg, .off = off};
	return true;
}

/* DW_OP_bregN / DW_OP_bregx: the register and offset. */
static bool op_breg(const Dwarf_Op *op, uint64_t *reg, int64_t *off)
{
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (int64_t)op->number;
		return true;
	}
	if (op->atom == DW_OP_bregx) {
		*reg = op->number;
		*off = (int64_t)op->number2;
		return true;
	}
	return false;
}

static bool op_reg(const Dwarf_Op *op, uint64_t *reg)
{
	if (op->atom >= DW_OP_reg0 && op->atom <= DW_OP_reg31) {
		*reg = op->atom - DW_OP_reg0;
		return true;
	}
	if (op->atom == DW_OP_regx) {
		*reg = op->number;
		return true;
	}
	return false;
}

/* ---- the canonical frame address ---------------------------------------------------- */

static void load_cfi(struct sym_dwarf *d)
{
	if (d->cfi_loaded)
		return;
	d->cfi_loaded = true;
	d->eh_cfi = dwfl_module_eh_cfi(d->mod, &d->eh_bias);
	d->dbg_cfi = dwfl_module_dwarf_cfi(d->mod, &d->dbg_bias);
}

static bool cfi_cfa(struct sym_dwarf *d, Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t pc,
		    uint64_t *reg, int64_t *off)
{
	Dwarf_Frame *frame;
	Dwarf_Op *ops;
	size_t n;
	bool ok;

	if (!cfi || dwarf_cfi_addrframe(cfi, pc + d->main_bias - bias, &frame))
		return false;
	ok = !dwarf_frame_cfa(frame, &ops, &n) && n == 1 && op_breg(&ops[0], reg, off);
	free(frame);
	return ok;
}

/* The CFA at object address pc, as register + offset. */
static bool cfa_at(const struct sym_loc_ctx *ctx, uint64_t *reg, int64_t *off)
{
	struct sym_dwarf *d = ctx->d;

	load_cfi(d);
	if (cfi_cfa(d, d->eh_cfi, d->eh_bias, ctx->pc, reg, off) ||
	    cfi_cfa(d, d->dbg_cfi, d->dbg_bias, ctx->pc, reg, off))
		return true;
	/* No CFI for this code: at the first instruction the ABI still tells. */
	if (d->machine == EM_X86_64 && ctx->pc == ctx->entry) {
		*reg = X86_64_RSP;
		*off = 8;
		return true;
	}
	return false;
}

/* The frame base at ctx->pc, as register + offset; NULL on success, else why not. */
static const char *frame_base(const struct sym_loc_ctx *ctx, uint64_t *reg, int64_t *off,
			      bool *is_cfa)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;

	*is_cfa = false;
	if (!dwarf_attr(ctx->func, DW_AT_frame_base, &attr))
		return "relative to a frame base the function does not describe";
	if (dwarf_getlocation_addr(&attr, sym_dw_addr(ctx->d, ctx->pc), &ops, &n, 1) != 1 || n != 1)
		return "relative to a frame base unknown at this address";
	if (ops[0].atom == DW_OP_call_frame_cfa) {
		*is_cfa = true;
		return cfa_at(ctx, reg, off) ? NULL
					     : "relative to a frame the CFI does not describe";
	}
	if (op_reg(&ops[0], reg)) {
		*off = 0;
		return NULL;
	}
	if (op_breg(&ops[0], reg, off))
		return NULL;
	return "relative to a frame base uptrace cannot compute";
}

/* ---- one location expression -------------------------------------------------------- */

/*
 * DW_OP_fbreg n: memory at frame base + n.  Returns true when that slot is not valid yet at
 * the entry (see the top of this file); *out is then NONE.
 */
static bool loc_fbreg(const struct sym_loc_ctx *ctx, int64_t n, struct sym_loc *out)
{
	const char *why;
	uint64_t reg;
	int64_t off;
	bool is_cfa;

	if (ctx->pc == ctx->entry) {
		/* Only the caller's part of the stack, at or above the CFA, is valid yet. */
		if (!frame_base(ctx, &reg, &off, &is_cfa) && is_cfa && n >= 0) {
			set_reg(ctx->d, out, SYM_LOC_MEM, reg, off + n);
			return false;
		}
		loc_none(out, "in a frame slot the prologue has not written yet");
		return true;
	}
	why = frame_base(ctx, &reg, &off, &is_cfa);
	if (why)
		loc_none(out, why);
	else
		set_reg(ctx->d, out, SYM_LOC_MEM, reg, off + n);
	return false;
}

/* DW_OP_entry_value(DW_OP_regN): register N as it was at the entry. */
static void loc_entry_value(const struct sym_loc_ctx *ctx, Dwarf_Attribute *attr, Dwarf_Op *op,
			    struct sym_loc *out)
{
	Dwarf_Attribute inner;
	Dwarf_Op *ops;
	uint64_t reg;
	size_t n;

	if (ctx->pc != ctx->entry) {
		loc_none(out, "only its value at the function's entry is known");
		return;
	}
	if (dwarf_getlocation_attr(attr, op, &inner) || dwarf_getlocation(&inner, &ops, &n) ||
	    n != 1 || !op_reg(&ops[0], &reg)) {
		loc_none(out, "a value computed from the caller's registers");
		return;
	}
	set_reg(ctx->d, out, SYM_LOC_REG, reg, 0);
}

static void loc_implicit(Dwarf_Attribute *attr, Dwarf_Op *op, struct sym_loc *out)
{
	Dwarf_Block b;
	uint64_t v = 0;
	size_t i;

	if (dwarf_getlocation_implicit_value(attr, op, &b) || b.length > sizeof(v)) {
		loc_none(out, "a constant uptrace cannot represent");
		return;
	}
	for (i = 0; i < b.length; i++) /* the target's byte order: little-endian hosts only */
		v |= (uint64_t)b.data[i] << (8 * i);
	*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = (int64_t)v};
}

/* A value (the expression ends in DW_OP_stack_value) of one operation. */
static void loc_value(const struct sym_loc_ctx *ctx, Dwarf_Attribute *attr, Dwarf_Op *op,
		      struct sym_loc *out)
{
	uint64_t reg;
	int64_t off;

	if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) {
		*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = op->atom - DW_OP_lit0};
	} else if (op->atom == DW_OP_const1s || op->atom == DW_OP_const2s ||
		   op->atom == DW_OP_const4s || op->atom == DW_OP_const8s ||
		   op->atom == DW_OP_consts) {
		*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = (int64_t)op->number};
	} else if (op->atom == DW_OP_const1u || op->atom == DW_OP_const2u ||
		   op->atom == DW_OP_const4u || op->atom == DW_OP_const8u ||
		   op->atom == DW_OP_constu) {
		*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = (int64_t)op->number};
	} else if (op_breg(op, &reg, &off) && off == 0) {
		set_reg(ctx->d, out, SYM_LOC_REG, reg, 0);
	} else if (op->atom == DW_OP_entry_value || op->atom == DW_OP_GNU_entry_value) {
		loc_entry_value(ctx, attr, op, out);
	} else {
		loc_none(out, "a value computed from other values");
	}
}

static bool has_piece(const Dwarf_Op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ops[i].atom == DW_OP_piece || ops[i].atom == DW_OP_bit_piece)
			return true;
	return false;
}

static bool translate(const struct sym_loc_ctx *ctx, Dwarf_Attribute *attr, Dwarf_Op *ops, size_t n,
		      struct sym_loc *out)
{
	Dwarf_Op *op = &ops[0];
	uint64_t reg;
	int64_t off;

	if (n == 2 && ops[1].atom == DW_OP_stack_value) {
		loc_value(ctx, attr, op, out);
		return false;
	}
	if (n != 1) {
		loc_none(out, has_piece(ops, n) ? "split into pieces"
						: "at an address computed from other values");
		return false;
	}
	if (op_reg(op, &reg)) {
		set_reg(ctx->d, out, SYM_LOC_REG, reg, 0);
	} else if (op_breg(op, &reg, &off)) {
		set_reg(ctx->d, out, SYM_LOC_MEM, reg, off);
	} else if (op->atom == DW_OP_fbreg) {
		return loc_fbreg(ctx, (int64_t)op->number, out);
	} else if (op->atom == DW_OP_implicit_value) {
		loc_implicit(attr, op, out);
	} else if (op->atom == DW_OP_implicit_pointer || op->atom == DW_OP_GNU_implicit_pointer) {
		loc_none(out, "optimized out (a pointer to an object that was optimized out)");
	} else {
		loc_none(out, "at an address computed from other values");
	}
	return false;
}

static void loc_const_value(Dwarf_Attribute *attr, struct sym_loc *out)
{
	Dwarf_Sword sv;
	Dwarf_Word uv;

	if (attr->form == DW_FORM_sdata && !dwarf_formsdata(attr, &sv))
		*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = sv};
	else if (!dwarf_formudata(attr, &uv))
		*out = (struct sym_loc){.kind = SYM_LOC_CONST, .off = (int64_t)uv};
	else
		loc_none(out, "a constant uptrace cannot represent");
}

bool sym_param_loc(const struct sym_loc_ctx *ctx, Dwarf_Die *param, struct sym_loc *out)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	int ret;

	if (!param) {
		loc_none(out, "optimized out");
		return false;
	}
	if (!dwarf_attr(param, DW_AT_location, &attr)) {
		if (dwarf_attr(param, DW_AT_const_value, &attr))
			loc_const_value(&attr, out);
		else
			loc_none(out, "optimized out");
		return false;
	}
	ret = dwarf_getlocation_addr(&attr, sym_dw_addr(ctx->d, ctx->pc), &ops, &n, 1);
	if (ret < 0) {
		loc_none(out, "an unreadable DWARF location");
		return false;
	}
	if (ret == 0) {
		loc_none(out, "not available at this address (no location list entry)");
		return false;
	}
	if (n == 0) {
		loc_none(out, "optimized out");
		return false;
	}
	return translate(ctx, &attr, ops, n, out);
}
