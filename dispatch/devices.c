/* dispatch/devices.c: drivers and their device ids: ids generated from the system CSPRNG, the
 * minimum length with the per-driver opt-in, rotation, and the epoch that tells position ingest
 * an id changed. Device ids never appear in events: they are the devices' only secret. */
#include "dispatch/internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Crockford's base32: no I L O U, so nothing is mistaken for 1 0 or V when typed from a label. */
static const char ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define GENERATE_TRIES 8 /* a collision of 120-bit ids does not happen; bounded all the same */

static atomic_uint_fast64_t device_epoch;

uint64_t dispatch__device_epoch(void) {
    return (uint64_t)atomic_load(&device_epoch);
}

static void epoch_bump(void) {
    atomic_fetch_add(&device_epoch, 1);
}

lm_status dispatch_device_id_generate(char out[DISPATCH_DEVICE_ID_LEN + 1]) {
    unsigned char raw[DISPATCH_DEVICE_ID_LEN];
    size_t got = 0;
    for (int tries = 0; got < sizeof raw && tries < 16; tries++) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno != EINTR)
            break;
    }
    if (got < sizeof raw) return LM_INTERNAL;
    /* 256 is a multiple of 32, so the low 5 bits of a uniform byte are uniform */
    for (size_t i = 0; i < sizeof raw; i++)
        out[i] = ALPHABET[raw[i] & 31];
    out[DISPATCH_DEVICE_ID_LEN] = '\0';
    return LM_OK;
}

/* A fresh id no driver holds. */
static lm_status fresh_id(store_tx *tx, char out[DISPATCH_DEVICE_ID_LEN + 1], lm_errinfo *err) {
    for (int i = 0; i < GENERATE_TRIES; i++) {
        char id[DISPATCH_DEVICE_ID_LEN + 1];
        if (dispatch_device_id_generate(id) != LM_OK)
            return lm_errinfo_set(err, LM_INTERNAL, "device_id",
                                  "the system random generator failed");
        store_driver other;
        lm_status rc = store_driver_by_device(store_tx_read(tx), id, &other, NULL);
        if (rc == LM_NOT_FOUND) {
            memcpy(out, id, sizeof id);
            return LM_OK;
        }
        if (rc != LM_OK) return lm_errinfo_set(err, rc, "device_id", "device lookup failed");
    }
    return lm_errinfo_set(err, LM_INTERNAL, "device_id", "no free device id after %d tries",
                          GENERATE_TRIES);
}

