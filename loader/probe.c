// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probe.c - from a probe definition and a prototype to the spec BPF executes.
 *
 * Three sources of arguments, in order of preference:
 *   1. the fetch list the user wrote: each name resolves to a parameter of the prototype
 *      (or is argN), each type is the one written or the parameter's default;
 *   2. the prototype alone: every parameter, typed by the default rules below;
 *   3. nothing known: arg0..arg5 as hex words.
 * A length that names another argument makes BPF fetch that argument too; if the user did
 * not ask to see it, it is fetched hidden.
 *
 * x86-64 SysV: the first six integer arguments are in rdi, rsi, rdx, rcx, r8, r9; the rest
 * are on the stack, the 7th at sp + 8 at function entry (sp points at the return address).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dwarfinfo.h"
#include "probe.h"
#include "symbols.h"
#include "util.h"

#define NREG_ARGS 6

#if defined(__x86_64__)
#define REGW(field) ((uint8_t)(offsetof(struct pt_regs_x86, field) / 8))
/* The kernel's struct pt_regs for x86-64, which is what a uprobe program's context is. */
struct pt_regs_x86 {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip,
		cs, flags, sp, ss;
};
static const uint8_t arg_regs[NREG_ARGS] = { REGW(di), REGW(si), REGW(dx),
					     REGW(cx), REGW(r8), REGW(r9) };
#else
#error "uptrace knows the calling convention of x86-64 only"
#endif

/* The ABI location of integer argument number n at function entry. */
static void abi_loc(struct upt_arg_spec *a, int n)
{
	if (n < NREG_ARGS) {
		a->loc = UPT_LOC_REG;
		a->reg = arg_regs[n];
	} else {
		a->loc = UPT_LOC_STACK;
		a->off = 8 * (n - NREG_ARGS + 1);
	}
	a->size = 8;
}

/* x86-64 DWARF register numbers to pt_regs words. */
static const uint8_t dwarf_regs[] = {
	REGW(ax), REGW(dx), REGW(cx), REGW(bx), REGW(si), REGW(di), REGW(bp), REGW(sp),
	REGW(r8), REGW(r9), REGW(r10), REGW(r11), REGW(r12), REGW(r13), REGW(r14), REGW(r15),
};

/* SysV: the first eight float and double arguments are passed in %xmm0..7. */
#define RAX_WORD REGW(ax)

static const char *const xmm_args[8] = {
	"in %xmm0", "in %xmm1", "in %xmm2", "in %xmm3",
	"in %xmm4", "in %xmm5", "in %xmm6", "in %xmm7",
};

/*
 * Where parameter n is at the probe address: its DWARF location when it has one (the value
 * in a register, or in memory at register + offset, or a constant), else the ABI slot: the
 * integer registers and the stack count the parameters that are not float or double,
 * which go in %xmm registers a uprobe cannot read.  `o` (may be NULL) hears of such a
 * register.
 */
static void param_loc(struct upt_arg_spec *a, struct arg_out *o, const struct proto *proto,
		      int n)
{
	const struct param *prm = proto && n < proto->nparams ? &proto->params[n] : NULL;
	int gp = 0, fp = 0, j;

	if (!prm || prm->loc == PARAM_LOC_ABI) {
		for (j = 0; prm && j < n; j++) {
			if (proto->params[j].cls == CT_FLOAT)
				fp++;
			else
				gp++;
		}
		if (prm && prm->cls == CT_FLOAT) {
			a->size = 8;
			a->loc = UPT_LOC_NONE;
			if (o && fp < (int)ARRAY_SIZE(xmm_args))
				o->unreadable = xmm_args[fp];
			return;
		}
		abi_loc(a, prm ? gp : n);
		return;
	}
	a->size = 8;
	a->loc = UPT_LOC_NONE;
	if (o && prm->loc == PARAM_LOC_NONE && prm->why && !strncmp(prm->why, "in %", 4))
		o->unreadable = prm->why;
	if ((prm->loc == PARAM_LOC_REG || prm->loc == PARAM_LOC_MEM) &&
	    (prm->reg < 0 || prm->reg >= (int)ARRAY_SIZE(dwarf_regs)))
		return; /* a register pt_regs does not have: "<optimized out>" */
	switch (prm->loc) {
	case PARAM_LOC_REG:
		a->loc = UPT_LOC_REG;
		a->reg = dwarf_regs[prm->reg];
		break;
	case PARAM_LOC_MEM:
		a->loc = UPT_LOC_REG_DEREF;
		a->reg = dwarf_regs[prm->reg];
		a->off = prm->off;
		break;
	case PARAM_LOC_CONST:
		a->loc = UPT_LOC_CONST;
		a->off = prm->off;
		break;
	default:
		break;
	}
}

