/* The event JSON (events/json.c) and the fan-out hub (events/hub.c): the JSON object's members,
 * escaping and payload as stored; parked streams woken by a notify and by shutdown, a park
 * refused when the hub moved since the stream looked, an unparked stream never woken. */
#include "events/events.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_json_members(void **state) {
    (void)state;
    store_event ev = {.seq = 42,
                      .time_ms = 1700000000123LL,
                      .type = "order.created",
                      .entity = "order",
                      .entity_id = "7",
                      .payload_json = "{\"id\":7,\"loc\":[13.4050000,52.5200000]}"};
    char *t = events_json(&ev);
    assert_non_null(t);
    cJSON *j = cJSON_Parse(t);
    assert_non_null(j);
    assert_int_equal((int64_t)cJSON_GetObjectItemCaseSensitive(j, "seq")->valuedouble, 42);
    assert_int_equal((int64_t)cJSON_GetObjectItemCaseSensitive(j, "time_ms")->valuedouble,
                     1700000000123LL);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "type")->valuestring, "order.created");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "entity")->valuestring, "order");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "entity_id")->valuestring, "7");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "payload");
    assert_true(cJSON_IsObject(p));
    assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(p, "id")->valuedouble, 7);
    cJSON_Delete(j);
    lm_free(t);
}

static void test_json_null_id_empty_payload_escaping(void **state) {
    (void)state;
    store_event ev = {.seq = 1, .time_ms = 2, .type = "a\"b", .entity = "x\\y"};
    char *t = events_json(&ev);
    assert_non_null(t);
    assert_string_equal(t, "{\"seq\":1,\"time_ms\":2,\"type\":\"a\\\"b\",\"entity\":\"x\\\\y\","
                           "\"entity_id\":null,\"payload\":{}}");
    lm_free(t);
}

typedef struct probe {
    events_sub sub;
    int woken, parked_calls;
} probe;

static void probe_wake(events_sub *s) {
    ((probe *)s->ctx)->woken++;
}

static void probe_park(events_sub *s) {
    ((probe *)s->ctx)->parked_calls++;
}

static void probe_init(probe *p) {
    memset(p, 0, sizeof *p);
    p->sub.wake = probe_wake;
    p->sub.ctx = p;
}

static void test_hub_park_notify_shutdown(void **state) {
    (void)state;
    events_hub *h = NULL;
    assert_int_equal(events_hub_create(&h), LM_OK);
    probe a, b, c;
    probe_init(&a);
    probe_init(&b);
    probe_init(&c);
    events_mark m = events_hub_mark(h);
    assert_false(m.shutdown);
    assert_true(events_hub_park(h, &a.sub, &m, probe_park));
    assert_true(events_hub_park(h, &b.sub, &m, probe_park));
    assert_int_equal(a.parked_calls, 1);
    /* b ends before anything happens: it is never woken */
    events_hub_unpark(h, &b.sub);
    events_hub_notify(h, 5);
    assert_int_equal(a.woken, 1);
    assert_int_equal(b.woken, 0);
    assert_false(a.sub.parked);
    /* a stream that looked before the notify must look again instead of parking */
    assert_false(events_hub_park(h, &c.sub, &m, probe_park));
    assert_int_equal(c.parked_calls, 0);
    events_mark m2 = events_hub_mark(h);
    assert_int_equal(m2.gen, m.gen + 1);
    assert_true(events_hub_park(h, &c.sub, &m2, probe_park));
    events_hub_shutdown(h);
    assert_int_equal(c.woken, 1);
    assert_true(events_hub_mark(h).shutdown);
    assert_false(events_hub_park(h, &a.sub, &m2, probe_park));
    events_hub_destroy(h);
    events_hub_notify(NULL, 1);
    events_hub_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_members),
        cmocka_unit_test(test_json_null_id_empty_payload_escaping),
        cmocka_unit_test(test_hub_park_notify_shutdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
