/* api/formats/json.c: the JSON reading helpers of json.h (typed getters with field paths). */
#include "api/formats/json.h"

#include <math.h>
#include <string.h>

/* dst = a b c, cut at FMT_JSON_PATH_MAX - 1 bytes. Plain copies rather than snprintf: every
 * member a codec reads gets its path made, error or not (bench/results/perf-intake.md). */
static void path_cat(char *dst, const char *a, const char *b, const char *c) {
    const char *parts[3] = {a, b, c};
    size_t at = 0;
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && at < FMT_JSON_PATH_MAX - 1; p++)
            dst[at++] = *p;
    dst[at] = '\0';
}

void fmt_json_path_key(char *dst, const char *parent, const char *key) {
    path_cat(dst, parent, *parent ? "." : "", key);
}

void fmt_json_path_index(char *dst, const char *parent, size_t i) {
    char idx[24], *p = idx + sizeof idx;
    *--p = '\0';
    *--p = ']';
    do {
        *--p = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    *--p = '[';
    path_cat(dst, parent, p, "");
}

const cJSON *fmt_json_get(const cJSON *obj, const char *key) {
    if (!cJSON_IsObject(obj)) return NULL;
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* The offset of the first NUL that a JSON string of text[0..len) would carry (a "\u0000" escape)
 * or of a raw control byte inside a string (which JSON forbids and cJSON lets through), or len.
 * Both would reach a reader as a string cut short without a word, so the text is refused first. */
static size_t bad_string_byte_at(const char *text, size_t len) {
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_string) {
            in_string = text[i] == '"';
        } else if (text[i] == '"') {
            in_string = false;
        } else if ((unsigned char)text[i] < 0x20) {
            return i;
        } else if (text[i] == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 6 <= len && !memcmp(text + i + 2, "0000", 4)) return i;
            i++; /* the escaped character, so that \\ and \" do not end or start anything */
        }
    }
    return len;
}

lm_status fmt_json_check_text(const char *text, size_t len, const char *field, lm_errinfo *err) {
    size_t bad = bad_string_byte_at(text, len);
    if (bad < len)
        return lm_errinfo_set(err, LM_INVALID, field,
                              "a string holds a NUL or an unescaped control character at byte "
                              "%zu",
                              bad);
    return LM_OK;
}

lm_status fmt_json_parse(const char *text, size_t len, size_t max_bytes, cJSON **out,
                         lm_errinfo *err) {
    if (len > max_bytes)
        return lm_errinfo_set(err, LM_TOO_BIG, "", "the document is %zu bytes; the limit is %zu",
                              len, max_bytes);
    lm_status st = text ? fmt_json_check_text(text, len, "", err) : LM_OK;
    if (st != LM_OK) return st;
    const char *end = NULL;
    cJSON *root = text ? cJSON_ParseWithLengthOpts(text, len, &end, false) : NULL;
    if (!root) {
        size_t at = text && end && end >= text ? (size_t)(end - text) : 0;
        return lm_errinfo_set(err, LM_INVALID, "", "malformed JSON near byte %zu", at);
    }
    for (const char *p = end; p && p < text + len; p++) /* a NUL is trailing data too */
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
            cJSON_Delete(root);
            return lm_errinfo_set(err, LM_INVALID, "",
                                  "unexpected data after the JSON document at byte %zu",
                                  (size_t)(p - text));
        }
    *out = root;
    return LM_OK;
}

lm_status fmt_json_require_object(const cJSON *it, const char *path, lm_errinfo *err) {
    if (!cJSON_IsObject(it)) return lm_errinfo_set(err, LM_INVALID, path, "must be an object");
    return LM_OK;
}

lm_status fmt_json_int_item(const cJSON *it, const char *path, int64_t min, int64_t max,
                            int64_t *out, lm_errinfo *err) {
    if (!cJSON_IsNumber(it)) return lm_errinfo_set(err, LM_INVALID, path, "must be a number");
    double d = it->valuedouble;
    if (!isfinite(d)) return lm_errinfo_set(err, LM_INVALID, path, "must be a finite number");
    if (d != floor(d)) return lm_errinfo_set(err, LM_INVALID, path, "must be an integer");
    /* (double)INT64_MAX rounds up to 2^63, which no int64_t holds: converting it would be
     * undefined behaviour, so 2^63 and beyond are out of range whatever max says */
    if (d < (double)min || d > (double)max || d >= 0x1p63)
        return lm_errinfo_set(err, LM_INVALID, path, "%.17g is outside %lld..%lld", d,
                              (long long)min, (long long)max);
    *out = (int64_t)d;
    return LM_OK;
}

/* The member and its path; LM_OK with *it NULL when absent and optional. */
static lm_status member(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                        const cJSON **it, char *path, lm_errinfo *err) {
    fmt_json_path_key(path, parent, key);
    *it = fmt_json_get(obj, key);
    if (!*it && need == FMT_JSON_REQUIRED)
        return lm_errinfo_set(err, LM_INVALID, path, "is required");
    return LM_OK;
}

