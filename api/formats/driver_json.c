/* api/formats/driver_json.c: JSON bodies of the driver app (api/formats/driver_json.h), on the
 * project's one family of JSON readers (api/formats/json.h). */
#include "api/formats/driver_json.h"

#include "api/formats/base64.h"
#include "api/formats/json.h"
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- Positions ---- */

static lm_status one_position(const cJSON *it, const char *path, fmt_osmand_pos *p,
                              lm_errinfo *err) {
    static const char *const keys[] = {"lat",      "lon",     "timestamp", "speed", "heading",
                                       "accuracy", "battery", "altitude",  NULL};
    static const char *const opt[] = {"speed", "heading", "accuracy", "battery", "altitude"};
    double *dst[] = {&p->speed_mps, &p->heading_deg, &p->accuracy_m, &p->battery_pct,
                     &p->altitude_m};
    p->speed_mps = p->heading_deg = p->altitude_m = p->accuracy_m = p->battery_pct = NAN;
    p->charging = -1;
    lm_status rc;
    geo_point gp = {NAN, NAN};
    if ((rc = fmt_json_require_object(it, path, err)) != LM_OK ||
        (rc = fmt_json_only_keys(it, path, keys, err)) != LM_OK ||
        (rc = fmt_json_number(it, "lat", path, FMT_JSON_REQUIRED, -90, 90, &gp.lat, err)) !=
            LM_OK ||
        (rc = fmt_json_number(it, "lon", path, FMT_JSON_REQUIRED, -180, 180, &gp.lon, err)) !=
            LM_OK ||
        (rc = geo_point_check(gp, path, err)) != LM_OK)
        return rc;
    p->lat = gp.lat;
    p->lon = gp.lon;
    const cJSON *ts = fmt_json_get(it, "timestamp");
    char tbuf[40] = "", tpath[FMT_JSON_PATH_MAX];
    fmt_json_path_key(tpath, path, "timestamp");
    if (cJSON_IsString(ts) && strlen(ts->valuestring) < sizeof tbuf)
        lm_strlcpy(tbuf, ts->valuestring, sizeof tbuf);
    else if (cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 1e15)
        snprintf(tbuf, sizeof tbuf, "%lld", (long long)ts->valuedouble);
    if (!fmt_osmand_time_parse(tbuf, &p->time_ms))
        return lm_errinfo_set(err, LM_INVALID, tpath,
                              "the device time is required: epoch s, epoch ms or ISO-8601 with "
                              "a real date and offset");
    for (size_t k = 0; k < 5; k++) {
        if (cJSON_IsNull(fmt_json_get(it, opt[k]))) continue;
        if ((rc = fmt_json_number(it, opt[k], path, FMT_JSON_OPTIONAL, -1e9, 1e9, dst[k], err)) !=
            LM_OK)
            return rc;
    }
    /* unknown rather than wrong: a phone reports -1 for "no fix on this sensor" */
    if (!(p->speed_mps >= 0)) p->speed_mps = NAN;
    if (!(p->heading_deg >= 0 && p->heading_deg < 360)) p->heading_deg = NAN;
    if (!(p->accuracy_m >= 0)) p->accuracy_m = NAN;
    if (!(p->battery_pct >= 0 && p->battery_pct <= 100)) p->battery_pct = NAN;
    return LM_OK;
}

lm_status fmt_positions_from_json(const cJSON *j, const char *device_id, lm_arena *arena,
                                  fmt_osmand_pos **out, size_t *n, lm_errinfo *err) {
    static const char *const keys[] = {"positions", NULL};
    const cJSON *list = j;
    lm_status rc;
    if (cJSON_IsObject(j)) {
        if ((rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK) return rc;
        list = fmt_json_get(j, "positions");
    }
    if (!cJSON_IsArray(list))
        return lm_errinfo_set(err, LM_INVALID, "positions", "expected {\"positions\": [...]}");
    size_t count = 0;
    for (const cJSON *e = list->child; e; e = e->next)
        if (++count > FMT_OSMAND_MAX_BATCH) break;
    if (count < 1 || count > FMT_OSMAND_MAX_BATCH)
        return lm_errinfo_set(err, count ? LM_TOO_BIG : LM_INVALID, "positions",
                              "send 1..%d positions per request", FMT_OSMAND_MAX_BATCH);
    fmt_osmand_pos *pos = lm_arena_alloc(arena, count * sizeof *pos);
    if (!pos) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    size_t i = 0;
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        char path[FMT_JSON_PATH_MAX];
        fmt_json_path_index(path, "positions", i);
        memset(&pos[i], 0, sizeof pos[i]);
        lm_strlcpy(pos[i].device_id, device_id, sizeof pos[i].device_id);
        if ((rc = one_position(e, path, &pos[i], err)) != LM_OK) return rc;
    }
    *out = pos;
    *n = i;
    return LM_OK;
}

