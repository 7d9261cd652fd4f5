/* api/enrol.c: signing a phone in to the driver app without typing a key. A dispatcher makes a
 * short-lived, single-use enrolment for a driver (shown as a link and QR code on the dashboard),
 * the app exchanges its token once for a driver key, and revoking the enrolment revokes that key
 * at once (a lost phone is one click). Tokens are 128 random bits stored only as SHA-256
 * (store/store_enrol.h); the link carries the token in the URL fragment (/driver/#enrol=...), so
 * it never reaches a server log or a Referer header. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "dispatch/dispatch.h"
#include "store/store_enrol.h"

#include <stdio.h>
#include <string.h>

#define ENROL_TTL_DEFAULT_S 900 /* 15 minutes: long enough to walk to the van, short if lost */
#define ENROL_TTL_MAX_S     86400

/* The driver of the path must exist (404 otherwise); its record in *out. */
static lm_status path_driver(http_req *r, dispatch_driver *out) {
    const char *id = http_param(r, "id");
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    rc = dispatch_driver_get(rd, id ? id : "", out, &r->err);
    store_read_end(rd);
    if (rc == LM_NOT_FOUND) return http_error(r, LM_NOT_FOUND, "id", "no such driver");
    return rc;
}

static cJSON *enrol_json(const store_enrolment *e, int64_t now_ms) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "enrolment_id", e->id);
    cJSON_AddStringToObject(o, "driver_id", e->driver_id);
    cJSON_AddStringToObject(o, "state", store_enrol_state_name(store_enrol_state_at(e, now_ms)));
    cJSON_AddNumberToObject(o, "created_ms", (double)e->created_ms);
    cJSON_AddNumberToObject(o, "expires_ms", (double)e->expires_ms);
    const struct {
        const char *name;
        int64_t v;
    } opt[] = {{"used_ms", e->used_ms}, {"revoked_ms", e->revoked_ms}};
    for (size_t i = 0; i < 2; i++)
        if (opt[i].v)
            cJSON_AddNumberToObject(o, opt[i].name, (double)opt[i].v);
        else
            cJSON_AddNullToObject(o, opt[i].name);
    if (e->key_id[0]) {
        char prefix[STORE_KEY_ID_LEN + 8];
        snprintf(prefix, sizeof prefix, "lm_%s_", e->key_id);
        cJSON_AddStringToObject(o, "key_prefix", prefix);
    } else {
        cJSON_AddNullToObject(o, "key_prefix");
    }
    return o;
}

lm_status api__enrol_create(http_req *r) {
    static const char *const keys[] = {"ttl_s", NULL};
    int64_t ttl_s = ENROL_TTL_DEFAULT_S;
    lm_status rc = api__body(r, FMT_JSON_OPTIONAL);
    if (rc == LM_OK && r->json) rc = api__only_keys(r, r->json, keys);
    if (rc == LM_OK && r->json)
        rc = api__json_int(r, r->json, "ttl_s", "ttl_s", 60, ENROL_TTL_MAX_S, false, &ttl_s, NULL);
    dispatch_driver d;
    if (rc == LM_OK) rc = path_driver(r, &d);
    if (rc != LM_OK) return rc;
    char token[STORE_ENROL_TOKEN_LEN + 1];
    store_enrolment e;
    if ((rc = store_enrol_create(api_store(r), d.id, ttl_s * 1000, r->key_id, token, &e,
                                 &r->err)) != LM_OK)
        return rc;
    cJSON *o = enrol_json(&e, e.created_ms);
    cJSON_AddStringToObject(o, "token", token);
    char link[64 + STORE_ENROL_TOKEN_LEN];
    snprintf(link, sizeof link, "/driver/#enrol=%s", token);
    cJSON_AddStringToObject(o, "link", link);
    memset(token, 0, sizeof token);
    return http_reply_json(r, 201, o);
}

lm_status api__enrol_list(http_req *r) {
    dispatch_driver d;
    lm_status rc = path_driver(r, &d);
    if (rc != LM_OK) return rc;
    store_read *rd = NULL;
    store_enrolment *rows = NULL;
    size_t n = 0;
    if ((rc = api__read_begin(r, &rd)) != LM_OK) return rc;
    rc = store_enrol_list(rd, d.id, &rows, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    int64_t now = lm_now_ms();
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "enrolments");
    for (size_t i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, enrol_json(&rows[i], now));
    lm_free(rows);
    return http_reply_json(r, 200, o);
}

lm_status api__enrol_revoke(http_req *r) {
    dispatch_driver d;
    lm_status rc = path_driver(r, &d);
    if (rc != LM_OK) return rc;
    const char *eid = http_param(r, "enrolment");
    if (!eid || strlen(eid) != STORE_ENROL_ID_LEN ||
        strspn(eid, "0123456789abcdef") != STORE_ENROL_ID_LEN)
        return http_error(r, LM_NOT_FOUND, "enrolment", "the driver has no such enrolment");
    if ((rc = store_enrol_revoke(api_store(r), d.id, eid, lm_now_ms(), &r->err)) != LM_OK)
        return rc;
    return http_reply_text(r, 204, "application/json", "", 0);
}

lm_status api__enrol_exchange(http_req *r) {
    static const char *const keys[] = {"token", NULL};
    char token[STORE_ENROL_TOKEN_LEN + 2] = "";
    lm_status rc = api__body(r, FMT_JSON_REQUIRED);
    if (rc == LM_OK) rc = api__only_keys(r, r->json, keys);
    if (rc == LM_OK) rc = api__json_str(r, r->json, "token", "token", token, sizeof token, true);
    if (rc == LM_TOO_BIG) /* a longer string is just not a token: the same answer as a wrong one */
        rc = http_error(r, LM_UNAUTHORIZED, "token", "this is not a valid enrolment link");
    if (rc != LM_OK) return rc;
    char key[STORE_KEY_MAX];
    store_enrolment e;
    if ((rc = store_enrol_redeem(api_store(r), token, lm_now_ms(), key, &e, &r->err)) != LM_OK)
        return rc;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "key", key);
    memset(key, 0, sizeof key);
    cJSON_AddStringToObject(o, "key_id", e.key_id);
    cJSON_AddStringToObject(o, "driver_id", e.driver_id);
    cJSON_AddStringToObject(o, "enrolment_id", e.id);
    store_read *rd = NULL;
    dispatch_driver d;
    lm_errinfo ignored;
    if (store_read_begin(api_store(r), &rd) == LM_OK) {
        if (dispatch_driver_get(rd, e.driver_id, &d, &ignored) == LM_OK)
            cJSON_AddStringToObject(o, "driver_name", d.name);
        store_read_end(rd);
    }
    return http_reply_json(r, 201, o);
}
