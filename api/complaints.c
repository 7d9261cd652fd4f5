/* api/complaints.c: the staff side of feedback/: the complaints queue with SLA countdowns, a
 * ticket with its order's timeline, replies and internal notes, assignment, status steps, and
 * the ratings and complaint analytics. Dispatcher keys (admin too) act as staff, recorded by key
 * id; a driver key may only read a ticket about its driver that a dispatcher shared, its public
 * thread (feedback_complaint_get decides). */
#include "api/app.h"
#include "api/formats/feedback_json.h"
#include "api/formats/rfc3339.h"
#include "api/handlers.h"
#include "api/input.h"
#include "feedback/feedback.h"

#include <stdio.h>
#include <string.h>

#define TIMELINE_MAX 200 /* events of the order shown with a ticket */

static feedback_actor staff_of(const http_req *r) {
    return (feedback_actor){.kind = FEEDBACK_ACTOR_STAFF, .id = r->key_id};
}

static lm_status reply_json(http_req *r, int status, cJSON *j) {
    if (!j) return http_error(r, LM_NOMEM, "", "out of memory");
    return http_reply_json(r, status, j);
}

/* ?name= as epoch milliseconds or an RFC 3339 time with a zone; dflt when absent. */
static lm_status query_time(http_req *r, const char *name, int64_t dflt, int64_t *out) {
    const char *q = http_query(r, name);
    int64_t v = 0;
    if (!q) {
        *out = dflt;
    } else if (lm_parse_i64(q, 0, INT64_MAX / 2, &v)) {
        *out = v;
    } else if (fmt_time_parse_rfc3339(q, &v)) {
        *out = v * 1000;
    } else {
        return http_error(r, LM_INVALID, name,
                          "%s must be epoch milliseconds or an ISO-8601 time with a zone", name);
    }
    return LM_OK;
}

/* The staff view of ticket id: its full thread and the order's timeline. */
static lm_status reply_ticket(http_req *r, int64_t id, int status) {
    feedback_actor who = staff_of(r);
    bool driver = r->role == API_ROLE_DRIVER;
    if (driver) who = (feedback_actor){.kind = FEEDBACK_ACTOR_DRIVER, .id = r->subject};
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    feedback_complaint c;
    feedback_msg *msgs = NULL;
    size_t n = 0;
    store_event *ev = NULL;
    size_t n_ev = 0;
    rc = feedback_complaint_get(rd, &who, id, &c, &msgs, &n, &r->err);
    if (rc == LM_OK && !driver && c.order_id)
        rc = feedback_order_timeline(rd, c.order_id, 0, TIMELINE_MAX, &ev, &n_ev, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) {
        lm_free(msgs);
        return rc;
    }
    cJSON *j = fmt_fb_complaint_json(&c, msgs, n, driver ? FMT_FB_DRIVER : FMT_FB_STAFF);
    lm_free(msgs);
    if (j && !driver) {
        cJSON *tl = cJSON_AddArrayToObject(j, "timeline");
        for (size_t i = 0; i < n_ev; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "seq", (double)ev[i].seq);
            cJSON_AddNumberToObject(e, "time_ms", (double)ev[i].time_ms);
            cJSON_AddStringToObject(e, "type", ev[i].type);
            cJSON_AddStringToObject(e, "entity", ev[i].entity ? ev[i].entity : "");
            cJSON *p = cJSON_Parse(ev[i].payload_json ? ev[i].payload_json : "{}");
            cJSON_AddItemToObject(e, "payload", p ? p : cJSON_CreateObject());
            cJSON_AddItemToArray(tl, e);
        }
    }
    store_events_free(ev, n_ev);
    return reply_json(r, status, j);
}

/* ---- The queue and one ticket ---- */

/* ?status=new,acknowledged as a status bit mask. */
static lm_status status_mask(http_req *r, uint32_t *mask) {
    const char *q = http_query(r, "status");
    *mask = 0;
    if (!q) return LM_OK;
    char buf[128];
    if (!lm_strlcpy(buf, q, sizeof buf))
        return http_error(r, LM_INVALID, "status", "status is too long");
    for (char *p = buf, *end; p && *p; p = end) {
        end = strchr(p, ',');
        if (end) *end++ = '\0';
        feedback_status s;
        if (!feedback_status_parse(p, &s))
            return http_error(r, LM_INVALID, "status",
                              "'%s' is not one of new, acknowledged, in_progress, resolved, closed",
                              p);
        *mask |= 1u << s;
    }
    return LM_OK;
}

lm_status api__complaints_list(http_req *r) {
    feedback *fb = api__need_feedback(r);
    if (!fb) return LM_UNAVAILABLE;
    store_complaint_filter f = {.limit = 100, .by_due = true};
    lm_status rc = status_mask(r, &f.status_mask);
    if (rc != LM_OK) return rc;
    const char *q;
    int64_t v;
    f.assignee = http_query(r, "assignee");
    f.driver_id = http_query(r, "driver_id");
    if ((q = http_query(r, "order_id")) && !lm_parse_i64(q, 1, INT64_MAX / 2, &f.order_id))
        return http_error(r, LM_INVALID, "order_id", "order_id must be a positive integer");
    if ((q = http_query(r, "limit"))) {
        if (!lm_parse_i64(q, 1, 1000, &v))
            return http_error(r, LM_INVALID, "limit", "limit must be 1..1000");
        f.limit = (size_t)v;
    }
    if ((q = http_query(r, "after"))) {
        /* pages go by id: the due order changes as tickets are answered */
        if (!lm_parse_i64(q, 0, INT64_MAX / 2, &f.after_id))
            return http_error(r, LM_INVALID, "after", "after must be a complaint id >= 0");
        f.by_due = false;
    }
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    feedback_queue_entry *rows = NULL;
    size_t n = 0;
    int64_t now = feedback_now_ms(fb);
    rc = feedback_queue(rd, &f, now, &rows, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "now_ms", (double)now);
    cJSON *a = cJSON_AddArrayToObject(o, "complaints");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, fmt_fb_queue_entry_json(&rows[i]));
    lm_free(rows);
    return reply_json(r, 200, o);
}

