/* The simulated cluster's client: D/client (sim_layout.h) asking the nodes
 * through node/client.h, as the withdrawal service would. A request goes to
 * one node first; when that node cannot serve it (no answer, unavailable,
 * aborted) it goes to the next node with the same request id, which the
 * protocol makes safe: the same request id always gives the same signature
 * (or names the same key). A refusal is final, but for NOT_FOUND: a node
 * outside a key's committee holds nothing of it, so the request moves on to
 * a node that may. Every signature is checked
 * against the key's own xpub, not only the key the node names.
 *
 *   warifu-sim keygen --dir D [--request-id ID] [--node NODE] [--members N,N,.. --threshold T --ranks R,R,..]
 *   warifu-sim sign   --dir D --digest HEX [--request-id ID] [--path P] [--node NODE] [--key KEY]
 *   warifu-sim load   --dir D [--rate R] [--duration S] [--key KEY] [--path P] [--json]
 */
#ifndef WF_SIMULATOR_SIM_CLIENT_H
#define WF_SIMULATOR_SIM_CLIENT_H

#include "node/client.h"
#include "simulator/sim_committee.h"
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

/* The same for the committee cm (NULL or cm->n = 0: the whole cluster). */
wf_client_outcome wf_sim_keygen_committee(const wf_sim_layout *l, const wf_client *c, const char *request_id,
                                          size_t first, const wf_sim_committee *cm, wf_client_key *key,
                                          wf_sim_outcome *o);

/* Sets a request id: `given`, or "sim-" and 16 random hex digits when it is
 * NULL. 0 when given is empty or longer than WF_REQUEST_ID_MAX. */
int wf_sim_request_id(uint8_t out[WF_REQUEST_ID_MAX], size_t *len, const char *given);

/* One node's view of a key: its record (outcome WF_CLIENT_SUCCEEDED: the
 * node holds a share, at key.generation, of key.threshold-of-key.members),
 * NOT_FOUND (no share) or why it did not say. */
typedef struct wf_sim_view {
    wf_client_outcome outcome;
    wf_client_key key;
    wf_client_result res;
} wf_sim_view;

/* Every node's view of key_id, each asked with timeout_ms; the mask of the
 * nodes that hold a share (bit k: node k). */
uint32_t wf_sim_views(const wf_sim_layout *l, const wf_client *c, const uint8_t key_id[WF_ID_BYTES],
                      int timeout_ms, wf_sim_view views[WF_SIM_MAX_NODES]);
/* Prints them, one line a node ("n2: share at generation 2 of a 3-of-5
 * committee, public key and xpub unchanged", "n4: no share", "n5: no
 * answer (...)"); `was` is the key before, which every holder's public key
 * and xpub are compared with. 1 when every holder's are the same. */
int wf_sim_views_print(const wf_sim_layout *l, const wf_sim_view views[WF_SIM_MAX_NODES],
                       const wf_client_key *was);

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

/* For `warifu-sim cmd --dir dir`: loads the layout and opens its client
 * (with the signing key), checking that each of names[0..n_names) that is
 * not NULL names a node. 0 with *l and *c set (wf_sim_close frees them),
 * else the exit code, the reason printed: 1 a failure, 2 a usage error. */
int wf_sim_open(const char *cmd, const char *dir, const char *const *names, size_t n_names, wf_sim_layout **l,
                wf_client **c);
/* Accepts NULLs. */
void wf_sim_close(wf_sim_layout *l, wf_client *c);

/* keygen, sign and load from the command line (warifu_sim.c). */
int wf_sim_client_main(const char *cmd, int argc, char **argv);

#endif
