/* The peer network of one node (DESIGN §4): opaque messages (the signed
 * envelopes protocol/ builds) to and from every other member over NNG's
 * tls+tcp:// transport with mutual TLS, each peer's certificate pinned.
 *
 * Attribution. The receiver must know which member sent a message from the
 * TLS identity of the connection, never from the message. NNG 1.5.2 (Debian
 * 12) cannot say which certificate a connection presented: the only TLS
 * property of a pipe is NNG_OPT_TLS_VERIFIED, a boolean (NNG_OPT_TLS_PEER_CN
 * arrived in NNG 1.6; on 1.5.2 nng_pipe_get_string(pipe, "tls-peer-cn")
 * returns NNG_ENOTSUP — tried). A single listener trusting the concatenation
 * of all pinned certificates would accept every member and could not tell
 * them apart. So every link has its own TLS configuration trusting exactly
 * one certificate, and a listener of its own:
 *
 *   link A→B:  A's push socket ──dials──▶ B's pull socket, listening for A only
 *              A is the TLS client: it trusts only B's certificate and checks
 *                the server name against B's name, so only B can read.
 *              B is the TLS server: it requires a client certificate and trusts
 *                only A's, so whatever arrives on this socket was sent by A.
 *
 * Pattern: one push/pull pair per direction. The TLS roles then follow the
 * data: the server is always the receiver (it learns the sender from the
 * client certificate it pinned) and the client always the sender (it learns
 * the recipient from the server certificate it pinned). pull sockets never
 * send and push sockets never deliver what they read, so a link cannot be
 * used the wrong way round. pair1 would halve the connections but needs the
 * same dedicated listener per pair, and bus cannot address one peer.
 *
 * Ports. A node's listen URL and each peer's URL are base URLs: the listener
 * dedicated to the member with index m is at base port + m. A node of a
 * cluster of n members therefore listens on up to n-1 ports in
 * [base, base + n), its own slot unused; A dials B at B's base + A's index.
 *
 * Pinning: a certificate is trusted only as an exact copy of a pinned one
 * (they are self-signed with CA:FALSE, see tls_identity.h); a member whose
 * certificate is not the one pinned for its link fails the handshake, as
 * does a certificate with the right name but another key.
 *
 * Delivery is at most once: a message handed to a connection that then
 * breaks is lost; the protocols' rounds and the coordinator's retries cover
 * that. Dialers reconnect on their own (100 ms, backing off to 2 s), so a
 * restarted peer is reached again without anyone calling anything.
 *
 * Size. Messages larger than max_msg are refused by send (send_too_large). A
 * receiver reads frames up to 2 * max_msg, drops (wiped) and counts those
 * above max_msg and keeps the link; NNG closes a connection announcing a
 * larger frame before allocating it, and the sender reconnects — those are
 * not counted, NNG 1.5.2 files them with ordinary disconnects.
 *
 * Plain tcp:// URLs are refused unless allow_plaintext_for_tests is set; then
 * a warning goes to stderr, and anyone able to reach a port can speak for the
 * member it belongs to.
 *
 * Threads: send, recv and counters_get may be called from any threads at
 * once; close must not race with any of them. */
#ifndef WF_NODE_PEER_NET_H
#define WF_NODE_PEER_NET_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/err.h"

#define WF_PEER_NET_MAX_MSG_DEFAULT  (1u << 20) /* the 1 MiB envelope limit the protocols fit (presign.h) */
#define WF_PEER_NET_QUEUE_PER_PEER   64         /* received, not yet taken; then the link stops reading */
#define WF_PEER_NET_RECONNECT_MIN_MS 100
#define WF_PEER_NET_RECONNECT_MAX_MS 2000
#define WF_PEER_NET_ALL              SIZE_MAX /* counters_get: the sum over every peer */

typedef struct wf_peer_net wf_peer_net;

typedef struct wf_peer_net_peer {
    const char *name;      /* the member's name: must be the common name of its certificate */
    uint32_t member;       /* its member index in the cluster, < WF_MAX_MEMBERS */
    const char *url;       /* its base URL, e.g. "tls+tcp://10.0.0.2:7400" */
    const char *cert_path; /* its certificate (PEM), the only one trusted for this member */
} wf_peer_net_peer;

