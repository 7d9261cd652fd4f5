/* libFuzzer target for the request bodies decoded outside orders_json: vehicles and drivers
 * (fleet_json.c), plans, moves and re-plans (plan_json.c), the orders configuration
 * (config_json.c), and the driver app's positions, exceptions, failed stops and deliveries
 * (driver_json.c), the recovery policy, a customer's window and delivery instructions
 * (recovery_json.c, first byte 0xf0..0xff). The first byte picks the reader; the rest is the JSON
 * body, parsed with fmt_json_parse as the server does. Whatever the input, an accepted record holds
 * UTF-8 text without control characters (notes: line breaks and tabs too) and numbers in range, and
 * an accepted proof image passes fmt_image_ok. */
#include "api/formats/config_json.h"
#include "api/formats/driver_json.h"
#include "api/formats/fleet_json.h"
#include "api/formats/json.h"
#include "api/formats/plan_json.h"
#include "api/formats/recovery_json.h"
#include "fuzz_json_body.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static void check_notes(const char *s) {
    if (!lm_utf8_valid(s, strlen(s), LM_UTF8_LINES)) abort();
}

static void fleet(const cJSON *j, bool vehicle) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    if (vehicle) {
        dispatch_vehicle v;
        lm_status st = fmt_vehicle_from_json(j, &v, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return;
        fuzz_check_text(v.id);
        fuzz_check_text(v.name);
        fuzz_check_text(v.start_depot);
        fuzz_check_text(v.end_depot);
        if (v.n_skills > DISPATCH_SKILLS_MAX || v.n_breaks > DISPATCH_BREAKS_MAX) abort();
        for (size_t i = 0; i < v.n_skills; i++)
            fuzz_check_text(v.skills[i]);
        if (v.shift_start_s > v.shift_end_s || v.capacity_g < 0 || !(v.speed_factor > 0)) abort();
        return;
    }
    dispatch_driver d;
    lm_status st = fmt_driver_from_json(j, &d, &err);
    fuzz_check_err(st, &err);
    if (st != LM_OK) return;
    fuzz_check_text(d.id);
    fuzz_check_text(d.name);
    fuzz_check_text(d.phone);
    fuzz_check_text(d.device_id);
    fuzz_check_text(d.vehicle_id);
}

static void plans(const cJSON *j, int which) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    if (which == 0) {
        static fmt_plan_body b;
        st = fmt_plan_from_json(j, &b, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return;
        fuzz_check_text(b.depot);
        if (b.time_limit_ms < 0 || b.time_limit_ms > 600000 || b.day_start_s < 0) abort();
        for (size_t i = 0; i < b.n_vehicle_ids; i++)
            fuzz_check_text(b.vehicle_ids[i]);
    } else if (which == 1) {
        fmt_plan_move m;
        st = fmt_plan_move_from_json(j, &m, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK && (m.stop_id < 1 || m.position < -1)) abort();
        if (st == LM_OK) fuzz_check_text(m.to_vehicle);
    } else {
        char vehicle[DISPATCH_ID_MAX + 1];
        st = fmt_replan_from_json(j, vehicle, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) fuzz_check_text(vehicle);
        /* the hand dispatch bodies read the same inputs, every shape */
        static fmt_hand_body h;
        for (int shape = FMT_HAND_ASSIGN; shape <= FMT_HAND_LOCK; shape++) {
            lm_errinfo_clear(&err);
            st = fmt_hand_from_json(j, (fmt_hand_shape)shape, &h, &err);
            fuzz_check_err(st, &err);
            if (st != LM_OK) continue;
            fuzz_check_text(h.vehicle_id);
            if (h.position < -1 || h.n_stop_ids > FMT_HAND_STOPS_MAX) abort();
            for (size_t i = 0; i < h.n_stop_ids; i++)
                if (h.stop_ids[i] < 1) abort();
        }
    }
}

