/* spec_impl.h - private to io/spec: the value readers only the network
 * spec needs (distributions, delays and times on the resolution grid,
 * population references and names) and the section parsers. The YAML tree
 * and the readers other loaders share are public (axon/yaml.h).
 */
#ifndef AX_SPEC_IMPL_H
#define AX_SPEC_IMPL_H

#include "axon/model.h"
#include "axon/spec.h"
#include "axon/yaml.h"

/* A constant or {distribution: ...}. */
ax_status ax_spec_dist(ax_sctx *c, const ax_yn *n, const char *what, ax_dist *out);


/* Delay (constant or distribution) >= h and on the grid, bounded above. */
ax_status ax_spec_delay(ax_sctx *c, const ax_yn *n, const char *what, ax_dist *out);

/* Name of a population; "x is a device" or "unknown population" otherwise. */
ax_status ax_spec_pop_ref(ax_sctx *c, const ax_yn *n, const ax_yn *devices, int *pop);

/* A population or device name: letters, digits, '_', '-'; < AX_NAME_MAX. */
ax_status ax_spec_check_name(ax_sctx *c, const ax_yn *key, const char *what);

/* A list of numbers (malloc'd into *out, *len of them); allow_inf as
 * ax_spec_number. The message of a bad item names it as what[i]. */
ax_status ax_spec_num_list(ax_sctx *c, const ax_yn *n, const char *what, int allow_inf,
                           double **out, int64_t *len);

/* Sections (spec_parse.c, spec_net.c). */
ax_status ax_spec_parse_projections(ax_sctx *c, const ax_yn *seq, const ax_yn *devices);
ax_status ax_spec_parse_devices(ax_sctx *c, const ax_yn *map);

#endif
