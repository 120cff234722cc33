/* Key refresh: CGGMP21 (eprint 2021/060) Fig. 6, "Auxiliary Info. & Key
 * Refresh", in full, for hierarchical shares (DESIGN §2, §3). Every member of
 * the key re-randomises its share of the SAME key and replaces its Paillier
 * key and ring-Pedersen parameters, with every proof aux-info runs (the
 * Paillier half is aux_keys.c, shared with aux-info). All n members take
 * part; session parties are members 0..n-1, in that order.
 *
 * Each party i deals f_i(z) = a_{i,1} z + … + a_{i,t-1} z^{t-1}: a random
 * polynomial of degree < t with ZERO constant term (the paper's x_i^j summing
 * to 0, as a Tassa sharing of 0). Its Feldman commitments are
 * F_{i,k} = a_{i,k}·G for k = 1..t-1 only: the constant term has no
 * commitment, so every check treats F_{i,0} as the point at infinity and a
 * party that sends a commitment to a constant term (t points) is named.
 *
 *   round 1  broadcast  V_i (aux_keys.h) over the aux-keys opening and, as
 *                       extra parts, F_{i,1..t-1} and the Πsch first messages
 *                       B_{i,1..t-1} (each list as its 33-byte points in order)
 *   round 2  broadcast  the opening: N_i, s_i, t_i, Πprm, ρ_i, u_i, F_i, B_i
 *            every party checks, for each party in session order: exactly
 *            t-1 commitments (t of them: a non-zero constant term), the
 *            opening against V_i, |N_j|, distinct moduli, Πprm; ρ = ⊕ ρ_j
 *   round 3  broadcast  Πmod for N_i; Πsch responses for every F_{i,k}
 *            to each j:  Πfac for N_i under j's (N_j, s_j, t_j), and j's share
 *                        f_i^(r_j)(x_j)
 *            all proofs bound to ρ (aux_keys.h); each party checks every
 *            Πmod and Πsch and, from each dealer, its Πfac and its share
 *            against the dealer's F (Feldman, with F_{i,0} = infinity)
 *   round 4  broadcast  confirmation: empty, its envelope carries the echo
 *                       of round 3
 *
 * Output: s'_j = s_j + Σ_i f_i^(r_j)(x_j); the key's commitments become
 * C'_0 = C_0 (so the public key is unchanged) and C'_k = C_k + Σ_i F_{i,k};
 * every X'_j is derived from C'; and s'_self·G = X'_self is checked. Together
 * with the new wf_aux. The caller stores both and erases the old share and
 * aux: an old share mixed with new ones interpolates to no key.
 *
 * Shares travel in plaintext inside signed p2p envelopes, as in keygen: the
 * transport (mutual TLS) keeps them confidential, and message buffers are
 * wiped when freed. A check that fails on a peer's signed message aborts
 * naming that peer and broadcasts the message as evidence (machine.h); every
 * other party re-runs the same check through judge. */
#ifndef WF_PROTOCOL_REFRESH_H
#define WF_PROTOCOL_REFRESH_H

#include <stdint.h>

#include "crypto/paillier.h"
#include "protocol/aux.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"

#define WF_REFRESH_PROTOCOL "refresh"
#define WF_REFRESH_ROUNDS   4u

/* Deliberate misbehaviour (wf_machine_cfg.fault.kind), for tests and the
 * simulator's cheating node. */
enum {
    WF_REFRESH_FAULT_BAD_PRM = WF_FAULT_PROTOCOL, /* a Πprm that does not verify (committed to) */
    WF_REFRESH_FAULT_BAD_MOD,                     /* a Πmod that does not verify */
    WF_REFRESH_FAULT_BAD_FAC,   /* a Πfac that does not verify to fault.victim (WF_TO_BROADCAST: all) */
    WF_REFRESH_FAULT_BAD_SCH,   /* a Πsch response for F_{i,1} off by one */
    WF_REFRESH_FAULT_BAD_SHARE, /* fault.victim's share off by one */
    WF_REFRESH_FAULT_CONSTANT,  /* deal f_i(0) != 0 and commit to it too (t commitments) */
    WF_REFRESH_FAULT_HIDDEN_CONSTANT, /* deal f_i(0) != 0, committing only to a_{i,1..t-1} */
    WF_REFRESH_FAULT_BAD_OPENING,     /* a round-2 opening that does not match V_i */
    WF_REFRESH_FAULT_MALFORMED        /* garbage as the round-fault.round broadcast payload */
};

typedef struct wf_refresh_params {
    const wf_key_share *key; /* the current share and public record: copied, the caller may free it */
    unsigned bits;           /* |N|: 2048 (WF_PAILLIER_BITS_DEFAULT) or 3072 */
    wf_paillier_sk *pooled;  /* a pre-generated key of `bits` bits, or NULL to generate one in start
                                (slow: two safe primes). On WF_OK the machine owns it. */
} wf_refresh_params;

/* A machine for member cfg->self = key->self of the key's n members. The
 * session is bound to the key's whole public record and bits (parties holding
 * different records run different sessions). WF_ERR_ARG for NULLs, a key
 * whose id is not cfg's or whose self is not cfg's, a share that is not on
 * its X_self, bits other than 2048/3072,
 * a pooled key of another size (the caller then still owns it), an unknown
 * fault. */
wf_err wf_refresh_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_refresh_params *p);

/* Moves the results out of a DONE machine (WF_ERR_ARG otherwise, or if they
 * were taken already): the refreshed key share (free with wf_key_share_free)
 * and the new aux record (free with wf_aux_free). */
wf_err wf_refresh_result(wf_machine *m, wf_key_share **key, wf_aux **aux);

#endif
