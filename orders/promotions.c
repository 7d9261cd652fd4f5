/* orders/promotions.c: prices and promotions as data, and their use at intake: pricing an order
 * in the transaction that creates it (coupon checks, usage limits counted in that transaction,
 * totals stored so later price changes never rewrite history), and the recomputation of an
 * order's totals with the terms it already got. */
#include "orders/money_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Intake ---- */

lm_status orders__money_check(const orders_money_in *in, size_t n_lines, lm_errinfo *err) {
    if (orders_currency_exponent(in->currency) < 0)
        return lm_errinfo_set(err, LM_INVALID, "currency",
                              "'%.8s' is not an ISO 4217 currency code (three capital letters)",
                              in->currency);
    if (in->shipping_fee < 0 || in->shipping_fee > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "shipping_fee",
                              "must be 0..10000000000 minor units");
    for (size_t i = 0; in->lines && i < n_lines; i++) {
        const orders_money_line_in *l = &in->lines[i];
        char f[48];
        if (l->has_unit_price && (l->unit_price < 0 || l->unit_price > ORDERS_AMOUNT_MAX)) {
            snprintf(f, sizeof f, "lines[%zu].unit_price", i);
            return lm_errinfo_set(err, LM_INVALID, f, "must be 0..10000000000 minor units");
        }
        if (l->has_tax_rate && (l->tax_rate_bp < 0 || l->tax_rate_bp > 10000)) {
            snprintf(f, sizeof f, "lines[%zu].tax_rate_bp", i);
            return lm_errinfo_set(err, LM_INVALID, f, "must be 0..10000 basis points");
        }
    }
    if (in->payment_method[0] && !orders_pay_method_valid(in->payment_method))
        return lm_errinfo_set(err, LM_INVALID, "payment.method",
                              "must be card, transfer, wallet or cod");
    if (in->n_coupons > ORDERS_COUPONS_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "coupons", "at most %d coupons", ORDERS_COUPONS_MAX);
    for (size_t i = 0; i < in->n_coupons; i++) {
        const char *c = in->coupons[i];
        size_t n = strnlen(c, STORE_CODE_MAX + 1);
        bool ok = n > 0 && n <= STORE_CODE_MAX;
        for (size_t k = 0; ok && k < n; k++)
            ok = isalnum((unsigned char)c[k]) || c[k] == '_' || c[k] == '-';
        if (!ok) {
            char f[32];
            snprintf(f, sizeof f, "coupons[%zu]", i);
            return lm_errinfo_set(err, LM_INVALID, f, "a code is 1..32 letters, digits, _ or -");
        }
    }
    return LM_OK;
}

/* Why a promotion cannot be used by this order at all (before pricing), or NULL. */
static const char *promo_ineligible(const orders_promotion *p, const orders_order *ord,
                                    const char *currency, int64_t now_ms) {
    if (!p->active) return "inactive";
    if (p->valid_from_ms && now_ms < p->valid_from_ms) return "not_yet_valid";
    if (p->valid_until_ms && now_ms >= p->valid_until_ms) return "expired";
    if (p->channel[0] && strcmp(p->channel, ord->channel)) return "channel";
    if (p->currency[0] && strcmp(p->currency, currency)) return "currency";
    return NULL;
}

static lm_status promo_limits(store_read *r, const orders_promotion *p, const char *customer_key,
                              const char **why, lm_errinfo *err) {
    *why = NULL;
    if (!p->limit_total && !p->limit_per_customer) return LM_OK;
    int64_t total = 0, mine = 0;
    lm_status rc = store_promotion_uses(r, p->id, customer_key, &total, &mine, err);
    if (rc != LM_OK) return rc;
    if (p->limit_total && total >= p->limit_total)
        *why = "limit";
    else if (p->limit_per_customer && mine >= p->limit_per_customer)
        *why = "customer_limit";
    return LM_OK;
}

