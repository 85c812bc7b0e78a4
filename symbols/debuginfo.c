// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * debuginfo.c - find the DWARF of an executed object, wherever it lives.
 *
 * We let libdwfl do the search, the same one gdb, systemtap and eu-stack do, instead of
 * writing our own: the object is reported to a Dwfl "offline" (no process), and
 * dwfl_module_getdwarf() takes the DWARF from the object itself when it has .debug_info;
 * otherwise dwfl_standard_find_debuginfo() looks, in order, for
 *  1. the build-id file: DIR/.build-id/xx/rest.debug under every absolute DIR of the search
 *     path (and debuginfod, when DEBUGINFOD_URLS is set);
 *  2. the .gnu_debuglink name (CRC or build-id checked) in the object's directory, in its
 *     .debug/ subdirectory, and under every absolute DIR as DIR/<object's dir>/name, then
 *     the same with fewer leading components of <object's dir>, down to DIR/name.
 * The search path is the --debuginfo directories first, then libdwfl's default
 * ":.debug:/usr/lib/debug".  libdwfl only applies absolute directories to an absolute
 * object path, so the object is reported under its realpath().
 *
 * libdwfl also tells us the bias of each file (see dwarf_internal.h), so addresses we hand
 * out stay those of the executed object even when the debug file was laid out otherwise.
 *
 * .gnu_debugdata (MiniDebugInfo, as Fedora ships it) is an xz-compressed ELF embedded in
 * the object that holds only a .symtab of the functions .dynsym lacks: no DWARF.  It is
 * for symbol lookup, so sym_minidebug__open() hands it out as a struct sym_elf; libdw's
 * dwelf_elf_begin() decompresses it, which keeps liblzma out of our link line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "dwarf_internal.h"

#define DEFAULT_SEARCH ":.debug:/usr/lib/debug"
#define MINIDEBUG_MAX  (256u << 20) /* a decompressed .gnu_debugdata larger than this is bogus */

/* The search path for libdwfl: each extra dir made absolute, then the default. */
static int build_search(struct sym_dwarf *d, const char *const *extra_dirs)
{
	struct sym_sb sb = {0};
	char cwd[PATH_MAX];
	char *abs;
	size_t i;

	for (i = 0; extra_dirs && extra_dirs[i]; i++) {
		if (strchr(extra_dirs[i], ':')) {
			sym_pr("%s: debug directory '%s': a ':' cannot be searched\n", d->obj_path,
			       extra_dirs[i]);
			free(sb.s);
			return -EINVAL;
		}
		/*
		 * libdwfl reads a relative entry as a subdirectory of the object's; ours are
		 * relative to the current directory.  One that does not exist is no error.
		 */
		abs = realpath(extra_dirs[i], NULL);
		if (abs)
			sym_sb_puts(&sb, abs);
		else if (extra_dirs[i][0] == '/' || !getcwd(cwd, sizeof(cwd)))
			sym_sb_puts(&sb, extra_dirs[i]);
		else
			sym_sb_printf(&sb, "%s/%s", cwd, extra_dirs[i]);
		sym_sb_puts(&sb, ":");
		free(abs);
	}
	sym_sb_puts(&sb, DEFAULT_SEARCH);
	d->search = sym_sb_take(&sb);
	if (!d->search) {
		sym_pr("%s: out of memory\n", d->obj_path);
		return -ENOMEM;
	}
	return 0;
}

