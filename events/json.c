/* events/json.c: one event of the log as the JSON object event streams and webhooks send. */
#include "events/events.h"

#include <inttypes.h>
#include <string.h>

#define EVENT_JSON_MAX ((size_t)16 << 20)

char *events_json(const store_event *ev) {
    lm_buf b;
    lm_buf_init(&b, EVENT_JSON_MAX);
    lm_status rc = lm_buf_printf(
        &b, "{\"seq\":%" PRId64 ",\"time_ms\":%" PRId64 ",\"type\":", ev->seq, ev->time_ms);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ev->type);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"entity\":", 10);
    if (rc == LM_OK) rc = lm_buf_json_str(&b, ev->entity);
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"entity_id\":", 13);
    if (rc == LM_OK)
        rc = ev->entity_id ? lm_buf_json_str(&b, ev->entity_id) : lm_buf_append(&b, "null", 4);
    /* the store holds JSON text only (store_event_append's contract): embedded as it is */
    const char *payload = ev->payload_json && ev->payload_json[0] ? ev->payload_json : "{}";
    if (rc == LM_OK) rc = lm_buf_append(&b, ",\"payload\":", 11);
    if (rc == LM_OK) rc = lm_buf_append(&b, payload, strlen(payload));
    if (rc == LM_OK) rc = lm_buf_append(&b, "}", 1);
    if (rc != LM_OK) {
        lm_buf_free(&b);
        return NULL;
    }
    return lm_buf_take(&b);
}
