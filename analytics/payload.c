/* analytics/payload.c: what every fold reads: the few fields of the flat JSON payloads orders/ and
 * dispatch/ write (by key, rather than through a general parser), and the table of each vehicle's
 * driver and open exceptions. kpi.c (orders, routes) and fleet.c (re-plans, exceptions) both use
 * them, so they live apart from either. */
#include "analytics/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The raw value after "key": in a flat JSON object, or NULL. */
static const char *field(const char *json, const char *key) {
    char pat[40];
    int k = snprintf(pat, sizeof pat, "\"%s\":", key);
    if (k <= 0 || (size_t)k >= sizeof pat || !json) return NULL;
    const char *p = strstr(json, pat);
    return p ? p + k : NULL;
}

bool an_field_i64(const char *json, const char *key, int64_t *out) {
    const char *p = field(json, key);
    if (!p) return false;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p) return false;
    *out = v;
    return true;
}

/* Copies a JSON string value (escapes kept as written; ids never contain them). */
bool an_field_str(const char *json, const char *key, char *out, size_t cap) {
    const char *p = field(json, key);
    if (!p || *p != '"') return false;
    p++;
    size_t i = 0;
    for (; p[i] && p[i] != '"' && i + 1 < cap; i++)
        out[i] = p[i];
    out[i] = '\0';
    return true;
}

an_vdriver *an_vd_get(analytics_kpi *a, const char *vehicle, bool create) {
    for (size_t i = 0; i < a->n_vd; i++)
        if (!strcmp(a->vd[i].vehicle, vehicle)) return &a->vd[i];
    if (!create) return NULL;
    if (a->n_vd == a->cap_vd) {
        size_t cap = a->cap_vd ? a->cap_vd * 2 : 16;
        an_vdriver *v = lm_reallocarray(a->vd, cap, sizeof *v);
        if (!v) return NULL;
        a->vd = v;
        a->cap_vd = cap;
    }
    an_vdriver *v = &a->vd[a->n_vd++];
    memset(v, 0, sizeof *v);
    lm_strlcpy(v->vehicle, vehicle, sizeof v->vehicle);
    return v;
}
