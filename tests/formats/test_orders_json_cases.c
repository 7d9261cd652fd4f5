/* tests/formats/test_orders_json_cases.c: runs every case of tests/data/orders_json/ (case_file.h)
 * through the orders JSON codec (api/formats/orders_json.h). Headers: kind (order, depot,
 * product, stock), status / field / reason; checks: a few fields of the decoded record
 * (external_ref, notes, customer_name, lines "SKU:qty;...", windows "start,end;...", location
 * "lon,lat" or "none", priority, id, open, close, weight_g, volume_cm3, active, on_hand,
 * reorder_point). */
#include "api/formats/json.h"
#include "api/formats/orders_json.h"
#include "json_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct decoded {
    orders_order ord;
    orders_depot depot;
    orders_product product;
    fmt_stock_row stock;
} decoded;

static bool field_text(const decoded *d, const char *f, char *buf, size_t size) {
    const orders_order *o = &d->ord;
    size_t used = 0;
    buf[0] = '\0';
    if (!strcmp(f, "external_ref"))
        snprintf(buf, size, "%s", o->external_ref);
    else if (!strcmp(f, "notes"))
        snprintf(buf, size, "%s", o->notes);
    else if (!strcmp(f, "customer_name"))
        snprintf(buf, size, "%s", o->customer_name);
    else if (!strcmp(f, "priority"))
        snprintf(buf, size, "%d", (int)o->priority);
    else if (!strcmp(f, "location"))
        snprintf(buf, size, o->has_location ? "%.6f,%.6f" : "none", o->lon, o->lat);
    else if (!strcmp(f, "lines"))
        for (size_t i = 0; i < o->n_lines && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s%s:%lld", i ? ";" : "",
                                     o->lines[i].sku, (long long)o->lines[i].qty);
    else if (!strcmp(f, "windows"))
        for (size_t i = 0; i < o->n_windows && used < size; i++)
            used +=
                (size_t)snprintf(buf + used, size - used, "%s%lld,%lld", i ? ";" : "",
                                 (long long)o->windows[i].start_s, (long long)o->windows[i].end_s);
    else if (!strcmp(f, "id"))
        snprintf(buf, size, "%s", d->depot.id[0] ? d->depot.id : d->product.sku);
    else if (!strcmp(f, "open"))
        snprintf(buf, size, "%d", (int)d->depot.open_s);
    else if (!strcmp(f, "close"))
        snprintf(buf, size, "%d", (int)d->depot.close_s);
    else if (!strcmp(f, "weight_g"))
        snprintf(buf, size, "%lld", (long long)d->product.weight_g);
    else if (!strcmp(f, "volume_cm3"))
        snprintf(buf, size, "%lld", (long long)d->product.volume_cm3);
    else if (!strcmp(f, "active"))
        snprintf(buf, size, "%s", d->product.active ? "true" : "false");
    else if (!strcmp(f, "on_hand"))
        snprintf(buf, size, "%lld", (long long)d->stock.on_hand);
    else if (!strcmp(f, "reorder_point"))
        snprintf(buf, size, "%lld", (long long)d->stock.reorder_point);
    else
        return false;
    return true;
}

static bool field_text_of(const void *d, const char *f, char *buf, size_t size) {
    return field_text(d, f, buf, size);
}

static lm_status decode(const char *kind, const cJSON *j, lm_arena *arena, void *out,
                        lm_errinfo *err, bool *known) {
    decoded *d = out;
    *known = true;
    if (!strcmp(kind, "order")) return fmt_order_from_json(j, arena, &d->ord, err);
    if (!strcmp(kind, "depot")) return fmt_depot_from_json(j, &d->depot, err);
    if (!strcmp(kind, "product")) return fmt_product_from_json(j, &d->product, err);
    if (!strcmp(kind, "stock")) return fmt_stock_row_from_json(j, &d->stock, err);
    *known = false;
    return LM_OK;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    static const tc_json_codec codec = {
        .size = sizeof(decoded), .decode = decode, .text = field_text_of, .parse_empty = true};
    return tc_json_run(c, &codec, why, size);
}

int main(void) {
    return tc_main("orders_json", run_case);
}
