/* common/sha256: SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104), constant-time compare and the
 * kernel's random bytes, for API key hashes and (later) webhook signatures. */
#ifndef LASTMILE_SHA256_H
#define LASTMILE_SHA256_H

#include "common/common.h"

#define LM_SHA256_LEN 32 /* digest size in bytes */

typedef struct lm_sha256 {
    uint32_t h[8];
    uint64_t total_len; /* bytes hashed so far */
    uint8_t block[64];
    size_t block_len; /* bytes pending in block */
} lm_sha256_ctx;

/* Incremental hashing: init, any number of updates, final (which writes 32 bytes to out). */
void lm_sha256_init(lm_sha256_ctx *c);
void lm_sha256_update(lm_sha256_ctx *c, const void *data, size_t len);
void lm_sha256_final(lm_sha256_ctx *c, uint8_t out[LM_SHA256_LEN]);
/* One-shot SHA-256 of data. */
void lm_sha256(const void *data, size_t len, uint8_t out[LM_SHA256_LEN]);
/* HMAC-SHA256 of msg under key (any key length; keys longer than 64 bytes are hashed first). */
void lm_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    uint8_t out[LM_SHA256_LEN]);

/* Compares n bytes in time independent of where they differ (for secrets and digests). */
bool lm_ct_equal(const void *a, const void *b, size_t n);
/* Fills buf with n bytes from the kernel's CSPRNG (getrandom); LM_IO if it cannot. */
LM_MUST_USE lm_status lm_random_bytes(void *buf, size_t n);
/* Writes 2*n lower-case hex digits and a NUL to out (which holds at least 2*n+1 bytes). */
void lm_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
