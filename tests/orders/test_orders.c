/* orders: the pure rules (transition table, audit, policy, normalisation, allocation choice) and
 * the service on a real SQLite file: allocation, no oversell under threads, idempotency,
 * exceptions, backorders, substitutes, lifecycle and events. */
#include "orders/orders.h"
#include "store/store_dispatch.h"
#include "store/store.h"
#include "tests/support/tmp_db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- Pure rules ---- */

static void test_transition_table(void **state) {
    (void)state;
    /* The allowed set, written out independently of the table in lifecycle.c. */
    static const char *const allowed[] = {
        "received>held",
        "received>allocated",
        "received>backordered",
        "received>cancelled",
        "held>allocated",
        "held>backordered",
        "held>cancelled",
        "allocated>picking",
        "allocated>cancelled",
        "backordered>allocated",
        "backordered>cancelled",
        "picking>ready",
        "picking>cancelled",
        "ready>planned",
        "ready>cancelled",
        "planned>out_for_delivery",
        "planned>ready",
        "planned>cancelled",
        "out_for_delivery>delivered",
        "out_for_delivery>failed",
        "failed>ready", /* the next attempt, through recovery only (orders/recovery.c) */
    };
    size_t n_allowed = sizeof allowed / sizeof allowed[0];
    int seen = 0;
    for (int f = 0; f < ORDERS__STATUS_COUNT; f++) {
        for (int t = 0; t < ORDERS__STATUS_COUNT; t++) {
            char key[64];
            snprintf(key, sizeof key, "%s>%s", orders_status_name((orders_status)f),
                     orders_status_name((orders_status)t));
            bool expect = false;
            for (size_t i = 0; i < n_allowed; i++)
                expect |= !strcmp(allowed[i], key);
            bool got = orders_transition_allowed((orders_status)f, (orders_status)t);
            if (got != expect) fail_msg("transition %s: got %d expected %d", key, got, expect);
            seen += got;
        }
    }
    assert_int_equal(seen, (int)n_allowed);
    /* cancelled from every state before out_for_delivery, never after */
    assert_false(orders_transition_allowed(ORDERS_OUT_FOR_DELIVERY, ORDERS_CANCELLED));
    assert_false(orders_transition_allowed(ORDERS_DELIVERED, ORDERS_CANCELLED));
    orders_status s;
    assert_true(orders_status_parse("out_for_delivery", &s));
    assert_int_equal(s, ORDERS_OUT_FOR_DELIVERY);
    assert_false(orders_status_parse("shipped", &s));
    assert_string_equal(orders_status_name((orders_status)99), "unknown");
}

static void test_oos_policy(void **state) {
    (void)state;
    orders_oos p;
    assert_true(orders_oos_parse("substitute", &p));
    assert_int_equal(p, ORDERS_OOS_SUBSTITUTE);
    assert_true(orders_oos_parse("", &p));
    assert_int_equal(p, ORDERS_OOS_UNSET);
    assert_false(orders_oos_parse("refund", &p));
    assert_int_equal(
        orders_oos_resolve(ORDERS_OOS_CANCEL, ORDERS_OOS_SUBSTITUTE, ORDERS_OOS_BACKORDER),
        ORDERS_OOS_CANCEL);
    assert_int_equal(orders_oos_resolve(ORDERS_OOS_UNSET, ORDERS_OOS_SUBSTITUTE, ORDERS_OOS_CANCEL),
                     ORDERS_OOS_SUBSTITUTE);
    assert_int_equal(orders_oos_resolve(ORDERS_OOS_UNSET, ORDERS_OOS_UNSET, ORDERS_OOS_CANCEL),
                     ORDERS_OOS_CANCEL);
    assert_int_equal(orders_oos_resolve(ORDERS_OOS_UNSET, ORDERS_OOS_UNSET, ORDERS_OOS_UNSET),
                     ORDERS_OOS_BACKORDER);
}

static void test_fields_parse(void **state) {
    (void)state;
    uint32_t m = 0xdead;
    lm_errinfo err = {0};
    assert_int_equal(orders_fields_parse("customer.phone, lines", &m, &err), LM_OK);
    assert_int_equal(m, (1u << ORDERS_FIELD_CUSTOMER_PHONE) | (1u << ORDERS_FIELD_LINES));
    m = 7;
    assert_int_equal(orders_fields_parse("lines,customer.shoe_size", &m, &err), LM_INVALID);
    assert_int_equal(m, 7); /* untouched on failure */
    assert_string_equal(err.field, "required_fields");
    assert_non_null(strstr(err.message, "customer.shoe_size"));
    assert_int_equal(orders_fields_parse("", &m, &err), LM_OK);
    assert_int_equal(m, 0);
}

static orders_order sample_order(orders_line *lines, size_t n) {
    orders_order o;
    memset(&o, 0, sizeof o);
    lm_strlcpy(o.customer_name, "Ada Lovelace", sizeof o.customer_name);
    lm_strlcpy(o.customer_phone, "+44 20 7946 0000", sizeof o.customer_phone);
    lm_strlcpy(o.customer_email, "ada@example.org", sizeof o.customer_email);
    lm_strlcpy(o.customer_address, "12 Main Street, London", sizeof o.customer_address);
    o.has_location = true;
    o.lon = -0.1;
    o.lat = 51.5;
    o.lines = lines;
    o.n_lines = n;
    return o;
}

