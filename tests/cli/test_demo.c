/* Tests for the Lyon demo scenario (cli/demo.c): determinism, counts, geometry, references between
 * sections, and the committed seed-1 file. */
#include "cli/demo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *demo(uint64_t seed) {
    char *json = NULL;
    assert_int_equal(demo_day_json(seed, &json), LM_OK);
    assert_non_null(json);
    return json;
}

static cJSON *demo_parsed(uint64_t seed) {
    char *json = demo(seed);
    cJSON *root = cJSON_Parse(json);
    lm_free(json);
    assert_non_null(root);
    return root;
}

static cJSON *get(const cJSON *o, const char *name) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) print_error("missing field '%s'\n", name);
    assert_non_null(v);
    return v;
}

static double num(const cJSON *o, const char *name) {
    cJSON *v = get(o, name);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static const char *str(const cJSON *o, const char *name) {
    cJSON *v = get(o, name);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* Reads a [lon, lat] pair. */
static void point(const cJSON *p, double *lon, double *lat) {
    assert_true(cJSON_IsArray(p));
    assert_int_equal(cJSON_GetArraySize(p), 2);
    *lon = cJSON_GetArrayItem(p, 0)->valuedouble;
    *lat = cJSON_GetArrayItem(p, 1)->valuedouble;
}

/* Ray casting over the polygon's exterior ring, written here independently of the generator. */
static bool inside(const cJSON *ring, double lon, double lat) {
    int n = cJSON_GetArraySize(ring);
    bool in = false;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi, yi, xj, yj;
        point(cJSON_GetArrayItem(ring, i), &xi, &yi);
        point(cJSON_GetArrayItem(ring, j), &xj, &yj);
        if (((yi > lat) != (yj > lat)) && (lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)) in = !in;
    }
    return in;
}

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    char *a = demo(1), *b = demo(1), *c = demo(2), *d = demo(UINT64_MAX);
    assert_string_equal(a, b);
    assert_true(strcmp(a, c) != 0);
    assert_true(strcmp(c, d) != 0);
    lm_free(a);
    lm_free(b);
    lm_free(c);
    lm_free(d);
}

static void test_counts_and_fields(void **state) {
    (void)state;
    cJSON *root = demo_parsed(1);
    const cJSON *sc = get(root, "scenario");
    assert_string_equal(str(sc, "date"), "2026-03-17");
    assert_string_equal(str(sc, "seed"), "1");
    assert_string_equal(str(sc, "timezone"), "Europe/Paris");
    assert_int_equal(cJSON_GetArraySize(get(root, "depots")), 2);
    assert_int_equal(cJSON_GetArraySize(get(root, "vehicles")), 25);
    assert_int_equal(cJSON_GetArraySize(get(root, "drivers")), 25);
    assert_int_equal(cJSON_GetArraySize(get(root, "orders")), 600);
    int n_products = cJSON_GetArraySize(get(root, "products"));
    assert_true(n_products >= 35 && n_products <= 45);
    assert_int_equal(cJSON_GetArraySize(get(root, "stock")), 2 * n_products);

    /* Vehicles: shift inside the day, break window inside the shift, depots exist, drivers link
     * back, device ids unique. */
    const cJSON *v, *d, *dep;
    cJSON_ArrayForEach(v, get(root, "vehicles")) {
        double s, e;
        point(get(v, "time_window"), &s, &e);
        assert_true(0 <= s && s < e && e <= 24 * 3600);
        assert_true(num(v, "capacity_kg") > 0 && num(v, "capacity_l") > 0);
        assert_string_equal(str(v, "date"), "2026-03-17");
        bool found = false;
        cJSON_ArrayForEach(dep, get(root, "depots")) found |=
            strcmp(str(dep, "id"), str(v, "start_depot_id")) == 0;
        assert_true(found);
        const cJSON *b = cJSON_GetArrayItem(get(v, "breaks"), 0);
        assert_non_null(b);
        double bs, be;
        point(cJSON_GetArrayItem(get(b, "time_windows"), 0), &bs, &be);
        assert_true(s <= bs && bs < be && be <= e);
        assert_true(num(b, "service") > 0);
    }
    cJSON_ArrayForEach(d, get(root, "drivers")) {
        assert_true(strlen(str(d, "name")) > 3);
        assert_true(strncmp(str(d, "phone"), "+33 ", 4) == 0);
        const cJSON *d2;
        int same_device = 0;
        cJSON_ArrayForEach(d2, get(root, "drivers")) same_device +=
            strcmp(str(d, "device_id"), str(d2, "device_id")) == 0;
        assert_int_equal(same_device, 1);
    }
    cJSON_Delete(root);
}

