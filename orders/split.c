/* orders/split.c: split shipments (orders/split.h): the policy, and the split itself, tried by
 * allocation (orders/allocate.c) when no single depot can serve every line. */
#include "orders/split.h"
#include "orders/internal.h"

#include "common/sha256.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Policy ---- */

void orders_split_defaults(orders_split_policy *p) {
    memset(p, 0, sizeof *p);
    lm_strlcpy(p->mode, "split", sizeof p->mode);
    p->max_parts = 2;
}

lm_status orders_split_policy_check(const orders_split_policy *p, lm_errinfo *err) {
    if (strcmp(p->mode, "split") && strcmp(p->mode, "off"))
        return lm_errinfo_set(err, LM_INVALID, "mode", "must be split or off");
    if (p->max_parts < 2 || p->max_parts > 4)
        return lm_errinfo_set(err, LM_INVALID, "max_parts", "must be 2..4");
    return LM_OK;
}

lm_status orders_split_policy_get(store_read *r, orders_split_policy *out, lm_errinfo *err) {
    lm_status rc = store_split_policy_get(r, out, err);
    if (rc == LM_NOT_FOUND) {
        lm_errinfo_clear(err);
        orders_split_defaults(out);
        return LM_OK;
    }
    return rc;
}

lm_status orders_split_policy_put_tx(store_tx *tx, orders_split_policy *p, const char *actor,
                                     int64_t now_ms, lm_errinfo *err) {
    lm_status rc = orders_split_policy_check(p, err);
    orders_split_policy cur;
    if (rc == LM_OK) rc = orders_split_policy_get(store_tx_read(tx), &cur, err);
    if (rc != LM_OK) return rc;
    p->version = cur.version + 1;
    p->updated_ms = now_ms;
    lm_strlcpy(p->actor, actor ? actor : "", sizeof p->actor);
    if ((rc = store_split_policy_put(tx, p, err)) != LM_OK) return rc;
    lm_buf b;
    lm_buf_init(&b, 512);
    rc = lm_buf_printf(
        &b,
        "{\"version\":%" PRId64 ",\"mode\":\"%s\",\"max_parts\":%" PRId64 ",\"actor\":", p->version,
        p->mode, p->max_parts);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, p->actor);
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc == LM_OK)
        rc = store_event_append(tx, "split.policy_changed", "split_policy", "1", b.data);
    lm_buf_free(&b);
    return rc;
}

/* ---- The split ---- */

static int64_t available(store_read *r, const char *depot, const char *sku) {
    store_stock s;
    lm_errinfo e;
    if (store_stock_get(r, depot, sku, &s, &e) != LM_OK) return 0;
    return s.on_hand - s.reserved;
}

/* Units of sku already given to depot d by lines [0, upto). */
static int64_t given(const orders_order *ord, const int *at, size_t upto, int d, const char *sku) {
    int64_t q = 0;
    for (size_t i = 0; i < upto; i++)
        if (at[i] == d && !strcmp(ord->lines[i].sku, sku)) q += ord->lines[i].qty;
    return q;
}

/* at[i] = the depot index that serves line i: a depot already serving an earlier line when it
 * has the units (fewer parts), else the nearest that has them; false when a line has none. */
static bool assign(store_read *r, const orders_order *ord, const orders_depot *depots,
                   const int64_t *travel, size_t n_depots, int *at) {
    for (size_t i = 0; i < ord->n_lines; i++) {
        const char *sku = ord->lines[i].sku;
        int best = -1;
        bool best_used = false;
        for (size_t d = 0; d < n_depots; d++) {
            int64_t left = available(r, depots[d].id, sku) - given(ord, at, i, (int)d, sku);
            if (left < ord->lines[i].qty) continue;
            bool used = false;
            for (size_t k = 0; k < i && !used; k++)
                used = at[k] == (int)d;
            if (best < 0 || (used && !best_used) ||
                (used == best_used && travel[d] < travel[best])) {
                best = (int)d;
                best_used = used;
            }
        }
        if (best < 0) return false;
        at[i] = best;
    }
    return true;
}

/* A new order of ord's customer with the lines of ord served by depot d, taken in and allocated
 * there in tx: the audit ord passed holds for its part (same customer, fewer lines), and d has
 * the units (assign checked), so this writes the intake's result directly rather than running
 * intake and allocation again. No money: ord carries the payment. */
