/* The HTTP routing engines (OSRM /table/v1, Valhalla /sources_to_targets) over libcurl: plan the
 * blocks a matrix needs, fetch them with timeouts and bounded retries, decode the replies (cJSON,
 * the documented exception in geo.h) and leave what the engine could not answer to the geodesic
 * fallback, counted. */
#include "geo/internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum fetch_result {
    FETCH_OK,
    FETCH_TOO_BIG, /* the engine's block limit: halve */
    FETCH_REFUSED, /* the engine cannot route a point or pair in the block: isolate it */
    FETCH_FAILED,  /* transport, garbled reply, other error: the block is estimated */
    FETCH_SKIPPED, /* the breaker is open */
} fetch_result;

typedef struct engine_run {
    geo_matrix_provider *p;
    const geo__estimator *est;
    size_t n;
    int32_t *dur, *dist;
    bool *have;
    bool *bad; /* points the engine cannot snap (OSRM NoSegment names them): left out */
    geo_matrix_stats *st;
    geo__http http;
    size_t max_loc, max_pairs;
    unsigned split_budget;
    size_t refused_coord; /* OSRM NoSegment: the coordinate it names, or SIZE_MAX */
    /* Scratch for one block, sized for the largest block. */
    int32_t *vd, *vs;
    bool *ok;
    uint32_t *uni;   /* union of a block's rows and columns, in request order */
    uint32_t *where; /* point index -> position in uni + 1 (0: absent) */
} engine_run;

static void note_error(engine_run *r, const char *fmt, ...) LM_PRINTF(2, 3);

static void note_error(engine_run *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->st->last_error, sizeof r->st->last_error, fmt, ap);
    va_end(ap);
}

/* ---- Blocks: which points go into one request ---- */

/* Lays out coordinates for rows x cols: their union in order of first appearance. */
static size_t block_union(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                          size_t nc) {
    size_t u = 0;
    for (size_t a = 0; a < nr; a++)
        if (!r->where[rows[a]]) {
            r->uni[u++] = rows[a];
            r->where[rows[a]] = (uint32_t)u;
        }
    for (size_t b = 0; b < nc; b++)
        if (!r->where[cols[b]]) {
            r->uni[u++] = cols[b];
            r->where[cols[b]] = (uint32_t)u;
        }
    return u;
}

static void block_union_clear(engine_run *r, size_t u) {
    for (size_t k = 0; k < u; k++)
        r->where[r->uni[k]] = 0;
}

/* Rows and columns are "the whole union in order": then the engines need no index lists. */
static bool block_is_square(const engine_run *r, const uint32_t *rows, size_t nr,
                            const uint32_t *cols, size_t nc, size_t u) {
    if (nr != u || nc != u) return false;
    for (size_t k = 0; k < u; k++)
        if (rows[k] != r->uni[k] || cols[k] != r->uni[k]) return false;
    return true;
}

static lm_status osrm_request(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                              size_t nc, size_t u) {
    lm_buf *b = &r->http.url;
    lm_buf_reset(b);
    lm_buf_reset(&r->http.body);
    lm_status st = lm_buf_printf(b, "%s/table/v1/%s/", r->p->base_url, r->p->profile);
    for (size_t k = 0; k < u && st == LM_OK; k++) {
        const geo_point *pt = &r->est->pts[r->uni[k]];
        st = lm_buf_printf(b, "%s%.6f,%.6f", k ? ";" : "", pt->lon, pt->lat);
    }
    if (st == LM_OK) st = lm_buf_printf(b, "?");
    if (!block_is_square(r, rows, nr, cols, nc, u)) {
        if (st == LM_OK) st = lm_buf_printf(b, "sources=");
        for (size_t a = 0; a < nr && st == LM_OK; a++)
            st = lm_buf_printf(b, "%s%u", a ? ";" : "", r->where[rows[a]] - 1);
        if (st == LM_OK) st = lm_buf_printf(b, "&destinations=");
        for (size_t c = 0; c < nc && st == LM_OK; c++)
            st = lm_buf_printf(b, "%s%u", c ? ";" : "", r->where[cols[c]] - 1);
        if (st == LM_OK) st = lm_buf_printf(b, "&");
    }
    if (st == LM_OK) st = lm_buf_printf(b, "annotations=duration,distance");
    return st;
}

