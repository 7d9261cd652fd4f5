/* dispatch/settings.c: the operator's settings (geofence, dwell, lateness, service times, working
 * hours, the re-plan auto-apply policy): their rules, versioned saving with an audit event, the
 * values in effect where dispatch/ uses them, and the auto-apply decision on re-plan proposals. */
#include "dispatch/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G DISPATCH_SCOPE_GLOBAL
#define D DISPATCH_SCOPE_DEPOT
#define P DISPATCH_SCOPE_PRODUCT

static const dispatch_setting_def defs[DISPATCH_SET__COUNT] = {
    [DISPATCH_SET_ARRIVAL_RADIUS_M] = {"arrival_radius_m", 5, 5000, G | D},
    [DISPATCH_SET_ARRIVAL_DWELL_S] = {"arrival_dwell_s", 0, 3600, G | D},
    [DISPATCH_SET_LATE_THRESHOLD_S] = {"late_threshold_s", 0, 86400, G | D},
    [DISPATCH_SET_ETA_CHANGE_S] = {"eta_change_s", 0, 86400, G | D},
    [DISPATCH_SET_SILENT_AFTER_S] = {"silent_after_s", 30, 86400, G},
    [DISPATCH_SET_SERVICE_S] = {"service_s", 0, 7200, G | D | P},
    [DISPATCH_SET_REPLAN_AUTO_APPLY] = {"replan_auto_apply", DISPATCH_AUTO_NEVER,
                                        DISPATCH_AUTO_ALWAYS, G | D},
    [DISPATCH_SET_REPLAN_MAX_ETA_SHIFT_S] = {"replan_max_eta_shift_s", 0, 86400, G | D},
    [DISPATCH_SET_WORK_START_S] = {"work_start_s", 0, 86400, G | D},
    [DISPATCH_SET_WORK_END_S] = {"work_end_s", 0, 86400, G | D},
};

const dispatch_setting_def *dispatch_setting_def_of(dispatch_setting_id id) {
    return (unsigned)id < DISPATCH_SET__COUNT ? &defs[id] : NULL;
}

const dispatch_setting_def *dispatch_setting_by_key(const char *key, dispatch_setting_id *id) {
    for (int i = 0; key && i < DISPATCH_SET__COUNT; i++)
        if (!strcmp(defs[i].key, key)) {
            if (id) *id = (dispatch_setting_id)i;
            return &defs[i];
        }
    return NULL;
}

void dispatch__settings_opts_defaults(dispatch_opts *o) {
    o->arrival_radius_m = 60;
    o->arrival_dwell_ms = 15000;
    o->eta_change_s = 120;
    o->late_threshold_s = 300;
    o->silent_after_ms = 600000;
    o->default_service_s = 180;
}

void dispatch_settings_defaults(const dispatch *d, int64_t out[DISPATCH_SET__COUNT]) {
    dispatch_opts o = {0};
    if (d)
        o = d->o;
    else
        dispatch__settings_opts_defaults(&o);
    out[DISPATCH_SET_ARRIVAL_RADIUS_M] = (int64_t)(o.arrival_radius_m + 0.5);
    out[DISPATCH_SET_ARRIVAL_DWELL_S] = o.arrival_dwell_ms / 1000;
    out[DISPATCH_SET_LATE_THRESHOLD_S] = o.late_threshold_s;
    out[DISPATCH_SET_ETA_CHANGE_S] = o.eta_change_s;
    out[DISPATCH_SET_SILENT_AFTER_S] = o.silent_after_ms / 1000;
    out[DISPATCH_SET_SERVICE_S] = o.default_service_s;
    out[DISPATCH_SET_REPLAN_AUTO_APPLY] = o.auto_apply ? DISPATCH_AUTO_ALWAYS : DISPATCH_AUTO_NEVER;
    out[DISPATCH_SET_REPLAN_MAX_ETA_SHIFT_S] = 600;
    out[DISPATCH_SET_WORK_START_S] = 0;
    out[DISPATCH_SET_WORK_END_S] = 86400;
}