lm_status fmt_json_int(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                       int64_t min, int64_t max, int64_t *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    const cJSON *it;
    lm_status st = member(obj, key, parent, need, &it, path, err);
    if (st != LM_OK || !it) return st;
    return fmt_json_int_item(it, path, min, max, out, err);
}

lm_status fmt_json_number(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                          double min, double max, double *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    const cJSON *it;
    lm_status st = member(obj, key, parent, need, &it, path, err);
    if (st != LM_OK || !it) return st;
    if (!cJSON_IsNumber(it)) return lm_errinfo_set(err, LM_INVALID, path, "must be a number");
    double d = it->valuedouble;
    if (!isfinite(d)) return lm_errinfo_set(err, LM_INVALID, path, "must be a finite number");
    if (d < min || d > max)
        return lm_errinfo_set(err, LM_INVALID, path, "%.17g is outside %g..%g", d, min, max);
    *out = d;
    return LM_OK;
}

lm_status fmt_json_bool(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                        bool *out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    const cJSON *it;
    lm_status st = member(obj, key, parent, need, &it, path, err);
    if (st != LM_OK || !it) return st;
    if (!cJSON_IsBool(it)) return lm_errinfo_set(err, LM_INVALID, path, "must be true or false");
    *out = cJSON_IsTrue(it);
    return LM_OK;
}

bool fmt_json_utf8_ok(const char *str, size_t len, bool allow_controls) {
    return lm_utf8_valid(str, len, allow_controls ? LM_UTF8_LINES : "");
}

static lm_status read_str(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                          size_t max_len, bool controls, const char **out, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    const cJSON *it;
    lm_status st = member(obj, key, parent, need, &it, path, err);
    if (st != LM_OK || !it) return st;
    if (!cJSON_IsString(it) || !it->valuestring)
        return lm_errinfo_set(err, LM_INVALID, path, "must be a string");
    size_t len = strlen(it->valuestring);
    if (len > max_len)
        return lm_errinfo_set(err, LM_TOO_BIG, path, "is longer than %zu bytes", max_len);
    if (!lm_utf8_valid(it->valuestring, len, NULL))
        return lm_errinfo_set(err, LM_INVALID, path, "is not valid UTF-8");
    if (!fmt_json_utf8_ok(it->valuestring, len, controls))
        return lm_errinfo_set(err, LM_INVALID, path,
                              controls ? "must not hold control characters other than line "
                                         "breaks and tabs"
                                       : "must not hold control characters");
    *out = it->valuestring;
    return LM_OK;
}

lm_status fmt_json_string(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                          size_t max_len, const char **out, lm_errinfo *err) {
    return read_str(obj, key, parent, need, max_len, false, out, err);
}

lm_status fmt_json_text(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                        size_t max_len, const char **out, lm_errinfo *err) {
    return read_str(obj, key, parent, need, max_len, true, out, err);
}

lm_status fmt_json_string_into(const cJSON *obj, const char *key, const char *parent,
                               fmt_json_need need, bool text, char *dst, size_t cap,
                               lm_errinfo *err) {
    const char *s = NULL;
    if (cJSON_IsNull(fmt_json_get(obj, key))) {
        if (need == FMT_JSON_REQUIRED) {
            char path[FMT_JSON_PATH_MAX];
            fmt_json_path_key(path, parent, key);
            return lm_errinfo_set(err, LM_INVALID, path, "is required");
        }
        dst[0] = '\0';
        return LM_OK;
    }
    lm_status rc = read_str(obj, key, parent, need, cap - 1, text, &s, err);
    if (rc != LM_OK) return rc;
    lm_strlcpy(dst, s ? s : "", cap);
    return LM_OK;
}

lm_status fmt_json_array(const cJSON *obj, const char *key, const char *parent, fmt_json_need need,
                         size_t max, const cJSON **arr, size_t *n, lm_errinfo *err) {
    char path[FMT_JSON_PATH_MAX];
    const cJSON *it;
    lm_status st = member(obj, key, parent, need, &it, path, err);
    if (st != LM_OK) return st;
    if (!it) {
        *arr = NULL;
        *n = 0;
        return LM_OK;
    }
    if (!cJSON_IsArray(it)) return lm_errinfo_set(err, LM_INVALID, path, "must be an array");
    size_t k = 0;
    for (const cJSON *e = it->child; e; e = e->next)
        if (++k > max)
            return lm_errinfo_set(err, LM_TOO_BIG, path, "has more than %zu entries", max);
    *arr = it;
    *n = k;
    return LM_OK;
}

lm_status fmt_json_only_keys(const cJSON *obj, const char *parent, const char *const *allowed,
                             lm_errinfo *err) {
    if (!cJSON_IsObject(obj)) return LM_OK;
    for (const cJSON *m = obj->child; m; m = m->next) {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = m->string && !strcmp(m->string, allowed[i]);
        if (!known) {
            char path[FMT_JSON_PATH_MAX];
            fmt_json_path_key(path, parent, m->string ? m->string : "");
            return lm_errinfo_set(err, LM_INVALID, path, "is not a known field");
        }
    }
    return LM_OK;
}

const char *fmt_cjson_version(void) {
    return cJSON_Version();
}

bool fmt_json_id_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}
