/* Route geometry: the road path through a route's stops from the engine's route service (OSRM
 * /route/v1 overview=full, Valhalla /route), as one precision-5 polyline (what VROOM's -g and
 * OSRM emit). A piece the engine cannot route, or a geodesic router, gets straight segments and
 * says so. */
#include "geo/internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PIECE_MAX 200 /* points per request: below OSRM's --max-viaroute-size 500 */

typedef struct path {
    geo_point *pts;
    size_t n, cap;
    double duration_s, distance_m;
    bool estimated;
} path;

static lm_status path_add(path *p, geo_point q) {
    if (p->n && p->pts[p->n - 1].lat == q.lat && p->pts[p->n - 1].lon == q.lon) return LM_OK;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 256;
        geo_point *np = lm_reallocarray(p->pts, nc, sizeof *np);
        if (!np) return LM_NOMEM;
        p->pts = np;
        p->cap = nc;
    }
    p->pts[p->n++] = q;
    return LM_OK;
}

/* Straight segments through pts[0..n), timed like the geodesic estimate. */
static lm_status straight(const geo_matrix_provider *pr, path *p, const geo_point *pts, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (path_add(p, pts[i]) != LM_OK) return LM_NOMEM;
        if (i == 0) continue;
        double d = geo_distance_m(pts[i - 1], pts[i]) * pr->o.detour_factor;
        p->distance_m += d;
        p->duration_s += d / pr->o.speed_mps;
    }
    p->estimated = true;
    return LM_OK;
}

/* Appends an encoded shape; false if it does not decode. */
static bool add_shape(path *p, const char *s, unsigned precision) {
    geo_point *pts = NULL;
    size_t n = 0;
    if (geo_polyline_decode(s, strlen(s), precision, &pts, &n, NULL) != LM_OK) return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = path_add(p, pts[i]) == LM_OK;
    lm_free(pts);
    return ok;
}

static lm_status osrm_piece_request(geo__http *h, const geo_point *pts, size_t n) {
    const geo_matrix_provider *pr = h->p;
    lm_buf_reset(&h->url);
    lm_buf_reset(&h->body);
    lm_status st = lm_buf_printf(&h->url, "%s/route/v1/%s/", pr->base_url, pr->profile);
    for (size_t i = 0; i < n && st == LM_OK; i++)
        st = lm_buf_printf(&h->url, "%s%.6f,%.6f", i ? ";" : "", pts[i].lon, pts[i].lat);
    if (st == LM_OK)
        st = lm_buf_printf(&h->url, "?overview=full&geometries=polyline&steps=false"
                                    "&alternatives=false&continue_straight=false");
    return st;
}

static lm_status valhalla_piece_request(geo__http *h, const geo_point *pts, size_t n) {
    const geo_matrix_provider *pr = h->p;
    lm_buf_reset(&h->url);
    lm_buf_reset(&h->body);
    lm_status st = lm_buf_printf(&h->url, "%s/route", pr->base_url);
    if (st == LM_OK) st = lm_buf_printf(&h->body, "{\"locations\":[");
    for (size_t i = 0; i < n && st == LM_OK; i++)
        st = lm_buf_printf(&h->body, "%s{\"lat\":%.6f,\"lon\":%.6f,\"type\":\"break\"}",
                           i ? "," : "", pts[i].lat, pts[i].lon);
    if (st == LM_OK)
        st = lm_buf_printf(&h->body,
                           "],\"costing\":\"%s\",\"directions_type\":\"none\","
                           "\"directions_options\":{\"units\":\"kilometers\"}}",
                           pr->profile);
    return st;
}

/* Reads the engine's reply into p; false when it is an error or not the expected shape. */
static bool decode_piece(bool osrm, const cJSON *root, long status, path *p) {
    if (status != 200) return false;
    if (osrm) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
        const cJSON *routes = cJSON_GetObjectItemCaseSensitive(root, "routes");
        const cJSON *r0 = cJSON_IsArray(routes) ? routes->child : NULL;
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(r0, "geometry");
        const cJSON *du = cJSON_GetObjectItemCaseSensitive(r0, "duration");
        const cJSON *di = cJSON_GetObjectItemCaseSensitive(r0, "distance");
        if (!cJSON_IsString(code) || strcmp(code->valuestring, "Ok") || !cJSON_IsString(g) ||
            !cJSON_IsNumber(du) || !cJSON_IsNumber(di) || !add_shape(p, g->valuestring, 5))
            return false;
        p->duration_s += du->valuedouble;
        p->distance_m += di->valuedouble;
        return true;
    }
    const cJSON *trip = cJSON_GetObjectItemCaseSensitive(root, "trip");
    const cJSON *legs = cJSON_GetObjectItemCaseSensitive(trip, "legs");
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(trip, "summary");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(sum, "time");
    const cJSON *len = cJSON_GetObjectItemCaseSensitive(sum, "length");
    if (!cJSON_IsArray(legs) || !cJSON_IsNumber(t) || !cJSON_IsNumber(len)) return false;
    const cJSON *leg;
    cJSON_ArrayForEach(leg, legs) {
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(leg, "shape");
        if (!cJSON_IsString(shape) || !add_shape(p, shape->valuestring, 6)) return false;
    }
    p->duration_s += t->valuedouble;
    p->distance_m += len->valuedouble * 1000.0; /* kilometres, as asked */
    return true;
}

