/* tests/formats/json_case.h: one case through a codec of JSON request bodies whose cases name the
 * body in a "kind:" header (the api_json, orders_json, feedback_json, notify_json and returns_json
 * drivers): the body parsed, decoded by the driver, the case's status / field / reason checked,
 * then its "check:" headers against the decoded record. */
#ifndef LASTMILE_TESTS_JSON_CASE_H
#define LASTMILE_TESTS_JSON_CASE_H

#include "case_file.h"

#include <cjson/cJSON.h>

typedef struct tc_json_codec {
    size_t size; /* bytes of the driver's decoded record, zeroed for each case */
    /* Decodes body j of kind into d with arena (both freed after the case); *known false for a
     * kind the driver does not have. j is NULL for a case without input unless parse_empty. */
    lm_status (*decode)(const char *kind, const cJSON *j, lm_arena *arena, void *d, lm_errinfo *err,
                        bool *known);
    /* NULL, or run on a body decoded without error before the checks (notify renders its
     * templates there); false with why set fails the case. */
    bool (*after)(const tc_case *c, void *d, char *why, size_t size);
    tc_field_fn text; /* renders a field of d for the "check:" headers; NULL: no checks */
    bool parse_empty; /* an empty input is parsed (and so refused) rather than no body */
} tc_json_codec;

/* A driver's run_case through codec: true when the case held, else why says how it failed. */
bool tc_json_run(const tc_case *c, const tc_json_codec *codec, char *why, size_t size);

#endif
