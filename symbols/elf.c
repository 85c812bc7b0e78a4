// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * elf.c - open an ELF object and walk its function symbols.
 *
 * A struct sym_elf owns the file descriptor (O_RDONLY | O_CLOEXEC) and the libelf handle
 * (ELF_C_READ_MMAP, so a 50 MB binary is paged in only where we read it).  Opening
 * validates everything later code relies on, and says what is wrong in the user's terms:
 * not an ELF file, a truncated one, one built for another machine, an object file.
 *
 * At open we also remember the PT_LOAD segments (for address -> file offset), the two
 * symbol tables (.dynsym, then .symtab) with their string tables, and the symbol versions
 * of .gnu.version_d (versions this object defines) and .gnu.version_r (versions it needs
 * from its libraries), so the iterator can name `malloc@@GLIBC_2.2.5` without any search.
 *
 * The iterator yields every STT_FUNC and STT_GNU_IFUNC symbol of .dynsym then .symtab,
 * defined or not, with its base name, version and, for locals of .symtab, the source file
 * named by the STT_FILE symbol that precedes them.  Matching lives in lookup.c.
 */
#include <ar.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_internal.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_NAME    "x86-64"
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_NAME    "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_MACHINE EM_RISCV
#define HOST_NAME    "riscv64"
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#define HOST_NAME    "ppc64"
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#define HOST_NAME    "s390x"
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#define HOST_NAME    "i386"
#else
#define HOST_MACHINE EM_NONE /* unknown host: accept any machine */
#define HOST_NAME    "this machine"
#endif
#define HOST_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

#define VERSYM_HIDDEN 0x8000
#define VERSYM_INDEX  0x7fff

/* ---- messages ------------------------------------------------------------------------- */

static void sym_default_print(const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
}

static sym_print_fn sym_print = sym_default_print;

sym_print_fn sym_set_print(sym_print_fn fn)
{
	sym_print_fn old = sym_print;

	sym_print = fn;
	return old;
}

void sym_pr(const char *fmt, ...)
{
	va_list ap;

	if (!sym_print)
		return;
	va_start(ap, fmt);
	sym_print(fmt, ap);
	va_end(ap);
}

static int fail_enoexec(const struct sym_elf *e, const char *what)
{
	sym_pr("%s: %s\n", e->path, what);
	return -ENOEXEC;
}

static int fail_libelf(const struct sym_elf *e, const char *what)
{
	sym_pr("%s: %s: %s\n", e->path, what, elf_errmsg(-1));
	return -ENOEXEC;
}

static const char *machine_name(unsigned int m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_X86_64:
		return "x86-64";
	case EM_ARM:
		return "arm";
	case EM_AARCH64:
		return "aarch64";
	case EM_RISCV:
		return "riscv";
	case EM_PPC:
		return "ppc";
	case EM_PPC64:
		return "ppc64";
	case EM_S390:
		return "s390";
	case EM_MIPS:
		return "mips";
	case EM_BPF:
		return "bpf";
	default:
		return NULL;
	}
}

/* ---- open and validate ---------------------------------------------------------------- */

static int open_file(struct sym_elf *e)
{
	unsigned char ident[EI_NIDENT];
	struct stat st;
	ssize_t n;
	int err;

	/* O_NONBLOCK: a FIFO named by mistake must not hang us; no effect on regular files. */
	e->fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (e->fd < 0 || fstat(e->fd, &st)) {
		err = -errno;
		sym_pr("%s: %s\n", e->path, strerror(-err));
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		sym_pr("%s: is a directory, not an ELF file\n", e->path);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode))
		return fail_enoexec(e, "not an ELF file (not a regular file)");
	e->file_size = st.st_size;

	n = pread(e->fd, ident, sizeof(ident), 0);
	if (n < 0) {
		err = -errno;
		sym_pr("%s: %s\n", e->path, strerror(-err));
		return err;
	}
	if (n >= SARMAG && !memcmp(ident, ARMAG, SARMAG))
		return fail_enoexec(e, "not an ELF file (a static library: an ar archive)");
	if (n < SELFMAG || memcmp(ident, ELFMAG, SELFMAG))
		return fail_enoexec(e, "not an ELF file");
	if (n < EI_NIDENT)
		return fail_enoexec(e, "truncated ELF");

	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf)
		return fail_libelf(e, "not a readable ELF file");
	if (elf_kind(e->elf) != ELF_K_ELF)
		return fail_enoexec(e, "not an ELF file");
	return 0;
}

