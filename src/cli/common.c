/* common.c - helpers shared by the subcommands: error reporting, --help. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_impl.h"

int ax_cli_report(const char *cmd, const ax_error *err)
{
    fprintf(stderr, "axon %s: %s: %s\n", cmd, ax_status_name(err->code), err->msg);
    return ax_status_exit_code(err->code);
}

int ax_cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int ax_cli_number(const char *s, double *v)
{
    char *e;
    *v = strtod(s, &e);
    return *s && !*e && isfinite(*v);
}