/* ---- Versions ---- */

void dispatch_settings_doc_clear(dispatch_settings_doc *doc) {
    if (!doc) return;
    lm_free(doc->values);
    memset(doc, 0, sizeof *doc);
}

lm_status dispatch_settings_get(store_read *r, int64_t version, dispatch_settings_doc *out,
                                lm_errinfo *err) {
    dispatch_settings_doc doc = {0};
    lm_status rc = LM_OK;
    if (version == 0 && (rc = store_settings_version(r, &version, err)) != LM_OK) return rc;
    if (version > 0) {
        store_settings_rev *revs = NULL;
        size_t n = 0;
        if ((rc = store_settings_history(r, version + 1, 1, &revs, &n, err)) != LM_OK) return rc;
        bool found = n == 1 && revs[0].version == version;
        if (found) doc.rev = revs[0];
        lm_free(revs);
        if (!found)
            return lm_errinfo_set(err, LM_NOT_FOUND, "version",
                                  "settings version %" PRId64 " was never saved", version);
        if ((rc = store_settings_values(r, version, &doc.values, &doc.n, err)) != LM_OK) return rc;
    }
    *out = doc;
    return LM_OK;
}

lm_status dispatch_settings_history(store_read *r, int64_t before, size_t limit,
                                    store_settings_rev **out, size_t *n, lm_errinfo *err) {
    if (limit < 1 || limit > 1000)
        return lm_errinfo_set(err, LM_INVALID, "limit", "limit must be 1..1000");
    return store_settings_history(r, before, limit, out, n, err);
}

/* Fills out[] for depot_id from saved values over the defaults already in out[]. */
static void resolve(const store_setting *vals, size_t n, const char *depot_id,
                    int64_t out[DISPATCH_SET__COUNT]) {
    char scope[STORE_SETTING_SCOPE_MAX + 1] = "";
    if (depot_id && depot_id[0]) snprintf(scope, sizeof scope, "depot:%s", depot_id);
    /* global first, then the depot's overrides on top */
    for (int pass = 0; pass < 2; pass++) {
        const char *want = pass == 0 ? "" : scope;
        if (pass == 1 && !scope[0]) break;
        for (size_t i = 0; i < n; i++) {
            dispatch_setting_id id;
            if (strcmp(vals[i].scope, want) || !dispatch_setting_by_key(vals[i].key, &id)) continue;
            out[id] = vals[i].value;
        }
    }
}

lm_status dispatch_settings_effective(const dispatch *d, store_read *r, const char *depot_id,
                                      int64_t out[DISPATCH_SET__COUNT], lm_errinfo *err) {
    dispatch_settings_doc doc = {0};
    lm_status rc = dispatch_settings_get(r, 0, &doc, err);
    if (rc != LM_OK) return rc;
    int64_t v[DISPATCH_SET__COUNT];
    dispatch_settings_defaults(d, v);
    resolve(doc.values, doc.n, depot_id, v);
    dispatch_settings_doc_clear(&doc);
    memcpy(out, v, sizeof v);
    return LM_OK;
}

/* ---- Saving a new version ---- */

/* The index of (scope, key) in vals, or -1. */
static ptrdiff_t find(const store_setting *vals, size_t n, const char *scope, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(vals[i].scope, scope) && !strcmp(vals[i].key, key)) return (ptrdiff_t)i;
    return -1;
}

/* Checks one change against the rules: known key, a scope it may have, the depot or product it
 * names exists, value in range. */
