/* notify/quiet.c: quiet hours in a depot's own time zone (feedback/'s POSIX TZ and IANA zone
 * reader): when a message may leave. Deferring, never dropping: a message written at night waits
 * for the end of the quiet span. */
#include "feedback/feedback.h"
#include "notify/internal.h"

#include <stdio.h>
#include <string.h>

lm_status notify_quiet_check(const store_nt_quiet *q, const char *field, lm_errinfo *err) {
    char f[96];
    snprintf(f, sizeof f, "%s.tz", field);
    feedback_tz tz;
    lm_status rc = feedback_tz_parse(q->tz, f, &tz, err);
    if (rc != LM_OK) return rc;
    if (q->start_min < 0 || q->start_min > 1439 || q->end_min < 0 || q->end_min > 1439) {
        snprintf(f, sizeof f, "%s.%s", field,
                 q->start_min < 0 || q->start_min > 1439 ? "from" : "to");
        return lm_errinfo_set(err, LM_INVALID, f, "a time of day must be 00:00..23:59");
    }
    if (q->start_min == q->end_min) {
        snprintf(f, sizeof f, "%s.to", field);
        return lm_errinfo_set(err, LM_INVALID, f,
                              "quiet hours must end at another time than they "
                              "start");
    }
    return LM_OK;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t notify_quiet_release(const store_nt_quiet *q, int64_t now_ms) {
    feedback_tz tz;
    if (feedback_tz_parse(q->tz, "tz", &tz, NULL) != LM_OK) return now_ms; /* checked at save */
    int64_t utc_s = floor_div(now_ms, 1000);
    int64_t local_s = utc_s + feedback_tz_offset(&tz, utc_s);
    int64_t day = floor_div(local_s, 86400) * 86400;
    int64_t minute = (local_s - day) / 60;
    bool quiet = q->start_min < q->end_min ? minute >= q->start_min && minute < q->end_min
                                           : minute >= q->start_min || minute < q->end_min;
    if (!quiet) return now_ms;
    /* the end of this quiet span: today's end time, or tomorrow's when it spans midnight */
    int64_t end_local = day + (int64_t)q->end_min * 60 + (minute >= q->end_min ? 86400 : 0);
    int64_t release_ms = feedback_tz_to_utc(&tz, end_local) * 1000;
    return release_ms > now_ms ? release_ms : now_ms;
}

bool notify__quiet_for(const notify_settings *s, const char *depot, store_nt_quiet *out) {
    const store_nt_quiet *any = NULL;
    for (size_t i = 0; i < s->n_quiet; i++) {
        if (depot && !strcmp(s->quiet[i].depot_id, depot)) {
            *out = s->quiet[i];
            return true;
        }
        if (!strcmp(s->quiet[i].depot_id, "*")) any = &s->quiet[i];
    }
    if (any) *out = *any;
    return any != NULL;
}
