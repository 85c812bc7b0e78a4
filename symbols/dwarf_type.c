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
 * struct and union members, and adds up DW_AT_data_member_location.  A bit-field is placed
 * by its bits: the lowest byte they touch, the bit there, how many bytes (sym_member_place).
 * A struct that is only declared in this compilation unit (`struct x;` then `struct x *p`)
 * is completed from the first definition of that name: first in the same unit, then in the
 * others.  Elements (x[N], *x) are the array's element type or the pointer's pointee; x[N]
 * of a multi-dimensional array is named by the array's DIE and a dimension count.
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

uint64_t sym_die_ref(struct sym_dwarf *d, Dwarf_Die *die)
{
	uint64_t off = dwarf_dieoffset(die);

	if (die->cu && dwarf_cu_getdwarf(die->cu) != d->dw)
		off |= SYM_DIE_ALT;
	return off;
}

bool sym_die_at(struct sym_dwarf *d, uint64_t ref, Dwarf_Die *die)
{
	Dwarf *dw = ref & SYM_DIE_ALT ? dwarf_getalt(d->dw) : d->dw;

	return ref && dw && dwarf_offdie(dw, ref & ~(SYM_DIE_ALT | SYM_DIE_DIMS), die);
}

static bool is_qualifier(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

bool sym_strip_type(Dwarf_Die *type, Dwarf_Die *out)
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

uint32_t sym_die_byte_size(Dwarf_Die *die)
{
	Dwarf_Word w;

	return dwarf_aggregate_size(die, &w) ? 0 : (uint32_t)w;
}

/* ---- array dimensions --------------------------------------------------------------- */

bool sym_subrange_count(Dwarf_Die *sub, uint64_t *n)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;

	if (dwarf_attr(sub, DW_AT_count, &attr) && !dwarf_formudata(&attr, &w)) {
		*n = w;
		return true;
	}
	if (dwarf_attr(sub, DW_AT_upper_bound, &attr) && !dwarf_formudata(&attr, &w)) {
		*n = w + 1;
		return true;
	}
	*n = 0;
	return false;
}

bool sym_next_subrange(Dwarf_Die *sub)
{
	Dwarf_Die c = *sub;

	while (dwarf_siblingof(&c, &c) == 0) {
		if (dwarf_tag(&c) == DW_TAG_subrange_type) {
			*sub = c;
			return true;
		}
	}
	return false;
}

bool sym_subrange(Dwarf_Die *arr, unsigned int skip, Dwarf_Die *sub)
{
	if (dwarf_child(arr, sub))
		return false;
	if (dwarf_tag(sub) != DW_TAG_subrange_type && !sym_next_subrange(sub))
		return false;
	while (skip--)
		if (!sym_next_subrange(sub))
			return false;
	return true;
}

