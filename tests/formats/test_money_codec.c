/* api/formats/money: amounts as integer minor units (fractions, strings, negatives refused with
 * the field named), ISO 4217 codes, the money members of an order body (client totals refused),
 * the money JSON writer's shape, and decimal text both ways per currency exponent. */
#include "api/formats/money.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static cJSON *parse(const char *text) {
    cJSON *j = NULL;
    lm_errinfo err = {0};
    if (fmt_json_parse(text, strlen(text), 65536, &j, &err) != LM_OK)
        fail_msg("parse %s: %s", text, err.message);
    return j;
}

static void expect_amount(const char *json, lm_status code, int64_t want) {
    cJSON *j = parse(json);
    int64_t v = -7;
    lm_errinfo err = {0};
    lm_status rc = fmt_money_amount(j, "a", "x", FMT_JSON_REQUIRED, 100000, &v, &err);
    cJSON_Delete(j);
    if (rc != code) fail_msg("%s: got %s (%s)", json, lm_status_name(rc), err.message);
    if (code == LM_OK) {
        assert_int_equal(v, want);
    } else {
        assert_string_equal(err.field, "x.a");
        assert_int_equal(v, -7); /* untouched */
    }
}

static void test_amounts(void **state) {
    (void)state;
    expect_amount("{\"a\":1230}", LM_OK, 1230);
    expect_amount("{\"a\":0}", LM_OK, 0);
    expect_amount("{\"a\":100000}", LM_OK, 100000);
    expect_amount("{\"a\":12.3}", LM_INVALID, 0);
    expect_amount("{\"a\":\"1230\"}", LM_INVALID, 0);
    expect_amount("{\"a\":-1}", LM_INVALID, 0);
    expect_amount("{\"a\":100001}", LM_INVALID, 0);
    expect_amount("{\"a\":1e300}", LM_INVALID, 0);
    expect_amount("{}", LM_INVALID, 0);
    cJSON *j = parse("{\"c\":\"EUR\",\"d\":\"eur\",\"e\":\"EURO\",\"f\":978}");
    char cur[4] = "";
    lm_errinfo err = {0};
    assert_int_equal(fmt_money_currency(j, "c", "", FMT_JSON_REQUIRED, cur, &err), LM_OK);
    assert_string_equal(cur, "EUR");
    assert_int_equal(fmt_money_currency(j, "d", "", FMT_JSON_REQUIRED, cur, &err), LM_INVALID);
    assert_string_equal(err.field, "d");
    assert_int_equal(fmt_money_currency(j, "e", "", FMT_JSON_REQUIRED, cur, &err), LM_INVALID);
    assert_int_equal(fmt_money_currency(j, "f", "", FMT_JSON_REQUIRED, cur, &err), LM_INVALID);
    cJSON_Delete(j);
}

static lm_status read_order(const char *json, orders_money_in *m, orders_money_line_in *lines,
                            bool *present, lm_errinfo *err) {
    cJSON *j = parse(json);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "lines"));
    lm_status rc = fmt_money_order_read(j, (size_t)n, m, lines, present, err);
    cJSON_Delete(j);
    return rc;
}

static void expect_order_refused(const char *json, const char *field) {
    orders_money_in m;
    orders_money_line_in lines[4];
    bool present = false;
    lm_errinfo err = {0};
    lm_status rc = read_order(json, &m, lines, &present, &err);
    if (rc == LM_OK || strcmp(err.field, field))
        fail_msg("%s: expected refusal at %s, got %s at '%s'", json, field, lm_status_name(rc),
                 err.field);
}

static void test_order_body(void **state) {
    (void)state;
    orders_money_in m;
    orders_money_line_in lines[4];
    bool present = true;
    lm_errinfo err = {0};
    assert_int_equal(
        read_order("{\"lines\":[{\"sku\":\"A\",\"qty\":1}]}", &m, lines, &present, &err), LM_OK);
    assert_false(present); /* no money given: an order without money */
    assert_int_equal(
        read_order("{\"currency\":\"EUR\",\"shipping_fee\":490,\"coupons\":[\"SPRING\",\"x-1\"],"
                   "\"payment\":{\"method\":\"cod\"},\"lines\":[{\"sku\":\"A\",\"qty\":1,"
                   "\"unit_price\":1000,\"tax_rate_bp\":2000},{\"sku\":\"B\",\"qty\":2}]}",
                   &m, lines, &present, &err),
        LM_OK);
    assert_true(present);
    assert_string_equal(m.currency, "EUR");
    assert_int_equal(m.shipping_fee, 490);
    assert_int_equal(m.n_coupons, 2);
    assert_string_equal(m.coupons[1], "x-1");
    assert_string_equal(m.payment_method, "cod");
    assert_true(m.lines == lines);
    assert_true(lines[0].has_unit_price && lines[0].unit_price == 1000);
    assert_true(lines[0].has_tax_rate && lines[0].tax_rate_bp == 2000);
    assert_false(lines[1].has_unit_price || lines[1].has_tax_rate);

    expect_order_refused("{\"lines\":[{\"sku\":\"A\",\"unit_price\":100}]}", "currency");
    expect_order_refused("{\"currency\":\"EUR\",\"lines\":[{},{\"unit_price\":12.5}]}",
                         "lines[1].unit_price");
    expect_order_refused("{\"currency\":\"EUR\",\"lines\":[{\"tax_rate_bp\":10001}]}",
                         "lines[0].tax_rate_bp");
    expect_order_refused("{\"currency\":\"EUR\",\"total\":5,\"lines\":[]}", "total");
    expect_order_refused("{\"currency\":\"EUR\",\"discount\":5,\"lines\":[]}", "discount");
    expect_order_refused("{\"coupon\":\"X\",\"lines\":[]}", "coupon");
    expect_order_refused("{\"currency\":\"EUR\",\"coupons\":[\"\"],\"lines\":[]}", "coupons[0]");
    expect_order_refused("{\"currency\":\"EUR\",\"coupons\":[1,2,3,4,5,6,7,8,9],\"lines\":[]}",
                         "coupons");
    expect_order_refused("{\"currency\":\"EUR\",\"payment\":{\"method\":\"cash\"},\"lines\":[]}",
                         "payment.method");
    expect_order_refused("{\"currency\":\"EUR\",\"payment\":{\"status\":\"paid\"},\"lines\":[]}",
                         "payment.status");
    expect_order_refused("{\"currency\":\"usd\",\"lines\":[]}", "currency");
    expect_order_refused("{\"currency\":\"EUR\",\"shipping_fee\":-1,\"lines\":[]}", "shipping_fee");
}

