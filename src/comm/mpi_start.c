/* mpi_start.c - Open MPI defaults for singletons (axon/mpi_start.h). */
#include <stdlib.h>

#include "axon/mpi_start.h"

void ax_mpi_singleton_defaults(void)
{
    static const char *const launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                           "PMI_SIZE"};
    for (size_t k = 0; k < sizeof launched / sizeof *launched; k++)
        if (getenv(launched[k])) return;
    setenv("OMPI_MCA_pml", "ob1", 0); /* the shared-memory/self layer: all a singleton uses */
    setenv("OMPI_MCA_ess_singleton_isolated", "1", 0); /* no orted: axon never spawns */
}
