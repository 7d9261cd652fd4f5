/* api/formats/settings_json.c: the /v1/settings document <-> dispatch/'s (scope, key, value)
 * settings (api/formats/settings_json.h). */
#include "api/formats/settings_json.h"

#include "api/formats/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef enum kind {
    K_INT,    /* a whole number in the stored unit */
    K_MIN,    /* minutes in JSON, seconds stored */
    K_CLOCK,  /* "HH:MM" in JSON, seconds after midnight stored */
    K_POLICY, /* dispatch_auto_apply by name */
} kind;

typedef struct field {
    const char *section; /* NULL: at the top of a section */
    const char *name;
    dispatch_setting_id id;
    kind k;
} field;

static const field fields[] = {
    {NULL, "geofence_radius_m", DISPATCH_SET_ARRIVAL_RADIUS_M, K_INT},
    {NULL, "arrival_dwell_s", DISPATCH_SET_ARRIVAL_DWELL_S, K_INT},
    {NULL, "late_threshold_s", DISPATCH_SET_LATE_THRESHOLD_S, K_INT},
    {NULL, "eta_change_s", DISPATCH_SET_ETA_CHANGE_S, K_INT},
    {NULL, "silent_after_s", DISPATCH_SET_SILENT_AFTER_S, K_INT},
    {NULL, "service_s", DISPATCH_SET_SERVICE_S, K_INT},
    {"replan", "auto_apply", DISPATCH_SET_REPLAN_AUTO_APPLY, K_POLICY},
    {"replan", "max_eta_shift_min", DISPATCH_SET_REPLAN_MAX_ETA_SHIFT_S, K_MIN},
    {"working_hours", "start", DISPATCH_SET_WORK_START_S, K_CLOCK},
    {"working_hours", "end", DISPATCH_SET_WORK_END_S, K_CLOCK},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static const char *const policies[] = {"never", "eta_within", "always"};

/* Whether f can be set in a depot's section (dispatch_setting_def.scopes). */
static bool per_depot(const field *f) {
    return dispatch_setting_def_of(f->id)->scopes & DISPATCH_SCOPE_DEPOT;
}

/* ---- Reading ---- */

typedef struct acc {
    dispatch_setting_change *v;
    size_t n, cap;
} acc;

static lm_status push(acc *a, const char *scope, const char *key, int64_t value, bool remove,
                      const char *path) {
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        dispatch_setting_change *p = lm_reallocarray(a->v, nc, sizeof *p);
        if (!p) return LM_NOMEM;
        a->v = p;
        a->cap = nc;
    }
    dispatch_setting_change *c = &a->v[a->n++];
    memset(c, 0, sizeof *c);
    lm_strlcpy(c->scope, scope, sizeof c->scope);
    lm_strlcpy(c->key, key, sizeof c->key);
    c->value = value;
    c->remove = remove;
    lm_strlcpy(c->field, path, sizeof c->field);
    return LM_OK;
}

/* "HH:MM" (00:00 .. 24:00) as seconds after midnight. */
static bool clock_parse(const char *s, int64_t *out) {
    if (strlen(s) != 5 || s[2] != ':') return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return false;
    *out = (int64_t)h * 3600 + m * 60;
    return true;
}

static lm_status read_value(const cJSON *it, const field *f, const char *path, int64_t *out,
                            lm_errinfo *err) {
    const dispatch_setting_def *def = dispatch_setting_def_of(f->id);
    int64_t v = 0;
    lm_status rc;
    switch (f->k) {
    case K_INT: return fmt_json_int_item(it, path, def->min, def->max, out, err);
    case K_MIN:
        if ((rc = fmt_json_int_item(it, path, def->min / 60, def->max / 60, &v, err)) != LM_OK)
            return rc;
        *out = v * 60;
        return LM_OK;
    case K_CLOCK:
        if (!cJSON_IsString(it) || !clock_parse(it->valuestring, &v))
            return lm_errinfo_set(err, LM_INVALID, path, "must be a time of day \"HH:MM\"");
        *out = v;
        return LM_OK;
    case K_POLICY:
        for (size_t i = 0; cJSON_IsString(it) && i < 3; i++)
            if (!strcmp(it->valuestring, policies[i])) {
                *out = (int64_t)i;
                return LM_OK;
            }
        return lm_errinfo_set(err, LM_INVALID, path,
                              "must be \"never\", \"eta_within\" or \"always\"");
    }
    return LM_INTERNAL;
}