uint32_t sym_dims_size(Dwarf_Die *sub, uint32_t elem_size)
{
	uint64_t size = elem_size, n;
	Dwarf_Die c = *sub;

	do {
		if (!sym_subrange_count(&c, &n) || (n && size > UINT32_MAX / n))
			return 0;
		size *= n;
	} while (sym_next_subrange(&c));
	return (uint32_t)size;
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

/* The dimensions of `arr` after the first `skip`: "[2][3]", "[]" for an unknown bound. */
static void array_dims(struct sym_sb *sb, Dwarf_Die *arr, unsigned int skip)
{
	Dwarf_Die sub;
	uint64_t n;

	if (!sym_subrange(arr, skip, &sub))
		return;
	do {
		if (sym_subrange_count(&sub, &n))
			sym_sb_printf(sb, "[%llu]", (unsigned long long)n);
		else
			sym_sb_puts(sb, "[]");
	} while (sym_next_subrange(&sub));
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
		array_dims(sb, type, 0);
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

bool sym_is_char(Dwarf_Die *base)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;

	if (dwarf_tag(base) != DW_TAG_base_type || sym_die_byte_size(base) != 1 ||
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
	return dims == 1 && sym_die_type(array, &elem) && sym_strip_type(&elem, &bare) &&
	       sym_is_char(&bare);
}

void sym_classify_base(Dwarf_Die *t, struct sym_type *out)
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
	if (!sym_die_type(t, &pointee) || !sym_strip_type(&pointee, &bare))
		return;
	out->pointee = sym_die_ref(d, &bare);
	out->kind = sym_is_char(&bare) ? SYM_T_CHAR_PTR : SYM_T_PTR;
	out->func_ptr = dwarf_tag(&bare) == DW_TAG_subroutine_type;
}

int sym_enumerators(Dwarf_Die *t, bool is_signed, struct sym_enumerator **enums, size_t *nenums)
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
	*enums = calloc(n ? n : 1, sizeof(**enums));
	if (!*enums)
		return -ENOMEM;
	dwarf_child(t, &c);
	do {
		if (dwarf_tag(&c) != DW_TAG_enumerator || *nenums == n)
			continue;
		e = &(*enums)[*nenums];
		name = dwarf_diename(&c);
		if (!dwarf_attr(&c, DW_AT_const_value, &attr))
			continue;
		if (is_signed && !dwarf_formsdata(&attr, &sv))
			e->value = sv;
		else if (!dwarf_formudata(&attr, &uv))
			e->value = (int64_t)uv;
		e->name = strdup(name ? name : "?");
		if (!e->name)
			return -ENOMEM;
		(*nenums)++;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

bool sym_enum_signed(Dwarf_Die *t)
{
	struct sym_type under = {0};
	Dwarf_Die u, bare;
	Dwarf_Attribute attr;
	Dwarf_Sword sv;
	Dwarf_Die c;

	/* DWARF 3+ names the underlying integer type; without it, any negative value says. */
	if (sym_die_type(t, &u) && sym_strip_type(&u, &bare) &&
	    dwarf_tag(&bare) == DW_TAG_base_type) {
		sym_classify_base(&bare, &under);
		return under.is_signed;
	}
	if (dwarf_child(t, &c))
		return false;
	do {
		if (dwarf_tag(&c) == DW_TAG_enumerator &&
		    dwarf_attr(&c, DW_AT_const_value, &attr) && attr.form == DW_FORM_sdata &&
		    !dwarf_formsdata(&attr, &sv) && sv < 0)
			return true;
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

static int classify(struct sym_dwarf *d, Dwarf_Die *type, struct sym_type *out)
{
	Dwarf_Die t;

	if (!sym_strip_type(type, &t)) {
		out->kind = SYM_T_VOID;
		return 0;
	}
	out->die = sym_die_ref(d, &t);
	out->size = sym_die_byte_size(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type:
		sym_classify_base(&t, out);
		return 0;
	case DW_TAG_enumeration_type:
		out->kind = SYM_T_ENUM;
		out->is_signed = sym_enum_signed(&t);
		return sym_enumerators(&t, out->is_signed, &out->enums, &out->nenums);
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

bool sym_is_aggregate(int tag)
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

bool sym_complete_type(struct sym_dwarf *d, Dwarf_Die *decl, Dwarf_Die *out)
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

static int member_location(Dwarf_Die *m, int64_t *off)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t n;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &attr))
		return 0; /* a union member, the first one, or a DWARF 4+ bit-field */
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
 * The lowest bit of bit-field `m`, from the start of its struct.  DWARF 4+ says it as
 * DW_AT_data_bit_offset.  DWARF 2/3 (and clang) give a storage unit of DW_AT_byte_size bytes
 * at the member location, and DW_AT_bit_offset of the field's most significant bit from the
 * unit's most significant bit: on a little-endian machine the lowest bit is then
 * unit * 8 - bit_offset - bit_size bits into the unit.
 */
static int64_t lowest_bit(Dwarf_Die *m, int64_t loc, Dwarf_Word bits)
{
	Dwarf_Attribute attr;
	Dwarf_Word w, unit;
	Dwarf_Sword msb;
	Dwarf_Die t;

	if (dwarf_attr(m, DW_AT_data_bit_offset, &attr) && !dwarf_formudata(&attr, &w))
		return loc * 8 + (int64_t)w;
	if (!dwarf_attr(m, DW_AT_bit_offset, &attr) || dwarf_formsdata(&attr, &msb))
		return loc * 8;
	if (dwarf_attr(m, DW_AT_byte_size, &attr) && !dwarf_formudata(&attr, &unit))
		return (loc + (int64_t)unit) * 8 - msb - (int64_t)bits;
	unit = sym_die_type(m, &t) && sym_strip_type(&t, &t) ? sym_die_byte_size(&t) : 0;
	return unit ? (loc + (int64_t)unit) * 8 - msb - (int64_t)bits : -1;
}

int sym_member_place(Dwarf_Die *m, struct sym_place *p)
{
	Dwarf_Attribute attr;
	Dwarf_Word bits;
	int64_t loc, low;

	memset(p, 0, sizeof(*p));
	if (member_location(m, &loc))
		return -EOPNOTSUPP;
	p->off = loc;
	if (!dwarf_attr(m, DW_AT_bit_size, &attr))
		return 0;
	if (dwarf_formudata(&attr, &bits) || !bits || bits > 64)
		return -EOPNOTSUPP;
	low = lowest_bit(m, loc, bits);
	if (low < 0 || (low % 8 + bits + 7) / 8 > 8)
		return -EOPNOTSUPP;
	p->off = low / 8;
	p->bit_off = low % 8;
	p->bit_size = bits;
	p->size = (p->bit_off + bits + 7) / 8;
	return 0;
}

/*
 * Find `name` among the members of `agg`, descending into anonymous members.  Returns
 * 1 found (*m, *p), 0 not here, -EOPNOTSUPP found but not at a place sym_member_place()
 * can say.
 */
static int find_member(Dwarf_Die *agg, const char *name, int depth, Dwarf_Die *m,
		       struct sym_place *p)
{
	struct sym_place here;
	Dwarf_Die c, t, bare;
	const char *n;
	int ret;

	if (depth > MAX_TYPE_DEPTH || dwarf_child(agg, &c))
		return 0;
	do {
		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		n = dwarf_diename(&c);
		if (n && strcmp(n, name))
			continue;
		if (sym_member_place(&c, &here)) {
			if (n)
				return -EOPNOTSUPP;
			continue;
		}
		if (n) {
			*m = c;
			*p = here;
			return 1;
		}
		/* Anonymous struct or union: its members are ours. */
		if (!sym_die_type(&c, &t) || !sym_strip_type(&t, &bare) ||
		    !sym_is_aggregate(dwarf_tag(&bare)))
			continue;
		ret = find_member(&bare, name, depth + 1, m, p);
		if (ret) {
			p->off += here.off;
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
			if (sym_die_type(&c, &t) && sym_strip_type(&t, &bare))
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
	if (!sym_die_at(d, arrow ? base->pointee : base->die, &t) ||
	    !sym_is_aggregate(dwarf_tag(&t))) {
		sym_pr("%s: '%s' is not a %s, cannot use '%s' on it\n", d->obj_path, base->name,
		       arrow ? "pointer to a struct or union" : "struct or union", op);
		return -EINVAL;
	}
	if (!sym_complete_type(d, &t, agg)) {
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
	struct sym_place p;
	Dwarf_Die agg, m, t;
	size_t n = 0;
	char *list;
	int err;

	memset(out, 0, sizeof(*out));
	*off = 0;
	err = member_base(d, base, arrow, &agg);
	if (err)
		return err;
	err = find_member(&agg, member, 0, &m, &p);
	if (err == 1) {
		*off = p.off;
		err = sym_type_describe(d, sym_die_type(&m, &t) ? &t : NULL, out);
		if (err)
			sym_pr("%s: out of memory\n", d->obj_path);
		if (!err && p.bit_size) {
			out->size = p.size;
			out->bit_off = p.bit_off;
			out->bit_size = p.bit_size;
		}
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

/* ---- elements ----------------------------------------------------------------------- */

static int no_elements(struct sym_dwarf *d, const struct sym_type *t, const char *what)
{
	sym_pr("%s: '%s' %s: it has no elements to index or dereference\n", d->obj_path, t->name,
	       what);
	return -EINVAL;
}

/* sym_type_describe(), with a struct only declared here completed from its definition. */
static int describe_complete(struct sym_dwarf *d, Dwarf_Die *type, struct sym_type *out)
{
	Dwarf_Die t, def;
	int err;

	err = sym_type_describe(d, type, out);
	if (err || out->kind != SYM_T_STRUCT || out->size || !sym_die_at(d, out->die, &t) ||
	    !sym_complete_type(d, &t, &def))
		return err;
	out->die = sym_die_ref(d, &def);
	out->size = sym_die_byte_size(&def);
	return 0;
}

/*
 * x[i] of a multi-dimensional array (DIE `arr`): the array of its dimensions from the
 * `skip`th (`sub`) on.  DWARF has no DIE for it: its die is the array's, skip in
 * SYM_DIE_DIMS.
 */
static int subarray(struct sym_dwarf *d, Dwarf_Die *arr, unsigned int skip, Dwarf_Die *sub,
		    Dwarf_Die *elem, struct sym_type *out)
{
	struct sym_sb sb = {0};
	Dwarf_Die bare, last = *sub;
	uint32_t elem_size = 0;
	bool chars = false;

	if (sym_strip_type(elem, &bare)) {
		elem_size = sym_die_byte_size(&bare);
		chars = sym_is_char(&bare) && !sym_next_subrange(&last);
	}
	out->kind = chars ? SYM_T_CHAR_ARRAY : SYM_T_ARRAY;
	out->size = sym_dims_size(sub, elem_size);
	out->die = sym_die_ref(d, arr) | (uint64_t)skip << SYM_DIE_DIMS_SHIFT;
	type_name(&sb, elem, 0);
	sym_sb_puts(&sb, " ");
	array_dims(&sb, arr, skip);
	out->name = sym_sb_take(&sb);
	return out->name ? 0 : -ENOMEM;
}

static int array_element(struct sym_dwarf *d, const struct sym_type *arr, Dwarf_Die *t,
			 uint64_t *count, struct sym_type *out)
{
	unsigned int skip = sym_die_dims(arr->die);
	Dwarf_Die sub, rest, elem;

	if (!sym_subrange(t, skip, &sub) || !sym_die_type(t, &elem))
		return no_elements(d, arr, "is an array of nothing DWARF describes");
	sym_subrange_count(&sub, count);
	rest = sub;
	if (!sym_next_subrange(&rest))
		return describe_complete(d, &elem, out);
	if (skip + 1 > SYM_DIE_DIMS_MAX)
		return no_elements(d, arr, "has too many dimensions");
	return subarray(d, t, skip + 1, &rest, &elem, out);
}

/* *p of the pointer type `t`: what it points to, as the source spells it. */
static int pointer_element(struct sym_dwarf *d, const struct sym_type *ptr, Dwarf_Die *t,
			   struct sym_type *out)
{
	Dwarf_Die pointee, bare;

	if (!sym_die_type(t, &pointee) || !sym_strip_type(&pointee, &bare))
		return no_elements(d, ptr, "points to void");
	if (dwarf_tag(&bare) == DW_TAG_subroutine_type)
		return no_elements(d, ptr, "is a function pointer");
	return describe_complete(d, &pointee, out);
}

int sym_dwarf__element(struct sym_dwarf *d, const struct sym_type *arr, uint64_t *count,
		       struct sym_type *out)
{
	bool is_array = arr->kind == SYM_T_ARRAY || arr->kind == SYM_T_CHAR_ARRAY;
	bool is_ptr = arr->kind == SYM_T_PTR || arr->kind == SYM_T_CHAR_PTR;
	Dwarf_Die t;
	int err;

	memset(out, 0, sizeof(*out));
	*count = 0;
	if (arr->kind == SYM_T_VOID_PTR)
		return no_elements(d, arr, "points to void");
	if (!(is_array || is_ptr) || !sym_die_at(d, arr->die, &t) ||
	    (is_array && dwarf_tag(&t) != DW_TAG_array_type))
		return no_elements(d, arr, "is not an array or a pointer");
	err = is_array ? array_element(d, arr, &t, count, out) : pointer_element(d, arr, &t, out);
	if (err == -ENOMEM)
		sym_pr("%s: out of memory\n", d->obj_path);
	if (err) {
		sym_type__free(out);
		*count = 0;
	}
	return err;
}
