/* Devices and position filters (dispatch/devices.c, dispatch/filter.c, dispatch/ingest.c,
 * dispatch/guard.c) on the committed plan of tests/support/plan_world.h (real SQLite in a temp
 * dir) with an ingest of our own on a test clock: generated ids (length, alphabet, uniqueness),
 * the short-id rule and its opt-in, rotation that revokes at once, each filter reason with a
 * position refused and a neighbour accepted, refused positions counted, listed and reported by a
 * rate-limited event without ever moving the van, starting its route or marking an arrival, the
 * far-future freeze gone, and the per-address failure limiter. No sleeps: the clock is ours. */
#include "dispatch/guard.h"
#include "dispatch/ingest.h"
#include "store/store_positions.h"
#include "tests/support/plan_world.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static plan_world W;
static dispatch_ingest *G;
static int64_t T; /* the ingest's clock, epoch ms */

#define T0 1750000000000LL /* 2025-06-15 */

static int64_t test_now(void) {
    return T;
}

static int setup(void **state) {
    (void)state;
    plan_world_setup(&W, "lm-devices-");
    T = T0;
    dispatch_ingest_opts o;
    dispatch_ingest_opts_init(&o);
    o.now_ms = test_now;
    assert_int_equal(dispatch_ingest_start(W.s, W.d, &o, &G), LM_OK);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    dispatch_ingest_free(G);
    G = NULL;
    plan_world_teardown(&W);
    return 0;
}

/* ---- Helpers ---- */

static dispatch_position fix(const char *device, double lat, double lon, int64_t time_ms) {
    dispatch_position p;
    memset(&p, 0, sizeof p);
    lm_strlcpy(p.device_id, device, sizeof p.device_id);
    p.lat = lat;
    p.lon = lon;
    p.time_ms = time_ms;
    p.speed_mps = p.heading_deg = p.altitude_m = p.accuracy_m = p.battery_pct = NAN;
    p.charging = -1;
    return p;
}

static lm_status send1(const dispatch_position *p) {
    lm_errinfo err;
    return dispatch_ingest_submit_wait(G, p, 1, NULL, &err);
}

static store_vstate vstate(const char *vehicle) {
    store_read *r = NULL;
    store_vstate vs;
    memset(&vs, 0, sizeof vs);
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    lm_status rc = store_vstate_get(r, vehicle, &vs, NULL);
    store_read_end(r);
    assert_true(rc == LM_OK || rc == LM_NOT_FOUND);
    return vs;
}

static dispatch_refusals refusals(const char *driver) {
    store_read *r = NULL;
    dispatch_refusals x;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    OKE(dispatch_position_refusals(r, driver, 1000, &x, &err), err);
    store_read_end(r);
    return x;
}

static int64_t refused_count(const char *driver, const char *reason) {
    dispatch_refusals x = refusals(driver);
    int64_t n = 0;
    for (size_t i = 0; i < x.n_counts; i++)
        if (!strcmp(x.counts[i].reason, reason)) n = x.counts[i].count;
    dispatch_refusals_clear(&x);
    return n;
}

static dispatch_driver driver_get(const char *id) {
    store_read *r = NULL;
    dispatch_driver d;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    OKE(dispatch_driver_get(r, id, &d, &err), err);
    store_read_end(r);
    return d;
}

/* Saves dr in its own tx: the status, with err and device_out filled. */
static lm_status save(const dispatch_driver *dr, char device_out[DISPATCH_DEVICE_ID_LEN + 1],
                      lm_errinfo *err) {
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    lm_status rc = dispatch_driver_save(tx, dr, device_out, err);
    if (rc == LM_OK)
        assert_int_equal(store_tx_commit(tx), LM_OK);
    else
        store_tx_rollback(tx);
    return rc;
}

