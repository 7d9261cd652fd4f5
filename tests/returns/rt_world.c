/* tests/returns/rt_world.c: the returns suites' world (rt_world.h). */
#include "rt_world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int64_t clock_rt(void) {
    return money_fx_now;
}

static void returns_open(rt_world *w) {
    returns_opts o;
    returns_opts_init(&o);
    o.st = w->fx->s;
    o.orders = w->fx->o;
    o.now_ms = clock_rt;
    if (returns_create(&o, &w->r) != LM_OK) fail_msg("returns_create");
}

int rt_setup(void **state) {
    rt_world *w = calloc(1, sizeof *w);
    void *fx = NULL;
    if (!w || money_fx_setup(&fx) != 0) return -1;
    w->fx = fx;
    money_fx_config(w->fx, false, false); /* unpaid orders are not held: backorders show */
    returns_open(w);
    *state = w;
    return 0;
}

int rt_teardown(void **state) {
    rt_world *w = *state;
    returns_destroy(w->r);
    void *fx = w->fx;
    money_fx_teardown(&fx);
    free(w);
    return 0;
}

void rt_reopen(rt_world *w) {
    returns_destroy(w->r);
    money_fx_reopen(w->fx);
    returns_open(w);
}

int64_t rt_delivered(rt_world *w, const char *lines, const char *channel) {
    orders_money_in mi = money_fx_in("EUR", "", 0, NULL, NULL);
    orders_money_result res;
    lm_errinfo err = {0};
    int64_t id = 0;
    if (money_fx_order(w->fx, lines, NULL, channel, &mi, &id, &res, &err) != LM_OK)
        fail_msg("order %s: %s %s", lines, err.field, err.message);
    orders_payment_report rep = {.amount = res.money.total};
    orders_money_clear(&res.money);
    lm_strlcpy(rep.status, "paid", sizeof rep.status);
    lm_strlcpy(rep.reference, "psp-1", sizeof rep.reference);
    orders_money m;
    if (orders_payment_report_apply(w->fx->o, id, &rep, &m, &err) != LM_OK)
        fail_msg("pay: %s %s", err.field, err.message);
    orders_money_clear(&m);
    money_fx_to_door(w->fx, id);
    orders_order o;
    if (orders_order_advance(w->fx->o, id, ORDERS_DELIVERED, &o, &err) != LM_OK)
        fail_msg("deliver: %s", err.message);
    orders_order_clear(&o);
    return id;
}

returns_request rt_request(int64_t order_id, const char *lines, const char *reason,
                           const char *method) {
    returns_request q;
    memset(&q, 0, sizeof q);
    q.order_id = order_id;
    lm_strlcpy(q.reason, reason, sizeof q.reason);
    lm_strlcpy(q.method, method, sizeof q.method);
    lm_strlcpy(q.actor, "customer", sizeof q.actor);
    for (const char *p = lines; *p && q.n_lines < STORE_RMA_LINES_MAX;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char tok[96];
        lm_strlcpy(tok, p, len + 1 < sizeof tok ? len + 1 : sizeof tok);
        char *colon = strchr(tok, ':');
        if (colon) *colon = '\0';
        lm_strlcpy(q.lines[q.n_lines].sku, tok, sizeof q.lines[0].sku);
        q.lines[q.n_lines++].qty = colon ? strtol(colon + 1, NULL, 10) : 1;
        p += len + (end ? 1 : 0);
    }
    return q;
}

returns_rma rt_rma(rt_world *w, int64_t order_id, const char *lines, const char *reason) {
    returns_request q = rt_request(order_id, lines, reason, "");
    returns_rma m;
    lm_errinfo err = {0};
    if (returns_rma_request(w->r, &q, &m, &err) != LM_OK)
        fail_msg("request %s: %s %s", lines, err.field, err.message);
    return m;
}

void rt_to_received(rt_world *w, int64_t id) {
    lm_errinfo err = {0};
    returns_rma m;
    if (returns_rma_schedule(w->r, id, "dispatcher", &m, &err) != LM_OK ||
        returns_rma_collect(w->r, id, "driver-1", &m, &err) != LM_OK ||
        returns_rma_receive(w->r, id, "warehouse", &m, &err) != LM_OK)
        fail_msg("to received: %s %s", err.field, err.message);
}

void rt_policy(rt_world *w, const returns_policy *p) {
    lm_errinfo err = {0};
    if (returns_policy_put(w->r, p, "admin", &err) != LM_OK)
        fail_msg("policy: %s %s", err.field, err.message);
}

orders_stock rt_stock(rt_world *w, const char *sku) {
    orders_stock *rows = NULL, out;
    size_t n = 0;
    lm_errinfo err = {0};
    memset(&out, 0, sizeof out);
    if (orders_stock_list(w->fx->o, false, &rows, &n, &err) != LM_OK) fail_msg("stock list");
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].sku, sku) && !strcmp(rows[i].depot_id, "d1")) out = rows[i];
    lm_free(rows);
    return out;
}

int64_t rt_events(rt_world *w, const char *type) {
    if (type) return tmp_db_count_events(w->fx->s, type);
    store_read *r = NULL;
    if (store_read_begin(w->fx->s, &r) != LM_OK) fail_msg("store_read_begin");
    int64_t count = 0, after = 0;
    for (int page = 0; page < 1000; page++) {
        store_event *ev = NULL;
        size_t n = 0;
        if (store_events_since(r, after, 10000, &ev, &n) != LM_OK) fail_msg("events");
        count += (int64_t)n;
        if (n) after = ev[n - 1].seq;
        store_events_free(ev, n);
        if (n < 10000) break;
    }
    store_read_end(r);
    return count;
}
