/* node/monotonic.c: deadlines carry nanoseconds into seconds and lie the
 * asked time ahead on CLOCK_MONOTONIC; a condition variable made by
 * wf_mono_cond_init times out at such a deadline, not before. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "node/monotonic.h"
#include "tests/check.h"

static long long ns_of(const struct timespec *ts)
{
    return (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int main(void)
{
    /* every sub-second offset, so that some carry a second */
    for (uint64_t ms = 0; ms < 2000; ms += 7) {
        struct timespec before, d, after;
        clock_gettime(CLOCK_MONOTONIC, &before);
        wf_mono_deadline(&d, ms);
        clock_gettime(CLOCK_MONOTONIC, &after);
        CHECK(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        CHECK(ns_of(&d) >= ns_of(&before) + (long long)ms * 1000000LL);
        CHECK(ns_of(&d) <= ns_of(&after) + (long long)ms * 1000000LL);
    }

    pthread_cond_t cv;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    REQUIRE(wf_mono_cond_init(&cv) == 0);
    struct timespec start, d, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    wf_mono_deadline(&d, 150);
    pthread_mutex_lock(&mu);
    int rv;
    while ((rv = pthread_cond_timedwait(&cv, &mu, &d)) == 0) /* spurious wake-ups */
        ;
    pthread_mutex_unlock(&mu);
    clock_gettime(CLOCK_MONOTONIC, &end);
    CHECK(rv == ETIMEDOUT);
    CHECK(ns_of(&end) >= ns_of(&start) + 150000000LL);
    pthread_cond_destroy(&cv);
    return wf_check_summary("test_monotonic");
}
