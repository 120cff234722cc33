/* Client requests (DESIGN §4) to sign a digest and to create a key:
 * parsing, the bytes a client signs, and the checks every quorum member
 * makes before it acts on one — well-formed, signed by the client it names,
 * not expired and not dated too far ahead. Whether that client may use that
 * key, or create keys, is the node's policy (node/policy.c). */
#ifndef WF_PROTOCOL_CLIENT_REQUEST_H
#define WF_PROTOCOL_CLIENT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"
#include "crypto/birkhoff.h"
#include "protocol/envelope.h"

#define WF_REQUEST_ID_MAX    64
#define WF_REQUEST_PATH_MAX  8
#define WF_DIGEST_BYTES      32
/* a request may not claim to stay valid longer than this */
#define WF_REQUEST_MAX_TTL_MS (10u * 60u * 1000u)

typedef struct wf_sign_request {
    uint8_t request_id[WF_REQUEST_ID_MAX];
    size_t request_id_len;
    uint8_t key_id[WF_ID_BYTES];
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len;
    uint8_t digest[WF_DIGEST_BYTES];
    uint64_t expiry_ms;
    uint8_t client_id[WF_IDENTITY_PK_BYTES];
    uint8_t signature[WF_SIGNATURE_BYTES];
} wf_sign_request;

/* The bytes the client signs: "warifu/sign-request/v1" ‖ 0 ‖ len ‖ request
 * id ‖ key id ‖ path length ‖ be32 path[] ‖ digest ‖ be64 expiry ‖ client
 * id. out must hold WF_SIGN_REQUEST_SIGNED_MAX bytes. */
#define WF_SIGN_REQUEST_SIGNED_MAX (23 + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + 1 + 4 * WF_REQUEST_PATH_MAX + \
                                    WF_DIGEST_BYTES + 8 + WF_IDENTITY_PK_BYTES)
size_t wf_sign_request_signed_bytes(const wf_sign_request *r, uint8_t *out);

/* Signs r (fills r->client_id from the secret key and r->signature). */
wf_err wf_sign_request_sign(wf_sign_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES]);

/* Encodes r as a SignRequest message (malloc'ed). */
wf_err wf_sign_request_encode(const wf_sign_request *r, uint8_t **out, size_t *out_len);
/* Strict decode: every size exact or in range, hardened path indices and
 * unknown fields refused. Does not check the signature. */
wf_err wf_sign_request_decode(wf_sign_request *r, const uint8_t *in, size_t len);

typedef enum {
    WF_REQUEST_OK = 0,
    WF_REQUEST_BAD_SIGNATURE,
    WF_REQUEST_EXPIRED,
    WF_REQUEST_TOO_FAR_AHEAD,
} wf_request_verdict;

/* Checks the client's signature and the expiry against now_ms. */
wf_request_verdict wf_sign_request_check(const wf_sign_request *r, uint64_t now_ms);
const char *wf_request_verdict_str(wf_request_verdict v);

/* The 32-byte hash of what a request names besides its digest (key id and
 * path): the store's request context, so a retried request_id must name the
 * same key, path and digest. */
wf_err wf_sign_request_context(const wf_sign_request *r, uint8_t out[32]);

/* A request for a new key (KeygenRequest in client.proto). */
typedef struct wf_keygen_request {
    uint8_t request_id[WF_REQUEST_ID_MAX];
    size_t request_id_len;
    uint64_t expiry_ms;
    uint8_t client_id[WF_IDENTITY_PK_BYTES];
    uint8_t signature[WF_SIGNATURE_BYTES];
    /* an optional committee (n_members = 0: the whole cluster, threshold 0) */
    uint32_t n_members;
    uint32_t members[WF_MAX_MEMBERS]; /* node indices */
    uint32_t threshold;
    uint32_t ranks[WF_MAX_MEMBERS]; /* by position */
} wf_keygen_request;

/* The bytes the client signs: "warifu/keygen-request/v1" ‖ 0 ‖ len ‖
 * request id ‖ be64 expiry ‖ client id (len: one byte, 1..64), then, only
 * when the request names a committee, the committee: n ‖ n node indices ‖
 * threshold ‖ n ranks (one byte each, as node indices and ranks are below
 * 64). A request without a committee signs exactly what it signed before
 * committees existed. out must hold WF_KEYGEN_REQUEST_SIGNED_MAX bytes. */
#define WF_KEYGEN_REQUEST_SIGNED_MAX (25 + 1 + WF_REQUEST_ID_MAX + 8 + WF_IDENTITY_PK_BYTES + WF_COMMITTEE_BYTES_MAX)
#define WF_COMMITTEE_BYTES_MAX       (1 + WF_MAX_MEMBERS + 1 + WF_MAX_MEMBERS)
size_t wf_keygen_request_signed_bytes(const wf_keygen_request *r, uint8_t *out);

/* Signs r (fills r->client_id from the secret key and r->signature). */
wf_err wf_keygen_request_sign(wf_keygen_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES]);

