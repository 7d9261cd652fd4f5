/* api/formats/form.h: application/x-www-form-urlencoded bodies and query strings as decoded
 * key/value pairs, and the typed reading of one query parameter (text, integer, time, boolean)
 * with field-named errors. Pure: the pairs point into one buffer the caller frees; nothing else
 * is allocated or kept.
 *
 * Every key and value must decode to UTF-8 without control characters: a "%00" that would cut a
 * C string short, a "%0A" in an id, or bytes that are not UTF-8 are refused, never passed on. */
#ifndef LASTMILE_FORMATS_FORM_H
#define LASTMILE_FORMATS_FORM_H

#include "common/common.h"

#define FMT_FORM_MAX_PAIRS 128 /* pairs one form or query string may hold */

typedef struct fmt_form_kv {
    const char *key, *value; /* decoded, NUL-terminated; value "" when the pair had no '=' */
} fmt_form_kv;

/* Splits text[0..len) (no NUL needed; a query string without its '?') into at most cap pairs:
 * '&' separates pairs (empty ones are skipped), the first '=' splits key from value, '+' is a
 * space and %XX a byte. On success *buf_out is the decoded copy the pairs point into (the
 * caller's, lm_free) and *n_out the count. LM_INVALID with err at the pair's key (or at field
 * when the key itself is bad) for a '%' without two hex digits after it or a decoded control
 * character or invalid UTF-8; LM_TOO_BIG past cap pairs. Out-parameters untouched on failure. */
LM_MUST_USE lm_status fmt_form_parse(const char *text, size_t len, const char *field,
                                     fmt_form_kv *pairs, size_t cap, size_t *n_out, char **buf_out,
                                     lm_errinfo *err);

/* The value of the first pair named key, or NULL. */
const char *fmt_form_get(const fmt_form_kv *pairs, size_t n, const char *key);

/* ---- One query parameter ----
 * value is the decoded text and len its decoded length (libmicrohttpd's
 * MHD_lookup_connection_value_n gives both), so that a NUL inside it is seen; value NULL means
 * the parameter is absent: LM_OK with the out-parameter untouched. Errors name the parameter. */

/* Text of at most max_len bytes, UTF-8 without control characters. */
LM_MUST_USE lm_status fmt_query_text(const char *name, const char *value, size_t len,
                                     size_t max_len, lm_errinfo *err);
/* A whole decimal integer in [min, max]. */
LM_MUST_USE lm_status fmt_query_int(const char *name, const char *value, size_t len, int64_t min,
                                    int64_t max, int64_t *out, lm_errinfo *err);
/* A time: epoch milliseconds (digits only) or RFC 3339 with a zone, as epoch milliseconds. */
LM_MUST_USE lm_status fmt_query_time_ms(const char *name, const char *value, size_t len,
                                        int64_t *out_ms, lm_errinfo *err);
/* "true" or "false". */
LM_MUST_USE lm_status fmt_query_bool(const char *name, const char *value, size_t len, bool *out,
                                     lm_errinfo *err);

#endif
