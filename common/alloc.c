/* Allocation wrappers, the request arena and the capped buffer. */
#include "common/common.h"
#include "common/asan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the largest block lm_arena_reset keeps for the next use */
#define ARENA_KEEP_MAX ((size_t)16 << 10)

void *lm_alloc(size_t size) {
    return size ? malloc(size) : NULL;
}

void *lm_calloc(size_t n, size_t size) {
    if (n == 0 || size == 0 || n > SIZE_MAX / size) return NULL;
    return calloc(n, size);
}

void *lm_reallocarray(void *p, size_t n, size_t size) {
    if (n == 0 || size == 0) return NULL;
    if (n > SIZE_MAX / size) return NULL;
    return realloc(p, n * size);
}

char *lm_strndup(const char *s, size_t n) {
    if (!s) return NULL;
    size_t len = strnlen(s, n);
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *lm_strdup(const char *s) {
    return s ? lm_strndup(s, strlen(s)) : NULL;
}

void lm_free(void *p) {
    free(p);
}

/* ---- Arena ---- */

typedef struct lm_arena_block {
    struct lm_arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} lm_arena_block;

struct lm_arena {
    lm_arena_block *head;
    size_t total, cap;
};

lm_status lm_arena_create(size_t cap_bytes, lm_arena **out) {
    lm_arena *a = calloc(1, sizeof *a);
    if (!a) return LM_NOMEM;
    a->cap = cap_bytes;
    *out = a;
    return LM_OK;
}

void lm_arena_destroy(lm_arena *a) {
    if (!a) return;
    for (lm_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void *lm_arena_alloc(lm_arena *a, size_t size) {
    size = (size + 15u) & ~(size_t)15u;
    if (size == 0) size = 16;
    if (size > a->cap || a->total > a->cap - size) return NULL;
    lm_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > 4096 ? size : 4096;
        b = malloc(sizeof *b + bsize);
        if (!b) return NULL;
        b->used = 0;
        b->size = bsize;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    LM_ASAN_UNPOISON(p, size);
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

void lm_arena_reset(lm_arena *a) {
    lm_arena_block *keep = NULL;
    for (lm_arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        /* the oldest block is the one every use starts with; later ones served bursts */
        if (!next && b->size <= ARENA_KEEP_MAX)
            keep = b;
        else
            free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        LM_ASAN_POISON(keep->data, keep->size);
    }
    a->head = keep;
    a->total = 0;
}

char *lm_arena_strndup(lm_arena *a, const char *s, size_t n) {
    size_t len = strnlen(s, n);
    char *d = lm_arena_alloc(a, len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

size_t lm_arena_used(const lm_arena *a) {
    return a->total;
}

/* ---- Capped buffer ---- */

void lm_buf_init(lm_buf *b, size_t cap) {
    memset(b, 0, sizeof *b);
    b->cap = cap;
}

void lm_buf_free(lm_buf *b) {
    free(b->data);
    lm_buf_init(b, b->cap);
}

void lm_buf_reset(lm_buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static lm_status lm_buf_reserve(lm_buf *b, size_t extra) {
    if (extra > b->cap || b->len > b->cap - extra) return LM_TOO_BIG;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc) return LM_OK;
    size_t alloc = b->alloc ? b->alloc : 256;
    while (alloc < need)
        alloc *= 2;
    char *d = realloc(b->data, alloc);
    if (!d) return LM_NOMEM;
    b->data = d;
    b->alloc = alloc;
    return LM_OK;
}

lm_status lm_buf_append(lm_buf *b, const void *data, size_t n) {
    lm_status st = lm_buf_reserve(b, n);
    if (st != LM_OK) return st;
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return LM_OK;
}

lm_status lm_buf_printf(lm_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return LM_INTERNAL;
    lm_status st = lm_buf_reserve(b, (size_t)n);
    if (st != LM_OK) return st;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LM_OK;
}

lm_status lm_buf_json_str(lm_buf *b, const char *s) {
    lm_status rc = lm_buf_append(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (rc == LM_OK && *p) {
        size_t run = 0; /* bytes that go out as they are, appended at once */
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run) {
            rc = lm_buf_append(b, p, run);
            p += run;
        } else if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            const char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            rc = lm_buf_append(b, esc, sizeof esc);
            p++;
        } else {
            const char esc[2] = {'\\', (char)*p++};
            rc = lm_buf_append(b, esc, sizeof esc);
        }
    }
    if (rc == LM_OK) rc = lm_buf_append(b, "\"", 1);
    return rc;
}

char *lm_buf_take(lm_buf *b) {
    char *d = b->data;
    if (!d) d = lm_strdup("");
    b->data = NULL;
    b->len = b->alloc = 0;
    return d;
}

lm_status lm_buf_read_stream(FILE *f, size_t cap, char **out, size_t *len) {
    lm_buf b;
    lm_buf_init(&b, cap);
    char chunk[65536];
    size_t n;
    lm_status rc = LM_OK;
    while (rc == LM_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = lm_buf_append(&b, chunk, n);
    if (rc == LM_OK && ferror(f)) rc = LM_IO;
    size_t got = b.len;
    char *text = rc == LM_OK ? lm_buf_take(&b) : NULL;
    lm_buf_free(&b);
    if (rc != LM_OK) return rc;
    if (!text) return LM_NOMEM;
    *out = text;
    *len = got;
    return LM_OK;
}

/* ---- Small helpers ---- */

bool lm_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) {
    /* strtoll would skip leading blanks and take a '+': " 50" is not a whole number as written */
    if (!s || !(isdigit((unsigned char)*s) || *s == '-')) return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || end == s || v < min || v > max) return false;
    *out = (int64_t)v;
    return true;
}

bool lm_parse_double(const char *s, double *out) {
    if (!s || !*s) return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || end == s || !isfinite(v)) return false;
    *out = v;
    return true;
}

int64_t lm_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lm_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool lm_strlcpy(char *dst, const char *src, size_t dst_size) {
    size_t len = strlen(src);
    size_t n = len < dst_size - 1 ? len : dst_size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n == len;
}

size_t lm_i64_text(char out[24], int64_t v) {
    char d[24];
    size_t i = sizeof d;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) d[--i] = '-';
    memcpy(out, d + i, sizeof d - i);
    out[sizeof d - i] = '\0';
    return sizeof d - i;
}
