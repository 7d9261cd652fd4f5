/* The HTTP routing engines (OSRM /table/v1, Valhalla /sources_to_targets) over libcurl: plan the
 * blocks a matrix needs, fetch them with timeouts and bounded retries, decode the replies (cJSON,
 * the documented exception in geo.h) and leave what the engine could not answer to the geodesic
 * fallback, counted. */
#include "geo/internal.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define URL_CAP  ((size_t)1 << 20)
#define BODY_CAP ((size_t)1 << 20)

typedef enum fetch_result { FETCH_OK, FETCH_TOO_BIG, FETCH_FAILED } fetch_result;

typedef struct engine_run {
    geo_matrix_provider *p;
    const geo__estimator *est;
    size_t n;
    int32_t *dur, *dist;
    bool *have;
    geo_matrix_stats *st;
    CURL *curl;
    struct curl_slist *headers;
    lm_buf url, body, resp;
    size_t max_loc, max_pairs;
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

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
    lm_buf *b = ud;
    size_t len = size * nmemb;
    /* Past the cap curl aborts the transfer with CURLE_WRITE_ERROR. */
    if (lm_buf_append(b, data, len) != LM_OK) return 0;
    return len;
}

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
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
    lm_buf *b = &r->url;
    lm_buf_reset(b);
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
    lm_buf *u = &r->url, *b = &r->body;
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
        note_error(r, "HTTP %ld %s: %s", http, code_s[0] ? code_s : "(no code)",
                   cJSON_IsString(msg) ? msg->valuestring : "");
        return strcmp(code_s, "TooBig") == 0 ? FETCH_TOO_BIG : FETCH_FAILED;
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
        return strstr(m, "Exceeded max") ? FETCH_TOO_BIG : FETCH_FAILED;
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

/* Sends the prepared request, retrying transport errors, 5xx and 429 with doubling pauses. */
static fetch_result http_exchange(engine_run *r, long *http) {
    const geo_matrix_opts *o = &r->p->o;
    long pause = o->retry_backoff_ms;
    for (unsigned attempt = 0;; attempt++) {
        lm_buf_reset(&r->resp);
        curl_easy_setopt(r->curl, CURLOPT_URL, r->url.data);
        r->st->requests++;
        if (attempt > 0) r->st->retries++;
        CURLcode cc = curl_easy_perform(r->curl);
        *http = 0;
        bool transient;
        if (cc == CURLE_OK) {
            curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, http);
            transient = *http >= 500 || *http == 429;
            if (!transient) return FETCH_OK;
            note_error(r, "HTTP %ld from the routing engine", *http);
        } else if (cc == CURLE_WRITE_ERROR) {
            note_error(r, "reply larger than %zu bytes", o->max_response_bytes);
            return FETCH_FAILED;
        } else {
            transient = true;
            note_error(r, "%s", curl_easy_strerror(cc));
        }
        if (attempt >= o->max_retries) return FETCH_FAILED;
        if (pause > 0) sleep_ms(pause);
        pause = pause * 2 > 60000 ? 60000 : pause * 2;
    }
}

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
    if (osrm) {
        curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, r->body.data);
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)r->body.len);
    }
    long http = 0;
    fetch_result fr = http_exchange(r, &http);
    if (fr == FETCH_OK) {
        memset(r->ok, 0, nr * nc * sizeof *r->ok);
        cJSON *root = cJSON_ParseWithLength(r->resp.data ? r->resp.data : "", r->resp.len);
        if (!cJSON_IsObject(root)) {
            note_error(r, "HTTP %ld with a reply that is not a JSON object", http);
            fr = FETCH_FAILED;
        } else {
            fr = osrm ? osrm_decode(r, http, root, nr, nc) : valhalla_decode(r, http, root, nr, nc);
        }
        cJSON_Delete(root);
    }
    block_union_clear(r, u);
    return fr;
}

/* Fetches rows x cols; an engine that says the block is too big gets it in halves. */
static void block_fetch(engine_run *r, const uint32_t *rows, size_t nr, const uint32_t *cols,
                        size_t nc) {
    fetch_result fr = block_fetch_once(r, rows, nr, cols, nc);
    if (fr == FETCH_TOO_BIG && nr * nc > 1) {
        if (nr >= nc) {
            block_fetch(r, rows, nr / 2, cols, nc);
            block_fetch(r, rows + nr / 2, nr - nr / 2, cols, nc);
        } else {
            block_fetch(r, rows, nr, cols, nc / 2);
            block_fetch(r, rows, nr, cols + nc / 2, nc - nc / 2);
        }
        return;
    }
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
            if (needed) block_fetch(r, rows + a0, na, cols + c0, nb);
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
    lm_buf_init(&r.url, URL_CAP);
    lm_buf_init(&r.body, BODY_CAP);
    lm_buf_init(&r.resp, o->max_response_bytes);
    /* Bound on any block's rows x cols: a + b <= L gives a * b <= (L/2 + 1)^2. */
    size_t block_cells = n * n;
    if (r.max_loc / 2 + 1 < n) block_cells = (r.max_loc / 2 + 1) * (r.max_loc / 2 + 1);
    if (r.max_pairs < block_cells) block_cells = r.max_pairs;
    r.have = lm_calloc(n * n, sizeof *r.have);
    r.vd = lm_calloc(block_cells, sizeof *r.vd);
    r.vs = lm_calloc(block_cells, sizeof *r.vs);
    r.ok = lm_calloc(block_cells, sizeof *r.ok);
    r.uni = lm_calloc(n, sizeof *r.uni);
    r.where = lm_calloc(n, sizeof *r.where);
    if (!r.have || !r.vd || !r.vs || !r.ok || !r.uni || !r.where) goto nomem;
    for (size_t i = 0; i < n; i++)
        r.have[i * n + i] = true;
    if (p->cache) st->cells_cached = geo__cache_fill(p->cache, est->pts, n, dur, dist, r.have);

    r.curl = curl_easy_init();
    if (!r.curl) goto nomem;
    if (!osrm) {
        r.headers = curl_slist_append(NULL, "Content-Type: application/json");
        if (!r.headers) goto nomem;
        curl_easy_setopt(r.curl, CURLOPT_HTTPHEADER, r.headers);
    }
    /* NOSIGNAL: timeouts must not use SIGALRM in a threaded server. */
    curl_easy_setopt(r.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r.curl, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(r.curl, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r.curl, CURLOPT_WRITEDATA, &r.resp);
    curl_easy_setopt(r.curl, CURLOPT_USERAGENT, "lastmile/" LASTMILE_VERSION);
    curl_easy_setopt(r.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r.curl, CURLOPT_FOLLOWLOCATION, 0L);

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
    if (r.curl) curl_easy_cleanup(r.curl);
    curl_slist_free_all(r.headers);
    lm_buf_free(&r.url);
    lm_buf_free(&r.body);
    lm_buf_free(&r.resp);
    lm_free(r.have);
    lm_free(r.vd);
    lm_free(r.vs);
    lm_free(r.ok);
    lm_free(r.uni);
    lm_free(r.where);
    return rc;
}
