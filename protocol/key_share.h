/* What keygen gives each party, and what presign and sign take: the key's
 * public record (members, Feldman commitments, every X_j, the public key,
 * chain code, rid) and the party's own share s_self = f^(r_self)(x_self).
 *
 * Member indices are positions in `members` (0..n-1); session parties,
 * envelopes and proofs all use these indices. */
#ifndef WF_PROTOCOL_KEY_SHARE_H
#define WF_PROTOCOL_KEY_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/bip32.h"
#include "crypto/birkhoff.h"
#include "crypto/point.h"
#include "crypto/scalar.h"
#include "protocol/envelope.h"

#define WF_CHAIN_CODE_BYTES 32
#define WF_RID_BYTES        32

typedef struct wf_key_public {
    uint8_t key_id[WF_ID_BYTES];
    uint32_t n, t;
    wf_member members[WF_MAX_MEMBERS];    /* by member index */
    wf_point commitments[WF_MAX_MEMBERS]; /* C_k = a_k·G of the joint polynomial, k < t */
    wf_point X[WF_MAX_MEMBERS];           /* X_j = s_j·G, by member index */
    wf_point public_key;                  /* C_0 */
    uint8_t chain_code[WF_CHAIN_CODE_BYTES];
    uint8_t rid[WF_RID_BYTES];
} wf_key_public;

typedef struct wf_key_share {
    wf_key_public pub;
    uint32_t self;
    wf_scalar *share; /* s_self, wf_secure_alloc() memory */
} wf_key_share;

/* Allocates a share with zeroed public part and a locked share scalar. */
wf_key_share *wf_key_share_new(void);
/* Wipes the share and frees. Accepts NULL. */
void wf_key_share_free(wf_key_share *k);

/* Fills every X_j from the commitments of k->pub and checks k->share lies on
 * X_self (WF_ERR_INTERNAL if not): the last step of every protocol that
 * outputs a share (keygen, refresh, reshare). */
wf_err wf_key_share_complete(wf_key_share *k);

/* For a signing set (member indices, exactly t of them): WF_ERR_UNAUTHORISED
 * unless it is authorised; else the Birkhoff coefficients b[i] and the
 * additive public shares W[i] = b[i]·X_{set[i]} (either output may be NULL).
 * Σ W[i] is the public key. */
wf_err wf_key_signer_weights(const wf_key_public *pub, const uint32_t *set, size_t n, wf_scalar *b, wf_point *W);

/* out = SHA-512 over the whole public record (key id, n, t, every member's
 * identifier and rank, the t commitments, every X_j, the public key, chain
 * code, rid), cut to 32 bytes: what refresh and reshare bind their sessions
 * to, so parties holding different records run different sessions. */
wf_err wf_key_public_digest(const wf_key_public *pub, uint8_t out[WF_ID_BYTES]);

/* The key's BIP32 root: depth 0, the public key and the joint chain code. */
wf_err wf_key_xpub(const wf_key_public *pub, wf_xpub *out);

#endif
