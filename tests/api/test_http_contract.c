/* tests/api/test_http_contract.c: the HTTP contract as data. Runs every case of tests/data/http/
 * (case_file.h) against the real server on 127.0.0.1: one request, its expected status and, for
 * an error, its {"error": {"code", "field"}}; and proves that a refused request changed nothing
 * (no event was appended to the log). Adding a case is adding a file.
 *
 * Headers of a case:
 *   what: the sentence saying what it proves
 *   role: admin | dispatcher | warehouse | driver | none | unknown (a well-formed, unknown key)
 *   request: METHOD /path?query           sent as written
 *   content-type: text/csv                default application/json when there is a body
 *   header: Name: value                   one more request header
 *   repeat: N                             the input sent N times over (large bodies)
 *   status: 400                           the expected HTTP status
 *   code: invalid                         error.code (error replies)
 *   field: customer.phone                 error.field; "null" for a JSON null
 *   reason: a substring of error.message
 *   body-has: a substring of the raw reply (replies that are not {"error": ...})
 *   header-has: a substring of the raw reply headers (Allow, WWW-Authenticate ...)
 *   --- input
 *   the request body (none when empty)
 *
 * The world every case sees: depot DEP, product SKU1 with 100 units, dispatch and feedback, keys of
 * each role (the driver key bound to driver D1), a 64 KiB body limit. Cases must not change it. */
#include "../formats/case_file.h"
#include "api/api.h"
#include "dispatch/dispatch.h"
#include "feedback/feedback.h"
#include "orders/orders.h"
#include "tests/support/http_test.h"
#include "tests/support/tmp_db.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CASES  40         /* fewer means the folder was not found or lost files */
#define BODY_LIMIT (64 << 10) /* the server's body limit in these cases */

static struct {
    tmp_db tmp;
    store *s;
    orders_svc *o;
    dispatch *d;
    feedback *fb;
    api_server *srv;
    uint16_t port;
    char admin[STORE_KEY_MAX], dispatcher[STORE_KEY_MAX], warehouse[STORE_KEY_MAX],
        driver[STORE_KEY_MAX];
} W;

/* ---- The world ---- */

static int world_start(void) {
    lm_errinfo err = {0};
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tmp_db_create(&W.tmp, "lm_http_contract_") != 0 || tmp_db_store_open(&W.tmp, 4, &W.s) != 0)
        return -1;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = W.s;
    if (orders_create(&oo, &W.o) != LM_OK) return -1;
    orders_depot dep = {.lon = 4.85, .lat = 45.75, .open_s = 6 * 3600, .close_s = 20 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    orders_product pr = {.weight_g = 1000, .volume_cm3 = 1000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    orders_stock stk;
    if (orders_depot_put(W.o, &dep, &err) != LM_OK || orders_product_put(W.o, &pr, &err) != LM_OK ||
        orders_stock_set(W.o, "DEP", "SKU1", 100, 0, &stk, &err) != LM_OK)
        return -1;
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = W.s;
    dopts.tick_ms = 0;
    dopts.plan_time_limit_ms = 200;
    if (dispatch_create(&dopts, &W.d, &err) != LM_OK) return -1;
    feedback_opts fo;
    feedback_opts_init(&fo);
    fo.st = W.s;
    if (feedback_create(&fo, &W.fb, &err) != LM_OK) return -1;
    api_server_opts ao;
    api_server_opts_init(&ao);
    ao.port = 0;
    ao.log_fd = -1;
    ao.dispatch = W.d;
    ao.feedback = W.fb;
    ao.max_body_bytes = BODY_LIMIT;
    if (api_server_start(&ao, W.s, &W.srv, &err) != LM_OK) {
        fprintf(stderr, "server: %s\n", err.message);
        return -1;
    }
    W.port = api_server_port(W.srv);
    if (store_key_create(W.s, "admin", NULL, W.admin, NULL, &err) != LM_OK ||
        store_key_create(W.s, "dispatcher", NULL, W.dispatcher, NULL, &err) != LM_OK ||
        store_key_create(W.s, "warehouse", NULL, W.warehouse, NULL, &err) != LM_OK ||
        store_key_create(W.s, "driver", "D1", W.driver, NULL, &err) != LM_OK)
        return -1;
    return 0;
}

static void world_stop(void) {
    api_server_stop(W.srv, 1000);
    feedback_destroy(W.fb);
    dispatch_destroy(W.d);
    orders_destroy(W.o);
    store_close(W.s);
    tmp_db_remove(&W.tmp);
    curl_global_cleanup();
}

/* The seq of the last event in the log (0 for none); -1 when the store does not answer. */
static int64_t last_seq(void) {
    int64_t last = 0;
    for (int batch = 0; batch < 10000; batch++) {
        store_read *rd = NULL;
        store_event *ev = NULL;
        size_t n = 0;
        if (store_read_begin(W.s, &rd) != LM_OK) return -1;
        lm_status rc = store_events_since(rd, last, 1000, &ev, &n);
        store_read_end(rd);
        if (rc != LM_OK) return -1;
        if (n) last = ev[n - 1].seq;
        store_events_free(ev, n);
        if (n < 1000) return last;
    }
    return -1;
}

/* ---- One case ---- */

static const char *key_for(const char *role) {
    if (!role || !strcmp(role, "none")) return NULL;
    if (!strcmp(role, "admin")) return W.admin;
    if (!strcmp(role, "dispatcher")) return W.dispatcher;
    if (!strcmp(role, "warehouse")) return W.warehouse;
    if (!strcmp(role, "driver")) return W.driver;
    if (!strcmp(role, "unknown"))
        return "lm_0000000000000000_00000000000000000000000000000000000000000000000000000000000000"
               "00";
    return "";
}

/* The error object's member name as text: its string, "null", or "(absent)". */
static const char *error_member(const cJSON *json, const char *name) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, name);
    if (cJSON_IsString(v)) return v->valuestring;
    if (cJSON_IsNull(v)) return "null";
    return "(absent)";
}

