/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * symbols.h - ELF symbol resolution for uprobes; no BPF in here.
 *
 * A struct sym_elf owns one open object (fd + Elf *).  Lookups walk .dynsym and .symtab,
 * collapse aliases that share an address, and turn each function's virtual address into
 * the file offset a uprobe is attached at.  Every function returns 0 or a negative errno
 * and reports its failure once, through the print callback, naming the object.
 */
#ifndef UPTRACE_SYMBOLS_H
#define UPTRACE_SYMBOLS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sym_elf;

struct sym_func {
	char *name;	 /* symbol name without any @VERSION suffix */
	char *version;	 /* "GLIBC_2.2.5" for a versioned entry (.dynsym, or .symtab name@VER) */
	char *file;	 /* source file from the preceding STT_FILE symbol (locals), or NULL */
	uint64_t addr;	 /* st_value */
	uint64_t size;	 /* st_size */
	uint64_t offset; /* file offset of addr, from the PT_LOAD segment that holds it */
	uint8_t bind;	 /* STB_GLOBAL, STB_WEAK, STB_LOCAL */
	uint8_t type;	 /* STT_FUNC or STT_GNU_IFUNC */
	bool dynsym;	 /* found in .dynsym (else .symtab) */
};

/*
 * Messages go through this; the default prints to stderr.  Returns the previous one.
 * Each message is one line, ending in '\n', naming the object; NULL silences them.
 */
typedef void (*sym_print_fn)(const char *fmt, va_list ap);
sym_print_fn sym_set_print(sym_print_fn fn);

/* Open an ELF object: -ENOENT, -EISDIR, -ENOEXEC (not ELF / truncated), -EACCES, ... */
int sym_elf__open(const char *path, struct sym_elf **out);
void sym_elf__close(struct sym_elf *e);
const char *sym_elf__path(const struct sym_elf *e);
/* ET_EXEC (false) or ET_DYN (true: PIE executable or shared object). */
bool sym_elf__is_dyn(const struct sym_elf *e);
/* File offset of a virtual address (st_value, DWARF low_pc, ...): 0, or -ENOENT. */
int sym_elf__addr_to_offset(const struct sym_elf *e, uint64_t addr, uint64_t *offset);

/*
 * Functions whose name matches `pattern` (an fnmatch(3) glob, or a plain name).  A plain
 * name may carry @VERSION (matches that version), @@VERSION (only if it is the default
 * version), @file.c (matches the local symbol defined after STT_FILE file.c, compared
 * whole or by basename) or @0xADDR (the function at that st_value).  Without a suffix,
 * non-default versions (memcpy@GLIBC_2.2.5 next to memcpy@@GLIBC_2.14) do not match.
 * Aliases at one address count once, under the GLOBAL name before WEAK before LOCAL.
 * *out is sorted by name, then address; free it with sym_funcs__free().  No match is not
 * an error here: *cnt == 0 and nothing is printed.
 */
int sym_elf__find(struct sym_elf *e, const char *pattern, struct sym_func **out, size_t *cnt);

/*
 * Exactly one function for `name`, with the errors a user needs:
 *  -ENOENT   not defined here; the message lists up to 5 close names, or says the
 *            symbol is only imported (undefined) by this object;
 *  -ENOTUNIQ several functions of that name at different addresses; the message lists each
 *            with its address and source file and how to pick one (name@file.c, or
 *            name@VERSION / name@0xADDR when there is no source file to tell them apart);
 *  -EINVAL   `name` is a glob (use sym_elf__find()).
 */
int sym_elf__resolve(struct sym_elf *e, const char *name, struct sym_func *out);

/* Is `pattern` a glob (contains * ? or [)? */
bool sym_is_glob(const char *pattern);

void sym_func__clear(struct sym_func *f);
void sym_funcs__free(struct sym_func *f, size_t cnt);

#endif /* UPTRACE_SYMBOLS_H */
