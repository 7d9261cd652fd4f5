/* orders/money.c: the pure money rules: ISO 4217 currencies, the one rounding rule, exact
 * proportional splits, the payment status machine, promotion validation and the pricing engine
 * that applies promotions and computes line taxes and order totals (docs/money.md). */
#include "orders/money.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Products of two int64_t amounts need 127 bits; GCC and Clang have the type. */
__extension__ typedef __int128 money_i128;

/* ---- Currencies ---- */

/* Active ISO 4217 codes (2024 list) by minor-unit exponent. */
static const char k_exp0[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF";
static const char k_exp3[] = "BHD IQD JOD KWD LYD OMR TND";
static const char k_exp4[] = "CLF UYW";
static const char k_exp2[] =
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW "
    "KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD "
    "SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYI "
    "UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL";

static bool in_list(const char *list, const char *code) {
    for (const char *p = list; *p; p += 4) {
        if (!memcmp(p, code, 3)) return true;
        if (!p[3]) break;
    }
    return false;
}

int orders_currency_exponent(const char *code) {
    if (!code || strlen(code) != 3) return -1;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z') return -1;
    if (in_list(k_exp2, code)) return 2;
    if (in_list(k_exp0, code)) return 0;
    if (in_list(k_exp3, code)) return 3;
    if (in_list(k_exp4, code)) return 4;
    return -1;
}

/* ---- Rounding ---- */

int64_t orders_money_muldiv(int64_t a, int64_t num, int64_t den) {
    money_i128 p = (money_i128)a * num;
    money_i128 q = p / den, r = p % den;
    if (2 * r >= den) q++; /* half up */
    return (int64_t)q;
}

void orders_money_split(int64_t amount, const int64_t *weights, size_t n, int64_t *out) {
    if (n == 0) return;
    money_i128 total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (total == 0) {
        out[0] = amount;
        for (size_t i = 1; i < n; i++)
            out[i] = 0;
        return;
    }
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = (int64_t)((money_i128)amount * weights[i] / total);
        given += out[i];
    }
    /* fewer than n units are left over: one each to the largest remainders, lowest index on a
     * tie; a part that got one is not picked again */
    for (int64_t left = amount - given; left > 0; left--) {
        size_t best = n;
        money_i128 best_r = -1;
        for (size_t i = 0; i < n; i++) {
            money_i128 exact = (money_i128)amount * weights[i];
            money_i128 r = exact - (money_i128)out[i] * total;
            if (r > 0 && r < total && r > best_r) {
                best_r = r;
                best = i;
            }
        }
        if (best == n) break; /* cannot happen: the shares sum to amount */
        out[best]++;
    }
}

/* ---- Payment status machine ---- */

static const char *const k_pay_names[] = {
#define ORDERS_X_NAME(name, text) text,
    ORDERS_PAY_STATUS_MAP(ORDERS_X_NAME)
#undef ORDERS_X_NAME
};

const char *orders_pay_status_name(orders_pay_status s) {
    return (unsigned)s < ORDERS__PAY_COUNT ? k_pay_names[s] : "unknown";
}

bool orders_pay_status_parse(const char *name, orders_pay_status *out) {
    for (int i = 0; name && i < ORDERS__PAY_COUNT; i++) {
        if (!strcmp(name, k_pay_names[i])) {
            *out = (orders_pay_status)i;
            return true;
        }
    }
    return false;
}

#define B(s) (1u << ORDERS_PAY_##s)
/* The allowed moves, one bit mask of targets per state. */
static const unsigned k_pay_next[ORDERS__PAY_COUNT] = {
    [ORDERS_PAY_PENDING] = B(AUTHORIZED) | B(PAID) | B(FAILED),
    [ORDERS_PAY_AUTHORIZED] = B(PAID) | B(FAILED),
    [ORDERS_PAY_FAILED] = B(PENDING) | B(AUTHORIZED) | B(PAID),
    [ORDERS_PAY_PAID] = B(PARTIALLY_REFUNDED) | B(REFUNDED),
    [ORDERS_PAY_PARTIALLY_REFUNDED] = B(PARTIALLY_REFUNDED) | B(REFUNDED),
    [ORDERS_PAY_REFUNDED] = 0,
    [ORDERS_PAY_COD_DUE] = B(COD_COLLECTED),
    [ORDERS_PAY_COD_COLLECTED] = B(PARTIALLY_REFUNDED) | B(REFUNDED),
};
#undef B

bool orders_pay_transition_allowed(orders_pay_status from, orders_pay_status to) {
    if ((unsigned)from >= ORDERS__PAY_COUNT || (unsigned)to >= ORDERS__PAY_COUNT) return false;
    return (k_pay_next[from] >> to) & 1u;
}

