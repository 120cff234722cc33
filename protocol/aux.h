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

/* Party j's Paillier public key (own: the one inside sk). */
const wf_paillier_pk *wf_aux_pk(const wf_aux *a, uint32_t j);
/* Builds the fixed-base tables of every peer's ring-Pedersen (s, t)
 * (wf_rped_precompute, about 1.2 MB each at 2048 bits): presign proofs then
 * commit under them several times faster. Call once after aux-info. */
wf_err wf_aux_precompute(wf_aux *a);
/* Wipes and frees everything. Accepts NULL. */
void wf_aux_free(wf_aux *a);

#endif