static const char *reason_sentence(const char *why) {
    static const struct {
        const char *why, *text;
    } k[] = {
        {"unknown", "no such coupon"},
        {"inactive", "the promotion is switched off"},
        {"not_yet_valid", "the coupon is not valid yet"},
        {"expired", "the coupon has expired"},
        {"channel", "the coupon is not valid on this sales channel"},
        {"currency", "the coupon is for another currency"},
        {"limit", "the coupon has been used as often as it may be"},
        {"customer_limit", "this customer has used the coupon as often as allowed"},
        {"duplicate", "the same coupon is given twice"},
        {"min_order", "the order is below the coupon's minimum value"},
        {"not_combinable", "the coupon cannot be combined with the other promotions"},
        {"no_items", "nothing in the order qualifies for the coupon"},
        {"too_many", "too many discounts on one order"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(k[i].why, why)) return k[i].text;
    return why;
}

/* What the intake collects before pricing: the candidates and, per coupon, its candidate. */
typedef struct intake_candidates {
    orders_promotion promos[STORE_ADJ_MAX];
    size_t n;
    long coupon_of[STORE_ADJ_MAX];            /* candidate -> coupon index, -1 automatic */
    const char *rejected[ORDERS_COUPONS_MAX]; /* coupon -> reason, NULL while accepted */
} intake_candidates;

static lm_status gather_candidates(orders_svc *o, store_read *r, const orders_order *ord,
                                   const orders_money_in *in, intake_candidates *c,
                                   lm_errinfo *err) {
    int64_t now = o->now_ms();
    orders_promotion *autos = NULL;
    size_t n_autos = 0;
    lm_status rc = store_promotion_list(r, true, &autos, &n_autos, err);
    if (rc != LM_OK) return rc;
    for (size_t i = 0; i < n_autos && rc == LM_OK; i++) {
        const char *why = promo_ineligible(&autos[i], ord, in->currency, now);
        if (!why) rc = promo_limits(r, &autos[i], ord->customer_key, &why, err);
        if (rc != LM_OK || why) continue; /* automatic ones that do not fit stay silent */
        if (c->n == STORE_ADJ_MAX) break;
        c->coupon_of[c->n] = -1;
        c->promos[c->n++] = autos[i];
    }
    lm_free(autos);
    for (size_t k = 0; k < in->n_coupons && rc == LM_OK; k++) {
        char code[STORE_CODE_MAX + 1];
        lm_strlcpy(code, in->coupons[k], sizeof code);
        for (char *p = code; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        for (size_t j = 0; j < k && !c->rejected[k]; j++)
            if (!strcasecmp(in->coupons[j], code)) c->rejected[k] = "duplicate";
        if (c->rejected[k]) continue;
        orders_promotion p;
        rc = store_promotion_by_code(r, code, &p, err);
        if (rc == LM_NOT_FOUND) {
            rc = LM_OK;
            c->rejected[k] = "unknown";
            continue;
        }
        if (rc != LM_OK) break;
        const char *why = promo_ineligible(&p, ord, in->currency, now);
        if (!why && (rc = promo_limits(r, &p, ord->customer_key, &why, err)) != LM_OK) break;
        if (why) {
            c->rejected[k] = why;
        } else if (c->n == STORE_ADJ_MAX) {
            c->rejected[k] = "too_many";
        } else {
            c->coupon_of[c->n] = (long)k;
            c->promos[c->n++] = p;
        }
    }
    return rc;
}

static lm_status price_lines(store_read *r, const orders_order *ord, const orders_money_in *in,
                             orders_money_line *lines, lm_errinfo *err) {
    for (size_t i = 0; i < ord->n_lines; i++) {
        orders_money_line *l = &lines[i];
        const orders_money_line_in *li = in->lines ? &in->lines[i] : NULL;
        memset(l, 0, sizeof *l);
        lm_strlcpy(l->sku, ord->lines[i].sku, sizeof l->sku);
        l->qty = ord->lines[i].qty;
        orders_price p;
        lm_status rc = store_price_get(r, l->sku, in->currency, &p, err);
        if (rc == LM_NOT_FOUND && li && li->has_unit_price && li->has_tax_rate) {
            rc = LM_OK;
            memset(&p, 0, sizeof p);
        } else if (rc == LM_NOT_FOUND) {
            char f[48];
            snprintf(f, sizeof f, "lines[%zu].unit_price", i);
            return lm_errinfo_set(err, LM_INVALID, f,
                                  "SKU '%s' has no price in %s: give unit_price and tax_rate_bp",
                                  l->sku, in->currency);
        }
        if (rc != LM_OK) return rc;
        l->unit_price = li && li->has_unit_price ? li->unit_price : p.unit_price;
        l->tax_rate_bp = li && li->has_tax_rate ? li->tax_rate_bp : p.tax_rate_bp;
        lm_strlcpy(l->category, p.category, sizeof l->category);
    }
    return LM_OK;
}

/* The first rejected coupon as the order's refusal. */
static lm_status coupon_refusal(const orders_money_in *in, const intake_candidates *c,
                                lm_errinfo *err) {
    for (size_t k = 0; k < in->n_coupons; k++) {
        if (!c->rejected[k]) continue;
        char f[32];
        snprintf(f, sizeof f, "coupons[%zu]", k);
        bool used_up =
            !strcmp(c->rejected[k], "limit") || !strcmp(c->rejected[k], "customer_limit");
        return lm_errinfo_set(err, used_up ? LM_CONFLICT : LM_INVALID, f,
                              "coupon '%.32s' rejected (%s): %s", in->coupons[k], c->rejected[k],
                              reason_sentence(c->rejected[k]));
    }
    return LM_OK;
}

static void warnings_fill(const orders_money_in *in, const intake_candidates *c,
                          orders_money_result *res) {
    for (size_t k = 0; k < in->n_coupons && res->n_warnings < ORDERS_WARNINGS_MAX; k++) {
        if (!c->rejected[k]) continue;
        orders_money_warning *w = &res->warnings[res->n_warnings++];
        snprintf(w->field, sizeof w->field, "coupons[%zu]", k);
        lm_strlcpy(w->reason, c->rejected[k], sizeof w->reason);
        snprintf(w->message, sizeof w->message, "coupon '%.32s' not applied: %s", in->coupons[k],
                 reason_sentence(c->rejected[k]));
    }
}

/* The order.priced event: totals, payment, adjustments and the coupons left out. */
static lm_status event_priced(store_tx *tx, const orders_money_result *res) {
    lm_buf b;
    lm_buf_init(&b, 32768);
    lm_status rc = orders__adjustments_json(&b, &res->money);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"warnings\":[", 13);
    for (size_t i = 0; i < res->n_warnings && rc == LM_OK; i++)
        rc = lm_buf_printf(&b, "%s{\"field\":\"%s\",\"reason\":\"%s\"}", i ? "," : "",
                           res->warnings[i].field, res->warnings[i].reason);
    if (rc == LM_OK) rc = lm_buf_append(&b, "]", 1);
    if (rc == LM_OK) rc = orders__event_money(tx, "order.priced", &res->money, b.data);
    lm_buf_free(&b);
    return rc;
}

/* Records one use per applied promotion with what it took off in total. */
static lm_status uses_record(store_tx *tx, const orders_order *ord, const orders_money *m,
                             int64_t now_ms, lm_errinfo *err) {
    for (size_t a = 0; a < m->n_adj; a++) {
        bool first = true;
        for (size_t b = 0; b < a && first; b++)
            first = strcmp(m->adj[b].promotion_id, m->adj[a].promotion_id) != 0;
        if (!first) continue;
        int64_t sum = 0;
        for (size_t b = a; b < m->n_adj; b++)
            if (!strcmp(m->adj[b].promotion_id, m->adj[a].promotion_id)) sum += m->adj[b].amount;
        lm_status rc = store_promotion_use_add(tx, m->adj[a].promotion_id, ord->id,
                                               ord->customer_key, m->adj[a].code, sum, now_ms, err);
        if (rc != LM_OK) return rc;
    }
    return LM_OK;
}

lm_status orders__money_intake(orders_svc *o, store_tx *tx, const orders_order *ord,
                               const orders_money_in *in, orders_money_result *res,
                               orders_reason *reasons, size_t cap, size_t *nr, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    orders_money_config cfg;
    orders_money_config_defaults(&cfg);
    lm_status rc = store_money_config_get(r, &cfg, err);
    if (rc != LM_OK) return rc;
    orders_money *m = &res->money;
    orders_money_clear(m);
    memset(res, 0, sizeof *res);
    intake_candidates *c = lm_calloc(1, sizeof *c);
    orders_pricing_result *pr = lm_calloc(1, sizeof *pr);
    m->lines = ord->n_lines ? lm_calloc(ord->n_lines, sizeof *m->lines) : NULL;
    if (!c || !pr || (ord->n_lines && !m->lines)) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto fail;
    }
    m->n_lines = ord->n_lines;
    if ((rc = price_lines(r, ord, in, m->lines, err)) != LM_OK ||
        (rc = gather_candidates(o, r, ord, in, c, err)) != LM_OK)
        goto fail;
    orders_pricing pin = {.lines = m->lines,
                          .n_lines = m->n_lines,
                          .shipping_fee = in->shipping_fee,
                          .shipping_tax_bp = cfg.shipping_tax_bp,
                          .promos = c->promos,
                          .n_promos = c->n,
                          .requalify = true};
    if ((rc = orders_pricing_run(&pin, pr, err)) != LM_OK) goto fail;
    for (size_t k = 0; k < c->n; k++)
        if (c->coupon_of[k] >= 0 && pr->skipped[k] != ORDERS_PROMO_APPLIED)
            c->rejected[c->coupon_of[k]] = orders_promo_skip_reason(pr->skipped[k]);
    if (cfg.coupon_refuse && (rc = coupon_refusal(in, c, err)) != LM_OK) goto fail;
    warnings_fill(in, c, res);

    m->order_id = ord->id;
    lm_strlcpy(m->currency, in->currency, sizeof m->currency);
    m->subtotal = pr->subtotal;
    m->discount = pr->discount;
    m->shipping = m->shipping_fee = pr->shipping;
    m->shipping_tax_bp = cfg.shipping_tax_bp;
    m->tax = pr->tax;
    m->total = pr->total;
    if (pr->n_adj) {
        if (!(m->adj = lm_calloc(pr->n_adj, sizeof *m->adj))) {
            rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
            goto fail;
        }
        memcpy(m->adj, pr->adj, pr->n_adj * sizeof *m->adj);
        m->n_adj = pr->n_adj;
    }
    lm_strlcpy(m->payment_method, in->payment_method[0] ? in->payment_method : "card",
               sizeof m->payment_method);
    bool cod = !strcmp(m->payment_method, "cod");
    orders_pay_status ps =
        m->total == 0 ? ORDERS_PAY_PAID : (cod ? ORDERS_PAY_COD_DUE : ORDERS_PAY_PENDING);
    lm_strlcpy(m->payment_status, orders_pay_status_name(ps), sizeof m->payment_status);
    lm_strlcpy(m->customer_key, ord->customer_key, sizeof m->customer_key);
    lm_strlcpy(m->channel, ord->channel, sizeof m->channel);
    m->created_ms = m->updated_ms = ord->created_ms;
    if ((rc = uses_record(tx, ord, m, ord->created_ms, err)) != LM_OK ||
        (rc = store_order_money_insert(tx, m, err)) != LM_OK ||
        (rc = event_priced(tx, res)) != LM_OK)
        goto fail;
    if (ps == ORDERS_PAY_PENDING && cfg.hold_unpaid && *nr < cap) {
        orders_reason *why = &reasons[(*nr)++];
        memset(why, 0, sizeof *why);
        char amount[48];
        orders__amount_text(m->total, m->currency, amount, sizeof amount);
        lm_strlcpy(why->rule, "unpaid", sizeof why->rule);
        lm_strlcpy(why->field, "payment.status", sizeof why->field);
        snprintf(why->message, sizeof why->message,
                 "awaiting payment of %s by %s before the order is fulfilled", amount,
                 m->payment_method);
    }
    lm_free(c);
    lm_free(pr);
    return LM_OK;
fail:
    lm_free(c);
    lm_free(pr);
    orders_money_clear(m);
    return rc;
}

