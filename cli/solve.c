/* `lastmile solve FILE`: solves a VROOM JSON, Solomon or CVRPLIB problem and writes VROOM-format
 * JSON, with progress on stderr when it is a terminal. */
#include "api/formats/vroom.h"
#include "cli/cli.h"
#include "geo/geo.h"
#include "solver/solver.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SOLVE_MAX_FILE    (256u << 20) /* VROOM JSON; instances have their own cap */
#define SOLVE_MAX_SECONDS 86400.0
/* A local run may state a whole unlimited fleet (PyVRP's FSM instances list 2,000+ vehicles); the
 * server keeps the parser's default. */
#define SOLVE_MAX_VEHICLES 20000

typedef enum solve_format {
    FORMAT_AUTO,
    FORMAT_VROOM,
    FORMAT_SOLOMON,
    FORMAT_CVRPLIB,
} solve_format;

typedef struct solve_args {
    const char *file, *out;
    double time_limit_s;
    bool time_limit_given;
    uint64_t iterations; /* 0: budgeted by time */
    unsigned threads;
    uint64_t seed;
    solve_format format;
    bool pretty, plan, quiet, geometry;
    const char *router; /* --router / LASTMILE_ROUTER; NULL = geodesic */
} solve_args;

static void solve_usage(FILE *f) {
    fprintf(
        f, "usage: lastmile solve FILE [-o OUT] [--time-limit S | --iterations N] [--threads N]\n"
           "                      [--seed K] [--format vroom|solomon|cvrplib] [--plan] [--pretty]\n"
           "                      [--quiet] [-g] [--router SPEC]\n"
           "\n"
           "Solves FILE (VROOM JSON, a Solomon VRPTW .txt or a CVRPLIB .vrp; - reads stdin; the\n"
           "format is guessed from the extension, then the content) and writes the solution as\n"
           "VROOM JSON to stdout or OUT. On bad input it writes {\"code\":2,\"error\":...} and "
           "exits 65.\n"
           "\n"
           "  -o, --output OUT     write the JSON to OUT instead of stdout\n"
           "  -l, --time-limit S   search time in seconds (default 5); with --iterations, a\n"
           "                       safety stop only (default then: a day)\n"
           "  -i, --iterations N   iterations per search thread instead of a time limit: the\n"
           "                       same N, seed and threads give the same answer on any machine\n"
           "                       (a time-limited answer can change from run to run)\n"
           "  -t, --threads N      parallel searches (default: the number of cores; give it\n"
           "                       explicitly for an answer another machine reproduces)\n"
           "  -s, --seed K         random seed (default 1)\n"
           "  -f, --format F       vroom, solomon or cvrplib\n"
           "  -c, --plan           VROOM's plan mode: keep the vehicles' steps, choose their\n"
           "                       times, report violations (without it steps seed the search)\n"
           "  -p, --pretty         indent the JSON\n"
           "  -q, --quiet          no progress on stderr\n"
           "  -g, --geometry       each route's road path as \"geometry\" (VROOM's -g)\n"
           "  -r, --router SPEC    geodesic (default), osrm=URL or valhalla=URL, several as\n"
           "                       'osrm=URL,bike:valhalla=URL2' per vehicle profile; also\n"
           "                       LASTMILE_ROUTER (docs/roads.md)\n");
}

static bool parse_format(const char *s, solve_format *out) {
    if (!strcmp(s, "vroom") || !strcmp(s, "json"))
        *out = FORMAT_VROOM;
    else if (!strcmp(s, "solomon"))
        *out = FORMAT_SOLOMON;
    else if (!strcmp(s, "cvrplib") || !strcmp(s, "tsplib"))
        *out = FORMAT_CVRPLIB;
    else
        return false;
    return true;
}

