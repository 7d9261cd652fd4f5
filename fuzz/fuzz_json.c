/* libFuzzer target for the JSON reading family (api/formats/json.c, fmt_json_*) and the JSON
 * writer of common/json.c. The document is parsed with fmt_json_parse; every member of every
 * object (to a bounded depth) goes through each typed getter and fmt_json_only_keys; a string a
 * getter accepts is printable, and writing it with lm_jw_quoted reads back to the same string. */
#include "api/formats/json.h"
#include "common/json.h"
#include "fuzz_common.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const char *const allowed[] = {"id", "name", "notes", "lat", "lon", "items", NULL};

/* lm_jw_quoted(s) parsed back by cJSON must be s. */
static void roundtrip(const char *s) {
    lm_buf b;
    lm_buf_init(&b, 1u << 20);
    lm_jw w;
    lm_jw_init(&w, &b, false);
    lm_jw_quoted(&w, s);
    if (w.st == LM_OK) {
        cJSON *back = cJSON_ParseWithLength(b.data, b.len);
        if (!cJSON_IsString(back) || strcmp(back->valuestring, s)) abort();
        cJSON_Delete(back);
    }
    lm_buf_free(&b);
}

static void getters(const cJSON *obj, const char *key, const char *parent) {
    lm_errinfo err;
    int64_t i = 0;
    double d = 0;
    bool b = false;
    const char *s = NULL;
    const cJSON *arr = NULL;
    size_t n = 0;
    lm_status st = fmt_json_int(obj, key, parent, FMT_JSON_REQUIRED, -1000000, 1000000, &i, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && (i < -1000000 || i > 1000000)) abort();
    st = fmt_json_number(obj, key, parent, FMT_JSON_OPTIONAL, -90, 90, &d, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && !(fabs(d) <= 90)) abort();
    st = fmt_json_bool(obj, key, parent, FMT_JSON_REQUIRED, &b, &err);
    fuzz_check_err(st, &err);
    st = fmt_json_string(obj, key, parent, FMT_JSON_REQUIRED, 64, &s, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (strlen(s) > 64) abort();
        fuzz_check_text(s);
        roundtrip(s);
    }
    st = fmt_json_text(obj, key, parent, FMT_JSON_REQUIRED, 4096, &s, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        if (!lm_utf8_valid(s, strlen(s), LM_UTF8_LINES)) abort();
        roundtrip(s);
    }
    st = fmt_json_array(obj, key, parent, FMT_JSON_OPTIONAL, 8, &arr, &n, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && n > 8) abort();
}

static void walk(const cJSON *it, const char *path, int depth) {
    if (depth > 8) return;
    lm_errinfo err;
    if (cJSON_IsObject(it)) {
        lm_status st = fmt_json_only_keys(it, path, allowed, &err);
        fuzz_check_err(st, &err);
        if (fmt_json_require_object(it, path, &err) != LM_OK) abort();
        size_t k = 0;
        for (const cJSON *m = it->child; m && k < 64; m = m->next, k++) {
            getters(it, m->string ? m->string : "", path);
            char sub[FMT_JSON_PATH_MAX];
            fmt_json_path_key(sub, path, m->string ? m->string : "");
            walk(m, sub, depth + 1);
        }
        getters(it, "absent key", path);
    } else if (cJSON_IsArray(it)) {
        size_t k = 0;
        for (const cJSON *e = it->child; e && k < 64; e = e->next, k++) {
            char sub[FMT_JSON_PATH_MAX];
            fmt_json_path_index(sub, path, k);
            int64_t v = 0;
            lm_status st = fmt_json_int_item(e, sub, INT64_MIN, INT64_MAX, &v, &err);
            fuzz_check_err(st, &err);
            walk(e, sub, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cJSON *root = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_json_parse((const char *)data, size, 1u << 20, &root, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return 0;
    walk(root, "", 0);
    cJSON_Delete(root);
    return 0;
}