static lm_status change_check(store_read *r, const dispatch_setting_change *c, lm_errinfo *err) {
    const char *f = c->field[0] ? c->field : c->key;
    const dispatch_setting_def *def = dispatch_setting_by_key(c->key, NULL);
    if (!def) return lm_errinfo_set(err, LM_INVALID, f, "is not a known setting");
    unsigned scope = DISPATCH_SCOPE_GLOBAL;
    const char *ref = NULL;
    if (!strncmp(c->scope, "depot:", 6)) {
        scope = DISPATCH_SCOPE_DEPOT;
        ref = c->scope + 6;
    } else if (!strncmp(c->scope, "product:", 8)) {
        scope = DISPATCH_SCOPE_PRODUCT;
        ref = c->scope + 8;
    } else if (c->scope[0]) {
        return lm_errinfo_set(err, LM_INVALID, f, "unknown scope '%s'", c->scope);
    }
    if (!(def->scopes & scope))
        return lm_errinfo_set(err, LM_INVALID, f, "cannot be set per %s",
                              scope == DISPATCH_SCOPE_DEPOT ? "depot" : "product");
    if (scope == DISPATCH_SCOPE_DEPOT) {
        store_depot dep;
        if (store_depot_get(r, ref, &dep, NULL) != LM_OK)
            return lm_errinfo_set(err, LM_INVALID, f, "depot '%s' does not exist", ref);
    } else if (scope == DISPATCH_SCOPE_PRODUCT) {
        store_product pr;
        if (store_product_get(r, ref, &pr, NULL) != LM_OK)
            return lm_errinfo_set(err, LM_INVALID, f, "product '%s' does not exist", ref);
    }
    if (!c->remove && (c->value < def->min || c->value > def->max))
        return lm_errinfo_set(err, LM_INVALID, f, "must be between %" PRId64 " and %" PRId64,
                              def->min, def->max);
    return LM_OK;
}

/* Working hours must open before they close in every scope they resolve in. */
static lm_status hours_check(store_read *r, const store_setting *vals, size_t n,
                             const dispatch_setting_change *changes, size_t n_changes,
                             lm_errinfo *err) {
    for (size_t i = 0; i < n_changes; i++) {
        const char *scope = changes[i].scope;
        if (!strncmp(scope, "product:", 8)) continue;
        int64_t v[DISPATCH_SET__COUNT];
        dispatch_settings_defaults(NULL, v);
        resolve(vals, n, scope[0] ? scope + 6 : "", v);
        if (v[DISPATCH_SET_WORK_START_S] >= v[DISPATCH_SET_WORK_END_S])
            return lm_errinfo_set(err, LM_INVALID, changes[i].field[0] ? changes[i].field : "",
                                  "working hours must start before they end (%s%s)",
                                  scope[0] ? scope : "global", "");
    }
    (void)r;
    return LM_OK;
}

/* Applies changes to a copy of the current values in *vals (reallocated), appending a JSON
 * description of what changed to *log; *n_changed counts real changes. */
static lm_status apply_changes(store_setting **vals, size_t *n, const dispatch_setting_change *ch,
                               size_t n_ch, lm_buf *log, size_t *n_changed) {
    for (size_t i = 0; i < n_ch; i++) {
        ptrdiff_t at = find(*vals, *n, ch[i].scope, ch[i].key);
        bool had = at >= 0;
        int64_t from = had ? (*vals)[at].value : 0;
        if (ch[i].remove && !had) continue;
        if (!ch[i].remove && had && from == ch[i].value) continue;
        if (ch[i].remove) {
            (*vals)[at] = (*vals)[*n - 1];
            --*n;
        } else if (had) {
            (*vals)[at].value = ch[i].value;
        } else {
            store_setting *p = lm_reallocarray(*vals, *n + 1, sizeof *p);
            if (!p) return LM_NOMEM;
            *vals = p;
            memset(&p[*n], 0, sizeof p[*n]);
            lm_strlcpy(p[*n].scope, ch[i].scope, sizeof p[*n].scope);
            lm_strlcpy(p[*n].key, ch[i].key, sizeof p[*n].key);
            p[*n].value = ch[i].value;
            ++*n;
        }
        char from_s[24] = "null", to_s[24] = "null";
        if (had) snprintf(from_s, sizeof from_s, "%" PRId64, from);
        if (!ch[i].remove) snprintf(to_s, sizeof to_s, "%" PRId64, ch[i].value);
        /* scopes and keys are ids checked by change_check: no quoting needed */
        if (lm_buf_printf(log, "%s{\"scope\":\"%s\",\"key\":\"%s\",\"from\":%s,\"to\":%s}",
                          *n_changed ? "," : "", ch[i].scope, ch[i].key, from_s, to_s) != LM_OK)
            return LM_NOMEM;
        ++*n_changed;
    }
    return LM_OK;
}

