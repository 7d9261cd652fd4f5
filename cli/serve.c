/* `lastmile serve`: settings from defaults < config file < environment < command line, then the
 * store and the HTTP server until SIGTERM/SIGINT, then a graceful stop. */
#include "analytics/analytics.h"
#include "api/api.h"
#include "cli/demo.h"
#include "api/formats/conf.h"
#include "cli/cli.h"
#include "dispatch/dispatch.h"
#include "feedback/feedback.h"
#include "geo/geo.h"
#include "notify/notify.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define DRAIN_MS 10000 /* how long in-flight requests get to finish on shutdown */

typedef struct serve_cfg {
    char db[512];
    char bind[64];
    char web_root[512];
    int64_t port, threads, max_body;
    bool demo, epoll;
    int64_t osmand_port, retention_days; /* OsmAnd listener (0 = off, -1 = not set); retention */
    char data_dir[512];                  /* delivery proofs */
    char webhook_allow[512];             /* CIDR ranges webhooks may reach beyond public ones */
    int64_t track_rate, track_burst;     /* tracking polls per client address: per s, bucket */
    int64_t utc_offset_s;                /* local time = UTC + this (shifts, the demo's day) */
    bool utc_offset_set;                 /* given as utc_offset or timezone */
    /* position filters (dispatch_filter_opts; 0 = that check off) */
    int64_t pos_max_speed_kmh, pos_future_skew_s, pos_max_backwards_s, pos_max_accuracy_m;
    /* connections (docs/security.md "Connections") */
    int64_t max_conns, reserve_conns, max_conns_per_ip, header_timeout_s, body_timeout_s,
        idle_timeout_s, osmand_max_conns, osmand_max_conns_per_ip;
    /* roads and maps (docs/roads.md) */
    char router[GEO_ROUTER_SPEC_MAX + 1]; /* --router; "" = geodesic */
    char profile[32];                     /* vehicle profile plans are routed with */
    int64_t router_timeout_ms, router_retries;
    char tiles[1024]; /* basemap tile template; "none" = no tiles */
    char tiles_attribution[512];
    bool tiles_set;
    bool learned_speeds; /* learn zone / hour speed factors and apply them to ETAs */
    /* customer notifications (docs/notifications.md); secrets never printed */
    char nt_smtp_url[512], nt_smtp_user[256], nt_smtp_password[256], nt_mail_from[256];
    char nt_sms_url[512], nt_sms_from[64], nt_sms_auth[1024], nt_sms_format[8];
    char nt_track_url[512], nt_allow[512];
    /* the request log (docs/logging.md) */
    char log_level[8], log_routes[1024];
    int64_t log_sample;
} serve_cfg;

/* One setting by name, as in the config file ("port") and the environment (LASTMILE_PORT). */
static const struct {
    const char *name, *env;
} settings[] = {
    {"port", "LASTMILE_PORT"},
    {"db", "LASTMILE_DB"},
    {"bind", "LASTMILE_BIND"},
    {"threads", "LASTMILE_THREADS"},
    {"max_body_bytes", "LASTMILE_MAX_BODY_BYTES"},
    {"web_root", "LASTMILE_WEB_ROOT"},
    {"event_loop", "LASTMILE_EVENT_LOOP"},
    {"osmand_port", "LASTMILE_OSMAND_PORT"},
    {"positions_retention_days", "LASTMILE_POSITIONS_RETENTION_DAYS"},
    {"data_dir", "LASTMILE_DATA_DIR"},
    {"webhook_allow", "LASTMILE_WEBHOOK_ALLOW"},
    {"track_rate", "LASTMILE_TRACK_RATE"},
    {"track_burst", "LASTMILE_TRACK_BURST"},
    {"utc_offset", "LASTMILE_UTC_OFFSET"},
    {"timezone", "LASTMILE_TIMEZONE"},
    {"position_max_speed_kmh", "LASTMILE_POSITION_MAX_SPEED_KMH"},
    {"position_future_skew_s", "LASTMILE_POSITION_FUTURE_SKEW_S"},
    {"position_max_backwards_s", "LASTMILE_POSITION_MAX_BACKWARDS_S"},
    {"position_max_accuracy_m", "LASTMILE_POSITION_MAX_ACCURACY_M"},
    {"max_conns", "LASTMILE_MAX_CONNS"},
    {"reserve_conns", "LASTMILE_RESERVE_CONNS"},
    {"max_conns_per_ip", "LASTMILE_MAX_CONNS_PER_IP"},
    {"header_timeout_s", "LASTMILE_HEADER_TIMEOUT_S"},
    {"body_timeout_s", "LASTMILE_BODY_TIMEOUT_S"},
    {"idle_timeout_s", "LASTMILE_IDLE_TIMEOUT_S"},
    {"osmand_max_conns", "LASTMILE_OSMAND_MAX_CONNS"},
    {"osmand_max_conns_per_ip", "LASTMILE_OSMAND_MAX_CONNS_PER_IP"},
    {"router", "LASTMILE_ROUTER"},
    {"router_profile", "LASTMILE_ROUTER_PROFILE"},
    {"router_timeout_ms", "LASTMILE_ROUTER_TIMEOUT_MS"},
    {"router_retries", "LASTMILE_ROUTER_RETRIES"},
    {"tiles", "LASTMILE_TILES"},
    {"tiles_attribution", "LASTMILE_TILES_ATTRIBUTION"},
    {"learned_speeds", "LASTMILE_LEARNED_SPEEDS"},
    {"notify_smtp_url", "LASTMILE_NOTIFY_SMTP_URL"},
    {"notify_smtp_user", "LASTMILE_NOTIFY_SMTP_USER"},
    {"notify_smtp_password", "LASTMILE_NOTIFY_SMTP_PASSWORD"},
    {"notify_mail_from", "LASTMILE_NOTIFY_MAIL_FROM"},
    {"notify_sms_url", "LASTMILE_NOTIFY_SMS_URL"},
    {"notify_sms_from", "LASTMILE_NOTIFY_SMS_FROM"},
    {"notify_sms_auth", "LASTMILE_NOTIFY_SMS_AUTH"},
    {"notify_sms_format", "LASTMILE_NOTIFY_SMS_FORMAT"},
    {"notify_track_url", "LASTMILE_NOTIFY_TRACK_URL"},
    {"notify_allow", "LASTMILE_NOTIFY_ALLOW"},
    {"log_level", "LASTMILE_LOG_LEVEL"},
    {"log_routes", "LASTMILE_LOG_ROUTES"},
    {"log_sample", "LASTMILE_LOG_SAMPLE"},
};

