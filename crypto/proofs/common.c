#include "crypto/proofs/common.h"

#include <stdio.h>
#include <string.h>

#include "crypto/crt.h"
#include "crypto/modexp.h"
#include "crypto/mont.h"
#include "crypto/random.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"

wf_err wf_proof_transcript_init(wf_transcript *t, const char *proof_name, const wf_proof_ctx *ctx)
{
    if (t == NULL || proof_name == NULL || ctx == NULL || ctx->protocol == NULL ||
        (ctx->signers == NULL && ctx->n_signers > 0))
        return WF_ERR_ARG;
    char domain[96];
    int n = snprintf(domain, sizeof domain, "warifu/proof/%s/v1", proof_name);
    if (n < 0 || (size_t)n >= sizeof domain)
        return WF_ERR_ARG;
    wf_err err = wf_transcript_init(t, domain);
    if (err != WF_OK)
        return err;
    const char *p = ctx->protocol;
    if ((err = wf_transcript_append_bytes(t, "protocol", (const uint8_t *)p, strlen(p))) != WF_OK ||
        (err = wf_transcript_append_bytes(t, "cluster", ctx->cluster_id, WF_PROOF_ID_BYTES)) != WF_OK ||
        (err = wf_transcript_append_bytes(t, "key", ctx->key_id, WF_PROOF_ID_BYTES)) != WF_OK ||
        (err = wf_transcript_append_bytes(t, "session", ctx->session_id, WF_PROOF_ID_BYTES)) != WF_OK ||
        (err = wf_transcript_append_u64(t, "signers", ctx->n_signers)) != WF_OK)
        goto fail;
    for (size_t i = 0; i < ctx->n_signers; i++)
        if ((err = wf_transcript_append_u64(t, "signer", ctx->signers[i])) != WF_OK)
            goto fail;
    if ((err = wf_transcript_append_u64(t, "prover", ctx->prover)) != WF_OK ||
        (err = wf_transcript_append_u64(t, "verifier", ctx->verifier)) != WF_OK)
        goto fail;
    return WF_OK;
fail:
    wf_transcript_free(t);
    return err;
}

wf_err wf_proof_append_rped(wf_transcript *t, const char *label, const wf_rped *rp)
{
    wf_err err = wf_transcript_append_bytes(t, "rped", (const uint8_t *)label, strlen(label));
    if (err == WF_OK)
        err = wf_transcript_append_mpz(t, "rped-n", rp->n);
    if (err == WF_OK)
        err = wf_transcript_append_mpz(t, "rped-s", rp->s);
    if (err == WF_OK)
        err = wf_transcript_append_mpz(t, "rped-t", rp->t);
    return err;
}

wf_err wf_proof_append_paillier(wf_transcript *t, const char *label, const wf_paillier_pk *pk)
{
    wf_err err = wf_transcript_append_bytes(t, "paillier", (const uint8_t *)label, strlen(label));
    if (err == WF_OK)
        err = wf_transcript_append_mpz(t, "paillier-n", pk->n);
    return err;
}

static wf_err append_item(wf_transcript *t, const wf_proof_item *it)
{
    switch (it->kind) {
    case WF_PROOF_ITEM_KIND_MPZ: return wf_transcript_append_mpz(t, it->label, it->v.mpz);
    case WF_PROOF_ITEM_KIND_POINT: return wf_transcript_append_point(t, it->label, it->v.point);
    case WF_PROOF_ITEM_KIND_SCALAR: return wf_transcript_append_scalar(t, it->label, it->v.scalar);
    case WF_PROOF_ITEM_KIND_U64: return wf_transcript_append_u64(t, it->label, it->v.u64);
    case WF_PROOF_ITEM_KIND_RPED: return wf_proof_append_rped(t, it->label, it->v.rped);
    case WF_PROOF_ITEM_KIND_PAILLIER: return wf_proof_append_paillier(t, it->label, it->v.paillier);
    default: return WF_ERR_ARG;
    }
}

