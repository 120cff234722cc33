/* Inside the client API's transport: what the server (client_net.c) and the
 * one-shot client (client_call.c) share. Only those two files include it. */
#ifndef WF_NODE_CLIENT_NET_IMPL_H
#define WF_NODE_CLIENT_NET_IMPL_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "crypto/err.h"
#include "node/tls_identity.h"

/* NNG's size limit covers a frame's req/rep header too (the request id, 4
 * bytes a hop), so it is set this much above max_msg; the limit on the
 * message itself is checked by the code. */
#define WF_CLIENT_NET_HEADER_ROOM 64

/* The URL's scheme decides: *tls = 1 for tls+tcp://, 0 for tcp:// when
 * allow_plaintext is set; WF_ERR_ARG otherwise. */
wf_err wf_client_net_scheme(const char *url, int allow_plaintext, int *tls, const char **why);

/* A TLS 1.2 configuration presenting own, trusting exactly the PEM
 * certificates in `trusted` (NUL-terminated) and requiring the peer to
 * present one of them; a client also requires server_name (not NULL) as the
 * server's name. NNG's error code, 0 on success. */
int wf_client_net_tls_config(nng_tls_config **out, nng_tls_mode mode, const wf_tls_identity *own,
                             const char *trusted, const char *server_name);

/* Wipes and frees a message. Accepts NULL. */
void wf_client_net_msg_free(nng_msg *m);

#endif