/* The notification settings: name, where it goes; secret ones are never echoed in messages. */
#define NT_SETTING(name, field, secret)                                                            \
    { name, offsetof(serve_cfg, field), sizeof(((serve_cfg *)0)->field), secret }
static const struct {
    const char *name;
    size_t off, size;
    bool secret;
} nt_settings[] = {
    NT_SETTING("notify_smtp_url", nt_smtp_url, true),
    NT_SETTING("notify_smtp_user", nt_smtp_user, false),
    NT_SETTING("notify_smtp_password", nt_smtp_password, true),
    NT_SETTING("notify_mail_from", nt_mail_from, false),
    NT_SETTING("notify_sms_url", nt_sms_url, true),
    NT_SETTING("notify_sms_from", nt_sms_from, false),
    NT_SETTING("notify_sms_auth", nt_sms_auth, true),
    NT_SETTING("notify_sms_format", nt_sms_format, false),
    NT_SETTING("notify_track_url", nt_track_url, false),
    NT_SETTING("notify_allow", nt_allow, false),
};

static void serve_usage(FILE *out) {
    fprintf(
        out,
        "usage: lastmile serve [--port N] [--db PATH|URL] [--config FILE] [--threads N]\n"
        "                      [--bind ADDR] [--max-body-bytes N] [--web-root DIR]\n"
        "                      [--event-loop poll|epoll] [--demo]\n"
        "\n"
        "Serves the HTTP API until SIGTERM or SIGINT, then finishes requests in flight and\n"
        "closes the store. Each option can also come from the environment (LASTMILE_PORT,\n"
        "LASTMILE_DB, LASTMILE_BIND, LASTMILE_THREADS, LASTMILE_MAX_BODY_BYTES,\n"
        "LASTMILE_WEB_ROOT, LASTMILE_EVENT_LOOP, LASTMILE_CONFIG) or a config file of\n"
        "'name = value' lines (port, db, bind, threads, max_body_bytes, web_root,\n"
        "event_loop); the command line wins over the environment, which wins over the file.\n"
        "--db takes a SQLite file (default var/lastmile.db) or a PostgreSQL URL\n"
        "(postgresql://user@host:port/database): several nodes may share one PostgreSQL.\n"
        "--event-loop epoll is faster below 128 connections per thread but libmicrohttpd\n"
        "0.9.75 stalls at 128 or more; poll is the default.\n"
        "--osmand-port N: the OsmAnd / Traccar Client listener (default 5055, or any free\n"
        "port with --port 0; 0 = off);\n"
        "--positions-retention-days N (default 30, 0 = keep); --data-dir DIR for delivery\n"
        "proofs (default var); --track-rate N / --track-burst N: tracking polls allowed per\n"
        "client address per second and in a burst (default 2 and 20).\n"
        "--webhook-allow CIDRS: address ranges webhooks may reach besides public ones\n"
        "(comma-separated, e.g. 10.20.0.0/16,127.0.0.1; default none: loopback, private,\n"
        "link-local and metadata addresses are refused; docs/security.md).\n"
        "--utc-offset SECONDS or --timezone NAME (IANA, e.g. Europe/Paris): the local clock\n"
        "shifts and the demo day are laid on; a database keeps the one it was first served\n"
        "with. Without either, a new --demo database runs on a demo clock that reads 07:50\n"
        "at start, so the demo day begins at once; otherwise the machine's time zone.\n"
        "--demo: on a database without keys, create an admin key and print it.\n"
        "Position filters (docs/devices.md; 0 turns one off): --position-max-speed-kmh N\n"
        "(default 250), --position-future-skew-s N (300), --position-max-backwards-s N\n"
        "(600, at least the skew), --position-max-accuracy-m N (5000).\n"
        "Connections (docs/security.md): --max-conns N (1024) with --reserve-conns N (64)\n"
        "kept free of idle connections without a valid key; --max-conns-per-ip N (128,\n"
        "0 = none); --header-timeout-s N (10: a request head must be complete this long\n"
        "after the connection opened or the last reply ended, whatever the trickle);\n"
        "--body-timeout-s N (30); --idle-timeout-s N (60); the OsmAnd port's own\n"
        "--osmand-max-conns N (1024) and --osmand-max-conns-per-ip N (256).\n"
        "Customer notifications (docs/notifications.md): --notify-smtp-url smtp[s]://HOST[:PORT]\n"
        "with --notify-mail-from ADDR (--notify-smtp-user / --notify-smtp-password, better\n"
        "from the environment or the config file); --notify-sms-url URL of the gateway's\n"
        "send endpoint, --notify-sms-from, --notify-sms-auth 'Bearer ...' (Authorization\n"
        "header), --notify-sms-format form|json; --notify-track-url PREFIX (the token is\n"
        "appended; default this server's /track.html#); --notify-allow CIDRS: private\n"
        "ranges the SMTP host / gateway may be in (like --webhook-allow).\n"
        "Roads and maps (docs/roads.md): --router geodesic|osrm=URL|valhalla=URL (default\n"
        "geodesic; several as 'osrm=URL,bike:osrm=URL2,truck:valhalla=URL3', one per vehicle\n"
        "profile); --router-profile car|bike|foot|truck (the profile plans use, default car);\n"
        "--router-timeout-ms N (30000 per request) and --router-retries N (2);\n"
        "--tiles URL ({z}/{x}/{y} template; default OpenStreetMap's standard tiles; 'none'\n"
        "for a plain background) and --tiles-attribution TEXT; --learned-speeds on|off\n"
        "(default on: ETAs use per-zone, per-hour speeds learned from driven legs).\n"
        "Request log (docs/logging.md): --log-level debug|info|warn|error|off (default info;\n"
        "4xx lines are warn, 5xx error); --log-routes 'GET /v1/track/{token}=warn,...' (a\n"
        "level per route pattern); --log-sample N (one in N info lines per route, default 1).\n"
        "Defaults: port 8080, db var/lastmile.db, bind 127.0.0.1, threads 2,\n"
        "max_body_bytes 1048576, web_root web (when that directory exists).\n");
}

