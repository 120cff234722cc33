/* Timing helpers shared by the JSON-printing benchmarks. */
#ifndef WF_BENCH_UTIL_H
#define WF_BENCH_UTIL_H

#include <stddef.h>
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

static inline int wf_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank in sorted[0..n) (n >= 1): the smallest sample with at least
 * q of them at or below it. */
static inline double wf_bench_rank(const double *sorted, size_t n, double q)
{
    size_t r = (size_t)(q * (double)n + 0.999999);
    return sorted[r == 0 ? 0 : r - 1];
}

#endif
