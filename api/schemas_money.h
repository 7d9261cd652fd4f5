/* api/schemas_money.h (api-internal): the OpenAPI text of the money routes (api/payments.c,
 * api/promotions.c, api/cash.c): JSON Schemas as JSON text. Amounts are integers in the minor
 * unit of the currency (docs/money.md). Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_MONEY_H
#define LASTMILE_API_SCHEMAS_MONEY_H

#define MONEY_AMOUNT "{\"type\":\"integer\",\"minimum\":0,\"description\":\"minor units\"}"
#define MONEY_CURRENCY                                                                             \
    "{\"type\":\"string\",\"pattern\":\"^[A-Z]{3}$\",\"description\":\"ISO 4217\"}"
#define MONEY_PAY_STATUS                                                                           \
    "{\"enum\":[\"pending\",\"authorized\",\"paid\",\"partially_refunded\",\"refunded\","          \
    "\"failed\",\"cod_due\",\"cod_collected\"]}"

/* The money members of an order reply (and of the payment routes' replies). */
#define MONEY_ORDER_PROPS                                                                          \
    "\"currency\":" MONEY_CURRENCY ",\"priced_lines\":{\"type\":\"array\",\"description\":\"the "  \
    "lines as priced at intake (index = line for cancel-units)\",\"items\":{\"type\":\"object\","  \
    "\"properties\":{\"sku\":{\"type\":\"string\"},\"qty\":{\"type\":\"integer\"},"                \
    "\"cancelled_qty\":{\"type\":\"integer\"},\"unit_price\":" MONEY_AMOUNT                        \
    ",\"tax_rate_bp\":{\"type\":\"integer\"},\"gross\":" MONEY_AMOUNT                              \
    ",\"discount\":" MONEY_AMOUNT ",\"tax\":" MONEY_AMOUNT                                         \
    "}}},\"totals\":{\"type\":\"object\",\"properties\":{\"subtotal\":" MONEY_AMOUNT               \
    ",\"discount\":" MONEY_AMOUNT ",\"shipping\":" MONEY_AMOUNT ",\"tax\":" MONEY_AMOUNT           \
    ",\"total\":" MONEY_AMOUNT "}},\"adjustments\":{\"type\":\"array\",\"items\":{"                \
    "\"type\":\"object\",\"properties\":{\"promotion\":{\"type\":\"string\"},\"code\":{\"type\":"  \
    "\"string\"},\"kind\":{\"type\":\"string\"},\"line\":{\"type\":\"integer\",\"description\":"   \
    "\"-1 the order, -2 shipping\"},\"amount\":" MONEY_AMOUNT "}}},\"payment\":{\"type\":"         \
    "\"object\",\"properties\":{\"status\":" MONEY_PAY_STATUS ",\"method\":{\"enum\":[\"card\","   \
    "\"transfer\",\"wallet\",\"cod\"]},\"amount_due\":" MONEY_AMOUNT ",\"paid\":" MONEY_AMOUNT     \
    ",\"refunded\":" MONEY_AMOUNT "}}"

#define MONEY_ORDER_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"integer\"}," MONEY_ORDER_PROPS  \
    "}}"
#define MONEY_HISTORY_SCHEMA                                                                       \
    "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"integer\"}," MONEY_ORDER_PROPS  \
    ",\"history\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"kind\":{"   \
    "\"type\":\"string\"},\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"},"            \
    "\"amount\":" MONEY_AMOUNT ",\"method\":{\"type\":\"string\"},\"reference\":{\"type\":"        \
    "\"string\"},\"created_ms\":{\"type\":\"integer\"}}}}}}"
#define MONEY_PAYMENT_IN_SCHEMA                                                                    \
    "{\"type\":\"object\",\"required\":[\"status\"],\"properties\":{\"status\":{\"enum\":["        \
    "\"authorized\",\"paid\",\"failed\",\"pending\"]},\"amount\":" MONEY_AMOUNT                    \
    ",\"reference\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"the provider's; a "   \
    "repeated report with the same reference changes nothing\"}}}"
#define MONEY_REFUND_IN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"required\":[\"amount\",\"reason\"],\"properties\":{\"amount\":"        \
    "{\"type\":\"integer\",\"minimum\":1,\"description\":\"at most paid minus earlier refunds\"}," \
    "\"reason\":{\"type\":\"string\",\"maxLength\":200},\"method\":{\"enum\":[\"original\","       \
    "\"cash\",\"transfer\",\"wallet\"]}}}"
#define MONEY_CANCEL_UNITS_SCHEMA                                                                  \
    "{\"type\":\"object\",\"required\":[\"line\",\"qty\"],\"properties\":{\"line\":{\"type\":"     \
    "\"integer\",\"minimum\":0,\"description\":\"index in priced_lines\"},\"qty\":{\"type\":"      \
    "\"integer\",\"minimum\":1}}}"
