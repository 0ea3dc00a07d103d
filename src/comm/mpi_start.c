/* mpi_start.c - Open MPI defaults for singletons (axon/mpi_start.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/mpi_start.h"

static char private_tmp[256]; /* the singleton's own session directory base, or "" */

static void remove_private_tmp(void)
{
    if (private_tmp[0]) rmdir(private_tmp); /* Open MPI removed what it put inside */
}

void ax_mpi_singleton_defaults(void)
{
    static const char *const launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                           "PMI_SIZE"};
    for (size_t k = 0; k < sizeof launched / sizeof *launched; k++)
        if (getenv(launched[k])) return;
    setenv("OMPI_MCA_pml", "ob1", 0); /* the shared-memory/self layer: all a singleton uses */
    /* No orted helper (axon never spawns). Isolated singletons all take job
     * family 0, so concurrent ones would share one session directory and
     * one's exit would remove the other's files (an HDF5 create failed that
     * way under make -j2): each gets a private base directory, removed at
     * exit. A user's own choice of either setting is kept, and so are
     * Open MPI's defaults when the directory cannot be made. */
    if (getenv("OMPI_MCA_ess_singleton_isolated") || getenv("OMPI_MCA_orte_tmpdir_base")) return;
    const char *base = getenv("TMPDIR");
    if (!base || !base[0]) base = "/tmp";
    /* short: Open MPI puts a socket path under it (108 bytes at most) */
    if (strlen(base) > 48) return;
    snprintf(private_tmp, sizeof private_tmp, "%s/axon-mpi.XXXXXX", base);
    if (!mkdtemp(private_tmp)) {
        private_tmp[0] = '\0';
        return;
    }
    setenv("OMPI_MCA_orte_tmpdir_base", private_tmp, 1);
    setenv("OMPI_MCA_ess_singleton_isolated", "1", 1);
    atexit(remove_private_tmp); /* registered before MPI's own: runs after them */
}