/* The members allowed in sub-object `section` (or at the top when NULL) of a section. */
static size_t allowed_keys(const char *section, bool global, const char **keys, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < N_FIELDS && n + 1 < cap; i++) {
        const field *f = &fields[i];
        if (!global && !per_depot(f)) continue;
        if (section ? (f->section && !strcmp(f->section, section)) : !f->section)
            keys[n++] = f->name;
    }
    if (!section) {
        keys[n++] = "replan";
        keys[n++] = "working_hours";
    }
    keys[n] = NULL;
    return n;
}

static lm_status read_section(const cJSON *sec, const char *path, const char *scope, bool global,
                              acc *a, lm_errinfo *err) {
    const char *keys[N_FIELDS + 3];
    lm_status rc = fmt_json_require_object(sec, path, err);
    allowed_keys(NULL, global, keys, sizeof keys / sizeof keys[0]);
    if (rc == LM_OK) rc = fmt_json_only_keys(sec, path, keys, err);
    for (size_t i = 0; i < N_FIELDS && rc == LM_OK; i++) {
        const field *f = &fields[i];
        if (!global && !per_depot(f)) continue;
        const char *key = dispatch_setting_def_of(f->id)->key;
        char sub[FMT_JSON_PATH_MAX], fp[FMT_JSON_PATH_MAX];
        const cJSON *holder = sec;
        if (f->section) {
            fmt_json_path_key(sub, path, f->section);
            holder = fmt_json_get(sec, f->section);
            if (!holder) continue;
            if (cJSON_IsNull(holder)) { /* the whole sub-section back to the fallback */
                rc = push(a, scope, key, 0, true, sub);
                continue;
            }
            allowed_keys(f->section, global, keys, sizeof keys / sizeof keys[0]);
            if ((rc = fmt_json_require_object(holder, sub, err)) != LM_OK ||
                (rc = fmt_json_only_keys(holder, sub, keys, err)) != LM_OK)
                break;
        } else {
            lm_strlcpy(sub, path, sizeof sub);
        }
        fmt_json_path_key(fp, sub, f->name);
        const cJSON *it = fmt_json_get(holder, f->name);
        if (!it) continue;
        int64_t v = 0;
        if (cJSON_IsNull(it))
            rc = push(a, scope, key, 0, true, fp);
        else if ((rc = read_value(it, f, fp, &v, err)) == LM_OK)
            rc = push(a, scope, key, v, false, fp);
    }
    return rc;
}

/* "depots": {"<id>": section | null}. */
static lm_status read_depots(const cJSON *deps, acc *a, lm_errinfo *err) {
    lm_status rc = fmt_json_require_object(deps, "depots", err);
    const cJSON *it;
    cJSON_ArrayForEach(it, deps) {
        if (rc != LM_OK) break;
        char path[FMT_JSON_PATH_MAX], scope[STORE_SETTING_SCOPE_MAX + 1];
        fmt_json_path_key(path, "depots", it->string);
        if (!fmt_json_id_ok(it->string))
            return lm_errinfo_set(err, LM_INVALID, path, "depot ids are 1-64 of A-Z a-z 0-9 . _ -");
        snprintf(scope, sizeof scope, "depot:%s", it->string);
        if (!cJSON_IsNull(it)) {
            rc = read_section(it, path, scope, false, a, err);
            continue;
        }
        for (size_t i = 0; i < N_FIELDS && rc == LM_OK; i++) /* null: every override goes */
            if (per_depot(&fields[i]))
                rc = push(a, scope, dispatch_setting_def_of(fields[i].id)->key, 0, true, path);
    }
    return rc;
}