static lm_status valhalla_request(engine_run *r, const uint32_t *rows, size_t nr,
                                  const uint32_t *cols, size_t nc) {
    lm_buf *u = &r->http.url, *b = &r->http.body;
    lm_buf_reset(u);
    lm_buf_reset(b);
    lm_status st = lm_buf_printf(u, "%s/sources_to_targets", r->p->base_url);
    if (st == LM_OK) st = lm_buf_printf(b, "{\"sources\":[");
    for (size_t a = 0; a < nr && st == LM_OK; a++) {
        const geo_point *pt = &r->est->pts[rows[a]];
        st = lm_buf_printf(b, "%s{\"lat\":%.6f,\"lon\":%.6f}", a ? "," : "", pt->lat, pt->lon);
    }
    if (st == LM_OK) st = lm_buf_printf(b, "],\"targets\":[");
    for (size_t c = 0; c < nc && st == LM_OK; c++) {
        const geo_point *pt = &r->est->pts[cols[c]];
        st = lm_buf_printf(b, "%s{\"lat\":%.6f,\"lon\":%.6f}", c ? "," : "", pt->lat, pt->lon);
    }
    if (st == LM_OK) st = lm_buf_printf(b, "],\"costing\":\"%s\"}", r->p->profile);
    return st;
}

/* ---- Decoding replies ---- */

/* One cell from two JSON values: usable only if both are finite numbers >= 0. */
static void cell_set(engine_run *r, size_t k, const cJSON *d, const cJSON *s, double s_scale) {
    if (!cJSON_IsNumber(d) || !cJSON_IsNumber(s)) return;
    double dv = d->valuedouble, sv = s->valuedouble * s_scale;
    if (!isfinite(dv) || !isfinite(sv) || dv < 0 || sv < 0) return;
    r->vd[k] = geo__round_i32(dv);
    r->vs[k] = geo__round_i32(sv);
    r->ok[k] = true;
}

static bool rows_shape_ok(const cJSON *m, size_t nr, size_t nc) {
    if (!cJSON_IsArray(m) || (size_t)cJSON_GetArraySize(m) != nr) return false;
    const cJSON *row;
    cJSON_ArrayForEach(row, m) {
        if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != nc) return false;
    }
    return true;
}

/* Two parallel row arrays (OSRM, and Valhalla's compact form). */
static bool decode_arrays(engine_run *r, const cJSON *durs, const cJSON *dists, size_t nr,
                          size_t nc, double s_scale) {
    if (!rows_shape_ok(durs, nr, nc) || !rows_shape_ok(dists, nr, nc)) return false;
    const cJSON *drow = durs->child, *srow = dists->child;
    for (size_t a = 0; a < nr; a++, drow = drow->next, srow = srow->next) {
        const cJSON *d = drow->child, *s = srow->child;
        for (size_t c = 0; c < nc; c++, d = d->next, s = s->next)
            cell_set(r, a * nc + c, d, s, s_scale);
    }
    return true;
}

static fetch_result osrm_decode(engine_run *r, long http, const cJSON *root, size_t nr, size_t nc) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
    const char *code_s = cJSON_IsString(code) ? code->valuestring : "";
    if (http != 200 || strcmp(code_s, "Ok") != 0) {
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
        note_error(r, "HTTP %ld %s: %s", http, code_s[0] ? code_s : "(no code)", m);
        if (strcmp(code_s, "TooBig") == 0) return FETCH_TOO_BIG;
        if (strcmp(code_s, "NoSegment") == 0) {
            /* "Could not find a matching segment for coordinate 3": that point alone */
            const char *k = strstr(m, "coordinate ");
            char *end = NULL;
            unsigned long idx = k ? strtoul(k + 11, &end, 10) : 0;
            r->refused_coord = k && end != k + 11 ? (size_t)idx : SIZE_MAX;
            return FETCH_REFUSED;
        }
        return FETCH_FAILED;
    }
    if (!decode_arrays(r, cJSON_GetObjectItemCaseSensitive(root, "durations"),
                       cJSON_GetObjectItemCaseSensitive(root, "distances"), nr, nc, 1.0)) {
        note_error(r, "OSRM reply lacks %zu x %zu durations and distances", nr, nc);
        return FETCH_FAILED;
    }
    return FETCH_OK;
}

