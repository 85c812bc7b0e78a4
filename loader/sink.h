/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink.h - where events go.
 *
 * The event loop hands every event (struct event, output.h) to the sinks.  Each renders it
 * in its own format with a struct emit (emit.h): NDJSON or a msgpack stream to a file
 * descriptor (stdout, -o FILE), or msgpack entries for the Forward protocol sender
 * (forward.c).  No sink parses another's output.  When two sinks want the same format
 * (--format msgpack -o FILE with --forward), the event is rendered once and the second
 * takes the bytes.  Rendering goes into buffers that are reset, not freed, so nothing is
 * allocated per event once they have grown to the largest event.
 */
#ifndef UPTRACE_SINK_H
#define UPTRACE_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "emit.h"
#include "output.h"

#define SINK_FLUSH_BYTES (1u << 20) /* an fd sink writes when it holds this much */

struct forward;
struct sinks;

int sinks__new(struct sinks **out);
/* Events to fd in format fmt; `name` for messages ("stdout" or the file's name). */
int sinks__add_fd(struct sinks *ss, int fd, const char *name, enum emit_format fmt);
/* Events to the Forward sender, tagged `tag`, or uptrace.<event_type> when NULL. */
int sinks__add_forward(struct sinks *ss, struct forward *fwd, const char *tag);
/* One event to every sink. */
void sinks__event(struct sinks *ss, const struct event *ev);
/*
 * Write out what the fd sinks hold.  -EPIPE once the reader of every fd sink is gone (a
 * failed write other than EPIPE is said once, with the file named); 0 otherwise.
 */
int sinks__flush(struct sinks *ss);
/* Every fd sink's reader is gone (or there are only other sinks, and it is false). */
bool sinks__closed(const struct sinks *ss);
/* Events no sink could render (out of memory): counted, said in the summary. */
uint64_t sinks__failed(const struct sinks *ss);
void sinks__free(struct sinks *ss);

#endif /* UPTRACE_SINK_H */