#define MONEY_PRICE_IN_SCHEMA                                                                      \
    "{\"type\":\"object\",\"required\":[\"unit_price\"],\"properties\":{\"unit_"                   \
    "price\":" MONEY_AMOUNT                                                                        \
    ",\"tax_rate_bp\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000},"                     \
    "\"category\":{\"type\":\"string\"}}}"
#define MONEY_PRICE_SCHEMA                                                                         \
    "{\"type\":\"object\",\"properties\":{\"sku\":{\"type\":\"string\"},"                          \
    "\"currency\":" MONEY_CURRENCY ",\"unit_price\":" MONEY_AMOUNT                                 \
    ",\"tax_rate_bp\":{\"type\":\"integer\"},"                                                     \
    "\"category\":{\"type\":\"string\"},\"updated_ms\":{\"type\":\"integer\"}}}"
#define MONEY_PRICES_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"prices\":{\"type\":\"array\","                         \
    "\"items\":" MONEY_PRICE_SCHEMA "}}}"
#define MONEY_PROMOTION_SCHEMA                                                                     \
    "{\"type\":\"object\",\"required\":[\"id\",\"kind\"],\"properties\":{\"id\":{\"type\":"        \
    "\"string\"},\"kind\":{\"enum\":[\"percent\",\"fixed\",\"buy_x_get_y\",\"free_shipping\"]},"   \
    "\"scope\":{\"enum\":[\"order\",\"product\",\"category\"]},\"target\":{\"type\":\"string\"},"  \
    "\"currency\":" MONEY_CURRENCY ",\"percent_bp\":{\"type\":\"integer\",\"maximum\":10000},"     \
    "\"amount\":" MONEY_AMOUNT ",\"buy_qty\":{\"type\":\"integer\"},\"get_qty\":{\"type\":"        \
    "\"integer\"},\"min_order\":" MONEY_AMOUNT ",\"code\":{\"type\":\"string\",\"description\":"   \
    "\"coupon code; empty = automatic\"},\"channel\":{\"type\":\"string\"},\"valid_from_ms\":{"    \
    "\"type\":\"integer\"},\"valid_until_ms\":{\"type\":\"integer\"},\"limit_total\":{\"type\":"   \
    "\"integer\"},\"limit_per_customer\":{\"type\":\"integer\"},\"combinable\":{\"type\":"         \
    "\"boolean\"},\"priority\":{\"type\":\"integer\"},\"active\":{\"type\":\"boolean\"}}}"
#define MONEY_PROMOTIONS_SCHEMA                                                                    \
    "{\"type\":\"object\",\"properties\":{\"promotions\":{\"type\":\"array\","                     \
    "\"items\":" MONEY_PROMOTION_SCHEMA "}}}"
#define MONEY_CONFIG_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"coupon_refuse\":{\"type\":\"boolean\","                \
    "\"description\":"                                                                             \
    "\"true: a rejected coupon refuses the order; false: accepted without it, with a warning\"},"  \
    "\"hold_unpaid\":{\"type\":\"boolean\"},\"payment_timeout_s\":{\"type\":\"integer\","          \
    "\"minimum\":0},\"shipping_tax_bp\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000}}}"
#define MONEY_CASH_ROW                                                                             \
    "{\"type\":\"object\",\"properties\":{\"driver_id\":{\"type\":\"string\"},"                    \
    "\"currency\":" MONEY_CURRENCY ",\"outstanding\":" MONEY_AMOUNT                                \
    ",\"orders\":{\"type\":\"integer\"},"                                                          \
    "\"handed_in\":" MONEY_AMOUNT ",\"discrepancy\":{\"type\":\"integer\"}}}"
#define MONEY_CASH_SCHEMA                                                                          \
    "{\"type\":\"object\",\"properties\":{\"driver_id\":{\"type\":\"string\"},\"cash\":{\"type\":" \
    "\"array\",\"items\":" MONEY_CASH_ROW "}}}"
#define MONEY_HANDIN_IN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"required\":[\"currency\",\"handed_in\"],\"properties\":{"              \
    "\"currency\":" MONEY_CURRENCY ",\"handed_in\":" MONEY_AMOUNT "}}"
#define MONEY_HANDIN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"driver_id\":{\"type\":"  \
    "\"string\"},\"currency\":" MONEY_CURRENCY ",\"expected\":" MONEY_AMOUNT                       \
    ",\"handed_in\":" MONEY_AMOUNT                                                                 \
    ",\"discrepancy\":{\"type\":\"integer\",\"description\":\"handed_in - "                        \
    "expected\"},\"orders\":{\"type\":\"integer\"},\"key_id\":{\"type\":\"string\"}}}"
#define MONEY_REPORT_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"report\":{\"enum\":[\"revenue\",\"promotions\","       \
    "\"cod\",\"refunds\"]},\"from_ms\":{\"type\":\"integer\"},\"to_ms\":{\"type\":\"integer\"},"   \
    "\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}"

#endif