static fetch_result valhalla_decode(engine_run *r, long http, const cJSON *root, size_t nr,
                                    size_t nc) {
    if (http != 200) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "error_code");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "error");
        const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
        note_error(r, "HTTP %ld error_code %d: %s", http,
                   cJSON_IsNumber(code) ? code->valueint : -1, m);
        /* "Exceeded max locations" / "... location pairs": a smaller block will do. */
        if (strstr(m, "Exceeded max")) return FETCH_TOO_BIG;
        /* 154 pair beyond the distance limit, 170 unconnected regions, 171 no edges near a
         * location, 442 no path: the engine is fine, some cells of the block are not */
        int ec = cJSON_IsNumber(code) ? code->valueint : -1;
        if (ec == 154 || ec == 170 || ec == 171 || ec == 442) return FETCH_REFUSED;
        return FETCH_FAILED;
    }
    const cJSON *units = cJSON_GetObjectItemCaseSensitive(root, "units");
    double scale = 1000.0; /* kilometres unless told otherwise */
    if (cJSON_IsString(units) && strncmp(units->valuestring, "mi", 2) == 0) scale = 1609.344;
    const cJSON *stt = cJSON_GetObjectItemCaseSensitive(root, "sources_to_targets");
    if (cJSON_IsObject(stt)) { /* verbose=false: compact arrays */
        if (decode_arrays(r, cJSON_GetObjectItemCaseSensitive(stt, "durations"),
                          cJSON_GetObjectItemCaseSensitive(stt, "distances"), nr, nc, scale))
            return FETCH_OK;
    } else if (rows_shape_ok(stt, nr, nc)) { /* verbose: rows of {from_index,to_index,..} */
        size_t a = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, stt) {
            size_t c = 0;
            const cJSON *cell;
            cJSON_ArrayForEach(cell, row) {
                const cJSON *fi = cJSON_GetObjectItemCaseSensitive(cell, "from_index");
                const cJSON *ti = cJSON_GetObjectItemCaseSensitive(cell, "to_index");
                size_t ra = a, rc = c;
                if (cJSON_IsNumber(fi) && cJSON_IsNumber(ti) && fi->valuedouble >= 0 &&
                    ti->valuedouble >= 0 && fi->valuedouble < (double)nr &&
                    ti->valuedouble < (double)nc) {
                    ra = (size_t)fi->valuedouble;
                    rc = (size_t)ti->valuedouble;
                }
                cell_set(r, ra * nc + rc, cJSON_GetObjectItemCaseSensitive(cell, "time"),
                         cJSON_GetObjectItemCaseSensitive(cell, "distance"), scale);
                c++;
            }
            a++;
        }
        return FETCH_OK;
    }
    note_error(r, "Valhalla reply lacks a %zu x %zu sources_to_targets", nr, nc);
    return FETCH_FAILED;
}

/* ---- One block over HTTP ---- */

