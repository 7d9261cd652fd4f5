/* api/formats/osmand_attrs.c: the attributes of an OsmAnd / Traccar Client record (see
 * osmand_attrs.h). Traccar keeps every parameter it does not decode as an attribute of the
 * position (a number when it parses as one, true/false as a boolean, else text); so do we, so
 * that a phone's alarm, odometer or custom key reaches the dispatcher instead of vanishing. */
#include "api/formats/osmand_attrs.h"

#include "api/formats/json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define KEY_MAX 64 /* bytes of an attribute key */
/* The JSON is built in a buffer of this cap, then held to FMT_OSMAND_ATTRS_MAX: past either the
 * record is refused with the same words. */
#define ATTRS_WORK_MAX (16u * FMT_OSMAND_ATTRS_MAX)

/* Keys osmand.c reads itself, and the transistorsoft template's form-compatibility copy "_" (an
 * older server reads the position from it; ours has the position already). */
static const char *const own_keys[] = {
    "id",      "deviceid", "device_id", "timestamp", "lat",  "lon",    "location", "speed",
    "bearing", "heading",  "altitude",  "accuracy",  "batt", "charge", "valid",    "_",
};

_Static_assert(sizeof own_keys / sizeof *own_keys == FMT__OWN_KEYS, "FMT__OWN_KEYS");

int fmt__osmand_own_key(const char *key) {
    /* the first byte rules out all but one or three: this runs for every pair of every
     * position (bench/results/perf-positions.md, round 3) */
    for (int i = 0; i < FMT__OWN_KEYS; i++)
        if (own_keys[i][0] == key[0] && !strcmp(key, own_keys[i])) return i;
    return -1;
}

static bool is_own_key(const char *key) {
    return fmt__osmand_own_key(key) >= 0;
}

void fmt__flat_index(fmt__flat_src *s) {
    memset(s->own, 0, sizeof s->own);
    for (size_t i = 0; i < s->n; i++) {
        int k = s->pairs[i].key ? fmt__osmand_own_key(s->pairs[i].key) : -1;
        if (k >= 0 && !s->own[k]) s->own[k] = s->pairs[i].value ? s->pairs[i].value : "";
    }
}

typedef struct attrs {
    lm_buf b;
    size_t n;           /* attributes written */
    const char *prefix; /* "[3]." in a batch, else "" */
} attrs;

const char *fmt__osmand_field(char *buf, size_t size, const char *prefix, const char *key) {
    /* two bounded copies, not snprintf: the names are made for every field of every record */
    size_t np = strlen(prefix), nk = strlen(key);
    if (np >= size) np = size - 1;
    if (nk >= size - np) nk = size - np - 1;
    memcpy(buf, prefix, np);
    memcpy(buf + np, key, nk);
    buf[np + nk] = '\0';
    return buf;
}

static lm_status attrs_key(attrs *a, const char *key) {
    lm_status rc = lm_buf_append(&a->b, a->n++ ? "," : "{", 1);
    if (rc == LM_OK) rc = lm_buf_json_str(&a->b, key);
    if (rc == LM_OK) rc = lm_buf_append(&a->b, ":", 1);
    return rc;
}

/* A value typed as Traccar types a text parameter: number, boolean, else string. */
static lm_status attrs_typed(attrs *a, const char *key, const char *text) {
    lm_status rc = attrs_key(a, key);
    double d;
    if (rc != LM_OK) return rc;
    if (!strcmp(text, "true") || !strcmp(text, "false")) return lm_buf_printf(&a->b, "%s", text);
    if (*text && !isspace((unsigned char)*text) && lm_parse_double(text, &d) && isfinite(d))
        return lm_buf_printf(&a->b, "%.15g", d);
    return lm_buf_json_str(&a->b, text);
}

