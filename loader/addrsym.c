// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * addrsym.c - addresses of a traced process to function names (see addrsym.h).
 *
 * An address maps to a file offset through the mapping that holds it (addr - start +
 * pgoff), and file offsets are what symbols/ gives each function (sym_func.offset), so no
 * load bias is ever computed.  Objects are opened through /proc/PID/root, as the probes'
 * are, and their functions kept sorted by offset for a binary search.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrsym.h"
#include "symbols.h"
#include "util.h"

#define AS_PROCS	 4
#define AS_RELOAD_NS	 (200ULL * 1000000)
#define AS_MAX_OBJECTS	 256

struct as_map {
	uint64_t start, end, pgoff;
	char *host; /* the file, from here */
};

struct as_proc {
	pid_t pid;
	struct as_map *maps;
	size_t n;
	uint64_t loaded_ns;
};

struct as_obj {
	char *host;
	struct sym_func *funcs; /* sorted by file offset; NULL when the object could not be read */
	size_t n;
};

struct addrsym {
	struct as_proc procs[AS_PROCS];
	unsigned int next; /* the slot a new process takes */
	struct as_obj *objs;
	size_t nobjs;
};

int addrsym__new(struct addrsym **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void proc_clear(struct as_proc *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->maps[i].host);
	free(p->maps);
	memset(p, 0, sizeof(*p));
}

void addrsym__free(struct addrsym *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < AS_PROCS; i++)
		proc_clear(&a->procs[i]);
	for (i = 0; i < a->nobjs; i++) {
		free(a->objs[i].host);
		sym_funcs__free(a->objs[i].funcs, a->objs[i].n);
	}
	free(a->objs);
	free(a);
}

/* The executable file mappings of pid, from /proc/PID/maps. */
static int proc_load(struct as_proc *p, pid_t pid)
{
	char path[64], line[4352], perms[8], file[4096];
	unsigned long long start, end, pgoff;
	struct as_map *m;
	FILE *f;
	int err = 0;

	proc_clear(p);
	p->pid = pid;
	p->loaded_ns = upt_mono_ns();
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &start, &end, perms, &pgoff,
			   file) != 5 ||
		    perms[2] != 'x' || file[0] != '/')
			continue;
		m = realloc(p->maps, (p->n + 1) * sizeof(*m));
		if (!m) {
			err = -ENOMEM;
			break;
		}
		p->maps = m;
		m = &p->maps[p->n];
		if (asprintf(&m->host, "/proc/%d/root%s", (int)pid, file) < 0) {
			err = -ENOMEM;
			break;
		}
		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
		p->n++;
	}
	fclose(f);
	return err;
}

static int by_offset(const void *x, const void *y)
{
	const struct sym_func *a = x, *b = y;

	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* The object at host, its functions read the first time (quietly: a missing or odd file
 * just has none). */
static struct as_obj *obj_get(struct addrsym *a, const char *host)
{
	sym_print_fn prev;
	struct sym_elf *e;
	struct as_obj *o;
	size_t i;

	for (i = 0; i < a->nobjs; i++)
		if (!strcmp(a->objs[i].host, host))
			return &a->objs[i];
	if (a->nobjs == AS_MAX_OBJECTS)
		return NULL;
	o = realloc(a->objs, (a->nobjs + 1) * sizeof(*o));
	if (!o)
		return NULL;
	a->objs = o;
	o = &a->objs[a->nobjs];
	memset(o, 0, sizeof(*o));
	o->host = strdup(host);
	if (!o->host)
		return NULL;
	a->nobjs++;
	prev = sym_set_print(NULL);
	if (!sym_elf__open(host, &e)) {
		if (sym_elf__find(e, "*", &o->funcs, &o->n)) {
			o->funcs = NULL;
			o->n = 0;
		}
		sym_elf__close(e);
	}
	sym_set_print(prev);
	if (o->n)
		qsort(o->funcs, o->n, sizeof(*o->funcs), by_offset);
	return o;
}

/* The function whose bytes hold file offset off: the last starting at or before it. */
static const struct sym_func *func_at(const struct as_obj *o, uint64_t off)
{
	size_t lo = 0, hi = o->n;
	const struct sym_func *f;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->funcs[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	f = &o->funcs[lo - 1];
	return off < f->offset + (f->size ? f->size : 1) ? f : NULL;
}

static const struct as_map *map_at(const struct as_proc *p, uint64_t addr)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

static struct as_proc *proc_get(struct addrsym *a, pid_t pid, uint64_t addr)
{
	struct as_proc *p = NULL;
	size_t i;

	for (i = 0; i < AS_PROCS; i++)
		if (a->procs[i].pid == pid && a->procs[i].maps)
			p = &a->procs[i];
	if (p && (map_at(p, addr) || upt_mono_ns() - p->loaded_ns < AS_RELOAD_NS))
		return p;
	if (!p) {
		p = &a->procs[a->next];
		a->next = (a->next + 1) % AS_PROCS;
	}
	return proc_load(p, pid) ? NULL : p;
}

bool addrsym__lookup(struct addrsym *a, pid_t pid, uint64_t addr, char *buf, size_t size)
{
	const struct sym_func *f;
	const struct as_map *m;
	struct as_proc *p;
	struct as_obj *o;
	uint64_t off;

	if (!a || pid <= 0 || !(p = proc_get(a, pid, addr)) || !(m = map_at(p, addr)) ||
	    !(o = obj_get(a, m->host)))
		return false;
	off = addr - m->start + m->pgoff;
	f = func_at(o, off);
	if (!f)
		return false;
	if (off == f->offset)
		snprintf(buf, size, "%s", f->name);
	else
		snprintf(buf, size, "%s+0x%" PRIx64, f->name, off - f->offset);
	return true;
}

void addrsym__prefetch(struct addrsym *a, pid_t pid)
{
	size_t i;

	if (!a || pid <= 0)
		return;
	for (i = 0; i < AS_PROCS; i++)
		if (a->procs[i].pid == pid && a->procs[i].maps)
			return;
	proc_get(a, pid, 0);
}
