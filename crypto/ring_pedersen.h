/* Ring-Pedersen parameters (CGGMP21 Def. 1.3): N = p·q a Paillier modulus,
 * t = r² mod N a random quadratic residue, s = t^λ mod N for secret λ.
 * Commitments s^x·t^y mod N to integers x, y are perfectly hiding and binding
 * under the strong-RSA assumption for anyone who does not know φ(N).
 *
 * Structs are plain so the Πprm prover can read λ and φ(N) (it proves
 * knowledge of λ with s = t^λ) and verifiers can read N, s, t.
 *
 * Thread safety: parameters are read-only after creation; any number of
 * threads may use them at once. */
#ifndef WF_RING_PEDERSEN_H
#define WF_RING_PEDERSEN_H

#include <gmp.h>

#include "err.h"
#include "paillier.h"
#include "secmem.h"

struct wf_rped_accel;

typedef struct wf_rped {
    mpz_t n;       /* N, odd */
    mpz_t s;       /* s = t^λ mod N */
    mpz_t t;       /* t = r² mod N */
    unsigned bits; /* bit length of N */
    /* Optional acceleration; zero (NULL) means none, so a struct built by
     * hand must be zeroed first.
     *
     * owner: the Paillier secret key over N when these are this party's own
     * parameters (set by wf_rped_generate). Verifiers of proofs made for us
     * then check s^x·t^y·… mod N by CRT over p and q. LIFETIME: the sk must
     * outlive every wf_rped (and every copy of its pointer) naming it; free
     * the rped first.
     *
     * accel: fixed-base tables for s and t (wf_rped_precompute), for a
     * prover committing under a peer's parameters; owned, freed by
     * wf_rped_free. */
    const wf_paillier_sk *owner;
    struct wf_rped_accel *accel;
} wf_rped;

/* Lives in wf_secure_alloc() memory. */
typedef struct wf_rped_secret {
    wf_smpz lambda; /* λ ∈ [1, φ(N)) with s = t^λ mod N */
    wf_smpz phi;    /* φ(N) */
} wf_rped_secret;

/* Fresh parameters over sk's modulus: t = r² mod N for a random unit r,
 * λ uniform in [1, φ(N)) (λ = 0 would give s = t), s = t^λ mod N by
 * mpz_powm_sec. Draws again in the negligible event that the result fails
 * wf_rped_params_check. Both outputs are NULL on failure. The result's owner
 * is sk (see wf_rped: sk must outlive it). */
wf_err wf_rped_generate(wf_rped **params_out, wf_rped_secret **secret_out, const wf_paillier_sk *sk);

/* Copies a peer's (N, s, t) and runs wf_rped_params_check(…, bits) on it.
 * *out is NULL on failure. */
wf_err wf_rped_from_values(wf_rped **out, const mpz_t n, const mpz_t s, const mpz_t t, unsigned bits);

/* WF_OK if N is odd and exactly `bits` bits, 0 < s, t < N, s and t are units
 * mod N, s != t, and neither is 1. WF_ERR_RANGE for a bad N or a bad value of
 * s or t, WF_ERR_NOT_UNIT for s or t sharing a factor with N, WF_ERR_ARG for
 * NULL or bits < WF_PAILLIER_MIN_BITS. (Well-formedness only: that s lies in
 * <t> is what Πprm proves.) */
wf_err wf_rped_params_check(const wf_rped *params, unsigned bits);

/* Builds constant-time fixed-base tables for s and t (about 1.2 MB at 2048
 * bits, ~25 ms), after which wf_rped_commit is about 5x faster for every
 * exponent of up to |N| + WF_RPED_ACCEL_EXTRA_BITS bits (all the range
 * proofs' commitments; larger ones take the plain path). Call it once per
 * peer after aux-info, before the parameters are shared between threads.
 * Idempotent. WF_ERR_NOMEM; WF_ERR_ARG for NULL or an even N. */
wf_err wf_rped_precompute(wf_rped *params);
#define WF_RPED_ACCEL_EXTRA_BITS 1024u

/* out = s^x · t^y mod N for secret signed x, y with |x| <= 2^x_bits and
 * |y| <= 2^y_bits (WF_ERR_RANGE otherwise), in time that depends only on the
 * bounds: by the fixed-base tables when wf_rped_precompute ran, else each
 * power by wf_powm_sec_signed. Same result either way. out may alias x or y. */
wf_err wf_rped_commit(mpz_t out, const wf_rped *params, const mpz_t x, unsigned x_bits, const mpz_t y,
                      unsigned y_bits);

/* Accept NULL; the secret is wiped. wf_rped_free also frees the tables. */
void wf_rped_free(wf_rped *params);
/* params->owner if set and really over params' N, else NULL. */
const wf_paillier_sk *wf_rped_owner(const wf_rped *params);
void wf_rped_secret_free(wf_rped_secret *secret);

#endif