bool orders_pay_method_valid(const char *m) {
    return m && (!strcmp(m, "card") || !strcmp(m, "transfer") || !strcmp(m, "wallet") ||
                 !strcmp(m, "cod"));
}

/* ---- Promotions ---- */

const char *orders_promo_skip_reason(orders_promo_skip s) {
    switch (s) {
    case ORDERS_PROMO_APPLIED: return "applied";
    case ORDERS_PROMO_MIN_ORDER: return "min_order";
    case ORDERS_PROMO_NOT_COMBINABLE: return "not_combinable";
    case ORDERS_PROMO_NO_ITEMS: return "no_items";
    case ORDERS_PROMO_TOO_MANY: return "too_many";
    }
    return "unknown";
}

static bool id_chars_ok(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n == 0 || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '_' && c != '-' && c != '.') return false;
    }
    return true;
}

lm_status orders_promotion_check(orders_promotion *p, lm_errinfo *err) {
    if (!id_chars_ok(p->id, STORE_ID_MAX))
        return lm_errinfo_set(err, LM_INVALID, "id", "1..64 of A-Z a-z 0-9 _ - .");
    bool pct = !strcmp(p->kind, "percent"), fix = !strcmp(p->kind, "fixed"),
         bxgy = !strcmp(p->kind, "buy_x_get_y"), ship = !strcmp(p->kind, "free_shipping");
    if (!pct && !fix && !bxgy && !ship)
        return lm_errinfo_set(err, LM_INVALID, "kind",
                              "must be percent, fixed, buy_x_get_y or free_shipping");
    bool s_order = !strcmp(p->scope, "order");
    if (!s_order && strcmp(p->scope, "product") && strcmp(p->scope, "category"))
        return lm_errinfo_set(err, LM_INVALID, "scope", "must be order, product or category");
    if (ship && !s_order)
        return lm_errinfo_set(err, LM_INVALID, "scope", "free_shipping applies to the order");
    if (bxgy && s_order)
        return lm_errinfo_set(err, LM_INVALID, "scope",
                              "buy_x_get_y applies to a product or a category");
    if (s_order && p->target[0])
        return lm_errinfo_set(err, LM_INVALID, "target", "an order promotion has no target");
    if (!s_order && !id_chars_ok(p->target, STORE_ID_MAX))
        return lm_errinfo_set(err, LM_INVALID, "target", "the SKU or category is required");
    if (p->currency[0] && orders_currency_exponent(p->currency) < 0)
        return lm_errinfo_set(err, LM_INVALID, "currency", "not an ISO 4217 currency code");
    if ((fix || p->min_order > 0) && !p->currency[0])
        return lm_errinfo_set(err, LM_INVALID, "currency",
                              "an amount (fixed discount, minimum order) needs its currency");
    if (pct ? (p->percent_bp < 1 || p->percent_bp > 10000) : p->percent_bp != 0)
        return lm_errinfo_set(err, LM_INVALID, "percent_bp",
                              pct ? "must be 1..10000 (basis points)" : "only for percent");
    if (fix ? (p->amount < 1 || p->amount > ORDERS_AMOUNT_MAX) : p->amount != 0)
        return lm_errinfo_set(err, LM_INVALID, "amount",
                              fix ? "must be 1..10000000000 minor units" : "only for fixed");
    if (bxgy ? (p->buy_qty < 1 || p->get_qty < 1 || p->buy_qty + p->get_qty > 1000)
             : (p->buy_qty != 0 || p->get_qty != 0))
        return lm_errinfo_set(err, LM_INVALID, bxgy && p->buy_qty < 1 ? "buy_qty" : "get_qty",
                              bxgy ? "buy and get must be >= 1, together <= 1000"
                                   : "only for buy_x_get_y");
    if (p->min_order < 0 || p->min_order > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "min_order", "must be 0..10000000000 minor units");
    size_t cl = strlen(p->code);
    if (cl > STORE_CODE_MAX)
        return lm_errinfo_set(err, LM_INVALID, "code", "at most %d characters", STORE_CODE_MAX);
    for (size_t i = 0; i < cl; i++) {
        unsigned char c = (unsigned char)p->code[i];
        if (!isalnum(c) && c != '_' && c != '-')
            return lm_errinfo_set(err, LM_INVALID, "code", "letters, digits, _ and - only");
        p->code[i] = (char)toupper(c);
    }
    if (p->channel[0] && !id_chars_ok(p->channel, STORE_ID_MAX))
        return lm_errinfo_set(err, LM_INVALID, "channel", "1..64 of A-Z a-z 0-9 _ - .");
    if (p->valid_from_ms < 0 || p->valid_until_ms < 0)
        return lm_errinfo_set(err, LM_INVALID, "valid_from", "times must be >= 0");
    if (p->valid_from_ms && p->valid_until_ms && p->valid_until_ms <= p->valid_from_ms)
        return lm_errinfo_set(err, LM_INVALID, "valid_until", "must be after valid_from");
    if (p->limit_total < 0 || p->limit_per_customer < 0)
        return lm_errinfo_set(err, LM_INVALID,
                              p->limit_total < 0 ? "limit_total" : "limit_per_customer",
                              "must be >= 0 (0 = unlimited)");
    if (p->priority < -1000 || p->priority > 1000)
        return lm_errinfo_set(err, LM_INVALID, "priority", "must be -1000..1000");
    return LM_OK;
}