/* ---- Recomputation ---- */

lm_status orders__money_recompute(orders_money *m, lm_errinfo *err) {
    /* the terms the order got, one candidate per promotion, in the order they applied */
    orders_promotion *terms = lm_calloc(STORE_ADJ_MAX, sizeof *terms);
    orders_pricing_result *pr = lm_calloc(1, sizeof *pr);
    lm_status rc = LM_OK;
    if (!terms || !pr) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto done;
    }
    size_t n = 0;
    for (size_t a = 0; a < m->n_adj; a++) {
        const orders_adjustment *x = &m->adj[a];
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = !strcmp(terms[k].id, x->promotion_id);
        if (seen) continue;
        orders_promotion *p = &terms[n];
        lm_strlcpy(p->id, x->promotion_id, sizeof p->id);
        lm_strlcpy(p->code, x->code, sizeof p->code);
        lm_strlcpy(p->kind, x->kind, sizeof p->kind);
        lm_strlcpy(p->scope, x->scope, sizeof p->scope);
        lm_strlcpy(p->target, x->target, sizeof p->target);
        p->percent_bp = x->percent_bp;
        p->amount = x->amount_param;
        p->buy_qty = x->buy_qty;
        p->get_qty = x->get_qty;
        p->combinable = true; /* they were applied together once: they still are */
        p->priority = (int32_t)(1000 - (int32_t)n); /* keep the original order within a stage */
        p->active = true;
        n++;
    }
    orders_pricing pin = {.lines = m->lines,
                          .n_lines = m->n_lines,
                          .shipping_fee = m->shipping_fee,
                          .shipping_tax_bp = m->shipping_tax_bp,
                          .promos = terms,
                          .n_promos = n,
                          .requalify = false};
    if ((rc = orders_pricing_run(&pin, pr, err)) != LM_OK) goto done;
    orders_adjustment *adj = NULL;
    if (pr->n_adj && !(adj = lm_calloc(pr->n_adj, sizeof *adj))) {
        rc = lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
        goto done;
    }
    if (pr->n_adj) memcpy(adj, pr->adj, pr->n_adj * sizeof *adj);
    lm_free(m->adj);
    m->adj = adj;
    m->n_adj = pr->n_adj;
    m->subtotal = pr->subtotal;
    m->discount = pr->discount;
    m->shipping = pr->shipping;
    m->tax = pr->tax;
    m->total = pr->total;
