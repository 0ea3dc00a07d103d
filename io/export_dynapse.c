/* export_dynapse.c - `axon export --target dynapse` (Dynap-SE2 via Rockpool).
 * Not built yet in this version: it says so plainly (AX_ENOTIMPL) rather
 * than writing a specification that was never checked. The weight format it
 * will use (4-bit masks over Iw_0..Iw_3 per core) is in partition/hw_quant.c.
 */
#include "io/export_internal.h"

ax_status ax_export_dynapse(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o,
                            const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_export_result *res,
                            ax_error *err)
{
    (void)spec; (void)net; (void)o; (void)dir; (void)report; (void)approx; (void)res;
    return AX_FAIL(err, AX_ENOTIMPL, "Dynap-SE2 export is not implemented yet in this version of axon "
                   "(use --target nir or --target spinnaker)");
}
