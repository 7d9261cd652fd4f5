/* dispatch/jobs.c: the worker's jobs through the durable queue (store/store_jobs.h). Whatever node
 * a request reaches, it records the job in its own transaction; only the leading node's worker
 * runs jobs, feeding its in-memory queue from the table, so a job survives the node that took it
 * and a new leader resumes every job its predecessor had not finished. A plan request is kept as
 * text lines (ids %-escaped) so that a solve started on another node sees the same request. */
#include "dispatch/internal.h"
#include "store/store_jobs.h"

#include "common/leader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_PAGE 200 /* pending jobs read per feed */

/* ---- Plan requests as text ---- */

static bool plain_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* An id with every other byte as %XX, so that no id can break a line or a field; "-" for "". */
static lm_status put_id(lm_buf *b, const char *s) {
    if (!s || !*s) return lm_buf_append(b, "-", 1);
    lm_status rc = LM_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == LM_OK; p++)
        rc = plain_byte(*p) ? lm_buf_append(b, p, 1) : lm_buf_printf(b, "%%%02X", *p);
    return rc;
}

/* Decodes put_id's form in place ("-" is ""). */
static void get_id(char *s) {
    if (!strcmp(s, "-")) {
        s[0] = 0;
        return;
    }
    char *w = s;
    for (const char *p = s; *p; p++) {
        unsigned v;
        if (p[0] == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &v) == 1) {
            *w++ = (char)v;
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = 0;
}

static lm_status request_text(const dispatch_plan_req *req, char **out) {
    lm_buf b;
    lm_buf_init(&b, STORE_JOB_REQUEST_MAX);
    lm_status rc = lm_buf_append(&b, "depot ", 6);
    if (rc == LM_OK) rc = put_id(&b, req->depot_id);
    if (rc == LM_OK)
        rc = lm_buf_printf(&b, "\nday %" PRId64 "\nlimit %" PRId64 "\n", req->day_start_s,
                           req->time_limit_ms);
    for (size_t i = 0; rc == LM_OK && i < req->n_vehicle_ids; i++) {
        rc = lm_buf_append(&b, "v ", 2);
        if (rc == LM_OK) rc = put_id(&b, req->vehicle_ids[i]);
        if (rc == LM_OK) rc = lm_buf_append(&b, "\n", 1);
    }
    for (size_t i = 0; rc == LM_OK && i < req->n_pickups; i++) {
        const dispatch_pickup_task *p = &req->pickups[i];
        rc = lm_buf_printf(&b, "p %" PRId64 " %" PRId64 " ", p->order_id, p->return_id);
        if (rc == LM_OK) rc = put_id(&b, p->depot_id);
        if (rc == LM_OK)
            rc = lm_buf_printf(&b,
                               " %.17g %.17g %.17g %.17g %" PRId64 " %" PRId64 " %" PRId64
                               " %" PRId64 " %" PRId64 " %" PRId64 "\n",
                               p->from_lat, p->from_lon, p->to_lat, p->to_lon, p->window_start_s,
                               p->window_end_s, p->weight_g, p->volume_cm3, p->parcels,
                               p->service_s);
    }
    if (rc == LM_OK) rc = lm_buf_append(&b, "", 1); /* the NUL */
    if (rc != LM_OK) {
        lm_buf_free(&b);
        return rc == LM_TOO_BIG ? LM_TOO_BIG : LM_NOMEM;
    }
    *out = b.data;
    return LM_OK;
}

static lm_status vehicle_add(dispatch__job *j, const char *id) {
    const char **ids =
        lm_reallocarray((void *)j->req.vehicle_ids, j->req.n_vehicle_ids + 2, sizeof *ids);
    if (!ids) return LM_NOMEM;
    j->req.vehicle_ids = ids;
    if (!(ids[j->req.n_vehicle_ids] = lm_strdup(id))) return LM_NOMEM;
    ids[++j->req.n_vehicle_ids] = NULL;
    return LM_OK;
}

static lm_status pickup_parse(dispatch__job *j, char *line, size_t *cap) {
    if (j->req.n_pickups == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        dispatch_pickup_task *np = lm_reallocarray(j->pickups, nc, sizeof *np);
        if (!np) return LM_NOMEM;
        j->pickups = np;
        *cap = nc;
    }
    dispatch_pickup_task *p = &j->pickups[j->req.n_pickups];
    memset(p, 0, sizeof *p);
    char depot[256]; /* %-escaped: up to 3 bytes per byte of an id */
    int n = sscanf(line,
                   "p %" SCNd64 " %" SCNd64 " %255s %lf %lf %lf %lf %" SCNd64 " %" SCNd64
                   " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64,
                   &p->order_id, &p->return_id, depot, &p->from_lat, &p->from_lon, &p->to_lat,
                   &p->to_lon, &p->window_start_s, &p->window_end_s, &p->weight_g, &p->volume_cm3,
                   &p->parcels, &p->service_s);
    if (n != 13) return LM_INVALID;
    get_id(depot);
    lm_strlcpy(p->depot_id, depot, sizeof p->depot_id);
    j->req.n_pickups++;
    return LM_OK;
}

/* A PLAN job from its stored row; LM_INVALID when the text is not request_text's. */
static lm_status job_from_row(const store_job *row, dispatch__job **out) {
    dispatch__job *j = lm_calloc(1, sizeof *j);
    char *text = lm_strdup(row->request ? row->request : "");
    if (!j || !text) {
        lm_free(j);
        lm_free(text);
        return LM_NOMEM;
    }
    j->kind = DISPATCH__JOB_PLAN;
    j->plan_id = row->plan_id;
    j->job_id = row->id;
    size_t cap = 0;
    lm_status rc = LM_OK;
    for (char *line = text, *next; rc == LM_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (!strncmp(line, "depot ", 6)) {
            get_id(line + 6);
            if (line[6] && !(j->depot_id = lm_strdup(line + 6))) rc = LM_NOMEM;
            j->req.depot_id = j->depot_id;
        } else if (!strncmp(line, "day ", 4)) {
            j->req.day_start_s = strtoll(line + 4, NULL, 10);
        } else if (!strncmp(line, "limit ", 6)) {
            j->req.time_limit_ms = strtoll(line + 6, NULL, 10);
        } else if (!strncmp(line, "v ", 2)) {
            get_id(line + 2);
            rc = vehicle_add(j, line + 2);
        } else if (!strncmp(line, "p ", 2)) {
            rc = pickup_parse(j, line, &cap);
        } else {
            rc = LM_INVALID;
        }
    }
    j->req.pickups = j->pickups;
    lm_free(text);
    if (rc != LM_OK) {
        dispatch__job_free(j);
        return rc;
    }
    *out = j;
    return LM_OK;
}

/* ---- Recording jobs (any node) ---- */

lm_status dispatch__plan_job_add(dispatch *d, store_tx *tx, int64_t plan_id,
                                 const dispatch_plan_req *req, lm_errinfo *err) {
    char *text = NULL;
    lm_status rc = request_text(req, &text);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "pickups", "plan request too large");
    rc = store_job_add(tx, "plan", plan_id, "", "", text, dispatch__now_ms(d), NULL, err);
    lm_free(text);
    return rc;
}

