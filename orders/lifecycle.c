/* orders: the lifecycle transition table, status and out-of-stock policy names, and the pure
 * allocation choice. */
#include "orders/orders.h"

#include <string.h>

static const char *const status_names[] = {
#define ORDERS_X_NAME(name, text) text,
    ORDERS_STATUS_MAP(ORDERS_X_NAME)
#undef ORDERS_X_NAME
};

const char *orders_status_name(orders_status s) {
    return (int)s >= 0 && s < ORDERS__STATUS_COUNT ? status_names[s] : "unknown";
}

bool orders_status_parse(const char *name, orders_status *out) {
    if (!name) return false;
    for (int i = 0; i < ORDERS__STATUS_COUNT; i++) {
        if (!strcmp(status_names[i], name)) {
            *out = (orders_status)i;
            return true;
        }
    }
    return false;
}

/* The one transition table: allowed[from] is a bit set of the states reachable from `from`.
 * Cancelling is allowed from every state before out_for_delivery; planned may fall back to ready
 * when dispatch drops a plan; a held order is released straight into allocation; a failed order
 * is ready again for its next attempt only through recovery's check-in or the customer's choice
 * (orders/recovery.c), which hold its units again first. */
#define B(s) (1u << ORDERS_##s)
static const unsigned allowed[ORDERS__STATUS_COUNT] = {
    [ORDERS_RECEIVED] = B(HELD) | B(ALLOCATED) | B(BACKORDERED) | B(CANCELLED),
    [ORDERS_HELD] = B(ALLOCATED) | B(BACKORDERED) | B(CANCELLED),
    [ORDERS_ALLOCATED] = B(PICKING) | B(CANCELLED),
    [ORDERS_BACKORDERED] = B(ALLOCATED) | B(CANCELLED),
    [ORDERS_PICKING] = B(READY) | B(CANCELLED),
    [ORDERS_READY] = B(PLANNED) | B(CANCELLED),
    [ORDERS_PLANNED] = B(OUT_FOR_DELIVERY) | B(READY) | B(CANCELLED),
    [ORDERS_OUT_FOR_DELIVERY] = B(DELIVERED) | B(FAILED),
    [ORDERS_DELIVERED] = 0,
    [ORDERS_FAILED] = B(READY),
    [ORDERS_CANCELLED] = 0,
};
#undef B

bool orders_transition_allowed(orders_status from, orders_status to) {
    if ((int)from < 0 || from >= ORDERS__STATUS_COUNT) return false;
    if ((int)to < 0 || to >= ORDERS__STATUS_COUNT) return false;
    return (allowed[from] >> to) & 1u;
}

bool orders_status_holds_stock(orders_status s) {
    return s == ORDERS_ALLOCATED || s == ORDERS_PICKING || s == ORDERS_READY || s == ORDERS_PLANNED;
}

const char *orders_customer_status(const char *status, const char *stock_outcome) {
    orders_status s;
    bool sub = stock_outcome && !strcmp(stock_outcome, "substituted");
    if (!orders_status_parse(status, &s)) return "Unknown";
    switch (s) {
    case ORDERS_RECEIVED: return "Order received";
    case ORDERS_HELD: return "On hold: the order is being checked";
    case ORDERS_ALLOCATED:
        return sub ? "Confirmed with a substitute product" : "Confirmed: in stock";
    case ORDERS_BACKORDERED: return "Waiting for stock (backordered)";
    case ORDERS_PICKING: return sub ? "Being picked (with a substitute product)" : "Being picked";
    case ORDERS_READY: return "Packed, waiting for dispatch";
    case ORDERS_PLANNED: return "Scheduled for delivery";
    case ORDERS_OUT_FOR_DELIVERY: return "Out for delivery";
    case ORDERS_DELIVERED: return "Delivered";
    case ORDERS_FAILED: return "Delivery failed";
    case ORDERS_CANCELLED:
        return stock_outcome && !strcmp(stock_outcome, "out_of_stock") ? "Cancelled: out of stock"
                                                                       : "Cancelled";
    case ORDERS__STATUS_COUNT: break;
    }
    return "Unknown";
}

/* ---- Out-of-stock policy ---- */

static const char *const oos_names[] = {"", "cancel", "backorder", "substitute"};

const char *orders_oos_name(orders_oos p) {
    return (int)p >= 0 && (size_t)p < sizeof oos_names / sizeof oos_names[0] ? oos_names[p] : "";
}

bool orders_oos_parse(const char *name, orders_oos *out) {
    if (!name) return false;
    for (size_t i = 0; i < sizeof oos_names / sizeof oos_names[0]; i++) {
        if (!strcmp(oos_names[i], name)) {
            *out = (orders_oos)i;
            return true;
        }
    }
    return false;
}

orders_oos orders_oos_resolve(orders_oos order, orders_oos channel, orders_oos fallback) {
    if (order != ORDERS_OOS_UNSET) return order;
    if (channel != ORDERS_OOS_UNSET) return channel;
    if (fallback != ORDERS_OOS_UNSET) return fallback;
    return ORDERS_OOS_BACKORDER;
}

/* ---- Allocation choice ---- */

long orders_allocation_choose(const orders_depot_option *opts, size_t n) {
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!opts[i].can_fulfil) continue;
        if (best < 0 || opts[i].travel_s < opts[best].travel_s) best = (long)i;
    }
    return best;
}
