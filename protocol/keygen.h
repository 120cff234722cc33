/* Hierarchical distributed key generation (DESIGN §2, §3): CGGMP21 keygen
 * (eprint 2021/060, Fig. 5) with each party dealing a Tassa sharing under
 * Feldman commitments, so the joint polynomial f = Σ_i f_i has the cluster's
 * hierarchical access structure and its secret f(0) never exists anywhere.
 *
 * Every member of the cluster takes part; member index = position in
 * params.members = session party. Protocol name "keygen", four rounds:
 *
 *   1 broadcast  V_i = H(session, i, rid_i, chain_i, C_i, A_i, u_i)   commit
 *   2 broadcast  (rid_i, chain_i, C_i, A_i, u_i)                       open
 *     p2p to j   s_{i→j} = f_i^(r_j)(x_j)
 *   3 broadcast  z_i: Πsch response for C_{i,0} with A_i, bound to rid
 *   4 broadcast  confirmation (carries the echo of round 3)
 *
 * C_i = (a_{i,0}·G, …, a_{i,t-1}·G); H is a labelled SHAKE256 transcript
 * (crypto/transcript.h) cut to 32 bytes; rid = ⊕ rid_j and the chain code =
 * ⊕ chain_j (commit-then-open keeps every contribution independent of the
 * others, so one honest party makes both uniform). The Πsch context is the
 * session's, with its session id replaced by wf_machine_derive_id(rid).
 *
 * Every party ends with the joint commitments C_k = Σ_i C_{i,k}, every X_j
 * (the Feldman share point of member j), the public key C_0, the chain code,
 * rid and its own share s_self = Σ_i s_{i→self} with s_self·G = X_self.
 *
 * Any check that fails on a peer's signed message (a malformed payload, an
 * opening that does not match its commitment, a share that fails the Feldman
 * check, a Πsch that does not verify) aborts naming that peer, with the
 * message as evidence for the others (machine.h). */
#ifndef WF_PROTOCOL_KEYGEN_H
#define WF_PROTOCOL_KEYGEN_H

#include <stdint.h>

#include "crypto/birkhoff.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"

#define WF_KEYGEN_ROUNDS 4u

/* Fault injection (tests and the simulator's cheating node only). */
enum {
    WF_KEYGEN_FAULT_BAD_SHARE = WF_FAULT_PROTOCOL, /* round 2: a share to `victim` off by one */
    WF_KEYGEN_FAULT_BAD_OPENING,                   /* round 2: an opening that does not match V_i */
    WF_KEYGEN_FAULT_BAD_PROOF,                     /* round 3: a Πsch response off by one */
    WF_KEYGEN_FAULT_MALFORMED                      /* the round-`round` broadcast has an unknown field */
};

typedef struct wf_keygen_params {
    uint32_t n, t;                     /* members, threshold (degree t-1) */
    wf_member members[WF_MAX_MEMBERS]; /* identifier and rank, by member index */
} wf_keygen_params;

/* A keygen machine for cfg->self among all n members. WF_ERR_UNAUTHORISED
 * when the parameters admit no authorised set; WF_ERR_ARG for anything else
 * wrong (NULLs, n < 2, t out of range, zero or repeated identifiers, self out
 * of range, an unknown fault). Nothing is sent before wf_machine_start. */
wf_err wf_keygen_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_keygen_params *p);

/* A copy of the machine's key share, only once it is DONE (else
 * WF_ERR_ARG). The caller frees it with wf_key_share_free. */
wf_err wf_keygen_result(const wf_machine *m, wf_key_share **out);

#endif