done:
    lm_free(terms);
    lm_free(pr);
    return rc;
}

/* ---- Catalogue: prices, promotions, settings ---- */

lm_status orders_price_put(orders_svc *o, const orders_price *in, lm_errinfo *err) {
    orders_price p = *in;
    if (!p.sku[0]) return lm_errinfo_set(err, LM_INVALID, "sku", "SKU is required");
    if (orders_currency_exponent(p.currency) < 0)
        return lm_errinfo_set(err, LM_INVALID, "currency", "not an ISO 4217 currency code");
    if (p.unit_price < 0 || p.unit_price > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "unit_price", "must be 0..10000000000 minor units");
    if (p.tax_rate_bp < 0 || p.tax_rate_bp > 10000)
        return lm_errinfo_set(err, LM_INVALID, "tax_rate_bp", "must be 0..10000 basis points");
    p.updated_ms = o->now_ms();
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    store_product prod;
    rc = store_product_get(store_tx_read(tx), p.sku, &prod, err);
    if (rc == LM_NOT_FOUND) rc = lm_errinfo_set(err, LM_INVALID, "sku", "unknown SKU '%s'", p.sku);
    char rest[256];
    snprintf(rest, sizeof rest,
             ",\"currency\":\"%s\",\"unit_price\":%" PRId64 ",\"tax_rate_bp\":%d}", p.currency,
             p.unit_price, (int)p.tax_rate_bp);
    if (rc == LM_OK) rc = store_price_put(tx, &p, err);
    if (rc == LM_OK) rc = orders__event_keyed(tx, "price.put", "product", "sku", p.sku, rest);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return orders__commit(tx, err);
}