static int find_param(const struct proto *proto, const char *name)
{
	int i;

	for (i = 0; proto && i < proto->nparams; i++)
		if (!strcmp(proto->params[i].name, name))
			return i;
	return -1;
}

/* "arg3" -> 3; -1 when not of that form. */
static int argn(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "arg", 3) || !name[3])
		return -1;
	n = strtol(name + 3, &end, 10);
	if (*end || n < 0 || n > 63)
		return -1;
	return n;
}

/* Scalar rendering of a parameter's C type. */
static void scalar_out(struct arg_out *o, struct upt_arg_spec *a, const struct param *prm)
{
	switch (prm->cls) {
	case CT_BOOL:
		o->rd = RD_BOOL;
		break;
	case CT_INT:
		o->rd = prm->is_signed ? RD_SIGNED : RD_UNSIGNED;
		break;
	case CT_FLOAT:
		o->rd = RD_FLOAT;
		break;
	case CT_UNSUPPORTED:
		o->rd = RD_UNSUPPORTED;
		a->loc = UPT_LOC_NONE;
		break;
	default:
		o->rd = RD_PTR;
		o->func_ptr = prm->dwtype && prm->dwtype->kind == SYM_T_PTR && prm->dwtype->func_ptr;
		break;
	}
	o->size = prm->cls == CT_INT || prm->cls == CT_BOOL || prm->cls == CT_FLOAT ? prm->size
										       : 8;
	a->size = o->size;
}

/*
 * The default rules (docs/probes.md): char * is a string; void * or char * followed by a
 * size-like parameter is a buffer of that length decoded `auto`; integers, enums and bools
 * are numbers; other pointers are hex addresses.
 */
static void default_type(const struct proto *proto, int i, struct arg_out *o,
			 struct upt_arg_spec *a, int *len_param)
{
	const struct param *prm = &proto->params[i];
	bool sized = i + 1 < proto->nparams && proto->params[i + 1].cls == CT_INT &&
		     param_is_size_like(proto->params[i + 1].name);

	*len_param = -1;
	if ((prm->cls == CT_CHAR_PTR || prm->cls == CT_VOID_PTR) && sized) {
		o->rd = RD_AUTO;
		a->cap = UPT_CAP_BYTES;
		*len_param = i + 1;
	} else if (prm->cls == CT_CHAR_PTR) {
		o->rd = RD_STR;
		a->cap = UPT_CAP_STR;
	} else {
		scalar_out(o, a, prm);
	}
}

/* Apply an explicit :TYPE. */
static void explicit_type(enum fetch_type t, struct arg_out *o, struct upt_arg_spec *a)
{
	static const struct {
		enum render rd;
		uint8_t size;
		uint8_t cap;
	} map[] = {
		[FT_S8] = { RD_SIGNED, 1, UPT_CAP_SCALAR },
		[FT_S16] = { RD_SIGNED, 2, UPT_CAP_SCALAR },
		[FT_S32] = { RD_SIGNED, 4, UPT_CAP_SCALAR },
		[FT_S64] = { RD_SIGNED, 8, UPT_CAP_SCALAR },
		[FT_U8] = { RD_UNSIGNED, 1, UPT_CAP_SCALAR },
		[FT_U16] = { RD_UNSIGNED, 2, UPT_CAP_SCALAR },
		[FT_U32] = { RD_UNSIGNED, 4, UPT_CAP_SCALAR },
		[FT_U64] = { RD_UNSIGNED, 8, UPT_CAP_SCALAR },
		[FT_X64] = { RD_HEX, 8, UPT_CAP_SCALAR },
		[FT_PTR] = { RD_PTR, 8, UPT_CAP_SCALAR },
		[FT_STR] = { RD_STR, 8, UPT_CAP_STR },
		[FT_BYTES] = { RD_BYTES, 8, UPT_CAP_BYTES },
		[FT_MSGPACK] = { RD_MSGPACK, 8, UPT_CAP_BYTES },
		[FT_AUTO] = { RD_AUTO, 8, UPT_CAP_BYTES },
	};

	o->rd = map[t].rd;
	o->size = map[t].size;
	a->size = map[t].size;
	a->cap = map[t].cap;
}

