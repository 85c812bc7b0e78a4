/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * spec.h - the probe language of docs/probes.md, parsed; and C prototypes, parsed.
 *
 *   PROBE  := [OBJ ':'] FUNC ['%return'] ['(' FETCH {',' FETCH} ')']
 *   FETCH  := EXPR [':' TYPE] ['[' LEN ']']
 *   EXPR   := param-name | 'arg'N | '$retval' | EXPR '->' member | EXPR '.' member
 *   TYPE   := s8..s64 | u8..u64 | x64 | ptr | str | bytes | msgpack | auto
 *   LEN    := number | EXPR
 *
 * A parse error prints the probe text with a caret under the offending character and
 * returns -EINVAL.  Built-in prototypes of well-known functions are C declarations parsed by
 * proto_parse() into the same parameter list DWARF will produce, so one set of typing rules
 * (proto_default_fetches) turns either into fetches.
 */
#ifndef UPTRACE_SPEC_H
#define UPTRACE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uptrace.h"

struct sym_fn_info;

enum fetch_type {
	FT_DEFAULT = 0, /* no :TYPE given: from the parameter's C type, else x64 */
	FT_S8,
	FT_S16,
	FT_S32,
	FT_S64,
	FT_U8,
	FT_U16,
	FT_U32,
	FT_U64,
	FT_X64,
	FT_PTR,
	FT_STR,
	FT_BYTES,
	FT_MSGPACK,
	FT_AUTO,
};

struct fetch {
	char *text;			/* the expression as typed: the output key */
	char *base;			/* "argN", "$retval" or a parameter name */
	char *members[UPT_MAX_DEREF];	/* the steps after base: member names, NULL for [N] */
	bool arrow[UPT_MAX_DEREF];	/* '->' (true) or '.' */
	uint64_t index[UPT_MAX_DEREF];	/* [N] (and the [0] of a leading '*') */
	int nmembers;
	enum fetch_type type;
	bool has_len;
	uint64_t len_num;		/* when len_expr is NULL */
	char *len_expr;			/* parameter name / argN giving the length */
	int pos;			/* column of the fetch in the probe text */
};

struct probe_def {
	char *text;	/* as typed */
	char *obj;	/* OBJ of OBJ:FUNC, or NULL */
	char *func;	/* name or glob (may carry @VERSION / @file.c) */
	bool ret;	/* %return */
	bool has_list;	/* a '(...)' fetch list was given (possibly empty) */
	struct fetch *fetches;
	int nfetches;
};

int probe_def__parse(const char *text, struct probe_def *out);
void probe_def__free(struct probe_def *p);

/* Parse "s32", "str", ...; -EINVAL when unknown. */
int fetch_type_parse(const char *s, size_t n, enum fetch_type *out);
const char *fetch_type_name(enum fetch_type t);

/* ---- C prototypes ----------------------------------------------------------------------- */

enum ctype_class {
	CT_INT,	      /* integer, enum or bool passed in a register */
	CT_BOOL,
	CT_CHAR_PTR,  /* char *, const char *, unsigned char * */
	CT_VOID_PTR,  /* void * */
	CT_PTR,	      /* any other pointer */
	CT_FLOAT,     /* float or double (size 4 or 8) */
	CT_UNSUPPORTED, /* long double, struct by value: not in a general register */
};

/* Where a parameter is at the probe address. */
enum param_loc {
	PARAM_LOC_ABI = 0, /* by its position (a prototype: the ABI at function entry) */
	PARAM_LOC_REG,	   /* in DWARF register `reg` */
	PARAM_LOC_MEM,	   /* in memory at DWARF register `reg` + off */
	PARAM_LOC_CONST,   /* the constant `off` */
	PARAM_LOC_NONE,	   /* nowhere: optimized out (`why`) */
};

struct param {
	char *name;
	char *ctype;	/* the C type as written, for listings */
	enum ctype_class cls;
	uint8_t size;	/* bytes for CT_INT */
	bool is_signed;
	enum param_loc loc;
	int reg;
	int64_t off;
	const char *why;
	const struct sym_type *dwtype; /* the DWARF type (members, enumerators), or NULL */
};

struct proto {
	char *name;
	char *ret_ctype;
	struct param *params;
	int nparams;
	bool has_ret;	   /* ret below describes the return (DWARF); else parse ret_ctype */
	struct param ret;
};

struct sym_type;

/* Parse "int f(struct x *ins, const char *tag, size_t tag_len)"; -EINVAL on bad syntax. */
int proto_parse(const char *decl, struct proto *out);
void proto__free(struct proto *p);
/* The return type as a parameter named "retval"; -ENOENT for void. */
int proto_ret_param(const struct proto *proto, struct param *out);
void param__free(struct param *p);
/* The built-in prototype for a function name, or NULL. */
const char *proto_builtin(const char *func);

/*
 * The DWARF description of a function as a prototype whose parameters carry their
 * locations; the params point into `info`, which must outlive the proto.
 */
int proto_from_dwarf(const struct sym_fn_info *info, struct proto *out);

/* Is `name` size-like: len, size, n, count, *_len, *_size, *len, *size? */
bool param_is_size_like(const char *name);

#endif /* UPTRACE_SPEC_H */