static void rotate(const char *driver, char out[DISPATCH_DEVICE_ID_LEN + 1]) {
    store_tx *tx = NULL;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    OKE(dispatch_driver_device_rotate(tx, driver, out, &err), err);
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

/* Whether any event payload contains s. */
static bool events_mention(const char *s) {
    store_read *r = NULL;
    store_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_events_since(r, 0, 10000, &ev, &n), LM_OK);
    store_read_end(r);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = strstr(ev[i].payload_json, s) != NULL;
    store_events_free(ev, n);
    return found;
}

static int cmp_id(const void *a, const void *b) {
    return strcmp(a, b);
}

/* D1 on a fresh generated device; returns it. */
static void d1_generated(char dev[DISPATCH_DEVICE_ID_LEN + 1]) {
    rotate("D1", dev);
}

/* ---- Device ids ---- */

#define N_GEN 4000

static void test_generated_ids(void **state) {
    (void)state;
    static char ids[N_GEN][DISPATCH_DEVICE_ID_LEN + 1];
    size_t seen[256] = {0};
    const char *alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (size_t i = 0; i < N_GEN; i++) {
        assert_int_equal(dispatch_device_id_generate(ids[i]), LM_OK);
        assert_int_equal(strlen(ids[i]), DISPATCH_DEVICE_ID_LEN);
        assert_true(DISPATCH_DEVICE_ID_LEN >= DISPATCH_DEVICE_ID_MIN);
        for (const char *c = ids[i]; *c; c++) {
            if (!strchr(alphabet, *c)) fail_msg("'%c' in %s is not Crockford base32", *c, ids[i]);
            seen[(unsigned char)*c]++;
        }
    }
    qsort(ids, N_GEN, sizeof ids[0], cmp_id);
    for (size_t i = 1; i < N_GEN; i++)
        if (!strcmp(ids[i - 1], ids[i])) fail_msg("duplicate id %s", ids[i]);
    /* 96,000 characters over 32 symbols: 3,000 each expected; a broken mapping (a symbol never
     * or twice as often drawn) falls far outside [2,500, 3,500] */
    for (const char *c = alphabet; *c; c++)
        if (seen[(unsigned char)*c] < 2500 || seen[(unsigned char)*c] > 3500)
            fail_msg("symbol %c drawn %zu times of 96000", *c, seen[(unsigned char)*c]);
}

static void test_save_generates_once_and_keeps(void **state) {
    (void)state;
    lm_errinfo err;
    char dev[DISPATCH_DEVICE_ID_LEN + 1] = "x";
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "D9", sizeof dr.id);
    lm_strlcpy(dr.name, "New driver", sizeof dr.name);
    OKE(save(&dr, dev, &err), err);
    assert_int_equal(strlen(dev), DISPATCH_DEVICE_ID_LEN);
    assert_string_equal(driver_get("D9").device_id, dev);
    /* saving the record again (the client no longer knows the id) keeps it, shows nothing */
    char again[DISPATCH_DEVICE_ID_LEN + 1] = "x";
    lm_strlcpy(dr.name, "Renamed", sizeof dr.name);
    OKE(save(&dr, again, &err), err);
    assert_string_equal(again, "");
    assert_string_equal(driver_get("D9").device_id, dev);
    assert_string_equal(driver_get("D9").name, "Renamed");
    /* the id is a secret: no event carries it */
    assert_false(events_mention(dev));
    /* it works for OsmAnd at once */
    dispatch_position p = fix(dev, 45.75, 4.85, T - 1000);
    assert_int_equal(send1(&p), LM_OK);
}