/* The UTC offset of the IANA zone name (e.g. "Europe/Paris") now. Runs before any thread exists:
 * it switches the process time zone for localtime_r. */
static bool tz_offset(const char *name, int64_t *out) {
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    struct stat sb;
    if (!*name || strstr(name, "..") || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return false;
    const char *old = getenv("TZ");
    char *saved = old ? lm_strdup(old) : NULL;
    setenv("TZ", name, 1);
    tzset();
    time_t now = time(NULL);
    struct tm tm;
    bool ok = localtime_r(&now, &tm) != NULL;
    if (ok) *out = (int64_t)tm.tm_gmtoff;
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    lm_free(saved);
    return ok;
}

static bool set_one(serve_cfg *c, const char *name, const char *value, const char *source) {
    bool ok = true;
    for (size_t i = 0; i < sizeof nt_settings / sizeof nt_settings[0]; i++)
        if (!strcmp(name, nt_settings[i].name)) {
            /* URLs may carry credentials: a refused secret value is named, never shown */
            if (lm_strlcpy((char *)c + nt_settings[i].off, value, nt_settings[i].size) &&
                (strcmp(name, "notify_sms_format") || !strcmp(value, "form") ||
                 !strcmp(value, "json")))
                return true;
            fprintf(stderr, "lastmile serve: %s: bad value %s%s%s for %s\n", source,
                    nt_settings[i].secret ? "(not shown)" : "'", nt_settings[i].secret ? "" : value,
                    nt_settings[i].secret ? "" : "'", name);
            return false;
        }
    if (!strcmp(name, "port"))
        ok = lm_parse_i64(value, 0, 65535, &c->port);
    else if (!strcmp(name, "threads"))
        ok = lm_parse_i64(value, 1, 256, &c->threads);
    else if (!strcmp(name, "max_body_bytes"))
        ok = lm_parse_i64(value, 1, (int64_t)1 << 32, &c->max_body);
    else if (!strcmp(name, "db"))
        ok = *value && lm_strlcpy(c->db, value, sizeof c->db);
    else if (!strcmp(name, "bind"))
        ok = *value && lm_strlcpy(c->bind, value, sizeof c->bind);
    else if (!strcmp(name, "web_root"))
        ok = lm_strlcpy(c->web_root, value, sizeof c->web_root);
    else if (!strcmp(name, "osmand_port"))
        ok = lm_parse_i64(value, 0, 65535, &c->osmand_port);
    else if (!strcmp(name, "positions_retention_days"))
        ok = lm_parse_i64(value, 0, 36500, &c->retention_days);
    else if (!strcmp(name, "track_rate"))
        ok = lm_parse_i64(value, 1, 1000000000, &c->track_rate);
    else if (!strcmp(name, "track_burst"))
        ok = lm_parse_i64(value, 1, 1000000000, &c->track_burst);
    else if (!strcmp(name, "data_dir"))
        ok = *value && lm_strlcpy(c->data_dir, value, sizeof c->data_dir);
    else if (!strcmp(name, "webhook_allow"))
        ok = lm_strlcpy(c->webhook_allow, value, sizeof c->webhook_allow);
    else if (!strcmp(name, "utc_offset"))
        ok = c->utc_offset_set = lm_parse_i64(value, -14 * 3600, 14 * 3600, &c->utc_offset_s);
    else if (!strcmp(name, "timezone"))
        ok = c->utc_offset_set = tz_offset(value, &c->utc_offset_s);
    else if (!strcmp(name, "position_max_speed_kmh"))
        ok = lm_parse_i64(value, 0, 100000, &c->pos_max_speed_kmh);
    else if (!strcmp(name, "position_future_skew_s"))
        ok = lm_parse_i64(value, 0, 86400 * 365, &c->pos_future_skew_s);
    else if (!strcmp(name, "position_max_backwards_s"))
        ok = lm_parse_i64(value, 0, 86400 * 365, &c->pos_max_backwards_s);
    else if (!strcmp(name, "position_max_accuracy_m"))
        ok = lm_parse_i64(value, 0, 100000000, &c->pos_max_accuracy_m);
    else if (!strcmp(name, "max_conns"))
        ok = lm_parse_i64(value, 2, 1000000, &c->max_conns);
    else if (!strcmp(name, "reserve_conns"))
        ok = lm_parse_i64(value, 0, 1000000, &c->reserve_conns);
    else if (!strcmp(name, "max_conns_per_ip"))
        ok = lm_parse_i64(value, 0, 1000000, &c->max_conns_per_ip);
    else if (!strcmp(name, "header_timeout_s"))
        ok = lm_parse_i64(value, 0, 3600, &c->header_timeout_s);
    else if (!strcmp(name, "body_timeout_s"))
        ok = lm_parse_i64(value, 0, 3600, &c->body_timeout_s);
    else if (!strcmp(name, "idle_timeout_s"))
        ok = lm_parse_i64(value, 1, 3600, &c->idle_timeout_s);
    else if (!strcmp(name, "osmand_max_conns"))
        ok = lm_parse_i64(value, 1, 1000000, &c->osmand_max_conns);
    else if (!strcmp(name, "osmand_max_conns_per_ip"))
        ok = lm_parse_i64(value, 0, 1000000, &c->osmand_max_conns_per_ip);
    else if (!strcmp(name, "router"))
        ok = lm_strlcpy(c->router, value, sizeof c->router);
    else if (!strcmp(name, "router_profile"))
        ok = *value && lm_strlcpy(c->profile, value, sizeof c->profile);
    else if (!strcmp(name, "router_timeout_ms"))
        ok = lm_parse_i64(value, 100, 600000, &c->router_timeout_ms);
    else if (!strcmp(name, "router_retries"))
        ok = lm_parse_i64(value, 0, 10, &c->router_retries);
    else if (!strcmp(name, "tiles"))
        ok = c->tiles_set = lm_strlcpy(c->tiles, value, sizeof c->tiles);
    else if (!strcmp(name, "learned_speeds"))
        ok = (c->learned_speeds = !strcmp(value, "on")) || !strcmp(value, "off");
    else if (!strcmp(name, "tiles_attribution"))
        ok = lm_strlcpy(c->tiles_attribution, value, sizeof c->tiles_attribution);
    else if (!strcmp(name, "log_level"))
        ok = (!strcmp(value, "debug") || !strcmp(value, "info") || !strcmp(value, "warn") ||
              !strcmp(value, "error") || !strcmp(value, "off")) &&
             lm_strlcpy(c->log_level, value, sizeof c->log_level);
    else if (!strcmp(name, "log_routes"))
        ok = lm_strlcpy(c->log_routes, value, sizeof c->log_routes);
    else if (!strcmp(name, "log_sample"))
        ok = lm_parse_i64(value, 1, 1000000, &c->log_sample);
    else if (!strcmp(name, "event_loop"))
        ok = (c->epoll = !strcmp(value, "epoll")) || !strcmp(value, "poll");
    else {
        fprintf(stderr, "lastmile serve: %s: unknown setting '%s'\n", source, name);
        return false;
    }
    if (!ok) fprintf(stderr, "lastmile serve: %s: bad value '%s' for %s\n", source, value, name);
    return ok;
}

/* What the settings file reader's callback needs: the settings being filled and the file's
 * name for messages. */
typedef struct config_ctx {
    serve_cfg *c;
    const char *path;
    bool reported; /* set_one refused a value and said why */
} config_ctx;

static lm_status config_setting(void *ctx, const char *name, const char *value, size_t line,
                                lm_errinfo *err) {
    config_ctx *x = ctx;
    char where[600];
    snprintf(where, sizeof where, "%s:%zu", x->path, line);
    if (set_one(x->c, name, value, where)) return LM_OK;
    x->reported = true;
    return lm_errinfo_set(err, LM_INVALID, name, "bad value");
}

/* The settings file (api/formats/conf.h): unknown names, names set twice and control characters
 * are refused with the line named. */
static bool read_config(serve_cfg *c, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lastmile serve: cannot read config %s: %s\n", path, strerror(errno));
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    lm_status rc = lm_buf_read_stream(f, FMT_CONF_MAX_BYTES, &text, &len);
    fclose(f);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile serve: cannot read config %s: %s\n", path,
                rc == LM_TOO_BIG ? "larger than 64 KiB" : lm_strerror(rc));
        return false;
    }
    const char *known[sizeof settings / sizeof settings[0] + 1];
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++)
        known[k] = settings[k].name;
    known[sizeof settings / sizeof settings[0]] = NULL;
    config_ctx x = {c, path, false};
    lm_errinfo err;
    lm_errinfo_clear(&err);
    rc = fmt_conf_parse(text, len, known, config_setting, &x, &err);
    lm_free(text);
    if (rc != LM_OK && !x.reported)
        fprintf(stderr, "lastmile serve: %s: %s: %s\n", path, err.field, err.message);
    return rc == LM_OK;
}

