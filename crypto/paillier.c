#include "paillier.h"

#include <stdlib.h>

#include "crt.h"
#include "modexp.h"
#include "mont.h"
#include "random.h"
#include "safe_prime.h"

/* ---- public keys ---- */

static int pk_bits_ok(unsigned bits)
{
    return bits >= WF_PAILLIER_MIN_BITS && bits <= WF_MODEXP_MAX_BOUND_BITS;
}

/* Fills an initialised pk from N (already validated). */
static void pk_set(wf_paillier_pk *pk, const mpz_t n)
{
    mpz_set(pk->n, n);
    mpz_mul(pk->n2, n, n);
    pk->bits = (unsigned)mpz_sizeinbase(n, 2);
}

wf_err wf_paillier_pk_from_n(wf_paillier_pk **out, const mpz_t n, unsigned bits)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (n == NULL || !pk_bits_ok(bits))
        return WF_ERR_ARG;
    if (mpz_sgn(n) <= 0 || mpz_even_p(n) || mpz_sizeinbase(n, 2) != bits)
        return WF_ERR_RANGE;
    wf_paillier_pk *pk = malloc(sizeof *pk);
    if (pk == NULL)
        return WF_ERR_NOMEM;
    mpz_inits(pk->n, pk->n2, NULL);
    pk_set(pk, n);
    pk->owner = NULL;
    *out = pk;
    return WF_OK;
}

void wf_paillier_pk_free(wf_paillier_pk *pk)
{
    if (pk == NULL)
        return;
    mpz_clears(pk->n, pk->n2, NULL);
    free(pk);
}

/* ---- secret keys ---- */

#define SK_SECRETS 13

/* Every secret integer of sk, for uniform init and wipe. */
static void sk_secrets(wf_paillier_sk *sk, mpz_ptr v[SK_SECRETS])
{
    wf_smpz *all[SK_SECRETS] = {&sk->p,  &sk->q,      &sk->p2,  &sk->q2, &sk->pm1, &sk->qm1,     &sk->hp,
                                &sk->hq, &sk->qinv_p, &sk->phi, &sk->ep, &sk->eq,  &sk->q2inv_p2};
    for (int i = 0; i < SK_SECRETS; i++)
        v[i] = all[i]->v;
}

static wf_paillier_sk *sk_new(void)
{
    wf_paillier_sk *sk = wf_secure_alloc(sizeof *sk);
    if (sk == NULL)
        return NULL;
    mpz_ptr v[SK_SECRETS];
    sk_secrets(sk, v);
    for (int i = 0; i < SK_SECRETS; i++)
        mpz_init(v[i]);
    mpz_inits(sk->pk.n, sk->pk.n2, NULL);
    sk->pk.owner = sk;
    return sk;
}

void wf_paillier_sk_free(wf_paillier_sk *sk)
{
    if (sk == NULL)
        return;
    mpz_ptr v[SK_SECRETS];
    sk_secrets(sk, v);
    for (int i = 0; i < SK_SECRETS; i++) {
        wf_mpz_wipe(v[i]);
        mpz_clear(v[i]);
    }
    mpz_clears(sk->pk.n, sk->pk.n2, NULL);
    wf_secure_free(sk);
}

const wf_paillier_pk *wf_paillier_sk_public(const wf_paillier_sk *sk)
{
    return sk == NULL ? NULL : &sk->pk;
}

const wf_paillier_sk *wf_paillier_pk_owner(const wf_paillier_pk *pk)
{
    if (pk == NULL || pk->owner == NULL || mpz_cmp(pk->owner->pk.n, pk->n) != 0)
        return NULL;
    return pk->owner;
}

/* h = L_r((1+N)^(r-1) mod r²)^{-1} mod r, with L_r(x) = (x-1)/r.
 * (Equals (-N/r)^{-1} mod r; computed from the definition.) */
static void crt_h(mpz_t h, const mpz_t n, const mpz_t r, const mpz_t r2, const mpz_t rm1)
{
    mpz_t g;
    mpz_init(g);
    mpz_add_ui(g, n, 1);
    mpz_powm_sec(h, g, rm1, r2);
    mpz_sub_ui(h, h, 1);
    mpz_divexact(h, h, r);
    mpz_invert(h, h, r); /* invertible: r does not divide N/r */
    mpz_clear(g);
}