static void test_short_id_refused_unless_opted_in(void **state) {
    (void)state;
    lm_errinfo err;
    char dev[DISPATCH_DEVICE_ID_LEN + 1];
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "D8", sizeof dr.id);
    lm_strlcpy(dr.name, "Short", sizeof dr.name);
    lm_strlcpy(dr.device_id, "123456", sizeof dr.device_id); /* Traccar Client's default kind */
    /* plan_world's drivers were saved with the opt-in: their opt-ins are logged already */
    int64_t opted = tmp_db_count_events(W.s, "driver.short_device_id_allowed");
    assert_int_equal(save(&dr, dev, &err), LM_INVALID);
    assert_string_equal(err.field, "device_id");
    assert_non_null(strstr(err.message, "allow_short_device_id"));
    /* nothing was saved */
    store_read *r = NULL;
    dispatch_driver got;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_driver_get(r, "D8", &got, NULL), LM_NOT_FOUND);
    store_read_end(r);
    /* 19 characters: still short; 20: enough, without any opt-in */
    lm_strlcpy(dr.device_id, "ABCDEFGHJK123456789", sizeof dr.device_id);
    assert_int_equal(save(&dr, dev, &err), LM_INVALID);
    lm_strlcpy(dr.device_id, "ABCDEFGHJK1234567890", sizeof dr.device_id);
    OKE(save(&dr, dev, &err), err);
    assert_string_equal(dev, "");
    assert_false(driver_get("D8").allow_short_device_id);
    assert_int_equal(tmp_db_count_events(W.s, "driver.short_device_id_allowed"), opted);
    /* the operator opts in for this one device: accepted, and recorded */
    lm_strlcpy(dr.device_id, "123456", sizeof dr.device_id);
    dr.allow_short_device_id = true;
    OKE(save(&dr, dev, &err), err);
    assert_true(driver_get("D8").allow_short_device_id);
    assert_int_equal(tmp_db_count_events(W.s, "driver.short_device_id_allowed"), opted + 1);
    /* bad characters and another driver's id are refused whatever the opt-in */
    lm_strlcpy(dr.device_id, "12 34", sizeof dr.device_id);
    assert_int_equal(save(&dr, dev, &err), LM_INVALID);
    lm_strlcpy(dr.device_id, driver_get("D2").device_id, sizeof dr.device_id);
    assert_int_equal(save(&dr, dev, &err), LM_CONFLICT);
    assert_string_equal(err.field, "device_id");
}

static void test_short_id_opt_in_recorded(void **state) {
    (void)state;
    /* plan_world saved D1/D2 with "phone1"/"phone2" and allow_short_device_id */
    assert_true(driver_get("D1").allow_short_device_id);
    assert_true(tmp_db_count_events(W.s, "driver.short_device_id_allowed") >= 2);
    assert_true(events_mention("\"by\":\"operator\""));
}

static void test_rotation_revokes_at_once(void **state) {
    (void)state;
    char a[DISPATCH_DEVICE_ID_LEN + 1], b[DISPATCH_DEVICE_ID_LEN + 1];
    rotate("D1", a);
    assert_false(driver_get("D1").allow_short_device_id); /* the opt-in went with the short id */
    dispatch_position p = fix("phone1", 45.75, 4.85, T - 5000);
    assert_int_equal(send1(&p), LM_INVALID); /* the old short id is dead */
    p = fix(a, 45.75, 4.85, T - 4000);
    assert_int_equal(send1(&p), LM_OK); /* the device cache now holds a */
    rotate("D1", b);
    assert_string_not_equal(a, b);
    /* within the cache's lifetime, on the same clock: a is refused at once, b works */
    p = fix(a, 45.75, 4.85, T - 3000);
    assert_int_equal(send1(&p), LM_INVALID);
    p = fix(b, 45.75, 4.85, T - 2000);
    assert_int_equal(send1(&p), LM_OK);
    assert_int_equal(tmp_db_count_events(W.s, "driver.device_rotated"), 2);
    assert_false(events_mention(a));
    assert_false(events_mention(b));
    char none[DISPATCH_DEVICE_ID_LEN + 1];
    store_tx *tx = NULL;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    assert_int_equal(dispatch_driver_device_rotate(tx, "nobody", none, &err), LM_NOT_FOUND);
    store_tx_rollback(tx);
}

/* ---- Filters, one rule at a time (pure) ---- */

typedef struct probe {
    dispatch_filter_opts o;
    dispatch_filter_state st;
} probe;

