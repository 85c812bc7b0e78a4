// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dwarf_shape.c - the shape of a C value (struct sym_shapes) from its type DIE: what the
 * loader needs to print a struct as its members, an array as its elements and a bit-field as
 * its bits, the way gdb does.
 *
 * The tree is made depth first into one growing array of nodes, and nodes are named by
 * their index (the array moves as it grows).  The members of a struct or union are made
 * together, before any of them is shaped, so the node limit is checked once per struct;
 * members of anonymous struct/union members are counted and made in the same pass.  An
 * array is one ARRAY node per dimension, then its element.  Pointers are never followed,
 * so a self-referential struct ends; recursion is as deep as the levels, which
 * SYM_SHAPE_MAX_DEPTH bounds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define STR_(x) #x
#define STR(x)	STR_(x)

static const char too_deep[] = "nested deeper than " STR(SYM_SHAPE_MAX_DEPTH) " levels";
static const char too_many[] = "more than " STR(SYM_SHAPE_MAX_NODES) " nodes";

struct shaper {
	struct sym_dwarf *d;
	struct sym_shapes *out;
	size_t cap;
};

static struct sym_shape *node(struct shaper *s, int i)
{
	return &s->out->nodes[i];
}

/* n new nodes at the end: the index of the first, -ENOSPC past the limit, or -ENOMEM. */
static int add_nodes(struct shaper *s, size_t n)
{
	struct sym_shapes *o = s->out;
	struct sym_shape *nodes;
	size_t i, cap;

	if (o->n + n > SYM_SHAPE_MAX_NODES)
		return -ENOSPC;
	if (o->n + n > s->cap) {
		cap = s->cap ? s->cap : 16;
		while (cap < o->n + n)
			cap *= 2;
		nodes = realloc(o->nodes, cap * sizeof(*nodes));
		if (!nodes)
			return -ENOMEM;
		o->nodes = nodes;
		s->cap = cap;
	}
	for (i = o->n; i < o->n + n; i++)
		o->nodes[i] = (struct sym_shape){.kind = SYM_S_OPAQUE, .child = -1, .next = -1};
	o->n += n;
	return (int)(o->n - n);
}

static int opaque(struct shaper *s, int i, const char *why)
{
	struct sym_shape *n = node(s, i);

	n->kind = SYM_S_OPAQUE;
	n->why = why;
	n->count = 0;
	n->child = -1;
	return 0;
}

/* A pointer whose pointee (through typedefs and qualifiers) is a function type. */
static bool is_func_ptr(Dwarf_Die *ptr)
{
	Dwarf_Die pointee, bare;

	return sym_die_type(ptr, &pointee) && sym_strip_type(&pointee, &bare) &&
	       dwarf_tag(&bare) == DW_TAG_subroutine_type;
}

static int shape_type(struct shaper *s, int i, Dwarf_Die *type, int depth);

/* ---- scalars ------------------------------------------------------------------------ */

static Dwarf_Word encoding(Dwarf_Die *t)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc = 0;

	if (dwarf_attr(t, DW_AT_encoding, &attr))
		dwarf_formudata(&attr, &enc);
	return enc;
}

/* What a base type shown as bytes is: its C name when it is a known one. */
static const char *base_why(Dwarf_Die *t)
{
	static const char *const known[] = {
		"long double",
		"_Float128",
		"__float128",
		"_Float64x",
		"_Float16",
		"__bf16",
		"__int128",
		"__int128 unsigned",
		"complex float",
		"complex double",
		"complex long double",
	};
	const char *name = dwarf_diename(t);
	size_t k;

	for (k = 0; name && k < sizeof(known) / sizeof(known[0]); k++)
		if (!strcmp(name, known[k]))
			return known[k];
	switch (encoding(t)) {
	case DW_ATE_float:
		return "a floating-point type of unusual size";
	case DW_ATE_complex_float:
		return "a complex number";
	case DW_ATE_decimal_float:
		return "a decimal floating-point number";
	default:
		return "a base type of unusual size or encoding";
	}
}

/* ints of 1, 2, 4, 8 bytes; float and double; bool; the rest as bytes */
static int shape_base(struct shaper *s, int i, Dwarf_Die *t)
{
	struct sym_shape *n = node(s, i);
	struct sym_type c = {0};

	sym_classify_base(t, &c);
	n->is_signed = c.is_signed;
	if (c.kind == SYM_T_BOOL) {
		n->kind = SYM_S_BOOL;
		return 0;
	}
	if (c.kind == SYM_T_INT && (n->size == 1 || n->size == 2 || n->size == 4 || n->size == 8)) {
		n->kind = SYM_S_INT;
		return 0;
	}
	if (encoding(t) == DW_ATE_float && (n->size == 4 || n->size == 8)) {
		n->kind = SYM_S_FLOAT;
		return 0;
	}
	return opaque(s, i, base_why(t));
}