lm_status geo_route_reply_decode(bool osrm, const char *reply, size_t len, char **polyline,
                                 int64_t *duration_s, int64_t *distance_m, lm_errinfo *err) {
    cJSON *root = cJSON_ParseWithLength(reply ? reply : "", len);
    path p = {0};
    bool ok = cJSON_IsObject(root) && decode_piece(osrm, root, 200, &p) && p.n > 0 &&
              isfinite(p.duration_s) && isfinite(p.distance_m);
    cJSON_Delete(root);
    lm_status st =
        ok ? geo_polyline_encode(p.pts, p.n, 5, polyline, err)
           : lm_errinfo_set(err, LM_INVALID, "reply", "not a %s route reply with a geometry",
                            osrm ? "OSRM" : "Valhalla");
    if (st == LM_OK) {
        if (duration_s) *duration_s = (int64_t)llround(p.duration_s);
        if (distance_m) *distance_m = (int64_t)llround(p.distance_m);
    }
    lm_free(p.pts);
    return st;
}

/* One piece from the engine, or straight lines when it cannot. */
static lm_status engine_piece(geo__http *h, path *p, const geo_point *pts, size_t n) {
    bool osrm = geo_matrix_provider_kind(h->p) == GEO_MATRIX_OSRM;
    lm_status st = osrm ? osrm_piece_request(h, pts, n) : valhalla_piece_request(h, pts, n);
    if (st != LM_OK) return straight(h->p, p, pts, n);
    if (geo__http_send(h) != GEO__FETCH_OK) return straight(h->p, p, pts, n);
    cJSON *root = cJSON_ParseWithLength(h->resp.data ? h->resp.data : "", h->resp.len);
    size_t n_before = p->n;
    double du = p->duration_s, di = p->distance_m;
    bool ok = cJSON_IsObject(root) && decode_piece(osrm, root, h->status, p);
    /* an engine error in its JSON is a healthy engine */
    geo__breaker_report(h->p, cJSON_IsObject(root), cJSON_IsObject(root) ? NULL : "garbled reply");
    cJSON_Delete(root);
    if (ok) return LM_OK;
    p->n = n_before;
    p->duration_s = du;
    p->distance_m = di;
    return straight(h->p, p, pts, n);
}

lm_status geo_route_geometry(geo_matrix_provider *pr, const geo_point *pts, size_t n,
                             char **polyline, int64_t *duration_s, int64_t *distance_m,
                             bool *estimated, lm_errinfo *err) {
    if (n < 2) return lm_errinfo_set(err, LM_INVALID, "locations", "a route needs 2 points");
    for (size_t i = 0; i < n; i++) {
        if (geo_point_check(pts[i], NULL, NULL) == LM_OK) continue;
        char f[48];
        snprintf(f, sizeof f, "locations[%zu]", i);
        return geo_point_check(pts[i], f, err);
    }
    path p = {0};
    lm_status st = LM_OK;
    geo_matrix_kind k = geo_matrix_provider_kind(pr);
    if (k != GEO_MATRIX_OSRM && k != GEO_MATRIX_VALHALLA) {
        st = straight(pr, &p, pts, n);
    } else {
        geo__http h;
        if ((st = geo__http_init(&h, pr, 0)) == LM_OK) {
            /* pieces share their end point, so the path stays connected */
            for (size_t a = 0; a + 1 < n && st == LM_OK; a += PIECE_MAX - 1) {
                size_t m = n - a < PIECE_MAX ? n - a : PIECE_MAX;
                st = engine_piece(&h, &p, pts + a, m);
            }
            geo__http_free(&h);
        }
    }
    char *enc = NULL;
    if (st == LM_OK) st = geo_polyline_encode(p.pts, p.n, 5, &enc, err);
    if (st == LM_OK) {
        *polyline = enc;
        if (duration_s) *duration_s = (int64_t)llround(p.duration_s);
        if (distance_m) *distance_m = (int64_t)llround(p.distance_m);
        if (estimated) *estimated = p.estimated;
    } else if (st == LM_NOMEM) {
        lm_errinfo_set(err, LM_NOMEM, "", "no memory for a route of %zu points", n);
    }
    lm_free(p.pts);
    return st;
}
