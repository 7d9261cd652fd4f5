/* api/schemas_analytics.h (api-internal): the OpenAPI text of the analytics routes
 * (api/reports.c, api/forecast.c): JSON Schemas as JSON text. The figures are defined in
 * docs/analytics.md. Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_ANALYTICS_H
#define LASTMILE_API_SCHEMAS_ANALYTICS_H

#define AN_DATE "{\"type\":\"string\",\"format\":\"date\"}"
#define AN_NUM  "{\"type\":\"number\"}"

#define ANALYTICS_REPORT_SCHEMA                                                                    \
    "{\"type\":\"object\",\"description\":\"KPI families: rows per period (and group value) "      \
    "with the family's columns; quality: complaint rate, SLA compliance, mean ratings per "        \
    "driver and depot, return rates per product and reason. With Accept: text/csv the same "       \
    "figures as CSV.\",\"properties\":{\"family\":{\"enum\":[\"deliveries\",\"eta\","              \
    "\"cycle-times\",\"costs\",\"fleet\",\"exceptions\",\"promise\",\"kpis\",\"quality\"]},"       \
    "\"period\":{\"enum\":[\"day\",\"week\",\"month\"]},\"group\":{\"enum\":[\"all\",\"depot\","   \
    "\"channel\",\"vehicle\",\"driver\",\"zone\"]},"                                               \
    "\"from\":" AN_DATE ",\"to\":" AN_DATE ",\"rows\":{\"type\":\"array\",\"items\":{\"type\":"    \
    "\"object\",\"properties\":{\"period_start\":" AN_DATE ",\"key\":{\"type\":\"string\"},"       \
    "\"received\":{\"type\":\"integer\"},\"delivered\":{\"type\":\"integer\"},\"on_time_"          \
    "rate\":" AN_NUM ",\"eta60_abs_err_median_s\":" AN_NUM ",\"total_p90_s\":" AN_NUM              \
    ",\"cost_per_stop\":" AN_NUM ",\"time_utilisation\":" AN_NUM                                   \
    ",\"capacity_utilisation\":" AN_NUM ",\"driven_ratio\":" AN_NUM                                \
    ",\"replans_breakdown\":{\"type\":\"integer\"},"                                               \
    "\"exc_breakdown\":{\"type\":\"integer\"},\"exc_resolve_median_s\":" AN_NUM                    \
    ",\"late_p90_s\":" AN_NUM "}}},\"complaint_rate\":" AN_NUM                                     \
    ",\"sla_first_response_compliance\":" AN_NUM ",\"sla_resolution_compliance\":" AN_NUM          \
    ",\"ratings\":{\"type\":\"object\"},\"returns\":{\"type\":\"object\"}}}"

#define ANALYTICS_FORECAST_SCHEMA                                                                  \
    "{\"type\":\"object\",\"properties\":{\"depot\":{\"type\":\"string\"},\"sku\":{\"type\":"      \
    "\"string\"},\"method\":{\"enum\":[\"zero\",\"mean\",\"seasonal_naive\",\"holt_winters\","     \
    "\"holt_winters_yearly\",\"tsb\"]},\"sigma\":" AN_NUM ",\"z\":" AN_NUM ",\"backtest\":{"       \
    "\"type\":\"object\",\"properties\":{\"holdout_days\":{\"type\":\"integer\"},\"folds\":{"      \
    "\"type\":\"integer\"},\"mase\":" AN_NUM ",\"smape\":" AN_NUM ",\"naive_mase\":" AN_NUM        \
    ",\"naive_smape\":" AN_NUM "}},\"history\":{\"type\":"                                         \
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"date\":" AN_DATE                   \
    ",\"units\":" AN_NUM                                                                           \
    "}}},\"forecast\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"         \
    "\"date\":" AN_DATE ",\"units\":" AN_NUM ",\"mean\":" AN_NUM ",\"lo\":" AN_NUM                 \
    ",\"hi\":" AN_NUM "}}}}}"

#define ANALYTICS_REPLENISH_SCHEMA                                                                 \
    "{\"type\":\"object\",\"properties\":{\"depot\":{\"type\":\"string\"},\"lead_days\":{"         \
    "\"type\":\"integer\"},\"review_days\":{\"type\":\"integer\"},\"service\":" AN_NUM             \
    ",\"skus\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"sku\":{"       \
    "\"type\":\"string\"},\"on_hand\":{\"type\":\"integer\"},\"reserved\":{\"type\":"              \
    "\"integer\"},\"reorder_point_set\":{\"type\":\"integer\"},\"method\":{\"type\":\"string\"},"  \
    "\"history\":{\"type\":\"boolean\"},\"reorder_point\":" AN_NUM ",\"order_up_to\":" AN_NUM      \
    ",\"order_qty\":" AN_NUM ",\"days_of_cover\":" AN_NUM ",\"reorder_now\":{\"type\":"            \
    "\"boolean\"},\"stockout_risk\":{\"type\":\"boolean\"}}}}}}"

#endif
