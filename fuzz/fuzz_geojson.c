/* libFuzzer target for the GeoJSON service-area reader (geo/geofence.c, geo_area_from_geojson)
 * and the coordinate texts of geo/point.c. The first byte picks: a GeoJSON area (then a few
 * containment tests), "lat,lon" (OsmAnd location=) or "[lon, lat]" (VROOM / GeoJSON position). */
#include "fuzz_common.h"
#include "geo/geo.h"

#include <math.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] % 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    if (mode == 0) {
        geo_area *a = NULL;
        lm_status st = geo_area_from_geojson(text, len, &a, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return 0;
        static const geo_point probes[] = {
            {0, 0}, {45.78, 4.85}, {-90, -180}, {90, 180}, {48.8566, 2.3522}};
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            (void)geo_area_contains(a, probes[i]);
        geo_area_destroy(a);
        return 0;
    }
    char *s = fuzz_cstr((const uint8_t *)text, len);
    if (!s) return 0;
    geo_point p;
    lm_status st = mode == 1 ? geo_point_parse_latlon(s, "location", &p, &err)
                             : geo_point_parse_lonlat(s, "location", &p, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK && !(fabs(p.lat) <= 90 && fabs(p.lon) <= 180)) abort();
    free(s);
    return 0;
}