wf_err wf_proof_challenge_pm_q(mpz_t e, const char *proof_name, const wf_proof_ctx *ctx,
                               const wf_proof_item *items, size_t n)
{
    if (e == NULL || (items == NULL && n > 0))
        return WF_ERR_ARG;
    wf_transcript t;
    wf_err err = wf_proof_transcript_init(&t, proof_name, ctx);
    if (err != WF_OK)
        return err;
    for (size_t i = 0; err == WF_OK && i < n; i++)
        err = append_item(&t, &items[i]);
    if (err == WF_OK)
        err = wf_transcript_challenge_pm_q(&t, "e", e);
    wf_transcript_free(&t);
    return err;
}

int wf_proof_in_range(const mpz_t x, unsigned bits)
{
    /* |x| <= 2^bits: either fewer than bits+1 bits, or exactly 2^bits */
    size_t size = mpz_sizeinbase(x, 2);
    if (mpz_sgn(x) == 0 || size <= bits)
        return 1;
    if (size > bits + 1)
        return 0;
    return mpz_scan1(x, 0) == bits; /* |x| is a power of two: 2^bits */
}

int wf_proof_in_range_scaled(const mpz_t x, unsigned bits, const mpz_t m)
{
    mpz_t bound;
    mpz_init(bound);
    mpz_mul_2exp(bound, m, bits);
    int ok = mpz_cmpabs(x, bound) <= 0;
    mpz_clear(bound);
    return ok;
}

wf_err wf_proof_check_unit(const mpz_t x, const mpz_t n)
{
    if (mpz_sgn(x) <= 0 || mpz_cmp(x, n) >= 0)
        return WF_ERR_RANGE;
    mpz_t g;
    mpz_init(g);
    mpz_gcd(g, x, n);
    int unit = mpz_cmp_ui(g, 1) == 0;
    mpz_clear(g);
    return unit ? WF_OK : WF_ERR_NOT_UNIT;
}

wf_err wf_proof_check_point(const wf_point *p)
{
    if (p == NULL)
        return WF_ERR_ARG;
    if (wf_point_is_infinity(p))
        return WF_ERR_INFINITY;
    /* the parser checks the affine coordinates lie on the curve */
    uint8_t buf[WF_POINT_UNCOMPRESSED_BYTES];
    wf_point parsed;
    wf_err err = wf_point_serialize_uncompressed(buf, p);
    if (err == WF_OK)
        err = wf_point_parse_uncompressed(&parsed, buf, sizeof buf);
    return err;
}

void wf_proof_random_pm_scaled(mpz_t rop, unsigned bits, const mpz_t m)
{
    mpz_t bound, range;
    mpz_inits(bound, range, NULL);
    mpz_mul_2exp(bound, m, bits);
    mpz_mul_2exp(range, bound, 1);
    mpz_add_ui(range, range, 1);
    wf_mpz_random_below(rop, range);
    mpz_sub(rop, rop, bound);
    mpz_clears(bound, range, NULL);
}

wf_err wf_proof_powm_public(mpz_t r, const mpz_t b, const mpz_t e, const mpz_t n)
{
    if (mpz_sgn(e) >= 0) {
        mpz_powm(r, b, e, n);
        return WF_OK;
    }
    mpz_t inv, ne;
    mpz_inits(inv, ne, NULL);
    wf_err err = WF_ERR_NOT_UNIT;
    if (mpz_invert(inv, b, n)) {
        mpz_neg(ne, e);
        mpz_powm(r, inv, ne, n);
        err = WF_OK;
    }
    mpz_clears(inv, ne, NULL);
    return err;
}

/* s^x·t^y one power at a time (the reference path). */
static wf_err rped_public_plain(mpz_t r, const wf_rped *rp, const mpz_t x, const mpz_t y)
{
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    wf_err err = wf_proof_powm_public(a, rp->s, x, rp->n);
    if (err == WF_OK)
        err = wf_proof_powm_public(b, rp->t, y, rp->n);
    if (err == WF_OK) {
        mpz_mul(r, a, b);
        mpz_mod(r, r, rp->n);
    }
    mpz_clears(a, b, NULL);
    return err;
}

