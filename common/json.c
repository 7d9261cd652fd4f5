/* common/json.c: the streaming JSON writer of common/json.h (escaping into a capped lm_buf). */
#include "common/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void lm_jw_init(lm_jw *w, lm_buf *b, bool pretty) {
    memset(w, 0, sizeof *w);
    w->b = b;
    w->pretty = pretty;
}

void lm_jw_raw(lm_jw *w, const char *s, size_t n) {
    if (w->st == LM_OK) w->st = lm_buf_append(w->b, s, n);
}

static void lit(lm_jw *w, const char *s) {
    lm_jw_raw(w, s, strlen(s));
}

static void fmt(lm_jw *w, const char *f, ...) LM_PRINTF(2, 3);
static void fmt(lm_jw *w, const char *f, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        if (w->st == LM_OK) w->st = LM_INTERNAL;
        return;
    }
    lm_jw_raw(w, tmp, (size_t)n);
}

void lm_jw_quoted(lm_jw *w, const char *s) {
    lit(w, "\"");
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        lm_jw_raw(w, run, (size_t)(s - run));
        if (ch == '"')
            lit(w, "\\\"");
        else if (ch == '\\')
            lit(w, "\\\\");
        else if (ch == '\n')
            lit(w, "\\n");
        else if (ch == '\t')
            lit(w, "\\t");
        else
            fmt(w, "\\u%04x", ch);
        run = s + 1;
    }
    lm_jw_raw(w, run, (size_t)(s - run));
    lit(w, "\"");
}

static void newline(lm_jw *w) {
    if (!w->pretty) return;
    lit(w, "\n");
    for (int i = 0; i < w->depth; i++)
        lit(w, "  ");
}

void lm_jw_key(lm_jw *w, const char *key) {
    if (w->need_comma) lit(w, ",");
    if (w->depth > 0) newline(w);
    if (key) {
        lm_jw_quoted(w, key);
        lit(w, w->pretty ? ": " : ":");
    }
    w->need_comma = true;
}

void lm_jw_open(lm_jw *w, const char *key, const char *bracket) {
    lm_jw_key(w, key);
    lit(w, bracket);
    w->depth++;
    w->need_comma = false;
}

void lm_jw_close(lm_jw *w, const char *bracket) {
    w->depth--;
    if (w->need_comma) newline(w);
    lit(w, bracket);
    w->need_comma = true;
}

void lm_jw_int(lm_jw *w, const char *key, int64_t v) {
    lm_jw_key(w, key);
    fmt(w, "%lld", (long long)v);
}

void lm_jw_uint(lm_jw *w, const char *key, uint64_t v) {
    lm_jw_key(w, key);
    fmt(w, "%llu", (unsigned long long)v);
}

void lm_jw_str(lm_jw *w, const char *key, const char *s) {
    lm_jw_key(w, key);
    lm_jw_quoted(w, s);
}

static void double_raw(lm_jw *w, double d) {
    char tmp[40];
    /* a whole number prints as %.15g would print it, without the trial formatting below (reports
     * write hundreds of thousands of them) */
    if (d >= -1e15 && d <= 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
        fmt(w, "%lld", (long long)d);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    lit(w, tmp);
}

void lm_jw_double(lm_jw *w, const char *key, double d) {
    lm_jw_key(w, key);
    double_raw(w, d);
}

void lm_jw_int_array(lm_jw *w, const char *key, const int64_t *a, size_t n) {
    lm_jw_key(w, key);
    lit(w, "[");
    for (size_t i = 0; i < n; i++)
        fmt(w, i ? ",%lld" : "%lld", (long long)a[i]);
    lit(w, "]");
}

void lm_jw_lonlat(lm_jw *w, const char *key, double lon, double lat) {
    lm_jw_key(w, key);
    lit(w, "[");
    double_raw(w, lon);
    lit(w, ",");
    double_raw(w, lat);
    lit(w, "]");
}
