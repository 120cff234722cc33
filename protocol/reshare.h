/* Resharing (DESIGN §2, §3): the SAME key — public key and chain code, so the
 * xpub stays — moves to a new committee with new identifiers, ranks and
 * threshold, without ever being assembled.
 *
 * Parties: an authorised quorum of the current committee (the dealers,
 * exactly t of them) and the members of the new committee (the receivers); a
 * node may be both. Party ids — cfg.self, cfg.identity_pk and the session's
 * parties — are node indices chosen by the caller, who maps each dealer (an
 * old member index) and each new member to one. The session's parties are
 * the dealers in quorum order, then the new members that do not deal, in
 * member order. Protocol name "reshare", three rounds:
 *
 *   round 1  broadcast  dealer i: G_{i,k} = g_{i,k}·G for k < t', where g_i
 *                       is a random polynomial of degree < t' with constant
 *                       term w_i = b_i·s_i, its additive share of the key
 *                       (b the Birkhoff coefficients of the quorum under the
 *                       current record, key_share.h); a non-dealer: empty.
 *                       Every party checks each dealer's t' commitments and
 *                       that G_{i,0} = W_i = b_i·X_i of the current record
 *                       (a dealer with the wrong constant is named).
 *   round 2  p2p        dealer i to new member j: g_i^(r'_j)(x'_j); every
 *                       other pair: empty. Each envelope carries the echo of
 *                       round 1, so a new member checks its shares (Feldman,
 *                       against the dealer's commitments) only once every
 *                       party has shown the same commitments: a judge then
 *                       re-runs the check on the very commitments the accuser
 *                       used, and an equivocating dealer cannot make an
 *                       honest accuser look false.
 *   round 3  broadcast  confirmation: empty; every new member accepted its
 *                       shares.
 *
 * Output for new member j: s'_j = Σ_i g_i^(r'_j)(x'_j), the joint commitments
 * C'_k = Σ_i G_{i,k}, every X'_j derived from them, and the public key
 * C'_0 = Σ_i W_i, which is the current one; chain code, rid and key id are
 * kept. A dealer that is not a new member ends with no share (its result is
 * NULL) and erases its old one. The new committee needs aux-info (or a
 * refresh) before it can presign.
 *
 * No commit-then-open round and no Πsch are needed: each dealer's constant is
 * fixed by the current record, and shares that verify for every new member
 * (the new committee holds an authorised set) determine the dealer's
 * polynomial, which it must therefore know: a rushing dealer can make its
 * polynomial depend on the honest dealers' commitments, never on their
 * secret polynomials.
 *
 * Shares travel in plaintext inside signed p2p envelopes, as in keygen (the
 * transport keeps them confidential). A check that fails on a peer's signed
 * message aborts naming that peer and broadcasts the message as evidence
 * (machine.h); every other party re-runs the check through judge. */
#ifndef WF_PROTOCOL_RESHARE_H
#define WF_PROTOCOL_RESHARE_H

#include <stdint.h>

#include "crypto/birkhoff.h"
#include "protocol/key_share.h"
#include "protocol/machine.h"

#define WF_RESHARE_PROTOCOL "reshare"
#define WF_RESHARE_ROUNDS   3u

/* Deliberate misbehaviour of a dealer (tests and the simulator's cheating
 * node). */
enum {
    WF_RESHARE_FAULT_WRONG_CONSTANT = WF_FAULT_PROTOCOL, /* deal w_i + 1 (commitments and shares agree) */
    WF_RESHARE_FAULT_BAD_SHARE,                          /* the share to party fault.victim off by one */
    WF_RESHARE_FAULT_MALFORMED                           /* garbage as the round-fault.round broadcast */
};

typedef struct wf_reshare_params {
    const wf_key_public *old;              /* the key's current public record (copied) */
    const wf_key_share *share;             /* own current share when self deals, else NULL (copied) */
    uint32_t dealers[WF_MAX_MEMBERS];      /* the quorum: old->t member indices of the current record */
    uint32_t dealer_party[WF_MAX_MEMBERS]; /* each dealer's party id */
    uint32_t n, t;                         /* the new committee */
    wf_member members[WF_MAX_MEMBERS];     /* its identifiers and ranks, by new member index */
    uint32_t member_party[WF_MAX_MEMBERS]; /* each new member's party id */
} wf_reshare_params;

/* A machine for party cfg->self. WF_ERR_UNAUTHORISED when the new committee
 * admits no authorised set (wf_access_check, as keygen) or the dealers are
 * not an authorised set of the current record; WF_ERR_ARG for anything else
 * wrong: NULLs, a key id other than cfg's, a current record whose W_i do not
 * add up to its public key, repeated or out-of-range party ids, self neither
 * dealing nor receiving, a dealer without its share (or a share off its X_i),
 * a non-dealer with one, fewer than two parties, an unknown fault or one self
 * cannot commit. The session is bound to the current record and to every
 * parameter (parties given different ones run different sessions). */
wf_err wf_reshare_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_reshare_params *p);

/* When DONE: a new member's key share, moved out (free with
 * wf_key_share_free; WF_ERR_ARG if taken already), or NULL for a dealer that
 * is not a new member. WF_ERR_ARG before DONE. */
wf_err wf_reshare_result(wf_machine *m, wf_key_share **out);

#endif
