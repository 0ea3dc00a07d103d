/* partition.c - round-robin neuron ownership (see include/axon/partition.h). */
#include "axon/partition.h"

void ax_partition_init(ax_partition *p, int ranks, int threads, int rank, int64_t n_total)
{
    p->ranks = ranks;
    p->threads = threads;
    p->rank = rank;
    p->n_vp = (int64_t)ranks * threads;
    p->n_total = n_total;
}
