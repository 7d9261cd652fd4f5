/* api/schemas_settings.h (api-internal): the OpenAPI schemas (JSON text) of /v1/settings
 * (api/settings.c, docs/settings.md). Only api/routes.c includes this. */
#ifndef LASTMILE_API_SCHEMAS_SETTINGS_H
#define LASTMILE_API_SCHEMAS_SETTINGS_H

/* A section: the global one, or one depot's (silent_after_s is global only). */
#define API_SETTINGS_SECTION                                                                       \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"                         \
    "\"geofence_radius_m\":{\"type\":[\"integer\",\"null\"],\"minimum\":5,\"maximum\":5000,"       \
    "\"description\":\"arrival geofence around a stop\"},"                                         \
    "\"arrival_dwell_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":3600},"        \
    "\"late_threshold_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":86400},"      \
    "\"eta_change_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":86400},"          \
    "\"silent_after_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":30,\"maximum\":86400},"       \
    "\"service_s\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":7200},"              \
    "\"replan\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,\"properties\":{"   \
    "\"auto_apply\":{\"enum\":[\"never\",\"eta_within\",\"always\",null]},"                        \
    "\"max_eta_shift_min\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"maximum\":1440}}},"    \
    "\"working_hours\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":false,"            \
    "\"properties\":{\"start\":{\"type\":[\"string\",\"null\"],\"description\":\"HH:MM\"},"        \
    "\"end\":{\"type\":[\"string\",\"null\"],\"description\":\"HH:MM (24:00 allowed)\"}}}}}"
#define API_SETTINGS_SCHEMA                                                                        \
    "{\"type\":\"object\",\"properties\":{\"version\":{\"type\":\"integer\",\"description\":\"0 "  \
    "before the first change\"},\"updated_ms\":{\"type\":[\"integer\",\"null\"]},\"updated_by\":{" \
    "\"type\":[\"string\",\"null\"]},\"settings\":" API_SETTINGS_SECTION                           \
    ",\"depots\":{\"type\":\"object\",\"additionalProperties\":" API_SETTINGS_SECTION              \
    "},\"service_s_by_product\":{\"type\":\"object\",\"additionalProperties\":{\"type\":"          \
    "\"integer\"}}}}"
#define API_SETTINGS_IN_SCHEMA                                                                     \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"version\":{\"type\":"   \
    "\"integer\",\"description\":\"the version the change was made against (or If-Match)\"},"      \
    "\"settings\":" API_SETTINGS_SECTION ",\"depots\":{\"type\":\"object\","                       \
    "\"additionalProperties\":{\"oneOf\":[" API_SETTINGS_SECTION ",{\"type\":\"null\"}]}},"        \
    "\"service_s_by_product\":{\"type\":\"object\",\"additionalProperties\":{\"type\":["           \
    "\"integer\",\"null\"],\"minimum\":0,\"maximum\":7200}}}}"
#define API_SETTINGS_HISTORY_SCHEMA                                                                \
    "{\"type\":\"object\",\"properties\":{\"versions\":{\"type\":\"array\",\"items\":{\"type\":"   \
    "\"object\",\"properties\":{\"version\":{\"type\":\"integer\"},\"created_ms\":{\"type\":"      \
    "\"integer\"},\"actor\":{\"type\":\"string\",\"description\":\"key:<key id>\"},\"changes\":{"  \
    "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"scope\":{\"type\":"       \
    "\"string\",\"description\":\"global, depot:<id> or product:<sku>\"},\"key\":{\"type\":"       \
    "\"string\"},\"from\":{\"type\":[\"integer\",\"null\"]},\"to\":{\"type\":[\"integer\","        \
    "\"null\"]}}}}}}},\"next_before\":{\"type\":\"integer\"}}}"
#define API_SETTINGS_DEPOT_SCHEMA                                                                  \
    "{\"type\":\"object\",\"properties\":{\"depot_id\":{\"type\":\"string\"},\"version\":{"        \
    "\"type\":\"integer\"},\"settings\":" API_SETTINGS_SECTION                                     \
    ",\"overrides\":" API_SETTINGS_SECTION "}}"
#define API_SETTINGS_DEPOT_IN_SCHEMA                                                               \
    "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"version\":{\"type\":"   \
    "\"integer\"},\"settings\":" API_SETTINGS_SECTION "}}"

#define API_SKILLS_IN_SCHEMA                                                                       \
    "{\"type\":\"object\",\"required\":[\"skills\"],\"additionalProperties\":false,"               \
    "\"properties\":{\"skills\":{\"type\":\"array\",\"maxItems\":8,\"items\":{\"type\":"           \
    "\"string\",\"pattern\":\"^[A-Za-z0-9._-]{1,64}$\"}}}}"
#define API_REQUIRES_SCHEMA                                                                        \
    "{\"type\":\"object\",\"description\":\"the product (sku), order (id) or driver (id) with "    \
    "its requires or skills\",\"properties\":{\"requires\":{\"type\":\"array\",\"items\":{"        \
    "\"type\":\"string\"}},\"skills\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}"

/* Fleet records with their version (api/fleet.c, api/depots.c, api/versions.c). */
#define API_VERSIONED_NOTE                                                                         \
    "\"version\":{\"type\":\"integer\",\"description\":\"send it back as If-Match or body "        \
    "version to change the record\"}"
#define API_VEHICLE_VERSIONED_SCHEMA                                                               \
    "{\"type\":\"object\",\"description\":\"a vehicle (as POST /v1/vehicles) and its "             \
    "version\",\"properties\":{\"id\":{\"type\":\"string\"}," API_VERSIONED_NOTE "}}"
#define API_DRIVER_VERSIONED_SCHEMA                                                                \
    "{\"type\":\"object\",\"description\":\"a driver (as POST /v1/drivers) and its version\","     \
    "\"properties\":{\"id\":{\"type\":\"string\"}," API_VERSIONED_NOTE "}}"
#define API_DEPOT_VERSIONED_SCHEMA                                                                 \
    "{\"type\":\"object\",\"description\":\"a depot (as POST /v1/depots) and its version\","       \
    "\"properties\":{\"id\":{\"type\":\"string\"}," API_VERSIONED_NOTE "}}"
#define API_RECORD_HISTORY_SCHEMA                                                                  \
    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"versions\":{"             \
    "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"version\":{"              \
    "\"type\":\"integer\"},\"created_ms\":{\"type\":\"integer\"},\"actor\":{\"type\":"             \
    "\"string\"},\"record\":{\"type\":\"object\"}}}}}}"

#endif
