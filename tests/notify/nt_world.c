/* tests/notify/nt_world.c: the notify suites' servers and world (nt_world.h). */
#include "tests/notify/nt_world.h"
#include "store/store_dispatch.h"
#include "tests/support/http_test.h"
#include "tests/support/test_day.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

int64_t nt_now_ms;

static int64_t nt_clock(void) {
    return nt_now_ms;
}

/* ---- Child servers ---- */

static bool accepts(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

/* Runs argv (an argument holding "PORT" gets a free port there) and waits, bounded, until the
 * port accepts. */
static void spawn(nt_proc *p, const char *const argv[]) {
    p->port = http_test_free_port();
    assert_true(p->port != 0);
    char subst[8][96];
    char *args[16];
    size_t k = 0, s = 0;
    for (; argv[k] && k < 15; k++) {
        const char *at = strstr(argv[k], "PORT");
        if (at && s < 8) {
            snprintf(subst[s], sizeof subst[s], "%.*s%u%s", (int)(at - argv[k]), argv[k],
                     (unsigned)p->port, at + 4);
            args[k] = subst[s++];
        } else {
            args[k] = (char *)argv[k];
        }
    }
    args[k] = NULL;
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execv(args[0], args);
        _exit(127);
    }
    for (int i = 0; i < 300 && !accepts(p->port); i++)
        usleep(50 * 1000); /* timing-ok: poll for the listener, 15 s deadline */
    if (!accepts(p->port)) {
        nt_proc_stop(p);
        fail_msg("%s %s did not listen on a loopback port within 15 s (python3-aiosmtpd "
                 "installed? scripts/install-deps.sh)",
                 args[0], args[1]);
    }
}

void nt_smtp_start(nt_proc *p, const char *dir) {
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s/maildir", dir);
    /* /usr/bin/python3: the Debian interpreter python3-aiosmtpd is installed for */
    const char *argv[] = {
        "/usr/bin/python3",          "-m",   "aiosmtpd", "-n", "-l", "127.0.0.1:PORT", "-c",
        "aiosmtpd.handlers.Mailbox", p->dir, NULL};
    spawn(p, argv);
}

void nt_gateway_start(nt_proc *p, const char *dir, const char *name, int status) {
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "%s/%s.jsonl", dir, name);
    const char *src = getenv("LASTMILE_SOURCE_DIR");
    char script[512], st[8];
    snprintf(script, sizeof script, "%s/tests/notify/sms_gateway.py", src ? src : ".");
    snprintf(st, sizeof st, "%d", status);
    const char *argv[] = {"/usr/bin/python3", script, "PORT", p->dir, st, NULL};
    spawn(p, argv);
}

void nt_proc_stop(nt_proc *p) {
    if (p->pid <= 0) return;
    kill(p->pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; i++) {
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            return;
        }
        usleep(50 * 1000); /* timing-ok: poll for the exit, 5 s, then SIGKILL */
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0;
    lm_status rc = lm_buf_read_stream(f, 1 << 22, &text, &len);
    fclose(f);
    return rc == LM_OK ? text : NULL;
}

size_t nt_mail_count(const nt_proc *smtp, const char *needle) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/new", smtp->dir);
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = slurp(path);
        if (text && (!needle || strstr(text, needle))) n++;
        lm_free(text);
    }
    closedir(d);
    return n;
}

size_t nt_gateway_count(const nt_proc *gw, const char *needle) {
    char *text = slurp(gw->dir);
    size_t n = 0;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end) *end = '\0';
        if (*line && (!needle || strstr(line, needle))) n++;
        line = end ? end + 1 : NULL;
    }
    lm_free(text);
    return n;
}

/* ---- The world ---- */

