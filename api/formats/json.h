/* api/formats/json.h: the one family of JSON *reading* helpers (cJSON-based) for the whole
 * project: typed getters by key that name the failing field by its JSON path, bounded strings
 * checked for UTF-8 (and control characters), arrays with a length cap, refusal of unknown keys.
 *
 * Paths: a field is named "parent.key" or "parent[i]" ("jobs[3].time_windows[0]"), at most
 * FMT_JSON_PATH_MAX bytes (= sizeof lm_errinfo.field; longer paths are cut, never overflowed).
 * Ownership: strings and items handed out are borrowed from the cJSON tree (valid while it is);
 * fmt_json_parse hands the caller a tree to free with cJSON_Delete. Nothing here allocates
 * otherwise, keeps state, or touches a global.
 * Errors: LM_INVALID for a wrong type, range or text, LM_TOO_BIG past a length cap; err->field is
 * the path and err->message the reason ("must be a number", "is required", ...). Out-parameters
 * stay untouched on failure, and optional getters leave them untouched when the key is absent. */
#ifndef LASTMILE_FORMATS_JSON_H
#define LASTMILE_FORMATS_JSON_H

#include "common/common.h"

#include <cjson/cJSON.h>

#define FMT_JSON_PATH_MAX 96 /* = sizeof(lm_errinfo.field) */

/* Whether a getter's key must be there. */
typedef enum fmt_json_need {
    FMT_JSON_OPTIONAL, /* absent: LM_OK, *out untouched */
    FMT_JSON_REQUIRED, /* absent: LM_INVALID "is required" */
} fmt_json_need;

/* Parses text[0..len) (no NUL needed) into *out. LM_TOO_BIG past max_bytes; LM_INVALID (field "")
 * for malformed JSON ("malformed JSON near byte N") or anything but whitespace after the
 * document. */
LM_MUST_USE lm_status fmt_json_parse(const char *text, size_t len, size_t max_bytes, cJSON **out,
                                     lm_errinfo *err);

/* "parent.key" ("key" when parent is "") and "parent[i]" into dst[FMT_JSON_PATH_MAX]. */
void fmt_json_path_key(char *dst, const char *parent, const char *key);
void fmt_json_path_index(char *dst, const char *parent, size_t i);

/* The member key of obj (case-sensitive), or NULL when obj is not an object or has no such key. */
const cJSON *fmt_json_get(const cJSON *obj, const char *key);

/* it must be an object: LM_INVALID "must be an object" at path otherwise. */
LM_MUST_USE lm_status fmt_json_require_object(const cJSON *it, const char *path, lm_errinfo *err);

/* An integer-valued, finite JSON number in [min, max], the item itself at path. */
LM_MUST_USE lm_status fmt_json_int_item(const cJSON *it, const char *path, int64_t min, int64_t max,
                                        int64_t *out, lm_errinfo *err);
/* Member key of obj as an integer in [min, max]; the field is named parent.key. */
LM_MUST_USE lm_status fmt_json_int(const cJSON *obj, const char *key, const char *parent,
                                   fmt_json_need need, int64_t min, int64_t max, int64_t *out,
                                   lm_errinfo *err);
/* Member key of obj as a finite number in [min, max]. */
LM_MUST_USE lm_status fmt_json_number(const cJSON *obj, const char *key, const char *parent,
                                      fmt_json_need need, double min, double max, double *out,
                                      lm_errinfo *err);
/* Member key of obj as true / false. */
LM_MUST_USE lm_status fmt_json_bool(const cJSON *obj, const char *key, const char *parent,
                                    fmt_json_need need, bool *out, lm_errinfo *err);

/* Member key of obj as a string of at most max_len bytes (LM_TOO_BIG "is longer than N bytes"),
 * valid UTF-8 and without control characters (U+0000..U+001F, U+007F): for ids, names, codes. */
LM_MUST_USE lm_status fmt_json_string(const cJSON *obj, const char *key, const char *parent,
                                      fmt_json_need need, size_t max_len, const char **out,
                                      lm_errinfo *err);
/* The same for free text (notes, comments): line breaks and tabs allowed, no other control
 * character, UTF-8 still checked. */
LM_MUST_USE lm_status fmt_json_text(const cJSON *obj, const char *key, const char *parent,
                                    fmt_json_need need, size_t max_len, const char **out,
                                    lm_errinfo *err);

/* fmt_json_string (text false) or fmt_json_text (text true) copied into dst[cap] (at most cap - 1
 * bytes): dst is "" when the key is absent or null and need is optional; a null required key is
 * "is required". */
LM_MUST_USE lm_status fmt_json_string_into(const cJSON *obj, const char *key, const char *parent,
                                           fmt_json_need need, bool text, char *dst, size_t cap,
                                           lm_errinfo *err);

/* Member key of obj as an array of at most max entries: *arr the array, *n its length. When the
 * key is absent and optional, *arr is NULL and *n 0. */
LM_MUST_USE lm_status fmt_json_array(const cJSON *obj, const char *key, const char *parent,
                                     fmt_json_need need, size_t max, const cJSON **arr, size_t *n,
                                     lm_errinfo *err);

/* Refuses any member of obj whose key is not in allowed[] (NULL-terminated): LM_INVALID at
 * parent.key, "is not a known field". */
LM_MUST_USE lm_status fmt_json_only_keys(const cJSON *obj, const char *parent,
                                         const char *const *allowed, lm_errinfo *err);

/* Refuses text[0..len) when a string in it holds a NUL (the "\u0000" escape) or a raw control
 * byte: cJSON hands either over as a string cut short without a word. fmt_json_parse checks this;
 * a caller holding a tree parsed elsewhere checks its text with this. LM_INVALID at field with
 * the byte offset. */
LM_MUST_USE lm_status fmt_json_check_text(const char *text, size_t len, const char *field,
                                          lm_errinfo *err);

/* Whether s is an id as the project writes them (depots, SKUs, vehicles, skills): 1-64 of
 * A-Z a-z 0-9 . _ - (so it needs no quoting in a path, a scope or an event). */
bool fmt_json_id_ok(const char *s);

/* The cJSON library's version (a static string), for `lastmile version`. */
const char *fmt_cjson_version(void);

/* Whether s[0..len) is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF) and, when
 * allow_controls is false, free of C0 control characters and DEL. */
bool fmt_json_utf8_ok(const char *s, size_t len, bool allow_controls);

#endif
