/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dwarf_internal.h - what the DWARF files of symbols/ share; not for use outside symbols/.
 *
 * debuginfo.c finds and opens the DWARF of an object (libdwfl) and owns struct sym_dwarf;
 * dwarf_type.c turns type DIEs into struct sym_type; dwarf_shape.c turns them into struct
 * sym_shapes; dwarf_loc.c turns location expressions into struct sym_loc; dwarf.c finds
 * functions and puts it all together.
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

/*
 * x[i] of a multi-dimensional array is an array DWARF has no DIE for: it is named by the
 * offset of the whole array's DIE with, in these bits, how many leading dimensions x[i]
 * dropped (sym_dwarf__element() makes them, sym_dwarf__shape() and sym_dwarf__element()
 * read them, sym_die_at() ignores them).
 */
#define SYM_DIE_DIMS_SHIFT 56
#define SYM_DIE_DIMS_MAX   0x7fU
#define SYM_DIE_DIMS	   ((uint64_t)SYM_DIE_DIMS_MAX << SYM_DIE_DIMS_SHIFT)

static inline unsigned int sym_die_dims(uint64_t ref)
{
	return (unsigned int)((ref & SYM_DIE_DIMS) >> SYM_DIE_DIMS_SHIFT);
}

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
/* The offset that names `die` in the API (SYM_DIE_ALT), and back (false: no such DIE). */
uint64_t sym_die_ref(struct sym_dwarf *d, Dwarf_Die *die);
bool sym_die_at(struct sym_dwarf *d, uint64_t ref, Dwarf_Die *die);
/* Look through typedefs and qualifiers; false for void (a qualified void, too). */
bool sym_strip_type(Dwarf_Die *type, Dwarf_Die *out);
/* DW_AT_byte_size, or what dwarf_aggregate_size() computes; 0 when unknown. */
uint32_t sym_die_byte_size(Dwarf_Die *die);
/* A one-byte character base type (char, signed char, unsigned char, char8_t). */
bool sym_is_char(Dwarf_Die *base);
/* out->kind (SYM_T_INT, _BOOL, _FLOAT or _OTHER) and out->is_signed of base type t. */
void sym_classify_base(Dwarf_Die *t, struct sym_type *out);
/* Whether enum type t is signed; its enumerators, in *enums (calloc'd; *nenums names). */
bool sym_enum_signed(Dwarf_Die *t);
int sym_enumerators(Dwarf_Die *t, bool is_signed, struct sym_enumerator **enums, size_t *nenums);
bool sym_is_aggregate(int tag); /* struct, class or union */
/* A struct/union only declared here: its first definition, in this unit or another. */
bool sym_complete_type(struct sym_dwarf *d, Dwarf_Die *decl, Dwarf_Die *out);

/*
 * Array dimensions: the `skip`th DW_TAG_subrange_type of array `arr` (0 the first), the
 * next one after `sub` (in place), its element count (false: unknown, *n 0), and the bytes
 * of the dimensions from `sub` on with elements of elem_size (0 when a count is unknown).
 */
bool sym_subrange(Dwarf_Die *arr, unsigned int skip, Dwarf_Die *sub);
bool sym_next_subrange(Dwarf_Die *sub);
bool sym_subrange_count(Dwarf_Die *sub, uint64_t *n);
uint32_t sym_dims_size(Dwarf_Die *sub, uint32_t elem_size);

/* Where a member (DW_TAG_member) is in its struct or union. */
struct sym_place {
	int64_t off;	  /* bytes from the struct start; of a bit-field: to the lowest byte
			   * its bits touch */
	uint32_t size;	  /* a bit-field: the bytes its bits touch (1..8); else 0 */
	uint8_t bit_off;  /* a bit-field: its lowest bit in the byte at off */
	uint8_t bit_size; /* a bit-field's width (1..64); 0: not a bit-field */
};

/* 0, or -EOPNOTSUPP: not at a constant offset, or a bit-field over more than 8 bytes. */
int sym_member_place(Dwarf_Die *m, struct sym_place *p);
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