static bool has_rule(const orders_reason *r, size_t n, const char *rule, const char *field) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(r[i].rule, rule) && !strcmp(r[i].field, field)) return true;
    return false;
}

static void test_audit_rules(void **state) {
    (void)state;
    orders_line l = {.sku = "A", .qty = 1};
    orders_order o = sample_order(&l, 1);
    store_orders_config cfg;
    orders_config_defaults(&cfg);
    orders_audit_facts facts = {0};
    orders_reason r[ORDERS_REASONS_MAX];
    assert_int_equal(orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX), 0);

    /* required fields */
    orders_order missing = o;
    missing.customer_name[0] = '\0';
    missing.has_location = false;
    size_t n = orders_audit_eval(&cfg, &missing, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 2);
    assert_true(has_rule(r, n, "required_fields", "customer.name"));
    assert_true(has_rule(r, n, "required_fields", "customer.location"));
    cfg.rule_required = false;
    assert_int_equal(orders_audit_eval(&cfg, &missing, &facts, r, ORDERS_REASONS_MAX), 0);
    cfg.rule_required = true;
    lm_strlcpy(cfg.required_fields, "customer.phone,time_windows", sizeof cfg.required_fields);
    n = orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 1);
    assert_true(has_rule(r, n, "required_fields", "time_windows"));
    orders_config_defaults(&cfg);

    /* service area: only when configured */
    facts.area_configured = true;
    facts.in_area = false;
    n = orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 1);
    assert_true(has_rule(r, n, "service_area", "customer.location"));
    facts.in_area = true;
    assert_int_equal(orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX), 0);
    cfg.rule_service_area = false;
    facts.in_area = false;
    assert_int_equal(orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX), 0);
    orders_config_defaults(&cfg);
    facts = (orders_audit_facts){0};

    /* duplicate, blacklist */
    facts.duplicate_of = 41;
    facts.blacklisted_by = "email";
    n = orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 2);
    assert_true(has_rule(r, n, "duplicate", "lines"));
    assert_non_null(strstr(r[0].message, "41"));
    assert_true(has_rule(r, n, "blacklist", "customer.email"));
    facts = (orders_audit_facts){0};

    /* oversize by weight and by volume; 0 = no limit */
    o.weight_g = 5000;
    o.volume_cm3 = 900;
    cfg.max_weight_g = 4999;
    cfg.max_volume_cm3 = 899;
    n = orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 2);
    assert_true(has_rule(r, n, "oversize", "lines"));
    cfg.max_weight_g = 5000;
    cfg.max_volume_cm3 = 0;
    assert_int_equal(orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX), 0);

    /* with a fleet, the vehicles decide and the configured maximum is ignored */
    facts.fleet_vehicles = 3;
    facts.fleet_fitting = 0;
    facts.fleet_max_g = 1000;
    cfg.max_weight_g = 1;
    n = orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX);
    assert_int_equal(n, 1);
    assert_true(has_rule(r, n, "oversize", "lines"));
    assert_non_null(strstr(r[0].message, "3 active vehicles"));
    facts.fleet_fitting = 1;
    assert_int_equal(orders_audit_eval(&cfg, &o, &facts, r, ORDERS_REASONS_MAX), 0);
    facts = (orders_audit_facts){0};
    cfg.max_weight_g = 5000;

    /* count beyond cap is still reported */
    missing.customer_name[0] = '\0';
    facts.duplicate_of = 1;
    assert_int_equal(orders_audit_eval(&cfg, &missing, &facts, r, 1), 3);
}

static void test_normalise_and_signature(void **state) {
    (void)state;
    char buf[128];
    orders_phone_normalize(" +44 (20) 7946-0000 ", buf, sizeof buf);
    assert_string_equal(buf, "+442079460000");
    orders_email_normalize("  Ada@Example.ORG ", buf, sizeof buf);
    assert_string_equal(buf, "ada@example.org");
    orders_address_normalize("12  Main St.,  London ", buf, sizeof buf);
    assert_string_equal(buf, "12 main st london");

    orders_line a[] = {{.sku = "B", .qty = 2}, {.sku = "A", .qty = 1}, {.sku = "B", .qty = 3}};
    orders_line b[] = {{.sku = "A", .qty = 1}, {.sku = "B", .qty = 5}};
    char s1[128], s2[128];
    assert_int_equal(orders_lines_signature(a, 3, s1, sizeof s1), LM_OK);
    assert_int_equal(orders_lines_signature(b, 2, s2, sizeof s2), LM_OK);
    assert_string_equal(s1, "A:1;B:5");
    assert_string_equal(s1, s2);
    char tiny[4];
    assert_int_equal(orders_lines_signature(a, 3, tiny, sizeof tiny), LM_TOO_BIG);

    orders_order o = sample_order(a, 3);
    orders_customer_key(&o, buf, sizeof buf);
    assert_string_equal(buf, "p:+442079460000");
    o.customer_phone[0] = '\0';
    orders_customer_key(&o, buf, sizeof buf);
    assert_string_equal(buf, "e:ada@example.org");
}