static fetch_result block_fetch_once(engine_run *r, const uint32_t *rows, size_t nr,
                                     const uint32_t *cols, size_t nc) {
    size_t u = block_union(r, rows, nr, cols, nc);
    bool osrm = r->p->o.kind == GEO_MATRIX_OSRM;
    lm_status st =
        osrm ? osrm_request(r, rows, nr, cols, nc, u) : valhalla_request(r, rows, nr, cols, nc);
    if (st != LM_OK) {
        block_union_clear(r, u);
        note_error(r, "request for %zu x %zu cells too large to build", nr, nc);
        return FETCH_FAILED;
    }
    geo__http *h = &r->http;
    uint32_t sent = h->requests, again = h->retries;
    geo__fetch hf = geo__http_send(h);
    r->st->requests += h->requests - sent;
    r->st->retries += h->retries - again;
    fetch_result fr = hf == GEO__FETCH_SKIPPED ? FETCH_SKIPPED : FETCH_FAILED;
    if (hf != GEO__FETCH_OK) note_error(r, "%s", h->error);
    r->refused_coord = SIZE_MAX;
    if (hf == GEO__FETCH_OK) {
        memset(r->ok, 0, nr * nc * sizeof *r->ok);
        cJSON *root = cJSON_ParseWithLength(h->resp.data ? h->resp.data : "", h->resp.len);
        if (!cJSON_IsObject(root)) {
            note_error(r, "HTTP %ld with a reply that is not a JSON object", h->status);
            fr = FETCH_FAILED;
        } else {
            fr = osrm ? osrm_decode(r, h->status, root, nr, nc)
                      : valhalla_decode(r, h->status, root, nr, nc);
        }
        cJSON_Delete(root);
        /* the engine's own answers (errors included) mean it is up; garbage does not */
        bool healthy = fr != FETCH_FAILED || h->status == 400;
        geo__breaker_report(r->p, healthy, healthy ? NULL : r->st->last_error);
        if (fr == FETCH_REFUSED && r->refused_coord < u) {
            uint32_t pt = r->uni[r->refused_coord];
            if (!r->bad[pt]) r->st->points_unroutable++;
            r->bad[pt] = true;
        }
    }
    block_union_clear(r, u);
    return fr;
}

static void block_fetch(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                        size_t nc);

/* The block without the points already known to be unsnappable; fetches what is left. */
static void block_fetch_routable(engine_run *r, const uint32_t *rows, size_t nr,
                                 const uint32_t *cols, size_t nc) {
    uint32_t *keep = lm_calloc(nr + nc + 1, sizeof *keep);
    if (!keep) return; /* the cells are estimated */
    size_t kr = 0, kc = 0;
    for (size_t a = 0; a < nr; a++)
        if (!r->bad[rows[a]]) keep[kr++] = rows[a];
    for (size_t c = 0; c < nc; c++)
        if (!r->bad[cols[c]]) keep[kr + kc++] = cols[c];
    if (kr && kc) block_fetch(r, keep, kr, keep + kr, kc);
    lm_free(keep);
}

/* Splits rows x cols in two along the longer side and fetches both halves. */
static void block_halves(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                         size_t nc) {
    if (nr >= nc) {
        block_fetch(r, rows, nr / 2, cols, nc);
        block_fetch(r, rows + nr / 2, nr - nr / 2, cols, nc);
    } else {
        block_fetch(r, rows, nr, cols, nc / 2);
        block_fetch(r, rows, nr, cols + nc / 2, nc - nc / 2);
    }
}

/* Fetches rows x cols: a block the engine finds too big goes in halves; a block it refuses for
 * one point goes again without that point (OSRM names it), otherwise in halves down to the
 * refused cells, within the split budget, so only those cells are estimated. */
