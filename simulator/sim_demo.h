/* `warifu-sim demo`, the README's main job: up a 3-of-5 hierarchical
 * cluster across five regions, create a key, print deposit addresses of two
 * child keys, sign three withdrawals (each starting at another node) and
 * print the signatures verified, kill two nodes and sign once more, down. */
#ifndef WF_SIMULATOR_SIM_DEMO_H
#define WF_SIMULATOR_SIM_DEMO_H

#include "simulator/sim_up.h"

/* Returns the exit code: 0 when every step succeeded and every signature
 * verified. keep: leave the cluster up. */
int wf_sim_demo_run(const wf_sim_up_opts *o, const char *self, int keep);

#endif
