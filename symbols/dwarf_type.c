// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dwarf_type.c - DWARF types as the loader needs them: a kind to pick the decoding, a size,
 * a signedness, enumerator names, and the C spelling for people.
 *
 * Classification looks through typedefs and qualifiers (const, volatile, restrict, _Atomic):
 * a `const size_t` is an unsigned 8-byte integer, a `dw_ins_t *` a pointer to a struct.  The
 * name keeps what the source said ("const size_t", "dw_ins_t *").  A C declarator is built
 * inside out, the way C reads it: a pointer appends " *" to its pointee, a qualifier of a
 * pointer goes after the star ("char *const"), a pointer to a function becomes
 * "int (*)(void *, size_t)".
 *
 * Member lookup (ins->p_ins.flags) walks DW_TAG_member children, descending into anonymous
 * struct and union members, and adds up DW_AT_data_member_location.  A struct that is only
 * declared in this compilation unit (`struct x;` then `struct x *p`) is completed from the
 * first definition of that name: first in the same unit, then in the others.
 *
 * Type DIEs are named by their offset (see SYM_DIE_ALT) so a struct sym_type is plain data
 * that outlives nothing it points to.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define MAX_TYPE_DEPTH	32 /* typedef/pointer chains longer than this are a loop */
#define MAX_MEMBERS_MSG 24 /* members listed in a "no such member" message */

/* ---- growing strings ---------------------------------------------------------------- */

static bool sb_grow(struct sym_sb *sb, size_t add)
{
	size_t cap;
	char *s;

	if (sb->oom)
		return false;
	if (sb->len + add + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + add + 1)
		cap *= 2;
	s = realloc(sb->s, cap);
	if (!s) {
		sb->oom = true;
		return false;
	}
	sb->s = s;
	sb->cap = cap;
	return true;
}

void sym_sb_puts(struct sym_sb *sb, const char *s)
{
	size_t n = strlen(s);

	if (!sb_grow(sb, n))
		return;
	memcpy(sb->s + sb->len, s, n + 1);
	sb->len += n;
}

void sym_sb_printf(struct sym_sb *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_grow(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

char *sym_sb_take(struct sym_sb *sb)
{
	char *s = sb->oom ? NULL : sb->s;

	if (!s && !sb->oom)
		s = strdup("");
	if (sb->oom)
		free(sb->s);
	*sb = (struct sym_sb){0};
	return s;
}

/* ---- DIE helpers -------------------------------------------------------------------- */

bool sym_die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute attr;

	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, type);
}

static uint64_t die_ref(struct sym_dwarf *d, Dwarf_Die *die)
{
	uint64_t off = dwarf_dieoffset(die);

	if (die->cu && dwarf_cu_getdwarf(die->cu) != d->dw)
		off |= SYM_DIE_ALT;
	return off;
}

static bool die_at(struct sym_dwarf *d, uint64_t ref, Dwarf_Die *die)
{
	Dwarf *dw = ref & SYM_DIE_ALT ? dwarf_getalt(d->dw) : d->dw;

	return ref && dw && dwarf_offdie(dw, ref & ~SYM_DIE_ALT, die);
}

static bool is_qualifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

/* Look through typedefs and qualifiers; false for void (a qualified void, too). */
static bool strip_type(Dwarf_Die *type, Dwarf_Die *out)
{
	Dwarf_Die cur = *type;
	int i;

	for (i = 0; i < MAX_TYPE_DEPTH && is_qualifier(dwarf_tag(&cur)); i++)
		if (!sym_die_type(&cur, &cur))
			return false;
	if (i == MAX_TYPE_DEPTH)
		return false;
	*out = cur;
	return true;
}

static uint32_t die_byte_size(Dwarf_Die *die)
{
	Dwarf_Word w;

	return dwarf_aggregate_size(die, &w) ? 0 : (uint32_t)w;
}

/* ---- C spelling --------------------------------------------------------------------- */

static void type_name(struct sym_sb *sb, Dwarf_Die *type, int depth);

