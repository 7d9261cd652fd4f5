/* api/http/json_print.c: the JSON replies' serialiser: the very bytes cJSON_PrintUnformatted
 * (cJSON 1.7.15) writes, without its sprintf and sscanf per number (an order's reply has a dozen
 * numbers: bench/results/perf-intake.md). Integers print with a loop; other numbers take cJSON's
 * own way (%1.15g, re-read, %1.17g when that loses the value). */
#include "api/http/internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h> /* strtod */
#include <string.h>

typedef http_json out;

static bool grow(out *o, size_t more) {
    if (o->failed) return false;
    if (o->n + more + 1 <= o->cap) return true;
    size_t cap = o->cap ? o->cap : 256;
    while (cap < o->n + more + 1)
        cap *= 2;
    char *p = lm_reallocarray(o->p, cap, 1);
    if (!p) {
        o->failed = true;
        return false;
    }
    o->p = p;
    o->cap = cap;
    return true;
}

static void put(out *o, const char *s, size_t n) {
    if (!grow(o, n)) return;
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void put_int(out *o, long long v) {
    char buf[24], *e = buf + sizeof buf, *p = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    put(o, p, (size_t)(e - p));
}

/* cJSON 1.7.15's print_number: "null" for NaN and infinities, else %1.15g unless re-reading
 * that loses the value (then %1.17g). An integral value below 1e15 prints under %1.15g as its
 * plain digits ("-0" for minus zero), which the loop writes without printf. */
static void put_double(out *o, double d) {
    if (isnan(d) || isinf(d)) {
        put(o, "null", 4);
    } else if (d == 0) {
        if (signbit(d))
            put(o, "-0", 2);
        else
            put(o, "0", 1);
    } else if (d == floor(d) && fabs(d) < 1e15) {
        put_int(o, (long long)d);
    } else {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%1.15g", d);
        double test = strtod(buf, NULL);
        double big = fabs(test) > fabs(d) ? fabs(test) : fabs(d);
        if (!(fabs(test - d) <= big * DBL_EPSILON)) n = snprintf(buf, sizeof buf, "%1.17g", d);
        put(o, buf, (size_t)n);
    }
}

/* cJSON's print_string_ptr: ", \ and the control bytes escaped, everything else as is. */
static void put_string(out *o, const char *s) {
    put(o, "\"", 1);
    const char *run = s;
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 32 && c != '"' && c != '\\') continue;
        put(o, run, (size_t)(s - run));
        run = s + 1;
        char esc[8];
        switch (c) {
        case '"': put(o, "\\\"", 2); break;
        case '\\': put(o, "\\\\", 2); break;
        case '\b': put(o, "\\b", 2); break;
        case '\f': put(o, "\\f", 2); break;
        case '\n': put(o, "\\n", 2); break;
        case '\r': put(o, "\\r", 2); break;
        case '\t': put(o, "\\t", 2); break;
        default: snprintf(esc, sizeof esc, "\\u%04x", c); put(o, esc, 6);
        }
    }
    if (s) put(o, run, (size_t)(s - run));
    put(o, "\"", 1);
}

static void put_value(out *o, const cJSON *it, int depth) {
    if (depth > 1000) { /* deeper than any reply is built (and than cJSON parses) */
        o->failed = true;
        return;
    }
    switch (it->type & 0xFF) {
    case cJSON_NULL: put(o, "null", 4); break;
    case cJSON_False: put(o, "false", 5); break;
    case cJSON_True: put(o, "true", 4); break;
    case cJSON_Number: put_double(o, it->valuedouble); break;
    case cJSON_String: put_string(o, it->valuestring); break;
    case cJSON_Raw:
        if (!it->valuestring)
            o->failed = true;
        else
            put(o, it->valuestring, strlen(it->valuestring));
        break;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (it->type & 0xFF) == cJSON_Object;
        put(o, obj ? "{" : "[", 1);
        for (const cJSON *c = it->child; c && !o->failed; c = c->next) {
            if (obj) {
                put_string(o, c->string ? c->string : "");
                put(o, ":", 1);
            }
            put_value(o, c, depth + 1);
            if (c->next) put(o, ",", 1);
        }
        put(o, obj ? "}" : "]", 1);
        break;
    }
    default: o->failed = true;
    }
}

char *http__json_print(const cJSON *j, size_t *len) {
    out o = {0};
    if (j) put_value(&o, j, 0);
    if (!j || o.failed || !grow(&o, 0)) {
        lm_free(o.p);
        return NULL;
    }
    o.p[o.n] = '\0';
    *len = o.n;
    return o.p;
}

void http_json_raw(http_json *j, const char *s) {
    put(j, s, strlen(s));
}

void http_json_str(http_json *j, const char *s) {
    put_string(j, s);
}

void http_json_num(http_json *j, double d) {
    put_double(j, d);
}
