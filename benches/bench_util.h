/* Timing helpers shared by the JSON-printing benchmarks. */
#ifndef WF_BENCH_UTIL_H
#define WF_BENCH_UTIL_H

#include <time.h>

static inline double wf_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs op(arg) repeatedly for at least min_seconds (and at least min_iters
 * times) and returns the mean nanoseconds per call. */
static inline double wf_bench_ns_per_op(void (*op)(void *), void *arg, double min_seconds, int min_iters)
{
    op(arg); /* warm-up */
    int iters = 0;
    double start = wf_bench_now(), elapsed;
    do {
        op(arg);
        iters++;
        elapsed = wf_bench_now() - start;
    } while (elapsed < min_seconds || iters < min_iters);
    return elapsed * 1e9 / iters;
}

#endif
