/* api/versions.c: what versioned resources share (settings, vehicles, drivers, depots): the
 * version precondition of a change (If-Match: "<version>" or the body's "version"), the ETag of
 * a reply, who made a change, and each fleet record's history (who saved which record when). */
#include "api/app.h"
#include "api/input.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void api__actor(const http_req *r, char *out, size_t size) {
    snprintf(out, size, "key:%s", r->key_id[0] ? r->key_id : "unknown");
}

lm_status api__etag(http_req *r, int64_t version) {
    char tag[32];
    snprintf(tag, sizeof tag, "\"%" PRId64 "\"", version);
    return http_reply_header(r, "ETag", tag);
}

lm_status api__precondition(http_req *r, bool has_body_version, int64_t body_version,
                            int64_t *out) {
    const char *im = http_header(r, "If-Match");
    if (im) {
        char digits[24];
        size_t n = strlen(im);
        if (n >= 3 && n < sizeof digits + 2 && im[0] == '"' && im[n - 1] == '"') {
            memcpy(digits, im + 1, n - 2);
            digits[n - 2] = '\0';
            if (lm_parse_i64(digits, 0, INT64_MAX / 2, out)) return LM_OK;
        }
        return http_error(r, LM_INVALID, "If-Match",
                          "If-Match must be a version in quotes, e.g. \"3\"");
    }
    if (has_body_version) {
        *out = body_version;
        return LM_OK;
    }
    /* a change that does not say what it read would silently overwrite someone else's */
    return http_error(r, LM_PRECONDITION_REQUIRED, "version",
                      "say which version you changed: If-Match: \"<version>\" or \"version\" in "
                      "the body (a GET shows it)");
}

lm_status api__precondition_take(http_req *r, int64_t *out) {
    int64_t v = 0;
    bool has = false;
    cJSON *it = cJSON_IsObject(r->json)
                    ? cJSON_DetachItemFromObjectCaseSensitive(r->json, "version")
                    : NULL;
    lm_status rc = LM_OK;
    if (it) {
        has = true;
        rc = fmt_json_int_item(it, "version", 0, INT64_MAX / 2, &v, &r->err);
        cJSON_Delete(it);
    }
    return rc != LM_OK ? rc : api__precondition(r, has, v, out);
}

lm_status api__record_version(http_req *r, store_tx *tx, const char *entity, const char *id,
                              const cJSON *doc, int64_t expected, int64_t *version) {
    int64_t cur = 0;
    lm_status rc = store_record_version(store_tx_read(tx), entity, id, &cur, &r->err);
    if (rc != LM_OK) return rc;
    if (expected >= 0 && expected != cur)
        return http_error(r, LM_PRECONDITION, "version",
                          "%s '%s' is at version %" PRId64 ", not %" PRId64
                          "; read it again and re-apply your change",
                          entity, id, cur, expected);
    store_record_rev rev = {.version = cur + 1, .created_ms = lm_now_ms()};
    lm_strlcpy(rev.entity, entity, sizeof rev.entity);
    lm_strlcpy(rev.id, id, sizeof rev.id);
    api__actor(r, rev.actor, sizeof rev.actor);
    char *text = cJSON_PrintUnformatted(doc);
    if (!text) return http_error(r, LM_NOMEM, "", "out of memory");
    rev.doc = text;
    rc = store_record_version_add(tx, &rev, &r->err);
    cJSON_free(text);
    if (rc != LM_OK) return rc;
    /* the audit event: who saved which version (the record itself is in the history) */
    char type[40];
    snprintf(type, sizeof type, "%s.versioned", entity);
    lm_buf b;
    lm_buf_init(&b, 1024);
    if (lm_buf_printf(&b, "{\"id\":") != LM_OK || lm_buf_json_str(&b, id) != LM_OK ||
        lm_buf_printf(&b, ",\"version\":%" PRId64 ",\"actor\":", rev.version) != LM_OK ||
        lm_buf_json_str(&b, rev.actor) != LM_OK || lm_buf_printf(&b, "}") != LM_OK)
        rc = LM_NOMEM;
    if (rc == LM_OK) rc = store_event_append(tx, type, entity, id, b.data);
    lm_buf_free(&b);
    if (rc == LM_OK) *version = rev.version;
    return rc;
}