/* "service_s_by_product": {"<sku>": seconds | null}. */
static lm_status read_products(const cJSON *prods, acc *a, lm_errinfo *err) {
    const char *top = "service_s_by_product";
    const dispatch_setting_def *def = dispatch_setting_def_of(DISPATCH_SET_SERVICE_S);
    lm_status rc = fmt_json_require_object(prods, top, err);
    const cJSON *it;
    cJSON_ArrayForEach(it, prods) {
        if (rc != LM_OK) break;
        char path[FMT_JSON_PATH_MAX], scope[STORE_SETTING_SCOPE_MAX + 1];
        fmt_json_path_key(path, top, it->string);
        if (!fmt_json_id_ok(it->string))
            return lm_errinfo_set(err, LM_INVALID, path, "SKUs are 1-64 of A-Z a-z 0-9 . _ -");
        snprintf(scope, sizeof scope, "product:%s", it->string);
        int64_t v = 0;
        if (cJSON_IsNull(it))
            rc = push(a, scope, def->key, 0, true, path);
        else if ((rc = fmt_json_int_item(it, path, def->min, def->max, &v, err)) == LM_OK)
            rc = push(a, scope, def->key, v, false, path);
    }
    return rc;
}

lm_status fmt_settings_changes(const cJSON *body, const char *depot_id,
                               dispatch_setting_change **out, size_t *n, int64_t *version,
                               bool *has_version, lm_errinfo *err) {
    static const char *const whole[] = {"version", "settings", "depots", "service_s_by_product",
                                        NULL};
    static const char *const one[] = {"version", "settings", NULL};
    acc a = {0};
    lm_status rc = fmt_json_require_object(body, "body", err);
    if (rc == LM_OK) rc = fmt_json_only_keys(body, "", depot_id ? one : whole, err);
    int64_t v = 0;
    const cJSON *ver = fmt_json_get(body, "version");
    if (rc == LM_OK && ver) rc = fmt_json_int_item(ver, "version", 0, INT64_MAX / 2, &v, err);
    const cJSON *sec = fmt_json_get(body, "settings");
    if (rc == LM_OK && depot_id && !fmt_json_id_ok(depot_id))
        rc = lm_errinfo_set(err, LM_INVALID, "id", "depot ids are 1-64 of A-Z a-z 0-9 . _ -");
    char scope[STORE_SETTING_SCOPE_MAX + 1] = "";
    if (depot_id) snprintf(scope, sizeof scope, "depot:%s", depot_id);
    if (rc == LM_OK && sec) rc = read_section(sec, "settings", scope, !depot_id, &a, err);
    const cJSON *deps = depot_id ? NULL : fmt_json_get(body, "depots");
    if (rc == LM_OK && deps) rc = read_depots(deps, &a, err);
    const cJSON *prods = depot_id ? NULL : fmt_json_get(body, "service_s_by_product");
    if (rc == LM_OK && prods) rc = read_products(prods, &a, err);
    if (rc != LM_OK) {
        lm_free(a.v);
        return rc;
    }
    *out = a.v;
    *n = a.n;
    *version = v;
    *has_version = ver != NULL;
    return LM_OK;
}

/* ---- Writing ---- */

static cJSON *value_json(const field *f, int64_t v) {
    char hhmm[8];
    switch (f->k) {
    case K_MIN: return cJSON_CreateNumber((double)v / 60.0);
    case K_CLOCK:
        snprintf(hhmm, sizeof hhmm, "%02d:%02d", (int)(v / 3600 % 100), (int)(v % 3600 / 60));
        return cJSON_CreateString(hhmm);
    case K_POLICY: return cJSON_CreateString(v >= 0 && v < 3 ? policies[v] : "never");
    case K_INT: break;
    }
    return cJSON_CreateNumber((double)v);
}

