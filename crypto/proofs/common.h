/* What every CGGMP21 proof shares: the paper's range parameters, the session
 * binding each Fiat–Shamir transcript absorbs (DESIGN §3), range and unit
 * checks, and sampling in the paper's ±2^k·M intervals.
 *
 * Every challenge hashes: the proof's name and version, the protocol name,
 * cluster id, key id, session id, the ordered signing set, the prover's and
 * the verifier's indices, then every public value of the statement (the
 * verifier's N̂, s, t included) and the prover's first message. A proof made
 * for one session, prover, verifier or statement does not verify for another. */
#ifndef WF_PROOFS_COMMON_H
#define WF_PROOFS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/point.h"
#include "crypto/ring_pedersen.h"
#include "crypto/transcript.h"

#define WF_PROOF_ELL       256u                /* ℓ */
#define WF_PROOF_ELL_PRIME (5u * WF_PROOF_ELL) /* ℓ' */
#define WF_PROOF_EPS       (2u * WF_PROOF_ELL) /* ε */
#define WF_PROOF_M         128u                /* repetitions of Πmod and Πprm */

#define WF_PROOF_CHALLENGE_BITS 256u /* |e| <= q < 2^256 */

/* Smallest Paillier or ring-Pedersen modulus a verifier accepts: the range
 * checks (up to 2^{ℓ'+ε} = 2^1792) only mean something below the modulus. */
#define WF_PROOF_MIN_MODULUS_BITS 2048u

#define WF_PROOF_ID_BYTES 32
/* verifier index of a proof addressed to every party */
#define WF_PROOF_BROADCAST UINT32_MAX

typedef struct wf_proof_ctx {
    const char *protocol;                  /* e.g. "warifu/presign/v1" */
    uint8_t cluster_id[WF_PROOF_ID_BYTES]; /* hash of the cluster configuration */
    uint8_t key_id[WF_PROOF_ID_BYTES];
    uint8_t session_id[WF_PROOF_ID_BYTES];
    const uint32_t *signers; /* ordered signing set (party indices) */
    size_t n_signers;
    uint32_t prover;
    uint32_t verifier; /* or WF_PROOF_BROADCAST */
} wf_proof_ctx;

/* Starts the transcript of one proof: domain "warifu/proof/<name>/v1" and the
 * whole context. The caller then appends the statement and first message. */
wf_err wf_proof_transcript_init(wf_transcript *t, const char *proof_name, const wf_proof_ctx *ctx);
/* Absorbs a ring-Pedersen triple (N̂, s, t) or a Paillier modulus N. */
wf_err wf_proof_append_rped(wf_transcript *t, const char *label, const wf_rped *rp);
wf_err wf_proof_append_paillier(wf_transcript *t, const char *label, const wf_paillier_pk *pk);

/* One value a challenge absorbs, with its label: build them with the
 * WF_PROOF_ITEM_* macros, in the order the proof's transcript lists them. */
typedef enum wf_proof_item_kind {
    WF_PROOF_ITEM_KIND_MPZ,
    WF_PROOF_ITEM_KIND_POINT,
    WF_PROOF_ITEM_KIND_SCALAR,
    WF_PROOF_ITEM_KIND_U64,
    WF_PROOF_ITEM_KIND_RPED,    /* wf_proof_append_rped */
    WF_PROOF_ITEM_KIND_PAILLIER /* wf_proof_append_paillier */
} wf_proof_item_kind;

typedef struct wf_proof_item {
    const char *label;
    wf_proof_item_kind kind;
    union {
        mpz_srcptr mpz;
        const wf_point *point;
        const wf_scalar *scalar;
        uint64_t u64;
        const wf_rped *rped;
        const wf_paillier_pk *paillier;
    } v;
} wf_proof_item;