static void config(const cJSON *j) {
    orders_config c;
    memset(&c, 0, sizeof c);
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = fmt_orders_config_merge(j, &c, &err);
    fuzz_check_err(st, &err);
    if (st == LM_OK) {
        fuzz_check_text(c.rules.required_fields);
        fuzz_check_text(c.rules.default_oos);
        for (size_t i = 0; i < c.n_channels; i++)
            fuzz_check_text(c.channels[i].channel);
        for (size_t i = 0; i < c.n_blacklist; i++)
            fuzz_check_text(c.blacklist[i].value);
    }
    orders_config_clear(&c);
}

static void driver(const cJSON *j, int which, lm_arena *arena) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    if (which == 0) {
        fmt_osmand_pos *pos = NULL;
        size_t n = 0;
        st = fmt_positions_from_json(j, "dev", arena, &pos, &n, &err);
        fuzz_check_err(st, &err);
        for (size_t i = 0; st == LM_OK && i < n; i++)
            if (!(fabs(pos[i].lat) <= 90 && fabs(pos[i].lon) <= 180) || pos[i].time_ms < 0) abort();
    } else if (which == 1) {
        fmt_driver_exception x;
        st = fmt_driver_exception_from_json(j, &x, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK && (x.delay_min < 0 || x.delay_min > 1440)) abort();
        if (st == LM_OK) check_notes(x.note);
    } else if (which == 2) {
        fmt_stop_failed f;
        st = fmt_stop_failed_from_json(j, &f, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) check_notes(f.note);
        /* the driver app's form: the same body with an optional photo of the failed attempt */
        fmt_image photo;
        st = fmt_stop_failed_proof_from_json(j, arena, &f, &photo, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK) check_notes(f.note);
        if (st == LM_OK && photo.bytes && !fmt_image_ok(photo.bytes, photo.n, photo.ext)) abort();
    } else {
        fmt_delivery d;
        st = fmt_delivery_from_json(j, NULL, arena, &d, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return;
        fuzz_check_text(d.recipient_name);
        if (d.signature.bytes && !fmt_image_ok(d.signature.bytes, d.signature.n, d.signature.ext))
            abort();
        if (d.photo.bytes && !fmt_image_ok(d.photo.bytes, d.photo.n, d.photo.ext)) abort();
    }
}

/* The recovery policy, a customer's window, the split policy, delivery instructions
 * (recovery_json.c). */
static void recovery(const cJSON *j, int which) {
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st;
    if (which == 0) {
        store_recovery_policy p;
        st = fmt_recovery_policy_from_json(j, &p, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return;
        if (p.n_rules > STORE_RECOVERY_REASONS) abort();
        for (size_t i = 0; i < p.n_rules; i++) {
            fuzz_check_text(p.rules[i].reason);
            fuzz_check_text(p.rules[i].action);
            fuzz_check_text(p.rules[i].reschedule);
            if (p.rules[i].max_attempts < 1 || p.rules[i].max_attempts > 10) abort();
        }
    } else if (which == 1) {
        store_window w;
        st = fmt_window_from_json(j, &w, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK && (w.end_s <= w.start_s || w.end_s - w.start_s > 86400)) abort();
    } else if (which == 3) {
        store_split_policy p = {.max_parts = 2};
        st = fmt_split_policy_from_json(j, &p, &err);
        fuzz_check_err(st, &err);
        if (st == LM_OK && (p.max_parts < 2 || p.max_parts > 4)) abort();
        if (st == LM_OK) fuzz_check_text(p.mode);
    } else {
        store_instructions in;
        st = fmt_instructions_from_json(j, &in, &err);
        fuzz_check_err(st, &err);
        if (st != LM_OK) return;
        check_notes(in.instructions);
        fuzz_check_text(in.safe_place);
    }
}

static void read_body(uint8_t selector, const cJSON *j, lm_arena *arena) {
    uint8_t kind = selector % 10;
    if (selector >= 0xf0) /* beyond the first ten readers' selector bytes */
        recovery(j, (selector - 0xf0) % 4);
    else if (kind < 2)
        fleet(j, kind == 0);
    else if (kind < 5)
        plans(j, kind - 2);
    else if (kind == 5)
        config(j);
    else
        driver(j, kind - 6, arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_json_body(data, size, read_body);
}