static void test_allocation_choice(void **state) {
    (void)state;
    orders_depot_option opts[] = {
        {.travel_s = 100, .can_fulfil = false},
        {.travel_s = 900, .can_fulfil = true},
        {.travel_s = 300, .can_fulfil = true},
        {.travel_s = 300, .can_fulfil = true},
    };
    assert_int_equal(orders_allocation_choose(opts, 4), 2);
    assert_int_equal(orders_allocation_choose(opts, 1), -1);
    assert_int_equal(orders_allocation_choose(NULL, 0), -1);
}

/* ---- Service on a real store ---- */

typedef struct fixture {
    tmp_db db;
    store *s;
    orders_svc *o;
} fixture;

static int64_t fake_now = 1700000000000;
static int64_t clock_fake(void) {
    return fake_now;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (tmp_db_create(&f->db, "lm_orders_") != 0 || tmp_db_store_open(&f->db, 4, &f->s) != 0)
        return -1;
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = f->s;
    oo.now_ms = clock_fake;
    if (orders_create(&oo, &f->o) != LM_OK) return -1;
    fake_now = 1700000000000;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    orders_destroy(f->o);
    store_close(f->s);
    tmp_db_remove(&f->db);
    free(f);
    return 0;
}

#define OK(expr)                                                                                   \
    do {                                                                                           \
        lm_errinfo e_ = {0};                                                                       \
        lm_status rc_ = (expr);                                                                    \
        (void)e_;                                                                                  \
        if (rc_ != LM_OK) fail_msg("%s -> %s", #expr, lm_status_name(rc_));                        \
    } while (0)

static void add_depot(fixture *f, const char *id, double lon, double lat) {
    orders_depot d = {.lon = lon, .lat = lat, .open_s = 8 * 3600, .close_s = 18 * 3600};
    lm_strlcpy(d.id, id, sizeof d.id);
    lm_strlcpy(d.name, id, sizeof d.name);
    lm_errinfo err = {0};
    if (orders_depot_put(f->o, &d, &err) != LM_OK) fail_msg("depot: %s %s", err.field, err.message);
}

static void add_product(fixture *f, const char *sku, int64_t w, const char *sub, bool active) {
    orders_product p = {.weight_g = w, .volume_cm3 = 1000, .active = active};
    lm_strlcpy(p.sku, sku, sizeof p.sku);
    lm_strlcpy(p.name, sku, sizeof p.name);
    lm_strlcpy(p.substitute_sku, sub ? sub : "", sizeof p.substitute_sku);
    lm_errinfo err = {0};
    if (orders_product_put(f->o, &p, &err) != LM_OK)
        fail_msg("product: %s %s", err.field, err.message);
}

static void set_stock(fixture *f, const char *depot, const char *sku, int64_t n, int64_t rp) {
    orders_stock s;
    lm_errinfo err = {0};
    if (orders_stock_set(f->o, depot, sku, n, rp, &s, &err) != LM_OK)
        fail_msg("stock: %s %s", err.field, err.message);
}

static orders_stock get_stock(fixture *f, const char *depot, const char *sku) {
    orders_stock *all = NULL, found = {0};
    size_t n = 0;
    OK(orders_stock_list(f->o, false, &all, &n, NULL));
    bool hit = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i].depot_id, depot) && !strcmp(all[i].sku, sku)) {
            found = all[i];
            hit = true;
        }
    lm_free(all);
    if (!hit) fail_msg("no stock row %s/%s", depot, sku);
    return found;
}

/* Creates an order for one line; returns the status and fills *out (caller clears). */
static lm_status create(fixture *f, const char *sku, int64_t qty, const char *policy,
                        const char *idem, orders_order *out, lm_errinfo *err) {
    orders_line l = {.qty = qty};
    lm_strlcpy(l.sku, sku, sizeof l.sku);
    orders_order in = sample_order(&l, 1);
    lm_strlcpy(in.oos_policy, policy ? policy : "", sizeof in.oos_policy);
    /* distinct customers so that the duplicate rule stays out of the way */
    static int counter;
    snprintf(in.customer_phone, sizeof in.customer_phone, "+1555%07d", ++counter);
    bool replayed = false;
    return orders_order_create(f->o, &in, idem, out, &replayed, err);
}

static void base_catalogue(fixture *f) {
    add_depot(f, "north", 13.40, 52.60);
    add_depot(f, "south", 13.40, 52.40);
    add_product(f, "tea", 250, NULL, true);
    add_product(f, "tea-green", 250, NULL, true);
    add_product(f, "coffee", 500, "tea-green", true);
}

static void test_allocates_nearest_depot_that_has_everything(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 5, 0);
    set_stock(f, "south", "tea", 5, 0);
    set_stock(f, "south", "coffee", 1, 0);
    orders_line lines[] = {{.sku = "tea", .qty = 2}, {.sku = "coffee", .qty = 1}};
    orders_order in = sample_order(lines, 2);
    in.lon = 13.40;
    in.lat = 52.58; /* near north, but north has no coffee */
    orders_order out;
    bool replayed = true;
    lm_errinfo err = {0};
    assert_int_equal(orders_order_create(f->o, &in, NULL, &out, &replayed, &err), LM_OK);
    assert_false(replayed);
    assert_string_equal(out.status, "allocated");
    assert_string_equal(out.depot_id, "south");
    assert_string_equal(out.stock_outcome, "in_stock");
    assert_int_equal(out.weight_g, 2 * 250 + 500);
    assert_int_equal(strlen(out.tracking_token), 32);
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "south", "tea").reserved, 2);
    assert_int_equal(get_stock(f, "south", "coffee").reserved, 1);
    assert_int_equal(get_stock(f, "north", "tea").reserved, 0);

    /* only tea: north is nearer and now wins */
    assert_int_equal(orders_order_create(f->o, &(orders_order){0}, NULL, &out, NULL, &err) == LM_OK,
                     true);
    orders_order_clear(&out);
    orders_line tea = {.sku = "tea", .qty = 1};
    in = sample_order(&tea, 1);
    lm_strlcpy(in.customer_phone, "+49301234", sizeof in.customer_phone);
    in.lon = 13.40;
    in.lat = 52.58;
    assert_int_equal(orders_order_create(f->o, &in, NULL, &out, NULL, &err), LM_OK);
    assert_string_equal(out.depot_id, "north");
    orders_order_clear(&out);
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 3);
    assert_int_equal(tmp_db_count_events(f->s, "order.allocated"), 2);
}

