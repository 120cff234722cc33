/* Πmod, CGGMP21 Fig. 16 (see mod.h). */
#include "crypto/proofs/mod.h"

#include <string.h>

#include "crypto/modexp.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "crypto/transcript.h"

#define MOD_PROOF_NAME "mod"
/* Miller–Rabin rounds for the "N is not prime" check (GMP runs Baillie–PSW
 * first; a composite N usually fails the first round). */
#define MOD_PRIME_REPS 25

void wf_proof_mod_init(wf_proof_mod *proof)
{
    if (proof == NULL)
        return;
    memset(proof, 0, sizeof *proof);
    mpz_init(proof->w);
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_inits(proof->x[i], proof->z[i], NULL);
    proof->ready = 1;
}

void wf_proof_mod_clear(wf_proof_mod *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clear(proof->w);
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_clears(proof->x[i], proof->z[i], NULL);
    memset(proof, 0, sizeof *proof);
}

/* ---- shared by prover and verifier ---- */

/* y_1..y_m ∈ [0, N) by rejection sampling from the challenge XOF of the
 * transcript (context, N, w). */
static wf_err mod_challenges(mpz_t y[WF_PROOF_M], const wf_proof_ctx *ctx, const mpz_t n, const mpz_t w)
{
    wf_transcript t;
    wf_err err = wf_proof_transcript_init(&t, MOD_PROOF_NAME, ctx);
    if (err != WF_OK)
        return err;
    if ((err = wf_transcript_append_mpz(&t, "N", n)) == WF_OK &&
        (err = wf_transcript_append_mpz(&t, "w", w)) == WF_OK) {
        wf_xof xof;
        err = wf_transcript_challenge_xof(&t, "y", &xof);
        for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++)
            wf_xof_sample_below(&xof, n, y[i]);
        wf_xof_wipe(&xof);
    }
    wf_transcript_free(&t);
    return err;
}

/* out = (-1)^a · w^b · y mod N for a, b ∈ {0, 1} (public). */
static void mod_twist(mpz_t out, const mpz_t y, const mpz_t w, unsigned a, unsigned b, const mpz_t n)
{
    mpz_mod(out, y, n);
    if (b) {
        mpz_mul(out, out, w);
        mpz_mod(out, out, n);
    }
    if (a && mpz_sgn(out) != 0)
        mpz_sub(out, n, out);
}

/* WF_ERR_ARG for bits < WF_PAILLIER_MIN_BITS; WF_ERR_ENCODING unless |N| = bits; WF_ERR_RANGE unless N is odd
 * and > 1. */
static wf_err mod_check_modulus(const mpz_t n, unsigned bits)
{
    if (bits < WF_PAILLIER_MIN_BITS)
        return WF_ERR_ARG;
    if (mpz_sgn(n) <= 0 || mpz_sizeinbase(n, 2) != bits)
        return WF_ERR_ENCODING;
    if (mpz_even_p(n) || mpz_cmp_ui(n, 1) <= 0)
        return WF_ERR_RANGE;
    return WF_OK;
}

/* ---- prover ---- */

/* The prover's per-proof constants, all secret. */
typedef struct mod_key {
    mpz_t e4p, e4q;     /* ((r+1)/4)² mod (r-1): 4th root of a square mod r ≡ 3 mod 4 */
    mpz_t dp, dq;       /* N^{-1} mod (r-1): N-th root mod r */
    mpz_t halfp, halfq; /* (r-1)/2: Euler's criterion */
    mpz_t np, nq;       /* N mod (r-1): checks z_i^N = y_i mod r */
} mod_key;

static void mod_key_init(mod_key *k)
{
    mpz_inits(k->e4p, k->e4q, k->dp, k->dq, k->halfp, k->halfq, k->np, k->nq, NULL);
}

