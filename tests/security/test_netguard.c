/* The webhook target policy's pieces on their own (events/netguard.c): every address class at
 * the edges of its ranges (tests/data/security/addr_classes.txt), the allow-list's prefix
 * matching, and what a parsed URL keeps (host, port, credentials apart, the shown form). */
#include "events/events.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The 16-byte form of a textual address (IPv4 as mapped). */
static void a16_of(const char *text, uint8_t a[16]) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
    if (inet_pton(AF_INET, text, &s4->sin_addr) == 1)
        s4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1)
        s6->sin6_family = AF_INET6;
    else
        fail_msg("'%s' is not an address", text);
    assert_true(events_addr_from_sockaddr((struct sockaddr *)&ss, a));
}

static void test_class_table(void **state) {
    (void)state;
    char path[600], line[300];
    snprintf(path, sizeof path, "%s/tests/data/security/addr_classes.txt",
             getenv("LASTMILE_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int n = 0, lines = 0;
    while (fgets(line, sizeof line, f) && lines++ < 10000) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        char *sp = strchr(line, ' ');
        assert_non_null(sp);
        *sp = '\0';
        uint8_t a[16];
        a16_of(line, a);
        const char *got = events_addr_class_name(events_addr_classify(a));
        if (strcmp(got, sp + 1) != 0) fail_msg("%s: %s, want %s", line, got, sp + 1);
        n++;
    }
    fclose(f);
    assert_true(n >= 90);
}

static bool permits(const events_netguard *g, const char *text) {
    uint8_t a[16];
    a16_of(text, a);
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    memcpy(&s6.sin6_addr, a, 16);
    char why[160];
    return events_netguard_permits(g, (struct sockaddr *)&s6, why, sizeof why);
}

static void test_allow_prefixes(void **state) {
    (void)state;
    events_netguard g;
    events_netguard_init(&g);
    lm_errinfo err;
    assert_false(permits(&g, "127.0.0.1"));
    assert_true(permits(&g, "8.8.8.8"));
    assert_int_equal(events_netguard_allow(&g, "10.20.0.0/15 127.0.0.1,fd12:3456::/32", &err),
                     LM_OK);
    assert_int_equal(g.n_allow, 3);
    assert_true(permits(&g, "10.20.0.0"));
    assert_true(permits(&g, "10.21.255.255"));
    assert_false(permits(&g, "10.22.0.0"));
    assert_false(permits(&g, "10.19.255.255"));
    assert_true(permits(&g, "127.0.0.1"));
    assert_true(permits(&g, "::ffff:127.0.0.1"));
    assert_false(permits(&g, "127.0.0.2"));
    assert_true(permits(&g, "fd12:3456:ffff::1"));
    assert_false(permits(&g, "fd12:3457::1"));
    assert_false(permits(&g, "169.254.169.254"));
    /* a bad entry leaves the list as it was */
    assert_int_equal(events_netguard_allow(&g, "192.168.0.0/16, nonsense", &err), LM_INVALID);
    assert_int_equal(g.n_allow, 3);
    assert_false(permits(&g, "192.168.1.1"));
    /* /0 opens everything: the operator asked for it */
    assert_int_equal(events_netguard_allow(&g, "0.0.0.0/0", &err), LM_OK);
    assert_true(permits(&g, "192.168.1.1"));
    assert_false(permits(&g, "::1")); /* an IPv4 range covers only IPv4 */
}

static void test_url_parts(void **state) {
    (void)state;
    events_url u;
    lm_errinfo err;
    assert_int_equal(
        events_url_parse("HTTPS://Hook-User:p%40ss@Example.COM:8443/a/b?c=d#frag", &u, &err),
        LM_OK);
    assert_true(u.https);
    assert_string_equal(u.host, "example.com");
    assert_false(u.host_is_ip);
    assert_int_equal(u.port, 8443);
    assert_string_equal(u.userinfo, "Hook-User:p%40ss");
    assert_string_equal(u.shown, "https://example.com:8443/a/b?c=d");
    assert_int_equal(events_url_parse("http://[2606:4700::1111]", &u, &err), LM_OK);
    assert_true(u.host_is_ip);
    assert_string_equal(u.host, "2606:4700::1111");
    assert_int_equal(u.port, 80);
    assert_string_equal(u.shown, "http://[2606:4700::1111]/");
    assert_int_equal(events_url_parse("http://a.example./x", &u, &err), LM_OK);
    assert_string_equal(u.host, "a.example");
    assert_int_equal(events_url_parse("http://a..example/", &u, &err), LM_INVALID);
    assert_string_equal(err.field, "url");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_table),
        cmocka_unit_test(test_allow_prefixes),
        cmocka_unit_test(test_url_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
