/* Paillier encryption with g = 1 + N over N = p·q, p and q distinct safe primes
 * ≡ 3 mod 4 of equal size (CGGMP21 §2 and aux-info).
 *
 *   Enc(m; ρ) = (1+N)^m · ρ^N mod N²,   ρ ∈ Z*_N
 *   Dec(c)    = L(c^φ mod N²) · φ^{-1} mod N,   L(x) = (x-1)/N
 *
 * Decryption runs by CRT over p² and q² (m_p = L_p(c^(p-1) mod p²)·h_p mod p),
 * roughly four times faster than the plain formula kept for tests.
 *
 * Plaintexts: every encrypt function accepts m with -N/2 < m < N, i.e. either
 * the signed (centred) representative in (-N/2, N/2] or the one reduced into
 * [0, N), and encrypts m mod N. Anything else is WF_ERR_RANGE.
 *
 * Ciphertexts must lie in Z*_{N²} (see wf_paillier_ciphertext_check); every
 * function taking a ciphertext refuses one that does not.
 *
 * Secrets: the secret key lives in wf_secure_alloc() memory and its integers are
 * wiped on free. Exponentiations with a secret base or exponent use
 * mpz_powm_sec; the surrounding multiplications and reductions use ordinary GMP
 * arithmetic. Output arguments may alias inputs.
 *
 * Thread safety: keys are read-only after creation; any number of threads may
 * use one key at once. */
#ifndef WF_PAILLIER_H
#define WF_PAILLIER_H

#include <gmp.h>

#include "err.h"
#include "secmem.h"

/* Cluster default modulus size; 3072 is also allowed (DESIGN §3). */
#define WF_PAILLIER_BITS_DEFAULT 2048u
/* Sanity floor for modulus sizes (tests use small keys); NOT a security level. */
#define WF_PAILLIER_MIN_BITS 64u

struct wf_paillier_sk;

typedef struct wf_paillier_pk {
    mpz_t n;       /* N = p·q */
    mpz_t n2;      /* N² */
    unsigned bits; /* bit length of N */
    /* The secret key this public key belongs to, when this process holds it:
     * set for the pk inside a wf_paillier_sk (wf_paillier_sk_public), NULL
     * for a peer's key (wf_paillier_pk_from_n) and in a zeroed struct.
     * Encryption and the proof verifiers then work by CRT over p², q²
     * (same results, several times faster). See wf_paillier_pk_owner. */
    const struct wf_paillier_sk *owner;
} wf_paillier_pk;

/* Plain struct so proof code (Πmod, Πfac, Πdec) can read the factorisation.
 * Read-only outside paillier.c. */
typedef struct wf_paillier_sk {
    wf_paillier_pk pk; /* the matching public key */
    wf_smpz p, q;      /* safe primes, p != q, same size */
    wf_smpz p2, q2;    /* p², q² */
    wf_smpz pm1, qm1;  /* p-1, q-1 */
    wf_smpz hp, hq;    /* h_p = L_p((1+N)^(p-1) mod p²)^{-1} mod p; h_q likewise */
    wf_smpz qinv_p;    /* q^{-1} mod p, for CRT recombination mod N */
    wf_smpz phi;       /* φ(N) = (p-1)(q-1) */
    wf_smpz ep, eq;    /* N mod p(p-1), N mod q(q-1): ρ^N by CRT (Fermat–Euler) */
    wf_smpz q2inv_p2;  /* (q²)^{-1} mod p², for CRT recombination mod N² */
} wf_paillier_sk;

/* ---- keys ---- */

/* Builds a public key from a peer's N. *out is NULL on failure.
 * WF_ERR_RANGE unless N is odd and exactly `bits` bits long
 * (2^(bits-1) <= N < 2^bits); WF_ERR_ARG if bits < WF_PAILLIER_MIN_BITS. */
wf_err wf_paillier_pk_from_n(wf_paillier_pk **out, const mpz_t n, unsigned bits);
/* Accepts NULL. Never call it on wf_paillier_sk_public()'s result. */
void wf_paillier_pk_free(wf_paillier_pk *pk);

/* Secret key from two primes. WF_ERR_ARG if p == q, or either fails
 * wf_safe_prime_check at the size of p (safe, ≡ 3 mod 4, top two bits set,
 * equal sizes). The result has |N| = 2·|p| exactly. *out is NULL on failure. */
