// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * spec.c - the probe-spec parser.
 *
 * A small hand-written recursive-descent parser over the probe text.  It keeps a cursor
 * into the text so every error can be shown with a caret under the character that broke
 * it, the way a compiler would.  Nothing is resolved here: names are checked against
 * parameters later, when the function (and its prototype or DWARF) is known.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util.h"

struct parser {
	const char *text;
	const char *p;
};

static const char *const type_names[] = {
	[FT_DEFAULT] = "default", [FT_S8] = "s8",    [FT_S16] = "s16",	   [FT_S32] = "s32",
	[FT_S64] = "s64",	  [FT_U8] = "u8",    [FT_U16] = "u16",	   [FT_U32] = "u32",
	[FT_U64] = "u64",	  [FT_X64] = "x64",  [FT_PTR] = "ptr",	   [FT_STR] = "str",
	[FT_BYTES] = "bytes",	  [FT_MSGPACK] = "msgpack", [FT_AUTO] = "auto",
};

const char *fetch_type_name(enum fetch_type t)
{
	if ((size_t)t >= ARRAY_SIZE(type_names))
		return "?";
	return type_names[t];
}

int fetch_type_parse(const char *s, size_t n, enum fetch_type *out)
{
	size_t i;

	for (i = FT_S8; i < ARRAY_SIZE(type_names); i++) {
		if (strlen(type_names[i]) == n && !memcmp(type_names[i], s, n)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Print "bad probe: what", the probe text and a caret under *at. */
static int parse_error(const struct parser *ps, const char *at, const char *fmt, ...)
{
	FILE *f = upt_errf ? upt_errf : stderr;
	int col = at - ps->text;
	va_list ap;

	fputs("uptrace: bad probe: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n    %s\n    %*s^\n", ps->text, col, "");
	return -EINVAL;
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static bool is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '$';
}

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* An identifier at the cursor, strdup'ed into *out; NULL when there is none. */
static int parse_ident(struct parser *ps, char **out, const char *what)
{
	const char *start = ps->p;

	if (!is_ident_start(*ps->p))
		return parse_error(ps, ps->p, "expected %s", what);
	ps->p++;
	while (is_ident_char(*ps->p))
		ps->p++;
	*out = strndup(start, ps->p - start);
	return *out ? 0 : -ENOMEM;
}

static int parse_number(struct parser *ps, uint64_t *out)
{
	const char *start = ps->p;
	char *end;

	errno = 0;
	*out = strtoull(ps->p, &end, 0);
	if (end == ps->p || errno)
		return parse_error(ps, start, "expected a number");
	ps->p = end;
	return 0;
}

/*
 * '[' N ']' where an index must be: followed by a member access or another index.  A
 * trailing [N] is left to parse_len(): after a pointer it is a length, as it always was
 * (probe.c makes it an index when the expression is an array).
 */
static bool at_index(const struct parser *ps)
{
	const char *q = ps->p;

	if (*q++ != '[' || !isdigit((unsigned char)*q))
		return false;
	while (isalnum((unsigned char)*q))
		q++;
	return *q == ']' && (q[1] == '[' || q[1] == '.' || !strncmp(q + 1, "->", 2));
}

static int add_step(struct parser *ps, struct fetch *f)
{
	if (f->nmembers < UPT_MAX_DEREF)
		return f->nmembers++;
	parse_error(ps, ps->p, "more than %d member accesses and indexes", UPT_MAX_DEREF);
	return -EINVAL;
}

/* EXPR := ['*'] base { ('->' | '.') member | '[' N ']' } */
static int parse_expr(struct parser *ps, struct fetch *f)
{
	const char *start = ps->p;
	bool arrow, deref = false;
	int err, k;

	if (*ps->p == '*') {
		deref = true;
		ps->p++;
		skip_ws(ps);
	}
	if (*ps->p == '$') {
		if (strncmp(ps->p, "$retval", 7) || is_ident_char(ps->p[7]))
			return parse_error(ps, ps->p, "unknown special name (only $retval exists)");
		ps->p += 7;
		f->base = strdup("$retval");
		if (!f->base)
			return -ENOMEM;
	} else {
		err = parse_ident(ps, &f->base, "an argument name, argN or $retval");
		if (err)
			return err;
	}
	for (;;) {
		if (at_index(ps)) {
			k = add_step(ps, f);
			if (k < 0)
				return k;
			ps->p++;
			err = parse_number(ps, &f->index[k]);
			if (err)
				return err;
			if (*ps->p != ']')
				return parse_error(ps, ps->p, "expected ']'");
			ps->p++;
			continue;
		}
		if (!strncmp(ps->p, "->", 2))
			arrow = true;
		else if (*ps->p == '.')
			arrow = false;
		else
			break;
		k = add_step(ps, f);
		if (k < 0)
			return k;
		ps->p += arrow ? 2 : 1;
		f->arrow[k] = arrow;
		err = parse_ident(ps, &f->members[k], "a member name");
		if (err)
			return err;
	}
	/* *x is x[0]: the value x points at */
	if (deref) {
		k = add_step(ps, f);
		if (k < 0)
			return k;
		f->index[k] = 0;
	}
	f->text = strndup(start, ps->p - start);
	return f->text ? 0 : -ENOMEM;
}

/* LEN := number | EXPR (a plain parameter name or argN) */
static int parse_len(struct parser *ps, struct fetch *f)
{
	const char *start;
	int err;

	ps->p++; /* '[' */
	skip_ws(ps);
	start = ps->p;
	f->has_len = true;
	if (isdigit((unsigned char)*ps->p)) {
		err = parse_number(ps, &f->len_num);
		if (err)
			return err;
		/* without a TYPE, x[0] may index an array: probe.c decides */
		if (f->len_num == 0 && f->type != FT_DEFAULT)
			return parse_error(ps, start, "a length must be at least 1");
	} else {
		err = parse_ident(ps, &f->len_expr, "a length: a number or an argument name");
		if (err)
			return err;
		if (*ps->p == '.' || *ps->p == '-')
			return parse_error(ps, ps->p,
					   "a length must be a number or an argument name");
	}
	skip_ws(ps);
	if (*ps->p != ']')
		return parse_error(ps, ps->p, "expected ']'");
	ps->p++;
	return 0;
}

/* FETCH := EXPR [':' TYPE] ['[' LEN ']'] */
static int parse_fetch(struct parser *ps, struct fetch *f)
{
	const char *start;
	int err;

	skip_ws(ps);
	f->pos = ps->p - ps->text;
	err = parse_expr(ps, f);
	if (err)
		return err;
	skip_ws(ps);
	if (*ps->p == ':') {
		ps->p++;
		skip_ws(ps);
		start = ps->p;
		while (isalnum((unsigned char)*ps->p))
			ps->p++;
		if (ps->p == start)
			return parse_error(ps, start, "expected a type after ':'");
		if (fetch_type_parse(start, ps->p - start, &f->type))
			return parse_error(ps, start,
					   "unknown type '%.*s' (s8..s64, u8..u64, x64, ptr, str, "
					   "bytes, msgpack, auto)",
					   (int)(ps->p - start), start);
		skip_ws(ps);
	}
	if (*ps->p == '[') {
		start = ps->p;
		err = parse_len(ps, f);
		if (err)
			return err;
		if (f->type != FT_DEFAULT && f->type != FT_STR && f->type != FT_BYTES &&
		    f->type != FT_MSGPACK && f->type != FT_AUTO)
			return parse_error(ps, start, "a length needs a buffer type "
					   "(str, bytes, msgpack or auto), not %s",
					   fetch_type_name(f->type));
		skip_ws(ps);
	}
	return 0;
}

static int parse_fetch_list(struct parser *ps, struct probe_def *out)
{
	struct fetch *tmp;
	int err;

	ps->p++; /* '(' */
	out->has_list = true;
	skip_ws(ps);
	if (*ps->p == ')') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (out->nfetches == UPT_MAX_ARGS)
			return parse_error(ps, ps->p, "more than %d fetches", UPT_MAX_ARGS);
		tmp = realloc(out->fetches, (out->nfetches + 1) * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		out->fetches = tmp;
		memset(&tmp[out->nfetches], 0, sizeof(*tmp));
		err = parse_fetch(ps, &tmp[out->nfetches++]);
		if (err)
			return err;
		if (*ps->p == ')') {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return parse_error(ps, ps->p, *ps->p ? "expected ',' or ')'"
							    : "missing ')'");
		ps->p++;
	}
}

/*
 * [OBJ ':'] FUNC: the object ends at the last single ':' before the fetch list ("::" is
 * part of a C++ name).  FUNC runs up to '%', '(' or the end.
 */
static int parse_target(struct parser *ps, struct probe_def *out)
{
	const char *end = ps->p + strcspn(ps->p, "(%"), *colon = NULL, *q;

	for (q = ps->p; q < end; q++) {
		if (q[0] == ':' && q[1] == ':') {
			q++;
			continue;
		}
		if (q[0] == ':')
			colon = q;
	}
	if (colon) {
		if (colon == ps->p)
			return parse_error(ps, ps->p, "empty object name before ':'");
		out->obj = strndup(ps->p, colon - ps->p);
		if (!out->obj)
			return -ENOMEM;
		ps->p = colon + 1;
	}
	q = ps->p;
	while (ps->p < end && !isspace((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == q)
		return parse_error(ps, q, "expected a function name");
	out->func = strndup(q, ps->p - q);
	if (!out->func)
		return -ENOMEM;
	skip_ws(ps);
	if (*ps->p == '%') {
		if (strncmp(ps->p, "%return", 7))
			return parse_error(ps, ps->p, "expected %%return");
		out->ret = true;
		ps->p += 7;
		skip_ws(ps);
	}
	return 0;
}

int probe_def__parse(const char *text, struct probe_def *out)
{
	struct parser ps = { .text = text, .p = text };
	int err;

	memset(out, 0, sizeof(*out));
	out->text = strdup(text);
	if (!out->text)
		return -ENOMEM;
	skip_ws(&ps);
	err = parse_target(&ps, out);
	if (!err && *ps.p == '(')
		err = parse_fetch_list(&ps, out);
	if (!err) {
		skip_ws(&ps);
		if (*ps.p)
			err = parse_error(&ps, ps.p, "unexpected text after the probe");
	}
	if (err)
		probe_def__free(out);
	return err;
}

static void fetch__free(struct fetch *f)
{
	int i;

	free(f->text);
	free(f->base);
	free(f->len_expr);
	for (i = 0; i < f->nmembers; i++)
		free(f->members[i]);
}

void probe_def__free(struct probe_def *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nfetches; i++)
		fetch__free(&p->fetches[i]);
	free(p->fetches);
	free(p->text);
	free(p->obj);
	free(p->func);
	memset(p, 0, sizeof(*p));
}