/* Encodes r as a KeygenRequest message (malloc'ed). */
wf_err wf_keygen_request_encode(const wf_keygen_request *r, uint8_t **out, size_t *out_len);
/* Strict decode: every size exact or in range, unknown fields refused. Does
 * not check the signature. */
wf_err wf_keygen_request_decode(wf_keygen_request *r, const uint8_t *in, size_t len);

/* Checks the client's signature and the expiry against now_ms, with the
 * verdicts of wf_sign_request_check. */
wf_request_verdict wf_keygen_request_check(const wf_keygen_request *r, uint64_t now_ms);

/* The id of the key a keygen request creates:
 * SHA-256("warifu/keygen-key-id/v1" ‖ cluster id ‖ client id ‖ len ‖
 * request id [‖ committee]), the tag without a NUL, len one byte, and the
 * committee bytes of wf_keygen_request_signed_bytes only when the request
 * names one. A retry of the same request names the same key; another client,
 * request id, committee or cluster names another. */
wf_err wf_keygen_key_id(uint8_t out[WF_ID_BYTES], const uint8_t cluster_id[WF_ID_BYTES],
                        const wf_keygen_request *r);

/* A request to refresh a key (RefreshRequest in client.proto): new shares
 * of the same key among every member. */
typedef struct wf_refresh_request {
    uint8_t request_id[WF_REQUEST_ID_MAX];
    size_t request_id_len;
    uint8_t key_id[WF_ID_BYTES];
    uint64_t expiry_ms;
    uint8_t client_id[WF_IDENTITY_PK_BYTES];
    uint8_t signature[WF_SIGNATURE_BYTES];
} wf_refresh_request;

/* The bytes the client signs: "warifu/refresh-request/v1" ‖ 0 ‖ len ‖
 * request id ‖ key id ‖ be64 expiry ‖ client id (len: one byte, 1..64). out
 * must hold WF_REFRESH_REQUEST_SIGNED_MAX bytes. */
#define WF_REFRESH_REQUEST_SIGNED_MAX (26 + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + 8 + WF_IDENTITY_PK_BYTES)
size_t wf_refresh_request_signed_bytes(const wf_refresh_request *r, uint8_t *out);
/* Signs r (fills r->client_id from the secret key and r->signature). */
wf_err wf_refresh_request_sign(wf_refresh_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES]);
/* Encodes r as a RefreshRequest message (malloc'ed). */
wf_err wf_refresh_request_encode(const wf_refresh_request *r, uint8_t **out, size_t *out_len);
/* Strict decode: every size exact or in range, unknown fields refused. Does
 * not check the signature. */
wf_err wf_refresh_request_decode(wf_refresh_request *r, const uint8_t *in, size_t len);
/* Checks the client's signature and the expiry against now_ms. */
wf_request_verdict wf_refresh_request_check(const wf_refresh_request *r, uint64_t now_ms);
/* A request to move a key to a new committee (ReshareRequest in
 * client.proto). */
typedef struct wf_reshare_request {
    uint8_t request_id[WF_REQUEST_ID_MAX];
    size_t request_id_len;
    uint8_t key_id[WF_ID_BYTES];
    uint32_t n_members; /* 2..64 */
    uint32_t members[WF_MAX_MEMBERS]; /* node indices */
    uint32_t threshold;
    uint32_t ranks[WF_MAX_MEMBERS];
    uint64_t expiry_ms;
    uint8_t client_id[WF_IDENTITY_PK_BYTES];
    uint8_t signature[WF_SIGNATURE_BYTES];
} wf_reshare_request;

/* The bytes the client signs: "warifu/reshare-request/v1" ‖ 0 ‖ len ‖
 * request id ‖ key id ‖ n ‖ n node indices ‖ threshold ‖ n ranks ‖ be64
 * expiry ‖ client id (len, n, indices, threshold and ranks one byte each).
 * out must hold WF_RESHARE_REQUEST_SIGNED_MAX bytes. */
#define WF_RESHARE_REQUEST_SIGNED_MAX \
    (26 + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + WF_COMMITTEE_BYTES_MAX + 8 + WF_IDENTITY_PK_BYTES)
size_t wf_reshare_request_signed_bytes(const wf_reshare_request *r, uint8_t *out);
/* Signs r (fills r->client_id from the secret key and r->signature). */
wf_err wf_reshare_request_sign(wf_reshare_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES]);
/* Encodes r as a ReshareRequest message (malloc'ed). */
wf_err wf_reshare_request_encode(const wf_reshare_request *r, uint8_t **out, size_t *out_len);
/* Strict decode: sizes exact or in range, 2..64 members each with a rank
 * (indices and ranks below 64), unknown fields refused. Does not check the
 * signature, nor the committee against a cluster (the node does). */
wf_err wf_reshare_request_decode(wf_reshare_request *r, const uint8_t *in, size_t len);
/* Checks the client's signature and the expiry, as wf_sign_request_check. */
wf_request_verdict wf_reshare_request_check(const wf_reshare_request *r, uint64_t now_ms);

#endif