static void mod_key_clear(mod_key *k)
{
    mpz_ptr all[] = {k->e4p, k->e4q, k->dp, k->dq, k->halfp, k->halfq, k->np, k->nq};
    wf_proof_wipe_clear(all, WF_PROOF_COUNT(all));
}

/* e = ((r+1)/4)² mod (r-1). */
static void fourth_root_exponent(mpz_t e, const mpz_t r, const mpz_t rm1)
{
    mpz_add_ui(e, r, 1);
    mpz_fdiv_q_2exp(e, e, 2);
    mpz_mul(e, e, e);
    mpz_mod(e, e, rm1);
}

/* d = N^{-1} mod φ without a variable-time inversion modulo the secret φ:
 * u = φ^{-1} mod N (constant time, N odd) gives u·φ = 1 + k·N with
 * 0 < k < φ, so k·N ≡ -1 and (φ - k)·N ≡ 1 (mod φ). */
static wf_err inverse_n_mod_phi(mpz_t d, const wf_paillier_sk *sk)
{
    mpz_t u;
    mpz_init(u);
    wf_err err = wf_invert_sec(u, sk->phi.v, sk->pk.n);
    if (err == WF_OK) {
        mpz_mul(u, u, sk->phi.v);
        mpz_sub_ui(u, u, 1);
        mpz_divexact(u, u, sk->pk.n);
        mpz_sub(d, sk->phi.v, u);
    } else {
        err = WF_ERR_ARG; /* gcd(N, φ(N)) != 1: not a valid Paillier key */
    }
    wf_mpz_wipe(u);
    mpz_clear(u);
    return err;
}

static wf_err mod_key_setup(mod_key *k, const wf_paillier_sk *sk)
{
    fourth_root_exponent(k->e4p, sk->p.v, sk->pm1.v);
    fourth_root_exponent(k->e4q, sk->q.v, sk->qm1.v);
    mpz_fdiv_q_2exp(k->halfp, sk->pm1.v, 1);
    mpz_fdiv_q_2exp(k->halfq, sk->qm1.v, 1);
    mpz_mod(k->np, sk->pk.n, sk->pm1.v);
    mpz_mod(k->nq, sk->pk.n, sk->qm1.v);
    mpz_t d;
    mpz_init(d);
    wf_err err = inverse_n_mod_phi(d, sk);
    if (err == WF_OK) {
        mpz_mod(k->dp, d, sk->pm1.v);
        mpz_mod(k->dq, d, sk->qm1.v);
    }
    wf_mpz_wipe(d);
    mpz_clear(d);
    return err;
}

/* 1 if v mod r is a non-residue, 0 if a residue (Euler's criterion,
 * v^((r-1)/2) mod r by mpz_powm_sec); -1 if r divides v. tmp is scratch. */
static int non_residue_bit(mpz_t tmp, const mpz_t v, const mpz_t r, const mpz_t half)
{
    mpz_mod(tmp, v, r);
    mpz_powm_sec(tmp, tmp, half, r);
    int bit = mpz_cmp_ui(tmp, 1) != 0;
    int zero = mpz_sgn(tmp) == 0;
    wf_mpz_wipe(tmp);
    return zero ? -1 : bit;
}

/* out = CRT(vp mod p, vq mod q) = vq + q·((vp - vq)·q^{-1} mod p). out must not alias vp or vq. */
/* out = v^(ep mod p, eq mod q) mod N by CRT, all with mpz_powm_sec. */
static void crt_powm(mpz_t out, const mpz_t v, const mpz_t ep, const mpz_t eq, const wf_paillier_sk *sk)
{
    mpz_t vp, vq;
    mpz_inits(vp, vq, NULL);
    mpz_mod(vp, v, sk->p.v);
    mpz_powm_sec(vp, vp, ep, sk->p.v);
    mpz_mod(vq, v, sk->q.v);
    mpz_powm_sec(vq, vq, eq, sk->q.v);
    wf_crt_combine(out, vp, vq, sk->p.v, sk->q.v, sk->qinv_p.v);
    wf_mpz_wipe(vp);
    wf_mpz_wipe(vq);
    mpz_clears(vp, vq, NULL);
}

