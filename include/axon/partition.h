/* axon/partition.h - who owns which neuron: gid -> (rank, thread, local index).
 *
 * Global ids are dealt round-robin over the V = R*T virtual processes (VPs)
 * as NEST does: vp = gid mod V, rank = vp mod R, thread = vp / R. Every VP
 * therefore owns a fair share of every population, and every lookup is O(1)
 * with no table. Within a VP, a neuron's index is gid / V.
 * partition/partition.c; what a placement on neuromorphic hardware owns is
 * in axon/hw_place.h (the same module).
 */
#ifndef AXON_PARTITION_H
#define AXON_PARTITION_H

#include <stdint.h>

typedef struct ax_partition {
    int ranks;      /* R >= 1 */
    int threads;    /* T >= 1, threads per rank */
    int rank;       /* this process */
    int64_t n_vp;   /* V = R*T */
    int64_t n_total;/* neurons */
} ax_partition;

/* Fill a partition. Can't fail (caller checks ranks, threads >= 1). */
void ax_partition_init(ax_partition *p, int ranks, int threads, int rank, int64_t n_total);

/* The virtual process that thread `thread` of rank `rank` is. */
int64_t ax_part_vp_of(const ax_partition *p, int rank, int thread);

/* The lookups below run per neuron or per spike while the network is built
 * and exchanged, so they are inline. */
static inline int64_t ax_part_vp(const ax_partition *p, int64_t gid) { return gid % p->n_vp; }
static inline int ax_part_rank_of_vp(const ax_partition *p, int64_t vp) { return (int)(vp % p->ranks); }
static inline int ax_part_thread_of_vp(const ax_partition *p, int64_t vp) { return (int)(vp / p->ranks); }
static inline int ax_part_rank(const ax_partition *p, int64_t gid)
{
    return ax_part_rank_of_vp(p, ax_part_vp(p, gid));
}

/* Smallest gid >= first owned by vp. */
static inline int64_t ax_part_first_owned(const ax_partition *p, int64_t vp, int64_t first)
{
    int64_t r = first % p->n_vp;
    return first + ((vp - r) % p->n_vp + p->n_vp) % p->n_vp;
}

/* Number of gids in [first, first+n) owned by vp. */
static inline int64_t ax_part_count_owned(const ax_partition *p, int64_t vp, int64_t first, int64_t n)
{
    int64_t g0 = ax_part_first_owned(p, vp, first);
    if (g0 >= first + n) return 0;
    return (first + n - 1 - g0) / p->n_vp + 1;
}

#endif
