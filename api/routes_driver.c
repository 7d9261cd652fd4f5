/* api/routes_driver.c: the driver app API (a driver key sees and changes only its own route),
 * OsmAnd on the main port (/v1/osmand), and customer tracking by token (rate-limited per client
 * address). Positions go through dispatch's group-commit ingest (dispatch/ingest.c); stop
 * actions run in one transaction with dispatch/ and are answered after the commit. */
#include "api/routes_driver.h"

#include "api/live.h"
#include "api/formats/rfc3339.h"
#include "common/sha256.h"
#include "dispatch/dispatch.h"
#include "orders/orders.h"
#include "store/store_orders.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROOF_MAX_BYTES ((size_t)512 << 10) /* one decoded signature or photo */

/* ---- Helpers ---- */

static dispatch *need_dispatch(http_req *r) {
    dispatch *d = api__live_dispatch(api_live(r));
    if (!d) http_error(r, LM_UNAVAILABLE, "", "live dispatch is not configured on this server");
    return d;
}

static lm_status need_driver(http_req *r) {
    if (!r->subject[0])
        return http_error(r, LM_FORBIDDEN, "Authorization",
                          "this route needs a driver key (bound to one driver)");
    return LM_OK;
}

static const char *json_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void iso_time(int64_t epoch_s, char out[32]) {
    fmt_time_format_rfc3339(epoch_s, out);
}

/* ---- Deferred replies: the request waits for its group commit without holding a thread ---- */

static void ingest_done(void *ctx, lm_status st, const lm_errinfo *err) {
    http_defer_done(ctx, st, err);
}

/* Sets nothing on r after the hand-off: the writer thread owns the outcome from there. */
static lm_status submit_deferred(http_req *r, api__ingest *g, const fmt_osmand_pos *pos, size_t n,
                                 const char *driver_id) {
    http_defer(r);
    lm_status rc = api__ingest_submit(g, pos, n, driver_id, ingest_done, r);
    if (rc != LM_OK) {
        lm_errinfo e;
        lm_errinfo_set(&e, rc, "", "the position queue is full or stopping; retry");
        http_defer_done(r, rc, &e);
    }
    return LM_OK;
}

/* ---- OsmAnd on the main port ---- */

lm_status api__osmand_http(http_req *r) {
    static const char *const keys[] = {"id",        "deviceid", "lat",     "lon",     "location",
                                       "timestamp", "speed",    "bearing", "heading", "altitude",
                                       "accuracy",  "batt",     "charge"};
    fmt_osmand_kv kv[sizeof keys / sizeof keys[0]];
    size_t n_kv = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = http_query(r, keys[i]);
        if (v) {
            kv[n_kv].key = keys[i];
            kv[n_kv].value = v;
            n_kv++;
        }
    }
    api__ingest *g = api__live_ingest(api_live(r));
    if (!g) return http_error(r, LM_UNAVAILABLE, "", "position ingest is not running");
    fmt_osmand_pos *pos = lm_arena_alloc(r->arena, FMT_OSMAND_MAX_BATCH * sizeof *pos);
    if (!pos) return http_error(r, LM_NOMEM, "", "out of memory");
    size_t n = 0;
    lm_status rc = fmt_osmand_parse(kv, n_kv, http_header(r, "Content-Type"), r->body, r->body_len,
                                    pos, FMT_OSMAND_MAX_BATCH, &n, &r->err);
    if (rc != LM_OK) return rc;
    /* the apps read nothing: 200 with an empty body, sent once the batch has committed */
    if ((rc = http_reply_text(r, 200, NULL, "", 0)) != LM_OK) return rc;
    return submit_deferred(r, g, pos, n, NULL);
}

/* ---- Driver app API ---- */