static probe probe_at(double lat, double lon, int64_t t_ms) {
    probe p;
    dispatch_filter_opts_init(&p.o);
    memset(&p.st, 0, sizeof p.st);
    dispatch_position f = fix("x", lat, lon, t_ms);
    assert_int_equal(dispatch_filter_check(&p.o, &p.st, &f, t_ms, t_ms), DISPATCH_ACCEPTED);
    return p;
}

/* What a fresh copy of the probe says about f at time t received at recv. */
static dispatch_refusal check(const probe *pr, const dispatch_position *f, int64_t t,
                              int64_t recv) {
    probe c = *pr;
    return dispatch_filter_check(&c.o, &c.st, f, t, recv);
}

static void test_filter_each_reason_and_its_neighbour(void **state) {
    (void)state;
    const int64_t t = T0;
    probe pr = probe_at(45.75, 4.85, t);
    dispatch_position f = fix("x", 45.7501, 4.8501, t + 10000);
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_ACCEPTED);
    /* invalid */
    f.lat = 90.5;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_INVALID);
    f.lat = NAN;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_INVALID);
    f = fix("x", 45.7501, 4.8501, t + 10000);
    f.accuracy_m = -1;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_INVALID);
    /* no_fix: the phone's own valid=false refuses an otherwise good position */
    f = fix("x", 45.7501, 4.8501, t + 10000);
    f.no_fix = true;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_NO_FIX);
    assert_string_equal(dispatch_refusal_name(DISPATCH_REFUSED_NO_FIX), "no_fix");
    /* zero: exactly 0, 0 only (a fresh probe: no jump from Lyon in the way) */
    probe none;
    dispatch_filter_opts_init(&none.o);
    memset(&none.st, 0, sizeof none.st);
    dispatch_position z = fix("x", 0, 0, t);
    assert_int_equal(check(&none, &z, t, t), DISPATCH_REFUSED_ZERO);
    z.lon = 0.0001;
    assert_int_equal(check(&none, &z, t, t), DISPATCH_ACCEPTED);
    /* accuracy: the bound itself passes, a metre worse does not */
    f = fix("x", 45.7501, 4.8501, t + 10000);
    f.accuracy_m = pr.o.max_accuracy_m;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_ACCEPTED);
    f.accuracy_m = pr.o.max_accuracy_m + 1;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_ACCURACY);
    /* future: up to the skew ahead of the receive time */
    f = fix("x", 45.7501, 4.8501, 0);
    int64_t recv = t + 60000;
    assert_int_equal(check(&pr, &f, recv + pr.o.future_skew_ms, recv), DISPATCH_ACCEPTED);
    assert_int_equal(check(&pr, &f, recv + pr.o.future_skew_ms + 1, recv), DISPATCH_REFUSED_FUTURE);
    /* stale: older than the newest accepted by more than the bound (same place: no jump) */
    f = fix("x", 45.75, 4.85, 0);
    assert_int_equal(check(&pr, &f, t - pr.o.max_backwards_ms, t + 1000), DISPATCH_ACCEPTED);
    assert_int_equal(check(&pr, &f, t - pr.o.max_backwards_ms - 1, t + 1000),
                     DISPATCH_REFUSED_STALE);
    /* duplicate: same time and place; a metre away at the same time is another fix */
    assert_int_equal(check(&pr, &f, t, t + 1000), DISPATCH_REFUSED_DUPLICATE);
    f.lat = 45.75001;
    assert_int_equal(check(&pr, &f, t, t + 1000), DISPATCH_ACCEPTED);
}

