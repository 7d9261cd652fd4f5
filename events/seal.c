/* events/seal.c: webhook secrets and URL credentials sealed at rest (events/webhooks.h):
 * AES-256-GCM under a 32-byte server key kept in its own 0600 file, so a leaked database file or
 * backup does not leak the secrets that sign deliveries. */
#include "events/webhooks.h"

#include "common/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_PREFIX "seal1:"
#define NONCE_LEN   12
#define TAG_LEN     16

static lm_status key_create(const char *path, uint8_t key[EVENTS_SEAL_KEY_LEN], lm_errinfo *err) {
    if (lm_random_bytes(key, EVENTS_SEAL_KEY_LEN) != LM_OK)
        return lm_errinfo_set(err, LM_IO, "webhook_key", "no random bytes for the key");
    /* O_EXCL: two servers starting at once never write two different keys */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return LM_CONFLICT; /* someone else made it first (or cannot create: reported below) */
    bool ok = write(fd, key, EVENTS_SEAL_KEY_LEN) == EVENTS_SEAL_KEY_LEN && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return lm_errinfo_set(err, LM_IO, "webhook_key", "cannot write %s", path);
    }
    return LM_OK;
}

lm_status events_seal_key_load(const char *path, uint8_t key[EVENTS_SEAL_KEY_LEN],
                               lm_errinfo *err) {
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT) {
            lm_status rc = key_create(path, key, err);
            if (rc == LM_OK) return LM_OK;
            if (rc != LM_CONFLICT) return rc;
            continue; /* lost the race: read the winner's key */
        }
        if (fd < 0)
            return lm_errinfo_set(err, LM_IO, "webhook_key", "cannot open %s: %s", path,
                                  strerror(errno));
        struct stat st;
        uint8_t buf[EVENTS_SEAL_KEY_LEN + 1];
        ssize_t n = fstat(fd, &st) == 0 ? read(fd, buf, sizeof buf) : -1;
        close(fd);
        if (n < 0) return lm_errinfo_set(err, LM_IO, "webhook_key", "cannot read %s", path);
        if (st.st_mode & 077)
            return lm_errinfo_set(err, LM_INVALID, "webhook_key",
                                  "%s is readable by others (mode %03o): chmod 600 it", path,
                                  (unsigned)(st.st_mode & 0777));
        if (n != EVENTS_SEAL_KEY_LEN)
            return lm_errinfo_set(err, LM_INVALID, "webhook_key", "%s must hold exactly %d bytes",
                                  path, EVENTS_SEAL_KEY_LEN);
        memcpy(key, buf, EVENTS_SEAL_KEY_LEN);
        return LM_OK;
    }
    return lm_errinfo_set(err, LM_IO, "webhook_key", "cannot create %s", path);
}

static int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

lm_status events_seal(const uint8_t key[EVENTS_SEAL_KEY_LEN], const char *plain, char *out,
                      size_t out_size) {
    size_t n = strlen(plain);
    if (n == 0) return lm_strlcpy(out, "", out_size) ? LM_OK : LM_TOO_BIG;
    size_t total = NONCE_LEN + n + TAG_LEN;
    if (n > 4096 || out_size < sizeof SEAL_PREFIX + 2 * total) return LM_TOO_BIG;
    uint8_t raw[NONCE_LEN + 4096 + TAG_LEN];
    if (lm_random_bytes(raw, NONCE_LEN) != LM_OK) return LM_IO;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) return LM_NOMEM;
    int len = 0, fin = 0;
    bool ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, raw) == 1 &&
              EVP_EncryptUpdate(c, raw + NONCE_LEN, &len, (const uint8_t *)plain, (int)n) == 1 &&
              EVP_EncryptFinal_ex(c, raw + NONCE_LEN + len, &fin) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + NONCE_LEN + n) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) return LM_INTERNAL;
    memcpy(out, SEAL_PREFIX, sizeof SEAL_PREFIX - 1);
    lm_hex_encode(raw, total, out + sizeof SEAL_PREFIX - 1);
    return LM_OK;
}

lm_status events_unseal(const uint8_t key[EVENTS_SEAL_KEY_LEN], const char *sealed, char *out,
                        size_t out_size) {
    if (strncmp(sealed, SEAL_PREFIX, sizeof SEAL_PREFIX - 1) != 0)
        return lm_strlcpy(out, sealed, out_size) ? LM_OK : LM_TOO_BIG; /* stored before sealing */
    const char *hex = sealed + sizeof SEAL_PREFIX - 1;
    size_t hn = strlen(hex);
    if (hn % 2 || hn / 2 < NONCE_LEN + TAG_LEN + 1 || hn / 2 > NONCE_LEN + 4096 + TAG_LEN)
        return LM_INVALID;
    uint8_t raw[NONCE_LEN + 4096 + TAG_LEN];
    size_t total = hn / 2;
    for (size_t i = 0; i < total; i++) {
        int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return LM_INVALID;
        raw[i] = (uint8_t)(hi << 4 | lo);
    }
    size_t n = total - NONCE_LEN - TAG_LEN;
    if (out_size < n + 1) return LM_TOO_BIG;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) return LM_NOMEM;
    int len = 0, fin = 0;
    bool ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, raw) == 1 &&
              EVP_DecryptUpdate(c, (uint8_t *)out, &len, raw + NONCE_LEN, (int)n) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + NONCE_LEN + n) == 1 &&
              EVP_DecryptFinal_ex(c, (uint8_t *)out + len, &fin) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        memset(out, 0, out_size);
        return LM_INVALID;
    }
    out[n] = '\0';
    return LM_OK;
}