static int shape_enum(struct shaper *s, int i, Dwarf_Die *t)
{
	struct sym_shape *n = node(s, i);

	n->kind = SYM_S_ENUM;
	n->is_signed = sym_enum_signed(t);
	return sym_enumerators(t, n->is_signed, &n->enums, &n->nenums);
}

/* A bit-field of `type` at p: an integer, a bool or an enum, whatever its declared size. */
static int shape_bits(struct shaper *s, int i, Dwarf_Die *type, const struct sym_place *p)
{
	struct sym_shape *n = node(s, i);
	struct sym_type c = {0};
	Dwarf_Die t;
	int err = 0;

	n->size = p->size;
	n->bit_off = p->bit_off;
	n->bit_size = p->bit_size;
	if (!sym_strip_type(type, &t))
		return opaque(s, i, "a bit-field of no type");
	if (dwarf_tag(&t) == DW_TAG_enumeration_type)
		return shape_enum(s, i, &t);
	if (dwarf_tag(&t) == DW_TAG_base_type)
		sym_classify_base(&t, &c);
	n->is_signed = c.is_signed;
	if (c.kind == SYM_T_INT)
		n->kind = SYM_S_INT;
	else if (c.kind == SYM_T_BOOL)
		n->kind = SYM_S_BOOL;
	else
		err = opaque(s, i, "a bit-field of a type that is not an integer");
	return err;
}

/* ---- arrays ------------------------------------------------------------------------- */

/*
 * The array `arr` from its `skip`th dimension on, at node i: an ARRAY node per dimension,
 * the element's node under the last.  The last dimension of chars is CHARS.
 */
static int shape_array(struct shaper *s, int i, Dwarf_Die *arr, unsigned int skip, int depth)
{
	Dwarf_Die sub, rest, elem, bare;
	uint32_t elem_size = 0;
	bool chars = false, last;
	uint64_t count;
	int child;

	if (dwarf_hasattr(arr, DW_AT_GNU_vector))
		return opaque(s, i, "a vector");
	if (!sym_die_type(arr, &elem) || !sym_subrange(arr, skip, &sub))
		return opaque(s, i, "an array of nothing DWARF describes");
	if (sym_strip_type(&elem, &bare)) {
		elem_size = sym_die_byte_size(&bare);
		chars = sym_is_char(&bare);
	}
	for (;;) {
		rest = sub;
		last = !sym_next_subrange(&rest);
		node(s, i)->size = sym_dims_size(&sub, elem_size);
		if (last && chars) {
			node(s, i)->kind = SYM_S_CHARS;
			return 0;
		}
		if (depth > SYM_SHAPE_MAX_DEPTH)
			return opaque(s, i, too_deep);
		child = add_nodes(s, 1);
		if (child == -ENOSPC)
			return opaque(s, i, too_many);
		if (child < 0)
			return child;
		if (!sym_subrange_count(&sub, &count) || count > UINT32_MAX)
			count = 0;
		node(s, i)->kind = SYM_S_ARRAY;
		node(s, i)->count = (uint32_t)count;
		node(s, i)->child = child;
		if (last)
			return shape_type(s, child, &elem, depth + 1);
		i = child;
		sub = rest;
		depth++;
	}
}

/* ---- structs and unions ------------------------------------------------------------- */

enum member_class {
	M_NONE, /* not a member, a static one, or padding */
	M_NODE, /* a member: one node */
	M_ANON, /* an anonymous struct/union member: its members are the enclosing one's */
};

/* What child c of a struct at level `level` makes (*anon: the anonymous struct). */
static enum member_class member_class(Dwarf_Die *c, int level, Dwarf_Die *anon)
{
	Dwarf_Die t;

	if (dwarf_tag(c) != DW_TAG_member || dwarf_hasattr(c, DW_AT_external) ||
	    dwarf_hasattr(c, DW_AT_declaration))
		return M_NONE;
	if (dwarf_diename(c))
		return M_NODE;
	if (!sym_die_type(c, &t) || !sym_strip_type(&t, anon) || !sym_is_aggregate(dwarf_tag(anon)))
		return M_NONE; /* an unnamed bit-field */
	return level + 1 > SYM_SHAPE_MAX_DEPTH ? M_NODE : M_ANON;
}

