/* dispatch/names.c: the names of dispatch's enums as they appear in JSON and events, and the
 * parser of exception kinds. */
#include "dispatch/internal.h"

#include <string.h>

const char *dispatch_plan_status_name(dispatch_plan_status s) {
    switch (s) {
    case DISPATCH_PLAN_SOLVING: return "solving";
    case DISPATCH_PLAN_PROPOSED: return "proposed";
    case DISPATCH_PLAN_COMMITTED: return "committed";
    case DISPATCH_PLAN_DISCARDED: return "discarded";
    case DISPATCH_PLAN_FAILED: return "failed";
    case DISPATCH_PLAN_SUPERSEDED: return "superseded";
    }
    return "unknown";
}

const char *dispatch_stop_kind_name(dispatch_stop_kind k) {
    return k == DISPATCH_STOP_PICKUP ? "pickup" : k == DISPATCH_STOP_BREAK ? "break" : "delivery";
}

const char *dispatch_stop_status_name(dispatch_stop_status s) {
    switch (s) {
    case DISPATCH_STOP_PLANNED: return "planned";
    case DISPATCH_STOP_ARRIVED: return "arrived";
    case DISPATCH_STOP_DONE: return "done";
    case DISPATCH_STOP_FAILED: return "failed";
    case DISPATCH_STOP_CANCELLED: return "cancelled";
    case DISPATCH_STOP_SUPERSEDED: return "superseded";
    }
    return "unknown";
}

const char *dispatch_trigger_name(dispatch_trigger t) {
    switch (t) {
    case DISPATCH_TRIGGER_MANUAL: return "manual";
    case DISPATCH_TRIGGER_LATE: return "late";
    case DISPATCH_TRIGGER_BREAKDOWN: return "breakdown";
    case DISPATCH_TRIGGER_FAILED: return "failed";
    case DISPATCH_TRIGGER_URGENT: return "urgent";
    case DISPATCH_TRIGGER_CANCELLED: return "cancelled";
    case DISPATCH_TRIGGER_SILENT: return "silent";
    case DISPATCH_TRIGGER_FULL: return "vehicle_full";
    }
    return "unknown";
}

bool dispatch_exception_parse(const char *name, dispatch_exception_kind *out) {
    static const struct {
        const char *name;
        dispatch_exception_kind kind;
    } map[] = {{"breakdown", DISPATCH_EXC_BREAKDOWN},
               {"delay", DISPATCH_EXC_DELAY},
               {"accident", DISPATCH_EXC_ACCIDENT},
               {"vehicle_full", DISPATCH_EXC_VEHICLE_FULL}};
    for (size_t i = 0; name && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(name, map[i].name)) {
            *out = map[i].kind;
            return true;
        }
    return false;
}