static int spec_error(const struct probe_def *def, const struct fetch *f, const char *fmt,
		      const char *name)
{
	FILE *out = upt_errf ? upt_errf : stderr;

	fprintf(out, "uptrace: bad probe: ");
	fprintf(out, fmt, name);
	fprintf(out, "\n    %s\n    %*s^\n", def->text, f ? f->pos : 0, "");
	return -EINVAL;
}

/* Index of the fetch named `name` in p, adding a hidden one when absent; -errno. */
static int fetch_index(struct probe *p, const struct probe_def *def, const struct fetch *f,
		       const struct proto *proto, const char *name)
{
	struct upt_arg_spec *a;
	int i, n;

	for (i = 0; i < (int)p->spec.nargs; i++)
		if (!strcmp(p->out[i].name, name))
			return i;
	n = argn(name);
	if (n < 0)
		n = find_param(proto, name);
	if (n < 0)
		return spec_error(def, f, "no argument '%s' for the length", name);
	if (p->spec.nargs == UPT_MAX_ARGS)
		return spec_error(def, f, "too many arguments to fetch (%s)", name);
	i = p->spec.nargs++;
	a = &p->spec.args[i];
	if (argn(name) >= 0)
		abi_loc(a, n);
	else
		param_loc(a, NULL, proto, n);
	p->out[i].name = strdup(name);
	p->out[i].rd = RD_HIDDEN;
	p->out[i].size = 8;
	return p->out[i].name ? i : -ENOMEM;
}

static int set_len(struct probe *p, int i, const struct probe_def *def, const struct fetch *f,
		   const struct proto *proto, int len_param)
{
	struct upt_arg_spec *a = &p->spec.args[i];
	const char *name = NULL;
	int j;

	if (f && f->has_len && !f->len_expr) {
		if (!f->len_num)
			return spec_error(def, f, "'%s[0]': a length must be at least 1", f->text);
		a->len_kind = UPT_LEN_FIXED;
		a->len_val = f->len_num > UINT32_MAX ? UINT32_MAX : f->len_num;
		if (a->cap == UPT_CAP_STR)
			a->cap = UPT_CAP_BYTES;
		return 0;
	}
	if (f && f->len_expr)
		name = f->len_expr;
	else if (len_param >= 0)
		name = proto->params[len_param].name;
	if (!name) {
		if (a->cap == UPT_CAP_BYTES)
			return spec_error(def, f, "'%s' needs a length: TYPE[N] or TYPE[arg]",
					  p->out[i].name);
		return 0;
	}
	j = fetch_index(p, def, f, proto, name);
	if (j < 0)
		return j;
	a->len_kind = UPT_LEN_ARG;
	a->len_val = j;
	if (a->cap == UPT_CAP_STR)
		a->cap = UPT_CAP_BYTES; /* a bounded string: the bytes, printed up to a NUL */
	return 0;
}

static bool find_param_dw(const struct proto *proto, const char *name)
{
	int i = find_param(proto, name);

	return i >= 0 && proto->params[i].dwtype;
}

/*
 * Owned copies of the enumerators of t into *out, *n counting those made (what there is
 * to free after an -ENOMEM too).
 */
static int dup_enumerators(const struct sym_type *t, struct sym_enumerator **out, size_t *n)
{
	size_t i;

	*out = calloc(t->nenums, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < t->nenums; i++, (*n)++) {
		(*out)[i].value = t->enums[i].value;
		(*out)[i].name = strdup(t->enums[i].name);
		if (!(*out)[i].name)
			return -ENOMEM;
	}
	return 0;
}

/* An enum's enumerators, for printing names instead of numbers. */
static int copy_enums(struct arg_out *o, const struct sym_type *t)
{
	if (!t || t->kind != SYM_T_ENUM || !t->nenums)
		return 0;
	o->rd = RD_ENUM;
	o->enum_signed = t->is_signed;
	return dup_enumerators(t, &o->enums, &o->nenums);
}

