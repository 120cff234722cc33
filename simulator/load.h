/* A load generator for a running cluster (DESIGN §6, the simulator's
 * workloads): signs at a fixed rate for a fixed time through the client
 * library (node/client.h), as a withdrawal service under load would, and
 * reports what came back.
 *
 * Arrivals are open-loop: a request is due every 1/rate seconds whatever
 * became of the earlier ones, and goes to an idle worker thread; when all
 * `concurrency` workers are busy it is dropped and counted as "overloaded"
 * (slowing down instead would hide the very overload a load test is for).
 * Each request has a fresh random digest and a request id unique to the run.
 * Requests go to the nodes round-robin; one that gets no answer or that the
 * node cannot do now (wf_client_retryable) moves on to the next node with the
 * same request — same request id, same bytes: by the protocol that returns
 * the same signature, never a second one — each node at most once.
 *
 * Every signature is checked again here, not only by the client library:
 * ECDSA with low s (wf_ecdsa_verify_strict) for the digest under the child
 * key that the key's xpub gives for the path, derived once at the start. A
 * signature under any other key, or one that does not verify, is a "bad
 * signature": it must never happen.
 *
 * Progress, once a second when asked for, one line:
 *   load 3 s: sent 30, ok 27, failed 1, in flight 2
 * and when asked for, a line for every attempt that failed:
 *   load: load-1f2e3d4c5b6a7980-17 on bravo: no authorised quorum ... */
#ifndef WF_SIMULATOR_LOAD_H
#define WF_SIMULATOR_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/err.h"
#include "protocol/client_request.h"

#define WF_LOAD_NODES_MAX       64
#define WF_LOAD_CONCURRENCY_MAX 1024
#define WF_LOAD_RATE_MAX        100000.0 /* requests per second */
#define WF_LOAD_DURATION_MAX    86400.0  /* seconds */

/* A node of the cluster, as its operator names it. */
typedef struct wf_load_node {
    const char *name;
    const char *client_url; /* tls+tcp://HOST:PORT */
    const char *cert_path;  /* its TLS certificate, pinned */
} wf_load_node;

typedef struct wf_load_cfg {
    const wf_load_node *nodes; /* round-robin in this order */
    size_t n_nodes;            /* 1..WF_LOAD_NODES_MAX */
    const char *client_dir;    /* a client the nodes' policy allows the key */
    uint8_t key_id[WF_ID_BYTES];
    const uint32_t *path; /* the child key signed for (non-hardened), or NULL */
    size_t path_len;      /* 0..WF_REQUEST_PATH_MAX; 0: the key itself */
    double rate;          /* requests per second, (0, WF_LOAD_RATE_MAX] */
    double duration_s;    /* arrivals for this long, (0, WF_LOAD_DURATION_MAX] */
    size_t concurrency;   /* worker threads: requests in flight at most, 1..WF_LOAD_CONCURRENCY_MAX */
    uint32_t expiry_s;    /* each request is valid this long, 1..600 */
    int timeout_ms;       /* one node's attempt; 0: until the expiry and the client library's margin */
    FILE *progress;       /* progress lines, or NULL */
    FILE *errors;         /* one line per failed attempt: request id, node, why; or NULL */
} wf_load_cfg;

/* Why a request did not end with a checked signature: the last node's
 * ClientErrorCode, the transport's failure (client_net.h), or ours. */
typedef enum wf_load_reason {
    WF_LOAD_BAD_REQUEST = 0, /* the node's codes, as in client.proto */
    WF_LOAD_UNAUTHENTICATED,
    WF_LOAD_EXPIRED,
    WF_LOAD_DENIED,
    WF_LOAD_NOT_FOUND,
    WF_LOAD_CONFLICT,
    WF_LOAD_UNAVAILABLE,
    WF_LOAD_ABORTED,
    WF_LOAD_INTERNAL,
    WF_LOAD_SHUTTING_DOWN,
    WF_LOAD_UNKNOWN_CODE,
    WF_LOAD_NO_CONNECTION, /* nothing listens */
    WF_LOAD_TLS_FAILED,    /* the handshake failed: not the pinned certificate, or ours not admitted */
    WF_LOAD_TIMEOUT,       /* no connection or no answer in time, or the connection closed */
    WF_LOAD_NODE_FAILED,   /* the node could not handle the request */
    WF_LOAD_TRANSPORT,     /* any other transport error */
    WF_LOAD_BAD_ANSWER,    /* not a ClientResponse, or no signature in it */
    WF_LOAD_BAD_SIGNATURE, /* a signature that does not check: never */
    WF_LOAD_OVERLOADED,    /* dropped: every worker was busy when it was due */
    WF_LOAD_LOCAL,         /* the request could not be made */
    WF_LOAD_REASONS
} wf_load_reason;

typedef struct wf_load_summary {
    uint64_t requests; /* due: sent + overloaded */
    uint64_t sent, ok;
    uint64_t failed;                    /* requests - ok: every reason, overloaded included */
    uint64_t retries;                   /* attempts on a further node */
    uint64_t failures[WF_LOAD_REASONS]; /* how the failed requests ended */
    uint64_t retried[WF_LOAD_REASONS];  /* why each retry was needed (they sum to retries) */
    /* of the successful requests, from the first send to the checked
     * signature (nearest rank); 0 when none succeeded */
    double p50_ms, p95_ms, p99_ms, max_ms;
    double elapsed_s;     /* from the first arrival to the last answer */
    double offered_rate;  /* requests / duration_s of the configuration */
    double achieved_rate; /* ok / elapsed_s */
} wf_load_summary;

/* "CLIENT_UNAVAILABLE" for the node's codes, else "no_connection",
 * "bad_signature", "overloaded", ... */
const char *wf_load_reason_name(wf_load_reason r);

/* Opens the client directory, checks every node's certificate, asks the
 * nodes in turn for the key (its xpub gives the child key signatures must
 * verify under), then runs the load and fills *out. Returns before the
 * load only on a failure of the set-up, with *why: WF_ERR_ARG for a bad
 * configuration, the client library's error for a client directory or
 * node certificate it refuses, WF_ERR_NOT_FOUND when no node gives the key.
 * Whatever happens to the requests is in *out. */
wf_err wf_load_run(const wf_load_cfg *cfg, wf_load_summary *out, const char **why);

/* s as one JSON object on one line to json, and as a few lines for people to
 * text; either may be NULL. Every reason is in the JSON's "failures" and
 * "retried", only those that happened in the text. */
void wf_load_print(const wf_load_summary *s, FILE *json, FILE *text);

#endif
