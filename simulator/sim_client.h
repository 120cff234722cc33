/* The simulated cluster's client: D/client (sim_layout.h) asking the nodes
 * through node/client.h, as the withdrawal service would. A request goes to
 * one node first; when that node cannot serve it (no answer, unavailable,
 * aborted) it goes to the next node with the same request id, which the
 * protocol makes safe: the same request id always gives the same signature
 * (or names the same key). A refusal is final. Every signature is checked
 * against the key's own xpub, not only the key the node names.
 *
 *   warifu-sim keygen --dir D [--request-id ID] [--node NODE]
 *   warifu-sim sign   --dir D --digest HEX [--request-id ID] [--path P] [--node NODE] [--key KEY]
 *   warifu-sim load   --dir D [--rate R] [--duration S] [--key KEY] [--path P] [--json]
 */
#ifndef WF_SIMULATOR_SIM_CLIENT_H
#define WF_SIMULATOR_SIM_CLIENT_H

#include "node/client.h"
#include "simulator/sim_layout.h"

/* What a request came to: served by node served_by after `tries` nodes, or
 * failed with the last node's result. */
typedef struct wf_sim_outcome {
    size_t served_by, tries;
    wf_client_result last;
} wf_sim_outcome;

/* The nodes' client endpoints, in member order. */
void wf_sim_client_nodes(const wf_sim_layout *l, wf_client_node nodes[WF_SIM_MAX_NODES], int timeout_ms);

/* A new key, starting at node `first`; its id (hex) is written to D/key. */
wf_client_outcome wf_sim_keygen(const wf_sim_layout *l, const wf_client *c, const char *request_id, size_t first,
                                wf_client_key *key, wf_sim_outcome *o);

/* The key whose id D/key holds (or key_hex), asked of the first node that
 * answers. */
wf_client_outcome wf_sim_key(const wf_sim_layout *l, const wf_client *c, const char *key_hex, wf_client_key *key,
                             wf_sim_outcome *o);

/* A signature of digest by the child of key at path, starting at node
 * `first`, checked to verify under that child key (derived from the xpub). */
wf_client_outcome wf_sim_sign(const wf_sim_layout *l, const wf_client *c, const wf_client_key *key,
                              const uint32_t *path, size_t path_len, const uint8_t digest[32],
                              const char *request_id, size_t first, wf_client_signature *sig, wf_sim_outcome *o);

/* Waits until every node of `mask` (bit k: node k) reports every other one
 * of them up, i.e. the peer links between them are open both ways; at most
 * timeout_ms. 1 when they are. */
int wf_sim_wait_linked(const wf_sim_layout *l, const wf_client *c, uint32_t mask, int timeout_ms);

/* keygen, sign and load from the command line (warifu_sim.c). */
int wf_sim_client_main(const char *cmd, int argc, char **argv);

#endif
