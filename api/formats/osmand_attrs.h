/* api/formats/osmand_attrs.h: internal to the OsmAnd codec (osmand.c). A record's attributes:
 * every key the apps send beyond the ones osmand.c reads itself, kept as one JSON object text
 * instead of being dropped, typed as Traccar's decoder types them. */
#ifndef LASTMILE_FORMATS_OSMAND_ATTRS_H
#define LASTMILE_FORMATS_OSMAND_ATTRS_H

#include "api/formats/osmand.h"

#include <cjson/cJSON.h>

/* How many keys osmand.c reads itself (fmt__osmand_own_key). */
#define FMT__OWN_KEYS 16

/* Where the fields of one record come from: decoded pairs, or one JSON object. For pairs, own[k]
 * is the first value of own key k (NULL when absent), filled once by fmt__flat_index instead of
 * a scan of the pairs per key. */
typedef struct fmt__flat_src {
    const fmt_osmand_kv *pairs;
    size_t n;
    const cJSON *obj;
    const char *own[FMT__OWN_KEYS];
} fmt__flat_src;

/* The index (0 .. FMT__OWN_KEYS - 1) of key among the keys osmand.c reads itself, or -1. */
int fmt__osmand_own_key(const char *key);

/* Fills s->own from s->pairs (the first pair of each own key wins; a NULL value reads ""). */
void fmt__flat_index(fmt__flat_src *s);

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