#define WF_PROOF_ITEM_OF(l, k, f, x)                                                                         \
    ((wf_proof_item){.label = (l), .kind = WF_PROOF_ITEM_KIND_##k, .v.f = (x)})
#define WF_PROOF_ITEM_MPZ(l, x)      WF_PROOF_ITEM_OF(l, MPZ, mpz, x)
#define WF_PROOF_ITEM_POINT(l, x)    WF_PROOF_ITEM_OF(l, POINT, point, x)
#define WF_PROOF_ITEM_SCALAR(l, x)   WF_PROOF_ITEM_OF(l, SCALAR, scalar, x)
#define WF_PROOF_ITEM_U64(l, x)      WF_PROOF_ITEM_OF(l, U64, u64, x)
#define WF_PROOF_ITEM_RPED(l, x)     WF_PROOF_ITEM_OF(l, RPED, rped, x)
#define WF_PROOF_ITEM_PAILLIER(l, x) WF_PROOF_ITEM_OF(l, PAILLIER, paillier, x)
#define WF_PROOF_COUNT(a)            (sizeof(a) / sizeof((a)[0]))

/* e ∈ [-q, q] from the transcript of proof_name: the context, then items[0..n)
 * in order. */
wf_err wf_proof_challenge_pm_q(mpz_t e, const char *proof_name, const wf_proof_ctx *ctx,
                               const wf_proof_item *items, size_t n);

/* 1 iff |x| <= 2^bits. */
int wf_proof_in_range(const mpz_t x, unsigned bits);
/* 1 iff |x| <= 2^bits · m. */
int wf_proof_in_range_scaled(const mpz_t x, unsigned bits, const mpz_t m);
/* WF_OK iff 0 < x < n (WF_ERR_RANGE) and gcd(x, n) = 1 (WF_ERR_NOT_UNIT). */
wf_err wf_proof_check_unit(const mpz_t x, const mpz_t n);
/* WF_OK iff p is a point of the curve other than infinity (WF_ERR_INFINITY,
 * WF_ERR_NOT_ON_CURVE): for received points held in plain wf_point structs. */
wf_err wf_proof_check_point(const wf_point *p);
/* WF_ERR_RANGE unless n has at least WF_PROOF_MIN_MODULUS_BITS bits. */
wf_err wf_proof_check_modulus(const mpz_t n);
/* The setting of a range proof: the prover's modulus and the verifier's
 * ring-Pedersen modulus are both large enough (WF_ERR_RANGE) and differ
 * (WF_ERR_ARG): a prover who knows φ(N̂) can forge every range proof. */
wf_err wf_proof_check_setting(const mpz_t prover_n, const wf_rped *rped);

/* Uniform in [-2^bits·m, 2^bits·m]. */
void wf_proof_random_pm_scaled(mpz_t rop, unsigned bits, const mpz_t m);

/* Public (variable-time) r = b^e mod n for a signed e; WF_ERR_NOT_UNIT when
 * e < 0 and b is not invertible. For verifiers only. */
wf_err wf_proof_powm_public(mpz_t r, const mpz_t b, const mpz_t e, const mpz_t n);
/* Public s^x · t^y mod N̂ for signed x, y (verifier side of a commitment). */
wf_err wf_proof_rped_public(mpz_t r, const wf_rped *rp, const mpz_t x, const mpz_t y);
/* Public Enc_N(m; ρ) = (1 + m·N) · ρ^N mod N² for any integer m (verifier side). */
wf_err wf_proof_paillier_public(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho);

/* Bit length of a value bounded by 2^bits·m, for the secret-exponent helpers. */
unsigned wf_proof_bound_bits(unsigned bits, const mpz_t m);

/* ---- prover side: secret operands, constant-time paths ---- */

/* out = k·G for a secret integer k (reduced mod q in locked memory);
 * WF_ERR_INTERNAL when k ≡ 0 mod q (probability < 2^-250): infinity has no
 * wire form. */
wf_err wf_proof_base_mul_secret(wf_point *out, const mpz_t k);
/* a = c^α · Enc_N(β; r) mod N² for a secret α with |α| <= 2^alpha_bits and a
 * ciphertext c ∈ Z*_{N²} (wf_paillier_affine_sec). */
wf_err wf_proof_affine_secret(mpz_t a, const wf_paillier_pk *pk, const mpz_t c, const mpz_t alpha,
                              unsigned alpha_bits, const mpz_t beta, const mpz_t r);
/* w = r·ρ^e mod n for a secret ρ and a challenge |e| <= 2^WF_PROOF_CHALLENGE_BITS. */
wf_err wf_proof_mask_secret(mpz_t w, const mpz_t r, const mpz_t rho, const mpz_t e, const mpz_t n);
/* z = a + e·x over the integers. */
void wf_proof_lin(mpz_t z, const mpz_t a, const mpz_t e, const mpz_t x);
/* Wipes and frees v[0..n). */
void wf_proof_wipe_clear(mpz_ptr const *v, size_t n);

/* ---- verifier side: every operand public ---- */

/* A ring element and the modulus it must be a unit of. */
typedef struct wf_proof_unit {
    mpz_srcptr v;
    mpz_srcptr n;
} wf_proof_unit;

/* wf_proof_check_unit on each item in order; the first error. */
wf_err wf_proof_check_units(const wf_proof_unit *items, size_t n);
/* wf_proof_check_point on each point, then wf_proof_check_units; the first
 * error. */
wf_err wf_proof_check_received(const wf_point *const *points, size_t n_points, const wf_proof_unit *units,
                               size_t n_units);
/* WF_OK iff lhs ≡ a·b^e (mod n), else WF_ERR_VERIFY; WF_ERR_NOT_UNIT when
 * e < 0 and b is not invertible. */
wf_err wf_proof_check_eq(const mpz_t lhs, const mpz_t a, const mpz_t b, const mpz_t e, const mpz_t n);
/* WF_OK iff b1^x1 · b2^x2 ≡ a·b^e (mod n) for signed exponents (errors as above). */
wf_err wf_proof_check_eq2(const mpz_t b1, const mpz_t x1, const mpz_t b2, const mpz_t x2, const mpz_t a,
                          const mpz_t b, const mpz_t e, const mpz_t n);
/* s^x · t^y ≡ a·b^e (mod N̂). */
wf_err wf_proof_check_rped_eq(const wf_rped *rp, const mpz_t x, const mpz_t y, const mpz_t a, const mpz_t b,
                              const mpz_t e);
/* [base^z]·(1+N)^m·w^N ≡ a·d^e (mod N²); without the first factor when base is
 * NULL (z is then unused). */
wf_err wf_proof_check_paillier_eq(const wf_paillier_pk *pk, mpz_srcptr base, mpz_srcptr z, const mpz_t m,
                                  const mpz_t w, const mpz_t a, const mpz_t d, const mpz_t e);
/* z·G == B + e·X, checked as z·G + (−e)·X == B (z, e reduced mod q). */
wf_err wf_proof_check_group_eq(const wf_point *b, const wf_point *x, const mpz_t z, const mpz_t e);

#endif
