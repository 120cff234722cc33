/* warifu-sim refresh and reshare: a key's lifecycle on the simulated
 * cluster, optionally with a node killed mid-protocol (sim_kill.h: the
 * supervisor's `kill`, a SIGKILL) to see what a crash leaves behind:
 *
 *   warifu-sim refresh --dir D [--request-id ID] [--node NODE] [--key KEY]
 *                      [--kill NODE --after-ms N]
 *   warifu-sim reshare --dir D [--request-id ID] [--node NODE] [--key KEY]
 *                      --members N,N,... --threshold T --ranks R,R,...
 *                      [--kill NODE --after-ms N]
 *
 * Asks node NODE (default: the first node holding the key) to refresh the
 * key (new shares among its committee) or to reshare it (the same public key
 * held by the committee --members with --threshold and --ranks, as
 * sim_committee.h reads them); with --kill, N ms after the request left, the
 * supervisor kills NODE. Prints the answer (the key with its generation, or
 * the node's error) and then every node's view of the key — its share's
 * generation and committee size, "no share", or no answer — and whether
 * each holder still names the same public key and xpub, so that a split (a
 * node on a new record, another on the old one) shows. Run `warifu-sim
 * load` beside it to refresh or reshare under load; `warifu-sim start NODE`
 * and a second run (any request id) finish what a kill interrupted. Exit 0
 * when the request succeeded and the key is unchanged, 1 otherwise, 2 on
 * usage errors. */
#ifndef WF_SIMULATOR_SIM_LIFECYCLE_H
#define WF_SIMULATOR_SIM_LIFECYCLE_H

/* cmd is "refresh" or "reshare". */
int wf_sim_lifecycle_main(const char *cmd, int argc, char **argv);

#endif
