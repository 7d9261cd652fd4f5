/* `lastmile simulate`: drives the committed routes of a running server like a fleet of phones:
 * along the roads of --router between stops (straight lines with the default geodesic router)
 * at a realistic speed (scaled by --speed-up), positions posted
 * through the OsmAnd endpoint with the drivers' device ids, stops marked arrived / delivered /
 * failed through the driver API, and two injected exceptions (one breakdown, one late driver).
 * Every choice (who breaks down, which stops fail and why) comes from --seed. */
#include "cli/cli.h"
#include "common/common.h"
#include "geo/geo.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIM_MAX_DRIVERS 500
#define SIM_MAX_STOPS   400
#define SIM_SPEED_MPS   8.33 /* 30 km/h: a city van between stops */
#define SIM_SERVICE_S   120  /* at the door */
#define SIM_REFRESH_S   10   /* re-read routes (a re-plan may have changed them) */

typedef struct sim_stop {
    int64_t id;
    double lat, lon;
    char status[16];
    int64_t collect; /* cash on delivery to collect (minor units), -1 when nothing */
} sim_stop;

typedef struct sim_driver {
    char id[65], device[65], key[128];
    double lat, lon; /* current position */
    sim_stop stops[SIM_MAX_STOPS];
    size_t n_stops, next; /* next: index of the stop being driven to */
    double service_left_s;
    bool at_stop, done, broken, late;
    int64_t done_count, failed_count;
    double speed_factor;
    geo_point *path; /* the road to the stop path_to, from the router; NULL: straight */
    size_t n_path, path_at;
    int64_t path_to;
} sim_driver;

typedef struct sim {
    char server[512], osmand[600], key[256];
    int max_drivers;
    double speed_up, failure_rate;
    uint64_t rng;
    int64_t duration_s;
    sim_driver *drivers;
    size_t n;
    geo_router *router; /* --router: roads between stops */
    int64_t positions, arrivals, delivered, failed, exceptions, errors;
    char web_driver[65]; /* --web-driver: this one is driven through the driver app instead */
    pid_t web_pid;
} sim;

static volatile sig_atomic_t sim_stop_flag;
static void on_signal(int s) {
    (void)s;
    sim_stop_flag = 1;
}

