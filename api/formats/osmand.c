/* api/formats/osmand.c: the OsmAnd / Traccar Client protocol parser (query, form, JSON object,
 * JSON array) as a pure function from request parts to validated positions; see osmand.h. */
#include "api/formats/osmand.h"

#include "api/formats/json.h"
#include "api/formats/osmand_attrs.h"
#include "api/formats/rfc3339.h"

#include "geo/geo.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Timestamps ---- */

bool fmt_osmand_time_parse(const char *s, int64_t *ms_out) {
    if (!s || !*s) return false;
    int64_t v;
    /* Traccar's rule: integers below Integer.MAX_VALUE are seconds, larger ones milliseconds */
    if (lm_parse_i64(s, 0, INT64_MAX / 4, &v)) {
        int64_t ms = v < 2147483647 ? v * 1000 : v;
        if (ms > (int64_t)253402300799999) return false; /* year 9999 */
        *ms_out = ms;
        return true;
    }
    return fmt_time_parse_lenient_ms(s, ms_out);
}

/* ---- One flat record (form fields or a flat JSON object) ---- */

typedef fmt__flat_src flat_src;

/* The text of field key ("" for JSON null), or NULL when absent; JSON numbers and booleans are
 * rendered into buf. */
static const char *flat_get(const flat_src *s, const char *key, char *buf, size_t size) {
    if (!s->obj) {
        int k = fmt__osmand_own_key(key); /* only own keys are asked for */
        return k >= 0 ? s->own[k] : NULL;
    }
    const cJSON *v = fmt_json_get(s->obj, key);
    if (!v) return NULL;
    if (cJSON_IsString(v)) return v->valuestring;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* integers exactly (timestamps in ms exceed what %g keeps) */
        if (d > -9e15 && d < 9e15 && d == (double)(int64_t)d) /* range first: no UB cast */
            snprintf(buf, size, "%lld", (long long)d);
        else
            snprintf(buf, size, "%.17g", d);
        return buf;
    }
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNull(v)) return "";
    return "\x01"; /* an object or array where a scalar belongs: fails every parse below */
}

static void pos_init(fmt_osmand_pos *p) {
    memset(p, 0, sizeof *p);
    p->speed_mps = p->heading_deg = p->altitude_m = p->accuracy_m = p->battery_pct = NAN;
    p->charging = -1;
}

static lm_status device_set(fmt_osmand_pos *p, const char *id, const char *field, lm_errinfo *err) {
    size_t n = id ? strlen(id) : 0;
    if (n == 0)
        return lm_errinfo_set(err, LM_INVALID, field, "a device id (id or deviceid) is required");
    if (n >= sizeof p->device_id)
        return lm_errinfo_set(err, LM_INVALID, field, "device id longer than %zu bytes",
                              sizeof p->device_id - 1);
    if (!lm_utf8_valid(id, n, ""))
        return lm_errinfo_set(err, LM_INVALID, field,
                              "device id must be UTF-8 text without control characters");
    memcpy(p->device_id, id, n + 1);
    return LM_OK;
}

/* A decimal number as lm_parse_double reads it. The phones' own form ("45.123456", "-4.5", "80")
 * is read here without strtod, which was a fifth of the parse: up to 19 digits whose value is
 * below 2^53 with at most 22 after the point are m / 10^k with m and 10^k exact doubles, and
 * one IEEE division rounds that exactly as strtod does. Anything else goes to strtod. */
static bool num_parse(const char *s, double *out) {
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    uint64_t m = 0;
    int digits = 0, frac = -1;
    for (;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 19) return lm_parse_double(s, out);
            m = m * 10 + (uint64_t)(*p - '0');
            if (frac >= 0) frac++;
        } else if (*p == '.' && frac < 0 && digits > 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (*p || digits == 0 || frac == 0 || frac > 22 || m > ((uint64_t)1 << 53))
        return lm_parse_double(s, out);
    double v = (double)m / pow10[frac < 0 ? 0 : frac];
    *out = neg ? -v : v;
    return true;
}

/* Parses an optional number: absent or "" leaves *out; junk is an error. */
static lm_status opt_number(const char *text, const char *field, double *out, lm_errinfo *err) {
    if (!text || !*text) return LM_OK;
    double v;
    if (!num_parse(text, &v) || !isfinite(v))
        return lm_errinfo_set(err, LM_INVALID, field, "'%.40s' is not a number", text);
    *out = v;
    return LM_OK;
}

static int parse_bool(const char *t) {
    if (!t || !*t) return -1;
    if (!strcasecmp(t, "true") || !strcmp(t, "1")) return 1;
    if (!strcasecmp(t, "false") || !strcmp(t, "0")) return 0;
    return -1;
}

/* Applies the ranges: unknown rather than wrong (a negative speed or heading means "none" to
 * the apps), but coordinates must be real. */
