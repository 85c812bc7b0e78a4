// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * placement.c - attach a function's entry uprobe where the kernel emulates the instruction.
 *
 * Why
 * ---
 * When a uprobe fires, the kernel must still execute the instruction the int3 replaced.
 * arch/x86/kernel/uprobes.c emulates a few kinds itself: push of a register (50-57, with
 * no REX or REX 0x41 only), nops (90 and the kernel's own multi-byte nops), and relative
 * jmp, jcc and call (without a 66 prefix).  A 5-byte nop is even patched into a call to a
 * trampoline on recent kernels.  Every other instruction is copied to an out-of-line slot
 * and single-stepped: a second trap per call.  Measured on this project's 2-core VM (6.18)
 * with an empty BPF program: 18 us per call single-stepped, 5 us emulated, 1.2 us on a
 * 5-byte nop (other machines: about 4 us and 0.9 us).  Real
 * functions often begin with a single-stepped instruction right before an emulated one:
 * endbr64 in CET builds, bash's readline with a RIP-relative cmpl, a mov that loads the
 * stack protector canary.
 *
 * The rule
 * --------
 * Stay at the entry when its instruction is emulated.  Otherwise walk forward over at most
 * SYM_PLACE_MAX_INSNS instructions / SYM_PLACE_MAX_BYTES bytes, each of which must provably
 * leave the arguments as they were at the entry:
 *  - endbr64 always qualifies (it only marks a branch target);
 *  - otherwise the instruction must be on a short list of plain moves and ALU operations
 *    that touch nothing but their operands and the flags (checked against capstone's
 *    operand and implicit register lists: capstone 4 gets the access of some implicit
 *    operands wrong, e.g. it calls the store of `rep stos` a read, so a list of known
 *    instructions is what makes this provable), must write no memory (arguments passed
 *    on the stack, and what pointer arguments point to, stay as they were), no argument
 *    register (rdi rsi rdx rcx r8 r9), neither rsp (stack arguments are found relative to
 *    it, and a return probe finds the return address at it) nor rbp, no vector register
 *    (floating-point arguments), and only rax, rbx, r10-r15 and the flags at all; it
 *    must not branch, call, return or trap, and carry no lock or rep prefix.  Reads of any
 *    kind, RIP-relative ones included, are harmless: the probe just fires after them.
 * The first emulated instruction reached is where the probe goes; none in the window means
 * the entry.  The instructions stepped over are never branches, so every call of the
 * function runs straight through them to the new address, exactly once.
 *
 * Jump targets.  A probe past the entry also fires for any branch that lands in the
 * stepped-over range or right at the new address, which a probe at the entry would not
 * see.  The stepped-over instructions are the function's first few, and code reaches a
 * function's start through its entry, so such branches are rare; but a compiler can turn
 * tail recursion into a loop back to just after the prologue.  So the whole function
 * (as far as its symbol's size says, at most SCAN_MAX bytes) is disassembled and any
 * direct branch into (entry, new address] keeps the probe at the entry.  What cannot be
 * seen cheaply is assumed absent: indirect jumps (a switch's table) into the first bytes
 * of a function and branches from other functions into the middle of this one.  A symbol
 * without a size has no known body to scan, so its probe stays at the entry too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "elf_internal.h"
#include "placement.h"

#define SCAN_MAX (1u << 20) /* bytes of a function scanned for branches into its start */
#define INSN_MAX 15	    /* longest x86 instruction */

/* Instructions whose only effects are on their explicit operands and the flags. */
static const unsigned int plain_insns[] = {
	X86_INS_MOV,	X86_INS_MOVABS, X86_INS_MOVZX,	X86_INS_MOVSX,	X86_INS_MOVSXD,
	X86_INS_LEA,	X86_INS_ADD,	X86_INS_SUB,	X86_INS_AND,	X86_INS_OR,
	X86_INS_XOR,	X86_INS_CMP,	X86_INS_TEST,	X86_INS_INC,	X86_INS_DEC,
	X86_INS_NEG,	X86_INS_NOT,	X86_INS_SHL,	X86_INS_SHR,	X86_INS_SAR,
	X86_INS_ROL,	X86_INS_ROR,	X86_INS_BT,	X86_INS_IMUL,	X86_INS_CDQE,
	X86_INS_CWDE,	X86_INS_CMOVA,	X86_INS_CMOVAE, X86_INS_CMOVB,	X86_INS_CMOVBE,
	X86_INS_CMOVE,	X86_INS_CMOVG,	X86_INS_CMOVGE, X86_INS_CMOVL,	X86_INS_CMOVLE,
	X86_INS_CMOVNE, X86_INS_CMOVNO, X86_INS_CMOVNP, X86_INS_CMOVNS, X86_INS_CMOVO,
	X86_INS_CMOVP,	X86_INS_CMOVS,	X86_INS_SETA,	X86_INS_SETAE,	X86_INS_SETB,
	X86_INS_SETBE,	X86_INS_SETE,	X86_INS_SETG,	X86_INS_SETGE,	X86_INS_SETL,
	X86_INS_SETLE,	X86_INS_SETNE,	X86_INS_SETNO,	X86_INS_SETNP,	X86_INS_SETNS,
	X86_INS_SETO,	X86_INS_SETP,	X86_INS_SETS,
};

static bool is_plain(unsigned int id)
{
	size_t i;

	for (i = 0; i < sizeof(plain_insns) / sizeof(plain_insns[0]); i++)
		if (plain_insns[i] == id)
			return true;
	return false;
}

/* Registers a stepped-over instruction may write: no argument, no rsp/rbp, no vector. */
static bool reg_writable(unsigned int reg)
{
	switch (reg) {
	case X86_REG_EFLAGS:
	case X86_REG_AL: case X86_REG_AH: case X86_REG_AX: case X86_REG_EAX: case X86_REG_RAX:
	case X86_REG_BL: case X86_REG_BH: case X86_REG_BX: case X86_REG_EBX: case X86_REG_RBX:
	case X86_REG_R10B: case X86_REG_R10W: case X86_REG_R10D: case X86_REG_R10:
	case X86_REG_R11B: case X86_REG_R11W: case X86_REG_R11D: case X86_REG_R11:
	case X86_REG_R12B: case X86_REG_R12W: case X86_REG_R12D: case X86_REG_R12:
	case X86_REG_R13B: case X86_REG_R13W: case X86_REG_R13D: case X86_REG_R13:
	case X86_REG_R14B: case X86_REG_R14W: case X86_REG_R14D: case X86_REG_R14:
	case X86_REG_R15B: case X86_REG_R15W: case X86_REG_R15D: case X86_REG_R15:
		return true;
	default:
		return false;
	}
}

static bool in_group(const cs_insn *insn, uint8_t grp)
{
	const cs_detail *d = insn->detail;
	uint8_t i;

	for (i = 0; i < d->groups_count; i++)
		if (d->groups[i] == grp)
			return true;
	return false;
}

static bool is_branch(const cs_insn *insn)
{
	return in_group(insn, X86_GRP_JUMP) || in_group(insn, X86_GRP_CALL) ||
	       in_group(insn, X86_GRP_RET) || in_group(insn, X86_GRP_INT) ||
	       in_group(insn, X86_GRP_IRET) || in_group(insn, X86_GRP_BRANCH_RELATIVE);
}

static bool has_prefix(const cs_x86 *x, uint8_t p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (x->prefix[i] == p)
			return true;
	return false;
}

/*
 * The multi-byte nops the kernel emulates: its own canonical encodings (BYTES_NOP1..8 of
 * arch/x86/include/asm/nops.h), measured on 6.18.  A nop encoded any other way, such as
 * 0f 1f 04 00, is single-stepped.  The 2-byte one (66 90) is left out: kernels before the
 * nop emulation refuse a uprobe on it (a 66 prefix on what they treat as a branch).
 */
static const uint8_t kernel_nops[][8] = {
	{ 0x90 },
	{ 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};
static const uint8_t kernel_nop_len[] = { 1, 3, 4, 5, 6, 7, 8 };

static bool is_kernel_nop(const cs_insn *insn)
{
	size_t i;

	for (i = 0; i < sizeof(kernel_nop_len); i++)
		if (insn->size == kernel_nop_len[i] &&
		    !memcmp(insn->bytes, kernel_nops[i], insn->size))
			return true;
	return false;
}

/*
 * Does the kernel emulate this instruction instead of single-stepping it?  Mirrors
 * push_setup_xol_ops() and branch_setup_xol_ops() of arch/x86/kernel/uprobes.c.
 */
static bool kernel_emulates(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	uint8_t op = x->opcode[0];

	switch (insn->id) {
	case X86_INS_PUSH: /* 50+r, alone or after REX 0x41 (r8-r15) */
		return op >= 0x50 && op <= 0x57 &&
		       (insn->size == 1 || (insn->size == 2 && x->rex == 0x41));
	case X86_INS_NOP:
		return is_kernel_nop(insn);
	case X86_INS_JMP:
	case X86_INS_CALL:
		if (!in_group(insn, X86_GRP_BRANCH_RELATIVE) || has_prefix(x, 0x66))
			return false;
		return op == 0xe8 || op == 0xe9 || op == 0xeb;
	default: /* jcc rel8 (70-7f) / rel32 (0f 80-8f) */
		if (!in_group(insn, X86_GRP_JUMP) || !in_group(insn, X86_GRP_BRANCH_RELATIVE) ||
		    has_prefix(x, 0x66))
			return false;
		return (op >= 0x70 && op <= 0x7f) ||
		       (op == 0x0f && x->opcode[1] >= 0x80 && x->opcode[1] <= 0x8f);
	}
}

static void insn_text(const cs_insn *insn, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);

	if (n >= (int)size)
		memcpy(buf + size - 4, "...", 4);
}

__attribute__((format(printf, 2, 3)))
static void set_why(struct sym_placement *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
}

/*
 * Why stepping over this instruction could change what a probe sees, written into why;
 * false when it provably cannot.
 */
static bool unsafe_to_skip(csh h, const cs_insn *insn, char *why, size_t size)
{
	const cs_x86 *x = &insn->detail->x86;
	uint8_t nr_read, nr_write, i;
	cs_regs rd, wr;

	if (insn->id == X86_INS_ENDBR64 || insn->id == X86_INS_ENDBR32)
		return false;
	if (is_branch(insn)) {
		snprintf(why, size, "it is a branch");
		return true;
	}
	if (!is_plain(insn->id)) {
		snprintf(why, size, "it is not a plain move or ALU instruction");
		return true;
	}
	if (has_prefix(x, X86_PREFIX_LOCK) || has_prefix(x, X86_PREFIX_REP) ||
	    has_prefix(x, X86_PREFIX_REPNE)) {
		snprintf(why, size, "it has a lock or rep prefix");
		return true;
	}
	for (i = 0; i < x->op_count; i++) {
		if (x->operands[i].type == X86_OP_MEM && (x->operands[i].access & CS_AC_WRITE)) {
			snprintf(why, size, "it writes memory");
			return true;
		}
	}
	if (cs_regs_access(h, insn, rd, &nr_read, wr, &nr_write) != CS_ERR_OK) {
		snprintf(why, size, "its registers are unknown");
		return true;
	}
	for (i = 0; i < nr_write; i++) {
		if (!reg_writable(wr[i])) {
			snprintf(why, size, "it writes %%%s", cs_reg_name(h, wr[i]));
			return true;
		}
	}
	return false;
}

/* Up to `max` bytes of the function's code, from the file; *len says how many. */
static int read_code(const struct sym_elf *e, const struct sym_func *f, uint8_t *buf,
		     size_t max, size_t *len)
{
	const struct sym_seg *s;
	uint64_t avail;
	ssize_t n;
	size_t i;

	*len = 0;
	for (i = 0; i < e->nr_segs; i++) {
		s = &e->segs[i];
		if (f->addr >= s->vaddr && f->addr - s->vaddr < s->filesz)
			break;
	}
	if (i == e->nr_segs)
		return -ENOENT;
	avail = s->filesz - (f->addr - s->vaddr);
	if (f->size && f->size < avail)
		avail = f->size;
	if (avail < max)
		max = avail;
	n = pread(e->fd, buf, max, f->offset);
	if (n < 0)
		return -errno;
	*len = n;
	return 0;
}

/* The first direct branch in code[0, len) that lands in (lo, hi]; 0 when there is none. */
static uint64_t branch_into(csh h, cs_insn *insn, const uint8_t *code, size_t len,
			    uint64_t addr, uint64_t lo, uint64_t hi, uint64_t *from)
{
	const uint8_t *p = code;
	uint64_t pc = addr, t;
	size_t left = len;
	uint8_t i;

	while (left) {
		if (!cs_disasm_iter(h, &p, &left, &pc, insn)) {
			/* not code (or not decodable): resynchronise on the next byte */
			p++, left--, pc++;
			continue;
		}
		if (!in_group(insn, X86_GRP_BRANCH_RELATIVE))
			continue;
		for (i = 0; i < insn->detail->x86.op_count; i++) {
			if (insn->detail->x86.operands[i].type != X86_OP_IMM)
				continue;
			t = insn->detail->x86.operands[i].imm;
			if (t > lo && t <= hi) {
				*from = insn->address;
				return t;
			}
		}
	}
	return 0;
}

static void place_at_entry(const struct sym_func *f, struct sym_placement *out)
{
	out->addr = f->addr;
	out->offset = f->offset;
	out->skipped = 0;
	snprintf(out->insn, sizeof(out->insn), "%s", out->first_insn);
}

/* Walk the window: 0 and *pos set when an emulated instruction is reached safely. */
static int walk_window(csh h, cs_insn *insn, const uint8_t *code, size_t len,
		       const struct sym_func *f, struct sym_placement *out, size_t *pos)
{
	char reason[96], text[64];
	const uint8_t *p = code;
	uint64_t pc = f->addr;
	size_t left = len;
	int n;

	for (n = 0;; n++) {
		*pos = p - code;
		if (!cs_disasm_iter(h, &p, &left, &pc, insn)) {
			set_why(out, "at the entry: no whole instruction at +%zu within the "
				"function", *pos);
			return -ENOENT;
		}
		insn_text(insn, text, sizeof(text));
		if (n > 0 && kernel_emulates(insn)) {
			snprintf(out->insn, sizeof(out->insn), "%s", text);
			return 0;
		}
		if (n == SYM_PLACE_MAX_INSNS || *pos + insn->size > SYM_PLACE_MAX_BYTES) {
			set_why(out, "at the entry: '%s' is single-stepped and no instruction the "
				"kernel emulates follows within %d instructions / %d bytes",
				out->first_insn, SYM_PLACE_MAX_INSNS, SYM_PLACE_MAX_BYTES);
			return -ENOENT;
		}
		if (!unsafe_to_skip(h, insn, reason, sizeof(reason)))
			continue;
		if (*pos)
			set_why(out, "at the entry: '%s' is single-stepped, and '%s' at +%zu "
				"cannot be stepped over: %s", out->first_insn, text, *pos, reason);
		else
			set_why(out, "at the entry: '%s' is single-stepped and cannot be stepped "
				"over: %s", text, reason);
		return -ENOENT;
	}
}

static int place(csh h, cs_insn *insn, const uint8_t *code, size_t len,
		 const struct sym_func *f, struct sym_placement *out)
{
	const uint8_t *p = code;
	uint64_t pc = f->addr, target, from = 0;
	size_t left = len, pos;

	if (!cs_disasm_iter(h, &p, &left, &pc, insn)) {
		set_why(out, "at the entry: its first bytes do not decode");
		return 0;
	}
	insn_text(insn, out->first_insn, sizeof(out->first_insn));
	snprintf(out->insn, sizeof(out->insn), "%s", out->first_insn);
	if (kernel_emulates(insn)) {
		out->emulated = true;
		set_why(out, "at the entry: the kernel emulates '%s'", out->first_insn);
		return 0;
	}
	if (!f->size) {
		set_why(out, "at the entry: '%s' is single-stepped; the symbol has no size, so "
			"its body cannot be checked for branches", out->first_insn);
		return 0;
	}
	if (walk_window(h, insn, code, len, f, out, &pos)) {
		place_at_entry(f, out);
		return 0;
	}
	target = branch_into(h, insn, code, len, f->addr, f->addr, f->addr + pos, &from);
	if (target) {
		set_why(out, "at the entry: '%s' is single-stepped, but the branch at +%llu "
			"lands at +%llu, inside the instructions that would be stepped over",
			out->first_insn, (unsigned long long)(from - f->addr),
			(unsigned long long)(target - f->addr));
		place_at_entry(f, out);
		return 0;
	}
	out->addr = f->addr + pos;
	out->offset = f->offset + pos;
	out->skipped = pos;
	out->emulated = true;
	set_why(out, "+%zu: '%s' is single-stepped; the kernel emulates '%s', and the %zu "
		"byte(s) before it leave the arguments, rsp and memory as they were",
		pos, out->first_insn, out->insn, pos);
	return 0;
}

int sym_place_probe(struct sym_elf *e, const struct sym_func *f, struct sym_placement *out)
{
	size_t max = f->size ? f->size : SYM_PLACE_MAX_BYTES + INSN_MAX, len;
	cs_insn *insn = NULL;
	uint8_t *code;
	csh h;
	int err;

	memset(out, 0, sizeof(*out));
	place_at_entry(f, out);
	if (e->ehdr.e_machine != EM_X86_64) {
		set_why(out, "at the entry: placement is for x86-64 only");
		return 0;
	}
	if (max > SCAN_MAX)
		max = SCAN_MAX;
	code = malloc(max);
	if (!code) {
		set_why(out, "at the entry: out of memory");
		return -ENOMEM;
	}
	err = read_code(e, f, code, max, &len);
	if (err) {
		set_why(out, "at the entry: cannot read its code: %s",
			err == -ENOENT ? "no code bytes in the file" : strerror(-err));
		free(code);
		return err == -ENOENT ? err : -EIO;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
		set_why(out, "at the entry: the disassembler failed");
		free(code);
		return -ENOEXEC;
	}
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	insn = cs_malloc(h);
	if (!insn) {
		set_why(out, "at the entry: out of memory");
		err = -ENOMEM;
	} else {
		err = place(h, insn, code, len, f, out);
	}
	cs_free(insn, 1);
	cs_close(&h);
	free(code);
	return err;
}
