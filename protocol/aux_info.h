/* aux-info: every party gets a fresh Paillier key and ring-Pedersen
 * parameters, and everyone's (N_j, s_j, t_j) checked by Πprm, Πmod and Πfac
 * (CGGMP21, eprint 2021/060, the auxiliary-information part of Fig. 6 — the
 * key refresh without the share refresh). All n members take part; session
 * parties are members 0..n-1, in that order.
 *
 *   round 1  broadcast  V_i, a hash commitment (below) to round 2's values
 *   round 2  broadcast  the opening: N_i, s_i, t_i, Πprm ψ_i for them, ρ_i, u_i
 *            every party checks, for each party in session order: the opening
 *            against V_i, |N_j| = bits exactly, N_j unlike every earlier
 *            party's, ψ_j; then ρ = ρ_1 ⊕ … ⊕ ρ_n
 *   round 3  broadcast  Πmod for N_i;  to each j: Πfac for N_i under j's (N_j, s_j, t_j)
 *   round 4  broadcast  confirmation: empty, its envelope carries the echo of round 3
 *
 * Commitment: V_i = the first 32 bytes of SHA-512 over length-prefixed parts
 * (8-byte big-endian lengths, wf_sha512_parts): "warifu/aux-info/v1/commit", cluster id, key id, session id, the
 * session's parties, i, then the Opening's n, s, t, prm, rho and u fields as
 * they travel (the wire forms are canonical, so bytes and values agree).
 *
 * ρ binding: Πmod and Πfac use this session's proof context with its session
 * id replaced by wf_machine_derive_id(ρ) (a hash of the session id and ρ),
 * so a proof made before every ρ_j was revealed — i.e.
 * before the moduli were fixed — cannot be replayed. Πprm is made in round 1
 * under the plain context (it is committed to before ρ exists).
 *
 * A check that fails on a peer's signed message aborts naming that peer and
 * broadcasts the message as evidence (machine.h); every other party re-runs
 * the same check. */
#ifndef WF_PROTOCOL_AUX_INFO_H
#define WF_PROTOCOL_AUX_INFO_H

#include <stdint.h>

#include "crypto/paillier.h"
#include "protocol/aux.h"
#include "protocol/machine.h"

#define WF_AUX_INFO_PROTOCOL  "aux-info"
#define WF_AUX_INFO_ROUNDS    4u
#define WF_AUX_INFO_RHO_BYTES 32
#define WF_AUX_INFO_U_BYTES   32

/* Deliberate misbehaviour (wf_machine_cfg.fault.kind), for tests and the
 * simulator's cheating node. A duplicate modulus needs no fault: give the
 * cheater a copy of another party's key as `pooled`. */
enum {
    WF_AUX_FAULT_BAD_PRM = WF_FAULT_PROTOCOL, /* a Πprm that does not verify (committed to) */
    WF_AUX_FAULT_BAD_MOD,                     /* a Πmod that does not verify */
    WF_AUX_FAULT_BAD_FAC,                     /* a Πfac that does not verify to fault.victim (WF_TO_BROADCAST: all) */
    WF_AUX_FAULT_BAD_OPENING,                 /* a round-2 opening that does not match V_i */
    WF_AUX_FAULT_SHORT_N,                     /* commit to and open N >> 8 instead of N */
    WF_AUX_FAULT_MALFORMED,                   /* garbage as the round-fault.round broadcast payload */
    WF_AUX_FAULT_FALSE_BLAME                  /* blame fault.victim for its valid round-fault.round
                                                 message (its p2p one in round 3) */
};

typedef struct wf_aux_info_params {
    uint32_t n;             /* members; all take part */
    unsigned bits;          /* |N|: 2048 (WF_PAILLIER_BITS_DEFAULT) or 3072 */
    wf_paillier_sk *pooled; /* a pre-generated key of `bits` bits, or NULL to generate one in
                               start (slow: two safe primes). On WF_OK the machine owns it. */
} wf_aux_info_params;

/* A machine for member cfg->self. WF_ERR_ARG for n outside [2, WF_MAX_MEMBERS],
 * self >= n, bits other than 2048/3072, or a pooled key of another size (the
 * caller then still owns it). */
wf_err wf_aux_info_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_aux_info_params *p);

/* Moves the result out of a DONE machine (WF_ERR_ARG otherwise, or if it was
 * taken already): own key, everyone's checked public values. Free with
 * wf_aux_free. */
wf_err wf_aux_info_result(wf_machine *m, wf_aux **out);

#endif
