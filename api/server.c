/* api/server.c: lastmile's server: the framework (api/http/) serving the route table of
 * api/routes.c, with the API-key check it calls back, and the live services (api/live.h) started
 * before it and stopped while it drains. */
#include "api/app.h"
#include "api/live.h"

#include <string.h>

struct api_server {
    http_server *http;
    api__live *live; /* the handlers' context (r->app) */
};

const char *api_mhd_version(void) {
    return http_mhd_version();
}

unsigned api__role_from_name(const char *name) {
    if (!name) return 0;
    if (!strcmp(name, "admin")) return API_ROLE_ADMIN;
    if (!strcmp(name, "dispatcher")) return API_ROLE_DISPATCHER;
    if (!strcmp(name, "warehouse")) return API_ROLE_WAREHOUSE;
    if (!strcmp(name, "driver")) return API_ROLE_DRIVER;
    return 0;
}

/* The framework's auth hook: the key against the store's salted hashes. */
static lm_status auth_key(void *ctx, const char *key, http_identity *who, lm_errinfo *err) {
    store *s = api__live_store(ctx);
    store_read *rd = NULL;
    store_key_info info;
    lm_status rc = store_read_begin(s, &rd);
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "the key store is not available");
    rc = store_key_verify(rd, key, &info);
    store_read_end(rd);
    if (rc == LM_UNAUTHORIZED) return rc;
    if (rc != LM_OK) return lm_errinfo_set(err, rc, "", "could not check the API key");
    who->role = api__role_from_name(info.role);
    lm_strlcpy(who->key_id, info.id, sizeof who->key_id);
    lm_strlcpy(who->subject, info.driver_id, sizeof who->subject);
    return LM_OK;
}

void api_server_opts_init(api_server_opts *o) {
    o->bind_addr = "127.0.0.1";
    o->port = 8080;
    o->threads = 2;
    o->max_body_bytes = (size_t)1 << 20;
    o->web_root = NULL;
    o->log_fd = 2;
    o->event_loop = API_LOOP_POLL;
    o->dispatch = NULL;
    o->osmand_port = -1;
    o->positions_retention_s = 30 * 86400;
    o->data_dir = "var";
    o->track_rate_per_s = 2.0;
    o->track_burst = 20.0;
    o->webhook_allow = NULL;
}

lm_status api_server_start(const api_server_opts *o, store *s, api_server **out, lm_errinfo *err) {
    api_server *srv = lm_calloc(1, sizeof *srv);
    if (!srv) return lm_errinfo_set(err, LM_NOMEM, "", "out of memory");
    lm_status rc = api__live_start(s, o, &srv->live, err);
    if (rc != LM_OK) {
        lm_free(srv);
        return rc;
    }
    http_app app = {
        .routes = api__routes,
        .n_routes = api__route_count,
        .role_names = {"admin", "dispatcher", "warehouse", "driver"},
        .superuser = API_ROLE_ADMIN,
        .auth = auth_key,
        .ctx = srv->live,
        .title = "lastmile",
        .version = LASTMILE_VERSION,
        .description = "Delivery route optimisation and dispatch server. Authenticate with "
                       "'Authorization: Bearer <key>' (lastmile keys create).",
    };
    http_server_opts ho;
    http_server_opts_init(&ho);
    ho.bind_addr = o->bind_addr;
    ho.port = o->port;
    ho.threads = o->threads;
    ho.max_body_bytes = o->max_body_bytes;
    ho.web_root = o->web_root;
    ho.log_fd = o->log_fd;
    ho.epoll = o->event_loop == API_LOOP_EPOLL;
    if ((rc = http_server_start(&ho, &app, &srv->http, err)) != LM_OK) {
        api__live_free(srv->live);
        lm_free(srv);
        return rc;
    }
    *out = srv;
    return LM_OK;
}

uint16_t api_server_port(const api_server *srv) {
    return http_server_port(srv->http);
}

uint16_t api_server_osmand_port(const api_server *srv) {
    return api__live_osmand_port(srv->live);
}

void api_server_stop(api_server *srv, int drain_ms) {
    if (!srv) return;
    http_server_quiesce(srv->http);
    /* ends event streams, answers queued positions and stops the OsmAnd port, so that the drain
     * below does not wait on them */
    api__live_stop(srv->live);
    http_server_stop(srv->http, drain_ms);
    api__live_free(srv->live);
    lm_free(srv);
}