static void pos_normalise(fmt_osmand_pos *p) {
    if (!(p->speed_mps >= 0)) p->speed_mps = NAN;
    if (!(p->heading_deg >= 0)) p->heading_deg = NAN;
    if (isfinite(p->heading_deg)) p->heading_deg = fmod(p->heading_deg, 360.0);
    if (!(p->accuracy_m >= 0)) p->accuracy_m = NAN;
    if (!(p->battery_pct >= 0 && p->battery_pct <= 100)) p->battery_pct = NAN;
}

static lm_status parse_flat(const flat_src *s, const char *prefix, fmt_osmand_pos *p,
                            lm_errinfo *err) {
    char buf[64], f[64];
    pos_init(p);
    const char *id = flat_get(s, "id", buf, sizeof buf);
    if (!id || !*id) id = flat_get(s, "deviceid", buf, sizeof buf);
    if (!id || !*id) id = flat_get(s, "device_id", buf, sizeof buf);
    lm_status rc = device_set(p, id, fmt__osmand_field(f, sizeof f, prefix, "id"), err);
    if (rc != LM_OK) return rc;
    bool has_network = false;
    if ((rc = fmt__osmand_flat_attrs(s, prefix, p, &has_network, err)) != LM_OK) return rc;

    const char *t = flat_get(s, "timestamp", buf, sizeof buf);
    if (t && *t && !fmt_osmand_time_parse(t, &p->time_ms))
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, "timestamp"),
                              "'%.40s' is not epoch seconds, epoch milliseconds or ISO-8601 "
                              "with a zone",
                              t);

    const char *lat = flat_get(s, "lat", buf, sizeof buf);
    char lat_copy[64] = "";
    if (lat) lm_strlcpy(lat_copy, lat, sizeof lat_copy); /* buf is reused below */
    const char *lon = flat_get(s, "lon", buf, sizeof buf);
    const char *loc = NULL;
    if (lat && lon) {
        geo_point g;
        if (!num_parse(lat_copy, &g.lat) || !isfinite(g.lat))
            return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, "lat"),
                                  "'%.40s' is not a latitude in degrees", lat_copy);
        if (!num_parse(lon, &g.lon) || !isfinite(g.lon))
            return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, "lon"),
                                  "'%.40s' is not a longitude in degrees", lon);
        if ((rc = geo_point_check(g, prefix[0] ? fmt__osmand_field(f, sizeof f, prefix, "") : NULL,
                                  err)) != LM_OK) {
            if (prefix[0]) { /* "[3]." + "lat" */
                char tail[16];
                lm_strlcpy(tail, strrchr(err->field, '.') ? strrchr(err->field, '.') + 1 : "lat",
                           sizeof tail);
                fmt__osmand_field(err->field, sizeof err->field, prefix, tail);
            }
            return rc;
        }
        p->lat = g.lat;
        p->lon = g.lon;
    } else if ((loc = flat_get(s, "location", buf, sizeof buf)) && *loc) {
        geo_point g;
        if ((rc = geo_point_parse_latlon(loc, fmt__osmand_field(f, sizeof f, prefix, "location"),
                                         &g, err)) != LM_OK)
            return rc;
        p->lat = g.lat;
        p->lon = g.lon;
    } else if (!has_network || lat || lon) {
        return lm_errinfo_set(err, LM_INVALID,
                              fmt__osmand_field(f, sizeof f, prefix, lat ? "lon" : "lat"),
                              "lat and lon (or location=lat,lon) are required");
    } else {
        p->no_location = true; /* cell/Wi-Fi only, a token, an alarm: no coordinates at all */
    }

    double kn = NAN;
    if ((rc = opt_number(flat_get(s, "speed", buf, sizeof buf),
                         fmt__osmand_field(f, sizeof f, prefix, "speed"), &kn, err)) != LM_OK)
        return rc;
    p->speed_mps = fmt_knots_to_mps(kn);
    const char *hd = flat_get(s, "bearing", buf, sizeof buf);
    const char *hkey = "bearing";
    if (!hd || !*hd) {
        hd = flat_get(s, "heading", buf, sizeof buf);
        hkey = "heading";
    }
    if ((rc = opt_number(hd, fmt__osmand_field(f, sizeof f, prefix, hkey), &p->heading_deg, err)) !=
            LM_OK ||
        (rc = opt_number(flat_get(s, "altitude", buf, sizeof buf),
                         fmt__osmand_field(f, sizeof f, prefix, "altitude"), &p->altitude_m,
                         err)) != LM_OK ||
        (rc = opt_number(flat_get(s, "accuracy", buf, sizeof buf),
                         fmt__osmand_field(f, sizeof f, prefix, "accuracy"), &p->accuracy_m,
                         err)) != LM_OK ||
        (rc = opt_number(flat_get(s, "batt", buf, sizeof buf),
                         fmt__osmand_field(f, sizeof f, prefix, "batt"), &p->battery_pct, err)) !=
            LM_OK)
        return rc;
    p->charging = parse_bool(flat_get(s, "charge", buf, sizeof buf));
    const char *valid = flat_get(s, "valid", buf, sizeof buf);
    int v = parse_bool(valid);
    if (valid && *valid && v < 0)
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, "valid"),
                              "'%.40s' is not true, false, 1 or 0", valid);
    p->no_fix = v == 0;
    pos_normalise(p);
    return LM_OK;
}

