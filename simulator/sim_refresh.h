/* warifu-sim refresh: a proactive refresh of the simulated cluster's key,
 * optionally with a node killed mid-protocol (the supervisor's `kill`, a
 * SIGKILL) to see what a crash leaves behind:
 *
 *   warifu-sim refresh --dir D [--request-id ID] [--node NODE] [--key KEY]
 *                      [--kill NODE --after-ms N]
 *
 * Asks node NODE (default the first) to refresh; with --kill, N ms after the
 * request left, the supervisor kills NODE. Prints the answer (the key with its
 * new generation, or the node's error) and then every reachable node's
 * generation of the key, so a split (some committed, one did not) shows. Run
 * `warifu-sim load` beside it to refresh under load; `warifu-sim start NODE`
 * and a second refresh (any request id) bring every member to one
 * generation. Exit 0 when the refresh succeeded. */
#ifndef WF_SIMULATOR_SIM_REFRESH_H
#define WF_SIMULATOR_SIM_REFRESH_H

int wf_sim_refresh_main(int argc, char **argv);

#endif
