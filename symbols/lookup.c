// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lookup.c - function name or glob -> functions with file offsets, and the errors a user
 * needs when that is not exactly one.
 *
 * A lookup is one linear pass of the symbol iterator over .dynsym and .symtab; nothing is
 * sorted or indexed up front, so resolving one name in a 50 MB binary costs one read of
 * its symbol tables.  A symbol matches when
 *  - its name (without @VER) equals the pattern's name, or fnmatch(3)es it for a glob;
 *  - and the pattern's suffix, if any, picks it: @VER any version VER, @@VER only the
 *    default one, @file.c a local of that source file, @0xADDR its address.  Without a
 *    suffix, a non-default version (memcpy@GLIBC_2.2.5) never matches: plain `memcpy` is
 *    what the dynamic linker would bind, memcpy@@GLIBC_2.14.
 * The few matches are then grouped by address: aliases, and one symbol seen in both
 * tables, are one function, named by its GLOBAL name before WEAK before LOCAL.
 *
 * Only when resolving fails do we walk the tables a second time, to say why: the name
 * exists with another version or file (list them), it is only imported (name the library),
 * or it does not exist (list up to five close names, by edit distance or substring).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "elf_internal.h"

#define MAX_CLOSE     5	 /* close names in a "no function" message */
#define MAX_NEEDED    16 /* DT_NEEDED names in an "imported" message */
#define MAX_EDIT_LEN  64 /* longer names are compared by substring only */
#define MAX_AMBIGUOUS 16 /* candidates listed in an "ambiguous" message */

struct sym_pat {
	char *buf; /* owned copy of the pattern, cut at the '@' */
	const char *base;
	size_t base_len;
	const char *suffix; /* after '@' or '@@', or NULL */
	bool dflt;	    /* '@@': the default version only */
	bool glob;
	bool by_addr; /* suffix is 0xADDR */
	uint64_t addr;
};

struct cand {
	struct sym_ent ent;
	uint64_t offset;
	const char *sig; /* a C++ function: its demangled signature (overloads differ there) */
};

struct cands {
	struct cand *v;
	size_t n, cap;
	char **names; /* demangled names the candidates point at */
	size_t nnames;
};

static void cands_free(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->v);
}

/* Keep name (malloc'ed) for as long as the candidates; -ENOMEM frees it. */
static int cands_keep(struct cands *c, char *name)
{
	char **v = realloc(c->names, (c->nnames + 1) * sizeof(*v));

	if (!v) {
		free(name);
		return -ENOMEM;
	}
	c->names = v;
	c->names[c->nnames++] = name;
	return 0;
}

/* The C++ runtime's demangler (libstdc++, a C ABI function). */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/*
 * A C++ function's name as C++ spells it, without its parameters: "ns::Conn::send" for
 * _ZN2ns4Conn4sendEPKcm, "ns::Conn::operator()" for its call operator; *sig the whole
 * demangled name, parameters included.  NULL when the symbol is not a mangled name (or
 * does not demangle).  The caller frees both.
 */
static char *cxx_name(const struct sym_ent *s, char **sig)
{
	char mangled[1024], *full, *q;
	int status = -1, angle = 0;

	if (s->name_len < 3 || strncmp(s->name, "_Z", 2) || s->name_len >= sizeof(mangled))
		return NULL;
	memcpy(mangled, s->name, s->name_len);
	mangled[s->name_len] = '\0';
	full = __cxa_demangle(mangled, NULL, NULL, &status);
	if (status || !full) {
		free(full);
		return NULL;
	}
	/* the parameter list: the first '(' outside template arguments, but operator()'s */
	for (q = full; *q; q++) {
		if (!strncmp(q, "operator", 8)) {
			q += 8;
			if (!strncmp(q, "()", 2))
				q++;
			else
				while (*q && *q != '(' && q[1] != '(')
					q++; /* operator<, operator<<, ...: not brackets */
			continue;
		}
		if (*q == '<')
			angle++;
		else if (*q == '>' && angle)
			angle--;
		else if (*q == '(' && !angle)
			break;
	}
	*sig = strdup(full);
	if (!*sig) {
		free(full);
		return NULL;
	}
	*q = '\0';
	return full;
}

