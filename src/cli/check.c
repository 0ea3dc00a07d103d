/* check.c - placeholder until its module lands */
#include <stdio.h>
#include "cli/cli.h"
int ax_cmd_check(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "axon %s: not implemented yet\n", argv[0]);
    return 1;
}
