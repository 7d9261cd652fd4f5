/* libFuzzer target for the OsmAnd / Traccar Client parser: the input's first byte picks the form
 * (query pairs, form body, JSON body), the rest is the request text. Every accepted record must
 * hold valid coordinates, a printable device id, a time between the epoch and year 9999 and the
 * documented ranges (or NAN) for speed, heading, accuracy and battery; its attributes are empty
 * or one JSON object that parses back, its alarm and token printable text. */
#include "api/formats/osmand.h"
#include "fuzz_common.h"

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] % 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    fmt_osmand_pos out[FMT_OSMAND_MAX_BATCH > 64 ? 64 : FMT_OSMAND_MAX_BATCH];
    size_t n = 0;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    if (mode == 0) {
        /* query pairs as libmicrohttpd would hand them: split on '&' and '=' */
        char *copy = lm_strndup(text, len);
        if (!copy) return 0;
        fmt_osmand_kv kv[64];
        size_t nkv = 0;
        for (char *p = copy; p && *p && nkv < 64;) {
            char *amp = strchr(p, '&');
            if (amp) *amp = '\0';
            char *eq = strchr(p, '=');
            if (eq) *eq = '\0';
            kv[nkv].key = p;
            kv[nkv].value = eq ? eq + 1 : "";
            nkv++;
            p = amp ? amp + 1 : NULL;
        }
        st = fmt_osmand_parse(kv, nkv, NULL, NULL, 0, out, 64, &n, &err);
        lm_free(copy);
    } else {
        st = fmt_osmand_parse(NULL, 0,
                              mode == 1 ? "application/x-www-form-urlencoded" : "application/json",
                              text, len, out, 64, &n, &err);
    }
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (n < 1 || n > 64) abort();
        for (size_t i = 0; i < n; i++) {
            if (!(out[i].lat >= -90 && out[i].lat <= 90 && out[i].lon >= -180 &&
                  out[i].lon <= 180) ||
                !out[i].device_id[0])
                abort();
            fuzz_check_text(out[i].device_id);
            const fmt_osmand_pos *q = &out[i];
            if (q->time_ms < 0 || q->time_ms > INT64_C(253402300799999) ||
                !(isnan(q->speed_mps) || (q->speed_mps >= 0 && isfinite(q->speed_mps))) ||
                !(isnan(q->heading_deg) || (q->heading_deg >= 0 && q->heading_deg < 360)) ||
                !(isnan(q->accuracy_m) || q->accuracy_m >= 0) ||
                !(isnan(q->battery_pct) || (q->battery_pct >= 0 && q->battery_pct <= 100)) ||
                q->charging < -1 || q->charging > 1 ||
                (q->no_location && (q->lat != 0 || q->lon != 0)))
                abort();
            fuzz_check_text(q->alarm);
            fuzz_check_text(q->token);
            if (q->attrs[0]) {
                cJSON *a = cJSON_Parse(q->attrs);
                if (!cJSON_IsObject(a)) abort();
                cJSON_Delete(a);
            }
        }
    }
    return 0;
}
