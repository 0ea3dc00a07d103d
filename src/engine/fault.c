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

/* Agree on a status across ranks; the first failing rank's message is
 * broadcast so every rank reports the same text. */
ax_status ax_engine_agree_from(struct ax_engine_s *e, ax_status st, int secondary, ax_error *err)
{
    /* the lowest rank with an error of its own wins over ranks that only
     * noticed another's failure (secondary) */
    int mine = st == AX_OK ? 2 * e->ranks : secondary ? e->ranks + e->rank : e->rank, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, e->comm);
    if (first == 2 * e->ranks) return AX_OK;
    if (first >= e->ranks) first -= e->ranks;
    int code = st;
    MPI_Bcast(&code, 1, MPI_INT, first, e->comm);
    MPI_Bcast(err->msg, AX_ERROR_MSG_MAX, MPI_CHAR, first, e->comm);
    err->code = (ax_status)code;
    if (first != e->rank || e->ranks > 1) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "rank %d: ", first);
        if (e->ranks > 1) ax_error_prefix(err, "%s", tmp);
    }
    return (ax_status)code;
}

ax_status ax_engine_agree(struct ax_engine_s *e, ax_status st, ax_error *err)
{
    return ax_engine_agree_from(e, st, 0, err);
}
