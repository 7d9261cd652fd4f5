/* libFuzzer target for the `lastmile serve` settings file reader (api/formats/conf.c): every
 * setting handed to the callback is a known name, given once, with a printable value. */
#include "api/formats/conf.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

static const char *const known[] = {"port",           "db",       "bind",       "threads",
                                    "max_body_bytes", "web_root", "event_loop", "osmand_port",
                                    "timezone",       NULL};

typedef struct seen {
    bool given[sizeof known / sizeof known[0]];
    size_t calls;
} seen;

static lm_status setting(void *ctx, const char *name, const char *value, size_t line,
                         lm_errinfo *err) {
    seen *s = ctx;
    size_t k = 0;
    while (known[k] && strcmp(known[k], name))
        k++;
    if (!known[k] || s->given[k] || line < 1) abort();
    s->given[k] = true;
    fuzz_check_text(value);
    s->calls++;
    /* a value the caller refuses, so that the error path with its line prefix runs too */
    if (!strcmp(value, "refuse")) return lm_errinfo_set(err, LM_INVALID, name, "bad value");
    return LM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    seen s;
    memset(&s, 0, sizeof s);
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_conf_parse((const char *)data, size, known, setting, &s, &err);
    fuzz_check_err(st, &err);
    return 0;
}