static void test_unknown_and_quarantined_sku_rejected(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    add_product(f, "bad-batch", 100, NULL, false);
    set_stock(f, "north", "bad-batch", 10, 0);
    orders_order out;
    lm_errinfo err = {0};
    assert_int_equal(create(f, "nope", 1, NULL, NULL, &out, &err), LM_INVALID);
    assert_string_equal(err.field, "lines[0].sku");
    assert_int_equal(create(f, "bad-batch", 1, NULL, NULL, &out, &err), LM_CONFLICT);
    assert_string_equal(err.field, "lines[0].sku");
    assert_non_null(strstr(err.message, "quarantined"));
    assert_int_equal(create(f, "tea", 0, NULL, NULL, &out, &err), LM_INVALID);
    assert_string_equal(err.field, "lines[0].qty");
    assert_int_equal(create(f, "tea", 1, "refund", NULL, &out, &err), LM_INVALID);
    assert_string_equal(err.field, "out_of_stock");
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 0);
}

static void test_out_of_stock_policies(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea-green", 3, 0);
    orders_order out;
    lm_errinfo err = {0};
    assert_int_equal(create(f, "tea", 1, "cancel", NULL, &out, &err), LM_OK);
    assert_string_equal(out.status, "cancelled");
    assert_string_equal(out.stock_outcome, "out_of_stock");
    orders_order_clear(&out);

    assert_int_equal(create(f, "coffee", 2, "substitute", NULL, &out, &err), LM_OK);
    assert_string_equal(out.status, "allocated");
    assert_string_equal(out.stock_outcome, "substituted");
    assert_string_equal(out.lines[0].sku, "tea-green");
    assert_string_equal(out.lines[0].ordered_sku, "coffee");
    int64_t id = out.id;
    orders_order_clear(&out);
    OK(orders_order_get(f->o, id, &out, NULL));
    assert_string_equal(out.lines[0].sku, "tea-green");
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "north", "tea-green").reserved, 2);

    /* substitute without enough substitute stock falls back to backorder */
    assert_int_equal(create(f, "coffee", 2, "substitute", NULL, &out, &err), LM_OK);
    assert_string_equal(out.status, "backordered");
    orders_order_clear(&out);

    /* channel policy applies when the order has none; the default (backorder) otherwise */
    orders_config cfg;
    OK(orders_config_get(f->o, &cfg, NULL));
    store_channel_policy cp = {.channel = "marketplace", .oos_policy = "cancel"};
    cfg.channels = &cp;
    cfg.n_channels = 1;
    OK(orders_config_put(f->o, &cfg, NULL));
    cfg.channels = NULL;
    orders_config_clear(&cfg);
    orders_line l = {.sku = "tea", .qty = 1};
    orders_order in = sample_order(&l, 1);
    lm_strlcpy(in.channel, "marketplace", sizeof in.channel);
    lm_strlcpy(in.customer_phone, "+100", sizeof in.customer_phone);
    assert_int_equal(orders_order_create(f->o, &in, NULL, &out, NULL, &err), LM_OK);
    assert_string_equal(out.status, "cancelled");
    orders_order_clear(&out);
    lm_strlcpy(in.channel, "web", sizeof in.channel);
    assert_int_equal(orders_order_create(f->o, &in, NULL, &out, NULL, &err), LM_OK);
    assert_string_equal(out.status, "backordered");
    orders_order_clear(&out);
}

static void test_backorders_allocated_oldest_first_when_stock_arrives(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    int64_t ids[3];
    orders_order out;
    lm_errinfo err = {0};
    for (int i = 0; i < 3; i++) {
        fake_now += 1000;
        assert_int_equal(create(f, "tea", 2, "backorder", NULL, &out, &err), LM_OK);
        assert_string_equal(out.status, "backordered");
        ids[i] = out.id;
        orders_order_clear(&out);
    }
    set_stock(f, "south", "tea", 5, 0); /* room for the two oldest */
    const char *expect[] = {"allocated", "allocated", "backordered"};
    for (int i = 0; i < 3; i++) {
        OK(orders_order_get(f->o, ids[i], &out, NULL));
        assert_string_equal(out.status, expect[i]);
        orders_order_clear(&out);
    }
    assert_int_equal(get_stock(f, "south", "tea").reserved, 4);
    /* cancelling an allocated order frees stock: the waiting one takes it */
    OK(orders_order_cancel(f->o, ids[0], &out, NULL));
    assert_string_equal(out.status, "cancelled");
    orders_order_clear(&out);
    OK(orders_order_get(f->o, ids[2], &out, NULL));
    assert_string_equal(out.status, "allocated");
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "south", "tea").reserved, 4);
}

