/* A `lastmile` with only the offline subcommands, linked from lm_cli_offline alone: if solve or
 * bench ever reach the HTTP server, the store or the orders module, this binary stops linking or
 * test_cli_offline finds their symbols in it. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "solve")) return cli_solve(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "bench")) return cli_bench(argc - 1, argv + 1);
    fprintf(stderr, "usage: lastmile_offline solve|bench ...\n");
    return CLI_USAGE;
}
