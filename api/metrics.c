/* api/metrics.c: request counters and latency histograms per route, and GET /metrics in the
 * Prometheus text format (version 0.0.4), assembled from a table of writers.
 *
 * HOW TO ADD METRICS: write `lm_status my_writer(api_req *r, lm_buf *out)` that appends its
 * "# HELP", "# TYPE" and sample lines (read the store with store_read_begin(r->store, ...) if
 * needed), declare it in your header, and add it to writers[] below. */
#include "api/route.h"
#include "api/routes_orders.h"

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

struct api__stats {
    route_stats *routes; /* api__route_count + 1: the last is "unmatched" */
};

lm_status api__stats_create(api__stats **out) {
    api__stats *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    /* calloc's zero bytes are valid zero atomics on every platform we build for */
    m->routes = lm_calloc(api__route_count + 1, sizeof *m->routes);
    if (!m->routes) {
        lm_free(m);
        return LM_NOMEM;
    }
    *out = m;
    return LM_OK;
}

void api__stats_destroy(api__stats *m) {
    if (!m) return;
    lm_free(m->routes);
    lm_free(m);
}

void api__stats_observe(api__stats *m, size_t route_index, int status, int64_t duration_us) {
    if (route_index > api__route_count) route_index = api__route_count;
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

static void route_labels(size_t i, char *out, size_t size) {
    if (i == api__route_count)
        snprintf(out, size, "method=\"\",route=\"unmatched\"");
    else
        snprintf(out, size, "method=\"%s\",route=\"%s\"", api__routes[i].method,
                 api__routes[i].pattern);
}

static lm_status write_requests(api_req *r, lm_buf *out) {
    api__stats *m = api__req_stats(r);
    char labels[256];
    lm_status rc = lm_buf_printf(out, "# HELP lastmile_http_requests_total HTTP requests by route "
                                      "and status (status 0: no reply was sent).\n"
                                      "# TYPE lastmile_http_requests_total counter\n");
    for (size_t i = 0; rc == LM_OK && i <= api__route_count; i++) {
        route_labels(i, labels, sizeof labels);
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
    for (size_t i = 0; rc == LM_OK && i <= api__route_count; i++) {
        route_stats *rs = &m->routes[i];
        uint64_t cum = 0;
        for (int b = 0; b < N_BUCKETS; b++)
            cum += atomic_load_explicit(&rs->buckets[b], memory_order_relaxed);
        if (!cum) continue; /* routes never called stay out of the output */
        route_labels(i, labels, sizeof labels);
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
    return rc;
}

static lm_status write_store(api_req *r, lm_buf *out) {
    store_stats st;
    store_stats_get(r->store, &st);
    lm_status rc = lm_buf_printf(
        out,
        "# HELP lastmile_store_commit_duration_seconds Durable COMMIT latency (fsync included).\n"
        "# TYPE lastmile_store_commit_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; rc == LM_OK && b < STORE_COMMIT_BUCKETS; b++) {
        cum += st.commit_buckets[b];
        if (b == STORE_COMMIT_BUCKETS - 1)
            rc = lm_buf_printf(out,
                               "lastmile_store_commit_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                               (unsigned long long)cum);
        else
            rc = lm_buf_printf(out,
                               "lastmile_store_commit_duration_seconds_bucket{le=\"%g\"} %llu\n",
                               (double)store_commit_bucket_le_us[b] / 1e6, (unsigned long long)cum);
    }
    if (rc == LM_OK)
        rc =
            lm_buf_printf(out,
                          "lastmile_store_commit_duration_seconds_sum %.6f\n"
                          "lastmile_store_commit_duration_seconds_count %llu\n"
                          "# HELP lastmile_store_commit_failures_total COMMITs that failed.\n"
                          "# TYPE lastmile_store_commit_failures_total counter\n"
                          "lastmile_store_commit_failures_total %llu\n"
                          "# HELP lastmile_store_rollbacks_total Transactions rolled back.\n"
                          "# TYPE lastmile_store_rollbacks_total counter\n"
                          "lastmile_store_rollbacks_total %llu\n",
                          (double)st.commit_us_sum / 1e6, (unsigned long long)st.commits,
                          (unsigned long long)st.commit_failures, (unsigned long long)st.rollbacks);
    return rc;
}

static const api_metrics_writer writers[] = {
    write_requests, write_store, api__metrics_orders,
    /* more writers (orders by status, ...) go here */
};

lm_status api__metrics(api_req *r) {
    lm_buf out;
    lm_buf_init(&out, (size_t)8 << 20);
    lm_status rc = LM_OK;
    for (size_t i = 0; rc == LM_OK && i < sizeof writers / sizeof writers[0]; i++)
        rc = writers[i](r, &out);
    if (rc == LM_OK)
        rc = api__reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                             out.data ? out.data : "", out.len);
    else
        api__error(r, rc, "", "could not assemble the metrics");
    lm_buf_free(&out);
    return rc;
}