static bool table_fits(const struct sym_elf *e, uint64_t off, uint64_t nr, uint64_t entsize)
{
	return !nr || (off <= e->file_size && nr * entsize <= e->file_size - off);
}

static int check_ehdr(struct sym_elf *e)
{
	const char *ident = elf_getident(e->elf, NULL);
	size_t ehdr_size, phnum, shnum;
	const char *m;

	if (!ident)
		return fail_enoexec(e, "truncated ELF");
	ehdr_size = ident[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (e->file_size < ehdr_size)
		return fail_enoexec(e, "truncated ELF");
	if (!gelf_getehdr(e->elf, &e->ehdr))
		return fail_libelf(e, "bad ELF header");

	if (HOST_MACHINE != EM_NONE && e->ehdr.e_machine != HOST_MACHINE) {
		m = machine_name(e->ehdr.e_machine);
		if (m)
			sym_pr("%s: ELF for machine %s, this is %s\n", e->path, m, HOST_NAME);
		else
			sym_pr("%s: ELF for machine %u, this is %s\n", e->path, e->ehdr.e_machine,
			       HOST_NAME);
		return -ENOEXEC;
	}
	if (ident[EI_CLASS] != HOST_CLASS) {
		sym_pr("%s: %d-bit ELF, this is a %d-bit %s\n", e->path,
		       ident[EI_CLASS] == ELFCLASS64 ? 64 : 32, HOST_CLASS == ELFCLASS64 ? 64 : 32,
		       HOST_NAME);
		return -ENOEXEC;
	}
	if (e->ehdr.e_type == ET_REL)
		return fail_enoexec(e,
				    "relocatable object file, not an executable or shared object");
	if (e->ehdr.e_type == ET_CORE)
		return fail_enoexec(e, "core dump, not an executable or shared object");
	if (e->ehdr.e_type != ET_EXEC && e->ehdr.e_type != ET_DYN)
		return fail_enoexec(e, "unknown ELF type, not an executable or shared object");

	/*
	 * Both header tables must lie inside the file.  libelf quietly reports 0 entries for
	 * a table cut off by the end of the file, so check the header's own counts; the
	 * extended ones (PN_XNUM, e_shnum 0) live in section 0, which must be there too.
	 */
	phnum = e->ehdr.e_phnum;
	shnum = e->ehdr.e_shnum;
	if (!shnum && e->ehdr.e_shoff)
		shnum = 1;
	if (!table_fits(e, e->ehdr.e_phoff, phnum == PN_XNUM ? 0 : phnum, e->ehdr.e_phentsize) ||
	    !table_fits(e, e->ehdr.e_shoff, shnum, e->ehdr.e_shentsize))
		return fail_enoexec(e, "truncated ELF");
	if (elf_getphdrnum(e->elf, &phnum) || elf_getshdrnum(e->elf, &shnum) ||
	    !table_fits(e, e->ehdr.e_phoff, phnum, e->ehdr.e_phentsize) ||
	    !table_fits(e, e->ehdr.e_shoff, shnum, e->ehdr.e_shentsize))
		return fail_enoexec(e, "truncated ELF");
	return 0;
}

static int load_segments(struct sym_elf *e)
{
	size_t i, phnum;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &phnum))
		return fail_libelf(e, "bad program headers");
	e->segs = calloc(phnum ? phnum : 1, sizeof(*e->segs));
	if (!e->segs) {
		sym_pr("%s: out of memory\n", e->path);
		return -ENOMEM;
	}
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(e->elf, i, &ph))
			return fail_libelf(e, "bad program header");
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (ph.p_offset > e->file_size || ph.p_filesz > e->file_size - ph.p_offset)
			return fail_enoexec(e, "truncated ELF");
		e->segs[e->nr_segs++] = (struct sym_seg){
			.vaddr = ph.p_vaddr,
			.filesz = ph.p_filesz,
			.offset = ph.p_offset,
		};
	}
	return 0;
}

