/* fuzz/fuzz_common.h: the checks every fuzz target makes on what a codec hands back, whatever the
 * input: a refusal carries its own status and a sentence, and its field and message are valid
 * UTF-8 without control characters (they go out in JSON error bodies and logs). A failed check
 * aborts, which libFuzzer and the corpus replay both report as a finding. */
#ifndef LASTMILE_FUZZ_COMMON_H
#define LASTMILE_FUZZ_COMMON_H

#include "common/common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_check_text(const char *s) {
    if (!lm_utf8_valid(s, strlen(s), "")) abort();
}

/* st is what the codec returned for err. */
static inline void fuzz_check_err(lm_status st, const lm_errinfo *err) {
    if (st == LM_OK || st == LM_NOMEM) return;
    if (err->code != st || !err->message[0]) abort();
    fuzz_check_text(err->field);
    fuzz_check_text(err->message);
}

/* A NUL-terminated copy of data (the codecs that read C strings); NULL only when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