lm_status dispatch_settings_update(store_tx *tx, int64_t expected_version, const char *actor,
                                   const dispatch_setting_change *changes, size_t n, int64_t now_ms,
                                   int64_t *new_version, lm_errinfo *err) {
    store_read *r = store_tx_read(tx);
    dispatch_settings_doc cur = {0};
    lm_buf log;
    lm_buf_init(&log, 1 << 20);
    lm_status rc = dispatch_settings_get(r, 0, &cur, err);
    if (rc != LM_OK) return rc;
    if (cur.rev.version != expected_version) {
        rc = lm_errinfo_set(err, LM_PRECONDITION, "version",
                            "the settings are at version %" PRId64 ", not %" PRId64
                            "; read them again and re-apply your change",
                            cur.rev.version, expected_version);
        goto done;
    }
    for (size_t i = 0; i < n && rc == LM_OK; i++)
        rc = change_check(r, &changes[i], err);
    size_t n_changed = 0;
    if (rc == LM_OK) rc = apply_changes(&cur.values, &cur.n, changes, n, &log, &n_changed);
    if (rc == LM_OK) rc = hours_check(r, cur.values, cur.n, changes, n, err);
    if (rc != LM_OK || n_changed == 0) {
        if (rc == LM_OK) *new_version = cur.rev.version;
        goto done;
    }
    store_settings_rev rev = {.version = cur.rev.version + 1, .created_ms = now_ms};
    lm_strlcpy(rev.actor, actor && actor[0] ? actor : "unknown", sizeof rev.actor);
    if ((rc = store_settings_insert(tx, &rev, cur.values, cur.n, err)) != LM_OK) goto done;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, rev.version);
    if ((rc = dispatch__event(tx, "settings.changed", "settings", ids,
                              "{\"version\":%" PRId64 ",\"actor\":\"%s\",\"changes\":[%s]}",
                              rev.version, rev.actor, log.data ? log.data : "")) != LM_OK)
        goto done;
    *new_version = rev.version;
done:
    lm_buf_free(&log);
    dispatch_settings_doc_clear(&cur);
    return rc;
}

/* ---- In effect, where dispatch/ uses them ---- */

void dispatch__settings_init(dispatch *d) {
    pthread_mutex_init(&d->set_mu, NULL);
    d->set_version = -1;
}

void dispatch__settings_free(dispatch *d) {
    lm_free(d->set_vals);
    d->set_vals = NULL;
    pthread_mutex_destroy(&d->set_mu);
}

/* Brings d's copy to r's current version: one indexed lookup while nothing changed. */
static void cache_sync(dispatch *d, store_read *r) {
    int64_t version = 0;
    if (store_settings_version(r, &version, NULL) != LM_OK) return;
    pthread_mutex_lock(&d->set_mu);
    bool fresh = version == d->set_version;
    pthread_mutex_unlock(&d->set_mu);
    if (fresh) return;
    store_setting *vals = NULL;
    size_t n = 0;
    if (version > 0 && store_settings_values(r, version, &vals, &n, NULL) != LM_OK) return;
    pthread_mutex_lock(&d->set_mu);
    store_setting *old = d->set_vals;
    d->set_vals = vals;
    d->set_n = n;
    d->set_version = version;
    pthread_mutex_unlock(&d->set_mu);
    lm_free(old);
}

