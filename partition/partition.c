/* partition.c - round-robin neuron ownership (include/axon/partition.h):
 * NEST's dealing of global ids over the R*T virtual processes. The per-gid
 * lookups are inline in the header; this file makes a partition.
 */
#include "axon/partition.h"

void ax_partition_init(ax_partition *p, int ranks, int threads, int rank, int64_t n_total)
{
    p->ranks = ranks;
    p->threads = threads;
    p->rank = rank;
    p->n_vp = (int64_t)ranks * threads;
    p->n_total = n_total;
}

int64_t ax_part_vp_of(const ax_partition *p, int rank, int thread)
{
    return (int64_t)thread * p->ranks + rank;
}
