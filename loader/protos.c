// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * protos.c - built-in prototypes of well-known functions, and a parser for them.
 *
 * Production binaries (Fluent Bit packages among them) usually ship without debug info,
 * yet users expect `uptrace fluent-bit flb_input_log_append` to show the record.  The
 * prototypes below are plain C declarations, kept as data: adding one is adding a line.
 * proto_parse() reads the small subset of C declarations they use into struct proto, the
 * same shape the DWARF reader fills, so the same typing rules apply to both.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dwarfinfo.h"
#include "spec.h"
#include "util.h"

static const char *const builtin_protos[] = {
	/* Fluent Bit: the input path every log record goes through */
	"int flb_input_log_append(struct flb_input_instance *ins, const char *tag, "
	"size_t tag_len, const void *buf, size_t buf_size)",
	"int flb_input_log_append_records(struct flb_input_instance *ins, size_t records, "
	"const char *tag, size_t tag_len, const void *buf, size_t buf_size)",
	"int flb_input_log_append_skip_processor_stages(struct flb_input_instance *ins, "
	"size_t stage, const char *tag, size_t tag_len, const void *buf, size_t buf_size)",
	"int flb_input_log_append_processed(struct flb_input_instance *ins, size_t records, "
	"const char *tag, size_t tag_len, const void *buf, size_t buf_size)",
	"int flb_input_chunk_append_raw(struct flb_input_instance *in, int event_type, "
	"size_t records, const char *tag, size_t tag_len, const void *buf, size_t buf_size)",
	/* libc */
	"void *malloc(size_t size)",
	"void free(void *ptr)",
	"void *calloc(size_t nmemb, size_t size)",
	"void *realloc(void *ptr, size_t size)",
	"int puts(const char *s)",
	"ssize_t write(int fd, const void *buf, size_t count)",
	"int open(const char *pathname, int flags, unsigned int mode)",
	"int execve(const char *pathname, char **argv, char **envp)",
	/* libssl: plaintext on its way into TLS */
	"int SSL_write(SSL *ssl, const void *buf, int num)",
	"int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)",
	/* and out of it: at the entry buf is not filled yet, so its size is named `max`, not
	 * size-like (no capture of stale bytes); the plaintext is SSL_read%return's to count */
	"int SSL_read(SSL *ssl, void *buf, int max)",
	"int SSL_read_ex(SSL *s, void *buf, size_t max, size_t *readbytes)",
	/* readline, sqlite */
	"char *readline(const char *prompt)",
	"int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, "
	"sqlite3_stmt **ppStmt, const char **pzTail)",
};

const char *proto_builtin(const char *func)
{
	size_t i, n = strlen(func);
	const char *p;

	for (i = 0; i < ARRAY_SIZE(builtin_protos); i++) {
		p = strchr(builtin_protos[i], '(');
		if (p - builtin_protos[i] < (long)n)
			continue;
		p -= n;
		if (!memcmp(p, func, n) && (p == builtin_protos[i] || p[-1] == ' ' || p[-1] == '*'))
			return builtin_protos[i];
	}
	return NULL;
}

bool param_is_size_like(const char *name)
{
	static const char *const exact[] = { "len", "size", "n", "count", "num", "nbytes" };
	static const char *const suffix[] = { "len", "size", "_count" };
	size_t i, n = strlen(name), m;

	for (i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcmp(name, exact[i]))
			return true;
	for (i = 0; i < ARRAY_SIZE(suffix); i++) {
		m = strlen(suffix[i]);
		if (n > m && !strcmp(name + n - m, suffix[i]))
			return true;
	}
	return false;
}

struct int_type {
	const char *name;
	uint8_t size;
	bool is_signed;
};

/* Integer types by their last significant word(s); everything else unknown is a long. */
static const struct int_type int_types[] = {
	{ "char", 1, true },	   { "short", 2, true },     { "int", 4, true },
	{ "long", 8, true },	   { "size_t", 8, false },   { "ssize_t", 8, true },
	{ "off_t", 8, true },	   { "pid_t", 4, true },     { "uid_t", 4, false },
	{ "gid_t", 4, false },	   { "mode_t", 4, false },   { "socklen_t", 4, false },
	{ "int8_t", 1, true },	   { "int16_t", 2, true },   { "int32_t", 4, true },
	{ "int64_t", 8, true },	   { "uint8_t", 1, false },  { "uint16_t", 2, false },
	{ "uint32_t", 4, false },  { "uint64_t", 8, false }, { "uintptr_t", 8, false },
	{ "intptr_t", 8, true },   { "bool", 1, false },     { "_Bool", 1, false },
};