void dispatch__cfg_get(dispatch *d, store_read *r, const char *depot_id, dispatch__cfg *out) {
    int64_t v[DISPATCH_SET__COUNT];
    dispatch_settings_defaults(d, v);
    if (r) cache_sync(d, r);
    pthread_mutex_lock(&d->set_mu);
    resolve(d->set_vals, d->set_n, depot_id, v);
    pthread_mutex_unlock(&d->set_mu);
    out->arrival_radius_m = (double)v[DISPATCH_SET_ARRIVAL_RADIUS_M];
    out->arrival_dwell_ms = v[DISPATCH_SET_ARRIVAL_DWELL_S] * 1000;
    /* a value never saved keeps the options' own precision (tests pin ms dwell and sub-metre
     * radii) */
    int64_t dflt[DISPATCH_SET__COUNT];
    dispatch_settings_defaults(d, dflt);
    if (v[DISPATCH_SET_ARRIVAL_RADIUS_M] == dflt[DISPATCH_SET_ARRIVAL_RADIUS_M])
        out->arrival_radius_m = d->o.arrival_radius_m;
    if (v[DISPATCH_SET_ARRIVAL_DWELL_S] == dflt[DISPATCH_SET_ARRIVAL_DWELL_S])
        out->arrival_dwell_ms = d->o.arrival_dwell_ms;
    out->late_threshold_s = v[DISPATCH_SET_LATE_THRESHOLD_S];
    out->eta_change_s = v[DISPATCH_SET_ETA_CHANGE_S];
    out->silent_after_ms = v[DISPATCH_SET_SILENT_AFTER_S] * 1000;
    if (v[DISPATCH_SET_SILENT_AFTER_S] == dflt[DISPATCH_SET_SILENT_AFTER_S])
        out->silent_after_ms = d->o.silent_after_ms;
    out->service_s = v[DISPATCH_SET_SERVICE_S];
    out->auto_apply = (dispatch_auto_apply)v[DISPATCH_SET_REPLAN_AUTO_APPLY];
    out->max_eta_shift_s = v[DISPATCH_SET_REPLAN_MAX_ETA_SHIFT_S];
    out->work_start_s = v[DISPATCH_SET_WORK_START_S];
    out->work_end_s = v[DISPATCH_SET_WORK_END_S];
}

void dispatch__cfg_vehicle(dispatch *d, store_read *r, const char *vehicle_id, dispatch__cfg *out) {
    store_vehicle v;
    bool known = vehicle_id && store_vehicle_get(r, vehicle_id, &v, NULL) == LM_OK;
    dispatch__cfg_get(d, r, known ? v.start_depot : "", out);
}

int64_t dispatch__service_s(dispatch *d, store_read *r, const store_order *o) {
    dispatch__cfg c;
    dispatch__cfg_get(d, r, o->depot_id, &c);
    int64_t best = -1;
    pthread_mutex_lock(&d->set_mu);
    for (size_t i = 0; i < o->n_lines; i++) {
        char scope[STORE_SETTING_SCOPE_MAX + 1];
        snprintf(scope, sizeof scope, "product:%s", o->lines[i].sku);
        ptrdiff_t at = find(d->set_vals, d->set_n, scope, "service_s");
        if (at >= 0 && d->set_vals[at].value > best) best = d->set_vals[at].value;
    }
    pthread_mutex_unlock(&d->set_mu);
    return best >= 0 ? best : c.service_s;
}

/* ---- The auto-apply decision on a re-plan proposal ---- */

#define AUTO_DEPOTS_MAX 64

/* What a proposal does to the deliveries of one depot. */
typedef struct depot_touch {
    char depot[DISPATCH_ID_MAX + 1];
    int64_t worst_shift_s; /* largest move of a delivery ETA the customer was shown */
    int64_t eta_change_s;  /* the depot's setting, read once */
    bool touched, dropped; /* a visible change / a pending delivery left out */
} depot_touch;

typedef struct auto_ctx {
    dispatch *d;
    store_read *r;
    depot_touch t[AUTO_DEPOTS_MAX];
    size_t n;
    char last_vehicle[DISPATCH_ID_MAX + 1]; /* stops come grouped by vehicle: its entry */
    depot_touch *last;
} auto_ctx;