static unsigned default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* Returns CLI_OK, or CLI_USAGE after printing why. */
static int parse_args(int argc, char **argv, solve_args *a) {
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"time-limit", required_argument, NULL, 'l'},
        {"iterations", required_argument, NULL, 'i'},
        {"threads", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"plan", no_argument, NULL, 'c'},
        {"pretty", no_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"geometry", no_argument, NULL, 'g'},
        {"router", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->time_limit_s = 5.0;
    a->threads = default_threads();
    a->seed = 1;
    a->router = getenv("LASTMILE_ROUTER");
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:l:i:t:s:f:r:cpqgh", longs, NULL)) != -1) {
        int64_t v;
        switch (ch) {
        case 'o': a->out = optarg; break;
        case 'l':
            if (!lm_parse_double(optarg, &a->time_limit_s) || !(a->time_limit_s > 0.0) ||
                a->time_limit_s > SOLVE_MAX_SECONDS) {
                fprintf(stderr, "lastmile solve: --time-limit must be in (0, %.0f] seconds\n",
                        SOLVE_MAX_SECONDS);
                return CLI_USAGE;
            }
            a->time_limit_given = true;
            break;
        case 'i':
            if (!lm_parse_i64(optarg, 1, FMT_VROOM_MAX_ITERATIONS, &v)) {
                fprintf(stderr, "lastmile solve: --iterations must be in 1..%lld\n",
                        (long long)FMT_VROOM_MAX_ITERATIONS);
                return CLI_USAGE;
            }
            a->iterations = (uint64_t)v;
            break;
        case 't':
            if (!lm_parse_i64(optarg, 1, 256, &v)) {
                fprintf(stderr, "lastmile solve: --threads must be in 1..256\n");
                return CLI_USAGE;
            }
            a->threads = (unsigned)v;
            break;
        case 's':
            if (!lm_parse_i64(optarg, 0, INT64_MAX, &v)) {
                fprintf(stderr, "lastmile solve: --seed must be a non-negative integer\n");
                return CLI_USAGE;
            }
            a->seed = (uint64_t)v;
            break;
        case 'f':
            if (!parse_format(optarg, &a->format)) {
                fprintf(stderr, "lastmile solve: --format must be vroom, solomon or cvrplib\n");
                return CLI_USAGE;
            }
            break;
        case 'c': a->plan = true; break;
        case 'p': a->pretty = true; break;
        case 'q': a->quiet = true; break;
        case 'g': a->geometry = true; break;
        case 'r': a->router = optarg; break;
        case 'h': solve_usage(stdout); return -1;
        case ':':
            fprintf(stderr, "lastmile solve: %s needs a value\n", argv[optind - 1]);
            return CLI_USAGE;
        default:
            fprintf(stderr, "lastmile solve: unknown option '%s'\n", argv[optind - 1]);
            solve_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lastmile solve: give exactly one FILE\n");
        solve_usage(stderr);
        return CLI_USAGE;
    }
    a->file = argv[optind];
    return CLI_OK;
}

/* Reads the whole file into *out (lm_free), at most cap bytes. */
static lm_status read_file(const char *path, size_t cap, char **out, size_t *len, lm_errinfo *err) {
    bool is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return lm_errinfo_set(err, LM_IO, "", "cannot open %s: %s", path, strerror(errno));
    lm_status st = lm_buf_read_stream(f, cap, out, len);
    if (!is_stdin) fclose(f);
    if (st == LM_TOO_BIG)
        return lm_errinfo_set(err, st, "", "%s is larger than %zu bytes", path, cap);
    if (st == LM_NOMEM) return lm_errinfo_set(err, st, "", "out of memory");
    if (st != LM_OK) return lm_errinfo_set(err, st, "", "cannot read %s", path);
    return LM_OK;
}

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

/* Extension first (.json, .vrp, .txt), then the first non-blank character: '{' is JSON;
 * the instance reader tells Solomon from TSPLIB by itself. */
static solve_format guess_format(const char *path, const char *buf, size_t len) {
    if (has_suffix(path, ".json")) return FORMAT_VROOM;
    if (has_suffix(path, ".vrp")) return FORMAT_CVRPLIB;
    if (has_suffix(path, ".txt")) return FORMAT_SOLOMON;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') continue;
        return buf[i] == '{' ? FORMAT_VROOM : FORMAT_AUTO;
    }
    return FORMAT_VROOM;
}

/* ---- Progress on a terminal ---- */

static void on_progress(const solver_progress *p, void *ud) {
    (void)ud;
    fprintf(stderr, "\r%8.1f s  best cost %-14lld unassigned %-6zu iterations %llu\033[K",
            (double)p->elapsed_ms / 1000.0, (long long)p->best_cost, p->unassigned,
            (unsigned long long)p->iterations);
}

/* ---- Output ---- */

