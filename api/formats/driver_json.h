/* api/formats/driver_json.h: JSON bodies of the driver app -> plain requests: positions, an
 * exception (breakdown, delay ...), a failed stop, and a delivery with its proof. Unknown keys
 * are refused with the key named; ids and names are UTF-8 without control characters, notes may
 * hold line breaks; numbers are range-checked before any cast; times are calendar-checked.
 *
 * Proof of delivery says what it is: "recipient_name" is the name the driver typed (text, no
 * more), "signature" is the drawn signature and "photo" a photo, both images whose bytes are
 * checked to be the PNG or JPEG their content_type says (structure, not just a magic number).
 * Errors name the field by its JSON path; *out is undefined on failure. Strings handed out are
 * borrowed from the tree; image bytes and positions come from the caller's arena. */
#ifndef LASTMILE_FORMATS_DRIVER_JSON_H
#define LASTMILE_FORMATS_DRIVER_JSON_H

#include "api/formats/osmand.h"
#include "common/common.h"
#include "dispatch/dispatch.h"

#include <cjson/cJSON.h>

#define FMT_PROOF_MAX_BYTES ((size_t)512 << 10) /* one decoded signature or photo */
#define FMT_RECIPIENT_MAX   200                 /* bytes of a typed recipient name */

/* {"positions": [...]} or a bare array of 1..FMT_OSMAND_MAX_BATCH positions {"lat", "lon",
 * "timestamp" (epoch s, epoch ms or ISO-8601 with a real date), "speed", "heading", "accuracy",
 * "battery", "altitude"}; device_id is written into each. *out from arena, *n its count. */
LM_MUST_USE lm_status fmt_positions_from_json(const cJSON *j, const char *device_id,
                                              lm_arena *arena, fmt_osmand_pos **out, size_t *n,
                                              lm_errinfo *err);

/* {"kind": "breakdown" | "delay" | "accident" | "vehicle_full", "note", "delay_min" 0..1440}. */
typedef struct fmt_driver_exception {
    dispatch_exception_kind kind;
    const char *kind_name;
    const char *note; /* "" when absent */
    int64_t delay_min;
} fmt_driver_exception;
LM_MUST_USE lm_status fmt_driver_exception_from_json(const cJSON *j, fmt_driver_exception *out,
                                                     lm_errinfo *err);

/* {"reason": "not_home" | "refused" | "address_not_found" | "damaged" | "other", "note"}. */
typedef struct fmt_stop_failed {
    const char *reason;
    const char *note; /* "" when absent */
} fmt_stop_failed;
LM_MUST_USE lm_status fmt_stop_failed_from_json(const cJSON *j, fmt_stop_failed *out,
                                                lm_errinfo *err);

/* A checked image: its bytes (arena) and the file extension of its type ("png" | "jpg"). */
typedef struct fmt_image {
    const unsigned char *bytes; /* NULL when the proof was not given */
    size_t n;
    const char *ext;
} fmt_image;

/* The same body with an optional "photo" {"content_type", "data_base64"} of the failed attempt
 * (the closed door, the damaged parcel): the driver app's form. photo->bytes NULL without one. */
LM_MUST_USE lm_status fmt_stop_failed_proof_from_json(const cJSON *j, lm_arena *arena,
                                                      fmt_stop_failed *out, fmt_image *photo,
                                                      lm_errinfo *err);

/* Whether bytes[0..n) are a whole PNG (signature, IHDR first with a non-zero size, IEND last)
 * or JPEG (SOI first, a frame header, EOI last), as ext ("png" | "jpg") says. */
bool fmt_image_ok(const unsigned char *bytes, size_t n, const char *ext);

/* {"recipient_name" (or its old name "recipient"), "signature": {"content_type", "data_base64"},
 * "photo": {...}}; j may be NULL (a delivery without proof). other_keys (NULL-terminated, or
 * NULL) names the members another reader decodes from the same body (cash on delivery's
 * "collected"), so that they are not refused as unknown; every other key is. */
typedef struct fmt_delivery {
    const char *recipient_name; /* "" when absent */
    fmt_image signature, photo;
} fmt_delivery;
LM_MUST_USE lm_status fmt_delivery_from_json(const cJSON *j, const char *const *other_keys,
                                             lm_arena *arena, fmt_delivery *out, lm_errinfo *err);

#endif
