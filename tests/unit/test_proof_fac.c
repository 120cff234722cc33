/* Πfac (crypto/proofs/fac.c) over 2048-bit fixture keys (tests/fixtures/,
 * TEST ONLY): completeness, binding to N0, to the verifier's (N̂, s, t), to
 * every proof field and context item, refusal of malformed input, and the
 * attack it exists to stop (CVE-2023-33241, "BitForge"): N0 = (small prime) ·
 * (large prime) with the proof computed honestly from that factorisation
 * satisfies every equation but fails the range check on z1/z2. */
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/fac.h"
#include "crypto/secmem.h"
#include "crypto/transcript.h"

#define BITS 2048u
#define LE   (WF_PROOF_ELL + WF_PROOF_EPS)

/* The eleven proof fields, in order, for loops over "every field". */
#define N_FIELDS 11
static const char *const FIELD_NAMES[N_FIELDS] = {"P",  "Q",  "A",  "B",  "T", "sigma",
                                                  "z1", "z2", "w1", "w2", "v"};

static void fields(mpz_ptr out[N_FIELDS], wf_proof_fac *p)
{
    mpz_ptr all[N_FIELDS] = {p->P, p->Q, p->A, p->B, p->T, p->sigma, p->z1, p->z2, p->w1, p->w2, p->v};
    memcpy(out, all, sizeof all);
}

static void copy_proof(wf_proof_fac *dst, const wf_proof_fac *src)
{
    mpz_ptr d[N_FIELDS], s[N_FIELDS];
    fields(d, dst);
    fields(s, (wf_proof_fac *)src);
    for (int i = 0; i < N_FIELDS; i++)
        mpz_set(d[i], s[i]);
}

/* The verifier's three equations, recomputed here with public helpers and the
 * challenge derived exactly as fac.c does, WITHOUT any range check: shows that
 * a rejected BitForge proof is a correct proof of a false statement. */
static int equations_hold(const wf_proof_fac *pf, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *st)
{
    const wf_rped *rp = st->rped;
    wf_transcript t;
    mpz_t e, l, r, x;
    mpz_inits(e, l, r, x, NULL);
    REQUIRE(wf_proof_transcript_init(&t, "fac", ctx) == WF_OK);
    REQUIRE(wf_transcript_append_mpz(&t, "N0", st->n0) == WF_OK);
    REQUIRE(wf_proof_append_rped(&t, "verifier", rp) == WF_OK);
    mpz_srcptr first[] = {pf->P, pf->Q, pf->A, pf->B, pf->T, pf->sigma};
    for (int i = 0; i < 6; i++)
        REQUIRE(wf_transcript_append_mpz(&t, FIELD_NAMES[i], first[i]) == WF_OK);
    REQUIRE(wf_transcript_challenge_pm_q(&t, "e", e) == WF_OK);
    wf_transcript_free(&t);

    int ok = 1;
    mpz_srcptr z[2] = {pf->z1, pf->z2}, w[2] = {pf->w1, pf->w2}, c[2] = {pf->A, pf->B}, d[2] = {pf->P, pf->Q};
    for (int i = 0; i < 2; i++) { /* s^z t^w = C·D^e */
        REQUIRE(wf_proof_rped_public(l, rp, z[i], w[i]) == WF_OK);
        REQUIRE(wf_proof_powm_public(r, d[i], e, rp->n) == WF_OK);
        mpz_mul(r, r, c[i]);
        mpz_mod(r, r, rp->n);
        ok &= mpz_cmp(l, r) == 0;
    }
    /* Q^z1 t^v = T·R^e, R = s^N0 t^σ */
    REQUIRE(wf_proof_powm_public(l, pf->Q, pf->z1, rp->n) == WF_OK);
    REQUIRE(wf_proof_powm_public(x, rp->t, pf->v, rp->n) == WF_OK);
    mpz_mul(l, l, x);
    mpz_mod(l, l, rp->n);
    REQUIRE(wf_proof_rped_public(x, rp, st->n0, pf->sigma) == WF_OK);
    REQUIRE(wf_proof_powm_public(r, x, e, rp->n) == WF_OK);
    mpz_mul(r, r, pf->T);
    mpz_mod(r, r, rp->n);
    ok &= mpz_cmp(l, r) == 0;
    mpz_clears(e, l, r, x, NULL);
    return ok;
}

