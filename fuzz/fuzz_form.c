/* libFuzzer target for url-encoded forms, query strings and typed query parameters
 * (api/formats/form.c). Every pair handed back is UTF-8 without control characters; every value,
 * and the raw input with its NULs, goes through the typed readers. */
#include "api/formats/form.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

static void typed(const char *v, size_t len) {
    lm_errinfo err;
    int64_t i = 0;
    bool b = false;
    lm_status st = fmt_query_text("q", v, len, 256, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && !lm_utf8_valid(v, len, "")) abort();
    st = fmt_query_int("limit", v, len, 1, 1000, &i, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && (i < 1 || i > 1000)) abort();
    st = fmt_query_time_ms("since", v, len, &i, &err);
    fuzz_check_err(st, &err);
    st = fmt_query_bool("open", v, len, &b, &err);
    fuzz_check_err(st, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fmt_form_kv pairs[FMT_FORM_MAX_PAIRS];
    size_t n = 0;
    char *buf = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st =
        fmt_form_parse((const char *)data, size, "body", pairs, FMT_FORM_MAX_PAIRS, &n, &buf, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (n > FMT_FORM_MAX_PAIRS) abort();
        for (size_t i = 0; i < n; i++) {
            fuzz_check_text(pairs[i].key);
            fuzz_check_text(pairs[i].value);
            typed(pairs[i].value, strlen(pairs[i].value));
            if (fmt_form_get(pairs, n, pairs[i].key) == NULL) abort();
        }
        lm_free(buf);
    }
    char *s = fuzz_cstr(data, size);
    if (s) typed(s, size);
    free(s);
    return 0;
}
