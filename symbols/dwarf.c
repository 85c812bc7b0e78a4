// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dwarf.c - a function's signature, parameter types and parameter locations from DWARF.
 *
 * Finding the function.  Attaching to one function of a 50 MB binary must not read all of
 * its DWARF, so a lookup by address reads only what leads to it: .debug_aranges maps the
 * address to its compilation unit (dwarf_addrdie), and we walk that unit's top-level DIEs
 * (skipping each subtree through DW_AT_sibling) for the DW_TAG_subprogram whose entry is the
 * address: DW_AT_low_pc, or the start of one of its DW_AT_ranges (gcc splits hot and cold
 * parts).  Without .debug_aranges (clang), we test each unit's own address ranges.
 *
 * The DIE found is the concrete, out-of-line instance.  Its name, type and declaration may
 * live elsewhere: DW_AT_specification (a C++ definition of a declared member) and
 * DW_AT_abstract_origin (an out-of-line copy of a function that was also inlined, or an IPA
 * clone such as foo.constprop.0) point to them, and dwarf_attr_integrate() follows both.
 * Parameters are then the abstract origin's, in its order; each one's location comes from
 * the concrete child whose DW_AT_abstract_origin is that parameter, and a parameter with no
 * such child was optimized out of this copy.
 *
 * The probe address.  Locations are evaluated at the entry.  When a parameter lives in a
 * frame slot the prologue has not written yet (-O0 code, see dwarf_loc.c), we do what perf
 * probe does: move the probe to the end of the prologue, the first line-table row after the
 * entry that is marked prologue_end or starts another source line, and evaluate everything
 * there.  info->probe_addr and info->moved_why say so.
 *
 * Listing (`uptrace -l`) and lookup by name are the only walks over all units; they too
 * stay at the top level of each unit.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define MAX_SCOPE_DEPTH 8 /* namespaces / classes to descend into (C++) */

static const char *const moved_prologue = "after the prologue: parameters live in the frame there";

/* The function being described. */
struct fn {
	Dwarf_Die die;	  /* the concrete instance; the abstract one when inlined everywhere */
	Dwarf_Die origin; /* its DW_AT_abstract_origin, when has_origin */
	bool has_origin;
	bool inlined_everywhere;
	uint64_t addr; /* entry, object address; 0 when inlined everywhere */
};

/* One parameter: where its name and type are, and where its location is. */
struct pdie {
	Dwarf_Die decl;
	Dwarf_Die loc;
	bool has_loc;
};

/* ---- finding the function DIE ------------------------------------------------------- */

/*
 * The entry of a subprogram with code: DW_AT_entry_pc, DW_AT_low_pc, else its first range.
 * A function the linker discarded (--gc-sections, COMDAT) keeps its DIE with address 0 or a
 * tombstone (-1, -2): it has no entry.
 */
static bool die_entry(Dwarf_Die *die, Dwarf_Addr *entry)
{
	Dwarf_Addr base, start, end;

	if (dwarf_entrypc(die, entry)) {
		if (dwarf_ranges(die, 0, &base, &start, &end) <= 0)
			return false;
		*entry = start;
	}
	return *entry && *entry < (Dwarf_Addr)-2;
}

static bool die_starts_at(Dwarf_Die *die, Dwarf_Addr pc)
{
	Dwarf_Addr low, base, start, end;
	ptrdiff_t off = 0;

	if (!dwarf_lowpc(die, &low) && low == pc)
		return true;
	if (!dwarf_hasattr(die, DW_AT_ranges))
		return false;
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
		if (start == pc)
			return true;
	return false;
}

static bool descend_into(Dwarf_Die *die, bool cxx)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_namespace ||
	       (cxx && (tag == DW_TAG_class_type || tag == DW_TAG_structure_type));
}