static void block_fetch(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                        size_t nc) {
    bool any = false;
    for (size_t a = 0; a < nr && !any; a++)
        for (size_t c = 0; c < nc && !any; c++)
            any = rows[a] != cols[c] && !r->have[(size_t)rows[a] * r->n + cols[c]];
    if (!any) return;
    fetch_result fr = block_fetch_once(r, rows, nr, cols, nc);
    if (fr == FETCH_TOO_BIG && nr * nc > 1) {
        block_halves(r, rows, nr, cols, nc);
        return;
    }
    if (fr == FETCH_REFUSED && r->split_budget > 0) {
        bool named = r->refused_coord != SIZE_MAX;
        if (named || nr * nc > 1) {
            r->split_budget--;
            r->st->split_requests++;
            if (named)
                block_fetch_routable(r, rows, nr, cols, nc);
            else
                block_halves(r, rows, nr, cols, nc);
            return;
        }
    }
    if (fr == FETCH_SKIPPED) {
        r->st->skipped_blocks++;
        return;
    }
    if (fr == FETCH_REFUSED) return; /* the engine is fine; these cells have no road */
    if (fr != FETCH_OK) {
        r->st->failed_requests++;
        return;
    }
    size_t n = r->n;
    for (size_t a = 0; a < nr; a++) {
        for (size_t c = 0; c < nc; c++) {
            size_t k = a * nc + c, cell = (size_t)rows[a] * n + cols[c];
            if (!r->ok[k] || rows[a] == cols[c] || r->have[cell]) continue;
            r->dur[cell] = r->vd[k];
            r->dist[cell] = r->vs[k];
            r->have[cell] = true;
            r->st->cells_engine++;
        }
    }
    if (r->p->cache)
        geo__cache_put_block(r->p->cache, r->est->pts, rows, nr, cols, nc, r->vd, r->vs, r->ok);
}

/* ---- Planning ---- */

/* Largest row and column chunk sizes (rc, cc) with rc + cc <= max_loc and rc * cc <= max_pairs,
 * keeping a small side whole so that one new point costs few requests. */
static void chunk_sizes(size_t nr, size_t nc, size_t L, size_t P, size_t *rc, size_t *cc) {
    size_t a = nr, b = nc;
    if (L != SIZE_MAX && a + b > L) {
        if (a <= L / 2)
            b = L - a;
        else if (b <= L / 2)
            a = L - b;
        else {
            a = L / 2;
            b = L - a;
        }
    }
    if (P != SIZE_MAX && a * b > P) {
        size_t s = (size_t)floor(sqrt((double)P));
        if (s < 1) s = 1;
        if (a <= s)
            b = P / a;
        else if (b <= s)
            a = P / b;
        else {
            a = s;
            b = P / s;
        }
    }
    *rc = a < 1 ? 1 : (a > nr ? nr : a);
    *cc = b < 1 ? 1 : (b > nc ? nc : b);
}

static void rect_fetch(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                       size_t nc) {
    if (nr == 0 || nc == 0) return;
    size_t rc, cc;
    chunk_sizes(nr, nc, r->max_loc, r->max_pairs, &rc, &cc);
    for (size_t a0 = 0; a0 < nr; a0 += rc) {
        size_t na = nr - a0 < rc ? nr - a0 : rc;
        for (size_t c0 = 0; c0 < nc; c0 += cc) {
            size_t nb = nc - c0 < cc ? nc - c0 : cc;
            bool needed = false;
            for (size_t a = 0; a < na && !needed; a++)
                for (size_t c = 0; c < nb && !needed; c++) {
                    uint32_t i = rows[a0 + a], j = cols[c0 + c];
                    needed = i != j && !r->have[(size_t)i * r->n + j];
                }
            if (needed) block_fetch_routable(r, rows + a0, na, cols + c0, nb);
        }
    }
}

typedef struct by_missing {
    size_t missing;
    uint32_t idx;
} by_missing;