bool sym_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

void sym_func__clear(struct sym_func *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->version);
	free(f->file);
	memset(f, 0, sizeof(*f));
}

void sym_funcs__free(struct sym_func *f, size_t cnt)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < cnt; i++)
		sym_func__clear(&f[i]);
	free(f);
}

/* ---- matching ------------------------------------------------------------------------- */

static int pat_parse(struct sym_pat *p, const char *pattern)
{
	char *at, *end;

	memset(p, 0, sizeof(*p));
	p->buf = strdup(pattern);
	if (!p->buf)
		return -ENOMEM;
	at = strchr(p->buf, '@');
	if (at) {
		*at++ = '\0';
		if (*at == '@') {
			p->dflt = true;
			at++;
		}
		p->suffix = at;
		if (!p->dflt && at[0] == '0' && (at[1] == 'x' || at[1] == 'X') && at[2]) {
			errno = 0;
			p->addr = strtoull(at + 2, &end, 16);
			p->by_addr = !*end && !errno;
		}
	}
	p->base = p->buf;
	p->base_len = strlen(p->base);
	p->glob = sym_is_glob(p->base);
	return 0;
}

static bool name_is(const struct sym_ent *s, const char *name, size_t len)
{
	return s->name_len == len && !memcmp(s->name, name, len);
}

static bool name_match(const struct sym_pat *p, const struct sym_ent *s)
{
	char buf[256], *tmp;
	bool ok;

	if (!p->glob)
		return name_is(s, p->base, p->base_len);
	if (!s->name[s->name_len])
		return !fnmatch(p->base, s->name, 0);
	/* A .symtab "name@VER": match the name alone. */
	if (s->name_len < sizeof(buf)) {
		memcpy(buf, s->name, s->name_len);
		buf[s->name_len] = '\0';
		return !fnmatch(p->base, buf, 0);
	}
	tmp = strndup(s->name, s->name_len);
	ok = tmp && !fnmatch(p->base, tmp, 0);
	free(tmp);
	return ok;
}

/* STT_FILE names are usually a basename already; accept either the whole or its basename. */
static bool file_match(const char *file, const char *want)
{
	const char *slash;

	if (!file)
		return false;
	if (!strcmp(file, want))
		return true;
	slash = strrchr(file, '/');
	return slash && !strcmp(slash + 1, want);
}

static bool suffix_match(const struct sym_pat *p, const struct sym_ent *s)
{
	if (!p->suffix)
		return !s->hidden;
	if (p->by_addr)
		return s->addr == p->addr;
	if (s->ver && !strcmp(s->ver, p->suffix))
		return !p->dflt || !s->hidden;
	return !p->dflt && file_match(s->file, p->suffix);
}

static int cands_push(struct cands *c, const struct sym_ent *s, uint64_t offset)
{
	struct cand *v;
	size_t cap;

	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 8;
		v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (struct cand){.ent = *s, .offset = offset};
	return 0;
}

/* The one pass: every defined function that matches and has a file offset to probe. */
static int collect(const struct sym_elf *e, const struct sym_pat *p, struct cands *c)
{
	/* C++ functions go by their demangled names, unless a mangled one is asked for */
	bool cxx = strncmp(p->base, "_Z", 2) != 0;
	const struct sym_ent *s;
	struct sym_iter it;
	struct sym_ent d;
	char *name, *sig = NULL;
	uint64_t off;

	sym_iter__init(&it, e);
	while ((s = sym_iter__next(&it))) {
		if (!s->defined)
			continue;
		name = cxx ? cxx_name(s, &sig) : NULL;
		if (name) {
			d = *s;
			d.name = name;
			d.name_len = strlen(name);
			s = &d;
		}
		/* an offset: not mapped from the file is nothing a uprobe could hit */
		if (!name_match(p, s) || !suffix_match(p, s) || !sym_addr_offset(e, s->addr, &off)) {
			if (name) {
				free(name);
				free(sig);
			}
			continue;
		}
		if (name && cands_keep(c, name)) {
			free(sig);
			return -ENOMEM;
		}
		if (name && cands_keep(c, sig))
			return -ENOMEM;
		if (cands_push(c, s, off))
			return -ENOMEM;
		c->v[c->n - 1].sig = name ? sig : NULL;
	}
	return 0;
}

