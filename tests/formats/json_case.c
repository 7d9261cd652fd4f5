/* tests/formats/json_case.c: the run of one JSON body case (tests/formats/json_case.h). */
#include "json_case.h"

#include "api/formats/json.h"

#include <stdio.h>

bool tc_json_run(const tc_case *c, const tc_json_codec *codec, char *why, size_t size) {
    const char *kind = tc_get(c, "kind");
    if (!kind) {
        snprintf(why, size, "no kind: header");
        return false;
    }
    lm_errinfo err;
    lm_errinfo_clear(&err);
    cJSON *j = NULL;
    lm_arena *arena = NULL;
    void *d = lm_calloc(1, codec->size ? codec->size : 1);
    bool ok = false;
    if (!d || lm_arena_create(1u << 20, &arena) != LM_OK) {
        snprintf(why, size, "out of memory");
        goto done;
    }
    lm_status st = LM_OK;
    if (c->input_len || codec->parse_empty)
        st = fmt_json_parse(c->input, c->input_len, 1u << 20, &j, &err);
    bool known = true;
    if (st == LM_OK) st = codec->decode(kind, j, arena, d, &err, &known);
    if (!known) {
        snprintf(why, size, "unknown kind '%s'", kind);
        goto done;
    }
    if (st == LM_OK && codec->after && !codec->after(c, d, why, size)) goto done;
    ok = tc_check_error(c, st, &err, why, size);
    if (ok && st == LM_OK && codec->text) ok = tc_field_checks(c, codec->text, d, why, size);
done:
    lm_arena_destroy(arena);
    lm_free(d);
    cJSON_Delete(j);
    return ok;
}
