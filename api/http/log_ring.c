/* api/http/log_ring.c: the request log's lock-free ring (api/http/log_ring.h).
 *
 * Positions are byte counts since the start (64 bits: they never wrap); a record lives at
 * pos % cap (cap is a power of two: a mask, no division per record; the ring holds at most limit
 * bytes, the size asked for) and never straddles the end: a reservation that would is preceded by
 * a padding record up to the end. A record's header is two 32-bit words: the first, atomic, is 0
 * until the record is committed and then holds (size / 8) | kind << 24; the second holds that
 * value from the reservation on, for the commit to publish. The consumer zeroes what it releases,
 * so the header of a record reserved but not committed yet (or not reserved yet) always reads 0.
 * A single-producer ring needs neither: its producer publishes a record by moving the head
 * (release) once the record is written, the consumer reads nothing at or past the head, and
 * nothing is zeroed. */
#include "api/http/log_ring.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define KIND_PAD 255u

struct http__ring {
    unsigned char *buf;
    size_t cap;       /* the buffer's bytes, a power of two */
    size_t mask;      /* cap - 1: a position's offset is pos & mask (no division per record) */
    size_t limit;     /* bytes the ring holds at most (the size asked for, a multiple of 8) */
    bool single;      /* one producer thread only: see http__ring_create_single */
    uint64_t pending; /* single: the head once the reserved record is committed (producer's) */
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) _Atomic uint64_t tail;
};

lm_status http__ring_create(size_t cap_bytes, http__ring **out) {
    http__ring *rg = lm_calloc(1, sizeof *rg);
    if (!rg) return LM_NOMEM;
    rg->limit = cap_bytes < 256 ? 256 : (cap_bytes + 7) & ~(size_t)7;
    rg->cap = 256;
    while (rg->cap < rg->limit && rg->cap <= SIZE_MAX / 4)
        rg->cap *= 2;
    rg->mask = rg->cap - 1;
    if (!(rg->buf = lm_calloc(1, rg->cap))) {
        lm_free(rg);
        return LM_NOMEM;
    }
    atomic_init(&rg->head, 0);
    atomic_init(&rg->tail, 0);
    *out = rg;
    return LM_OK;
}

lm_status http__ring_create_single(size_t cap_bytes, http__ring **out) {
    lm_status rc = http__ring_create(cap_bytes, out);
    if (rc == LM_OK) (*out)->single = true;
    return rc;
}

void http__ring_destroy(http__ring *rg) {
    if (!rg) return;
    lm_free(rg->buf);
    lm_free(rg);
}

size_t http__ring_record_bytes(size_t payload) {
    return (HTTP__RING_HDR + payload + 7) & ~(size_t)7;
}

static _Atomic uint32_t *hdr_word(const http__ring *rg, uint64_t pos) {
    return (_Atomic uint32_t *)(void *)(rg->buf + (pos & rg->mask));
}

size_t http__ring_cap(const http__ring *rg) {
    return rg->limit;
}

void *http__ring_reserve(http__ring *rg, size_t payload, unsigned kind, size_t *used) {
    size_t size = http__ring_record_bytes(payload);
    if (size > rg->limit / 2 || kind == 0 || kind >= KIND_PAD) return NULL;
    uint64_t h = atomic_load_explicit(&rg->head, memory_order_relaxed);
    size_t off, pad;
    for (;;) {
        off = (size_t)h & rg->mask;
        pad = off + size > rg->cap ? rg->cap - off : 0;
        /* acquire: the consumer's zeroing of what it released happens before we write there */
        uint64_t t = atomic_load_explicit(&rg->tail, memory_order_acquire);
        if (h + pad + size - t > rg->limit) return NULL;
        if (rg->single) { /* nobody else moves the head: published by the commit */
            rg->pending = h + pad + size;
            if (used) *used = (size_t)(h + pad + size - t);
            break;
        }
        if (atomic_compare_exchange_weak_explicit(&rg->head, &h, h + pad + size,
                                                  memory_order_relaxed, memory_order_relaxed)) {
            if (used) *used = (size_t)(h + pad + size - t);
            break;
        }
    }
    if (pad) { /* the end of the buffer is padding: committed at once */
        atomic_store_explicit(hdr_word(rg, h), (uint32_t)(pad >> 3) | KIND_PAD << 24,
                              memory_order_release);
        off = 0;
    }
    unsigned char *rec = rg->buf + off;
    uint32_t word = (uint32_t)(size >> 3) | (uint32_t)kind << 24;
    memcpy(rec + 4, &word, sizeof word);
    if (rg->single) /* read only once the head passes it: the header can be complete now */
        atomic_store_explicit((_Atomic uint32_t *)(void *)rec, word, memory_order_relaxed);
    return rec + HTTP__RING_HDR;
}

void http__ring_commit(http__ring *rg, void *payload) {
    if (rg->single) {
        atomic_store_explicit(&rg->head, rg->pending, memory_order_release);
        return;
    }
    unsigned char *rec = (unsigned char *)payload - HTTP__RING_HDR;
    uint32_t word;
    memcpy(&word, rec + 4, sizeof word);
    atomic_store_explicit((_Atomic uint32_t *)(void *)rec, word, memory_order_release);
}

uint64_t http__ring_head(const http__ring *rg) {
    return atomic_load_explicit(&((http__ring *)rg)->head, memory_order_acquire);
}

uint64_t http__ring_tail(const http__ring *rg) {
    return atomic_load_explicit(&((http__ring *)rg)->tail, memory_order_acquire);
}

const void *http__ring_peek(const http__ring *rg, uint64_t pos, unsigned *kind, size_t *size) {
    size_t skipped = 0;
    /* a full ring's head is its tail's slot: that record is the oldest, not the next */
    uint64_t t = atomic_load_explicit(&((http__ring *)rg)->tail, memory_order_relaxed);
    /* single producer: what is below the head (acquire: its bytes with it) is committed */
    if (rg->single && pos == atomic_load_explicit(&((http__ring *)rg)->head, memory_order_acquire))
        return NULL;
    for (int i = 0; i < 2 && pos - t < rg->cap; i++) {
        uint32_t w = atomic_load_explicit(hdr_word(rg, pos), memory_order_acquire);
        if (!w) return NULL;
        size_t n = (size_t)(w & 0xffffffu) << 3;
        if (w >> 24 != KIND_PAD) {
            *kind = w >> 24;
            *size = skipped + n;
            return rg->buf + (pos & rg->mask) + HTTP__RING_HDR;
        }
        skipped += n; /* padding to the end: the record is at the start */
        pos += n;
    }
    return NULL;
}

void http__ring_release(http__ring *rg, uint64_t pos) {
    uint64_t t = atomic_load_explicit(&rg->tail, memory_order_relaxed);
    while (!rg->single && t < pos) { /* zero [t, pos) in at most two pieces (it may wrap) */
        size_t off = (size_t)t & rg->mask;
        size_t n = rg->cap - off;
        if (n > pos - t) n = (size_t)(pos - t);
        memset(rg->buf + off, 0, n);
        t += n;
    }
    atomic_store_explicit(&rg->tail, pos, memory_order_release);
}