/* ---- accelerated products of public powers ---- */

#define MAX_TERMS 3

/* 1 iff every b_i is a unit mod n (a public gcd): the accelerated paths below
 * assume it and fall back to the plain ones otherwise, so that errors and
 * decisions stay exactly the plain paths'. */
static int all_units(const mpz_srcptr *b, size_t k, const mpz_t n)
{
    mpz_t g;
    mpz_init(g);
    int ok = 1;
    for (size_t i = 0; ok && i < k; i++) {
        mpz_gcd(g, b[i], n);
        ok = mpz_cmp_ui(g, 1) == 0;
    }
    mpz_clear(g);
    return ok;
}

/* r = Π b_i^{e_i} mod `mod` (N or N² of sk when sk is set) for public values:
 * by CRT when this party owns the modulus, else one public Straus pass. */
static wf_err public_product(mpz_t r, const wf_paillier_sk *sk, wf_crt_modulus which, const mpz_t mod,
                             const mpz_srcptr *b, const mpz_srcptr *e, size_t k)
{
    if (sk == NULL)
        return wf_mont_powm_public(r, mod, b, e, k);
    wf_crt_term t[MAX_TERMS];
    for (size_t i = 0; i < k; i++)
        t[i] = (wf_crt_term){.b = b[i], .e = e[i], .secret = 0};
    return wf_crt_powm(r, sk, which, t, k);
}

/* WF_OK iff pre·Π b_i^{e_i} ≡ a (mod `mod`) (pre NULL for 1), else WF_ERR_VERIFY. */
static wf_err product_check(const wf_paillier_sk *sk, wf_crt_modulus which, const mpz_t mod,
                            const mpz_srcptr *b, const mpz_srcptr *e, size_t k, mpz_srcptr pre, const mpz_t a)
{
    mpz_t p, ar;
    mpz_inits(p, ar, NULL);
    wf_err err = public_product(p, sk, which, mod, b, e, k);
    if (err == WF_OK && pre != NULL) {
        mpz_mul(p, p, pre);
        mpz_mod(p, p, mod);
    }
    mpz_mod(ar, a, mod);
    if (err == WF_OK && mpz_cmp(p, ar) != 0)
        err = WF_ERR_VERIFY;
    mpz_clears(p, ar, NULL);
    return err;
}

wf_err wf_proof_rped_public(mpz_t r, const wf_rped *rp, const mpz_t x, const mpz_t y)
{
    const mpz_srcptr b[2] = {rp->s, rp->t}, e[2] = {x, y};
    if (!all_units(b, 2, rp->n))
        return rped_public_plain(r, rp, x, y);
    return public_product(r, wf_rped_owner(rp), WF_CRT_MOD_N, rp->n, b, e, 2);
}

wf_err wf_proof_paillier_public(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho)
{
    mpz_t gm, rn;
    mpz_inits(gm, rn, NULL);
    /* (1+N)^m = 1 + m·N mod N², for any integer m */
    mpz_mod(gm, m, pk->n);
    mpz_mul(gm, gm, pk->n);
    mpz_add_ui(gm, gm, 1);
    mpz_powm(rn, rho, pk->n, pk->n2);
    mpz_mul(c, gm, rn);
    mpz_mod(c, c, pk->n2);
    mpz_clears(gm, rn, NULL);
    return WF_OK;
}

unsigned wf_proof_bound_bits(unsigned bits, const mpz_t m)
{
    return bits + (unsigned)mpz_sizeinbase(m, 2);
}

/* ---- prover side ---- */

wf_err wf_proof_base_mul_secret(wf_point *out, const mpz_t k)
{
    wf_scalar *ks = wf_secure_alloc(sizeof *ks);
    if (ks == NULL)
        return WF_ERR_NOMEM;
    wf_scalar_from_mpz(ks, k);
    wf_err err = wf_point_base_mul(out, ks);
    wf_secure_free(ks);
    if (err == WF_OK && wf_point_is_infinity(out))
        err = WF_ERR_INTERNAL;
    return err;
}

