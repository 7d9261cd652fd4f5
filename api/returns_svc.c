/* api/returns_svc.c: the returns service a request opens for itself (api_returns): the RMA and
 * case routes, return pickups on a driver's stop, and a failed delivery's after-sales case all use
 * it, so it lives apart from any of them. */
#include "api/handlers.h"
#include "returns/returns.h"

lm_status api__returns_open(http_req *r, api_returns *rt) {
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = api_store(r);
    rt->orders = NULL;
    rt->svc = NULL;
    lm_status rc = orders_create(&oo, &rt->orders);
    if (rc == LM_OK) {
        returns_opts ro;
        returns_opts_init(&ro);
        ro.st = api_store(r);
        ro.orders = rt->orders;
        rc = returns_create(&ro, &rt->svc);
    }
    if (rc != LM_OK) {
        api__returns_close(rt);
        return http_error(r, rc, "", "the returns service could not start");
    }
    return LM_OK;
}

void api__returns_close(api_returns *rt) {
    returns_destroy(rt->svc);
    orders_destroy(rt->orders);
    rt->svc = NULL;
    rt->orders = NULL;
}