/* The entry of vehicle_id's start depot (NULL when the table is full). */
static depot_touch *touch_of(auto_ctx *c, const char *vehicle_id) {
    if (c->last && !strcmp(c->last_vehicle, vehicle_id)) return c->last;
    store_vehicle v;
    const char *dep = store_vehicle_get(c->r, vehicle_id, &v, NULL) == LM_OK ? v.start_depot : "";
    depot_touch *t = NULL;
    for (size_t i = 0; i < c->n && !t; i++)
        if (!strcmp(c->t[i].depot, dep)) t = &c->t[i];
    if (!t && c->n < AUTO_DEPOTS_MAX) {
        t = &c->t[c->n++];
        memset(t, 0, sizeof *t);
        lm_strlcpy(t->depot, dep, sizeof t->depot);
        dispatch__cfg cfg;
        dispatch__cfg_get(c->d, c->r, t->depot, &cfg);
        t->eta_change_s = cfg.eta_change_s;
    }
    lm_strlcpy(c->last_vehicle, vehicle_id, sizeof c->last_vehicle);
    c->last = t;
    return t;
}

/* Compares the proposal's deliveries with the live ones they replace, per depot. */
static lm_status measure(auto_ctx *c, int64_t replan_id, bool *full, lm_errinfo *err) {
    store_stop *fresh = NULL, *old = NULL;
    size_t n_fresh = 0, n_old = 0;
    store_stop_filter ff = {.plan_id = replan_id};
    lm_status rc = store_stop_query(c->r, &ff, &fresh, &n_fresh, err);
    if (rc == LM_OK) rc = dispatch__live_pending(c->r, &old, &n_old, err);
    bool *seen = rc == LM_OK ? lm_calloc(n_old + 1, sizeof *seen) : NULL;
    if (rc == LM_OK && !seen) rc = LM_NOMEM;
    *full = false;
    for (size_t i = 0; i < n_fresh && rc == LM_OK; i++) {
        const store_stop *s = &fresh[i];
        if (s->kind != DISPATCH_STOP_DELIVERY) continue;
        const store_stop *was = NULL;
        for (size_t k = 0; k < n_old && !was; k++)
            if (s->source_stop && old[k].id == s->source_stop) {
                was = &old[k];
                seen[k] = true;
            }
        depot_touch *t = touch_of(c, s->vehicle_id);
        if (!t) {
            *full = true;
            continue;
        }
        if (!was) { /* new work: no ETA was shown for it yet */
            t->touched = true;
            continue;
        }
        int64_t shift = llabs(s->eta_s - was->eta_s);
        if (shift > t->worst_shift_s) t->worst_shift_s = shift;
        if (shift > t->eta_change_s || strcmp(s->vehicle_id, was->vehicle_id)) t->touched = true;
    }
    for (size_t k = 0; k < n_old && rc == LM_OK; k++) {
        if (seen[k] || old[k].kind != DISPATCH_STOP_DELIVERY) continue;
        store_order o = {0};
        bool cancelled = store_order_get(c->r, old[k].order_id, &o, NULL) == LM_OK &&
                         !strcmp(o.status, "cancelled");
        store_order_clear(&o);
        if (cancelled) continue; /* dropping a cancelled order's stop is the point */
        depot_touch *t = touch_of(c, old[k].vehicle_id);
        if (!t) {
            *full = true;
            continue;
        }
        t->touched = t->dropped = true;
    }
    lm_free(seen);
    lm_free(fresh);
    lm_free(old);
    return rc;
}

static const char *policy_name(dispatch_auto_apply p) {
    return p == DISPATCH_AUTO_ALWAYS       ? "always"
           : p == DISPATCH_AUTO_ETA_WITHIN ? "eta_within"
                                           : "never";
}

