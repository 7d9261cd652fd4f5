/* api/recovery.c: failed-delivery recovery over HTTP: the policy (GET/PUT /v1/config/recovery),
 * the parcel's check-in at the depot (POST /v1/orders/{id}/checkin), proof-of-delivery files
 * (GET /v1/proofs/{id} for staff, GET /v1/track/{token}/proofs/{id} for the customer), and the
 * attempts, recovery state and proof list shown with an order and on the tracking page. */
#include "api/app.h"
#include "api/formats/driver_json.h"
#include "api/formats/recovery_json.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/recovery.h"
#include "orders/split.h"
#include "store/store_dispatch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- After a failed stop (called by api/driver.c in the stop's transaction) ---- */

lm_status api__recovery_after_failed(http_req *r, store_tx *tx, int64_t stop_id,
                                     const char *reason) {
    store_stop st;
    lm_status rc = store_stop_get(store_tx_read(tx), stop_id, &st, &r->err);
    if (rc != LM_OK) return rc;
    if (st.kind != DISPATCH_STOP_DELIVERY) return LM_OK; /* a pickup is re-planned by dispatch */
    orders_recovery rec;
    memset(&rec, 0, sizeof rec);
    rc = orders_recovery_on_failure_tx(tx, st.order_id, reason, lm_now_ms(), &rec, &r->err);
    /* the policy asked for an after-sales case: the returns module opens it (recovery_case.c) */
    if (rc == LM_OK) rc = api__recovery_case_tx(r, tx, st.order_id, reason, &rec);
    return rc;
}

/* ---- What an order shows ---- */

static void add_time(cJSON *o, const char *key, int64_t epoch_s) {
    char t[FMT_TIME_RFC3339_LEN];
    fmt_time_format_rfc3339(epoch_s, t);
    cJSON_AddStringToObject(o, key, t);
}

static cJSON *recovery_json(const orders_recovery *rec) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "reason", rec->last_reason);
    cJSON_AddStringToObject(o, "action", rec->action);
    if (rec->mode[0])
        cJSON_AddStringToObject(o, "reschedule", rec->mode);
    else
        cJSON_AddNullToObject(o, "reschedule");
    cJSON_AddStringToObject(o, "state", rec->state);
    if (rec->next_start_s) {
        cJSON *w = cJSON_AddObjectToObject(o, "next_window");
        add_time(w, "from", rec->next_start_s);
        add_time(w, "to", rec->next_end_s);
    } else {
        cJSON_AddNullToObject(o, "next_window");
    }
    if (rec->checked_in_ms)
        add_time(o, "checked_in_at", rec->checked_in_ms / 1000);
    else
        cJSON_AddNullToObject(o, "checked_in_at");
    bool choose =
        !strcmp(rec->action, "reschedule") && !strcmp(rec->mode, "customer") &&
        (!strcmp(rec->state, "awaiting_checkin") || !strcmp(rec->state, "awaiting_customer"));
    cJSON_AddBoolToObject(o, "customer_may_choose", choose);
    return o;
}

/* Proof files named in a stop's proof text ("...; signature proofs/<id>.png; photo ..."). */
static void proofs_of_stop(cJSON *arr, const store_stop *st, const char *token) {
    const char *p = st->proof;
    size_t guard = 0;
    while ((p = strstr(p, "proofs/")) != NULL && guard++ < 8) {
        p += 7;
        size_t n = strcspn(p, ".; ");
        if (n == 0 || n >= 64) continue;
        char id[64], url[160];
        memcpy(id, p, n);
        id[n] = '\0';
        bool png = !strncmp(p + n, ".png", 4);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddStringToObject(o, "kind", strstr(id, "-signature-") ? "signature" : "photo");
        cJSON_AddStringToObject(o, "content_type", png ? "image/png" : "image/jpeg");
        if (token)
            snprintf(url, sizeof url, "/v1/track/%s/proofs/%s", token, id);
        else
            snprintf(url, sizeof url, "/v1/proofs/%s", id);
        cJSON_AddStringToObject(o, "url", url);
        cJSON_AddItemToArray(arr, o);
    }
}

/* ---- The customer's delivery instructions (set by api/selfservice.c) ---- */

void api__instructions_read(store_read *rd, int64_t order_id, store_instructions *out) {
    lm_errinfo e;
    if (store_instructions_get(rd, order_id, out, &e) != LM_OK) {
        memset(out, 0, sizeof *out);
        out->order_id = order_id;
    }
}

void api__instructions_into(cJSON *o, store_read *rd, int64_t order_id) {
    store_instructions in;
    api__instructions_read(rd, order_id, &in);
    cJSON_AddStringToObject(o, "customer_instructions", in.instructions);
    cJSON_AddStringToObject(o, "safe_place", in.safe_place);
}

