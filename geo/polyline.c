/* Google's encoded polyline algorithm, precision 5 (OSRM, VROOM) and 6 (Valhalla). Deltas are
 * taken between rounded integers, never floats, so long lines do not drift. */
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>

static lm_status precision_check(unsigned precision, lm_errinfo *err) {
    if (precision != 5 && precision != 6)
        return lm_errinfo_set(err, LM_INVALID, "precision", "must be 5 or 6, got %u", precision);
    return LM_OK;
}

/* Appends one zig-zag-encoded signed value in 5-bit chunks, low bits first. */
static lm_status value_put(lm_buf *b, int64_t v) {
    uint64_t u = v < 0 ? ~((uint64_t)v << 1) : ((uint64_t)v << 1);
    char tmp[16];
    size_t k = 0;
    while (u >= 0x20) {
        tmp[k++] = (char)((0x20 | (u & 0x1f)) + 63);
        u >>= 5;
    }
    tmp[k++] = (char)(u + 63);
    return lm_buf_append(b, tmp, k);
}

lm_status geo_polyline_encode(const geo_point *pts, size_t n, unsigned precision, char **out,
                              lm_errinfo *err) {
    lm_status st = precision_check(precision, err);
    if (st != LM_OK) return st;
    if (n > 0 && !pts) return lm_errinfo_set(err, LM_INVALID, "points", "missing");
    double scale = precision == 5 ? 1e5 : 1e6;
    lm_buf b;
    /* 2 values x at most 7 characters each (|v| < 2^31) per point, plus the NUL. */
    lm_buf_init(&b, n * 14 + 1);
    int64_t plat = 0, plon = 0;
    for (size_t i = 0; i < n; i++) {
        if (geo_point_check(pts[i], NULL, NULL) != LM_OK) {
            char f[48];
            snprintf(f, sizeof f, "points[%zu]", i);
            st = geo_point_check(pts[i], f, err);
            goto fail;
        }
        int64_t lat = llround(pts[i].lat * scale), lon = llround(pts[i].lon * scale);
        st = value_put(&b, lat - plat);
        if (st == LM_OK) st = value_put(&b, lon - plon);
        if (st != LM_OK) {
            st = lm_errinfo_set(err, st, "points", "no memory to encode %zu points", n);
            goto fail;
        }
        plat = lat;
        plon = lon;
    }
    char *s = lm_buf_take(&b);
    if (!s) s = lm_strdup("");
    if (!s) return lm_errinfo_set(err, LM_NOMEM, "points", "no memory for the polyline");
    *out = s;
    return LM_OK;
fail:
    lm_buf_free(&b);
    return st;
}

/* Reads one value starting at s[*pos]; false if it is truncated, has a character outside
 * '?'..'~', or does not fit 32 bits once decoded (no real coordinate needs more). */
static bool value_get(const char *s, size_t len, size_t *pos, int64_t *v, char *why,
                      size_t why_size) {
    uint64_t acc = 0;
    unsigned shift = 0;
    for (;;) {
        if (*pos >= len) {
            snprintf(why, why_size, "value starting before offset %zu is truncated", *pos);
            return false;
        }
        unsigned char c = (unsigned char)s[*pos];
        if (c < 63 || c > 126) {
            snprintf(why, why_size, "character 0x%02x at offset %zu is not in '?'..'~'", c, *pos);
            return false;
        }
        (*pos)++;
        unsigned chunk = c - 63u;
        if (shift > 30) {
            snprintf(why, why_size, "value ending at offset %zu is too long", *pos);
            return false;
        }
        acc |= (uint64_t)(chunk & 0x1f) << shift;
        shift += 5;
        if (!(chunk & 0x20)) break;
    }
    *v = (acc & 1) ? -(int64_t)(acc >> 1) - 1 : (int64_t)(acc >> 1);
    return true;
}

lm_status geo_polyline_decode(const char *s, size_t len, unsigned precision, geo_point **out,
                              size_t *n_out, lm_errinfo *err) {
    lm_status st = precision_check(precision, err);
    if (st != LM_OK) return st;
    if (len > 0 && !s) return lm_errinfo_set(err, LM_INVALID, "polyline", "missing");
    double scale = precision == 5 ? 1e5 : 1e6;
    /* Every value takes at least one character: len / 2 bounds the point count. */
    size_t cap = len / 2;
    geo_point *pts = cap ? lm_calloc(cap, sizeof *pts) : NULL;
    if (cap && !pts) return lm_errinfo_set(err, LM_NOMEM, "polyline", "no memory to decode");
    size_t pos = 0, n = 0;
    int64_t lat = 0, lon = 0;
    char why[128];
    while (pos < len) {
        int64_t dlat, dlon;
        if (!value_get(s, len, &pos, &dlat, why, sizeof why)) {
            st = lm_errinfo_set(err, LM_INVALID, "polyline", "%s", why);
            goto fail;
        }
        if (pos >= len) {
            st = lm_errinfo_set(err, LM_INVALID, "polyline",
                                "odd number of values: point %zu has no longitude", n);
            goto fail;
        }
        if (!value_get(s, len, &pos, &dlon, why, sizeof why)) {
            st = lm_errinfo_set(err, LM_INVALID, "polyline", "%s", why);
            goto fail;
        }
        lat += dlat;
        lon += dlon;
        geo_point p = {.lat = (double)lat / scale, .lon = (double)lon / scale};
        char f[48];
        snprintf(f, sizeof f, "polyline[%zu]", n);
        if (n >= cap || geo_point_check(p, f, err) != LM_OK) {
            st = LM_INVALID;
            goto fail;
        }
        /* Running sums stay bounded because every decoded point is checked in range. */
        pts[n++] = p;
    }
    *out = pts;
    *n_out = n;
    return LM_OK;
fail:
    lm_free(pts);
    return st;
}
