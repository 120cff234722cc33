/* The client API's transport (DESIGN §4): NNG req/rep over tls+tcp:// with
 * mutual TLS, between a node (the server) and the clients that ask it for
 * signatures, keys and status. Messages are opaque here; what they mean is
 * protocol/proto/client.proto, handled by the daemon.
 *
 * Server. One rep socket listens; `workers` threads each own an NNG context
 * and serve one request at a time: receive, call the handler, send its
 * answer. A handler may block for seconds (it runs a signing protocol)
 * without holding up the other workers; with all of them busy, further
 * requests wait in NNG until one is free. The server presents the node's
 * certificate and admits only clients whose certificate is one of those in
 * client_ca_path: a PEM file holding each allowed client's self-signed
 * certificate, concatenated (`cat alice/tls.crt bob/tls.crt > clients.pem`).
 * As with peers (tls_identity.h), a certificate is trusted only as an exact
 * copy of a listed one.
 *
 * Who asked. NNG 1.5.2 cannot tell a handler which of the listed
 * certificates a connection carried (see peer_net.h), so TLS here only keeps
 * strangers out; the client a request comes from is the Ed25519 key that
 * signed it (protocol/client_request.h), checked by the handler.
 *
 * Failures. A handler that fails (returns an error, or an answer larger than
 * max_msg) gets the caller an empty answer: the transport reserves the
 * zero-length message for "the server could not handle the request", and
 * wf_client_call reports it as such. Handlers therefore never answer with
 * zero bytes on success (no ClientResponse encodes to nothing but the
 * all-default one, which is not a success answer).
 *
 * Client. wf_client_call is one-shot: dial, send one request, wait for the
 * answer, close. It pins the node's certificate (the only one it trusts, and
 * the server name it expects is that certificate's common name) and presents
 * the client's own. Its errors, each with a one-line *why:
 *   WF_ERR_ARG       a bad configuration, or a certificate or key refused
 *                    (the error of wf_tls_identity_load, e.g. WF_ERR_VERIFY
 *                    for a key file open to others, is passed on)
 *   WF_ERR_RANGE     the request is larger than max_msg (nothing is sent)
 *   WF_ERR_NOT_FOUND the connection was refused: nothing listens at the URL
 *   WF_ERR_VERIFY    the TLS handshake failed: the server is not the pinned
 *                    certificate, or it does not admit ours
 *   WF_ERR_CANCELLED no connection, or no answer, within timeout_ms; or the
 *                    server closed the connection before answering (it does
 *                    so for a request above its own size limit, and when it
 *                    stops)
 *   WF_ERR_INTERNAL  the server answered that it could not handle the
 *                    request, or NNG failed unexpectedly
 * A request is sent at most once (NNG's resend timer is off), so a retry is
 * the caller's decision; the request ids of client.proto make retries safe.
 *
 * Plain tcp:// URLs are refused unless allow_plaintext_for_tests is set;
 * then a warning goes to stderr and anyone able to reach the port is served.
 *
 * Messages on failure are static or thread-local (text_format.h's
 * wf_why_fmt) and never contain request or answer bytes. */
#ifndef WF_NODE_CLIENT_NET_H
#define WF_NODE_CLIENT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

#define WF_CLIENT_NET_WORKERS_DEFAULT 4
#define WF_CLIENT_NET_WORKERS_MAX     256
#define WF_CLIENT_NET_MAX_MSG_DEFAULT (64u << 10) /* a request or answer, in bytes */
#define WF_CLIENT_NET_MAX_MSG_LIMIT   (64u << 20)
#define WF_CLIENT_NET_CA_FILE_MAX     (1u << 20) /* the client certificate bundle */
#define WF_CLIENT_NET_CA_CERTS_MAX    1024
#define WF_CLIENT_NET_SEND_TIMEOUT_MS 10000 /* how long an answer waits for a client that does not read */
#define WF_CLIENT_NET_STOP_DRAIN_MS   2000 /* how long a stop waits for clients to close after their answers \
                                            */

/* Answers one request: req[0..len) is valid during the call. On WF_OK,
 * *resp is a malloc'ed answer of *resp_len (1..max_msg) bytes, which the
 * server wipes and frees; on any error, *resp is ignored (the handler frees
 * whatever it allocated) and the client gets the empty failure answer.
 * Called from the worker threads, up to `workers` at once. */
typedef wf_err (*wf_client_handler)(void *ctx, const uint8_t *req, size_t len, uint8_t **resp,
                                    size_t *resp_len);

typedef struct wf_client_server wf_client_server;

typedef struct wf_client_server_cfg {
    const char *listen_url;        /* e.g. "tls+tcp://0.0.0.0:7500" */
    const char *cert_path;         /* the node's TLS certificate (PEM); unused over plain tcp:// */
    const char *key_path;          /* its key (PEM, mode 0600); unused over plain tcp:// */
    const char *client_ca_path;    /* every admitted client's certificate, concatenated PEM */
    size_t workers;                /* concurrent handlers; 0 = WF_CLIENT_NET_WORKERS_DEFAULT */
    size_t max_msg;                /* largest request accepted and answer sent; 0 = the default */
    wf_client_handler handler;     /* required */
    void *ctx;                     /* passed to handler */
    int allow_plaintext_for_tests; /* accept a tcp:// URL (no TLS, anyone served): tests only */
} wf_client_server_cfg;

/* Checks cfg, loads the node's certificate and key (wf_tls_identity_load)
 * and every client certificate (each must pass wf_tls_identity_parse_cert's
 * checks; none twice, none the node's own), binds the listener and starts the
 * workers. With *why set: WF_ERR_ARG for a bad configuration, the loader's
 * error for a refused certificate or key, WF_ERR_INTERNAL when the port
 * cannot be bound. */
wf_err wf_client_server_start(wf_client_server **out, const wf_client_server_cfg *cfg, const char **why);

/* Stops taking requests (idle workers end at once; no handler is called
 * again), waits for running handlers to return and their answers to be sent
 * (each at most WF_CLIENT_NET_SEND_TIMEOUT_MS) and for the clients to close
 * their connections (at most WF_CLIENT_NET_STOP_DRAIN_MS), then closes the
 * listener and every connection (node/nng_close.h: a close NNG does not end
 * within WF_NNG_CLOSE_WAIT_MS is left running) and frees everything. The listener stays open until
 * then, since NNG closes a listener's connections with it: a request that
 * arrives meanwhile is not handled, and its client sees the connection
 * close. Must not be called from a handler. Accepts NULL. */
void wf_client_server_stop(wf_client_server *srv);

typedef struct wf_client_call_cfg {
    const char *url;               /* the node's client URL, e.g. "tls+tcp://10.0.0.2:7500" */
    const char *cert_path;         /* the client's TLS certificate (PEM); unused over plain tcp:// */
    const char *key_path;          /* its key (PEM, mode 0600); unused over plain tcp:// */
    const char *server_cert_path;  /* the node's certificate, the only one trusted */
    size_t max_msg;                /* largest request sent and answer accepted; 0 = the default */
    int allow_plaintext_for_tests; /* accept a tcp:// URL: tests only */
} wf_client_call_cfg;

/* Sends req[0..len) (1..max_msg bytes) and waits for the answer, all within
 * timeout_ms (negative: no limit). On WF_OK *resp is the malloc'ed answer
 * (free it) of *resp_len >= 1 bytes. Errors as listed above. */
wf_err wf_client_call(const wf_client_call_cfg *cfg, const uint8_t *req, size_t len, uint8_t **resp,
                      size_t *resp_len, int timeout_ms, const char **why);

#endif
