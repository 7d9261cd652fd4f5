/* notify/feed.c: the event log -> the outbox. Each batch of events becomes messages in the
 * transaction that moves the cursor past them, so a crash or restart neither loses nor repeats
 * one (and each message's dedupe key makes a second reading harmless anyway). A message is
 * rendered when it is written: the log shows exactly what the customer got. */
#include "dispatch/dispatch.h"
#include "feedback/feedback.h"
#include "notify/internal.h"
#include "orders/orders.h"
#include "store/store_dispatch.h"
#include "store/store_returns.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_BATCH  200
#define BATCHES_MAX 50 /* per tick: a backlog is worked off over several ticks */

/* What one event asks for: a message of kind about an order, unique per occasion. */
typedef struct occasion {
    notify_kind kind;
    int64_t order_id;
    char key[32];    /* "" = once per order and kind */
    char reason[64]; /* failed deliveries: the driver's reason, in words */
} occasion;

/* ---- Text of the values ---- */

static void local_clock(const notify_settings *set, store_read *r, const char *depot, int64_t utc_s,
                        int64_t *local_s) {
    store_nt_quiet q;
    feedback_tz tz;
    if (notify__quiet_for(set, depot, &q) && feedback_tz_parse(q.tz, "tz", &tz, NULL) == LM_OK) {
        *local_s = utc_s + feedback_tz_offset(&tz, utc_s);
        return;
    }
    int64_t off = 0;
    bool found = false;
    if (store_meta_get(r, "utc_offset_s", &off, &found) != LM_OK || !found) off = 0;
    *local_s = utc_s + off;
}

/* "between 10:15 and 10:45 on Tue 17 Mar" in the depot's local time. */
static void window_text(const notify_settings *set, store_read *r, const char *depot, int64_t a_s,
                        int64_t b_s, char *out, size_t cap) {
    int64_t la, lb;
    local_clock(set, r, depot, a_s, &la);
    local_clock(set, r, depot, b_s, &lb);
    time_t ta = (time_t)la, tb = (time_t)lb;
    struct tm ma, mb;
    gmtime_r(&ta, &ma);
    gmtime_r(&tb, &mb);
    char day[32];
    strftime(day, sizeof day, "%a %d %b", &ma);
    snprintf(out, cap, "between %02d:%02d and %02d:%02d on %s", ma.tm_hour, ma.tm_min, mb.tm_hour,
             mb.tm_min, day);
}

static void eta_text(const notify_settings *set, store_read *r, const store_order *o, char *out,
                     size_t cap) {
    dispatch_tracking t;
    memset(&t, 0, sizeof t);
    if (dispatch_tracking_get(r, o->id, &t, NULL) == LM_OK && t.on_route && !t.delivered &&
        !t.failed && t.eta_s > 0) {
        window_text(set, r, o->depot_id, t.eta_from_s ? t.eta_from_s : t.eta_s,
                    t.eta_to_s ? t.eta_to_s : t.eta_s, out, cap);
    } else if (o->n_windows > 0) {
        window_text(set, r, o->depot_id, o->windows[0].start_s, o->windows[0].end_s, out, cap);
    } else {
        lm_strlcpy(out, "as soon as it is scheduled", cap);
    }
}

/* ---- Writing the messages of one occasion ---- */

