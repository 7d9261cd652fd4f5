/* Learned speeds: per-zone, per-hour-of-day correction factors of planned travel times, learned
 * from the legs drivers actually drove (positions -> arrivals). A zone is a grid cell of the
 * leg's midpoint; a factor lives in log space, moves a bounded step towards each observation
 * (one wild leg cannot drag it: observations beyond the outlier ratio are dropped, the rest
 * clipped), stays within [min_factor, max_factor], and is applied only once it has min_obs
 * observations behind it. */
#include "geo/geo.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct speed_cell {
    int32_t zx, zy; /* grid cell */
    uint8_t hour;   /* 0..23, local */
    bool used;
    uint32_t n;   /* observations taken */
    double log_f; /* log of the factor */
} speed_cell;

struct geo_speeds {
    geo_speeds_opts o;
    pthread_mutex_t lock;
    speed_cell *cells; /* open addressing, linear probing */
    size_t cap, count;
    uint64_t taken, dropped;
};

void geo_speeds_opts_init(geo_speeds_opts *o) {
    *o = (geo_speeds_opts){
        .cell_deg = 0.02,
        .min_factor = 0.5,
        .max_factor = 2.0,
        .outlier_ratio = 4.0,
        .step = 0.2,
        .clip = 0.25,
        .min_obs = 3,
        .min_planned_s = 60,
        .max_cells = 100000,
    };
}

lm_status geo_speeds_create(const geo_speeds_opts *o, geo_speeds **out, lm_errinfo *err) {
    if (!(o->cell_deg > 0 && o->cell_deg <= 10) || !(o->min_factor > 0) ||
        !(o->max_factor >= o->min_factor) || !(o->outlier_ratio > 1) || !(o->step > 0) ||
        !(o->step <= 1) || !(o->clip > 0) || o->max_cells == 0)
        return lm_errinfo_set(err, LM_INVALID, "speeds",
                              "cell_deg in (0, 10], 0 < min_factor <= max_factor, "
                              "outlier_ratio > 1, step in (0, 1], clip > 0, max_cells > 0");
    geo_speeds *s = lm_calloc(1, sizeof *s);
    if (!s) return lm_errinfo_set(err, LM_NOMEM, "", "no memory for learned speeds");
    s->o = *o;
    s->cap = 1024;
    s->cells = lm_calloc(s->cap, sizeof *s->cells);
    if (!s->cells || pthread_mutex_init(&s->lock, NULL) != 0) {
        lm_free(s->cells);
        lm_free(s);
        return lm_errinfo_set(err, LM_NOMEM, "", "no memory for learned speeds");
    }
    *out = s;
    return LM_OK;
}

void geo_speeds_destroy(geo_speeds *s) {
    if (!s) return;
    pthread_mutex_destroy(&s->lock);
    lm_free(s->cells);
    lm_free(s);
}

static size_t slot_hash(int32_t zx, int32_t zy, int hour, size_t cap) {
    uint64_t h = (uint64_t)(uint32_t)zx * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(uint32_t)zy * 0xC2B2AE3D27D4EB4Full + (uint64_t)hour * 0x165667B19E3779F9ull;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

/* The cell of (zx, zy, hour); NULL if absent and create is false or the table is full. */
static speed_cell *cell_find(geo_speeds *s, int32_t zx, int32_t zy, int hour, bool create) {
    if (create && (s->count + 1) * 2 > s->cap && s->count < s->o.max_cells) {
        size_t nc = s->cap * 2;
        speed_cell *n = lm_calloc(nc, sizeof *n);
        if (n) {
            for (size_t i = 0; i < s->cap; i++) {
                if (!s->cells[i].used) continue;
                size_t k = slot_hash(s->cells[i].zx, s->cells[i].zy, s->cells[i].hour, nc);
                while (n[k].used)
                    k = (k + 1) & (nc - 1);
                n[k] = s->cells[i];
            }
            lm_free(s->cells);
            s->cells = n;
            s->cap = nc;
        }
    }
    size_t k = slot_hash(zx, zy, hour, s->cap);
    for (size_t probes = 0; probes < s->cap; probes++, k = (k + 1) & (s->cap - 1)) {
        speed_cell *c = &s->cells[k];
        if (c->used && c->zx == zx && c->zy == zy && c->hour == hour) return c;
        if (!c->used) {
            if (!create || s->count >= s->o.max_cells || (s->count + 1) * 4 > s->cap * 3)
                return NULL;
            *c = (speed_cell){.zx = zx, .zy = zy, .hour = (uint8_t)hour, .used = true};
            s->count++;
            return c;
        }
    }
    return NULL;
}

static void zone_of(const geo_speeds *s, geo_point a, geo_point b, int32_t *zx, int32_t *zy) {
    double lat = (a.lat + b.lat) / 2, lon = (a.lon + b.lon) / 2;
    *zx = (int32_t)floor(lon / s->o.cell_deg);
    *zy = (int32_t)floor(lat / s->o.cell_deg);
}

bool geo_speeds_observe(geo_speeds *s, geo_point from, geo_point to, int hour, double planned_s,
                        double actual_s) {
    if (!s || hour < 0 || hour > 23 || !(planned_s >= s->o.min_planned_s) || !(actual_s > 0) ||
        !isfinite(actual_s) || geo_point_check(from, NULL, NULL) != LM_OK ||
        geo_point_check(to, NULL, NULL) != LM_OK)
        return false;
    double r = log(actual_s / planned_s);
    pthread_mutex_lock(&s->lock);
    bool used = false;
    if (fabs(r) > log(s->o.outlier_ratio)) {
        s->dropped++; /* a GPS glitch, a lunch break on the way: not the road's speed */
    } else {
        int32_t zx, zy;
        zone_of(s, from, to, &zx, &zy);
        speed_cell *c = cell_find(s, zx, zy, hour, true);
        if (c) {
            double e = r - c->log_f;
            e = e > s->o.clip ? s->o.clip : e < -s->o.clip ? -s->o.clip : e;
            double lo = log(s->o.min_factor), hi = log(s->o.max_factor);
            c->log_f += s->o.step * e;
            c->log_f = c->log_f < lo ? lo : c->log_f > hi ? hi : c->log_f;
            c->n++;
            s->taken++;
            used = true;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return used;
}

double geo_speeds_factor(geo_speeds *s, geo_point from, geo_point to, int hour) {
    if (!s || hour < 0 || hour > 23) return 1.0;
    int32_t zx, zy;
    zone_of(s, from, to, &zx, &zy);
    double f = 1.0;
    pthread_mutex_lock(&s->lock);
    const speed_cell *c = cell_find(s, zx, zy, hour, false);
    if (c && c->n >= s->o.min_obs) f = exp(c->log_f);
    pthread_mutex_unlock(&s->lock);
    return f;
}

void geo_speeds_stats_get(geo_speeds *s, geo_speeds_stats *out) {
    memset(out, 0, sizeof *out);
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    out->cells = s->count;
    out->taken = s->taken;
    out->dropped = s->dropped;
    out->min_factor = out->max_factor = 1.0;
    for (size_t i = 0; i < s->cap; i++) {
        const speed_cell *c = &s->cells[i];
        if (!c->used || c->n < s->o.min_obs) continue;
        double f = exp(c->log_f);
        out->active++;
        if (f < out->min_factor) out->min_factor = f;
        if (f > out->max_factor) out->max_factor = f;
    }
    pthread_mutex_unlock(&s->lock);
}
