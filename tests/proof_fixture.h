/* Shared set-up for the proof tests (tests/unit/test_proof_*.c): a proof
 * context and every single-item variant of it, 2048-bit fixture keys
 * (tests/fixtures/, TEST ONLY): the prover's Paillier key (pair 0), the
 * verifier's key with its ring-Pedersen parameters (pair 1), and an unrelated
 * key with its own parameters (pair 2); and the tampering checks every proof
 * is put through (context variants, field-by-field changes, range edges,
 * malformed points, the verifier's parameters replaced).
 *
 * Header-only: include it from one test program. */
#ifndef WF_TESTS_PROOF_FIXTURE_H
#define WF_TESTS_PROOF_FIXTURE_H

#include <string.h>

#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/proofs/common.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"

static const uint32_t WF_TEST_SIGNERS[] = {1, 3, 4};
static const uint32_t WF_TEST_SIGNERS_REORDERED[] = {3, 1, 4};
static const uint32_t WF_TEST_SIGNERS_LAST_SWAPPED[] = {1, 4, 3};
static const uint32_t WF_TEST_SIGNERS_OTHER[] = {1, 3, 5};

static inline wf_proof_ctx wf_test_ctx(void)
{
    return (wf_proof_ctx){.protocol = "warifu/test/v1",
                          .cluster_id = {1},
                          .key_id = {2},
                          .session_id = {3},
                          .signers = WF_TEST_SIGNERS,
                          .n_signers = 3,
                          .prover = 3,
                          .verifier = 1};
}

/* *out = base with exactly one item changed, for i = 0, 1, …; returns 0 when
 * i is past the last variant. *what names the change for messages. base must
 * be wf_test_ctx(), its verifier index possibly WF_PROOF_BROADCAST. */
static inline int wf_test_ctx_variant(wf_proof_ctx *out, const char **what, const wf_proof_ctx *base, int i)
{
    /* one bit of an id: its first, a middle and its last byte */
    static const struct {
        int id; /* 0 session, 1 cluster, 2 key */
        int byte;
        uint8_t mask;
        const char *what;
    } flips[] = {{0, 31, 0x01, "session id[31]"}, {0, 0, 0x01, "session id[0]"},
                 {0, 7, 0x01, "session id[7]"},   {1, 0, 0x80, "cluster id[0]"},
                 {1, 16, 0x04, "cluster id[16]"}, {1, 31, 0x80, "cluster id[31]"},
                 {2, 5, 0x01, "key id[5]"},       {2, 0, 0x01, "key id[0]"},
                 {2, 9, 0x02, "key id[9]"},       {2, 31, 0x01, "key id[31]"}};
    const int n_flips = (int)(sizeof flips / sizeof flips[0]);
    *out = *base;
    if (i >= 0 && i < n_flips) {
        uint8_t *ids[] = {out->session_id, out->cluster_id, out->key_id};
        ids[flips[i].id][flips[i].byte] ^= flips[i].mask;
        *what = flips[i].what;
        return 1;
    }
    switch (i - n_flips) {
    case 0:
        out->protocol = "warifu/test/v2";
        *what = "protocol";
        return 1;
    case 1:
        out->protocol = "warifu/test/v1 ";
        *what = "protocol with a trailing space";
        return 1;
    case 2:
        out->prover = 4;
        *what = "prover index";
        return 1;
    case 3:
        out->prover = base->verifier;
        *what = "prover index = the verifier's";
        return 1;
    case 4:
        out->verifier = 4;
        *what = "verifier index";
        return 1;
    case 5:
        out->verifier = base->prover;
        *what = "verifier index = the prover's";
        return 1;
    case 6:
        out->verifier = base->verifier == WF_PROOF_BROADCAST ? 1 : WF_PROOF_BROADCAST;
        *what = "verifier = broadcast (or, for a broadcast proof, addressed)";
        return 1;
    case 7:
        out->signers = WF_TEST_SIGNERS_REORDERED;
        *what = "signing set order";
        return 1;
    case 8:
        out->signers = WF_TEST_SIGNERS_LAST_SWAPPED;
        *what = "signing set order (last two)";
        return 1;
    case 9:
        out->signers = WF_TEST_SIGNERS_OTHER;
        *what = "signing set member";
        return 1;
    case 10:
        out->n_signers = 2;
        *what = "signing set size";
        return 1;
    default: return 0;
    }
}

typedef struct wf_test_keys {
    wf_paillier_sk *prover;   /* N0 */
    wf_paillier_sk *verifier; /* N̂ of rp and rp2 */
    wf_paillier_sk *other;    /* N̂ of rp_other */
    wf_rped *rp;              /* the verifier's parameters */
    wf_rped *rp2;             /* other parameters over the same N̂ */
    wf_rped *rp_other;        /* parameters over another modulus */
    wf_rped_secret *sec[3];
} wf_test_keys;

