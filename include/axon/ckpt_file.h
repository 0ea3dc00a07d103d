/* axon/ckpt_file.h - the checkpoint file: one HDF5 file written and read
 * collectively with MPI-IO (io/hdf5/h5_ckpt.c). The engine decides what goes
 * in (src/engine/checkpoint.c); this layer only knows the layout
 * (docs/reliability.md):
 *
 *   /  attrs: header (int64 [6]: version, step, n_total, n_slots, min_delay,
 *             seed), spec_hash (uint64), pop_spikes (int64 [n_pops]),
 *             attr_digest (uint64: checksum of the other root attributes)
 *   /pop/<name>/state  float64 [n_state][n]
 *   /pop/<name>/ring   float64 [receptors][n_slots][n]
 *   /tso/<k>           float64 [3][n_source_pop]
 *   /stdp/pre/<k>      float64 [3][n_source_pop]: Kplus, t_last, t_fac of each source
 *   /stdp/syn/<k>/{target,source,weight}   the synapses of STDP projection k
 *   /stdp/hist/{gid,t,k}                   postsynaptic spike histories
 *   /output_image      uint8 [len]: the recorded output so far, as bytes
 *
 * Every dataset carries a `digest` attribute (uint64), a checksum of its
 * contents that does not depend on the ranks x threads that wrote it
 * (h5_ckpt.c says how it is computed); it is written when the dataset is
 * finished and checked when it has been read, so corrupted bytes anywhere
 * make the read fail, naming the dataset (ax_ckpt_why). A new dataset gets
 * the same by going through h5_ckpt.c's ds_begin / ds_add_* / ds_end.
 *
 * Every function is COLLECTIVE over the file's communicator and returns 1 on
 * success, 0 on failure (the same on every rank where the function ends in a
 * digest; the caller agrees across ranks and words the message); a handle
 * is open for writing (create) or reading (open), and a population's
 * datasets are open between pop_begin and pop_end.
 */
#ifndef AXON_CKPT_FILE_H
#define AXON_CKPT_FILE_H

#include <stdint.h>

#include <mpi.h>

typedef struct ax_ckpt_file_s *ax_ckpt_file;

#define AX_CKPT_HEADER_LEN 6

/* Create (truncate) path for writing / open it for reading. NULL on failure
 * (not an HDF5 file, unwritable directory, out of memory). */
ax_ckpt_file ax_ckpt_create(const char *path, MPI_Comm comm);
ax_ckpt_file ax_ckpt_open(const char *path, MPI_Comm comm);
/* Close and free (writing: after the root attributes' digest); 0 if the
 * file could not be closed (disk full). NULL-safe. */
int ax_ckpt_close(ax_ckpt_file f);
/* What a failed read found ("/pop/E/ring is corrupted: its checksum does not
 * match"), or NULL. */
const char *ax_ckpt_why(ax_ckpt_file f);
/* Check the root attributes against attr_digest: 1 match, 0 mismatch
 * (ax_ckpt_why says so), -1 the file has no attr_digest (an older format). */
int ax_ckpt_check_attrs(ax_ckpt_file f);

/* Root attributes. get_spikes reads n values. */
int ax_ckpt_put_header(ax_ckpt_file f, const int64_t h[AX_CKPT_HEADER_LEN], uint64_t spec_hash,
                       const int64_t *pop_spikes, int n_pops);
int ax_ckpt_get_header(ax_ckpt_file f, int64_t h[AX_CKPT_HEADER_LEN], uint64_t *spec_hash);
int ax_ckpt_get_pop_spikes(ax_ckpt_file f, int64_t *pop_spikes);

/* Open (or create) the group of populations, then one population's state
 * [n_state][n] and ring [n_rec][n_slots][n] datasets. */
int ax_ckpt_pops_begin(ax_ckpt_file f);
int ax_ckpt_pop_begin(ax_ckpt_file f, const char *name, int64_t n, int64_t n_state,
                      int64_t n_rec, int64_t n_slots);
/* Write or read one thread's neurons of the open population: ids off,
 * off + stride, ... (count of them, possibly 0), all of the leading
 * dimensions; buf is [leading...][count]. ring: 0 the state, 1 the ring.
 * buf NULL: this rank failed to prepare its part; it takes part in the
 * collective call with nothing and pop_end fails on every rank. */
int ax_ckpt_pop_io(ax_ckpt_file f, int ring, int64_t off, int64_t stride, int64_t count,
                   double *buf);
/* Finish the population: write its digests, or check them (reading).
 * Returns the result agreed over the ranks. */
int ax_ckpt_pop_end(ax_ckpt_file f);

/* The short-term plasticity state of projection k, [rows][n] (x, u, t_last;
 * tsodyks_synapse adds y): written from rank 0's buf, read into every
 * rank's. Within the tso group (tso_begin, which creates or opens it). */
int ax_ckpt_tso_begin(ax_ckpt_file f);
int ax_ckpt_tso_io(ax_ckpt_file f, int k, int rows, int64_t n, double *buf); /* buf NULL: as pop_io */

/* STDP state (within the stdp group; stdp_begin creates or opens it),
 * every dataset with its digest like the others.
 * pre: like tso, [3][n] from rank 0's buf / into every rank's.
 * Tables under /stdp/<group>: equal-length 1-D columns of 8-byte values,
 * types 'u' (uint64), 'i' (int64) or 'd' (float64), at most 4. table_write
 * creates the columns with the total of every rank's n rows and writes this
 * rank's at its MPI_Exscan offset. Reading streams the whole table on every
 * rank: table_open (*rows: its length), then table_read of consecutive row
 * ranges [off, off + m) (the same on every rank) until all are read, then
 * table_close, which checks the digests (0 if a column does not match or
 * not every row was read). */
int ax_ckpt_stdp_begin(ax_ckpt_file f);
int ax_ckpt_stdp_pre_io(ax_ckpt_file f, int k, int64_t n, double *buf);
int ax_ckpt_table_write(ax_ckpt_file f, const char *group, int ncols, const char *const *names,
                        const char *types, int64_t n, const void *const *cols);
int ax_ckpt_table_open(ax_ckpt_file f, const char *group, int ncols, const char *const *names,
                       const char *types, int64_t *rows);
int ax_ckpt_table_read(ax_ckpt_file f, int64_t off, int64_t m, void *const *bufs);
int ax_ckpt_table_close(ax_ckpt_file f);

/* The output image: written from rank 0 (len from rank 0); read on rank 0
 * into a malloc'd *image (NULL on other ranks), *len on every rank. */
int ax_ckpt_put_image(ax_ckpt_file f, const void *image, uint64_t len);
int ax_ckpt_get_image(ax_ckpt_file f, void **image, uint64_t *len);

#endif
