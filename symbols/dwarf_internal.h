/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dwarf_internal.h - what the DWARF files of symbols/ share; not for use outside symbols/.
 *
 * debuginfo.c finds and opens the DWARF of an object (libdwfl) and owns struct sym_dwarf;
 * dwarf_type.c turns type DIEs into struct sym_type; dwarf_loc.c turns location expressions
 * into struct sym_loc; dwarf.c finds functions and puts it all together.
 *
 * Three address spaces meet here, and every conversion goes through the helpers below:
 *  - object addresses: st_value, what the API takes and returns (the executed object);
 *  - DWARF addresses: what the debug file's DW_AT_low_pc and location lists say;
 *  - CFI addresses: what .eh_frame (object) or .debug_frame (debug file) say.
 * libdwfl places the module at its own addresses (dwfl addresses); each of the three has
 * a bias, dwfl address - its address.  They are all 0 for a plain object and its debug
 * file, but a prelinked object or a debug file made before a relink would differ.
 */
#ifndef UPTRACE_SYMBOLS_DWARF_INTERNAL_H
#define UPTRACE_SYMBOLS_DWARF_INTERNAL_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h> /* elfutils' DW_TAG_/DW_AT_/DW_OP_ constants */

#include "dwarfinfo.h"
#include "elf_internal.h"

/*
 * A type DIE offset in the API (sym_type.die, .pointee) names a DIE of the main DWARF, or,
 * with this bit set, of its .gnu_debugaltlink file (dwz-compressed debug info keeps shared
 * types there).  0 means "no DIE" (void).
 */
#define SYM_DIE_ALT (1ULL << 63)

struct sym_dwarf {
	char *obj_path; /* the executed object, as given */
	char *dbg_path; /* the file the DWARF is read from */
	char *search;	/* libdwfl's debuginfo_path: the extra dirs, then the default */
	Dwfl_Callbacks cb;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf *dw;
	GElf_Half machine;
	Dwarf_Addr main_bias; /* dwfl address - object address */
	Dwarf_Addr dw_bias;   /* dwfl address - DWARF address */
	bool cfi_loaded;
	Dwarf_CFI *eh_cfi;  /* .eh_frame of the object, or NULL */
	Dwarf_CFI *dbg_cfi; /* .debug_frame of the debug file, or NULL */
	Dwarf_Addr eh_bias, dbg_bias;
};

static inline Dwarf_Addr sym_dw_addr(const struct sym_dwarf *d, uint64_t obj_addr)
{
	return obj_addr + d->main_bias - d->dw_bias;
}

static inline uint64_t sym_obj_addr(const struct sym_dwarf *d, Dwarf_Addr dw_addr)
{
	return dw_addr + d->dw_bias - d->main_bias;
}

/* ---- growing strings (dwarf_type.c) ------------------------------------------------- */

struct sym_sb {
	char *s;
	size_t len, cap;
	bool oom;
};

void sym_sb_puts(struct sym_sb *sb, const char *s);
void sym_sb_printf(struct sym_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand over the string (NULL after a failed allocation); the buffer is reset. */
char *sym_sb_take(struct sym_sb *sb);

/* ---- types (dwarf_type.c) ----------------------------------------------------------- */

/* The DIE of a type reference (DW_AT_type of `die`, integrated), or false for void. */
bool sym_die_type(Dwarf_Die *die, Dwarf_Die *type);
/* Describe `type` (NULL: void).  -ENOMEM; otherwise always fills *out. */
int sym_type_describe(struct sym_dwarf *d, Dwarf_Die *type, struct sym_type *out);
/* "type name" as C declares it: "const char *tag", "int (*cb)(int)", "char tag[16]". */
void sym_type_declare(struct sym_sb *sb, const char *type_name, const char *name);

/* ---- locations (dwarf_loc.c) -------------------------------------------------------- */

/* Where locations are evaluated. */
struct sym_loc_ctx {
	struct sym_dwarf *d;
	Dwarf_Die *func; /* the concrete (out-of-line) subprogram: DW_AT_frame_base */
	uint64_t entry;	 /* its entry (object address) */
	uint64_t pc;	 /* the probe address (object address) */
};

/*
 * The location of the parameter `param` (the DIE that carries DW_AT_location, or NULL when
 * the function's DWARF has none) at ctx->pc.  Returns true when the location names a frame
 * slot that is only valid once the prologue has run (ctx->pc is the entry, the parameter
 * lives below the CFA or relative to a frame pointer not yet set up): the caller then
 * moves the probe address past the prologue.
 */
bool sym_param_loc(const struct sym_loc_ctx *ctx, Dwarf_Die *param, struct sym_loc *out);

#endif /* UPTRACE_SYMBOLS_DWARF_INTERNAL_H */
