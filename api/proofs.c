/* api/proofs.c: delivery proofs (signature, photo): base64 decoded, checked and saved under
 * <data_dir>/proofs. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/input.h"
#include "common/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROOF_MAX_BYTES ((size_t)512 << 10) /* one decoded signature or photo */

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Decodes base64 (standard or URL alphabet, padding optional, whitespace skipped) into an arena
 * buffer of at most max bytes. */
static lm_status b64_decode(lm_arena *a, const char *s, size_t max, unsigned char **out,
                            size_t *n_out) {
    size_t len = strlen(s);
    if (len / 4 * 3 > max + 3) return LM_TOO_BIG;
    unsigned char *buf = lm_arena_alloc(a, len / 4 * 3 + 4);
    if (!buf) return LM_NOMEM;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        int v = b64val(c);
        if (v < 0) return LM_INVALID;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (n > max) return LM_TOO_BIG;
    *out = buf;
    *n_out = n;
    return LM_OK;
}

/* Validates one uploaded image {content_type, data_base64} and writes it durably under
 * <data_dir>/proofs; *rel_out gets "proofs/<name>". */
lm_status api__proof_save(http_req *r, const cJSON *f, const char *what, int64_t stop_id,
                          char *rel_out, size_t rel_size) {
    char field[48];
    snprintf(field, sizeof field, "%s.content_type", what);
    const char *ct = api__json_get_str(f, "content_type");
    const char *ext = NULL;
    if (ct && !strcmp(ct, "image/png")) ext = "png";
    if (ct && !strcmp(ct, "image/jpeg")) ext = "jpg";
    if (!cJSON_IsObject(f) || !ext)
        return http_error(r, LM_INVALID, field, "content_type must be image/png or image/jpeg");
    const char *data = api__json_get_str(f, "data_base64");
    snprintf(field, sizeof field, "%s.data_base64", what);
    if (!data || !*data) return http_error(r, LM_INVALID, field, "data_base64 is required");
    unsigned char *bytes = NULL;
    size_t n = 0;
    lm_status rc = b64_decode(r->arena, data, PROOF_MAX_BYTES, &bytes, &n);
    if (rc == LM_TOO_BIG)
        return http_error(r, LM_TOO_BIG, field, "at most %zu bytes once decoded", PROOF_MAX_BYTES);
    if (rc != LM_OK) return http_error(r, rc, field, "not valid base64");
    /* the bytes must be what the content type says (no HTML or script stored as an "image") */
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bool ok = !strcmp(ext, "png")
                  ? n >= 8 && !memcmp(bytes, png, 8)
                  : n >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
    if (!ok) return http_error(r, LM_INVALID, field, "the data is not a %s image", ext);

    char dir[600], path[700], tmp[720];
    const char *root = api_app_of(r)->data_dir;
    snprintf(dir, sizeof dir, "%s/proofs", root);
    /* owner-only: proofs are photos and signatures of customers (docs/security.md) */
    if (mkdir(root, 0700) != 0 && errno != EEXIST)
        return http_error(r, LM_IO, "", "cannot create the data directory");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return http_error(r, LM_IO, "", "cannot create the proofs directory");
    uint8_t rnd[8];
    char hex[17];
    if (lm_random_bytes(rnd, sizeof rnd) != LM_OK)
        return http_error(r, LM_IO, "", "no random bytes for the file name");
    lm_hex_encode(rnd, sizeof rnd, hex);
    snprintf(rel_out, rel_size, "proofs/stop%lld-%s-%s.%s", (long long)stop_id, what, hex, ext);
    snprintf(path, sizeof path, "%s/%s", root, rel_out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return http_error(r, LM_IO, "", "cannot create the proof file");
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, bytes + off, n - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    /* durable before the delivery that refers to it is committed */
    bool good = off == n && fsync(fd) == 0;
    close(fd);
    if (!good || rename(tmp, path) != 0) {
        unlink(tmp);
        return http_error(r, LM_IO, "", "cannot write the proof file");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0) { /* the rename may not survive a crash; the row says where */
        }
        close(dfd);
    }
    return LM_OK;
}
