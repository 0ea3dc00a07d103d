/* export_impl.h - private to io/export: the file writers of each target,
 * which ax_export (export.c) dispatches to after building the network's
 * synapse lists (include/axon/hw_place.h).
 */
#ifndef AX_EXPORT_IMPL_H
#define AX_EXPORT_IMPL_H

#include "axon/export.h"
#include "axon/hw_place.h"
#include "axon/sbuf.h"
#include "axon/spec.h"

/* Each writes its target's files into dir, appends its report lines to
 * report and the approximations it took to approx. */
ax_status ax_export_spinnaker(const ax_spec *spec, const ax_hw_net *net,
                              const ax_export_opts *o, const char *dir, ax_sbuf *report,
                              ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_dynapse(const ax_spec *spec, const ax_hw_net *net,
                            const ax_export_opts *o, const char *dir, ax_sbuf *report,
                            ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_nir(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o,
                        const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_error *err);

#endif