/* A JSON value kept with its own type (objects and arrays as they came, unformatted). */
static lm_status attrs_json(attrs *a, const char *key, const cJSON *v) {
    lm_status rc = attrs_key(a, key);
    if (rc != LM_OK) return rc;
    if (cJSON_IsString(v)) return lm_buf_json_str(&a->b, v->valuestring);
    if (cJSON_IsBool(v)) return lm_buf_printf(&a->b, "%s", cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
        return lm_buf_printf(&a->b, "%.15g", v->valuedouble);
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        char *text = cJSON_PrintUnformatted(v);
        if (!text) return LM_NOMEM;
        rc = lm_buf_printf(&a->b, "%s", text);
        cJSON_free(text);
        return rc;
    }
    return lm_buf_printf(&a->b, "null");
}

static bool all_digits(const char *s, size_t n, bool sign) {
    if (sign && n && *s == '-') s++, n--;
    if (n == 0 || n > 12) return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* "mcc,mnc,lac,cid[,rssi]": four or five integers (only rssi may be negative). */
static bool cell_ok(const char *s) {
    size_t parts = 0;
    for (const char *p = s;; parts++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!all_digits(p, n, parts == 4)) return false;
        if (!comma) break;
        p = comma + 1;
    }
    return parts == 3 || parts == 4;
}

/* "mac,rssi": six hex pairs joined by '-' or ':', then an integer. */
static bool wifi_ok(const char *s) {
    for (int i = 0; i < 6; i++, s += 3) {
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1])) return false;
        if (s[2] != (i == 5 ? ',' : '-') && (i == 5 || s[2] != ':')) return false;
    }
    return all_digits(s, strlen(s), true);
}

/* Texts of every pair (or array element) called key, as one JSON array after the shape check. */
static lm_status attrs_network(attrs *a, const fmt__flat_src *s, const char *key,
                               bool (*ok)(const char *), lm_errinfo *err) {
    char f[96];
    lm_status rc = attrs_key(a, key);
    if (rc == LM_OK) rc = lm_buf_append(&a->b, "[", 1);
    size_t n = 0;
    const cJSON *arr = s->obj ? fmt_json_get(s->obj, key) : NULL;
    const cJSON *it = cJSON_IsArray(arr) ? arr->child : arr;
    for (size_t i = 0; rc == LM_OK && (s->obj ? it != NULL : i < s->n); i++) {
        const char *text = NULL;
        if (s->obj) {
            text = cJSON_IsString(it) ? it->valuestring : "";
            it = cJSON_IsArray(arr) ? it->next : NULL;
        } else if (!strcmp(s->pairs[i].key, key)) {
            text = s->pairs[i].value ? s->pairs[i].value : "";
        }
        if (!text) continue;
        if (!ok(text))
            return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, key),
                                  !strcmp(key, "cell") ? "'%.40s' is not mcc,mnc,lac,cid[,rssi]"
                                                       : "'%.40s' is not mac,rssi",
                                  text);
        if (n++) rc = lm_buf_append(&a->b, ",", 1);
        if (rc == LM_OK) rc = lm_buf_json_str(&a->b, text);
    }
    if (rc == LM_OK) rc = lm_buf_append(&a->b, "]", 1);
    return rc;
}

/* A boolean parameter (is_moving, mock) kept under name. */
static lm_status attrs_bool(attrs *a, const char *key, const char *name, const char *text,
                            lm_errinfo *err) {
    char f[96];
    if (strcmp(text, "true") && strcmp(text, "false") && strcmp(text, "1") && strcmp(text, "0"))
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, key),
                              "'%.40s' is not true, false, 1 or 0", text);
    lm_status rc = attrs_key(a, name);
    if (rc != LM_OK) return rc;
    return lm_buf_printf(&a->b, "%s",
                         (!strcmp(text, "true") || !strcmp(text, "1")) ? "true" : "false");
}

/* Copies text into out[size] or names key as too long. */
static lm_status short_text(const attrs *a, const char *key, const char *text, char *out,
                            size_t size, lm_errinfo *err) {
    char f[96];
    if (strlen(text) >= size)
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, key),
                              "longer than %zu bytes", size - 1);
    lm_strlcpy(out, text, size);
    return LM_OK;
}

