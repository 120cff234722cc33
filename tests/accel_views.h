/* How each party sees the sample statements (tests/proof_samples.h), plain or
 * accelerated, for the acceleration tests and proofs_bench.
 *
 *   plain:    every key and parameter set is an owner-less copy without
 *             tables: the reference paths.
 *   prover:   its own Paillier key with its secret attached (N0 of Πenc,
 *             Πlog*, Πdec, Πmul, Πmul*; N1 of Πaff-g) and its own
 *             ring-Pedersen parameters (Πprm); the verifier's (N̂, s, t) with
 *             fixed-base tables (wf_rped_precompute).
 *   verifier: its own (N̂, s, t) with its secret (wf_rped_generate's owner)
 *             and, in Πaff-g, its own N0; the prover's keys plain.
 *
 * Header-only: include it from one program, after tests/proof_samples.h. */
#ifndef WF_TESTS_ACCEL_VIEWS_H
#define WF_TESTS_ACCEL_VIEWS_H

#include "crypto/paillier.h"
#include "crypto/ring_pedersen.h"

typedef enum { WF_VIEW_PLAIN, WF_VIEW_PROVER, WF_VIEW_VERIFIER } wf_view;

typedef struct wf_accel_views {
    const wf_paillier_pk *pk0_own, *pk1_own;
    const wf_rped *rpv_own, *rpp_own;
    wf_paillier_pk *pk0_plain, *pk1_plain;
    wf_rped *rpv_plain, *rpp_plain; /* owner-less copies, no tables */
    wf_rped *rpv_table;             /* the verifier's parameters as a prover holds them */
} wf_accel_views;

static inline wf_rped *wf_view_rped_copy(const wf_rped *rp)
{
    wf_rped *out = NULL;
    return wf_rped_from_values(&out, rp->n, rp->s, rp->t, rp->bits) == WF_OK ? out : NULL;
}

/* Views of s's keys; returns 0 on failure. */
static inline int wf_accel_views_init(wf_accel_views *v, const wf_proof_samples *s)
{
    *v = (wf_accel_views){
        .pk0_own = s->pk0, .pk1_own = s->pk1, .rpv_own = s->rp_verifier, .rpp_own = s->rp_prover};
    v->rpv_plain = wf_view_rped_copy(s->rp_verifier);
    v->rpp_plain = wf_view_rped_copy(s->rp_prover);
    v->rpv_table = wf_view_rped_copy(s->rp_verifier);
    return wf_paillier_pk_from_n(&v->pk0_plain, s->pk0->n, s->pk0->bits) == WF_OK &&
           wf_paillier_pk_from_n(&v->pk1_plain, s->pk1->n, s->pk1->bits) == WF_OK && v->rpv_plain != NULL &&
           v->rpp_plain != NULL && v->rpv_table != NULL && wf_rped_precompute(v->rpv_table) == WF_OK;
}

static inline void wf_accel_views_free(wf_accel_views *v)
{
    wf_paillier_pk_free(v->pk0_plain);
    wf_paillier_pk_free(v->pk1_plain);
    wf_rped_free(v->rpv_plain);
    wf_rped_free(v->rpp_plain);
    wf_rped_free(v->rpv_table);
}

/* Points s's keys at the view of `kind` from `view`. */
static inline void wf_accel_view_set(wf_proof_samples *s, const wf_accel_views *v, wf_proof_kind kind,
                                     wf_view view)
{
    s->pk0 = v->pk0_plain;
    s->pk1 = v->pk1_plain;
    s->rp_verifier = v->rpv_plain;
    s->rp_prover = v->rpp_plain;
    if (view == WF_VIEW_PROVER) {
        if (kind != WF_PROOF_AFF_G)
            s->pk0 = v->pk0_own; /* Πaff-g's N0 is the verifier's */
        s->pk1 = v->pk1_own;
        s->rp_verifier = v->rpv_table;
        s->rp_prover = v->rpp_own;
    } else if (view == WF_VIEW_VERIFIER) {
        if (kind == WF_PROOF_AFF_G)
            s->pk0 = v->pk0_own;
        s->rp_verifier = v->rpv_own;
    }
}

#endif
