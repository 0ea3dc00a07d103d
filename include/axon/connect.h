/* axon/connect.h - connection rules, run per virtual process (VP).
 *
 * ax_connect_projection() creates the synapses of one projection whose
 * targets the given VP owns, and hands each one to a sink. Every draw comes
 * from a stream keyed by (seed, projection, gid) (axon/rng.h), never from a
 * per-thread or per-rank stream, so the set of synapses, their weights,
 * delays AND their order per (source, target) pair are the same for every
 * number of ranks and threads. The algorithms and why they are
 * decomposition-independent: docs/connectivity.md.
 *
 * Order of sink calls: targets of the VP in ascending gid; for each target its
 * synapses in creation order (for fixed_outdegree: sources ascending, each
 * source's draws in order; the per-target subsequence is what matters).
 * Reentrant: each thread calls it for its own VP concurrently.
 */
#ifndef AXON_CONNECT_H
#define AXON_CONNECT_H

#include <stdint.h>

#include "axon/error.h"
#include "axon/partition.h"
#include "axon/spec.h"

/* Receives one synapse: source gid, target gid (owned by the VP), weight in
 * the model's unit, delay in steps (>= 1), receptor port (0 ex / only, 1 in).
 * Returns AX_OK or an error (e.g. out of memory) that stops the rule. */
typedef ax_status (*ax_edge_sink)(void *ctx, int64_t src_gid, int64_t tgt_gid,
                                  double weight, int32_t delay_steps, int receptor,
                                  ax_error *err);

/* Up to AX_EDGE_BATCH synapses of one target, in creation order: what the
 * batched entry points hand over per call, so a sink (the engine's
 * placement) runs one tight loop instead of one indirect call per synapse.
 * Every synapse is the one the per-synapse sink would get, in the same
 * order; a target with more synapses comes in several batches. */
#define AX_EDGE_BATCH 256
typedef struct ax_edge_batch {
    int64_t tgt;                      /* target gid (owned by the VP) */
    int n;                            /* synapses in this batch */
    int64_t src[AX_EDGE_BATCH];       /* source gids */
    double w[AX_EDGE_BATCH];          /* weights (not set by the _sources_ variant) */
    int32_t d[AX_EDGE_BATCH];         /* delays in steps (idem) */
    uint8_t rec[AX_EDGE_BATCH];       /* receptor ports (idem) */
} ax_edge_batch;
typedef ax_status (*ax_edge_batch_sink)(void *ctx, const ax_edge_batch *b, ax_error *err);

/* n_receptors: of the target model (1 or 2); with 2 and AX_RECEPTOR_AUTO the
 * port is 0 for weight >= 0 and 1 for weight < 0 (NEST). h: resolution (ms). */
ax_status ax_connect_projection(const ax_spec *spec, int proj, const ax_partition *part,
                                int64_t vp, int n_receptors, ax_edge_sink sink, void *ctx,
                                ax_error *err);

/* The same synapses in the same order, but only their sources are real:
 * weight 0, delay 1, receptor 0, and no weight/delay draws (they come from
 * separate streams, so skipping them changes nothing else). The engine's
 * first build pass uses it to size the synapse rows cheaply. */
ax_status ax_connect_sources(const ax_spec *spec, int proj, const ax_partition *part,
                             int64_t vp, ax_edge_sink sink, void *ctx, ax_error *err);

/* ax_connect_projection and ax_connect_sources with a batch sink: the same
 * synapses in the same order, a target's consecutive synapses together. */
ax_status ax_connect_projection_batched(const ax_spec *spec, int proj, const ax_partition *part,
                                        int64_t vp, int n_receptors, ax_edge_batch_sink sink,
                                        void *ctx, ax_error *err);
ax_status ax_connect_sources_batched(const ax_spec *spec, int proj, const ax_partition *part,
                                     int64_t vp, ax_edge_batch_sink sink, void *ctx, ax_error *err);

/* Delay (ms) -> steps for resolution h, exact for multiples of h within
 * 1e-9 relative; returns -1 if the delay is not a multiple of h. */
int64_t ax_delay_steps(double delay_ms, double h);

#endif
