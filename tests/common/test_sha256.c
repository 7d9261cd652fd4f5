/* SHA-256 against FIPS 180-4 examples and HMAC-SHA256 against RFC 4231 test cases. */
#include "common/sha256.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void hex_of(const void *data, size_t len, char out[65]) {
    uint8_t d[LM_SHA256_LEN];
    lm_sha256(data, len, d);
    lm_hex_encode(d, sizeof d, out);
}

static void test_sha256_fips(void **state) {
    (void)state;
    char hex[65];
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m448, strlen(m448), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnop"
        "qklmnopqrlmnopqrsmnopqrstnopqrstu";
    hex_of(m896, strlen(m896), hex);
    assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a' fed in uneven pieces exercises the partial-block paths of update. */
static void test_sha256_million_a_incremental(void **state) {
    (void)state;
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    lm_sha256_ctx c;
    lm_sha256_init(&c);
    size_t left = 1000000;
    for (size_t step = 1; left; step = step * 7 % 997 + 1) {
        size_t n = step < left ? step : left;
        lm_sha256_update(&c, chunk, n);
        left -= n;
    }
    uint8_t d[LM_SHA256_LEN];
    char hex[65];
    lm_sha256_final(&c, d);
    lm_hex_encode(d, sizeof d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void hmac_hex(const void *key, size_t klen, const void *msg, size_t mlen, char out[65]) {
    uint8_t d[LM_SHA256_LEN];
    lm_hmac_sha256(key, klen, msg, mlen, d);
    lm_hex_encode(d, sizeof d, out);
}

static void test_hmac_rfc4231(void **state) {
    (void)state;
    char hex[65];
    uint8_t key[131];

    memset(key, 0x0b, 20); /* case 1 */
    hmac_hex(key, 20, "Hi There", 8, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex); /* case 2 */
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    uint8_t msg[50];
    memset(key, 0xaa, 20); /* case 3 */
    memset(msg, 0xdd, sizeof msg);
    hmac_hex(key, 20, msg, sizeof msg, hex);
    assert_string_equal(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

    for (int i = 0; i < 25; i++) /* case 4 */
        key[i] = (uint8_t)(i + 1);
    memset(msg, 0xcd, sizeof msg);
    hmac_hex(key, 25, msg, sizeof msg, hex);
    assert_string_equal(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

    memset(key, 0xaa, sizeof key); /* case 6: key longer than a block */
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_hex(key, sizeof key, m6, strlen(m6), hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm."; /* case 7 */
    hmac_hex(key, sizeof key, m7, strlen(m7), hex);
    assert_string_equal(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_ct_equal_and_random(void **state) {
    (void)state;
    assert_true(lm_ct_equal("abcd", "abcd", 4));
    assert_false(lm_ct_equal("abcd", "abce", 4));
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(lm_random_bytes(a, sizeof a), LM_OK);
    assert_int_equal(lm_random_bytes(b, sizeof b), LM_OK);
    /* two 256-bit draws colliding means the source is broken */
    assert_false(lm_ct_equal(a, b, sizeof a));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_fips),
        cmocka_unit_test(test_sha256_million_a_incremental),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_ct_equal_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
