/* `lastmile bench SET`: solver quality on a benchmark set (Solomon, CVRPLIB A/B/P/X or any
 * directory with a best-known table), through bench_solver_run. */
#include "bench/solver_bench.h"
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define BENCH_MAX_SECONDS 3600.0

static void bench_usage(FILE *f) {
    fprintf(f,
            "usage: lastmile bench SET [--time-limit S] [--seed K] [--no-sp] [--only NAME]\n"
            "                      [--datasets DIR] [--bks FILE] [--csv OUT] [--md OUT]\n"
            "\n"
            "Solves every instance of SET with one thread, checks each solution, and compares\n"
            "its cost with the best known: one line per instance, then a markdown table per\n"
            "group. SET is solomon, A, B, P or X (under DIR/solomon and DIR/cvrplib/SET), or a\n"
            "directory of .txt / .vrp files together with --bks FILE.\n"
            "\n"
            "  -l, --time-limit S   seconds per instance (default 1)\n"
            "  -s, --seed K         random seed (default 1)\n"
            "  -n, --no-sp          no GLPK set partitioning\n"
            "  -o, --only NAME      run only the instance NAME\n"
            "  -d, --datasets DIR   where the sets live (default datasets)\n"
            "  -b, --bks FILE       best-known table (instance,vehicles,cost) for a directory SET\n"
            "  -c, --csv OUT        also write one CSV row per instance to OUT\n"
            "  -m, --md OUT         append the table to OUT instead of stdout\n");
}

/* Fills the set's directory, table paths and title into the buffers. Returns false for an
 * unknown name. */
static bool bench_known_set(const char *set, const char *datasets, char *dir, char *bks, char *vbks,
                            size_t size, const char **title) {
    if (!strcmp(set, "solomon")) {
        snprintf(dir, size, "%s/solomon", datasets);
        snprintf(bks, size, "%s/solomon/bks_distance_real.csv", datasets);
        /* Distance-only costs, but the vehicle counts of the hierarchical BKS (bench/run.sh). */
        snprintf(vbks, size, "%s/solomon/bks.csv", datasets);
        *title = "Solomon";
        return true;
    }
    static const char *const cvrplib[] = {"A", "B", "P", "X"};
    static const char *const titles[] = {"CVRPLIB-A", "CVRPLIB-B", "CVRPLIB-P", "CVRPLIB-X"};
    for (size_t i = 0; i < sizeof cvrplib / sizeof cvrplib[0]; i++) {
        if (strcmp(set, cvrplib[i])) continue;
        snprintf(dir, size, "%s/cvrplib/%s", datasets, set);
        snprintf(bks, size, "%s/cvrplib/%s/bks.csv", datasets, set);
        vbks[0] = '\0';
        *title = titles[i];
        return true;
    }
    return false;
}

static bool bench_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cli_bench(int argc, char **argv) {
    static const struct option longs[] = {
        {"time-limit", required_argument, NULL, 'l'},
        {"seed", required_argument, NULL, 's'},
        {"no-sp", no_argument, NULL, 'n'},
        {"only", required_argument, NULL, 'o'},
        {"datasets", required_argument, NULL, 'd'},
        {"bks", required_argument, NULL, 'b'},
        {"csv", required_argument, NULL, 'c'},
        {"md", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bench_solver_opts o;
    bench_solver_opts_init(&o);
    const char *datasets = "datasets", *bks_arg = NULL;
    double limit_s = 1.0;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":l:s:no:d:b:c:m:h", longs, NULL)) != -1) {
        int64_t v;
        switch (ch) {
        case 'l':
            if (!lm_parse_double(optarg, &limit_s) || !(limit_s >= 0.001) ||
                limit_s > BENCH_MAX_SECONDS) {
                fprintf(stderr, "lastmile bench: --time-limit must be in [0.001, %.0f] seconds\n",
                        BENCH_MAX_SECONDS);
                return CLI_USAGE;
            }
            break;
        case 's':
            if (!lm_parse_i64(optarg, 0, INT64_MAX, &v)) {
                fprintf(stderr, "lastmile bench: --seed must be a non-negative integer\n");
                return CLI_USAGE;
            }
            o.seed = (uint64_t)v;
            break;
        case 'n': o.use_set_partitioning = false; break;
        case 'o': o.only = optarg; break;
        case 'd': datasets = optarg; break;
        case 'b': bks_arg = optarg; break;
        case 'c': o.csv_path = optarg; break;
        case 'm': o.md_path = optarg; break;
        case 'h': bench_usage(stdout); return CLI_OK;
        case ':':
            fprintf(stderr, "lastmile bench: %s needs a value\n", argv[optind - 1]);
            return CLI_USAGE;
        default:
            fprintf(stderr, "lastmile bench: unknown option '%s'\n", argv[optind - 1]);
            bench_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "lastmile bench: give exactly one SET (solomon, A, B, P, X or a "
                        "directory with --bks FILE)\n");
        bench_usage(stderr);
        return CLI_USAGE;
    }
    const char *set = argv[optind];
    char dir[1024], bks[1024], vbks[1024];
    if (bench_known_set(set, datasets, dir, bks, vbks, sizeof dir, &o.title)) {
        if (bks_arg) lm_strlcpy(bks, bks_arg, sizeof bks);
        o.dir = dir;
        o.bks_path = bks;
        o.vehicles_bks_path = vbks[0] && !bks_arg ? vbks : NULL;
    } else if (bench_is_dir(set)) {
        if (!bks_arg) {
            fprintf(stderr, "lastmile bench: a directory SET needs --bks FILE (a CSV of "
                            "instance,vehicles,cost)\n");
            return CLI_USAGE;
        }
        o.dir = set;
        o.bks_path = bks_arg;
        o.title = set;
    } else {
        fprintf(stderr,
                "lastmile bench: unknown set '%s': use solomon, A, B, P, X, or a directory of "
                ".txt / .vrp files with --bks FILE\n",
                set);
        return CLI_USAGE;
    }
    o.time_limit_ms = (int64_t)(limit_s * 1000.0 + 0.5);
    lm_errinfo err;
    lm_status st = bench_solver_run(&o, stdout, &err);
    if (st == LM_OK) return CLI_OK;
    fprintf(stderr, "lastmile bench: %s\n", err.message);
    return st == LM_INVALID ? CLI_DATAERR : CLI_FAILED;
}
