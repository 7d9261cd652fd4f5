/* Routers: `--router` parsed into one matrix provider per vehicle profile (VROOM's car, bike,
 * foot, truck, ...), each engine asked under its own profile name, and the probe that tells
 * `lastmile version` and /healthz whether an engine answers. */
#include "geo/internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

typedef struct router_entry {
    char profile[32]; /* "" = every profile not named */
    geo_matrix_provider *p;
} router_entry;

struct geo_router {
    router_entry e[GEO_ROUTER_MAX_ENTRIES];
    size_t n;
    geo_matrix_provider *fallback; /* geodesic, when no entry is unprefixed */
    char describe[GEO_ROUTER_SPEC_MAX + 16];
};

void geo_router_opts_init(geo_router_opts *o) {
    o->spec = NULL;
    geo_matrix_opts_init(&o->base);
}

/* The engine's name for a VROOM profile. */
static const char *engine_profile(geo_matrix_kind k, const char *profile) {
    static const char *const map[][3] = {
        /* vroom      osrm        valhalla */
        {"car", "driving", "auto"},
        {"bike", "cycling", "bicycle"},
        {"foot", "walking", "pedestrian"},
        {"truck", "driving", "truck"},
    };
    const char *p = profile && *profile ? profile : "car";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], p)) return map[i][k == GEO_MATRIX_OSRM ? 1 : 2];
    return p;
}

static bool profile_name_ok(const char *s, size_t len) {
    if (len == 0 || len >= sizeof((router_entry *)0)->profile) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* One "[PROFILE:]geodesic|osrm=URL|valhalla=URL" item into entry e. */
static lm_status parse_item(geo_router *r, const geo_matrix_opts *base, const char *item,
                            lm_errinfo *err) {
    router_entry *e = &r->e[r->n];
    const char *colon = strchr(item, ':'), *eq = strchr(item, '=');
    const char *what = item;
    /* "car:osrm=http://..." has its first ':' before any '='; "osrm=http://..." does not */
    if (colon && (!eq || colon < eq)) {
        if (!profile_name_ok(item, (size_t)(colon - item)))
            return lm_errinfo_set(err, LM_INVALID, "router",
                                  "'%s': a profile is 1-31 characters of a-z 0-9 _ -", item);
        memcpy(e->profile, item, (size_t)(colon - item));
        e->profile[colon - item] = '\0';
        what = colon + 1;
        eq = strchr(what, '=');
    }
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->e[i].profile, e->profile))
            return lm_errinfo_set(err, LM_INVALID, "router", "profile '%s' is given twice",
                                  e->profile[0] ? e->profile : "(default)");
    geo_matrix_opts o = *base;
    size_t name_len = eq ? (size_t)(eq - what) : strlen(what);
    if (name_len == 8 && !strncmp(what, "geodesic", 8) && !eq) {
        o.kind = GEO_MATRIX_GEODESIC;
    } else if (name_len == 4 && !strncmp(what, "osrm", 4)) {
        o.kind = GEO_MATRIX_OSRM;
    } else if (name_len == 8 && !strncmp(what, "valhalla", 8)) {
        o.kind = GEO_MATRIX_VALHALLA;
    } else {
        return lm_errinfo_set(err, LM_INVALID, "router",
                              "'%s': expected geodesic, osrm=URL or valhalla=URL", item);
    }
    if (o.kind != GEO_MATRIX_GEODESIC) {
        if (!eq || !eq[1])
            return lm_errinfo_set(err, LM_INVALID, "router", "'%s': the engine's URL is missing",
                                  item);
        o.base_url = eq + 1;
        o.profile = engine_profile(o.kind, e->profile);
    }
    lm_status st = geo_matrix_provider_create(&o, &e->p, err);
    if (st != LM_OK) {
        char why[sizeof err->message] = "";
        if (err) lm_strlcpy(why, err->message, sizeof why);
        return lm_errinfo_set(err, st, "router", "'%s': %s", item, why);
    }
    r->n++;
    return LM_OK;
}

static lm_status parse_spec(geo_router *r, const geo_router_opts *o, lm_errinfo *err) {
    const char *spec = o->spec && *o->spec ? o->spec : "geodesic";
    if (strlen(spec) > GEO_ROUTER_SPEC_MAX)
        return lm_errinfo_set(err, LM_INVALID, "router", "longer than %d characters",
                              GEO_ROUTER_SPEC_MAX);
    char buf[GEO_ROUTER_SPEC_MAX + 1];
    lm_strlcpy(buf, spec, sizeof buf);
    for (char *item = buf, *next; item; item = next) {
        next = strchr(item, ',');
        if (next) *next++ = '\0';
        while (*item == ' ')
            item++;
        size_t len = strlen(item);
        while (len && item[len - 1] == ' ')
            item[--len] = '\0';
        if (!*item) continue;
        if (r->n == GEO_ROUTER_MAX_ENTRIES)
            return lm_errinfo_set(err, LM_INVALID, "router", "at most %d entries",
                                  GEO_ROUTER_MAX_ENTRIES);
        lm_status st = parse_item(r, &o->base, item, err);
        if (st != LM_OK) return st;
    }
    if (r->n == 0) return lm_errinfo_set(err, LM_INVALID, "router", "no engine given");
    return LM_OK;
}

