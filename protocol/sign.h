/* CGGMP21 signing from a presignature (eprint 2021/060, Fig. 8): each signer
 * broadcasts σ_i = k_i·m + r·χ'_i and everyone sums them into an ordinary
 * ECDSA signature (r, s, v), low-s, verified under the (derived) public key
 * before it is released.
 *
 * BIP32: for a non-hardened path with tweak τ = Σ IL (crypto/bip32.h), the
 * child key is X + τ·G and χ'_i = χ_i + k_i·τ, so one presignature serves any
 * address. When the sum does not verify, each partial is checked on its own,
 *     σ_j·R = (m + r·τ)·R̄_j + r·S_j,
 * with R̄_j = k_j·R and S_j = χ_j·R from the presignature; the first signer
 * whose partial fails is blamed with its signed message as evidence.
 *
 * The presignature is consumed by wf_sign_new: its k and χ move into the
 * machine and are wiped from the record, so a second wf_sign_new with it is
 * refused. (The node also deletes it durably before any partial leaves.) */
#ifndef WF_PROTOCOL_SIGN_H
#define WF_PROTOCOL_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/ecdsa.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"
#include "protocol/presign.h"

enum {
    WF_SIGN_FAULT_WRONG_SIGMA = WF_FAULT_PROTOCOL, /* broadcast a wrong partial signature */
    WF_SIGN_FAULT_MALFORMED,                       /* a partial that is not a scalar */
};

typedef struct wf_sign_params {
    const wf_key_public *key; /* borrowed */
    wf_presig *presig;        /* consumed (see above); freed by the caller */
    uint8_t digest[WF_ECDSA_DIGEST_BYTES];
    const uint32_t *path; /* non-hardened BIP32 path, or NULL */
    size_t path_len;
} wf_sign_params;

/* WF_ERR_ARG for a used presignature, one of another key, signer set or
 * member, or a hardened path (refused before anything is sent). */
wf_err wf_sign_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_sign_params *p);
/* When DONE: the signature (verified, low-s, with recovery id) and the key it
 * verifies under (the derived child key for a path). pub may be NULL. */
wf_err wf_sign_result(const wf_machine *m, wf_ecdsa_sig *sig, wf_point *pub);

#endif