/* ---- Exceptions and failed stops ---- */

lm_status fmt_driver_exception_from_json(const cJSON *j, fmt_driver_exception *out,
                                         lm_errinfo *err) {
    static const char *const keys[] = {"kind", "note", "delay_min", NULL};
    memset(out, 0, sizeof *out);
    out->note = "";
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_string(j, "kind", "", FMT_JSON_REQUIRED, 32, &out->kind_name, err)) != LM_OK)
        return rc;
    if (!dispatch_exception_parse(out->kind_name, &out->kind))
        return lm_errinfo_set(err, LM_INVALID, "kind",
                              "kind must be breakdown, delay, accident or vehicle_full");
    if (!cJSON_IsNull(fmt_json_get(j, "note")) &&
        (rc = fmt_json_text(j, "note", "", FMT_JSON_OPTIONAL, DISPATCH_NOTE_MAX, &out->note,
                            err)) != LM_OK)
        return rc;
    return fmt_json_int(j, "delay_min", "", FMT_JSON_OPTIONAL, 0, 1440, &out->delay_min, err);
}

static lm_status stop_failed(const cJSON *j, const char *const *keys, fmt_stop_failed *out,
                             lm_errinfo *err) {
    static const char *const reasons[] = {"not_home", "refused", "address_not_found", "damaged",
                                          "other"};
    out->reason = NULL;
    out->note = "";
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK ||
        (rc = fmt_json_string(j, "reason", "", FMT_JSON_REQUIRED, 32, &out->reason, err)) != LM_OK)
        return rc;
    bool known = false;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        known |= !strcmp(out->reason, reasons[i]);
    if (!known)
        return lm_errinfo_set(err, LM_INVALID, "reason",
                              "reason must be not_home, refused, address_not_found, damaged or "
                              "other");
    if (cJSON_IsNull(fmt_json_get(j, "note"))) return LM_OK;
    return fmt_json_text(j, "note", "", FMT_JSON_OPTIONAL, DISPATCH_NOTE_MAX, &out->note, err);
}

lm_status fmt_stop_failed_from_json(const cJSON *j, fmt_stop_failed *out, lm_errinfo *err) {
    static const char *const keys[] = {"reason", "note", NULL};
    return stop_failed(j, keys, out, err);
}

static lm_status image(const cJSON *j, const char *key, lm_arena *arena, fmt_image *out,
                       lm_errinfo *err);

lm_status fmt_stop_failed_proof_from_json(const cJSON *j, lm_arena *arena, fmt_stop_failed *out,
                                          fmt_image *photo, lm_errinfo *err) {
    static const char *const keys[] = {"reason", "note", "photo", NULL};
    memset(photo, 0, sizeof *photo);
    lm_status rc = stop_failed(j, keys, out, err);
    if (rc == LM_OK) rc = image(j, "photo", arena, photo, err);
    return rc;
}

/* ---- Proof of delivery ---- */

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* PNG: the signature, IHDR first (13 bytes, non-zero width and height), every chunk inside the
 * data, IEND last and nothing after it. */
static bool png_ok(const unsigned char *b, size_t n) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 8 + 25 + 12 || memcmp(b, sig, 8)) return false;
    if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) || !be32(b + 16) || !be32(b + 20))
        return false;
    size_t off = 8;
    while (off + 12 <= n) { /* each turn moves past one chunk, so at most n / 12 turns */
        uint32_t len = be32(b + off);
        if (len > n - off - 12) return false;
        bool iend = !memcmp(b + off + 4, "IEND", 4);
        off += 12 + (size_t)len;
        if (iend) return off == n;
    }
    return false;
}

/* JPEG: SOI, marker segments with lengths inside the data up to a start of scan, a frame header
 * (SOFn) before it, and EOI as the last two bytes. */
static bool jpeg_ok(const unsigned char *b, size_t n) {
    if (n < 4 || b[0] != 0xff || b[1] != 0xd8 || b[n - 2] != 0xff || b[n - 1] != 0xd9) return false;
    size_t off = 2;
    bool frame = false;
    while (off + 4 <= n) { /* each turn moves past one segment */
        if (b[off] != 0xff) return false;
        unsigned m = b[off + 1];
        if (m == 0xff) { /* fill byte */
            off++;
            continue;
        }
        size_t len = (size_t)b[off + 2] << 8 | b[off + 3];
        if (len < 2 || len > n - off - 2) return false;
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) frame = true;
        if (m == 0xda) return frame; /* the entropy-coded data runs to the EOI checked above */
        off += 2 + len;
    }
    return false;
}

