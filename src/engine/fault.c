/* fault.c - how a failure ends a run on every rank: one agreed status and
 * message (the first failing rank's), and the faults the reliability tests
 * inject (docs/reliability.md).
 *
 * AXON_FAULT=phase[:rank] makes `rank` (default 1) fail in `phase` (build,
 * simulate, record) as a real error would, so tests can check that one
 * rank's failure ends every rank with one clear message, without a hang.
 * The variable is read once, when the engine is made; the checks in the
 * loop compare integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/agree.h"
#include "engine_impl.h"

static const char *const kPhase[] = {"", "build", "simulate", "record"};

void ax_fault_init(ax_fault *f)
{
    *f = (ax_fault){0};
    const char *v = getenv("AXON_FAULT");
    if (!v) return;
    for (int ph = AX_FAULT_BUILD; ph <= AX_FAULT_RECORD; ph++) {
        size_t n = strlen(kPhase[ph]);
        if (strncmp(v, kPhase[ph], n) != 0 || (v[n] != '\0' && v[n] != ':')) continue;
        f->phase = ph;
        f->rank = v[n] == ':' ? atoi(v + n + 1) : 1;
        snprintf(f->text, sizeof f->text, "%s", v);
        return;
    }
}

ax_status ax_engine_fault(const struct ax_engine_s *e, int phase, ax_error *err)
{
    if (e->fault.phase != phase || e->fault.rank != e->rank) return AX_OK;
    return AX_FAIL(err, AX_EIO, "injected fault in phase '%s' (AXON_FAULT=%s)", kPhase[phase],
                   e->fault.text);
}

/* Agree on a status across ranks (axon/agree.h): the first failing rank's
 * message reaches every rank. */
ax_status ax_engine_agree_from(struct ax_engine_s *e, ax_status st, int secondary, ax_error *err)
{
    return ax_agree_from(e->comm, st, secondary, err);
}

ax_status ax_engine_agree(struct ax_engine_s *e, ax_status st, ax_error *err)
{
    return ax_agree_from(e->comm, st, 0, err);
}
