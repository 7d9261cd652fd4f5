/* Service areas: GeoJSON Polygon / MultiPolygon (holes included) parsed with cJSON and tested with
 * the even-odd rule. Radius geofences are in geodesic.c. */
#include "geo/geo.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define AREA_MAX_VERTICES 1000000
#define AREA_MAX_JSON     ((size_t)64 << 20)

typedef struct ring {
    size_t start, count; /* into geo_area.pts, closed (last == first) */
    bool hole;
} ring;

typedef struct polygon {
    size_t first_ring, n_rings; /* the first ring is the outer one */
    double min_lat, max_lat, min_lon, max_lon;
} polygon;

struct geo_area {
    geo_point *pts;
    size_t n_pts;
    ring *rings;
    size_t n_rings;
    polygon *polys;
    size_t n_polys;
};

void geo_area_destroy(geo_area *a) {
    if (!a) return;
    lm_free(a->pts);
    lm_free(a->rings);
    lm_free(a->polys);
    lm_free(a);
}

/* Counts positions and rings first so that every array is allocated once. */
static lm_status count_polygon(const cJSON *poly, const char *path, size_t *n_rings, size_t *n_pts,
                               lm_errinfo *err) {
    if (!cJSON_IsArray(poly) || cJSON_GetArraySize(poly) < 1)
        return lm_errinfo_set(err, LM_INVALID, path,
                              "a polygon is a non-empty array of linear rings");
    const cJSON *r;
    size_t k = 0;
    cJSON_ArrayForEach(r, poly) {
        if (!cJSON_IsArray(r)) {
            char f[96];
            snprintf(f, sizeof f, "%s[%zu]", path, k);
            return lm_errinfo_set(err, LM_INVALID, f, "a linear ring is an array of positions");
        }
        *n_pts += (size_t)cJSON_GetArraySize(r);
        (*n_rings)++;
        k++;
        if (*n_pts > AREA_MAX_VERTICES)
            return lm_errinfo_set(err, LM_TOO_BIG, path, "more than %d positions",
                                  AREA_MAX_VERTICES);
    }
    return LM_OK;
}

static lm_status load_polygon(geo_area *a, const cJSON *poly, const char *path, lm_errinfo *err) {
    polygon *pg = &a->polys[a->n_polys++];
    *pg = (polygon){
        .first_ring = a->n_rings, .min_lat = 90, .max_lat = -90, .min_lon = 180, .max_lon = -180};
    const cJSON *r;
    size_t ri = 0;
    cJSON_ArrayForEach(r, poly) {
        char f[96];
        ring *rg = &a->rings[a->n_rings++];
        *rg = (ring){.start = a->n_pts, .hole = ri > 0};
        const cJSON *pos;
        size_t pi = 0;
        cJSON_ArrayForEach(pos, r) {
            snprintf(f, sizeof f, "%s[%zu][%zu]", path, ri, pi);
            int len = cJSON_IsArray(pos) ? cJSON_GetArraySize(pos) : 0;
            if (len < 2 || len > 3)
                return lm_errinfo_set(err, LM_INVALID, f,
                                      "a position is [lon, lat] or [lon, lat, altitude]");
            const cJSON *lon = cJSON_GetArrayItem(pos, 0), *lat = cJSON_GetArrayItem(pos, 1);
            if (!cJSON_IsNumber(lon) || !cJSON_IsNumber(lat))
                return lm_errinfo_set(err, LM_INVALID, f, "longitude and latitude must be numbers");
            geo_point p = {.lat = lat->valuedouble, .lon = lon->valuedouble};
            char fp[96];
            snprintf(fp, sizeof fp, "%s[%zu][%zu][%d]", path, ri, pi, 1);
            if (p.lat < -90 || p.lat > 90)
                return lm_errinfo_set(err, LM_INVALID, fp,
                                      "latitude %.7g is outside [-90, 90] (positions are "
                                      "[lon, lat])",
                                      p.lat);
            snprintf(fp, sizeof fp, "%s[%zu][%zu][%d]", path, ri, pi, 0);
            if (p.lon < -180 || p.lon > 180)
                return lm_errinfo_set(err, LM_INVALID, fp, "longitude %.7g is outside [-180, 180]",
                                      p.lon);
            a->pts[a->n_pts++] = p;
            if (!rg->hole) {
                pg->min_lat = fmin(pg->min_lat, p.lat);
                pg->max_lat = fmax(pg->max_lat, p.lat);
                pg->min_lon = fmin(pg->min_lon, p.lon);
                pg->max_lon = fmax(pg->max_lon, p.lon);
            }
            pi++;
        }
        rg->count = pi;
        snprintf(f, sizeof f, "%s[%zu]", path, ri);
        if (pi < 4)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "a linear ring needs at least 4 positions, got %zu", pi);
        const geo_point *first = &a->pts[rg->start], *last = &a->pts[rg->start + pi - 1];
        if (first->lat != last->lat || first->lon != last->lon)
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "a linear ring must be closed (last position == first)");
        ri++;
    }
    pg->n_rings = ri;
    return LM_OK;
}

