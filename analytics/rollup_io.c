/* analytics/rollup_io.c: the byte forms of what the rollups persist (row figures, histograms) and
 * the histogram's buckets. */
#include "analytics/internal.h"

#include <math.h>
#include <string.h>

int an_hist_bucket(double seconds) {
    if (!(seconds >= 0)) return 0;
    uint64_t x = seconds >= 134217727.0 ? 134217727u : (uint64_t)seconds;
    if (x < 64) return (int)x;
    int e = 63 - __builtin_clzll(x); /* 6..26 */
    int sub = (int)((x >> (e - 5)) & 31);
    return 64 + (e - 6) * 32 + sub;
}

double an_hist_edge(int bucket) {
    if (bucket < 64) return bucket;
    int e = 6 + (bucket - 64) / 32, sub = (bucket - 64) % 32;
    return (double)((uint64_t)(32 + sub) << (e - 5));
}

/* A counts blob is the non-zero figures only, as (uint32 index, int64 value) pairs in index
 * order: most of a row's figures are 0 (a van has no channel, a depot no exceptions), and the
 * rows are read by the thousand per report. */
#define AN_PAIR (sizeof(uint32_t) + sizeof(int64_t))

lm_status an_row_decode(const store_an_blob *counts, const store_an_blob *hist,
                        int64_t c[AN_C_COUNT], int64_t *h) {
    if (counts->n % AN_PAIR || counts->n > AN_C_COUNT * AN_PAIR || hist->n % (2 * sizeof(uint32_t)))
        return LM_CONFLICT; /* written by another layout: `lastmile analytics rebuild` */
    const unsigned char *q = counts->data;
    for (size_t i = 0; i < counts->n / AN_PAIR; i++) {
        uint32_t k;
        int64_t v;
        memcpy(&k, q + i * AN_PAIR, sizeof k);
        memcpy(&v, q + i * AN_PAIR + sizeof k, sizeof v);
        if (k >= AN_C_COUNT) return LM_CONFLICT;
        c[k] += v;
    }
    size_t pairs = h ? hist->n / (2 * sizeof(uint32_t)) : 0; /* h NULL: the counts only */
    const unsigned char *p = hist->data;
    for (size_t i = 0; i < pairs; i++) {
        uint32_t kv[2];
        memcpy(kv, p + i * sizeof kv, sizeof kv);
        uint32_t m = kv[0] >> 16, b = kv[0] & 0xffff;
        if (m >= AN_H_METRICS || b >= AN_H_BUCKETS) return LM_CONFLICT;
        h[m * AN_H_BUCKETS + b] += (int32_t)kv[1];
    }
    return LM_OK;
}

lm_status an_row_encode(const int64_t c[AN_C_COUNT], const int64_t *h, store_an_blob *counts,
                        store_an_blob *hist) {
    size_t used = 0, nz = 0; /* h NULL: the counts only (hist left empty) */
    for (size_t i = 0; h && i < (size_t)AN_H_METRICS * AN_H_BUCKETS; i++)
        used += h[i] != 0;
    for (int i = 0; i < AN_C_COUNT; i++)
        nz += c[i] != 0;
    counts->n = nz * AN_PAIR;
    counts->data = lm_alloc(nz ? counts->n : 1);
    hist->n = used * 2 * sizeof(uint32_t);
    hist->data = used ? lm_alloc(hist->n) : NULL;
    if (!counts->data || (used && !hist->data)) {
        lm_free(counts->data);
        lm_free(hist->data);
        counts->data = hist->data = NULL;
        return LM_NOMEM;
    }
    unsigned char *q = counts->data;
    for (uint32_t i = 0, k = 0; i < AN_C_COUNT; i++) {
        if (!c[i]) continue;
        memcpy(q + k * AN_PAIR, &i, sizeof i);
        memcpy(q + k * AN_PAIR + sizeof i, &c[i], sizeof c[i]);
        k++;
    }
    unsigned char *p = hist->data;
    for (size_t i = 0, k = 0; used && i < (size_t)AN_H_METRICS * AN_H_BUCKETS; i++) {
        if (!h[i]) continue;
        uint32_t kv[2] = {(uint32_t)((i / AN_H_BUCKETS) << 16 | (i % AN_H_BUCKETS)),
                          (uint32_t)(int32_t)h[i]};
        memcpy(p + k++ * sizeof kv, kv, sizeof kv);
    }
    return LM_OK;
}