static void describe(geo_router *r) {
    size_t at = 0, cap = sizeof r->describe;
    r->describe[0] = '\0';
    for (size_t i = 0; i < r->n && at < cap; i++) {
        const router_entry *e = &r->e[i];
        geo_matrix_kind k = geo_matrix_provider_kind(e->p);
        int w = snprintf(r->describe + at, cap - at, "%s%s%s%s%s%s", i ? "," : "", e->profile,
                         e->profile[0] ? ":" : "",
                         k == GEO_MATRIX_OSRM       ? "osrm="
                         : k == GEO_MATRIX_VALHALLA ? "valhalla="
                                                    : "geodesic",
                         geo_matrix_provider_url(e->p), "");
        if (w < 0) break;
        at += (size_t)w;
    }
}

lm_status geo_router_create(const geo_router_opts *o, geo_router **out, lm_errinfo *err) {
    geo_router *r = lm_calloc(1, sizeof *r);
    if (!r) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for a router");
    lm_status st = parse_spec(r, o, err);
    bool has_default = false;
    for (size_t i = 0; i < r->n; i++)
        has_default |= r->e[i].profile[0] == '\0';
    if (st == LM_OK && !has_default) {
        geo_matrix_opts g = o->base;
        g.kind = GEO_MATRIX_GEODESIC;
        st = geo_matrix_provider_create(&g, &r->fallback, err);
    }
    if (st != LM_OK) {
        geo_router_destroy(r);
        return st;
    }
    describe(r);
    *out = r;
    return LM_OK;
}

void geo_router_destroy(geo_router *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++)
        geo_matrix_provider_destroy(r->e[i].p);
    geo_matrix_provider_destroy(r->fallback);
    lm_free(r);
}

geo_matrix_provider *geo_router_provider(geo_router *r, const char *profile) {
    const char *want = profile && *profile ? profile : "car";
    geo_matrix_provider *def = r->fallback;
    for (size_t i = 0; i < r->n; i++) {
        if (!strcmp(r->e[i].profile, want)) return r->e[i].p;
        if (!r->e[i].profile[0]) def = r->e[i].p;
    }
    return def;
}

const char *geo_router_describe(const geo_router *r) {
    return r->describe;
}

bool geo_router_is_geodesic(const geo_router *r) {
    for (size_t i = 0; i < r->n; i++)
        if (geo_matrix_provider_kind(r->e[i].p) != GEO_MATRIX_GEODESIC) return false;
    return true;
}

size_t geo_router_count(const geo_router *r) {
    return r->n;
}

/* ---- Probe ---- */

static void probe(geo_matrix_provider *p, long timeout_ms, geo_router_status *out) {
    geo__http h;
    if (geo__http_init(&h, p, timeout_ms) != LM_OK) {
        lm_strlcpy(out->detail, "no memory for the probe", sizeof out->detail);
        return;
    }
    bool osrm = geo_matrix_provider_kind(p) == GEO_MATRIX_OSRM;
    /* a tiny question every engine answers in its own JSON, routable or not */
    lm_status st = osrm ? lm_buf_printf(&h.url,
                                        "%s/table/v1/%s/13.388860,52.517037;"
                                        "13.397634,52.529407?annotations=duration",
                                        p->base_url, p->profile)
                        : lm_buf_printf(&h.url, "%s/status", p->base_url);
    geo__fetch f = st == LM_OK ? geo__http_send(&h) : GEO__FETCH_FAILED;
    out->http_status = h.status;
    if (f == GEO__FETCH_SKIPPED) {
        lm_strlcpy(out->detail, h.error, sizeof out->detail);
    } else if (f != GEO__FETCH_OK) {
        lm_strlcpy(out->detail, h.error[0] ? h.error : "no reply", sizeof out->detail);
    } else {
        cJSON *root = cJSON_ParseWithLength(h.resp.data ? h.resp.data : "", h.resp.len);
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, osrm ? "code" : "version");
        out->answers = cJSON_IsString(code);
        if (out->answers)
            snprintf(out->detail, sizeof out->detail, "%s %s", osrm ? "code" : "version",
                     code->valuestring);
        else
            snprintf(out->detail, sizeof out->detail,
                     "HTTP %ld without the engine's JSON (is this %s?)", h.status,
                     osrm ? "OSRM" : "Valhalla");
        geo__breaker_report(p, out->answers, out->answers ? NULL : out->detail);
        cJSON_Delete(root);
    }
    geo__http_free(&h);
}

void geo_router_status_get(geo_router *r, size_t i, bool do_probe, long probe_timeout_ms,
                           geo_router_status *out) {
    memset(out, 0, sizeof *out);
    if (i >= r->n) return;
    const router_entry *e = &r->e[i];
    lm_strlcpy(out->profile, e->profile, sizeof out->profile);
    geo_matrix_kind k = geo_matrix_provider_kind(e->p);
    out->kind = k == GEO_MATRIX_OSRM ? "osrm" : k == GEO_MATRIX_VALHALLA ? "valhalla" : "geodesic";
    lm_strlcpy(out->url, geo_matrix_provider_url(e->p), sizeof out->url);
    if (k == GEO_MATRIX_GEODESIC) {
        out->answers = true;
        lm_strlcpy(out->detail, "built-in estimate", sizeof out->detail);
        return;
    }
    if (do_probe) probe(e->p, probe_timeout_ms, out);
    geo_matrix_provider_health(e->p, &out->health);
    if (!do_probe) out->answers = out->health.state == GEO_BREAKER_CLOSED;
}