/* A scalar or pointer of DWARF type t: the same typing rules as a parameter. */
static int type_out(struct probe *p, int i, const struct sym_type *t, enum fetch_type ft)
{
	struct proto one = {};
	struct param prm = { .name = "x" };
	int len_param;

	if (ft != FT_DEFAULT) {
		explicit_type(ft, &p->out[i], &p->spec.args[i]);
		return 0;
	}
	prm.dwtype = t;
	switch (t->kind) {
	case SYM_T_INT:
	case SYM_T_ENUM:
		prm.cls = CT_INT;
		break;
	case SYM_T_BOOL:
		prm.cls = CT_BOOL;
		break;
	case SYM_T_CHAR_PTR:
		prm.cls = CT_CHAR_PTR;
		break;
	case SYM_T_VOID_PTR:
		prm.cls = CT_VOID_PTR;
		break;
	case SYM_T_PTR:
		prm.cls = CT_PTR;
		break;
	case SYM_T_FLOAT:
		if (t->size != 4 && t->size != 8)
			return -EINVAL;
		prm.cls = CT_FLOAT;
		break;
	default:
		return -EINVAL;
	}
	prm.size = t->size > 8 || !t->size ? 8 : t->size;
	prm.is_signed = t->is_signed;
	one.params = &prm;
	one.nparams = 1;
	default_type(&one, 0, &p->out[i], &p->spec.args[i], &len_param);
	return copy_enums(&p->out[i], t);
}

/* What symbols/ said about a member it could not find, for the one "bad probe" line. */
static char member_why[1024];

static void keep_member_why(const char *fmt, va_list ap)
{
	upt_vformat_line(member_why, sizeof(member_why), fmt, ap);
}

/*
 * Step k of an expression from a value of type cur: a member (-> or .) or an index ([N],
 * and the [0] of *x).  *next is the type it leads to, *off its offset from what the step
 * starts at, *through_ptr whether it starts at what a pointer points at (->, or [N] on a
 * pointer) rather than in the same memory (., or [N] on an array).
 */
static int step(struct sym_dwarf *dw, const struct sym_type *cur, const struct fetch *f, int k,
		bool *through_ptr, int64_t *off, struct sym_type *next)
{
	sym_print_fn prev = sym_set_print(keep_member_why);
	uint64_t count = 0, n = f->index[k];
	int err;

	member_why[0] = 0;
	if (f->members[k]) {
		*through_ptr = f->arrow[k];
		err = sym_dwarf__member(dw, cur, f->members[k], f->arrow[k], off, next);
		sym_set_print(prev);
		return err;
	}
	*through_ptr = cur->kind == SYM_T_PTR || cur->kind == SYM_T_CHAR_PTR;
	err = sym_dwarf__element(dw, cur, &count, next);
	sym_set_print(prev);
	if (err)
		return err;
	if (!next->size) {
		snprintf(member_why, sizeof(member_why),
			 "'%s': the elements of '%s' have no known size", f->text, cur->name);
	} else if ((count && n >= count) || n > INT32_MAX) {
		snprintf(member_why, sizeof(member_why),
			 "'%s': index %" PRIu64 " is past the end of '%s'", f->text, n, cur->name);
	} else {
		*off = (int64_t)(n * next->size);
		return 0;
	}
	sym_type__free(next);
	return -ERANGE;
}

/* The bytes of the value where they are: its address, then `size` bytes from there. */
static void capture_in_place(struct probe *p, int i, uint32_t size, enum render rd)
{
	struct upt_arg_spec *a = &p->spec.args[i];

	a->aflags |= UPT_ARGF_ADDR;
	a->cap = UPT_CAP_BYTES;
	a->len_kind = UPT_LEN_FIXED;
	a->len_val = size;
	a->size = 8;
	p->out[i].rd = rd;
}

/* A one-node shape for a bit-field member of type t (its bits, as symbols/ found them). */
static int bitfield_shape(struct arg_out *o, const struct sym_type *t)
{
	struct sym_shape *n;

	o->shape = calloc(1, sizeof(*o->shape));
	if (!o->shape)
		return -ENOMEM;
	n = o->shape->nodes = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	o->shape->n = 1;
	n->kind = t->kind == SYM_T_BOOL ? SYM_S_BOOL : t->kind == SYM_T_ENUM ? SYM_S_ENUM : SYM_S_INT;
	n->size = t->size;
	n->bit_off = t->bit_off;
	n->bit_size = t->bit_size;
	n->is_signed = t->is_signed;
	n->child = n->next = -1;
	return t->nenums ? dup_enumerators(t, &n->enums, &n->nenums) : 0;
}