static void params_list(struct sym_sb *sb, Dwarf_Die *fn, int depth)
{
	bool first = true, prototyped;
	Dwarf_Die child, t;
	int tag;

	sym_sb_puts(sb, "(");
	if (dwarf_child(fn, &child) == 0) {
		do {
			tag = dwarf_tag(&child);
			if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
				continue;
			sym_sb_puts(sb, first ? "" : ", ");
			first = false;
			if (tag == DW_TAG_unspecified_parameters) {
				sym_sb_puts(sb, "...");
				continue;
			}
			if (sym_die_type(&child, &t))
				type_name(sb, &t, depth + 1);
			else
				sym_sb_puts(sb, "void");
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	prototyped = dwarf_hasattr(fn, DW_AT_prototyped);
	if (first && prototyped)
		sym_sb_puts(sb, "void");
	sym_sb_puts(sb, ")");
}

static void array_dims(struct sym_sb *sb, Dwarf_Die *arr)
{
	Dwarf_Attribute attr;
	Dwarf_Word n;
	Dwarf_Die sub;

	if (dwarf_child(arr, &sub))
		return;
	do {
		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (dwarf_attr(&sub, DW_AT_count, &attr) && !dwarf_formudata(&attr, &n))
			sym_sb_printf(sb, "[%llu]", (unsigned long long)n);
		else if (dwarf_attr(&sub, DW_AT_upper_bound, &attr) && !dwarf_formudata(&attr, &n))
			sym_sb_printf(sb, "[%llu]", (unsigned long long)n + 1);
		else
			sym_sb_puts(sb, "[]");
	} while (dwarf_siblingof(&sub, &sub) == 0);
}

/* "struct x", "union {...}", a base or typedef name. */
static void named_type(struct sym_sb *sb, Dwarf_Die *type, const char *prefix)
{
	const char *name = dwarf_diename(type);

	sym_sb_puts(sb, prefix);
	sym_sb_puts(sb, name ? name : "{...}");
}

/* A qualifier: before the type ("const char"), after the star of a pointer ("char *const"). */
static void qualified(struct sym_sb *sb, Dwarf_Die *type, const char *q, int depth)
{
	Dwarf_Die inner;
	bool ptr;

	if (!sym_die_type(type, &inner)) {
		sym_sb_printf(sb, "%s void", q);
		return;
	}
	ptr = dwarf_tag(&inner) == DW_TAG_pointer_type;
	if (!ptr)
		sym_sb_printf(sb, "%s ", q);
	type_name(sb, &inner, depth + 1);
	if (ptr)
		sym_sb_puts(sb, q);
}

static void pointer_name(struct sym_sb *sb, Dwarf_Die *type, const char *star, int depth)
{
	Dwarf_Die inner, ret;

	if (!sym_die_type(type, &inner)) {
		sym_sb_printf(sb, "void %s", star);
		return;
	}
	if (dwarf_tag(&inner) == DW_TAG_subroutine_type) {
		if (sym_die_type(&inner, &ret))
			type_name(sb, &ret, depth + 1);
		else
			sym_sb_puts(sb, "void");
		sym_sb_printf(sb, " (%s)", star);
		params_list(sb, &inner, depth);
		return;
	}
	type_name(sb, &inner, depth + 1);
	if (!sb->len || sb->s[sb->len - 1] != '*')
		sym_sb_puts(sb, " ");
	sym_sb_puts(sb, star);
}

static void type_name(struct sym_sb *sb, Dwarf_Die *type, int depth)
{
	Dwarf_Die inner;

	if (depth > MAX_TYPE_DEPTH) {
		sym_sb_puts(sb, "?");
		return;
	}
	switch (dwarf_tag(type)) {
	case DW_TAG_structure_type:
		named_type(sb, type, "struct ");
		break;
	case DW_TAG_union_type:
		named_type(sb, type, "union ");
		break;
	case DW_TAG_enumeration_type:
		named_type(sb, type, "enum ");
		break;
	case DW_TAG_class_type:
		named_type(sb, type, "class ");
		break;
	case DW_TAG_pointer_type:
		pointer_name(sb, type, "*", depth);
		break;
	case DW_TAG_reference_type:
		pointer_name(sb, type, "&", depth);
		break;
	case DW_TAG_rvalue_reference_type:
		pointer_name(sb, type, "&&", depth);
		break;
	case DW_TAG_const_type:
		qualified(sb, type, "const", depth);
		break;
	case DW_TAG_volatile_type:
		qualified(sb, type, "volatile", depth);
		break;
	case DW_TAG_restrict_type:
		qualified(sb, type, "restrict", depth);
		break;
	case DW_TAG_atomic_type:
		qualified(sb, type, "_Atomic", depth);
		break;
	case DW_TAG_array_type:
		if (sym_die_type(type, &inner))
			type_name(sb, &inner, depth + 1);
		else
			sym_sb_puts(sb, "void");
		sym_sb_puts(sb, " ");
		array_dims(sb, type);
		break;
	case DW_TAG_subroutine_type:
		if (sym_die_type(type, &inner))
			type_name(sb, &inner, depth + 1);
		else
			sym_sb_puts(sb, "void");
		sym_sb_puts(sb, " ");
		params_list(sb, type, depth);
		break;
	default: /* base types, typedefs, unspecified_type */
		named_type(sb, type, "");
		break;
	}
}

void sym_type_declare(struct sym_sb *sb, const char *type, const char *name)
{
	const char *fp = strstr(type, "(*"), *arr = strstr(type, " [");

	if (fp && (!arr || fp < arr)) { /* int (*name)(int) */
		sym_sb_printf(sb, "%.*s%s%s", (int)(fp - type + 2), type, name, fp + 2);
	} else if (arr) { /* char name[16] */
		sym_sb_printf(sb, "%.*s %s%s", (int)(arr - type), type, name, arr + 1);
	} else {
		sym_sb_printf(sb, "%s%s%s", type,
			      type[0] && type[strlen(type) - 1] == '*' ? "" : " ", name);
	}
}

/* ---- classification ----------------------------------------------------------------- */

static bool is_char(Dwarf_Die *base)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;

	if (dwarf_tag(base) != DW_TAG_base_type || die_byte_size(base) != 1 ||
	    !dwarf_attr(base, DW_AT_encoding, &attr) || dwarf_formudata(&attr, &enc))
		return false;
	return enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char || enc == DW_ATE_UTF;
}

/* char x[N] (or signed/unsigned char): one dimension, elements of char. */
static bool is_char_array(Dwarf_Die *array)
{
	Dwarf_Die elem, bare, c;
	int dims = 0;

	if (dwarf_child(array, &c) == 0) {
		do {
			dims += dwarf_tag(&c) == DW_TAG_subrange_type;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	return dims == 1 && sym_die_type(array, &elem) && strip_type(&elem, &bare) &&
	       is_char(&bare);
}

static void classify_base(Dwarf_Die *t, struct sym_type *out)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc = 0;

	if (dwarf_attr(t, DW_AT_encoding, &attr))
		dwarf_formudata(&attr, &enc);
	switch (enc) {
	case DW_ATE_boolean:
		out->kind = SYM_T_BOOL;
		break;
	case DW_ATE_float:
	case DW_ATE_complex_float:
	case DW_ATE_decimal_float:
		out->kind = SYM_T_FLOAT;
		break;
	case DW_ATE_signed:
	case DW_ATE_signed_char:
		out->kind = SYM_T_INT;
		out->is_signed = true;
		break;
	case DW_ATE_unsigned:
	case DW_ATE_unsigned_char:
	case DW_ATE_UTF:
		out->kind = SYM_T_INT;
		break;
	default:
		out->kind = SYM_T_OTHER;
		break;
	}
}

static void classify_pointer(struct sym_dwarf *d, Dwarf_Die *t, struct sym_type *out)
{
	Dwarf_Die pointee, bare;

	out->kind = SYM_T_VOID_PTR;
	if (!out->size)
		out->size = sizeof(void *);
	if (!sym_die_type(t, &pointee) || !strip_type(&pointee, &bare))
		return;
	out->pointee = die_ref(d, &bare);
	out->kind = is_char(&bare) ? SYM_T_CHAR_PTR : SYM_T_PTR;
}

static int enumerators(Dwarf_Die *t, struct sym_type *out)
{
	Dwarf_Attribute attr;
	struct sym_enumerator *e;
	const char *name;
	Dwarf_Sword sv;
	Dwarf_Word uv;
	Dwarf_Die c;
	size_t n = 0;

	if (dwarf_child(t, &c))
		return 0;
	do {
		n += dwarf_tag(&c) == DW_TAG_enumerator;
	} while (dwarf_siblingof(&c, &c) == 0);
	out->enums = calloc(n ? n : 1, sizeof(*out->enums));
	if (!out->enums)
		return -ENOMEM;
	dwarf_child(t, &c);
	do {
		if (dwarf_tag(&c) != DW_TAG_enumerator || out->nenums == n)
			continue;
		e = &out->enums[out->nenums];
		name = dwarf_diename(&c);
		if (!dwarf_attr(&c, DW_AT_const_value, &attr))
			continue;
		if (out->is_signed && !dwarf_formsdata(&attr, &sv))
			e->value = sv;
		else if (!dwarf_formudata(&attr, &uv))
			e->value = (int64_t)uv;
		e->name = strdup(name ? name : "?");
		if (!e->name)
			return -ENOMEM;
		out->nenums++;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

static void enum_sign(Dwarf_Die *t, struct sym_type *out)
{
	struct sym_type under = {0};
	Dwarf_Die u, bare;
	Dwarf_Attribute attr;
	Dwarf_Sword sv;
	Dwarf_Die c;

	/* DWARF 3+ names the underlying integer type; without it, any negative value says. */
	if (sym_die_type(t, &u) && strip_type(&u, &bare) && dwarf_tag(&bare) == DW_TAG_base_type) {
		classify_base(&bare, &under);
		out->is_signed = under.is_signed;
		return;
	}
	if (dwarf_child(t, &c))
		return;
	do {
		if (dwarf_tag(&c) == DW_TAG_enumerator &&
		    dwarf_attr(&c, DW_AT_const_value, &attr) && attr.form == DW_FORM_sdata &&
		    !dwarf_formsdata(&attr, &sv) && sv < 0)
			out->is_signed = true;
	} while (dwarf_siblingof(&c, &c) == 0);
}

static int classify(struct sym_dwarf *d, Dwarf_Die *type, struct sym_type *out)
{
	Dwarf_Die t;

	if (!strip_type(type, &t)) {
		out->kind = SYM_T_VOID;
		return 0;
	}
	out->die = die_ref(d, &t);
	out->size = die_byte_size(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type:
		classify_base(&t, out);
		return 0;
	case DW_TAG_enumeration_type:
		out->kind = SYM_T_ENUM;
		enum_sign(&t, out);
		return enumerators(&t, out);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		classify_pointer(d, &t, out);
		if (dwarf_tag(&t) != DW_TAG_pointer_type)
			out->kind = SYM_T_PTR;
		return 0;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		out->kind = SYM_T_STRUCT;
		return 0;
	case DW_TAG_array_type:
		out->kind = is_char_array(&t) ? SYM_T_CHAR_ARRAY : SYM_T_ARRAY;
		return 0;
	default:
		out->kind = SYM_T_OTHER;
		return 0;
	}
}

int sym_type_describe(struct sym_dwarf *d, Dwarf_Die *type, struct sym_type *out)
{
	struct sym_sb sb = {0};
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (type) {
		type_name(&sb, type, 0);
		err = classify(d, type, out);
	} else {
		sym_sb_puts(&sb, "void");
	}
	out->name = sym_sb_take(&sb);
	if (!out->name)
		err = -ENOMEM;
	if (err)
		sym_type__free(out);
	return err;
}

void sym_type__free(struct sym_type *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nenums; i++)
		free(t->enums[i].name);
	free(t->enums);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

/* ---- members ------------------------------------------------------------------------ */

static bool is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type;
}

/* The first definition named like the declaration `decl` in the top level of `cu`. */
static bool definition_in(Dwarf_Die *cu, Dwarf_Die *decl, Dwarf_Die *out)
{
	const char *name = dwarf_diename(decl);
	int tag = dwarf_tag(decl);
	const char *n;
	Dwarf_Die c;

	if (!name || dwarf_child(cu, &c))
		return false;
	do {
		if (dwarf_tag(&c) != tag || dwarf_hasattr(&c, DW_AT_declaration))
			continue;
		n = dwarf_diename(&c);
		if (n && !strcmp(n, name)) {
			*out = c;
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* Complete a struct that is only declared here. */
static bool complete_type(struct sym_dwarf *d, Dwarf_Die *decl, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	Dwarf_Die cu;
	size_t hsize;

	if (!dwarf_hasattr(decl, DW_AT_declaration)) {
		*out = *decl;
		return true;
	}
	if (dwarf_diecu(decl, &cu, NULL, NULL) && definition_in(&cu, decl, out))
		return true;
	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, &cu) && definition_in(&cu, decl, out))
			return true;
		off = next;
	}
	return false;
}

static int member_offset(Dwarf_Die *m, int64_t *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t n;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &attr))
		return 0; /* a union member, or the first one */
	if (!dwarf_formudata(&attr, &w)) {
		*off = (int64_t)w;
		return 0;
	}
	/* DWARF 2 style: DW_OP_plus_uconst N. */
	if (!dwarf_getlocation(&attr, &ops, &n) && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[0].number;
		return 0;
	}
	return -EOPNOTSUPP;
}

/*
 * Find `name` among the members of `agg`, descending into anonymous members.  Returns
 * 1 found (*m, *off), 0 not here, -EOPNOTSUPP found but not addressable in bytes.
 */
static int find_member(Dwarf_Die *agg, const char *name, int depth, Dwarf_Die *m, int64_t *off)
{
	Dwarf_Die c, t, bare;
	const char *n;
	int64_t here;
	int ret;

	if (depth > MAX_TYPE_DEPTH || dwarf_child(agg, &c))
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		n = dwarf_diename(&c);
		if (n && strcmp(n, name))
			continue;
		if (member_offset(&c, &here))
			return n ? -EOPNOTSUPP : 0;
		if (n) {
			if (dwarf_hasattr(&c, DW_AT_bit_size) ||
			    dwarf_hasattr(&c, DW_AT_bit_offset))
				return -EOPNOTSUPP;
			*m = c;
			*off = here;
			return 1;
		}
		/* Anonymous struct or union: its members are ours. */
		if (!sym_die_type(&c, &t) || !strip_type(&t, &bare) ||
		    !is_aggregate(dwarf_tag(&bare)))
			continue;
		ret = find_member(&bare, name, depth + 1, m, off);
		if (ret) {
			*off += here;
			return ret;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

static void list_members(struct sym_sb *sb, Dwarf_Die *agg, int depth, size_t *n)
{
	Dwarf_Die c, t, bare;
	const char *name;

	if (depth > MAX_TYPE_DEPTH || dwarf_child(agg, &c))
		return;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		name = dwarf_diename(&c);
		if (!name) {
			if (sym_die_type(&c, &t) && strip_type(&t, &bare))
				list_members(sb, &bare, depth + 1, n);
			continue;
		}
		if (*n < MAX_MEMBERS_MSG)
			sym_sb_printf(sb, "%s%s", *n ? ", " : "", name);
		else if (*n == MAX_MEMBERS_MSG)
			sym_sb_puts(sb, ", ...");
		(*n)++;
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* The struct/union `base` gives access to (through -> or .), or -EINVAL with a message. */
static int member_base(struct sym_dwarf *d, const struct sym_type *base, bool arrow, Dwarf_Die *agg)
{
	const char *op = arrow ? "->" : ".";
	Dwarf_Die t;

	if (arrow ? base->kind != SYM_T_PTR : base->kind != SYM_T_STRUCT) {
		sym_pr("%s: '%s' is not a %s, cannot use '%s' on it\n", d->obj_path, base->name,
		       arrow ? "pointer to a struct or union" : "struct or union", op);
		return -EINVAL;
	}
	if (!die_at(d, arrow ? base->pointee : base->die, &t) || !is_aggregate(dwarf_tag(&t))) {
		sym_pr("%s: '%s' is not a %s, cannot use '%s' on it\n", d->obj_path, base->name,
		       arrow ? "pointer to a struct or union" : "struct or union", op);
		return -EINVAL;
	}
	if (!complete_type(d, &t, agg)) {
		sym_pr("%s: '%s': the %s is only declared, its members are unknown\n", d->obj_path,
		       base->name, arrow ? "pointed-to type" : "type");
		return -ENOENT;
	}
	return 0;
}

int sym_dwarf__member(struct sym_dwarf *d, const struct sym_type *base, const char *member,
		      bool arrow, int64_t *off, struct sym_type *out)
{
	struct sym_sb sb = {0};
	Dwarf_Die agg, m, t;
	size_t n = 0;
	char *list;
	int err;

	memset(out, 0, sizeof(*out));
	*off = 0;
	err = member_base(d, base, arrow, &agg);
	if (err)
		return err;
	err = find_member(&agg, member, 0, &m, off);
	if (err == 1) {
		err = sym_type_describe(d, sym_die_type(&m, &t) ? &t : NULL, out);
		if (err)
			sym_pr("%s: out of memory\n", d->obj_path);
		return err;
	}
	if (err == -EOPNOTSUPP) {
		sym_pr("%s: '%s' member '%s' is a bit-field, which cannot be read by address\n",
		       d->obj_path, base->name, member);
		return err;
	}
	list_members(&sb, &agg, 0, &n);
	list = sym_sb_take(&sb);
	sym_pr("%s: '%s' has no member '%s' (members: %s)\n", d->obj_path, base->name, member,
	       list && *list ? list : "none");
	free(list);
	return -ENOENT;
}
