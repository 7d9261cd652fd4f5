/* api/http/log_ring.h: the request log's queue (api/http/log.c): a bounded ring of variable-size
 * records that any number of threads fill without a lock and one thread drains.
 *
 * A producer reserves its bytes with one compare-and-swap on the head, copies its fields in place
 * and commits the record by storing its header (release); a full ring refuses the reservation at
 * once (the caller counts the drop), nothing ever waits. The consumer reads committed records in
 * reservation order from the tail, and gives their bytes back (zeroed, so that an uncommitted
 * header always reads 0) with http__ring_release once it is done with them.
 *
 * Ownership: the ring owns its buffer; a reserved record is the producer's until it commits, a
 * committed one the consumer's until it releases it. */
#ifndef LASTMILE_HTTP_LOG_RING_H
#define LASTMILE_HTTP_LOG_RING_H

#include "common/common.h"

#include <stdint.h>

#define HTTP__RING_HDR 8 /* bytes of a record's header, before its payload */

typedef struct http__ring http__ring;

/* A ring holding at most cap_bytes (rounded up to a multiple of 8, at least 256; its buffer is
 * the next power of two). LM_NOMEM. */
LM_MUST_USE lm_status http__ring_create(size_t cap_bytes, http__ring **out);
/* The same for a ring that only one thread ever reserves in: its reservations take no
 * compare-and-swap (in bench_log's profile the CAS, which waits for the stores before it, was
 * three quarters of a reservation's time), a commit moves the head, and the consumer zeroes
 * nothing. LM_NOMEM. */
LM_MUST_USE lm_status http__ring_create_single(size_t cap_bytes, http__ring **out);
void http__ring_destroy(http__ring *rg);

/* Bytes a record of payload bytes takes in the ring (header and alignment included). */
size_t http__ring_record_bytes(size_t payload);

/* The ring's size in bytes: what it holds at most. */
size_t http__ring_cap(const http__ring *rg);

/* Reserves a record of payload bytes (kind 1..254); the payload's address (8-byte aligned), or
 * NULL when the ring has no room for it now (or payload exceeds half the ring). Lock-free; the
 * caller fills the payload, then commits it with http__ring_commit(rg, payload). *used (when not
 * NULL) receives the bytes the ring held with this record, for the caller's wake-up policy. */
void *http__ring_reserve(http__ring *rg, size_t payload, unsigned kind, size_t *used);
void http__ring_commit(http__ring *rg, void *payload);

/* Bytes reserved so far (producers' position) and bytes given back (the consumer's): the ring
 * holds head - tail bytes. */
uint64_t http__ring_head(const http__ring *rg);
uint64_t http__ring_tail(const http__ring *rg);

/* The consumer: the committed record at position pos (a position it reached from the tail by
 * adding each record's size), its payload's kind and size in *kind and *size (the record's bytes
 * in the ring, for the next position); NULL when the record at pos is not committed yet (or pos
 * is the head). Skips wrap-around padding by itself (*size then covers it too). */
const void *http__ring_peek(const http__ring *rg, uint64_t pos, unsigned *kind, size_t *size);

/* Gives the bytes before pos back to the producers (zeroed). Consumer only. */
void http__ring_release(http__ring *rg, uint64_t pos);

#endif