void nt_opts(notify_opts *o, const nt_proc *smtp, const nt_proc *gw) {
    static char smtp_url[64], sms_url[96];
    notify_opts_init(o);
    o->now_ms = nt_clock;
    o->tick_ms = 0;
    if (smtp) {
        snprintf(smtp_url, sizeof smtp_url, "smtp://127.0.0.1:%u", (unsigned)smtp->port);
        o->smtp_url = smtp_url;
        o->mail_from = "deliveries@shop.test";
    }
    if (gw) {
        snprintf(sms_url, sizeof sms_url, "http://127.0.0.1:%u/2010-04-01/Messages",
                 (unsigned)gw->port);
        o->sms_url = sms_url;
        o->sms_from = "+15005550006";
        o->sms_auth_header = "Bearer gateway-token-1";
    }
    o->track_url = "https://track.test/t#";
    lm_errinfo err = {0};
    NT_OK(events_netguard_allow(&o->guard, "127.0.0.1/32", &err), err);
    o->max_attempts = 3;
    o->backoff_ms = 1000;
    o->backoff_max_ms = 4000;
    o->timeout_ms = 5000;
}

static void orders_in(nt_world *w) {
    lm_errinfo err = {0};
    int64_t day = w->day;
    orders_depot dep = {.lon = 4.85, .lat = 45.75, .open_s = 0, .close_s = 86399};
    lm_strlcpy(dep.id, "DEP", sizeof dep.id);
    lm_strlcpy(dep.name, "Depot", sizeof dep.name);
    NT_OK(orders_depot_put(w->o, &dep, &err), err);
    orders_product pr = {.weight_g = 2000, .volume_cm3 = 3000, .active = true};
    lm_strlcpy(pr.sku, "SKU1", sizeof pr.sku);
    lm_strlcpy(pr.name, "Thing", sizeof pr.name);
    NT_OK(orders_product_put(w->o, &pr, &err), err);
    orders_stock stk;
    NT_OK(orders_stock_set(w->o, "DEP", "SKU1", 100, 0, &stk, &err), err);
    for (int i = 0; i < NT_ORDERS; i++) {
        orders_line l = {.qty = 1};
        lm_strlcpy(l.sku, "SKU1", sizeof l.sku);
        orders_order in = {0};
        snprintf(in.external_ref, sizeof in.external_ref, "shop-%d", i);
        snprintf(in.customer_name, sizeof in.customer_name, "Customer %d", i);
        snprintf(in.customer_email, sizeof in.customer_email, "Customer%d@Example.test", i);
        snprintf(in.customer_phone, sizeof in.customer_phone, "+33 6 10 00 00 0%d", i);
        snprintf(in.customer_address, sizeof in.customer_address, "%d rue Test, Lyon", i);
        in.has_location = true;
        in.lat = 45.75 + 0.01 * (i + 1);
        in.lon = 4.85 + 0.012 * (i + 1);
        in.lines = &l;
        in.n_lines = 1;
        in.windows[0] = (store_window){day, day + 86399};
        in.n_windows = 1;
        orders_order out = {0};
        bool replayed = false;
        NT_OK(orders_order_create(w->o, &in, NULL, &out, &replayed, &err), err);
        w->order_ids[i] = out.id;
        lm_strlcpy(w->tokens[i], out.tracking_token, sizeof w->tokens[i]);
        orders_order_clear(&out);
        NT_OK(orders_order_picking(w->o, w->order_ids[i], NULL, &err), err);
        NT_OK(orders_order_ready(w->o, w->order_ids[i], 2000, 3000, 1, NULL, &err), err);
    }
}

static void plan_in(nt_world *w) {
    lm_errinfo err = {0};
    store_tx *tx = NULL;
    assert_int_equal(store_tx_begin(w->s, &tx), LM_OK);
    dispatch_vehicle veh;
    dispatch_vehicle_init(&veh);
    lm_strlcpy(veh.id, "V1", sizeof veh.id);
    lm_strlcpy(veh.name, "Van 1", sizeof veh.name);
    lm_strlcpy(veh.start_depot, "DEP", sizeof veh.start_depot);
    lm_strlcpy(veh.end_depot, "DEP", sizeof veh.end_depot);
    veh.shift_start_s = 0;
    veh.shift_end_s = 86399;
    NT_OK(dispatch_vehicle_put(tx, &veh, &err), err);
    dispatch_driver dr = {0};
    lm_strlcpy(dr.id, "D1", sizeof dr.id);
    lm_strlcpy(dr.name, "Driver 1", sizeof dr.name);
    lm_strlcpy(dr.device_id, "phone1", sizeof dr.device_id);
    lm_strlcpy(dr.vehicle_id, "V1", sizeof dr.vehicle_id);
    dr.allow_short_device_id = true;
    NT_OK(dispatch_driver_save(tx, &dr, NULL, &err), err);
    assert_int_equal(store_tx_commit(tx), LM_OK);
    dispatch_plan_req req = {0};
    req.day_start_s = w->day;
    int64_t plan = 0;
    NT_OK(dispatch_plan_create(w->d, &req, &plan, &err), err);
    dispatch_wait_idle(w->d);
    NT_OK(dispatch_plan_commit(w->d, plan, &err), err);
    /* the van's stops in route order, and each one's order */
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_stop_filter f = {.vehicle_id = "V1", .live_only = true, .pending_only = true};
    store_stop *s = NULL;
    size_t n = 0;
    NT_OK(store_stop_query(r, &f, &s, &n, &err), err);
    store_read_end(r);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].kind == DISPATCH_STOP_DELIVERY && k < NT_ORDERS) {
            w->stop_ids[k] = s[i].id;
            w->stop_orders[k++] = s[i].order_id;
        }
    lm_free(s);
    assert_int_equal(k, NT_ORDERS);
}

