/* Being a client of the cluster (DESIGN §1, §4), as the withdrawal service
 * is: load a client directory (client_identity.h), make and sign a request,
 * send it to one node's client API (client_net.h) and check the answer
 * before handing it back — a signature must verify under the public key it
 * names (low-s, v recovering that key, DER the same signature), addresses
 * must be those of their key, an xpub must hold its key. The warifu CLI
 * (cli_client.h), the simulator's load generator and the tests all use this.
 *
 * A wf_client is a client directory, loaded once; which node a call goes to
 * is an argument of the call (wf_client_node), so that one client can move a
 * request to another node — "a lost coordinator is replaced by the client
 * retrying on another node (same request id)". A wf_client is read-only once
 * opened: any number of threads may call it at once (each call is its own
 * connection, wf_client_call being one-shot).
 *
 * Every call returns its outcome and fills a wf_client_result (which may be
 * NULL) with the details:
 *   WF_CLIENT_SUCCEEDED  the answer asked for, checked
 *   WF_CLIENT_NOT_SENT   a local failure before anything was sent (err, why)
 *   WF_CLIENT_NO_ANSWER  the transport failed (err: client_net.h's list; why)
 *   WF_CLIENT_NODE_ERROR the node answered with an error (code, a
 *                        ClientErrorCode of client.proto; why: its text)
 *   WF_CLIENT_BAD_ANSWER the answer is not a ClientResponse or not the kind
 *                        asked for (err WF_ERR_ENCODING), or it does not
 *                        check (err WF_ERR_VERIFY: for sign, a signature
 *                        that does not verify); why
 * wf_client_refused says the node refused for good: asking again will not
 * help. wf_client_retryable says the request may succeed if asked again —
 * later, or on another node — which for sign and keygen is safe with the
 * same request id (the same request id always returns the same signature,
 * or names the same key). A bad answer is neither: a node that answers
 * wrongly is to be reported, not retried around. */
#ifndef WF_NODE_CLIENT_H
#define WF_NODE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/address.h"
#include "crypto/bip32.h"
#include "crypto/ecdsa.h"
#include "crypto/err.h"
#include "crypto/point.h"
#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"

#define WF_CLIENT_QUERY_TIMEOUT_MS  10000  /* pubkey, address, status: answered from the node's store */
#define WF_CLIENT_KEYGEN_TIMEOUT_MS 600000 /* DKG and aux-info among every member */
#define WF_CLIENT_SIGN_MARGIN_MS    10000  /* past a sign request's expiry, after which no node starts it */
#define WF_CLIENT_ANSWER_MAX        (16u << 20)
#define WF_CLIENT_WHY_MAX           512 /* a node's error text is cut there */

typedef struct wf_client wf_client;

/* A node to ask, and how long to wait for it. */
typedef struct wf_client_node {
    const char *url;       /* its client API: tls+tcp://HOST:PORT */
    const char *cert_path; /* its TLS certificate, the only one trusted */
    int timeout_ms;        /* per call: 0 the call's default (above), negative no limit */
} wf_client_node;

typedef enum wf_client_outcome {
    WF_CLIENT_SUCCEEDED = 0,
    WF_CLIENT_NOT_SENT,
    WF_CLIENT_NO_ANSWER,
    WF_CLIENT_NODE_ERROR,
    WF_CLIENT_BAD_ANSWER,
} wf_client_outcome;

typedef struct wf_client_result {
    wf_client_outcome outcome;
    wf_err err;                  /* NOT_SENT, NO_ANSWER, BAD_ANSWER: what failed; else WF_OK */
    int code;                    /* NODE_ERROR: the ClientErrorCode; else 0 (CLIENT_OK) */
    char why[WF_CLIENT_WHY_MAX]; /* one printable line; empty on success */
} wf_client_result;

/* A signature as checked: low-s, verifying for the digest asked for under
 * public_key, which v recovers; der is the same (r, s). Whether public_key
 * is the key (and path) asked for is the caller's to check, with the key's
 * xpub (wf_client_key_child): the node names it, nothing here knows it. */
typedef struct wf_client_signature {
    uint8_t r[32], s[32];
    uint8_t v; /* recovery id 0..3 */
    uint8_t der[WF_ECDSA_DER_MAX];
    size_t der_len;
    uint8_t public_key[WF_POINT_BYTES]; /* compressed */
} wf_client_signature;

/* A key as checked: public_key is a point and xpub a master key (depth 0)
 * holding it. */
typedef struct wf_client_key {
    uint8_t key_id[WF_ID_BYTES];
    uint8_t public_key[WF_POINT_BYTES];
    char xpub[WF_BIP32_XPUB_STR_BYTES];
    uint32_t threshold, members;
    uint64_t generation; /* the answering node's share generation (0 from a node that does not say) */
} wf_client_key;

/* A child key's addresses as checked: those of public_key, for the key and
 * path asked for. */