wf_err wf_proof_affine_secret(mpz_t a, const wf_paillier_pk *pk, const mpz_t c, const mpz_t alpha,
                              unsigned alpha_bits, const mpz_t beta, const mpz_t r)
{
    /* one constant-time pass for c^α and r^N (by CRT when pk is our own) */
    return wf_paillier_affine_sec(a, pk, c, alpha, alpha_bits, beta, r);
}

wf_err wf_proof_mask_secret(mpz_t w, const mpz_t r, const mpz_t rho, const mpz_t e, const mpz_t n)
{
    wf_err err = wf_powm_sec_signed(w, rho, e, WF_PROOF_CHALLENGE_BITS, n);
    if (err == WF_OK) {
        mpz_mul(w, w, r);
        mpz_mod(w, w, n);
    }
    return err;
}

void wf_proof_lin(mpz_t z, const mpz_t a, const mpz_t e, const mpz_t x)
{
    mpz_mul(z, e, x);
    mpz_add(z, z, a);
}

void wf_proof_wipe_clear(mpz_ptr const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wf_mpz_wipe(v[i]);
        mpz_clear(v[i]);
    }
}

/* ---- verifier side ---- */

wf_err wf_proof_check_units(const wf_proof_unit *items, size_t n)
{
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < n; i++)
        err = wf_proof_check_unit(items[i].v, items[i].n);
    return err;
}

wf_err wf_proof_check_received(const wf_point *const *points, size_t n_points, const wf_proof_unit *units,
                               size_t n_units)
{
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < n_points; i++)
        err = wf_proof_check_point(points[i]);
    if (err == WF_OK)
        err = wf_proof_check_units(units, n_units);
    return err;
}

wf_err wf_proof_check_eq(const mpz_t lhs, const mpz_t a, const mpz_t b, const mpz_t e, const mpz_t n)
{
    mpz_t rhs;
    mpz_init(rhs);
    wf_err err = wf_proof_powm_public(rhs, b, e, n);
    if (err == WF_OK) {
        mpz_mul(rhs, rhs, a);
        mpz_mod(rhs, rhs, n);
        err = mpz_cmp(lhs, rhs) == 0 ? WF_OK : WF_ERR_VERIFY;
    }
    mpz_clear(rhs);
    return err;
}

/* The reference path of wf_proof_check_eq2: each power on its own. */
static wf_err check_eq2_plain(const mpz_t b1, const mpz_t x1, const mpz_t b2, const mpz_t x2, const mpz_t a,
                              const mpz_t b, const mpz_t e, const mpz_t n)
{
    mpz_t lhs, tmp;
    mpz_inits(lhs, tmp, NULL);
    wf_err err = wf_proof_powm_public(lhs, b1, x1, n);
    if (err == WF_OK)
        err = wf_proof_powm_public(tmp, b2, x2, n);
    if (err == WF_OK) {
        mpz_mul(lhs, lhs, tmp);
        mpz_mod(lhs, lhs, n);
        err = wf_proof_check_eq(lhs, a, b, e, n);
    }
    mpz_clears(lhs, tmp, NULL);
    return err;
}

/* b1^x1·b2^x2 ≡ a·b^e as b1^x1·b2^x2·b^{-e} ≡ a (every base a unit mod the
 * modulus, else the plain path), by CRT when sk owns it. */
static wf_err check_eq2_with(const wf_paillier_sk *sk, const mpz_t b1, const mpz_t x1, const mpz_t b2,
                             const mpz_t x2, const mpz_t a, const mpz_t b, const mpz_t e, const mpz_t n)
{
    const mpz_srcptr bases[3] = {b1, b2, b};
    if (!all_units(bases, 3, n))
        return check_eq2_plain(b1, x1, b2, x2, a, b, e, n);
    mpz_t ne;
    mpz_init(ne);
    mpz_neg(ne, e);
    const mpz_srcptr exps[3] = {x1, x2, ne};
    wf_err err = product_check(sk, WF_CRT_MOD_N, n, bases, exps, 3, NULL, a);
    mpz_clear(ne);
    return err;
}