/* A struct, union or array where it is in memory: all of it, printed by its shape. */
static int aggregate_out(struct probe *p, int i, const struct probe_def *def,
			 const struct fetch *f, const struct sym_type *t, struct sym_dwarf *dw)
{
	struct arg_out *o = &p->out[i];
	int err;

	if (!t->size)
		return spec_error(def, f, "'%s' has no known size", f->text);
	o->shape = calloc(1, sizeof(*o->shape));
	if (!o->shape)
		return -ENOMEM;
	err = sym_dwarf__shape(dw, t->die, o->shape);
	if (err == -ENOMEM)
		return err;
	if (err)
		return spec_error(def, f, "'%s': its type cannot be read from DWARF", f->text);
	capture_in_place(p, i, t->size, RD_SHAPE);
	return 0;
}

/*
 * ins->p_ins.flags, ins->vals[2], *ins: walk the steps with DWARF, turning each one through
 * a pointer into a hop.  `pending` is the offset, from the value in hand, of the memory the
 * expression is in; '.' and [N] on an array add to it, '->' and [N] on a pointer first load
 * the pointer found there (a hop) then start a new one.  At the end, the bytes at value +
 * pending are the value: a last hop.  A trailing [N] is a length after a pointer, an index
 * after an array.
 */
static int build_members(struct probe *p, int i, const struct probe_def *def,
			 const struct fetch *f, const struct param *prm, struct sym_dwarf *dw)
{
	struct upt_arg_spec *a = &p->spec.args[i];
	struct sym_type cur = *prm->dwtype, next = {};
	bool in_memory = false, owned = false, ptr, has_len = f->has_len;
	struct fetch last = {0};
	int64_t pending = 0, off;
	int k, n = f->nmembers, err;

	for (k = 0; k <= n; k++) {
		const struct fetch *sf = f;
		int sk = k;

		if (k == n) {
			/* ins->vals[2]: the trailing [N] of an array indexes it */
			if (!has_len || f->len_expr ||
			    (cur.kind != SYM_T_ARRAY && cur.kind != SYM_T_CHAR_ARRAY))
				break;
			last.text = f->text;
			last.index[0] = f->len_num;
			sf = &last;
			sk = 0;
			has_len = false;
			/* the key is the expression as C reads it, index included */
			free(p->out[i].name);
			if (asprintf(&p->out[i].name, "%s[%" PRIu64 "]", f->text, f->len_num) < 0) {
				p->out[i].name = NULL;
				if (owned)
					sym_type__free(&cur);
				return -ENOMEM;
			}
		}
		err = step(dw, &cur, sf, sk, &ptr, &off, &next);
		if (err) {
			if (owned)
				sym_type__free(&cur);
			return err == -ENOMEM ? err
					      : spec_error(def, f, "%s",
							   *member_why ? member_why : f->text);
		}
		if (ptr && in_memory) {
			if (a->nderef == UPT_MAX_DEREF)
				goto too_deep;
			a->deref[a->nderef++] = pending;
			pending = 0;
		}
		pending = (ptr || !in_memory ? 0 : pending) + off;
		if (!ptr && !in_memory) {
			sym_type__free(&next);
			if (owned)
				sym_type__free(&cur);
			return spec_error(def, f, "'%s': '.' on a struct that is not in memory",
					  f->text);
		}
		in_memory = true;
		if (owned)
			sym_type__free(&cur);
		cur = next;
		owned = true;
		memset(&next, 0, sizeof(next));
	}
	if (a->nderef == UPT_MAX_DEREF)
		goto too_deep;
	a->deref[a->nderef++] = pending;
	if (cur.bit_size) {
		err = f->type != FT_DEFAULT || has_len
			      ? spec_error(def, f, "'%s' is a bit-field: it prints as its value, "
						   "without a TYPE or length",
					   f->text)
			      : bitfield_shape(&p->out[i], &cur);
		if (!err)
			capture_in_place(p, i, cur.size, RD_SHAPE);
		sym_type__free(&cur);
		return err;
	}
	if (cur.kind == SYM_T_CHAR_ARRAY && (f->type == FT_DEFAULT || f->type == FT_STR) &&
	    !has_len) {
		/* the array's bytes where they are: its address, then the whole array */
		capture_in_place(p, i, cur.size, RD_CHARS);
		sym_type__free(&cur);
		return 0;
	}
	if ((cur.kind == SYM_T_STRUCT || cur.kind == SYM_T_ARRAY ||
	     (cur.kind == SYM_T_FLOAT && cur.size != 4 && cur.size != 8)) &&
	    f->type == FT_DEFAULT && !has_len) {
		/* aggregates, and a long double (its bytes, in hex) */
		err = aggregate_out(p, i, def, f, &cur, dw);
		sym_type__free(&cur);
		return err;
	}
	err = type_out(p, i, &cur, f->type);
	if (!err && has_len)
		err = set_len(p, i, def, f, NULL, -1);
	else if (err == -EINVAL && (cur.kind == SYM_T_STRUCT || cur.kind == SYM_T_ARRAY))
		err = spec_error(def, f, "'%s' is a struct or array: it prints as a whole, "
					 "without a TYPE or length",
				 f->text);
	else if (err == -EINVAL) {
		char what[512];

		snprintf(what, sizeof(what), "'%s' is a %s, which uptrace cannot print yet",
			 f->text, cur.name ?: "value of an unknown type");
		err = spec_error(def, f, "%s", what);
	}
	a->size = a->cap == UPT_CAP_SCALAR ? p->out[i].size : 8;
	sym_type__free(&cur);
	return err;
too_deep:
	if (owned)
		sym_type__free(&cur);
	return spec_error(def, f, "'%s' follows too many pointers", f->text);
}