static void test_statement(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *st,
                           const wf_test_keys *k)
{
    wf_proof_fac_stmt bad = *st;
    bad.n0 = k->other->pk.n; /* another modulus */
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_VERIFY);
    mpz_t n;
    mpz_init(n);
    mpz_add_ui(n, st->n0, 2);
    bad.n0 = n;
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_VERIFY);
    mpz_add_ui(n, st->n0, 1); /* even */
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_RANGE);
    mpz_clear(n);
    bad = *st;
    bad.bits = 3072;
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_ENCODING);
    bad.bits = 16;
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_ARG);

    /* The verifier's parameters: other (s, t) over N̂, then each value alone. */
    bad = *st;
    bad.rped = k->rp2;
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_VERIFY);
    wf_rped v;
    bad.rped = &v;
    for (int which = 0; which < 3; which++) {
        wf_test_rped_variant(&v, k, which);
        wf_err err = wf_proof_fac_verify(proof, ctx, &bad);
        if (which == 0)
            CHECK(err != WF_OK); /* another N̂: values may not even be units */
        else
            CHECK_ERR(err, WF_ERR_VERIFY);
        wf_test_rped_clear(&v);
    }
    mpz_init_set(v.n, k->rp->n);
    mpz_init_set(v.s, k->rp->t);
    mpz_init_set(v.t, k->rp->s);
    v.bits = k->rp->bits;
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, &bad), WF_ERR_VERIFY); /* s, t swapped */
    wf_test_rped_clear(&v);
}

/* bound = 2^bits · m, plus one. */
static void just_above(mpz_t out, unsigned bits, const mpz_t m)
{
    mpz_mul_2exp(out, m, bits);
    mpz_add_ui(out, out, 1);
}

