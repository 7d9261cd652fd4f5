/* bench_geo: time to build geodesic-provider travel matrices (1,000^2 and 5,000^2) for points in
 * a city, one thread, median of several runs. Prints a Markdown table for bench/results/geo.md. */
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deterministic points in a disc of radius_m around Lyon's centre (xorshift64*, fixed seed). */
static void city_points(geo_point *pts, size_t n, double radius_m, uint64_t seed) {
    const double lat0 = 45.7640, lon0 = 4.8357, m_per_deg = 111320.0;
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            u[k] = (double)((s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
        }
        double r = radius_m * sqrt(u[0]), a = 2 * 3.14159265358979323846 * u[1];
        pts[i].lat = lat0 + r * sin(a) / m_per_deg;
        pts[i].lon = lon0 + r * cos(a) / (m_per_deg * cos(lat0 * 3.14159265358979323846 / 180));
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    double median_ms, min_ms, max_ms;
    int64_t checksum;
} result;

static int run(geo_matrix_provider *p, const geo_point *pts, size_t n, int runs, result *out) {
    double ms[32];
    int64_t sum = 0;
    for (int r = 0; r < runs; r++) {
        geo_matrix *m = NULL;
        lm_errinfo e;
        lm_errinfo_clear(&e);
        int64_t t0 = lm_mono_ns();
        if (geo_matrix_compute(p, pts, n, &m, &e) != LM_OK) {
            fprintf(stderr, "bench_geo: %s: %s\n", e.field, e.message);
            return -1;
        }
        ms[r] = (double)(lm_mono_ns() - t0) / 1e6;
        /* Read the result so the work cannot be skipped, and report it as a checksum. */
        const int32_t *d = geo_matrix_durations(m);
        sum = 0;
        for (size_t k = 0; k < n * n; k += 997)
            sum += d[k];
        geo_matrix_destroy(m);
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    out->median_ms = ms[runs / 2];
    out->min_ms = ms[0];
    out->max_ms = ms[runs - 1];
    out->checksum = sum;
    return 0;
}

int main(int argc, char **argv) {
    int runs_small = 11, runs_large = 5;
    if (argc > 1 && strcmp(argv[1], "--quick") == 0) runs_small = runs_large = 1;
    const size_t sizes[] = {1000, 5000};
    geo_matrix_opts o;
    geo_matrix_opts_init(&o);
    geo_matrix_provider *p = NULL;
    lm_errinfo e;
    if (geo_matrix_provider_create(&o, &p, &e) != LM_OK) {
        fprintf(stderr, "bench_geo: %s\n", e.message);
        return 1;
    }
    geo_point *pts = calloc(5000, sizeof *pts);
    if (!pts) return 1;
    city_points(pts, 5000, 15000.0, 0x9E3779B97F4A7C15ULL);
    printf("| matrix | cells | runs | median ms | min ms | max ms | ns / cell | checksum |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < 2; k++) {
        size_t n = sizes[k];
        int runs = n <= 1000 ? runs_small : runs_large;
        result r;
        if (run(p, pts, n, runs, &r) != 0) return 1;
        printf("| %zu x %zu geodesic (one projection + Euclidean) | %zu | %d | %.1f | %.1f | %.1f "
               "| %.2f | %lld |\n",
               n, n, n * n, runs, r.median_ms, r.min_ms, r.max_ms,
               r.median_ms * 1e6 / (double)(n * n), (long long)r.checksum);
    }
    /* The long-distance path (per-pair ellipsoidal geodesics) for comparison, on 1,000 points
     * forced into it with a zero extent threshold. */
    geo_matrix_provider_destroy(p);
    o.local_max_extent_m = 0;
    if (geo_matrix_provider_create(&o, &p, &e) != LM_OK) return 1;
    result r;
    if (run(p, pts, 1000, runs_small > 3 ? 3 : runs_small, &r) != 0) return 1;
    printf("| 1000 x 1000 geodesic, per-pair geod_inverse (long-distance path) | 1000000 | %d | "
           "%.1f | %.1f | %.1f | %.2f | %lld |\n",
           runs_small > 3 ? 3 : runs_small, r.median_ms, r.min_ms, r.max_ms,
           r.median_ms * 1e6 / 1e6, (long long)r.checksum);
    geo_matrix_provider_destroy(p);
    free(pts);
    return 0;
}
