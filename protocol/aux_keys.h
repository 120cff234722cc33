/* The Paillier half of CGGMP21 (eprint 2021/060) Fig. 6, "Auxiliary Info. &
 * Key Refresh", shared by aux-info (aux_info.c) and refresh (refresh.c), so
 * both run one implementation of every check on a party's Paillier key:
 *
 *   round 1  a Paillier key (pooled, or two fresh safe primes), ring-Pedersen
 *            (N, s, t) over it and Πprm for them under the plain session
 *            context; random ρ_i and u_i. These are the opening fields, which
 *            the protocol commits to (V_i, below) beside its own values.
 *   round 2  each party's opening, in session order: it matches V_i,
 *            |N| = bits exactly, N differs from every earlier party's N, Πprm
 *            verifies; then ρ = ρ_1 ⊕ … ⊕ ρ_n.
 *   round 3  Πmod for own N (to everyone) and Πfac to each party j under j's
 *            (N_j, s_j, t_j), both under the session's proof context with its
 *            session id replaced by wf_machine_derive_id(ρ): a proof made
 *            before every ρ_j was revealed, i.e. before the moduli were fixed,
 *            cannot be replayed.
 *
 * Commitment: V_i = the first 32 bytes of SHA-512 over length-prefixed parts
 * (8-byte big-endian lengths, wf_sha512_parts): the protocol's domain string,
 * cluster id, key id, session id, the session's parties (4 bytes each), i (4
 * bytes), the opening fields n, s, t, prm, rho, u as they travel (the wire
 * forms are canonical, so bytes and values agree), then the protocol's own
 * parts.
 *
 * The parties are members 0..n-1 in session order (member = position). A
 * protocol embeds a wf_aux_keys in its machine and carries the fields in its
 * own round messages (wf_aux_keys_wire points at them). */
#ifndef WF_PROTOCOL_AUX_KEYS_H
#define WF_PROTOCOL_AUX_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "crypto/hash.h"
#include "crypto/paillier.h"
#include "crypto/proofs/prm.h"
#include "crypto/ring_pedersen.h"
#include "protocol/aux.h"
#include "protocol/commit_reveal.h"
#include "protocol/machine.h"
#include "protocol/wire.h"

#define WF_AUX_KEYS_RHO_BYTES    32
#define WF_AUX_KEYS_U_BYTES      32
#define WF_AUX_KEYS_COMMIT_BYTES WF_COMMIT_BYTES

/* Fault flags for wf_aux_keys_open (tests and the simulator's cheating node). */
#define WF_AUX_KEYS_FAULT_BAD_PRM 1u /* a Πprm that does not verify */
#define WF_AUX_KEYS_FAULT_SHORT_N 2u /* open N >> 8 instead of N */

/* The opening fields inside a protocol's round-2 message. */
typedef struct wf_aux_keys_wire {
    ProtobufCBinaryData *n, *s, *t, *prm, *rho, *u;
} wf_aux_keys_wire;

typedef struct wf_aux_keys {
    const wf_machine *m; /* the machine this belongs to: session, parties, proof contexts */
    unsigned bits;
    size_t n, me;                       /* parties; own session position */
    wf_paillier_sk *sk;                 /* own key: pooled, or generated in wf_aux_keys_open */
    wf_rped *rped[WF_MAX_MEMBERS];      /* by position: own from round 1, peers' once adopted */
    wf_paillier_pk *pk[WF_MAX_MEMBERS]; /* peers', with rped */
    uint8_t rho_own[WF_AUX_KEYS_RHO_BYTES];
    uint8_t rho[WF_AUX_KEYS_RHO_BYTES]; /* ⊕ of the ρ_j adopted so far */
    int have_rho;                       /* every opening adopted: rho_sid is set */
    uint8_t rho_sid[WF_PROOF_ID_BYTES];
} wf_aux_keys;

/* A peer's opening, decoded and checked against its commitment and |N|. */
typedef struct wf_aux_keys_opening {
    wf_rped *rped;
    wf_proof_prm prm;
    uint8_t rho[WF_AUX_KEYS_RHO_BYTES];
} wf_aux_keys_opening;

/* Reads party pos's filed round-2 opening as wf_aux_keys_read does (the
 * protocol's message around the fields): what the distinct-modulus check uses
 * for an earlier party whose opening it has not adopted yet. o is
 * zero-filled; the caller clears it. */
typedef wf_judgement (*wf_aux_keys_reader)(const wf_machine *m, size_t pos, wf_aux_keys_opening *o,
                                           char *reason, size_t cap);