/* ---- aliases -------------------------------------------------------------------------- */

static int bind_rank(uint8_t bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	case STB_LOCAL:
		return 2;
	default:
		return 3;
	}
}

static size_t underscores(const struct sym_ent *s)
{
	size_t n = 0;

	while (n < s->name_len && s->name[n] == '_')
		n++;
	return n;
}

/* Which of two names for one address to show: < 0 when a's.  malloc over __libc_malloc. */
static int cand_pref(const struct cand *a, const struct cand *b)
{
	size_t ua, ub;
	int d;

	d = bind_rank(a->ent.bind) - bind_rank(b->ent.bind);
	if (d)
		return d;
	ua = underscores(&a->ent);
	ub = underscores(&b->ent);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	if (a->ent.name_len != b->ent.name_len)
		return a->ent.name_len < b->ent.name_len ? -1 : 1;
	d = memcmp(a->ent.name, b->ent.name, a->ent.name_len);
	if (d)
		return d;
	if (a->ent.dynsym != b->ent.dynsym)
		return a->ent.dynsym ? -1 : 1;
	return 0;
}

static int cand_cmp_addr(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->ent.addr != b->ent.addr)
		return a->ent.addr < b->ent.addr ? -1 : 1;
	return cand_pref(a, b);
}

/* The same name seen again at the same address (.dynsym and .symtab): fill what is missing. */
static void cand_merge(struct cand *rep, const struct cand *o)
{
	if (!name_is(&rep->ent, o->ent.name, o->ent.name_len))
		return;
	if (!rep->ent.ver && o->ent.ver) {
		rep->ent.ver = o->ent.ver;
		rep->ent.hidden = o->ent.hidden;
	}
	if (!rep->ent.file)
		rep->ent.file = o->ent.file;
	if (!rep->ent.size)
		rep->ent.size = o->ent.size;
	rep->ent.dynsym |= o->ent.dynsym;
}

/* One candidate per address, the preferred name first; returns the new count. */
static size_t dedup(struct cands *c)
{
	size_t i, j, n = 0;

	if (!c->n)
		return 0;
	qsort(c->v, c->n, sizeof(*c->v), cand_cmp_addr);
	for (i = 0; i < c->n; i = j) {
		for (j = i + 1; j < c->n && c->v[j].ent.addr == c->v[i].ent.addr; j++)
			cand_merge(&c->v[i], &c->v[j]);
		if (n != i)
			c->v[n] = c->v[i];
		n++;
	}
	c->n = n;
	return n;
}

static int cand_to_func(const struct cand *c, struct sym_func *f)
{
	memset(f, 0, sizeof(*f));
	f->name = strndup(c->ent.name, c->ent.name_len);
	f->version = c->ent.ver ? strdup(c->ent.ver) : NULL;
	f->file = c->ent.file ? strdup(c->ent.file) : NULL;
	if (!f->name || (c->ent.ver && !f->version) || (c->ent.file && !f->file)) {
		sym_func__clear(f);
		return -ENOMEM;
	}
	f->addr = c->ent.addr;
	f->size = c->ent.size;
	f->offset = c->offset;
	f->bind = c->ent.bind;
	f->type = c->ent.type;
	f->dynsym = c->ent.dynsym;
	return 0;
}