/* Fills c from defaults, file, environment and argv; returns CLI_OK or an exit status. */
static int configure(serve_cfg *c, int argc, char **argv) {
    struct stat st;
    memset(c, 0, sizeof *c);
    lm_strlcpy(c->db, "var/lastmile.db", sizeof c->db);
    lm_strlcpy(c->bind, "127.0.0.1", sizeof c->bind);
    if (stat("web", &st) == 0 && S_ISDIR(st.st_mode)) lm_strlcpy(c->web_root, "web", 4);
    c->port = 8080;
    c->threads = 2;
    c->max_body = (int64_t)1 << 20;
    c->osmand_port = -1;
    c->retention_days = 30;
    c->track_rate = 2;
    c->track_burst = 20;
    lm_strlcpy(c->data_dir, "var", sizeof c->data_dir);
    dispatch_filter_opts f;
    dispatch_filter_opts_init(&f);
    c->pos_max_speed_kmh = (int64_t)(f.max_speed_mps * 3.6 + 0.5);
    c->pos_future_skew_s = f.future_skew_ms / 1000;
    c->pos_max_backwards_s = f.max_backwards_ms / 1000;
    c->pos_max_accuracy_m = (int64_t)f.max_accuracy_m;
    api_server_opts ao;
    api_server_opts_init(&ao);
    c->max_conns = ao.max_conns;
    c->reserve_conns = ao.reserve_conns;
    c->max_conns_per_ip = ao.max_conns_per_ip;
    c->header_timeout_s = ao.header_timeout_s;
    c->body_timeout_s = ao.body_timeout_s;
    c->idle_timeout_s = ao.idle_timeout_s;
    c->osmand_max_conns = ao.osmand_max_conns;
    c->osmand_max_conns_per_ip = ao.osmand_max_conns_per_ip;
    geo_matrix_opts mo;
    geo_matrix_opts_init(&mo);
    c->router_timeout_ms = mo.timeout_ms;
    c->router_retries = mo.max_retries;
    lm_strlcpy(c->profile, "car", sizeof c->profile);
    c->learned_speeds = true;
    lm_strlcpy(c->log_level, "info", sizeof c->log_level);
    c->log_sample = 1;

    const char *config = getenv("LASTMILE_CONFIG");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            serve_usage(stdout);
            return -1;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[i + 1];
    }
    if (config && !read_config(c, config)) return CLI_USAGE;
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++) {
        const char *v = getenv(settings[k].env);
        if (v && !set_one(c, settings[k].name, v, settings[k].env)) return CLI_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--demo")) {
            c->demo = true;
            continue;
        }
        if (strncmp(a, "--", 2) || i + 1 >= argc) {
            fprintf(stderr, "lastmile serve: unexpected argument '%s' (see --help)\n", a);
            return CLI_USAGE;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--config")) continue;
        char name[32];
        lm_strlcpy(name, a + 2, sizeof name);
        for (char *p = name; *p; p++)
            if (*p == '-') *p = '_';
        if (!set_one(c, name, v, "command line")) return CLI_USAGE;
    }
    return CLI_OK;
}