static int add_symtab(struct sym_elf *e, Elf_Scn *scn, bool dynsym)
{
	struct sym_tab *t = &e->tabs[e->nr_tabs];
	const char *what = dynsym ? "bad .dynsym" : "bad .symtab";
	GElf_Shdr shdr, *sh = &shdr;
	Elf_Data *strs;
	size_t nr;

	if (!gelf_getshdr(scn, sh))
		return fail_libelf(e, what);
	if (sh->sh_entsize != gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT))
		return fail_enoexec(e, what);
	t->syms = elf_getdata(scn, NULL);
	strs = elf_getdata(elf_getscn(e->elf, sh->sh_link), NULL);
	if (!t->syms || !strs)
		return fail_libelf(e, what);
	/* A NUL at the end makes every in-range st_name a valid C string, checked once. */
	if (!strs->d_buf || !strs->d_size || ((const char *)strs->d_buf)[strs->d_size - 1])
		return fail_enoexec(e, what);
	t->strs = strs->d_buf;
	t->strs_size = strs->d_size;
	nr = sh->sh_size / sh->sh_entsize;
	t->nr = nr;
	t->first_global = sh->sh_info < nr ? sh->sh_info : nr;
	t->dynsym = dynsym;
	e->nr_tabs++;
	return 0;
}

static int set_ver(struct sym_elf *e, size_t ndx, const char *name, const char *file)
{
	struct sym_ver *v;
	size_t n;

	ndx &= VERSYM_INDEX;
	if (ndx >= e->nr_vers) {
		n = ndx + 1 > 2 * e->nr_vers ? ndx + 1 : 2 * e->nr_vers;
		v = realloc(e->vers, n * sizeof(*v));
		if (!v) {
			sym_pr("%s: out of memory\n", e->path);
			return -ENOMEM;
		}
		memset(v + e->nr_vers, 0, (n - e->nr_vers) * sizeof(*v));
		e->vers = v;
		e->nr_vers = n;
	}
	e->vers[ndx] = (struct sym_ver){.name = name, .file = file};
	return 0;
}

/* .gnu.version_d: the versions this object defines; the base entry (its soname) is skipped. */
static int load_verdef(struct sym_elf *e, Elf_Scn *scn)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr shdr, *sh = &shdr;
	GElf_Verdaux aux;
	GElf_Verdef vd;
	size_t i, off = 0;
	const char *name;
	int err;

	if (!gelf_getshdr(scn, sh))
		return 0;
	for (i = 0; d && i < sh->sh_info && gelf_getverdef(d, off, &vd); i++) {
		if (!(vd.vd_flags & VER_FLG_BASE) && gelf_getverdaux(d, off + vd.vd_aux, &aux)) {
			name = elf_strptr(e->elf, sh->sh_link, aux.vda_name);
			if (name && (err = set_ver(e, vd.vd_ndx, name, NULL)))
				return err;
		}
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
	return 0;
}

/* .gnu.version_r: the versions this object needs, each from a named library. */
static int load_verneed(struct sym_elf *e, Elf_Scn *scn)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr shdr, *sh = &shdr;
	size_t i, j, off = 0, aoff;
	const char *file, *name;
	GElf_Vernaux aux;
	GElf_Verneed vn;
	int err;

	if (!gelf_getshdr(scn, sh))
		return 0;
	for (i = 0; d && i < sh->sh_info && gelf_getverneed(d, off, &vn); i++) {
		file = elf_strptr(e->elf, sh->sh_link, vn.vn_file);
		aoff = off + vn.vn_aux;
		for (j = 0; j < vn.vn_cnt && gelf_getvernaux(d, aoff, &aux); j++) {
			name = elf_strptr(e->elf, sh->sh_link, aux.vna_name);
			if (name && (err = set_ver(e, aux.vna_other, name, file)))
				return err;
			if (!aux.vna_next)
				break;
			aoff += aux.vna_next;
		}
		if (!vn.vn_next)
			break;
		off += vn.vn_next;
	}
	return 0;
}

