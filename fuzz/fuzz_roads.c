/* libFuzzer target for what real roads added to geo/: the --router spec parser (geo_router_create:
 * nothing is asked over the network at creation) and the decoding of the engines' route replies
 * (geo_route_reply_decode, OSRM and Valhalla: external bytes). The first byte picks. */
#include "fuzz_common.h"
#include "geo/geo.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] % 3;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    if (mode == 0) {
        char *spec = fuzz_cstr(data + 1, size - 1);
        if (!spec) return 0;
        geo_router_opts o;
        geo_router_opts_init(&o);
        o.spec = spec;
        geo_router *r = NULL;
        lm_status st = geo_router_create(&o, &r, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) {
            /* every profile has a provider; the description is clean text */
            if (!geo_router_provider(r, "car") || !geo_router_provider(r, "bike")) abort();
            fuzz_check_text(geo_router_describe(r));
            geo_router_destroy(r);
        }
        free(spec);
        return 0;
    }
    char *poly = NULL;
    int64_t du = 0, di = 0;
    lm_status st =
        geo_route_reply_decode(mode == 1, (const char *)data + 1, size - 1, &poly, &du, &di, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        /* what was decoded re-decodes to valid points */
        geo_point *pts = NULL;
        size_t n = 0;
        if (geo_polyline_decode(poly, strlen(poly), 5, &pts, &n, NULL) != LM_OK || n == 0) abort();
        lm_free(pts);
    }
    lm_free(poly);
    return 0;
}