lm_status api__complaints_create(http_req *r) {
    feedback *fb = api__need_feedback(r);
    if (!fb) return LM_UNAVAILABLE;
    feedback_complaint_in in;
    lm_status rc = fmt_fb_complaint_from_json(r->json, true, &in, &r->err);
    if (rc != LM_OK) return rc;
    feedback_actor who = staff_of(r);
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_complaint c;
    rc = feedback_complaint_open(fb, tx, &who, &in, &c, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, c.id, 201);
}

lm_status api__complaints_get(http_req *r) {
    if (!api__need_feedback(r)) return LM_UNAVAILABLE;
    int64_t id = 0;
    lm_status rc = api__path_id(r, &id);
    if (rc != LM_OK) return rc;
    return reply_ticket(r, id, 200);
}

/* PATCH and /assign: a staff change. */
static lm_status patch(http_req *r, bool assign_only) {
    feedback *fb = api__need_feedback(r);
    if (!fb) return LM_UNAVAILABLE;
    int64_t id = 0;
    feedback_complaint_patch p;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = fmt_fb_patch_from_json(r->json, assign_only, &p, &r->err);
    if (rc != LM_OK) return rc;
    feedback_actor who = staff_of(r);
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_complaint c;
    rc = feedback_complaint_update(fb, tx, &who, id, &p, &c, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, id, 200);
}

lm_status api__complaints_patch(http_req *r) {
    return patch(r, false);
}

lm_status api__complaints_assign(http_req *r) {
    return patch(r, true);
}

lm_status api__complaints_reply(http_req *r) {
    feedback *fb = api__need_feedback(r);
    if (!fb) return LM_UNAVAILABLE;
    int64_t id = 0;
    const char *text = NULL;
    bool internal = false;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = fmt_fb_reply_from_json(r->json, true, &text, &internal, &r->err);
    if (rc != LM_OK) return rc;
    feedback_actor who = staff_of(r);
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_msg m;
    rc = feedback_complaint_reply(fb, tx, &who, id, internal, text, &m, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, id, 201);
}

/* POST /v1/complaints/{id}/{action}: the action is the last path segment. */
lm_status api__complaints_act(http_req *r) {
    feedback *fb = api__need_feedback(r);
    if (!fb) return LM_UNAVAILABLE;
    const char *slash = strrchr(r->path, '/');
    feedback_action a;
    if (!slash || !feedback_action_parse(slash + 1, &a))
        return http_error(r, LM_NOT_FOUND, "action", "unknown complaint action");
    int64_t id = 0;
    const char *text = NULL;
    lm_status rc = api__path_id(r, &id);
    if (rc == LM_OK) rc = fmt_fb_action_from_json(r->json, &text, &r->err);
    if (rc != LM_OK) return rc;
    feedback_actor who = staff_of(r);
    store_tx *tx = NULL;
    if ((rc = api__tx_begin(r, &tx)) != LM_OK) return rc;
    feedback_complaint c;
    rc = feedback_complaint_act(fb, tx, &who, id, a, text, &c, &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_ticket(r, id, 200);
}

/* ---- Analytics ---- */

lm_status api__ratings_summary(http_req *r) {
    if (!api__need_feedback(r)) return LM_UNAVAILABLE;
    const char *by = http_query(r, "group_by");
    if (!by) by = "driver_id";
    if (strcmp(by, "driver_id") && strcmp(by, "vehicle_id") && strcmp(by, "depot_id"))
        return http_error(r, LM_INVALID, "group_by",
                          "group_by must be driver_id, vehicle_id or depot_id");
    int64_t since = 0, until = 0;
    lm_status rc = query_time(r, "since", 0, &since);
    if (rc == LM_OK) rc = query_time(r, "until", INT64_MAX / 2, &until);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    feedback_rating_group *g = NULL;
    size_t n = 0;
    rc = feedback_rating_groups(rd, by, since, until, &g, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "group_by", by);
    cJSON *a = cJSON_AddArrayToObject(o, "groups");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, fmt_fb_rating_group_json(&g[i]));
    lm_free(g);
    return reply_json(r, 200, o);
}

lm_status api__feedback_stats(http_req *r) {
    if (!api__need_feedback(r)) return LM_UNAVAILABLE;
    int64_t since = 0, until = 0;
    lm_status rc = query_time(r, "since", 0, &since);
    if (rc == LM_OK) rc = query_time(r, "until", INT64_MAX / 2, &until);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    feedback_complaint_stats cs;
    feedback_survey_stats nps, csat;
    rc = feedback_complaint_stats_get(rd, since, until, &cs, &r->err);
    if (rc == LM_OK) rc = feedback_survey_stats_get(rd, "nps", since, until, &nps, &r->err);
    if (rc == LM_OK) rc = feedback_survey_stats_get(rd, "csat", since, until, &csat, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "complaints", fmt_fb_complaint_stats_json(&cs));
    cJSON *s = cJSON_AddObjectToObject(o, "surveys");
    cJSON_AddItemToObject(s, "nps", fmt_fb_survey_stats_json(&nps));
    cJSON_AddItemToObject(s, "csat", fmt_fb_survey_stats_json(&csat));
    return reply_json(r, 200, o);
}
