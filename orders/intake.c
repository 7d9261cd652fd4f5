/* orders/intake.c: order creation: validation, idempotency, product checks, the audit (service
 * area, duplicates, blacklist, oversize), insertion and allocation, run through the orders
 * service's commit queue so that concurrent creations share one transaction and one fsync. */
#include "orders/internal.h"
#include "orders/money_internal.h"
#include "store/store_returns.h"

#include "common/sha256.h"
#include "geo/geo.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Intake ---- */

static lm_status order_check(const orders_order *in, lm_errinfo *err) {
    if (in->n_lines > STORE_LINES_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "lines", "at most %d lines", STORE_LINES_MAX);
    for (size_t i = 0; i < in->n_lines; i++) {
        char f[48];
        if (!in->lines[i].sku[0]) {
            snprintf(f, sizeof f, "lines[%zu].sku", i);
            return lm_errinfo_set(err, LM_INVALID, f, "SKU is required");
        }
        if (in->lines[i].qty < 1 || in->lines[i].qty > 1000000) {
            snprintf(f, sizeof f, "lines[%zu].qty", i);
            return lm_errinfo_set(err, LM_INVALID, f, "quantity must be 1..1000000");
        }
    }
    if (in->n_windows > STORE_WINDOWS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "time_windows", "at most %d windows",
                              STORE_WINDOWS_MAX);
    for (size_t i = 0; i < in->n_windows; i++) {
        if (in->windows[i].start_s >= in->windows[i].end_s) {
            char f[48];
            snprintf(f, sizeof f, "time_windows[%zu]", i);
            return lm_errinfo_set(err, LM_INVALID, f, "a window must end after it starts");
        }
    }
    if (in->priority < 0 || in->priority > 100)
        return lm_errinfo_set(err, LM_INVALID, "priority", "priority must be 0..100");
    orders_oos pol;
    if (!orders_oos_parse(in->oos_policy, &pol))
        return lm_errinfo_set(err, LM_INVALID, "out_of_stock",
                              "must be one of cancel, backorder, substitute");
    if (in->has_location) {
        lm_status rc =
            geo_point_check((geo_point){.lat = in->lat, .lon = in->lon}, "customer.location", err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}

/* Whether the configured service area contains the order's location (parsing the GeoJSON only
 * when it changed). */
static lm_status area_facts(orders_svc *o, store_read *r, const orders_order *ord,
                            orders_audit_facts *f, lm_errinfo *err) {
    char *text = NULL;
    bool known = orders__area_known(o, r); /* read once per intake batch */
    if (!known) {
        lm_status rc = store_area_get(r, &text, err);
        if (rc != LM_OK) return rc;
        orders__area_checked(o, r);
    }
    pthread_mutex_lock(&o->area_mu);
    if (!known && (!o->area_text || strcmp(o->area_text, text) != 0)) {
        geo_area_destroy(o->area);
        o->area = NULL;
        lm_free(o->area_text);
        o->area_text = NULL;
        if (text[0] && geo_area_from_geojson(text, strlen(text), &o->area, NULL) != LM_OK)
            o->area = NULL; /* validated when stored; treat an unreadable one as none */
        o->area_text = text;
        text = NULL;
    }
    f->area_configured = o->area != NULL;
    f->in_area = o->area && ord->has_location &&
                 geo_area_contains(o->area, (geo_point){.lat = ord->lat, .lon = ord->lon});
    pthread_mutex_unlock(&o->area_mu);
    lm_free(text);
    return LM_OK;
}

static lm_status blacklist_facts(orders_svc *o, store_read *r, const orders_order *ord,
                                 orders_audit_facts *f, lm_errinfo *err) {
    bool any = true;
    lm_status any_rc = orders__blacklist_any(o, r, &any, err);
    if (any_rc != LM_OK || !any) return any_rc;
    char buf[STORE_ADDRESS_MAX + 1];
    static const char *const kinds[] = {"phone", "email", "address"};
    for (int k = 0; k < 3 && !f->blacklisted_by; k++) {
        if (k == 0) orders_phone_normalize(ord->customer_phone, buf, sizeof buf);
        if (k == 1) orders_email_normalize(ord->customer_email, buf, sizeof buf);
        if (k == 2) orders_address_normalize(ord->customer_address, buf, sizeof buf);
        if (!buf[0]) continue;
        bool hit = false;
        lm_status rc = store_blacklist_has(r, kinds[k], buf, &hit, err);
        if (rc != LM_OK) return rc;
        if (hit) f->blacklisted_by = kinds[k];
    }
    return LM_OK;
}

/* Tracking tokens draw 16 bytes each from the kernel's CSPRNG, fetched 512 at a time per
 * thread: one getrandom call per 32 orders instead of one each (perf-intake.md, round 5). */
static _Thread_local unsigned char token_pool[512];
static _Thread_local size_t token_left;

void orders__token_make(char out[33]) {
    if (token_left < 16) {
        /* retried until the kernel answers, as before: a token is never made of anything else */
        while (lm_random_bytes(token_pool, sizeof token_pool) != LM_OK) {
        }
        token_left = sizeof token_pool;
    }
    unsigned char *raw = token_pool + sizeof token_pool - token_left;
    token_left -= 16;
    lm_hex_encode(raw, 16, out);
    memset(raw, 0, 16); /* a drawn secret is not kept around */
}

/* A SKU whose sales are blocked (returns/ sets the block after too many quality returns; a person
 * clears it) holds the order instead of refusing it: the exception queue shows why, and a release
 * after the block is cleared lets it through. Appends one reason per blocked line to out. */
static lm_status sales_block_reason(orders_svc *o, store_read *r, const store_line *l,
                                    const char *field, orders_reason *out, size_t *n,
                                    lm_errinfo *err) {
    bool blocked = false;
    char why[160] = "";
    lm_status rc = orders__sales_block(o, r, l->sku, &blocked, why, sizeof why, err);
    if (rc != LM_OK || !blocked || *n >= ORDERS_REASONS_MAX) return rc;
    orders_reason *x = &out[(*n)++];
    memset(x, 0, sizeof *x);
    lm_strlcpy(x->rule, "sales_blocked", sizeof x->rule);
    lm_strlcpy(x->field, field, sizeof x->field);
    snprintf(x->message, sizeof x->message, "sales of SKU %.60s are blocked: %s", l->sku, why);
    return LM_OK;
}

/* The common case written once: an order that passed its audit, without money, that one depot
 * can serve whole is inserted in its final state (allocated) rather than inserted as received and
 * then updated. Rows and events are the general path's, in its order: the row, order.received,
 * the idempotency key, the reservations (stock.low as they cross), order.allocated. *done false
 * when no single depot can serve it: nothing was written and the general path takes it.
 * Without a savepoint (the intake queue's lazy_savepoints): every check is made before the first
 * write, so only the store's own failure (I/O, memory) can follow one, and that fails the whole
 * batch. */
static lm_status create_allocated(orders_svc *o, store_tx *tx, orders_order *ord,
                                  const char *idem_key, bool *done, lm_errinfo *err) {
    orders_order received = *ord; /* for order.received: status, depot and outcome as received */
    char extra[64];
    bool found = false;
    *done = false;
    lm_status rc = orders__allocate_pick(o, store_tx_read(tx), ord, &found, extra, err);
    if (rc != LM_OK || !found) return rc;
    orders_status from;
    if (!orders_status_parse(ord->status, &from) ||
        !orders_transition_allowed(from, ORDERS_ALLOCATED))
        return lm_errinfo_set(err, LM_CONFLICT, "status", "a new order is %s", ord->status);
    lm_strlcpy(ord->status, orders_status_name(ORDERS_ALLOCATED), sizeof ord->status);
    ord->updated_ms = o->now_ms();
    if ((rc = store_order_insert(tx, ord, &ord->id, err)) != LM_OK) return rc;
    received.id = ord->id;
    if ((rc = orders__event_order(tx, &received, "", NULL)) != LM_OK) return rc;
    if (idem_key && idem_key[0] && (rc = store_idem_put(tx, idem_key, ord->id, err)) != LM_OK)
        return rc;
    if ((rc = orders__reserve_lines(tx, ord, err)) != LM_OK) return rc;
    if ((rc = orders__event_order(tx, ord, received.status, extra)) != LM_OK) return rc;
    *done = true;
    return LM_OK;
}

/* Takes one prepared order in inside tx: idempotency, product checks, audit, pricing (when money
 * is given: orders/promotions.c), insert, allocation. On LM_OK *ord is the stored order (or, with
 * *replayed, the one first created under idem_key) and *money_res its money. */
static lm_status create_in_tx(orders_svc *o, store_tx *tx, orders_order *ordp, const char *idem_key,
                              bool *replayed, const orders_money_in *money,
                              orders_money_result *money_res, lm_errinfo *err) {
    orders_order ord = *ordp;
    store_read *r = store_tx_read(tx);
    lm_status rc = LM_OK;
    *replayed = false;
    if (idem_key && idem_key[0]) {
        int64_t existing = 0;
        if ((rc = store_idem_get(r, idem_key, &existing, err)) != LM_OK) return rc;
        if (existing) {
            orders_order prev;
            if ((rc = store_order_get(r, existing, &prev, err)) != LM_OK) return rc;
            if (money_res) {
                orders_money_clear(&money_res->money);
                rc = store_order_money_get(r, existing, &money_res->money, err);
                if (rc == LM_NOT_FOUND) rc = LM_OK; /* first created without money */
                if (rc != LM_OK) {
                    store_order_clear(&prev);
                    return rc;
                }
            }
            store_order_clear(ordp);
            *ordp = prev;
            *replayed = true;
            return LM_OK;
        }
    }
    ord.weight_g = ord.volume_cm3 = 0;
    orders_reason blocked[ORDERS_REASONS_MAX];
    size_t n_blocked = 0;
    for (size_t i = 0; i < ord.n_lines; i++) {
        store_product p;
        char f[48];
        snprintf(f, sizeof f, "lines[%zu].sku", i);
        rc = orders__product(o, r, ord.lines[i].sku, &p, err);
        if (rc == LM_NOT_FOUND)
            return lm_errinfo_set(err, LM_INVALID, f, "unknown SKU '%s'", ord.lines[i].sku);
        if (rc != LM_OK) return rc;
        if (!p.active)
            return lm_errinfo_set(err, LM_CONFLICT, f,
                                  "SKU '%s' is quarantined and cannot be ordered", p.sku);
        ord.weight_g += p.weight_g * ord.lines[i].qty;
        ord.volume_cm3 += p.volume_cm3 * ord.lines[i].qty;
        if ((rc = sales_block_reason(o, r, &ord.lines[i], f, blocked, &n_blocked, err)) != LM_OK)
            return rc;
    }

    store_orders_config cfg;
    if ((rc = orders__config(o, r, &cfg, err)) != LM_OK) return rc;
    orders_audit_facts facts = {0};
    if (cfg.rule_service_area && (rc = area_facts(o, r, &ord, &facts, err)) != LM_OK) return rc;
    if (cfg.rule_duplicate) {
        int64_t since = ord.created_ms - cfg.duplicate_window_s * 1000;
        rc = store_order_find_duplicate(r, ord.customer_key, ord.lines_sig, since,
                                        &facts.duplicate_of, err);
        if (rc != LM_OK) return rc;
    }
    if (cfg.rule_blacklist && (rc = blacklist_facts(o, r, &ord, &facts, err)) != LM_OK) return rc;
    if (cfg.rule_oversize) {
        store_fleet_fit_info fit;
        rc = orders__fleet_fit(o, r, ord.weight_g, ord.volume_cm3, &fit, err);
        if (rc != LM_OK) return rc;
        facts.fleet_vehicles = fit.vehicles;
        facts.fleet_fitting = fit.fitting;
        facts.fleet_max_g = fit.max_g;
        facts.fleet_max_cm3 = fit.max_cm3;
    }

    orders_reason reasons[ORDERS_REASONS_MAX];
    size_t nr = orders_audit_eval(&cfg, &ord, &facts, reasons, ORDERS_REASONS_MAX);
    if (nr > ORDERS_REASONS_MAX) nr = ORDERS_REASONS_MAX;
    for (size_t i = 0; i < n_blocked && nr < ORDERS_REASONS_MAX; i++)
        reasons[nr++] = blocked[i];
    if (!money && nr == 0) {
        bool done = false;
        if ((rc = create_allocated(o, tx, &ord, idem_key, &done, err)) != LM_OK) return rc;
        if (done) {
            *ordp = ord;
            return LM_OK;
        }
    }

    /* from here a refusal (money, a split) may come after writes: they must go with it */
    if ((rc = store_cq_savepoint(err)) != LM_OK) return rc;
    if ((rc = store_order_insert(tx, &ord, &ord.id, err)) != LM_OK) return rc;
    if ((rc = orders__event_order(tx, &ord, "", NULL)) != LM_OK) return rc;
    if (idem_key && idem_key[0] && (rc = store_idem_put(tx, idem_key, ord.id, err)) != LM_OK)
        return rc;
    if (money && (rc = orders__money_intake(o, tx, &ord, money, money_res, reasons,
                                            ORDERS_REASONS_MAX, &nr, err)) != LM_OK)
        return rc;
    if (nr > 0) {
        lm_buf b;
        lm_buf_init(&b, 16384);
        rc = lm_buf_append(&b, "\"reasons\":[", 11);
        for (size_t i = 0; i < nr && rc == LM_OK; i++) {
            store_exception e = {.order_id = ord.id, .created_ms = ord.created_ms};
            lm_strlcpy(e.rule, reasons[i].rule, sizeof e.rule);
            lm_strlcpy(e.field, reasons[i].field, sizeof e.field);
            lm_strlcpy(e.message, reasons[i].message, sizeof e.message);
            rc = store_exception_add(tx, &e, err);
            if (rc == LM_OK)
                rc = lm_buf_printf(&b, "%s{\"rule\":\"%s\",\"message\":", i ? "," : "", e.rule);
            if (rc == LM_OK) rc = lm_buf_json_str(&b, e.message);
            if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
        }
        if (rc == LM_OK) rc = lm_buf_append(&b, "]", 1);
        if (rc == LM_OK) rc = orders__order_move(o, tx, &ord, ORDERS_HELD, b.data);
        lm_buf_free(&b);
        if (rc != LM_OK) return rc;
    } else {
        bool moved = false;
        if ((rc = orders__allocate(o, tx, &ord, ORDERS__ALLOC_APPLY_POLICY, &moved, err)) != LM_OK)
            return rc;
    }
    /* the lines as inserted unless allocation substituted (ordered_sku set) or split (fewer) */
    bool lines_as_stored = ord.n_lines == ordp->n_lines;
    for (size_t i = 0; i < ord.n_lines; i++)
        lines_as_stored &= ord.lines[i].ordered_sku[0] == '\0';
    rc =
        lines_as_stored ? store_order_update_row(tx, &ord, err) : store_order_update(tx, &ord, err);
    if (rc != LM_OK) return rc;
    *ordp = ord;
    return LM_OK;
}

/* ---- Group commit of order intake ----
 * Concurrent creations queue on the service's commit queue (store/commit_queue.h), which runs up
 * to 2,000 of them in a single write transaction, each inside its own savepoint (a rejected order
 * undoes only itself), commits once, and hands every caller its result after that commit. An
 * order is still checked against the stock left by the ones before it in the same transaction,
 * so no oversell, and idempotency keys stay exact. One fsync and one set of prepared statements
 * serve the whole batch. */

/* orders_order_create_many queues this many at a time: an import's transaction (one fsync per
 * 2,000 orders, and the index pages they share written once; bench/results/perf-intake.md) */
#define CREATE_CHUNK 2000

typedef struct create_job {
    orders_svc *o;
    orders_order ord; /* in: prepared order (owns its lines); out: the stored one */
    const char *idem_key;
    bool replayed;
    const orders_money_in *money;  /* NULL: an order without money */
    orders_money_result money_res; /* out, with money */
} create_job;

/* The commit queue's unit: one creation. */
static lm_status create_unit(store_tx *tx, void *arg, lm_errinfo *err) {
    create_job *j = arg;
    orders__facts_begin(j->o, tx);
    lm_status rc =
        create_in_tx(j->o, tx, &j->ord, j->idem_key, &j->replayed, j->money, &j->money_res, err);
    orders__facts_end(j->o);
    return rc;
}

/* Validates in (and its money, when given) and fills job with a private copy ready for
 * create_in_tx. */
static lm_status job_prepare(orders_svc *o, const orders_order *in, const orders_money_in *money,
                             const char *idem_key, create_job *job, lm_errinfo *err) {
    lm_status rc = order_check(in, err);
    if (rc != LM_OK) return rc;
    if (money && (rc = orders__money_check(money, in->n_lines, err)) != LM_OK) return rc;
    if (idem_key && strlen(idem_key) > STORE_REF_MAX)
        return lm_errinfo_set(err, LM_INVALID, "Idempotency-Key", "at most %d characters",
                              STORE_REF_MAX);
    memset(job, 0, sizeof *job);
    job->o = o;
    job->idem_key = idem_key;
    job->money = money;
    orders_order *ord = &job->ord;
    *ord = *in;
    ord->lines = NULL;
    if (in->n_lines) {
        ord->lines = lm_calloc(in->n_lines, sizeof *ord->lines);
        if (!ord->lines) return lm_errinfo_set(err, LM_NOMEM, "lines", "out of memory");
        memcpy(ord->lines, in->lines, in->n_lines * sizeof *ord->lines);
    }
    for (size_t i = 0; i < ord->n_lines; i++)
        ord->lines[i].ordered_sku[0] = '\0';
    ord->id = 0;
    ord->depot_id[0] = ord->stock_outcome[0] = '\0';
    ord->pkg_weight_g = ord->pkg_volume_cm3 = ord->pkg_parcels = 0;
    orders__token_make(ord->tracking_token);
    lm_strlcpy(ord->status, "received", sizeof ord->status);
    ord->created_ms = ord->updated_ms = o->now_ms();
    orders_customer_key(ord, ord->customer_key, sizeof ord->customer_key);
    if ((rc = orders_lines_signature(ord->lines, ord->n_lines, ord->lines_sig,
                                     sizeof ord->lines_sig)) != LM_OK) {
        store_order_clear(ord);
        return lm_errinfo_set(err, rc, "lines", "lines too long to compare");
    }
    return LM_OK;
}

lm_status orders_order_create(orders_svc *o, const orders_order *in, const char *idem_key,
                              orders_order *out, bool *replayed, lm_errinfo *err) {
    return orders_order_create_priced(o, in, NULL, idem_key, out, NULL, replayed, err);
}

lm_status orders_order_create_priced(orders_svc *o, const orders_order *in,
                                     const orders_money_in *money, const char *idem_key,
                                     orders_order *out, orders_money_result *money_out,
                                     bool *replayed, lm_errinfo *err) {
    create_job job;
    lm_status rc = job_prepare(o, in, money, idem_key, &job, err);
    if (rc != LM_OK) return rc;
    lm_errinfo e;
    lm_errinfo_clear(&e);
    rc = store_cq_submit_wait(o->intake, create_unit, &job, 1, &e);
    if (rc != LM_OK) {
        store_order_clear(&job.ord);
        orders_money_clear(&job.money_res.money);
        if (err) *err = e;
        return rc;
    }
    if (replayed) *replayed = job.replayed;
    *out = job.ord;
    if (money_out)
        *money_out = job.money_res;
    else
        orders_money_clear(&job.money_res.money);
    return LM_OK;
}

/* ---- Asynchronous intake: the caller does not wait (an HTTP reply deferred until the commit) */

typedef struct submit_job {
    create_job job;
    orders_money_in money; /* the job's money points here */
    orders_create_done done;
    void *ctx;
} submit_job;

/* The commit queue's completion: hands the stored order over and frees the job. */
static void submit_done(void *arg, lm_status st, const lm_errinfo *err) {
    submit_job *s = arg;
    s->done(s->ctx, st, err, &s->job.ord, &s->job.money_res, s->job.replayed);
    if (st != LM_OK) {
        store_order_clear(&s->job.ord);
        orders_money_clear(&s->job.money_res.money);
    }
    lm_free(s);
}

lm_status orders_order_create_submit(orders_svc *o, const orders_order *in,
                                     const orders_money_in *money, const char *idem_key,
                                     orders_create_done done, void *ctx, lm_errinfo *err) {
    submit_job *s = lm_calloc(1, sizeof *s);
    if (!s) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if (money) s->money = *money;
    lm_status rc = job_prepare(o, in, money ? &s->money : NULL, idem_key, &s->job, err);
    if (rc != LM_OK) {
        lm_free(s);
        return rc;
    }
    s->done = done;
    s->ctx = ctx;
    if ((rc = store_cq_submit(o->intake, create_unit, submit_done, s, 1)) != LM_OK) {
        store_order_clear(&s->job.ord);
        lm_free(s);
        return lm_errinfo_set(err, rc, "", "order intake is stopping or full; retry");
    }
    return LM_OK;
}

lm_status orders_order_create_tx(orders_svc *o, store_tx *tx, const orders_order *in,
                                 orders_order *out, lm_errinfo *err) {
    create_job job;
    lm_status rc = job_prepare(o, in, NULL, NULL, &job, err);
    if (rc != LM_OK) return rc;
    bool replayed = false;
    rc = create_in_tx(o, tx, &job.ord, NULL, &replayed, NULL, &job.money_res, err);
    orders_money_clear(&job.money_res.money);
    if (rc != LM_OK) {
        store_order_clear(&job.ord);
        return rc;
    }
    *out = job.ord;
    return LM_OK;
}

lm_status orders_order_create_many(orders_svc *o, const orders_order *in,
                                   const char *const *idem_keys, size_t n,
                                   orders_create_result *results) {
    return orders_order_create_many_priced(o, in, NULL, idem_keys, n, results);
}

lm_status orders_order_create_many_priced(orders_svc *o, const orders_order *in,
                                          const orders_money_in *money,
                                          const char *const *idem_keys, size_t n,
                                          orders_create_result *results) {
    create_job *jobs = lm_calloc(CREATE_CHUNK, sizeof *jobs);
    store_cq_unit *units = lm_calloc(CREATE_CHUNK, sizeof *units);
    if (!jobs || !units) {
        lm_free(jobs);
        lm_free(units);
        return LM_NOMEM;
    }
    for (size_t start = 0; start < n; start += CREATE_CHUNK) {
        size_t end = start + CREATE_CHUNK < n ? start + CREATE_CHUNK : n, k = 0;
        for (size_t i = start; i < end; i++) {
            orders_create_result *res = &results[i];
            memset(res, 0, sizeof *res);
            const orders_money_in *mi = money && money[i].currency[0] ? &money[i] : NULL;
            res->rc =
                job_prepare(o, &in[i], mi, idem_keys ? idem_keys[i] : NULL, &jobs[k], &res->err);
            if (res->rc == LM_OK) {
                units[k] = (store_cq_unit){.work = create_unit, .arg = &jobs[k], .weight = 1};
                k++;
            }
        }
        /* a refused queue (stopping) sets every unit's outcome, so the loop below reports it */
        if (k) {
            lm_status ran = store_cq_run(o->intake, units, k);
            (void)ran;
        }
        size_t j = 0;
        for (size_t i = start; i < end; i++) {
            orders_create_result *res = &results[i];
            if (res->rc != LM_OK) continue; /* rejected before the transaction */
            create_job *job = &jobs[j];
            store_cq_unit *u = &units[j++];
            res->rc = u->st;
            if (u->st == LM_OK) {
                res->id = job->ord.id;
                res->replayed = job->replayed;
                lm_strlcpy(res->status, job->ord.status, sizeof res->status);
                const orders_money *m = &job->money_res.money;
                res->priced = m->currency[0] != '\0';
                lm_strlcpy(res->currency, m->currency, sizeof res->currency);
                lm_strlcpy(res->payment_status, m->payment_status, sizeof res->payment_status);
                res->total = m->total;
                res->n_warnings = job->money_res.n_warnings;
            } else {
                res->err = u->err;
            }
            store_order_clear(&job->ord);
            orders_money_clear(&job->money_res.money);
        }
    }
    lm_free(units);
    lm_free(jobs);
    return LM_OK;
}
