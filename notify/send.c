/* notify/send.c: the outbox -> SMTP / the SMS gateway. Each due message is checked again (an
 * opt-out or quiet hours that began since it was written win), sent outside any transaction,
 * and its outcome committed after: sent, retried later with exponential backoff, or failed once
 * its attempts are spent or no retry can help. A crash between a send and its record sends that
 * one message again on restart (at-least-once, as with webhooks). */
#include "notify/internal.h"
#include "store/store_orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SEND_BATCH 50 /* messages per tick: one slow server delays the next tick, not forever */

/* What the state of the world says about m before a send: suppressed (opted out since),
 * deferred (quiet hours now), or go. */
static lm_status recheck(notify *n, const store_nt_message *m, int64_t now_ms, bool *optout,
                         int64_t *release, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(n->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot read the store");
    notify_settings *set = lm_calloc(1, sizeof *set);
    store_order o;
    memset(&o, 0, sizeof o);
    *release = now_ms;
    if (!set) {
        rc = LM_NOMEM;
        goto done;
    }
    if ((rc = store_nt_optout_has(r, m->channel, m->address, optout, err)) != LM_OK ||
        (rc = notify_settings_get(r, set, err)) != LM_OK)
        goto done;
    rc = store_order_get(r, m->order_id, &o, err);
    if (rc == LM_NOT_FOUND) {
        rc = LM_OK; /* the order is gone; the message still goes */
    } else if (rc == LM_OK) {
        store_nt_quiet q;
        if (notify__quiet_for(set, o.depot_id, &q)) *release = notify_quiet_release(&q, now_ms);
    }
done:
    store_order_clear(&o);
    lm_free(set);
    store_read_end(r);
    return rc;
}

static int64_t backoff(const notify *n, int attempts) {
    int64_t d = n->backoff_ms;
    for (int i = 1; i < attempts && d < n->backoff_max_ms; i++)
        d *= 2;
    return d < n->backoff_max_ms ? d : n->backoff_max_ms;
}

static lm_status record(notify *n, store_nt_message *m, const char *event, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(n->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot begin a transaction");
    if ((rc = store_nt_message_update(tx, m, err)) != LM_OK) goto fail;
    if (event) {
        char id[24], payload[STORE_NT_ERROR_MAX * 2 + 256];
        snprintf(id, sizeof id, "%" PRId64, m->id);
        lm_buf b;
        lm_buf_init(&b, sizeof payload);
        rc = lm_buf_printf(&b,
                           "{\"id\":%" PRId64 ",\"order_id\":%" PRId64
                           ",\"kind\":\"%s\",\"channel\":\"%s\",\"attempts\":%d,\"error\":",
                           m->id, m->order_id, m->kind, m->channel, m->attempts);
        if (rc == LM_OK) rc = lm_buf_json_str(&b, m->last_error);
        if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
        if (rc == LM_OK) rc = store_event_append(tx, event, "notification", id, b.data);
        lm_buf_free(&b);
        if (rc != LM_OK) goto fail;
    }
    rc = store_tx_commit(tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "commit failed");
    return LM_OK;
fail:
    store_tx_rollback(tx);
    return rc;
}

static lm_status send_one(notify *n, int64_t id, int64_t now_ms, notify_tick_result *res,
                          lm_errinfo *err) {
    store_nt_message *m = lm_calloc(1, sizeof *m);
    if (!m) return LM_NOMEM;
    store_read *r = NULL;
    lm_status rc = store_read_begin(n->st, &r);
    if (rc == LM_OK) rc = store_nt_message_get(r, id, m, err);
    store_read_end(r);
    bool optout = false;
    int64_t release = now_ms;
    if (rc != LM_OK || (rc = recheck(n, m, now_ms, &optout, &release, err)) != LM_OK) goto done;
    const char *event = NULL;
    if (optout) {
        lm_strlcpy(m->status, "suppressed", sizeof m->status);
        lm_strlcpy(m->last_error, "the customer opted out of this channel", sizeof m->last_error);
        res->suppressed++;
    } else if (release > now_ms) {
        lm_strlcpy(m->status, "deferred", sizeof m->status);
        m->due_ms = release;
        res->deferred++;
    } else {
        notify__outcome out;
        if (!strcmp(m->channel, "sms"))
            notify__sms_send(n, m, &out);
        else
            notify__smtp_send(n, m, &out);
        m->attempts++;
        if (out.ok) {
            lm_strlcpy(m->status, "sent", sizeof m->status);
            m->sent_ms = now_ms;
            m->last_error[0] = '\0';
            event = "notification.sent";
            res->sent++;
        } else {
            lm_strlcpy(m->last_error, out.why, sizeof m->last_error);
            if (out.permanent || m->attempts >= n->max_attempts) {
                lm_strlcpy(m->status, "failed", sizeof m->status);
                event = "notification.failed";
                res->failed++;
            } else {
                lm_strlcpy(m->status, "retrying", sizeof m->status);
                m->due_ms = now_ms + backoff(n, m->attempts);
                res->retried++;
            }
        }
    }
    rc = record(n, m, event, err);
done:
    lm_free(m);
    return rc;
}

lm_status notify__send_due(notify *n, int64_t now_ms, notify_tick_result *res, lm_errinfo *err) {
    store_read *r = NULL;
    int64_t *ids = NULL;
    size_t k = 0;
    lm_status rc = store_read_begin(n->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "cannot read the store");
    rc = store_nt_message_due(r, now_ms, SEND_BATCH, &ids, &k, err);
    store_read_end(r);
    for (size_t i = 0; i < k && rc == LM_OK && !atomic_load(&n->halt); i++)
        rc = send_one(n, ids[i], now_ms, res, err);
    lm_free(ids);
    return rc;
}