/* A shape has a float or double in its first 8 bytes: SysV passes that eightbyte in %xmm. */
static bool shape_has_float(const struct sym_shapes *sh)
{
	size_t k;

	for (k = 0; k < sh->n; k++)
		if (sh->nodes[k].kind == SYM_S_FLOAT || sh->nodes[k].kind == SYM_S_OPAQUE)
			return true;
	return false;
}

/*
 * A struct or union passed by value (prm) or returned (ret): printed by its shape from
 * where it is.  A parameter of at most 8 bytes in a general register is that register's
 * bytes; one DWARF places in memory (the caller's copy on the stack) is read there.  A
 * return of at most 8 bytes is rax's, unless SysV put it in %xmm0 (float members); one of
 * more than 16 bytes is in memory whose address the callee returns in rax.  Anything else
 * (two registers, rdx:rax) is left as it was: not readable.  0 also when it stays so.
 */
static int by_value(struct probe *p, int i, const struct param *prm, bool ret,
		    struct sym_dwarf *dw)
{
	struct upt_arg_spec *a = &p->spec.args[i];
	struct arg_out *o = &p->out[i];
	const struct sym_type *t = prm->dwtype;
	bool in_reg;
	int err;

	if (!dw || !t || t->kind != SYM_T_STRUCT || !t->size)
		return 0;
	if (ret)
		in_reg = t->size <= 8;
	else if (prm->loc != PARAM_LOC_REG && prm->loc != PARAM_LOC_MEM)
		return 0;
	else if (prm->reg < 0 || prm->reg >= (int)ARRAY_SIZE(dwarf_regs))
		return 0;
	else
		in_reg = prm->loc == PARAM_LOC_REG;
	if ((ret && t->size > 8 && t->size <= 16) || (!ret && in_reg && t->size > 8))
		return 0;
	o->shape = calloc(1, sizeof(*o->shape));
	if (!o->shape)
		return -ENOMEM;
	err = sym_dwarf__shape(dw, t->die, o->shape);
	if (err || (ret && in_reg && shape_has_float(o->shape))) {
		sym_shapes__free(o->shape);
		free(o->shape);
		o->shape = NULL;
		if (!err)
			o->unreadable = xmm_args[0];
		return err == -ENOMEM ? err : 0;
	}
	o->unreadable = NULL;
	a->loc = UPT_LOC_REG;
	a->reg = ret ? RAX_WORD : dwarf_regs[prm->reg];
	if (in_reg) {
		o->rd = RD_SHAPE;
		o->shape_in_raw = true;
		o->size = 8;
		a->cap = UPT_CAP_SCALAR;
		a->size = 8;
		return 0;
	}
	/* its address is the register (+ the DWARF offset): the bytes from there */
	a->nderef = 1;
	a->deref[0] = ret ? 0 : prm->off;
	capture_in_place(p, i, t->size, RD_SHAPE);
	return 0;
}