static void test_write_shape(void **state) {
    (void)state;
    orders_money_line l = {.sku = "A",
                           .qty = 2,
                           .unit_price = 1000,
                           .tax_rate_bp = 2000,
                           .gross = 2000,
                           .discount = 200,
                           .tax = 360};
    orders_adjustment a = {.promotion_id = "ten", .kind = "percent", .line_no = -1, .amount = 200};
    orders_money m = {.currency = "EUR",
                      .subtotal = 2000,
                      .discount = 200,
                      .tax = 360,
                      .total = 2160,
                      .payment_status = "pending",
                      .payment_method = "card",
                      .lines = &l,
                      .n_lines = 1,
                      .adj = &a,
                      .n_adj = 1};
    lm_buf b;
    lm_buf_init(&b, 65536);
    assert_int_equal(lm_buf_append(&b, "{", 1), LM_OK);
    assert_int_equal(fmt_money_write(&b, &m), LM_OK);
    assert_int_equal(lm_buf_append(&b, "}", 1), LM_OK);
    cJSON *j = parse(b.data);
    lm_buf_free(&b);
    const cJSON *totals = cJSON_GetObjectItemCaseSensitive(j, "totals");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(totals, "total")->valuedouble, 2160);
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(j, "payment");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(pay, "amount_due")->valuedouble, 2160);
    const cJSON *line = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "lines"), 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(line, "unit_price")->valuedouble, 1000);
    const cJSON *adj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "adjustments"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(adj, "promotion")->valuestring, "ten");
    cJSON_Delete(j);
}

static void test_decimal_text(void **state) {
    (void)state;
    char buf[32];
    fmt_money_decimal(1230, "EUR", buf, sizeof buf);
    assert_string_equal(buf, "12.30");
    fmt_money_decimal(5, "EUR", buf, sizeof buf);
    assert_string_equal(buf, "0.05");
    fmt_money_decimal(-5, "EUR", buf, sizeof buf);
    assert_string_equal(buf, "-0.05");
    fmt_money_decimal(1500, "JPY", buf, sizeof buf);
    assert_string_equal(buf, "1500");
    fmt_money_decimal(1250, "KWD", buf, sizeof buf);
    assert_string_equal(buf, "1.250");
    fmt_money_decimal(INT64_MIN, "EUR", buf, sizeof buf);
    assert_string_equal(buf, "-92233720368547758.08");
    fmt_money_decimal(1, "XYZ", buf, sizeof buf);
    assert_string_equal(buf, "");
    int64_t v = 0;
    assert_true(fmt_money_decimal_parse("12.3", "EUR", 100000, &v));
    assert_int_equal(v, 1230);
    assert_true(fmt_money_decimal_parse("12.30", "EUR", 100000, &v));
    assert_int_equal(v, 1230);
    assert_true(fmt_money_decimal_parse("0.05", "EUR", 100000, &v));
    assert_int_equal(v, 5);
    assert_true(fmt_money_decimal_parse("1500", "JPY", 100000, &v));
    assert_int_equal(v, 1500);
    static const char *const bad[] = {"12.345", "12.", ".5", "1e3",   "-1",
                                      "+1",     "1,5", "",   "1 000", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fmt_money_decimal_parse(bad[i], "EUR", INT64_MAX, &v))
            fail_msg("'%s' parsed as %lld", bad[i], (long long)v);
    assert_false(fmt_money_decimal_parse("12.5", "JPY", 100000, &v));
    assert_false(fmt_money_decimal_parse("1000.01", "EUR", 100000, &v)); /* over max */
    assert_false(fmt_money_decimal_parse("1", "XYZ", 100000, &v));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_order_body),
        cmocka_unit_test(test_write_shape),
        cmocka_unit_test(test_decimal_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