lm_status api__recovery_into(cJSON *o, store_read *rd, int64_t order_id, const char *token) {
    orders_recovery rec;
    lm_errinfo e;
    lm_status rc = orders_recovery_get(rd, order_id, &rec, &e);
    if (rc != LM_OK && rc != LM_NOT_FOUND) return rc;
    bool has = rc == LM_OK;
    api__instructions_into(o, rd, order_id);
    cJSON_AddNumberToObject(o, "attempts", has ? (double)rec.attempts : 0);
    if (has) {
        cJSON *rj = recovery_json(&rec);
        if (!token && !strcmp(rec.action, "case")) api__recovery_case_into(rj, rd, order_id);
        cJSON_AddItemToObject(o, "recovery", rj);
    } else
        cJSON_AddNullToObject(o, "recovery");
    int64_t parts[8];
    size_t np = 0;
    if ((rc = store_split_children(rd, order_id, parts, 8, &np, &e)) != LM_OK) return rc;
    cJSON *split = cJSON_AddArrayToObject(o, "split_into");
    for (size_t i = 0; i < np && i < 8; i++)
        cJSON_AddItemToArray(split, cJSON_CreateNumber((double)parts[i]));
    store_stop *stops = NULL;
    size_t n = 0;
    store_stop_filter f = {.order_id = order_id};
    if ((rc = store_stop_query(rd, &f, &stops, &n, &e)) != LM_OK) return rc;
    cJSON *arr = cJSON_AddArrayToObject(o, "proofs");
    for (size_t i = 0; i < n; i++)
        if (stops[i].kind == DISPATCH_STOP_DELIVERY && stops[i].status == DISPATCH_STOP_DONE)
            proofs_of_stop(arr, &stops[i], token);
    lm_free(stops);
    return LM_OK;
}

/* ---- Proof files ---- */

/* A proof id as api__proof_save names the files: "stop<id>-<signature|photo>-<16 hex>". */
static bool proof_id_parse(const char *id, int64_t *stop_id) {
    if (!id || strncmp(id, "stop", 4)) return false;
    const char *p = id + 4;
    int64_t v = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 18) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    if (!digits || v < 1) return false;
    if (!strncmp(p, "-signature-", 11))
        p += 11;
    else if (!strncmp(p, "-photo-", 7))
        p += 7;
    else
        return false;
    for (size_t i = 0; i < 16; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    if (p[16]) return false;
    *stop_id = v;
    return true;
}

/* Reads <data_dir>/proofs/<id>.<ext> (regular file, no symlink, at most the upload limit) and
 * answers it with its type, after checking the bytes are the image the name says. */
static lm_status proof_reply(http_req *r, const char *id, const char *ext) {
    char path[800];
    snprintf(path, sizeof path, "%s/proofs/%s.%s", api_app_of(r)->data_dir, id, ext);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return http_error(r, errno == ENOENT ? LM_NOT_FOUND : LM_IO, "id",
                          "the proof file is not on this server");
    struct stat sb;
    unsigned char *buf = NULL;
    lm_status rc = LM_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = http_error(r, LM_IO, "id", "the proof is not a regular file");
    else if ((size_t)sb.st_size > FMT_PROOF_MAX_BYTES || sb.st_size < 1)
        rc = http_error(r, LM_IO, "id", "the proof file is outside the %zu-byte limit",
                        FMT_PROOF_MAX_BYTES);
    else if (!(buf = lm_alloc((size_t)sb.st_size)))
        rc = http_error(r, LM_NOMEM, "", "out of memory");
    size_t got = 0;
    while (rc == LM_OK && got < (size_t)sb.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)sb.st_size - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (rc == LM_OK && (got != (size_t)sb.st_size || !fmt_image_ok(buf, got, ext)))
        rc = http_error(r, LM_IO, "id", "the proof file is damaged");
    const char *type = !strcmp(ext, "png") ? "image/png" : "image/jpeg";
    if (rc == LM_OK &&
        ((rc = http_reply_header(r, "Cache-Control", "private, no-store")) != LM_OK ||
         (rc = http_reply_header(r, "X-Content-Type-Options", "nosniff")) != LM_OK))
        rc = http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = http_reply_text(r, 200, type, (const char *)buf, got);
    lm_free(buf);
    return rc;
}