static int build_fetch(struct probe *p, const struct probe_def *def, const struct fetch *f,
		       const struct proto *proto, struct sym_dwarf *dw)
{
	int i = p->spec.nargs, n, pi = -1, len_param = -1;
	struct upt_arg_spec *a = &p->spec.args[i];
	struct arg_out *o = &p->out[i];

	if (f->nmembers && (!dw || argn(f->base) >= 0 || !find_param_dw(proto, f->base)))
		return spec_error(def, f, "member access in '%s' needs DWARF debug info",
				  f->text);
	if (!strcmp(f->base, "$retval"))
		return spec_error(def, f, "'%s' exists only in a %%return probe", f->base);
	n = argn(f->base);
	if (n < 0) {
		pi = find_param(proto, f->base);
		if (pi < 0)
			return spec_error(def, f,
					  proto ? "no parameter '%s' (see uptrace -l)"
						: "no parameter '%s': without debug info or a "
						  "built-in prototype use arg0..argN",
					  f->base);
		n = pi;
	}
	p->spec.nargs++;
	o->name = strdup(f->text);
	if (!o->name)
		return -ENOMEM;
	if (pi >= 0)
		param_loc(a, o, proto, pi);
	else
		abi_loc(a, n);
	if (f->nmembers)
		return build_members(p, i, def, f, &proto->params[pi], dw);
	if (f->type != FT_DEFAULT) {
		explicit_type(f->type, o, a);
	} else if (pi >= 0) {
		default_type(proto, pi, o, a, &len_param);
		/* an enum by name, as in the default listing */
		if ((o->rd == RD_SIGNED || o->rd == RD_UNSIGNED) &&
		    copy_enums(o, proto->params[pi].dwtype))
			return -ENOMEM;
		if (by_value(p, i, &proto->params[pi], false, dw))
			return -ENOMEM;
	} else if (f->has_len) {
		explicit_type(FT_AUTO, o, a);
	} else {
		explicit_type(FT_X64, o, a);
	}
	if (f->has_len && o->rd != RD_STR && a->cap != UPT_CAP_BYTES)
		explicit_type(FT_AUTO, o, a); /* "name[len]" on a default-typed pointer */
	return set_len(p, i, def, f, proto, f->type == FT_DEFAULT ? len_param : -1);
}

