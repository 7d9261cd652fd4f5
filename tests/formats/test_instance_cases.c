/* tests/formats/test_instance_cases.c: runs every benchmark instance case of tests/data/instance/
 * (case_file.h) through fmt_instance_parse. Header format: auto (default), solomon or cvrplib.
 * Checks on success: name, format, n_nodes, n_customers, n_vehicles, fleet_limit, capacity,
 * depot, and edge(a,b) (fmt_instance_edge_cost, a number). A refused case also proves that *out
 * stays untouched. */
#include "api/formats/instance.h"
#include "case_file.h"

#include <stdio.h>
#include <string.h>

static bool check_one(const fmt_instance *in, const char *lhs, const char *rhs, char *why,
                      size_t size) {
    char got[128];
    unsigned a, b;
    if (!strcmp(lhs, "name"))
        snprintf(got, sizeof got, "%s", in->name);
    else if (!strcmp(lhs, "format"))
        snprintf(got, sizeof got, "%s", in->format == FMT_INSTANCE_SOLOMON ? "solomon" : "cvrplib");
    else if (!strcmp(lhs, "n_nodes"))
        snprintf(got, sizeof got, "%zu", in->n_nodes);
    else if (!strcmp(lhs, "n_customers"))
        snprintf(got, sizeof got, "%zu", in->n_customers);
    else if (!strcmp(lhs, "n_vehicles"))
        snprintf(got, sizeof got, "%zu", in->n_vehicles);
    else if (!strcmp(lhs, "fleet_limit"))
        snprintf(got, sizeof got, "%zu", in->fleet_limit);
    else if (!strcmp(lhs, "capacity"))
        snprintf(got, sizeof got, "%lld", (long long)in->capacity);
    else if (!strcmp(lhs, "depot"))
        snprintf(got, sizeof got, "%u", (unsigned)in->depot);
    else if (sscanf(lhs, "edge(%u,%u)", &a, &b) == 2 && a < in->n_nodes && b < in->n_nodes) {
        double d = fmt_instance_edge_cost(in, a, b);
        if (tc_same_double(d, rhs)) return true;
        snprintf(why, size, "%s is %.17g, want %s", lhs, d, rhs);
        return false;
    } else {
        snprintf(why, size, "unknown check '%s'", lhs);
        return false;
    }
    if (!strcmp(got, rhs)) return true;
    snprintf(why, size, "%s is '%s', want '%s'", lhs, got, rhs);
    return false;
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    const char *f = tc_get(c, "format");
    fmt_instance_format fmt = FMT_INSTANCE_AUTO;
    if (f && !strcmp(f, "solomon"))
        fmt = FMT_INSTANCE_SOLOMON;
    else if (f && !strcmp(f, "cvrplib"))
        fmt = FMT_INSTANCE_CVRPLIB;
    else if (f && strcmp(f, "auto")) {
        snprintf(why, size, "format must be auto, solomon or cvrplib");
        return false;
    }
    /* A refused input leaves *out as it was: start from a sentinel. */
    fmt_instance *sentinel = (fmt_instance *)&fmt, *out = sentinel;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_instance_parse(c->input, c->input_len, fmt, &out, &err);
    if (st != LM_OK && out != sentinel) {
        snprintf(why, size, "*out changed on failure");
        return false;
    }
    bool ok = tc_check_error(c, st, &err, why, size);
    for (size_t i = 0; ok && st == LM_OK && i < c->n_hdr; i++) {
        const char *lhs, *rhs;
        char buf[256];
        if (strcmp(c->hdr[i].key, "check")) continue;
        if (!tc_split_check(c->hdr[i].value, buf, sizeof buf, &lhs, &rhs)) {
            snprintf(why, size, "check '%s' has no ' = '", c->hdr[i].value);
            ok = false;
        } else {
            ok = check_one(out, lhs, rhs, why, size);
        }
    }
    if (st == LM_OK) fmt_instance_destroy(out);
    return ok;
}

int main(void) {
    return tc_main("instance", run_case);
}
