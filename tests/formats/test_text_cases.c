/* tests/formats/test_text_cases.c: the small text codecs as data (case_file.h), one area each:
 * tests/data/time/ (header form: rfc3339 | lenient | osmand; out = epoch seconds for rfc3339,
 * milliseconds otherwise), tests/data/base64/ (header cap: bytes of room, default 1024; out = the
 * bytes in hex), tests/data/form/ (out = the decoded pairs as key=value joined by '&') and
 * tests/data/conf/ (settings port, db, bind, threads, timezone; the value "refuse" is refused by
 * the caller; out = name=value joined by ';'). status / field / reason are the codec's outcome
 * (a time that does not parse is "invalid" with no field); "check: out = ..." compares the
 * output on success. */
#include "api/formats/base64.h"
#include "api/formats/conf.h"
#include "api/formats/form.h"
#include "api/formats/osmand.h"
#include "api/formats/rfc3339.h"
#include "case_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lm_status run_time(const tc_case *c, lm_buf *out, lm_errinfo *err) {
    const char *form = tc_get(c, "form");
    char *s = lm_strndup(c->input, c->input_len);
    if (!s || !form) {
        lm_free(s);
        return lm_errinfo_set(err, LM_INTERNAL, "", "no form: header or no memory");
    }
    int64_t v = 0;
    bool ok = !strcmp(form, "rfc3339")   ? fmt_time_parse_rfc3339(s, &v)
              : !strcmp(form, "lenient") ? fmt_time_parse_lenient_ms(s, &v)
                                         : fmt_osmand_time_parse(s, &v);
    lm_free(s);
    if (!ok) return lm_errinfo_set(err, LM_INVALID, "", "not a time");
    return lm_buf_printf(out, "%lld", (long long)v);
}

static lm_status run_base64(const tc_case *c, lm_buf *out, lm_errinfo *err) {
    const char *cap_text = tc_get(c, "cap");
    int64_t cap = 1024;
    if (cap_text && !lm_parse_i64(cap_text, 0, 1 << 20, &cap))
        return lm_errinfo_set(err, LM_INTERNAL, "", "bad cap: header");
    unsigned char *bytes = lm_alloc((size_t)cap + 1);
    size_t n = 0;
    lm_status st = bytes ? fmt_base64_decode(c->input, c->input_len, "data_base64", bytes,
                                             (size_t)cap, &n, err)
                         : LM_NOMEM;
    for (size_t i = 0; st == LM_OK && i < n; i++)
        st = lm_buf_printf(out, "%02x", bytes[i]);
    lm_free(bytes);
    return st;
}

static lm_status run_form(const tc_case *c, lm_buf *out, lm_errinfo *err) {
    fmt_form_kv kv[FMT_FORM_MAX_PAIRS];
    size_t n = 0;
    char *buf = NULL;
    lm_status st =
        fmt_form_parse(c->input, c->input_len, "body", kv, FMT_FORM_MAX_PAIRS, &n, &buf, err);
    for (size_t i = 0; st == LM_OK && i < n; i++)
        st = lm_buf_printf(out, "%s%s=%s", i ? "&" : "", kv[i].key, kv[i].value);
    lm_free(buf);
    return st;
}

static lm_status conf_setting(void *ctx, const char *name, const char *value, size_t line,
                              lm_errinfo *err) {
    lm_buf *out = ctx;
    (void)line;
    if (!strcmp(value, "refuse")) return lm_errinfo_set(err, LM_INVALID, name, "bad value");
    return lm_buf_printf(out, "%s%s=%s", out->len ? ";" : "", name, value);
}

static lm_status run_conf(const tc_case *c, lm_buf *out, lm_errinfo *err) {
    static const char *const known[] = {"port", "db", "bind", "threads", "timezone", NULL};
    return fmt_conf_parse(c->input, c->input_len, known, conf_setting, out, err);
}

static bool run_case(const char *area, const tc_case *c, char *why, size_t size) {
    lm_buf out;
    lm_buf_init(&out, 1u << 16);
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = !strcmp(area, "time")     ? run_time(c, &out, &err)
                   : !strcmp(area, "base64") ? run_base64(c, &out, &err)
                   : !strcmp(area, "form")   ? run_form(c, &out, &err)
                                             : run_conf(c, &out, &err);
    bool ok = tc_check_error(c, st, &err, why, size);
    for (size_t i = 0; ok && st == LM_OK && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[1024];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs) || strcmp(lhs, "out")) {
            snprintf(why, size, "check '%s' is not 'out = ...'", c->hdr[i].value);
            ok = false;
        } else if (strcmp(out.len ? out.data : "", rhs)) {
            snprintf(why, size, "out is '%s', want '%s'", out.len ? out.data : "", rhs);
            ok = false;
        }
    }
    lm_buf_free(&out);
    return ok;
}

int main(void) {
    static const char *const areas[] = {"time", "base64", "form", "conf"};
    size_t failed = 0, total = 0;
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
        char **paths;
        size_t n = tc_list(areas[a], &paths);
        if (n == 0) {
            fprintf(stderr, "FAIL %s: no cases\n", areas[a]);
            failed++;
        }
        for (size_t i = 0; i < n; i++) {
            tc_case c;
            char why[512] = "malformed case file";
            if (!tc_load(paths[i], &c) || !run_case(areas[a], &c, why, sizeof why)) {
                fprintf(stderr, "FAIL %s/%s: %s\n", areas[a], c.name, why);
                failed++;
            }
            tc_free(&c);
        }
        total += n;
        tc_paths_free(paths, n);
    }
    printf("text codec cases: %zu run, %zu failed\n", total, failed);
    return failed ? 1 : 0;
}
