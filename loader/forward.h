/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * forward.h - events to Fluent Bit's or Fluentd's in_forward (Forward protocol v1, msgpack).
 *
 * forward__push() appends one event to a batch of its tag and returns at once; a background
 * thread connects, sends sealed batches, waits for their acks and resends what was not acked
 * after a reconnect.  Memory is bounded: an event that does not fit is dropped and counted.
 * See forward.c for the whole design.
 */
#ifndef UPTRACE_FORWARD_H
#define UPTRACE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWD_DEF_BUFFER	      (64u << 20) /* bytes held while the receiver is away */
#define FWD_DEF_TIMEOUT_MS    5000	  /* at exit: longest wait for the last acks */
#define FWD_DEF_FLUSH_MS      100	  /* longest an event waits in an open batch */
#define FWD_DEF_BATCH_BYTES   (1u << 20)  /* a batch is sealed at this size ... */
#define FWD_DEF_BATCH_ENTRIES 10000	  /* ... or this many entries */
#define FWD_MAX_TAG	      256

/* Where the receiver listens: "HOST:PORT", "[IPV6]:PORT" or "unix:PATH". */
struct forward_addr {
	bool is_unix;
	char host[256]; /* a name or a numeric address, without brackets */
	char port[6];
	char path[108]; /* sizeof(sockaddr_un.sun_path) */
	char text[400]; /* as the user wrote it, for messages */
};

struct forward_opts {
	struct forward_addr addr;
	size_t buffer_bytes;	/* 0: FWD_DEF_BUFFER */
	uint32_t flush_ms;	/* 0: FWD_DEF_FLUSH_MS */
	size_t batch_bytes;	/* 0: FWD_DEF_BATCH_BYTES */
	uint32_t batch_entries; /* 0: FWD_DEF_BATCH_ENTRIES */
};

struct forward_stats {
	uint64_t events;  /* accepted by forward__push() */
	uint64_t dropped; /* refused by forward__push(): the buffer was full */
	uint64_t batches; /* sealed */
	uint64_t sent;	  /* events sent at least once */
	uint64_t resent;  /* events sent again after a reconnect */
	uint64_t acked;	  /* events whose batch the receiver acknowledged */
	uint64_t unacked; /* events accepted but not acknowledged (yet, or at close) */
	uint64_t acked_batches;
	uint32_t connects; /* successful connections */
};

struct forward;

/* Parse S into ADDR; -EINVAL with one message on stderr when it is not an address. */
int forward_parse_addr(const char *s, struct forward_addr *addr);

/* Start the sender thread.  The receiver need not be up: it is retried with backoff. */
int forward__new(const struct forward_opts *opts, struct forward **f);
/*
 * Queue one event: TAG, its time, and RECORD, one msgpack object (a map) of LEN bytes.
 * Never blocks on the network.  0, or -ENOBUFS when the buffer is full (the event is
 * dropped and counted), -E2BIG for a record larger than a batch may be, -EINVAL for a tag
 * longer than FWD_MAX_TAG.
 */
int forward__push(struct forward *f, const char *tag, int64_t sec, uint32_t nsec,
		  const void *record, size_t len);
/*
 * Send what is left and wait up to TIMEOUT_MS for every ack; then stop the thread.
 * 0 when everything was acknowledged, -ETIMEDOUT otherwise (forward__stats() says how much).
 */
int forward__close(struct forward *f, uint32_t timeout_ms);
void forward__stats(struct forward *f, struct forward_stats *st);
/* Stops the thread at once if forward__close() was not called; accepts NULL. */
void forward__free(struct forward *f);

#endif /* UPTRACE_FORWARD_H */