static int write_output(const char *path, const char *text, size_t len) {
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "lastmile solve: cannot open %s: %s\n", path, strerror(errno));
        return CLI_FAILED;
    }
    bool ok = fwrite(text, 1, len, f) == len;
    if (!path) {
        if (len && text[len - 1] != '\n') ok = ok && fputc('\n', f) != EOF;
        ok = fflush(f) == 0 && ok;
    } else {
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        fprintf(stderr, "lastmile solve: writing %s failed\n", path ? path : "stdout");
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Prints the error as VROOM JSON on the output and as a sentence on stderr. */
static int fail_with(const solve_args *a, lm_status st, const lm_errinfo *err) {
    char *json = fmt_vroom_error_write(st, err);
    fprintf(stderr, "lastmile solve: %s%s%s\n", err->field[0] ? err->field : "",
            err->field[0] ? ": " : "", err->message[0] ? err->message : lm_strerror(st));
    if (json) {
        (void)write_output(a->out, json, strlen(json));
        lm_free(json);
    }
    return fmt_vroom_code(st) == FMT_VROOM_INPUT ? CLI_DATAERR : CLI_FAILED;
}

int cli_solve(int argc, char **argv) {
    solve_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;

    char *buf = NULL;
    size_t len = 0;
    fmt_instance *inst = NULL;
    fmt_vroom_input *in = NULL;
    solver_solution *sol = NULL;
    char *json = NULL;
    size_t json_len = 0;
    geo_router *router = NULL;
    char **geometry = NULL;
    solver_plan_report *report = NULL;
    lm_errinfo err;
    lm_errinfo_clear(&err);
    lm_status st = read_file(a.file, SOLVE_MAX_FILE, &buf, &len, &err);
    if (st != LM_OK) {
        rc = fail_with(&a, st, &err);
        goto done;
    }
    solve_format fmt = a.format ? a.format : guess_format(a.file, buf, len);
    geo_router_opts gro;
    geo_router_opts_init(&gro);
    gro.spec = a.router;
    if ((st = geo_router_create(&gro, &router, &err)) != LM_OK) {
        rc = fail_with(&a, st, &err);
        goto done;
    }
    if (fmt == FORMAT_VROOM) {
        fmt_vroom_opts o;
        fmt_vroom_opts_init(&o);
        o.max_bytes = SOLVE_MAX_FILE;
        o.max_vehicles = SOLVE_MAX_VEHICLES;
        o.router = router;
        st = fmt_vroom_parse(buf, len, &o, &in, &err);
    } else {
        fmt_instance_format ifmt = fmt == FORMAT_SOLOMON   ? FMT_INSTANCE_SOLOMON
                                   : fmt == FORMAT_CVRPLIB ? FMT_INSTANCE_CVRPLIB
                                                           : FMT_INSTANCE_AUTO;
        st = fmt_instance_parse(buf, len, ifmt, &inst, &err);
        if (st == LM_OK) st = fmt_vroom_input_from_instance(inst, &in, &err);
    }
    lm_free(buf);
    buf = NULL;
    if (st != LM_OK) {
        rc = fail_with(&a, st, &err);
        goto done;
    }

    if (a.plan || fmt_vroom_input_wants_plan(in)) {
        st = fmt_vroom_plan_ex(in, &sol, &report, &err);
    } else {
        solver_opts so;
        solver_opts_init(&so);
        so.iterations = a.iterations ? a.iterations : fmt_vroom_input_iterations(in);
        /* Budgeted by iterations, the time limit is a safety stop the user asks for, if any. */
        double limit_s = so.iterations && !a.time_limit_given ? SOLVE_MAX_SECONDS : a.time_limit_s;
        so.time_limit_ms = (int64_t)llround(limit_s * 1000.0);
        if (so.time_limit_ms < 1) so.time_limit_ms = 1;
        so.threads = a.threads;
        so.seed = a.seed;
        bool tty = !a.quiet && isatty(STDERR_FILENO);
        if (tty) so.on_progress = on_progress;
        st = fmt_vroom_solve(in, &so, &sol, &err);
        if (tty) fputc('\n', stderr);
        if (st == LM_OK && so.iterations && !sol->reproducible && !a.quiet)
            fprintf(stderr,
                    "lastmile solve: the time limit stopped the search after %llu of %llu "
                    "iterations: this answer may not repeat\n",
                    (unsigned long long)sol->iterations, (unsigned long long)so.iterations);
    }
    if (st == LM_OK && (a.geometry || fmt_vroom_input_wants_geometry(in)))
        st = fmt_vroom_geometry(in, sol, fmt_vroom_provider(in, router), &geometry, &err);
    if (st == LM_OK)
        st = fmt_vroom_write_plan(in, sol, report, a.pretty, geometry, &json, &json_len, &err);
    if (st != LM_OK) {
        rc = fail_with(&a, st, &err);
        goto done;
    }
    rc = write_output(a.out, json, json_len);
done:
    lm_free(json);
    if (sol) fmt_vroom_geometry_free(geometry, sol->n_routes);
    geo_router_destroy(router);
    solver_solution_destroy(sol);
    solver_plan_report_destroy(report);
    fmt_vroom_input_destroy(in);
    fmt_instance_destroy(inst);
    lm_free(buf);
    return rc;
}
