/* api/selfservice.c: what a customer can do with their tracking link: choose another delivery
 * window among those the planner has room for (GET/POST /v1/track/{token}/reschedule), leave
 * delivery instructions and a safe place the driver sees (GET/PUT .../instructions), and cancel
 * before the van leaves (POST .../cancel). Public, under the tracking rate limit. */
#include "api/app.h"
#include "api/formats/recovery_json.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"
#include "orders/recovery.h"
#include "store/store_pd.h"
#include "store/store_recovery.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SLOT_DAYS     3 /* days ahead a customer may choose from, tomorrow first */
#define SLOTS_PER_DAY 5
#define SLOT_LEN_S    7200
#define SLOT_EARLIEST (8 * 3600) /* no delivery slot offered before 08:00 */
#define SLOTS_MAX     (SLOT_DAYS * SLOTS_PER_DAY)

/* ---- The customer's order ---- */

/* The rate limit, then the order of {token} into *ord (cleared by the caller). */
static lm_status customer_order(http_req *r, store_order *ord) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    rc = api__track_order(r, rd, ord);
    store_read_end(rd);
    return rc;
}

static lm_status reply_private(http_req *r, cJSON *j) {
    if (http_reply_header(r, "Cache-Control", "no-store") != LM_OK) {
        cJSON_Delete(j);
        return LM_NOMEM;
    }
    return http_reply_json(r, 200, j);
}

/* ---- Reschedule ---- */

/* Whether ord's window may change now, and why not (*why, a sentence) otherwise. A failed
 * delivery whose policy lets the customer choose goes through recovery (*via_recovery). */
static bool may_reschedule(store_read *rd, const store_order *ord, bool *via_recovery,
                           const char **why) {
    *via_recovery = false;
    if (!strcmp(ord->status, "failed")) {
        orders_recovery rec;
        lm_errinfo e;
        if (orders_recovery_get(rd, ord->id, &rec, &e) == LM_OK &&
            !strcmp(rec.action, "reschedule") && !strcmp(rec.mode, "customer") &&
            (!strcmp(rec.state, "awaiting_checkin") || !strcmp(rec.state, "awaiting_customer"))) {
            *via_recovery = true;
            return true;
        }
        *why = "the next attempt is already arranged";
        return false;
    }
    store_pickup pk;
    lm_errinfo pe;
    if (store_pickup_get(rd, ord->id, &pk, &pe) == LM_OK && !pk.collected_ms) {
        /* the room check plans a delivery from the depot, not a collection before it */
        *why = "a collect-and-deliver order: ask us to move both windows";
        return false;
    }
    if (!strcmp(ord->status, "allocated") || !strcmp(ord->status, "picking") ||
        !strcmp(ord->status, "ready"))
        return true;
    if (!strcmp(ord->status, "planned"))
        *why = "the delivery is already on a driver's route for its window";
    else if (!strcmp(ord->status, "out_for_delivery"))
        *why = "the van has left with the parcel";
    else if (!strcmp(ord->status, "received") || !strcmp(ord->status, "held") ||
             !strcmp(ord->status, "backordered"))
        *why = "the order is not confirmed from stock yet";
    else
        *why = "the order is closed";
    return false;
}

/* The candidate windows: 2-hour slots within the depot's opening hours (none before 08:00) on
 * the next SLOT_DAYS local days after the one that starts at today_s (the planner's clock: the
 * hours are local, so UTC days would put them at night for a server far from UTC). */
static size_t candidates(store_read *rd, const store_order *ord, int64_t today_s,
                         dispatch_slot *out) {
    store_depot dep;
    lm_errinfo e;
    if (store_depot_get(rd, ord->depot_id, &dep, &e) != LM_OK) return 0;
    size_t n = 0;
    for (int64_t k = 1; k <= SLOT_DAYS; k++) {
        int64_t day = today_s + k * 86400;
        int64_t from = dep.open_s > SLOT_EARLIEST ? dep.open_s : SLOT_EARLIEST;
        for (size_t j = 0; j < SLOTS_PER_DAY && from + SLOT_LEN_S <= dep.close_s + 1;
             j++, from += SLOT_LEN_S)
            out[n++] = (dispatch_slot){day + from, day + from + SLOT_LEN_S, false};
    }
    return n;
}