/* ---- JSON bodies ---- */

static double json_num(const cJSON *o, const char *key) {
    const cJSON *v = fmt_json_get(o, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

/* One transistorsoft location object (speed in m/s) for device id. */
static lm_status parse_tsloc(const cJSON *loc, const char *device, const char *prefix,
                             fmt_osmand_pos *p, lm_errinfo *err) {
    char f[64];
    pos_init(p);
    lm_status rc = device_set(p, device, "device_id", err);
    if (rc != LM_OK) return rc;
    if (!cJSON_IsObject(loc))
        return lm_errinfo_set(err, LM_INVALID, prefix, "location must be an object");
    const cJSON *ts = fmt_json_get(loc, "timestamp");
    if (cJSON_IsString(ts)) {
        if (!fmt_osmand_time_parse(ts->valuestring, &p->time_ms))
            return lm_errinfo_set(err, LM_INVALID,
                                  fmt__osmand_field(f, sizeof f, prefix, ".timestamp"),
                                  "'%.40s' is not an ISO-8601 time with a zone", ts->valuestring);
    } else if (cJSON_IsNumber(ts)) {
        char buf[32];
        double d = ts->valuedouble;
        /* range first: converting a double beyond int64_t is undefined behaviour */
        bool in_range = d >= 0 && d < 9e15;
        if (in_range) snprintf(buf, sizeof buf, "%lld", (long long)d);
        if (!in_range || !fmt_osmand_time_parse(buf, &p->time_ms))
            return lm_errinfo_set(err, LM_INVALID,
                                  fmt__osmand_field(f, sizeof f, prefix, ".timestamp"),
                                  "not an epoch time");
    } else if (ts) {
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, ".timestamp"),
                              "timestamp must be an ISO-8601 string");
    }
    const cJSON *c = fmt_json_get(loc, "coords");
    if (!cJSON_IsObject(c))
        return lm_errinfo_set(err, LM_INVALID, fmt__osmand_field(f, sizeof f, prefix, ".coords"),
                              "coords {latitude, longitude} are required");
    geo_point g = {json_num(c, "latitude"), json_num(c, "longitude")};
    if ((rc = geo_point_check(g, fmt__osmand_field(f, sizeof f, prefix, ".coords"), err)) !=
        LM_OK) {
        /* geo names ".lat"/".lon"; say the JSON key */
        char *dot = strrchr(err->field, '.');
        if (dot) {
            char tail[16];
            lm_strlcpy(tail, !strcmp(dot, ".lat") ? "latitude" : "longitude", sizeof tail);
            *dot = '\0';
            size_t used = strlen(err->field);
            snprintf(err->field + used, sizeof err->field - used, ".%s", tail);
        }
        return rc;
    }
    p->lat = g.lat;
    p->lon = g.lon;
    p->speed_mps = json_num(c, "speed");
    p->heading_deg = json_num(c, "heading");
    p->accuracy_m = json_num(c, "accuracy");
    p->altitude_m = json_num(c, "altitude");
    const cJSON *b = fmt_json_get(loc, "battery");
    if (cJSON_IsObject(b)) {
        double level = json_num(b, "level");
        if (level >= 0 && level <= 1) p->battery_pct = level * 100.0;
        const cJSON *ch = fmt_json_get(b, "is_charging");
        if (cJSON_IsBool(ch)) p->charging = cJSON_IsTrue(ch) ? 1 : 0;
    }
    pos_normalise(p);
    return fmt__osmand_tsloc_attrs(loc, prefix, p, err);
}

