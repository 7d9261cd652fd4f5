/* libFuzzer target for feedback's business calendars (feedback/tz.c, feedback/calendar.c): the
 * input is "tz\nhours\nholidays". A refusal names its field; an accepted calendar has sorted,
 * disjoint spans inside the day and sorted, distinct holidays, and its arithmetic agrees with
 * itself: a deadline is never before its start and the business time up to it is the budget. */
#include "feedback/feedback.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

/* The next line of s (cut at '\n'), advancing *s; "" once s is exhausted. */
static char *next_line(char **s) {
    char *line = *s, *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *s = nl + 1;
    } else {
        *s = line + strlen(line);
    }
    return line;
}

static void check_calendar(const feedback_calendar *cal) {
    for (int d = 0; d < 7; d++) {
        if (cal->n_spans[d] < 0 || cal->n_spans[d] > FEEDBACK_SPANS_MAX) abort();
        for (int k = 0; k < cal->n_spans[d]; k++) {
            if (cal->open_s[d][k] < 0 || cal->close_s[d][k] > 86400 ||
                cal->open_s[d][k] >= cal->close_s[d][k])
                abort();
            if (k > 0 && cal->open_s[d][k] < cal->close_s[d][k - 1]) abort();
        }
    }
    for (size_t i = 1; i < cal->n_holidays; i++)
        if (cal->holidays[i] <= cal->holidays[i - 1]) abort();
    /* 2026-03-27 16:00 UTC, a Friday before a DST switch in the northern zones */
    const int64_t from = INT64_C(1774627200000);
    int64_t due = 0;
    const int64_t budget = INT64_C(5) * 3600 * 1000;
    if (feedback_calendar_add(cal, from, budget, &due) == LM_OK) {
        if (due < from) abort();
        if (feedback_calendar_elapsed(cal, from, due) != budget) abort();
    }
    int32_t off = feedback_tz_offset(&cal->tz, from / 1000);
    if (off < -168 * 3600 || off > 168 * 3600) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0; /* the stored texts are far smaller */
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    char *rest = s;
    char *tz = next_line(&rest), *hours = next_line(&rest), *holidays = next_line(&rest);
    feedback_calendar *cal = malloc(sizeof *cal);
    lm_errinfo err = {0};
    if (cal) {
        lm_status st = feedback_calendar_parse(tz, hours, holidays, cal, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK)
            check_calendar(cal);
        else if (strcmp(err.field, "tz") && strcmp(err.field, "hours") &&
                 strcmp(err.field, "holidays"))
            abort();
    }
    free(cal);
    free(s);
    return 0;
}