lm_status orders_price_list(orders_svc *o, orders_price **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_price_list(r, out, n, err);
    store_read_end(r);
    return rc;
}

lm_status orders_promotion_put(orders_svc *o, const orders_promotion *in, lm_errinfo *err) {
    orders_promotion p = *in;
    lm_status rc = orders_promotion_check(&p, err);
    if (rc != LM_OK) return rc;
    p.created_ms = p.updated_ms = o->now_ms();
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(o->st, &tx)) != LM_OK)
        return lm_errinfo_set(err, rc, "", "store unavailable");
    char rest[160];
    snprintf(rest, sizeof rest, ",\"kind\":\"%s\",\"scope\":\"%s\",\"active\":%s}", p.kind, p.scope,
             p.active ? "true" : "false");
    if ((rc = store_promotion_put(tx, &p, err)) != LM_OK ||
        (rc = orders__event_keyed(tx, "promotion.put", "promotion", "id", p.id, rest)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return orders__commit(tx, err);
}

lm_status orders_promotion_get(orders_svc *o, const char *id, orders_promotion *out,
                               lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_promotion_get(r, id, out, err);
    if (rc == LM_NOT_FOUND) lm_errinfo_set(err, rc, "id", "promotion '%.64s' not found", id);
    store_read_end(r);
    return rc;
}

lm_status orders_promotion_list(orders_svc *o, orders_promotion **out, size_t *n, lm_errinfo *err) {
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_promotion_list(r, false, out, n, err);
    store_read_end(r);
    return rc;
}

void orders_money_config_defaults(orders_money_config *c) {
    memset(c, 0, sizeof *c);
    c->coupon_refuse = true;
    c->hold_unpaid = true;
    c->payment_timeout_s = 3600;
    c->shipping_tax_bp = 0;
}

lm_status orders_money_config_get(orders_svc *o, orders_money_config *out, lm_errinfo *err) {
    orders_money_config c;
    orders_money_config_defaults(&c);
    store_read *r = NULL;
    lm_status rc = store_read_begin(o->st, &r);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    rc = store_money_config_get(r, &c, err);
    store_read_end(r);
    if (rc == LM_OK) *out = c;
    return rc;
}

lm_status orders_money_config_put(orders_svc *o, const orders_money_config *c, lm_errinfo *err) {
    if (c->payment_timeout_s < 0 || c->payment_timeout_s > 30 * 86400)
        return lm_errinfo_set(err, LM_INVALID, "payment_timeout_s", "must be 0..2592000 s");
    if (c->shipping_tax_bp < 0 || c->shipping_tax_bp > 10000)
        return lm_errinfo_set(err, LM_INVALID, "shipping_tax_bp", "must be 0..10000");
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(o->st, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    if ((rc = store_money_config_put(tx, c, err)) != LM_OK ||
        (rc = store_event_append(tx, "money.config", "config", "money", NULL)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return orders__commit(tx, err);
}