static void test_orders_geometry_windows_skus(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        cJSON *root = demo_parsed(seed);
        const cJSON *area = get(root, "service_area");
        assert_string_equal(str(area, "type"), "Polygon");
        const cJSON *ring = cJSON_GetArrayItem(get(area, "coordinates"), 0);
        int n = cJSON_GetArraySize(ring);
        assert_true(n >= 4);
        /* Closed ring, counter-clockwise (RFC 7946), around Lyon (45.76 N, 4.84 E). */
        double x0, y0, xn, yn, area2 = 0;
        point(cJSON_GetArrayItem(ring, 0), &x0, &y0);
        point(cJSON_GetArrayItem(ring, n - 1), &xn, &yn);
        assert_true(x0 == xn && y0 == yn);
        for (int i = 0; i + 1 < n; i++) {
            double xa, ya, xb, yb;
            point(cJSON_GetArrayItem(ring, i), &xa, &ya);
            point(cJSON_GetArrayItem(ring, i + 1), &xb, &yb);
            area2 += xa * yb - xb * ya;
        }
        assert_true(area2 > 0);
        assert_true(inside(ring, 4.8357, 45.7640));  /* Lyon, place Bellecour area */
        assert_true(inside(ring, 4.8800, 45.7700));  /* Villeurbanne */
        assert_false(inside(ring, 4.8720, 45.9000)); /* well north of the city */
        assert_false(inside(ring, 5.0900, 45.7250)); /* Saint-Exupéry airport */

        const cJSON *o, *dep;
        cJSON_ArrayForEach(dep, get(root, "depots")) {
            double lon, lat;
            point(get(dep, "location"), &lon, &lat);
            assert_true(inside(ring, lon, lat));
        }
        const cJSON *products = get(root, "products");
        int n_products = cJSON_GetArraySize(products);
        double *ordered = lm_calloc((size_t)n_products, sizeof *ordered);
        assert_non_null(ordered);
        static const char *const channels[] = {"web", "marketplace", "store", "phone"};
        int per_channel[4] = {0};
        cJSON_ArrayForEach(o, get(root, "orders")) {
            const cJSON *c = get(o, "customer");
            double lon, lat;
            point(get(c, "location"), &lon, &lat);
            if (!inside(ring, lon, lat))
                print_error("order %s at [%f, %f] outside\n", str(o, "external_ref"), lon, lat);
            assert_true(inside(ring, lon, lat));
            assert_true(strchr(str(c, "email"), '@') != NULL);
            assert_true(strlen(str(c, "address")) > 10);
            assert_true(strlen(str(c, "name")) > 3);
            int ch = -1;
            for (int k = 0; k < 4; k++)
                if (strcmp(str(o, "channel"), channels[k]) == 0) ch = k;
            assert_true(ch >= 0);
            per_channel[ch]++;
            const cJSON *tws = get(o, "time_windows");
            assert_int_equal(cJSON_GetArraySize(tws), 1);
            double s, e;
            point(cJSON_GetArrayItem(tws, 0), &s, &e);
            assert_true(s < e);
            assert_true(e - s >= 2 * 3600 && e - s <= 4 * 3600);
            assert_true(s >= 8 * 3600 && e <= 18 * 3600);
            double pr = num(o, "priority");
            assert_true(pr >= 0 && pr <= 100);
            assert_true(cJSON_IsString(get(o, "notes")));
            const cJSON *line;
            int n_lines = 0;
            cJSON_ArrayForEach(line, get(o, "lines")) {
                int found = -1, k = 0;
                const cJSON *p;
                cJSON_ArrayForEach(p, products) {
                    if (strcmp(str(p, "sku"), str(line, "sku")) == 0) found = k;
                    k++;
                }
                if (found < 0) print_error("unknown SKU %s\n", str(line, "sku"));
                assert_true(found >= 0);
                assert_true(num(line, "quantity") >= 1);
                ordered[found] += num(line, "quantity");
                n_lines++;
            }
            assert_true(n_lines >= 1 && n_lines <= 4);
            /* external_ref is unique */
            const cJSON *o2;
            int same = 0;
            cJSON_ArrayForEach(o2, get(root, "orders")) same +=
                strcmp(str(o, "external_ref"), str(o2, "external_ref")) == 0;
            assert_int_equal(same, 1);
        }
        for (int k = 0; k < 4; k++)
            assert_true(per_channel[k] > 0);

        /* Stock: every entry names a depot and a product; a few SKUs cannot cover the day's
         * demand (out-of-stock paths), at least one is out at both depots. */
        double *on_hand = lm_calloc((size_t)n_products, sizeof *on_hand);
        assert_non_null(on_hand);
        const cJSON *s;
        cJSON_ArrayForEach(s, get(root, "stock")) {
            int found = -1, k = 0;
            const cJSON *p;
            cJSON_ArrayForEach(p, products) {
                if (strcmp(str(p, "sku"), str(s, "sku")) == 0) found = k;
                k++;
            }
            assert_true(found >= 0);
            bool depot_ok = false;
            cJSON_ArrayForEach(dep, get(root, "depots")) depot_ok |=
                strcmp(str(dep, "id"), str(s, "depot_id")) == 0;
            assert_true(depot_ok);
            assert_true(num(s, "on_hand") >= 0 && num(s, "reorder_point") >= 0);
            on_hand[found] += num(s, "on_hand");
        }
        int short_skus = 0, out_skus = 0;
        for (int k = 0; k < n_products; k++) {
            if (ordered[k] > on_hand[k]) short_skus++;
            if (ordered[k] > 0 && on_hand[k] == 0) out_skus++;
        }
        assert_true(short_skus >= 3 && short_skus <= 8);
        assert_true(out_skus >= 1);
        lm_free(ordered);
        lm_free(on_hand);
        cJSON_Delete(root);
    }
}

/* The committed datasets/demo/lyon-seed1.json is exactly what seed 1 generates. */
static void test_committed_seed1(void **state) {
    (void)state;
    const char *root = getenv("LASTMILE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/datasets/demo/lyon-seed1.json", root ? root : ".");
    FILE *f = fopen(path, "rb");
    if (!f) print_error("cannot open %s\n", path);
    assert_non_null(f);
    char *json = demo(1);
    size_t len = strlen(json);
    char *file = lm_alloc(len + 2);
    assert_non_null(file);
    size_t got = fread(file, 1, len + 1, f);
    fclose(f);
    /* The file is the string plus a final newline. */
    assert_int_equal(got, len + 1);
    assert_int_equal(file[len], '\n');
    assert_memory_equal(file, json, len);
    lm_free(file);
    lm_free(json);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_counts_and_fields),
        cmocka_unit_test(test_orders_geometry_windows_skus),
        cmocka_unit_test(test_committed_seed1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
