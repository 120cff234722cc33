/* A node killed mid-protocol: N ms after it is started, a thread asks the
 * running supervisor (sim_control.h) to `kill NODE` (a SIGKILL), so that a
 * refresh or a reshare sent meanwhile sees a member crash part way.
 *
 *   wf_sim_killer k;
 *   wf_sim_killer_start(&k, l, "n3", 3000);   // NULL node: no kill, no thread
 *   ... the request ...
 *   wf_sim_killer_join(&k);                   // waits; k.result says what happened
 */
#ifndef WF_SIMULATOR_SIM_KILL_H
#define WF_SIMULATOR_SIM_KILL_H

#include <pthread.h>

#include "simulator/sim_layout.h"

#define WF_SIM_KILL_AFTER_MS_MAX 3600000L

typedef struct wf_sim_killer {
    const wf_sim_layout *l;
    const char *node;
    long after_ms;
    pthread_t th;
    int running;
    char result[256]; /* "kill n3 after 3000 ms: done" (or the supervisor's reason); empty: none */
} wf_sim_killer;

/* Starts the thread when node is not NULL; 0 if it cannot start (k->result
 * says so), else 1. */
int wf_sim_killer_start(wf_sim_killer *k, const wf_sim_layout *l, const char *node, long after_ms);
/* Waits for the kill (if any) to have happened. Safe to call without one. */
void wf_sim_killer_join(wf_sim_killer *k);

#endif
