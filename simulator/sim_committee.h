/* A key's committee on the simulator's command line: --members NODE,NODE,...
 * (names n1..nN or numbers, as sim_layout.h's wf_sim_node_find takes them),
 * --threshold T and --ranks R,R,... (one per member, in the same order).
 * The committee is kept as the requests want it (protocol/client_request.h):
 * ascending node indices, each with its rank. Whether the shape is a valid
 * access structure is the nodes' to say; here only the syntax, the names,
 * ranks below the threshold and no member twice are checked. */
#ifndef WF_SIMULATOR_SIM_COMMITTEE_H
#define WF_SIMULATOR_SIM_COMMITTEE_H

#include <stdint.h>

#include "protocol/client_request.h"
#include "simulator/sim_layout.h"

typedef struct wf_sim_committee {
    uint32_t n, threshold;
    uint32_t nodes[WF_SIM_MAX_NODES], ranks[WF_SIM_MAX_NODES];
} wf_sim_committee;

/* Parses the three options into *c. All three NULL: c->n = 0 (no committee:
 * the whole cluster) and 1. Otherwise all three are needed; 0 with *why
 * (static) when they do not make a committee of l's nodes. */
int wf_sim_committee_parse(wf_sim_committee *c, const wf_sim_layout *l, const char *members,
                           const char *threshold, const char *ranks, const char **why);

/* "n1:0,n2:0,n3:1 (2-of-3)" into out. */
void wf_sim_committee_format(char *out, size_t cap, const wf_sim_layout *l, const wf_sim_committee *c);

#endif