/* One key of a flat record. text is its value as text; v its JSON value (NULL for a pair). */
static lm_status flat_key(attrs *a, const fmt__flat_src *s, const char *key, const char *text,
                          const cJSON *v, fmt_osmand_pos *p, bool *has_network, lm_errinfo *err) {
    char f[96];
    double d;
    if (!strcmp(key, "notificationToken")) {
        *has_network = true;
        return short_text(a, key, text, p->token, sizeof p->token, err);
    }
    if (!strcmp(key, "cell") || !strcmp(key, "wifi")) {
        *has_network = true;
        return attrs_network(a, s, key, !strcmp(key, "cell") ? cell_ok : wifi_ok, err);
    }
    if (!strcmp(key, "alarm") || !strcmp(key, "event")) {
        *has_network = true;
        if (!*text)
            return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, key),
                                  "must not be empty");
        if (!strcmp(key, "alarm")) {
            lm_status rc = short_text(a, key, text, p->alarm, sizeof p->alarm, err);
            if (rc != LM_OK) return rc;
        }
        lm_status rc = attrs_key(a, key);
        return rc == LM_OK ? lm_buf_json_str(&a->b, text) : rc;
    }
    if (!strcmp(key, "odometer")) {
        if (!lm_parse_double(text, &d) || !isfinite(d) || d < 0)
            return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, key),
                                  "'%.40s' is not a distance in metres", text);
        lm_status rc = attrs_key(a, key);
        return rc == LM_OK ? lm_buf_printf(&a->b, "%.15g", d) : rc;
    }
    if (!strcmp(key, "is_moving")) return attrs_bool(a, key, "motion", text, err);
    if (!strcmp(key, "mock")) return attrs_bool(a, key, "mock", text, err);
    return v ? attrs_json(a, key, v) : attrs_typed(a, key, text);
}

static lm_status attrs_finish(attrs *a, fmt_osmand_pos *p, lm_status rc, lm_errinfo *err) {
    char f[96];
    if (rc == LM_OK && a->n) rc = lm_buf_append(&a->b, "}", 1);
    bool too_big = rc == LM_TOO_BIG && !err->field[0]; /* the work buffer's cap, not a field's */
    if ((rc == LM_OK && a->n && a->b.len >= sizeof p->attrs) || too_big)
        rc =
            lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, a->prefix, "attributes"),
                           "the extra keys take %s%zu bytes as JSON, more than %zu",
                           too_big ? "over " : "", a->b.len, sizeof p->attrs - 1);
    if (rc == LM_OK && a->n) memcpy(p->attrs, a->b.data, a->b.len + 1);
    lm_buf_free(&a->b);
    return rc;
}

static lm_status key_check(const attrs *a, const char *key, lm_errinfo *err) {
    char f[96];
    if (strlen(key) > KEY_MAX)
        return lm_errinfo_set(err, LM_INVALID,
                              fmt__osmand_field(f, sizeof f, a->prefix, "attributes"),
                              "a key longer than %d bytes", KEY_MAX);
    if (!fmt_json_utf8_ok(key, strlen(key), false))
        return lm_errinfo_set(err, LM_INVALID,
                              fmt__osmand_field(f, sizeof f, a->prefix, "attributes"),
                              "a key that is not UTF-8 text without control characters");
    return LM_OK;
}

