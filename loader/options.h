/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * options.h - the command line: one table of options, its parser, its checks, its --help.
 *
 * Every option is one entry of a table in options.c: its long name, short letter, argument,
 * help text and how it sets struct options.  getopt_long's arrays and --help are made from
 * that table, so the parser and the help cannot drift apart.
 *
 *   options_parse()     fills struct options from argv: each option on its own (numbers
 *                       range-checked, names looked up, repeatable options collected);
 *   options_validate()  checks how the options and the words after them go together, and
 *                       decides which word is BINARY and which are probes;
 *   options_usage()     the --help text.
 *
 * Both return 0 or -EINVAL after printing one message (upt_err(), stderr or upt_errf);
 * the caller exits with status 2.  Nothing here attaches, loads or opens anything beyond
 * what deciding whether a word names a library takes (sym_find_library()).
 */
#ifndef UPTRACE_OPTIONS_H
#define UPTRACE_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "forward.h"

#define MAX_PIDS       64 /* -p, repeatable */
#define MAX_DEBUG_DIRS 16 /* --debuginfo, repeatable */

enum upt_mode {
	MODE_TRACE,   /* the default: attach and print events */
	MODE_LIST,    /* -l, --names */
	MODE_EXPLAIN, /* --explain */
	MODE_CHECK,   /* --check */
	MODE_VERSION, /* -V */
	MODE_HELP,    /* -h: parsing stopped there; print options_usage() */
};

enum upt_format { FORMAT_JSON, FORMAT_MSGPACK };

struct options {
	enum upt_mode mode;
	/* the target, and the words that are not options */
	const char *binary;	/* NULL with -p/-c when no BINARY is given */
	char **probes;
	int nprobes;
	char **args;		/* every word that is not an option, in order */
	int nargs;
	pid_t pids[MAX_PIDS];	/* -p */
	int npids;
	const char *command;	/* -c */
	bool follow;
	bool run_as_root;
	/* resolving and attaching */
	bool exact_entry;
	bool portable;		/* --portable: the copy path of kernels without the 6.16 kfuncs */
	bool names_only;	/* --names */
	const char *debug_dirs[MAX_DEBUG_DIRS + 1]; /* NULL-terminated */
	int ndebug_dirs;
	uint32_t max_bytes;
	uint32_t ringbuf_size;
	uint32_t wake_ms;
	uint32_t poll_ms;	/* longest idle wait; a wakeup still delivers at once */
	uint32_t traces;	/* -t: UPT_TRACE_BIT()s */
	bool trace_all;		/* --all: kernel traces of every process */
	/* when to stop */
	uint64_t count;		/* stop after this many events; 0: no limit */
	uint64_t duration_ms;	/* stop after this long; 0: no limit */
	/* output */
	const char *output;
	enum upt_format format;
	int verbose;		/* -v, counted: the caller sets upt_verbose from it */
	bool quiet;		/* -q: no banner, no colour, a summary only if something was lost */
	bool stats_text;	/* --stats: rates on stderr, a table at exit */
	bool stats_json;	/* --stats-json: the same as "stats" events */
	uint64_t stats_ms;	/* their interval */
	struct forward_addr fwd_addr; /* --forward */
	bool forward;
	const char *tag;	/* --tag: one tag for every event; else uptrace.<event_type> */
	uint64_t fwd_buffer;	/* 0: not given (forward.c's default) */
	uint64_t fwd_timeout_ms; /* 0 until options_validate() sets the default */
};

/*
 * One option.  `set` is called with the option's argument (NULL for none, or an optional
 * one left out) and stores it at `off` in struct options, of `size` bytes; min and max bound
 * a number; dflt is the value before any option (numbers), shown as {default} in the help,
 * as max is as {max}.  `help` is the text beside the option, lines separated by '\n'.
 */
struct opt_def {
	const char *name;	/* --name */
	char letter;		/* -l, or 0 */
	const char *arg;	/* the argument in --help; NULL for none */
	int has_arg;		/* no_argument, required_argument, optional_argument */
	int (*set)(const struct opt_def *d, const char *arg, struct options *o);
	size_t off, size;
	uint64_t min, max, dflt;
	int value;		/* for a mode or an enum */
	const char *help;
};

/* The table, in the order of --help. */
extern const struct opt_def options_table[];
extern const unsigned int options_count;

/*
 * Fill *o (zeroed first, then the defaults) from argv.  Options may come before or after
 * the other words; those end up in o->args.  -h stops the parse with o->mode MODE_HELP.
 * getopt_long's own complaints (an unknown option, a missing argument) go to stderr.
 */
int options_parse(int argc, char **argv, struct options *o);
/* How the options go together; sets o->binary, o->probes and the defaults that depend on
 * other options.  Nothing to check for MODE_HELP. */
int options_validate(struct options *o);
/* The --help text, made from the table. */
void options_usage(FILE *f);

#endif /* UPTRACE_OPTIONS_H */
