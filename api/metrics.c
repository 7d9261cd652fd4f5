/* api/metrics.c: GET /metrics in the Prometheus text format (version 0.0.4), assembled from a
 * table of writers: the framework's request counters, the store's commits, orders by status.
 *
 * HOW TO ADD METRICS: write `lm_status my_writer(http_req *r, lm_buf *out)` that appends its
 * "# HELP", "# TYPE" and sample lines (read the store with store_read_begin(api_store(r), ...) if
 * needed), declare it in your header, and add it to writers[] below. */
#include "api/app.h"
#include "api/handlers.h"

#include <inttypes.h>
#include <stdio.h>

static lm_status write_store(http_req *r, lm_buf *out) {
    store_stats st;
    store_stats_get(api_store(r), &st);
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

typedef struct count_ctx {
    lm_buf *out;
    lm_status rc;
} count_ctx;

static void count_one(void *ctx, const char *status, int64_t count) {
    count_ctx *c = ctx;
    if (c->rc == LM_OK)
        c->rc =
            lm_buf_printf(c->out, "lastmile_orders{status=\"%s\"} %" PRId64 "\n", status, count);
}

static lm_status write_orders(http_req *r, lm_buf *out) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return rc;
    count_ctx c = {out, LM_OK};
    c.rc = lm_buf_printf(out, "# HELP lastmile_orders Orders by lifecycle status.\n"
                              "# TYPE lastmile_orders gauge\n");
    if (c.rc == LM_OK) rc = store_order_count_by_status(rd, count_one, &c, NULL);
    store_read_end(rd);
    return rc != LM_OK ? rc : c.rc;
}

/* the framework's request counters first, then the app's */
static lm_status write_requests(http_req *r, lm_buf *out) {
    return http_metrics_write(r, out);
}

/* the OsmAnd limiter of unknown device ids (docs/devices.md): a rising blocks count is someone
 * guessing, or a phone left with a rotated id */
static lm_status write_osmand_guard(http_req *r, lm_buf *out) {
    dispatch_guard_stats st = {0};
    if (api_app_of(r)->osm_guard) dispatch_guard_stats_get(api_app_of(r)->osm_guard, &st);
    return lm_buf_printf(
        out,
        "# HELP lastmile_osmand_unknown_device_total OsmAnd requests naming an unknown device id.\n"
        "# TYPE lastmile_osmand_unknown_device_total counter\n"
        "lastmile_osmand_unknown_device_total %llu\n"
        "# HELP lastmile_osmand_blocks_total Times an address was blocked for unknown device ids.\n"
        "# TYPE lastmile_osmand_blocks_total counter\n"
        "lastmile_osmand_blocks_total %llu\n"
        "# HELP lastmile_osmand_refused_total OsmAnd requests answered 429 (address blocked).\n"
        "# TYPE lastmile_osmand_refused_total counter\n"
        "lastmile_osmand_refused_total %llu\n",
        (unsigned long long)st.failures, (unsigned long long)st.blocks,
        (unsigned long long)st.refused);
}

/* the OsmAnd port's own series: its answers never pass through the API's request counters */
static lm_status write_osmand_listener(http_req *r, lm_buf *out) {
    http_plain_stats st = {0};
    if (api_app_of(r)->osmand) http_plain_stats_get(api_app_of(r)->osmand, &st);
    static const char *const cls[6] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    uint64_t total = 0;
    lm_status rc = lm_buf_printf(
        out, "# HELP lastmile_osmand_requests_total Requests the OsmAnd port answered, by status "
             "class.\n# TYPE lastmile_osmand_requests_total counter\n");
    for (int i = 0; rc == LM_OK && i < 6; i++) {
        total += st.by_class[i];
        rc = lm_buf_printf(out, "lastmile_osmand_requests_total{code=\"%s\"} %llu\n", cls[i],
                           (unsigned long long)st.by_class[i]);
    }
    if (rc == LM_OK)
        rc = lm_buf_printf(out,
                           "# HELP lastmile_osmand_request_duration_seconds From the request head "
                           "to the answer (the commit included).\n"
                           "# TYPE lastmile_osmand_request_duration_seconds summary\n"
                           "lastmile_osmand_request_duration_seconds_sum %.6f\n"
                           "lastmile_osmand_request_duration_seconds_count %llu\n",
                           (double)st.latency_us_sum / 1e6, (unsigned long long)total);
    return rc;
}

static const api_metrics_writer writers[] = {
    write_requests, write_store, write_orders, write_osmand_guard, write_osmand_listener,
    /* more writers (orders by status, ...) go here */
};

lm_status api__metrics(http_req *r) {
    lm_buf out;
    lm_buf_init(&out, (size_t)8 << 20);
    lm_status rc = LM_OK;
    for (size_t i = 0; rc == LM_OK && i < sizeof writers / sizeof writers[0]; i++)
        rc = writers[i](r, &out);
    if (rc == LM_OK)
        rc = http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                             out.data ? out.data : "", out.len);
    else
        http_error(r, rc, "", "could not assemble the metrics");
    lm_buf_free(&out);
    return rc;
}