/* Report the object to a fresh Dwfl; the error messages are those of elf.c. */
static int report_object(struct sym_dwarf *d)
{
	char *abs = realpath(d->obj_path, NULL);
	struct stat st;
	int fd, err;

	if (!abs || stat(abs, &st)) {
		err = -errno;
		sym_pr("%s: %s\n", d->obj_path, strerror(-err));
		free(abs);
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		sym_pr("%s: is a directory, not an ELF file\n", d->obj_path);
		free(abs);
		return -EISDIR;
	}
	fd = open(abs, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		sym_pr("%s: %s\n", d->obj_path, strerror(-err));
		free(abs);
		return err;
	}

	d->cb = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &d->search,
	};
	d->dwfl = dwfl_begin(&d->cb);
	if (!d->dwfl) {
		close(fd);
		free(abs);
		sym_pr("%s: libdwfl: %s\n", d->obj_path, dwfl_errmsg(-1));
		return -ENOMEM;
	}
	dwfl_report_begin(d->dwfl);
	/* Takes the fd, on failure too. */
	d->mod = dwfl_report_offline(d->dwfl, strrchr(abs, '/') + 1, abs, fd);
	free(abs);
	if (!d->mod) {
		sym_pr("%s: not an ELF file: %s\n", d->obj_path, dwfl_errmsg(-1));
		return -ENOEXEC;
	}
	if (dwfl_report_end(d->dwfl, NULL, NULL)) {
		sym_pr("%s: libdwfl: %s\n", d->obj_path, dwfl_errmsg(-1));
		return -ENOEXEC;
	}
	return 0;
}

static int check_object(struct sym_dwarf *d)
{
	GElf_Ehdr ehdr;
	Elf *elf;

	elf = dwfl_module_getelf(d->mod, &d->main_bias);
	if (!elf || !gelf_getehdr(elf, &ehdr)) {
		sym_pr("%s: not an ELF file: %s\n", d->obj_path, dwfl_errmsg(-1));
		return -ENOEXEC;
	}
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
		sym_pr("%s: not an executable or shared object\n", d->obj_path);
		return -ENOEXEC;
	}
	d->machine = ehdr.e_machine;
	return 0;
}

int sym_dwarf__open(const char *obj_path, const char *const *extra_dirs, struct sym_dwarf **out)
{
	const char *mainfile = NULL, *debugfile = NULL;
	Dwarf_Off next;
	struct sym_dwarf *d;
	size_t hsize;
	int err;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->obj_path = strdup(obj_path))) {
		free(d);
		sym_pr("%s: out of memory\n", obj_path);
		return -ENOMEM;
	}
	err = build_search(d, extra_dirs);
	if (!err)
		err = report_object(d);
	if (!err)
		err = check_object(d);
	if (err)
		goto fail;

	/* No DWARF is not an error: the caller falls back to prototypes.  Nothing printed. */
	d->dw = dwfl_module_getdwarf(d->mod, &d->dw_bias);
	if (!d->dw || dwarf_nextcu(d->dw, 0, &next, &hsize, NULL, NULL, NULL)) {
		err = -ENODATA;
		goto fail;
	}
	dwfl_module_info(d->mod, NULL, NULL, NULL, NULL, NULL, &mainfile, &debugfile);
	d->dbg_path = strdup(debugfile ? debugfile : mainfile ? mainfile : obj_path);
	if (!d->dbg_path) {
		sym_pr("%s: out of memory\n", obj_path);
		err = -ENOMEM;
		goto fail;
	}
	*out = d;
	return 0;
fail:
	sym_dwarf__close(d);
	return err;
}

void sym_dwarf__close(struct sym_dwarf *d)
{
	if (!d)
		return;
	/* The Dwarf, the CFI and every file belong to the Dwfl. */
	dwfl_end(d->dwfl);
	free(d->search);
	free(d->dbg_path);
	free(d->obj_path);
	free(d);
}

const char *sym_dwarf__file(const struct sym_dwarf *d)
{
	return d->dbg_path;
}

const char *sym_dwarf__object(const struct sym_dwarf *d)
{
	return d->obj_path;
}

/* ---- MiniDebugInfo ------------------------------------------------------------------ */

/* The raw bytes of section `name`, or NULL. */
static Elf_Data *find_section(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	const char *s;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (s && !strcmp(s, name))
			return elf_rawdata(scn, NULL);
	}
	return NULL;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* A memory file holding `len` bytes of buf, or -errno. */