static int build_from_proto(struct probe *p, const struct probe_def *def,
			    const struct proto *proto, struct sym_dwarf *dw)
{
	int i, len_param, err;

	for (i = 0; i < proto->nparams && i < UPT_MAX_ARGS; i++) {
		p->out[i].name = strdup(proto->params[i].name);
		if (!p->out[i].name)
			return -ENOMEM;
		param_loc(&p->spec.args[i], &p->out[i], proto, i);
		default_type(proto, i, &p->out[i], &p->spec.args[i], &len_param);
		p->spec.nargs++;
		if (p->out[i].rd == RD_SIGNED || p->out[i].rd == RD_UNSIGNED) {
			err = copy_enums(&p->out[i], proto->params[i].dwtype);
			if (err)
				return err;
		}
		err = by_value(p, i, &proto->params[i], false, dw);
		if (err)
			return err;
	}
	for (i = 0; i < (int)p->spec.nargs; i++) {
		if (p->spec.args[i].cap != UPT_CAP_BYTES || p->out[i].rd == RD_SHAPE)
			continue;
		default_type(proto, i, &p->out[i], &p->spec.args[i], &len_param);
		err = set_len(p, i, def, NULL, proto, len_param);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A return probe fetches only the return value (rax after `ret`): typed as written, else by
 * the prototype's return type, else s64.  Arguments are gone by then, so naming them is an
 * error.
 */
static int build_ret(struct probe *p, const struct probe_def *def, const struct proto *proto,
		     struct sym_dwarf *dw)
{
	struct upt_arg_spec *a = &p->spec.args[0];
	struct arg_out *o = &p->out[0];
	const struct fetch *f = def->nfetches ? &def->fetches[0] : NULL;
	struct proto one = {};
	struct param ret;
	int len_param, err;

	p->spec.flags = UPT_SPEC_RET;
	if (def->nfetches > 1 || (f && (strcmp(f->base, "$retval") || f->nmembers)))
		return spec_error(def, def->nfetches > 1 ? &def->fetches[1] : f,
				  "'%s': a %%return probe can fetch only $retval",
				  def->nfetches > 1 ? def->fetches[1].text : f->text);
	if (f && f->len_expr)
		return spec_error(def, f, "'%s': at return only a number can be a length",
				  f->text);
	o->name = strdup("retval");
	if (!o->name)
		return -ENOMEM;
	p->spec.nargs = 1;
	a->loc = UPT_LOC_REG;
	a->reg = RAX_WORD;
	a->size = 8;
	if (f && f->type != FT_DEFAULT) {
		explicit_type(f->type, o, a);
		return set_len(p, 0, def, f, NULL, -1);
	}
	if (!proto || proto_ret_param(proto, &ret)) {
		/* void or unknown: the raw register, as s64 */
		explicit_type(FT_S64, o, a);
		return 0;
	}
	one.params = &ret;
	one.nparams = 1;
	default_type(&one, 0, o, a, &len_param);
	err = (o->rd == RD_SIGNED || o->rd == RD_UNSIGNED) ? copy_enums(o, ret.dwtype) : 0;
	if (err) {
		param__free(&ret);
		return err;
	}
	if (ret.cls == CT_FLOAT) {
		/* SysV returns float and double in %xmm0 */
		a->loc = UPT_LOC_NONE;
		o->unreadable = xmm_args[0];
	}
	err = by_value(p, 0, &ret, true, dw);
	if (err) {
		param__free(&ret);
		return err;
	}
	err = f && f->has_len ? set_len(p, 0, def, f, NULL, -1) : 0;
	param__free(&ret);
	return err;
}

/*
 * Without --max-bytes, msgpack and auto buffers (a Fluent Bit buffer is one or the other:
 * msgpack from a prototype, auto from DWARF's void * and size) get a larger cap than the
 * rest: cut short they no longer decode (in_tail hands flb_input_log_append_records chunks
 * of about 32 KiB), and the ring buffer's exact-size records make a large cap cost only
 * what a buffer really holds.
 */
static void default_caps(struct probe *p)
{
	uint32_t i;

	for (i = 0; i < p->spec.nargs; i++)
		if (p->out[i].rd == RD_MSGPACK || p->out[i].rd == RD_AUTO)
			p->spec.args[i].max_bytes = UPT_DEF_MAX_BUFFER;
}

int probe__build(struct probe *p, const struct probe_def *def, const struct proto *proto,
		 struct sym_dwarf *dw, uint32_t max_bytes)
{
	char name[16];
	int i, err = 0;

	p->kind = def->ret ? PROBE_RETURN : PROBE_ENTRY;
	p->spec.max_bytes = max_bytes ?: UPT_DEF_MAX_BYTES;
	if (def->ret) {
		err = build_ret(p, def, proto, dw);
	} else if (def->has_list) {
		for (i = 0; i < def->nfetches && !err; i++)
			err = build_fetch(p, def, &def->fetches[i], proto, dw);
	} else if (proto) {
		err = build_from_proto(p, def, proto, dw);
	} else {
		for (i = 0; i < NREG_ARGS; i++) {
			snprintf(name, sizeof(name), "arg%d", i);
			p->out[i].name = strdup(name);
			if (!p->out[i].name)
				return -ENOMEM;
			abi_loc(&p->spec.args[i], i);
			explicit_type(FT_X64, &p->out[i], &p->spec.args[i]);
			p->spec.nargs++;
		}
	}
	if (!err && !max_bytes)
		default_caps(p);
	return err;
}

uint32_t probe__max_bytes(const struct probe *p, uint32_t i)
{
	return p->spec.args[i].max_bytes ?: p->spec.max_bytes;
}

bool probe__has_func_ptrs(const struct probe *p)
{
	uint32_t i;
	size_t k;

	for (i = 0; i < p->spec.nargs && i < UPT_MAX_ARGS; i++) {
		const struct arg_out *o = &p->out[i];

		if (o->func_ptr)
			return true;
		for (k = 0; o->shape && k < o->shape->n; k++)
			if (o->shape->nodes[k].kind == SYM_S_PTR && o->shape->nodes[k].func)
				return true;
	}
	return false;
}

void probe__free_heads(struct probe *p)
{
	size_t i;

	for (i = 0; i < sizeof(p->head) / sizeof(p->head[0]); i++) {
		ob_free(&p->head[i].ob);
		p->head[i].valid = false;
	}
}

void probe__free(struct probe *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < UPT_MAX_ARGS; i++) {
		free(p->out[i].name);
		for (size_t k = 0; k < p->out[i].nenums; k++)
			free(p->out[i].enums[k].name);
		free(p->out[i].enums);
	}
	for (i = 0; i < UPT_MAX_ARGS; i++) {
		sym_shapes__free(p->out[i].shape);
		free(p->out[i].shape);
	}
	free(p->binary);
	free(p->attach_path);
	free(p->func);
	probe__free_heads(p);
	memset(p, 0, sizeof(*p));
}
