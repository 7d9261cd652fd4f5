/* api/feedback_config.c: GET and PUT /v1/config/feedback (admin): feedback/'s settings, the SLA
 * table and the business calendars, read and changed together; a PUT is one transaction, so a
 * refused part leaves everything as it was. */
#include "api/app.h"
#include "api/formats/feedback_json.h"
#include "api/handlers.h"
#include "feedback/feedback.h"

#include <string.h>

/* The configuration as stored now (defaults where nothing is). */
static lm_status reply_config(http_req *r) {
    store_read *rd = NULL;
    lm_status rc = api__read_begin(r, &rd);
    if (rc != LM_OK) return rc;
    feedback_settings s;
    feedback_sla_rule *sla = NULL;
    size_t n_sla = 0, n_cal = 0;
    feedback_calendar_text def;
    feedback_calendar *cal = lm_arena_alloc(r->arena, sizeof *cal);
    store_fb_calendar *cals = NULL;
    if (!cal) rc = http_error(r, LM_NOMEM, "", "out of memory");
    if (rc == LM_OK) rc = feedback_settings_get(rd, &s, &r->err);
    if (rc == LM_OK) rc = feedback_sla_list(rd, &sla, &n_sla, &r->err);
    if (rc == LM_OK) rc = feedback_calendar_for(rd, "", &def, cal, &r->err);
    if (rc == LM_OK) rc = store_fb_calendar_list(rd, &cals, &n_cal, &r->err);
    store_read_end(rd);
    if (rc != LM_OK) {
        lm_free(sla);
        lm_free(cals);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "settings", fmt_fb_settings_json(&s));
    cJSON_AddItemToObject(o, "sla", fmt_fb_sla_json(sla, n_sla));
    cJSON_AddItemToObject(o, "default_calendar", fmt_fb_calendar_json(&def));
    cJSON *a = cJSON_AddArrayToObject(o, "depot_calendars");
    for (size_t i = 0; i < n_cal; i++)
        if (cals[i].depot_id[0]) cJSON_AddItemToArray(a, fmt_fb_calendar_json(&cals[i]));
    lm_free(sla);
    lm_free(cals);
    return http_reply_json(r, 200, o);
}

lm_status api__feedback_config_get(http_req *r) {
    if (!api__need_feedback(r)) return LM_UNAVAILABLE;
    return reply_config(r);
}

lm_status api__feedback_config_put(http_req *r) {
    if (!api__need_feedback(r)) return LM_UNAVAILABLE;
    store_tx *tx = NULL;
    lm_status rc = api__tx_begin(r, &tx);
    if (rc != LM_OK) return rc;
    feedback_settings base;
    fmt_fb_config c;
    /* decoded inside the tx: the settings not named keep what is stored at this moment */
    rc = feedback_settings_get(store_tx_read(tx), &base, &r->err);
    if (rc == LM_OK) rc = fmt_fb_config_from_json(r->json, r->arena, &base, &c, &r->err);
    if (rc == LM_OK && c.has_settings) rc = feedback_settings_put(tx, &c.settings, &r->err);
    if (rc == LM_OK && c.has_sla) rc = feedback_sla_replace(tx, c.sla, c.n_sla, &r->err);
    for (size_t i = 0; rc == LM_OK && i < c.n_calendars; i++)
        rc = feedback_calendar_put(tx, &c.calendars[i], &r->err);
    for (size_t i = 0; rc == LM_OK && i < c.n_remove; i++)
        rc = feedback_calendar_delete(tx, c.remove[i], &r->err);
    if ((rc = api__tx_end(r, tx, rc)) != LM_OK) return rc;
    return reply_config(r);
}
