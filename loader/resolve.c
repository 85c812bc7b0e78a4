// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * resolve.c - from probe text to probes.
 *
 * A target is a list of objects a bare FUNC is looked for in: just BINARY, or for a running
 * process its executable first and then every object it has mapped executable, in address
 * order.  `OBJ:FUNC` names the object instead: a path, or a library name resolved like the
 * dynamic loader would (for a process: among its mappings, then in its own ld.so.cache).
 * Files of a process are opened through /proc/PID/root, so a process in another mount
 * namespace is traced in its own copy of each file; events name the path as the process
 * sees it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dwarfinfo.h"
#include "placement.h"
#include "probe.h"
#include "resolve.h"
#include "spec.h"
#include "target.h"
#include "util.h"

/* The path as the process sees it: host paths under /proc/PID/root lose that prefix. */
static char *display_path(const char *host, pid_t pid)
{
	char prefix[64], buf[PATH_MAX];
	size_t n;

	if (pid > 0) {
		n = snprintf(prefix, sizeof(prefix), "/proc/%d/root/", (int)pid);
		if (!strncmp(host, prefix, n))
			return strdup(host + n - 1);
	}
	if (!strncmp(host, "/proc/", 6))
		return strdup(host);
	return strdup(realpath(host, buf) ? buf : host);
}

static int obj_open(struct target_obj *o, const char *host, pid_t pid)
{
	int err;

	memset(o, 0, sizeof(*o));
	o->host_path = strdup(host);
	o->display = display_path(host, pid);
	if (!o->host_path || !o->display)
		return -ENOMEM;
	err = sym_elf__open(host, &o->elf);
	return err;
}

static void obj_free(struct target_obj *o)
{
	sym_dwarf__close(o->dw);
	sym_elf__close(o->elf);
	free(o->host_path);
	free(o->display);
	memset(o, 0, sizeof(*o));
}

/*
 * Where OBJ (a path or a library name) is, from uptrace's point of view: for a process, a
 * path means the process's file (symlinks resolved inside its root).
 */
static int locate(const char *obj, pid_t pid, char **host)
{
	return sym_find_library(obj, pid, host);
}

static int target_push(struct target *t, const char *host)
{
	struct target_obj *tmp = realloc(t->objs, (t->nobjs + 1) * sizeof(*tmp));
	int err;

	if (!tmp)
		return -ENOMEM;
	t->objs = tmp;
	err = obj_open(&t->objs[t->nobjs], host, t->pid);
	if (err) {
		obj_free(&t->objs[t->nobjs]);
		return err;
	}
	t->nobjs++;
	return 0;
}

int target__init_binary(struct target *t, const char *binary, pid_t pid)
{
	char *host = NULL;
	int err;

	t->pid = pid;
	err = locate(binary, pid, &host);
	if (!err)
		err = target_push(t, host);
	free(host);
	return err;
}

int target__init_pid(struct target *t, pid_t pid)
{
	struct sym_mapping *maps = NULL;
	struct stat st = {};
	char *exe = NULL;
	size_t n = 0, i;
	int err;

	t->pid = pid;
	err = sym_proc_exe(pid, &exe);
	err = err ?: target_push(t, exe);
	err = err ?: sym_proc_objects(pid, &maps, &n);
	if (!err && stat(exe, &st))
		err = -errno;
	for (i = 0; !err && i < n; i++) {
		/* the executable is searched first already; its host path may differ (deleted) */
		if (maps[i].ino == st.st_ino)
			continue;
		/* an object we cannot read as ELF is no reason to stop: it is just not searched */
		if (target_push(t, maps[i].host_path))
			upt_info("pid %d: not searching %s", (int)pid, maps[i].path);
	}
	sym_mappings__free(maps, n);
	free(exe);
	return err;
}

void target__free(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nobjs; i++)
		obj_free(&t->objs[i]);
	free(t->objs);
	t->objs = NULL;
	t->nobjs = 0;
}

struct sym_dwarf *target__dwarf(struct target *t, struct target_obj *o)
{
	int err;