static int by_missing_desc(const void *x, const void *y) {
    const by_missing *a = x, *b = y;
    if (a->missing != b->missing) return a->missing < b->missing ? 1 : -1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Points whose pairs must be fetched: a greedy cover of the missing cells, so that one moved or
 * new point costs its row and column, not the whole matrix. */
static lm_status plan_and_fetch(engine_run *r) {
    size_t n = r->n;
    lm_status st = LM_OK;
    by_missing *order = lm_calloc(n, sizeof *order);
    bool *in_v = lm_calloc(n, sizeof *in_v);
    uint32_t *v = lm_calloc(n, sizeof *v), *rest = lm_calloc(n, sizeof *rest);
    uint32_t *all = lm_calloc(n, sizeof *all);
    if (!order || !in_v || !v || !rest || !all) {
        st = LM_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        order[i].idx = (uint32_t)i;
        all[i] = (uint32_t)i;
    }
    size_t missing_total = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && !r->have[i * n + j]) {
                order[i].missing++;
                order[j].missing++;
                missing_total++;
            }
    if (missing_total == 0) goto done;
    qsort(order, n, sizeof *order, by_missing_desc);
    size_t nv = 0;
    for (size_t k = 0; k < n && order[k].missing > 0; k++) {
        size_t i = order[k].idx;
        for (size_t j = 0; j < n; j++) {
            if (i == j || in_v[j]) continue;
            if (!r->have[i * n + j] || !r->have[j * n + i]) {
                in_v[i] = true;
                v[nv++] = (uint32_t)i;
                break;
            }
        }
    }
    if (2 * nv >= n) {
        rect_fetch(r, all, n, all, n);
    } else {
        size_t nrest = 0;
        for (size_t i = 0; i < n; i++)
            if (!in_v[i]) rest[nrest++] = (uint32_t)i;
        rect_fetch(r, v, nv, all, n);
        rect_fetch(r, rest, nrest, v, nv);
    }
done:
    lm_free(order);
    lm_free(in_v);
    lm_free(v);
    lm_free(rest);
    lm_free(all);
    return st;
}

lm_status geo__engine_fill(geo_matrix_provider *p, const geo__estimator *est, int32_t *dur,
                           int32_t *dist, geo_matrix_stats *st, lm_errinfo *err) {
    const geo_matrix_opts *o = &p->o;
    size_t n = est->n;
    engine_run r = {.p = p, .est = est, .n = n, .dur = dur, .dist = dist, .st = st};
    lm_status rc = LM_OK;
    bool osrm = o->kind == GEO_MATRIX_OSRM;
    r.max_loc = o->max_locations ? o->max_locations : (osrm ? 100 : SIZE_MAX);
    r.max_pairs = o->max_pairs ? o->max_pairs : (osrm ? SIZE_MAX : 2500);
    r.split_budget = o->max_split_requests;
    r.refused_coord = SIZE_MAX;
    /* Bound on any block's rows x cols: a + b <= L gives a * b <= (L/2 + 1)^2. */
    size_t block_cells = n * n;
    if (r.max_loc / 2 + 1 < n) block_cells = (r.max_loc / 2 + 1) * (r.max_loc / 2 + 1);
    if (r.max_pairs < block_cells) block_cells = r.max_pairs;
    r.have = lm_calloc(n * n, sizeof *r.have);
    r.bad = lm_calloc(n, sizeof *r.bad);
    r.vd = lm_calloc(block_cells, sizeof *r.vd);
    r.vs = lm_calloc(block_cells, sizeof *r.vs);
    r.ok = lm_calloc(block_cells, sizeof *r.ok);
    r.uni = lm_calloc(n, sizeof *r.uni);
    r.where = lm_calloc(n, sizeof *r.where);
    if (!r.have || !r.bad || !r.vd || !r.vs || !r.ok || !r.uni || !r.where) goto nomem;
    for (size_t i = 0; i < n; i++)
        r.have[i * n + i] = true;
    if (p->cache) st->cells_cached = geo__cache_fill(p->cache, est->pts, n, dur, dist, r.have);
    if (geo__http_init(&r.http, p, 0) != LM_OK) goto nomem;

    rc = plan_and_fetch(&r);
    if (rc != LM_OK) goto nomem;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            size_t cell = i * n + j;
            if (r.have[cell]) continue;
            geo__estimate(est, i, j, &dur[cell], &dist[cell]);
            st->cells_fallback++;
        }
    goto done;
nomem:
    rc = lm_errinfo_set(err, LM_NOMEM, "", "no memory for a %zu x %zu engine matrix", n, n);
done:
    geo__http_free(&r.http);
    lm_free(r.have);
    lm_free(r.bad);
    lm_free(r.vd);
    lm_free(r.vs);
    lm_free(r.ok);
    lm_free(r.uni);
    lm_free(r.where);
    return rc;
}
