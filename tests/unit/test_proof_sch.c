/* Πsch (crypto/proofs/sch.c, CGGMP21 Fig. 22): one-shot and commit/reveal
 * proofs verify; changing X, A, z or any context item breaks them; a proof
 * replayed for another X fails; points at infinity or off the curve and an
 * unreduced z are refused before use; a commitment answers one challenge. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/sch.h"
#include "crypto/secmem.h"

#define ROUNDS 4

/* x (in locked memory) and X = x·G. */
static wf_scalar *new_key(wf_point *X)
{
    wf_scalar *x = wf_secure_alloc(sizeof *x);
    REQUIRE(x != NULL);
    wf_scalar_random(x);
    REQUIRE(wf_point_base_mul(X, x) == WF_OK);
    return x;
}

static void free_key(wf_scalar *x)
{
    wf_scalar_wipe(x);
    wf_secure_free(x);
}

static void test_honest(const wf_proof_ctx *ctx)
{
    for (int i = 0; i < ROUNDS; i++) {
        wf_point X;
        wf_scalar *x = new_key(&X);
        wf_proof_sch p;
        CHECK_OK(wf_proof_sch_prove_oneshot(&p, x, ctx, &X));
        CHECK_OK(wf_proof_sch_verify(ctx, &X, &p.A, &p.z));
        /* the response is α + e·x: z·G − e·X = A with the exposed challenge */
        wf_scalar e;
        wf_point lhs;
        CHECK_OK(wf_proof_sch_challenge(&e, ctx, &X, &p.A));
        CHECK_OK(wf_scalar_neg(&e, &e));
        CHECK_OK(wf_point_base_mul_add(&lhs, &p.z, &e, &X));
        CHECK(wf_point_eq(&lhs, &p.A));
        free_key(x);
    }
}

/* Keygen's flow: A leaves early, z after the context is known. */
static void test_commit_reveal(const wf_proof_ctx *ctx)
{
    wf_point X, A, A2;
    wf_scalar *x = new_key(&X);
    wf_scalar z;
    wf_proof_sch_state st = {0};

    CHECK_OK(wf_proof_sch_commit(&st, &A));
    CHECK(st.alpha != NULL);
    CHECK_ERR(wf_proof_sch_commit(&st, &A2), WF_ERR_ARG); /* a pending α is never overwritten */
    CHECK_OK(wf_proof_sch_prove(&z, &st, x, ctx, &X, &A));
    CHECK(st.alpha == NULL); /* consumed */
    CHECK_OK(wf_proof_sch_verify(ctx, &X, &A, &z));
    /* the same α cannot answer a second challenge */
    wf_proof_ctx other = *ctx;
    other.session_id[0] ^= 1;
    CHECK_ERR(wf_proof_sch_prove(&z, &st, x, &other, &X, &A), WF_ERR_ARG);

    /* an A that is not the state's commitment is refused, and α is gone */
    CHECK_OK(wf_proof_sch_commit(&st, &A));
    CHECK_OK(wf_point_add(&A2, &A, &X));
    CHECK_ERR(wf_proof_sch_prove(&z, &st, x, ctx, &X, &A2), WF_ERR_ARG);
    CHECK(st.alpha == NULL);

    /* X at infinity is refused by the prover too */
    wf_point inf;
    wf_point_set_infinity(&inf);
    CHECK_OK(wf_proof_sch_commit(&st, &A));
    CHECK_ERR(wf_proof_sch_prove(&z, &st, x, ctx, &inf, &A), WF_ERR_INFINITY);
    CHECK(st.alpha == NULL);

    /* an abandoned commitment is wiped by clear; clear is idempotent */
    CHECK_OK(wf_proof_sch_commit(&st, &A));
    wf_proof_sch_state_clear(&st);
    CHECK(st.alpha == NULL);
    wf_proof_sch_state_clear(&st);
    wf_proof_sch_state_clear(NULL);
    free_key(x);
}