void nt_world_setup(nt_world *w, const char *prefix, const notify_opts *o) {
    memset(w, 0, sizeof *w);
    nt_now_ms = INT64_C(1773741600) * 1000; /* Tue 2026-03-17 10:00 UTC */
    assert_int_equal(tmp_db_create(&w->db, prefix), 0);
    assert_int_equal(tmp_db_store_open(&w->db, 4, &w->s), 0);
    lm_errinfo err = {0};
    w->nopts = *o;
    w->nopts.st = w->s;
    NT_OK(notify_create(&w->nopts, &w->n, &err), err);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = w->s;
    assert_int_equal(orders_create(&oo, &w->o), LM_OK);
    dispatch_opts d;
    dispatch_opts_init(&d);
    d.st = w->s;
    d.tick_ms = 0;
    d.plan_time_limit_ms = 300;
    d.replan_feasible_ms = 100;
    d.replan_polish_ms = 0;
    w->day = test_day_at_noon(&w->utc_offset_s);
    d.utc_offset_s = w->utc_offset_s;
    NT_OK(dispatch_create(&d, &w->d, &err), err);
    orders_in(w);
    plan_in(w);
}

void nt_world_restart(nt_world *w) {
    notify_destroy(w->n);
    w->n = NULL;
    lm_errinfo err = {0};
    NT_OK(notify_create(&w->nopts, &w->n, &err), err);
}

void nt_world_teardown(nt_world *w) {
    notify_destroy(w->n);
    dispatch_destroy(w->d);
    orders_destroy(w->o);
    store_close(w->s);
    tmp_db_remove(&w->db);
}

static void stop_action(nt_world *w, int i, const char *fail_reason) {
    store_tx *tx = NULL;
    lm_errinfo err = {0};
    assert_int_equal(store_tx_begin(w->s, &tx), LM_OK);
    int64_t t = lm_now_ms();
    lm_status rc =
        fail_reason ? dispatch_stop_failed(w->d, tx, "D1", w->stop_ids[i], fail_reason, "", t, &err)
                    : dispatch_stop_delivered(w->d, tx, "D1", w->stop_ids[i], "", t, &err);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        fail_msg("stop %d: %s: %s: %s", i, lm_status_name(rc), err.field, err.message);
    }
    assert_int_equal(store_tx_commit(tx), LM_OK);
}

void nt_deliver(nt_world *w, int i) {
    stop_action(w, i, NULL);
}

void nt_fail(nt_world *w, int i, const char *reason) {
    stop_action(w, i, reason);
}

notify_tick_result nt_tick(nt_world *w) {
    notify_tick_result res;
    lm_errinfo err = {0};
    NT_OK(notify_tick(w->n, nt_now_ms, &res, &err), err);
    return res;
}

size_t nt_messages(nt_world *w, int64_t order_id, store_nt_message **out) {
    store_read *r = NULL;
    assert_int_equal(store_read_begin(w->s, &r), LM_OK);
    store_nt_filter f = {.order_id = order_id, .limit = 1000};
    size_t n = 0;
    lm_errinfo err = {0};
    *out = NULL;
    NT_OK(store_nt_message_list(r, &f, out, &n, &err), err);
    store_read_end(r);
    return n;
}
