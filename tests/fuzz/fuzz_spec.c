/* fuzz_spec.c - libFuzzer harness for the spec loader (YAML/JSON -> ax_spec).
 *
 * Contract under test (DESIGN.md §2.1, include/axon/spec.h): ax_spec_parse
 * either returns AX_OK with a fully validated spec or an error with a
 * message, for ANY bytes; it never crashes, leaks, hangs or reads outside
 * its input. Built with -fsanitize=fuzzer,address,undefined by
 * tests/fuzz/build.sh, so ASan/UBSan/LSan turn each violation into a crash.
 * On success the query functions a CLI calls right after loading (summary,
 * delay range, memory estimate) run too, since they trust the validated spec.
 * Invariant: one input = one parse + one destroy; no state between inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/error.h"
#include "axon/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where print_summary writes: opened once, never closed (the fuzzer exits). */
static FILE *sink(void)
{
    static FILE *f;
    if (!f) f = fopen("/dev/null", "w");
    return f;
}

/* Check the loader's promises on one input; abort() on a broken one so the
 * fuzzer records the input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ax_spec *spec = (ax_spec *)0x1; /* must become NULL on failure */
    ax_error err;
    ax_error_clear(&err);
    ax_status st = ax_spec_parse((const char *)data, size, "fuzz.yaml", &spec, &err);
    if (st != AX_OK) {
        /* an error must say what is wrong and must not hand back a spec */
        if (spec != NULL || err.code != st || err.msg[0] == '\0') abort();
        return 0;
    }
    if (!spec || spec->n_pops <= 0 || spec->n_total <= 0) abort();
    int64_t lo = 0, hi = 0;
    ax_spec_delay_range(spec, &lo, &hi);
    if (lo < 1 || hi < lo) abort();
    for (int i = 0; i < spec->n_proj; i++)
        if (!(ax_spec_expected_synapses(spec, i) >= 0)) abort();
    if (!(ax_spec_estimate_bytes_per_rank(spec, 2) > 0)) abort();
    FILE *f = sink();
    if (f) ax_spec_print_summary(spec, 2, f);
    ax_spec_destroy(&spec);
    if (spec != NULL) abort();
    return 0;
}
