/* `lastmile import FILE.csv`: orders from CSV (the format in README), either posted in chunks to a
 * running server's POST /v1/orders/import or written straight into a database file. A bad row is
 * reported with its line number and reason; the good rows still go in. */
#include "analytics/analytics.h"
#include "api/api.h"
#include "api/formats/csv.h"
#include "cli/cli.h"
#include "orders/orders.h"
#include "store/store.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMPORT_MAX_FILE ((size_t)256 << 20)
/* rows per request: ~200 KB, well under the server's 1 MiB body limit and its 2,000 rows; the
 * server commits them in 2 transactions (fewer fsyncs: bench/results/perf-intake.md) */
#define IMPORT_CHUNK 1000

typedef struct import_cfg {
    const char *file, *server, *key, *db;
    size_t chunk;
} import_cfg;

typedef struct progress {
    size_t total, done, created, failed;
    bool tty;
} progress;

static void progress_draw(progress *p, bool final) {
    if (!p->tty && !final) return;
    const int width = 40;
    int fill = p->total ? (int)(p->done * (size_t)width / p->total) : width;
    fprintf(stderr, "\r[");
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu rows, %zu created, %zu failed%s", p->done, p->total, p->created,
            p->failed, final ? "\n" : "");
    fflush(stderr);
}

/* Prints one rejected row; the bar is redrawn after it. */
static void report_bad(progress *p, size_t line, const char *field, const char *msg) {
    if (p->tty) fprintf(stderr, "\r%*s\r", 100, "");
    fprintf(stderr, "line %zu: %s%s%s\n", line, field, field[0] ? ": " : "", msg);
}

static int usage(void) {
    fprintf(stderr, "usage: lastmile import FILE.csv [--server URL] [--key KEY] [--db PATH|URL] "
                    "[--chunk N]\n"
                    "  --server URL  post to a running server (key from --key or LASTMILE_KEY)\n"
                    "  --db PATH     otherwise write into this database (default "
                    "var/lastmile.db)\n"
                    "CSV columns: see README (Orders CSV).\n");
    return CLI_USAGE;
}

static lm_status read_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return LM_IO;
    lm_status rc = lm_buf_read_stream(f, IMPORT_MAX_FILE, out, len);
    fclose(f);
    return rc;
}

/* Messages from the CSV reader start with "line N: ": the caller prints the line itself. */
static const char *strip_line(const char *msg) {
    const char *sep = strstr(msg, ": ");
    return !strncmp(msg, "line ", 5) && sep ? sep + 2 : msg;
}

/* ---- Straight into a database ---- */

static int import_db(const import_cfg *c, const fmt_csv *csv, progress *p) {
    store_opts so;
    store_opts_init(&so);
    so.path = c->db;
    so.read_conns = 1;
    store *s = NULL;
    orders_svc *o = NULL;
    lm_errinfo err = {0};
    if (store_open(&so, &s, &err) != LM_OK) {
        fprintf(stderr, "lastmile import: %s: %s\n", c->db, err.message);
        return CLI_FAILED;
    }
    if (analytics_rollup_attach(s, NULL, &err) != LM_OK)
        fprintf(stderr, "lastmile import: analytics rollups lag (%s)\n", err.message);
    orders_opts oo;
    orders_opts_init(&oo);
    oo.st = s;
    if (orders_create(&oo, &o) != LM_OK) {
        store_close(s);
        return CLI_FAILED;
    }
    /* chunks of 2,000 rows: one transaction each (one fsync per 2,000 orders), and a progress
     * step; on the heap, at ~4 MB a chunk */
    enum { CHUNK = 2000 };
    orders_order *in = lm_calloc(CHUNK, sizeof *in);
    char(*keys)[STORE_REF_MAX + 1] = lm_calloc(CHUNK, sizeof *keys);
    const char **keyp = lm_calloc(CHUNK, sizeof *keyp);
    size_t *row = lm_calloc(CHUNK, sizeof *row);
    orders_create_result *res = lm_calloc(CHUNK, sizeof *res);
    int status = in && keys && keyp && row && res ? CLI_OK : CLI_FAILED;
    size_t total = fmt_csv_count(csv);
    for (size_t start = 0; start < total && status == CLI_OK; start += CHUNK) {
        size_t end = start + CHUNK < total ? start + CHUNK : total, m = 0;
        for (size_t i = start; i < end; i++) {
            lm_errinfo e = {0};
            if (fmt_csv_order(csv, i, &in[m], keys[m], &e) != LM_OK) {
                p->done++;
                p->failed++;
                report_bad(p, fmt_csv_line(csv, i), e.field, strip_line(e.message));
                continue;
            }
            keyp[m] = keys[m][0] ? keys[m] : NULL;
            row[m++] = i;
        }
        if (orders_order_create_many(o, in, keyp, m, res) != LM_OK) {
            fprintf(stderr, "lastmile import: out of memory\n");
            status = CLI_FAILED;
        }
        for (size_t k = 0; k < m; k++) {
            orders_order_clear(&in[k]);
            if (status != CLI_OK) continue;
            p->done++;
            if (res[k].rc == LM_OK) {
                p->created += !res[k].replayed;
                continue;
            }
            p->failed++;
            report_bad(p, fmt_csv_line(csv, row[k]), res[k].err.field,
                       res[k].err.message[0] ? strip_line(res[k].err.message)
                                             : lm_strerror(res[k].rc));
            lm_status rc = res[k].rc;
            if (rc != LM_INVALID && rc != LM_CONFLICT && rc != LM_TOO_BIG && rc != LM_NOT_FOUND)
                status = CLI_FAILED; /* the store itself failed: stop */
        }
        progress_draw(p, false);
    }
    if (!in || !keys || !keyp || !row || !res) fprintf(stderr, "lastmile import: out of memory\n");
    lm_free(in);
    lm_free(keys);
    lm_free(keyp);
    lm_free(row);
    lm_free(res);
    orders_destroy(o);
    store_close(s);
    return status;
}