/* The offset between UTC and the local clock that shifts and the demo day are laid on. A database
 * keeps the offset it was first served with (its plans and windows depend on it); utc_offset or
 * timezone set it on a new database, or replace it when given. Without either, a new --demo
 * database gets a "demo clock" on which it is 07:50 now, so the demo day (08:00-18:00) starts
 * whatever the hour; any other new database gets the machine's local offset. */
static int serve_clock(store *s, serve_cfg *cfg) {
    store_read *r = NULL;
    int64_t stored = 0;
    bool found = false;
    lm_status rc = store_read_begin(s, &r);
    if (rc == LM_OK) rc = store_meta_get(r, "utc_offset_s", &stored, &found);
    store_read_end(r);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile serve: cannot read settings: %s\n", lm_strerror(rc));
        return CLI_FAILED;
    }
    const char *why = "configured";
    if (!cfg->utc_offset_set && found) {
        cfg->utc_offset_s = stored;
        why = "kept with this database";
    } else if (!cfg->utc_offset_set && cfg->demo) {
        int64_t now_s = lm_now_ms() / 1000;
        int64_t want = 7 * 3600 + 50 * 60; /* 07:50 local */
        int64_t off = ((want - now_s % 86400) % 86400 + 86400) % 86400;
        off = off / 60 * 60;
        if (off > 12 * 3600) off -= 86400; /* keep it a plausible offset: -12h..+12h */
        cfg->utc_offset_s = off;
        why = "demo clock: the demo day starts now";
    } else if (!cfg->utc_offset_set) {
        time_t now = time(NULL);
        struct tm tm;
        cfg->utc_offset_s = localtime_r(&now, &tm) ? (int64_t)tm.tm_gmtoff : 0;
        why = "this machine's time zone";
    }
    if (!found || stored != cfg->utc_offset_s) {
        store_tx *tx = NULL;
        rc = store_tx_begin(s, &tx);
        if (rc == LM_OK) rc = store_meta_put(tx, "utc_offset_s", cfg->utc_offset_s);
        if (rc == LM_OK) {
            rc = store_tx_commit(tx);
        } else {
            store_tx_rollback(tx);
        }
        if (rc != LM_OK) {
            fprintf(stderr, "lastmile serve: cannot save settings: %s\n", lm_strerror(rc));
            return CLI_FAILED;
        }
    }
    printf("lastmile: local clock UTC%+03lld:%02lld (%s)\n", (long long)(cfg->utc_offset_s / 3600),
           (long long)(llabs(cfg->utc_offset_s) % 3600 / 60), why);
    return CLI_OK;
}