	if (!o->dw_tried) {
		o->dw_tried = true;
		err = sym_dwarf__open(o->host_path, t->debug_dirs, &o->dw);
		if (!err)
			upt_info("%s: debug info from %s", o->display, sym_dwarf__file(o->dw));
		else if (err == -ENODATA)
			upt_info("%s: no debug info", o->display);
	}
	return o->dw;
}

/*
 * The function's prototype: from DWARF when the object (or its debug file) describes it,
 * else built in, else none.  With DWARF, *info holds what the proto points into.
 */
static const char *find_proto(struct target *t, struct target_obj *o, const struct sym_func *f,
			      struct sym_fn_info *info, struct proto *proto)
{
	struct sym_dwarf *dw = target__dwarf(t, o);
	const char *decl;

	if (dw && !sym_dwarf__func(dw, f->name, f->addr, info)) {
		if (!proto_from_dwarf(info, proto))
			return "DWARF";
		sym_fn_info__free(info);
	}
	memset(info, 0, sizeof(*info));
	decl = proto_builtin(f->name);
	if (decl && !proto_parse(decl, proto))
		return "the built-in prototype";
	return NULL;
}

/*
 * Where an entry probe goes: past the prologue when DWARF needs it for the arguments;
 * otherwise, unless --exact-entry, at the first instruction the kernel emulates when the
 * ones before it provably leave the arguments alone (endbr64; push is 4-5x cheaper than a
 * single-stepped instruction).  A return probe stays at the entry.
 */
static int place(struct target *t, struct target_obj *o, const struct sym_func *f,
		 const struct sym_fn_info *info, struct probe *p)
{
	struct sym_placement pl;
	int err;

	if (probe_is_return(p))
		return 0;
	if (info->name && info->probe_addr != info->addr) {
		err = sym_elf__addr_to_offset(o->elf, info->probe_addr, &p->offset);
		if (err)
			return err;
		p->moved_frame = true;
		upt_info("%s:%s: probing 0x%llx, %s", o->display, p->func,
			 (unsigned long long)info->probe_addr, info->moved_why ?: "moved");
		return 0;
	}
	sym_place_probe(o->elf, f, &pl); /* fills pl even when it fails: the entry */
	if (t->exact_entry) {
		upt_info("%s:%s: probing the entry ('%s'): --exact-entry", o->display, p->func,
			 pl.first_insn);
	} else if (pl.skipped) {
		p->offset = pl.offset;
		upt_info("%s:%s: probing 0x%llx (+%u, '%s' instead of '%s'): %s", o->display,
			 p->func, (unsigned long long)pl.addr, pl.skipped, pl.insn, pl.first_insn,
			 pl.why);
	} else {
		upt_info("%s:%s: probing the entry ('%s'): %s", o->display, p->func,
			 pl.first_insn, pl.why);
	}
	return 0;
}

static void warn_inlined(const struct target_obj *o, const struct sym_fn_info *info)
{
	if (info->inlined_everywhere)
		upt_err("warning: %s:%s is inlined everywhere: the probe may never fire",
			o->display, info->name);
	else if (info->partly_inlined)
		upt_err("warning: %s:%s is also inlined into some callers: those calls are not "
			"seen", o->display, info->name);
}

/* -v: how many bytes of each buffer and string are captured, at most. */
static void say_caps(const struct probe *p)
{
	char more[256] = "";
	size_t n = 0;
	uint32_t i, cap;

	for (i = 0; i < p->spec.nargs && n < sizeof(more); i++) {
		if (p->spec.args[i].cap == UPT_CAP_SCALAR || !p->out[i].name)
			continue;
		cap = probe__max_bytes(p, i);
		if (cap != p->spec.max_bytes)
			n += snprintf(more + n, sizeof(more) - n, ", %s: %u", p->out[i].name, cap);
	}
	upt_info("probe %s:%s%s: captures at most %u bytes of a buffer or string%s", p->binary,
		 p->func, probe_is_return(p) ? "%return" : "", p->spec.max_bytes, more);
}

