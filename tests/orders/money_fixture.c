/* tests/orders/money_fixture.c: the shared fixture of the money service suites
 * (tests/orders/money_fixture.h). */
#include "money_fixture.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

int64_t money_fx_now = 1767225600000; /* 2026-01-01T00:00:00Z */

static int64_t clock_fx(void) {
    return money_fx_now;
}

static void service_open(money_fx *f) {
    if (tmp_db_store_open(&f->db, 4, &f->s) != 0) fail_msg("store open");
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = f->s;
    oo.now_ms = clock_fx;
    if (orders_create(&oo, &f->o) != LM_OK) fail_msg("orders_create");
}

void money_fx_reopen(money_fx *f) {
    orders_destroy(f->o);
    store_close(f->s);
    service_open(f);
}

static void product(money_fx *f, const char *sku, const char *sub, int64_t price, int32_t bp,
                    const char *cat, int64_t stock) {
    orders_product p = {.weight_g = 100, .volume_cm3 = 100, .active = true};
    lm_strlcpy(p.sku, sku, sizeof p.sku);
    lm_strlcpy(p.name, sku, sizeof p.name);
    lm_strlcpy(p.substitute_sku, sub, sizeof p.substitute_sku);
    lm_errinfo err = {0};
    if (orders_product_put(f->o, &p, &err) != LM_OK) fail_msg("product %s", err.message);
    orders_price pr = {.unit_price = price, .tax_rate_bp = bp};
    lm_strlcpy(pr.sku, sku, sizeof pr.sku);
    lm_strlcpy(pr.currency, "EUR", sizeof pr.currency);
    lm_strlcpy(pr.category, cat, sizeof pr.category);
    if (orders_price_put(f->o, &pr, &err) != LM_OK) fail_msg("price %s", err.message);
    orders_stock st;
    if (stock && orders_stock_set(f->o, "d1", sku, stock, 0, &st, &err) != LM_OK)
        fail_msg("stock %s", err.message);
}

int money_fx_setup(void **state) {
    money_fx *f = calloc(1, sizeof *f);
    if (!f || tmp_db_create(&f->db, "lm_money_") != 0) return -1;
    money_fx_now = 1767225600000;
    service_open(f);
    orders_depot d = {.lon = 13.40, .lat = 52.50, .open_s = 0, .close_s = 86399};
    lm_strlcpy(d.id, "d1", sizeof d.id);
    lm_strlcpy(d.name, "d1", sizeof d.name);
    lm_errinfo err = {0};
    if (orders_depot_put(f->o, &d, &err) != LM_OK) return -1;
    product(f, "A", "", 1000, 2000, "", 1000);
    product(f, "B", "", 333, 700, "", 1000);
    product(f, "C", "", 300, 0, "food", 1000);
    product(f, "tea-green", "", 250, 700, "", 1000);
    product(f, "coffee", "tea-green", 400, 700, "", 0);
    orders_price jpy = {.unit_price = 1500, .tax_rate_bp = 1000};
    lm_strlcpy(jpy.sku, "A", sizeof jpy.sku);
    lm_strlcpy(jpy.currency, "JPY", sizeof jpy.currency);
    if (orders_price_put(f->o, &jpy, &err) != LM_OK) return -1;
    *state = f;
    return 0;
}

