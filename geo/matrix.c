/* Travel-time matrix providers behind one interface: options, validation, the geodesic and
 * given providers, and the matrix object. The HTTP engines live in engine.c. */
#include "geo/geo.h"
#include "geo/internal.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

void geo_matrix_opts_init(geo_matrix_opts *o) {
    *o = (geo_matrix_opts){
        .kind = GEO_MATRIX_GEODESIC,
        .detour_factor = 1.3,
        .speed_mps = 30.0 / 3.6,
        .local_max_extent_m = 100000.0,
        .base_url = NULL,
        .profile = NULL,
        .max_locations = 0,
        .max_pairs = 0,
        .connect_timeout_ms = 2000,
        .timeout_ms = 30000,
        .max_retries = 2,
        .retry_backoff_ms = 100,
        .max_response_bytes = (size_t)64 << 20,
        .cache_max_cells = (size_t)1 << 20,
        .breaker_failures = 5,
        .breaker_cooldown_ms = 30000,
        .now_ms = NULL,
        .max_split_requests = 256,
    };
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code = CURLE_OK;

/* curl_global_init is not thread-safe; providers may be created from several threads. */
static void curl_init_once(void) {
    curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static lm_status opts_check(const geo_matrix_opts *o, lm_errinfo *err) {
    if (o->kind < GEO_MATRIX_GEODESIC || o->kind > GEO_MATRIX_GIVEN)
        return lm_errinfo_set(err, LM_INVALID, "kind", "unknown matrix provider %d", (int)o->kind);
    if (!isfinite(o->detour_factor) || o->detour_factor < 1.0 || o->detour_factor > 10.0)
        return lm_errinfo_set(err, LM_INVALID, "detour_factor", "must be in [1, 10], got %g",
                              o->detour_factor);
    if (!isfinite(o->speed_mps) || o->speed_mps <= 0.0 || o->speed_mps > 100.0)
        return lm_errinfo_set(err, LM_INVALID, "speed_mps", "must be in (0, 100] m/s, got %g",
                              o->speed_mps);
    if (!isfinite(o->local_max_extent_m) || o->local_max_extent_m < 0.0)
        return lm_errinfo_set(err, LM_INVALID, "local_max_extent_m", "must be >= 0 metres");
    if (o->kind == GEO_MATRIX_OSRM || o->kind == GEO_MATRIX_VALHALLA) {
        if (!o->base_url || strncmp(o->base_url, "http", 4) != 0)
            return lm_errinfo_set(err, LM_INVALID, "base_url",
                                  "an http:// or https:// URL of the routing engine is required");
        if (strlen(o->base_url) > 512)
            return lm_errinfo_set(err, LM_INVALID, "base_url", "longer than 512 characters");
        /* it goes into request lines, logs and /healthz: printable ASCII only (fuzz_roads) */
        for (const char *c = o->base_url; *c; c++)
            if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
                return lm_errinfo_set(err, LM_INVALID, "base_url",
                                      "must be printable ASCII without spaces (a URL)");
        if (o->profile && (strlen(o->profile) > 64 || strpbrk(o->profile, "/?#&;\" \\")))
            return lm_errinfo_set(err, LM_INVALID, "profile",
                                  "must be a short name without URL or JSON special characters");
        if (o->max_locations == 1)
            return lm_errinfo_set(err, LM_INVALID, "max_locations",
                                  "must be 0 (no limit) or >= 2 (one source, one destination)");
        if (o->connect_timeout_ms <= 0 || o->timeout_ms <= 0)
            return lm_errinfo_set(err, LM_INVALID, "timeout_ms", "timeouts must be > 0 ms");
        if (o->max_retries > 10)
            return lm_errinfo_set(err, LM_INVALID, "max_retries", "at most 10");
        if (o->retry_backoff_ms < 0 || o->retry_backoff_ms > 60000)
            return lm_errinfo_set(err, LM_INVALID, "retry_backoff_ms", "must be in [0, 60000]");
        if (o->breaker_cooldown_ms < 0 || o->breaker_cooldown_ms > 86400000)
            return lm_errinfo_set(err, LM_INVALID, "breaker_cooldown_ms",
                                  "must be in [0, 86400000]");
        if (o->max_response_bytes < 1024)
            return lm_errinfo_set(err, LM_INVALID, "max_response_bytes", "must be >= 1024");
    }
    if (o->kind == GEO_MATRIX_GIVEN) {
        if (o->given_n == 0 || o->given_n > GEO_MATRIX_MAX_POINTS)
            return lm_errinfo_set(err, LM_INVALID, "matrices.durations",
                                  "side must be in [1, %d], got %zu", GEO_MATRIX_MAX_POINTS,
                                  o->given_n);
        if (!o->given_durations)
            return lm_errinfo_set(err, LM_INVALID, "matrices.durations", "missing");
        size_t cells = o->given_n * o->given_n;
        for (size_t k = 0; k < cells; k++) {
            if (o->given_durations[k] < 0)
                return lm_errinfo_set(err, LM_INVALID, "matrices.durations",
                                      "[%zu][%zu] is negative", k / o->given_n, k % o->given_n);
            if (o->given_distances && o->given_distances[k] < 0)
                return lm_errinfo_set(err, LM_INVALID, "matrices.distances",
                                      "[%zu][%zu] is negative", k / o->given_n, k % o->given_n);
        }
    }
    return LM_OK;
}

lm_status geo_matrix_provider_create(const geo_matrix_opts *o, geo_matrix_provider **out,
                                     lm_errinfo *err) {
    geo_matrix_provider *p = NULL;
    lm_status st = opts_check(o, err);
    if (st != LM_OK) return st;
    p = lm_calloc(1, sizeof *p);
    if (!p) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for a matrix provider");
    p->o = *o;
    p->o.base_url = p->o.profile = NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        lm_free(p);
        return lm_errinfo_set(err, LM_INTERNAL, "", "cannot create a mutex");
    }
    p->o.given_durations = p->o.given_distances = NULL;
    if (o->kind == GEO_MATRIX_OSRM || o->kind == GEO_MATRIX_VALHALLA) {
        pthread_once(&curl_once, curl_init_once);
        if (curl_init_code != CURLE_OK) {
            st = lm_errinfo_set(err, LM_INTERNAL, "", "libcurl failed to initialise: %s",
                                curl_easy_strerror(curl_init_code));
            goto fail;
        }
        /* Trailing slashes would double up in "base/table/v1". */
        size_t len = strlen(o->base_url);
        while (len > 0 && o->base_url[len - 1] == '/')
            len--;
        p->base_url = lm_strndup(o->base_url, len);
        const char *prof =
            o->profile ? o->profile : (o->kind == GEO_MATRIX_OSRM ? "driving" : "auto");
        p->profile = lm_strdup(prof);
        if (!p->base_url || !p->profile) goto nomem;
        p->o.base_url = p->base_url;
        p->o.profile = p->profile;
        if (o->cache_max_cells > 0) {
            st = geo__cache_create(o->cache_max_cells, &p->cache);
            if (st != LM_OK) goto nomem;
        }
    }
    if (o->kind == GEO_MATRIX_GIVEN) {
        size_t cells = o->given_n * o->given_n;
        p->given_dur = lm_calloc(cells, sizeof(int32_t));
        p->given_dist = lm_calloc(cells, sizeof(int32_t));
        if (!p->given_dur || !p->given_dist) goto nomem;
        memcpy(p->given_dur, o->given_durations, cells * sizeof(int32_t));
        if (o->given_distances) memcpy(p->given_dist, o->given_distances, cells * sizeof(int32_t));
        p->o.given_durations = p->given_dur;
        p->o.given_distances = p->given_dist;
    }
    *out = p;
    return LM_OK;
nomem:
    st = lm_errinfo_set(err, LM_NOMEM, "", "no memory for a matrix provider");
fail:
    geo_matrix_provider_destroy(p);
    return st;
}

void geo_matrix_provider_destroy(geo_matrix_provider *p) {
    if (!p) return;
    pthread_mutex_destroy(&p->lock);
    geo__cache_destroy(p->cache);
    lm_free(p->base_url);
    lm_free(p->profile);
    lm_free(p->given_dur);
    lm_free(p->given_dist);
    lm_free(p);
}

geo_matrix_kind geo_matrix_provider_kind(const geo_matrix_provider *p) {
    return p->o.kind;
}

const char *geo_matrix_provider_url(const geo_matrix_provider *p) {
    return p->base_url ? p->base_url : "";
}

/* The embedded provider: symmetric, so each pair is computed once. */
static void geodesic_fill(const geo__estimator *e, int32_t *dur, int32_t *dist) {
    size_t n = e->n;
    if (!e->long_mode) {
        /* The hot loop of the default provider (bench/bench_geo.c): no calls, one sqrt. */
        const double *x = e->x_m, *y = e->y_m;
        const double k = e->detour, inv_v = 1.0 / e->speed_mps;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = i + 1; j < n; j++) {
                double dx = x[i] - x[j], dy = y[i] - y[j];
                double d = sqrt(dx * dx + dy * dy) * k;
                int32_t di = geo__round_i32(d), du = geo__round_i32(d * inv_v);
                dist[i * n + j] = dist[j * n + i] = di;
                dur[i * n + j] = dur[j * n + i] = du;
            }
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            geo__estimate(e, i, j, &dur[i * n + j], &dist[i * n + j]);
            dur[j * n + i] = dur[i * n + j];
            dist[j * n + i] = dist[i * n + j];
        }
    }
}

