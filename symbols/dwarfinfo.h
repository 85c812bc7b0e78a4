/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dwarfinfo.h - function signatures, parameter locations and types from DWARF (libdw); no BPF.
 *
 * A struct sym_dwarf owns the debug information of one executed object, wherever it was
 * found: in the object itself, or in a separate debug file (.gnu_debuglink next to the
 * object, in .debug/, under /usr/lib/debug; /usr/lib/debug/.build-id/xx/rest.debug; the
 * directories given by the user; .gnu_debugdata MiniDebugInfo).  Addresses and offsets are
 * always those of the executed object, never of the debug file.
 *
 * Locations are evaluated at the probe address.  Where the DWARF location of a parameter is
 * not valid at the function's first instruction (-O0 code keeps parameters in frame slots
 * written by the prologue), sym_dwarf__func() moves the probe address past the prologue, the
 * way perf probe does, and evaluates there; it says so in info->probe_addr.
 */
#ifndef UPTRACE_SYMBOLS_DWARFINFO_H
#define UPTRACE_SYMBOLS_DWARFINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sym_type_kind {
	SYM_T_VOID = 0, /* a void return */
	SYM_T_INT,	/* any integer type, incl. char, size_t, typedefs of them */
	SYM_T_BOOL,
	SYM_T_ENUM,
	SYM_T_CHAR_PTR, /* pointer to (const) char / signed char / unsigned char */
	SYM_T_VOID_PTR,
	SYM_T_PTR, /* any other pointer (incl. function pointers, pointer to pointer) */
	SYM_T_FLOAT,
	SYM_T_STRUCT, /* struct / union (by value) */
	SYM_T_ARRAY,
	SYM_T_CHAR_ARRAY, /* a one-dimensional array of char: a string in place (char name[32]) */
	SYM_T_OTHER,
};

struct sym_enumerator {
	int64_t value;
	char *name;
};

struct sym_type {
	enum sym_type_kind kind;
	char *name;	/* as C spells it: "const char *", "struct flb_input_instance *" */
	uint32_t size;	/* bytes of the value itself (8 for pointers) */
	bool is_signed; /* integers and enums */
	struct sym_enumerator *enums; /* SYM_T_ENUM */
	size_t nenums;
	uint64_t die;	  /* libdw DIE offset of the type (after typedefs/cv), for members */
	uint64_t pointee; /* DIE offset of the pointed-to type for pointers, else 0 */
	bool func_ptr;	  /* SYM_T_PTR: a pointer to a function */
	uint8_t bit_off;  /* a bit-field member (sym_dwarf__member): its lowest bit, counted
			   * from bit 0 of the byte at the member's offset; size is then the
			   * bytes its bits touch (at most 8) */
	uint8_t bit_size; /* a bit-field's width (1..64); 0: not a bit-field */
};

enum sym_loc_kind {
	SYM_LOC_NONE = 0, /* no location at the probe address: "<optimized out>" */
	SYM_LOC_REG,	  /* the value is in DWARF register `reg` */
	SYM_LOC_MEM,	  /* the value is in memory at (DWARF register `reg`) + off */
	SYM_LOC_CONST,	  /* the value is the constant `off` (DW_OP_lit*, DW_OP_const*) */
};

/* x86-64 DWARF register numbers: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp,
 * 8..15 r8..r15, 16 return address (rip). */
struct sym_loc {
	enum sym_loc_kind kind;
	int reg;
	int64_t off;
	const char *why; /* for SYM_LOC_NONE: a short reason ("optimized out", "in %xmm0",
			  * "not available at this address (no location list entry)") -
			  * static storage.  "in %REG": the value is there, in a register
			  * a uprobe cannot read */
};

struct sym_param {
	char *name;
	struct sym_type type;
	struct sym_loc loc;
};

struct sym_fn_info {
	char *name;
	char *decl_file; /* source file of the definition as DWARF names it, or NULL */
	int decl_line;
	uint64_t addr;	       /* the function's entry address (as given) */
	uint64_t probe_addr;   /* where the locations below are valid (== addr unless moved) */
	const char *moved_why; /* why probe_addr != addr ("after the prologue: ..."), or NULL */
	struct sym_type ret;   /* SYM_T_VOID for void */
	struct sym_param *params;
	size_t nparams;
	bool variadic;
	bool inlined_everywhere; /* DW_AT_inline says inlined and no out-of-line instance */
	bool partly_inlined;	 /* out of line at addr, but also inlined into some callers:
				  * those calls do not pass through addr */
	char *signature;	 /* "int f(struct x *ins, const char *tag, ...)" */
};

struct sym_dwarf;

