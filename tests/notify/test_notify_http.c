/* tests/notify/test_notify_http.c: notifications through the real `lastmile serve` (spawned with
 * its --notify-* flags) sending to the real SMTP server (aiosmtpd) and the loopback SMS gateway:
 * an order taken in over HTTP is confirmed by e-mail and SMS with its tracking link; the log,
 * templates, settings and the customer's opt-out answer over HTTP with their roles; a gateway the
 * operator did not allow stops the server at start, naming the setting and never its secret. */
#include "tests/notify/nt_world.h"
#include "tests/support/http_test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static nt_proc smtp, gw;
static tmp_db db;
static pid_t server = -1;
static uint16_t port;
static char admin[STORE_KEY_MAX], disp[STORE_KEY_MAX];

typedef struct reply {
    long status;
    cJSON *json;
    http_test_resp raw;
} reply;

static void call(reply *out, const char *method, const char *path, const char *key,
                 const char *body) {
    http_test_req q = {.method = method,
                       .path = path,
                       .key = key,
                       .body = body,
                       .content_type = body ? "application/json" : NULL};
    http_test_request(port, &q, &out->raw);
    out->status = out->raw.status;
    out->json = out->raw.json;
}

static void done(reply *r) {
    http_test_resp_free(&r->raw);
}

/* Calls and checks the status; the reply is freed. */
static void expect(const char *method, const char *path, const char *key, const char *body,
                   long status) {
    reply r;
    call(&r, method, path, key, body);
    if (r.status != status)
        fail_msg("%s %s: %ld, want %ld: %s", method, path, r.status, status,
                 r.raw.body.data ? r.raw.body.data : "");
    done(&r);
}

static const char *err_field(const reply *r) {
    const cJSON *e = cJSON_GetObjectItem(r->json, "error");
    return cJSON_GetStringValue(cJSON_GetObjectItem(e, "field"));
}

/* Polls until the maildir holds want mails containing needle (15 s, then fails). */
static void wait_mails(const char *needle, size_t want) {
    for (int i = 0; i < 300 && nt_mail_count(&smtp, needle) < want; i++)
        usleep(50 * 1000); /* timing-ok: poll for the worker's send, 15 s deadline */
    assert_int_equal(nt_mail_count(&smtp, needle), want);
}

static void wait_sms(const char *needle, size_t want) {
    for (int i = 0; i < 300 && nt_gateway_count(&gw, needle) < want; i++)
        usleep(50 * 1000); /* timing-ok: poll for the worker's send, 15 s deadline */
    assert_int_equal(nt_gateway_count(&gw, needle), want);
}

static int up(void **state) {
    (void)state;
    if (tmp_db_create(&db, "nthttp") != 0) return -1;
    nt_smtp_start(&smtp, db.dir);
    nt_gateway_start(&gw, db.dir, "gateway", 200);
    store *s = NULL;
    store_key_info info;
    lm_errinfo err = {0};
    if (tmp_db_store_open(&db, 2, &s) != 0 ||
        store_key_create(s, "admin", NULL, admin, &info, &err) != LM_OK ||
        store_key_create(s, "dispatcher", NULL, disp, &info, &err) != LM_OK)
        return -1;
    store_close(s);
    port = http_test_free_port();
    char smtp_url[64], sms_url[96];
    snprintf(smtp_url, sizeof smtp_url, "smtp://127.0.0.1:%u", (unsigned)smtp.port);
    snprintf(sms_url, sizeof sms_url, "http://127.0.0.1:%u/v1/send", (unsigned)gw.port);
    const char *args[] = {"--osmand-port",
                          "0",
                          "--notify-smtp-url",
                          smtp_url,
                          "--notify-mail-from",
                          "orders@shop.test",
                          "--notify-sms-url",
                          sms_url,
                          "--notify-sms-format",
                          "json",
                          "--notify-sms-auth",
                          "Bearer gw-key-9",
                          "--notify-track-url",
                          "https://shop.test/track#",
                          "--notify-allow",
                          "127.0.0.1/32",
                          NULL};
    server = http_test_serve_spawn(db.path, port, args, port, "/healthz");
    return server > 0 ? 0 : -1;
}

static int down(void **state) {
    (void)state;
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    nt_proc_stop(&smtp);
    nt_proc_stop(&gw);
    tmp_db_remove(&db);
    return 0;
}

/* Creates an order for email over HTTP (each with other lines, so that the duplicate rule of
 * intake does not hold a customer's second order); its id and token. */
static void order_in(const char *email, int64_t *id, char token[33]) {
    static int seq;
    char body[512];
    seq++;
    snprintf(body, sizeof body,
             "{\"external_ref\":\"web-%s\",\"customer\":{\"name\":\"Zoé Martin\",\"phone\":"
             "\"+33 6 12 34 56 78\",\"email\":\"%s\",\"address\":\"1 quai Test\",\"location\":"
             "[4.85,45.71]},\"lines\":[{\"sku\":\"tea\",\"qty\":%d}]}",
             email, email, seq);
    reply r;
    call(&r, "POST", "/v1/orders", disp, body);
    assert_int_equal(r.status, 201);
    *id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(r.json, "id"));
    lm_strlcpy(token, cJSON_GetStringValue(cJSON_GetObjectItem(r.json, "tracking_token")), 33);
    done(&r);
}