/* The member nodes the struct `agg` at `level` makes, anonymous members' included. */
static size_t count_members(Dwarf_Die *agg, int level)
{
	Dwarf_Die c, anon;
	size_t n = 0;

	if (dwarf_child(agg, &c))
		return 0;
	do {
		switch (member_class(&c, level, &anon)) {
		case M_NODE:
			n++;
			break;
		case M_ANON:
			n += count_members(&anon, level + 1);
			break;
		default:
			break;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

/* Member c, `base` bytes into the struct, at its node i (made), of depth `depth`. */
static int shape_member(struct shaper *s, int i, Dwarf_Die *c, uint32_t base, int depth)
{
	const char *name = dwarf_diename(c);
	struct sym_place p;
	Dwarf_Die t;

	node(s, i)->name = strdup(name ? name : "");
	if (!node(s, i)->name)
		return -ENOMEM;
	node(s, i)->off = base;
	if (sym_member_place(c, &p))
		return opaque(s, i,
			      dwarf_hasattr(c, DW_AT_bit_size)
				      ? "a bit-field over more than 8 bytes"
				      : "not at a constant offset");
	node(s, i)->off = base + (uint32_t)p.off;
	if (!sym_die_type(c, &t))
		return opaque(s, i, "void");
	if (p.bit_size)
		return shape_bits(s, i, &t, &p);
	return shape_type(s, i, &t, depth);
}

/* Shape the members of `agg`, `base` bytes into the struct at `level`, into *next on. */
static int add_members(struct shaper *s, Dwarf_Die *agg, uint32_t base, int level, int *next)
{
	struct sym_place p;
	Dwarf_Die c, anon;
	int err = 0;

	if (dwarf_child(agg, &c))
		return 0;
	do {
		switch (member_class(&c, level, &anon)) {
		case M_NODE:
			err = shape_member(s, (*next)++, &c, base, level + 1);
			break;
		case M_ANON:
			sym_member_place(&c, &p); /* p.off 0 when unknown */
			err = add_members(s, &anon, base + (uint32_t)p.off, level + 1, next);
			break;
		default:
			break;
		}
	} while (!err && dwarf_siblingof(&c, &c) == 0);
	return err;
}

static int shape_agg(struct shaper *s, int i, Dwarf_Die *type, int depth)
{
	Dwarf_Die agg;
	int first, k;
	size_t n;

	if (!sym_complete_type(s->d, type, &agg))
		return opaque(s, i, "only declared");
	node(s, i)->size = sym_die_byte_size(&agg);
	if (depth > SYM_SHAPE_MAX_DEPTH)
		return opaque(s, i, too_deep);
	n = count_members(&agg, depth);
	first = add_nodes(s, n);
	if (first == -ENOSPC)
		return opaque(s, i, too_many);
	if (first < 0)
		return first;
	node(s, i)->kind = dwarf_tag(&agg) == DW_TAG_union_type ? SYM_S_UNION : SYM_S_STRUCT;
	node(s, i)->count = n;
	node(s, i)->child = n ? first : -1;
	for (k = first; k + 1 < first + (int)n; k++)
		node(s, k)->next = k + 1;
	return add_members(s, &agg, 0, depth, &first);
}

/* ---- any type ----------------------------------------------------------------------- */

/* The value of `type` at node i, `depth` levels below the root. */
static int shape_type(struct shaper *s, int i, Dwarf_Die *type, int depth)
{
	Dwarf_Die t;

	if (!sym_strip_type(type, &t))
		return opaque(s, i, "void");
	node(s, i)->size = sym_die_byte_size(&t);
	switch (dwarf_tag(&t)) {
	case DW_TAG_base_type:
		return shape_base(s, i, &t);
	case DW_TAG_enumeration_type:
		return shape_enum(s, i, &t);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		node(s, i)->kind = SYM_S_PTR;
		if (!node(s, i)->size)
			node(s, i)->size = sizeof(void *);
		node(s, i)->func = is_func_ptr(&t);
		return 0;
	case DW_TAG_array_type:
		return shape_array(s, i, &t, 0, depth);
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		return shape_agg(s, i, &t, depth);
	case DW_TAG_subroutine_type:
		return opaque(s, i, "a function");
	case DW_TAG_ptr_to_member_type:
		return opaque(s, i, "a pointer to member");
	default:
		return opaque(s, i, "a type with no C shape");
	}
}

int sym_dwarf__shape(struct sym_dwarf *d, uint64_t die, struct sym_shapes *out)
{
	struct shaper s = {.d = d, .out = out};
	unsigned int dims = sym_die_dims(die);
	Dwarf_Die t;
	int err;

	memset(out, 0, sizeof(*out));
	if (!sym_die_at(d, die, &t) || !sym_strip_type(&t, &t) ||
	    (dims && dwarf_tag(&t) != DW_TAG_array_type))
		return -EINVAL;
	err = add_nodes(&s, 1); /* node 0, the root */
	if (!err)
		err = dims ? shape_array(&s, 0, &t, dims, 0) : shape_type(&s, 0, &t, 0);
	if (err)
		sym_shapes__free(out);
	return err;
}

void sym_shapes__free(struct sym_shapes *s)
{
	struct sym_shape *n;
	size_t i, k;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		n = &s->nodes[i];
		free(n->name);
		for (k = 0; k < n->nenums; k++)
			free(n->enums[k].name);
		free(n->enums);
	}
	free(s->nodes);
	memset(s, 0, sizeof(*s));
}
