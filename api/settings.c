/* api/settings.c: /v1/settings (docs/settings.md): the operator's settings read, changed under a
 * version precondition (If-Match: "<version>" or the body's "version"), their history with who
 * changed what, and one depot's section. dispatch/ reads the current version where it uses a
 * value, so a change needs no restart. */
#include "api/app.h"
#include "api/formats/settings_json.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The document at version (0: the current one), values in effect computed from it. */
static lm_status reply_doc(http_req *r, int64_t version) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    dispatch_settings_doc doc = {0};
    rc = dispatch_settings_get(rd, version, &doc, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    int64_t eff[DISPATCH_SET__COUNT];
    bool have[DISPATCH_SET__COUNT];
    dispatch_settings_defaults(api_app_of(r)->dispatch, eff);
    fmt_settings_scope_values(&doc, "", eff, have);
    cJSON *o = fmt_settings_json(&doc, eff);
    int64_t v = doc.rev.version;
    dispatch_settings_doc_clear(&doc);
    if ((rc = api__etag(r, v)) != LM_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return http_reply_json(r, 200, o);
}

lm_status api__settings_get(http_req *r) {
    return reply_doc(r, 0);
}

lm_status api__settings_version_get(http_req *r) {
    int64_t v = 0;
    if (!lm_parse_i64(http_param(r, "version"), 1, INT64_MAX / 2, &v))
        return http_error(r, LM_INVALID, "version", "version must be a whole number >= 1");
    return reply_doc(r, v);
}

/* Decodes the body, checks the precondition and saves the change in one transaction. depot_id
 * NULL: the whole document. */
static lm_status change(http_req *r, const char *depot_id) {
    dispatch_setting_change *ch = NULL;
    size_t n = 0;
    int64_t body_version = 0, expected = 0, saved = 0;
    bool has_version = false;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK)
        rc = fmt_settings_changes(r->json, depot_id, &ch, &n, &body_version, &has_version, &r->err);
    if (rc == LM_OK) rc = api__precondition(r, has_version, body_version, &expected);
    if (rc != LM_OK) {
        lm_free(ch);
        return rc;
    }
    char actor[STORE_ACTOR_MAX + 1];
    api__actor(r, actor, sizeof actor);
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK) {
        lm_free(ch);
        return http_error(r, rc, "", "store unavailable");
    }
    if (depot_id) { /* the section of a depot that does not exist is a 404, not a 400 */
        store_depot dep;
        if (store_depot_get(store_tx_read(tx), depot_id, &dep, NULL) != LM_OK)
            rc = http_error(r, LM_NOT_FOUND, "id", "depot '%s' not found", depot_id);
    }
    if (rc == LM_OK)
        rc = dispatch_settings_update(tx, expected, actor, ch, n, lm_now_ms(), &saved, &r->err);
    lm_free(ch);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) return http_error(r, rc, "", "commit failed");
    return LM_OK;
}

lm_status api__settings_put(http_req *r) {
    lm_status rc = change(r, NULL);
    return rc != LM_OK ? rc : reply_doc(r, 0);
}

/* ---- One depot's section ---- */

static lm_status reply_depot(http_req *r, const char *id) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    store_depot dep;
    dispatch_settings_doc doc = {0};
    int64_t eff[DISPATCH_SET__COUNT];
    if (store_depot_get(rd, id, &dep, NULL) != LM_OK)
        rc = http_error(r, LM_NOT_FOUND, "id", "depot '%s' not found", id);
    if (rc == LM_OK) rc = dispatch_settings_get(rd, 0, &doc, &r->err);
    if (rc == LM_OK)
        rc = dispatch_settings_effective(api_app_of(r)->dispatch, rd, id, eff, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) {
        dispatch_settings_doc_clear(&doc);
        return rc;
    }
    char scope[STORE_SETTING_SCOPE_MAX + 1];
    snprintf(scope, sizeof scope, "depot:%s", id);
    int64_t v[DISPATCH_SET__COUNT] = {0};
    bool have[DISPATCH_SET__COUNT];
    fmt_settings_scope_values(&doc, scope, v, have);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "depot_id", id);
    cJSON_AddNumberToObject(o, "version", (double)doc.rev.version);
    cJSON_AddItemToObject(o, "settings", fmt_settings_section_json(eff, NULL, false));
    cJSON_AddItemToObject(o, "overrides", fmt_settings_section_json(v, have, false));
    int64_t version = doc.rev.version;
    dispatch_settings_doc_clear(&doc);
    if ((rc = api__etag(r, version)) != LM_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return http_reply_json(r, 200, o);
}

lm_status api__settings_depot_get(http_req *r) {
    return reply_depot(r, http_param(r, "id"));
}

lm_status api__settings_depot_put(http_req *r) {
    const char *id = http_param(r, "id");
    lm_status rc = change(r, id);
    return rc != LM_OK ? rc : reply_depot(r, id);
}

/* ---- History ---- */

/* One history entry: the version, who and when, and what it changed from the one before. */
static lm_status history_entry(store_read *rd, const store_settings_rev *rev, cJSON **out,
                               lm_errinfo *err) {
    dispatch_settings_doc cur = {0}, prev = {0};
    lm_status rc = dispatch_settings_get(rd, rev->version, &cur, err);
    if (rc == LM_OK && rev->version > 1)
        rc = dispatch_settings_get(rd, rev->version - 1, &prev, err);
    if (rc == LM_OK) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "version", (double)rev->version);
        cJSON_AddNumberToObject(e, "created_ms", (double)rev->created_ms);
        cJSON_AddStringToObject(e, "actor", rev->actor);
        cJSON_AddItemToObject(e, "changes",
                              fmt_settings_diff_json(rev->version > 1 ? &prev : NULL, &cur));
        *out = e;
    }
    dispatch_settings_doc_clear(&cur);
    dispatch_settings_doc_clear(&prev);
    return rc;
}

lm_status api__settings_history(http_req *r) {
    int64_t before = 0, limit = 20;
    const char *q = http_query(r, "before");
    if (q && !lm_parse_i64(q, 1, INT64_MAX / 2, &before))
        return http_error(r, LM_INVALID, "before", "before must be a version >= 1");
    if ((q = http_query(r, "limit")) && !lm_parse_i64(q, 1, 100, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be a whole number 1..100");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    store_settings_rev *revs = NULL;
    size_t n = 0;
    rc = dispatch_settings_history(rd, before, (size_t)limit, &revs, &n, &r->err);
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "versions");
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        cJSON *e = NULL;
        if ((rc = history_entry(rd, &revs[i], &e, &r->err)) == LM_OK) cJSON_AddItemToArray(arr, e);
    }
    store_read_end(rd);
    if (rc == LM_OK && n == (size_t)limit)
        cJSON_AddNumberToObject(o, "next_before", (double)revs[n - 1].version);
    lm_free(revs);
    if (rc != LM_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return http_reply_json(r, 200, o);
}