static void test_filter_jump_speed_and_accuracy(void **state) {
    (void)state;
    const int64_t t = T0;
    probe pr = probe_at(45.75, 4.85, t);
    /* 0.009 degrees of latitude = 1,000.8 m; in 10 s that is 100 m/s, over 250 km/h */
    dispatch_position f = fix("x", 45.759, 4.85, t + 10000);
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_JUMP);
    /* in 15 s: 66.7 m/s, under 69.4 */
    assert_int_equal(check(&pr, &f, t + 15000, t + 15000), DISPATCH_ACCEPTED);
    /* accuracy is granted: the same 1 km in 10 s with a 200 m accuracy on the new fix is 800 m
     * of certain movement, 80 m/s: still too fast; 400 m makes it 60 m/s: possible */
    f.accuracy_m = 200;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_REFUSED_JUMP);
    f.accuracy_m = 400;
    assert_int_equal(check(&pr, &f, t + 10000, t + 10000), DISPATCH_ACCEPTED);
    /* two fixes in the same millisecond are judged one second apart, not infinitely fast */
    dispatch_position near = fix("x", 45.7503, 4.85, t); /* 33 m */
    assert_int_equal(check(&pr, &near, t, t), DISPATCH_ACCEPTED);
    /* the check can be turned off */
    probe off = pr;
    off.o.max_speed_mps = 0;
    f.accuracy_m = NAN;
    assert_int_equal(check(&off, &f, t + 1000, t + 1000), DISPATCH_ACCEPTED);
}

static void test_filter_reanchors_on_a_consistent_track(void **state) {
    (void)state;
    const int64_t t = T0;
    probe pr = probe_at(45.75, 4.85, t);
    /* a fix 100 km away, then one that disagrees with it too: both jumps, no anchor moves */
    dispatch_position far = fix("x", 46.65, 4.85, t + 10000);
    assert_int_equal(dispatch_filter_check(&pr.o, &pr.st, &far, t + 10000, t + 10000),
                     DISPATCH_REFUSED_JUMP);
    dispatch_position other = fix("x", 44.0, 4.85, t + 11000);
    assert_int_equal(dispatch_filter_check(&pr.o, &pr.st, &other, t + 11000, t + 11000),
                     DISPATCH_REFUSED_JUMP);
    /* three in a row that agree with each other (10 m/s) but not with the anchor: the third one
     * re-anchors (jump_confirm = 3), and the track goes on from there */
    for (int i = 0; i < 3; i++) {
        dispatch_position f = fix("x", 46.65 + i * 0.0001, 4.85, t + 20000 + i * 1000);
        dispatch_refusal want = i < 2 ? DISPATCH_REFUSED_JUMP : DISPATCH_ACCEPTED;
        assert_int_equal(dispatch_filter_check(&pr.o, &pr.st, &f, f.time_ms, f.time_ms), want);
    }
    assert_true(fabs(pr.st.last.lat - 46.6502) < 1e-9);
    dispatch_position next = fix("x", 46.6503, 4.85, t + 23000);
    assert_int_equal(dispatch_filter_check(&pr.o, &pr.st, &next, t + 23000, t + 23000),
                     DISPATCH_ACCEPTED);
    /* with jump_confirm 0 a jump never becomes an anchor */
    probe strict = probe_at(45.75, 4.85, t);
    strict.o.jump_confirm = 0;
    for (int i = 0; i < 10; i++) {
        dispatch_position f = fix("x", 46.65 + i * 0.0001, 4.85, t + 20000 + i * 1000);
        assert_int_equal(dispatch_filter_check(&strict.o, &strict.st, &f, f.time_ms, f.time_ms),
                         DISPATCH_REFUSED_JUMP);
    }
}

/* ---- Filters in ingest: nothing refused changes anything ---- */