static bool is_cxx(Dwarf_Die *cu)
{
	int lang = dwarf_srclang(cu);

	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

static bool find_in_scope(Dwarf_Die *scope, Dwarf_Addr pc, bool cxx, int depth, Dwarf_Die *out)
{
	Dwarf_Die c;

	if (dwarf_child(scope, &c))
		return false;
	do {
		if (dwarf_tag(&c) == DW_TAG_subprogram) {
			if (!dwarf_hasattr(&c, DW_AT_declaration) && die_starts_at(&c, pc)) {
				*out = c;
				return true;
			}
		} else if (depth < MAX_SCOPE_DEPTH && descend_into(&c, cxx) &&
			   find_in_scope(&c, pc, cxx, depth + 1, out)) {
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static bool find_in_cu(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
	return find_in_scope(cu, pc, is_cxx(cu), 0, out);
}

/* The subprogram whose entry is DWARF address pc. */
static bool find_by_addr(struct sym_dwarf *d, Dwarf_Addr pc, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	Dwarf_Die cu;
	size_t hsize;

	if (dwarf_addrdie(d->dw, pc, &cu) && find_in_cu(&cu, pc, out))
		return true;
	/* No (or incomplete) .debug_aranges: each unit's own ranges, then every unit. */
	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, &cu) && dwarf_haspc(&cu, pc) == 1 &&
		    find_in_cu(&cu, pc, out))
			return true;
		off = next;
	}
	return false;
}

static bool abstract_origin(Dwarf_Die *die, Dwarf_Die *origin)
{
	Dwarf_Attribute attr;

	return dwarf_attr(die, DW_AT_abstract_origin, &attr) && dwarf_formref_die(&attr, origin);
}

static void fn_init(struct fn *fn, Dwarf_Die *die, uint64_t addr)
{
	memset(fn, 0, sizeof(*fn));
	fn->die = *die;
	fn->addr = addr;
	fn->has_origin = abstract_origin(die, &fn->origin);
}

/* ---- walking every unit (listing, lookup by name) ----------------------------------- */

typedef int (*subprogram_cb)(Dwarf_Die *die, void *ctx);

static int walk_scope(Dwarf_Die *scope, bool cxx, int depth, subprogram_cb cb, void *ctx)
{
	Dwarf_Die c;
	int ret;

	if (dwarf_child(scope, &c))
		return 0;
	do {
		ret = 0;
		if (dwarf_tag(&c) == DW_TAG_subprogram) {
			if (!dwarf_hasattr(&c, DW_AT_declaration))
				ret = cb(&c, ctx);
		} else if (depth < MAX_SCOPE_DEPTH && descend_into(&c, cxx)) {
			ret = walk_scope(&c, cxx, depth + 1, cb, ctx);
		}
		if (ret)
			return ret;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

static int walk_subprograms(struct sym_dwarf *d, subprogram_cb cb, void *ctx)
{
	Dwarf_Off off = 0, next;
	Dwarf_Die cu;
	size_t hsize;
	int ret;

	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, &cu)) {
			ret = walk_scope(&cu, is_cxx(&cu), 0, cb, ctx);
			if (ret)
				return ret;
		}
		off = next;
	}
	return 0;
}

struct by_name {
	const char *name;
	Dwarf_Die code;	    /* an out-of-line instance */
	Dwarf_Addr entry;   /* its entry */
	Dwarf_Die abstract; /* an abstract inline instance */
	bool has_abstract;
};

static int by_name_cb(Dwarf_Die *die, void *ctx)
{
	struct by_name *b = ctx;
	const char *n = dwarf_diename(die);

	if (!n || strcmp(n, b->name))
		return 0;
	if (die_entry(die, &b->entry)) {
		b->code = *die;
		return 1;
	}
	if (!b->has_abstract && dwarf_func_inline(die)) {
		b->abstract = *die;
		b->has_abstract = true;
	}
	return 0;
}

/* The function by name: its out-of-line copy, else an inlined-everywhere one. */
static int find_by_name(struct sym_dwarf *d, const char *name, struct fn *fn)
{
	struct by_name b = {.name = name};

	if (walk_subprograms(d, by_name_cb, &b) == 1) {
		fn_init(fn, &b.code, sym_obj_addr(d, b.entry));
		return 0;
	}
	if (!b.has_abstract)
		return -ENOENT;
	fn_init(fn, &b.abstract, 0);
	fn->inlined_everywhere = true;
	return 0;
}

/* ---- parameters --------------------------------------------------------------------- */