static void test_stock_low_event_and_conflict(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 10, 8);
    assert_int_equal(tmp_db_count_events(f->s, "stock.low"), 0);
    orders_order out;
    lm_errinfo err = {0};
    assert_int_equal(create(f, "tea", 2, NULL, NULL, &out, &err), LM_OK); /* 10 -> 8: not below */
    orders_order_clear(&out);
    assert_int_equal(tmp_db_count_events(f->s, "stock.low"), 0);
    assert_int_equal(create(f, "tea", 1, NULL, NULL, &out, &err), LM_OK); /* 8 -> 7: below */
    orders_order_clear(&out);
    assert_int_equal(tmp_db_count_events(f->s, "stock.low"), 1);
    assert_int_equal(create(f, "tea", 1, NULL, NULL, &out, &err), LM_OK); /* already low */
    orders_order_clear(&out);
    assert_int_equal(tmp_db_count_events(f->s, "stock.low"), 1);
    orders_stock *low = NULL;
    size_t n = 0;
    OK(orders_stock_list(f->o, true, &low, &n, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(low[0].on_hand - low[0].reserved, 6);
    lm_free(low);
    /* on_hand below reserved is refused and changes nothing */
    orders_stock s;
    assert_int_equal(orders_stock_set(f->o, "north", "tea", 3, -1, &s, &err), LM_CONFLICT);
    assert_string_equal(err.field, "on_hand");
    assert_int_equal(get_stock(f, "north", "tea").on_hand, 10);
    assert_int_equal(orders_stock_set(f->o, "west", "tea", 3, -1, &s, &err), LM_NOT_FOUND);
    assert_string_equal(err.field, "depot");
}

typedef struct race {
    fixture *f;
    int allocated, backordered, failed;
    pthread_mutex_t mu;
} race;

static void *race_worker(void *arg) {
    race *r = arg;
    orders_order out;
    lm_errinfo err = {0};
    lm_status rc = create(r->f, "tea", 1, "cancel", NULL, &out, &err);
    pthread_mutex_lock(&r->mu);
    if (rc != LM_OK)
        r->failed++;
    else if (!strcmp(out.status, "allocated"))
        r->allocated++;
    else
        r->backordered++;
    pthread_mutex_unlock(&r->mu);
    if (rc == LM_OK) orders_order_clear(&out);
    return NULL;
}

static void test_no_oversell_under_threads(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 10, 0);
    race r = {.f = f};
    pthread_mutex_init(&r.mu, NULL);
    pthread_t th[50];
    for (int i = 0; i < 50; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_worker, &r), 0);
    for (int i = 0; i < 50; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&r.mu);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.allocated, 10);
    assert_int_equal(r.backordered, 40); /* here: cancelled for lack of stock */
    orders_stock s = get_stock(f, "north", "tea");
    assert_int_equal(s.reserved, 10);
    assert_int_equal(s.on_hand, 10);
}

typedef struct idem_slot {
    int64_t id;
    fixture *f;
} idem_slot;

static void *idem_worker(void *arg) {
    idem_slot *slot = arg;
    fixture *f = slot->f;
    orders_line l = {.sku = "tea", .qty = 1};
    orders_order in = sample_order(&l, 1);
    orders_order out;
    if (orders_order_create(f->o, &in, "key-42", &out, NULL, NULL) == LM_OK) {
        slot->id = out.id;
        orders_order_clear(&out);
    }
    return NULL;
}