static int memfile(const char *name, const void *buf, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The embedded ELF, decompressed into a memory file: -ENODATA when there is no
 * .gnu_debugdata (nothing printed), -EINVAL when it does not decompress to an ELF file.
 */
static int minidebug_fd(const char *obj, Elf *elf)
{
	Elf_Data *data = find_section(elf, ".gnu_debugdata");
	int xz_fd, fd = -ENODATA;
	Elf *inner = NULL;
	const char *img;
	size_t size = 0;

	if (!data || !data->d_buf || !data->d_size)
		return -ENODATA;
	xz_fd = memfile("uptrace-gnu-debugdata.xz", data->d_buf, data->d_size);
	if (xz_fd < 0) {
		sym_pr("%s: .gnu_debugdata: %s\n", obj, strerror(-xz_fd));
		return xz_fd;
	}
	inner = dwelf_elf_begin(xz_fd);
	img = inner ? elf_rawfile(inner, &size) : NULL;
	if (!img || elf_kind(inner) != ELF_K_ELF || size > MINIDEBUG_MAX) {
		sym_pr("%s: .gnu_debugdata is not an xz-compressed ELF file\n", obj);
		fd = -EINVAL;
	} else {
		fd = memfile("uptrace-gnu-debugdata", img, size);
		if (fd < 0)
			sym_pr("%s: .gnu_debugdata: %s\n", obj, strerror(-fd));
	}
	elf_end(inner);
	close(xz_fd);
	return fd;
}

/*
 * Messages of sym_elf__open() on the memory file, to be said again with the object's name.
 * (The print hook is process-wide: like the rest of symbols/, not for concurrent use.)
 */
static char mini_msg[512];

static void mini_capture(const char *fmt, va_list ap)
{
	if (!mini_msg[0])
		vsnprintf(mini_msg, sizeof(mini_msg), fmt, ap);
}

/*
 * The embedded ELF keeps the object's program headers but none of its bytes (p_filesz 0):
 * give it the object's own PT_LOAD segments, so that the file offsets of its symbols are
 * those of the object, the file a uprobe is attached to.
 */
static int take_segments(struct sym_elf *e, Elf *obj_elf)
{
	struct sym_seg *segs;
	size_t i, n = 0, phnum;
	GElf_Phdr ph;

	if (elf_getphdrnum(obj_elf, &phnum))
		return -ENOEXEC;
	segs = calloc(phnum ? phnum : 1, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(obj_elf, i, &ph) || ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		segs[n++] = (struct sym_seg){
			.vaddr = ph.p_vaddr,
			.filesz = ph.p_filesz,
			.offset = ph.p_offset,
		};
	}
	free(e->segs);
	e->segs = segs;
	e->nr_segs = n;
	return 0;
}

/* Open the memory file as a struct sym_elf that speaks for the object. */
static int open_minidebug_fd(const char *obj, Elf *obj_elf, int fd, struct sym_elf **out)
{
	char path[64], *name = NULL, *colon;
	sym_print_fn old;
	int err;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	mini_msg[0] = '\0';
	old = sym_set_print(mini_capture);
	err = sym_elf__open(path, out);
	sym_set_print(old);
	if (err) {
		colon = strstr(mini_msg, ": ");
		sym_pr("%s: .gnu_debugdata: %s", obj, colon ? colon + 2 : "unreadable\n");
		return err;
	}
	err = take_segments(*out, obj_elf);
	/* Named after the object, for every later message. */
	if (!err && asprintf(&name, "%s [.gnu_debugdata]", obj) < 0)
		err = -ENOMEM;
	if (err) {
		sym_elf__close(*out);
		*out = NULL;
		sym_pr("%s: .gnu_debugdata: %s\n", obj, strerror(-err));
		return err;
	}
	free((*out)->path);
	(*out)->path = name;
	return 0;
}

int sym_minidebug__open(const char *obj, struct sym_elf **out)
{
	int fd, mfd, err;
	Elf *elf;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(obj, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		sym_pr("%s: %s\n", obj, strerror(-err));
		return err;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		mfd = minidebug_fd(obj, elf);
	} else {
		sym_pr("%s: not an ELF file\n", obj);
		mfd = -ENOEXEC;
	}
	err = mfd;
	if (mfd >= 0) {
		err = open_minidebug_fd(obj, elf, mfd, out);
		close(mfd);
	}
	elf_end(elf);
	close(fd);
	return err;
}