/* --demo: make a fresh database usable at once. (Demo orders, depots and products are loaded
 * here too once the orders module provides its loader.) */
static int serve_demo(store *s, int64_t day_midnight_s) {
    /* the demo day's depots, products, stock, service area and orders, on an empty database */
    demo_summary sum;
    lm_errinfo derr = {0};
    if (demo_load(s, 1, day_midnight_s, &sum, &derr) != LM_OK) {
        fprintf(stderr, "lastmile serve: demo data: %s: %s\n", derr.field, derr.message);
        return CLI_FAILED;
    }
    if (sum.loaded)
        printf("lastmile: demo day loaded: %zu depots, %zu products, %zu stock rows, %zu orders "
               "(%zu allocated, %zu held, %zu backordered, %zu cancelled)\n",
               sum.depots, sum.products, sum.stock_rows, sum.orders, sum.allocated, sum.held,
               sum.backordered, sum.cancelled);
    store_read *r = NULL;
    int64_t keys = 0;
    lm_status rc = store_read_begin(s, &r);
    if (rc == LM_OK) rc = store_keys_count(r, &keys);
    store_read_end(r);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile serve: cannot read the key table: %s\n", lm_strerror(rc));
        return CLI_FAILED;
    }
    if (keys > 0) return CLI_OK;
    char key[STORE_KEY_MAX];
    store_key_info info;
    lm_errinfo err = {0};
    if (store_key_create(s, "admin", NULL, key, &info, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: cannot create the admin key: %s\n", err.message);
        return CLI_FAILED;
    }
    printf("lastmile: new database: created admin key %s (shown once; use it as "
           "'Authorization: Bearer <key>'):\n%s\n",
           info.id, key);
    fflush(stdout);
    return CLI_OK;
}

/* Both ports' caps must fit in the open-file limit with room for the store, proofs and webhooks:
 * if they did not, a flood on the OsmAnd port would take descriptors the API then cannot accept
 * with. The soft limit is raised to the hard one first; caps that still do not fit are scaled
 * down together (with a warning), keeping each port's share. */
static int serve_fd_budget(serve_cfg *c) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return CLI_OK;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY) return CLI_OK;
    int64_t osm = c->osmand_port == 0 ? 0 : c->osmand_max_conns;
    int64_t caps = c->max_conns + osm, room = (int64_t)rl.rlim_cur - 256;
    if (caps <= room) return CLI_OK;
    if (room < 64) {
        fprintf(stderr,
                "lastmile serve: the open-file limit %lld leaves no room for connections; "
                "raise 'ulimit -n'\n",
                (long long)rl.rlim_cur);
        return CLI_FAILED;
    }
    int64_t api = c->max_conns * room / caps;
    if (api < 2) api = 2;
    if (c->reserve_conns >= api) c->reserve_conns = api / 16;
    fprintf(stderr,
            "lastmile serve: warning: max_conns %lld + osmand_max_conns %lld + 256 exceed the "
            "open-file limit %lld: using %lld and %lld (raise 'ulimit -n' for more)\n",
            (long long)c->max_conns, (long long)osm, (long long)rl.rlim_cur, (long long)api,
            (long long)(osm ? room - api : 0));
    c->max_conns = api;
    if (osm) c->osmand_max_conns = room - api > 1 ? room - api : 1;
    return CLI_OK;
}