static cJSON *window_json(int64_t a, int64_t b) {
    char x[FMT_TIME_RFC3339_LEN], y[FMT_TIME_RFC3339_LEN];
    fmt_time_format_rfc3339(a, x);
    fmt_time_format_rfc3339(b, y);
    cJSON *w = cJSON_CreateObject();
    cJSON_AddStringToObject(w, "from", x);
    cJSON_AddStringToObject(w, "to", y);
    return w;
}

/* The offer for ord: may it change, why not, and the candidates with room (checked here). */
static lm_status offer(http_req *r, const store_order *ord, bool *may, bool *via_recovery,
                       const char **why, dispatch_slot *slots, size_t *n) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    *why = NULL;
    *may = may_reschedule(rd, ord, via_recovery, why);
    dispatch *d = *may ? api__need_dispatch(r, "the planner") : NULL;
    *n = d ? candidates(rd, ord, dispatch_day_start(d, lm_now_ms() / 1000), slots) : 0;
    store_read_end(rd);
    if (*may && !d) return LM_UNAVAILABLE;
    if (!*n) return LM_OK;
    return dispatch_slots_check(d, ord->id, slots, *n, &r->err);
}

lm_status api__track_reschedule_get(http_req *r) {
    store_order ord = {0};
    lm_status rc = customer_order(r, &ord);
    bool may = false, via = false;
    const char *why = NULL;
    dispatch_slot slots[SLOTS_MAX];
    size_t n = 0;
    if (rc == LM_OK) rc = offer(r, &ord, &may, &via, &why, slots, &n);
    if (rc != LM_OK) {
        store_order_clear(&ord);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "can_reschedule", may);
    if (why)
        cJSON_AddStringToObject(o, "why_not", why);
    else
        cJSON_AddNullToObject(o, "why_not");
    cJSON *cur = cJSON_AddArrayToObject(o, "time_windows");
    for (size_t i = 0; i < ord.n_windows; i++)
        cJSON_AddItemToArray(cur, window_json(ord.windows[i].start_s, ord.windows[i].end_s));
    cJSON *arr = cJSON_AddArrayToObject(o, "offered");
    for (size_t i = 0; i < n; i++)
        if (slots[i].room) cJSON_AddItemToArray(arr, window_json(slots[i].start_s, slots[i].end_s));
    store_order_clear(&ord);
    return reply_private(r, o);
}

/* Moves a confirmed order (not yet on a route) to window w, with an order.rescheduled event. */
static lm_status window_change(store_tx *tx, const store_order *ord, store_window w,
                               lm_errinfo *err) {
    lm_status rc = store_order_windows_set(tx, ord->id, &w, 1, err);
    if (rc != LM_OK) return rc;
    char id[24], body[200];
    snprintf(id, sizeof id, "%" PRId64, ord->id);
    snprintf(body, sizeof body,
             "{\"order_id\":%" PRId64 ",\"by\":\"customer\",\"start_s\":%" PRId64
             ",\"end_s\":%" PRId64 "}",
             ord->id, w.start_s, w.end_s);
    return store_event_append(tx, "order.rescheduled", "order", id, body);
}

static lm_status handle_reschedule(http_req *r, orders_svc *o) {
    store_window w;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_window_from_json(r->json, &w, &r->err);
    if (rc != LM_OK) return rc;
    store_order ord = {0};
    bool may = false, via = false;
    const char *why = NULL;
    dispatch_slot slots[SLOTS_MAX];
    size_t n = 0;
    if ((rc = customer_order(r, &ord)) == LM_OK) rc = offer(r, &ord, &may, &via, &why, slots, &n);
    int hit = -1;
    for (size_t i = 0; rc == LM_OK && i < n; i++)
        if (slots[i].start_s == w.start_s && slots[i].end_s == w.end_s) hit = (int)i;
    if (rc == LM_OK && !may)
        rc = http_error(r, LM_CONFLICT, "status", "the window cannot change: %s", why);
    else if (rc == LM_OK && hit < 0)
        rc = http_error(r, LM_INVALID, "from",
                        "not one of the offered windows (GET this route for them)");
    else if (rc == LM_OK && !slots[hit].room)
        rc = http_error(r, LM_CONFLICT, "from", "no room left in that window; choose another");
    store_tx *tx = NULL;
    if (rc == LM_OK) rc = api__tx_begin(r, &tx);
    if (rc == LM_OK) {
        lm_status step =
            via ? orders_recovery_choose_tx(o, tx, ord.id, w, lm_now_ms(), NULL, &r->err)
                : window_change(tx, &ord, w, &r->err);
        rc = api__tx_end(r, tx, step);
    }
    int64_t id = ord.id;
    store_order_clear(&ord);
    if (rc != LM_OK) return rc;
    return api__recovery_order_reply(r, id);
}