static bool concrete_param(Dwarf_Die *func, Dwarf_Die *decl, Dwarf_Die *out)
{
	Dwarf_Off want = dwarf_dieoffset(decl);
	Dwarf_Die c, o;

	if (dwarf_child(func, &c))
		return false;
	do {
		if (dwarf_tag(&c) == DW_TAG_formal_parameter && abstract_origin(&c, &o) &&
		    dwarf_dieoffset(&o) == want) {
			*out = c;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static bool has_unspecified(Dwarf_Die *func)
{
	Dwarf_Die c;

	if (dwarf_child(func, &c))
		return false;
	do {
		if (dwarf_tag(&c) == DW_TAG_unspecified_parameters)
			return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static int collect_params(struct fn *fn, struct pdie **out, size_t *cnt)
{
	Dwarf_Die *src = fn->has_origin ? &fn->origin : &fn->die;
	struct pdie *p;
	size_t n = 0, i = 0;
	Dwarf_Die c;

	*out = NULL;
	*cnt = 0;
	if (dwarf_child(src, &c))
		return 0;
	do {
		n += dwarf_tag(&c) == DW_TAG_formal_parameter;
	} while (dwarf_siblingof(&c, &c) == 0);
	if (!n)
		return 0;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	dwarf_child(src, &c);
	do {
		if (dwarf_tag(&c) != DW_TAG_formal_parameter || i == n)
			continue;
		p[i].decl = c;
		if (fn->has_origin) {
			p[i].has_loc = concrete_param(&fn->die, &c, &p[i].loc);
		} else if (!fn->inlined_everywhere) {
			p[i].loc = c;
			p[i].has_loc = true;
		}
		i++;
	} while (dwarf_siblingof(&c, &c) == 0);
	*out = p;
	*cnt = i;
	return 0;
}

/* ---- the probe address -------------------------------------------------------------- */

/* [lo, hi): the DWARF address range of func that holds entry. */
static bool func_range(Dwarf_Die *func, Dwarf_Addr entry, Dwarf_Addr *hi)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(func, off, &base, &start, &end)) > 0) {
		if (entry >= start && entry < end) {
			*hi = end;
			return true;
		}
	}
	return false;
}

static bool line_flag(Dwarf_Line *l, int (*get)(Dwarf_Line *, bool *))
{
	bool f = false;

	return !get(l, &f) && f;
}

/* The index of the first row at or after addr (lines are sorted by address). */
static size_t first_row(Dwarf_Lines *lines, size_t n, Dwarf_Addr addr)
{
	size_t lo = 0, hi = n, mid;
	Dwarf_Addr a;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (dwarf_lineaddr(dwarf_onesrcline(lines, mid), &a) || a < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The end of the prologue of func (DWARF addresses): the first row after the entry that is
 * marked prologue_end, or that begins a statement on another line than the entry's.
 */
static bool prologue_end(Dwarf_Die *func, Dwarf_Addr entry, Dwarf_Addr *out)
{
	Dwarf_Addr hi, a;
	Dwarf_Lines *lines;
	Dwarf_Line *l;
	int entry_line, line;
	Dwarf_Die cu;
	size_t n, i;

	if (!func_range(func, entry, &hi) || !dwarf_diecu(func, &cu, NULL, NULL) ||
	    dwarf_getsrclines(&cu, &lines, &n))
		return false;
	i = first_row(lines, n, entry);
	if (i >= n || dwarf_lineaddr((l = dwarf_onesrcline(lines, i)), &a) || a != entry ||
	    dwarf_lineno(l, &entry_line))
		return false;
	for (i++; i < n; i++) {
		l = dwarf_onesrcline(lines, i);
		if (dwarf_lineaddr(l, &a) || a >= hi || line_flag(l, dwarf_lineendsequence))
			return false;
		if (a == entry || dwarf_lineno(l, &line) || !line)
			continue;
		if (line_flag(l, dwarf_lineprologueend) ||
		    (line != entry_line && line_flag(l, dwarf_linebeginstatement))) {
			*out = a;
			return true;
		}
	}
	return false;
}

/* ---- putting the info together ------------------------------------------------------ */

/* Every parameter's location at pc; true when some are in frame slots not written yet. */
static bool eval_locs(struct sym_dwarf *d, struct fn *fn, struct pdie *p, uint64_t pc,
		      struct sym_fn_info *out)
{
	struct sym_loc_ctx ctx = {.d = d, .func = &fn->die, .entry = fn->addr, .pc = pc};
	bool needs_prologue = false;
	size_t i;

	for (i = 0; i < out->nparams; i++) {
		if (fn->inlined_everywhere) {
			out->params[i].loc = (struct sym_loc){
				.why = "inlined everywhere: there is no out-of-line copy to probe",
			};
			continue;
		}
		needs_prologue |=
			sym_param_loc(&ctx, p[i].has_loc ? &p[i].loc : NULL, &out->params[i].loc);
	}
	return needs_prologue;
}

static int fill_params(struct sym_dwarf *d, struct pdie *p, size_t n, struct sym_fn_info *out)
{
	const char *name;
	Dwarf_Die t;
	size_t i;
	int err;

	out->params = calloc(n ? n : 1, sizeof(*out->params));
	if (!out->params)
		return -ENOMEM;
	for (i = 0; i < n; i++, out->nparams++) {
		name = dwarf_diename(&p[i].decl);
		if (name)
			out->params[i].name = strdup(name);
		else if (asprintf(&out->params[i].name, "arg%zu", i) < 0)
			out->params[i].name = NULL;
		if (!out->params[i].name)
			return -ENOMEM;
		err = sym_type_describe(d, sym_die_type(&p[i].decl, &t) ? &t : NULL,
					&out->params[i].type);
		if (err)
			return err;
	}
	return 0;
}

static char *make_signature(const struct sym_fn_info *f, bool prototyped)
{
	struct sym_sb sb = {0};
	size_t i;

	sym_type_declare(&sb, f->ret.name, f->name);
	sym_sb_puts(&sb, "(");
	for (i = 0; i < f->nparams; i++) {
		sym_sb_puts(&sb, i ? ", " : "");
		sym_type_declare(&sb, f->params[i].type.name, f->params[i].name);
	}
	if (f->variadic)
		sym_sb_puts(&sb, f->nparams ? ", ..." : "...");
	else if (!f->nparams && prototyped)
		sym_sb_puts(&sb, "void");
	sym_sb_puts(&sb, ")");
	return sym_sb_take(&sb);
}

static int fill_decl(struct sym_dwarf *d, struct fn *fn, const char *name, struct sym_fn_info *out)
{
	const char *s = dwarf_diename(&fn->die);
	Dwarf_Die t;

	/* a C++ method's DW_AT_name is "send": the symbol's demangled name says which */
	if (name && strstr(name, "::"))
		s = name;
	out->name = strdup(s ? s : name ? name : "?");
	if (!out->name)
		return -ENOMEM;
	s = dwarf_decl_file(&fn->die);
	if (s && !(out->decl_file = strdup(s)))
		return -ENOMEM;
	if (dwarf_decl_line(&fn->die, &out->decl_line))
		out->decl_line = 0;
	return sym_type_describe(d, sym_die_type(&fn->die, &t) ? &t : NULL, &out->ret);
}

/*
 * Describe fn.  With at_pc, evaluate the locations at pc as they are; else at the entry,
 * or past the prologue when the parameters are not in place before it.
 */
static int fill_info(struct sym_dwarf *d, struct fn *fn, const char *name, bool at_pc, uint64_t pc,
		     struct sym_fn_info *out)
{
	Dwarf_Addr moved;
	struct pdie *p = NULL;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	out->addr = fn->addr;
	out->probe_addr = at_pc ? pc : fn->addr;
	out->inlined_everywhere = fn->inlined_everywhere;
	out->partly_inlined = fn->has_origin && dwarf_func_inline(&fn->origin);
	out->variadic = has_unspecified(fn->has_origin ? &fn->origin : &fn->die);

	err = fill_decl(d, fn, name, out);
	if (!err)
		err = collect_params(fn, &p, &n);
	if (!err)
		err = fill_params(d, p, n, out);
	if (err)
		goto out;

	if (eval_locs(d, fn, p, out->probe_addr, out) && !at_pc &&
	    prologue_end(&fn->die, sym_dw_addr(d, fn->addr), &moved)) {
		out->probe_addr = sym_obj_addr(d, moved);
		out->moved_why = moved_prologue;
		eval_locs(d, fn, p, out->probe_addr, out);
	}
	out->signature = make_signature(out, dwarf_hasattr_integrate(&fn->die, DW_AT_prototyped));
	if (!out->signature)
		err = -ENOMEM;
out:
	free(p);
	if (err) {
		sym_pr("%s: out of memory\n", d->obj_path);
		sym_fn_info__free(out);
	}
	return err;
}

/* ---- the API ------------------------------------------------------------------------ */

static int lookup(struct sym_dwarf *d, const char *name, uint64_t addr, struct fn *fn)
{
	Dwarf_Die die;

	if (!addr)
		return name ? find_by_name(d, name, fn) : -ENOENT;
	if (!find_by_addr(d, sym_dw_addr(d, addr), &die))
		return -ENOENT;
	fn_init(fn, &die, addr);
	return 0;
}

int sym_dwarf__func(struct sym_dwarf *d, const char *name, uint64_t addr, struct sym_fn_info *out)
{
	struct fn fn;
	int err;

	memset(out, 0, sizeof(*out));
	err = lookup(d, name, addr, &fn);
	return err ? err : fill_info(d, &fn, name, false, 0, out);
}

int sym_dwarf__func_at(struct sym_dwarf *d, const char *name, uint64_t addr, uint64_t pc,
		       struct sym_fn_info *out)
{
	struct fn fn;
	int err;

	memset(out, 0, sizeof(*out));
	if (!addr)
		return -EINVAL;
	err = lookup(d, name, addr, &fn);
	return err ? err : fill_info(d, &fn, name, true, pc, out);
}

void sym_fn_info__free(struct sym_fn_info *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; f->params && i < f->nparams; i++) {
		free(f->params[i].name);
		sym_type__free(&f->params[i].type);
	}
	free(f->params);
	sym_type__free(&f->ret);
	free(f->name);
	free(f->decl_file);
	free(f->signature);
	memset(f, 0, sizeof(*f));
}

/* ---- listing ------------------------------------------------------------------------ */

struct listed {
	const char *name; /* in the DWARF string section: lives as long as d */
	Dwarf_Off off;
	uint64_t addr;
};

struct listing {
	struct sym_dwarf *d;
	const char *glob;
	struct listed *v;
	size_t n, cap;
};

static int list_cb(Dwarf_Die *die, void *ctx)
{
	struct listing *l = ctx;
	const char *name;
	Dwarf_Addr entry;
	struct listed *v;

	if (!(name = dwarf_diename(die)) || fnmatch(l->glob, name, 0) || !die_entry(die, &entry))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		v = realloc(l->v, l->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = (struct listed){
		.name = name,
		.off = dwarf_dieoffset(die),
		.addr = sym_obj_addr(l->d, entry),
	};
	return 0;
}

static int listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int sym_dwarf__for_each_func(struct sym_dwarf *d, const char *glob, sym_dwarf_fn_cb cb, void *ctx)
{
	struct listing l = {.d = d, .glob = glob};
	struct sym_fn_info info;
	struct fn fn;
	Dwarf_Die die;
	size_t i;
	int ret;

	ret = walk_subprograms(d, list_cb, &l);
	if (ret) {
		sym_pr("%s: out of memory\n", d->obj_path);
		free(l.v);
		return ret;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), listed_cmp);
	for (i = 0; i < l.n && !ret; i++) {
		if (i && l.v[i].addr == l.v[i - 1].addr)
			continue; /* one function described twice */
		if (!dwarf_offdie(d->dw, l.v[i].off, &die))
			continue;
		fn_init(&fn, &die, l.v[i].addr);
		ret = fill_info(d, &fn, l.v[i].name, false, 0, &info);
		if (ret)
			break;
		ret = cb(&info, ctx);
		sym_fn_info__free(&info);
	}
	free(l.v);
	return ret;
}
