/* cli/demo_load.c: loading the demo day (demo_load, cli/demo.h) through the modules' public
 * functions, its records decoded by the same codecs as the HTTP API's bodies. */
#include "api/formats/money.h"
#include "api/formats/orders_json.h"
#include "cli/demo.h"
#include "dispatch/dispatch.h"
#include "orders/money.h"
#include "orders/orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Epoch seconds of local midnight of date ("YYYY-MM-DD") in the IANA zone tz. Runs at start-up,
 * before any server thread exists, because it switches the process time zone for mktime. */
static lm_status local_midnight(const char *date, const char *tz, int64_t *out) {
    int y, m, d;
    if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) return LM_INVALID;
    const char *old = getenv("TZ");
    char *saved = old ? lm_strdup(old) : NULL;
    if (tz && tz[0]) setenv("TZ", tz, 1);
    tzset();
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    time_t t = mktime(&tm);
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    lm_free(saved);
    if (t == (time_t)-1) return LM_INVALID;
    *out = (int64_t)t;
    return LM_OK;
}

/* err names the failing record ("orders[12].lines[0].qty") from the codec's field. */
static lm_status demo_fail(lm_errinfo *err, const lm_errinfo *e, const char *what, size_t index) {
    char field[96];
    snprintf(field, sizeof field, "%s[%zu]%s%.60s", what, index, e->field[0] ? "." : "", e->field);
    return lm_errinfo_set(err, e->code ? e->code : LM_INVALID, field, "%s", e->message);
}

/* The demo's vehicles and drivers (dispatch/), in one transaction after the depots exist. */
static lm_status demo_fleet(store *s, const cJSON *root, lm_errinfo *err) {
    store_tx *tx = NULL;
    lm_status rc = store_tx_begin(s, &tx);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "store unavailable");
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "vehicles")) {
        dispatch_vehicle v;
        dispatch_vehicle_init(&v);
        const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        lm_strlcpy(v.id, vid ? vid : "", sizeof v.id);
        const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "name"));
        lm_strlcpy(v.name, nm ? nm : "", sizeof v.name);
        const char *sd =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "start_depot_id"));
        const char *ed = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "end_depot_id"));
        lm_strlcpy(v.start_depot, sd ? sd : "", sizeof v.start_depot);
        lm_strlcpy(v.end_depot, ed ? ed : "", sizeof v.end_depot);
        v.capacity_g =
            (int64_t)(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "capacity_kg")) *
                      1000);
        v.capacity_cm3 =
            (int64_t)(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "capacity_l")) *
                      1000);
        const cJSON *tw = cJSON_GetObjectItemCaseSensitive(it, "time_window");
        if (cJSON_GetArraySize(tw) == 2) {
            v.shift_start_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tw, 0));
            v.shift_end_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(tw, 1));
        }
        const cJSON *b;
        cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(it, "breaks")) {
            const cJSON *w =
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "time_windows"), 0);
            if (v.n_breaks == DISPATCH_BREAKS_MAX || cJSON_GetArraySize(w) != 2) continue;
            dispatch_break *br = &v.breaks[v.n_breaks++];
            br->start_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(w, 0));
            br->end_s = (int64_t)cJSON_GetNumberValue(cJSON_GetArrayItem(w, 1));
            br->service_s =
                (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "service"));
        }
        if ((rc = dispatch_vehicle_put(tx, &v, err)) != LM_OK) goto fail;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "drivers")) {
        dispatch_driver d = {0};
        /* the dataset's device_id (a 6-digit Traccar-style id) is not loaded: it is published
         * with the repository, so anyone could drive the demo's vans with it. Each driver gets
         * a generated id instead, shown to nobody; the simulator (and a real phone) get theirs
         * from POST /v1/drivers/{id}/device (docs/devices.md). */
        const char *f[3] = {"id", "name", "phone"};
        char *dst[3] = {d.id, d.name, d.phone};
        size_t cap[3] = {sizeof d.id, sizeof d.name, sizeof d.phone};
        for (int k = 0; k < 3; k++) {
            const char *val = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, f[k]));
            lm_strlcpy(dst[k], val ? val : "", cap[k]);
        }
        const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "vehicle_id"));
        lm_strlcpy(d.vehicle_id, vid ? vid : "", sizeof d.vehicle_id);
        char generated[DISPATCH_DEVICE_ID_LEN + 1];
        if ((rc = dispatch_driver_save(tx, &d, generated, err)) != LM_OK) goto fail;
    }
    return store_tx_commit(tx);