/* All CRT precomputations from p and q (already validated, p != q). */
static void sk_precompute(wf_paillier_sk *sk)
{
    mpz_t t;
    mpz_init(t);
    mpz_mul(t, sk->p.v, sk->q.v);
    pk_set(&sk->pk, t);
    mpz_mul(sk->p2.v, sk->p.v, sk->p.v);
    mpz_mul(sk->q2.v, sk->q.v, sk->q.v);
    mpz_sub_ui(sk->pm1.v, sk->p.v, 1);
    mpz_sub_ui(sk->qm1.v, sk->q.v, 1);
    mpz_mul(sk->phi.v, sk->pm1.v, sk->qm1.v);
    crt_h(sk->hp.v, sk->pk.n, sk->p.v, sk->p2.v, sk->pm1.v);
    crt_h(sk->hq.v, sk->pk.n, sk->q.v, sk->q2.v, sk->qm1.v);
    mpz_invert(sk->qinv_p.v, sk->q.v, sk->p.v);
    mpz_invert(sk->q2inv_p2.v, sk->q2.v, sk->p2.v);
    /* |Z*_{p²}| = p(p-1), so ρ^N ≡ ρ^(N mod p(p-1)) mod p² for ρ prime to p.
     * N mod p(p-1) = p·(q mod (p-1)) > 0 since q is odd and p-1 even. */
    mpz_mul(t, sk->p.v, sk->pm1.v);
    mpz_mod(sk->ep.v, sk->pk.n, t);
    mpz_mul(t, sk->q.v, sk->qm1.v);
    mpz_mod(sk->eq.v, sk->pk.n, t);
    wf_mpz_wipe(t);
    mpz_clear(t);
}

wf_err wf_paillier_keygen_from_primes(wf_paillier_sk **out, const mpz_t p, const mpz_t q)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (p == NULL || q == NULL || mpz_sgn(p) <= 0 || mpz_cmp(p, q) == 0)
        return WF_ERR_ARG;
    unsigned bits = (unsigned)mpz_sizeinbase(p, 2);
    if (2 * bits < WF_PAILLIER_MIN_BITS || !wf_safe_prime_check(p, bits) || !wf_safe_prime_check(q, bits))
        return WF_ERR_ARG;
    wf_paillier_sk *sk = sk_new();
    if (sk == NULL)
        return WF_ERR_NOMEM;
    mpz_set(sk->p.v, p);
    mpz_set(sk->q.v, q);
    sk_precompute(sk);
    if (sk->pk.bits != 2 * bits) { /* impossible with the top-two-bits rule */
        wf_paillier_sk_free(sk);
        return WF_ERR_INTERNAL;
    }
    *out = sk;
    return WF_OK;
}

wf_err wf_paillier_keygen(wf_paillier_sk **out, unsigned modulus_bits, const volatile int *cancel)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (modulus_bits % 2 != 0 || !pk_bits_ok(modulus_bits))
        return WF_ERR_ARG;
    mpz_t p, q;
    mpz_inits(p, q, NULL);
    wf_err err = wf_safe_prime_generate(p, modulus_bits / 2, cancel);
    if (err == WF_OK)
        err = wf_safe_prime_generate(q, modulus_bits / 2, cancel);
    /* p == q has probability ~2^-(bits/2); draw q again rather than fail. */
    while (err == WF_OK && mpz_cmp(p, q) == 0)
        err = wf_safe_prime_generate(q, modulus_bits / 2, cancel);
    if (err == WF_OK)
        err = wf_paillier_keygen_from_primes(out, p, q);
    wf_mpz_wipe(p);
    wf_mpz_wipe(q);
    mpz_clears(p, q, NULL);
    return err;
}

/* ---- checks ---- */

wf_err wf_paillier_ciphertext_check(const wf_paillier_pk *pk, const mpz_t c)
{
    if (pk == NULL || c == NULL)
        return WF_ERR_ARG;
    if (mpz_sgn(c) <= 0 || mpz_cmp(c, pk->n2) >= 0)
        return WF_ERR_RANGE;
    mpz_t g;
    mpz_init(g);
    mpz_gcd(g, c, pk->n); /* c is public: the ordinary gcd is fine */
    int unit = mpz_cmp_ui(g, 1) == 0;
    mpz_clear(g);
    return unit ? WF_OK : WF_ERR_NOT_UNIT;
}

