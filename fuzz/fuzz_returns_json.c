/* libFuzzer target for the returns JSON bodies (api/formats/returns_json.c). The first byte picks
 * the reader: request (staff, customer), refusal, inspection, refund, case, resolution, policy;
 * the rest is the JSON body, parsed with fmt_json_parse as the server does. An accepted body holds
 * valid UTF-8 text within its bounds, quantities and indexes in range, vocabularies respected, and
 * the writers turn what was read back into JSON without a fault. */
#include "api/formats/json.h"
#include "api/formats/returns_json.h"
#include "fuzz_json_body.h"

#include <stdint.h>
#include <string.h>

static void check_lines(const store_line *l, size_t n) {
    if (n > STORE_RMA_LINES_MAX) abort();
    for (size_t i = 0; i < n; i++) {
        fuzz_check_text(l[i].sku);
        if (!l[i].sku[0] || l[i].qty < 1 || l[i].qty > 1000000) abort();
    }
}

static void check_note(const char *s) {
    if (!lm_utf8_valid(s, strlen(s), LM_UTF8_LINES) || strlen(s) > STORE_RMA_NOTE_MAX) abort();
}

static void read_one(int kind, const cJSON *j) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = LM_OK;
    static returns_request q;
    static returns_case_in c;
    static returns_policy base, p;
    if (kind <= 1) {
        st = fmt_ret_request_from_json(j, kind == 0, &q, &err);
        if (st == LM_OK) {
            returns_reason r;
            if (!returns_reason_parse(q.reason, &r)) abort();
            if (q.method[0] && strcmp(q.method, "pickup") && strcmp(q.method, "dropoff")) abort();
            if ((q.pickup_window.start_s || q.pickup_window.end_s) &&
                q.pickup_window.start_s >= q.pickup_window.end_s)
                abort();
            if (kind == 0 && q.order_id < 1) abort();
            check_note(q.note);
            check_lines(q.lines, q.n_lines);
            if (q.n_lines < 1) abort();
        }
    } else if (kind == 2) {
        char reason[STORE_RMA_NOTE_MAX + 1];
        st = fmt_ret_refuse_from_json(j, reason, &err);
        if (st == LM_OK && !reason[0]) abort();
        if (st == LM_OK) check_note(reason);
    } else if (kind == 3) {
        fmt_ret_inspection in;
        st = fmt_ret_inspect_from_json(j, &in, &err);
        if (st == LM_OK && (in.line >= STORE_RMA_LINES_MAX || !in.condition[0])) abort();
        if (st == LM_OK) check_note(in.note);
    } else if (kind == 4) {
        int64_t amount = -1;
        st = fmt_ret_refund_from_json(j, &amount, &err);
        if (st == LM_OK && amount < 0) abort();
    } else if (kind == 5) {
        st = fmt_ret_case_from_json(j, &c, &err);
        if (st == LM_OK) {
            check_lines(c.lines, c.n_lines);
            check_lines(c.right, c.n_right);
            if (!strcmp(c.kind, "wrong_item") != (c.n_right > 0)) abort();
            check_note(c.note);
        }
    } else if (kind == 6) {
        char res[16];
        st = fmt_ret_resolve_from_json(j, res, &err);
        if (st == LM_OK && !strcmp(res, "pending")) abort();
    } else {
        returns_policy_defaults(&base);
        st = fmt_ret_policy_from_json(j, &base, &p, &err);
        if (st == LM_OK) {
            if (p.n_windows > STORE_RETURN_WINDOWS_MAX) abort();
            for (size_t i = 0; i < p.n_windows; i++)
                fuzz_check_text(p.windows[i].key);
            if (p.rules.reasons_mask >> RETURNS_REASON_COUNT) abort();
            lm_status ck = returns_policy_check(&p, &err);
            fuzz_check_err(ck, &err);
            cJSON_Delete(fmt_ret_policy_json(&p));
        }
    }
    fuzz_check_err(st, &err);
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    (void)arena;
    read_one(selector % 8, j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