static void test_future_no_longer_freezes_a_van(void **state) {
    (void)state;
    char dev[DISPATCH_DEVICE_ID_LEN + 1];
    d1_generated(dev);
    dispatch_position p = fix(dev, PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON, T - 60000);
    assert_int_equal(send1(&p), LM_OK);
    assert_int_equal(vstate("V1").seen_ms, T - 60000);
    /* a position dated a year ahead is answered like any other but refused */
    p = fix(dev, PLAN_WORLD_DEPOT_LAT + 0.0001, PLAN_WORLD_DEPOT_LON, T + 365LL * 86400000);
    assert_int_equal(send1(&p), LM_OK);
    assert_int_equal(vstate("V1").seen_ms, T - 60000);
    assert_int_equal(refused_count("D1", "future"), 1);
    /* the next honest position is applied */
    p = fix(dev, PLAN_WORLD_DEPOT_LAT + 0.0002, PLAN_WORLD_DEPOT_LON, T);
    assert_int_equal(send1(&p), LM_OK);
    store_vstate vs = vstate("V1");
    assert_int_equal(vs.seen_ms, T);
    assert_true(fabs(vs.lat - (PLAN_WORLD_DEPOT_LAT + 0.0002)) < 1e-9);
    /* and it is only history of the accepted ones */
    store_read *r = NULL;
    store_position *sp = NULL;
    size_t n = 0;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    OKE(store_positions_list(r, dev, NULL, 0, INT64_MAX, 100, &sp, &n, &err), err);
    store_read_end(r);
    assert_int_equal(n, 2);
    lm_free(sp);
}

static void test_van_frozen_before_the_filters_thaws(void **state) {
    (void)state;
    char dev[DISPATCH_DEVICE_ID_LEN + 1];
    d1_generated(dev);
    /* a database from before the filters: the van's last position is dated next year */
    store_vstate vs = vstate("V1");
    lm_strlcpy(vs.vehicle_id, "V1", sizeof vs.vehicle_id);
    lm_strlcpy(vs.driver_id, "D1", sizeof vs.driver_id);
    vs.has_position = true;
    vs.lat = PLAN_WORLD_DEPOT_LAT;
    vs.lon = PLAN_WORLD_DEPOT_LON;
    vs.seen_ms = T + 365LL * 86400000;
    vs.pace = 1;
    store_tx *tx = NULL;
    lm_errinfo err;
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    OKE(store_vstate_put(tx, &vs, &err), err);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    dispatch_position p = fix(dev, PLAN_WORLD_DEPOT_LAT + 0.0001, PLAN_WORLD_DEPOT_LON, T);
    assert_int_equal(send1(&p), LM_OK);
    vs = vstate("V1");
    assert_int_equal(vs.seen_ms, T);
    assert_true(fabs(vs.lat - (PLAN_WORLD_DEPOT_LAT + 0.0001)) < 1e-9);
}

/* The first stop of D1's route. */
static dispatch_stop first_stop(void) {
    store_read *r = NULL;
    dispatch_driver_route rt;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    OKE(dispatch_driver_route_get(r, "D1", &rt, &err), err);
    store_read_end(r);
    assert_true(rt.has_route && rt.n_stops > 0);
    dispatch_stop st = rt.stops[0].stop;
    dispatch_driver_route_clear(&rt);
    return st;
}