/* Classify "const char *", "size_t", "struct x *", "unsigned int" ... */
static void classify(struct param *p, const char *type, int nptr)
{
	bool is_unsigned = strstr(type, "unsigned") != NULL;
	char word[64] = "";
	const char *w, *last = type;
	size_t i, n;

	/* the last word that is not a qualifier names the base type */
	for (w = type; *w;) {
		while (*w == ' ')
			w++;
		n = strcspn(w, " ");
		if (n && strncmp(w, "const", n) && strncmp(w, "volatile", n) &&
		    strncmp(w, "unsigned", n) && strncmp(w, "signed", n))
			last = w;
		w += n;
	}
	n = strcspn(last, " ");
	snprintf(word, sizeof(word), "%.*s", (int)n, last);

	p->size = 8;
	p->is_signed = false;
	if (nptr) {
		if (nptr == 1 && !strcmp(word, "char"))
			p->cls = CT_CHAR_PTR;
		else if (nptr == 1 && !strcmp(word, "void"))
			p->cls = CT_VOID_PTR;
		else
			p->cls = CT_PTR;
		return;
	}
	if ((!strcmp(word, "float") || !strcmp(word, "double")) && !strstr(type, "long")) {
		p->cls = CT_FLOAT;
		p->size = !strcmp(word, "float") ? 4 : 8;
		return;
	}
	if (!strcmp(word, "double") || strstr(type, "struct ") || strstr(type, "union ")) {
		p->cls = CT_UNSUPPORTED;
		return;
	}
	p->cls = !strcmp(word, "bool") || !strcmp(word, "_Bool") ? CT_BOOL : CT_INT;
	if (!strcmp(word, "unsigned") || !strcmp(word, "signed"))
		snprintf(word, sizeof(word), "int"); /* "unsigned" alone */
	for (i = 0; i < ARRAY_SIZE(int_types); i++) {
		if (!strcmp(word, int_types[i].name)) {
			p->size = int_types[i].size;
			p->is_signed = int_types[i].is_signed && !is_unsigned;
			return;
		}
	}
	if (strstr(type, "enum "))
		p->size = 4, p->is_signed = true;
}

/* One "TYPE [*...] NAME" into *p.  The type is everything before the name. */
static int parse_param(const char *s, size_t len, int idx, struct param *p)
{
	const char *end = s + len, *name;
	char type[128];
	int nptr = 0;
	size_t tlen;

	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	name = end;
	while (name > s && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == s || name == end)
		return -EINVAL; /* unnamed parameters are not used in our table */
	tlen = name - s;
	if (tlen >= sizeof(type))
		return -EINVAL;
	memcpy(type, s, tlen);
	type[tlen] = 0;
	for (char *t = type; *t; t++)
		if (*t == '*')
			nptr++;
	while (tlen && (type[tlen - 1] == ' ' || type[tlen - 1] == '*'))
		type[--tlen] = 0;
	if (!tlen)
		return -EINVAL;
	p->name = strndup(name, end - name);
	if (!p->name)
		return -ENOMEM;
	if (asprintf(&p->ctype, "%s%s%.*s", type, nptr ? " " : "", nptr, "********") < 0) {
		p->ctype = NULL;
		return -ENOMEM;
	}
	(void)idx;
	classify(p, type, nptr);
	return 0;
}

int proto_parse(const char *decl, struct proto *out)
{
	const char *open = strchr(decl, '('), *close = strrchr(decl, ')');
	const char *name, *s, *comma;
	struct param *tmp;
	int err;

	memset(out, 0, sizeof(*out));
	if (!open || !close || close < open)
		return -EINVAL;
	name = open;
	while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == open)
		return -EINVAL;
	out->name = strndup(name, open - name);
	out->ret_ctype = strndup(decl, name - decl);
	if (!out->name || !out->ret_ctype)
		goto nomem;
	for (s = open + 1; s < close; s = comma + 1) {
		comma = memchr(s, ',', close - s);
		if (!comma)
			comma = close;
		if (comma == s && comma == close)
			break; /* "()" */
		if (!strncmp(s, "void)", 5) && out->nparams == 0)
			break;
		tmp = realloc(out->params, (out->nparams + 1) * sizeof(*tmp));
		if (!tmp)
			goto nomem;
		out->params = tmp;
		memset(&tmp[out->nparams], 0, sizeof(*tmp));
		err = parse_param(s, comma - s, out->nparams, &tmp[out->nparams]);
		out->nparams++;
		if (err) {
			proto__free(out);
			return err;
		}
	}
	return 0;