static int func_cmp(const void *pa, const void *pb)
{
	const struct sym_func *a = pa, *b = pb;
	int d = strcmp(a->name, b->name);

	if (d)
		return d;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* ---- find ----------------------------------------------------------------------------- */

int sym_elf__find(struct sym_elf *e, const char *pattern, struct sym_func **out, size_t *cnt)
{
	struct sym_func *f = NULL;
	struct cands c = {};
	struct sym_pat p;
	size_t i, n = 0;
	int err;

	*out = NULL;
	*cnt = 0;
	err = pat_parse(&p, pattern);
	if (!err)
		err = collect(e, &p, &c);
	if (!err)
		n = dedup(&c);
	if (!err && n) {
		f = calloc(n, sizeof(*f));
		err = f ? 0 : -ENOMEM;
		for (i = 0; !err && i < n; i++)
			err = cand_to_func(&c.v[i], &f[i]);
	}
	cands_free(&c);
	free(p.buf);
	if (err) {
		sym_funcs__free(f, n);
		sym_pr("%s: out of memory looking up '%s'\n", e->path, pattern);
		return err;
	}
	if (n)
		qsort(f, n, sizeof(*f), func_cmp);
	*out = f;
	*cnt = n;
	return 0;
}

/* ---- resolve: why a name is ambiguous ------------------------------------------------- */

static size_t count_file(const struct cands *c, const char *file)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += file_match(c->v[i].ent.file, file);
	return n;
}

static size_t count_ver(const struct cands *c, const char *ver)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->v[i].ent.ver && !strcmp(c->v[i].ent.ver, ver);
	return n;
}

/*
 * How the user names candidate i alone: name@file.c, else name@VER, else name@0xADDR.
 * Returns whether the source file is in the selector.
 */
static bool print_selector(FILE *f, const struct cands *c, size_t i)
{
	const struct sym_ent *s = &c->v[i].ent;
	const char *sel = NULL, *base;

	if (s->file) {
		base = strrchr(s->file, '/');
		base = base ? base + 1 : s->file;
		if (count_file(c, base) == 1)
			sel = base;
		else if (count_file(c, s->file) == 1)
			sel = s->file;
	}
	if (!sel && s->ver && count_ver(c, s->ver) == 1) {
		fprintf(f, "%.*s@%s", (int)s->name_len, s->name, s->ver);
		return false;
	}
	if (!sel) {
		fprintf(f, "%.*s@0x%llx", (int)s->name_len, s->name, (unsigned long long)s->addr);
		return false;
	}
	fprintf(f, "%.*s@%s", (int)s->name_len, s->name, sel);
	return true;
}

static int report_ambiguous(const struct sym_elf *e, const struct cands *c, const char *name)
{
	char *list = NULL, *example = NULL;
	size_t list_len, example_len, i;
	const struct sym_ent *s;
	FILE *fl, *fx;
	bool by_file;

	fl = open_memstream(&list, &list_len);
	fx = open_memstream(&example, &example_len);
	if (fl && fx) {
		for (i = 0; i < c->n; i++) {
			s = &c->v[i].ent;
			if (i == MAX_AMBIGUOUS) {
				fprintf(fl, " and %zu more", c->n - i);
				break;
			}
			fputs(i ? ", " : "", fl);
			by_file = print_selector(fl, c, i);
			fputs(" (", fl);
			if (c->v[i].sig)
				fprintf(fl, "%s, ", c->v[i].sig);
			fprintf(fl, "0x%llx, %llu bytes", (unsigned long long)s->addr,
				(unsigned long long)s->size);
			if (s->file && !by_file)
				fprintf(fl, ", %s", s->file);
			else if (!s->file)
				fputs(s->bind == STB_LOCAL ? ", local" : ", global", fl);
			fputc(')', fl);
		}
		print_selector(fx, c, 0);
	}
	if (fl)
		fclose(fl);
	if (fx)
		fclose(fx);
	if (list && example)
		sym_pr("%s: function '%s' is ambiguous, %zu functions have that name: %s; "
		       "pick one by its qualified name, e.g. '%s'\n",
		       e->path, name, c->n, list, example);
	else
		sym_pr("%s: function '%s' is ambiguous, %zu functions have that name\n", e->path,
		       name, c->n);
	free(list);
	free(example);
	return -ENOTUNIQ;
}

/* ---- resolve: why a name is missing --------------------------------------------------- */

struct near {
	const char *name;
	size_t len;
	unsigned int score;
};

