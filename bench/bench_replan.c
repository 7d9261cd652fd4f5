/* bench/bench_replan.c: re-planning latency after a breakdown on a generated day (500 stops, 30
 * vans, 200 stops done by default): time to the first feasible new plan (the minimal-change pass
 * alone: the live routes repaired) and to a polished one (both passes), medians
 * over several runs, and the polished cost against a re-plan whose free pass searches 10 s, all
 * through dispatch/'s public API on a real SQLite file. Writes a Markdown table to stdout
 * (bench/results/replan.md). */
#include "dispatch/dispatch.h"
#include "orders/orders.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY       INT64_C(1773705600) /* 2026-03-17 00:00 UTC */
#define DEPOT_LAT 45.75
#define DEPOT_LON 4.85

static int64_t fake_now_ms;
static int n_stops = 500, n_vans = 30, n_done = 200; /* the day's size (command line) */
static int64_t polish_ms = 350;                      /* the polished row's free-pass budget */
#define REF_POLISH_MS 10000                          /* the reference re-plan's free pass */
static int64_t clock_fake(void) {
    return fake_now_ms;
}

static uint64_t rng = 88172645463325252ull;
static double uniform(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        lm_status rc_ = (expr);                                                                    \
        if (rc_ != LM_OK) {                                                                        \
            fprintf(stderr, "%s:%d: %s -> %s: %s %s\n", __FILE__, __LINE__, #expr,                 \
                    lm_status_name(rc_), err.field, err.message);                                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t latest_replan(store *s, dispatch_plan *out) {
    store_read *r = NULL;
    lm_errinfo err = {0};
    CHECK(store_read_begin(s, &r));
    dispatch_plan *list = NULL;
    size_t n = 0;
    CHECK(dispatch_plan_list(r, 5, &list, &n, &err));
    int64_t id = 0;
    for (size_t i = 0; i < n && !id; i++)
        if (list[i].is_replan) id = list[i].id;
    dispatch_plan_list_free(list, n);
    if (id) CHECK(dispatch_plan_get(r, id, out, &err));
    store_read_end(r);
    return id;
}

/* CPU time of the whole process in ns: the bench thread sleeps while the dispatch worker
 * re-plans, so the difference over a re-plan is the re-plan's own CPU, which, unlike its wall
 * time, does not grow with the load of the other processes on the machine. */
static int64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One re-plan through the worker; returns its wall time in ms, its CPU time in *cpu_ms. */
static int64_t one_replan(store *s, dispatch *d, dispatch_plan *out, int64_t *cpu_ms) {
    lm_errinfo err = {0};
    int64_t t0 = lm_mono_ns(), c0 = cpu_ns();
    CHECK(dispatch_replan_request(d, DISPATCH_TRIGGER_BREAKDOWN, "V01", NULL, &err));
    dispatch_wait_idle(d);
    int64_t ms = (lm_mono_ns() - t0) / 1000000;
    *cpu_ms = (cpu_ns() - c0) / 1000000;
    if (!latest_replan(s, out)) {
        fprintf(stderr, "no re-plan was proposed\n");
        exit(1);
    }
    return ms;
}

/* The depot, the one product and its stock. */
static void seed_catalogue(orders_svc *o) {
    lm_errinfo err = {0};
    orders_depot dep = {
        .lon = DEPOT_LON, .lat = DEPOT_LAT, .open_s = 5 * 3600, .close_s = 22 * 3600};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    CHECK(orders_depot_put(o, &dep, &err));
    orders_product pr = {.weight_g = 2000, .volume_cm3 = 3000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    CHECK(orders_product_put(o, &pr, &err));
    orders_stock stk;
    CHECK(orders_stock_set(o, "DEP", "SKU1", 100000, 0, &stk, &err));
}

/* n_stops customers within ~12 km, 3-hour windows between 8:00 and 18:00, each order ready. */
static void seed_orders(orders_svc *o) {
    lm_errinfo err = {0};
    for (int i = 0; i < n_stops; i++) {
        orders_line l = {.qty = 1};
        lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
        orders_order in = {0};
        snprintf(in.customer_name, sizeof in.customer_name, "Customer %d", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+336%08d", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%d rue du Banc, Lyon", i);
        in.has_location = true;
        double ang = uniform() * 6.2831853, rad = 0.11 * sqrt(uniform());
        in.lat = DEPOT_LAT + rad * 0.7 * sin(ang);
        in.lon = DEPOT_LON + rad * cos(ang);
        in.lines = &l;
        in.n_lines = 1;
        int64_t start_h = 8 + (int64_t)(uniform() * 7);
        in.windows[0] = (store_window){DAY + start_h * 3600, DAY + (start_h + 3) * 3600};
        in.n_windows = 1;
        orders_order out = {0};
        bool replayed = false;
        CHECK(orders_order_create(o, &in, NULL, &out, &replayed, &err));
        int64_t id = out.id;
        orders_order_clear(&out);
        CHECK(orders_order_picking(o, id, NULL, &err));
        CHECK(orders_order_ready(o, id, 2000, 3000, 1, NULL, &err));
    }
}

/* n_vans vans of 25 parcels, V01..V30.., each with its driver D01..D30.. */
static void seed_fleet(store *s) {
    lm_errinfo err = {0};
    store_tx *tx = NULL;
    CHECK(store_tx_begin(s, &tx));
    for (int v = 0; v < n_vans; v++) {
        dispatch_vehicle veh;
        dispatch_vehicle_init(&veh);
        snprintf(veh.id, sizeof veh.id, "V%02d", v + 1);
        lm_strlcpy(veh.name, veh.id, sizeof veh.name);
        lm_strlcpy(veh.start_depot, "DEP", sizeof veh.start_depot);
        lm_strlcpy(veh.end_depot, "DEP", sizeof veh.end_depot);
        veh.capacity_parcels = 25;
        veh.shift_start_s = 7 * 3600;
        veh.shift_end_s = 20 * 3600;
        CHECK(dispatch_vehicle_put(tx, &veh, &err));
        dispatch_driver dr = {0};
        snprintf(dr.id, sizeof dr.id, "D%02d", v + 1);
        snprintf(dr.name, sizeof dr.name, "Driver %d", v + 1);
        lm_strlcpy(dr.vehicle_id, veh.id, sizeof dr.vehicle_id);
        CHECK(dispatch_driver_save(tx, &dr, NULL, &err)); /* no device: the bench sends none */
    }
    CHECK(store_tx_commit(tx));
}

/* The earliest planned stop of any van (next->id 0 if none is left) and its driver. */
static void next_stop(store *s, dispatch_stop *next, char next_drv[16]) {
    lm_errinfo err = {0};
    *next = (dispatch_stop){0};
    next_drv[0] = '\0';
    for (int v = 0; v < n_vans; v++) {
        char drv[16];
        snprintf(drv, sizeof drv, "D%02d", v + 1);
        store_read *r = NULL;
        CHECK(store_read_begin(s, &r));
        dispatch_driver_route rt;
        CHECK(dispatch_driver_route_get(r, drv, &rt, &err));
        store_read_end(r);
        for (size_t i = 0; i < rt.n_stops; i++)
            if (rt.stops[i].stop.status == DISPATCH_STOP_PLANNED) {
                if (!next->id || rt.stops[i].stop.eta_s < next->eta_s) {
                    *next = rt.stops[i].stop;
                    lm_strlcpy(next_drv, drv, 16);
                }
                break;
            }
        dispatch_driver_route_clear(&rt);
    }
}

/* The day runs until n_done stops are done: the earliest next stop of any van is served next, so
 * that the clock stands where a real day would after 200 deliveries. Returns the stops done;
 * *latest_s is the clock (epoch s) after the last one. */
static int run_day(store *s, dispatch *planner, int64_t *latest_s) {
    lm_errinfo err = {0};
    int done = 0;
    *latest_s = DAY + 8 * 3600;
    while (done < n_done) {
        dispatch_stop next;
        char next_drv[16];
        next_stop(s, &next, next_drv);
        if (!next.id) break;
        if (next.eta_s > *latest_s) *latest_s = next.eta_s;
        fake_now_ms = *latest_s * 1000;
        store_tx *tx = NULL;
        CHECK(store_tx_begin(s, &tx));
        CHECK(dispatch_observe_position(planner, tx, next_drv, next.lat, next.lon, fake_now_ms, 0,
                                        NULL, &err));
        CHECK(dispatch_stop_delivered(planner, tx, next_drv, next.id, "bench",
                                      fake_now_ms + next.service_s * 1000, &err));
        CHECK(store_tx_commit(tx));
        done++;
    }
    return done;
}

/* The day's plan, committed; n_done stops done; then V01 breaks down where it is. */
static void day_until_breakdown(store *s, const dispatch_opts *dopts, int *done,
                                int64_t *latest_s) {
    lm_errinfo err = {0};
    dispatch *planner = NULL;
    CHECK(dispatch_create(dopts, &planner, &err));
    int64_t plan_id = 0;
    dispatch_plan_req req = {0};
    CHECK(dispatch_plan_create(planner, &req, &plan_id, &err));
    dispatch_wait_idle(planner);
    CHECK(dispatch_plan_commit(planner, plan_id, &err));
    *done = run_day(s, planner, latest_s);
    fake_now_ms = *latest_s * 1000;
    store_tx *tx = NULL;
    CHECK(store_tx_begin(s, &tx));
    CHECK(dispatch_driver_exception(planner, tx, "D01", DISPATCH_EXC_BREAKDOWN, 0, "bench",
                                    fake_now_ms, &err));
    CHECK(store_tx_commit(tx));
    dispatch_wait_idle(planner);
    dispatch_destroy(planner);
}

/* One table row: a pass's timings (sorted in place) and its last plan's effect. */
static void row(const char *label, int64_t *t, int64_t *cpu, int runs, const dispatch_plan *pl,
                const dispatch_plan *ref) {
    qsort(t, (size_t)runs, sizeof *t, cmp_i64);
    qsort(cpu, (size_t)runs, sizeof *cpu, cmp_i64);
    double gap = ref->cost > 0 ? 100.0 * (double)(pl->cost - ref->cost) / (double)ref->cost : 0;
    printf("| %s | %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64
           " | %.2f | %" PRId64 " | %" PRId64 " | %zu |\n",
           label, t[runs / 2], t[0], t[runs - 1], cpu[runs / 2], pl->effect.cost_before, pl->cost,
           gap, pl->effect.routes_changed, pl->effect.stops_moved, pl->n_unassigned);
}

/* Times runs re-plans with the feasible pass alone and with both passes, then one re-plan whose
 * free pass searches REF_POLISH_MS as the quality reference, and prints the table. */
static void measure(store *s, const dispatch_opts *dopts, int runs, int done, int64_t latest_s) {
    lm_errinfo err = {0};
    dispatch_opts fast = *dopts, full = *dopts, ref = *dopts;
    fast.replan_polish_ms = 0;
    full.replan_polish_ms = polish_ms;
    ref.replan_polish_ms = REF_POLISH_MS;
    dispatch *df = NULL, *dp = NULL, *dr = NULL;
    CHECK(dispatch_create(&fast, &df, &err));
    CHECK(dispatch_create(&full, &dp, &err));
    CHECK(dispatch_create(&ref, &dr, &err));
    /* each worker reads the durable queue once when it starts: a request recorded before the
     * others have done so would be run by them too (concurrently, with their own budgets) */
    dispatch_wait_idle(df);
    dispatch_wait_idle(dp);
    dispatch_wait_idle(dr);
    int64_t *tf = calloc((size_t)runs, sizeof *tf), *tp = calloc((size_t)runs, sizeof *tp), tr;
    int64_t *cf = calloc((size_t)runs, sizeof *cf), *cp = calloc((size_t)runs, sizeof *cp), cr;
    dispatch_plan pf = {0}, pp = {0}, pr = {0};
    /* BENCH_REPLAN_FEASIBLE_ONLY=1 (profiles of the first pass): the feasible row alone */
    const char *only = getenv("BENCH_REPLAN_FEASIBLE_ONLY");
    bool feasible_only = only && !strcmp(only, "1");
    for (int i = 0; i < runs; i++) {
        dispatch_plan_clear(&pf);
        dispatch_plan_clear(&pp);
        tf[i] = one_replan(s, df, &pf, &cf[i]);
        if (!feasible_only) tp[i] = one_replan(s, dp, &pp, &cp[i]);
    }
    if (feasible_only) {
        printf("| pass | median ms | min ms | max ms | median CPU ms | cost after | unassigned |\n"
               "|---|---|---|---|---|---|---|\n");
        qsort(tf, (size_t)runs, sizeof *tf, cmp_i64);
        qsort(cf, (size_t)runs, sizeof *cf, cmp_i64);
        printf("| feasible | %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64 " | %" PRId64
               " | %zu |\n",
               tf[runs / 2], tf[0], tf[runs - 1], cf[runs / 2], pf.cost, pf.n_unassigned);
        runs = 0; /* nothing more to print */
    }
    if (runs) tr = one_replan(s, dr, &pr, &cr);
    if (!runs) goto out;
    size_t stops_left = 0;
    for (size_t i = 0; i < pp.n_routes; i++)
        stops_left += pp.routes[i].n_stops;
    printf("| pass | median ms | min ms | max ms | median CPU ms | cost before | cost after | vs "
           "10 s re-plan %% | "
           "routes changed | stops moved | unassigned "
           "|\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    char label[160];
    snprintf(label, sizeof label,
             "feasible (live routes repaired: stops kept on their vans in order, V01's parcels "
             "inserted)");
    row(label, tf, cf, runs, &pf, &pr);
    snprintf(label, sizeof label,
             "polished (+ free pass from the repair, move penalty %u, %" PRId64 " ms search)",
             full.move_penalty, full.replan_polish_ms);
    row(label, tp, cp, runs, &pp, &pr);
    snprintf(label, sizeof label, "reference (+ free pass, %d ms search; 1 run)", REF_POLISH_MS);
    row(label, &tr, &cr, 1, &pr, &pr);
    printf("\nDay: %d stops, %d vans (25 parcels each), %d stops done, V01 broken down at "
           "%02d:%02d UTC; %zu stops (deliveries and transfer pickups) in the new plan; %d runs.\n",
           n_stops, n_vans, done, (int)((latest_s - DAY) / 3600),
           (int)((latest_s - DAY) % 3600 / 60), stops_left, runs);
out:
    dispatch_plan_clear(&pf);
    dispatch_plan_clear(&pp);
    dispatch_plan_clear(&pr);
    free(tf);
    free(tp);
    free(cf);
    free(cp);
    dispatch_destroy(df);
    dispatch_destroy(dp);
    dispatch_destroy(dr);
}

/* Copies the file from to to; false on an error. */
static bool copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    bool ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out)) ok = false;
    return ok;
}

/* BENCH_REPLAN_DAY=FILE: the day up to the breakdown is read from FILE (and FILE.txt: its size,
 * stops done and clock) when they exist and match the command line, else built and saved there.
 * The same day can then be re-planned by several builds (before/after in one run, profiles)
 * without its 10 s plan and day of deliveries. Returns true when the day was loaded into path. */
static bool day_load(const char *cache, const char *path, int *done, int64_t *latest_s) {
    char meta[512];
    snprintf(meta, sizeof meta, "%s.txt", cache);
    FILE *f = fopen(meta, "r");
    if (!f) return false;
    int s = 0, v = 0, nd = 0, d = 0;
    long long l = 0;
    bool ok = fscanf(f, "%d %d %d %d %lld", &s, &v, &nd, &d, &l) == 5;
    fclose(f);
    if (!ok || s != n_stops || v != n_vans || nd != n_done) return false;
    if (!copy_file(cache, path)) return false;
    *done = d;
    *latest_s = (int64_t)l;
    return true;
}

static void day_save(const char *cache, const char *path, int done, int64_t latest_s) {
    char meta[512];
    snprintf(meta, sizeof meta, "%s.txt", cache);
    FILE *f = copy_file(path, cache) ? fopen(meta, "w") : NULL;
    if (!f) {
        fprintf(stderr, "bench_replan: cannot save the day to %s\n", cache);
        return;
    }
    fprintf(f, "%d %d %d %d %lld\n", n_stops, n_vans, n_done, done, (long long)latest_s);
    fclose(f);
}

/* RUNS [STOPS VANS DONE POLISH_MS] from the command line; false on a bad one. */
static bool parse_args(int argc, char **argv, int *runs) {
    int64_t v[5] = {5, n_stops, n_vans, n_done, polish_ms};
    static const int64_t lo[5] = {1, 10, 2, 0, 0}, hi[5] = {1000, 5000, 500, 5000, 60000};
    for (int i = 1; i < argc && i <= 5; i++)
        if (!lm_parse_i64(argv[i], lo[i - 1], hi[i - 1], &v[i - 1])) return false;
    if (argc > 6 || v[3] >= v[1] || v[2] * 25 < v[1]) return false;
    *runs = (int)v[0];
    n_stops = (int)v[1];
    n_vans = (int)v[2];
    n_done = (int)v[3];
    polish_ms = v[4];
    return true;
}

int main(int argc, char **argv) {
    int runs = 5;
    if (!parse_args(argc, argv, &runs)) {
        fprintf(stderr, "usage: bench_replan [RUNS [STOPS VANS DONE POLISH_MS]] (VANS * 25 >= "
                        "STOPS > DONE; default 5 500 30 200 350)\n");
        return 2;
    }
    char dir[] = "/tmp/lm_bench_replan_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/b.db", dir);
    lm_errinfo err = {0};
    const char *cache = getenv("BENCH_REPLAN_DAY");
    int done = 0;
    int64_t latest_s = 0;
    bool loaded = cache && *cache && day_load(cache, path, &done, &latest_s);
    store_opts so;
    store_opts_init(&so);
    so.path = path;
    store *s = NULL;
    CHECK(store_open(&so, &s, &err));
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.now_ms = clock_fake;
    dopts.tick_ms = 0;
    dopts.plan_time_limit_ms = 10000;
    if (!loaded) {
        fake_now_ms = (DAY + 6 * 3600) * 1000;
        orders_opts oo;
        orders_opts_init(&oo);
        oo.st = s;
        oo.now_ms = clock_fake;
        orders_svc *o = NULL;
        CHECK(orders_create(&oo, &o));
        seed_catalogue(o);
        seed_orders(o);
        seed_fleet(s);
        dopts.st = s;
        day_until_breakdown(s, &dopts, &done, &latest_s);
        orders_destroy(o);
        if (cache && *cache) { /* closed first: the file then holds the whole day */
            store_close(s);
            day_save(cache, path, done, latest_s);
            CHECK(store_open(&so, &s, &err));
        }
    }
    fake_now_ms = latest_s * 1000;
    dopts.st = s;
    measure(s, &dopts, runs, done, latest_s);

    store_close(s);
    char p[160];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    rmdir(dir);
    return 0;
}
