/* pending.c - subcommands whose implementation has not landed yet. They say
 * so plainly and exit 1: no fake output. Each moves to its own file when it
 * is built (sampling: issue 7, sweeps: issue 8, export: issue 9). */
#include <stdio.h>

#include "cli/cli.h"

__attribute__((unused)) static int pending(int argc, char **argv, const char *what)
{
    if (argc > 1 && ax_cli_is_help(argv[1])) {
        printf("usage: axon %s ...\n  %s\n  (not built yet in this version of axon)\n", argv[0], what);
        return 0;
    }
    fprintf(stderr, "axon %s: not implemented yet in this version (%s)\n", argv[0], what);
    return 1;
}