/* mr = m mod N for -N/2 < m < N, else WF_ERR_RANGE. */
static wf_err plaintext_reduce(mpz_t mr, const wf_paillier_pk *pk, const mpz_t m)
{
    if (mpz_cmp(m, pk->n) >= 0)
        return WF_ERR_RANGE;
    mpz_mul_2exp(mr, m, 1);
    mpz_neg(mr, mr);
    int too_low = mpz_cmp(mr, pk->n) >= 0; /* -2m >= N  <=>  m <= -N/2 */
    wf_mpz_wipe(mr);
    if (too_low)
        return WF_ERR_RANGE;
    mpz_mod(mr, m, pk->n);
    return WF_OK;
}

/* 0 < ρ < N and ρ ∈ Z*_N, checked without a variable-time gcd on ρ. */
static wf_err rho_check(const wf_paillier_pk *pk, const mpz_t rho)
{
    if (mpz_sgn(rho) <= 0 || mpz_cmp(rho, pk->n) >= 0)
        return WF_ERR_RANGE;
    mpz_t inv;
    mpz_init(inv);
    wf_err err = wf_invert_sec(inv, rho, pk->n);
    wf_mpz_wipe(inv);
    mpz_clear(inv);
    return err;
}

/* ---- encryption ---- */

/* c = (1 + mr·N) · rn mod N², where (1+N)^m ≡ 1 + m·N mod N² (binomial theorem)
 * and rn = ρ^N mod N². */
static void encrypt_finish(mpz_t c, const wf_paillier_pk *pk, const mpz_t mr, const mpz_t rn)
{
    mpz_t gm;
    mpz_init(gm);
    mpz_mul(gm, mr, pk->n);
    mpz_add_ui(gm, gm, 1); /* < N², no reduction needed */
    mpz_mul(gm, gm, rn);
    mpz_mod(c, gm, pk->n2);
    wf_mpz_wipe(gm);
    mpz_clear(gm);
}

/* Shared shape of both encrypt paths: validate, compute ρ^N (by `rho_pow`), finish. */
typedef wf_err (*rho_pow_fn)(mpz_t rn, const void *key, const mpz_t rho);

static wf_err rho_pow_plain(mpz_t rn, const void *key, const mpz_t rho)
{
    const wf_paillier_pk *pk = key;
    mpz_powm_sec(rn, rho, pk->n, pk->n2);
    return WF_OK;
}

/* ρ^N mod N² by CRT over p², q² (wf_crt_powm: ρ^N mod p² = (ρ^q mod p)^p). */
static wf_err rho_pow_crt(mpz_t rn, const void *key, const mpz_t rho)
{
    const wf_paillier_sk *sk = key;
    const wf_crt_term term = {.b = rho, .e = sk->pk.n, .secret = 1};
    return wf_crt_powm(rn, sk, WF_CRT_MOD_N2, &term, 1);
}

static wf_err encrypt_common(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho,
                             rho_pow_fn rho_pow, const void *key)
{
    if (c == NULL || m == NULL || rho == NULL)
        return WF_ERR_ARG;
    mpz_t mr, rn;
    mpz_inits(mr, rn, NULL);
    wf_err err = plaintext_reduce(mr, pk, m);
    if (err == WF_OK)
        err = rho_check(pk, rho);
    if (err == WF_OK)
        err = rho_pow(rn, key, rho);
    if (err == WF_OK)
        encrypt_finish(c, pk, mr, rn);
    wf_mpz_wipe(mr);
    wf_mpz_wipe(rn);
    mpz_clears(mr, rn, NULL);
    return err;
}

wf_err wf_paillier_encrypt_with(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho)
{
    if (pk == NULL)
        return WF_ERR_ARG;
    const wf_paillier_sk *sk = wf_paillier_pk_owner(pk);
    if (sk != NULL)
        return encrypt_common(c, pk, m, rho, rho_pow_crt, sk);
    return encrypt_common(c, pk, m, rho, rho_pow_plain, pk);
}

wf_err wf_paillier_encrypt_crt(mpz_t c, const wf_paillier_sk *sk, const mpz_t m, const mpz_t rho)
{
    if (sk == NULL)
        return WF_ERR_ARG;
    return encrypt_common(c, &sk->pk, m, rho, rho_pow_crt, sk);
}