static int load_sections(struct sym_elf *e)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *symtab = NULL, *verdef = NULL, *verneed = NULL;
	Elf_Scn *versym = NULL;
	GElf_Shdr sh;
	int err = 0;

	while ((scn = elf_nextscn(e->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return fail_libelf(e, "bad section header");
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > e->file_size || sh.sh_size > e->file_size - sh.sh_offset))
			return fail_enoexec(e, "truncated ELF");
		if (sh.sh_type == SHT_DYNSYM && !dynsym)
			dynsym = scn;
		else if (sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = scn;
		else if (sh.sh_type == SHT_GNU_versym && !versym)
			versym = scn;
		else if (sh.sh_type == SHT_GNU_verdef && !verdef)
			verdef = scn;
		else if (sh.sh_type == SHT_GNU_verneed && !verneed)
			verneed = scn;
		else if (sh.sh_type == SHT_DYNAMIC && !e->dynamic)
			e->dynamic = scn;
	}

	if (dynsym)
		err = add_symtab(e, dynsym, true);
	if (!err && symtab)
		err = add_symtab(e, symtab, false);
	if (!err && dynsym && versym)
		e->versym = elf_getdata(versym, NULL);
	if (!err && e->versym && verdef)
		err = load_verdef(e, verdef);
	if (!err && e->versym && verneed)
		err = load_verneed(e, verneed);
	return err;
}

int sym_elf__open(const char *path, struct sym_elf **out)
{
	struct sym_elf *e;
	int err;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		sym_pr("%s: libelf is too old: %s\n", path, elf_errmsg(-1));
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		sym_pr("%s: out of memory\n", path);
		return -ENOMEM;
	}
	e->fd = -1;

	err = open_file(e);
	if (!err)
		err = check_ehdr(e);
	if (!err)
		err = load_segments(e);
	if (!err)
		err = load_sections(e);
	if (err) {
		sym_elf__close(e);
		return err;
	}
	*out = e;
	return 0;
}

void sym_elf__close(struct sym_elf *e)
{
	if (!e)
		return;
	elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e->vers);
	free(e->segs);
	free(e->path);
	free(e);
}

const char *sym_elf__path(const struct sym_elf *e)
{
	return e->path;
}

bool sym_elf__is_dyn(const struct sym_elf *e)
{
	return e->ehdr.e_type == ET_DYN;
}

/* ---- addresses ------------------------------------------------------------------------ */

/*
 * A uprobe is attached to (inode, file offset), so we need the offset in the file of the
 * byte that will sit at `addr` once the object is mapped.  The kernel and ld.so map each
 * PT_LOAD segment so that file offset p_offset lands at load_bias + p_vaddr, and keep the
 * bytes in between in order.  Hence, inside a segment,
 *
 *	file offset = addr - p_vaddr + p_offset
 *
 * and the load bias cancels out, whatever it is:
 *  - non-PIE (ET_EXEC): the bias is 0 and st_value is the absolute run-time address;
 *  - PIE executables and shared objects (ET_DYN): st_value is relative to a base chosen at
 *    run time (ASLR), but the same unknown bias is added to p_vaddr, so the difference
 *    is the same in every process.
 * Only the file-backed part (p_filesz) counts: an address in .bss has no file offset.
 * Segments rather than sections: they are what is actually mapped, and the answer does
 * not depend on section headers that a linker script or strip may have rearranged.
 */