static void test_idempotency_key(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 100, 0);
    idem_slot slots[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        slots[i].id = 0;
        slots[i].f = f;
        assert_int_equal(pthread_create(&th[i], NULL, idem_worker, &slots[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++) {
        assert_true(slots[i].id > 0);
        assert_int_equal(slots[i].id, slots[0].id);
    }
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 1);
    assert_int_equal(get_stock(f, "north", "tea").reserved, 1);
    bool replayed = false;
    orders_line l = {.sku = "tea", .qty = 1};
    orders_order in = sample_order(&l, 1), out;
    OK(orders_order_create(f->o, &in, "key-42", &out, &replayed, NULL));
    assert_true(replayed);
    assert_int_equal(out.id, slots[0].id);
    orders_order_clear(&out);
}

static void test_held_orders_exceptions_release_and_cancel(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 10, 0);
    orders_config cfg;
    OK(orders_config_get(f->o, &cfg, NULL));
    cfg.rules.max_weight_g = 1000;
    store_blacklist_entry bl = {.kind = "email", .value = " Mallory@Example.org"};
    cfg.blacklist = &bl;
    cfg.n_blacklist = 1;
    /* a square around Berlin's centre; [lon, lat] */
    char *area = lm_strdup("{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.45],[13.5,52.45],"
                           "[13.5,52.55],[13.3,52.55],[13.3,52.45]]]}");
    lm_free(cfg.service_area);
    cfg.service_area = area;
    OK(orders_config_put(f->o, &cfg, NULL));
    cfg.blacklist = NULL;
    orders_config_clear(&cfg);

    orders_line l = {.sku = "tea", .qty = 1};
    orders_order in = sample_order(&l, 1);
    in.lon = 13.4;
    in.lat = 52.5;
    orders_order out;
    lm_errinfo err = {0};
    OK(orders_order_create(f->o, &in, NULL, &out, NULL, &err));
    assert_string_equal(out.status, "allocated");
    orders_order_clear(&out);

    /* same customer and lines again: duplicate */
    OK(orders_order_create(f->o, &in, NULL, &out, NULL, &err));
    assert_string_equal(out.status, "held");
    int64_t dup = out.id;
    orders_order_clear(&out);
    /* outside the window it is not a duplicate */
    fake_now += 901 * 1000;
    OK(orders_order_create(f->o, &in, NULL, &out, NULL, &err));
    assert_string_equal(out.status, "allocated");
    orders_order_clear(&out);

    /* outside the area, blacklisted, oversize, and missing name: four reasons */
    orders_line heavy = {.sku = "tea", .qty = 5};
    orders_order bad = sample_order(&heavy, 1);
    bad.lon = 14.0;
    bad.lat = 52.5;
    bad.customer_name[0] = '\0';
    bad.customer_phone[0] = '\0';
    lm_strlcpy(bad.customer_email, "mallory@example.org", sizeof bad.customer_email);
    OK(orders_order_create(f->o, &bad, NULL, &out, NULL, &err));
    assert_string_equal(out.status, "held");
    int64_t held = out.id;
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "north", "tea").reserved, 2); /* held orders reserve nothing */

    orders_exception *ex = NULL;
    size_t n = 0;
    OK(orders_exception_list(f->o, true, 0, &ex, &n, NULL));
    assert_int_equal(n, 5);
    int seen_area = 0, seen_bl = 0, seen_ov = 0, seen_req = 0, seen_dup = 0;
    for (size_t i = 0; i < n; i++) {
        seen_dup += ex[i].order_id == dup && !strcmp(ex[i].rule, "duplicate");
        if (ex[i].order_id != held) continue;
        seen_area += !strcmp(ex[i].rule, "service_area");
        seen_bl += !strcmp(ex[i].rule, "blacklist");
        seen_ov += !strcmp(ex[i].rule, "oversize");
        seen_req += !strcmp(ex[i].rule, "required_fields");
    }
    lm_free(ex);
    assert_int_equal(seen_dup + seen_area + seen_bl + seen_ov + seen_req, 5);

    /* release allocates; cancel closes; both resolve the exceptions */
    OK(orders_order_release(f->o, held, &out, &err));
    assert_string_equal(out.status, "allocated");
    orders_order_clear(&out);
    assert_int_equal(orders_order_release(f->o, held, &out, &err), LM_CONFLICT);
    assert_non_null(strstr(err.message, "allocated"));
    OK(orders_order_cancel(f->o, dup, &out, &err));
    orders_order_clear(&out);
    OK(orders_exception_list(f->o, true, 0, &ex, &n, NULL));
    assert_int_equal(n, 0);
    lm_free(ex);
    OK(orders_exception_list(f->o, false, 0, &ex, &n, NULL));
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(ex[i].resolution, ex[i].order_id == held ? "release" : "cancel");
    lm_free(ex);
    OK(orders_exception_list(f->o, false, held, &ex, &n, NULL));
    assert_int_equal(n, 4);
    lm_free(ex);

    /* a bad area is refused, naming the GeoJSON field */
    OK(orders_config_get(f->o, &cfg, NULL));
    lm_free(cfg.service_area);
    cfg.service_area = lm_strdup("{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.45]]]}");
    assert_int_equal(orders_config_put(f->o, &cfg, &err), LM_INVALID);
    assert_non_null(strstr(err.field, "service_area"));
    orders_config_clear(&cfg);
}

