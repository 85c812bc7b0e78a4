// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * listing.c - `uptrace -l BINARY [GLOB]` and `uptrace --explain BINARY FUNC`.
 *
 * Both answer "what would uptrace probe, and where" without attaching anything: -l lists
 * functions with their signature (DWARF, else the built-in prototype, else address and
 * size), like perf probe -F / bpftrace -lv; --explain walks one resolution step by step:
 * which table the symbol came from, its address, file offset and size, where the debug
 * info is, the source line, and where each argument is read.  The listing is the output
 * asked for, so it goes to stdout.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarfinfo.h"
#include "listing.h"
#include "resolve.h"
#include "spec.h"
#include "symbols.h"
#include "util.h"

static const char *const dwarf_reg_names[] = {
	"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static void print_loc(FILE *f, const struct sym_loc *l)
{
	const char *r = l->reg >= 0 && l->reg < (int)ARRAY_SIZE(dwarf_reg_names)
				? dwarf_reg_names[l->reg]
				: "?";

	switch (l->kind) {
	case SYM_LOC_REG:
		fprintf(f, "in %%%s", r);
		break;
	case SYM_LOC_MEM:
		fprintf(f, "in memory at %%%s%+lld", r, (long long)l->off);
		break;
	case SYM_LOC_CONST:
		fprintf(f, "the constant %lld", (long long)l->off);
		break;
	default:
		if (l->why && !strncmp(l->why, "in %", 4))
			fprintf(f, "%s, not readable by a uprobe", l->why);
		else
			fprintf(f, "<optimized out>%s%s", l->why ? ": " : "", l->why ?: "");
		break;
	}
}

static void print_params(FILE *f, const struct sym_fn_info *info)
{
	size_t i;

	for (i = 0; i < info->nparams; i++) {
		fprintf(f, "        %-16s ", info->params[i].name ?: "?");
		print_loc(f, &info->params[i].loc);
		fputc('\n', f);
	}
}

/* One line for function fn of the object: its signature, or what is known instead. */
static void list_one(struct target_obj *o, const struct sym_func *fn, bool verbose)
{
	struct sym_fn_info info = {};
	const char *decl;

	if (o->dw && !sym_dwarf__func(o->dw, fn->name, fn->addr, &info)) {
		printf("%s\n", info.signature);
		if (verbose)
			print_params(stdout, &info);
		sym_fn_info__free(&info);
		return;
	}
	decl = proto_builtin(fn->name);
	if (decl)
		printf("%s  /* built-in prototype */\n", decl);
	else
		printf("%s  /* 0x%llx, %llu bytes */\n", fn->name, (unsigned long long)fn->addr,
		       (unsigned long long)fn->size);
}

/* --names: the names alone, once each (static functions of one name in several files, or
 * several versions of one symbol, are one name), and no debug info read: for scripts and
 * shell completion, which want what a PROBE may name, fast.  A signature would not do: its
 * name is DWARF's, which for an alias is another name (libc's malloc is __libc_malloc). */
static void list_names(const struct sym_func *funcs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!i || strcmp(funcs[i].name, funcs[i - 1].name))
			printf("%s\n", funcs[i].name);
}

int list_functions(const char *binary, pid_t pid, const char *glob,
		   const char *const *debug_dirs, enum list_detail detail)
{
	struct target t = { .debug_dirs = debug_dirs };
	struct sym_func *funcs = NULL;
	size_t n = 0, i;
	int err;

	err = binary ? target__init_binary(&t, binary, pid) : target__init_pid(&t, pid);
	if (err)
		return err;
	err = sym_elf__find(t.objs[0].elf, glob ?: "*", &funcs, &n);
	if (!err && detail == LIST_NAMES)
		list_names(funcs, n);
	if (!err && n && detail != LIST_NAMES)
		target__dwarf(&t, &t.objs[0]);
	for (i = 0; !err && detail != LIST_NAMES && i < n; i++)
		list_one(&t.objs[0], &funcs[i], detail == LIST_LOCATIONS);
	if (!err && !n && glob) {
		upt_err("%s: no function matches '%s'", t.objs[0].display, glob);
		err = -ENOENT;
	}
	sym_funcs__free(funcs, n);
	target__free(&t);
	return err;
}

static const char *bind_name(uint8_t bind)
{
	return bind == STB_GLOBAL ? "global" : bind == STB_WEAK ? "weak" : "local";
}

static void explain_dwarf(struct target_obj *o, const struct sym_func *fn)
{
	struct sym_fn_info info = {};
	const char *decl;

	if (!o->dw) {
		decl = proto_builtin(fn->name);
		printf("  debug info:  none (arguments: %s)\n",
		       decl ? "the built-in prototype" : "arg0..arg5, by the ABI");
		if (decl)
			printf("  signature:   %s\n", decl);
		return;
	}
	printf("  debug info:  %s\n", sym_dwarf__file(o->dw));
	if (sym_dwarf__func(o->dw, fn->name, fn->addr, &info)) {
		printf("  DWARF:       no function at 0x%llx\n", (unsigned long long)fn->addr);
		return;
	}
	if (info.decl_file)
		printf("  source:      %s:%d\n", info.decl_file, info.decl_line);
	printf("  signature:   %s\n", info.signature);
	if (info.probe_addr != info.addr)
		printf("  probe at:    0x%llx (%s)\n", (unsigned long long)info.probe_addr,
		       info.moved_why ?: "moved");
	else
		printf("  probe at:    0x%llx (the entry)\n", (unsigned long long)info.addr);
	if (info.inlined_everywhere)
		printf("  warning:     inlined everywhere: the probe may never fire\n");
	else if (info.partly_inlined)
		printf("  warning:     also inlined into some callers: those calls are not seen\n");
	printf("  arguments:\n");
	print_params(stdout, &info);
	sym_fn_info__free(&info);
}

int explain_function(const char *binary, pid_t pid, const char *func,
		     const char *const *debug_dirs)
{
	struct target t = { .debug_dirs = debug_dirs };
	struct sym_func fn = {};
	int err;

	err = binary ? target__init_binary(&t, binary, pid) : target__init_pid(&t, pid);
	err = err ?: sym_elf__resolve(t.objs[0].elf, func, &fn);
	if (!err) {
		printf("%s\n", fn.name);
		printf("  object:      %s (%s)\n", t.objs[0].display,
		       sym_elf__is_dyn(t.objs[0].elf) ? "ET_DYN: PIE or shared object"
						      : "ET_EXEC: fixed addresses");
		printf("  symbol:      %s, %s %s%s%s, address 0x%llx, %llu bytes\n",
		       fn.dynsym ? ".dynsym" : ".symtab", bind_name(fn.bind),
		       fn.type == STT_GNU_IFUNC ? "IFUNC (the resolver is probed)" : "function",
		       fn.version ? " @" : "", fn.version ?: "", (unsigned long long)fn.addr,
		       (unsigned long long)fn.size);
		if (fn.file)
			printf("  defined in:  %s (STT_FILE)\n", fn.file);
		printf("  file offset: 0x%llx (from the PT_LOAD segment holding the address)\n",
		       (unsigned long long)fn.offset);
		target__dwarf(&t, &t.objs[0]);
		explain_dwarf(&t.objs[0], &fn);
	}
	sym_func__clear(&fn);
	target__free(&t);
	return err;
}