lm_status api__track_reschedule(http_req *r) {
    return api__with_orders(r, handle_reschedule);
}

/* ---- Delivery instructions ---- */

static cJSON *instructions_json(const store_instructions *in) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "instructions", in->instructions);
    cJSON_AddStringToObject(o, "safe_place", in->safe_place);
    if (in->updated_ms) {
        char t[FMT_TIME_RFC3339_LEN];
        fmt_time_format_rfc3339(in->updated_ms / 1000, t);
        cJSON_AddStringToObject(o, "updated_at", t);
    } else {
        cJSON_AddNullToObject(o, "updated_at");
    }
    return o;
}

lm_status api__track_instructions_get(http_req *r) {
    store_order ord = {0};
    lm_status rc = customer_order(r, &ord);
    store_read *rd = NULL;
    if (rc == LM_OK) rc = api__read_begin(r, &rd);
    store_instructions in;
    if (rc == LM_OK) {
        api__instructions_read(rd, ord.id, &in);
        store_read_end(rd);
    }
    store_order_clear(&ord);
    if (rc != LM_OK) return rc;
    return reply_private(r, instructions_json(&in));
}

lm_status api__track_instructions_put(http_req *r) {
    store_instructions given;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = fmt_instructions_from_json(r->json, &given, &r->err);
    if (rc != LM_OK) return rc;
    store_order ord = {0};
    if ((rc = customer_order(r, &ord)) != LM_OK) return rc;
    if (!strcmp(ord.status, "delivered") || !strcmp(ord.status, "cancelled")) {
        rc = http_error(r, LM_CONFLICT, "status", "the order is %s: nothing to instruct",
                        ord.status);
        store_order_clear(&ord);
        return rc;
    }
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) {
        store_order_clear(&ord);
        return rc;
    }
    store_instructions in;
    api__instructions_read(store_tx_read(tx), ord.id, &in);
    /* members given replace, those left out stay */
    if (fmt_json_get(r->json, "instructions"))
        lm_strlcpy(in.instructions, given.instructions, sizeof in.instructions);
    if (fmt_json_get(r->json, "safe_place"))
        lm_strlcpy(in.safe_place, given.safe_place, sizeof in.safe_place);
    in.updated_ms = lm_now_ms();
    char id[24], body[80];
    snprintf(id, sizeof id, "%" PRId64, ord.id);
    /* the text itself stays out of the event log: it is the customer's, read through the API */
    snprintf(body, sizeof body, "{\"order_id\":%" PRId64 "}", ord.id);
    rc = store_instructions_put(tx, &in, &r->err);
    if (rc == LM_OK) rc = store_event_append(tx, "order.instructions", "order", id, body);
    store_order_clear(&ord);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_private(r, instructions_json(&in));
}

/* ---- The customer's proof files ---- */

lm_status api__track_proof_get(http_req *r) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    store_order ord = {0};
    if ((rc = api__track_order(r, rd, &ord)) == LM_OK) rc = api__proof_send(r, rd, ord.id);
    store_order_clear(&ord);
    store_read_end(rd);
    return rc;
}

/* ---- Cancel before the van leaves ---- */

static lm_status handle_cancel(http_req *r, orders_svc *o) {
    lm_status rc = api__no_body(r);
    if (rc != LM_OK) return rc;
    store_order ord = {0};
    if ((rc = customer_order(r, &ord)) != LM_OK) return rc;
    int64_t id = ord.id;
    bool gone = !strcmp(ord.status, "out_for_delivery");
    store_order_clear(&ord);
    if (gone)
        return http_error(r, LM_CONFLICT, "status",
                          "the van has left with the parcel: it can no longer be cancelled");
    orders_order out = {0};
    /* the lifecycle decides (409 naming the state) and releases the stock reserved for it */
    rc = orders_order_cancel(o, id, &out, &r->err);
    orders_order_clear(&out);
    if (rc != LM_OK) return rc;
    return api__recovery_order_reply(r, id);
}

lm_status api__track_cancel(http_req *r) {
    return api__with_orders(r, handle_cancel);
}
