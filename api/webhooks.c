/* api/webhooks.c: webhook subscriptions (POST/GET/DELETE /v1/webhooks). Delivery is events/
 * (events/webhooks.c): every event of the log is POSTed to every webhook, signed. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "store/store_positions.h"

#include <stdio.h>
#include <string.h>

static cJSON *hook_json(const store_webhook *h) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)h->id);
    cJSON_AddStringToObject(o, "url", h->url);
    cJSON_AddNumberToObject(o, "created_ms", (double)h->created_ms);
    cJSON_AddNumberToObject(o, "delivered_seq", (double)h->cursor_seq);
    cJSON_AddNumberToObject(o, "failed_attempts", (double)h->attempts);
    if (h->last_error[0])
        cJSON_AddStringToObject(o, "last_error", h->last_error);
    else
        cJSON_AddNullToObject(o, "last_error");
    return o;
}

lm_status api__webhooks_create(http_req *r) {
    static const char *const keys[] = {"url", "secret", NULL};
    const char *url = NULL, *secret = NULL;
    lm_status rc;
    if ((rc = api__body(r, FMT_JSON_REQUIRED)) != LM_OK ||
        (rc = api__only_keys(r, r->json, keys)) != LM_OK ||
        (rc = fmt_json_string(r->json, "url", "", FMT_JSON_REQUIRED, 2048, &url, &r->err)) !=
            LM_OK ||
        (rc = fmt_json_string(r->json, "secret", "", FMT_JSON_REQUIRED, 256, &secret, &r->err)) !=
            LM_OK)
        return rc;
    if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
        return http_error(r, LM_INVALID, "url", "url must be an http:// or https:// URL");
    if (strlen(secret) < 8)
        return http_error(r, LM_INVALID, "secret",
                          "secret must be a string of at least 8 characters");
    store_tx *tx = NULL;
    store_webhook h;
    events_webhook_created info;
    rc = api__tx_begin(r, &tx);
    if (rc != LM_OK) return rc;
    if ((rc = events_webhook_create(api_app_of(r)->hooks, tx, url, secret, &h, &info, &r->err)) !=
        LM_OK)
        goto fail;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)h.id);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "url", h.url);
    char *pt = cJSON_PrintUnformatted(p); /* escaping may lengthen the URL: no fixed buffer */
    cJSON_Delete(p);
    if (!pt) {
        rc = LM_NOMEM;
        goto fail;
    }
    rc = store_event_append(tx, "webhook.created", "webhook", id, pt);
    cJSON_free(pt);
    if (rc != LM_OK) goto fail;
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the webhook could not be stored");
    cJSON *o = hook_json(&h);
    if (info.warning[0]) cJSON_AddStringToObject(o, "warning", info.warning);
    return http_reply_json(r, 201, o);
fail:
    store_tx_rollback(tx);
    return rc;
}

lm_status api__webhooks_list(http_req *r) {
    store_read *rd = NULL;
    store_webhook *hooks = NULL;
    size_t n = 0;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    rc = store_webhook_list(rd, &hooks, &n, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) return rc;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "webhooks");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, hook_json(&hooks[i]));
    lm_free(hooks);
    return http_reply_json(r, 200, o);
}

lm_status api__webhooks_delete(http_req *r) {
    int64_t id = 0;
    if (!lm_parse_i64(http_param(r, "id"), 1, INT64_MAX, &id))
        return http_error(r, LM_INVALID, "id", "id must be a webhook id");
    lm_status rc = api__no_body(r);
    if (rc != LM_OK) return rc;
    store_tx *tx = NULL;
    rc = api__tx_begin(r, &tx);
    if (rc != LM_OK) return rc;
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if ((rc = store_webhook_delete(tx, id, &r->err)) != LM_OK ||
        (rc = store_event_append(tx, "webhook.deleted", "webhook", ids, NULL)) != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    if ((rc = store_tx_commit(tx)) != LM_OK)
        return http_error(r, rc, "", "the change could not be committed");
    return LM_OK; /* 204 */
}
