/* CGGMP21 presigning (eprint 2021/060, Fig. 7, threshold variant) among an
 * authorised signing set S of exactly t members, giving each signer a
 * presignature bound to (key, S): R = k^{-1}·G, its nonce share k_i and χ_i
 * with Σ_i χ_i = k·x, and the public points R̄_j = k_j·R, S_j = χ_j·R that let
 * sign check every partial signature.
 *
 * Each signer's additive key share is w_i = b_i·s_i (b the Birkhoff
 * coefficients of S), with public W_i = b_i·X_i.
 *
 * Rounds (session rounds; the session layer adds signatures and echoes):
 *   1  bcast K_i, G_i;  to j: Πenc(K_i)
 *   2  bcast Γ_i;       to j: D, F, D̂, F̂, Πaff-g (γ_i), Πaff-g (w_i), Πlog* (G_i, Γ_i)
 *   3  bcast δ_i, Δ_i, Ŝ_i;  to j: Πlog* (K_i, Δ_i, base Γ)
 *   4  bcast: empty (confirmation) when δ·G = ΣΔ_j, which ends the run; else
 *      the reveal of round 1-2 ephemerals (identification of a wrong δ_i)
 *   5  bcast: confirmation of the reveals, then the verdict
 * Every proof is checked before its message is used; a failed one blames
 * its prover with the signed message as evidence (machine.h).
 *
 * Checked at the end: δ·G = ΣΔ_j (else identification, round 4), and
 * ΣŜ_j = δ·X for the public key X. The latter failing means some χ_i or Ŝ_i is
 * wrong; naming its author needs Πmul* and Πlog* over the aggregated χ ciphertext,
 * which this version does not run: the presignature is refused with culprit
 * WF_CULPRIT_UNKNOWN. */
#ifndef WF_PROTOCOL_PRESIGN_H
#define WF_PROTOCOL_PRESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/aux.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"

#define WF_CULPRIT_UNKNOWN UINT32_MAX

/* Largest signing set. An echo complaint about the reveal round forwards
 * every reveal, each holding t-1 round-2 envelopes (about 13 KB at 2048 bits,
 * 17 KB at 3072): t(t-1) of them must fit the 1 MiB envelope limit, or a
 * cheater could escape naming by stalling the run. Lifting this needs
 * digest-only complaints. */
#define WF_PRESIGN_MAX_SIGNERS 8

/* Protocol faults (tests and the simulator's cheating node). */
enum {
    WF_PRESIGN_FAULT_ENC_PROOF = WF_FAULT_PROTOCOL, /* bad Πenc to victim */
    WF_PRESIGN_FAULT_AFF_G,                         /* bad Πaff-g (γ) to victim */
    WF_PRESIGN_FAULT_AFF_G_HAT,                     /* bad Πaff-g (w) to victim */
    WF_PRESIGN_FAULT_LOG_STAR_G,                    /* bad Πlog* for (G_i, Γ_i) to victim */
    WF_PRESIGN_FAULT_LOG_STAR_DELTA,                /* bad Πlog* for Δ_i to victim */
    WF_PRESIGN_FAULT_WRONG_DELTA,                   /* broadcast a wrong δ_i */
    WF_PRESIGN_FAULT_WRONG_D,                       /* D to victim not matching its proof */
    WF_PRESIGN_FAULT_MALFORMED,                     /* garbage round-1 broadcast */
    WF_PRESIGN_FAULT_BAD_CIPHERTEXT,                /* G_i not a unit mod N² */
};

typedef struct wf_presign_params {
    const wf_key_share *key; /* borrowed; must outlive the machine */
    const wf_aux *aux;       /* borrowed; must outlive the machine */
    size_t n;                /* = key->pub.t */
    uint32_t signers[WF_MAX_MEMBERS];
    unsigned threads; /* worker threads for the per-peer work; 0 or 1 = none */
} wf_presign_params;

typedef struct wf_presig {
    uint8_t key_id[WF_ID_BYTES];
    uint8_t session_id[WF_ID_BYTES]; /* of the presign run: the presignature's name */
    uint32_t self;
    size_t n;
    uint32_t signers[WF_MAX_MEMBERS];
    wf_point R;
    wf_point Rbar[WF_MAX_MEMBERS]; /* k_j·R, by signer position */
    wf_point S[WF_MAX_MEMBERS];    /* χ_j·R, by signer position */
    wf_scalar *k;                  /* k_self, locked; NULL once used */
    wf_scalar *chi;                /* χ_self, locked; NULL once used */
} wf_presig;

/* WF_ERR_UNAUTHORISED if the signers are not an authorised set of the key
 * (checked before any message), WF_ERR_ARG for any other bad input (self not
 * a signer, aux of another key or size, more than WF_PRESIGN_MAX_SIGNERS, …). */
wf_err wf_presign_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_presign_params *p);
/* The name (wf_presig.session_id) the presignature of a presign run among
 * signers (any order, 2..WF_PRESIGN_MAX_SIGNERS of them) for key, started
 * with session id start_id, will have: the id wf_presign_new binds the
 * session to. A coordinator uses it to choose a start id by the name it
 * gives (node/coordinator.c: the owner of a pooled presignature). */
wf_err wf_presign_id(uint8_t out[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES], const wf_key_public *key,
                     const uint32_t *signers, size_t n);
/* When DONE: moves the presignature out (caller frees with wf_presig_free). */
wf_err wf_presign_result(wf_machine *m, wf_presig **out);
/* Wipes and frees. Accepts NULL. */
void wf_presig_free(wf_presig *p);

#endif