/* 1 iff v^e = y mod r (v a public candidate answer, e and r secret). */
static int check_mod_prime(mpz_t tmp, const mpz_t v, const mpz_t e, const mpz_t y, const mpz_t r)
{
    mpz_mod(tmp, v, r);
    mpz_powm_sec(tmp, tmp, e, r);
    int ok = mpz_congruent_p(tmp, y, r);
    wf_mpz_wipe(tmp);
    return ok;
}

/* Repetition i: (a_i, b_i), x_i, z_i for challenge y. wp = 1 iff w is a
 * non-residue mod p (then it is a residue mod q, since Jacobi(w, N) = -1). */
static wf_err mod_answer(wf_proof_mod *proof, size_t i, const mpz_t y, unsigned wp, const mod_key *k,
                         const wf_paillier_sk *sk)
{
    const mpz_srcptr n = sk->pk.n;
    mpz_t tmp, yt;
    mpz_inits(tmp, yt, NULL);
    wf_err err = WF_ERR_INTERNAL;
    int np = non_residue_bit(tmp, y, sk->p.v, k->halfp);
    int nq = non_residue_bit(tmp, y, sk->q.v, k->halfq);
    if (np < 0 || nq < 0)
        goto out; /* y shares a factor with N: probability ~2^-1023 */
    /* -1 is a non-residue mod p and mod q, and w mod exactly one of them:
     * y' is a residue mod both iff np ^ a ^ (b & wp) = 0 and nq ^ a ^ (b & !wp) = 0. */
    unsigned b = (unsigned)(np ^ nq);
    unsigned a = (unsigned)np ^ (b & wp);
    proof->a[i] = (uint8_t)a;
    proof->b[i] = (uint8_t)b;
    mod_twist(yt, y, proof->w, a, b, n);
    crt_powm(proof->x[i], yt, k->e4p, k->e4q, sk);
    crt_powm(proof->z[i], y, k->dp, k->dq, sk);
    /* Fault check before anything leaves (a wrong CRT half would give away a
     * factor): x_i^4 = y'_i mod N, and z_i^N = y_i mod p and mod q with N
     * reduced mod r-1 (a quarter of the cost of one exponentiation mod N). */
    mpz_powm_ui(tmp, proof->x[i], 4, n);
    if (mpz_cmp(tmp, yt) == 0 && check_mod_prime(tmp, proof->z[i], k->np, y, sk->p.v) &&
        check_mod_prime(tmp, proof->z[i], k->nq, y, sk->q.v))
        err = WF_OK;
out:
    wf_mpz_wipe(tmp);
    wf_mpz_wipe(yt);
    mpz_clears(tmp, yt, NULL);
    return err;
}

/* w uniform among the units of Jacobi symbol -1 (w is public). */
static wf_err mod_pick_w(mpz_t w, const mpz_t n)
{
    wf_err err;
    do {
        err = wf_mpz_random_unit(w, n);
    } while (err == WF_OK && mpz_jacobi(w, n) != -1);
    return err;
}

static wf_err mod_prove_check(const wf_proof_mod *proof, const wf_proof_ctx *ctx,
                              const wf_proof_mod_stmt *stmt, const wf_paillier_sk *sk)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->n == NULL || sk == NULL)
        return WF_ERR_ARG;
    if (mpz_cmp(stmt->n, sk->pk.n) != 0 || mod_check_modulus(stmt->n, stmt->bits) != WF_OK)
        return WF_ERR_ARG;
    if (mpz_fdiv_ui(sk->p.v, 4) != 3 || mpz_fdiv_ui(sk->q.v, 4) != 3 || mpz_cmp(sk->p.v, sk->q.v) == 0)
        return WF_ERR_ARG;
    return WF_OK;
}

