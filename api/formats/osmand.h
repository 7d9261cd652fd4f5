/* api/formats/osmand.h: the OsmAnd / Traccar Client position protocol as a pure parser,
 * from the request's query pairs, Content-Type and body to validated position records.
 * Nothing here touches the network or the store: the ingest path stores what this returns.
 *
 * What is accepted (reference/interop-notes.md section 1, Traccar's OsmAndProtocolDecoder):
 *   - query or form fields: id | deviceid, lat + lon | location=lat,lon, timestamp (epoch s,
 *     epoch ms when >= 2^31 - 1, ISO-8601 with a zone, or "yyyy-MM-dd HH:mm:ss" taken as UTC),
 *     speed (KNOTS, converted to m/s), bearing | heading, altitude, accuracy, batt, charge,
 *     valid (true | false | 1 | 0: Traccar Client sends false for a position without a fix);
 *     the query wins; a request without query fields has its body parsed as a form;
 *   - Content-Type application/json: the transistorsoft object {"device_id", "location":
 *     {"timestamp", "coords": {latitude, longitude, speed (m/s), heading, accuracy, altitude},
 *     "battery": {"level" 0..1, "is_charging"}}} or an array of flat objects with the form keys
 *     (speed in knots, Traccar Client 10 uploadJson).
 * Everything else the apps send is kept, not dropped (osmand_attrs.c): alarm (SOS), event,
 * odometer, is_moving, mock, activity, cell and wifi (repeatable), the transistorsoft "extras"
 * and any unknown key go into the record's attributes, typed as Traccar types them (a number,
 * true/false, else text); notificationToken is the device's push token. Every record must carry
 * a device id. Coordinates are required, except in a request that carries cell or Wi-Fi
 * measurements, a push token, an alarm or an event and no coordinates (a phone without a GPS fix,
 * or registering its token): it is a record with no_location set. */
#ifndef LASTMILE_FORMATS_OSMAND_H
#define LASTMILE_FORMATS_OSMAND_H

#include "api/formats/form.h"
#include "common/common.h"

#include <math.h>

#define FMT_OSMAND_DEVICE_MAX 64         /* bytes of a device id, NUL included */
#define FMT_OSMAND_MAX_BATCH  1000       /* positions in one JSON array */
#define FMT_OSMAND_MAX_BODY   (4u << 20) /* request body bytes fmt_osmand_parse reads */
#define FMT_OSMAND_ATTRS_MAX  512        /* bytes of a record's attributes JSON, NUL included */
#define FMT_OSMAND_TOKEN_MAX  256        /* bytes of a push token (FCM's are ~160), NUL included */
#define FMT_OSMAND_ALARM_MAX  32         /* bytes of an alarm name ("sos"), NUL included */

typedef struct fmt_osmand_pos {
    char device_id[FMT_OSMAND_DEVICE_MAX];
    double lat, lon;    /* WGS84 degrees, always valid */
    int64_t time_ms;    /* device time, epoch ms; 0 when the request gave none */
    double speed_mps;   /* NAN when unknown */
    double heading_deg; /* [0, 360), NAN when unknown */
    double altitude_m;  /* NAN when unknown */
    double accuracy_m;  /* >= 0, NAN when unknown */
    double battery_pct; /* [0, 100], NAN when unknown */
    int charging;       /* 1 charging, 0 not, -1 unknown */
    bool no_fix;        /* the device said valid=false: coordinates not from a fix (the
                           position filters refuse it) */
    bool no_location;   /* no coordinates at all (lat = lon = 0): cell/Wi-Fi only, a push-token
                           registration, or an alarm or event without a fix */
    char alarm[FMT_OSMAND_ALARM_MAX]; /* "sos", "fall", ...; "" when none */
    char token[FMT_OSMAND_TOKEN_MAX]; /* notificationToken; "" when none */
    char attrs[FMT_OSMAND_ATTRS_MAX]; /* the other keys as one JSON object text; "" when none */
} fmt_osmand_pos;

/* One decoded query parameter (MHD has already percent-decoded it): form.h's pair. */
typedef fmt_form_kv fmt_osmand_kv;

/* Parses one request. pairs[0..n_pairs) are the query parameters; content_type may be NULL;
 * body[0..body_len) need not be NUL-terminated. Writes at most cap records to out (cap >= 1)
 * and their count to *n_out (>= 1 on LM_OK). LM_INVALID with err naming the field ("lat",
 * "[3].timestamp", "location.coords.latitude") and why; LM_TOO_BIG past cap records or a body
 * longer than FMT_OSMAND_MAX_BODY.
 * On failure *n_out is untouched (out may have been written). */
LM_MUST_USE lm_status fmt_osmand_parse(const fmt_osmand_kv *pairs, size_t n_pairs,
                                       const char *content_type, const char *body, size_t body_len,
                                       fmt_osmand_pos *out, size_t cap, size_t *n_out,
                                       lm_errinfo *err);

/* Parses an OsmAnd timestamp text (see above) into epoch ms; false on anything else (31 February,
 * an offset beyond +-23:59, a year before 1970 or after 9999). */
bool fmt_osmand_time_parse(const char *s, int64_t *ms_out);

/* Knots to metres per second (1 kn = 1852 m / 3600 s). */
static inline double fmt_knots_to_mps(double kn) {
    return kn * (1852.0 / 3600.0);
}

#endif
