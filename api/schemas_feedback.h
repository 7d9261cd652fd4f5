/* api/schemas_feedback.h (api-internal): the OpenAPI text of the feedback rows of the route table
 * (api/routes.c): ratings, complaints, surveys, analytics and configuration (docs/feedback.md).
 * Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_FEEDBACK_H
#define LASTMILE_API_SCHEMAS_FEEDBACK_H

#define FB_TAGS_SCHEMA                                                                             \
    "{\"type\":\"array\",\"maxItems\":10,\"uniqueItems\":true,\"items\":{\"enum\":[\"late\","      \
    "\"on_time\",\"rude\",\"friendly\",\"damaged\",\"careful\",\"missing_item\",\"wrong_item\","   \
    "\"instructions_ignored\",\"great\"]}}"
#define FB_CATEGORY_ENUM                                                                           \
    "{\"enum\":[\"lateness\",\"damage\",\"missing_item\",\"wrong_item\",\"driver_conduct\","       \
    "\"billing\",\"other\"]}"
#define FB_PRIORITY_ENUM "{\"enum\":[\"low\",\"normal\",\"high\",\"urgent\"]}"
#define FB_STATUS_ENUM                                                                             \
    "{\"enum\":[\"new\",\"acknowledged\",\"in_progress\",\"resolved\",\"closed\"]}"

#define FB_RATING_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"score\"],\"properties\":" \
    "{"                                                                                            \
    "\"score\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5},\"tags\":" FB_TAGS_SCHEMA        \
    ",\"comment\":{\"type\":\"string\",\"maxLength\":1000},\"stop_id\":{\"type\":\"integer\","     \
    "\"description\":\"the delivery attempt; default the order's latest finished one\"}}}"
#define FB_RATING_EDIT_SCHEMA                                                                      \
    "{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"properties\":{"     \
    "\"score\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":5},\"tags\":" FB_TAGS_SCHEMA        \
    ",\"comment\":{\"type\":\"string\",\"maxLength\":1000}}}"
#define FB_RATING_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"order_id\":{\"type\":"   \
    "\"integer\"},\"stop_id\":{\"type\":\"integer\"},\"score\":{\"type\":\"integer\"},\"tags\":"   \
    "{\"type\":\"array\"},\"comment\":{\"type\":\"string\"},\"editable\":{\"type\":\"boolean\"},"  \
    "\"editable_until_ms\":{\"type\":\"integer\"},\"complaint_id\":{\"type\":[\"integer\","        \
    "\"null\"]}}}"
#define FB_MSG_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"author\":{\"enum\":["    \
    "\"customer\",\"staff\",\"driver\",\"system\"]},\"author_id\":{\"type\":[\"string\","          \
    "\"null\"],\"description\":\"staff view only\"},\"internal\":{\"type\":\"boolean\","           \
    "\"description\":\"staff view only\"},\"text\":{\"type\":\"string\"},\"created_ms\":{"         \
    "\"type\":\"integer\"}}}"
#define FB_COMPLAINT_SCHEMA                                                                        \
    "{\"type\":\"object\",\"description\":\"customers and drivers get id, order_id, status, "      \
    "category, source, subject, times and the public messages; staff also priority, assignee, "    \
    "links, sla and the order's timeline\",\"properties\":{\"id\":{\"type\":\"integer\"},"         \
    "\"order_id\":{\"type\":[\"integer\",\"null\"]},\"status\":" FB_STATUS_ENUM                    \
    ",\"category\":" FB_CATEGORY_ENUM ",\"priority\":" FB_PRIORITY_ENUM                            \
    ",\"source\":{\"type\":\"string\"},\"subject\":{\"type\":\"string\"},\"assignee\":{\"type\":"  \
    "[\"string\",\"null\"]},\"sla\":{\"type\":\"object\"},\"messages\":{\"type\":\"array\","       \
    "\"items\":" FB_MSG_SCHEMA "},\"timeline\":{\"type\":\"array\"}}}"
#define FB_COMPLAINTS_SCHEMA                                                                       \
    "{\"type\":\"object\",\"properties\":{\"now_ms\":{\"type\":\"integer\"},\"complaints\":{"      \
    "\"type\":\"array\",\"items\":{\"type\":\"object\",\"description\":\"a ticket (staff view) "   \
    "with first_response_left_ms and resolution_left_ms: negative once breached, null when the "   \
    "clock stopped\"}}}}"
#define FB_TRACK_COMPLAINT_IN_SCHEMA                                                               \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"category\",\"text\"],"    \
    "\"properties\":{\"category\":" FB_CATEGORY_ENUM ",\"text\":{\"type\":\"string\","             \
    "\"maxLength\":4000},\"subject\":{\"type\":\"string\",\"maxLength\":200},\"source\":{"         \
    "\"enum\":[\"customer\",\"dispute\"]}}}"
#define FB_COMPLAINT_IN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"category\"],"             \
    "\"properties\":{\"category\":" FB_CATEGORY_ENUM ",\"priority\":" FB_PRIORITY_ENUM             \
    ",\"order_id\":{\"type\":\"integer\"},\"text\":{\"type\":\"string\",\"maxLength\":4000},"      \
    "\"subject\":{\"type\":\"string\",\"maxLength\":200},\"source\":{\"enum\":[\"staff\","         \
    "\"after_sales\"]},\"case_ref\":{\"type\":\"string\",\"maxLength\":128}}}"
#define FB_TRACK_REPLY_SCHEMA                                                                      \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"text\"],\"properties\":{" \
    "\"text\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4000}}}"
#define FB_REPLY_SCHEMA                                                                            \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"text\"],\"properties\":{" \
    "\"text\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4000},\"internal\":{\"type\":"    \
    "\"boolean\",\"description\":\"a note the customer never sees\"}}}"
#define FB_ACTION_SCHEMA                                                                           \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"text\":{\"type\":"      \
    "\"string\",\"maxLength\":4000,\"description\":\"optional public message\"}}}"
#define FB_PATCH_SCHEMA                                                                            \
    "{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"properties\":{"     \
    "\"assignee\":{\"type\":\"string\",\"maxLength\":64},\"priority\":" FB_PRIORITY_ENUM           \
    ",\"category\":" FB_CATEGORY_ENUM ",\"driver_shared\":{\"type\":\"boolean\"}}}"
#define FB_ASSIGN_SCHEMA                                                                           \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"assignee\"],"             \
    "\"properties\":{\"assignee\":{\"type\":\"string\",\"maxLength\":64,\"description\":"          \
    "\"\\\"\\\" "                                                                                  \
    "= unassign\"}}}"
#define FB_SURVEY_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"kind\":{\"enum\":["      \
    "\"nps\",\"csat\"]},\"min\":{\"type\":\"integer\"},\"max\":{\"type\":\"integer\"},"            \
    "\"expires_ms\":{\"type\":\"integer\"},\"answered_ms\":{\"type\":[\"integer\",\"null\"]},"     \
    "\"score\":{\"type\":[\"integer\",\"null\"]}}}"
#define FB_SURVEY_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"score\"],\"properties\":" \
    "{"                                                                                            \
    "\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10,\"description\":\"0..10 (nps) "  \
    "or 1..5 (csat)\"},\"comment\":{\"type\":\"string\",\"maxLength\":1000}}}"
#define FB_RATINGS_SUMMARY_SCHEMA                                                                  \
    "{\"type\":\"object\",\"properties\":{\"group_by\":{\"type\":\"string\"},\"groups\":{"         \
    "\"type\":"                                                                                    \
    "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"key\":{\"type\":\"string\"},"      \
    "\"count\":{\"type\":\"integer\"},\"average\":{\"type\":\"number\"},\"by_score\":{\"type\":"   \
    "\"array\"},\"low\":{\"type\":\"integer\"}}}}}}"
#define FB_STATS_SCHEMA                                                                            \
    "{\"type\":\"object\",\"properties\":{\"complaints\":{\"type\":\"object\"},\"surveys\":{"      \
    "\"type\":\"object\",\"properties\":{\"nps\":{\"type\":\"object\"},\"csat\":{\"type\":"        \
    "\"object\"}}}}}"
#define FB_CONFIG_SCHEMA                                                                           \
    "{\"type\":\"object\",\"properties\":{\"settings\":{\"type\":\"object\"},\"sla\":{\"type\":"   \
    "\"array\"},\"default_calendar\":{\"type\":\"object\"},\"depot_calendars\":{\"type\":"         \
    "\"array\"}}}"
#define FB_CONFIG_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"minProperties\":1,\"properties\":{"     \
    "\"settings\":{\"type\":\"object\",\"description\":\"edit_window_s, reopen_window_s, "         \
    "imminent_pct, auto_ticket_max, survey_kind, survey_expiry_s, retention_days, escalate_to\"}," \
    "\"sla\":{\"type\":\"array\",\"description\":\"the whole table: {category, priority (a name "  \
    "or any), first_response_s, resolution_s}\"},\"calendars\":{\"type\":\"array\","               \
    "\"description\":\"{depot_id (\\\"\\\" = default), tz, hours, holidays}\"},"                   \
    "\"remove_calendars\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

#endif