static void test_lifecycle_walk(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 10, 0);
    orders_order out;
    lm_errinfo err = {0};
    OK(create(f, "tea", 3, NULL, NULL, &out, &err));
    int64_t id = out.id;
    orders_order_clear(&out);
    /* ready before picking: 409 naming the state */
    assert_int_equal(orders_order_ready(f->o, id, 1, 1, 1, &out, &err), LM_CONFLICT);
    assert_non_null(strstr(err.message, "allocated"));
    OK(orders_order_picking(f->o, id, &out, &err));
    orders_order_clear(&out);
    assert_int_equal(orders_order_ready(f->o, id, 1, 1, 0, &out, &err), LM_INVALID);
    assert_string_equal(err.field, "parcels");
    OK(orders_order_ready(f->o, id, 900, 3000, 2, &out, &err));
    assert_int_equal(out.pkg_parcels, 2);
    orders_order_clear(&out);

    orders_package *pk = NULL;
    size_t n = 0;
    OK(orders_ready_list(f->o, NULL, &pk, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(pk[0].order_id, id);
    assert_int_equal(pk[0].weight_g, 900);
    assert_string_equal(pk[0].depot_id, "north");
    lm_free(pk);
    OK(orders_ready_list(f->o, "south", &pk, &n, &err));
    assert_int_equal(n, 0);
    lm_free(pk);

    OK(orders_order_advance(f->o, id, ORDERS_PLANNED, &out, &err));
    orders_order_clear(&out);
    assert_int_equal(orders_order_advance(f->o, id, ORDERS_DELIVERED, &out, &err), LM_CONFLICT);
    OK(orders_order_advance(f->o, id, ORDERS_OUT_FOR_DELIVERY, &out, &err));
    orders_order_clear(&out);
    orders_stock s = get_stock(f, "north", "tea");
    assert_int_equal(s.on_hand, 7);
    assert_int_equal(s.reserved, 0);
    assert_int_equal(orders_order_cancel(f->o, id, &out, &err), LM_CONFLICT);
    assert_non_null(strstr(err.message, "out_for_delivery"));
    OK(orders_order_advance(f->o, id, ORDERS_DELIVERED, &out, &err));
    orders_order_clear(&out);
    assert_int_equal(orders_order_advance(f->o, id, ORDERS_FAILED, &out, &err), LM_CONFLICT);
    assert_int_equal(tmp_db_count_events(f->s, "order.delivered"), 1);

    /* inside a caller's transaction: nothing until it commits, and a rollback undoes it */
    OK(create(f, "tea", 1, NULL, NULL, &out, &err));
    int64_t t = out.id;
    orders_order_clear(&out);
    OK(orders_order_picking(f->o, t, &out, &err));
    orders_order_clear(&out);
    OK(orders_order_ready(f->o, t, 1, 1, 1, &out, &err));
    orders_order_clear(&out);
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    assert_int_equal(orders_order_advance_tx(tx, t, ORDERS_DELIVERED, 1, &err), LM_CONFLICT);
    OK(orders_order_advance_tx(tx, t, ORDERS_PLANNED, 1, &err));
    store_tx_rollback(tx);
    OK(orders_order_get(f->o, t, &out, &err));
    assert_string_equal(out.status, "ready");
    orders_order_clear(&out);
    OK(store_tx_begin(f->s, &tx));
    OK(orders_order_advance_tx(tx, t, ORDERS_PLANNED, 1, &err));
    OK(orders_order_advance_tx(tx, t, ORDERS_OUT_FOR_DELIVERY, 2, &err));
    OK(store_tx_commit(tx));
    OK(orders_order_get(f->o, t, &out, &err));
    assert_string_equal(out.status, "out_for_delivery");
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "north", "tea").on_hand, 6);
    assert_int_equal(orders_order_picking(f->o, 9999, &out, &err), LM_NOT_FOUND);

    /* cancelling from picking releases the reservation */
    OK(create(f, "tea", 2, NULL, NULL, &out, &err));
    id = out.id;
    orders_order_clear(&out);
    OK(orders_order_picking(f->o, id, &out, &err));
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "north", "tea").reserved, 2);
    OK(orders_order_cancel(f->o, id, &out, &err));
    orders_order_clear(&out);
    assert_int_equal(get_stock(f, "north", "tea").reserved, 0);

    orders_order *list = NULL;
    orders_filter flt = {.status = "cancelled", .limit = 10};
    OK(orders_order_list(f->o, &flt, &list, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, id);
    orders_order_list_free(list, n);
    flt.status = "lost";
    assert_int_equal(orders_order_list(f->o, &flt, &list, &n, &err), LM_INVALID);
}

typedef struct batch_job {
    fixture *f;
    int index;
    lm_status rc;
    int64_t id;
    char status[24];
    bool replayed;
} batch_job;

static atomic_int batch_entered; /* batch workers about to create their order */

static void *batch_worker(void *arg) {
    batch_job *j = arg;
    atomic_fetch_add(&batch_entered, 1);
    /* every 5th asks for an unknown SKU; jobs 1 and 2 share an idempotency key */
    orders_line l = {.qty = 1};
    lm_strlcpy(l.sku, j->index % 5 == 4 ? "nope" : "tea", sizeof l.sku);
    orders_order in = sample_order(&l, 1);
    snprintf(in.customer_phone, sizeof in.customer_phone, "+3399%06d", j->index);
    char key[32];
    snprintf(key, sizeof key, "batch-%d", j->index == 2 ? 1 : j->index);
    orders_order out;
    lm_errinfo err = {0};
    j->rc = orders_order_create(j->f->o, &in, key, &out, &j->replayed, &err);
    if (j->rc == LM_OK) {
        j->id = out.id;
        lm_strlcpy(j->status, out.status, sizeof j->status);
        orders_order_clear(&out);
    }
    return NULL;
}

static void test_group_commit_batch(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 12, 0);
    store_stats before, after;
    store_stats_get(f->s, &before);
    /* hold the writer so that the creations queue up behind one leader */
    store_tx *hold = NULL;
    OK(store_tx_begin(f->s, &hold));
    enum { N = 20 };
    batch_job jobs[N];
    pthread_t th[N];
    atomic_store(&batch_entered, 0);
    for (int i = 0; i < N; i++) {
        jobs[i] = (batch_job){.f = f, .index = i};
        assert_int_equal(pthread_create(&th[i], NULL, batch_worker, &jobs[i]), 0);
    }
    /* every worker is on its way in before the writer is released (polled, 15 s deadline):
     * a straggler that queues after the release costs one more commit, far from 15 */
    for (int i = 0; i < 300 && atomic_load(&batch_entered) < N; i++)
        usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    assert_int_equal(atomic_load(&batch_entered), N);
    store_tx_rollback(hold);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    store_stats_get(f->s, &after);
    int ok = 0, invalid = 0, allocated = 0, replays = 0;
    for (int i = 0; i < N; i++) {
        if (jobs[i].rc == LM_INVALID) {
            invalid++;
            continue;
        }
        assert_int_equal(jobs[i].rc, LM_OK);
        ok++;
        replays += jobs[i].replayed;
        allocated += !jobs[i].replayed && !strcmp(jobs[i].status, "allocated");
    }
    assert_int_equal(invalid, 4); /* indexes 4, 9, 14, 19: rejected alone */
    assert_int_equal(ok, 16);
    assert_int_equal(replays, 1); /* job 1 or 2, whichever ran second */
    assert_int_equal(jobs[1].id, jobs[2].id);
    assert_int_equal(allocated, 12); /* 15 distinct orders at 12 units */
    assert_int_equal(get_stock(f, "north", "tea").reserved, 12);
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 15);
    /* fewer commits than orders: they shared transactions */
    uint64_t commits = after.commits - before.commits;
    if (commits >= 15)
        fail_msg("%llu commits for 15 orders: no batching", (unsigned long long)commits);
}