static void test_teleports_never_start_or_arrive(void **state) {
    (void)state;
    char dev[DISPATCH_DEVICE_ID_LEN + 1];
    d1_generated(dev);
    dispatch_stop st = first_stop();
    int64_t t = T - 600000;
    dispatch_position p = fix(dev, PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON, t);
    p.speed_mps = 0;
    assert_int_equal(send1(&p), LM_OK);
    assert_false(vstate("V1").started);
    /* parked on the first stop (1.4 km or more away) 1 s later and again after the arrival dwell
     * (15 s): accepted, these two would start the route and mark the arrival; they are jumps
     * (90 m/s at least), and two do not re-anchor (jump_confirm 3) */
    for (int i = 0; i < 2; i++) {
        p = fix(dev, st.lat, st.lon, t + 1000 + i * 15000);
        p.speed_mps = 0;
        assert_int_equal(send1(&p), LM_OK);
    }
    store_vstate vs = vstate("V1");
    assert_false(vs.started);
    assert_int_equal(vs.seen_ms, t);
    assert_true(fabs(vs.lat - PLAN_WORLD_DEPOT_LAT) < 1e-9);
    assert_int_equal(tmp_db_count_events(W.s, "route.started"), 0);
    assert_int_equal(tmp_db_count_events(W.s, "stop.arrived"), 0);
    assert_int_equal(refused_count("D1", "jump"), 2);
    /* the neighbour: driving there at a van's speed starts the route, and stopping there for the
     * dwell marks the arrival */
    double d = geo_distance_m((geo_point){PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON},
                              (geo_point){st.lat, st.lon});
    int64_t drive_ms = (int64_t)(d / 15.0 * 1000) + 1000; /* 15 m/s */
    p = fix(dev, (PLAN_WORLD_DEPOT_LAT + st.lat) / 2, (PLAN_WORLD_DEPOT_LON + st.lon) / 2,
            t + drive_ms / 2);
    p.speed_mps = 15;
    assert_int_equal(send1(&p), LM_OK);
    assert_true(vstate("V1").started);
    for (int i = 0; i < 3; i++) {
        p = fix(dev, st.lat, st.lon, t + drive_ms + i * 10000);
        p.speed_mps = 0;
        assert_int_equal(send1(&p), LM_OK);
    }
    assert_int_equal(tmp_db_count_events(W.s, "stop.arrived"), 1);
}

static void test_refusals_counted_listed_and_rate_limited(void **state) {
    (void)state;
    char dev[DISPATCH_DEVICE_ID_LEN + 1];
    d1_generated(dev);
    dispatch_position p = fix(dev, PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON, T - 1000);
    assert_int_equal(send1(&p), LM_OK);
    /* a flood of 50 zero fixes in one request, then 10 more one by one, on the same clock */
    dispatch_position flood[50];
    for (int i = 0; i < 50; i++)
        flood[i] = fix(dev, 0, 0, T - 900 + i);
    lm_errinfo err;
    assert_int_equal(dispatch_ingest_submit_wait(G, flood, 50, NULL, &err), LM_OK);
    for (int i = 0; i < 10; i++) {
        p = fix(dev, 0, 0, T - 800 + i);
        assert_int_equal(send1(&p), LM_OK);
    }
    assert_int_equal(refused_count("D1", "zero"), 60);
    assert_int_equal(tmp_db_count_events(W.s, "position.refused"), 1); /* one per minute */
    dispatch_refusals x = refusals("D1");
    assert_int_equal(x.n_last, 20); /* keep_refused: the table does not grow with the flood */
    assert_string_equal(x.last[0].reason, "zero");
    assert_int_equal(x.last[0].time_ms, T - 800 + 9); /* newest first */
    assert_int_equal(strlen(x.last[0].device_hint), 4);
    assert_memory_equal(x.last[0].device_hint, dev, 4);
    dispatch_refusals_clear(&x);
    assert_false(events_mention(dev));
    /* a minute later the next refusal is reported, covering the 60 since the first report */
    T += 60000;
    p = fix(dev, PLAN_WORLD_DEPOT_LAT, PLAN_WORLD_DEPOT_LON, T + 3600000);
    assert_int_equal(send1(&p), LM_OK);
    assert_int_equal(tmp_db_count_events(W.s, "position.refused"), 2);
    assert_true(events_mention("\"reason\":\"future\",\"refused\":60"));
    /* the van never moved */
    store_vstate vs = vstate("V1");
    assert_int_equal(vs.seen_ms, T - 60000 - 1000);
    /* every driver at once */
    x = refusals(NULL);
    assert_int_equal(x.n_counts, 2);
    dispatch_refusals_clear(&x);
}

/* ---- The per-address failure limiter ---- */