static void test_tamper(const wf_proof_ctx *ctx)
{
    wf_point X, G, X2, A2;
    wf_scalar *x = new_key(&X);
    wf_proof_sch p;
    CHECK_OK(wf_proof_sch_prove_oneshot(&p, x, ctx, &X));
    wf_point_generator(&G);

    /* statement: another X (replay of the proof for X2) */
    wf_scalar *x2 = new_key(&X2);
    CHECK_ERR(wf_proof_sch_verify(ctx, &X2, &p.A, &p.z), WF_ERR_VERIFY);
    CHECK_OK(wf_point_add(&X2, &X, &G));
    CHECK_ERR(wf_proof_sch_verify(ctx, &X2, &p.A, &p.z), WF_ERR_VERIFY);
    /* proof fields */
    CHECK_OK(wf_point_add(&A2, &p.A, &G));
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &A2, &p.z), WF_ERR_VERIFY);
    wf_scalar one, z2;
    wf_scalar_set_u64(&one, 1);
    CHECK_OK(wf_scalar_add(&z2, &p.z, &one));
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &p.A, &z2), WF_ERR_VERIFY);
    /* a proof made with the wrong witness */
    wf_proof_sch bad;
    CHECK_OK(wf_proof_sch_prove_oneshot(&bad, x2, ctx, &X));
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &bad.A, &bad.z), WF_ERR_VERIFY);
    /* context */
    wf_proof_ctx c;
    const char *what;
    for (int i = 0; wf_test_ctx_variant(&c, &what, ctx, i); i++) {
        wf_err err = wf_proof_sch_verify(&c, &X, &p.A, &p.z);
        CHECK(err == WF_ERR_VERIFY);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "  context change not caught: %s\n", what);
    }
    CHECK_OK(wf_proof_sch_verify(ctx, &X, &p.A, &p.z));
    free_key(x);
    free_key(x2);
}

static void test_malformed(const wf_proof_ctx *ctx)
{
    wf_point X, inf, off;
    wf_scalar *x = new_key(&X);
    wf_proof_sch p;
    CHECK_OK(wf_proof_sch_prove_oneshot(&p, x, ctx, &X));
    wf_point_set_infinity(&inf);
    CHECK_ERR(wf_proof_sch_verify(ctx, &inf, &p.A, &p.z), WF_ERR_INFINITY);
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &inf, &p.z), WF_ERR_INFINITY);
    off = X;
    off.y[31] ^= 1;
    CHECK_ERR(wf_proof_sch_verify(ctx, &off, &p.A, &p.z), WF_ERR_NOT_ON_CURVE);
    off = p.A;
    off.x[0] ^= 1;
    off.y[7] ^= 4;
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &off, &p.z), WF_ERR_NOT_ON_CURVE);
    wf_scalar zq; /* z = q, unreduced */
    memcpy(zq.b, WF_SECP256K1_ORDER, WF_SCALAR_BYTES);
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &p.A, &zq), WF_ERR_RANGE);
    memset(zq.b, 0xff, WF_SCALAR_BYTES);
    CHECK_ERR(wf_proof_sch_verify(ctx, &X, &p.A, &zq), WF_ERR_RANGE);
    CHECK_ERR(wf_proof_sch_verify(NULL, &X, &p.A, &p.z), WF_ERR_ARG);
    CHECK_ERR(wf_proof_sch_prove_oneshot(NULL, x, ctx, &X), WF_ERR_ARG);
    CHECK_ERR(wf_proof_sch_prove_oneshot(&p, NULL, ctx, &X), WF_ERR_ARG);
    free_key(x);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    const wf_proof_ctx ctx = wf_test_ctx();
    test_honest(&ctx);
    test_commit_reveal(&ctx);
    test_tamper(&ctx);
    test_malformed(&ctx);
    return wf_check_summary("test_proof_sch");
}