static lm_status parse_json(const char *body, size_t len, fmt_osmand_pos *out, size_t cap,
                            size_t *n_out, lm_errinfo *err) {
    cJSON *root = NULL;
    lm_errinfo perr;
    lm_errinfo_clear(&perr);
    /* fmt_json_parse refuses what cJSON would let through as a string cut at a NUL */
    if (fmt_json_parse(body, len, FMT_OSMAND_MAX_BODY, &root, &perr) != LM_OK)
        return lm_errinfo_set(err, perr.code, "body", "malformed JSON: %s", perr.message);
    lm_status rc = LM_OK;
    size_t n = 0;
    char prefix[32];
    if (cJSON_IsArray(root)) {
        /* Traccar Client 10 (uploadJson): flat objects with the form keys */
        int count = cJSON_GetArraySize(root);
        if (count == 0) {
            rc = lm_errinfo_set(err, LM_INVALID, "body", "empty array: no position");
            goto done;
        }
        if ((size_t)count > cap) {
            rc = lm_errinfo_set(err, LM_TOO_BIG, "body", "more than %zu positions in one request",
                                cap);
            goto done;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, root) {
            snprintf(prefix, sizeof prefix, "[%zu].", n);
            if (!cJSON_IsObject(it)) {
                prefix[strlen(prefix) - 1] = '\0';
                rc = lm_errinfo_set(err, LM_INVALID, prefix, "each position must be an object");
                goto done;
            }
            flat_src s = {NULL, 0, it, {NULL}};
            if ((rc = parse_flat(&s, prefix, &out[n], err)) != LM_OK) goto done;
            n++;
        }
    } else if (cJSON_IsObject(root)) {
        const cJSON *loc = fmt_json_get(root, "location");
        const cJSON *dev = fmt_json_get(root, "device_id");
        if (!loc) { /* one flat object */
            flat_src s = {NULL, 0, root, {NULL}};
            if ((rc = parse_flat(&s, "", &out[0], err)) != LM_OK) goto done;
            n = 1;
            goto done;
        }
        char devbuf[32];
        const char *device = NULL;
        if (cJSON_IsString(dev)) {
            device = dev->valuestring;
        } else if (cJSON_IsNumber(dev) && dev->valuedouble >= 0 && dev->valuedouble < 1e15) {
            snprintf(devbuf, sizeof devbuf, "%lld", (long long)dev->valuedouble);
            device = devbuf;
        }
        if (!device) {
            rc = lm_errinfo_set(err, LM_INVALID, "device_id", "device_id (a string) is required");
            goto done;
        }
        if (cJSON_IsArray(loc)) { /* the library's batch sync: several locations, one device */
            int count = cJSON_GetArraySize(loc);
            if (count == 0 || (size_t)count > cap) {
                rc = lm_errinfo_set(err, count ? LM_TOO_BIG : LM_INVALID, "location",
                                    "1..%zu locations per request", cap);
                goto done;
            }
            const cJSON *it;
            cJSON_ArrayForEach(it, loc) {
                snprintf(prefix, sizeof prefix, "location[%zu]", n);
                if ((rc = parse_tsloc(it, device, prefix, &out[n], err)) != LM_OK) goto done;
                n++;
            }
        } else if ((rc = parse_tsloc(loc, device, "location", &out[0], err)) == LM_OK) {
            n = 1;
        }
    } else {
        rc = lm_errinfo_set(err, LM_INVALID, "body", "expected a JSON object or array");
    }
done:
    cJSON_Delete(root);
    if (rc == LM_OK) *n_out = n;
    return rc;
}

/* ---- Entry point ---- */

lm_status fmt_osmand_parse(const fmt_osmand_kv *pairs, size_t n_pairs, const char *content_type,
                           const char *body, size_t body_len, fmt_osmand_pos *out, size_t cap,
                           size_t *n_out, lm_errinfo *err) {
    if (cap < 1) return lm_errinfo_set(err, LM_INTERNAL, "", "no room for a position");
    if (body && body_len > FMT_OSMAND_MAX_BODY)
        return lm_errinfo_set(err, LM_TOO_BIG, "body", "larger than %u bytes", FMT_OSMAND_MAX_BODY);
    if (content_type && !strncasecmp(content_type, "application/json", 16) && body && body_len)
        return parse_json(body, body_len, out, cap, n_out, err);
    if (n_pairs > 0) {
        flat_src s = {pairs, n_pairs, NULL, {NULL}};
        fmt__flat_index(&s);
        lm_status rc = parse_flat(&s, "", &out[0], err);
        if (rc == LM_OK) *n_out = 1;
        return rc;
    }
    if (!body || !body_len)
        return lm_errinfo_set(err, LM_INVALID, "id",
                              "no position: send id, lat, lon ... in the query or a form body");
    fmt_osmand_kv form[FMT_FORM_MAX_PAIRS];
    size_t n = 0;
    char *copy = NULL;
    lm_status rc = fmt_form_parse(body, body_len, "body", form, FMT_FORM_MAX_PAIRS, &n, &copy, err);
    if (rc != LM_OK) return rc;
    flat_src s = {form, n, NULL, {NULL}};
    fmt__flat_index(&s);
    rc = parse_flat(&s, "", &out[0], err);
    lm_free(copy);
    if (rc == LM_OK) *n_out = 1;
    return rc;
}
