/* The simulated cluster's supervisor: one background process per cluster
 * (started by `warifu-sim up`, stopped by `warifu-sim down`) that runs on a
 * libuv loop:
 *
 *   - one warifud process per node (uv_spawn), its output appended to
 *     logs/NAME.log; a node is up once it prints "warifud ready";
 *   - one relay (relay.h) on every direction of every peer link, delaying
 *     by half the RTT between the two nodes' regions (regions.h), and
 *     adding jitter, loss, bit flips and partitions on command;
 *   - the control socket D/sim.sock: one command line per connection, the
 *     answer is lines of text, the last "ok ..." or "error: ...".
 *
 * Commands (simulator/warifu_sim.c sends them):
 *   status                          one line per node: name, state, pid, rank, region, cheat mode
 *   kill NODE                       SIGKILL (the crash of a machine); answered once it is dead
 *   stop NODE                       SIGTERM (a clean shutdown); answered once it has exited
 *   start NODE | restart NODE       (re)start it; answered once it is ready
 *   cheat NODE MODE                 restart it as a cheater: bad-proof (a bad Πenc in presign),
 *                                   bad-delta (a wrong δ_i in presign), wrong-partial (a wrong
 *                                   σ_i in sign), or none (honest again)
 *   partition A,B|C,D,E             cut every link between the groups (unnamed nodes are cut off
 *                                   from everyone); open connections drop at once
 *   heal                            undo every partition
 *   faults LINKS KEY=VALUE...       LINKS: all, A (every link of A), A>B (one direction) or A-B
 *                                   (both); keys: loss, bitflip (probability per chunk), jitter
 *                                   and delay (ms; delay=matrix restores the region's figure)
 *   counters                        one line per relay with traffic: bytes, flips, refusals
 *   down                            stop every node (SIGTERM, SIGKILL after the grace), exit
 */
#ifndef WF_SIMULATOR_SUPERVISOR_H
#define WF_SIMULATOR_SUPERVISOR_H

#include "simulator/sim_layout.h"

typedef struct wf_sup_opts {
    const char *warifud;      /* the daemon's binary */
    int no_latency;           /* relays add no delay (benchmarks' baseline) */
    double jitter_frac;       /* jitter as a fraction of each link's one-way delay */
    unsigned presig_low, presig_high;
    unsigned session_timeout_ms;
    unsigned keygen_timeout_ms; /* keygen and aux-info (prime search); 0: warifud's default */
    unsigned paillier_bits;   /* 0: warifud's default */
    int ready_fd;             /* "ready\n" or "error: ...\n" is written here once, then closed; -1: none */
} wf_sup_opts;

/* Runs the supervisor until `down` (or SIGTERM/SIGINT, which act as down).
 * Returns 0 after a clean down, 1 when the cluster could not start. */
int wf_supervisor_run(const wf_sim_layout *l, const wf_sup_opts *o);

#endif
