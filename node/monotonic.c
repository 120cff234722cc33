/* node/monotonic.h: condition variables and deadlines on CLOCK_MONOTONIC. */
#include "node/monotonic.h"

int wf_mono_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    int rv = pthread_condattr_init(&attr);
    if (rv != 0)
        return rv;
    if ((rv = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) == 0)
        rv = pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
    return rv;
}

void wf_mono_deadline(struct timespec *ts, uint64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
