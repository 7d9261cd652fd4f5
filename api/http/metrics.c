/* api/http/metrics.c: request counters and latency histograms per route, written in the
 * Prometheus text format (version 0.0.4) by http_metrics_write; the app's GET /metrics handler
 * adds its own writers after them. */
#include "api/http/internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define STATUS_MIN 100
#define STATUS_MAX 599
#define N_STATUS   (STATUS_MAX - STATUS_MIN + 1)
#define N_BUCKETS  13

/* request latency bucket bounds, microseconds (the last is +Inf) */
static const int64_t bucket_le_us[N_BUCKETS] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000, INT64_MAX,
};

typedef struct route_stats {
    atomic_uint_fast64_t by_status[N_STATUS + 1]; /* [N_STATUS]: no reply sent (client gone) */
    atomic_uint_fast64_t buckets[N_BUCKETS];      /* non-cumulative */
    atomic_uint_fast64_t sum_us;
} route_stats;

struct http__stats {
    size_t n_routes;
    route_stats *routes; /* n_routes + 1: the last is "unmatched" */
};

lm_status http__stats_create(size_t n_routes, http__stats **out) {
    http__stats *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    /* calloc's zero bytes are valid zero atomics on every platform we build for */
    m->n_routes = n_routes;
    m->routes = lm_calloc(n_routes + 1, sizeof *m->routes);
    if (!m->routes) {
        lm_free(m);
        return LM_NOMEM;
    }
    *out = m;
    return LM_OK;
}

void http__stats_destroy(http__stats *m) {
    if (!m) return;
    lm_free(m->routes);
    lm_free(m);
}

void http__stats_observe(http__stats *m, size_t route_index, int status, int64_t duration_us) {
    if (route_index > m->n_routes) route_index = m->n_routes;
    route_stats *rs = &m->routes[route_index];
    size_t si =
        status >= STATUS_MIN && status <= STATUS_MAX ? (size_t)(status - STATUS_MIN) : N_STATUS;
    atomic_fetch_add_explicit(&rs->by_status[si], 1, memory_order_relaxed);
    int b = 0;
    while (b < N_BUCKETS - 1 && duration_us > bucket_le_us[b])
        b++;
    atomic_fetch_add_explicit(&rs->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->sum_us, (uint_fast64_t)(duration_us > 0 ? duration_us : 0),
                              memory_order_relaxed);
}

/* ---- Writers ---- */

static void route_labels(const http_server *srv, size_t i, char *out, size_t size) {
    if (i == srv->app.n_routes)
        snprintf(out, size, "method=\"\",route=\"unmatched\"");
    else
        snprintf(out, size, "method=\"%s\",route=\"%s\"", srv->app.routes[i].method,
                 srv->app.routes[i].pattern);
}

lm_status http_metrics_write(const http_req *r, lm_buf *out) {
    const http_server *srv = r->conn->srv;
    http__stats *m = srv->metrics;
    char labels[256];
    lm_status rc = lm_buf_printf(out, "# HELP lastmile_http_requests_total HTTP requests by route "
                                      "and status (status 0: no reply was sent).\n"
                                      "# TYPE lastmile_http_requests_total counter\n");
    for (size_t i = 0; rc == LM_OK && i <= m->n_routes; i++) {
        route_labels(srv, i, labels, sizeof labels);
        for (size_t s = 0; rc == LM_OK && s <= N_STATUS; s++) {
            uint64_t n = atomic_load_explicit(&m->routes[i].by_status[s], memory_order_relaxed);
            if (n)
                rc = lm_buf_printf(out, "lastmile_http_requests_total{%s,status=\"%d\"} %llu\n",
                                   labels, s == N_STATUS ? 0 : (int)s + STATUS_MIN,
                                   (unsigned long long)n);
        }
    }
    if (rc == LM_OK)
        rc = lm_buf_printf(out, "# HELP lastmile_http_request_duration_seconds Time from the "
                                "request's headers to its completion.\n"
                                "# TYPE lastmile_http_request_duration_seconds histogram\n");
    for (size_t i = 0; rc == LM_OK && i <= m->n_routes; i++) {
        route_stats *rs = &m->routes[i];
        uint64_t cum = 0;
        for (int b = 0; b < N_BUCKETS; b++)
            cum += atomic_load_explicit(&rs->buckets[b], memory_order_relaxed);
        if (!cum) continue; /* routes never called stay out of the output */
        route_labels(srv, i, labels, sizeof labels);
        cum = 0;
        for (int b = 0; rc == LM_OK && b < N_BUCKETS; b++) {
            cum += atomic_load_explicit(&rs->buckets[b], memory_order_relaxed);
            if (b == N_BUCKETS - 1)
                rc = lm_buf_printf(out,
                                   "lastmile_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} "
                                   "%llu\n",
                                   labels, (unsigned long long)cum);
            else
                rc = lm_buf_printf(out,
                                   "lastmile_http_request_duration_seconds_bucket{%s,le=\"%g\"} "
                                   "%llu\n",
                                   labels, (double)bucket_le_us[b] / 1e6, (unsigned long long)cum);
        }
        if (rc == LM_OK)
            rc = lm_buf_printf(
                out,
                "lastmile_http_request_duration_seconds_sum{%s} %.6f\n"
                "lastmile_http_request_duration_seconds_count{%s} %llu\n",
                labels, (double)atomic_load_explicit(&rs->sum_us, memory_order_relaxed) / 1e6,
                labels, (unsigned long long)cum);
    }
    /* the connection guard (docs/security.md "Connections") */
    http__guard_stats cs;
    http__guard_stats_get(srv->guard, &cs);
    if (rc == LM_OK)
        rc = lm_buf_printf(
            out,
            "# HELP lastmile_http_connections_open API connections open now.\n"
            "# TYPE lastmile_http_connections_open gauge\n"
            "lastmile_http_connections_open %lld\n"
            "# HELP lastmile_http_connections_peak Most API connections open at once.\n"
            "# TYPE lastmile_http_connections_peak gauge\n"
            "lastmile_http_connections_peak %lld\n"
            "# HELP lastmile_http_connections_total API connections accepted.\n"
            "# TYPE lastmile_http_connections_total counter\n"
            "lastmile_http_connections_total %lld\n"
            "# HELP lastmile_http_connections_closed_total API connections closed by the guard: "
            "head or body late, or shed to keep the reserve free.\n"
            "# TYPE lastmile_http_connections_closed_total counter\n"
            "lastmile_http_connections_closed_total{reason=\"header_timeout\"} %lld\n"
            "lastmile_http_connections_closed_total{reason=\"body_timeout\"} %lld\n"
            "lastmile_http_connections_closed_total{reason=\"shed\"} %lld\n",
            (long long)cs.live, (long long)cs.peak, (long long)cs.accepted,
            (long long)cs.closed_head, (long long)cs.closed_body, (long long)cs.shed);
    /* the request log (docs/logging.md): a full ring drops lines rather than wait */
    uint64_t written = 0, dropped = 0;
    http_log_counts(srv->log, &written, &dropped);
    if (rc == LM_OK)
        rc = lm_buf_printf(out,
                           "# HELP lastmile_log_lines_written_total Lines the request log wrote.\n"
                           "# TYPE lastmile_log_lines_written_total counter\n"
                           "lastmile_log_lines_written_total %llu\n"
                           "# HELP lastmile_log_lines_dropped_total Lines the request log dropped "
                           "because its ring was full.\n"
                           "# TYPE lastmile_log_lines_dropped_total counter\n"
                           "lastmile_log_lines_dropped_total %llu\n",
                           (unsigned long long)written, (unsigned long long)dropped);
    return rc;
}