typedef struct wf_client_addresses {
    uint8_t key_id[WF_ID_BYTES];
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len;
    uint8_t public_key[WF_POINT_BYTES];
    char btc[WF_ADDRESS_P2WPKH_MAX_BYTES]; /* P2WPKH, mainnet */
    char eth[WF_ADDRESS_ETH_BYTES];        /* EIP-55 */
} wf_client_addresses;

/* Loads the client directory at dir; with `signing`, its request-signing
 * key too (locked memory), which keygen and sign need. Without it, the TLS
 * key is still checked, so that a call's failures are the transport's.
 * *why is the reason alone (the caller names the directory); the error is
 * the loader's (client_identity.h, tls_identity.h). */
wf_err wf_client_open(wf_client **out, const char *dir, int signing, const char **why);
/* Wipes the signing key and frees c. Accepts NULL. */
void wf_client_close(wf_client *c);

/* Checks node ahead of a call: a URL, and a certificate that loads. *why is
 * the reason alone (the caller names the file). A call checks it anyway;
 * this only makes a bad certificate a failure of its own. */
wf_err wf_client_node_check(const wf_client_node *node, const char **why);

/* Unix time in ms, `seconds` from now: an expiry for a request. */
uint64_t wf_client_expiry_after(uint32_t seconds);

/* Signs a copy of *req (the caller sets request_id, key_id, path, digest and
 * expiry_ms; client_id and signature are ignored) and asks node for its
 * signature. The default timeout runs to the expiry plus
 * WF_CLIENT_SIGN_MARGIN_MS. The same *req sent again, to any node, is the
 * same request, byte for byte. */
wf_client_outcome wf_client_sign(const wf_client *c, const wf_client_node *node, const wf_sign_request *req,
                                 wf_client_signature *sig, wf_client_result *res);

/* Asks for a new key (request_id and expiry_ms set by the caller). Its id
 * comes from the cluster (wf_keygen_key_id), so it is not checked here. */
wf_client_outcome wf_client_keygen(const wf_client *c, const wf_client_node *node,
                                   const wf_keygen_request *req, wf_client_key *key, wf_client_result *res);

/* Asks for a proactive refresh of req->key_id (request_id, key_id and
 * expiry_ms set by the caller): new shares of the same key among every
 * member. The answer must name the key; key gets it with its new generation.
 * The same request sent again answers the key without a second refresh once
 * the first was confirmed by every member. */
wf_client_outcome wf_client_refresh(const wf_client *c, const wf_client_node *node,
                                    const wf_refresh_request *req, wf_client_key *key, wf_client_result *res);
/* Moves the key req->key_id to the committee req names (signing req with the
 * client's key, as wf_client_keygen): the answer names the same key, with
 * the same public key, held by the new committee. */
wf_client_outcome wf_client_reshare(const wf_client *c, const wf_client_node *node,
                                    const wf_reshare_request *req, wf_client_key *key, wf_client_result *res);

/* The key of id key_id (which the answer must name). */
wf_client_outcome wf_client_pubkey(const wf_client *c, const wf_client_node *node,
                                   const uint8_t key_id[WF_ID_BYTES], wf_client_key *key,
                                   wf_client_result *res);

/* The child key at path[0..path_len) (non-hardened, at most
 * WF_REQUEST_PATH_MAX; empty: the key itself) and its addresses. */
wf_client_outcome wf_client_address(const wf_client *c, const wf_client_node *node,
                                    const uint8_t key_id[WF_ID_BYTES], const uint32_t *path, size_t path_len,
                                    wf_client_addresses *addr, wf_client_result *res);

/* The node's status, decoded, into *out (free it with wf_client_status_free).
 * Checked: a 32-byte cluster id and key ids, printable names. */
wf_client_outcome wf_client_status(const wf_client *c, const wf_client_node *node, Warifu__Wire__Status **out,
                                   wf_client_result *res);
/* Accepts NULL. */
void wf_client_status_free(Warifu__Wire__Status *st);

/* The public key at path[0..path_len) under k's xpub, derived here: what a
 * signature for that key and path must verify under. */
wf_err wf_client_key_child(wf_point *child, const wf_client_key *k, const uint32_t *path, size_t path_len);

/* The node refused for good: a code of BAD_REQUEST, UNAUTHENTICATED,
 * EXPIRED, DENIED, NOT_FOUND or CONFLICT. */
int wf_client_refused(const wf_client_result *r);
/* Asking again (for sign and keygen with the same request id), later or on
 * another node, may succeed: no answer (nothing listens, the TLS handshake
 * failed, timed out, the node failed to handle it) or any other code of the
 * node (UNAVAILABLE, ABORTED, INTERNAL, SHUTTING_DOWN, one unknown here). */
int wf_client_retryable(const wf_client_result *r);
/* "CLIENT_NOT_FOUND", or "an unknown code". */
const char *wf_client_code_name(int code);

#endif
