/* Coordinate validation and the two text forms of a point: "lat,lon" (OsmAnd) and "[lon, lat]"
 * (VROOM / GeoJSON). */
#include "geo/geo.h"
#include "geo/internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void field_join(char *dst, size_t size, const char *field, const char *leaf) {
    if (field && *field)
        snprintf(dst, size, "%s.%s", field, leaf);
    else
        snprintf(dst, size, "%s", leaf);
}

lm_status geo_point_check(geo_point p, const char *field, lm_errinfo *err) {
    char f[96];
    if (!isfinite(p.lat)) {
        field_join(f, sizeof f, field, "lat");
        return lm_errinfo_set(err, LM_INVALID, f, "latitude must be a finite number");
    }
    if (!isfinite(p.lon)) {
        field_join(f, sizeof f, field, "lon");
        return lm_errinfo_set(err, LM_INVALID, f, "longitude must be a finite number");
    }
    if (p.lat < -90.0 || p.lat > 90.0) {
        field_join(f, sizeof f, field, "lat");
        if (fabs(p.lon) <= 90.0)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "latitude %.7g is outside [-90, 90]; latitude and longitude "
                                  "look swapped",
                                  p.lat);
        return lm_errinfo_set(err, LM_INVALID, f, "latitude %.7g is outside [-90, 90]", p.lat);
    }
    if (p.lon < -180.0 || p.lon > 180.0) {
        field_join(f, sizeof f, field, "lon");
        return lm_errinfo_set(err, LM_INVALID, f, "longitude %.7g is outside [-180, 180]", p.lon);
    }
    return LM_OK;
}

/* Parses one decimal number from s[0..len) after trimming blanks; strtod alone would accept
 * "nan", "inf" and hex, which are not coordinates. */
static bool number_parse(const char *s, size_t len, double *out) {
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 40) return false;
    char buf[48];
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return false;
        buf[i] = c;
    }
    buf[len] = '\0';
    return lm_parse_double(buf, out);
}

lm_status geo_point_parse_latlon(const char *s, const char *field, geo_point *out,
                                 lm_errinfo *err) {
    const char *fname = (field && *field) ? field : "location";
    if (!s) return lm_errinfo_set(err, LM_INVALID, fname, "missing; expected \"lat,lon\"");
    const char *comma = strchr(s, ',');
    if (!comma) return lm_errinfo_set(err, LM_INVALID, fname, "expected \"lat,lon\" with a comma");
    if (strchr(comma + 1, ','))
        return lm_errinfo_set(err, LM_INVALID, fname, "expected exactly two numbers \"lat,lon\"");
    geo_point p;
    char f[96];
    if (!number_parse(s, (size_t)(comma - s), &p.lat)) {
        field_join(f, sizeof f, field, "lat");
        return lm_errinfo_set(err, LM_INVALID, f, "latitude is not a decimal number");
    }
    if (!number_parse(comma + 1, strlen(comma + 1), &p.lon)) {
        field_join(f, sizeof f, field, "lon");
        return lm_errinfo_set(err, LM_INVALID, f, "longitude is not a decimal number");
    }
    lm_status st = geo_point_check(p, field, err);
    if (st != LM_OK) return st;
    *out = p;
    return LM_OK;
}

lm_status geo_point_parse_lonlat(const char *s, const char *field, geo_point *out,
                                 lm_errinfo *err) {
    const char *fname = (field && *field) ? field : "location";
    if (!s) return lm_errinfo_set(err, LM_INVALID, fname, "missing; expected \"[lon, lat]\"");
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len < 2 || s[0] != '[' || s[len - 1] != ']')
        return lm_errinfo_set(err, LM_INVALID, fname, "expected \"[lon, lat]\" in brackets");
    const char *body = s + 1;
    size_t blen = len - 2;
    const char *c1 = memchr(body, ',', blen);
    if (!c1) return lm_errinfo_set(err, LM_INVALID, fname, "expected two numbers \"[lon, lat]\"");
    const char *rest = c1 + 1;
    size_t rlen = blen - (size_t)(rest - body);
    const char *c2 = memchr(rest, ',', rlen);
    size_t lat_len = c2 ? (size_t)(c2 - rest) : rlen;
    geo_point p;
    char f[96];
    if (!number_parse(body, (size_t)(c1 - body), &p.lon)) {
        field_join(f, sizeof f, field, "lon");
        return lm_errinfo_set(err, LM_INVALID, f, "longitude (first value) is not a number");
    }
    if (!number_parse(rest, lat_len, &p.lat)) {
        field_join(f, sizeof f, field, "lat");
        return lm_errinfo_set(err, LM_INVALID, f, "latitude (second value) is not a number");
    }
    if (c2) {
        double alt;
        const char *a = c2 + 1;
        size_t alen = rlen - (size_t)(a - rest);
        if (memchr(a, ',', alen) || !number_parse(a, alen, &alt))
            return lm_errinfo_set(err, LM_INVALID, fname,
                                  "expected \"[lon, lat]\" or \"[lon, lat, altitude]\"");
    }
    lm_status st = geo_point_check(p, field, err);
    if (st != LM_OK) return st;
    *out = p;
    return LM_OK;
}
