/* api/requirements.c: skills matched in planning (docs/settings.md "Skills"): what a product or
 * an order requires (refrigerated, two_person, id_check ...) and what a driver can do; a
 * vehicle's own skills are in its record (POST /v1/vehicles). Planning gives an order only to a
 * van whose skills and driver's skills together cover its own and its products' requirements. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "store/store_orders.h"
#include "store/store_settings.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lm_status api__requires_read(http_req *r, const cJSON *arr, const char *path, api_requires *out) {
    memset(out, 0, sizeof *out);
    out->present = true;
    if (!cJSON_IsArray(arr))
        return http_error(r, LM_INVALID, path, "must be an array of skill names");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        char f[FMT_JSON_PATH_MAX];
        fmt_json_path_index(f, path, i++);
        if (!cJSON_IsString(it) || !fmt_json_id_ok(it->valuestring))
            return http_error(r, LM_INVALID, f, "skill names are 1-64 of A-Z a-z 0-9 . _ -");
        bool dup = false;
        for (size_t k = 0; k < out->n; k++)
            dup |= !strcmp(out->skills[k], it->valuestring);
        if (dup) continue;
        if (out->n == API_REQUIRES_MAX)
            return http_error(r, LM_TOO_BIG, path, "at most %d skills", API_REQUIRES_MAX);
        lm_strlcpy(out->skills[out->n++], it->valuestring, sizeof out->skills[0]);
    }
    return LM_OK;
}

lm_status api__requires_take(http_req *r, const char *key, api_requires *out) {
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(r->json)) return LM_OK; /* the codec reports a bad body */
    cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(r->json, key);
    if (!it) return LM_OK;
    lm_status rc = api__requires_read(r, it, key, out);
    cJSON_Delete(it);
    return rc;
}

lm_status api__requires_save(store_tx *tx, const char *kind, const char *ref,
                             const api_requires *req, lm_errinfo *err) {
    lm_status rc = store_requirements_set(tx, kind, ref, req->skills, req->n, err);
    lm_buf b;
    lm_buf_init(&b, 4096);
    if (rc == LM_OK &&
        (lm_buf_printf(&b, "{\"kind\":\"%s\",\"ref\":", kind) != LM_OK ||
         lm_buf_json_str(&b, ref) != LM_OK || lm_buf_printf(&b, ",\"skills\":[") != LM_OK))
        rc = LM_NOMEM;
    for (size_t i = 0; i < req->n && rc == LM_OK; i++)
        if ((i && lm_buf_printf(&b, ",") != LM_OK) || lm_buf_json_str(&b, req->skills[i]) != LM_OK)
            rc = LM_NOMEM;
    if (rc == LM_OK && lm_buf_printf(&b, "]}") != LM_OK) rc = LM_NOMEM;
    if (rc == LM_OK) rc = store_event_append(tx, "requirements.changed", kind, ref, b.data);
    lm_buf_free(&b);
    return rc;
}

cJSON *api__requires_json(const api_requires *req) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < req->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(req->skills[i]));
    return a;
}

/* ---- The routes: one shape for products, orders and drivers ---- */

typedef struct target {
    const char *kind;  /* requirements kind */
    const char *param; /* path parameter */
    const char *what;  /* for messages */
    const char *member;
} target;

static const target PRODUCT = {"product", "sku", "product", "requires"};
static const target ORDER = {"order", "id", "order", "requires"};
static const target DRIVER = {"driver", "id", "driver", "skills"};

/* NOT_FOUND (naming the path parameter) unless the product, order or driver exists. */
static lm_status exists(http_req *r, store_read *rd, const target *t, const char *ref) {
    lm_status rc = LM_NOT_FOUND;
    if (t == &PRODUCT) {
        store_product p;
        rc = store_product_get(rd, ref, &p, NULL);
    } else if (t == &DRIVER) {
        store_driver d;
        rc = store_driver_get(rd, ref, &d, NULL);
    } else {
        int64_t id = 0;
        store_order o = {0};
        if (lm_parse_i64(ref, 1, INT64_MAX, &id)) rc = store_order_get(rd, id, &o, NULL);
        store_order_clear(&o);
    }
    if (rc == LM_NOT_FOUND) return http_error(r, rc, t->param, "%s '%s' not found", t->what, ref);
    return rc == LM_OK ? LM_OK : http_error(r, rc, "", "store unavailable");
}

static lm_status reply(http_req *r, const target *t, const char *ref, const api_requires *req) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, t->what, ref);
    cJSON_AddItemToObject(o, t->member, api__requires_json(req));
    return http_reply_json(r, 200, o);
}

static lm_status get(http_req *r, const target *t) {
    const char *ref = http_param(r, t->param);
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    api_requires req = {0};
    if ((rc = exists(r, rd, t, ref)) == LM_OK)
        rc =
            store_requirements_get(rd, t->kind, ref, req.skills, API_REQUIRES_MAX, &req.n, &r->err);
    store_read_end(rd);
    return rc != LM_OK ? rc : reply(r, t, ref, &req);
}

static lm_status put(http_req *r, const target *t) {
    static const char *const keys[] = {"skills", NULL};
    const char *ref = http_param(r, t->param);
    api_requires req;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = api__only_keys(r, r->json, keys);
    if (rc == LM_OK) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->json, "skills");
        if (!arr) return http_error(r, LM_INVALID, "skills", "is required");
        rc = api__requires_read(r, arr, "skills", &req);
    }
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    if ((rc = exists(r, store_tx_read(tx), t, ref)) == LM_OK)
        rc = api__requires_save(tx, t->kind, ref, &req, &r->err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) return http_error(r, rc, "", "commit failed");
    return reply(r, t, ref, &req);
}

lm_status api__product_requires_get(http_req *r) {
    return get(r, &PRODUCT);
}
lm_status api__product_requires_put(http_req *r) {
    return put(r, &PRODUCT);
}
lm_status api__order_requires_get(http_req *r) {
    return get(r, &ORDER);
}
lm_status api__order_requires_put(http_req *r) {
    return put(r, &ORDER);
}
lm_status api__driver_skills_get(http_req *r) {
    return get(r, &DRIVER);
}
lm_status api__driver_skills_put(http_req *r) {
    return put(r, &DRIVER);
}