typedef struct wf_peer_net_cfg {
    const char *self_name;         /* must be the common name of cert_path */
    uint32_t self_member;          /* own member index */
    const char *listen_url;        /* own base URL to bind, e.g. "tls+tcp://0.0.0.0:7400" */
    const char *cert_path;         /* own certificate (PEM); unused over plain tcp:// */
    const char *key_path;          /* own key (PEM, mode 0600); unused over plain tcp:// */
    const wf_peer_net_peer *peers; /* every other member; a peer is named by its position here */
    size_t n_peers;                /* 1 .. WF_MAX_MEMBERS - 1 */
    size_t max_msg;                /* largest message sent or accepted; 0 = WF_PEER_NET_MAX_MSG_DEFAULT */
    int allow_plaintext_for_tests; /* accept tcp:// URLs (no TLS, no attribution): tests only */
    int reconnect_max_ms;          /* longest wait between dials of a peer that is down, at least
                                      WF_PEER_NET_RECONNECT_MIN_MS; 0 = WF_PEER_NET_RECONNECT_MAX_MS
                                      (tests that restart nodes shorten it) */
} wf_peer_net_cfg;

typedef struct wf_peer_net_counters {
    uint64_t sent;               /* messages handed to a connection to the peer */
    uint64_t received;           /* messages from the peer queued for wf_peer_net_recv */
    uint64_t send_failed;        /* sends that timed out: no connection, or the peer is not reading */
    uint64_t send_too_large;     /* sends refused because the message exceeded max_msg */
    uint64_t refused_oversize;   /* frames from the peer above max_msg, dropped */
    uint64_t refused_handshake;  /* failed TLS handshakes on this link's listener and dialer: unpinned
                                    certificates, wrong names, plaintext clients (NNG's "auth" statistics) */
    uint64_t refused_unverified; /* messages dropped (and their connection closed) because NNG reported
                                    no verified certificate for it: never expected, both sides require one */
    uint64_t connected;          /* open connections on which we send to the peer (1 when up) */
    uint64_t redials;            /* new dialers started because sends failed while a connection was counted
                                    (a connection NNG 1.5.2 wedged, see peer_net.c) */
} wf_peer_net_counters;

/* Checks cfg, loads and checks every certificate and the key (see
 * wf_tls_identity_load: names must match, no certificate pinned twice or
 * equal to our own), binds one listener per peer and starts dialing every
 * peer in the background; peers that are down are reached when they come up.
 * With *why set: WF_ERR_ARG for a bad configuration, WF_ERR_VERIFY (or
 * another wf_tls_identity_load error) for a certificate or key file refused,
 * WF_ERR_INTERNAL when a port cannot be bound. */
wf_err wf_peer_net_create(wf_peer_net **out, const wf_peer_net_cfg *cfg, const char **why);

/* Sends a copy of msg to peer (a position in cfg->peers), waiting at most
 * timeout_ms (negative: no limit) for a connection to take it. WF_OK means
 * handed to the connection, not yet read by the peer. WF_ERR_RANGE (counted)
 * for len > max_msg, WF_ERR_CANCELLED when the time ran out. */
wf_err wf_peer_net_send(wf_peer_net *net, size_t peer, const uint8_t *msg, size_t len, int timeout_ms);

/* Takes the oldest received message, waiting at most timeout_ms (negative: no
 * limit; 0: only what is already there). *peer is the position in
 * cfg->peers of the member whose TLS certificate the connection carried;
 * *msg is malloc'ed (free it with wf_peer_net_msg_free). WF_ERR_CANCELLED
 * when nothing arrived in time. */
wf_err wf_peer_net_recv(wf_peer_net *net, int timeout_ms, size_t *peer, uint8_t **msg, size_t *len);

/* Wipes and frees a message from wf_peer_net_recv. Accepts NULL. */
void wf_peer_net_msg_free(uint8_t *msg, size_t len);

/* The counters of one peer, or with peer = WF_PEER_NET_ALL their sum. */
wf_err wf_peer_net_counters_get(wf_peer_net *net, size_t peer, wf_peer_net_counters *out);

/* Closes every connection and frees everything; messages not taken are
 * wiped. Accepts NULL. */
void wf_peer_net_close(wf_peer_net *net);

#endif