wf_err wf_proof_check_eq2(const mpz_t b1, const mpz_t x1, const mpz_t b2, const mpz_t x2, const mpz_t a,
                          const mpz_t b, const mpz_t e, const mpz_t n)
{
    return check_eq2_with(NULL, b1, x1, b2, x2, a, b, e, n);
}

wf_err wf_proof_check_rped_eq(const wf_rped *rp, const mpz_t x, const mpz_t y, const mpz_t a, const mpz_t b,
                              const mpz_t e)
{
    return check_eq2_with(wf_rped_owner(rp), rp->s, x, rp->t, y, a, b, e, rp->n);
}

/* The reference path of wf_proof_check_paillier_eq. */
static wf_err paillier_eq_plain(const wf_paillier_pk *pk, mpz_srcptr base, mpz_srcptr z, const mpz_t m,
                                const mpz_t w, const mpz_t a, const mpz_t d, const mpz_t e)
{
    mpz_t lhs, tmp;
    mpz_inits(lhs, tmp, NULL);
    wf_err err = wf_proof_paillier_public(lhs, pk, m, w);
    if (err == WF_OK && base != NULL && (err = wf_proof_powm_public(tmp, base, z, pk->n2)) == WF_OK) {
        mpz_mul(lhs, lhs, tmp);
        mpz_mod(lhs, lhs, pk->n2);
    }
    if (err == WF_OK)
        err = wf_proof_check_eq(lhs, a, d, e, pk->n2);
    mpz_clears(lhs, tmp, NULL);
    return err;
}

wf_err wf_proof_check_paillier_eq(const wf_paillier_pk *pk, mpz_srcptr base, mpz_srcptr z, const mpz_t m,
                                  const mpz_t w, const mpz_t a, const mpz_t d, const mpz_t e)
{
    /* (1+N)^m·w^N·[base^z]·d^{-e} ≡ a; a unit mod N is one mod N² */
    const mpz_srcptr bases[3] = {w, d, base};
    const size_t k = base != NULL ? 3 : 2;
    if (!all_units(bases, k, pk->n))
        return paillier_eq_plain(pk, base, z, m, w, a, d, e);
    mpz_t ne, gm;
    mpz_inits(ne, gm, NULL);
    mpz_neg(ne, e);
    mpz_mod(gm, m, pk->n); /* (1+N)^m = 1 + (m mod N)·N mod N² */
    mpz_mul(gm, gm, pk->n);
    mpz_add_ui(gm, gm, 1);
    const mpz_srcptr exps[3] = {pk->n, ne, z};
    wf_err err = product_check(wf_paillier_pk_owner(pk), WF_CRT_MOD_N2, pk->n2, bases, exps, k, gm, a);
    mpz_clears(ne, gm, NULL);
    return err;
}

wf_err wf_proof_check_group_eq(const wf_point *b, const wf_point *x, const mpz_t z, const mpz_t e)
{
    wf_scalar zs, es, nes;
    wf_point lhs;
    wf_scalar_from_mpz(&zs, z);
    wf_scalar_from_mpz(&es, e);
    wf_err err = wf_scalar_neg(&nes, &es);
    if (err == WF_OK)
        err = wf_point_base_mul_add(&lhs, &zs, &nes, x);
    if (err == WF_OK && !wf_point_eq(&lhs, b))
        err = WF_ERR_VERIFY;
    return err;
}

wf_err wf_proof_check_modulus(const mpz_t n)
{
    return mpz_sgn(n) > 0 && mpz_sizeinbase(n, 2) >= WF_PROOF_MIN_MODULUS_BITS ? WF_OK : WF_ERR_RANGE;
}

wf_err wf_proof_check_setting(const mpz_t prover_n, const wf_rped *rped)
{
    if (rped == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_proof_check_modulus(prover_n);
    if (err == WF_OK)
        err = wf_proof_check_modulus(rped->n);
    if (err == WF_OK && mpz_cmp(prover_n, rped->n) == 0)
        err = WF_ERR_ARG;
    return err;
}
