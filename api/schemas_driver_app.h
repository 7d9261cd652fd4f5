/* api/schemas_driver_app.h: JSON Schemas (as JSON text) of the driver app's enrolment routes and
 * its event stream, for /openapi.json (api/routes.c). */
#ifndef LASTMILE_API_SCHEMAS_DRIVER_APP_H
#define LASTMILE_API_SCHEMAS_DRIVER_APP_H

#define API_ENROL_IN_SCHEMA                                                                        \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"ttl_s\":{\"type\":"     \
    "\"integer\",\"minimum\":60,\"maximum\":86400,\"description\":\"how long the link works "      \
    "(900 s)\"}}}"
#define API_ENROLMENT_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"enrolment_id\",\"driver_id\",\"state\",\"expires_ms\"]," \
    "\"properties\":{\"enrolment_id\":{\"type\":\"string\"},\"driver_id\":{\"type\":\"string\"},"  \
    "\"state\":{\"enum\":[\"pending\",\"expired\",\"active\",\"revoked\"]},\"created_ms\":{"       \
    "\"type\":\"integer\"},\"expires_ms\":{\"type\":\"integer\"},\"used_ms\":{\"type\":["          \
    "\"integer\",\"null\"]},\"revoked_ms\":{\"type\":[\"integer\",\"null\"]},\"key_prefix\":{"     \
    "\"type\":[\"string\",\"null\"],\"description\":\"the key the phone got (prefix only)\"},"     \
    "\"token\":{\"type\":\"string\",\"description\":\"only in the 201, never stored\"},\"link\":{" \
    "\"type\":\"string\",\"description\":\"/driver/#enrol=<token>: only in the 201\"}}}"
#define API_ENROLMENTS_SCHEMA                                                                      \
    "{\"type\":\"object\",\"properties\":{\"enrolments\":{\"type\":\"array\","                     \
    "\"items\":" API_ENROLMENT_SCHEMA "}}}"
#define API_ENROL_EXCHANGE_IN_SCHEMA                                                               \
    "{\"type\":\"object\",\"required\":[\"token\"],\"additionalProperties\":false,"                \
    "\"properties\":{\"token\":{\"type\":\"string\",\"description\":\"from the enrolment "         \
    "link\"}}}"
#define API_ENROL_EXCHANGE_SCHEMA                                                                  \
    "{\"type\":\"object\",\"required\":[\"key\",\"key_id\",\"driver_id\"],\"properties\":{"        \
    "\"key\":{\"type\":\"string\",\"description\":\"the driver key, shown only here\"},"           \
    "\"key_id\":{\"type\":\"string\"},\"driver_id\":{\"type\":\"string\"},\"driver_name\":{"       \
    "\"type\":\"string\"},\"enrolment_id\":{\"type\":\"string\"}}}"
#define API_DRIVER_EVENTS_SCHEMA                                                                   \
    "{\"type\":\"string\",\"description\":\"text/event-stream: event route.changed, data "         \
    "{seq, cause}; resumes after Last-Event-ID\"}"

#define API_DRIVER_START_SCHEMA                                                                    \
    "{\"type\":\"object\",\"properties\":{\"started\":{\"type\":\"boolean\"},\"already\":{"        \
    "\"type\":\"boolean\",\"description\":\"it had started before\"}}}"

#endif
