/* cli: the subcommands of the `lastmile` binary. Each takes argc/argv after its own name and
 * returns the process exit status (cli_exit). */
#ifndef LASTMILE_CLI_H
#define LASTMILE_CLI_H

/* Exit statuses, shared by every subcommand (sysexits.h values where one fits). */
enum cli_exit {
    CLI_OK = 0,
    CLI_FAILED = 1,       /* the command ran and failed */
    CLI_USAGE = 64,       /* EX_USAGE: bad arguments */
    CLI_DATAERR = 65,     /* EX_DATAERR: bad input file */
    CLI_UNAVAILABLE = 69, /* EX_UNAVAILABLE: subcommand not available in this build */
};

typedef struct cli_command {
    const char *name;
    const char *args;    /* argument synopsis for --help */
    const char *summary; /* one line */
    int (*run)(int argc, char **argv);
} cli_command;

int cli_version(int argc, char **argv);
/* lastmile import FILE.csv (cli/import.c) */
int cli_import(int argc, char **argv);
/* `lastmile serve` (cli/serve.c) and `lastmile keys create` (cli/keys.c). */
int cli_serve(int argc, char **argv);
int cli_keys(int argc, char **argv);
/* `lastmile solve FILE ...` (cli/solve.c). */
int cli_solve(int argc, char **argv);
/* `lastmile simulate --server URL ...` (cli/simulate.c). */
int cli_simulate(int argc, char **argv);
/* `lastmile report ...` and `lastmile analytics rebuild` (cli/report.c). */
int cli_report(int argc, char **argv);
int cli_analytics(int argc, char **argv);
/* `lastmile bench SET ...` (cli/bench.c). */
int cli_bench(int argc, char **argv);

#endif