static cJSON *stop_json(const dispatch_stop_view *v) {
    const dispatch_stop *s = &v->stop;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)s->id);
    cJSON_AddNumberToObject(o, "seq", s->seq);
    cJSON_AddStringToObject(o, "kind", dispatch_stop_kind_name(s->kind));
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(s->status));
    cJSON_AddNumberToObject(o, "order_id", (double)s->order_id);
    cJSON_AddStringToObject(o, "customer_name", v->customer_name);
    cJSON_AddStringToObject(o, "customer_phone", v->customer_phone);
    cJSON_AddStringToObject(o, "address", v->address);
    cJSON_AddStringToObject(o, "instructions", v->instructions);
    cJSON *loc = cJSON_AddArrayToObject(o, "location");
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lon));
    cJSON_AddItemToArray(loc, cJSON_CreateNumber(s->lat));
    if (s->tw_start_s || s->tw_end_s) {
        cJSON *tw = cJSON_AddArrayToObject(o, "time_window");
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_start_s));
        cJSON_AddItemToArray(tw, cJSON_CreateNumber((double)s->tw_end_s));
    } else {
        cJSON_AddNullToObject(o, "time_window");
    }
    cJSON_AddNumberToObject(o, "eta_s", (double)s->eta_s);
    cJSON_AddNumberToObject(o, "service_s", (double)s->service_s);
    cJSON_AddNumberToObject(o, "parcels", (double)s->parcels);
    cJSON_AddNumberToObject(o, "weight_g", (double)s->weight_g);
    if (s->reason[0]) cJSON_AddStringToObject(o, "reason", s->reason);
    return o;
}

lm_status api__driver_route(http_req *r) {
    lm_status rc = need_driver(r);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    dispatch_driver_route rt;
    memset(&rt, 0, sizeof rt);
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    rc = dispatch_driver_route_get(rd, r->subject, &rt, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver_id", rt.driver.id);
    cJSON_AddStringToObject(o, "driver_name", rt.driver.name);
    if (rt.has_route)
        cJSON_AddStringToObject(o, "vehicle_id", rt.vehicle_id);
    else
        cJSON_AddNullToObject(o, "vehicle_id");
    cJSON_AddBoolToObject(o, "started", rt.started);
    cJSON_AddBoolToObject(o, "broken", rt.broken);
    cJSON *arr = cJSON_AddArrayToObject(o, "stops");
    for (size_t i = 0; i < rt.n_stops; i++)
        cJSON_AddItemToArray(arr, stop_json(&rt.stops[i]));
    dispatch_driver_route_clear(&rt);
    return http_reply_json(r, 200, o);
}

lm_status api__driver_positions(http_req *r) {
    lm_status rc = need_driver(r);
    if (rc != LM_OK) return rc;
    const cJSON *list = r->json;
    if (cJSON_IsObject(list)) list = cJSON_GetObjectItemCaseSensitive(list, "positions");
    if (!cJSON_IsArray(list))
        return http_error(r, LM_INVALID, "positions", "expected {\"positions\": [...]}");
    int count = cJSON_GetArraySize(list);
    if (count < 1 || count > FMT_OSMAND_MAX_BATCH)
        return http_error(r, count ? LM_TOO_BIG : LM_INVALID, "positions",
                          "send 1..%d positions per request", FMT_OSMAND_MAX_BATCH);
    api__ingest *g = api__live_ingest(api_live(r));
    if (!g) return http_error(r, LM_UNAVAILABLE, "", "position ingest is not running");
    /* the device id recorded with them: the driver's phone if it has one */
    char device[FMT_OSMAND_DEVICE_MAX];
    snprintf(device, sizeof device, "driver:%.50s", r->subject);
    store_read *rd = NULL;
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        dispatch_driver dr;
        lm_errinfo e;
        if (dispatch_driver_get(rd, r->subject, &dr, &e) == LM_OK && dr.device_id[0])
            lm_strlcpy(device, dr.device_id, sizeof device);
        store_read_end(rd);
    }
    fmt_osmand_pos *pos = lm_arena_alloc(r->arena, (size_t)count * sizeof *pos);
    if (!pos) return http_error(r, LM_NOMEM, "", "out of memory");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        char f[48];
        fmt_osmand_pos *p = &pos[i];
        memset(p, 0, sizeof *p);
        lm_strlcpy(p->device_id, device, sizeof p->device_id);
        p->speed_mps = p->heading_deg = p->altitude_m = p->accuracy_m = p->battery_pct = NAN;
        p->charging = -1;
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(it, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(it, "lon");
        geo_point gp = {cJSON_IsNumber(lat) ? lat->valuedouble : NAN,
                        cJSON_IsNumber(lon) ? lon->valuedouble : NAN};
        snprintf(f, sizeof f, "positions[%zu]", i);
        if ((rc = geo_point_check(gp, f, &r->err)) != LM_OK) return rc;
        p->lat = gp.lat;
        p->lon = gp.lon;
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(it, "timestamp");
        char tbuf[40] = "";
        if (cJSON_IsString(ts))
            lm_strlcpy(tbuf, ts->valuestring, sizeof tbuf);
        else if (cJSON_IsNumber(ts) && ts->valuedouble >= 0)
            snprintf(tbuf, sizeof tbuf, "%lld", (long long)ts->valuedouble);
        if (!fmt_osmand_time_parse(tbuf, &p->time_ms)) {
            snprintf(f, sizeof f, "positions[%zu].timestamp", i);
            return http_error(r, LM_INVALID, f,
                              "the device time is required: epoch s, epoch ms or ISO-8601");
        }
        static const char *const opt[] = {"speed", "heading", "accuracy", "battery", "altitude"};
        double *dst[] = {&p->speed_mps, &p->heading_deg, &p->accuracy_m, &p->battery_pct,
                         &p->altitude_m};
        for (size_t k = 0; k < 5; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, opt[k]);
            if (!v || cJSON_IsNull(v)) continue;
            if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
                snprintf(f, sizeof f, "positions[%zu].%s", i, opt[k]);
                return http_error(r, LM_INVALID, f, "must be a number");
            }
            *dst[k] = v->valuedouble;
        }
        if (!(p->speed_mps >= 0)) p->speed_mps = NAN;
        if (!(p->heading_deg >= 0)) p->heading_deg = NAN;
        if (!(p->accuracy_m >= 0)) p->accuracy_m = NAN;
        if (!(p->battery_pct >= 0 && p->battery_pct <= 100)) p->battery_pct = NAN;
        i++;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "accepted", (double)i);
    if ((rc = http_reply_json(r, 200, o)) != LM_OK) return rc;
    return submit_deferred(r, g, pos, i, r->subject);
}