static lm_status one_message(notify *n, store_tx *tx, const notify_settings *set,
                             const store_event *ev, const occasion *oc, const store_order *o,
                             notify_channel ch, const notify_vars *v, int64_t now_ms,
                             notify_tick_result *res, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    store_nt_message *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    if (ch == NOTIFY_EMAIL)
        orders_email_normalize(o->customer_email, m->address, sizeof m->address);
    else
        orders_phone_normalize(o->customer_phone, m->address, sizeof m->address);
    notify_template t;
    bool out = false;
    lm_status rc = LM_OK;
    if (!m->address[0]) goto done; /* no address on this channel: nothing to write */
    if ((rc = notify_template_get(r, oc->kind, ch, &t, err)) != LM_OK ||
        (rc = store_nt_optout_has(r, notify_channel_name(ch), m->address, &out, err)) != LM_OK)
        goto done;
    if (notify_render(t.subject, v, true, m->subject, sizeof m->subject) != LM_OK ||
        notify_render(t.body, v, false, m->body, sizeof m->body) != LM_OK) {
        rc = lm_errinfo_set(err, LM_TOO_BIG, "body", "a rendered message is too long");
        goto done;
    }
    m->order_id = o->id;
    lm_strlcpy(m->kind, notify_kind_name(oc->kind), sizeof m->kind);
    lm_strlcpy(m->channel, notify_channel_name(ch), sizeof m->channel);
    store_nt_quiet q;
    int64_t release =
        notify__quiet_for(set, o->depot_id, &q) ? notify_quiet_release(&q, now_ms) : now_ms;
    lm_strlcpy(m->status,
               out                ? "suppressed"
               : release > now_ms ? "deferred"
                                  : "queued",
               sizeof m->status);
    m->due_ms = release;
    m->created_ms = now_ms;
    m->event_seq = ev->seq;
    if (out)
        lm_strlcpy(m->last_error, "the customer opted out of this channel", sizeof m->last_error);
    snprintf(m->dedupe, sizeof m->dedupe, "%s:%s:%" PRId64 ":%s", m->kind, m->channel, o->id,
             oc->key);
    int64_t id = 0;
    if ((rc = store_nt_message_add(tx, m, &id, err)) != LM_OK || id == 0) goto done;
    if (out)
        res->suppressed++;
    else
        res->queued++;
done:
    lm_free(m);
    return rc;
}

static lm_status write_occasion(notify *n, store_tx *tx, const notify_settings *set,
                                const store_event *ev, const occasion *oc, int64_t now_ms,
                                notify_tick_result *res, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    store_order o;
    memset(&o, 0, sizeof o);
    lm_status rc = store_order_get(r, oc->order_id, &o, err);
    if (rc == LM_NOT_FOUND) return LM_OK; /* pruned since: nobody to tell */
    if (rc != LM_OK) return rc;
    char ref[STORE_REF_MAX + 24], link[600], eta[96];
    if (o.external_ref[0])
        lm_strlcpy(ref, o.external_ref, sizeof ref);
    else
        snprintf(ref, sizeof ref, "#%" PRId64, o.id);
    snprintf(link, sizeof link, "%s%s", n->track_url, o.tracking_token);
    eta_text(set, r, &o, eta, sizeof eta);
    notify_vars v = {o.customer_name, ref, eta, link, oc->reason};
    /* a channel this server does not send on writes nothing (rather than a failure per event) */
    const bool on[NOTIFY__CHANNEL_COUNT] = {[NOTIFY_EMAIL] = n->smtp.on, [NOTIFY_SMS] = n->sms.on};
    for (int ch = 0; ch < NOTIFY__CHANNEL_COUNT && rc == LM_OK; ch++)
        if (on[ch])
            rc = one_message(n, tx, set, ev, oc, &o, (notify_channel)ch, &v, now_ms, res, err);
    store_order_clear(&o);
    return rc;
}

/* ---- From events to occasions ---- */

static void occasion_init(occasion *oc, notify_kind kind, int64_t order_id, int64_t key) {
    memset(oc, 0, sizeof *oc);
    oc->kind = kind;
    oc->order_id = order_id;
    if (key) snprintf(oc->key, sizeof oc->key, "%" PRId64, key);
}

/* The vehicle's next pending stop, when it is a delivery, hears that it is next. */
static lm_status next_stop(notify *n, store_tx *tx, const notify_settings *set,
                           const store_event *ev, const char *vehicle, int64_t now_ms,
                           notify_tick_result *res, lm_errinfo *err) {
    store_stop_filter f = {.vehicle_id = vehicle, .live_only = true, .pending_only = true};
    store_stop *s = NULL;
    size_t k = 0;
    lm_status rc = store_stop_query(store_tx_read(tx), &f, &s, &k, err);
    if (rc != LM_OK) return rc;
    const store_stop *first = NULL;
    for (size_t i = 0; i < k; i++)
        if (!first || s[i].seq < first->seq) first = &s[i];
    if (first && first->kind == DISPATCH_STOP_DELIVERY && first->status == DISPATCH_STOP_PLANNED) {
        occasion oc;
        occasion_init(&oc, NOTIFY_NEXT_STOP, first->order_id, first->id);
        rc = write_occasion(n, tx, set, ev, &oc, now_ms, res, err);
    }
    lm_free(s);
    return rc;
}

