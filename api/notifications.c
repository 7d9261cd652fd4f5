/* api/notifications.c: customer notifications (notify/): the message log for dispatchers, the
 * templates and settings for admins, and the customer's own channel choices under
 * /v1/track/{token}/notifications (public, rate-limited like tracking; an unknown token is 404).
 * Bodies are decoded by api/formats/notify_json.h; every change is one transaction, committed
 * before the answer. Templates and settings live in the database: they work whether or not this
 * server sends (a server without SMTP / SMS settings still keeps them and the log). */
#include "api/app.h"
#include "api/formats/notify_json.h"
#include "api/handlers.h"
#include "notify/notify.h"
#include "store/store_orders.h"

#include <string.h>

static lm_status reply(http_req *r, int status, cJSON *j) {
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, status, j);
}

/* ---- The log ---- */

lm_status api__notifications_list(http_req *r) {
    store_nt_filter f = {.limit = 100};
    const char *q;
    int64_t v;
    notify_kind k;
    notify_channel ch;
    static const char *const statuses[] = {"queued", "deferred", "retrying",
                                           "sent",   "failed",   "suppressed"};
    if ((q = http_query(r, "order_id")) && !lm_parse_i64(q, 1, INT64_MAX / 2, &f.order_id))
        return http_error(r, LM_INVALID, "order_id", "order_id must be a positive integer");
    if ((q = http_query(r, "limit"))) {
        if (!lm_parse_i64(q, 1, 500, &v))
            return http_error(r, LM_INVALID, "limit", "limit must be 1..500");
        f.limit = (size_t)v;
    }
    if ((q = http_query(r, "after")) && !lm_parse_i64(q, 0, INT64_MAX / 2, &f.after_id))
        return http_error(r, LM_INVALID, "after", "after must be a message id >= 0");
    if ((f.kind = http_query(r, "kind")) && !notify_kind_parse(f.kind, &k))
        return http_error(r, LM_INVALID, "kind", "unknown kind '%s'", f.kind);
    if ((f.channel = http_query(r, "channel")) && !notify_channel_parse(f.channel, &ch))
        return http_error(r, LM_INVALID, "channel", "channel must be email or sms");
    if ((f.status = http_query(r, "status"))) {
        bool ok = false;
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            ok |= !strcmp(f.status, statuses[i]);
        if (!ok)
            return http_error(r, LM_INVALID, "status",
                              "status must be queued, deferred, retrying, sent, failed or "
                              "suppressed");
    }
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    store_nt_message *rows = NULL;
    size_t n = 0;
    rc = store_nt_message_list(rd, &f, &rows, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "notifications");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, fmt_nt_message_json(&rows[i]));
    if (n == f.limit)
        cJSON_AddNumberToObject(o, "next_after", (double)rows[n - 1].id);
    else
        cJSON_AddNullToObject(o, "next_after");
    lm_free(rows);
    return reply(r, 200, o);
}

/* ---- Templates ---- */

lm_status api__templates_list(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "templates");
    cJSON_AddStringToObject(o, "placeholders", NOTIFY_PLACEHOLDERS);
    for (int k = 0; k < NOTIFY__KIND_COUNT && rc == LM_OK; k++)
        for (int c = 0; c < NOTIFY__CHANNEL_COUNT && rc == LM_OK; c++) {
            notify_template t;
            rc = notify_template_get(rd, (notify_kind)k, (notify_channel)c, &t, &r->err);
            if (rc == LM_OK) cJSON_AddItemToArray(a, fmt_nt_template_json(&t));
        }
    store_read_end(rd);
    if (rc != LM_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return reply(r, 200, o);
}

/* {kind}/{channel} of the path; 404 naming the segment when unknown. */
static lm_status path_template(http_req *r, notify_template *t) {
    memset(t, 0, sizeof *t);
    const char *k = http_param(r, "kind"), *c = http_param(r, "channel");
    if (!notify_kind_parse(k, &t->kind))
        return http_error(r, LM_NOT_FOUND, "kind", "unknown notification kind '%s'", k ? k : "");
    if (!notify_channel_parse(c, &t->channel))
        return http_error(r, LM_NOT_FOUND, "channel", "channel must be email or sms");
    return LM_OK;
}

