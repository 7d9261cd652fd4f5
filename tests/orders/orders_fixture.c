/* tests/orders/orders_fixture.c: the shared fixture of the orders service suites
 * (tests/orders/orders_fixture.h). */
#include "orders_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

int orders_fx_setup(void **state, const char *prefix) {
    orders_fx *f = calloc(1, sizeof *f);
    if (!f || tmp_db_create(&f->db, prefix) != 0 || tmp_db_store_open(&f->db, 4, &f->s)) return -1;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = f->s;
    if (orders_create(&oo, &f->o) != LM_OK) return -1;
    *state = f;
    return 0;
}

int orders_fx_teardown(void **state) {
    orders_fx *f = *state;
    orders_destroy(f->o);
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

void orders_fx_depot(orders_fx *f, const char *id, double lon, double lat) {
    orders_depot d = {.lon = lon, .lat = lat, .open_s = 8 * 3600, .close_s = 18 * 3600};
    lm_strlcpy(d.id, id, sizeof d.id);
    lm_strlcpy(d.name, id, sizeof d.name);
    ORDERS_FX_OK(orders_depot_put(f->o, &d, &e_));
}

void orders_fx_product(orders_fx *f, const char *sku, int64_t weight_g, int64_t volume_cm3) {
    orders_product p = {.weight_g = weight_g, .volume_cm3 = volume_cm3, .active = true};
    lm_strlcpy(p.sku, sku, sizeof p.sku);
    lm_strlcpy(p.name, sku, sizeof p.name);
    ORDERS_FX_OK(orders_product_put(f->o, &p, &e_));
}

void orders_fx_stock(orders_fx *f, const char *depot, const char *sku, int64_t units) {
    orders_stock st;
    ORDERS_FX_OK(orders_stock_set(f->o, depot, sku, units, 0, &st, &e_));
}
