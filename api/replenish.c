/* api/replenish.c: applying replenishment advice to the stock rows, shared by
 * POST /v1/replenishment/{depot} (api/forecast.c) and the nightly refit (api/housekeeping.c): the
 * advised reorder point becomes the one the stock.low alert compares availability with. */
#include "api/app.h"

#include <math.h>

lm_status api__replenish_refit(orders_svc *o, const char *depot, analytics_sku_advice *rows,
                               size_t n, lm_errinfo *err) {
    lm_status rc = LM_OK;
    /* SKUs without demand history keep the reorder point set by hand */
    for (size_t i = 0; i < n && rc == LM_OK; i++) {
        if (!rows[i].history) continue;
        int64_t point = (int64_t)ceil(rows[i].advice.reorder_point);
        orders_stock after;
        if ((rc = orders_stock_set(o, depot, rows[i].sku, rows[i].on_hand, point, &after, err)) ==
            LM_OK)
            rows[i].reorder_point_set = after.reorder_point;
    }
    return rc;
}