wf_err wf_paillier_keygen_from_primes(wf_paillier_sk **out, const mpz_t p, const mpz_t q);
/* Fresh key with an N of exactly modulus_bits bits (even, >= WF_PAILLIER_MIN_BITS,
 * else WF_ERR_ARG) from two new safe primes. cancel: see wf_safe_prime_generate.
 * Slow (seconds at 2048 bits); meant for a background thread. */
wf_err wf_paillier_keygen(wf_paillier_sk **out, unsigned modulus_bits, const volatile int *cancel);
/* The public half of sk, owned by sk; its owner field is sk. */
const wf_paillier_pk *wf_paillier_sk_public(const wf_paillier_sk *sk);
/* pk->owner if it is set and really holds pk's N, else NULL (accepts NULL). */
const wf_paillier_sk *wf_paillier_pk_owner(const wf_paillier_pk *pk);
/* Wipes and frees. Accepts NULL. */
void wf_paillier_sk_free(wf_paillier_sk *sk);

/* ---- encryption (ρ is secret: the caller wipes it) ---- */

/* c = Enc(m; rho). rho must satisfy 0 < rho < N (WF_ERR_RANGE) and be a unit
 * mod N (WF_ERR_NOT_UNIT). By CRT (wf_paillier_encrypt_crt) when pk has an
 * owner. */
wf_err wf_paillier_encrypt_with(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho);
/* c = Enc(m; ρ) with fresh uniform ρ ∈ Z*_N, returned in rho_out unless it is NULL. */
wf_err wf_paillier_encrypt(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, mpz_t rho_out);
/* Same result as wf_paillier_encrypt_with under sk's public key, with ρ^N mod N²
 * computed by CRT over p² and q² (for a party encrypting under its own key). */
wf_err wf_paillier_encrypt_crt(mpz_t c, const wf_paillier_sk *sk, const mpz_t m, const mpz_t rho);

/* ---- decryption ---- */

/* m = Dec(c) in [0, N), by CRT. */
wf_err wf_paillier_decrypt(mpz_t m, const wf_paillier_sk *sk, const mpz_t c);
/* m = Dec(c) as the centred representative in (-N/2, N/2]. */
wf_err wf_paillier_decrypt_signed(mpz_t m, const wf_paillier_sk *sk, const mpz_t c);
/* m = L(c^λ mod N²)·μ mod N with λ = lcm(p-1, q-1), μ = L((1+N)^λ mod N²)^{-1}.
 * Slow reference path for tests only (checks the CRT path). */
wf_err wf_paillier_decrypt_plain(mpz_t m, const wf_paillier_sk *sk, const mpz_t c);

/* ---- homomorphic operations on public ciphertexts ---- */

/* c = c1·c2 mod N², an encryption of m1 + m2 mod N. */
wf_err wf_paillier_add(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t c2);
/* c = c1^k mod N² for a public integer k of any sign (k < 0 uses c1^{-1}),
 * an encryption of k·m1 mod N. Variable time in k. */
wf_err wf_paillier_mul_scalar(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k);
/* Same for a secret k with |k| <= 2^bound_bits, via wf_powm_sec_signed (the
 * exponentiation time depends on bound_bits only). WF_ERR_RANGE if k is out
 * of bounds. */
wf_err wf_paillier_mul_scalar_sec(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k,
                                  unsigned bound_bits);
/* c = c1^k · Enc(m; rho) mod N² for a secret k with |k| <= 2^bound_bits and
 * secret m, rho (the affine step of MtA, D = (k ⊙ C) ⊕ Enc(m; ρ)), in one
 * constant-time pass sharing the squarings of c1^k and ρ^N (by CRT when pk
 * has an owner): about 30% cheaper than mul_scalar_sec + encrypt_with + add,
 * same result. Errors as those three. */
wf_err wf_paillier_affine_sec(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k,
                              unsigned bound_bits, const mpz_t m, const mpz_t rho);

/* WF_OK if 0 < c < N² (else WF_ERR_RANGE) and gcd(c, N) = 1 (else WF_ERR_NOT_UNIT). */
wf_err wf_paillier_ciphertext_check(const wf_paillier_pk *pk, const mpz_t c);

#endif