static inline void wf_test_keys_init(wf_test_keys *k)
{
    memset(k, 0, sizeof *k);
    k->prover = wf_test_paillier_sk(2048, 0);
    k->verifier = wf_test_paillier_sk(2048, 1);
    k->other = wf_test_paillier_sk(2048, 2);
    REQUIRE(k->prover != NULL && k->verifier != NULL && k->other != NULL);
    REQUIRE(wf_rped_generate(&k->rp, &k->sec[0], k->verifier) == WF_OK);
    REQUIRE(wf_rped_generate(&k->rp2, &k->sec[1], k->verifier) == WF_OK);
    REQUIRE(wf_rped_generate(&k->rp_other, &k->sec[2], k->other) == WF_OK);
}

static inline void wf_test_keys_free(wf_test_keys *k)
{
    wf_rped_free(k->rp);
    wf_rped_free(k->rp2);
    wf_rped_free(k->rp_other);
    for (int i = 0; i < 3; i++)
        wf_rped_secret_free(k->sec[i]);
    wf_paillier_sk_free(k->prover);
    wf_paillier_sk_free(k->verifier);
    wf_paillier_sk_free(k->other);
}

/* *out = a copy of rp with one value changed: which = 0 (N̂: rp_n's modulus),
 * 1 (s: the other parameters' s over the same N̂), 2 (t: likewise). Free with
 * wf_test_rped_clear. */
static inline void wf_test_rped_variant(wf_rped *out, const wf_test_keys *k, int which)
{
    *out = (wf_rped){0}; /* no owner, no tables */
    mpz_init_set(out->n, which == 0 ? k->rp_other->n : k->rp->n);
    mpz_init_set(out->s, which == 1 ? k->rp2->s : k->rp->s);
    mpz_init_set(out->t, which == 2 ? k->rp2->t : k->rp->t);
    out->bits = k->rp->bits;
}

static inline void wf_test_rped_clear(wf_rped *rp)
{
    mpz_clears(rp->n, rp->s, rp->t, NULL);
}

/* A proof's verify call with everything but the proof bound in env. */
typedef wf_err (*wf_test_verify_fn)(const void *proof, const void *env);

/* Runs verify with the integer `field` (a member of *proof) set to value,
 * then restores the field. */
static inline wf_err wf_test_verify_with(mpz_ptr field, const mpz_t value, wf_test_verify_fn verify,
                                         const void *proof, const void *env)
{
    mpz_t saved;
    mpz_init_set(saved, field);
    mpz_set(field, value);
    wf_err err = verify(proof, env);
    mpz_set(field, saved);
    mpz_clear(saved);
    return err;
}

/* 2^bits + 1 times sign: just past the bound ±2^bits. */
static inline void wf_test_just_past(mpz_t out, unsigned bits, int sign)
{
    mpz_set_ui(out, 0);
    mpz_setbit(out, bits);
    mpz_add_ui(out, out, 1);
    if (sign < 0)
        mpz_neg(out, out);
}

/* out = sign·(2^bits·m + 1): just past the bound ±2^bits·m. */
static inline void wf_test_just_past_scaled(mpz_t out, unsigned bits, const mpz_t m, int sign)
{
    mpz_mul_2exp(out, m, bits);
    mpz_add_ui(out, out, 1);
    if (sign < 0)
        mpz_neg(out, out);
}

/* verify with *ctx (the context verify reads through env) changed by each
 * wf_test_ctx_variant in turn: every one must give WF_ERR_VERIFY. *ctx is
 * restored. */
static inline void wf_test_check_ctx_variants(wf_proof_ctx *ctx, wf_test_verify_fn verify, const void *proof,
                                              const void *env)
{
    const wf_proof_ctx base = *ctx;
    const char *what;
    for (int i = 0; wf_test_ctx_variant(ctx, &what, &base, i); i++) {
        wf_err err = verify(proof, env);
        CHECK(err == WF_ERR_VERIFY);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "  context change not caught: %s\n", what);
    }
    *ctx = base;
}

/* One integer of a proof, by name, and its modulus (NULL for an integer that
 * is not a ring element). */
typedef struct wf_test_field {
    const char *name;
    mpz_ptr v;
    mpz_srcptr mod;
} wf_test_field;

/* Each field changed alone must give WF_ERR_VERIFY: a ring element doubled mod
 * its modulus (still a unit), an integer plus one. Every field is restored. */
