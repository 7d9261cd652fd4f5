/* The `lastmile` binary: dispatches to a subcommand from one table. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const cli_command commands[] = {
    {"serve", "[--port N] [--db PATH|URL] [--config FILE] [--threads N] [--demo]",
     "run the HTTP server", cli_serve},
    {"solve", "FILE [-o OUT] [--time-limit S] [--threads N] [--seed K] [--format F]",
     "solve a VROOM JSON, Solomon or CVRPLIB problem", cli_solve},
    {"simulate", "--server URL --key KEY [--drivers N] [--speed-up X] [--seed K]",
     "drive committed routes and post positions", cli_simulate},
    {"import", "FILE.csv [--server URL --key KEY | --db PATH|URL]", "import orders from CSV",
     cli_import},
    {"bench", "SET [--time-limit S] [--seed K] [--no-sp] [--only NAME] [--datasets DIR]",
     "solver gaps on solomon, A, B, P or X", cli_bench},
    {"keys", "create --role ROLE [--driver ID] [--db PATH|URL]", "manage API keys", cli_keys},
    {"report", "FAMILY|forecast DEPOT SKU|replenishment DEPOT [--from D] [--csv] [--db PATH|URL]",
     "analytics reports from a database", cli_report},
    {"analytics", "rebuild [--db PATH|URL]", "rebuild the analytics rollups from the event log",
     cli_analytics},
    {"version", "", "print versions of lastmile and its libraries", cli_version},
};

static void usage(FILE *out) {
    fprintf(out, "usage: lastmile <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %-62s %s\n", commands[i].name, commands[i].args, commands[i].summary);
    fprintf(out, "\n'lastmile <command> --help' describes one command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "--version")) name = "version";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lastmile: unknown command '%s'\n\n", name);
    usage(stderr);
    return CLI_USAGE;
}
