/* tests/api/test_http_addr.c: the client address as text (api/http/request.c) is exactly what
 * inet_ntop writes, for the edge octets and for random addresses. */
#include "api/http/internal.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void same_as_inet_ntop(uint32_t host_order) {
    struct in_addr in = {.s_addr = htonl(host_order)};
    char want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET, &in, want, sizeof want));
    assert_true(http__ipv4_text(&in, got, sizeof got));
    assert_string_equal(got, want);
}

static void test_edges_and_random(void **state) {
    (void)state;
    static const unsigned octets[] = {0, 1, 9, 10, 11, 99, 100, 101, 199, 200, 249, 250, 255};
    size_t n = sizeof octets / sizeof octets[0];
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            same_as_inet_ntop((uint32_t)octets[a] << 24 | (uint32_t)octets[b] << 16 |
                              (uint32_t)octets[(a + b) % n] << 8 | octets[(a * 7 + b) % n]);
    uint64_t x = 0x9e3779b97f4a7c15u; /* fixed seed: the same addresses every run */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        same_as_inet_ntop((uint32_t)x);
    }
}

static void test_small_buffer(void **state) {
    (void)state;
    struct in_addr in = {.s_addr = htonl(0xC0000201u)}; /* 192.0.2.1: 9 bytes and the NUL */
    char out[16];
    memset(out, 'x', sizeof out);
    assert_false(http__ipv4_text(&in, out, 9));
    assert_int_equal(out[0], 'x'); /* nothing written */
    assert_true(http__ipv4_text(&in, out, 10));
    assert_string_equal(out, "192.0.2.1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges_and_random),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
