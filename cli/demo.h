/* cli/demo.h: the demo day, generated (cli/demo.c) and loaded through the modules' public
 * functions (cli/demo_load.c) by `lastmile serve --demo`. */
#ifndef LASTMILE_CLI_DEMO_H
#define LASTMILE_CLI_DEMO_H

#include "common/common.h"
#include "store/store.h"

/* Demo scenario (cli/demo.c, cli/demo_load.c): a seeded delivery day in Lyon, France.
 *
 * The JSON the HTTP API accepts, in one document: scenario (date, timezone, seed), service_area
 * (GeoJSON Polygon), depots (2), products (40), stock (per depot and SKU, with reorder points;
 * some SKUs short or out), vehicles (25, capacity in kg and litres, shift and lunch break),
 * drivers (25: name, phone, device id), orders (600: external_ref, channel, customer with
 * address and location, lines, one 2-4 h time window, priority, notes). Coordinates are
 * [lon, lat]; times are seconds since local midnight of scenario.date. Field by field:
 * datasets/demo/README.md; seed 1 is committed as datasets/demo/lyon-seed1.json. */

/* Generates the day for seed: the same seed gives byte-identical JSON (own PRNG, no clock, no
 * locale). On success *out_json is a NUL-terminated string to free with lm_free; LM_NOMEM
 * otherwise (*out_json untouched). */
LM_MUST_USE lm_status demo_day_json(uint64_t seed, char **out_json);

/* Loads the demo day of demo_day_json(seed) through orders/ (service area, depots, products,
 * stock, then every order: audited and allocated like any other) when the database has no depot
 * yet; otherwise changes nothing and sets sum->loaded false. Call before serving: it briefly sets
 * the process time zone to the scenario's to turn its local windows into epoch seconds. Vehicles
 * and drivers are dispatch's. */
typedef struct demo_summary {
    bool loaded;
    size_t depots, products, stock_rows, orders;
    size_t allocated, held, backordered, cancelled;
} demo_summary;
/* day_midnight_s: epoch seconds of the local midnight the demo's windows (seconds after
 * midnight) are placed on; negative: the scenario's own date in its own time zone. */
LM_MUST_USE lm_status demo_load(store *s, uint64_t seed, int64_t day_midnight_s, demo_summary *sum,
                                lm_errinfo *err);

#endif