lm_status geo_area_from_geojson(const char *json, size_t len, geo_area **out, lm_errinfo *err) {
    cJSON *root = NULL;
    geo_area *a = NULL;
    lm_status st;
    if (!json) return lm_errinfo_set(err, LM_INVALID, "geometry", "missing");
    if (len > AREA_MAX_JSON)
        return lm_errinfo_set(err, LM_TOO_BIG, "geometry", "GeoJSON larger than %zu bytes",
                              AREA_MAX_JSON);
    root = cJSON_ParseWithLength(json, len);
    if (!root) return lm_errinfo_set(err, LM_INVALID, "geometry", "not valid JSON");
    const cJSON *geom = root;
    const char *prefix = "";
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(geom, "type");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "Feature") == 0) {
        geom = cJSON_GetObjectItemCaseSensitive(root, "geometry");
        prefix = "geometry.";
        type = cJSON_GetObjectItemCaseSensitive(geom, "type");
    }
    char f[96];
    snprintf(f, sizeof f, "%stype", prefix);
    if (!cJSON_IsObject(geom) || !cJSON_IsString(type)) {
        st = lm_errinfo_set(err, LM_INVALID, f, "expected a GeoJSON geometry with a \"type\"");
        goto fail;
    }
    bool multi = strcmp(type->valuestring, "MultiPolygon") == 0;
    if (!multi && strcmp(type->valuestring, "Polygon") != 0) {
        st = lm_errinfo_set(err, LM_INVALID, f, "\"%.40s\" is not Polygon or MultiPolygon",
                            type->valuestring);
        goto fail;
    }
    const cJSON *coords = cJSON_GetObjectItemCaseSensitive(geom, "coordinates");
    char cpath[64];
    snprintf(cpath, sizeof cpath, "%scoordinates", prefix);
    if (!cJSON_IsArray(coords) || cJSON_GetArraySize(coords) < 1) {
        st = lm_errinfo_set(err, LM_INVALID, cpath, "must be a non-empty array");
        goto fail;
    }
    size_t n_polys = multi ? (size_t)cJSON_GetArraySize(coords) : 1, n_rings = 0, n_pts = 0;
    const cJSON *poly;
    size_t k = 0;
    if (multi) {
        cJSON_ArrayForEach(poly, coords) {
            snprintf(f, sizeof f, "%s[%zu]", cpath, k++);
            st = count_polygon(poly, f, &n_rings, &n_pts, err);
            if (st != LM_OK) goto fail;
        }
    } else {
        st = count_polygon(coords, cpath, &n_rings, &n_pts, err);
        if (st != LM_OK) goto fail;
    }
    a = lm_calloc(1, sizeof *a);
    if (a) {
        a->pts = lm_calloc(n_pts ? n_pts : 1, sizeof *a->pts);
        a->rings = lm_calloc(n_rings, sizeof *a->rings);
        a->polys = lm_calloc(n_polys, sizeof *a->polys);
    }
    if (!a || !a->pts || !a->rings || !a->polys) {
        st = lm_errinfo_set(err, LM_NOMEM, "geometry", "no memory for the area");
        goto fail;
    }
    if (multi) {
        k = 0;
        cJSON_ArrayForEach(poly, coords) {
            snprintf(f, sizeof f, "%s[%zu]", cpath, k++);
            st = load_polygon(a, poly, f, err);
            if (st != LM_OK) goto fail;
        }
    } else {
        st = load_polygon(a, coords, cpath, err);
        if (st != LM_OK) goto fail;
    }
    cJSON_Delete(root);
    *out = a;
    return LM_OK;
fail:
    cJSON_Delete(root);
    geo_area_destroy(a);
    return st;
}

/* Even-odd crossing test of a horizontal ray from p towards +lon. */
static bool ring_contains(const geo_point *v, size_t count, geo_point p) {
    bool in = false;
    for (size_t i = 0, j = count - 1; i < count; j = i++) {
        if ((v[i].lat > p.lat) != (v[j].lat > p.lat)) {
            double x =
                v[j].lon + (p.lat - v[j].lat) * (v[i].lon - v[j].lon) / (v[i].lat - v[j].lat);
            if (p.lon < x) in = !in;
        }
    }
    return in;
}

bool geo_area_contains(const geo_area *a, geo_point p) {
    if (!a || geo_point_check(p, NULL, NULL) != LM_OK) return false;
    for (size_t k = 0; k < a->n_polys; k++) {
        const polygon *pg = &a->polys[k];
        if (p.lat < pg->min_lat || p.lat > pg->max_lat || p.lon < pg->min_lon ||
            p.lon > pg->max_lon)
            continue;
        const ring *outer = &a->rings[pg->first_ring];
        if (!ring_contains(&a->pts[outer->start], outer->count, p)) continue;
        bool in_hole = false;
        for (size_t h = 1; h < pg->n_rings && !in_hole; h++) {
            const ring *rg = &a->rings[pg->first_ring + h];
            in_hole = ring_contains(&a->pts[rg->start], rg->count, p);
        }
        if (!in_hole) return true;
    }
    return false;
}
