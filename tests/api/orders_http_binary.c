/* tests/api/orders_http_binary.c: the orders HTTP suite's tests of the real `lastmile` binary:
 * `lastmile import` against the suite's server and straight into a database file, and `lastmile
 * serve` killed with SIGKILL mid-load, then restarted: every order that got a 2xx is there,
 * intact. */
#include "orders/orders.h"
#include "orders_http_world.h"
#include "store/internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* Runs `lastmile import` with args; returns its exit status and its output in out. */
static int run_import(const char *args, char *out, size_t cap) {
    const char *bin_dir = getenv("LASTMILE_BINARY_DIR");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/cli/lastmile import %s 2>&1", bin_dir ? bin_dir : ".", args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void test_cli_import(void **state) {
    (void)state;
    stock_put("north", "tea", 1000, 0);
    char csv_path[160];
    snprintf(csv_path, sizeof csv_path, "%s/orders.csv", W.tmp.dir);
    FILE *f = fopen(csv_path, "w");
    assert_non_null(f);
    fputs("external_ref,customer_name,customer_address,customer_phone,lon,lat,lines\n", f);
    for (int i = 0; i < 250; i++) {
        if (i == 100)
            fputs("BAD-1,Bad,1 rue,+331,4.85,45.78,tea:0\n", f); /* line 102 */
        else
            fprintf(f, "CLI-%d,Name %d,\"%d rue, Lyon\",+3312%05d,4.85,45.78,tea:1\n", i, i, i, i);
    }
    fclose(f);
    char out[16384], args[512];
    snprintf(args, sizeof args, "%s --server http://127.0.0.1:%u --key %s --chunk 64", csv_path,
             (unsigned)W.port, W.warehouse);
    int st = run_import(args, out, sizeof out);
    if (st != 65) fail_msg("exit %d: %s", st, out);
    assert_non_null(strstr(out, "line 102: lines"));
    assert_non_null(strstr(out, "250/250 rows, 249 created, 1 failed"));
    /* again: the same external refs create nothing */
    st = run_import(args, out, sizeof out);
    assert_int_equal(st, 65);
    assert_non_null(strstr(out, "250/250 rows, 0 created, 1 failed"));
    resp r;
    request(&r, "GET", "/v1/orders?limit=1000", W.dispatcher, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "orders")), 249);
    http_test_resp_free(&r);
    /* a wrong key is reported, nothing imported */
    snprintf(args, sizeof args, "%s --server http://127.0.0.1:%u --key %s", csv_path,
             (unsigned)W.port, W.driver);
    st = run_import(args, out, sizeof out);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "403"));
    /* straight into a database file */
    char db[160];
    snprintf(db, sizeof db, "%s/direct.db", W.tmp.dir);
    {
        /* a catalogue in the second file, written through orders/ directly */
        store_opts so;
        store_opts_init(&so);
        so.path = db;
        store *s2 = NULL;
        orders_svc *svc = NULL;
        orders_opts oo;
        orders_opts_init(&oo);
        lm_errinfo err = {0};
        assert_int_equal(store_open(&so, &s2, &err), LM_OK);
        oo.st = s2;
        assert_int_equal(orders_create(&oo, &svc), LM_OK);
        orders_depot d = {.id = "d", .name = "D", .lon = 4.8, .lat = 45.7, .close_s = 86400};
        orders_product pr = {.sku = "tea", .name = "Tea", .active = true};
        assert_int_equal(orders_depot_put(svc, &d, &err), LM_OK);
        assert_int_equal(orders_product_put(svc, &pr, &err), LM_OK);
        assert_int_equal(orders_stock_set(svc, "d", "tea", 1000, 0, NULL, &err), LM_OK);
        orders_destroy(svc);
        store_close(s2);
    }
    snprintf(args, sizeof args, "%s --db %s", csv_path, db);
    st = run_import(args, out, sizeof out);
    assert_int_equal(st, 65);
    assert_non_null(strstr(out, "line 102: lines"));
    assert_non_null(strstr(out, "250/250 rows, 249 created, 1 failed"));
    char p[200];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", db, suffix[i]);
        unlink(p);
    }
    unlink(csv_path);
    snprintf(args, sizeof args, "/nonexistent.csv --db %s", db);
    assert_int_equal(run_import(args, out, sizeof out), 65);
}

/* ---- The real binary, killed mid-load ---- */

typedef struct loader {
    uint16_t port;
    const char *key;
    int index;
    int64_t ok_ids[4000];
    atomic_int n_ok; /* read by the test while the loader runs */
    atomic_bool stop;
} loader;

static void *load_orders(void *arg) {
    loader *l = arg;
    for (int i = 0; !l->stop && l->n_ok < 4000; i++) {
        char body[512], hdr[64];
        snprintf(
            body, sizeof body,
            "{\"external_ref\":\"L%d-%d\",\"customer\":{\"name\":\"K%d\",\"phone\":\"+49%d%06d\","
            "\"address\":\"%d Kill St\",\"location\":[4.85,45.78]},"
            "\"lines\":[{\"sku\":\"tea\",\"qty\":1},{\"sku\":\"coffee\",\"qty\":1}]}",
            l->index, i, i, l->index, i, i);
        snprintf(hdr, sizeof hdr, "Idempotency-Key: kill-%d-%d", l->index, i);
        resp r;
        request_to(l->port, &r, "POST", "/v1/orders", l->key, body, hdr);
        if (r.status == 201 || r.status == 200) {
            int k = atomic_load(&l->n_ok);
            l->ok_ids[k] = (int64_t)jnum(r.json, "id");
            atomic_store(&l->n_ok, k + 1);
        }
        long st = r.status;
        http_test_resp_free(&r);
        if (st == 0) break; /* the server is gone */
    }
    return NULL;
}