/* xorshift64*: the seed alone decides every random choice */
static double rnd(sim *s) {
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (double)((s->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* ---- HTTP ---- */

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
    return lm_buf_append(ud, p, sz * n) == LM_OK ? sz * n : 0;
}

/* One request; *json_out (may be NULL) gets the parsed reply. Returns the HTTP status (0 when
 * the server could not be reached). */
static long http(const char *method, const char *url, const char *key, const char *body,
                 cJSON **json_out) {
    CURL *c = curl_easy_init();
    if (!c) return 0;
    lm_buf b;
    lm_buf_init(&b, 8u << 20);
    char auth[200];
    struct curl_slist *h = NULL;
    if (key && *key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    if (body) h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    else if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (json_out) *json_out = b.len ? cJSON_Parse(b.data) : NULL;
    lm_buf_free(&b);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static const char *jstr(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- Set-up: drivers, their keys, their routes ---- */

static int load_drivers(sim *s) {
    char url[600];
    snprintf(url, sizeof url, "%s/v1/drivers", s->server);
    cJSON *j = NULL;
    long st = http("GET", url, s->key, NULL, &j);
    if (st != 200) {
        fprintf(stderr,
                "lastmile simulate: GET /v1/drivers answered %ld (need a dispatcher or "
                "admin --key, and a server with the fleet API)\n",
                st);
        cJSON_Delete(j);
        return CLI_FAILED;
    }
    const cJSON *list = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "drivers");
    const cJSON *it;
    s->drivers = lm_calloc(SIM_MAX_DRIVERS, sizeof *s->drivers);
    if (!s->drivers) {
        cJSON_Delete(j);
        return CLI_FAILED;
    }
    cJSON_ArrayForEach(it, list) {
        /* a driver without a vehicle has no route to drive */
        const char *id = jstr(it, "id"), *veh = jstr(it, "vehicle_id");
        if (!id || !veh || !*veh || s->n >= SIM_MAX_DRIVERS) continue;
        if (!strcmp(id, s->web_driver)) continue; /* the browser drives that one */
        if (s->max_drivers > 0 && (int)s->n >= s->max_drivers) break;
        sim_driver *d = &s->drivers[s->n++];
        lm_strlcpy(d->id, id, sizeof d->id);
        d->speed_factor = 1.0;
    }
    cJSON_Delete(j);
    /* device ids are shown once, where the server makes them, so the simulator takes each
     * driver's phone over with a fresh one (the phone that had the old id is cut off) */
    for (size_t i = 0; i < s->n; i++) {
        snprintf(url, sizeof url, "%s/v1/drivers/%s/device", s->server, s->drivers[i].id);
        cJSON *k = NULL;
        st = http("POST", url, s->key, NULL, &k);
        const char *dev = k ? jstr(k, "device_id") : NULL;
        if (st != 200 || !dev) {
            fprintf(stderr, "lastmile simulate: cannot get a device id for driver %s (%ld)\n",
                    s->drivers[i].id, st);
            cJSON_Delete(k);
            return CLI_FAILED;
        }
        lm_strlcpy(s->drivers[i].device, dev, sizeof s->drivers[i].device);
        cJSON_Delete(k);
    }
    /* a driver key each, so that every action goes through the driver API's own checks */
    for (size_t i = 0; i < s->n; i++) {
        char body[200];
        snprintf(url, sizeof url, "%s/v1/keys", s->server);
        snprintf(body, sizeof body, "{\"role\":\"driver\",\"driver_id\":\"%s\"}", s->drivers[i].id);
        cJSON *k = NULL;
        st = http("POST", url, s->key, body, &k);
        const char *key = k ? jstr(k, "key") : NULL;
        if (st != 201 || !key) {
            fprintf(stderr,
                    "lastmile simulate: cannot create a key for driver %s (%ld): the "
                    "--key must be an admin key\n",
                    s->drivers[i].id, st);
            cJSON_Delete(k);
            return CLI_FAILED;
        }
        lm_strlcpy(s->drivers[i].key, key, sizeof s->drivers[i].key);
        cJSON_Delete(k);
    }
    return CLI_OK;
}

/* Re-reads a driver's route; keeps its position. */
static void load_route(sim *s, sim_driver *d) {
    char url[600];
    snprintf(url, sizeof url, "%s/v1/driver/route", s->server);
    cJSON *j = NULL;
    if (http("GET", url, d->key, NULL, &j) != 200) {
        s->errors++;
        cJSON_Delete(j);
        return;
    }
    int64_t heading_to = d->next < d->n_stops ? d->stops[d->next].id : 0;
    d->n_stops = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "stops")) {
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(it, "location");
        const char *kind = jstr(it, "kind"), *status = jstr(it, "status");
        if (!cJSON_IsArray(loc) || cJSON_GetArraySize(loc) < 2 || !status || !kind ||
            d->n_stops >= SIM_MAX_STOPS)
            continue;
        sim_stop *st = &d->stops[d->n_stops++];
        st->id = (int64_t)cJSON_GetObjectItemCaseSensitive(it, "id")->valuedouble;
        st->lon = cJSON_GetArrayItem(loc, 0)->valuedouble;
        st->lat = cJSON_GetArrayItem(loc, 1)->valuedouble;
        lm_strlcpy(st->status, status, sizeof st->status);
        const cJSON *cod = cJSON_GetObjectItemCaseSensitive(it, "collect");
        const cJSON *amount = cJSON_GetObjectItemCaseSensitive(cod, "amount");
        st->collect = cJSON_IsNumber(amount) ? (int64_t)amount->valuedouble : -1;
    }
    cJSON_Delete(j);
    /* next = the first stop still to serve (the one driven to, if it is still pending) */
    d->next = d->n_stops;
    for (size_t i = 0; i < d->n_stops; i++)
        if (!strcmp(d->stops[i].status, "planned") || !strcmp(d->stops[i].status, "arrived")) {
            if (d->next == d->n_stops || d->stops[i].id == heading_to) d->next = i;
            if (d->stops[i].id == heading_to) break;
        }
    if (d->lat == 0 && d->lon == 0 && d->n_stops) {
        /* no position yet: start a little south-west of the first stop */
        d->lat = d->stops[0].lat - 0.01;
        d->lon = d->stops[0].lon - 0.01;
    }
    d->done = d->next >= d->n_stops;
}

/* ---- Driving ---- */

static double dist_m(double lat1, double lon1, double lat2, double lon2) {
    double k = M_PI / 180.0, x = (lon2 - lon1) * k * cos((lat1 + lat2) * 0.5 * k),
           y = (lat2 - lat1) * k;
    return sqrt(x * x + y * y) * 6371000.0;
}

static void post_position(sim *s, sim_driver *d, double speed_mps, double bearing) {
    char url[900];
    snprintf(url, sizeof url,
             "%s?id=%s&lat=%.6f&lon=%.6f&timestamp=%lld&speed=%.2f&bearing=%.1f&batt=%d", s->osmand,
             d->device, d->lat, d->lon, (long long)lm_now_ms(), speed_mps / 0.514444, bearing,
             90 - (int)(d->done_count % 50));
    long st = http("GET", url, NULL, NULL, NULL);
    if (st == 200)
        s->positions++;
    else
        s->errors++;
}

static long stop_action(sim *s, sim_driver *d, int64_t stop_id, const char *action,
                        const char *body) {
    char url[700];
    snprintf(url, sizeof url, "%s/v1/driver/stops/%lld/%s", s->server, (long long)stop_id, action);
    long st = http("POST", url, d->key, body, NULL);
    if (st != 200) s->errors++;
    return st;
}

static void exception(sim *s, sim_driver *d, const char *body) {
    char url[600];
    snprintf(url, sizeof url, "%s/v1/driver/exceptions", s->server);
    if (http("POST", url, d->key, body, NULL) == 202)
        s->exceptions++;
    else
        s->errors++;
}

/* The road from d's position to t, once per stop; on any failure d drives straight. */
static void plan_path(sim *s, sim_driver *d, const sim_stop *t) {
    lm_free(d->path);
    d->path = NULL;
    d->n_path = d->path_at = 0;
    d->path_to = t->id;
    geo_matrix_provider *p = geo_router_provider(s->router, "car");
    if (geo_matrix_provider_kind(p) == GEO_MATRIX_GEODESIC) return;
    geo_point ends[2] = {{d->lat, d->lon}, {t->lat, t->lon}};
    char *poly = NULL;
    if (geo_route_geometry(p, ends, 2, &poly, NULL, NULL, NULL, NULL) == LM_OK &&
        geo_polyline_decode(poly, strlen(poly), 5, &d->path, &d->n_path, NULL) != LM_OK)
        d->n_path = 0;
    lm_free(poly);
}

/* Moves d by up to move metres towards t, along its road when it has one; true on arrival. */
static bool drive(sim *s, sim_driver *d, const sim_stop *t, double move, double *bearing) {
    if (d->path_to != t->id) plan_path(s, d, t);
    for (int guard = 0; guard < 100000; guard++) {
        bool last = d->path_at + 1 >= d->n_path;
        double tl = last ? t->lat : d->path[d->path_at + 1].lat;
        double tn = last ? t->lon : d->path[d->path_at + 1].lon;
        double left = dist_m(d->lat, d->lon, tl, tn);
        if (left > 0.01)
            *bearing = fmod(
                atan2((tn - d->lon) * cos(d->lat * M_PI / 180), tl - d->lat) * 180 / M_PI + 360,
                360);
        if (move < left) {
            d->lat += (tl - d->lat) * move / left;
            d->lon += (tn - d->lon) * move / left;
            return false;
        }
        d->lat = tl;
        d->lon = tn;
        move -= left;
        if (last) return true;
        d->path_at++;
    }
    return true;
}

/* Advances one driver by dt seconds of simulated time. */
static void step(sim *s, sim_driver *d, double dt, size_t broken_idx, size_t late_idx,
                 size_t self) {
    if (d->done || d->broken || d->next >= d->n_stops) {
        d->done = true;
        return;
    }
    sim_stop *t = &d->stops[d->next];
    if (d->at_stop) {
        d->service_left_s -= dt;
        post_position(s, d, 0, 0);
        if (d->service_left_s > 0) return;
        static const char *const reasons[] = {"not_home", "refused", "address_not_found", "damaged",
                                              "other"};
        if (rnd(s) < s->failure_rate) {
            char body[160];
            snprintf(body, sizeof body, "{\"reason\":\"%s\",\"note\":\"simulated\"}",
                     reasons[(int)(rnd(s) * 5) % 5]);
            if (stop_action(s, d, t->id, "failed", body) == 200) s->failed++;
            d->failed_count++;
        } else {
            char body[200];
            char cod[80] = ""; /* the simulated driver collects exactly what the route says */
            if (t->collect >= 0)
                snprintf(cod, sizeof cod, ",\"collected\":{\"amount\":%lld,\"method\":\"cash\"}",
                         (long long)t->collect);
            snprintf(body, sizeof body, "{\"recipient\":\"Recipient of stop %lld\"%s}",
                     (long long)t->id, cod);
            if (stop_action(s, d, t->id, "delivered", body) == 200) s->delivered++;
            d->done_count++;
        }
        lm_strlcpy(t->status, "done", sizeof t->status);
        d->at_stop = false;
        d->next++;
        /* the seeded breakdown: after a third of its stops */
        if (self == broken_idx && !d->broken &&
            (size_t)(d->done_count + d->failed_count) >= (d->n_stops + 2) / 3) {
            exception(s, d, "{\"kind\":\"breakdown\",\"note\":\"simulated breakdown\"}");
            d->broken = true;
            fprintf(stderr, "simulate: driver %s broke down\n", d->id);
        }
        return;
    }
    double speed = SIM_SPEED_MPS * d->speed_factor, bearing = 0;
    if (drive(s, d, t, speed * dt, &bearing)) {
        post_position(s, d, 0.5, bearing);
        if (stop_action(s, d, t->id, "arrived", NULL) == 200) s->arrivals++;
        d->at_stop = true;
        d->service_left_s = SIM_SERVICE_S;
        return;
    }
    post_position(s, d, speed, bearing);
    if (self == late_idx && !d->late) {
        d->late = true;
        exception(s, d, "{\"kind\":\"delay\",\"delay_min\":25,\"note\":\"simulated traffic\"}");
        fprintf(stderr, "simulate: driver %s runs late\n", d->id);
    }
}

/* --web-driver: one driver is driven through the driver app (web/driver/) in headless Chromium
 * by scripts/driver-web-sim.mjs (Node with playwright-core from tests/web; LASTMILE_WEB_SIM
 * names another script): it signs in by an enrolment link, moves the phone's emulated position
 * to each stop and taps arrived / delivered, so the app's own code paths carry that driver. */
static int web_driver_start(sim *s) {
    const char *script = getenv("LASTMILE_WEB_SIM");
    if (!script) script = "scripts/driver-web-sim.mjs";
    char speed[32], dur[32], keyenv[300];
    snprintf(speed, sizeof speed, "%g", s->speed_up);
    snprintf(dur, sizeof dur, "%lld", (long long)s->duration_s);
    snprintf(keyenv, sizeof keyenv, "LASTMILE_KEY=%s", s->key); /* not on the command line */
    char *argv[] = {"node",        (char *)script, "--server", s->server,    "--driver",
                    s->web_driver, "--speed-up",   speed,      "--duration", dur,
                    NULL};
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = lm_calloc(n + 2, sizeof *envp);
    if (!envp) return CLI_FAILED;
    for (size_t i = 0, k = 0; i < n; i++)
        if (strncmp(environ[i], "LASTMILE_KEY=", 13)) envp[k++] = environ[i];
    for (size_t i = 0;; i++)
        if (!envp[i]) {
            envp[i] = keyenv;
            break;
        }
    int rc = posix_spawnp(&s->web_pid, "node", NULL, NULL, argv, envp);
    lm_free(envp);
    if (rc != 0) {
        fprintf(stderr, "lastmile simulate: cannot start node %s: %s\n", script, strerror(rc));
        s->web_pid = 0;
        return CLI_FAILED;
    }
    fprintf(stderr, "simulate: driver %s is driven through the driver app (pid %d)\n",
            s->web_driver, (int)s->web_pid);
    return CLI_OK;
}

/* Waits for the browser-driven driver (its script bounds itself by --duration); its failure is
 * the run's. */
static int web_driver_wait(sim *s) {
    if (!s->web_pid) return CLI_OK;
    int st = 0;
    if (waitpid(s->web_pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "lastmile simulate: the driver app run for %s failed\n", s->web_driver);
        return CLI_FAILED;
    }
    return CLI_OK;
}

static void usage(FILE *out) {
    fprintf(
        out,
        "usage: lastmile simulate --server URL [--osmand URL] [--key KEY] [--drivers N]\n"
        "                         [--speed-up X] [--seed K] [--failure-rate P] [--duration S]\n"
        "                         [--web-driver ID] [--router SPEC]\n"
        "\n"
        "Drives every driver's committed route of the server at URL: positions every simulated\n"
        "second through OsmAnd (--osmand, default URL/v1/osmand) with the driver's device id,\n"
        "stops arrived then delivered (or failed with probability P, default 0.05), one driver\n"
        "breaking down after a third of its stops and one running late. --key (or\n"
        "LASTMILE_KEY) must be an admin key: it lists the drivers and creates a driver key for\n"
        "each. --speed-up X (default 10) scales simulated time; --duration S (default 600)\n"
        "bounds the run in wall-clock seconds; --seed K (default 1) fixes every choice.\n"
        "--web-driver ID drives that driver through the driver app (web/driver/) in headless\n"
        "Chromium instead of the raw API: node scripts/driver-web-sim.mjs, playwright-core\n"
        "from tests/web (npm ci there), /usr/bin/chromium or $CHROMIUM.\n"
        "--router SPEC (or LASTMILE_ROUTER; docs/roads.md): vans follow that engine's roads\n"
        "between stops; geodesic (the default): straight lines.\n");
}

int cli_simulate(int argc, char **argv) {
    sim s;
    memset(&s, 0, sizeof s);
    s.speed_up = 10;
    s.failure_rate = 0.05;
    s.duration_s = 600;
    int64_t seed = 1, drivers = 0;
    const char *env = getenv("LASTMILE_KEY");
    if (env) lm_strlcpy(s.key, env, sizeof s.key);
    const char *router = getenv("LASTMILE_ROUTER");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--router") && v) {
            router = v;
        } else if (!strcmp(a, "--server") && v) {
            ok = lm_strlcpy(s.server, v, sizeof s.server);
        } else if (!strcmp(a, "--osmand") && v) {
            ok = lm_strlcpy(s.osmand, v, sizeof s.osmand);
        } else if (!strcmp(a, "--key") && v) {
            ok = lm_strlcpy(s.key, v, sizeof s.key);
        } else if (!strcmp(a, "--drivers") && v) {
            ok = lm_parse_i64(v, 1, SIM_MAX_DRIVERS, &drivers);
        } else if (!strcmp(a, "--seed") && v) {
            ok = lm_parse_i64(v, 0, INT64_MAX, &seed);
        } else if (!strcmp(a, "--duration") && v) {
            ok = lm_parse_i64(v, 1, 7 * 86400, &s.duration_s);
        } else if (!strcmp(a, "--speed-up") && v) {
            ok = lm_parse_double(v, &s.speed_up) && s.speed_up > 0 && s.speed_up <= 1000;
        } else if (!strcmp(a, "--web-driver") && v) {
            ok = *v && lm_strlcpy(s.web_driver, v, sizeof s.web_driver);
        } else if (!strcmp(a, "--failure-rate") && v) {
            ok = lm_parse_double(v, &s.failure_rate) && s.failure_rate >= 0 && s.failure_rate <= 1;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "lastmile simulate: bad or unknown argument '%s'\n\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
        i++;
    }
    if (!s.server[0] || !s.key[0]) {
        fprintf(stderr, "lastmile simulate: --server and --key (or LASTMILE_KEY) are required\n\n");
        usage(stderr);
        return CLI_USAGE;
    }
    size_t sl = strlen(s.server);
    while (sl && s.server[sl - 1] == '/')
        s.server[--sl] = '\0';
    if (!s.osmand[0]) snprintf(s.osmand, sizeof s.osmand, "%s/v1/osmand", s.server);
    s.max_drivers = (int)drivers;
    s.rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (!s.rng) s.rng = 1;
    geo_router_opts gro;
    geo_router_opts_init(&gro);
    gro.spec = router;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    if (geo_router_create(&gro, &s.router, &err) != LM_OK) {
        fprintf(stderr, "lastmile simulate: --router: %s\n", err.message);
        return CLI_USAGE;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status = load_drivers(&s);
    if (status != CLI_OK) goto done;
    for (size_t i = 0; i < s.n; i++)
        load_route(&s, &s.drivers[i]);
    if (s.web_driver[0] && (status = web_driver_start(&s)) != CLI_OK) goto done;
    /* the seeded exceptions, among the drivers that have a route */
    size_t with_route = 0, broken_idx = SIZE_MAX, late_idx = SIZE_MAX;
    for (size_t i = 0; i < s.n; i++)
        with_route += s.drivers[i].n_stops > 0;
    if (with_route >= 1) {
        size_t pick = (size_t)(rnd(&s) * (double)with_route), k = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.drivers[i].n_stops > 0 && k++ == pick) broken_idx = i;
    }
    if (with_route >= 2) {
        size_t pick = (size_t)(rnd(&s) * (double)(with_route - 1)), k = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.drivers[i].n_stops > 0 && i != broken_idx && k++ == pick) late_idx = i;
        s.drivers[late_idx].speed_factor = 0.5;
    }
    fprintf(stderr, "simulate: %zu drivers, %zu with a route, speed-up %.1f, seed %lld\n", s.n,
            with_route, s.speed_up, (long long)seed);
    int64_t t0 = lm_mono_ns(), last_refresh = t0, last_report = t0;
    while (!sim_stop_flag && (lm_mono_ns() - t0) / 1000000000 < s.duration_s) {
        int64_t tick0 = lm_mono_ns();
        bool all_done = true;
        for (size_t i = 0; i < s.n; i++) {
            step(&s, &s.drivers[i], s.speed_up, broken_idx, late_idx, i);
            all_done &= s.drivers[i].done;
        }
        if (all_done) break;
        int64_t now = lm_mono_ns();
        if (now - last_refresh > (int64_t)SIM_REFRESH_S * 1000000000) {
            for (size_t i = 0; i < s.n; i++)
                if (!s.drivers[i].broken) load_route(&s, &s.drivers[i]);
            last_refresh = now;
        }
        if (now - last_report > 10LL * 1000000000) {
            fprintf(stderr,
                    "simulate: %llds: %lld positions, %lld delivered, %lld failed, %lld errors\n",
                    (long long)((now - t0) / 1000000000), (long long)s.positions,
                    (long long)s.delivered, (long long)s.failed, (long long)s.errors);
            last_report = now;
        }
        /* one simulated step per wall-clock second (speed-up seconds of driving) */
        int64_t spent_us = (lm_mono_ns() - tick0) / 1000;
        if (spent_us < 1000000) usleep((useconds_t)(1000000 - spent_us));
    }
    printf("simulate: %zu drivers: %lld positions, %lld arrivals, %lld delivered, %lld failed, "
           "%lld exceptions, %lld errors\n",
           s.n, (long long)s.positions, (long long)s.arrivals, (long long)s.delivered,
           (long long)s.failed, (long long)s.exceptions, (long long)s.errors);
    if (status == CLI_OK) status = web_driver_wait(&s);
done:
    for (size_t i = 0; i < s.n; i++)
        lm_free(s.drivers[i].path);
    lm_free(s.drivers);
    geo_router_destroy(s.router);
    curl_global_cleanup();
    return status;
}
