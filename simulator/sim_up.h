/* `warifu-sim up`: the work directory is created on first use (sim_setup.h)
 * and reused after: a cluster brought down and up again keeps its keys.
 * The supervisor (supervisor.h) runs in the background as a session leader
 * of its own; up returns once every node is ready, or with the reason the
 * cluster could not start (after taking down what did start). */
#ifndef WF_SIMULATOR_SIM_UP_H
#define WF_SIMULATOR_SIM_UP_H

#include "simulator/sim_setup.h"
#include "simulator/supervisor.h"

typedef struct wf_sim_up_opts {
    const char *dir;
    const char *warifu; /* the CLI's binary, for sim.json */
    wf_sim_spec spec;   /* for a new cluster; ignored when dir holds one */
    wf_sup_opts sup;    /* ready_fd is set by up */
    int ready_timeout_ms;
} wf_sim_up_opts;

/* self: this program's binary, run again as the supervisor. *created = 1
 * when the work directory was made now. */
wf_err wf_sim_up(const wf_sim_up_opts *o, const char *self, wf_sim_layout *l, int *created, const char **why);

#endif