lm_status api__templates_get(http_req *r) {
    notify_template t;
    lm_status rc = path_template(r, &t);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    rc = notify_template_get(rd, t.kind, t.channel, &t, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    return reply(r, 200, fmt_nt_template_json(&t));
}

lm_status api__templates_put_one(http_req *r) {
    notify_template t;
    lm_status rc = path_template(r, &t);
    if (rc != LM_OK) return rc;
    if ((rc = fmt_nt_template_from_json(r->json, &t, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    int64_t now = lm_now_ms();
    rc = api__tx_end(r, tx, notify_template_put(tx, &t, now, &r->err));
    if (rc != LM_OK) return rc;
    t.custom = true;
    t.updated_ms = now;
    return reply(r, 200, fmt_nt_template_json(&t));
}

lm_status api__templates_put(http_req *r) {
    notify_template *t = lm_calloc(FMT_NT_TEMPLATES_MAX, sizeof *t);
    if (!t) return http_error(r, LM_NOMEM, "", "out of memory");
    size_t n = 0;
    lm_status rc = fmt_nt_templates_from_json(r->json, t, &n, &r->err);
    store_tx *tx = NULL;
    if (rc == LM_OK) rc = api__tx_begin(r, &tx);
    if (rc != LM_OK) {
        lm_free(t);
        return rc;
    }
    int64_t now = lm_now_ms();
    for (size_t i = 0; i < n && rc == LM_OK; i++)
        rc = notify_template_put(tx, &t[i], now, &r->err);
    lm_free(t);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return api__templates_list(r);
}

/* ---- Settings ---- */

static lm_status settings_reply(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    notify_settings *s = lm_alloc(sizeof *s);
    if (!s) rc = http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = notify_settings_get(rd, s, &r->err);
    store_read_end(rd);
    cJSON *o = rc == LM_OK ? fmt_nt_settings_json(s) : NULL;
    lm_free(s);
    return rc == LM_OK ? reply(r, 200, o) : rc;
}

lm_status api__notify_config_get(http_req *r) {
    return settings_reply(r);
}

lm_status api__notify_config_put(http_req *r) {
    notify_settings *base = lm_alloc(sizeof *base), *s = lm_alloc(sizeof *s);
    store_tx *tx = NULL;
    lm_status rc = base && s ? LM_OK : http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = api__tx_begin(r, &tx);
    if (rc == LM_OK) {
        rc = notify_settings_get(store_tx_read(tx), base, &r->err);
        if (rc == LM_OK) rc = fmt_nt_settings_from_json(r->json, base, s, &r->err);
        if (rc == LM_OK) rc = notify_settings_put(tx, s, &r->err);
        rc = api__tx_end(r, tx, rc);
    }
    lm_free(base);
    lm_free(s);
    return rc == LM_OK ? settings_reply(r) : rc;
}

/* ---- The customer's choices ---- */

/* The rate limit, then the order behind {token}: 404 for an unknown token. */
static lm_status customer_order(http_req *r, int64_t *order_id) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    const char *token = http_param(r, "token");
    if (!token || strlen(token) != 32)
        return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    store_order o;
    memset(&o, 0, sizeof o);
    rc = store_order_get_by_token(rd, token, &o, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, LM_NOT_FOUND, "token", "unknown tracking link");
    if (rc != LM_OK) return rc;
    *order_id = o.id;
    store_order_clear(&o);
    return LM_OK;
}

static lm_status prefs_reply(http_req *r, int64_t order_id) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    notify_prefs p;
    rc = notify_prefs_get(rd, order_id, &p, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    if (http_reply_header(r, "Cache-Control", "no-store") != LM_OK) return LM_NOMEM;
    return reply(r, 200, fmt_nt_prefs_json(&p));
}

lm_status api__track_notifications_get(http_req *r) {
    int64_t order = 0;
    lm_status rc = customer_order(r, &order);
    if (rc != LM_OK || order == 0) return rc;
    return prefs_reply(r, order);
}

lm_status api__track_notifications_put(http_req *r) {
    int64_t order = 0;
    lm_status rc = customer_order(r, &order);
    if (rc != LM_OK || order == 0) return rc;
    notify_prefs_change c;
    if ((rc = fmt_nt_prefs_from_json(r->json, &c, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    if ((rc = api__tx_end(r, tx, notify_prefs_put(tx, order, &c, lm_now_ms(), &r->err))) != LM_OK)
        return rc;
    return prefs_reply(r, order);
}
