/* Creating a simulated cluster's work directory (sim_layout.h): node
 * directories with identities, TLS certificates and stores, the cluster
 * config with ranks, one client and a policy that admits it, and sim.conf.
 * Nothing runs yet; the supervisor (supervisor.h) starts the nodes. */
#ifndef WF_SIMULATOR_SIM_SETUP_H
#define WF_SIMULATOR_SIM_SETUP_H

#include "simulator/sim_layout.h"

typedef struct wf_sim_spec {
    const char *dir;    /* must not exist, or be empty; its parent must exist */
    size_t n;           /* 2..WF_SIM_MAX_NODES */
    uint32_t threshold; /* signers per quorum */
    uint32_t ranks[WF_SIM_MAX_NODES];
    const char *regions[WF_SIM_MAX_NODES];
    uint16_t base_port; /* 0: a free range at random */
    size_t n_rtt;
    wf_sim_rtt_override rtt[WF_SIM_MAX_RTT_OVERRIDES];
} wf_sim_spec;

/* Writes everything and fills *l. Nodes are numbered in rank order (most
 * senior first, equal ranks in the order given): n1 is member 0. On failure
 * the caller removes the directory (it may be half-written). */
wf_err wf_sim_create(const wf_sim_spec *spec, const char *warifu_bin, wf_sim_layout *l, const char **why);

#endif
