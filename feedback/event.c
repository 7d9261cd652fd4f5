/* feedback/event.c: feedback's event payloads, written with common/json.h and appended to the
 * store's event log in the caller's transaction. Payloads carry ids, links and states, never the
 * text customers or staff typed: webhooks and the live stream carry them out of the server. */
#include "feedback/internal.h"

#include <inttypes.h>
#include <stdio.h>

#define PAYLOAD_CAP 4096

void feedback__ev_begin(feedback__ev *e) {
    lm_buf_init(&e->b, PAYLOAD_CAP);
    lm_jw_init(&e->w, &e->b, false);
    lm_jw_open(&e->w, NULL, "{");
}

lm_status feedback__ev_append(feedback__ev *e, store_tx *tx, const char *type, const char *entity,
                              int64_t id) {
    lm_jw_close(&e->w, "}");
    lm_status rc = e->w.st;
    if (rc == LM_OK) {
        char ids[24];
        snprintf(ids, sizeof ids, "%" PRId64, id);
        rc = store_event_append(tx, type, entity, id > 0 ? ids : NULL, e->b.data);
    }
    lm_buf_free(&e->b);
    return rc;
}

const char *feedback__actor_name(feedback_actor_kind k) {
    switch (k) {
    case FEEDBACK_ACTOR_CUSTOMER: return "customer";
    case FEEDBACK_ACTOR_STAFF: return "staff";
    case FEEDBACK_ACTOR_DRIVER: return "driver";
    case FEEDBACK_ACTOR_SYSTEM: return "system";
    }
    return "unknown";
}

void feedback__ev_complaint(feedback__ev *e, const feedback_complaint *c) {
    lm_jw *w = &e->w;
    lm_jw_int(w, "complaint_id", c->id);
    lm_jw_int(w, "order_id", c->order_id);
    if (c->stop_id) lm_jw_int(w, "stop_id", c->stop_id);
    if (c->rating_id) lm_jw_int(w, "rating_id", c->rating_id);
    lm_jw_str(w, "source", feedback_source_name((feedback_source)c->source));
    lm_jw_str(w, "category", feedback_category_name((feedback_category)c->category));
    lm_jw_str(w, "priority", feedback_priority_name((feedback_priority)c->priority));
    lm_jw_str(w, "status", feedback_status_name((feedback_status)c->status));
    lm_jw_str(w, "assignee", c->assignee);
    lm_jw_str(w, "depot_id", c->depot_id);
    lm_jw_str(w, "driver_id", c->driver_id);
    if (feedback__fr_running(c)) lm_jw_int(w, "first_response_due_ms", c->fr_due_ms);
    if (feedback__res_running(c)) lm_jw_int(w, "resolution_due_ms", c->res_due_ms);
}