/* ---- Pricing ---- */

/* 0: line promotions; 1: order promotions; 2: free shipping. */
static int promo_stage(const orders_promotion *p) {
    if (!strcmp(p->kind, "free_shipping")) return 2;
    return strcmp(p->scope, "order") ? 0 : 1;
}

/* Application order: stage, then priority descending, then id. */
static int promo_cmp(const orders_promotion *x, const orders_promotion *y) {
    int sx = promo_stage(x), sy = promo_stage(y);
    if (sx != sy) return sx < sy ? -1 : 1;
    if (x->priority != y->priority) return x->priority > y->priority ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Insertion sort of candidate indices (at most STORE_ADJ_MAX; qsort has no context argument). */
static void sort_candidates(const orders_promotion *promos, size_t n, size_t *idx) {
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && promo_cmp(&promos[idx[j - 1]], &promos[v]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static bool line_matches(const orders_promotion *p, const orders_money_line *l) {
    if (!strcmp(p->scope, "product")) return !strcmp(p->target, l->sku);
    if (!strcmp(p->scope, "category")) return l->category[0] && !strcmp(p->target, l->category);
    return false;
}

/* What a line promotion takes off one line (before capping at what is left of it). */
static int64_t line_discount(const orders_promotion *p, const orders_money_line *l,
                             int64_t remaining) {
    int64_t d = 0;
    if (!strcmp(p->kind, "percent"))
        d = orders_money_muldiv(remaining, p->percent_bp, 10000);
    else if (!strcmp(p->kind, "fixed"))
        d = p->amount * l->qty; /* per unit: <= 10^10 * 10^6 */
    else if (!strcmp(p->kind, "buy_x_get_y"))
        d = l->qty / (p->buy_qty + p->get_qty) * p->get_qty * l->unit_price;
    return d < remaining ? d : remaining;
}

static void adj_fill(orders_adjustment *a, const orders_promotion *p, int32_t line_no,
                     int64_t amount) {
    memset(a, 0, sizeof *a);
    lm_strlcpy(a->promotion_id, p->id, sizeof a->promotion_id);
    lm_strlcpy(a->code, p->code, sizeof a->code);
    lm_strlcpy(a->kind, p->kind, sizeof a->kind);
    lm_strlcpy(a->scope, p->scope, sizeof a->scope);
    lm_strlcpy(a->target, p->target, sizeof a->target);
    a->percent_bp = p->percent_bp;
    a->amount_param = p->amount;
    a->buy_qty = p->buy_qty;
    a->get_qty = p->get_qty;
    a->line_no = line_no;
    a->amount = amount;
}

static int64_t merch_left(const orders_pricing *in) {
    int64_t s = 0;
    for (size_t i = 0; i < in->n_lines; i++)
        s += in->lines[i].gross - in->lines[i].discount;
    return s;
}

/* Applies one candidate; returns why it did not apply, or APPLIED. */
static orders_promo_skip apply_one(const orders_pricing *in, const orders_promotion *p,
                                   orders_pricing_result *out, int64_t *shipping_waived) {
    int stage = promo_stage(p);
    if (stage == 0) {
        size_t adds = 0;
        for (size_t i = 0; i < in->n_lines; i++) {
            const orders_money_line *l = &in->lines[i];
            if (line_matches(p, l) && line_discount(p, l, l->gross - l->discount) > 0) adds++;
        }
        if (adds == 0) return ORDERS_PROMO_NO_ITEMS;
        if (out->n_adj + adds > STORE_ADJ_MAX) return ORDERS_PROMO_TOO_MANY;
        for (size_t i = 0; i < in->n_lines; i++) {
            orders_money_line *l = &in->lines[i];
            if (!line_matches(p, l)) continue;
            int64_t d = line_discount(p, l, l->gross - l->discount);
            if (d <= 0) continue;
            l->discount += d;
            adj_fill(&out->adj[out->n_adj++], p, (int32_t)i, d);
        }
        return ORDERS_PROMO_APPLIED;
    }
    if (out->n_adj + 1 > STORE_ADJ_MAX) return ORDERS_PROMO_TOO_MANY;
    if (stage == 2) {
        int64_t left = in->shipping_fee - *shipping_waived;
        if (left <= 0) return ORDERS_PROMO_NO_ITEMS;
        *shipping_waived += left;
        adj_fill(&out->adj[out->n_adj++], p, -2, left);
        return ORDERS_PROMO_APPLIED;
    }
    int64_t base = merch_left(in);
    int64_t d = !strcmp(p->kind, "percent") ? orders_money_muldiv(base, p->percent_bp, 10000)
                                            : (p->amount < base ? p->amount : base);
    if (d <= 0) return ORDERS_PROMO_NO_ITEMS;
    /* the order discount is shared over the lines by what is left of each, so that each line's
     * tax is computed on what the customer really pays for it */
    int64_t weights[STORE_LINES_MAX], parts[STORE_LINES_MAX];
    for (size_t i = 0; i < in->n_lines; i++)
        weights[i] = in->lines[i].gross - in->lines[i].discount;
    orders_money_split(d, weights, in->n_lines, parts);
    for (size_t i = 0; i < in->n_lines; i++)
        in->lines[i].discount += parts[i];
    adj_fill(&out->adj[out->n_adj++], p, -1, d);
    return ORDERS_PROMO_APPLIED;
}

lm_status orders_pricing_run(const orders_pricing *in, orders_pricing_result *out,
                             lm_errinfo *err) {
    if (in->n_promos > STORE_ADJ_MAX)
        return lm_errinfo_set(err, LM_TOO_BIG, "promotions", "at most %d promotions on an order",
                              STORE_ADJ_MAX);
    if (in->n_lines > STORE_LINES_MAX || (in->n_lines && !in->lines))
        return lm_errinfo_set(err, LM_TOO_BIG, "lines", "at most %d lines", STORE_LINES_MAX);
    if (in->shipping_fee < 0 || in->shipping_fee > ORDERS_AMOUNT_MAX)
        return lm_errinfo_set(err, LM_INVALID, "shipping_fee", "must be 0..10000000000");
    if (in->shipping_tax_bp < 0 || in->shipping_tax_bp > 10000)
        return lm_errinfo_set(err, LM_INVALID, "shipping_tax_bp", "must be 0..10000");
    for (size_t i = 0; i < in->n_lines; i++) {
        orders_money_line *l = &in->lines[i];
        char f[48];
        if (l->unit_price < 0 || l->unit_price > ORDERS_AMOUNT_MAX) {
            snprintf(f, sizeof f, "lines[%zu].unit_price", i);
            return lm_errinfo_set(err, LM_INVALID, f, "must be 0..10000000000 minor units");
        }
        if (l->tax_rate_bp < 0 || l->tax_rate_bp > 10000) {
            snprintf(f, sizeof f, "lines[%zu].tax_rate_bp", i);
            return lm_errinfo_set(err, LM_INVALID, f, "must be 0..10000 basis points");
        }
        if (l->qty < 0 || l->qty > 1000000) {
            snprintf(f, sizeof f, "lines[%zu].qty", i);
            return lm_errinfo_set(err, LM_INVALID, f, "quantity must be 0..1000000");
        }
    }
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < in->n_lines; i++) {
        in->lines[i].gross = in->lines[i].unit_price * in->lines[i].qty;
        in->lines[i].discount = in->lines[i].tax = 0;
    }
    size_t idx[STORE_ADJ_MAX];
    sort_candidates(in->promos, in->n_promos, idx);
    size_t applied = 0;
    bool alone = false; /* a non-combinable promotion applied: nothing else may */
    int64_t waived = 0;
    for (size_t k = 0; k < in->n_promos; k++) {
        const orders_promotion *p = &in->promos[idx[k]];
        orders_promo_skip s;
        if (alone || (!p->combinable && applied > 0))
            s = ORDERS_PROMO_NOT_COMBINABLE;
        else if (in->requalify && p->min_order > merch_left(in))
            s = ORDERS_PROMO_MIN_ORDER;
        else
            s = apply_one(in, p, out, &waived);
        out->skipped[idx[k]] = s;
        if (s == ORDERS_PROMO_APPLIED) {
            applied++;
            alone = !p->combinable;
        }
    }
    for (size_t i = 0; i < in->n_lines; i++) {
        orders_money_line *l = &in->lines[i];
        l->tax = orders_money_muldiv(l->gross - l->discount, l->tax_rate_bp, 10000);
        out->subtotal += l->gross;
        out->tax += l->tax;
    }
    for (size_t a = 0; a < out->n_adj; a++)
        out->discount += out->adj[a].amount;
    out->shipping = in->shipping_fee;
    out->tax += orders_money_muldiv(in->shipping_fee - waived, in->shipping_tax_bp, 10000);
    out->total = out->subtotal - out->discount + out->shipping + out->tax;
    return LM_OK;
}
