/* common/json.h: JSON *writing* into a capped lm_buf (no cJSON): a small streaming emitter with
 * optional pretty-printing, for codecs and event payloads that write JSON without building a tree.
 * Ownership: the writer borrows its lm_buf; the caller initialises, takes and frees the buffer.
 * Errors are sticky: the first failing append (LM_TOO_BIG past the buffer's cap, LM_NOMEM) is kept
 * in w->st and every later call does nothing, so a caller checks w->st once at the end. */
#ifndef LASTMILE_COMMON_JSON_H
#define LASTMILE_COMMON_JSON_H

#include "common/common.h"

typedef struct lm_jw {
    lm_buf *b;       /* borrowed output */
    lm_status st;    /* LM_OK until an append fails */
    bool pretty;     /* newlines and two-space indents */
    int depth;       /* open objects / arrays */
    bool need_comma; /* a value was written at this depth */
} lm_jw;

/* A writer over b (pretty: indented), at depth 0. */
void lm_jw_init(lm_jw *w, lm_buf *b, bool pretty);
/* Bytes as they are (no separator, no escaping). */
void lm_jw_raw(lm_jw *w, const char *s, size_t n);
/* s (NUL-terminated) as a quoted JSON string: '"', '\\', '\n', '\t' escaped short, other control
 * bytes as \u00XX; other bytes copied (the caller gives UTF-8). */
void lm_jw_quoted(lm_jw *w, const char *s);
/* The separator, indentation and "key": before a value; key NULL inside an array. */
void lm_jw_key(lm_jw *w, const char *key);
/* Opens an object ("{") or array ("[") under key (NULL in an array); lm_jw_close ends it. */
void lm_jw_open(lm_jw *w, const char *key, const char *bracket);
void lm_jw_close(lm_jw *w, const char *bracket);
/* Members (key NULL inside an array). */
void lm_jw_int(lm_jw *w, const char *key, int64_t v);
void lm_jw_uint(lm_jw *w, const char *key, uint64_t v);
void lm_jw_str(lm_jw *w, const char *key, const char *s);
/* The shortest %g form that reads back to the same double (d must be finite). */
void lm_jw_double(lm_jw *w, const char *key, double d);
/* An inline array of n integers: [1,2] even when pretty-printing. */
void lm_jw_int_array(lm_jw *w, const char *key, const int64_t *a, size_t n);
/* An inline [lon,lat] pair. */
void lm_jw_lonlat(lm_jw *w, const char *key, double lon, double lat);

#endif