/* ---- Through a server ---- */

static size_t on_body(char *ptr, size_t sz, size_t n, void *ud) {
    return lm_buf_append(ud, ptr, sz * n) == LM_OK ? sz * n : 0;
}

static int import_server(const import_cfg *c, const char *text, const fmt_csv *csv, progress *p) {
    CURL *h = curl_easy_init();
    if (!h) return CLI_FAILED;
    char url[1024], auth[160];
    snprintf(url, sizeof url, "%s/v1/orders/import", c->server);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->key);
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, auth);
    hdr = curl_slist_append(hdr, "Content-Type: text/csv");
    hdr = curl_slist_append(hdr, "Expect:");
    int status = CLI_OK;
    size_t n = fmt_csv_count(csv), header_len = fmt_csv_header_len(csv);
    lm_buf body, reply;
    lm_buf_init(&body, (size_t)64 << 20);
    lm_buf_init(&reply, (size_t)64 << 20);
    for (size_t start = 0; start < n && status == CLI_OK; start += c->chunk) {
        size_t end = start + c->chunk < n ? start + c->chunk : n;
        lm_buf_reset(&body);
        lm_buf_reset(&reply);
        lm_status rc = lm_buf_append(&body, text, header_len);
        if (rc == LM_OK && header_len && text[header_len - 1] != '\n')
            rc = lm_buf_append(&body, "\n", 1);
        for (size_t i = start; i < end && rc == LM_OK; i++) {
            size_t off, len;
            fmt_csv_span(csv, i, &off, &len);
            rc = lm_buf_append(&body, text + off, len);
            if (rc == LM_OK) rc = lm_buf_append(&body, "\n", 1);
        }
        if (rc != LM_OK) {
            status = CLI_FAILED;
            break;
        }
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 300L);
        CURLcode cc = curl_easy_perform(h);
        long http = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
        if (cc != CURLE_OK) {
            fprintf(stderr, "\nlastmile import: %s: %s\n", url, curl_easy_strerror(cc));
            status = CLI_FAILED;
            break;
        }
        cJSON *j = reply.data ? cJSON_Parse(reply.data) : NULL;
        const cJSON *results = cJSON_GetObjectItemCaseSensitive(j, "results");
        if (http != 200 || !cJSON_IsArray(results) ||
            (size_t)cJSON_GetArraySize(results) != end - start) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
            fprintf(stderr, "\nlastmile import: server answered %ld: %s\n", http,
                    e ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"))
                      : (reply.data ? reply.data : ""));
            cJSON_Delete(j);
            status = CLI_FAILED;
            break;
        }
        size_t k = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, results) {
            size_t line = fmt_csv_line(csv, start + k++); /* the file's line, not the chunk's */
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(row, "error");
            p->done++;
            if (e) {
                p->failed++;
                const char *msg =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));
                const char *field =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "field"));
                msg = msg ? msg : "";
                /* messages from the CSV reader carry the chunk's line: drop that prefix */
                const char *sep = strstr(msg, ": ");
                if (!strncmp(msg, "line ", 5) && sep) msg = sep + 2;
                report_bad(p, line, field ? field : "", msg);
            } else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "replayed"))) {
                p->created++;
            }
        }
        cJSON_Delete(j);
        progress_draw(p, false);
    }
    lm_buf_free(&body);
    lm_buf_free(&reply);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return status;
}

int cli_import(int argc, char **argv) {
    import_cfg c = {
        .db = getenv("LASTMILE_DB"), .key = getenv("LASTMILE_KEY"), .chunk = IMPORT_CHUNK};
    if (!c.db) c.db = "var/lastmile.db";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return CLI_OK;
        }
        if (a[0] != '-') {
            if (c.file) return usage();
            c.file = a;
            continue;
        }
        if (i + 1 >= argc) return usage();
        const char *v = argv[++i];
        int64_t n;
        if (!strcmp(a, "--server"))
            c.server = v;
        else if (!strcmp(a, "--key"))
            c.key = v;
        else if (!strcmp(a, "--db"))
            c.db = v;
        else if (!strcmp(a, "--chunk") && lm_parse_i64(v, 1, 5000, &n))
            c.chunk = (size_t)n;
        else
            return usage();
    }
    if (!c.file) return usage();
    if (c.server && (!c.key || !c.key[0])) {
        fprintf(stderr, "lastmile import: --server needs an API key (--key or LASTMILE_KEY)\n");
        return CLI_USAGE;
    }
    char *text = NULL;
    size_t len = 0;
    lm_status rc = read_file(c.file, &text, &len);
    if (rc != LM_OK) {
        fprintf(stderr, "lastmile import: %s: %s\n", c.file,
                rc == LM_TOO_BIG ? "file larger than 256 MiB" : "cannot read");
        return CLI_DATAERR;
    }
    fmt_csv *csv = NULL;
    lm_errinfo err = {0};
    if (fmt_csv_parse(text, len, &csv, &err) != LM_OK) {
        fprintf(stderr, "lastmile import: %s: %s\n", c.file, err.message);
        lm_free(text);
        return CLI_DATAERR;
    }
    progress p = {.total = fmt_csv_count(csv), .tty = isatty(2) != 0};
    int status;
    if (c.server) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        status = import_server(&c, text, csv, &p);
        curl_global_cleanup();
    } else {
        status = import_db(&c, csv, &p);
    }
    progress_draw(&p, true);
    fmt_csv_destroy(csv);
    lm_free(text);
    if (status == CLI_OK && p.failed > 0) status = CLI_DATAERR;
    return status;
}
