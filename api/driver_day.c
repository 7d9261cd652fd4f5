/* api/driver_day.c: what the driver app shows beyond the stop list of GET /v1/driver/route: the
 * lines to hand over at each delivery (SKU, product name, quantity) and the vehicle's breaks.
 * Kept apart from api/driver.c so the route's own fields and these extras change independently. */
#include "api/app.h"
#include "api/handlers.h"
#include "dispatch/dispatch.h"
#include "store/store_orders.h"

#include <string.h>

/* The order's lines as [{sku, name, qty}] (name "" for a product since removed). */
static cJSON *lines_json(store_read *rd, int64_t order_id) {
    cJSON *arr = cJSON_CreateArray();
    store_order o;
    memset(&o, 0, sizeof o);
    lm_errinfo e;
    if (store_order_get(rd, order_id, &o, &e) != LM_OK) return arr;
    for (size_t i = 0; i < o.n_lines; i++) {
        store_product p;
        memset(&p, 0, sizeof p);
        if (store_product_get(rd, o.lines[i].sku, &p, &e) != LM_OK) p.name[0] = '\0';
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "sku", o.lines[i].sku);
        cJSON_AddStringToObject(l, "name", p.name);
        cJSON_AddNumberToObject(l, "qty", (double)o.lines[i].qty);
        cJSON_AddItemToArray(arr, l);
    }
    store_order_clear(&o);
    return arr;
}

void api__driver_day_extras(store_read *rd, const dispatch_driver_route *rt, cJSON *route) {
    cJSON *stops = cJSON_GetObjectItemCaseSensitive(route, "stops");
    for (size_t i = 0; stops && i < rt->n_stops; i++) {
        cJSON *sj = cJSON_GetArrayItem(stops, (int)i);
        const dispatch_stop *st = &rt->stops[i].stop;
        /* a return pickup (returns/) may bring its own lines: those are kept */
        if (sj && st->order_id > 0 && !cJSON_HasObjectItem(sj, "lines"))
            cJSON_AddItemToObject(sj, "lines", lines_json(rd, st->order_id));
        /* what the driver recorded at a done stop: the phone shows it back after a reload */
        if (sj && st->note[0]) cJSON_AddStringToObject(sj, "note", st->note);
        if (sj && st->proof[0]) cJSON_AddStringToObject(sj, "proof", st->proof);
    }
    /* breaks: the vehicle's windows (seconds after local midnight) and length; the solver places
     * them inside the route, so the app shows each one between the stops around its window */
    cJSON *br = cJSON_AddArrayToObject(route, "breaks");
    dispatch_vehicle v;
    lm_errinfo e;
    if (!rt->has_route || dispatch_vehicle_get(rd, rt->vehicle_id, &v, &e) != LM_OK) return;
    for (size_t i = 0; i < v.n_breaks; i++) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddNumberToObject(b, "start_s", (double)v.breaks[i].start_s);
        cJSON_AddNumberToObject(b, "end_s", (double)v.breaks[i].end_s);
        cJSON_AddNumberToObject(b, "service_s", (double)v.breaks[i].service_s);
        cJSON_AddItemToArray(br, b);
    }
}
