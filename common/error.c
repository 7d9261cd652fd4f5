/* The project-wide error table, expanded from LM_ERRNO_MAP. */
#include "common/common.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int http;
    const char *message;
} lm_errors[] = {
#define LM_X_ROW(name, json, http, msg) {json, http, msg},
    LM_ERRNO_MAP(LM_X_ROW)
#undef LM_X_ROW
};

static bool lm_status_valid(lm_status code) {
    return (int)code >= 0 && code < LM__STATUS_COUNT;
}

const char *lm_strerror(lm_status code) {
    return lm_status_valid(code) ? lm_errors[code].message : "unknown error";
}

const char *lm_status_name(lm_status code) {
    return lm_status_valid(code) ? lm_errors[code].name : "unknown";
}

int lm_status_http(lm_status code) {
    return lm_status_valid(code) ? lm_errors[code].http : 500;
}

lm_status lm_errinfo_set(lm_errinfo *e, lm_status code, const char *field, const char *fmt, ...) {
    if (!e) return code;
    e->code = code;
    lm_strlcpy(e->field, field ? field : "", sizeof e->field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    /* Messages quote input ("'%.40s' is not a number") and are cut at a fixed size: either can
     * leave invalid UTF-8 or control bytes, which would break the JSON error body. */
    lm_utf8_scrub(e->field);
    lm_utf8_scrub(e->message);
    return code;
}

void lm_errinfo_clear(lm_errinfo *e) {
    if (e) memset(e, 0, sizeof *e);
}