/* An order through the server: e-mail and SMS with the tracking link; the log says sent. */
static void test_order_confirmed_over_http(void **state) {
    (void)state;
    expect("POST", "/v1/depots", admin,
           "{\"id\":\"south\",\"name\":\"South\",\"location\":[4.85,45.70]}", 201);
    expect("POST", "/v1/products", admin,
           "{\"sku\":\"tea\",\"name\":\"Tea\",\"weight_g\":250,\"volume_cm3\":400}", 201);
    expect("PUT", "/v1/stock/south/tea", admin, "{\"on_hand\":50}", 200);
    int64_t id = 0;
    char token[33], link[96], path[96];
    order_in("zoe@example.test", &id, token);
    snprintf(link, sizeof link, "https://shop.test/track#%s", token);
    wait_mails(link, 1);
    wait_mails("Subject: Order web-zoe@example.test confirmed", 1);
    wait_sms(token, 1);
    assert_int_equal(nt_gateway_count(&gw, "\"authorization\": \"Bearer gw-key-9\""), 1);
    assert_int_equal(nt_gateway_count(&gw, "\"content_type\": \"application/json\""), 1);
    assert_int_equal(nt_gateway_count(&gw, "\\\"to\\\":\\\"+33612345678\\\""), 1);

    snprintf(path, sizeof path, "/v1/notifications?order_id=%lld", (long long)id);
    reply r;
    for (int i = 0; i < 300;
         i++) { /* the log row turns sent in the worker's commit after the send */
        call(&r, "GET", path, disp, NULL);
        const cJSON *a = cJSON_GetObjectItem(r.json, "notifications");
        int sent = 0;
        for (int k = 0; k < cJSON_GetArraySize(a); k++)
            sent += !strcmp(
                cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, k), "status")),
                "sent");
        if (sent == 2) break;
        done(&r);
        r.json = NULL;
        usleep(50 * 1000); /* timing-ok: poll, 15 s deadline */
    }
    assert_non_null(r.json);
    const cJSON *a = cJSON_GetObjectItem(r.json, "notifications");
    assert_int_equal(cJSON_GetArraySize(a), 2);
    for (int k = 0; k < 2; k++) {
        const cJSON *m = cJSON_GetArrayItem(a, k);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(m, "kind")),
                            "order_confirmed");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(m, "status")), "sent");
        assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(m, "body")), link));
    }
    done(&r);
    /* the log is the dispatcher's: a customer has no key, a bad filter names itself */
    expect("GET", "/v1/notifications", NULL, NULL, 401);
    call(&r, "GET", "/v1/notifications?status=bounced", disp, NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(err_field(&r), "status");
    done(&r);
}

/* Templates: listed for all kinds and channels, saved by admins only, checked at save time. */
static void test_templates_over_http(void **state) {
    (void)state;
    reply r;
    call(&r, "GET", "/v1/templates", disp, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "templates")),
                     NOTIFY__KIND_COUNT * NOTIFY__CHANNEL_COUNT);
    done(&r);
    call(&r, "PUT", "/v1/templates/delivered/email", admin,
         "{\"subject\":\"Delivered\",\"body\":\"Hi {{first_name}} {{tracking_link}}\"}");
    assert_int_equal(r.status, 400);
    assert_string_equal(err_field(&r), "body");
    assert_non_null(strstr(r.raw.body.data, "{{first_name}}"));
    done(&r);
    call(&r, "GET", "/v1/templates/delivered/email", disp, NULL);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "custom"))); /* nothing changed */
    done(&r);
    const char *good = "{\"subject\":\"{{customer_name}}, order {{order_ref}} is booked\","
                       "\"body\":\"Booked. Follow: {{tracking_link}}\"}";
    expect("PUT", "/v1/templates/order_confirmed/email", disp, good, 403);
    call(&r, "PUT", "/v1/templates/order_confirmed/email", admin, good);
    assert_int_equal(r.status, 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "custom")));
    done(&r);
    expect("GET", "/v1/templates/shipped/email", disp, NULL, 404);
    call(&r, "PUT", "/v1/templates", admin,
         "{\"templates\":[{\"kind\":\"failed\",\"channel\":\"sms\",\"body\":\"Missed: "
         "{{reason}} {{tracking_link}}\"},{\"kind\":\"delivered\",\"channel\":\"sms\",\"body\":"
         "\"no link\"}]}");
    assert_int_equal(r.status, 400);
    assert_string_equal(err_field(&r), "templates[1].body");
    done(&r);
    call(&r, "GET", "/v1/templates/failed/sms", disp, NULL);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "custom"))); /* all or nothing */
    done(&r);
    /* the saved template is what the next customer gets */
    int64_t id = 0;
    char token[33];
    order_in("li@example.test", &id, token);
    char body[128];
    snprintf(body, sizeof body, "Booked. Follow: https://shop.test/track#%s", token);
    wait_mails(body, 1);
    /* a subject that is not ASCII goes out as one RFC 2047 encoded word */
    assert_int_equal(nt_mail_count(&smtp, "Subject: =?UTF-8?Q?Zo=C3=A9_Martin,_order_web-li"), 1);
}

