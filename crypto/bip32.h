/* BIP-32 extended public keys and public (non-hardened) child derivation.
 *
 * The cluster's key has no private form anywhere, so only CKDpub exists:
 *   I = HMAC-SHA512(c_par, serP(K_par) ‖ ser32(i)),  IL = I[0..32), IR = I[32..64)
 *   K_i = K_par + IL·G,  c_i = IR
 * refused (WF_ERR_RANGE, the caller moves to the next index) when IL >= q or
 * K_i is infinity. Because each step adds IL·G, a whole path adds
 * (Σ IL)·G: the protocol signs for the child with χ' = χ + k·Σ IL, so the
 * derivation functions also return that additive tweak.
 *
 * All values here are public (an xpub is privacy-sensitive but not secret). */
#ifndef WF_BIP32_H
#define WF_BIP32_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "point.h"
#include "scalar.h"

#define WF_BIP32_VERSION_XPUB      0x0488B21Eu /* mainnet "xpub" */
#define WF_BIP32_XPUB_BYTES        78
#define WF_BIP32_XPUB_STR_BYTES    112 /* 111 characters + NUL */
#define WF_BIP32_CHAIN_BYTES       32
#define WF_BIP32_FINGERPRINT_BYTES 4
#define WF_BIP32_HARDENED          0x80000000u
#define WF_BIP32_PATH_MAX          255 /* depth is one byte */

typedef struct wf_xpub {
    uint8_t depth;
    uint8_t parent_fp[WF_BIP32_FINGERPRINT_BYTES];
    uint32_t child;
    uint8_t chain[WF_BIP32_CHAIN_BYTES];
    wf_point key;
} wf_xpub;

/* First 4 bytes of HASH160(serP(key)): the identifier children record. */
wf_err wf_bip32_fingerprint(uint8_t fp[WF_BIP32_FINGERPRINT_BYTES], const wf_point *key);

/* One public derivation step. tweak_out (may be NULL) receives IL, so that
 * child.key = parent.key + IL·G. Hardened indices (>= 2^31), IL >= q, an
 * infinite child and a parent already at depth 255 give WF_ERR_RANGE.
 * child_out may alias parent. */
wf_err wf_bip32_ckd_pub(wf_xpub *child_out, wf_scalar *tweak_out, const wf_xpub *parent, uint32_t index);

/* Derives along path[0..path_len) (path_len <= WF_BIP32_PATH_MAX; 0 gives the
 * parent back with tweak 0). out_tweak_sum (may be NULL) receives Σ IL mod q,
 * so out.key = parent.key + (Σ IL)·G. Stops at the first failing step and
 * returns its error. */
wf_err wf_bip32_derive_path(wf_xpub *out_xpub, wf_scalar *out_tweak_sum, const wf_xpub *parent,
                            const uint32_t *path, size_t path_len);

/* 78 bytes: version ‖ depth ‖ parent fingerprint ‖ ser32(child) ‖ chain ‖ serP(key). */
wf_err wf_bip32_xpub_serialize(uint8_t out[WF_BIP32_XPUB_BYTES], const wf_xpub *x);
/* Refuses a wrong length or version (only 0x0488B21E), a key that is not a
 * compressed point (WF_ERR_ENCODING) or not on the curve
 * (WF_ERR_NOT_ON_CURVE), and depth 0 with a non-zero parent fingerprint or
 * child number (WF_ERR_ENCODING). */
wf_err wf_bip32_xpub_parse(wf_xpub *x, const uint8_t *in, size_t len);
/* Base58Check forms ("xpub…"); out must hold WF_BIP32_XPUB_STR_BYTES. */
wf_err wf_bip32_xpub_to_string(char *out, size_t out_cap, const wf_xpub *x);
wf_err wf_bip32_xpub_from_string(wf_xpub *x, const char *str);

/* Parses "m/0/1/2", "0/1/2" or "m" (empty path) into out[0..*out_len);
 * *out_len is the capacity on entry. Only decimal indices below 2^31, no
 * sign, no leading zeros, no empty components. Hardened components ("0'",
 * "0h", "0H") and indices >= 2^31 give WF_ERR_RANGE (they need the private
 * key, which the cluster never has); other syntax errors WF_ERR_ENCODING;
 * more components than the capacity WF_ERR_RANGE. why (may be NULL)
 * receives a constant English explanation on failure. */
wf_err wf_bip32_path_parse(uint32_t *out, size_t *out_len, const char *str, const char **why);

#endif