nomem:
	proto__free(out);
	return -ENOMEM;
}

/* A DWARF type's class, as the typing rules see it. */
static void classify_dwarf(struct param *p, const struct sym_type *t)
{
	p->dwtype = t;
	p->size = t->size > 8 || !t->size ? 8 : t->size;
	p->is_signed = t->is_signed;
	switch (t->kind) {
	case SYM_T_INT:
	case SYM_T_ENUM:
		p->cls = CT_INT;
		break;
	case SYM_T_BOOL:
		p->cls = CT_BOOL;
		break;
	case SYM_T_CHAR_PTR:
		p->cls = CT_CHAR_PTR;
		break;
	case SYM_T_VOID_PTR:
		p->cls = CT_VOID_PTR;
		break;
	case SYM_T_PTR:
		p->cls = CT_PTR;
		break;
	case SYM_T_FLOAT:
		p->cls = t->size == 4 || t->size == 8 ? CT_FLOAT : CT_UNSUPPORTED;
		break;
	default:
		p->cls = CT_UNSUPPORTED;
		break;
	}
}

static int param_from_dwarf(struct param *p, const char *name, const struct sym_type *t,
			    const struct sym_loc *loc)
{
	static const enum param_loc kinds[] = {
		[SYM_LOC_NONE] = PARAM_LOC_NONE, [SYM_LOC_REG] = PARAM_LOC_REG,
		[SYM_LOC_MEM] = PARAM_LOC_MEM,	 [SYM_LOC_CONST] = PARAM_LOC_CONST,
	};

	p->name = strdup(name ?: "?");
	p->ctype = strdup(t->name ?: "?");
	if (!p->name || !p->ctype)
		return -ENOMEM;
	classify_dwarf(p, t);
	if (loc) {
		p->loc = (size_t)loc->kind < ARRAY_SIZE(kinds) ? kinds[loc->kind] : PARAM_LOC_NONE;
		p->reg = loc->reg;
		p->off = loc->off;
		p->why = loc->why;
	}
	return 0;
}

int proto_from_dwarf(const struct sym_fn_info *info, struct proto *out)
{
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	out->name = strdup(info->name);
	out->ret_ctype = strdup(info->ret.name ?: "void");
	out->params = calloc(info->nparams ?: 1, sizeof(*out->params));
	if (!out->name || !out->ret_ctype || !out->params)
		goto nomem;
	for (i = 0; i < info->nparams; i++) {
		err = param_from_dwarf(&out->params[i], info->params[i].name,
				       &info->params[i].type, &info->params[i].loc);
		out->nparams++;
		if (err)
			goto nomem;
	}
	if (info->ret.kind != SYM_T_VOID) {
		out->has_ret = true;
		if (param_from_dwarf(&out->ret, "retval", &info->ret, NULL))
			goto nomem;
	}
	return 0;
nomem:
	proto__free(out);
	return -ENOMEM;
}

int proto_ret_param(const struct proto *proto, struct param *out)
{
	char decl[160];
	const char *t = proto->ret_ctype;

	memset(out, 0, sizeof(*out));
	if (proto->has_ret) {
		*out = proto->ret;
		out->name = strdup(proto->ret.name);
		out->ctype = strdup(proto->ret.ctype);
		return out->name && out->ctype ? 0 : -ENOMEM;
	}
	while (*t == ' ')
		t++;
	if (!strncmp(t, "void", 4) && !strchr(t, '*'))
		return -ENOENT;
	if (snprintf(decl, sizeof(decl), "%s retval", t) >= (int)sizeof(decl))
		return -EINVAL;
	return parse_param(decl, strlen(decl), 0, out);
}

void param__free(struct param *p)
{
	free(p->name);
	free(p->ctype);
	memset(p, 0, sizeof(*p));
}

void proto__free(struct proto *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nparams; i++)
		param__free(&p->params[i]);
	param__free(&p->ret);
	free(p->params);
	free(p->name);
	free(p->ret_ctype);
	memset(p, 0, sizeof(*p));
}