bool sym_addr_offset(const struct sym_elf *e, uint64_t addr, uint64_t *offset)
{
	const struct sym_seg *s;
	size_t i;

	for (i = 0; i < e->nr_segs; i++) {
		s = &e->segs[i];
		if (addr >= s->vaddr && addr - s->vaddr < s->filesz) {
			*offset = addr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

int sym_elf__addr_to_offset(const struct sym_elf *e, uint64_t addr, uint64_t *offset)
{
	if (sym_addr_offset(e, addr, offset))
		return 0;
	sym_pr("%s: address 0x%llx is not in a loadable segment\n", e->path,
	       (unsigned long long)addr);
	return -ENOENT;
}

/* ---- symbols -------------------------------------------------------------------------- */

void sym_iter__init(struct sym_iter *it, const struct sym_elf *e)
{
	memset(it, 0, sizeof(*it));
	it->e = e;
}

/* Fill the version of .dynsym entry idx from .gnu.version, or split name@VER in .symtab. */
static void ent_version(const struct sym_elf *e, const struct sym_tab *t, size_t idx,
			struct sym_ent *ent)
{
	GElf_Versym vs;
	const char *at;
	size_t ndx;

	ent->ver = NULL;
	ent->ver_file = NULL;
	ent->hidden = false;
	if (t->dynsym) {
		ent->name_len = strlen(ent->name);
		if (!e->versym || !gelf_getversym(e->versym, idx, &vs))
			return;
		ndx = vs & VERSYM_INDEX;
		/* 0 is local, 1 the unversioned global; neither carries a name. */
		if (ndx < 2 || ndx >= e->nr_vers || !e->vers[ndx].name)
			return;
		ent->ver = e->vers[ndx].name;
		ent->ver_file = e->vers[ndx].file;
		ent->hidden = vs & VERSYM_HIDDEN;
		return;
	}
	at = strchr(ent->name, '@');
	if (!at || at == ent->name) {
		ent->name_len = strlen(ent->name);
		return;
	}
	ent->name_len = at - ent->name;
	ent->hidden = at[1] != '@';
	ent->ver = ent->hidden ? at + 1 : at + 2;
}

const struct sym_ent *sym_iter__next(struct sym_iter *it)
{
	const struct sym_elf *e = it->e;
	struct sym_ent *ent = &it->ent;
	const struct sym_tab *t;
	unsigned int type;
	GElf_Sym sym;
	size_t idx;

	for (; it->tab < e->nr_tabs; it->tab++, it->idx = 0, it->file = NULL) {
		t = &e->tabs[it->tab];
		while (it->idx < t->nr) {
			idx = it->idx++;
			if (idx == t->first_global)
				it->file = NULL; /* globals come after all locals, file unknown */
			if (!gelf_getsym(t->syms, idx, &sym) || sym.st_name >= t->strs_size)
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if (type == STT_FILE && idx < t->first_global) {
				it->file = t->strs[sym.st_name] ? t->strs + sym.st_name : NULL;
				continue;
			}
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !t->strs[sym.st_name])
				continue;

			ent->name = t->strs + sym.st_name;
			ent->file = idx < t->first_global ? it->file : NULL;
			ent->addr = sym.st_value;
			ent->size = sym.st_size;
			ent->bind = GELF_ST_BIND(sym.st_info);
			ent->type = type;
			ent->defined = sym.st_shndx != SHN_UNDEF;
			ent->dynsym = t->dynsym;
			ent_version(e, t, idx, ent);
			return ent;
		}
	}
	return NULL;
}

size_t sym_elf__needed(const struct sym_elf *e, const char **names, size_t max)
{
	Elf_Data *d;
	GElf_Shdr sh;
	GElf_Dyn dyn;
	size_t i, n = 0;
	const char *s;

	if (!e->dynamic || !gelf_getshdr(e->dynamic, &sh) || !sh.sh_entsize)
		return 0;
	d = elf_getdata(e->dynamic, NULL);
	for (i = 0; d && i < sh.sh_size / sh.sh_entsize && gelf_getdyn(d, i, &dyn); i++) {
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED)
			continue;
		s = elf_strptr(e->elf, sh.sh_link, dyn.d_un.d_val);
		if (!s)
			continue;
		if (n < max)
			names[n] = s;
		n++;
	}
	return n;
}