lm_status dispatch__replan_auto(dispatch *d, int64_t replan_id, bool *apply, lm_errinfo *err) {
    auto_ctx c = {.d = d};
    *apply = false;
    lm_status rc = store_read_begin(d->st, &c.r);
    if (rc != LM_OK) return rc;
    bool full = false;
    rc = measure(&c, replan_id, &full, err);
    /* the first depot whose policy holds the proposal, and why */
    char why[160] = "", held_depot[DISPATCH_ID_MAX + 1] = "";
    dispatch_auto_apply held_policy = DISPATCH_AUTO_NEVER;
    int64_t worst = 0;
    if (full) lm_strlcpy(why, "too many depots to judge", sizeof why);
    /* the depots a customer would notice a change at decide; when there is none, every depot
     * the proposal covers does (and with no route at all, the global policy) */
    bool any_touched = false;
    for (size_t i = 0; i < c.n; i++)
        any_touched |= c.t[i].touched;
    for (size_t i = 0; i < c.n && rc == LM_OK && !why[0]; i++) {
        const depot_touch *t = &c.t[i];
        if (t->worst_shift_s > worst) worst = t->worst_shift_s;
        if (any_touched && !t->touched) continue;
        dispatch__cfg cfg;
        dispatch__cfg_get(d, c.r, t->depot, &cfg);
        held_policy = cfg.auto_apply;
        lm_strlcpy(held_depot, t->depot, sizeof held_depot);
        if (cfg.auto_apply == DISPATCH_AUTO_NEVER)
            lm_strlcpy(why, "the depot's policy is never", sizeof why);
        else if (cfg.auto_apply == DISPATCH_AUTO_ETA_WITHIN && t->dropped)
            lm_strlcpy(why, "a pending delivery would be left out", sizeof why);
        else if (cfg.auto_apply == DISPATCH_AUTO_ETA_WITHIN &&
                 t->worst_shift_s > cfg.max_eta_shift_s)
            snprintf(why, sizeof why,
                     "a delivery ETA would move by %" PRId64 " s, more than the %" PRId64
                     " s allowed",
                     t->worst_shift_s, cfg.max_eta_shift_s);
    }
    if (rc == LM_OK && c.n == 0) {
        dispatch__cfg cfg;
        dispatch__cfg_get(d, c.r, "", &cfg);
        held_policy = cfg.auto_apply;
        if (cfg.auto_apply == DISPATCH_AUTO_NEVER)
            lm_strlcpy(why, "the global policy is never", sizeof why);
    }
    store_read_end(c.r);
    if (rc != LM_OK) return rc;
    if (!why[0]) {
        *apply = true;
        return LM_OK;
    }
    /* "never" is the default and the dispatcher's own choice: only a policy that could have
     * applied it says why it did not */
    if (held_policy == DISPATCH_AUTO_NEVER) return LM_OK;
    store_tx *tx = NULL;
    if ((rc = store_tx_begin(d->st, &tx)) != LM_OK) return rc;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, replan_id);
    rc = dispatch__event(tx, "plan.auto_apply_held", "plan", ids,
                         "{\"plan_id\":%" PRId64 ",\"depot_id\":\"%s\",\"policy\":\"%s\","
                         "\"reason\":\"%s\",\"worst_eta_shift_s\":%" PRId64 "}",
                         replan_id, held_depot, policy_name(held_policy), why, worst);
    if (rc != LM_OK) {
        store_tx_rollback(tx);
        return rc;
    }
    return store_tx_commit(tx);
}

void dispatch__work_hours(dispatch *d, store_read *r, int64_t day_start_s, dispatch__model *m) {
    for (size_t i = 0; i < m->n_veh; i++) {
        dispatch__vehicle *mv = &m->veh[i];
        dispatch__cfg cfg;
        dispatch__cfg_get(d, r, mv->v.start_depot, &cfg);
        int64_t from = day_start_s + cfg.work_start_s, to = day_start_s + cfg.work_end_s;
        if (mv->start_s < from) mv->start_s = from;
        if (mv->end_s > to) mv->end_s = to;
        if (mv->end_s < mv->start_s) mv->end_s = mv->start_s;
    }
}