lm_status geo_matrix_compute(geo_matrix_provider *p, const geo_point *pts, size_t n,
                             geo_matrix **out, lm_errinfo *err) {
    geo_matrix *m = NULL;
    geo__estimator est = {0};
    lm_status st;
    if (n == 0) return lm_errinfo_set(err, LM_INVALID, "locations", "no locations");
    if (n > GEO_MATRIX_MAX_POINTS)
        return lm_errinfo_set(err, LM_TOO_BIG, "locations", "%zu locations, the limit is %d", n,
                              GEO_MATRIX_MAX_POINTS);
    if (p->o.kind == GEO_MATRIX_GIVEN) {
        if (n != p->o.given_n)
            return lm_errinfo_set(err, LM_INVALID, "matrices.durations",
                                  "matrix side is %zu but there are %zu locations", p->o.given_n,
                                  n);
    } else {
        if (!pts) return lm_errinfo_set(err, LM_INVALID, "locations", "missing");
        for (size_t i = 0; i < n; i++) {
            if (geo_point_check(pts[i], NULL, NULL) == LM_OK) continue;
            char f[48];
            snprintf(f, sizeof f, "locations[%zu]", i);
            return geo_point_check(pts[i], f, err);
        }
    }
    m = lm_calloc(1, sizeof *m);
    if (!m) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for a matrix");
    m->n = n;
    m->dur = lm_calloc(n * n, sizeof(int32_t));
    m->dist = lm_calloc(n * n, sizeof(int32_t));
    if (!m->dur || !m->dist) {
        st = lm_errinfo_set(err, LM_NOMEM, "", "no memory for a %zu x %zu matrix", n, n);
        goto fail;
    }
    if (p->o.kind == GEO_MATRIX_GIVEN) {
        memcpy(m->dur, p->given_dur, n * n * sizeof(int32_t));
        memcpy(m->dist, p->given_dist, n * n * sizeof(int32_t));
        m->stats.cells_engine = (uint64_t)n * (n - 1);
        *out = m;
        return LM_OK;
    }
    st = geo__estimator_init(&est, pts, n, p->o.detour_factor, p->o.speed_mps,
                             p->o.local_max_extent_m, err);
    if (st != LM_OK) goto fail;
    m->stats.long_distance = est.long_mode;
    if (p->o.kind == GEO_MATRIX_GEODESIC) {
        geodesic_fill(&est, m->dur, m->dist);
        m->stats.cells_estimated = (uint64_t)n * (n - 1);
    } else {
        st = geo__engine_fill(p, &est, m->dur, m->dist, &m->stats, err);
        if (st != LM_OK) goto fail;
    }
    geo__estimator_free(&est);
    *out = m;
    return LM_OK;
fail:
    geo__estimator_free(&est);
    geo_matrix_destroy(m);
    return st;
}

void geo_matrix_destroy(geo_matrix *m) {
    if (!m) return;
    lm_free(m->dur);
    lm_free(m->dist);
    lm_free(m);
}

size_t geo_matrix_size(const geo_matrix *m) {
    return m->n;
}

const int32_t *geo_matrix_durations(const geo_matrix *m) {
    return m->dur;
}

const int32_t *geo_matrix_distances(const geo_matrix *m) {
    return m->dist;
}

const geo_matrix_stats *geo_matrix_stats_get(const geo_matrix *m) {
    return &m->stats;
}
