/* bench_geo: time to build geodesic-provider travel matrices (1,000^2 and 5,000^2) for points in
 * a city, one thread, the median of several runs (min and max beside it, never the best alone).
 * Prints a Markdown table; bench/run.sh puts it in bench/results/geo.md with its command, date
 * and load. Usage: bench_geo [--runs N] (default 11 runs at 1,000^2, 5 at 5,000^2, 3 on the
 * long-distance path; N applies to every row) or --quick (one run each). */
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
    out->median_ms = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
    out->min_ms = ms[0];
    out->max_ms = ms[runs - 1];
    out->checksum = sum;
    return 0;
}

int main(int argc, char **argv) {
    int runs_small = 11, runs_large = 5, runs_long = 3;
    if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
        runs_small = runs_large = runs_long = 1;
    } else if (argc > 2 && strcmp(argv[1], "--runs") == 0) {
        int64_t n = 0;
        if (!lm_parse_i64(argv[2], 1, 32, &n)) {
            fprintf(stderr, "usage: bench_geo [--runs 1..32 | --quick]\n");
            return 64;
        }
        runs_small = runs_large = runs_long = (int)n;
    } else if (argc > 1) {
        fprintf(stderr, "usage: bench_geo [--runs 1..32 | --quick]\n");
        return 64;
    }
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
    if (run(p, pts, 1000, runs_long, &r) != 0) return 1;
    printf("| 1000 x 1000 geodesic, per-pair geod_inverse (long-distance path) | 1000000 | %d | "
           "%.1f | %.1f | %.1f | %.2f | %lld |\n",
           runs_long, r.median_ms, r.min_ms, r.max_ms, r.median_ms * 1e6 / 1e6,
           (long long)r.checksum);
    geo_matrix_provider_destroy(p);
    free(pts);
    return 0;
}
