/* tests/formats/test_returns_json_cases.c: runs every case of tests/data/returns_json/
 * (case_file.h) through the returns JSON codec (api/formats/returns_json.h), without a server.
 * Headers: kind (request_staff, request_customer, refuse, inspect, refund, case, resolve, policy),
 * status / field / reason; checks: a few fields of the decoded record (order_id, reason, method,
 * note, lines, sku0, qty0, window, line, condition, amount, kind, resolution, right, window_days,
 * windows, reasons, auto_reasons, max_value, refund_rule, offer_pickup). */
#include "api/formats/json.h"
#include "api/formats/returns_json.h"
#include "json_case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct decoded {
    returns_request q;
    char text[STORE_RMA_NOTE_MAX + 1];
    fmt_ret_inspection insp;
    int64_t amount;
    returns_case_in c;
    returns_policy p;
} decoded;

static bool field_text(const decoded *d, const char *f, char *buf, size_t size) {
    if (!strcmp(f, "order_id"))
        snprintf(buf, size, "%lld", (long long)(d->q.order_id ? d->q.order_id : d->c.order_id));
    else if (!strcmp(f, "reason"))
        snprintf(buf, size, "%s", d->q.reason[0] ? d->q.reason : d->text);
    else if (!strcmp(f, "method"))
        snprintf(buf, size, "%s", d->q.method);
    else if (!strcmp(f, "note"))
        snprintf(buf, size, "%s",
                 d->q.note[0]      ? d->q.note
                 : d->insp.note[0] ? d->insp.note
                                   : d->c.note);
    else if (!strcmp(f, "lines"))
        snprintf(buf, size, "%zu", d->q.n_lines ? d->q.n_lines : d->c.n_lines);
    else if (!strcmp(f, "sku0"))
        snprintf(buf, size, "%s", d->q.n_lines ? d->q.lines[0].sku : d->c.lines[0].sku);
    else if (!strcmp(f, "qty0"))
        snprintf(buf, size, "%lld",
                 (long long)(d->q.n_lines ? d->q.lines[0].qty : d->c.lines[0].qty));
    else if (!strcmp(f, "window"))
        snprintf(buf, size, "%lld-%lld", (long long)d->q.pickup_window.start_s,
                 (long long)d->q.pickup_window.end_s);
    else if (!strcmp(f, "line"))
        snprintf(buf, size, "%zu", d->insp.line);
    else if (!strcmp(f, "condition"))
        snprintf(buf, size, "%s", d->insp.condition);
    else if (!strcmp(f, "amount"))
        snprintf(buf, size, "%lld", (long long)d->amount);
    else if (!strcmp(f, "kind"))
        snprintf(buf, size, "%s", d->c.kind);
    else if (!strcmp(f, "resolution"))
        snprintf(buf, size, "%s", d->c.resolution[0] ? d->c.resolution : d->text);
    else if (!strcmp(f, "right"))
        snprintf(buf, size, "%zu", d->c.n_right);
    else if (!strcmp(f, "window_days"))
        snprintf(buf, size, "%lld", (long long)d->p.rules.default_window_days);
    else if (!strcmp(f, "windows"))
        snprintf(buf, size, "%zu", d->p.n_windows);
    else if (!strcmp(f, "reasons"))
        snprintf(buf, size, "%u", (unsigned)d->p.rules.reasons_mask);
    else if (!strcmp(f, "auto_reasons"))
        snprintf(buf, size, "%u", (unsigned)d->p.rules.auto_approve_mask);
    else if (!strcmp(f, "max_value"))
        snprintf(buf, size, "%lld", (long long)d->p.rules.auto_approve_max_value);
    else if (!strcmp(f, "refund_rule"))
        snprintf(buf, size, "%s", d->p.rules.refund_rule);
    else if (!strcmp(f, "offer_pickup"))
        snprintf(buf, size, "%s", d->p.rules.offer_pickup ? "true" : "false");
    else
        return false;
    return true;
}

static lm_status decode(const char *kind, const cJSON *j, lm_arena *arena, void *out,
                        lm_errinfo *err, bool *known) {
    (void)arena;
    decoded *d = out;
    *known = true;
    if (!strcmp(kind, "request_staff") || !strcmp(kind, "request_customer"))
        return fmt_ret_request_from_json(j, !strcmp(kind, "request_staff"), &d->q, err);
    if (!strcmp(kind, "refuse")) return fmt_ret_refuse_from_json(j, d->text, err);
    if (!strcmp(kind, "inspect")) return fmt_ret_inspect_from_json(j, &d->insp, err);
    if (!strcmp(kind, "refund")) return fmt_ret_refund_from_json(j, &d->amount, err);
    if (!strcmp(kind, "case")) return fmt_ret_case_from_json(j, &d->c, err);
    if (!strcmp(kind, "resolve")) return fmt_ret_resolve_from_json(j, d->text, err);
    if (!strcmp(kind, "policy")) {
        returns_policy base;
        returns_policy_defaults(&base);
        lm_status rc = fmt_ret_policy_from_json(j, &base, &d->p, err);
        /* what the server does next: the whole policy checked */
        if (rc == LM_OK) rc = returns_policy_check(&d->p, err);
        return rc;
    }
    *known = false;
    return LM_OK;
}

static bool field_text_of(const void *d, const char *f, char *buf, size_t size) {
    return field_text(d, f, buf, size);
}

static bool run_case(const tc_case *c, char *why, size_t size) {
    static const tc_json_codec codec = {
        .size = sizeof(decoded), .decode = decode, .text = field_text_of};
    return tc_json_run(c, &codec, why, size);
}

int main(void) {
    return tc_main("returns_json", run_case);
}
