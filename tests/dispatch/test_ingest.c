/* Position ingest (dispatch/ingest.c) without HTTP, on real SQLite files: unknown devices refused
 * whole (and alone: the rest of the batch commits), retries stored once and late positions kept,
 * N threads x M requests all stored and still there after reopening, a request of 89 positions
 * (several rows per INSERT), positions of a named
 * driver, stop answering everything queued, retention pruning while idle, and no live tracking
 * without a dispatch handle. */
#include "dispatch/ingest.h"
#include "store/store_positions.h"
#include "tests/support/tmp_db.h"

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

typedef struct world {
    tmp_db tmp;
    store *s;
    dispatch *d;
    dispatch_ingest *g;
} world;

static world W;

static void put_driver(const char *id, const char *device) {
    store_tx *tx = NULL;
    lm_errinfo err;
    dispatch_driver dr;
    memset(&dr, 0, sizeof dr);
    lm_strlcpy(dr.id, id, sizeof dr.id);
    snprintf(dr.name, sizeof dr.name, "Driver %s", id);
    lm_strlcpy(dr.device_id, device, sizeof dr.device_id);
    assert_int_equal(store_tx_begin(W.s, &tx), LM_OK);
    dr.allow_short_device_id = true; /* short test ids, by the operator's choice */
    assert_int_equal(dispatch_driver_save(tx, &dr, NULL, &err), LM_OK);
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

static void open_all(int64_t retention_s) {
    lm_errinfo err;
    assert_int_equal(tmp_db_store_open(&W.tmp, 4, &W.s), 0);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = W.s;
    d.tick_ms = 0;
    assert_int_equal(dispatch_create(&d, &W.d, &err), LM_OK);
    dispatch_ingest_opts o;
    dispatch_ingest_opts_init(&o);
    o.retention_s = retention_s;
    assert_int_equal(dispatch_ingest_start(W.s, W.d, &o, &W.g), LM_OK);
}

static void close_all(void) {
    dispatch_ingest_free(W.g);
    W.g = NULL;
    dispatch_destroy(W.d);
    W.d = NULL;
    store_close(W.s);
    W.s = NULL;
}

static int setup(void **state) {
    (void)state;
    memset(&W, 0, sizeof W);
    assert_int_equal(tmp_db_create(&W.tmp, "lm-ingest-"), 0);
    open_all(0);
    put_driver("traccar", "902064");
    put_driver("six", "123456");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    close_all();
    tmp_db_remove(&W.tmp);
    return 0;
}

static dispatch_position pos(const char *device, double lat, double lon, int64_t time_ms) {
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

/* The stored positions of a device (caller frees). */
static store_position *positions_of(const char *device, size_t *n) {
    store_read *r = NULL;
    store_position *p = NULL;
    lm_errinfo err;
    assert_int_equal(store_read_begin(W.s, &r), LM_OK);
    assert_int_equal(store_positions_list(r, device, NULL, 0, INT64_MAX, 100000, &p, n, &err),
                     LM_OK);
    store_read_end(r);
    return p;
}

static size_t count_of(const char *device) {
    size_t n = 0;
    lm_free(positions_of(device, &n));
    return n;
}

static bool has_position(const char *device, int64_t t_ms) {
    size_t n = 0;
    store_position *p = positions_of(device, &n);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = p[i].time_ms == t_ms;
    lm_free(p);
    return found;
}

/* ---- Refusals ---- */

static void test_unknown_device_refused_whole(void **state) {
    (void)state;
    lm_errinfo err;
    dispatch_position one = pos("unknown-phone", 45, 4, 1700000000000LL);
    assert_int_equal(dispatch_ingest_submit_wait(W.g, &one, 1, NULL, &err), LM_INVALID);
    assert_string_equal(err.field, "id");
    assert_non_null(strstr(err.message, "unknown device"));
    /* a request with one unknown device is refused whole: nothing of it is stored */
    dispatch_position two[2] = {pos("902064", 1, 2, 1500000000000LL),
                                pos("ghost", 1, 2, 1500000001000LL)};
    assert_int_equal(dispatch_ingest_submit_wait(W.g, two, 2, NULL, &err), LM_INVALID);
    assert_int_equal(count_of("902064"), 0);
    assert_int_equal(dispatch_ingest_submit(W.g, two, 0, NULL, NULL, NULL), LM_INVALID);
}

typedef struct outcome {
    pthread_mutex_t mu;
    int done;
    lm_status st[64];
} outcome;

typedef struct slot {
    outcome *o;
    int i;
} slot;

static void slot_done(void *ctx, lm_status st, const lm_errinfo *err) {
    slot *s = ctx;
    if (st != LM_OK) assert_non_null(err);
    pthread_mutex_lock(&s->o->mu);
    s->o->st[s->i] = st;
    s->o->done++;
    pthread_mutex_unlock(&s->o->mu);
}

/* Refused requests queued among good ones: each good one is stored, each bad one refused, and
 * stop answers everything still queued. */
static void test_refusal_alone_and_stop_drains(void **state) {
    (void)state;
    outcome o = {.mu = PTHREAD_MUTEX_INITIALIZER};
    slot slots[64];
    for (int i = 0; i < 64; i++) {
        slots[i] = (slot){&o, i};
        dispatch_position p = pos(i % 4 == 1 ? "ghost" : "902064", 45, 4, 1600000000000LL + i);
        assert_int_equal(dispatch_ingest_submit(W.g, &p, 1, NULL, slot_done, &slots[i]), LM_OK);
    }
    dispatch_ingest_stop(W.g);
    assert_int_equal(o.done, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(o.st[i], i % 4 == 1 ? LM_INVALID : LM_OK);
    assert_int_equal(count_of("902064"), 48);
    lm_errinfo err;
    dispatch_position p = pos("902064", 45, 4, 1600000001000LL);
    assert_int_equal(dispatch_ingest_submit_wait(W.g, &p, 1, NULL, &err), LM_UNAVAILABLE);
}

/* ---- What is stored ---- */

static void test_duplicates_and_out_of_order(void **state) {
    (void)state;
    lm_errinfo err;
    /* a retried request (same device time) is answered OK again and stored once */
    dispatch_position p = pos("123456", 1.5, 2.5, 1700000100000LL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(dispatch_ingest_submit_wait(W.g, &p, 1, NULL, &err), LM_OK);
    /* an older position arriving late is stored (history); it is 50 s older and 140 m away,
     * which a van can drive (dispatch/filter.c would refuse a jump) */
    dispatch_position old = pos("123456", 1.499, 2.499, 1700000050000LL);
    assert_int_equal(dispatch_ingest_submit_wait(W.g, &old, 1, NULL, &err), LM_OK);
    size_t n = 0;
    store_position *sp = positions_of("123456", &n);
    int dup = 0, late = 0;
    for (size_t i = 0; i < n; i++) {
        dup += sp[i].time_ms == 1700000100000LL;
        late += sp[i].time_ms == 1700000050000LL;
        if (sp[i].time_ms == 1700000100000LL) assert_string_equal(sp[i].driver_id, "six");
    }
    assert_int_equal(dup, 1);
    assert_int_equal(late, 1);
    lm_free(sp);
}

static void test_named_driver_and_receive_time(void **state) {
    (void)state;
    lm_errinfo err;
    /* the driver API names the driver: the device id is informative, even an unknown one */
    dispatch_position p = pos("driver:traccar", 3, 4, 0);
    int64_t before = lm_now_ms(); /* timing-ok: a timestamp, no bound */
    assert_int_equal(dispatch_ingest_submit_wait(W.g, &p, 1, "traccar", &err), LM_OK);
    size_t n = 0;
    store_position *sp = positions_of("driver:traccar", &n);
    assert_int_equal(n, 1);
    assert_string_equal(sp[0].driver_id, "traccar");
    assert_true(sp[0].time_ms >= before); /* no device time: the receive time */
    assert_int_equal(sp[0].time_ms, sp[0].recv_ms);
    lm_free(sp);
}

typedef struct burst {
    int index, ok;
} burst;

static void *send_burst(void *arg) {
    burst *b = arg;
    for (int i = 0; i < 40; i++) {
        /* the threads' positions interleave: each within centimetres of the others, so that no
         * order of arrival looks like a jump; times in the past (the filters refuse the future) */
        dispatch_position p = pos("902064", 45 + i * 1e-7, 4 + b->index * 1e-7,
                                  1700000000000LL + b->index * 1000 + i);
        lm_errinfo err;
        b->ok += dispatch_ingest_submit_wait(W.g, &p, 1, NULL, &err) == LM_OK;
    }
    return NULL;
}

/* 8 threads x 40 requests: every acknowledged one stored, still there after reopening. */
static void test_concurrent_durable(void **state) {
    (void)state;
    pthread_t t[8];
    burst b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (burst){.index = i};
        assert_int_equal(pthread_create(&t[i], NULL, send_burst, &b[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        ok += b[i].ok;
    }
    assert_int_equal(ok, 320);
    close_all();
    open_all(0);
    assert_int_equal(count_of("902064"), 320);
}

/* One request of 89 positions (stored by the batch's multi-row INSERTs: 64 + 16 + 4 + 4 + 1
 * rows) and another request in the same batch: every position stored, still there after
 * reopening. */
static void test_large_request_stored(void **state) {
    (void)state;
    enum { N = 89 };
    dispatch_position p[N];
    for (int i = 0; i < N; i++)
        p[i] = pos("123456", 45 + i * 1e-6, 4, 1700000000000LL + i * 1000LL);
    dispatch_position other = pos("902064", 10, 20, 1700000000000LL);
    lm_errinfo err;
    assert_int_equal(dispatch_ingest_submit_wait(W.g, p, N, NULL, &err), LM_OK);
    assert_int_equal(dispatch_ingest_submit_wait(W.g, &other, 1, NULL, &err), LM_OK);
    close_all();
    open_all(0);
    size_t n = 0;
    store_position *sp = positions_of("123456", &n);
    assert_int_equal(n, N);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sp[i].time_ms, 1700000000000LL + (int64_t)i * 1000LL);
        assert_string_equal(sp[i].driver_id, "six");
        assert_true(isnan(sp[i].speed_mps));
    }
    lm_free(sp);
    assert_int_equal(count_of("902064"), 1);
}

/* ---- Retention and configuration ---- */

static void test_retention_prunes_when_idle(void **state) {
    (void)state;
    lm_errinfo err;
    int64_t now = lm_now_ms(); /* timing-ok: timestamps an hour apart, no bound */
    int64_t old_ms = now - 7200 * 1000LL, fresh_ms = now - 60 * 1000LL;
    dispatch_position p[2] = {pos("123456", 5, 6, old_ms), pos("123456", 5, 6, fresh_ms)};
    assert_int_equal(dispatch_ingest_submit_wait(W.g, p, 2, NULL, &err), LM_OK);
    assert_true(has_position("123456", old_ms));
    /* an ingest with a one-hour retention prunes on its own when idle */
    close_all();
    open_all(3600);
    bool gone = false; /* polled: 30 s deadline */
    for (int i = 0; i < 300 && !gone; i++) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL); /* timing-ok: poll, 30 s deadline */
        gone = !has_position("123456", old_ms);
    }
    assert_true(gone);
    assert_true(has_position("123456", fresh_ms));
}

static void test_without_dispatch(void **state) {
    (void)state;
    dispatch_ingest *g = NULL;
    assert_int_equal(dispatch_ingest_start(W.s, NULL, NULL, &g), LM_OK);
    lm_errinfo err;
    dispatch_position p = pos("902064", 1, 2, 1700000000000LL);
    assert_int_equal(dispatch_ingest_submit_wait(g, &p, 1, NULL, &err), LM_UNAVAILABLE);
    assert_non_null(strstr(err.message, "not configured"));
    /* positions of a named driver are still history */
    assert_int_equal(dispatch_ingest_submit_wait(g, &p, 1, "traccar", &err), LM_OK);
    dispatch_ingest_free(g);
    assert_int_equal(count_of("902064"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_device_refused_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_alone_and_stop_drains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_out_of_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_driver_and_receive_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_request_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_prunes_when_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_dispatch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