cJSON *fmt_settings_section_json(const int64_t v[DISPATCH_SET__COUNT], const bool *have,
                                 bool global) {
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field *f = &fields[i];
        if ((!global && !per_depot(f)) || (have && !have[f->id])) continue;
        cJSON *holder = o;
        if (f->section) {
            holder = cJSON_GetObjectItemCaseSensitive(o, f->section);
            if (!holder) holder = cJSON_AddObjectToObject(o, f->section);
        }
        cJSON_AddItemToObject(holder, f->name, value_json(f, v[f->id]));
    }
    return o;
}

void fmt_settings_scope_values(const dispatch_settings_doc *doc, const char *scope,
                               int64_t v[DISPATCH_SET__COUNT], bool have[DISPATCH_SET__COUNT]) {
    memset(have, 0, sizeof(bool) * DISPATCH_SET__COUNT);
    for (size_t i = 0; i < doc->n; i++) {
        dispatch_setting_id id;
        if (strcmp(doc->values[i].scope, scope) ||
            !dispatch_setting_by_key(doc->values[i].key, &id))
            continue;
        v[id] = doc->values[i].value;
        have[id] = true;
    }
}

cJSON *fmt_settings_json(const dispatch_settings_doc *doc,
                         const int64_t effective[DISPATCH_SET__COUNT]) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", (double)doc->rev.version);
    if (doc->rev.version) {
        cJSON_AddNumberToObject(o, "updated_ms", (double)doc->rev.created_ms);
        cJSON_AddStringToObject(o, "updated_by", doc->rev.actor);
    } else {
        cJSON_AddNullToObject(o, "updated_ms");
        cJSON_AddNullToObject(o, "updated_by");
    }
    cJSON_AddItemToObject(o, "settings", fmt_settings_section_json(effective, NULL, true));
    cJSON *deps = cJSON_AddObjectToObject(o, "depots");
    cJSON *prods = cJSON_AddObjectToObject(o, "service_s_by_product");
    for (size_t i = 0; i < doc->n; i++) {
        const dispatch_setting *s = &doc->values[i];
        if (!strncmp(s->scope, "product:", 8)) {
            cJSON_AddNumberToObject(prods, s->scope + 8, (double)s->value);
        } else if (!strncmp(s->scope, "depot:", 6) &&
                   !cJSON_GetObjectItemCaseSensitive(deps, s->scope + 6)) {
            int64_t v[DISPATCH_SET__COUNT] = {0};
            bool have[DISPATCH_SET__COUNT];
            fmt_settings_scope_values(doc, s->scope, v, have);
            cJSON_AddItemToObject(deps, s->scope + 6, fmt_settings_section_json(v, have, false));
        }
    }
    return o;
}

static void add_opt(cJSON *o, const char *k, const dispatch_setting *s) {
    if (s)
        cJSON_AddNumberToObject(o, k, (double)s->value);
    else
        cJSON_AddNullToObject(o, k);
}

static const dispatch_setting *lookup(const dispatch_settings_doc *d, const dispatch_setting *s) {
    for (size_t i = 0; d && i < d->n; i++)
        if (!strcmp(d->values[i].scope, s->scope) && !strcmp(d->values[i].key, s->key))
            return &d->values[i];
    return NULL;
}

static void diff_entry(cJSON *arr, const dispatch_setting *key, const dispatch_setting *from,
                       const dispatch_setting *to) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "scope", key->scope[0] ? key->scope : "global");
    cJSON_AddStringToObject(c, "key", key->key);
    add_opt(c, "from", from);
    add_opt(c, "to", to);
    cJSON_AddItemToArray(arr, c);
}

cJSON *fmt_settings_diff_json(const dispatch_settings_doc *prev, const dispatch_settings_doc *cur) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < cur->n; i++) {
        const dispatch_setting *was = lookup(prev, &cur->values[i]);
        if (!was || was->value != cur->values[i].value)
            diff_entry(arr, &cur->values[i], was, &cur->values[i]);
    }
    for (size_t i = 0; prev && i < prev->n; i++)
        if (!lookup(cur, &prev->values[i]))
            diff_entry(arr, &prev->values[i], &prev->values[i], NULL);
    return arr;
}
