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
 * a) struct; -EOPNOTSUPP for a bit-field.  Members of anonymous struct/union members are
 * found by their own names; a struct only declared in this unit is completed from its
 * definition elsewhere.
 */
int sym_dwarf__member(struct sym_dwarf *d, const struct sym_type *base, const char *member,
		      bool arrow, int64_t *off, struct sym_type *out);
void sym_type__free(struct sym_type *t);

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