fail:
    store_tx_rollback(tx);
    return rc;
}

/* Catalogue first (service area, depots, products, stock), so that the orders' audit sees it. */
static lm_status load_catalogue(orders_svc *o, const cJSON *root, demo_summary *out,
                                lm_errinfo *err) {
    lm_errinfo e = {0};
    orders_config cfg;
    lm_status rc = orders_config_get(o, &cfg, err);
    if (rc != LM_OK) return rc;
    const cJSON *area = cJSON_GetObjectItemCaseSensitive(root, "service_area");
    if (area) {
        lm_free(cfg.service_area);
        cfg.service_area = cJSON_PrintUnformatted(area);
    }
    rc = orders_config_put(o, &cfg, err);
    orders_config_clear(&cfg);
    if (rc != LM_OK) return rc;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "depots")) {
        orders_depot d;
        /* the file carries each depot's street address for people reading it; orders/ keeps
         * none, and the codec (rightly) refuses keys it would drop */
        cJSON *copy = cJSON_Duplicate(it, true);
        if (!copy) return lm_errinfo_set(err, LM_NOMEM, "depots", "out of memory");
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "address");
        rc = fmt_depot_from_json(copy, &d, &e);
        cJSON_Delete(copy);
        if (rc != LM_OK || (rc = orders_depot_put(o, &d, &e)) != LM_OK)
            return demo_fail(err, &e, "depots", out->depots);
        out->depots++;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "products")) {
        orders_product p;
        if ((rc = fmt_product_from_json(it, &p, &e)) != LM_OK ||
            (rc = orders_product_put(o, &p, &e)) != LM_OK)
            return demo_fail(err, &e, "products", out->products);
        out->products++;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "stock")) {
        fmt_stock_row row;
        if ((rc = fmt_stock_row_from_json(it, &row, &e)) != LM_OK ||
            (rc = orders_stock_set(o, row.depot_id, row.sku, row.on_hand, row.reorder_point, NULL,
                                   &e)) != LM_OK)
            return demo_fail(err, &e, "stock", out->stock_rows);
        out->stock_rows++;
    }
    return LM_OK;
}

/* The prices ({"EUR": {sku: {"unit_price", "tax_rate_bp"}}}) and the demo shop's money settings:
 * no payment provider is connected to the demo, so prepaid orders are not held waiting for one. */
static lm_status load_prices(orders_svc *o, const cJSON *prices, lm_errinfo *err) {
    const cJSON *cur, *it;
    lm_errinfo e = {0};
    lm_status rc;
    size_t n = 0;
    cJSON_ArrayForEach(cur, prices) {
        cJSON_ArrayForEach(it, cur) {
            orders_price p;
            memset(&p, 0, sizeof p);
            lm_strlcpy(p.sku, it->string ? it->string : "", sizeof p.sku);
            lm_strlcpy(p.currency, cur->string ? cur->string : "", sizeof p.currency);
            if ((rc = fmt_price_from_json(it, &p, &e)) != LM_OK ||
                (rc = orders_price_put(o, &p, &e)) != LM_OK)
                return demo_fail(err, &e, "prices", n);
            n++;
        }
    }
    orders_money_config mc;
    if ((rc = orders_money_config_get(o, &mc, err)) != LM_OK) return rc;
    mc.hold_unpaid = false;
    return orders_money_config_put(o, &mc, err);
}

/* Every order, audited and allocated like any other, in one batch through the commit queue. The
 * demo's windows are seconds after local midnight of the scenario's date: midnight places them. */