static inline void wf_test_check_fields(const wf_test_field *fields, size_t n, wf_test_verify_fn verify,
                                        const void *proof, const void *env)
{
    mpz_t v;
    mpz_init(v);
    for (size_t i = 0; i < n; i++) {
        if (fields[i].mod != NULL) {
            mpz_mul_2exp(v, fields[i].v, 1);
            mpz_mod(v, v, fields[i].mod);
        } else {
            mpz_add_ui(v, fields[i].v, 1);
        }
        wf_err err = wf_test_verify_with(fields[i].v, v, verify, proof, env);
        CHECK(err == WF_ERR_VERIFY);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "  field %s changed gave '%s'\n", fields[i].name, wf_err_str(err));
    }
    mpz_clear(v);
}

/* A response z bounded by ±2^bits·m (m NULL: ±2^bits): just past either end it
 * is refused (WF_ERR_RANGE); at the bound itself it passes the range check and
 * fails an equation (WF_ERR_VERIFY). z is restored. */
static inline void wf_test_check_bound(mpz_ptr z, unsigned bits, mpz_srcptr m, wf_test_verify_fn verify,
                                       const void *proof, const void *env)
{
    mpz_t v, one;
    mpz_init(v);
    mpz_init_set_ui(one, 1);
    wf_test_just_past_scaled(v, bits, m != NULL ? m : one, 1);
    CHECK_ERR(wf_test_verify_with(z, v, verify, proof, env), WF_ERR_RANGE);
    mpz_neg(v, v);
    CHECK_ERR(wf_test_verify_with(z, v, verify, proof, env), WF_ERR_RANGE);
    mpz_neg(v, v);
    mpz_sub_ui(v, v, 1);
    CHECK_ERR(wf_test_verify_with(z, v, verify, proof, env), WF_ERR_VERIFY);
    mpz_clears(v, one, NULL);
}

/* The Πenc core's response ranges (crypto/proofs/enc_core.h), for Πenc, Πlog*
 * and Πdec: z1 at the edges of ±2^z1_bits (wf_test_check_bound), and z3 just
 * past its cap 2^{ℓ+ε+1}·N̂ on the side of sign (WF_ERR_RANGE). */
static inline void wf_test_check_enc_core_bounds(mpz_ptr z1, unsigned z1_bits, mpz_ptr z3, const wf_rped *rp,
                                                 int sign, wf_test_verify_fn verify, const void *proof,
                                                 const void *env)
{
    mpz_t v;
    mpz_init(v);
    wf_test_check_bound(z1, z1_bits, NULL, verify, proof, env);
    wf_test_just_past_scaled(v, WF_PROOF_ELL + WF_PROOF_EPS + 1, rp->n, sign);
    CHECK_ERR(wf_test_verify_with(z3, v, verify, proof, env), WF_ERR_RANGE);
    mpz_clear(v);
}

/* The statement value *slot doubled mod its modulus (still a unit) must give
 * WF_ERR_VERIFY. *slot is restored. */
static inline void wf_test_check_doubled(mpz_srcptr *slot, mpz_srcptr mod, wf_test_verify_fn verify,
                                         const void *proof, const void *env)
{
    mpz_srcptr saved = *slot;
    mpz_t v;
    mpz_init(v);
    mpz_mul_2exp(v, saved, 1);
    mpz_mod(v, v, mod);
    *slot = v;
    CHECK_ERR(verify(proof, env), WF_ERR_VERIFY);
    *slot = saved;
    mpz_clear(v);
}

/* The statement's ciphertext *slot plus one, then another encryption of the
 * same plaintext under pk: both must give WF_ERR_VERIFY. *slot is restored. */
static inline void wf_test_check_ciphertext(mpz_srcptr *slot, const wf_paillier_pk *pk, const mpz_t plaintext,
                                            wf_test_verify_fn verify, const void *proof, const void *env)
{
    mpz_srcptr saved = *slot;
    mpz_t v;
    mpz_init(v);
    mpz_add_ui(v, saved, 1);
    *slot = v;
    CHECK_ERR(verify(proof, env), WF_ERR_VERIFY);
    REQUIRE(wf_paillier_encrypt(v, pk, plaintext, NULL) == WF_OK);
    CHECK_ERR(verify(proof, env), WF_ERR_VERIFY);
    *slot = saved;
    mpz_clear(v);
}

/* The statement's Paillier key *slot replaced by other: the proof must not
 * verify. *slot is restored. */
static inline void wf_test_check_pk_replaced(const wf_paillier_pk **slot, const wf_paillier_pk *other,
                                             wf_test_verify_fn verify, const void *proof, const void *env)
{
    const wf_paillier_pk *saved = *slot;
    *slot = other;
    CHECK(verify(proof, env) != WF_OK);
    *slot = saved;
}

