/* warifud, the cluster node (DESIGN §1, §4, §5): serves its peers over the
 * pinned-TLS peer network, runs protocol sessions as a member or as the
 * coordinator of a client's request, keeps presignature pools filled, answers
 * clients on the client API and exposes /healthz, /readyz and /metrics.
 *
 * wf_daemon_start brings everything up from a node directory (identity, TLS
 * identity, store), the cluster config and the policy file; the keys and aux
 * records already in the store are loaded, so a restarted node serves again
 * with its shares. wf_daemon_stop stops taking new work, lets running sessions
 * finish for the grace period, aborts the rest and closes everything. */
#ifndef WF_NODE_DAEMON_H
#define WF_NODE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "protocol/machine.h"
#include "store/store.h"

#define WF_DAEMON_SESSION_TIMEOUT_MS 30000   /* presign and sign sessions */
#define WF_DAEMON_KEYGEN_TIMEOUT_MS  600000  /* keygen, aux-info (prime search) */
#define WF_DAEMON_GRACE_MS           5000    /* what wf_daemon_stop gives running sessions */
#define WF_DAEMON_START_SKEW_MS      60000   /* a session start older or further ahead is refused */

#define WF_REFRESH_CRASH_BEFORE_COMMIT "refresh-commit"
#define WF_REFRESH_REFUSE              "refresh-refuse"
/* fault_protocol values for a reshare's two phases (node/reshare_run.h):
 * the node runs the reshare honestly but behaves as if it died just before
 * storing its pending share, or just before applying the commit. */
#define WF_RESHARE_CRASH_BEFORE_PENDING "reshare-pending"
#define WF_RESHARE_CRASH_BEFORE_COMMIT  "reshare-commit"

typedef struct wf_daemon wf_daemon;

typedef struct wf_daemon_cfg {
    const char *node_dir;          /* made by `warifu init` */
    const char *cluster_path;      /* made by `warifu cluster` */
    const char *policy_path;       /* clients, keys, limits (node/policy.h) */
    const char *client_ca_path;    /* PEM bundle: certificates of the clients allowed on the client API */
    const char *client_listen_url; /* e.g. "tls+tcp://127.0.0.1:7500" */
    const char *http_url;          /* health and metrics, e.g. "http://127.0.0.1:7480" */
    const char *peer_listen_url;   /* NULL: the host and port of this member's address */
    wf_store_unlock unlock;
    unsigned paillier_bits;        /* 0: 2048 */
    unsigned presig_low;           /* refill a signing set's pool when below this, or when one member owns
                                      less than low/t of it (0: no background presign; node/keeper.c) */
    unsigned presig_high;          /* … up to this many */
    int session_timeout_ms;        /* 0: WF_DAEMON_SESSION_TIMEOUT_MS */
    int keygen_timeout_ms;         /* 0: WF_DAEMON_KEYGEN_TIMEOUT_MS */
    int grace_ms;                  /* 0: WF_DAEMON_GRACE_MS */
    unsigned presign_threads;      /* per presign session; 0: 2 */
    /* Where aux-info (and refresh, reshare) get this node's Paillier key; the
     * daemon owns what it returns, and a NULL return means "search two safe
     * primes now" (seconds). NULL here: the daemon's own pool of pre-generated
     * keys (below), which returns NULL when empty. Tests plug fixed keys in. */
    struct wf_paillier_sk *(*paillier_source)(void *ctx, unsigned bits);
    void *paillier_ctx;
    /* The pool of pre-generated Paillier keys (node/paillier_keeper.c), the
     * paillier_source when the one above is NULL: refilled in the background
     * when below low, up to high keys of paillier_bits (0/0: no background
     * generation; aux-info still takes what the pool holds). */
    unsigned paillier_pool_low;
    unsigned paillier_pool_high;
    /* How the pool keeper makes a key: NULL is wf_paillier_keygen (prime
     * search, polling cancel). Tests plug fixture keys in here. */
    wf_err (*paillier_generate)(void *ctx, unsigned bits, const volatile int *cancel,
                                struct wf_paillier_sk **out);
    void *paillier_generate_ctx;
    /* Presignature pool policy: a presignature older than this is never used
     * and the keeper drops it (0: they never expire); per (key, signing set)
     * water-marks overriding presig_low/presig_high (node/presig_policy.h;
     * NULL: none). */
    uint64_t presig_ttl_ms;
    const char *presig_policy_path;
    /* Test-only misbehaviour (the simulator's cheating node): applied to every
     * machine of `fault_protocol`. Refused unless allow_test_faults is set.
     * fault_protocol WF_REFRESH_CRASH_BEFORE_COMMIT (any non-zero kind) runs
     * refresh honestly but skips this node's commit, as if it died just
     * before it: it stays silent for 2 s while the others commit, then
     * reports an abort. The cross-node crash case. fault_protocol
     * WF_REFRESH_REFUSE refuses every refresh start, as a member still busy
     * with the key does (its peers that accepted are left waiting). */
    const char *fault_protocol;
    wf_fault fault;
    int allow_test_faults;
    int allow_plaintext_for_tests; /* tcp:// links, no TLS: unit tests only */
    int peer_reconnect_max_ms;     /* the peer links' longest redial wait; 0: WF_PEER_NET_RECONNECT_MAX_MS
                                      (tests that restart nodes shorten it) */
    int quiet;                     /* no log lines on stderr */
} wf_daemon_cfg;

wf_err wf_daemon_start(wf_daemon **out, const wf_daemon_cfg *cfg, const char **why);
void wf_daemon_stop(wf_daemon *d);

/* The ports actually bound (useful with port 0 in tests). */
uint16_t wf_daemon_http_port(const wf_daemon *d);

#endif
