/* libFuzzer target for time texts (api/formats/rfc3339.c and the OsmAnd forms): strict RFC 3339,
 * the lenient client forms and OsmAnd's epoch rules, plus the formatter on arbitrary epochs.
 * A strictly parsed time formats back to a text that parses to the same second. */
#include "api/formats/osmand.h"
#include "api/formats/rfc3339.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* the formatter on the first 8 bytes as an epoch, whatever they hold */
    if (size >= 8) {
        int64_t t;
        memcpy(&t, data, sizeof t);
        char buf[FMT_TIME_RFC3339_LEN];
        fmt_time_format_rfc3339(t, buf);
        if (strlen(buf) != 20) abort();
    }
    char *s = fuzz_cstr(data, size);
    if (!s) return 0;
    int64_t t = 0, ms = 0;
    if (fmt_time_parse_rfc3339(s, &t)) {
        char buf[FMT_TIME_RFC3339_LEN];
        int64_t back = 0;
        fmt_time_format_rfc3339(t, buf);
        /* years 0000..9999 with any offset: the instant may fall just outside the printable
         * range, where the formatter clamps the year */
        if (t >= INT64_C(-62167219200) && t <= INT64_C(253402300799) &&
            (!fmt_time_parse_rfc3339(buf, &back) || back != t))
            abort();
    }
    if (fmt_time_parse_lenient_ms(s, &ms) && ms < 0) abort();
    if (fmt_osmand_time_parse(s, &ms) && (ms < 0 || ms > INT64_C(253402300799999))) abort();
    free(s);
    return 0;
}
