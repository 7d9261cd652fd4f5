/* common: the project-wide error codes, allocation wrappers, a request arena and a capped buffer.
 * Ownership: lm_alloc/lm_calloc/lm_strdup results belong to the caller (free with lm_free);
 * everything taken from an lm_arena is freed at once by lm_arena_destroy. */
#ifndef LASTMILE_COMMON_H
#define LASTMILE_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LM_MUST_USE     __attribute__((warn_unused_result))
#define LM_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- Errors ---- */

/* The one error table: X(NAME, "json_name", http_status, "static message"). Everything else is
 * generated. */
#define LM_ERRNO_MAP(X)                                                                            \
    X(OK, "ok", 200, "success")                                                                    \
    X(NOMEM, "nomem", 500, "out of memory")                                                        \
    X(INVALID, "invalid", 400, "invalid input")                                                    \
    X(TOO_BIG, "too_big", 413, "input exceeds a limit")                                            \
    X(NOT_FOUND, "not_found", 404, "not found")                                                    \
    X(CONFLICT, "conflict", 409, "conflicts with the current state")                               \
    X(UNAUTHORIZED, "unauthorized", 401, "missing or invalid credentials")                         \
    X(FORBIDDEN, "forbidden", 403, "not allowed for this role")                                    \
    X(RATE_LIMITED, "rate_limited", 429, "too many requests")                                      \
    X(IO, "io", 500, "input/output error")                                                         \
    X(STORE, "store", 500, "storage error")                                                        \
    X(TIMEOUT, "timeout", 504, "timed out")                                                        \
    X(UNAVAILABLE, "unavailable", 503, "service unavailable")                                      \
    X(ROUTING, "routing", 502, "routing engine error")                                             \
    X(NOT_IMPLEMENTED, "not_implemented", 501, "not yet available")                                \
    X(INTERNAL, "internal", 500, "internal error")                                                 \
    X(PRECONDITION, "precondition_failed", 412, "the version given is not the current one")        \
    X(PRECONDITION_REQUIRED, "precondition_required", 428, "a version precondition is required")

typedef enum lm_status {
#define LM_X_ENUM(name, json, http, msg) LM_##name,
    LM_ERRNO_MAP(LM_X_ENUM)
#undef LM_X_ENUM
        LM__STATUS_COUNT
} lm_status;

/* Static text for a code; never NULL. */
const char *lm_strerror(lm_status code);
/* Stable lower-case identifier for a code ("not_found"), used in JSON error bodies. */
const char *lm_status_name(lm_status code);
/* The HTTP status a code maps to: the one place that mapping lives. */
int lm_status_http(lm_status code);

/* Per-call detail: which field failed and a sentence a person can act on. */
typedef struct lm_errinfo {
    lm_status code;
    char field[96];    /* JSON path or column name, "" when not about one field */
    char message[256]; /* human sentence */
} lm_errinfo;

/* Records code, field and a formatted message in *e (if e is not NULL); returns code so callers
 * can write `return lm_errinfo_set(e, LM_INVALID, "jobs[3].id", "duplicate id %d", id);`. */
lm_status lm_errinfo_set(lm_errinfo *e, lm_status code, const char *field, const char *fmt, ...)
    LM_PRINTF(4, 5);
void lm_errinfo_clear(lm_errinfo *e);

/* ---- Allocation ---- */

/* Thin wrappers so that every allocation in the project goes through one place; lm_calloc and
 * lm_reallocarray check n*size for overflow. All return NULL on failure (or size 0). */
LM_MUST_USE void *lm_alloc(size_t size);
LM_MUST_USE void *lm_calloc(size_t n, size_t size);
LM_MUST_USE void *lm_reallocarray(void *p, size_t n, size_t size);
LM_MUST_USE char *lm_strdup(const char *s);
LM_MUST_USE char *lm_strndup(const char *s, size_t n);
void lm_free(void *p);

/* Request-scoped arena: many small allocations, one free (nginx's r->pool). */
typedef struct lm_arena lm_arena;
LM_MUST_USE lm_status lm_arena_create(size_t cap_bytes, lm_arena **out);
void lm_arena_destroy(lm_arena *a);
/* Frees everything taken from the arena, keeping its first block for the next use. */
void lm_arena_reset(lm_arena *a);
/* Zeroed, 16-byte aligned memory from the arena; NULL once cap_bytes would be exceeded. */
LM_MUST_USE void *lm_arena_alloc(lm_arena *a, size_t size);
LM_MUST_USE char *lm_arena_strndup(lm_arena *a, const char *s, size_t n);
size_t lm_arena_used(const lm_arena *a);

/* Growable byte buffer with a hard cap (curl's dynbuf): appends past the cap fail with TOO_BIG. */
typedef struct lm_buf {
    char *data; /* NUL-terminated while len < cap */
    size_t len;
    size_t alloc;
    size_t cap; /* maximum len */
} lm_buf;
void lm_buf_init(lm_buf *b, size_t cap);
void lm_buf_free(lm_buf *b);
void lm_buf_reset(lm_buf *b);
LM_MUST_USE lm_status lm_buf_append(lm_buf *b, const void *data, size_t n);
LM_MUST_USE lm_status lm_buf_printf(lm_buf *b, const char *fmt, ...) LM_PRINTF(2, 3);
/* Appends s (NULL: "") as a quoted, escaped JSON string (event payloads below api/, no cJSON). */
LM_MUST_USE lm_status lm_buf_json_str(lm_buf *b, const char *s);
/* Hands the buffer's memory to the caller (free with lm_free) and leaves b empty. */
char *lm_buf_take(lm_buf *b);
/* Reads f to its end into *out (NUL-terminated, "" when empty; free with lm_free) and its length
 * into *len. IO on a read error, TOO_BIG past cap bytes, NOMEM; out and len untouched on failure.
 * The caller opens and closes f. */
LM_MUST_USE lm_status lm_buf_read_stream(FILE *f, size_t cap, char **out, size_t *len);

/* ---- Small helpers ---- */
/* Writes v in decimal to out (NUL-terminated; what "%" PRId64 prints, without printf's cost on
 * hot paths) and returns its length. */
size_t lm_i64_text(char out[24], int64_t v);

/* Parses a whole decimal integer in [min, max]: digits with an optional leading '-', nothing else
 * (no blanks, no '+'); false on junk, overflow or empty input. */
bool lm_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses a whole finite double; false on junk or empty input. */
bool lm_parse_double(const char *s, double *out);
/* Wall-clock time in milliseconds since the epoch, and a monotonic clock in nanoseconds. */
int64_t lm_now_ms(void);
int64_t lm_mono_ns(void);
/* Whether s[0..len) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) whose
 * control characters (C0, NUL included, and DEL) are all in controls: "" for none (ids, names),
 * LM_UTF8_LINES for free text, NULL for any (UTF-8 validity alone). */
#define LM_UTF8_LINES "\t\n\r"
bool lm_utf8_valid(const char *s, size_t len, const char *controls);
/* Replaces, in place, every byte of s that is not part of a valid UTF-8 sequence, and every
 * control character, with '?': for texts that quote input bytes (error messages) and go out in
 * JSON. */
void lm_utf8_scrub(char *s);
/* Bounded copy that always NUL-terminates (dst_size > 0); returns false if truncated. */
bool lm_strlcpy(char *dst, const char *src, size_t dst_size);

#endif