/* The customer opts out of e-mail through the tracking token: later e-mail is suppressed (and
 * logged so), SMS still goes; settings are checked; an unknown token is 404. */
static void test_optout_over_http(void **state) {
    (void)state;
    int64_t id = 0, id2 = 0;
    char token[33], token2[33], path[96];
    order_in("sam@example.test", &id, token);
    wait_mails(token, 1);
    snprintf(path, sizeof path, "/v1/track/%s/notifications", token);
    reply r;
    call(&r, "PUT", path, NULL, "{\"email\":false}");
    assert_int_equal(r.status, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "email")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "sms")));
    done(&r);
    call(&r, "PUT", path, NULL, "{\"email\":\"no\"}");
    assert_int_equal(r.status, 400);
    assert_string_equal(err_field(&r), "email");
    done(&r);
    expect("GET", "/v1/track/0123456789abcdef0123456789abcdef/notifications", NULL, NULL, 404);
    /* the same customer orders again: no e-mail, SMS yes */
    order_in("sam@example.test", &id2, token2);
    wait_sms(token2, 1);
    snprintf(path, sizeof path, "/v1/notifications?order_id=%lld&channel=email", (long long)id2);
    call(&r, "GET", path, disp, NULL);
    const cJSON *a = cJSON_GetObjectItem(r.json, "notifications");
    assert_int_equal(cJSON_GetArraySize(a), 1);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "status")),
        "suppressed");
    done(&r);
    assert_int_equal(nt_mail_count(&smtp, token2), 0);
    call(&r, "PUT", "/v1/config/notifications", admin,
         "{\"quiet_hours\":[{\"depot\":\"*\",\"tz\":\"Mars/Olympus\",\"from\":\"21:00\","
         "\"to\":\"07:00\"}]}");
    assert_int_equal(r.status, 400);
    assert_string_equal(err_field(&r), "quiet_hours[0].tz");
    done(&r);
    call(&r, "PUT", "/v1/config/notifications", admin,
         "{\"eta_threshold_min\":20,\"quiet_hours\":[{\"depot\":\"south\",\"tz\":"
         "\"Europe/Paris\",\"from\":\"21:30\",\"to\":\"07:00\"}]}");
    assert_int_equal(r.status, 200);
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(r.json, "eta_threshold_min")),
                     20);
    done(&r);
    expect("GET", "/v1/config/notifications", disp, NULL, 403);
}

/* A gateway on an address the operator did not allow: serve refuses to start, names the
 * setting, and neither prints the URL's password nor reaches the gateway. */
static void test_unallowed_gateway_stops_serve(void **state) {
    (void)state;
    char sms_url[128], out_path[160], bin[512];
    snprintf(sms_url, sizeof sms_url, "http://user:s3cret-pw@127.0.0.1:%u/v1/send",
             (unsigned)gw.port);
    snprintf(out_path, sizeof out_path, "%s/refused.out", db.dir);
    const char *bin_dir = getenv("LASTMILE_BINARY_DIR");
    snprintf(bin, sizeof bin, "%s/cli/lastmile", bin_dir ? bin_dir : ".");
    char db2[160];
    snprintf(db2, sizeof db2, "%s/other.db", db.dir);
    size_t before = nt_gateway_count(&gw, NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, bin, "serve", "--port", "0", "--osmand-port", "0", "--db", db2,
              "--notify-sms-url", sms_url, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 300 && !exited; i++) {
        exited = waitpid(pid, &status, WNOHANG) == pid;
        if (!exited) usleep(50 * 1000); /* timing-ok: poll for the exit, 15 s deadline */
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("serve kept running with a gateway the operator did not allow");
    }
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 0);
    FILE *f = fopen(out_path, "rb");
    assert_non_null(f);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(lm_buf_read_stream(f, 1 << 16, &text, &len), LM_OK);
    fclose(f);
    assert_non_null(strstr(text, "sms_url"));
    assert_non_null(strstr(text, "not an address the operator allowed"));
    assert_null(strstr(text, "s3cret-pw"));
    lm_free(text);
    assert_int_equal(nt_gateway_count(&gw, NULL), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_confirmed_over_http),
        cmocka_unit_test(test_templates_over_http),
        cmocka_unit_test(test_optout_over_http),
        cmocka_unit_test(test_unallowed_gateway_stops_serve),
    };
    return cmocka_run_group_tests(tests, up, down);
}