static void test_create_many(void **state) {
    fixture *f = *state;
    base_catalogue(f);
    set_stock(f, "north", "tea", 2, 0);
    orders_line good = {.sku = "tea", .qty = 1}, bad = {.sku = "nope", .qty = 1},
                zero = {.sku = "tea", .qty = 0};
    orders_order in[5];
    in[0] = sample_order(&good, 1);
    in[1] = sample_order(&bad, 1);
    in[2] = sample_order(&good, 1); /* same key as in[0]: the same order */
    in[3] = sample_order(&zero, 1); /* rejected before the transaction */
    in[4] = sample_order(&good, 1);
    lm_strlcpy(in[4].customer_phone, "+1999", sizeof in[4].customer_phone);
    const char *keys[5] = {"m-1", NULL, "m-1", NULL, ""};
    orders_create_result res[5];
    OK(orders_order_create_many(f->o, in, keys, 5, res));
    assert_int_equal(res[0].rc, LM_OK);
    assert_string_equal(res[0].status, "allocated");
    assert_int_equal(res[1].rc, LM_INVALID);
    assert_string_equal(res[1].err.field, "lines[0].sku");
    assert_int_equal(res[2].rc, LM_OK);
    assert_true(res[2].replayed);
    assert_int_equal(res[2].id, res[0].id);
    assert_int_equal(res[3].rc, LM_INVALID);
    assert_string_equal(res[3].err.field, "lines[0].qty");
    assert_int_equal(res[4].rc, LM_OK);
    assert_string_equal(res[4].status, "allocated");
    assert_int_equal(get_stock(f, "north", "tea").reserved, 2);
    assert_int_equal(tmp_db_count_events(f->s, "order.received"), 2);
}

static void add_vehicle(fixture *f, const char *id, int64_t cap_g, int64_t cap_cm3) {
    store_vehicle v = {.capacity_g = cap_g,
                       .capacity_cm3 = cap_cm3,
                       .shift_end_s = 86400,
                       .speed_factor = 1.0,
                       .active = true};
    lm_strlcpy(v.id, id, sizeof v.id);
    lm_strlcpy(v.name, id, sizeof v.name);
    lm_strlcpy(v.start_depot, "north", sizeof v.start_depot);
    lm_strlcpy(v.end_depot, "north", sizeof v.end_depot);
    store_tx *tx = NULL;
    OK(store_tx_begin(f->s, &tx));
    OK(store_vehicle_put(tx, &v, NULL));
    OK(store_tx_commit(tx));
}

static void test_oversize_against_the_fleet(void **state) {
    fixture *f = *state;
    base_catalogue(f); /* tea: 250 g, 1000 cm3 a unit */
    set_stock(f, "north", "tea", 1000, 0);
    orders_order out;
    lm_errinfo err = {0};
    /* no vehicles: the configured maximum (none by default) */
    OK(create(f, "tea", 40, NULL, NULL, &out, &err));
    assert_string_equal(out.status, "allocated");
    orders_order_clear(&out);
    /* a small van and a big truck with unlimited volume: 40 units = 10 kg, 40 l */
    add_vehicle(f, "van", 5000, 100000);
    add_vehicle(f, "truck", 20000, 0);
    OK(create(f, "tea", 40, NULL, NULL, &out, &err));
    assert_string_equal(out.status, "allocated"); /* the truck carries it */
    orders_order_clear(&out);
    OK(create(f, "tea", 81, NULL, NULL, &out, &err)); /* 20.25 kg: neither */
    assert_string_equal(out.status, "held");
    int64_t id = out.id;
    orders_order_clear(&out);
    orders_exception *ex = NULL;
    size_t n = 0;
    OK(orders_exception_list(f->o, true, id, &ex, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(ex[0].rule, "oversize");
    assert_non_null(strstr(ex[0].message, "2 active vehicles"));
    lm_free(ex);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_oos_policy),
        cmocka_unit_test(test_fields_parse),
        cmocka_unit_test(test_audit_rules),
        cmocka_unit_test(test_normalise_and_signature),
        cmocka_unit_test(test_allocation_choice),
        cmocka_unit_test_setup_teardown(test_allocates_nearest_depot_that_has_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_quarantined_sku_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_stock_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backorders_allocated_oldest_first_when_stock_arrives,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_stock_low_event_and_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_oversell_under_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_against_the_fleet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_orders_exceptions_release_and_cancel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