lm_status fmt__osmand_flat_attrs(const fmt__flat_src *s, const char *prefix, fmt_osmand_pos *p,
                                 bool *has_network, lm_errinfo *err) {
    attrs a = {.prefix = prefix};
    lm_buf_init(&a.b, ATTRS_WORK_MAX);
    *has_network = false;
    lm_status rc = LM_OK;
    if (s->obj) {
        const cJSON *v, *w;
        cJSON_ArrayForEach(v, s->obj) {
            const char *key = v->string ? v->string : "";
            bool seen = false; /* a repeated key: the first one counts, as for the own keys */
            for (w = s->obj->child; w != v && !seen; w = w->next)
                seen = w->string && !strcmp(w->string, key);
            if (seen || is_own_key(key)) continue;
            if ((rc = key_check(&a, key, err)) != LM_OK) break;
            char buf[64];
            const char *text = cJSON_IsString(v) ? v->valuestring
                               : cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "true" : "false")
                                                 : "";
            if (cJSON_IsNumber(v)) {
                snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
                text = buf;
            }
            if ((rc = flat_key(&a, s, key, text, v, p, has_network, err)) != LM_OK) break;
        }
    } else {
        for (size_t i = 0; i < s->n && rc == LM_OK; i++) {
            const char *key = s->pairs[i].key ? s->pairs[i].key : "";
            if (is_own_key(key)) continue;
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = s->pairs[j].key && !strcmp(s->pairs[j].key, key);
            if (seen) continue;
            if ((rc = key_check(&a, key, err)) != LM_OK) break;
            const char *text = s->pairs[i].value ? s->pairs[i].value : "";
            rc = flat_key(&a, s, key, text, NULL, p, has_network, err);
        }
    }
    return attrs_finish(&a, p, rc, err);
}

lm_status fmt__osmand_tsloc_attrs(const cJSON *loc, const char *prefix, fmt_osmand_pos *p,
                                  lm_errinfo *err) {
    attrs a = {.prefix = prefix};
    lm_buf_init(&a.b, ATTRS_WORK_MAX);
    lm_status rc = LM_OK;
    char f[96];
    const cJSON *v;
    /* the library's own keys, kept under Traccar's names */
    static const char *const keys[][2] = {
        {"event", "event"}, {"is_moving", "motion"}, {"odometer", "odometer"}, {"mock", "mock"}};
    for (size_t i = 0; rc == LM_OK && i < sizeof keys / sizeof *keys; i++)
        if ((v = fmt_json_get(loc, keys[i][0])) && !cJSON_IsNull(v))
            rc = attrs_json(&a, keys[i][1], v);
    const cJSON *act = fmt_json_get(loc, "activity");
    if (rc == LM_OK && cJSON_IsObject(act) && cJSON_IsString(v = fmt_json_get(act, "type")))
        rc = attrs_json(&a, "activity", v);
    const cJSON *extras = fmt_json_get(loc, "extras");
    const cJSON *alarm = fmt_json_get(loc, "alarm");
    if (!alarm && cJSON_IsObject(extras)) alarm = fmt_json_get(extras, "alarm");
    if (rc == LM_OK && alarm) {
        if (!cJSON_IsString(alarm) || !alarm->valuestring[0])
            rc = lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, ".alarm"),
                                "alarm must be a non-empty string");
        else if ((rc = short_text(&a, ".alarm", alarm->valuestring, p->alarm, sizeof p->alarm,
                                  err)) == LM_OK)
            rc = attrs_json(&a, "alarm", alarm);
    }
    if (rc == LM_OK && extras && !cJSON_IsObject(extras))
        rc = lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, ".extras"),
                            "extras must be an object");
    if (rc == LM_OK && cJSON_IsObject(extras)) {
        static const char *const taken[] = {"event", "motion",   "odometer",
                                            "mock",  "activity", "alarm"};
        cJSON_ArrayForEach(v, extras) {
            const char *key = v->string ? v->string : "";
            bool seen = false; /* one of ours, or repeated: the first one counts */
            for (size_t i = 0; i < sizeof taken / sizeof *taken && !seen; i++)
                seen = !strcmp(key, taken[i]);
            for (const cJSON *w = extras->child; w != v && !seen; w = w->next)
                seen = w->string && !strcmp(w->string, key);
            if (seen) continue;
            if ((rc = key_check(&a, key, err)) != LM_OK) break;
            if ((rc = attrs_json(&a, key, v)) != LM_OK) break;
        }
    }
    return attrs_finish(&a, p, rc, err);
}