/* The HTTP server's options from the settings and the services it serves. */
static void api_opts_fill(api_server_opts *ao, const serve_cfg *c, dispatch *disp, feedback *fb,
                          geo_router *router) {
    api_server_opts_init(ao);
    ao->dispatch = disp;
    ao->feedback = fb;
    /* OsmAnd: 5055 by default, but with --port 0 (any free port: tests, several servers side by
     * side) any free port too, so that two such servers never fight over 5055 */
    ao->osmand_port = c->osmand_port > 0    ? (int)c->osmand_port
                      : c->osmand_port == 0 ? -1
                      : c->port == 0        ? 0
                                            : 5055;
    ao->positions_retention_s = c->retention_days * 86400;
    ao->data_dir = c->data_dir;
    ao->webhook_allow = c->webhook_allow[0] ? c->webhook_allow : NULL;
    ao->track_rate_per_s = (double)c->track_rate;
    ao->track_burst = (double)c->track_burst;
    ao->bind_addr = c->bind;
    ao->port = (uint16_t)c->port;
    ao->threads = (unsigned)c->threads;
    ao->max_body_bytes = (size_t)c->max_body;
    ao->web_root = c->web_root[0] ? c->web_root : NULL;
    ao->event_loop = c->epoll ? API_LOOP_EPOLL : API_LOOP_POLL;
    ao->log_level = c->log_level;
    ao->log_routes = c->log_routes[0] ? c->log_routes : NULL;
    ao->log_sample = (unsigned)c->log_sample;
    ao->max_conns = (unsigned)c->max_conns;
    ao->reserve_conns = (unsigned)c->reserve_conns;
    ao->max_conns_per_ip = (unsigned)c->max_conns_per_ip;
    ao->header_timeout_s = (unsigned)c->header_timeout_s;
    ao->body_timeout_s = (unsigned)c->body_timeout_s;
    ao->idle_timeout_s = (unsigned)c->idle_timeout_s;
    ao->osmand_max_conns = (unsigned)c->osmand_max_conns;
    ao->osmand_max_conns_per_ip = (unsigned)c->osmand_max_conns_per_ip;
    ao->router = router;
    if (c->tiles_set) ao->tiles_url = strcmp(c->tiles, "none") ? c->tiles : "";
    if (c->tiles_attribution[0]) ao->tiles_attribution = c->tiles_attribution;
}

/* One line per engine at start: what plans are routed with and whether it answers now (an engine
 * that does not is not fatal: its cells are estimated until it does). */
static void serve_router_report(geo_router *r, const char *profile) {
    printf("lastmile: router %s (plans use profile %s)\n", geo_router_describe(r), profile);
    for (size_t i = 0; i < geo_router_count(r); i++) {
        geo_router_status s;
        geo_router_status_get(r, i, true, 3000, &s);
        if (!strcmp(s.kind, "geodesic")) continue;
        printf("lastmile: %s%s%s %s: %s (%s)\n", s.profile, s.profile[0] ? ":" : "", s.kind, s.url,
               s.answers ? "answers" : "DOES NOT ANSWER", s.detail);
    }
    fflush(stdout);
}

/* Customer notifications (docs/notifications.md): started when an SMTP URL or an SMS gateway is
 * configured, after the API so that the default tracking link can name its port. Only the
 * hosts are printed: URLs may carry credentials. */
static int serve_notify(const serve_cfg *c, store *s, uint16_t port, notify **out) {
    *out = NULL;
    if (!c->nt_smtp_url[0] && !c->nt_sms_url[0]) return CLI_OK;
    notify_opts o;
    notify_opts_init(&o);
    o.st = s;
    o.tick_ms = 1000;
    char track[600];
    snprintf(track, sizeof track, "http://%s:%u/track.html#", c->bind, (unsigned)port);
    o.track_url = c->nt_track_url[0] ? c->nt_track_url : track;
    o.smtp_url = c->nt_smtp_url[0] ? c->nt_smtp_url : NULL;
    o.smtp_user = c->nt_smtp_user[0] ? c->nt_smtp_user : NULL;
    o.smtp_password = c->nt_smtp_password[0] ? c->nt_smtp_password : NULL;
    o.mail_from = c->nt_mail_from[0] ? c->nt_mail_from : NULL;
    o.sms_url = c->nt_sms_url[0] ? c->nt_sms_url : NULL;
    o.sms_from = c->nt_sms_from[0] ? c->nt_sms_from : NULL;
    o.sms_auth_header = c->nt_sms_auth[0] ? c->nt_sms_auth : NULL;
    o.sms_format = !strcmp(c->nt_sms_format, "json") ? NOTIFY_SMS_JSON : NOTIFY_SMS_FORM;
    lm_errinfo err = {0};
    if ((c->nt_allow[0] && events_netguard_allow(&o.guard, c->nt_allow, &err) != LM_OK) ||
        notify_create(&o, out, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: notifications: %s: %s\n",
                !strcmp(err.field, "webhook_allow") ? "notify_allow" : err.field, err.message);
        return CLI_USAGE;
    }
    printf("lastmile: customer notifications on:%s%s (tracking links %s...)\n",
           o.smtp_url ? " e-mail" : "", o.sms_url ? " SMS" : "", o.track_url);
    return CLI_OK;
}

/* The analytics rollups follow every commit from here on; what the log holds beyond them (a
 * database written without them) is folded now, and said. */
static void serve_analytics(store *s) {
    lm_errinfo err = {0};
    int64_t folded = 0;
    if (analytics_rollup_attach(s, &folded, &err) != LM_OK)
        fprintf(stderr,
                "lastmile serve: analytics rollups lag (%s); run 'lastmile analytics "
                "rebuild'\n",
                err.message);
    else if (folded > 0)
        fprintf(stderr, "lastmile serve: analytics: %lld events folded into the rollups\n",
                (long long)folded);
}

