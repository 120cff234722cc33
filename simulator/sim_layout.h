/* The work directory of a simulated cluster (warifu-sim): what `up` writes,
 * and where every other command and the end-to-end tests find things.
 *
 *   D/sim.conf        this layout (below): nodes, ranks, regions, ports
 *   D/sim.json        the same for programs in other languages (examples/)
 *   D/cluster.conf    the cluster config every node runs with
 *   D/policy.conf     one policy for every node: the sim's client may sign with every key
 *   D/client/         the client directory (warifu client-init) of load, demo and examples
 *   D/clients.pem     the client CA bundle given to every node (the client's certificate)
 *   D/nK/, D/nK.key   node K's directory and store key file (K = 1..n, member index K-1)
 *   D/logs/nK.log     node K's stdout and stderr, appended across restarts
 *   D/sim.sock        the supervisor's control socket while the cluster is up
 *   D/sim.log         the supervisor's own log
 *   D/key             the id (hex) of the key the last `warifu-sim keygen` made
 *
 * Ports: every node owns a block of WF_SIM_PORT_STRIDE ports from base port
 * B. Node k (0-based) has its client API at B+32k, HTTP at B+32k+1, listens
 * for peer j at B+32k+2+j (peer_net: one listener per peer at base + peer's
 * member index), and the relays in front of it at B+32k+16+j. The cluster
 * config advertises the relay bases, so every peer link passes a relay:
 * node i dials node j at B+32j+16+i, a port that tells the relay the link
 * is i→j, and the relay forwards to B+32j+2+i.
 *
 * sim.conf (node/text_format.h rules):
 *   warifu-sim 1
 *   threshold T
 *   base-port B
 *   node NAME RANK REGION          once per node, in member order
 *   rtt REGION REGION MS           optional overrides of the default matrix
 *   end
 */
#ifndef WF_SIMULATOR_SIM_LAYOUT_H
#define WF_SIMULATOR_SIM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

#define WF_SIM_MAX_NODES    12 /* peer ports +2..+13 and relay ports +16..+27 fit the stride */
#define WF_SIM_PORT_STRIDE  32
#define WF_SIM_PATH_MAX     512
#define WF_SIM_NAME_MAX     15
#define WF_SIM_REGION_MAX   31
#define WF_SIM_MAX_RTT_OVERRIDES 64
#define WF_SIM_SOCK_PATH_MAX 107 /* sun_path holds 108 bytes with its NUL */

typedef struct wf_sim_node {
    char name[WF_SIM_NAME_MAX + 1]; /* "n1".."n12" */
    uint32_t rank;
    char region[WF_SIM_REGION_MAX + 1];
    char dir[WF_SIM_PATH_MAX], key_file[WF_SIM_PATH_MAX], log[WF_SIM_PATH_MAX], cert[WF_SIM_PATH_MAX];
    char client_url[64], http_url[64], peer_listen_url[64], advertised_url[64];
    uint16_t client_port, http_port;
} wf_sim_node;

typedef struct wf_sim_rtt_override {
    char a[WF_SIM_REGION_MAX + 1], b[WF_SIM_REGION_MAX + 1];
    uint32_t ms;
} wf_sim_rtt_override;

typedef struct wf_sim_layout {
    char dir[WF_SIM_PATH_MAX];
    size_t n;
    uint32_t threshold;
    uint16_t base_port;
    wf_sim_node nodes[WF_SIM_MAX_NODES];
    size_t n_rtt;
    wf_sim_rtt_override rtt[WF_SIM_MAX_RTT_OVERRIDES];
    char conf[WF_SIM_PATH_MAX], json[WF_SIM_PATH_MAX], cluster[WF_SIM_PATH_MAX], policy[WF_SIM_PATH_MAX];
    char client_dir[WF_SIM_PATH_MAX], client_ca[WF_SIM_PATH_MAX], logs[WF_SIM_PATH_MAX];
    char sock[WF_SIM_PATH_MAX], sim_log[WF_SIM_PATH_MAX], key[WF_SIM_PATH_MAX];
} wf_sim_layout;

/* Port of node k's listener for peer j, and of the relay in front of it. */
uint16_t wf_sim_peer_port(const wf_sim_layout *l, size_t k, size_t j);
uint16_t wf_sim_relay_port(const wf_sim_layout *l, size_t k, size_t j);

/* Fills the derived fields (paths, URLs, ports) from dir, n, base_port and
 * the nodes' names. WF_ERR_RANGE when a path is too long (the control
 * socket's above all) or the ports pass 65535. */
wf_err wf_sim_layout_derive(wf_sim_layout *l, const char **why);

/* Writes D/sim.conf and D/sim.json (never overwriting). */
wf_err wf_sim_layout_save(const wf_sim_layout *l, const char *warifu_bin, const char **why);

/* Reads D/sim.conf and derives the rest. WF_ERR_NOT_FOUND when there is no
 * cluster in dir. */
wf_err wf_sim_layout_load(wf_sim_layout *l, const char *dir, const char **why);

/* The index of the node named name (or given as its 1-based number), or -1. */
int wf_sim_node_find(const wf_sim_layout *l, const char *name);

#endif