/*
 * Find and open the debug information of `obj_path` (the executed object).  extra_dirs is a
 * NULL-terminated list of directories to search first (--debuginfo), or NULL: each is
 * searched for the build-id file (DIR/.build-id/xx/rest.debug) and for the .gnu_debuglink
 * name (DIR/<object's directory>/name, ..., DIR/name).  -ENODATA, with nothing printed,
 * when the object has no DWARF anywhere (not an error for callers: they fall back).
 */
int sym_dwarf__open(const char *obj_path, const char *const *extra_dirs, struct sym_dwarf **out);
void sym_dwarf__close(struct sym_dwarf *d);
/* The file the DWARF was read from (the object itself or the debug file). */
const char *sym_dwarf__file(const struct sym_dwarf *d);
/* The executed object, as given to sym_dwarf__open(). */
const char *sym_dwarf__object(const struct sym_dwarf *d);

/*
 * Signature, types and parameter locations of the function named `name` whose entry is at
 * `addr` (an address of the executed object, from the symbol table).  -ENOENT, with
 * nothing printed, when DWARF does not describe a function at that address (assembly, a
 * unit built without -g): callers fall back.
 *
 * addr 0 looks the function up by name instead (a walk over all units: for explaining a
 * failed symbol lookup, not for attaching): its out-of-line copy, or, when there is none,
 * the description of a function inlined everywhere (inlined_everywhere set, addr and
 * probe_addr 0, every parameter SYM_LOC_NONE).
 */
int sym_dwarf__func(struct sym_dwarf *d, const char *name, uint64_t addr, struct sym_fn_info *out);
/*
 * The same, with the locations evaluated at object address `pc` inside the function, as
 * they are there (no move past the prologue): for a probe at function+offset.
 */
int sym_dwarf__func_at(struct sym_dwarf *d, const char *name, uint64_t addr, uint64_t pc,
		       struct sym_fn_info *out);
void sym_fn_info__free(struct sym_fn_info *f);

/*
 * Member access on a value of type `base`: `arrow` for ->(base must be a pointer to a
 * struct/union), else . (base must be a struct/union).  *off is the member's byte offset;
 * *out its type.  -ENOENT with a message listing the members when there is none of that
 * name (or the struct is only declared anywhere); -EINVAL when base is not a (pointer to
 * a) struct.  Members of anonymous struct/union members are found by their own names; a
 * struct only declared in this unit is completed from its definition elsewhere.
 *
 * A bit-field is out->kind SYM_T_INT, SYM_T_BOOL or SYM_T_ENUM (by its declared type,
 * enumerators included) with out->bit_size its width: *off is then the offset of the lowest
 * byte its bits touch, out->bit_off its lowest bit in that byte, out->size the bytes its
 * bits touch (1..8).  Read them little-endian, shift right by bit_off, keep bit_size bits
 * (sign-extended when is_signed).  Both DWARF forms are read: DW_AT_data_bit_offset (DWARF
 * 4+) and DW_AT_byte_size + DW_AT_bit_offset (DWARF 2/3, clang).  -EOPNOTSUPP, with a
 * message, for a bit-field whose bits touch 9 bytes (or a member at no constant offset).
 */
int sym_dwarf__member(struct sym_dwarf *d, const struct sym_type *base, const char *member,
		      bool arrow, int64_t *off, struct sym_type *out);
void sym_type__free(struct sym_type *t);

/*
 * What x[N] and *x read: the element type of an array (arr->kind SYM_T_ARRAY or
 * SYM_T_CHAR_ARRAY: for a multi-dimensional array, the array of the remaining dimensions,
 * short[3] of a short[2][3]), or the pointed-to type of a pointer (SYM_T_PTR,
 * SYM_T_CHAR_PTR; a struct only declared there is completed from its definition).
 * *count: the array's first dimension (0 unknown), 0 for a pointer.  -EINVAL with a
 * message (naming the object and the type as C spells it) for void *, a function pointer,
 * anything else; -ENOMEM.
 */
int sym_dwarf__element(struct sym_dwarf *d, const struct sym_type *arr, uint64_t *count,
		       struct sym_type *out);

/*
 * The shape of a C value, for printing it from its bytes the way a C programmer reads it:
 * a struct as its members, an array as its elements, a bit-field as its bits.  A tree,
 * flattened into an array of nodes; node 0 is the value itself.  The scalar kinds come
 * first, up to SYM_S_PTR: output.c counts on it.
 */