int cli_serve(int argc, char **argv) {
    serve_cfg cfg;
    int status = configure(&cfg, argc, argv);
    if (status == -1) return CLI_OK;
    if (status != CLI_OK) return status;
    if ((status = serve_fd_budget(&cfg)) != CLI_OK) return status;

    /* SIGTERM/SIGINT are taken by sigwait below: block them before any thread exists so that
     * every thread (libmicrohttpd's, SQLite's) inherits the mask */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* whatever the shell's umask: what the server writes (database, proofs, keys) is the
     * owner's alone (docs/security.md) */
    umask(077);

    store_opts so;
    store_opts_init(&so);
    so.path = cfg.db;
    so.read_conns = (int)cfg.threads + 2;
    store *s = NULL;
    lm_errinfo err = {0};
    if (store_open(&so, &s, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: store %s: %s\n", cfg.db, err.message);
        return CLI_FAILED;
    }
    serve_analytics(s);
    if ((status = serve_clock(s, &cfg)) != CLI_OK) {
        store_close(s);
        return status;
    }
    int64_t now_s = lm_now_ms() / 1000;
    int64_t midnight = (now_s + cfg.utc_offset_s) / 86400 * 86400 - cfg.utc_offset_s;
    if (cfg.demo && (status = serve_demo(s, midnight)) != CLI_OK) {
        store_close(s);
        return status;
    }

    /* the routing engines: plans, ETAs, /v1/solve and route geometry */
    geo_router_opts gro;
    geo_router_opts_init(&gro);
    gro.spec = cfg.router;
    gro.base.timeout_ms = cfg.router_timeout_ms;
    gro.base.max_retries = (unsigned)cfg.router_retries;
    geo_router *router = NULL;
    if (geo_router_create(&gro, &router, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: --router: %s\n", err.message);
        store_close(s);
        return CLI_USAGE;
    }
    serve_router_report(router, cfg.profile);

    /* dispatch: fleet, plans, live tracking; its worker ticks (silence, re-plans) */
    dispatch_opts dopts;
    dispatch_opts_init(&dopts);
    dopts.st = s;
    dopts.router = router;
    dopts.learn_speeds = cfg.learned_speeds;
    lm_strlcpy(dopts.profile, cfg.profile, sizeof dopts.profile);
    dopts.utc_offset_s = cfg.utc_offset_s;
    dopts.positions.max_speed_mps = (double)cfg.pos_max_speed_kmh / 3.6;
    dopts.positions.future_skew_ms = cfg.pos_future_skew_s * 1000;
    dopts.positions.max_backwards_ms = cfg.pos_max_backwards_s * 1000;
    dopts.positions.max_accuracy_m = (double)cfg.pos_max_accuracy_m;
    dispatch *disp = NULL;
    if (dispatch_create(&dopts, &disp, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: dispatch: %s\n", err.message);
        geo_router_destroy(router);
        store_close(s);
        return CLI_FAILED;
    }

    /* feedback: its worker raises SLA events, asks surveys and closes old tickets every 5 s (a
     * breach is at most that late; each event still fires once, see docs/feedback.md) */
    feedback_opts fo;
    feedback_opts_init(&fo);
    fo.st = s;
    fo.tick_ms = 5000;
    feedback *fb = NULL;
    if (feedback_create(&fo, &fb, &err) != LM_OK) {
        fprintf(stderr, "lastmile serve: feedback: %s\n", err.message);
        dispatch_destroy(disp);
        geo_router_destroy(router);
        store_close(s);
        return CLI_FAILED;
    }

    api_server_opts ao;
    api_opts_fill(&ao, &cfg, disp, fb, router);
    api_server *srv = NULL;
    lm_status started = api_server_start(&ao, s, &srv, &err);
    if (started != LM_OK && !strcmp(err.field, "osmand_port") && cfg.osmand_port < 0) {
        /* only the default port was taken (another lastmile on this machine): serve without */
        fprintf(stderr, "lastmile serve: warning: %s; OsmAnd is off (set --osmand-port)\n",
                err.message);
        ao.osmand_port = -1;
        started = api_server_start(&ao, s, &srv, &err);
    }
    if (started != LM_OK) {
        fprintf(stderr, "lastmile serve: %s\n", err.message);
        feedback_destroy(fb);
        dispatch_destroy(disp);
        geo_router_destroy(router);
        store_close(s);
        return CLI_FAILED;
    }
    notify *nt = NULL;
    if ((status = serve_notify(&cfg, s, api_server_port(srv), &nt)) != CLI_OK) {
        api_server_stop(srv, DRAIN_MS);
        feedback_destroy(fb);
        dispatch_destroy(disp);
        geo_router_destroy(router);
        store_close(s);
        return status;
    }
    printf("lastmile: listening on http://%s:%u (db %s, %d threads, %s)\n", cfg.bind,
           (unsigned)api_server_port(srv), cfg.db, (int)cfg.threads, cfg.epoll ? "epoll" : "poll");
    /* "port N", not "host:port": scripts read the first host:port printed as the API's */
    if (api_server_osmand_port(srv))
        printf("lastmile: OsmAnd (Traccar Client) positions on port %u (any path)\n",
               (unsigned)api_server_osmand_port(srv));
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    fprintf(stderr, "lastmile: %s received, finishing requests in flight\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    api_server_stop(srv, DRAIN_MS);
    notify_destroy(nt);
    feedback_destroy(fb);
    dispatch_destroy(disp);
    geo_router_destroy(router);
    store_close(s);
    fprintf(stderr, "lastmile: stopped cleanly\n");
    return CLI_OK;
}