/* The verifier's parameters *slot replaced: by another modulus' parameters,
 * by other s, t over the same N̂ (WF_ERR_VERIFY), and with N̂, s or t alone
 * changed (wf_test_rped_variant): none may verify. *slot is restored. */
static inline void wf_test_check_rped_variants(const wf_rped **slot, const wf_test_keys *k,
                                               wf_test_verify_fn verify, const void *proof, const void *env)
{
    const wf_rped *saved = *slot;
    *slot = k->rp_other;
    CHECK(verify(proof, env) != WF_OK);
    *slot = k->rp2;
    CHECK_ERR(verify(proof, env), WF_ERR_VERIFY);
    for (int which = 0; which < 3; which++) {
        wf_rped rv;
        wf_test_rped_variant(&rv, k, which);
        *slot = &rv;
        CHECK(verify(proof, env) != WF_OK);
        wf_test_rped_clear(&rv);
    }
    *slot = saved;
}

/* *pt + G in place of *pt must give WF_ERR_VERIFY. *pt is restored. */
static inline void wf_test_check_point_moved(wf_point *pt, wf_test_verify_fn verify, const void *proof,
                                             const void *env)
{
    const wf_point saved = *pt;
    wf_point g;
    wf_point_generator(&g);
    CHECK_OK(wf_point_add(pt, &saved, &g));
    CHECK_ERR(verify(proof, env), WF_ERR_VERIFY);
    *pt = saved;
}

/* *pt at infinity must give WF_ERR_INFINITY, and with its y changed (off the
 * curve) WF_ERR_NOT_ON_CURVE. *pt is restored. */
static inline void wf_test_check_point_refused(wf_point *pt, wf_test_verify_fn verify, const void *proof,
                                               const void *env)
{
    const wf_point saved = *pt;
    wf_point_set_infinity(pt);
    CHECK_ERR(verify(proof, env), WF_ERR_INFINITY);
    *pt = saved;
    pt->y[31] ^= 1;
    CHECK_ERR(verify(proof, env), WF_ERR_NOT_ON_CURVE);
    *pt = saved;
}

/* The Πenc core's prover (crypto/proofs/enc_core.h) again, with public
 * helpers and no range checks: the tests' independent, cheating prover for
 * Πenc, Πlog* and Πdec. _commit samples α ∈ ±2^alpha_bits, μ, γ and r and sets
 * S = s^k·t^μ, A = (1+N0)^α·r^{N0}, C = s^α·t^γ; the caller then draws e
 * from its proof's transcript; _respond sets z1 = α + e·k, z2 = r·ρ^e mod N0,
 * z3 = γ + e·μ and frees everything. */
typedef struct wf_test_enc_forge {
    mpz_t alpha, mu, gamma, r;
    mpz_t e; /* the challenge, set by the caller */
} wf_test_enc_forge;

static inline void wf_test_enc_forge_commit(wf_test_enc_forge *n, mpz_t S, mpz_t A, mpz_t C,
                                            const wf_paillier_pk *pk0, const wf_rped *rp, const mpz_t k,
                                            unsigned alpha_bits)
{
    mpz_inits(n->alpha, n->mu, n->gamma, n->r, n->e, NULL);
    wf_mpz_random_pm(n->alpha, alpha_bits);
    wf_proof_random_pm_scaled(n->mu, WF_PROOF_ELL, rp->n);
    wf_proof_random_pm_scaled(n->gamma, WF_PROOF_ELL + WF_PROOF_EPS, rp->n);
    REQUIRE(wf_mpz_random_unit(n->r, pk0->n) == WF_OK);
    REQUIRE(wf_proof_rped_public(S, rp, k, n->mu) == WF_OK);
    REQUIRE(wf_proof_paillier_public(A, pk0, n->alpha, n->r) == WF_OK);
    REQUIRE(wf_proof_rped_public(C, rp, n->alpha, n->gamma) == WF_OK);
}

static inline void wf_test_enc_forge_respond(wf_test_enc_forge *n, mpz_t z1, mpz_t z2, mpz_t z3,
                                             const wf_paillier_pk *pk0, const mpz_t k, const mpz_t rho)
{
    mpz_srcptr e = n->e;
    mpz_t tmp;
    mpz_init(tmp);
    mpz_mul(tmp, e, k);
    mpz_add(z1, n->alpha, tmp);
    REQUIRE(wf_proof_powm_public(tmp, rho, e, pk0->n) == WF_OK);
    mpz_mul(tmp, tmp, n->r);
    mpz_mod(z2, tmp, pk0->n);
    mpz_mul(tmp, e, n->mu);
    mpz_add(z3, n->gamma, tmp);
    mpz_clear(tmp);
    mpz_clears(n->alpha, n->mu, n->gamma, n->r, n->e, NULL);
}

#endif