enum sym_shape_kind {
	SYM_S_INT,    /* an integer of `size` bytes (char too), is_signed; a bit-field when
		       * bit_size != 0 */
	SYM_S_BOOL,   /* _Bool / bool (a bit-field when bit_size != 0) */
	SYM_S_ENUM,   /* enums[0..nenums), is_signed (a bit-field when bit_size != 0) */
	SYM_S_FLOAT,  /* float or double (size 4 or 8) */
	SYM_S_PTR,    /* any pointer or reference, function pointers included: an address */
	SYM_S_CHARS,  /* a one-dimensional char array (or the last dimension of one): text up
		       * to its first NUL, `size` bytes at most */
	SYM_S_ARRAY,  /* `count` elements, node `child` each, child's size bytes apart */
	SYM_S_STRUCT, /* struct or class: its members are node `child` and its `next` chain */
	SYM_S_UNION,  /* the same; every member at its own offset (usually 0) */
	SYM_S_OPAQUE, /* `size` bytes shown as they are: long double, _Complex, vector types,
		       * anything else; `why` says what it is ("long double") or why it is not
		       * shown in full ("nested deeper than 6 levels") */
};

struct sym_shape {
	enum sym_shape_kind kind;
	char *name;	  /* a member's name; NULL for the root and array elements */
	uint32_t off;	  /* a member: its byte offset in the struct/union; else 0 */
	uint32_t size;	  /* bytes of the value (of a bit-field: the bytes its bits touch,
			   * from `off`, at most 8) */
	uint8_t bit_off;  /* bit-field: its lowest bit, counted from bit 0 of the byte at off */
	uint8_t bit_size; /* bit-field width (1..64); 0: not a bit-field */
	bool is_signed;
	bool func;	  /* PTR: a pointer to a function (printed with its symbol) */	  /* INT, ENUM, bit-fields */
	uint32_t count;	  /* ARRAY: elements (0: unknown bound, a flexible array member);
			   * STRUCT/UNION: members */
	int32_t child;	  /* ARRAY: the element's node; STRUCT/UNION: the first member; -1 */
	int32_t next;	  /* the next member of the same struct/union; -1 after the last */
	struct sym_enumerator *enums; /* ENUM (owned) */
	size_t nenums;
	const char *why; /* OPAQUE: static storage */
};

struct sym_shapes {
	struct sym_shape *nodes;
	size_t n;
};

#define SYM_SHAPE_MAX_DEPTH 6	 /* nested structs/unions/arrays below the root */
#define SYM_SHAPE_MAX_NODES 1024 /* nodes in one shape */

/*
 * The shape of the type at DIE offset `die` (a struct sym_type's .die or .pointee).
 * Typedefs and qualifiers are looked through at every level; a struct only declared in its
 * unit is completed from its definition elsewhere (as sym_dwarf__member() does); members
 * of anonymous struct/union members are members of the enclosing one, at their offsets
 * (as C names them: ins->anon_a).  Past SYM_SHAPE_MAX_DEPTH levels, or once
 * SYM_SHAPE_MAX_NODES nodes are made, what is left is SYM_S_OPAQUE with a why.  Arrays of
 * arrays are arrays of ARRAY nodes.  0, -ENOMEM, or -EINVAL (no such type DIE, or void).
 *
 * The details: a bit-field member is an INT, BOOL or ENUM node with bit_size, its off,
 * bit_off and size as sym_dwarf__member() says them.  A level is a struct, union or array
 * dimension (an anonymous struct/union member is one too, though it makes no node; past
 * the limit it is one OPAQUE member named ""); a char array is text at any depth.  The
 * members of a struct are made together: when they would pass SYM_SHAPE_MAX_NODES, the
 * struct is OPAQUE.  Pointers are never followed.  Static members and unnamed bit-fields
 * (padding) are left out.
 */
int sym_dwarf__shape(struct sym_dwarf *d, uint64_t die, struct sym_shapes *out);
void sym_shapes__free(struct sym_shapes *s);

/*
 * Every function DWARF describes whose name matches `glob` (fnmatch), in name order:
 * calls cb with its info (locations evaluated at its entry / post-prologue address); stop
 * when cb returns non-zero (that value is returned).  For `uptrace -l`.
 */
typedef int (*sym_dwarf_fn_cb)(const struct sym_fn_info *f, void *ctx);
int sym_dwarf__for_each_func(struct sym_dwarf *d, const char *glob, sym_dwarf_fn_cb cb, void *ctx);

/*
 * The symbols of .gnu_debugdata (MiniDebugInfo: an xz-compressed ELF embedded in a stripped
 * object, holding a .symtab of the functions .dynsym lacks) as a struct sym_elf that
 * speaks for `obj`: sym_elf__find/resolve() work on it and give obj's file offsets (the
 * embedded ELF has no code; obj's PT_LOAD segments are used), messages name it
 * "OBJ [.gnu_debugdata]".  Look a name up in obj first, then here.  -ENODATA, with nothing
 * printed, when obj has no .gnu_debugdata.  Decompressed by libdw: no extra library.
 */
struct sym_elf;
int sym_minidebug__open(const char *obj, struct sym_elf **out);

#endif /* UPTRACE_SYMBOLS_DWARFINFO_H */