wf_err wf_proof_mod_prove(wf_proof_mod *proof, const wf_proof_ctx *ctx, const wf_proof_mod_stmt *stmt,
                          const wf_paillier_sk *sk)
{
    wf_err err = mod_prove_check(proof, ctx, stmt, sk);
    if (err != WF_OK)
        return err;
    mod_key k;
    mod_key_init(&k);
    mpz_t y[WF_PROOF_M], tmp;
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_init(y[i]);
    mpz_init(tmp);

    proof->m = 0;
    err = mod_key_setup(&k, sk);
    if (err == WF_OK)
        err = mod_pick_w(proof->w, stmt->n);
    int wp = err == WF_OK ? non_residue_bit(tmp, proof->w, sk->p.v, k.halfp) : 0;
    if (err == WF_OK && wp < 0)
        err = WF_ERR_INTERNAL; /* impossible: w is a unit */
    if (err == WF_OK)
        err = mod_challenges(y, ctx, stmt->n, proof->w);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++)
        err = mod_answer(proof, i, y[i], (unsigned)wp, &k, sk);
    proof->m = err == WF_OK ? WF_PROOF_M : 0;
    for (size_t i = 0; err != WF_OK && i < WF_PROOF_M; i++) { /* nothing half-made survives */
        wf_mpz_wipe(proof->x[i]);
        wf_mpz_wipe(proof->z[i]);
    }

    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_clear(y[i]);
    wf_mpz_wipe(tmp);
    mpz_clear(tmp);
    mod_key_clear(&k);
    return err;
}

/* ---- verifier ---- */

/* Every received value, before any use: count, w, x_i, z_i units, bits. */
static wf_err mod_check_values(const wf_proof_mod *proof, const mpz_t n)
{
    if (proof->m != WF_PROOF_M)
        return WF_ERR_ENCODING;
    wf_err err = wf_proof_check_unit(proof->w, n);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        if (proof->a[i] > 1 || proof->b[i] > 1)
            return WF_ERR_RANGE;
        err = wf_proof_check_unit(proof->x[i], n);
        if (err == WF_OK)
            err = wf_proof_check_unit(proof->z[i], n);
    }
    return err;
}

/* x_i^4 = (-1)^a_i · w^b_i · y_i for every i (cheap), then z_i^N = y_i. */
static wf_err mod_check_equations(const wf_proof_mod *proof, const mpz_t y[WF_PROOF_M], const mpz_t n)
{
    mpz_t lhs, rhs;
    mpz_inits(lhs, rhs, NULL);
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        mpz_powm_ui(lhs, proof->x[i], 4, n);
        mod_twist(rhs, y[i], proof->w, proof->a[i], proof->b[i], n);
        if (mpz_cmp(lhs, rhs) != 0)
            err = WF_ERR_VERIFY;
    }
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        mpz_powm(lhs, proof->z[i], n, n);
        if (mpz_cmp(lhs, y[i]) != 0)
            err = WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, NULL);
    return err;
}

wf_err wf_proof_mod_verify(const wf_proof_mod *proof, const wf_proof_ctx *ctx, const wf_proof_mod_stmt *stmt)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->n == NULL)
        return WF_ERR_ARG;
    const mpz_srcptr n = stmt->n;
    wf_err err = mod_check_modulus(n, stmt->bits);
    if (err == WF_OK)
        err = mod_check_values(proof, n);
    if (err != WF_OK)
        return err;
    if (mpz_jacobi(proof->w, n) != -1 || mpz_probab_prime_p(n, MOD_PRIME_REPS) != 0)
        return WF_ERR_VERIFY;

    mpz_t y[WF_PROOF_M];
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_init(y[i]);
    err = mod_challenges(y, ctx, n, proof->w);
    if (err == WF_OK)
        err = mod_check_equations(proof, (const mpz_t *)y, n);
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_clear(y[i]);
    return err;
}
