/* api/feedback.c: the customer's side of feedback/ under /v1/track/{token}/: rate the delivery,
 * open and follow a complaint, answer the survey. Public routes: the tracking token is the
 * customer's only credential, so each request takes a token of the tracking rate limit and an
 * unknown token or another order's ticket is 404 (never "forbidden": a token reveals nothing
 * else). Bodies are decoded by api/formats/feedback_json.h; every change is one transaction,
 * committed before the answer. */
#include "api/app.h"
#include "api/formats/feedback_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "feedback/feedback.h"

#include <string.h>

/* What a customer request starts with: the rate limit, the feedback handle, and the order of
 * {token} as the acting customer. LM_OK with *fb and *who set; otherwise the reply or error is
 * set and the return value is what the handler returns. */
static lm_status customer_of(http_req *r, feedback **fb, feedback_actor *who) {
    lm_status rc = LM_OK;
    if (!api__track_allow(r, &rc)) return rc;
    if (!(*fb = api__need_feedback(r))) return LM_UNAVAILABLE;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    int64_t order = 0;
    rc = feedback_order_by_token(rd, http_param(r, "token"), &order, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    *who = (feedback_actor){.kind = FEEDBACK_ACTOR_CUSTOMER, .order_id = order};
    return LM_OK;
}

/* ---- Rating ---- */

lm_status api__track_rating_get(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    feedback_rating rt;
    rc = feedback_rating_of_order(rd, who.order_id, &rt, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    bool editable = feedback_rating_editable(&rt, feedback_now_ms(fb));
    return api__reply_private(r, 200, fmt_fb_rating_json(&rt, editable, FMT_FB_CUSTOMER));
}

lm_status api__track_rating_create(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    fmt_fb_rating in;
    if ((rc = fmt_fb_rating_from_json(r->json, true, &in, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_rating rt;
    rc = feedback_rating_create(fb, tx, who.order_id, &in.in, &rt, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return api__reply_private(r, 201, fmt_fb_rating_json(&rt, true, FMT_FB_CUSTOMER));
}

lm_status api__track_rating_edit(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    int64_t id = 0;
    fmt_fb_rating in;
    if ((rc = api__path_id(r, &id)) != LM_OK) return rc;
    if ((rc = fmt_fb_rating_from_json(r->json, false, &in, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    /* a PATCH keeps what it does not name: start from the stored rating (another order's
     * rating is refused as not found by feedback_rating_edit below, before anything changes) */
    feedback_rating cur, rt;
    rc = store_rating_get(store_tx_read(tx), id, &cur, &r->err);
    if (rc == LM_NOT_FOUND || (rc == LM_OK && cur.order_id != who.order_id))
        rc = http_error(r, LM_NOT_FOUND, "rating_id", "no such rating for this tracking link");
    if (rc == LM_OK) {
        if (!in.has_score) in.in.score = cur.score;
        if (!in.has_tags) in.in.tags = cur.tags;
        if (!in.has_comment) in.in.comment = cur.comment;
        rc = feedback_rating_edit(fb, tx, who.order_id, id, &in.in, &rt, &r->err);
    }
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    bool editable = feedback_rating_editable(&rt, feedback_now_ms(fb));
    return api__reply_private(r, 200, fmt_fb_rating_json(&rt, editable, FMT_FB_CUSTOMER));
}

/* ---- Complaints ---- */

/* The customer's view of ticket id, with its public thread. */
static lm_status reply_ticket(http_req *r, const feedback_actor *who, int64_t id, int status) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    feedback_complaint c;
    feedback_msg *msgs = NULL;
    size_t n = 0;
    rc = feedback_complaint_get(rd, who, id, &c, &msgs, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *j = fmt_fb_complaint_json(&c, msgs, n, FMT_FB_CUSTOMER);
    lm_free(msgs);
    return api__reply_private(r, status, j);
}

lm_status api__track_complaints_list(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    store_complaint_filter f = {.order_id = who.order_id, .limit = 50};
    feedback_queue_entry *rows = NULL;
    size_t n = 0;
    rc = feedback_queue(rd, &f, feedback_now_ms(fb), &rows, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "complaints");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, fmt_fb_complaint_json(&rows[i].c, NULL, 0, FMT_FB_CUSTOMER));
    lm_free(rows);
    return api__reply_private(r, 200, o);
}

lm_status api__track_complaints_open(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    feedback_complaint_in in;
    if ((rc = fmt_fb_complaint_from_json(r->json, false, &in, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_complaint c;
    rc = feedback_complaint_open(fb, tx, &who, &in, &c, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, &who, c.id, 201);
}

lm_status api__track_complaints_get(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    int64_t id = 0;
    if ((rc = api__path_id(r, &id)) != LM_OK) return rc;
    return reply_ticket(r, &who, id, 200);
}

lm_status api__track_complaints_reply(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    int64_t id = 0;
    const char *text = NULL;
    bool internal = false;
    if ((rc = api__path_id(r, &id)) != LM_OK) return rc;
    if ((rc = fmt_fb_reply_from_json(r->json, false, &text, &internal, &r->err)) != LM_OK)
        return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_msg m;
    rc = feedback_complaint_reply(fb, tx, &who, id, false, text, &m, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, &who, id, 201);
}

static lm_status customer_act(http_req *r, feedback_action a) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    int64_t id = 0;
    const char *text = NULL;
    if ((rc = api__path_id(r, &id)) != LM_OK) return rc;
    if ((rc = fmt_fb_action_from_json(r->json, &text, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_complaint c;
    rc = feedback_complaint_act(fb, tx, &who, id, a, text, &c, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, &who, id, 200);
}

lm_status api__track_complaints_close(http_req *r) {
    return customer_act(r, FEEDBACK_ACTION_CLOSE);
}

lm_status api__track_complaints_reopen(http_req *r) {
    return customer_act(r, FEEDBACK_ACTION_REOPEN);
}

/* ---- Survey ---- */

lm_status api__track_survey_get(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    feedback_survey s;
    rc = feedback_survey_of_order(rd, who.order_id, &s, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    return api__reply_private(r, 200, fmt_fb_survey_json(&s));
}

lm_status api__track_survey_answer(http_req *r) {
    feedback *fb = NULL;
    feedback_actor who = {0};
    lm_status rc = customer_of(r, &fb, &who);
    if (rc != LM_OK || !fb) return rc;
    int32_t score = 0;
    const char *comment = NULL;
    if ((rc = fmt_fb_survey_from_json(r->json, &score, &comment, &r->err)) != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_survey s;
    rc = feedback_survey_answer(fb, tx, who.order_id, score, comment, &s, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return api__reply_private(r, 200, fmt_fb_survey_json(&s));
}