lm_status api__reply_versioned(http_req *r, int status, cJSON *doc, int64_t version) {
    cJSON_AddNumberToObject(doc, "version", (double)version);
    lm_status rc = api__etag(r, version);
    if (rc != LM_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    return http_reply_json(r, status, doc);
}

lm_status api__record_version_get(http_req *r, const char *entity, const char *id,
                                  int64_t *version) {
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = store_record_version(rd, entity, id, version, &r->err);
    store_read_end(rd);
    return rc;
}

lm_status api__record_history(http_req *r, const char *entity, const char *id) {
    int64_t limit = 20;
    const char *q = http_query(r, "limit");
    if (q && !lm_parse_i64(q, 1, 100, &limit))
        return http_error(r, LM_INVALID, "limit", "limit must be a whole number 1..100");
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    store_record_rev *revs = NULL;
    size_t n = 0;
    rc = store_record_history(rd, entity, id, (size_t)limit, &revs, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    if (n == 0) {
        store_record_revs_free(revs, n);
        return http_error(r, LM_NOT_FOUND, "id", "%s '%s' has no saved version", entity, id);
    }
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "versions");
    cJSON_AddStringToObject(o, "id", id);
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "version", (double)revs[i].version);
        cJSON_AddNumberToObject(e, "created_ms", (double)revs[i].created_ms);
        cJSON_AddStringToObject(e, "actor", revs[i].actor);
        cJSON *rec = cJSON_Parse(revs[i].doc ? revs[i].doc : "{}");
        cJSON_AddItemToObject(e, "record", rec ? rec : cJSON_CreateObject());
        cJSON_AddItemToArray(arr, e);
    }
    store_record_revs_free(revs, n);
    return http_reply_json(r, 200, o);
}

/* ---- Saving and reading a fleet record ---- */

/* For a PUT: the path's id, put into the body when it has none, refused when it differs. */
static lm_status path_id_into_body(http_req *r) {
    const char *id = http_param(r, "id");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(r->json, "id");
    if (!b) return cJSON_AddStringToObject(r->json, "id", id) ? LM_OK : LM_NOMEM;
    if (!cJSON_IsString(b) || strcmp(b->valuestring, id))
        return http_error(r, LM_INVALID, "id", "the body's id must be the path's ('%s')", id);
    return LM_OK;
}

lm_status api__record_save(http_req *r, const api_record_kind *k, bool versioned) {
    void *rec = lm_arena_alloc(r->arena, k->size), *saved = lm_arena_alloc(r->arena, k->size);
    if (!rec || !saved) return http_error(r, LM_NOMEM, "", "out of memory");
    int64_t expected = -1, version = 0;
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK && versioned) rc = api__precondition_take(r, &expected);
    if (rc == LM_OK && versioned) rc = path_id_into_body(r);
    if (rc == LM_OK) rc = k->decode(r->json, rec, &r->err);
    if (rc != LM_OK) return rc;
    char extra[64] = "";
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(api_store(r), &tx)) != LM_OK)
        return http_error(r, rc, "", "store unavailable");
    cJSON *doc = NULL;
    /* the record as stored is what its version holds and what the reply shows */
    if ((rc = k->save(tx, rec, extra, &r->err)) == LM_OK &&
        (rc = k->get(store_tx_read(tx), k->id_of(rec), saved, &r->err)) == LM_OK) {
        doc = k->json(saved);
        rc = api__record_version(r, tx, k->entity, k->id_of(rec), doc, expected, &version);
    }
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        cJSON_Delete(doc);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK) {
        cJSON_Delete(doc);
        return http_error(r, rc, "", "commit failed");
    }
    /* a generated device id is answered here and nowhere else (never in the history) */
    if (extra[0]) cJSON_AddStringToObject(doc, "device_id", extra);
    return api__reply_versioned(r, versioned ? 200 : 201, doc, version);
}

lm_status api__record_get(http_req *r, const api_record_kind *k) {
    const char *id = http_param(r, "id");
    void *rec = lm_arena_alloc(r->arena, k->size);
    if (!rec) return http_error(r, LM_NOMEM, "", "out of memory");
    int64_t version = 0;
    store_read *rd = NULL;
    lm_status rc = store_read_begin(api_store(r), &rd);
    if (rc != LM_OK) return http_error(r, rc, "", "store unavailable");
    rc = k->get(rd, id, rec, &r->err);
    if (rc == LM_OK) rc = store_record_version(rd, k->entity, id, &version, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, rc, "id", "%s '%s' not found", k->entity, id);
    if (rc != LM_OK) return rc;
    return api__reply_versioned(r, 200, k->json(rec), version);
}
