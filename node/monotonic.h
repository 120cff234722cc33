/* Timed waits on CLOCK_MONOTONIC: a condition variable that times its waits
 * on it, and deadlines in it, so that setting the wall clock never shortens
 * or stretches a wait. */
#ifndef WF_NODE_MONOTONIC_H
#define WF_NODE_MONOTONIC_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init for a condition variable whose pthread_cond_timedwait
 * takes CLOCK_MONOTONIC deadlines; 0 on success, an errno value otherwise. */
int wf_mono_cond_init(pthread_cond_t *cv);

/* *ts = now (CLOCK_MONOTONIC) + ms. */
void wf_mono_deadline(struct timespec *ts, uint64_t ms);

#endif