/* The stop id of the path, and that it is on this driver's live route (404 otherwise, so that
 * another driver's stop ids are not even confirmed to exist). */
static lm_status own_stop(http_req *r, int64_t *stop_id) {
    lm_status rc = need_driver(r);
    if (rc != LM_OK) return rc;
    int64_t id = 0;
    if (!lm_parse_i64(http_param(r, "id"), 1, INT64_MAX, &id))
        return http_error(r, LM_INVALID, "id", "the stop id must be a positive integer");
    store_read *rd = NULL;
    char owner[DISPATCH_ID_MAX + 1] = "";
    if ((rc = store_read_begin(api_store(r), &rd)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    rc = dispatch_stop_owner(rd, id, owner, &r->err);
    store_read_end(rd);
    if (rc != LM_OK && rc != LM_NOT_FOUND) return rc;
    if (rc == LM_NOT_FOUND || strcmp(owner, r->subject))
        return http_error(r, LM_NOT_FOUND, "id", "no stop %lld on your route", (long long)id);
    *stop_id = id;
    return LM_OK;
}

/* Runs one stop action in its own transaction; answers {id, status} after the commit. */
typedef lm_status (*stop_action)(dispatch *d, store_tx *tx, http_req *r, int64_t stop_id,
                                 void *ctx);

static lm_status run_stop_action(http_req *r, stop_action act, void *ctx) {
    int64_t stop_id = 0;
    lm_status rc = own_stop(r, &stop_id);
    if (rc != LM_OK) return rc;
    dispatch *d = need_dispatch(r);
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    if ((rc = act(d, tx, r, stop_id, ctx)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    store_read *rd = NULL;
    dispatch_stop s;
    memset(&s, 0, sizeof s);
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        lm_errinfo e;
        if (dispatch_stop_get(rd, stop_id, &s, &e) != LM_OK) s.id = stop_id;
        store_read_end(rd);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)stop_id);
    cJSON_AddStringToObject(o, "status", dispatch_stop_status_name(s.status));
    return http_reply_json(r, 200, o);
}

static lm_status act_arrived(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    (void)ctx;
    return dispatch_stop_arrived(d, tx, r->subject, id, lm_now_ms(), &r->err);
}

lm_status api__driver_arrived(http_req *r) {
    return run_stop_action(r, act_arrived, NULL);
}

/* ---- Delivery proof files ---- */

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes base64 (standard or URL alphabet, padding optional, whitespace skipped) into an arena
 * buffer of at most max bytes. */
static lm_status b64_decode(lm_arena *a, const char *s, size_t max, unsigned char **out,
                            size_t *n_out) {
    size_t len = strlen(s);
    if (len / 4 * 3 > max + 3) return LM_TOO_BIG;
    unsigned char *buf = lm_arena_alloc(a, len / 4 * 3 + 4);
    if (!buf) return LM_NOMEM;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = b64val(c);
        if (v < 0) return LM_INVALID;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (n > max) return LM_TOO_BIG;
    *out = buf;
    *n_out = n;
    return LM_OK;
}

/* Validates one uploaded image {content_type, data_base64} and writes it durably under
 * <data_dir>/proofs; *rel_out gets "proofs/<name>". */
static lm_status proof_save(http_req *r, const cJSON *f, const char *what, int64_t stop_id,
                            char *rel_out, size_t rel_size) {
    char field[48];
    snprintf(field, sizeof field, "%s.content_type", what);
    const char *ct = json_str(f, "content_type");
    const char *ext = NULL;
    if (ct && !strcmp(ct, "image/png")) ext = "png";
    if (ct && !strcmp(ct, "image/jpeg")) ext = "jpg";
    if (!cJSON_IsObject(f) || !ext)
        return http_error(r, LM_INVALID, field, "content_type must be image/png or image/jpeg");
    const char *data = json_str(f, "data_base64");
    snprintf(field, sizeof field, "%s.data_base64", what);
    if (!data || !*data) return http_error(r, LM_INVALID, field, "data_base64 is required");
    unsigned char *bytes = NULL;
    size_t n = 0;
    lm_status rc = b64_decode(r->arena, data, PROOF_MAX_BYTES, &bytes, &n);
    if (rc == LM_TOO_BIG)
        return http_error(r, LM_TOO_BIG, field, "at most %zu bytes once decoded", PROOF_MAX_BYTES);
    if (rc != LM_OK) return http_error(r, rc, field, "not valid base64");
    /* the bytes must be what the content type says (no HTML or script stored as an "image") */
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bool ok = !strcmp(ext, "png")
                  ? n >= 8 && !memcmp(bytes, png, 8)
                  : n >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
    if (!ok) return http_error(r, LM_INVALID, field, "the data is not a %s image", ext);

    char dir[600], path[700], tmp[720];
    const char *root = api__live_data_dir(api_live(r));
    snprintf(dir, sizeof dir, "%s/proofs", root);
    /* owner-only: proofs are photos and signatures of customers (docs/security.md) */
    if (mkdir(root, 0700) != 0 && errno != EEXIST)
        return http_error(r, LM_IO, "", "cannot create the data directory");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return http_error(r, LM_IO, "", "cannot create the proofs directory");
    uint8_t rnd[8];
    char hex[17];
    if (lm_random_bytes(rnd, sizeof rnd) != LM_OK)
        return http_error(r, LM_IO, "", "no random bytes for the file name");
    lm_hex_encode(rnd, sizeof rnd, hex);
    snprintf(rel_out, rel_size, "proofs/stop%lld-%s-%s.%s", (long long)stop_id, what, hex, ext);
    snprintf(path, sizeof path, "%s/%s", root, rel_out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return http_error(r, LM_IO, "", "cannot create the proof file");
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, bytes + off, n - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    /* durable before the delivery that refers to it is committed */
    bool good = off == n && fsync(fd) == 0;
    close(fd);
    if (!good || rename(tmp, path) != 0) {
        unlink(tmp);
        return http_error(r, LM_IO, "", "cannot write the proof file");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0) { /* the rename may not survive a crash; the row says where */
        }
        close(dfd);
    }
    return LM_OK;
}

typedef struct delivered_ctx {
    char proof[DISPATCH_NOTE_MAX + 1];
} delivered_ctx;

static lm_status act_delivered(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    delivered_ctx *c = ctx;
    return dispatch_stop_delivered(d, tx, r->subject, id, c->proof, lm_now_ms(), &r->err);
}

lm_status api__driver_delivered(http_req *r) {
    int64_t stop_id = 0;
    lm_status rc = own_stop(r, &stop_id); /* before any file is written */
    if (rc != LM_OK) return rc;
    delivered_ctx c;
    memset(&c, 0, sizeof c);
    const cJSON *body = r->json;
    if (body && !cJSON_IsObject(body))
        return http_error(r, LM_INVALID, "body", "expected a JSON object");
    const char *recipient = body ? json_str(body, "recipient") : NULL;
    const cJSON *rv = body ? cJSON_GetObjectItemCaseSensitive(body, "recipient") : NULL;
    if (rv && !cJSON_IsNull(rv) && !recipient)
        return http_error(r, LM_INVALID, "recipient", "recipient must be a string");
    if (recipient && strlen(recipient) > 200)
        return http_error(r, LM_INVALID, "recipient", "at most 200 characters");
    for (const char *p = recipient; p && *p; p++)
        if ((unsigned char)*p < 0x20)
            return http_error(r, LM_INVALID, "recipient", "no control characters");
    char sig[160] = "", photo[160] = "";
    const cJSON *f;
    if (body && (f = cJSON_GetObjectItemCaseSensitive(body, "signature")) && !cJSON_IsNull(f) &&
        (rc = proof_save(r, f, "signature", stop_id, sig, sizeof sig)) != LM_OK)
        return rc;
    if (body && (f = cJSON_GetObjectItemCaseSensitive(body, "photo")) && !cJSON_IsNull(f) &&
        (rc = proof_save(r, f, "photo", stop_id, photo, sizeof photo)) != LM_OK)
        return rc;
    snprintf(c.proof, sizeof c.proof, "%s%s%s%s%s%s", recipient ? "received by " : "",
             recipient ? recipient : "", sig[0] ? "; signature " : "", sig,
             photo[0] ? "; photo " : "", photo);
    return run_stop_action(r, act_delivered, &c);
}

typedef struct failed_ctx {
    const char *reason, *note;
} failed_ctx;

static lm_status act_failed(dispatch *d, store_tx *tx, http_req *r, int64_t id, void *ctx) {
    failed_ctx *c = ctx;
    return dispatch_stop_failed(d, tx, r->subject, id, c->reason, c->note, lm_now_ms(), &r->err);
}

lm_status api__driver_failed(http_req *r) {
    static const char *const reasons[] = {"not_home", "refused", "address_not_found", "damaged",
                                          "other"};
    if (!cJSON_IsObject(r->json))
        return http_error(r, LM_INVALID, "body", "expected {\"reason\": ..., \"note\": ...}");
    failed_ctx c = {json_str(r->json, "reason"), json_str(r->json, "note")};
    bool known = false;
    for (size_t i = 0; c.reason && i < sizeof reasons / sizeof reasons[0]; i++)
        known |= !strcmp(c.reason, reasons[i]);
    if (!known)
        return http_error(r, LM_INVALID, "reason",
                          "reason must be not_home, refused, address_not_found, damaged or other");
    if (c.note && strlen(c.note) > DISPATCH_NOTE_MAX)
        return http_error(r, LM_INVALID, "note", "at most %d characters", DISPATCH_NOTE_MAX);
    if (!c.note) c.note = "";
    return run_stop_action(r, act_failed, &c);
}

lm_status api__driver_exception(http_req *r) {
    lm_status rc = need_driver(r);
    if (rc != LM_OK) return rc;
    if (!cJSON_IsObject(r->json))
        return http_error(r, LM_INVALID, "body", "expected {\"kind\": ..., \"note\": ...}");
    dispatch_exception_kind kind;
    const char *k = json_str(r->json, "kind");
    if (!k || !dispatch_exception_parse(k, &kind))
        return http_error(r, LM_INVALID, "kind",
                          "kind must be breakdown, delay, accident or vehicle_full");
    const char *note = json_str(r->json, "note");
    if (note && strlen(note) > DISPATCH_NOTE_MAX)
        return http_error(r, LM_INVALID, "note", "at most %d characters", DISPATCH_NOTE_MAX);
    int64_t delay_min = 0;
    const cJSON *dm = cJSON_GetObjectItemCaseSensitive(r->json, "delay_min");
    if (dm && (!cJSON_IsNumber(dm) || dm->valuedouble < 0 || dm->valuedouble > 1440))
        return http_error(r, LM_INVALID, "delay_min", "delay_min must be 0..1440");
    if (dm) delay_min = (int64_t)dm->valuedouble;
    dispatch *d = need_dispatch(r);
    if (!d) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "the store is not available");
    if ((rc = dispatch_driver_exception(d, tx, r->subject, kind, delay_min * 60, note ? note : "",
                                        lm_now_ms(), &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", k);
    cJSON_AddStringToObject(o, "status", "recorded");
    return http_reply_json(r, 202, o);
}

/* ---- Customer tracking ---- */

lm_status api__track(http_req *r) {
    char addr[64] = "?";
    http_client_addr(r, addr, sizeof addr);
    http_ratelimit *rl = api__live_ratelimit(api_live(r));
    int64_t retry = 1;
    if (rl && !http_ratelimit_take(rl, addr, lm_now_ms(), &retry)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry);
        if (http_reply_header(r, "Retry-After", ra) != LM_OK) return LM_NOMEM;
        /* an error reply drops headers, so answer 429 directly */
        char msg[200];
        int n = snprintf(msg, sizeof msg,
                         "{\"error\":{\"code\":\"rate_limited\",\"field\":null,\"message\":\"too "
                         "many tracking requests from this address; retry in %lld s\"}}",
                         (long long)retry);
        return http_reply_text(r, 429, "application/json", msg, (size_t)n);
    }
    const char *token = http_param(r, "token");
    size_t tl = token ? strlen(token) : 0;
    bool shape = tl == 32;
    for (size_t i = 0; shape && i < tl; i++)
        shape = (token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f');
    if (!shape) return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    store_read *rd = NULL;
    store_order ord;
    memset(&ord, 0, sizeof ord);
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "the store is not available");
    lm_errinfo e;
    rc = store_order_get_by_token(rd, token, &ord, &e);
    if (rc != LM_OK) {
        store_read_end(rd);
        if (rc == LM_NOT_FOUND)
            return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
        return http_error(r, rc, "", "the order could not be read");
    }
    dispatch_tracking t;
    memset(&t, 0, sizeof t);
    bool has_t = dispatch_tracking_get(rd, ord.id, &t, &e) == LM_OK;
    store_read_end(rd);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", ord.status);
    cJSON_AddStringToObject(o, "status_text",
                            orders_customer_status(ord.status, ord.stock_outcome));
    cJSON *tws = cJSON_AddArrayToObject(o, "time_windows");
    for (size_t i = 0; i < ord.n_windows; i++) {
        char a[32], b[32];
        iso_time(ord.windows[i].start_s, a);
        iso_time(ord.windows[i].end_s, b);
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "from", a);
        cJSON_AddStringToObject(w, "to", b);
        cJSON_AddItemToArray(tws, w);
    }
    store_order_clear(&ord);
    bool pending = has_t && t.on_route && !t.delivered && !t.failed;
    if (pending && t.eta_s > 0) {
        char a[32], b[32], c[32];
        iso_time(t.eta_s, c);
        iso_time(t.eta_from_s ? t.eta_from_s : t.eta_s, a);
        iso_time(t.eta_to_s ? t.eta_to_s : t.eta_s, b);
        cJSON *eta = cJSON_AddObjectToObject(o, "eta");
        cJSON_AddStringToObject(eta, "expected", c);
        cJSON_AddStringToObject(eta, "from", a);
        cJSON_AddStringToObject(eta, "to", b);
    } else {
        cJSON_AddNullToObject(o, "eta");
    }
    if (pending)
        cJSON_AddNumberToObject(o, "stops_before", (double)t.stops_before);
    else
        cJSON_AddNullToObject(o, "stops_before");
    if (pending && t.driver_visible) {
        cJSON *dp = cJSON_AddObjectToObject(o, "driver_position");
        cJSON_AddNumberToObject(dp, "lat", t.driver_lat);
        cJSON_AddNumberToObject(dp, "lon", t.driver_lon);
        cJSON_AddNumberToObject(dp, "seen_ms", (double)t.driver_seen_ms);
    } else {
        cJSON_AddNullToObject(o, "driver_position");
    }
    if (has_t && t.delivered) {
        cJSON *dl = cJSON_AddObjectToObject(o, "delivery");
        char a[32];
        iso_time(t.delivered_ms / 1000, a);
        cJSON_AddStringToObject(dl, "delivered_at", a);
        /* a summary, not the files: the customer sees who signed, not the picture paths */
        const char *semi = strchr(t.proof, ';');
        if (semi) t.proof[semi - t.proof] = '\0';
        cJSON_AddStringToObject(dl, "proof", t.proof);
        cJSON_AddBoolToObject(dl, "signature", semi && strstr(semi + 1, "signature") != NULL);
    } else {
        cJSON_AddNullToObject(o, "delivery");
    }
    if (has_t && t.failed) {
        cJSON *fl = cJSON_AddObjectToObject(o, "failure");
        cJSON_AddStringToObject(fl, "reason", t.failed_reason);
    } else {
        cJSON_AddNullToObject(o, "failure");
    }
    if (http_reply_header(r, "Cache-Control", "no-store") != LM_OK) {
        cJSON_Delete(o);
        return LM_NOMEM;
    }
    return http_reply_json(r, 200, o);
}
