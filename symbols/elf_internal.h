/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * elf_internal.h - what the files of symbols/ share about an open ELF object.
 *
 * elf.c opens and validates the object and owns everything below; lookup.c matches names
 * with the symbol iterator.  Strings handed out by the iterator point into the object's
 * mapped sections and live until sym_elf__close().  Not for use outside symbols/.
 */
#ifndef UPTRACE_SYMBOLS_ELF_INTERNAL_H
#define UPTRACE_SYMBOLS_ELF_INTERNAL_H

#include <gelf.h>
#include <stdio.h>

#include "symbols.h"

/* The file-backed part of one PT_LOAD segment. */
struct sym_seg {
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t offset;
};

/* One symbol table: .dynsym or .symtab. */
struct sym_tab {
	Elf_Data *syms;
	const char *strs; /* its string table; the last byte is checked to be NUL */
	size_t strs_size;
	size_t nr;
	size_t first_global; /* sh_info: every symbol before this index is STB_LOCAL */
	bool dynsym;
};

/* What one .gnu.version index stands for. */
struct sym_ver {
	const char *name; /* "GLIBC_2.2.5" */
	const char *file; /* "libc.so.6" for a needed version (.gnu.version_r), else NULL */
};

struct sym_elf {
	char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	uint64_t file_size;
	struct sym_seg *segs;
	size_t nr_segs;
	struct sym_tab tabs[2]; /* .dynsym first, then .symtab; missing ones are left out */
	size_t nr_tabs;
	Elf_Data *versym;     /* .gnu.version, parallel to .dynsym, or NULL */
	struct sym_ver *vers; /* indexed by (versym & 0x7fff) */
	size_t nr_vers;
	Elf_Scn *dynamic; /* .dynamic, for DT_NEEDED */
};

/* One function symbol as the iterator sees it. */
struct sym_ent {
	const char *name;     /* NUL-terminated; in .symtab it may go on with @VER or @@VER */
	size_t name_len;      /* length of the name without any version */
	const char *ver;      /* version name, or NULL */
	const char *ver_file; /* library a needed version comes from (undefined symbols) */
	const char *file;     /* STT_FILE in force (locals of .symtab), or NULL */
	uint64_t addr;
	uint64_t size;
	uint8_t bind;
	uint8_t type;
	bool hidden;  /* a non-default version: name@VER, not name@@VER */
	bool defined; /* st_shndx != SHN_UNDEF */
	bool dynsym;
};

struct sym_iter {
	const struct sym_elf *e;
	size_t tab;
	size_t idx;
	const char *file;
	struct sym_ent ent;
};

void sym_iter__init(struct sym_iter *it, const struct sym_elf *e);
/* The next STT_FUNC or STT_GNU_IFUNC symbol, defined or not; NULL at the end. */
const struct sym_ent *sym_iter__next(struct sym_iter *it);

/* sym_elf__addr_to_offset() without the message: false when addr is in no segment. */
bool sym_addr_offset(const struct sym_elf *e, uint64_t addr, uint64_t *offset);

/* DT_NEEDED entries: fills up to max names, returns how many there are. */
size_t sym_elf__needed(const struct sym_elf *e, const char **names, size_t max);

/* Print one message through the hook set with sym_set_print(). */
void sym_pr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UPTRACE_SYMBOLS_ELF_INTERNAL_H */
