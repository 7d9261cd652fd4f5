/* Allocation ranks depots by travel time (orders/allocate.c: depot_travel), computed from the
 * sphere's distance wherever that decides and from the geodesic where two depots' times lie within
 * the sphere's error of each other: the depot chosen must be the one the geodesic times alone
 * choose (nearest whole second first, ties to the first depot by id), including customers on
 * the midline between two depots, where the two times tie or differ by a second. On a real
 * SQLite file. */
#include "geo/geo.h"
#include "orders/orders.h"
#include "orders_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static int setup(void **state) {
    if (orders_fx_setup(state, "lm_depot_rank_") != 0) return -1;
    orders_fx *f = *state;
    orders_fx_depot(f, "a", 13.40, 52.60);
    orders_fx_depot(f, "b", 13.40, 52.40);
    orders_fx_depot(f, "c", 13.70, 52.50);
    orders_fx_product(f, "tea", 250, 400);
    orders_fx_stock(f, "a", "tea", 1000);
    orders_fx_stock(f, "b", "tea", 1000);
    orders_fx_stock(f, "c", "tea", 1000);
    return 0;
}

/* The depot the geodesic travel times choose for a customer at (lon, lat). */
static const char *geodesic_choice(double lon, double lat) {
    static const char *const ids[] = {"a", "b", "c"};
    static const double at[][2] = {{13.40, 52.60}, {13.40, 52.40}, {13.70, 52.50}};
    geo_matrix_opts g;
    geo_matrix_opts_init(&g);
    int best = 0;
    int64_t best_t = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        double d = geo_distance_m((geo_point){.lat = at[i][1], .lon = at[i][0]},
                                  (geo_point){.lat = lat, .lon = lon});
        int64_t t = (int64_t)(d * g.detour_factor / g.speed_mps);
        if (t < best_t) {
            best_t = t;
            best = i;
        }
    }
    return ids[best];
}

static void test_choice_is_the_geodesic_one(void **state) {
    orders_fx *f = *state;
    int n = 0;
    /* the midline of a and b (lat 52.5) crossed in steps of ~11 m, at three longitudes, one of
     * them near c's own midlines with a and b */
    const double lons[] = {13.40, 13.55, 13.25};
    for (int k = 0; k < 3; k++) {
        for (int s = -12; s <= 12; s++) {
            double lat = 52.50 + s * 0.0001, lon = lons[k];
            orders_line l = {.qty = 1};
            lm_strlcpy(l.sku, "tea", sizeof l.sku);
            orders_order in = {
                .has_location = true, .lon = lon, .lat = lat, .lines = &l, .n_lines = 1};
            snprintf(in.customer_name, sizeof in.customer_name, "Customer %d", ++n);
            snprintf(in.customer_phone, sizeof in.customer_phone, "+4930%08d", n);
            lm_strlcpy(in.customer_address, "Unter den Linden 1", sizeof in.customer_address);
            orders_order out;
            bool replayed = false;
            ORDERS_FX_OK(orders_order_create(f->o, &in, NULL, &out, &replayed, &e_));
            const char *want = geodesic_choice(lon, lat);
            assert_string_equal(out.depot_id, want);
            orders_order_clear(&out);
        }
    }
    printf("# %d customers across the midlines, each on the geodesic's depot\n", n);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_choice_is_the_geodesic_one, setup, orders_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
