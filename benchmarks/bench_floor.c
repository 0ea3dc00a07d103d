/* bench_floor.c - the memory floor of spike delivery on this machine.
 *
 * Delivering one synaptic event costs at least: streaming its 8-byte synapse
 * (ax_syn) from memory and one scattered add into the target's ring-buffer
 * slot. This program measures exactly that, with no engine around it: rows
 * of `row` synapses with random targets among `n` neurons, visited in random
 * row order (as spikes arrive), summed into a slot array. It prints ns per
 * event for a working set far larger than the caches, the figure
 * docs/performance.md compares axon's delivery cost with.
 * `slots` ring slots (receptors x slots in the engine; default 16) set the
 * size of the scattered-add target: the microcircuit's is 2 x 91 per thread.
 *   usage: bench_floor [n_neurons] [synapses_per_row] [rows] [slots <= 255]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
    uint32_t packed;
    float w;
} syn;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 12500;
    int64_t row = argc > 2 ? atoll(argv[2]) : 1250;
    int64_t rows = argc > 3 ? atoll(argv[3]) : 12500;
    int64_t slots = argc > 4 ? atoll(argv[4]) : 16;
    if (n < 1 || n > 0xFFFFFF || row < 1 || rows < 1 || slots < 1 || slots > 255) {
        fprintf(stderr, "bench_floor: need 1 <= n_neurons < 2^24, rows and row >= 1, "
                        "1 <= slots <= 255\n");
        return 2;
    }
    syn *s = malloc((size_t)(rows * row) * sizeof *s);
    double *ring = calloc((size_t)(n * slots), sizeof *ring);
    int64_t *order = malloc((size_t)rows * sizeof *order);
    if (!s || !ring || !order) return 1;
    uint64_t st = 88172645463325252ull;
    for (int64_t i = 0; i < rows * row; i++) {
        s[i].packed = (uint32_t)(xs(&st) % (uint64_t)n) | ((uint32_t)(xs(&st) % (uint64_t)slots) << 24);
        s[i].w = 0.1f;
    }
    for (int64_t i = 0; i < rows; i++) order[i] = (int64_t)(xs(&st) % (uint64_t)rows);
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int64_t k = 0; k < rows; k++) {
            const syn *r = s + order[k] * row;
            for (int64_t q = 0; q < row; q++)
                ring[(int64_t)(r[q].packed >> 24) * n + (r[q].packed & 0xFFFFFF)] += r[q].w;
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
    }
    double sum = 0;
    for (int64_t i = 0; i < n * slots; i++) sum += ring[i];
    printf("floor: %lld neurons x %lld slots (%.0f MiB ring), %lld synapses per row, %lld rows "
           "(%.0f MiB of synapses)\n", (long long)n, (long long)slots, n * slots * 8.0 / 1048576,
           (long long)row, (long long)rows, rows * row * 8.0 / 1048576);
    printf("floor: %.3f ns per event (stream 8 B + one scattered add), %.2f GB/s of synapses "
           "(checksum %.1f)\n", best * 1e9 / (rows * row), rows * row * 8.0 / best / 1e9, sum);
    free(s);
    free(ring);
    free(order);
    return 0;
}