void test_sigkill_restart_keeps_every_acknowledged_order(void **state) {
    (void)state;
    tmp_db t;
    assert_int_equal(tmp_db_create(&t, "lm_orders_kill_"), 0);
    char key[STORE_KEY_MAX];
    {
        store *s = NULL;
        lm_errinfo err = {0};
        assert_int_equal(tmp_db_store_open(&t, 8, &s), 0);
        assert_int_equal(store_key_create(s, "admin", NULL, key, NULL, &err), LM_OK);
        store_close(s);
    }
    uint16_t port = http_test_free_port();
    assert_true(port > 0);
    pid_t pid = http_test_serve_spawn(t.path, port, NULL, port, "/healthz");
    assert_true(pid > 0);
    resp r;
    request_to(port, &r, "POST", "/v1/depots", key,
               "{\"id\":\"d1\",\"name\":\"D1\",\"location\":[4.85,45.75]}", NULL);
    expect_status(&r, 201);
    http_test_resp_free(&r);
    request_to(port, &r, "POST", "/v1/products", key, "{\"sku\":\"tea\",\"name\":\"Tea\"}", NULL);
    http_test_resp_free(&r);
    request_to(port, &r, "POST", "/v1/products", key, "{\"sku\":\"coffee\",\"name\":\"C\"}", NULL);
    http_test_resp_free(&r);
    request_to(port, &r, "PUT", "/v1/stock/d1/tea", key, "{\"on_hand\":100000}", NULL);
    expect_status(&r, 200);
    http_test_resp_free(&r);
    request_to(port, &r, "PUT", "/v1/stock/d1/coffee", key, "{\"on_hand\":100000}", NULL);
    http_test_resp_free(&r);

    loader *ld = calloc(4, sizeof *ld);
    assert_non_null(ld);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        ld[i].port = port;
        ld[i].key = key;
        ld[i].index = i;
        assert_int_equal(pthread_create(&th[i], NULL, load_orders, &ld[i]), 0);
    }
    /* killed while the load runs, once 40 orders were acknowledged (polled, 60 s deadline): the
     * count does not depend on how fast the machine is */
    int total = 0;
    for (int k = 0; k < 1200 && total < 40; k++) {
        usleep(50 * 1000); /* timing-ok: poll, 60 s deadline */
        total = 0;
        for (int i = 0; i < 4; i++)
            total += atomic_load(&ld[i].n_ok);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < 4; i++) {
        atomic_store(&ld[i].stop, true);
        pthread_join(th[i], NULL);
    }
    assert_true(total >= 40);

    /* restart on the same file: every acknowledged order is there and whole */
    pid = http_test_serve_spawn(t.path, port, NULL, port, "/healthz");
    assert_true(pid > 0);
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < ld[i].n_ok; k++) {
            char path[64];
            snprintf(path, sizeof path, "/v1/orders/%lld", (long long)ld[i].ok_ids[k]);
            request_to(port, &r, "GET", path, key, NULL, NULL);
            if (r.status != 200)
                fail_msg("acknowledged order %lld lost", (long long)ld[i].ok_ids[k]);
            assert_string_equal(jstr(r.json, "status"), "allocated");
            assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "lines")), 2);
            http_test_resp_free(&r);
        }
    }
    http_test_serve_stop(pid);

    /* nothing half-written: integrity, every order has its two lines and its events, and the
     * reservations equal the sum of allocated lines */
    store *s = NULL;
    assert_int_equal(tmp_db_store_open(&t, 8, &s), 0);
    store_read *rd = NULL;
    assert_int_equal(store_read_begin(s, &rd), LM_OK);
    db_conn *db3 = store__db(rd);
    const char *checks[][2] = {
        /* PostgreSQL has no page-level check to ask for: its run checks the rows only */
        {tmp_db_is_pg() ? "SELECT 'ok'" : "PRAGMA integrity_check", "ok"},
        {"SELECT count(*) FROM orders o WHERE (SELECT count(*) FROM order_lines l WHERE "
         "l.order_id = o.id) <> 2",
         "0"},
        {"SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE "
         "e.entity = 'order' AND e.entity_id = CAST(o.id AS TEXT) AND e.type = "
         "'order.allocated')",
         "0"},
        {"SELECT CASE WHEN (SELECT sum(reserved) FROM stock) = 2 * (SELECT count(*) FROM orders "
         "WHERE status = 'allocated') THEN 1 ELSE 0 END",
         "1"},
        {"SELECT CASE WHEN count(*) = count(DISTINCT order_id) THEN 1 ELSE 0 END FROM "
         "order_idempotency",
         "1"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        db_stmt *st = NULL;
        assert_int_equal(db_prepare(db3, checks[i][0], &st, NULL), LM_OK);
        assert_int_equal(db_step(st), DB_ROW);
        const char *v = db_column_text(st, 0);
        if (!v || strcmp(v, checks[i][1]))
            fail_msg("%s -> %s (expected %s)", checks[i][0], v ? v : "NULL", checks[i][1]);
        db_finish(st);
    }
    store_read_end(rd);
    store_close(s);
    fprintf(stderr, "restart test: %d acknowledged orders survived SIGKILL\n", total);
    free(ld);
    tmp_db_remove(&t);
}
