/* api/demo_load.c: loading the demo day (api_demo_load, api/api.h) through the handlers' JSON
 * readers; moving to cli/ (it must call the modules, not fabricate a request). */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
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

static lm_status demo_fail(lm_errinfo *err, const http_req *fr, const char *what, int index) {
    char field[96];
    snprintf(field, sizeof field, "%s[%d].%.60s", what, index, fr->err.field);
    return lm_errinfo_set(err, fr->err.code ? fr->err.code : LM_INVALID, field, "%s",
                          fr->err.message);
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
        const char *f[4] = {"id", "name", "phone", "device_id"};
        char *dst[4] = {d.id, d.name, d.phone, d.device_id};
        size_t cap[4] = {sizeof d.id, sizeof d.name, sizeof d.phone, sizeof d.device_id};
        for (int k = 0; k < 4; k++) {
            const char *val = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, f[k]));
            lm_strlcpy(dst[k], val ? val : "", cap[k]);
        }
        const char *vid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "vehicle_id"));
        lm_strlcpy(d.vehicle_id, vid ? vid : "", sizeof d.vehicle_id);
        if ((rc = dispatch_driver_put(tx, &d, err)) != LM_OK) goto fail;
    }
    return store_tx_commit(tx);
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status api_demo_load(store *s, uint64_t seed, int64_t day_midnight_s, api_demo_summary *sum,
                        lm_errinfo *err) {
    api_demo_summary out = {0};
    orders_svc *o = NULL;
    char *json = NULL;
    cJSON *root = NULL;
    http_req fr;
    memset(&fr, 0, sizeof fr);
    orders_order *ins = NULL; /* lines live in fr.arena */
    char(*keys)[STORE_REF_MAX + 1] = NULL;
    const char **keyp = NULL;
    orders_create_result *res = NULL;
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
    if ((rc = api_demo_json(seed, &json)) != LM_OK) {
        lm_errinfo_set(err, rc, "", "demo generator failed");
        goto fail;
    }
    if (!(root = cJSON_Parse(json))) {
        rc = lm_errinfo_set(err, LM_INTERNAL, "", "demo JSON does not parse");
        goto fail;
    }
    if ((rc = lm_arena_create((size_t)64 << 20, &fr.arena)) != LM_OK) goto fail;

    /* service area first, so that the audit sees it */
    orders_config cfg;
    if ((rc = orders_config_get(o, &cfg, err)) != LM_OK) goto fail;
    const cJSON *area = cJSON_GetObjectItemCaseSensitive(root, "service_area");
    if (area) {
        lm_free(cfg.service_area);
        cfg.service_area = cJSON_PrintUnformatted(area);
    }
    rc = orders_config_put(o, &cfg, err);
    orders_config_clear(&cfg);
    if (rc != LM_OK) goto fail;

    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "depots")) {
        orders_depot d;
        if ((rc = api__depot_from_json(&fr, it, &d)) != LM_OK ||
            (rc = orders_depot_put(o, &d, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "depots", i);
            goto fail;
        }
        out.depots++;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "products")) {
        orders_product p;
        if ((rc = api__product_from_json(&fr, it, &p)) != LM_OK ||
            (rc = orders_product_put(o, &p, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "products", i);
            goto fail;
        }
        out.products++;
        i++;
    }
    i = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(root, "stock")) {
        char depot[STORE_ID_MAX + 1], sku[STORE_ID_MAX + 1];
        int64_t on_hand = 0, rp = 0;
        if ((rc = api__json_str(&fr, it, "depot_id", "depot_id", depot, sizeof depot, true)) !=
                LM_OK ||
            (rc = api__json_str(&fr, it, "sku", "sku", sku, sizeof sku, true)) != LM_OK ||
            (rc = api__json_int(&fr, it, "on_hand", "on_hand", 0, INT32_MAX, true, &on_hand,
                                NULL)) != LM_OK ||
            (rc = api__json_int(&fr, it, "reorder_point", "reorder_point", 0, INT32_MAX, false, &rp,
                                NULL)) != LM_OK ||
            (rc = orders_stock_set(o, depot, sku, on_hand, rp, NULL, &fr.err)) != LM_OK) {
            rc = demo_fail(err, &fr, "stock", i);
            goto fail;
        }
        out.stock_rows++;
        i++;
    }
    if ((rc = demo_fleet(s, root, err)) != LM_OK) goto fail;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    int64_t midnight = day_midnight_s;
    if (midnight < 0 &&
        local_midnight(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "date")),
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "timezone")),
                       &midnight) != LM_OK)
        midnight = 0;
    const cJSON *orders_j = cJSON_GetObjectItemCaseSensitive(root, "orders");
    size_t n = (size_t)cJSON_GetArraySize(orders_j);
    if (n) {
        ins = lm_calloc(n, sizeof *ins);
        keys = lm_calloc(n, sizeof *keys);
        keyp = lm_calloc(n, sizeof *keyp);
        res = lm_calloc(n, sizeof *res);
        if (!ins || !keys || !keyp || !res) {
            rc = lm_errinfo_set(err, LM_NOMEM, "orders", "out of memory");
            goto fail;
        }
    }
    i = 0;
    cJSON_ArrayForEach(it, orders_j) {
        orders_order *in = &ins[i];
        if ((rc = api__order_from_json(&fr, it, in)) != LM_OK) {
            rc = demo_fail(err, &fr, "orders", i);
            goto fail;
        }
        /* the demo's windows are seconds after local midnight of the scenario's date */
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
    if ((rc = orders_order_create_many(o, ins, keyp, n, res)) != LM_OK) {
        lm_errinfo_set(err, rc, "orders", "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        if (res[k].rc != LM_OK) {
            fr.err = res[k].err;
            rc = demo_fail(err, &fr, "orders", (int)k);
            goto fail;
        }
        out.orders++;
        if (!strcmp(res[k].status, "allocated")) out.allocated++;
        if (!strcmp(res[k].status, "held")) out.held++;
        if (!strcmp(res[k].status, "backordered")) out.backordered++;
        if (!strcmp(res[k].status, "cancelled")) out.cancelled++;
    }
    out.loaded = true;
done:
    if (sum) *sum = out;
    rc = LM_OK;
fail:
    lm_free(ins);
    lm_free(keys);
    lm_free(keyp);
    lm_free(res);
    lm_arena_destroy(fr.arena);
    cJSON_Delete(root);
    lm_free(json);
    orders_destroy(o);
    return rc;
}