/* An ETA that moved by the threshold or more since the one last told is told. */
static lm_status eta_moved(notify *n, store_tx *tx, const notify_settings *set,
                           const store_event *ev, const store_stop *s, int64_t now_ms,
                           notify_tick_result *res, lm_errinfo *err) {
    if (s->kind != DISPATCH_STOP_DELIVERY || s->status != DISPATCH_STOP_PLANNED || s->eta_s <= 0)
        return LM_OK;
    int64_t told = 0;
    bool found = false;
    lm_status rc = store_nt_eta_get(store_tx_read(tx), s->order_id, &told, &found, err);
    if (rc != LM_OK) return rc;
    if (!found) return store_nt_eta_put(tx, s->order_id, s->eta_s, err); /* the first estimate */
    if (llabs(s->eta_s - told) < set->eta_threshold_s) return LM_OK;
    occasion oc;
    occasion_init(&oc, NOTIFY_ETA_CHANGED, s->order_id, s->eta_s);
    if ((rc = write_occasion(n, tx, set, ev, &oc, now_ms, res, err)) != LM_OK) return rc;
    return store_nt_eta_put(tx, s->order_id, s->eta_s, err);
}

static const char *reason_words(const char *reason) {
    static const char *const map[][2] = {{"not_home", "nobody was home"},
                                         {"refused", "the parcel was refused"},
                                         {"address_not_found", "the address could not be found"},
                                         {"damaged", "the parcel was damaged"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(reason, map[i][0])) return map[i][1];
    return "the driver could not complete it";
}

static lm_status stop_event(notify *n, store_tx *tx, const notify_settings *set,
                            const store_event *ev, int64_t stop_id, int64_t now_ms,
                            notify_tick_result *res, lm_errinfo *err) {
    store_stop s;
    lm_status rc = store_stop_get(store_tx_read(tx), stop_id, &s, err);
    if (rc == LM_NOT_FOUND) return LM_OK;
    if (rc != LM_OK) return rc;
    if (!strcmp(ev->type, "stop.eta_changed"))
        return eta_moved(n, tx, set, ev, &s, now_ms, res, err);
    if (s.kind == DISPATCH_STOP_DELIVERY) {
        bool delivered = !strcmp(ev->type, "stop.delivered");
        occasion oc;
        occasion_init(&oc, delivered ? NOTIFY_DELIVERED : NOTIFY_FAILED, s.order_id,
                      delivered ? 0 : s.id);
        if (!delivered) lm_strlcpy(oc.reason, reason_words(s.reason), sizeof oc.reason);
        if ((rc = write_occasion(n, tx, set, ev, &oc, now_ms, res, err)) != LM_OK) return rc;
    }
    return next_stop(n, tx, set, ev, s.vehicle_id, now_ms, res, err);
}

static lm_status on_event(notify *n, store_tx *tx, const notify_settings *set,
                          const store_event *ev, int64_t now_ms, notify_tick_result *res,
                          lm_errinfo *err) {
    const char *t = ev->type;
    if (!ev->entity_id) return LM_OK;
    if (!strcmp(t, "route.started"))
        return next_stop(n, tx, set, ev, ev->entity_id, now_ms, res, err);
    int64_t id = 0;
    if (!lm_parse_i64(ev->entity_id, 1, INT64_MAX, &id)) return LM_OK;
    occasion oc;
    if (!strcmp(t, "order.allocated") || !strcmp(t, "order.backordered")) {
        occasion_init(&oc, NOTIFY_ORDER_CONFIRMED, id, 0);
        return write_occasion(n, tx, set, ev, &oc, now_ms, res, err);
    }
    if (!strcmp(t, "order.out_for_delivery")) {
        occasion_init(&oc, NOTIFY_OUT_FOR_DELIVERY, id, 0);
        lm_status rc = write_occasion(n, tx, set, ev, &oc, now_ms, res, err);
        dispatch_tracking tr;
        memset(&tr, 0, sizeof tr);
        /* the ETA this message told is the one later moves are measured from */
        if (rc == LM_OK && dispatch_tracking_get(store_tx_read(tx), id, &tr, NULL) == LM_OK &&
            tr.eta_s > 0)
            rc = store_nt_eta_put(tx, id, tr.eta_s, err);
        return rc;
    }
    if (!strcmp(t, "stop.delivered") || !strcmp(t, "stop.failed") || !strcmp(t, "stop.eta_changed"))
        return stop_event(n, tx, set, ev, id, now_ms, res, err);
    if (!strcmp(t, "return.requested")) {
        store_rma rma;
        lm_status rc = store_rma_get(store_tx_read(tx), id, &rma, err);
        if (rc == LM_NOT_FOUND) return LM_OK;
        if (rc != LM_OK) return rc;
        occasion_init(&oc, NOTIFY_RETURN_REQUESTED, rma.order_id, rma.id);
        return write_occasion(n, tx, set, ev, &oc, now_ms, res, err);
    }
    return LM_OK;
}

/* ---- Batches ---- */

static lm_status feed_batch(notify *n, int64_t now_ms, notify_tick_result *res, bool *more,
                            lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(n->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    store_read *r = store_tx_read(tx);
    store_event *ev = NULL;
    size_t k = 0;
    int64_t cursor = 0;
    bool found = false;
    notify_settings *set = lm_calloc(1, sizeof *set);
    if (!set) {
        rc = LM_NOMEM;
        goto fail;
    }
    if ((rc = notify_settings_get(r, set, err)) != LM_OK ||
        (rc = store_meta_get(r, NOTIFY_CURSOR_KEY, &cursor, &found)) != LM_OK ||
        (rc = store_events_since(r, cursor, FEED_BATCH, &ev, &k)) != LM_OK)
        goto fail;
    for (size_t i = 0; i < k; i++) {
        if ((rc = on_event(n, tx, set, &ev[i], now_ms, res, err)) != LM_OK) goto fail;
        cursor = ev[i].seq;
    }
    res->events += k;
    *more = k == FEED_BATCH;
    store_events_free(ev, k);
    ev = NULL;
    lm_free(set);
    set = NULL;
    if (k == 0) {
        store_tx_rollback(tx);
        return LM_OK;
    }
    if ((rc = store_meta_put(tx, NOTIFY_CURSOR_KEY, cursor)) != LM_OK) goto fail;
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "commit failed");
    return LM_OK;
fail:
    lm_free(set);
    store_events_free(ev, k);
    store_tx_rollback(tx);
    return rc;
}

/* Whether the log has events past the cursor: a read, so that an idle tick never takes the
 * writer's lock (every commit of the server waits behind a write transaction). */
static lm_status feed_pending(notify *n, bool *pending, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(n->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot read the store");
    int64_t cursor = 0, last = 0;
    bool found = false;
    if ((rc = store_meta_get(r, NOTIFY_CURSOR_KEY, &cursor, &found)) == LM_OK)
        rc = store_nt_events_last(r, &last, err);
    store_read_end(r);
    *pending = rc == LM_OK && last > cursor;
    return rc;
}

lm_status notify__feed(notify *n, int64_t now_ms, notify_tick_result *res, lm_errinfo *err) {
    bool more = false;
    lm_status rc = feed_pending(n, &more, err);
    if (rc != LM_OK) return rc;
    for (int b = 0; b < BATCHES_MAX && more; b++) {
        more = false;
        if ((rc = feed_batch(n, now_ms, res, &more, err)) != LM_OK) return rc;
    }
    return LM_OK;
}