lm_status api__proof_send(http_req *r, store_read *rd, int64_t order_id) {
    const char *id = http_param(r, "id");
    int64_t stop_id = 0;
    if (!proof_id_parse(id, &stop_id))
        return http_error(r, LM_NOT_FOUND, "id",
                          "no such proof (ids look like stop12-signature-0123456789abcdef)");
    store_stop st;
    lm_errinfo e;
    lm_status rc = store_stop_get(rd, stop_id, &st, &e);
    if (rc != LM_OK && rc != LM_NOT_FOUND)
        return http_error(r, rc, "", "the stop could not be read");
    char needle[96];
    snprintf(needle, sizeof needle, "proofs/%s.", id);
    const char *at = rc == LM_OK ? strstr(st.proof, needle) : NULL;
    if (!at || (order_id > 0 && st.order_id != order_id))
        return http_error(r, LM_NOT_FOUND, "id", "no such proof");
    const char *ext = at + strlen(needle);
    if (strncmp(ext, "png", 3) && strncmp(ext, "jpg", 3))
        return http_error(r, LM_NOT_FOUND, "id", "no such proof");
    char e3[4] = {ext[0], ext[1], ext[2], '\0'};
    return proof_reply(r, id, e3);
}

lm_status api__proofs_get(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    rc = api__proof_send(r, rd, 0);
    store_read_end(rd);
    return rc;
}

/* ---- Policy ---- */

static lm_status policy_reply(http_req *r, int status, const orders_recovery_policy *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", (double)p->version);
    cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
    cJSON_AddStringToObject(o, "actor", p->actor);
    cJSON *arr = cJSON_AddArrayToObject(o, "rules");
    for (size_t i = 0; i < p->n_rules; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "reason", p->rules[i].reason);
        cJSON_AddStringToObject(j, "action", p->rules[i].action);
        if (p->rules[i].reschedule[0])
            cJSON_AddStringToObject(j, "reschedule", p->rules[i].reschedule);
        else
            cJSON_AddNullToObject(j, "reschedule");
        cJSON_AddNumberToObject(j, "max_attempts", (double)p->rules[i].max_attempts);
        cJSON_AddItemToArray(arr, j);
    }
    return http_reply_json(r, status, o);
}

lm_status api__recovery_policy_get(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    orders_recovery_policy p;
    rc = orders_recovery_policy_get(rd, &p, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    return policy_reply(r, 200, &p);
}

lm_status api__recovery_policy_put(http_req *r) {
    orders_recovery_policy p;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_recovery_policy_from_json(r->json, &p, &r->err);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = orders_recovery_policy_put_tx(tx, &p, r->key_id, lm_now_ms(), &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    return policy_reply(r, 200, &p);
}

/* ---- Check-in at the depot ---- */

/* Replies with the order's id, status, attempts and recovery (read after the commit). */
lm_status api__recovery_order_reply(http_req *r, int64_t order_id) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    store_order ord = {0};
    rc = store_order_get(rd, order_id, &ord, &r->err);
    cJSON *o = cJSON_CreateObject();
    if (rc == LM_OK) {
        cJSON_AddNumberToObject(o, "id", (double)ord.id);
        cJSON_AddStringToObject(o, "status", ord.status);
        rc = api__recovery_into(o, rd, order_id, NULL);
    }
    store_order_clear(&ord);
    store_read_end(rd);
    if (rc != LM_OK) {
        cJSON_Delete(o);
        return http_error(r, rc, "", "the order could not be read");
    }
    return http_reply_json(r, 200, o);
}

static lm_status handle_checkin(http_req *r, orders_svc *o) {
    int64_t id = 0;
    lm_status rc = api__no_body(r);
    if (rc == LM_OK) rc = api__path_id(r, &id);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = orders_recovery_checkin_tx(o, tx, id, lm_now_ms(), NULL, &r->err)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    return api__recovery_order_reply(r, id);
}

lm_status api__orders_checkin(http_req *r) {
    return api__with_orders(r, handle_checkin);
}

/* ---- Split-shipment policy ---- */

static lm_status split_reply(http_req *r, const orders_split_policy *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "mode", p->mode);
    cJSON_AddNumberToObject(o, "max_parts", (double)p->max_parts);
    cJSON_AddNumberToObject(o, "version", (double)p->version);
    cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
    cJSON_AddStringToObject(o, "actor", p->actor);
    return http_reply_json(r, 200, o);
}

lm_status api__split_policy_get(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    orders_split_policy p;
    rc = orders_split_policy_get(rd, &p, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    return split_reply(r, &p);
}

lm_status api__split_policy_put(http_req *r) {
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    orders_split_policy p;
    rc = orders_split_policy_get(store_tx_read(tx), &p, &r->err);
    if (rc == LM_OK) rc = fmt_split_policy_from_json(r->json, &p, &r->err);
    if (rc == LM_OK) rc = orders_split_policy_put_tx(tx, &p, r->key_id, lm_now_ms(), &r->err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    return split_reply(r, &p);
}
