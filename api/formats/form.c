/* api/formats/form.c: url-encoded forms and query strings (form.h): splitting, percent-decoding
 * with refusal of control bytes and invalid UTF-8, and typed query parameters. */
#include "api/formats/form.h"

#include "api/formats/rfc3339.h"

#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into dst ('+' is a space, %XX a byte), NUL-terminates it and returns its
 * length, or (size_t)-1 when a '%' has no two hex digits after it. dst may be s. */
static size_t unescape(const char *s, size_t n, char *dst) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            dst[o++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) return (size_t)-1;
            dst[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            dst[o++] = s[i];
        }
    }
    dst[o] = '\0';
    return o;
}

/* Decodes one key or value in place and checks it; what names it in messages. */
static lm_status decode_part(char *s, size_t n, const char *field, const char *what,
                             lm_errinfo *err) {
    size_t len = unescape(s, n, s);
    if (len == (size_t)-1)
        return lm_errinfo_set(err, LM_INVALID, field,
                              "the %s has a '%%' without two hex digits after it", what);
    if (!lm_utf8_valid(s, len, ""))
        return lm_errinfo_set(err, LM_INVALID, field,
                              "the %s is not UTF-8 text without control characters", what);
    return LM_OK;
}

lm_status fmt_form_parse(const char *text, size_t len, const char *field, fmt_form_kv *pairs,
                         size_t cap, size_t *n_out, char **buf_out, lm_errinfo *err) {
    char *copy = lm_alloc(len + 1);
    if (!copy) return lm_errinfo_set(err, LM_NOMEM, field, "out of memory");
    if (len) memcpy(copy, text, len);
    copy[len] = '\0';
    lm_status rc = LM_OK;
    size_t n = 0;
    char *p = copy, *end = copy + len;
    while (p < end && rc == LM_OK) {
        char *amp = memchr(p, '&', (size_t)(end - p));
        char *stop = amp ? amp : end;
        *stop = '\0';
        if (stop > p) {
            if (n == cap) {
                rc = lm_errinfo_set(err, LM_TOO_BIG, field, "more than %zu fields", cap);
                break;
            }
            char *eq = memchr(p, '=', (size_t)(stop - p));
            if (eq) *eq = '\0';
            rc = decode_part(p, (size_t)((eq ? eq : stop) - p), field, "field name", err);
            if (rc == LM_OK && eq)
                rc = decode_part(eq + 1, (size_t)(stop - eq - 1), p, "value", err);
            pairs[n].key = p;
            pairs[n].value = eq ? eq + 1 : "";
            n++;
        }
        p = stop + 1;
    }
    if (rc != LM_OK) {
        lm_free(copy);
        return rc;
    }
    *buf_out = copy;
    *n_out = n;
    return LM_OK;
}

const char *fmt_form_get(const fmt_form_kv *pairs, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pairs[i].key, key)) return pairs[i].value;
    return NULL;
}

/* ---- One query parameter ---- */

lm_status fmt_query_text(const char *name, const char *value, size_t len, size_t max_len,
                         lm_errinfo *err) {
    if (!value) return LM_OK;
    if (len > max_len)
        return lm_errinfo_set(err, LM_TOO_BIG, name, "is longer than %zu bytes", max_len);
    if (!lm_utf8_valid(value, len, ""))
        return lm_errinfo_set(err, LM_INVALID, name,
                              "must be UTF-8 text without control characters");
    return LM_OK;
}

/* Text checks shared by the typed readers: short, and no NUL before len. */
static bool plain(const char *value, size_t len, size_t max_len) {
    return len <= max_len && strlen(value) == len;
}

lm_status fmt_query_int(const char *name, const char *value, size_t len, int64_t min, int64_t max,
                        int64_t *out, lm_errinfo *err) {
    if (!value) return LM_OK;
    int64_t v;
    if (!plain(value, len, 24) || !lm_parse_i64(value, min, max, &v))
        return lm_errinfo_set(err, LM_INVALID, name, "must be an integer in %lld..%lld",
                              (long long)min, (long long)max);
    *out = v;
    return LM_OK;
}

lm_status fmt_query_time_ms(const char *name, const char *value, size_t len, int64_t *out_ms,
                            lm_errinfo *err) {
    if (!value) return LM_OK;
    int64_t v;
    if (plain(value, len, 40)) {
        if (lm_parse_i64(value, 0, INT64_C(253402300799999), &v)) { /* to the end of year 9999 */
            *out_ms = v;
            return LM_OK;
        }
        if (fmt_time_parse_rfc3339(value, &v)) { /* years 0000..9999: no overflow below */
            *out_ms = v * 1000;
            return LM_OK;
        }
    }
    return lm_errinfo_set(err, LM_INVALID, name,
                          "must be epoch milliseconds or an RFC 3339 time with a zone");
}

lm_status fmt_query_bool(const char *name, const char *value, size_t len, bool *out,
                         lm_errinfo *err) {
    if (!value) return LM_OK;
    if (plain(value, len, 5) && (!strcmp(value, "true") || !strcmp(value, "false"))) {
        *out = value[0] == 't';
        return LM_OK;
    }
    return lm_errinfo_set(err, LM_INVALID, name, "must be true or false");
}
