/* fuzz/fuzz_json_body.h: the input of the JSON request-body targets: the first byte selects the
 * reader, the rest is the body, parsed as the server parses one (a refusal checked as in
 * fuzz_common.h); a body that parses goes to the target's reader with a fresh arena. */
#ifndef LASTMILE_FUZZ_JSON_BODY_H
#define LASTMILE_FUZZ_JSON_BODY_H

#include "api/formats/json.h"
#include "fuzz_common.h"

/* Reads body j as the reader that selector picks; arena is freed after it returns. */
typedef void (*fuzz_json_reader)(uint8_t selector, const cJSON *j, lm_arena *arena);

/* The whole of such a target's LLVMFuzzerTestOneInput. */
static inline int fuzz_json_body(const uint8_t *data, size_t size, fuzz_json_reader read) {
    if (size < 1) return 0;
    cJSON *j = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_json_parse((const char *)data + 1, size - 1, 1u << 20, &j, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return 0;
    lm_arena *arena = NULL;
    if (lm_arena_create(1u << 20, &arena) == LM_OK) read(data[0], j, arena);
    lm_arena_destroy(arena);
    cJSON_Delete(j);
    return 0;
}

#endif
