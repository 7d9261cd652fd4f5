/* api/proofs.c: delivery proofs (drawn signature, photo), decoded and checked by the codec
 * (api/formats/driver_json.c), saved durably under <data_dir>/proofs. */
#include "api/app.h"
#include "api/formats/driver_json.h"
#include "api/handlers.h"
#include "common/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lm_status api__proof_save(http_req *r, const fmt_image *img, const char *what, int64_t stop_id,
                          char *rel_out, size_t rel_size) {
    const unsigned char *bytes = img->bytes;
    size_t n = img->n;
    const char *ext = img->ext;
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
