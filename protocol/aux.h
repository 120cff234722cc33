/* What aux-info gives each party, and what presign and sign take: its own
 * Paillier key (N = p·q, safe primes, also the modulus of its ring-Pedersen
 * parameters) and every party's checked public (N_j, s_j, t_j): each passed
 * Πmod, Πprm and Πfac, and no two parties share a modulus. */
#ifndef WF_PROTOCOL_AUX_H
#define WF_PROTOCOL_AUX_H

#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/paillier.h"
#include "crypto/ring_pedersen.h"
#include "protocol/envelope.h"

typedef struct wf_aux {
    uint8_t key_id[WF_ID_BYTES];
    uint32_t n;    /* members, by member index */
    uint32_t self;
    unsigned bits; /* |N| of every party (cluster parameter) */
    wf_paillier_sk *sk;                   /* own key, locked memory */
    wf_paillier_pk *pk[WF_MAX_MEMBERS];   /* peers' keys; pk[self] is NULL (use wf_aux_pk) */
    wf_rped *rped[WF_MAX_MEMBERS];        /* everyone's (N, s, t), own included */
} wf_aux;

/* 1 for the modulus sizes aux-info runs with (DESIGN §3): 2048
 * (WF_PAILLIER_BITS_DEFAULT) and 3072. */
int wf_aux_bits_valid(unsigned bits);

/* The one construction of a wf_aux, shared by aux-info's result and stored
 * records (protocol/record.h). Takes ownership of sk and of rped[0..n-1] on
 * success and on failure alike (freeing them then). Names sk as the owner of
 * rped[self] (verifiers of proofs made for us work by CRT), and builds every
 * peer's Paillier public key from its rped's N; pk[self] stays NULL (wf_aux_pk
 * gives sk's, whose owner is sk). Builds no tables (wf_aux_precompute).
 * WF_ERR_ARG unless 2 <= n <= WF_MAX_MEMBERS, self < n, bits is valid, every
 * rped[j] is present with |N_j| = bits, and sk's N is rped[self]'s. */
wf_err wf_aux_assemble(wf_aux **out, const uint8_t key_id[WF_ID_BYTES], uint32_t n, uint32_t self,
                       unsigned bits, wf_paillier_sk *sk, wf_rped *const *rped);

/* Party j's Paillier public key (own: the one inside sk). */
const wf_paillier_pk *wf_aux_pk(const wf_aux *a, uint32_t j);
/* Builds the fixed-base tables of every peer's ring-Pedersen (s, t)
 * (wf_rped_precompute, about 1.2 MB each at 2048 bits): presign proofs then
 * commit under them several times faster. Call once after aux-info. */
wf_err wf_aux_precompute(wf_aux *a);
/* Wipes and frees everything. Accepts NULL. */
void wf_aux_free(wf_aux *a);

#endif