/* WF_ERR_ARG unless bits is 2048 (WF_PAILLIER_BITS_DEFAULT) or 3072 and a
 * pooled key (may be NULL) has exactly that size. */
wf_err wf_aux_keys_params_check(unsigned bits, const wf_paillier_sk *pooled);
/* Starts the state for the n parties of machine m (own position me); takes
 * pooled (may be NULL) on success of the caller's machine creation. */
void wf_aux_keys_init(wf_aux_keys *k, const wf_machine *m, unsigned bits, size_t n, size_t me,
                      wf_paillier_sk *pooled);
/* Frees and wipes everything the state holds. */
void wf_aux_keys_clear(wf_aux_keys *k);

/* Round 1: the key (unless pooled), ring-Pedersen parameters over it, Πprm,
 * ρ_i and u_i, written into the fields w points at (buffers owned by the
 * arena). faults: WF_AUX_KEYS_FAULT_* flags, 0 in production. */
wf_err wf_aux_keys_open(wf_aux_keys *k, wf_wire_arena *a, const wf_aux_keys_wire *w, unsigned faults);

/* V_party over the opening fields w and the protocol's extra parts (above). */
wf_err wf_aux_keys_commitment(const wf_machine *m, const char *domain, uint32_t party,
                              const wf_aux_keys_wire *w, const wf_hash_part *extra, size_t n_extra,
                              uint8_t v[WF_AUX_KEYS_COMMIT_BYTES]);

/* Round 2: decodes party pos's fields and checks them against v, its round-1
 * commitment (recomputed with domain and extra as the protocol commits), and
 * |N| = bits. o must be zero-filled; clear it with wf_aux_keys_opening_clear. */
wf_judgement wf_aux_keys_read(const wf_aux_keys *k, size_t pos, const wf_aux_keys_wire *w,
                              const uint8_t v[WF_AUX_KEYS_COMMIT_BYTES], const char *domain,
                              const wf_hash_part *extra, size_t n_extra, wf_aux_keys_opening *o, char *reason,
                              size_t cap);
/* Round 2, the checks after wf_aux_keys_read: N_pos differs from every
 * earlier party's (read through `reader` where not adopted yet), then Πprm. */
wf_judgement wf_aux_keys_check(const wf_aux_keys *k, size_t pos, const wf_aux_keys_opening *o,
                               wf_aux_keys_reader reader, char *reason, size_t cap);
/* Our own N against the earlier parties' (they run the check on us): GUILTY
 * means our key was not fresh. */
wf_judgement wf_aux_keys_check_own(const wf_aux_keys *k, wf_aux_keys_reader reader, char *reason, size_t cap);
void wf_aux_keys_opening_clear(wf_aux_keys_opening *o);

/* Round 2: takes party pos's checked opening (its rped moves into the state)
 * and folds its ρ into ρ; o is NULL for our own position. After the last
 * party, wf_aux_keys_bind_rho fixes the ρ-bound proof context. */
wf_err wf_aux_keys_adopt(wf_aux_keys *k, size_t pos, wf_aux_keys_opening *o);
wf_err wf_aux_keys_bind_rho(wf_aux_keys *k);

/* The ρ-bound proof context (valid once ρ is bound) of the party at position
 * prover, to the party at `verifier` or to everyone (SIZE_MAX): what Πmod and
 * Πfac use, and refresh's Πsch. */
void wf_aux_keys_rho_ctx(const wf_aux_keys *k, wf_proof_ctx *ctx, size_t prover, size_t verifier);

/* Round 3: our Πmod (bad: one that does not verify), or our Πfac to the party
 * at position `to`, encoded into f (owned by the arena). */
wf_err wf_aux_keys_put_mod(const wf_aux_keys *k, wf_wire_arena *a, ProtobufCBinaryData *f, int bad);
wf_err wf_aux_keys_put_fac(const wf_aux_keys *k, wf_wire_arena *a, ProtobufCBinaryData *f, size_t to,
                           int bad);
/* Round 3: party pos's Πmod, or its Πfac to the party at `verifier`, as they
 * travel in f. WF_JUDGE_LATER before ρ is bound. */
wf_judgement wf_aux_keys_check_mod(const wf_aux_keys *k, size_t pos, const ProtobufCBinaryData *f,
                                   char *reason, size_t cap);
wf_judgement wf_aux_keys_check_fac(const wf_aux_keys *k, size_t pos, size_t verifier,
                                   const ProtobufCBinaryData *f, char *reason, size_t cap);

/* Output: moves own key and everyone's checked public values into a new
 * record (key id from the session). Free it with wf_aux_free. */
wf_err wf_aux_keys_result(wf_aux_keys *k, wf_aux **out);

#endif