static lm_status part_create(orders_svc *o, store_tx *tx, const orders_order *ord, const int *at,
                             int d, const orders_depot *dep, int64_t *id, lm_errinfo *err) {
    orders_line lines[STORE_LINES_MAX];
    orders_order part = *ord;
    part.n_lines = 0;
    part.weight_g = part.volume_cm3 = 0;
    lm_status rc = LM_OK;
    for (size_t i = 0; i < ord->n_lines && rc == LM_OK; i++) {
        if (at[i] != d) continue;
        lines[part.n_lines++] = ord->lines[i];
        store_product p;
        if ((rc = store_product_get(store_tx_read(tx), ord->lines[i].sku, &p, err)) == LM_OK) {
            part.weight_g += p.weight_g * ord->lines[i].qty;
            part.volume_cm3 += p.volume_cm3 * ord->lines[i].qty;
        }
    }
    part.lines = lines;
    uint8_t raw[16];
    if (rc == LM_OK && (rc = lm_random_bytes(raw, sizeof raw)) != LM_OK)
        lm_errinfo_set(err, rc, "", "no random bytes for the tracking token");
    if (rc != LM_OK) return rc;
    lm_hex_encode(raw, sizeof raw, part.tracking_token);
    snprintf(part.external_ref, sizeof part.external_ref, "split:%" PRId64 ":%s", ord->id, dep->id);
    snprintf(part.notes, sizeof part.notes, "part of order %" PRId64 " (split shipment from %s)",
             ord->id, dep->id);
    lm_strlcpy(part.oos_policy, "backorder", sizeof part.oos_policy);
    lm_strlcpy(part.status, "received", sizeof part.status);
    part.depot_id[0] = part.stock_outcome[0] = '\0';
    part.pkg_weight_g = part.pkg_volume_cm3 = part.pkg_parcels = 0;
    part.created_ms = part.updated_ms = o->now_ms();
    orders_customer_key(&part, part.customer_key, sizeof part.customer_key);
    if ((rc = orders_lines_signature(lines, part.n_lines, part.lines_sig, sizeof part.lines_sig)) !=
        LM_OK)
        return lm_errinfo_set(err, rc, "lines", "lines too long to compare");
    if ((rc = store_order_insert(tx, &part, &part.id, err)) != LM_OK ||
        (rc = orders__event_order(tx, &part, "", NULL)) != LM_OK)
        return rc;
    for (size_t i = 0; i < part.n_lines && rc == LM_OK; i++)
        rc = orders__stock_reserve(tx, dep->id, lines[i].sku, lines[i].qty, err);
    lm_strlcpy(part.depot_id, dep->id, sizeof part.depot_id);
    lm_strlcpy(part.stock_outcome, "in_stock", sizeof part.stock_outcome);
    if (rc == LM_OK)
        rc = orders__order_move(o, tx, &part, ORDERS_ALLOCATED, "\"policy\":\"split\"");
    if (rc == LM_OK) rc = store_order_update(tx, &part, err);
    if (rc == LM_OK) *id = part.id;
    return rc;
}

lm_status orders__split_try(orders_svc *o, store_tx *tx, orders_order *ord,
                            const orders_depot *depots, const int64_t *travel, size_t n_depots,
                            int *main_depot, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    *main_depot = -1;
    orders_split_policy p;
    lm_status rc = orders_split_policy_get(r, &p, err);
    if (rc != LM_OK || strcmp(p.mode, "split") || ord->n_lines < 2 || !n_depots) return rc;
    int *at = lm_calloc(ord->n_lines, sizeof *at);
    size_t *count = lm_calloc(n_depots, sizeof *count);
    if (!at || !count) {
        rc = LM_NOMEM;
        goto done;
    }
    if (!assign(r, ord, depots, travel, n_depots, at)) goto done; /* some line is nowhere */
    size_t parts = 0;
    int main = -1;
    for (size_t i = 0; i < ord->n_lines; i++)
        parts += count[at[i]]++ == 0;
    for (size_t d = 0; d < n_depots; d++)
        if (count[d] && (main < 0 || count[d] > count[main] ||
                         (count[d] == count[main] && travel[d] < travel[main])))
            main = (int)d;
    if (parts < 2 || (int64_t)parts > p.max_parts) goto done;
    /* the main depot's lines are reserved first, so that no part takes their units */
    char refs[200] = "";
    size_t used = 0;
    for (size_t i = 0; i < ord->n_lines && rc == LM_OK; i++)
        if (at[i] == main)
            rc = orders__stock_reserve(tx, depots[main].id, ord->lines[i].sku, ord->lines[i].qty,
                                       err);
    for (size_t d = 0; d < n_depots && rc == LM_OK; d++) {
        if ((int)d == main || !count[d]) continue;
        int64_t id = 0;
        rc = part_create(o, tx, ord, at, (int)d, &depots[d], &id, err);
        int k = snprintf(refs + used, sizeof refs - used, "%s%" PRId64, used ? "," : "", id);
        if (k > 0 && (size_t)k < sizeof refs - used) used += (size_t)k;
    }
    if (rc != LM_OK) goto done;
    size_t kept = 0; /* the order keeps its main depot's lines, in their order */
    for (size_t i = 0; i < ord->n_lines; i++)
        if (at[i] == main) ord->lines[kept++] = ord->lines[i];
    ord->n_lines = kept;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, ord->id);
    lm_buf b;
    lm_buf_init(&b, 1024);
    rc = lm_buf_printf(&b, "{\"order_id\":%" PRId64 ",\"depot\":", ord->id);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, depots[main].id);
    if (rc == LM_OK) rc = lm_buf_printf(&b, ",\"parts\":%zu,\"split_into\":[%s]}", parts, refs);
    if (rc == LM_OK) rc = store_event_append(tx, "order.split", "order", id, b.data);
    lm_buf_free(&b);
    if (rc == LM_OK) *main_depot = main;
done:
    lm_free(at);
    lm_free(count);
    return rc;
}