static void test_fields(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *st,
                        const wf_paillier_sk *verifier_sk)
{
    mpz_srcptr nhat = st->rped->n;
    wf_proof_fac bad;
    wf_proof_fac_init(&bad);
    mpz_ptr f[N_FIELDS];
    fields(f, &bad);

    /* Any change of any field breaks an equation (or the challenge). */
    for (int i = 0; i < N_FIELDS; i++) {
        copy_proof(&bad, proof);
        if (i < 5) { /* commitments: stay units */
            mpz_mul(f[i], f[i], st->rped->t);
            mpz_mod(f[i], f[i], nhat);
        } else {
            mpz_add_ui(f[i], f[i], 1);
        }
        wf_err err = wf_proof_fac_verify(&bad, ctx, st);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "change of %s not detected\n", FIELD_NAMES[i]);
        CHECK_ERR(err, WF_ERR_VERIFY);
    }
    /* Commitments outside Z*_N̂. */
    for (int i = 0; i < 5; i++) {
        copy_proof(&bad, proof);
        mpz_set_ui(f[i], 0);
        CHECK_ERR(wf_proof_fac_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_set(f[i], nhat);
        CHECK_ERR(wf_proof_fac_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_set(f[i], verifier_sk->q.v);
        CHECK_ERR(wf_proof_fac_verify(&bad, ctx, st), WF_ERR_NOT_UNIT);
    }
    /* Integers just outside their ranges, either sign. */
    mpz_t sq, n0n;
    mpz_inits(sq, n0n, NULL);
    mpz_sqrt(sq, st->n0);
    mpz_mul(n0n, st->n0, nhat);
    struct {
        mpz_ptr field;
        unsigned bits;
        mpz_srcptr scale;
    } ranges[] = {{bad.sigma, WF_PROOF_ELL, n0n}, {bad.z1, LE, sq},       {bad.z2, LE, sq},
                  {bad.w1, LE + 1, nhat},         {bad.w2, LE + 1, nhat}, {bad.v, LE + 1, n0n}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        copy_proof(&bad, proof);
        just_above(ranges[i].field, ranges[i].bits, ranges[i].scale);
        CHECK_ERR(wf_proof_fac_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_neg(ranges[i].field, ranges[i].field);
        CHECK_ERR(wf_proof_fac_verify(&bad, ctx, st), WF_ERR_RANGE);
    }
    mpz_clears(sq, n0n, NULL);
    wf_proof_fac_clear(&bad);
}

static void test_context(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *st)
{
    wf_proof_ctx v;
    const char *what;
    for (int i = 0; wf_test_ctx_variant(&v, &what, ctx, i); i++) {
        wf_err err = wf_proof_fac_verify(proof, &v, st);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "context change not detected: %s\n", what);
        CHECK_ERR(err, WF_ERR_VERIFY);
    }
}

static void test_arguments(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *st,
                           const wf_test_keys *k)
{
    const wf_paillier_sk *sk = k->prover;
    wf_proof_fac_wit wit = {.p = sk->p.v, .q = sk->q.v};
    wf_proof_fac fresh, zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    wf_proof_fac_init(&fresh);
    CHECK_ERR(wf_proof_fac_prove(NULL, ctx, st, &wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_prove(&zeroed, ctx, st, &wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_prove(&fresh, NULL, st, &wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_prove(&fresh, ctx, NULL, &wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_prove(&fresh, ctx, st, NULL), WF_ERR_ARG);
    wf_proof_fac_wit wrong = {.p = sk->p.v, .q = k->other->q.v}; /* p·q != N0 */
    CHECK_ERR(wf_proof_fac_prove(&fresh, ctx, st, &wrong), WF_ERR_ARG);
    mpz_t one;
    mpz_init_set_ui(one, 1);
    wrong = (wf_proof_fac_wit){.p = one, .q = sk->pk.n}; /* trivial factorisation */
    CHECK_ERR(wf_proof_fac_prove(&fresh, ctx, st, &wrong), WF_ERR_ARG);
    mpz_clear(one);
    wf_proof_fac_stmt other = *st;
    other.bits = 3072;
    CHECK_ERR(wf_proof_fac_prove(&fresh, ctx, &other, &wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_verify(NULL, ctx, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_verify(&zeroed, ctx, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_verify(proof, NULL, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_fac_verify(proof, ctx, NULL), WF_ERR_ARG);
    CHECK(wf_proof_fac_verify(&fresh, ctx, st) != WF_OK); /* all zero */
    wf_proof_fac_clear(&fresh);
    wf_proof_fac_clear(&fresh);
    wf_proof_fac_clear(&zeroed);
    wf_proof_fac_clear(NULL);
    wf_proof_fac_init(NULL);
}

/* out = the first prime >= start + c (c chosen offline so that it is the
 * first candidate tried; the search does not depend on it). */
static void prime_from(mpz_t out, const mpz_t start, unsigned long c)
{
    mpz_add_ui(out, start, c);
    if (mpz_even_p(out))
        mpz_add_ui(out, out, 1);
    while (!mpz_probab_prime_p(out, 30))
        mpz_add_ui(out, out, 2);
}

/* BitForge: N0 = small · large, |small| = small_bits, |N0| = BITS, the proof
 * made by the honest prover from that factorisation. */
static void attack_small_factor(const wf_proof_ctx *ctx, const wf_rped *rp, unsigned small_bits,
                                unsigned long c_small, unsigned long c_large)
{
    mpz_t small, large, n0, start;
    mpz_inits(small, large, n0, start, NULL);
    mpz_setbit(start, small_bits - 1);
    mpz_setbit(start, small_bits - 2);
    prime_from(small, start, c_small);
    mpz_set_ui(start, 0);
    mpz_setbit(start, BITS - 1);
    mpz_cdiv_q(start, start, small);
    prime_from(large, start, c_large);
    mpz_mul(n0, small, large);
    REQUIRE(mpz_sizeinbase(n0, 2) == BITS && mpz_sizeinbase(small, 2) == small_bits);

    wf_proof_fac_stmt st = {.n0 = n0, .bits = BITS, .rped = rp};
    wf_proof_fac proof;
    wf_proof_fac_init(&proof);
    for (int order = 0; order < 2; order++) {
        wf_proof_fac_wit wit = {.p = order ? large : small, .q = order ? small : large};
        CHECK_OK(wf_proof_fac_prove(&proof, ctx, &st, &wit));
        CHECK(equations_hold(&proof, ctx, &st)); /* a correct proof of a false statement */
        wf_err err = wf_proof_fac_verify(&proof, ctx, &st);
        if (order == 0)
            printf("  N0 = %u-bit prime x %zu-bit prime: |z1| %zu bits, |z2| %zu bits, bound %zu bits; "
                   "verify: %s\n",
                   small_bits, mpz_sizeinbase(large, 2), mpz_sizeinbase(proof.z1, 2),
                   mpz_sizeinbase(proof.z2, 2), (size_t)LE + BITS / 2, wf_err_str(err));
        CHECK_ERR(err, WF_ERR_RANGE);
    }
    wf_proof_fac_clear(&proof);
    mpz_clears(small, large, n0, start, NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_keys keys;
    wf_test_keys_init(&keys);
    wf_proof_ctx ctx = wf_test_ctx();
    wf_proof_fac_stmt st = {.n0 = keys.prover->pk.n, .bits = BITS, .rped = keys.rp};
    wf_proof_fac_wit wit = {.p = keys.prover->p.v, .q = keys.prover->q.v};

    wf_proof_fac proof;
    wf_proof_fac_init(&proof);
    CHECK_OK(wf_proof_fac_prove(&proof, &ctx, &st, &wit));
    CHECK_OK(wf_proof_fac_verify(&proof, &ctx, &st));
    CHECK(equations_hold(&proof, &ctx, &st)); /* the test's replica agrees */
    test_statement(&proof, &ctx, &st, &keys);
    test_fields(&proof, &ctx, &st, keys.verifier);
    test_context(&proof, &ctx, &st);
    test_arguments(&proof, &ctx, &st, &keys);

    /* A second honest proof, against the other parameters over the same N̂. */
    wf_proof_fac_stmt st2 = st;
    st2.rped = keys.rp2;
    CHECK_OK(wf_proof_fac_prove(&proof, &ctx, &st2, &wit));
    CHECK_OK(wf_proof_fac_verify(&proof, &ctx, &st2));
    CHECK_ERR(wf_proof_fac_verify(&proof, &ctx, &st), WF_ERR_VERIFY);

    attack_small_factor(&ctx, keys.rp, 20, 1, 694);
    attack_small_factor(&ctx, keys.rp, 200, 37, 1304);

    wf_proof_fac_clear(&proof);
    wf_test_keys_free(&keys);
    return wf_check_summary("test_proof_fac");
}
