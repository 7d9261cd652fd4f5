/* libFuzzer target for the settings document of /v1/settings (api/formats/settings_json.c). The
 * first byte picks the whole document or one depot's section; the rest is the JSON body, parsed
 * with fmt_json_parse as the server does. Whatever the input, an accepted change names a known
 * setting, a scope that is "" / depot:<id> / product:<sku> with an id of the id characters, a
 * value inside the setting's range (or a removal), and a field that is valid text; and the
 * document written back from the accepted values reads again. */
#include "api/formats/json.h"
#include "api/formats/settings_json.h"
#include "fuzz_json_body.h"

#include <stdint.h>
#include <string.h>

static void check_change(const dispatch_setting_change *c) {
    const dispatch_setting_def *def = dispatch_setting_by_key(c->key, NULL);
    if (!def) abort();
    fuzz_check_text(c->field);
    const char *ref = NULL;
    if (!strncmp(c->scope, "depot:", 6))
        ref = c->scope + 6;
    else if (!strncmp(c->scope, "product:", 8))
        ref = c->scope + 8;
    else if (c->scope[0])
        abort();
    if (ref && !fmt_json_id_ok(ref)) abort();
    if (!c->remove && (c->value < def->min || c->value > def->max)) abort();
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    (void)arena;
    bool depot = selector & 1;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    dispatch_setting_change *ch = NULL;
    size_t n = 0;
    int64_t version = 0;
    bool has_version = false;
    lm_errinfo_clear(&err);
    st = fmt_settings_changes(j, depot ? "DEP" : NULL, &ch, &n, &version, &has_version, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (version < 0) abort();
        /* the accepted global values, written as a section, read back to the same changes */
        int64_t v[DISPATCH_SET__COUNT];
        bool have[DISPATCH_SET__COUNT] = {0};
        dispatch_settings_defaults(NULL, v);
        for (size_t i = 0; i < n; i++) {
            check_change(&ch[i]);
            dispatch_setting_id id;
            if (!ch[i].scope[0] && !ch[i].remove && dispatch_setting_by_key(ch[i].key, &id)) {
                v[id] = ch[i].value;
                have[id] = true;
            }
        }
        cJSON *again = cJSON_CreateObject();
        cJSON_AddItemToObject(again, "settings", fmt_settings_section_json(v, have, true));
        dispatch_setting_change *ch2 = NULL;
        size_t n2 = 0;
        if (fmt_settings_changes(again, NULL, &ch2, &n2, &version, &has_version, &err) != LM_OK)
            abort();
        lm_free(ch2);
        cJSON_Delete(again);
    }
    lm_free(ch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
