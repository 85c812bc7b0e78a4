/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * placement.h - where in a function to attach its entry uprobe so that it is cheap.
 *
 * A uprobe replaces one instruction with int3; after the BPF program has run, the kernel
 * must execute the instruction it replaced.  On x86-64 it emulates a few (push reg, nops,
 * relative jumps and calls) and single-steps every other one out of line, which costs
 * about five times as much per call.  Functions often begin with an instruction that is
 * single-stepped (endbr64 in CET builds, a RIP-relative cmp, a mov) followed, within a
 * few bytes, by one that is emulated (push).  sym_place_probe() finds that instruction
 * when every instruction before it provably leaves the arguments as they were at the
 * entry, so a probe there sees exactly what a probe at the entry would.  No BPF in here.
 */
#ifndef UPTRACE_SYMBOLS_PLACEMENT_H
#define UPTRACE_SYMBOLS_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "symbols.h"

/* At most this many instructions / bytes are stepped over. */
#define SYM_PLACE_MAX_INSNS 4
#define SYM_PLACE_MAX_BYTES 16

struct sym_placement {
	uint64_t addr;	     /* where to attach: f->addr + skipped */
	uint64_t offset;     /* its file offset: f->offset + skipped */
	uint32_t skipped;    /* bytes stepped over from the entry; 0: at the entry */
	bool emulated;	     /* the kernel emulates the instruction at addr (no single-step) */
	char first_insn[64]; /* the function's first instruction, "endbr64", "pushq %r14" */
	char insn[64];	     /* the instruction at addr (== first_insn when not moved) */
	char why[256];	     /* one line, for -v: why here */
};

/*
 * Where to attach a uprobe for function f of object e so the kernel can emulate (not
 * single-step) the probed instruction, without changing what the arguments are.
 *
 * Always fills *out: at the entry unless moving is both possible and provably harmless.
 * Returns 0 when it could decide, or a negative errno when the function's code could not
 * be read or decoded (-ENOENT: no code bytes in the file, e.g. a separate debug file;
 * -EIO: read error; -ENOMEM; -ENOEXEC: the disassembler failed); then *out is the entry
 * and out->why says what happened.  Nothing is printed.
 *
 * The argument locations to use at out->addr are those of the entry (registers and stack
 * slots of the calling convention): the skipped instructions changed neither.  DWARF
 * location lists looked up at out->addr may name another copy of a parameter; that copy
 * holds the same value, but the entry location is the one to read.
 */
int sym_place_probe(struct sym_elf *e, const struct sym_func *f, struct sym_placement *out);

#endif /* UPTRACE_SYMBOLS_PLACEMENT_H */