static lm_status load_orders(orders_svc *o, const cJSON *orders_j, int64_t midnight,
                             demo_summary *out, lm_errinfo *err) {
    size_t n = (size_t)cJSON_GetArraySize(orders_j);
    if (n == 0) return LM_OK;
    lm_arena *arena = NULL; /* the orders' lines */
    orders_order *ins = lm_calloc(n, sizeof *ins);
    char(*keys)[STORE_REF_MAX + 1] = lm_calloc(n, sizeof *keys);
    const char **keyp = lm_calloc(n, sizeof *keyp);
    orders_create_result *res = lm_calloc(n, sizeof *res);
    orders_money_in *money = lm_calloc(n, sizeof *money); /* an empty currency: no money */
    lm_status rc = lm_arena_create((size_t)64 << 20, &arena);
    if (rc == LM_OK && (!ins || !keys || !keyp || !res || !money)) rc = LM_NOMEM;
    if (rc != LM_OK) {
        lm_errinfo_set(err, rc, "orders", "out of memory");
        goto done;
    }
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, orders_j) {
        lm_errinfo e = {0};
        orders_order *in = &ins[i];
        bool has_money = false;
        if ((rc = fmt_order_priced_from_json(it, arena, in, &money[i], &has_money, &e)) != LM_OK) {
            rc = demo_fail(err, &e, "orders", i);
            goto done;
        }
        for (size_t k = 0; k < in->n_windows; k++) {
            if (in->windows[k].end_s <= 2 * 86400) {
                in->windows[k].start_s += midnight;
                in->windows[k].end_s += midnight;
            }
        }
        snprintf(keys[i], sizeof keys[i], "demo:%.100s", in->external_ref);
        keyp[i] = keys[i];
        i++;
    }
    if ((rc = orders_order_create_many_priced(o, ins, money, keyp, n, res)) != LM_OK) {
        lm_errinfo_set(err, rc, "orders", "out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        if (res[k].rc != LM_OK) {
            rc = demo_fail(err, &res[k].err, "orders", k);
            goto done;
        }
        out->orders++;
        if (!strcmp(res[k].status, "allocated")) out->allocated++;
        if (!strcmp(res[k].status, "held")) out->held++;
        if (!strcmp(res[k].status, "backordered")) out->backordered++;
        if (!strcmp(res[k].status, "cancelled")) out->cancelled++;
    }
done:
    lm_free(ins);
    lm_free(keys);
    lm_free(keyp);
    lm_free(res);
    lm_free(money);
    lm_arena_destroy(arena);
    return rc;
}

lm_status demo_load(store *s, uint64_t seed, int64_t day_midnight_s, demo_summary *sum,
                    lm_errinfo *err) {
    demo_summary out = {0};
    orders_svc *o = NULL;
    char *json = NULL;
    cJSON *root = NULL;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = s;
    lm_status rc = orders_create(&oo, &o);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "orders service");
    orders_depot *existing = NULL;
    size_t n_existing = 0;
    if ((rc = orders_depot_list(o, &existing, &n_existing, err)) != LM_OK) goto fail;
    lm_free(existing);
    if (n_existing > 0) goto done; /* not an empty database: leave it alone */
    if ((rc = demo_day_json(seed, &json)) != LM_OK) {
        lm_errinfo_set(err, rc, "", "demo generator failed");
        goto fail;
    }
    if (!(root = cJSON_Parse(json))) {
        rc = lm_errinfo_set(err, LM_INTERNAL, "", "demo JSON does not parse");
        goto fail;
    }
    if ((rc = load_catalogue(o, root, &out, err)) != LM_OK) goto fail;
    if ((rc = load_prices(o, cJSON_GetObjectItemCaseSensitive(root, "prices"), err)) != LM_OK)
        goto fail;
    if ((rc = demo_fleet(s, root, err)) != LM_OK) goto fail;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    int64_t midnight = day_midnight_s;
    if (midnight < 0 &&
        local_midnight(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "date")),
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "timezone")),
                       &midnight) != LM_OK)
        midnight = 0;
    if ((rc = load_orders(o, cJSON_GetObjectItemCaseSensitive(root, "orders"), midnight, &out,
                          err)) != LM_OK)
        goto fail;
    out.loaded = true;
done:
    if (sum) *sum = out;
    rc = LM_OK;
fail:
    cJSON_Delete(root);
    lm_free(json);
    orders_destroy(o);
    return rc;
}