bool fmt_image_ok(const unsigned char *bytes, size_t n, const char *ext) {
    if (!bytes || !ext) return false;
    if (!strcmp(ext, "png")) return png_ok(bytes, n);
    if (!strcmp(ext, "jpg")) return jpeg_ok(bytes, n);
    return false;
}

static lm_status image(const cJSON *j, const char *key, lm_arena *arena, fmt_image *out,
                       lm_errinfo *err) {
    static const char *const keys[] = {"content_type", "data_base64", NULL};
    const cJSON *f = fmt_json_get(j, key);
    memset(out, 0, sizeof *out);
    if (!f || cJSON_IsNull(f)) return LM_OK;
    lm_status rc;
    const char *ct = NULL, *data = NULL;
    char path[FMT_JSON_PATH_MAX];
    if (cJSON_IsString(f))
        return lm_errinfo_set(err, LM_INVALID, key,
                              "must be an image {\"content_type\", \"data_base64\"}; a typed "
                              "name goes in recipient_name");
    if ((rc = fmt_json_require_object(f, key, err)) != LM_OK ||
        (rc = fmt_json_only_keys(f, key, keys, err)) != LM_OK ||
        (rc = fmt_json_string(f, "content_type", key, FMT_JSON_REQUIRED, 32, &ct, err)) != LM_OK)
        return rc;
    fmt_json_path_key(path, key, "content_type");
    if (!strcmp(ct, "image/png"))
        out->ext = "png";
    else if (!strcmp(ct, "image/jpeg"))
        out->ext = "jpg";
    else
        return lm_errinfo_set(err, LM_INVALID, path,
                              "content_type must be image/png or image/jpeg");
    size_t max_chars = fmt_base64_encoded_len(FMT_PROOF_MAX_BYTES) + 4096; /* + line breaks */
    if ((rc = fmt_json_string(f, "data_base64", key, FMT_JSON_REQUIRED, max_chars, &data, err)) !=
        LM_OK)
        return rc;
    fmt_json_path_key(path, key, "data_base64");
    size_t len = strlen(data), cap = fmt_base64_decoded_max(len), n = 0;
    if (cap > FMT_PROOF_MAX_BYTES) cap = FMT_PROOF_MAX_BYTES;
    unsigned char *bytes = lm_arena_alloc(arena, cap ? cap : 1);
    if (!bytes) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    if ((rc = fmt_base64_decode(data, len, path, bytes, cap, &n, err)) != LM_OK) return rc;
    /* the bytes must be what the content type says: no HTML or script stored as an "image" */
    if (!fmt_image_ok(bytes, n, out->ext))
        return lm_errinfo_set(err, LM_INVALID, path, "the data is not a whole %s image", out->ext);
    out->bytes = bytes;
    out->n = n;
    return LM_OK;
}

lm_status fmt_delivery_from_json(const cJSON *j, const char *const *other_keys, lm_arena *arena,
                                 fmt_delivery *out, lm_errinfo *err) {
    enum { OWN = 4, OTHER_MAX = 8 };
    const char *keys[OWN + OTHER_MAX + 1] = {"recipient_name", "recipient", "signature", "photo"};
    for (size_t i = 0; other_keys && other_keys[i] && i < OTHER_MAX; i++)
        keys[OWN + i] = other_keys[i];
    memset(out, 0, sizeof *out);
    out->recipient_name = "";
    if (!j) return LM_OK;
    lm_status rc;
    if ((rc = fmt_json_require_object(j, "body", err)) != LM_OK ||
        (rc = fmt_json_only_keys(j, "", keys, err)) != LM_OK)
        return rc;
    const char *name_key = fmt_json_get(j, "recipient_name") ? "recipient_name" : "recipient";
    if (fmt_json_get(j, "recipient_name") && fmt_json_get(j, "recipient"))
        return lm_errinfo_set(err, LM_INVALID, "recipient",
                              "give recipient_name only (recipient is its old name)");
    if (!cJSON_IsNull(fmt_json_get(j, name_key)) &&
        (rc = fmt_json_string(j, name_key, "", FMT_JSON_OPTIONAL, FMT_RECIPIENT_MAX,
                              &out->recipient_name, err)) != LM_OK)
        return rc;
    if ((rc = image(j, "signature", arena, &out->signature, err)) != LM_OK) return rc;
    return image(j, "photo", arena, &out->photo, err);
}