struct missing {
	char *qual[MAX_CLOSE]; /* the same name with another version or file */
	size_t nr_qual;
	struct near near[MAX_CLOSE]; /* other names, best first */
	size_t nr_near;
	bool imported;
	const char *imported_from; /* from .gnu.version_r, when it says */
	bool unmapped;		   /* defined, but at an address no PT_LOAD maps from the file */
	uint64_t unmapped_addr;
};

static bool same_char(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/*
 * Edit distance ignoring case, where swapping two neighbours counts as one edit (optimal
 * string alignment: "fix_alpah" is 1 from "fix_alpha").  Row i lives in rows[i % 3].
 * Gives up, returning max + 1, as soon as a whole row exceeds max.
 */
static unsigned int edit_distance(const char *a, size_t la, const char *b, size_t lb,
				  unsigned int max)
{
	unsigned int rows[3][MAX_EDIT_LEN + 1], *c, *p, *pp, best, v;
	size_t i, j;

	if (la > MAX_EDIT_LEN || lb > MAX_EDIT_LEN || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (i = 1; i <= la; i++) {
		c = rows[i % 3];
		p = rows[(i - 1) % 3];
		pp = rows[(i + 1) % 3]; /* row i - 2 */
		c[0] = best = i;
		for (j = 1; j <= lb; j++) {
			v = p[j - 1] + !same_char(a[i - 1], b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2]) &&
			    same_char(a[i - 2], b[j - 1]) && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return rows[la % 3][lb];
}

static int near_cmp(const struct near *a, const struct near *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int d;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	d = memcmp(a->name, b->name, n);
	return d;
}

static void add_near(struct missing *m, const struct sym_pat *p, const struct sym_ent *s)
{
	size_t q = p->base_len, i, pos;
	unsigned int max = q < 4 ? 1 : q < 8 ? 2 : 3;
	struct near nr = {.name = s->name, .len = s->name_len};

	nr.score = edit_distance(p->base, q, s->name, s->name_len, max);
	if (nr.score > max) {
		if (q < 3 || !memmem(s->name, s->name_len, p->base, q))
			return;
		nr.score = max + 1;
	}
	for (i = 0; i < m->nr_near; i++)
		if (name_is(s, m->near[i].name, m->near[i].len))
			return;
	for (pos = 0; pos < m->nr_near && near_cmp(&m->near[pos], &nr) <= 0; pos++)
		;
	if (pos == MAX_CLOSE)
		return;
	if (m->nr_near < MAX_CLOSE)
		m->nr_near++;
	memmove(&m->near[pos + 1], &m->near[pos], (m->nr_near - 1 - pos) * sizeof(nr));
	m->near[pos] = nr;
}

/* The same name under another version or source file: name@@VER, name@VER, name@file.c. */
static int add_qual(struct missing *m, const struct sym_elf *e, const struct sym_ent *s)
{
	uint64_t off;
	char *q;
	size_t i;
	int n;

	if (!sym_addr_offset(e, s->addr, &off)) {
		m->unmapped = true;
		m->unmapped_addr = s->addr;
		return 0;
	}
	if (m->nr_qual == MAX_CLOSE)
		return 0;
	if (s->ver)
		n = asprintf(&q, "%.*s@%s%s", (int)s->name_len, s->name, s->hidden ? "" : "@",
			     s->ver);
	else if (s->file)
		n = asprintf(&q, "%.*s@%s", (int)s->name_len, s->name, s->file);
	else
		n = asprintf(&q, "%.*s", (int)s->name_len, s->name);
	if (n < 0)
		return -ENOMEM;
	for (i = 0; i < m->nr_qual; i++) {
		if (!strcmp(m->qual[i], q)) {
			free(q);
			return 0;
		}
	}
	m->qual[m->nr_qual++] = q;
	return 0;
}

static int scan_missing(const struct sym_elf *e, const struct sym_pat *p, struct missing *m)
{
	const struct sym_ent *s;
	struct sym_iter it;
	int err;

	sym_iter__init(&it, e);
	while ((s = sym_iter__next(&it))) {
		if (!name_is(s, p->base, p->base_len)) {
			if (s->defined)
				add_near(m, p, s);
		} else if (s->defined) {
			if ((err = add_qual(m, e, s)))
				return err;
		} else {
			m->imported = true;
			if (!m->imported_from)
				m->imported_from = s->ver_file;
		}
	}
	return 0;
}

static void report_imported(const struct sym_elf *e, const struct missing *m, const char *name)
{
	const char *needed[MAX_NEEDED];
	char *list = NULL;
	size_t n, i, len;
	FILE *f;

	if (m->imported_from) {
		sym_pr("function '%s' is imported by %s, not defined in it (it comes from %s, "
		       "one of its DT_NEEDED libraries)\n",
		       name, e->path, m->imported_from);
		return;
	}
	n = sym_elf__needed(e, needed, MAX_NEEDED);
	if (!n) {
		sym_pr("function '%s' is imported by %s, not defined in it (and it has no "
		       "DT_NEEDED libraries to look in)\n",
		       name, e->path);
		return;
	}
	f = open_memstream(&list, &len);
	if (f) {
		for (i = 0; i < n && i < MAX_NEEDED; i++)
			fprintf(f, "%s%s", i ? ", " : "", needed[i]);
		if (n > MAX_NEEDED)
			fputs(", ...", f);
		fclose(f);
	}
	sym_pr("function '%s' is imported by %s, not defined in it (it comes from one of its "
	       "DT_NEEDED libraries: %s)\n",
	       name, e->path, list ? list : "?");
	free(list);
}

static int report_missing(const struct sym_elf *e, const struct sym_pat *p, const char *name)
{
	struct missing m = {};
	char *list = NULL;
	size_t i, len;
	FILE *f;
	int err;

	if (!e->nr_tabs) {
		sym_pr("%s: no function '%s' (it has no symbol table)\n", e->path, name);
		return -ENOENT;
	}
	err = scan_missing(e, p, &m);
	if (err) {
		sym_pr("%s: out of memory looking up '%s'\n", e->path, name);
		goto out;
	}
	if (!m.nr_qual && m.imported) {
		report_imported(e, &m, name);
		goto out;
	}
	if (!m.nr_qual && m.unmapped) {
		sym_pr("%s: function '%s' has no code in this file (0x%llx is in no loadable "
		       "segment; is this a separate debug file?)\n",
		       e->path, name, (unsigned long long)m.unmapped_addr);
		goto out;
	}
	f = open_memstream(&list, &len);
	if (f) {
		for (i = 0; i < m.nr_qual; i++)
			fprintf(f, "%s%s", i ? ", " : "", m.qual[i]);
		for (i = 0; !m.nr_qual && i < m.nr_near; i++)
			fprintf(f, "%s%.*s", i ? ", " : "", (int)m.near[i].len, m.near[i].name);
		fclose(f);
	}
	if (list && *list)
		sym_pr("%s: no function '%s' (close: %s)\n", e->path, name, list);
	else
		sym_pr("%s: no function '%s'\n", e->path, name);
out:
	for (i = 0; i < m.nr_qual; i++)
		free(m.qual[i]);
	free(list);
	return err ? err : -ENOENT;
}

/* ---- resolve -------------------------------------------------------------------------- */

int sym_elf__resolve(struct sym_elf *e, const char *name, struct sym_func *out)
{
	struct cands c = {};
	struct sym_pat p;
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (sym_is_glob(name)) {
		sym_pr("%s: '%s' is a glob, not one function name\n", e->path, name);
		return -EINVAL;
	}
	err = pat_parse(&p, name);
	if (!err)
		err = collect(e, &p, &c);
	if (!err)
		n = dedup(&c);
	if (err == -ENOMEM)
		sym_pr("%s: out of memory looking up '%s'\n", e->path, name);
	else if (n == 0)
		err = report_missing(e, &p, name);
	else if (n > 1)
		err = report_ambiguous(e, &c, name);
	else if ((err = cand_to_func(&c.v[0], out)))
		sym_pr("%s: out of memory looking up '%s'\n", e->path, name);
	cands_free(&c);
	free(p.buf);
	return err;
}
