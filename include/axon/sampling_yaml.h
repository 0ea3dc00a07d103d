/* axon/sampling_yaml.h - the `sampler:` and `calibration:` mappings of a
 * YAML tree (axon/yaml.h), shared by every file that holds them: the sampler
 * file (src/sampling/sampler_config.c), the Boltzmann-machine file
 * (io/sampling/bm_io.c) and the sweep file (src/sweep/sweep_spec.c).
 * Errors carry file:line:col (AX_EINPUT).
 */
#ifndef AXON_SAMPLING_YAML_H
#define AXON_SAMPLING_YAML_H

#include "axon/sampling.h"
#include "axon/yaml.h"

/* Parse a `sampler:` mapping (model, params, background) into s. */
ax_status ax_samp_parse_sampler(ax_sctx *c, const ax_yn *map, ax_sampler *s);
/* Parse a `calibration:` options mapping into o (fields not given keep their value). */
ax_status ax_samp_parse_opts(ax_sctx *c, const ax_yn *map, ax_calib_opts *o);

#endif