lm_status dispatch__replan_job_add(dispatch *d, store_tx *tx, dispatch_trigger why,
                                   const char *vehicle, lm_errinfo *err) {
    return store_job_add(tx, "replan", 0, dispatch_trigger_name(why), vehicle ? vehicle : "", "",
                         dispatch__now_ms(d), NULL, err);
}

void dispatch_lead_changed(dispatch *d) {
    if (d) dispatch__kick(d);
}

void dispatch__kick(dispatch *d) {
    pthread_mutex_lock(&d->mu);
    d->feed = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* ---- Feeding the leader's worker ---- */

static dispatch_trigger trigger_of(const char *name) {
    for (int t = DISPATCH_TRIGGER_MANUAL; t <= DISPATCH_TRIGGER_FULL; t++)
        if (!strcmp(name, dispatch_trigger_name((dispatch_trigger)t))) return (dispatch_trigger)t;
    return DISPATCH_TRIGGER_MANUAL;
}

/* Queues one row in memory; d->mu held. Re-plans coalesce: the one queued covers every re-plan
 * row fed before it runs (replan_upto). */
static void feed_row(dispatch *d, const store_job *row) {
    if (!strcmp(row->kind, "replan")) {
        if (row->id > d->replan_upto) d->replan_upto = row->id;
        if (d->replan_queued) return;
        dispatch__job *j = lm_calloc(1, sizeof *j);
        if (!j) return; /* the row stays pending: the next leader round feeds it again */
        j->kind = DISPATCH__JOB_REPLAN;
        j->job_id = row->id;
        j->trigger = trigger_of(row->trigger);
        lm_strlcpy(j->vehicle, row->vehicle, sizeof j->vehicle);
        dispatch__enqueue_locked(d, j);
        return;
    }
    dispatch__job *j = NULL;
    lm_status rc = job_from_row(row, &j);
    if (rc == LM_OK) {
        dispatch__enqueue_locked(d, j);
    } else {
        fprintf(stderr, "lastmile dispatch: job %" PRId64 " (plan %" PRId64 ") unreadable: %s\n",
                row->id, row->plan_id, lm_strerror(rc));
    }
}

void dispatch__feed(dispatch *d) {
    /* read inside a write tx: it begins after any tx of this node that recorded a job (and kicked
     * before its commit) has committed, so the row is seen; a snapshot read could miss it */
    store_tx *tx = NULL;
    if (store_tx_begin(d->st, &tx) != LM_OK) return;
    store_read *r = store_tx_read(tx);
    pthread_mutex_lock(&d->mu);
    int64_t after = d->fed_after;
    pthread_mutex_unlock(&d->mu);
    for (;;) {
        store_job *rows = NULL;
        size_t n = 0;
        lm_errinfo err = {0};
        if (store_jobs_pending(r, after, FEED_PAGE, &rows, &n, &err) != LM_OK) {
            fprintf(stderr, "lastmile dispatch: reading the job queue: %s\n", err.message);
            break;
        }
        pthread_mutex_lock(&d->mu);
        for (size_t i = 0; i < n && !d->stopping; i++) {
            feed_row(d, &rows[i]);
            d->fed_after = after = rows[i].id;
        }
        pthread_mutex_unlock(&d->mu);
        store_jobs_free(rows, n);
        if (n < FEED_PAGE) break;
    }
    store_tx_rollback(tx);
}

void dispatch__unfeed(dispatch *d) {
    pthread_mutex_lock(&d->mu);
    dispatch__job *j = d->head;
    d->head = d->tail = NULL;
    d->replan_queued = false;
    d->fed_after = 0; /* led again later: every job still pending is read afresh */
    d->replan_upto = 0;
    pthread_mutex_unlock(&d->mu);
    while (j) {
        dispatch__job *next = j->next;
        dispatch__job_free(j);
        j = next;
    }
}

lm_status dispatch__job_claim(dispatch *d, store_tx *tx, const dispatch__job *j, bool *claimed,
                              lm_errinfo *err) {
    *claimed = true;
    if (!j->job_id) return LM_OK; /* not from the queue (tests driving plan_run directly) */
    return store_job_finish(tx, j->job_id, dispatch__now_ms(d), claimed, err);
}

void dispatch__job_done_alone(dispatch *d, const dispatch__job *j) {
    store_tx *tx = NULL;
    bool claimed = false;
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc == LM_OK) rc = dispatch__job_claim(d, tx, j, &claimed, NULL);
    if (rc == LM_OK) {
        rc = store_tx_commit(tx);
        tx = NULL;
    }
    store_tx_rollback(tx);
    if (rc != LM_OK) /* it stays pending: the next leader solves it again and stores nothing */
        fprintf(stderr, "lastmile dispatch: could not mark job %" PRId64 " done\n", j->job_id);
}

void dispatch__replans_done(dispatch *d, int64_t upto) {
    if (upto <= 0) return;
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    lm_status rc = store_tx_begin(d->st, &tx);
    if (rc == LM_OK) rc = store_jobs_finish_replans(tx, upto, dispatch__now_ms(d), NULL, &err);
    if (rc == LM_OK) {
        rc = store_tx_commit(tx);
        tx = NULL;
    }
    store_tx_rollback(tx);
    /* the rows stay pending: a later round re-plans again, which is harmless */
    if (rc != LM_OK)
        fprintf(stderr, "lastmile dispatch: could not mark re-plans done: %s\n",
                err.message[0] ? err.message : lm_strerror(rc));
}

bool dispatch__leading(void) {
    return lm_leader();
}
