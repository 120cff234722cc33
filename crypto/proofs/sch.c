#include "crypto/proofs/sch.h"

#include "crypto/secmem.h"

void wf_proof_sch_state_clear(wf_proof_sch_state *state)
{
    if (state == NULL)
        return;
    if (state->alpha != NULL) {
        wf_scalar_wipe(state->alpha);
        wf_secure_free(state->alpha);
    }
    state->alpha = NULL;
    wf_point_set_infinity(&state->A);
}

wf_err wf_proof_sch_commit(wf_proof_sch_state *state, wf_point *A_out)
{
    if (state == NULL || A_out == NULL || state->alpha != NULL)
        return WF_ERR_ARG;
    state->alpha = wf_secure_alloc(sizeof *state->alpha);
    if (state->alpha == NULL)
        return WF_ERR_NOMEM;
    wf_scalar_random(state->alpha);
    wf_err err = wf_point_base_mul(&state->A, state->alpha);
    if (err != WF_OK) {
        wf_proof_sch_state_clear(state);
        return err;
    }
    *A_out = state->A;
    return WF_OK;
}

wf_err wf_proof_sch_challenge(wf_scalar *e, const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A)
{
    if (e == NULL || X == NULL || A == NULL)
        return WF_ERR_ARG;
    wf_transcript t;
    wf_err err = wf_proof_transcript_init(&t, "sch", ctx);
    if (err != WF_OK)
        return err;
    if ((err = wf_transcript_append_point(&t, "X", X)) == WF_OK &&
        (err = wf_transcript_append_point(&t, "A", A)) == WF_OK)
        err = wf_transcript_challenge_scalar(&t, "e", e);
    wf_transcript_free(&t);
    return err;
}

/* z = α + e·x mod q, with e·x held in locked memory. */
static wf_err respond(wf_scalar *z_out, const wf_scalar *alpha, const wf_scalar *e, const wf_scalar *x)
{
    wf_scalar *ex = wf_secure_alloc(sizeof *ex);
    if (ex == NULL)
        return WF_ERR_NOMEM;
    wf_err err = wf_scalar_mul(ex, e, x);
    if (err == WF_OK)
        err = wf_scalar_add(ex, ex, alpha);
    if (err == WF_OK)
        *z_out = *ex;
    wf_scalar_wipe(ex);
    wf_secure_free(ex);
    return err;
}

wf_err wf_proof_sch_prove(wf_scalar *z_out, wf_proof_sch_state *state, const wf_scalar *x,
                          const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A)
{
    if (state == NULL)
        return WF_ERR_ARG;
    wf_err err = WF_ERR_ARG;
    wf_scalar e;
    if (z_out != NULL && x != NULL && ctx != NULL && X != NULL && A != NULL && state->alpha != NULL &&
        wf_point_eq(A, &state->A))
        err = wf_proof_check_point(X);
    if (err == WF_OK)
        err = wf_proof_sch_challenge(&e, ctx, X, A);
    if (err == WF_OK)
        err = respond(z_out, state->alpha, &e, x);
    wf_proof_sch_state_clear(state);
    return err;
}

wf_err wf_proof_sch_prove_oneshot(wf_proof_sch *proof, const wf_scalar *x, const wf_proof_ctx *ctx,
                                  const wf_point *X)
{
    if (proof == NULL)
        return WF_ERR_ARG;
    wf_proof_sch_state state = {0};
    wf_err err = wf_proof_sch_commit(&state, &proof->A);
    if (err == WF_OK)
        err = wf_proof_sch_prove(&proof->z, &state, x, ctx, X, &proof->A);
    wf_proof_sch_state_clear(&state);
    return err;
}

wf_err wf_proof_sch_verify(const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A, const wf_scalar *z)
{
    if (ctx == NULL || X == NULL || A == NULL || z == NULL)
        return WF_ERR_ARG;
    wf_err err;
    wf_scalar zc, e;
    if ((err = wf_proof_check_point(X)) != WF_OK || (err = wf_proof_check_point(A)) != WF_OK)
        return err;
    /* z is a plain struct: make sure it is reduced below q */
    if (wf_scalar_parse(&zc, z->b, WF_SCALAR_BYTES) != WF_OK)
        return WF_ERR_RANGE;
    if ((err = wf_proof_sch_challenge(&e, ctx, X, A)) != WF_OK)
        return err;
    /* z·G + (−e)·X = A */
    wf_point lhs;
    if ((err = wf_scalar_neg(&e, &e)) != WF_OK || (err = wf_point_base_mul_add(&lhs, &zc, &e, X)) != WF_OK)
        return err;
    return wf_point_eq(&lhs, A) ? WF_OK : WF_ERR_VERIFY;
}