static void test_guard_blocks_repeated_failures(void **state) {
    (void)state;
    dispatch_guard_opts o;
    dispatch_guard_opts_init(&o);
    o.max_failures = 5;
    o.window_ms = 10000;
    o.block_ms = 60000;
    dispatch_guard *g = NULL;
    assert_int_equal(dispatch_guard_create(&o, &g), LM_OK);
    int64_t t = 1000000;
    /* four failures spread beyond the window never block */
    for (int i = 0; i < 8; i++)
        assert_false(dispatch_guard_fail(g, "192.0.2.1", t + i * 6000));
    assert_true(dispatch_guard_allowed(g, "192.0.2.1", t + 48000, NULL));
    /* five within the window do, once; the neighbour address is untouched */
    t = 2000000;
    for (int i = 0; i < 4; i++)
        assert_false(dispatch_guard_fail(g, "192.0.2.7", t + i));
    assert_true(dispatch_guard_fail(g, "192.0.2.7", t + 4));
    assert_false(dispatch_guard_fail(g, "192.0.2.7", t + 5)); /* already blocked: no new log */
    int64_t retry = 0;
    assert_false(dispatch_guard_allowed(g, "192.0.2.7", t + 10, &retry));
    assert_int_equal(retry, 60000 - 6);
    assert_true(dispatch_guard_allowed(g, "192.0.2.8", t + 10, NULL));
    assert_true(dispatch_guard_allowed(g, "2001:db8::1", t + 10, NULL));
    /* the block ends on time */
    assert_false(dispatch_guard_allowed(g, "192.0.2.7", t + 4 + 60000 - 1, NULL));
    assert_true(dispatch_guard_allowed(g, "192.0.2.7", t + 4 + 60000, NULL));
    dispatch_guard_stats s;
    dispatch_guard_stats_get(g, &s);
    assert_int_equal(s.blocks, 1);
    assert_int_equal(s.failures, 14);
    assert_int_equal(s.refused, 2);
    dispatch_guard_destroy(g);
    /* a full table: the idle-longest address gives way, the table never grows */
    o.slots = 4;
    assert_int_equal(dispatch_guard_create(&o, &g), LM_OK);
    char addr[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(addr, sizeof addr, "198.51.100.%d", i % 250);
        (void)dispatch_guard_fail(g, addr, t + i);
    }
    /* 250 addresses through 4 slots: each is evicted before its fifth failure (a limit of the
     * fixed table, documented), and a new address is served */
    dispatch_guard_stats_get(g, &s);
    assert_int_equal(s.failures, 1000);
    assert_int_equal(s.blocks, 0);
    assert_true(dispatch_guard_allowed(g, "203.0.113.9", t + 1000, NULL));
    /* a block decided by the nodes' shared count is mirrored once, and never shortened */
    assert_false(dispatch_guard_block_until(g, "203.0.113.9", t, t)); /* ended: no block */
    assert_true(dispatch_guard_block_until(g, "203.0.113.9", t, t + 5000));
    assert_false(dispatch_guard_block_until(g, "203.0.113.9", t + 1, t + 2000));
    assert_false(dispatch_guard_allowed(g, "203.0.113.9", t + 4999, NULL));
    assert_true(dispatch_guard_allowed(g, "203.0.113.9", t + 5000, NULL));
    dispatch_guard_destroy(g);
    o.max_failures = 0;
    assert_int_equal(dispatch_guard_create(&o, &g), LM_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_ids),
        cmocka_unit_test_setup_teardown(test_save_generates_once_and_keeps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_id_refused_unless_opted_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_id_opt_in_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_revokes_at_once, setup, teardown),
        cmocka_unit_test(test_filter_each_reason_and_its_neighbour),
        cmocka_unit_test(test_filter_jump_speed_and_accuracy),
        cmocka_unit_test(test_filter_reanchors_on_a_consistent_track),
        cmocka_unit_test_setup_teardown(test_future_no_longer_freezes_a_van, setup, teardown),
        cmocka_unit_test_setup_teardown(test_van_frozen_before_the_filters_thaws, setup, teardown),
        cmocka_unit_test_setup_teardown(test_teleports_never_start_or_arrive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_counted_listed_and_rate_limited, setup,
                                        teardown),
        cmocka_unit_test(test_guard_blocks_repeated_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