/* Build one probe for function f of object o and hand it to the tracer. */
static int add_probe(struct target *t, struct tracer *tr, struct target_obj *o,
		     const struct probe_def *def, const struct sym_func *f)
{
	struct probe *p = calloc(1, sizeof(*p));
	struct sym_fn_info info = {};
	struct proto proto = {};
	const char *from;
	int err;

	if (!p)
		return -ENOMEM;
	from = find_proto(t, o, f, &info, &proto);
	p->func = strdup(f->name);
	p->binary = strdup(o->display);
	p->attach_path = strdup(o->host_path);
	p->pid = t->pid;
	p->addr = f->addr;
	p->offset = f->offset;
	err = p->func && p->binary && p->attach_path ? 0 : -ENOMEM;
	if (!err)
		err = probe__build(p, def, from ? &proto : NULL, o->dw, t->max_bytes);
	if (!err)
		err = place(t, o, f, &info, p);
	if (!err && info.name)
		warn_inlined(o, &info);
	proto__free(&proto);
	sym_fn_info__free(&info);
	if (err) {
		probe__free(p);
		free(p);
		return err;
	}
	/* an explicit fetch list is where the arguments come from, whatever typed them */
	if (def->has_list && !def->ret)
		from = "the fetch list";
	upt_info("probe %s:%s%s: addr 0x%llx, file offset 0x%llx, %u argument(s)%s%s", p->binary,
		 p->func, probe_is_return(p) ? "%return" : "", (unsigned long long)p->addr,
		 (unsigned long long)p->offset, p->spec.nargs, from ? " from " : "", from ?: "");
	say_caps(p);
	return tracer__add(tr, p);
}

/* The functions of a glob: from the first object in search order that has any. */
static int add_glob(struct target *t, struct tracer *tr, struct target_obj *objs, size_t nobjs,
		    const struct probe_def *def)
{
	struct sym_func *funcs = NULL;
	size_t n = 0, i, k;
	int err = 0;

	for (k = 0; k < nobjs && !err && !n; k++)
		err = sym_elf__find(objs[k].elf, def->func, &funcs, &n);
	if (!err && !n) {
		upt_err("%s: no function matches '%s'", objs[0].display, def->func);
		err = -ENOENT;
	}
	for (i = 0; !err && i < n; i++)
		err = add_probe(t, tr, &objs[k - 1], def, &funcs[i]);
	sym_funcs__free(funcs, n);
	return err;
}

/*
 * A stripped object can still name its functions elsewhere: in its MiniDebugInfo
 * (.gnu_debugdata, an embedded .symtab), or in the DWARF of its separate debug file.  The
 * address found there is turned into a file offset with the executed object's own
 * segments.  Quiet: the caller reports the failure.
 */
static int resolve_elsewhere(struct target *t, struct target_obj *o, const char *name,
			     struct sym_func *f)
{
	struct sym_fn_info info = {};
	struct sym_elf *mini;
	sym_print_fn prev;
	int err;

	prev = sym_set_print(NULL);
	err = sym_minidebug__open(o->host_path, &mini);
	if (!err) {
		err = sym_elf__resolve(mini, name, f);
		if (err == -ENOTUNIQ) { /* say which ones, once */
			sym_set_print(prev);
			sym_elf__resolve(mini, name, f);
			sym_elf__close(mini);
			return err;
		}
		sym_elf__close(mini);
	}
	if (err && target__dwarf(t, o) && !sym_dwarf__func(o->dw, name, 0, &info) &&
	    info.addr) {
		f->name = strdup(name);
		f->addr = info.addr;
		err = f->name ? sym_elf__addr_to_offset(o->elf, info.addr, &f->offset) : -ENOMEM;
		if (!err)
			upt_info("%s:%s: found in the debug info %s", o->display, name,
				 sym_dwarf__file(o->dw));
	}
	sym_fn_info__free(&info);
	sym_set_print(prev);
	return err ? -ENOENT : 0;
}


/*
 * gcc's clones of a function (name.isra.0, name.constprop.0, name.part.0) are what runs when
 * the original was optimized away: take the one clone there is, with a note.  name.cold is
 * a piece of a function, not an entry, and is never taken.
 */
