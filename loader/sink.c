// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sink.c - the sinks of sink.h.
 *
 * An fd sink renders each event straight into its own write buffer (no copy between
 * rendering and writing) and writes it with large write(2)s.  The Forward sink takes the
 * msgpack bytes of an fd sink that has just rendered the event in msgpack, or renders them
 * into a scratch buffer of its own; forward__push() copies them into a batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "sink.h"
#include "util.h"

#define SINK_MAX_FDS 2

struct fd_sink {
	int fd;
	const char *name;
	enum emit_format fmt;
	struct obuf ob;
	bool closed; /* the reader is gone, or a write failed */
};

struct sinks {
	struct fd_sink fds[SINK_MAX_FDS];
	int nfds;
	struct forward *fwd;
	const char *tag;
	struct obuf scratch; /* the Forward sink's msgpack when no fd sink made it */
	const char *tag_type; /* the event_type tag_buf was built for */
	char tag_buf[FWD_MAX_TAG + 1];
	uint64_t failed;
};

int sinks__new(struct sinks **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

int sinks__add_fd(struct sinks *ss, int fd, const char *name, enum emit_format fmt)
{
	struct fd_sink *s;

	if (ss->nfds == SINK_MAX_FDS)
		return -E2BIG;
	s = &ss->fds[ss->nfds++];
	s->fd = fd;
	s->name = name;
	s->fmt = fmt;
	ob_init(&s->ob);
	return 0;
}

int sinks__add_forward(struct sinks *ss, struct forward *fwd, const char *tag)
{
	ss->fwd = fwd;
	ss->tag = tag;
	ob_init(&ss->scratch);
	return 0;
}

/* Render ev at the end of ob; false (and nothing added) when memory ran out. */
static bool render(struct obuf *ob, enum emit_format fmt, const struct event *ev)
{
	size_t mark = ob->len;

	event_render_line(ev, ob, fmt);
	if (ob_ok(ob))
		return true;
	/* what was rendered before is whole; this event is not */
	ob->oom = false;
	ob_truncate(ob, mark);
	return false;
}

static void write_out(struct fd_sink *s)
{
	size_t off = 0;
	ssize_t w;

	while (off < s->ob.len && !s->closed) {
		w = write(s->fd, s->ob.buf + off, s->ob.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno != EPIPE)
				upt_err("%s: write failed: %s", s->name, strerror(errno));
			s->closed = true;
			break;
		}
		off += (size_t)w;
	}
	ob_reset(&s->ob);
}

/* uptrace.<event_type>, the default tag: built when the type changes, not per event */
static const char *default_tag(struct sinks *ss, const char *type)
{
	static const char prefix[] = "uptrace.";
	size_t n;

	if (ss->tag_type == type)
		return ss->tag_buf;
	n = strnlen(type, FWD_MAX_TAG - (sizeof(prefix) - 1));
	memcpy(ss->tag_buf, prefix, sizeof(prefix) - 1);
	memcpy(ss->tag_buf + sizeof(prefix) - 1, type, n);
	ss->tag_buf[sizeof(prefix) - 1 + n] = 0;
	ss->tag_type = type;
	return ss->tag_buf;
}

static void to_forward(struct sinks *ss, const struct event *ev, const void *mp, size_t len)
{
	if (!mp) {
		ob_reset(&ss->scratch);
		if (!render(&ss->scratch, EMIT_MSGPACK, ev)) {
			ss->failed++;
			return;
		}
		mp = ss->scratch.buf;
		len = ss->scratch.len;
	}
	/* a full buffer drops the event and counts it there (forward__stats) */
	forward__push(ss->fwd, ss->tag ?: default_tag(ss, ev->type), ev->sec, ev->nsec, mp, len);
}

void sinks__event(struct sinks *ss, const struct event *ev)
{
	const void *mp = NULL;
	size_t mark, len = 0;
	struct fd_sink *s;
	int i;

	for (i = 0; i < ss->nfds; i++) {
		s = &ss->fds[i];
		if (s->closed)
			continue;
		mark = s->ob.len;
		if (!render(&s->ob, s->fmt, ev)) {
			ss->failed++;
			continue;
		}
		if (s->fmt == EMIT_MSGPACK) {
			mp = s->ob.buf + mark;
			len = s->ob.len - mark;
		}
		if (ss->fwd)
			continue; /* written below, once the Forward sink has the bytes */
		if (s->ob.len >= SINK_FLUSH_BYTES)
			write_out(s);
	}
	if (ss->fwd)
		to_forward(ss, ev, mp, len);
	for (i = 0; ss->fwd && i < ss->nfds; i++)
		if (ss->fds[i].ob.len >= SINK_FLUSH_BYTES)
			write_out(&ss->fds[i]);
}

int sinks__flush(struct sinks *ss)
{
	int i;

	for (i = 0; i < ss->nfds; i++)
		if (!ss->fds[i].closed)
			write_out(&ss->fds[i]);
	return sinks__closed(ss) ? -EPIPE : 0;
}

bool sinks__closed(const struct sinks *ss)
{
	int i;

	for (i = 0; i < ss->nfds; i++)
		if (!ss->fds[i].closed)
			return false;
	return ss->nfds > 0;
}

uint64_t sinks__failed(const struct sinks *ss)
{
	return ss->failed;
}

void sinks__free(struct sinks *ss)
{
	int i;

	if (!ss)
		return;
	for (i = 0; i < ss->nfds; i++)
		ob_free(&ss->fds[i].ob);
	ob_free(&ss->scratch);
	free(ss);
}