/* Checks a given device id: characters, length unless opted in, not another driver's. */
static lm_status given_id_check(store_tx *tx, const dispatch_driver *dr, bool allow_short,
                                lm_errinfo *err) {
    if (!dispatch__id_ok(dr->device_id))
        return lm_errinfo_set(err, LM_INVALID, "device_id",
                              "device id must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (strlen(dr->device_id) < DISPATCH_DEVICE_ID_MIN && !allow_short)
        return lm_errinfo_set(err, LM_INVALID, "device_id",
                              "device id is shorter than %d characters: anyone could guess it; "
                              "leave it out to get a generated one, or set "
                              "allow_short_device_id for this driver",
                              DISPATCH_DEVICE_ID_MIN);
    store_driver other;
    lm_status rc = store_driver_by_device(store_tx_read(tx), dr->device_id, &other, NULL);
    if (rc == LM_OK && strcmp(other.id, dr->id) != 0)
        return lm_errinfo_set(err, LM_CONFLICT, "device_id",
                              "this device id already belongs to driver '%s'", other.id);
    if (rc != LM_OK && rc != LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "device_id", "device lookup failed");
    return LM_OK;
}

/* The device id rules of dispatch/dispatch.h; events say whether a device is set, never the id. */
lm_status dispatch_driver_save(store_tx *tx, const dispatch_driver *in,
                               char device_out[DISPATCH_DEVICE_ID_LEN + 1], lm_errinfo *err) {
    if (!dispatch__id_ok(in->id))
        return lm_errinfo_set(err, LM_INVALID, "id",
                              "driver id must be 1-64 characters of A-Z a-z 0-9 . _ -");
    if (!in->name[0]) return lm_errinfo_set(err, LM_INVALID, "name", "name is required");
    store_read *r = store_tx_read(tx);
    lm_status rc;
    if (in->vehicle_id[0]) {
        store_vehicle v;
        rc = store_vehicle_get(r, in->vehicle_id, &v, err);
        if (rc == LM_NOT_FOUND)
            return lm_errinfo_set(err, LM_INVALID, "vehicle_id", "vehicle '%s' does not exist",
                                  in->vehicle_id);
        if (rc != LM_OK) return rc;
    }
    store_driver old;
    rc = store_driver_get(r, in->id, &old, NULL);
    if (rc != LM_OK && rc != LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "id", "driver lookup failed");
    bool existed = rc == LM_OK;
    rc = LM_OK;
    dispatch_driver dr = *in;
    char generated[DISPATCH_DEVICE_ID_LEN + 1] = "";
    if (!dr.device_id[0]) {
        if (existed && old.device_id[0]) { /* the id is not shown again, so a save keeps it */
            lm_strlcpy(dr.device_id, old.device_id, sizeof dr.device_id);
            dr.allow_short_device_id |= old.allow_short_device_id;
        } else if (device_out && (rc = fresh_id(tx, generated, err)) == LM_OK) {
            lm_strlcpy(dr.device_id, generated, sizeof dr.device_id);
        }
        if (rc != LM_OK) return rc;
    } else if ((rc = given_id_check(tx, &dr, dr.allow_short_device_id, err)) != LM_OK) {
        return rc;
    }
    bool is_short = dr.device_id[0] && strlen(dr.device_id) < DISPATCH_DEVICE_ID_MIN;
    if (!is_short) dr.allow_short_device_id = false; /* only short ids need (and keep) it */
    bool changed = !existed || strcmp(old.device_id, dr.device_id) != 0;
    if ((rc = store_driver_put(tx, &dr, err)) != LM_OK) return rc;
    if (changed) epoch_bump();
    rc = dispatch__event(tx, "driver.put", "driver", dr.id,
                         "{\"id\":\"%s\",\"vehicle_id\":\"%s\",\"has_device\":%s,"
                         "\"device_id_changed\":%s}",
                         dr.id, dr.vehicle_id, dr.device_id[0] ? "true" : "false",
                         changed ? "true" : "false");
    if (rc == LM_OK && is_short && (changed || !old.allow_short_device_id))
        rc = dispatch__event(tx, "driver.short_device_id_allowed", "driver", dr.id,
                             "{\"driver_id\":\"%s\",\"length\":%zu,\"by\":\"operator\"}", dr.id,
                             strlen(dr.device_id));
    if (rc == LM_OK && device_out) lm_strlcpy(device_out, generated, DISPATCH_DEVICE_ID_LEN + 1);
    return rc;
}

lm_status dispatch_driver_device_rotate(store_tx *tx, const char *driver_id,
                                        char device_out[DISPATCH_DEVICE_ID_LEN + 1],
                                        lm_errinfo *err) {
    store_driver dr;
    lm_status rc = store_driver_get(store_tx_read(tx), driver_id, &dr, err);
    if (rc == LM_NOT_FOUND)
        return lm_errinfo_set(err, rc, "id", "driver '%s' not found", driver_id);
    if (rc != LM_OK) return rc;
    char id[DISPATCH_DEVICE_ID_LEN + 1];
    if ((rc = fresh_id(tx, id, err)) != LM_OK) return rc;
    bool had = dr.device_id[0] != '\0';
    lm_strlcpy(dr.device_id, id, sizeof dr.device_id);
    dr.allow_short_device_id = false;
    if ((rc = store_driver_put(tx, &dr, err)) != LM_OK) return rc;
    epoch_bump();
    rc = dispatch__event(tx, "driver.device_rotated", "driver", dr.id,
                         "{\"driver_id\":\"%s\",\"had_device\":%s}", dr.id, had ? "true" : "false");
    if (rc == LM_OK) memcpy(device_out, id, sizeof id);
    return rc;
}