static int resolve_clone(struct target_obj *o, const char *name, struct sym_func *f)
{
	struct sym_func *funcs = NULL;
	char pattern[512];
	size_t n = 0, i, pick = 0, picks = 0;
	int err;

	if (snprintf(pattern, sizeof(pattern), "%s.*", name) >= (int)sizeof(pattern) ||
	    sym_is_glob(name))
		return -ENOENT;
	err = sym_elf__find(o->elf, pattern, &funcs, &n);
	for (i = 0; !err && i < n; i++) {
		if (strstr(funcs[i].name + strlen(name), ".cold"))
			continue;
		pick = i;
		picks++;
	}
	if (err || picks != 1) {
		if (!err && picks > 1)
			upt_err("%s: '%s' has no symbol of its own but %zu clones; name one "
				"(uptrace -l %s '%s')", o->display, name, picks, o->display, pattern);
		sym_funcs__free(funcs, n);
		return err ?: (picks > 1 ? -ENOTUNIQ : -ENOENT);
	}
	*f = funcs[pick];
	memset(&funcs[pick], 0, sizeof(funcs[pick]));
	sym_funcs__free(funcs, n);
	upt_err("note: %s: probing %s, the clone gcc made of %s", o->display, f->name, name);
	return 0;
}

/*
 * One function: the first object in search order that defines it.  Only the first
 * object's failure is explained (the others are tried quietly): that is where the user
 * expects the function.  An ambiguous name is reported at once.
 */
static int add_one(struct target *t, struct tracer *tr, struct target_obj *objs, size_t nobjs,
		   const struct probe_def *def)
{
	struct sym_func f = {};
	sym_print_fn prev;
	size_t k, at = 0;
	int err = -ENOENT;
	bool said = false;

	/* the symbol tables, quietly, in search order */
	prev = sym_set_print(NULL);
	for (k = 0; k < nobjs && err == -ENOENT; k++)
		if ((err = sym_elf__resolve(objs[k].elf, def->func, &f)) != -ENOENT)
			at = k;
	sym_set_print(prev);
	/* then MiniDebugInfo and debug files (which report an ambiguity themselves) */
	for (k = 0; k < nobjs && err == -ENOENT; k++) {
		sym_func__clear(&f);
		if ((err = resolve_elsewhere(t, &objs[k], def->func, &f)) != -ENOENT)
			at = k;
		said = err == -ENOTUNIQ;
	}
	sym_set_print(NULL);
	for (k = 0; k < nobjs && err == -ENOENT; k++) {
		sym_func__clear(&f);
		if ((err = resolve_clone(&objs[k], def->func, &f)) != -ENOENT)
			at = k;
		said = err == -ENOTUNIQ;
	}
	sym_set_print(prev);
	/* not found (say so where it was expected first) or ambiguous in a symbol table: say
	 * why, naming the object */
	if (!said && (err == -ENOENT || err == -ENOTUNIQ))
		err = sym_elf__resolve(objs[err == -ENOENT ? 0 : at].elf, def->func, &f);
	if (!err)
		err = add_probe(t, tr, &objs[at], def, &f);
	sym_func__clear(&f);
	return err;
}

int target__add_probe(struct target *t, struct tracer *tr, const char *text)
{
	struct target_obj own = {}, *objs = t->objs;
	struct probe_def def;
	size_t nobjs = t->nobjs;
	char *host = NULL;
	int err;

	err = probe_def__parse(text, &def);
	if (err)
		return err;
	if (def.obj) {
		err = locate(def.obj, t->pid, &host);
		err = err ?: obj_open(&own, host, t->pid);
		objs = &own;
		nobjs = 1;
	}
	if (!err && !nobjs) {
		upt_err("no object to look for '%s' in", def.func);
		err = -ENOENT;
	}
	if (!err)
		err = sym_is_glob(def.func) ? add_glob(t, tr, objs, nobjs, &def)
					     : add_one(t, tr, objs, nobjs, &def);
	obj_free(&own);
	free(host);
	probe_def__free(&def);
	return err;
}