wf_err wf_paillier_encrypt(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, mpz_t rho_out)
{
    if (pk == NULL)
        return WF_ERR_ARG;
    mpz_t rho;
    mpz_init(rho);
    wf_err err = wf_mpz_random_unit(rho, pk->n);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(c, pk, m, rho);
    if (err == WF_OK && rho_out != NULL)
        mpz_set(rho_out, rho);
    wf_mpz_wipe(rho);
    mpz_clear(rho);
    return err;
}

/* ---- decryption ---- */

/* m_r = L_r(c^(r-1) mod r²) · h_r mod r for r ∈ {p, q}. */
static void decrypt_half(mpz_t mr, const mpz_t c, const mpz_t r, const mpz_t r2, const mpz_t rm1,
                         const mpz_t h)
{
    mpz_t x;
    mpz_init(x);
    mpz_mod(x, c, r2);
    mpz_powm_sec(x, x, rm1, r2);
    mpz_sub_ui(x, x, 1);
    mpz_divexact(x, x, r);
    mpz_mul(x, x, h);
    mpz_mod(mr, x, r);
    wf_mpz_wipe(x);
    mpz_clear(x);
}

wf_err wf_paillier_decrypt(mpz_t m, const wf_paillier_sk *sk, const mpz_t c)
{
    if (m == NULL || sk == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(&sk->pk, c);
    if (err != WF_OK)
        return err;
    mpz_t mp, mq;
    mpz_inits(mp, mq, NULL);
    decrypt_half(mp, c, sk->p.v, sk->p2.v, sk->pm1.v, sk->hp.v);
    decrypt_half(mq, c, sk->q.v, sk->q2.v, sk->qm1.v, sk->hq.v);
    wf_crt_combine(m, mp, mq, sk->p.v, sk->q.v, sk->qinv_p.v); /* in [0, N) */
    wf_mpz_wipe(mp);
    wf_mpz_wipe(mq);
    mpz_clears(mp, mq, NULL);
    return WF_OK;
}

wf_err wf_paillier_decrypt_signed(mpz_t m, const wf_paillier_sk *sk, const mpz_t c)
{
    wf_err err = wf_paillier_decrypt(m, sk, c);
    if (err != WF_OK)
        return err;
    /* N is odd: m > (N-1)/2 exactly when 2m > N. */
    mpz_t twice;
    mpz_init(twice);
    mpz_mul_2exp(twice, m, 1);
    if (mpz_cmp(twice, sk->pk.n) > 0)
        mpz_sub(m, m, sk->pk.n);
    wf_mpz_wipe(twice);
    mpz_clear(twice);
    return WF_OK;
}

/* L(x) = (x - 1)/N, exact for x ≡ 1 mod N. */
static void paillier_l(mpz_t out, const mpz_t x, const mpz_t n)
{
    mpz_sub_ui(out, x, 1);
    mpz_divexact(out, out, n);
}

wf_err wf_paillier_decrypt_plain(mpz_t m, const wf_paillier_sk *sk, const mpz_t c)
{
    if (m == NULL || sk == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(&sk->pk, c);
    if (err != WF_OK)
        return err;
    const wf_paillier_pk *pk = &sk->pk;
    mpz_t lambda, mu, x;
    mpz_inits(lambda, mu, x, NULL);
    mpz_lcm(lambda, sk->pm1.v, sk->qm1.v);
    mpz_add_ui(x, pk->n, 1);
    mpz_powm_sec(x, x, lambda, pk->n2); /* (1+N)^λ */
    paillier_l(mu, x, pk->n);
    if (mpz_invert(mu, mu, pk->n) == 0) {
        err = WF_ERR_INTERNAL;
    } else {
        mpz_powm_sec(x, c, lambda, pk->n2);
        paillier_l(x, x, pk->n);
        mpz_mul(x, x, mu);
        mpz_mod(m, x, pk->n);
    }
    wf_mpz_wipe(lambda);
    wf_mpz_wipe(mu);
    wf_mpz_wipe(x);
    mpz_clears(lambda, mu, x, NULL);
    return err;
}

/* ---- homomorphic operations ---- */

wf_err wf_paillier_add(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t c2)
{
    if (c == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(pk, c1);
    if (err == WF_OK)
        err = wf_paillier_ciphertext_check(pk, c2);
    if (err != WF_OK)
        return err;
    mpz_t t;
    mpz_init(t);
    mpz_mul(t, c1, c2);
    mpz_mod(c, t, pk->n2);
    mpz_clear(t);
    return WF_OK;
}

wf_err wf_paillier_mul_scalar(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k)
{
    if (c == NULL || k == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(pk, c1);
    if (err != WF_OK)
        return err;
    /* GMP inverts c1 itself for k < 0; c1 is a unit mod N² after the check. */
    mpz_powm(c, c1, k, pk->n2);
    return WF_OK;
}

wf_err wf_paillier_mul_scalar_sec(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k,
                                  unsigned bound_bits)
{
    if (c == NULL || k == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(pk, c1);
    if (err != WF_OK)
        return err;
    return wf_powm_sec_signed(c, c1, k, bound_bits, pk->n2);
}

/* x = c1^k · ρ^N mod N² in one constant-time Straus pass: the sign of k picks
 * c1 or its (public) inverse by a masked swap, |k| is read at bound+1 bits. */
static wf_err affine_pow_plain(mpz_t x, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k,
                               unsigned bound, const mpz_t rho)
{
    mpz_t inv, mag, buf, view;
    mpz_inits(inv, mag, buf, NULL);
    wf_mont ctx;
    wf_err err = wf_mont_init(&ctx, pk->n2, 1);
    if (err == WF_OK && !mpz_invert(inv, c1, pk->n2))
        err = WF_ERR_NOT_UNIT; /* not after wf_paillier_ciphertext_check */
    if (err == WF_OK) {
        mp_size_t n = (mp_size_t)mpz_size(pk->n2);
        mp_limb_t *a = mpz_limbs_write(buf, 2 * n), *b = a + n;
        mpn_zero(a, 2 * n);
        mpn_copyi(a, mpz_limbs_read(c1), (mp_size_t)mpz_size(c1));
        mpn_copyi(b, mpz_limbs_read(inv), (mp_size_t)mpz_size(inv));
        mpn_cnd_swap((mp_limb_t)(mpz_sgn(k) < 0), a, b, n);
        mpz_abs(mag, k);
        const wf_mont_term terms[2] = {
            {.b = mpz_roinit_n(view, a, n), .e = mag, .bits = (mp_bitcnt_t)bound + 1},
            {.b = rho, .e = pk->n, .bits = pk->bits}};
        err = wf_mont_multi_powm(x, &ctx, terms, 2);
        wf_memzero(a, 2 * (size_t)n * sizeof *a);
    }
    wf_mpz_wipe(mag);
    mpz_clears(inv, mag, buf, NULL);
    wf_mont_clear(&ctx);
    return err;
}

/* The "ρ^N" step of encrypt_common for wf_paillier_affine_sec: c1^k·ρ^N. */
typedef struct affine_key {
    const wf_paillier_pk *pk;
    mpz_srcptr c1, k;
    unsigned bound;
} affine_key;

static wf_err affine_pow(mpz_t x, const void *key, const mpz_t rho)
{
    const affine_key *a = key;
    const wf_paillier_sk *sk = wf_paillier_pk_owner(a->pk);
    if (sk == NULL)
        return affine_pow_plain(x, a->pk, a->c1, a->k, a->bound, rho);
    const wf_crt_term terms[2] = {{.b = a->c1, .e = a->k, .secret = 1},
                                  {.b = rho, .e = sk->pk.n, .secret = 1}};
    return wf_crt_powm(x, sk, WF_CRT_MOD_N2, terms, 2);
}

wf_err wf_paillier_affine_sec(mpz_t c, const wf_paillier_pk *pk, const mpz_t c1, const mpz_t k,
                              unsigned bound_bits, const mpz_t m, const mpz_t rho)
{
    if (k == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_paillier_ciphertext_check(pk, c1);
    if (err != WF_OK)
        return err;
    if (bound_bits > WF_MODEXP_MAX_BOUND_BITS)
        return WF_ERR_ARG;
    mpz_t lim;
    mpz_init(lim);
    mpz_setbit(lim, bound_bits);
    int in_range = mpz_cmpabs(k, lim) <= 0;
    mpz_clear(lim);
    if (!in_range)
        return WF_ERR_RANGE;
    const affine_key key = {.pk = pk, .c1 = c1, .k = k, .bound = bound_bits};
    return encrypt_common(c, pk, m, rho, affine_pow, &key);
}
