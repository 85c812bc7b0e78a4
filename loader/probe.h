/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * probe.h - a resolved probe: where it attaches, what BPF fetches, how user space prints it.
 */
#ifndef UPTRACE_PROBE_H
#define UPTRACE_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"
#include "spec.h"
#include "uptrace.h"

/* How an argument's captured value is printed. */
enum render {
	RD_HIDDEN = 0, /* fetched only as another argument's length */
	RD_SIGNED,
	RD_UNSIGNED,
	RD_HEX,	 /* "0x..." */
	RD_PTR,	 /* "0x..." or null */
	RD_BOOL,
	RD_STR,	 /* text (a bounded capture stops at its first NUL) */
	RD_BYTES, /* {"encoding":"base64","data":...} */
	RD_MSGPACK,
	RD_AUTO, /* msgpack, else UTF-8 text, else base64 */
	RD_UNSUPPORTED, /* a parameter not passed in a general register */
	RD_ENUM,	/* the enumerator's name (the number when none matches) */
	RD_CHARS, /* a char array: text up to its first NUL, "truncated" when it has none */
	RD_FLOAT, /* a float (size 4) or double (size 8), from its bits */
	RD_SHAPE, /* a struct, union, array or bit-field: its bytes, printed by its shape */
};

struct sym_dwarf;
struct sym_enumerator;
struct sym_shapes;

/* log2 buckets of a u64: [0], [1], [2, 4), ... [2^63, 2^64) (stats.h) */
#define PROBE_HIST_BUCKETS 65

struct arg_out {
	char *name;
	enum render rd;
	uint8_t size; /* bytes of a scalar, for sign extension */
	struct sym_enumerator *enums; /* RD_ENUM */
	size_t nenums;
	bool enum_signed; /* RD_ENUM: the enum's type is signed (its values sign-extend) */
	const char *unreadable; /* "in %xmm0": the value is there, where a uprobe cannot read
				 * it (static storage); NULL otherwise */
	bool func_ptr;		  /* RD_PTR: a function pointer (printed with its symbol) */
	struct sym_shapes *shape; /* RD_SHAPE (owned): how to print the bytes */
	bool shape_in_raw;	  /* RD_SHAPE: the bytes are the register value itself (a struct
				   * of at most 8 bytes, passed or returned in one) */
};

/* What a probe is: every struct probe is exactly one of these. */
enum probe_kind {
	PROBE_ENTRY,	    /* a uprobe: the arguments at the call */
	PROBE_RETURN,	    /* a uretprobe (FUNC%return): the return value */
	PROBE_RETURN_ENTRY, /* the entry half a %return needs when no entry probe was asked
			     * for: it pushes the call's frame and records nothing */
	PROBE_TRACE,	    /* a kernel trace (-t): counts that trace's events and drops; it
			     * attaches nothing itself */
};

struct probe {
	enum probe_kind kind;
	enum upt_trace trace; /* PROBE_TRACE: which */
	char *binary;	/* the object, as the traced process sees it */
	char *attach_path; /* the same file, as uptrace reaches it (maybe via /proc/PID/root) */
	pid_t pid;	/* attach in this process only; -1: every process */
	char *func;	/* the symbol */
	uint64_t addr;	/* its address in the object */
	uint64_t offset; /* file offset the uprobe is attached at */
	bool moved_frame; /* attached past the prologue: sp is no longer the entry sp */
	struct arg_out out[UPT_MAX_ARGS];
	struct upt_probe_spec spec;

	/*
	 * output.c: an event's fields from "event_type" to "function" as last rendered, per
	 * format (enum emit_format), for the thread they name: most events of a probe come
	 * from the thread before them, and copy these instead of writing six fields
	 */
	struct probe_head {
		bool valid;
		uint32_t pid, tid;
		char comm[UPT_COMM_LEN];
		uint32_t items;
		struct obuf ob;
	} head[2];

	/* counters, filled while tracing */
	uint64_t events, truncated, faults, drops, drops_reported;
	/* for --stats (stats.h): record bytes; %return: negative returns, log2 durations */
	uint64_t bytes, errors;
	uint64_t lat_hist[PROBE_HIST_BUCKETS];
};

static inline bool probe_is_trace(const struct probe *p)
{
	return p->kind == PROBE_TRACE;
}

static inline bool probe_is_return(const struct probe *p)
{
	return p->kind == PROBE_RETURN;
}

/* A probe whose events the user sees: not the hidden entry half of a %return. */
static inline bool probe_is_shown(const struct probe *p)
{
	return p->kind != PROBE_RETURN_ENTRY;
}

/* Does an argument of p print a function pointer (itself, or inside a struct or array)? */
bool probe__has_func_ptrs(const struct probe *p);

/* Free what output.c cached in p->head (probe__free() does this too). */
void probe__free_heads(struct probe *p);

/* The capture cap of argument i. */
uint32_t probe__max_bytes(const struct probe *p, uint32_t i);

/*
 * Fill p->spec and p->out for function `func` of probe definition `def`: the explicit
 * fetch list when there is one (names resolved against `proto`, which may be NULL; with
 * DWARF `dw`, member access ins->a.b works and `proto` carries DWARF locations),
 * otherwise every parameter of `proto` typed by the default rules, otherwise arg0..arg5
 * as hex.  Errors (unknown name, missing length, ...) are printed with the probe text.
 * max_bytes is --max-bytes for every argument; 0 (not given): UPT_DEF_MAX_BYTES, and
 * UPT_DEF_MAX_BUFFER for msgpack and auto buffers.
 */
int probe__build(struct probe *p, const struct probe_def *def, const struct proto *proto,
		 struct sym_dwarf *dw, uint32_t max_bytes);
void probe__free(struct probe *p);

#endif /* UPTRACE_PROBE_H */