/* Checks the reply against the case; on a mismatch writes why and returns false. */
static bool check_reply(const tc_case *c, const http_test_resp *hr, char *why, size_t size) {
    long want = strtol(tc_get(c, "status"), NULL, 10);
    const char *body = hr->body.data ? hr->body.data : "";
    if (hr->status != want) {
        snprintf(why, size, "status %ld, want %ld: %.300s", hr->status, want, body);
        return false;
    }
    const char *code = tc_get(c, "code"), *field = tc_get(c, "field"),
               *reason = tc_get(c, "reason");
    if (code && strcmp(error_member(hr->json, "code"), code)) {
        snprintf(why, size, "error.code '%s', want '%s': %.300s", error_member(hr->json, "code"),
                 code, body);
        return false;
    }
    if (field && strcmp(error_member(hr->json, "field"), field)) {
        snprintf(why, size, "error.field '%s', want '%s': %.300s", error_member(hr->json, "field"),
                 field, body);
        return false;
    }
    if (reason && !strstr(error_member(hr->json, "message"), reason)) {
        snprintf(why, size, "error.message '%s' lacks '%s'", error_member(hr->json, "message"),
                 reason);
        return false;
    }
    const char *has = tc_get(c, "body-has"), *hhas = tc_get(c, "header-has");
    if (has && !strstr(body, has)) {
        snprintf(why, size, "reply lacks '%s': %.300s", has, body);
        return false;
    }
    const char *heads = hr->headers.data ? hr->headers.data : "";
    if (hhas && !strstr(heads, hhas)) {
        snprintf(why, size, "headers lack '%s': %.300s", hhas, heads);
        return false;
    }
    return true;
}

/* Splits "METHOD /path" in place; false when malformed. */
static bool split_request(char *line, const char **method, const char **path) {
    char *sp = strchr(line, ' ');
    if (!sp || sp[1] != '/') return false;
    *sp = '\0';
    *method = line;
    *path = sp + 1;
    return true;
}

/* Runs one case; false (why filled) when it fails. */
static bool run_case(tc_case *c, char *why, size_t size) {
    char line[1024];
    const char *method = NULL, *path = NULL, *rq = tc_get(c, "request");
    if (rq) lm_strlcpy(line, rq, sizeof line);
    if (!rq || strlen(rq) >= sizeof line || !tc_get(c, "role") || !tc_get(c, "what") ||
        !split_request(line, &method, &path)) {
        snprintf(why, size, "needs what:, role: and request: METHOD /path");
        return false;
    }
    int64_t repeat = 1;
    const char *rp = tc_get(c, "repeat");
    if (rp && !lm_parse_i64(rp, 1, 1 << 20, &repeat)) {
        snprintf(why, size, "repeat: must be 1..1048576");
        return false;
    }
    lm_buf body;
    lm_buf_init(&body, (size_t)64 << 20);
    for (int64_t i = 0; i < repeat && c->input_len; i++)
        if (lm_buf_append(&body, c->input, c->input_len) != LM_OK) break;
    const char *ct = tc_get(c, "content-type");
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key_for(tc_get(c, "role")),
                       .body = body.len ? body.data : NULL,
                       .body_len = body.len,
                       .content_type = body.len ? (ct ? ct : "application/json") : ct,
                       .header = tc_get(c, "header")};
    int64_t before = last_seq();
    http_test_resp hr;
    http_test_request(W.port, &q, &hr);
    lm_buf_free(&body);
    bool ok = hr.complete || hr.status;
    if (!ok) snprintf(why, size, "transport error: %s", hr.error ? hr.error : "?");
    if (ok) ok = check_reply(c, &hr, why, size);
    int64_t after = last_seq();
    if (ok && hr.status >= 400 && after != before) {
        snprintf(why, size, "a refused request changed the log: seq %lld -> %lld",
                 (long long)before, (long long)after);
        ok = false;
    }
    http_test_resp_free(&hr);
    return ok;
}

int main(void) {
    char **paths = NULL;
    size_t n = tc_list("http", &paths);
    if (n < MIN_CASES) {
        fprintf(stderr, "tests/data/http: %zu cases, expected at least %d\n", n, MIN_CASES);
        tc_paths_free(paths, n);
        return 1;
    }
    if (world_start() != 0) {
        fprintf(stderr, "could not set up the server\n");
        tc_paths_free(paths, n);
        return 1;
    }
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        tc_case c;
        char why[1024] = "";
        bool ok = tc_load(paths[i], &c) && run_case(&c, why, sizeof why);
        if (!ok) {
            failed++;
            fprintf(stderr, "FAIL %s: %s\n", paths[i], why);
        }
        tc_free(&c);
    }
    printf("%zu HTTP contract cases, %zu failed\n", n, failed);
    world_stop();
    tc_paths_free(paths, n);
    return failed ? 1 : 0;
}