int money_fx_teardown(void **state) {
    money_fx *f = *state;
    orders_destroy(f->o);
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

orders_money_in money_fx_in(const char *currency, const char *method, int64_t shipping,
                            const char *coupon1, const char *coupon2) {
    orders_money_in mi;
    memset(&mi, 0, sizeof mi);
    lm_strlcpy(mi.currency, currency, sizeof mi.currency);
    lm_strlcpy(mi.payment_method, method ? method : "", sizeof mi.payment_method);
    mi.shipping_fee = shipping;
    const char *c[2] = {coupon1, coupon2};
    for (int i = 0; i < 2; i++)
        if (c[i] && c[i][0]) lm_strlcpy(mi.coupons[mi.n_coupons++], c[i], STORE_CODE_MAX + 1);
    return mi;
}

lm_status money_fx_order(money_fx *f, const char *lines, const char *phone, const char *channel,
                         const orders_money_in *mi, int64_t *id, orders_money_result *res,
                         lm_errinfo *err) {
    orders_line ls[8];
    size_t n = 0;
    /* "SKU:qty,SKU:qty" */
    for (const char *p = lines; *p && n < 8;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char tok[96];
        lm_strlcpy(tok, p, len + 1 < sizeof tok ? len + 1 : sizeof tok);
        char *colon = strchr(tok, ':');
        memset(&ls[n], 0, sizeof ls[n]);
        if (colon) *colon = '\0';
        lm_strlcpy(ls[n].sku, tok, sizeof ls[n].sku);
        ls[n].qty = colon ? strtol(colon + 1, NULL, 10) : 1;
        n++;
        p += len + (end ? 1 : 0);
    }
    orders_order in;
    memset(&in, 0, sizeof in);
    static int counter;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    int me = ++counter;
    pthread_mutex_unlock(&mu);
    lm_strlcpy(in.customer_name, "Grace Hopper", sizeof in.customer_name);
    if (phone)
        lm_strlcpy(in.customer_phone, phone, sizeof in.customer_phone);
    else
        snprintf(in.customer_phone, sizeof in.customer_phone, "+4930%07d", me);
    snprintf(in.customer_address, sizeof in.customer_address, "%d Money Street", me);
    lm_strlcpy(in.channel, channel ? channel : "", sizeof in.channel);
    in.has_location = true;
    in.lon = 13.41;
    in.lat = 52.51;
    in.lines = ls;
    in.n_lines = n;
    orders_order out;
    bool replayed = false;
    lm_status rc = orders_order_create_priced(f->o, &in, mi, NULL, &out, res, &replayed, err);
    if (rc == LM_OK) {
        *id = out.id;
        orders_order_clear(&out);
    }
    return rc;
}

orders_promotion money_fx_promo_make(const char *id, const char *kind, const char *scope,
                                     const char *target) {
    orders_promotion p;
    memset(&p, 0, sizeof p);
    lm_strlcpy(p.id, id, sizeof p.id);
    lm_strlcpy(p.kind, kind, sizeof p.kind);
    lm_strlcpy(p.scope, scope, sizeof p.scope);
    lm_strlcpy(p.target, target, sizeof p.target);
    lm_strlcpy(p.currency, "EUR", sizeof p.currency);
    p.combinable = true;
    p.active = true;
    return p;
}

void money_fx_promo(money_fx *f, const orders_promotion *p) {
    lm_errinfo err = {0};
    if (orders_promotion_put(f->o, p, &err) != LM_OK)
        fail_msg("promotion %s: %s %s", p->id, err.field, err.message);
}

void money_fx_config(money_fx *f, bool coupon_refuse, bool hold_unpaid) {
    orders_money_config c;
    lm_errinfo err = {0};
    MONEY_OK(orders_money_config_get(f->o, &c, &err));
    c.coupon_refuse = coupon_refuse;
    c.hold_unpaid = hold_unpaid;
    MONEY_OK(orders_money_config_put(f->o, &c, &err));
}

void money_fx_to_door(money_fx *f, int64_t id) {
    orders_order o;
    lm_errinfo err = {0};
    MONEY_OK(orders_order_picking(f->o, id, &o, &err));
    orders_order_clear(&o);
    MONEY_OK(orders_order_ready(f->o, id, 100, 100, 1, &o, &err));
    orders_order_clear(&o);
    MONEY_OK(orders_order_advance(f->o, id, ORDERS_PLANNED, &o, &err));
    orders_order_clear(&o);
    MONEY_OK(orders_order_advance(f->o, id, ORDERS_OUT_FOR_DELIVERY, &o, &err));
    orders_order_clear(&o);
}

orders_money money_fx_get(money_fx *f, int64_t id) {
    orders_money m;
    lm_errinfo err = {0};
    if (orders_money_get(f->o, id, &m, &err) != LM_OK) fail_msg("money of %lld", (long long)id);
    return m;
}

void money_fx_status(money_fx *f, int64_t id, char out[24]) {
    orders_order o;
    lm_errinfo err = {0};
    MONEY_OK(orders_order_get(f->o, id, &o, &err));
    lm_strlcpy(out, o.status, 24);
    orders_order_clear(&o);
}

int64_t money_fx_reserved(money_fx *f, const char *sku) {
    orders_stock *all = NULL;
    size_t n = 0;
    int64_t r = -1;
    lm_errinfo err = {0};
    MONEY_OK(orders_stock_list(f->o, false, &all, &n, &err));
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i].depot_id, "d1") && !strcmp(all[i].sku, sku)) r = all[i].reserved;
    lm_free(all);
    return r;
}
