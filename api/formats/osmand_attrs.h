/* api/formats/osmand_attrs.h: internal to the OsmAnd codec (osmand.c). A record's attributes:
 * every key the apps send beyond the ones osmand.c reads itself, kept as one JSON object text
 * instead of being dropped, typed as Traccar's decoder types them. */
#ifndef LASTMILE_FORMATS_OSMAND_ATTRS_H
#define LASTMILE_FORMATS_OSMAND_ATTRS_H

#include "api/formats/osmand.h"

#include <cjson/cJSON.h>

/* Where the fields of one record come from: decoded pairs, or one JSON object. */
typedef struct fmt__flat_src {
    const fmt_osmand_kv *pairs;
    size_t n;
    const cJSON *obj;
} fmt__flat_src;

/* The field name "<prefix><key>" for errors ("[3]." + "lat"), written into buf. */
const char *fmt__osmand_field(char *buf, size_t size, const char *prefix, const char *key);

/* Fills p->attrs, p->alarm and p->token from a flat record (form pairs or a flat JSON object):
 * alarm, event, odometer (a number), is_moving and mock (booleans, kept as "motion" and "mock"),
 * cell and wifi (repeatable, kept as arrays of their texts after a shape check), and every key
 * osmand.c does not read itself. prefix names the record in errors ("[3]."). LM_INVALID naming
 * the key for a bad value, a key longer than 64 bytes, or attributes beyond
 * FMT_OSMAND_ATTRS_MAX - 1 bytes of JSON. *has_network: cell, wifi, a token, an alarm or an event
 * came, which is what lets a record without coordinates through. */
LM_MUST_USE lm_status fmt__osmand_flat_attrs(const fmt__flat_src *s, const char *prefix,
                                             fmt_osmand_pos *p, bool *has_network, lm_errinfo *err);

/* The same for a transistorsoft location object: event, is_moving, odometer, mock,
 * activity.type, alarm, and the "extras" object's keys. */
LM_MUST_USE lm_status fmt__osmand_tsloc_attrs(const cJSON *loc, const char *prefix,
                                              fmt_osmand_pos *p, lm_errinfo *err);

#endif
