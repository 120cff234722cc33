#include "protocol/presign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/proofs/aff_g.h"
#include "crypto/proofs/enc.h"
#include "crypto/proofs/log_star.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/parallel.h"
#include "protocol/proto/presign.pb-c.h"
#include "protocol/wire.h"

#define ROUNDS 5

/* Secret scalars, in one locked block. */
typedef struct secrets {
    wf_scalar k, gamma, w, chi;
} secrets;

/* What sender i keeps of the MtA it runs towards peer j. */
typedef struct mta_out {
    wf_smpz *beta, *s, *r;          /* D = K_j^γ ⊕ enc_j(−β; s), F = enc_i(−β; r) */
    wf_smpz *beta_hat, *s_hat, *r_hat;
} mta_out;

typedef struct presign {
    wf_machine base;
    const wf_key_share *key;
    const wf_aux *aux;
    unsigned threads;
    size_t t, me;                  /* signers, own position */
    uint32_t set[WF_MAX_MEMBERS];  /* member indices by position */
    const wf_paillier_pk *pk[WF_MAX_MEMBERS];
    const wf_rped *rped[WF_MAX_MEMBERS];
    wf_point W[WF_MAX_MEMBERS];    /* b_j·X_j */
    wf_point X;                    /* the public key, Σ W_j */
    wf_point G;                    /* the generator */

    secrets *sec;
    wf_smpz *rho, *nu;             /* randomness of K_i, G_i */
    mta_out mta[WF_MAX_MEMBERS];   /* by peer position */

    mpz_t K[WF_MAX_MEMBERS], Gc[WF_MAX_MEMBERS]; /* every K_j, G_j */
    wf_point Gamma_j[WF_MAX_MEMBERS], Gamma;
    wf_scalar delta_j[WF_MAX_MEMBERS];
    wf_point Delta[WF_MAX_MEMBERS], Shat[WF_MAX_MEMBERS];
    wf_scalar delta;
    int revealing; /* round 4 carries reveals */

    /* per-peer outputs of the parallel work */
    uint8_t *direct[WF_MAX_MEMBERS];
    size_t direct_len[WF_MAX_MEMBERS];
    wf_err direct_err[WF_MAX_MEMBERS];
    char why[WF_MAX_MEMBERS][96];

    wf_presig *result;
} presign;

static presign *of(wf_machine *m)
{
    return (presign *)m;
}

static int faulty(const presign *ps, uint32_t kind, size_t peer)
{
    return ps->base.fault.kind == kind &&
           (ps->base.fault.victim == WF_TO_BROADCAST || ps->base.fault.victim == ps->set[peer]);
}

static void proof_ctx(const presign *ps, wf_proof_ctx *ctx, size_t prover, size_t verifier)
{
    wf_machine_proof_ctx(&ps->base, ctx, ps->set[prover], ps->set[verifier]);
}

/* ---------------------------------------------------------------- round 1 */

static wf_err send_direct_all(presign *ps, wf_outbox *out, uint32_t round)
{
    wf_err err = WF_OK;
    for (size_t j = 0; j < ps->t; j++) {
        if (j == ps->me)
            continue;
        if (err == WF_OK)
            err = ps->direct_err[j];
        if (err == WF_OK)
            err = wf_session_send(&ps->base.s, out, round, ps->set[j], ps->direct[j], ps->direct_len[j]);
        free(ps->direct[j]);
        ps->direct[j] = NULL;
        ps->direct_len[j] = 0;
    }
    return err;
}

static wf_err r1_direct(void *ctx_, size_t j)
{
    presign *ps = ctx_;
    if (j == ps->me)
        return WF_OK;
    wf_proof_ctx ctx;
    proof_ctx(ps, &ctx, ps->me, j);
    mpz_t k;
    mpz_init(k);
    wf_scalar_to_mpz(k, &ps->sec->k);
    wf_proof_enc proof;
    wf_proof_enc_init(&proof);
    wf_proof_enc_stmt st = {.pk0 = ps->pk[ps->me], .K = ps->K[ps->me], .rped = ps->rped[j]};
    wf_proof_enc_wit wit = {.k = k, .rho = ps->rho->v};
    wf_err err = wf_proof_enc_prove(&proof, &ctx, &st, &wit);
    wf_mpz_wipe(k);
    mpz_clear(k);
    if (err == WF_OK && faulty(ps, WF_PRESIGN_FAULT_ENC_PROOF, j))
        mpz_add_ui(proof.z1, proof.z1, 1);
    Warifu__Presign__Round1Direct msg = WARIFU__PRESIGN__ROUND1_DIRECT__INIT;
    wf_wire_arena a = {0};
    if (err == WF_OK) {
        wf_wire_put_proof(&a, &msg.enc, WF_PROOF_ENC, &proof);
        err = wf_wire_pack(&a, &msg.base, &ps->direct[j], &ps->direct_len[j]);
    }
    wf_wire_arena_free(&a);
    wf_proof_enc_clear(&proof);
    return err;
}

static wf_err start(wf_machine *m, wf_outbox *out)
{
    presign *ps = of(m);
    const wf_paillier_sk *sk = ps->aux->sk;
    const wf_paillier_pk *pk = ps->pk[ps->me];
    wf_scalar_random(&ps->sec->k);
    wf_scalar_random(&ps->sec->gamma);
    mpz_t v;
    mpz_init(v);
    wf_err err = wf_mpz_random_unit(ps->rho->v, pk->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(ps->nu->v, pk->n);
    wf_scalar_to_mpz(v, &ps->sec->k);
    if (err == WF_OK)
        err = wf_paillier_encrypt_crt(ps->K[ps->me], sk, v, ps->rho->v);
    wf_scalar_to_mpz(v, &ps->sec->gamma);
    if (err == WF_OK)
        err = wf_paillier_encrypt_crt(ps->Gc[ps->me], sk, v, ps->nu->v);
    wf_mpz_wipe(v);
    mpz_clear(v);
    if (err != WF_OK)
        return err;

    Warifu__Presign__Round1 msg = WARIFU__PRESIGN__ROUND1__INIT;
    wf_wire_arena a = {0};
    wf_wire_put_mpz(&a, &msg.k, ps->K[ps->me]);
    if (ps->base.fault.kind == WF_PRESIGN_FAULT_BAD_CIPHERTEXT)
        wf_wire_put_mpz(&a, &msg.g, pk->n);
    else
        wf_wire_put_mpz(&a, &msg.g, ps->Gc[ps->me]);
    uint8_t *buf = NULL;
    size_t len = 0;
    err = wf_wire_pack(&a, &msg.base, &buf, &len);
    if (err == WF_OK && ps->base.fault.kind == WF_PRESIGN_FAULT_MALFORMED && len > 0)
        buf[0] ^= 0xff;
    if (err == WF_OK)
        err = wf_machine_broadcast(m, out, 1, buf, len);
    free(buf);
    if (err == WF_OK)
        err = wf_parallel_for(ps->t, ps->threads, r1_direct, ps);
    if (err == WF_OK)
        err = send_direct_all(ps, out, 1);
    return err;
}

/* ------------------------------------------------------------- the checks */

/* Each check reads a signed message of party `s` (position) and, for a direct
 * message, checks it as its receiver `r` does. On failure it writes why[] and
 * returns an error; it never changes the state except through `store`. */

static wf_err check_r1_bcast(presign *ps, size_t s, const wf_filed *f, char *why, size_t cap)
{
    Warifu__Presign__Round1 *msg =
        (Warifu__Presign__Round1 *)wf_wire_unpack(&warifu__presign__round1__descriptor, f->env.payload,
                                                  f->env.payload_len);
    wf_err err = msg == NULL ? WF_ERR_ENCODING : WF_OK;
    if (err == WF_OK)
        err = wf_wire_get_mpz(ps->K[s], &msg->k);
    if (err == WF_OK)
        err = wf_wire_get_mpz(ps->Gc[s], &msg->g);
    if (err == WF_OK)
        err = wf_paillier_ciphertext_check(ps->pk[s], ps->K[s]);
    if (err == WF_OK)
        err = wf_paillier_ciphertext_check(ps->pk[s], ps->Gc[s]);
    if (err != WF_OK)
        snprintf(why, cap, "party %u sent a bad round-1 broadcast (%s)", (unsigned)ps->set[s], wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

static wf_err check_r1_direct(presign *ps, size_t s, size_t r, const wf_filed *f, char *why, size_t cap)
{
    Warifu__Presign__Round1Direct *msg = (Warifu__Presign__Round1Direct *)wf_wire_unpack(
        &warifu__presign__round1_direct__descriptor, f->env.payload, f->env.payload_len);
    wf_proof_enc proof;
    wf_proof_enc_init(&proof);
    wf_err err = msg == NULL ? WF_ERR_ENCODING : wf_wire_get_proof(WF_PROOF_ENC, &proof, &msg->enc);
    if (err == WF_OK) {
        wf_proof_ctx ctx;
        proof_ctx(ps, &ctx, s, r);
        wf_proof_enc_stmt st = {.pk0 = ps->pk[s], .K = ps->K[s], .rped = ps->rped[r]};
        err = wf_proof_enc_verify(&proof, &ctx, &st);
    }
    if (err != WF_OK)
        snprintf(why, cap, "party %u: Πenc for K to party %u fails (%s)", (unsigned)ps->set[s],
                 (unsigned)ps->set[r], wf_err_str(err));
    wf_proof_enc_clear(&proof);
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

static wf_err check_r2_bcast(presign *ps, size_t s, const wf_filed *f, char *why, size_t cap)
{
    Warifu__Presign__Round2 *msg = (Warifu__Presign__Round2 *)wf_wire_unpack(
        &warifu__presign__round2__descriptor, f->env.payload, f->env.payload_len);
    wf_err err = msg == NULL ? WF_ERR_ENCODING : wf_wire_get_point(&ps->Gamma_j[s], &msg->gamma);
    if (err != WF_OK)
        snprintf(why, cap, "party %u sent a bad round-2 broadcast (%s)", (unsigned)ps->set[s], wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

/* The receiver's view of one round-2 direct message. */
typedef struct r2_view {
    mpz_t D, F, Dh, Fh;
} r2_view;

static void r2_view_init(r2_view *v)
{
    mpz_inits(v->D, v->F, v->Dh, v->Fh, NULL);
}

static void r2_view_clear(r2_view *v)
{
    mpz_clears(v->D, v->F, v->Dh, v->Fh, NULL);
}

/* Reads D, F, D̂, F̂ of a round-2 direct message (no proof checks). */
static Warifu__Presign__Round2Direct *r2_parse(const wf_filed *f, r2_view *v, wf_err *err)
{
    Warifu__Presign__Round2Direct *msg = (Warifu__Presign__Round2Direct *)wf_wire_unpack(
        &warifu__presign__round2_direct__descriptor, f->env.payload, f->env.payload_len);
    *err = msg == NULL ? WF_ERR_ENCODING : WF_OK;
    if (*err == WF_OK)
        *err = wf_wire_get_mpz(v->D, &msg->d);
    if (*err == WF_OK)
        *err = wf_wire_get_mpz(v->F, &msg->f);
    if (*err == WF_OK)
        *err = wf_wire_get_mpz(v->Dh, &msg->d_hat);
    if (*err == WF_OK)
        *err = wf_wire_get_mpz(v->Fh, &msg->f_hat);
    return msg;
}

static wf_err check_aff_g(presign *ps, size_t s, size_t r, const ProtobufCBinaryData *field, mpz_srcptr D,
                          mpz_srcptr F, const wf_point *X)
{
    wf_proof_aff_g proof;
    wf_proof_aff_g_init(&proof);
    wf_err err = wf_wire_get_proof(WF_PROOF_AFF_G, &proof, field);
    if (err == WF_OK) {
        wf_proof_ctx ctx;
        proof_ctx(ps, &ctx, s, r);
        wf_proof_aff_g_stmt st = {.pk0 = ps->pk[r], .pk1 = ps->pk[s], .C = ps->K[r], .D = D, .Y = F, .X = X,
                                  .rped = ps->rped[r]};
        err = wf_proof_aff_g_verify(&proof, &ctx, &st);
    }
    wf_proof_aff_g_clear(&proof);
    return err;
}

static wf_err check_log_star(presign *ps, size_t s, size_t r, const ProtobufCBinaryData *field, mpz_srcptr C,
                             const wf_point *X, const wf_point *g)
{
    wf_proof_log_star proof;
    wf_proof_log_star_init(&proof);
    wf_err err = wf_wire_get_proof(WF_PROOF_LOG_STAR, &proof, field);
    if (err == WF_OK) {
        wf_proof_ctx ctx;
        proof_ctx(ps, &ctx, s, r);
        wf_proof_log_star_stmt st = {.pk0 = ps->pk[s], .C = C, .X = X, .g = g, .rped = ps->rped[r]};
        err = wf_proof_log_star_verify(&proof, &ctx, &st);
    }
    wf_proof_log_star_clear(&proof);
    return err;
}

/* Checks party s's round-2 message to r; on success leaves D, F, D̂, F̂ in v. */
static wf_err check_r2_direct(presign *ps, size_t s, size_t r, const wf_filed *f, r2_view *v, char *why,
                              size_t cap)
{
    wf_err err;
    const char *what = "malformed message";
    Warifu__Presign__Round2Direct *msg = r2_parse(f, v, &err);
    if (err == WF_OK) {
        what = "Πaff-g for γ";
        err = check_aff_g(ps, s, r, &msg->aff_g, v->D, v->F, &ps->Gamma_j[s]);
    }
    if (err == WF_OK) {
        what = "Πaff-g for the key share";
        err = check_aff_g(ps, s, r, &msg->aff_g_hat, v->Dh, v->Fh, &ps->W[s]);
    }
    if (err == WF_OK) {
        what = "Πlog* for Γ";
        err = check_log_star(ps, s, r, &msg->log_star, ps->Gc[s], &ps->Gamma_j[s], &ps->G);
    }
    if (err != WF_OK)
        snprintf(why, cap, "party %u: %s to party %u fails (%s)", (unsigned)ps->set[s], what,
                 (unsigned)ps->set[r], wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

static wf_err check_r3_bcast(presign *ps, size_t s, const wf_filed *f, char *why, size_t cap)
{
    Warifu__Presign__Round3 *msg = (Warifu__Presign__Round3 *)wf_wire_unpack(
        &warifu__presign__round3__descriptor, f->env.payload, f->env.payload_len);
    wf_err err = msg == NULL ? WF_ERR_ENCODING : wf_wire_get_scalar(&ps->delta_j[s], &msg->delta);
    if (err == WF_OK)
        err = wf_wire_get_point(&ps->Delta[s], &msg->big_delta);
    if (err == WF_OK)
        err = wf_wire_get_point(&ps->Shat[s], &msg->s_hat);
    if (err != WF_OK)
        snprintf(why, cap, "party %u sent a bad round-3 broadcast (%s)", (unsigned)ps->set[s], wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

static wf_err check_r3_direct(presign *ps, size_t s, size_t r, const wf_filed *f, char *why, size_t cap)
{
    Warifu__Presign__Round3Direct *msg = (Warifu__Presign__Round3Direct *)wf_wire_unpack(
        &warifu__presign__round3_direct__descriptor, f->env.payload, f->env.payload_len);
    wf_err err = msg == NULL ? WF_ERR_ENCODING
                             : check_log_star(ps, s, r, &msg->log_star, ps->K[s], &ps->Delta[s], &ps->Gamma);
    if (err != WF_OK)
        snprintf(why, cap, "party %u: Πlog* for Δ to party %u fails (%s)", (unsigned)ps->set[s],
                 (unsigned)ps->set[r], wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

/* Checks every broadcast of round r with `check`; blames the first bad one. */
static int check_bcasts(presign *ps, wf_outbox *out, uint32_t round,
                        wf_err (*check)(presign *, size_t, const wf_filed *, char *, size_t))
{
    for (size_t s = 0; s < ps->t; s++) {
        const wf_filed *f = &ps->base.s.box[round].bcast[s];
        char why[128];
        if (s == ps->me)
            continue;
        if (check(ps, s, f, why, sizeof why) != WF_OK) {
            wf_session_blame(&ps->base.s, out, f, ps->set[s], "%s", why);
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- round 2 */

static wf_err r2_direct(void *ctx_, size_t j)
{
    presign *ps = ctx_;
    if (j == ps->me)
        return WF_OK;
    const wf_paillier_sk *sk = ps->aux->sk;
    const wf_paillier_pk *pkj = ps->pk[j];
    mta_out *mo = &ps->mta[j];
    wf_proof_ctx ctx;
    proof_ctx(ps, &ctx, ps->me, j);
    mpz_t gamma, w, negb, D, F, Dh, Fh;
    mpz_inits(gamma, w, negb, D, F, Dh, Fh, NULL);
    wf_scalar_to_mpz(gamma, &ps->sec->gamma);
    wf_scalar_to_mpz(w, &ps->sec->w);
    wf_proof_aff_g pa, ph;
    wf_proof_log_star pl;
    wf_proof_aff_g_init(&pa);
    wf_proof_aff_g_init(&ph);
    wf_proof_log_star_init(&pl);

    /* the two MtAs: (γ_i, β) and (w_i, β̂) */
    struct {
        mpz_srcptr x;
        wf_smpz *beta, *s, *r;
        mpz_ptr D, F;
        wf_proof_aff_g *proof;
        const wf_point *X;
        uint32_t fault;
    } mt[2] = {{gamma, mo->beta, mo->s, mo->r, D, F, &pa, &ps->Gamma_j[ps->me], WF_PRESIGN_FAULT_AFF_G},
               {w, mo->beta_hat, mo->s_hat, mo->r_hat, Dh, Fh, &ph, &ps->W[ps->me], WF_PRESIGN_FAULT_AFF_G_HAT}};
    wf_err err = WF_OK;
    for (int t = 0; t < 2 && err == WF_OK; t++) {
        wf_mpz_random_pm(mt[t].beta->v, WF_PROOF_ELL_PRIME); /* β ∈ ±2^ℓ' */
        mpz_neg(negb, mt[t].beta->v);
        err = wf_mpz_random_unit(mt[t].s->v, pkj->n);
        if (err == WF_OK)
            err = wf_mpz_random_unit(mt[t].r->v, sk->pk.n);
        if (err == WF_OK) /* D = K_j^x ⊕ enc_j(−β; s) */
            err = wf_paillier_affine_sec(mt[t].D, pkj, ps->K[j], mt[t].x, WF_PROOF_ELL, negb, mt[t].s->v);
        if (err == WF_OK)
            err = wf_paillier_encrypt_crt(mt[t].F, sk, negb, mt[t].r->v);
        if (err == WF_OK) {
            wf_proof_aff_g_stmt st = {.pk0 = pkj, .pk1 = &sk->pk, .C = ps->K[j], .D = mt[t].D, .Y = mt[t].F,
                                      .X = mt[t].X, .rped = ps->rped[j]};
            wf_proof_aff_g_wit wit = {.x = mt[t].x, .y = negb, .rho = mt[t].s->v, .rho_y = mt[t].r->v, .sk1 = sk};
            err = wf_proof_aff_g_prove(mt[t].proof, &ctx, &st, &wit);
        }
        if (err == WF_OK && faulty(ps, mt[t].fault, j))
            mpz_add_ui(mt[t].proof->z1, mt[t].proof->z1, 1);
    }
    if (err == WF_OK) {
        wf_proof_log_star_stmt st = {.pk0 = &sk->pk, .C = ps->Gc[ps->me], .X = &ps->Gamma_j[ps->me], .g = &ps->G,
                                     .rped = ps->rped[j]};
        wf_proof_log_star_wit wit = {.x = gamma, .rho = ps->nu->v};
        err = wf_proof_log_star_prove(&pl, &ctx, &st, &wit);
        if (err == WF_OK && faulty(ps, WF_PRESIGN_FAULT_LOG_STAR_G, j))
            mpz_add_ui(pl.z1, pl.z1, 1);
    }
    Warifu__Presign__Round2Direct msg = WARIFU__PRESIGN__ROUND2_DIRECT__INIT;
    wf_wire_arena a = {0};
    if (err == WF_OK) {
        wf_wire_put_mpz(&a, &msg.d, D);
        wf_wire_put_mpz(&a, &msg.f, F);
        wf_wire_put_mpz(&a, &msg.d_hat, Dh);
        wf_wire_put_mpz(&a, &msg.f_hat, Fh);
        wf_wire_put_proof(&a, &msg.aff_g, WF_PROOF_AFF_G, &pa);
        wf_wire_put_proof(&a, &msg.aff_g_hat, WF_PROOF_AFF_G, &ph);
        wf_wire_put_proof(&a, &msg.log_star, WF_PROOF_LOG_STAR, &pl);
        err = wf_wire_pack(&a, &msg.base, &ps->direct[j], &ps->direct_len[j]);
    }
    wf_wire_arena_free(&a);
    wf_proof_aff_g_clear(&pa);
    wf_proof_aff_g_clear(&ph);
    wf_proof_log_star_clear(&pl);
    wf_mpz_wipe(gamma);
    wf_mpz_wipe(w);
    wf_mpz_wipe(negb);
    mpz_clears(gamma, w, negb, D, F, Dh, Fh, NULL);
    return err;
}

static wf_err r1_verify_direct(void *ctx_, size_t s)
{
    presign *ps = ctx_;
    if (s == ps->me)
        return WF_OK;
    ps->direct_err[s] = check_r1_direct(ps, s, ps->me, &ps->base.s.box[1].p2p[s], ps->why[s], sizeof ps->why[s]);
    return ps->direct_err[s];
}

/* Blames the first peer whose direct message of `round` failed in the
 * parallel check; 0 if it did. */
static int blame_failed_direct(presign *ps, wf_outbox *out, uint32_t round)
{
    for (size_t s = 0; s < ps->t; s++)
        if (s != ps->me && ps->direct_err[s] != WF_OK) {
            wf_session_blame(&ps->base.s, out, &ps->base.s.box[round].p2p[s], ps->set[s], "%s", ps->why[s]);
            return 0;
        }
    return 1;
}

/* Runs a per-peer check for every peer in parallel; each records its own
 * result in direct_err[peer]. */
static void run_peers(presign *ps, wf_parallel_fn fn, void *ctx)
{
    for (size_t s = 0; s < ps->t; s++)
        ps->direct_err[s] = WF_OK;
    wf_parallel_for(ps->t, ps->threads, fn, ctx);
}

static wf_err finish_round1(presign *ps, wf_outbox *out)
{
    if (!check_bcasts(ps, out, 1, check_r1_bcast))
        return WF_OK;
    run_peers(ps, r1_verify_direct, ps);
    if (!blame_failed_direct(ps, out, 1))
        return WF_OK;

    wf_err err = wf_point_base_mul(&ps->Gamma_j[ps->me], &ps->sec->gamma);
    Warifu__Presign__Round2 msg = WARIFU__PRESIGN__ROUND2__INIT;
    wf_wire_arena a = {0};
    wf_wire_put_point(&a, &msg.gamma, &ps->Gamma_j[ps->me]);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (err == WF_OK)
        err = wf_wire_pack(&a, &msg.base, &buf, &len);
    wf_wire_arena_free(&a);
    if (err == WF_OK)
        err = wf_machine_broadcast(&ps->base, out, 2, buf, len);
    free(buf);
    if (err == WF_OK)
        err = wf_parallel_for(ps->t, ps->threads, r2_direct, ps);
    if (err == WF_OK)
        err = send_direct_all(ps, out, 2);
    return err;
}

/* ---------------------------------------------------------------- round 3 */

/* Round-2 receiving side: the decrypted MtA shares α_ij, α̂_ij by peer. */
typedef struct r2_in {
    presign *ps;
    wf_smpz *alpha[WF_MAX_MEMBERS], *alpha_hat[WF_MAX_MEMBERS];
} r2_in;

static wf_err r2_verify_direct(void *ctx_, size_t s)
{
    r2_in *in = ctx_;
    presign *ps = in->ps;
    if (s == ps->me)
        return WF_OK;
    r2_view v;
    r2_view_init(&v);
    wf_err err = check_r2_direct(ps, s, ps->me, &ps->base.s.box[2].p2p[s], &v, ps->why[s], sizeof ps->why[s]);
    if (err == WF_OK)
        err = wf_paillier_decrypt_signed(in->alpha[s]->v, ps->aux->sk, v.D);
    if (err == WF_OK)
        err = wf_paillier_decrypt_signed(in->alpha_hat[s]->v, ps->aux->sk, v.Dh);
    r2_view_clear(&v);
    ps->direct_err[s] = err;
    return err;
}

static wf_err r3_direct(void *ctx_, size_t j)
{
    presign *ps = ctx_;
    if (j == ps->me)
        return WF_OK;
    wf_proof_ctx ctx;
    proof_ctx(ps, &ctx, ps->me, j);
    mpz_t k;
    mpz_init(k);
    wf_scalar_to_mpz(k, &ps->sec->k);
    wf_proof_log_star proof;
    wf_proof_log_star_init(&proof);
    wf_proof_log_star_stmt st = {.pk0 = &ps->aux->sk->pk, .C = ps->K[ps->me], .X = &ps->Delta[ps->me],
                                 .g = &ps->Gamma, .rped = ps->rped[j]};
    wf_proof_log_star_wit wit = {.x = k, .rho = ps->rho->v};
    wf_err err = wf_proof_log_star_prove(&proof, &ctx, &st, &wit);
    wf_mpz_wipe(k);
    mpz_clear(k);
    if (err == WF_OK && faulty(ps, WF_PRESIGN_FAULT_LOG_STAR_DELTA, j))
        mpz_add_ui(proof.z1, proof.z1, 1);
    Warifu__Presign__Round3Direct msg = WARIFU__PRESIGN__ROUND3_DIRECT__INIT;
    wf_wire_arena a = {0};
    if (err == WF_OK) {
        wf_wire_put_proof(&a, &msg.log_star, WF_PROOF_LOG_STAR, &proof);
        err = wf_wire_pack(&a, &msg.base, &ps->direct[j], &ps->direct_len[j]);
    }
    wf_wire_arena_free(&a);
    wf_proof_log_star_clear(&proof);
    return err;
}

/* out = Σ of n points. */
static wf_err point_sum(wf_point *out, const wf_point *p, size_t n)
{
    *out = p[0];
    wf_err err = WF_OK;
    for (size_t i = 1; i < n && err == WF_OK; i++)
        err = wf_point_add(out, out, &p[i]);
    return err;
}

/* acc += v mod q for a (possibly negative) integer v. */
static void scalar_add_mpz(wf_scalar *acc, const mpz_t v)
{
    wf_scalar t;
    wf_scalar_from_mpz(&t, v);
    wf_scalar_add(acc, acc, &t);
    wf_scalar_wipe(&t);
}

static wf_err finish_round2(presign *ps, wf_outbox *out)
{
    if (!check_bcasts(ps, out, 2, check_r2_bcast))
        return WF_OK;
    r2_in in = {.ps = ps};
    wf_err err = WF_OK;
    for (size_t s = 0; s < ps->t && err == WF_OK; s++) {
        in.alpha[s] = wf_smpz_new();
        in.alpha_hat[s] = wf_smpz_new();
        if (in.alpha[s] == NULL || in.alpha_hat[s] == NULL)
            err = WF_ERR_NOMEM;
    }
    if (err == WF_OK)
        run_peers(ps, r2_verify_direct, &in);
    int ok = err == WF_OK && blame_failed_direct(ps, out, 2);

    /* δ_i = k_i·γ_i + Σ_j (α_ij + β_ji), χ_i = w_i·k_i + Σ_j (α̂_ij + β̂_ji) */
    secrets *sc = ps->sec;
    if (ok) {
        wf_scalar_mul(&ps->delta_j[ps->me], &sc->k, &sc->gamma);
        wf_scalar_mul(&sc->chi, &sc->w, &sc->k);
        for (size_t j = 0; j < ps->t; j++) {
            if (j == ps->me)
                continue;
            scalar_add_mpz(&ps->delta_j[ps->me], in.alpha[j]->v);
            scalar_add_mpz(&ps->delta_j[ps->me], ps->mta[j].beta->v);
            scalar_add_mpz(&sc->chi, in.alpha_hat[j]->v);
            scalar_add_mpz(&sc->chi, ps->mta[j].beta_hat->v);
        }
        if (ps->base.fault.kind == WF_PRESIGN_FAULT_WRONG_DELTA) {
            wf_scalar one = {{0}};
            one.b[WF_SCALAR_BYTES - 1] = 1;
            wf_scalar_add(&ps->delta_j[ps->me], &ps->delta_j[ps->me], &one);
        }
        err = point_sum(&ps->Gamma, ps->Gamma_j, ps->t);
        if (err == WF_OK && wf_point_is_infinity(&ps->Gamma))
            err = WF_ERR_INFINITY;
        if (err == WF_OK)
            err = wf_point_mul(&ps->Delta[ps->me], &ps->Gamma, &sc->k);
        if (err == WF_OK)
            err = wf_point_mul(&ps->Shat[ps->me], &ps->Gamma, &sc->chi);
    }
    for (size_t s = 0; s < ps->t; s++) {
        wf_smpz_free(in.alpha[s]);
        wf_smpz_free(in.alpha_hat[s]);
    }
    if (!ok || err != WF_OK)
        return err;

    Warifu__Presign__Round3 msg = WARIFU__PRESIGN__ROUND3__INIT;
    wf_wire_arena a = {0};
    wf_wire_put_scalar(&a, &msg.delta, &ps->delta_j[ps->me]);
    wf_wire_put_point(&a, &msg.big_delta, &ps->Delta[ps->me]);
    wf_wire_put_point(&a, &msg.s_hat, &ps->Shat[ps->me]);
    uint8_t *buf = NULL;
    size_t len = 0;
    err = wf_wire_pack(&a, &msg.base, &buf, &len);
    if (err == WF_OK)
        err = wf_machine_broadcast(&ps->base, out, 3, buf, len);
    free(buf);
    if (err == WF_OK)
        err = wf_parallel_for(ps->t, ps->threads, r3_direct, ps);
    if (err == WF_OK)
        err = send_direct_all(ps, out, 3);
    return err;
}

/* ---------------------------------------------------------------- round 4 */

static wf_err r3_verify_direct(void *ctx_, size_t s)
{
    presign *ps = ctx_;
    if (s == ps->me)
        return WF_OK;
    wf_err err = check_r3_direct(ps, s, ps->me, &ps->base.s.box[3].p2p[s], ps->why[s], sizeof ps->why[s]);
    ps->direct_err[s] = err;
    return err;
}

/* Our reveal: the round-1/2 ephemerals (none depends on the key share) and
 * every round-2 envelope we received. */
static wf_err build_reveal(presign *ps, uint8_t **buf, size_t *len)
{
    Warifu__Presign__Round4 msg = WARIFU__PRESIGN__ROUND4__INIT;
    Warifu__Presign__PairReveal pairs[WF_MAX_MEMBERS];
    Warifu__Presign__PairReveal *pp[WF_MAX_MEMBERS];
    wf_wire_arena a = {0};
    wf_wire_put_scalar(&a, &msg.k, &ps->sec->k);
    wf_wire_put_scalar(&a, &msg.gamma, &ps->sec->gamma);
    wf_wire_put_mpz(&a, &msg.rho, ps->rho->v);
    wf_wire_put_mpz(&a, &msg.nu, ps->nu->v);
    ProtobufCBinaryData *recv = wf_wire_put_array(&a, ps->t);
    for (size_t j = 0; j < ps->t && recv != NULL; j++) {
        if (j == ps->me)
            continue;
        Warifu__Presign__PairReveal *p = &pairs[msg.n_pairs];
        warifu__presign__pair_reveal__init(p);
        p->to = ps->set[j];
        wf_wire_put_mpz(&a, &p->beta, ps->mta[j].beta->v);
        wf_wire_put_mpz(&a, &p->s, ps->mta[j].s->v);
        wf_wire_put_mpz(&a, &p->r, ps->mta[j].r->v);
        pp[msg.n_pairs++] = p;
        const wf_filed *f = &ps->base.s.box[2].p2p[j];
        recv[msg.n_received++] = (ProtobufCBinaryData){f->raw_len, f->raw};
    }
    msg.pairs = pp;
    msg.received = recv;
    return wf_wire_pack(&a, &msg.base, buf, len);
}

static wf_err finish_round3(presign *ps, wf_outbox *out)
{
    if (!check_bcasts(ps, out, 3, check_r3_bcast))
        return WF_OK;
    run_peers(ps, r3_verify_direct, ps);
    if (!blame_failed_direct(ps, out, 3))
        return WF_OK;

    /* δ = Σ δ_j; δ·G must equal Σ Δ_j */
    wf_point sum_delta, dG;
    ps->delta = ps->delta_j[0];
    for (size_t j = 1; j < ps->t; j++)
        wf_scalar_add(&ps->delta, &ps->delta, &ps->delta_j[j]);
    wf_err err = point_sum(&sum_delta, ps->Delta, ps->t);
    if (err == WF_OK)
        err = wf_point_base_mul(&dG, &ps->delta);
    if (err != WF_OK && err != WF_ERR_INFINITY)
        return err;
    ps->revealing = err == WF_ERR_INFINITY || wf_scalar_is_zero(&ps->delta) || !wf_point_eq(&dG, &sum_delta);

    uint8_t *buf = NULL;
    size_t len = 0;
    err = ps->revealing ? build_reveal(ps, &buf, &len) : WF_OK;
    if (err == WF_OK)
        err = wf_machine_broadcast(&ps->base, out, 4, buf, len);
    free(buf);
    return err;
}

/* ---------------------------------------------------------------- the end */

static wf_err make_presig(presign *ps)
{
    wf_presig *p = calloc(1, sizeof *p);
    if (p == NULL)
        return WF_ERR_NOMEM;
    p->k = wf_secure_alloc(sizeof *p->k);
    p->chi = wf_secure_alloc(sizeof *p->chi);
    wf_err err = p->k != NULL && p->chi != NULL ? WF_OK : WF_ERR_NOMEM;
    wf_scalar dinv;
    if (err == WF_OK)
        err = wf_scalar_inv(&dinv, &ps->delta);
    if (err == WF_OK)
        err = wf_point_mul(&p->R, &ps->Gamma, &dinv);
    for (size_t j = 0; j < ps->t && err == WF_OK; j++) {
        err = wf_point_mul(&p->Rbar[j], &ps->Delta[j], &dinv);
        if (err == WF_OK)
            err = wf_point_mul(&p->S[j], &ps->Shat[j], &dinv);
    }
    if (err != WF_OK) {
        wf_presig_free(p);
        return err;
    }
    memcpy(p->key_id, ps->key->pub.key_id, WF_ID_BYTES);
    memcpy(p->session_id, ps->base.s.cfg.session_id, WF_ID_BYTES);
    p->self = ps->base.s.cfg.self;
    p->n = ps->t;
    memcpy(p->signers, ps->set, ps->t * sizeof ps->set[0]);
    *p->k = ps->sec->k;
    *p->chi = ps->sec->chi;
    ps->result = p;
    return WF_OK;
}

static wf_err finish_round4(presign *ps, wf_outbox *out)
{
    if (ps->revealing)
        return wf_machine_broadcast(&ps->base, out, 5, NULL, 0);
    /* ΣŜ_j = Γ^{Σχ_j} = Γ^{k·x} must equal δ·X */
    wf_point sum, dX;
    wf_err err = point_sum(&sum, ps->Shat, ps->t);
    if (err == WF_OK)
        err = wf_point_mul(&dX, &ps->X, &ps->delta);
    if (err != WF_OK && err != WF_ERR_INFINITY)
        return err;
    if (err != WF_OK || !wf_point_eq(&sum, &dX)) {
        wf_session_abort(&ps->base.s, WF_CULPRIT_UNKNOWN,
                         "the signers' S_j do not sum to δ·X: some χ_j is wrong (culprit not identified)");
        return WF_OK;
    }
    err = make_presig(ps);
    if (err == WF_OK)
        ps->base.s.status = WF_SESSION_DONE;
    return err;
}

/* The revealed values of one party. */
typedef struct reveal {
    mpz_t k, rho, gamma, nu;
    mpz_t beta[WF_MAX_MEMBERS], s[WF_MAX_MEMBERS], r[WF_MAX_MEMBERS]; /* by receiver position */
    wf_filed recv[WF_MAX_MEMBERS];                                      /* by sender position */
} reveal;

static void reveal_init(reveal *rv)
{
    mpz_inits(rv->k, rv->rho, rv->gamma, rv->nu, NULL);
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++)
        mpz_inits(rv->beta[j], rv->s[j], rv->r[j], NULL);
    memset(rv->recv, 0, sizeof rv->recv);
}

static void reveal_clear(reveal *rv)
{
    mpz_clears(rv->k, rv->rho, rv->gamma, rv->nu, NULL);
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++) {
        mpz_clears(rv->beta[j], rv->s[j], rv->r[j], NULL);
        wf_filed_clear(&rv->recv[j]);
    }
}

/* Parses party c's reveal and checks it against c's own messages. */
static wf_err read_reveal(presign *ps, size_t c, reveal *rv, char *why, size_t cap)
{
    const wf_filed *f = &ps->base.s.box[4].bcast[c];
    Warifu__Presign__Round4 *msg = (Warifu__Presign__Round4 *)wf_wire_unpack(
        &warifu__presign__round4__descriptor, f->env.payload, f->env.payload_len);
    const char *what = "malformed reveal";
    wf_err err = msg == NULL || msg->n_pairs != ps->t - 1 || msg->n_received != ps->t - 1 ? WF_ERR_ENCODING : WF_OK;
    wf_scalar ks, gs; /* scalars on the wire: below q or refused */
    if (err == WF_OK)
        err = wf_wire_get_scalar(&ks, &msg->k);
    if (err == WF_OK)
        err = wf_wire_get_mpz(rv->rho, &msg->rho);
    if (err == WF_OK)
        err = wf_wire_get_scalar(&gs, &msg->gamma);
    if (err == WF_OK)
        err = wf_wire_get_mpz(rv->nu, &msg->nu);
    if (err == WF_OK) {
        wf_scalar_to_mpz(rv->k, &ks);
        wf_scalar_to_mpz(rv->gamma, &gs);
    }
    int seen[WF_MAX_MEMBERS] = {0};
    for (size_t i = 0; err == WF_OK && i < msg->n_pairs; i++) {
        int j = wf_session_pos(&ps->base.s, msg->pairs[i]->to);
        if (j < 0 || (size_t)j == c || seen[j]++) {
            err = WF_ERR_ENCODING;
            break;
        }
        err = wf_wire_get_mpz(rv->beta[j], &msg->pairs[i]->beta);
        if (err == WF_OK)
            err = wf_wire_get_mpz(rv->s[j], &msg->pairs[i]->s);
        if (err == WF_OK)
            err = wf_wire_get_mpz(rv->r[j], &msg->pairs[i]->r);
        if (err == WF_OK && !wf_proof_in_range(rv->beta[j], WF_PROOF_ELL_PRIME))
            err = WF_ERR_RANGE;
    }
    /* the round-2 envelopes c received: one signed by each peer, to c */
    for (size_t i = 0; err == WF_OK && i < msg->n_received; i++) {
        wf_filed e;
        err = wf_session_open_forwarded(&ps->base.s, &e, msg->received[i].data, msg->received[i].len);
        int s = err == WF_OK ? wf_session_pos(&ps->base.s, e.env.from) : -1;
        if (err == WF_OK && (s < 0 || (size_t)s == c || e.env.round != 2 || e.env.to != ps->set[c] ||
                             rv->recv[s].present))
            err = WF_ERR_ENCODING;
        if (err == WF_OK)
            rv->recv[s] = e;
        else
            wf_filed_clear(&e);
    }
    /* K_c, G_c, Γ_c, Δ_c must be what the revealed values give */
    mpz_t e;
    mpz_init(e);
    wf_point P;
    if (err == WF_OK) {
        what = "revealed k, ρ do not give K";
        err = wf_paillier_encrypt_with(e, ps->pk[c], rv->k, rv->rho);
        if (err == WF_OK && mpz_cmp(e, ps->K[c]) != 0)
            err = WF_ERR_VERIFY;
    }
    if (err == WF_OK) {
        what = "revealed γ, ν do not give G";
        err = wf_paillier_encrypt_with(e, ps->pk[c], rv->gamma, rv->nu);
        if (err == WF_OK && mpz_cmp(e, ps->Gc[c]) != 0)
            err = WF_ERR_VERIFY;
    }
    if (err == WF_OK) {
        what = "revealed γ does not give Γ, or k does not give Δ";
        err = wf_point_base_mul(&P, &gs);
        if (err == WF_OK && !wf_point_eq(&P, &ps->Gamma_j[c]))
            err = WF_ERR_VERIFY;
        if (err == WF_OK)
            err = wf_point_mul(&P, &ps->Gamma, &ks);
        if (err == WF_OK && !wf_point_eq(&P, &ps->Delta[c]))
            err = WF_ERR_VERIFY;
    }
    mpz_clear(e);
    if (err != WF_OK)
        snprintf(why, cap, "party %u: %s (%s)", (unsigned)ps->set[c], what, wf_err_str(err));
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

/* Sender c's MtA towards receiver j, as j received it, must be what c's
 * revealed (γ_c, β, s, r) give: D = K_j^γ_c ⊕ enc_j(−β; s), F = enc_c(−β; r). */
static wf_err check_pair(presign *ps, size_t c, size_t j, reveal *rv, char *why, size_t cap)
{
    r2_view v;
    r2_view_init(&v);
    wf_err err;
    Warifu__Presign__Round2Direct *msg = r2_parse(&rv[j].recv[c], &v, &err);
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    mpz_t negb, t1, t2;
    mpz_inits(negb, t1, t2, NULL);
    mpz_neg(negb, rv[c].beta[j]);
    if (err == WF_OK)
        err = wf_paillier_mul_scalar(t1, ps->pk[j], ps->K[j], rv[c].gamma);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(t2, ps->pk[j], negb, rv[c].s[j]);
    if (err == WF_OK)
        err = wf_paillier_add(t1, ps->pk[j], t1, t2);
    if (err == WF_OK && mpz_cmp(t1, v.D) != 0)
        err = WF_ERR_VERIFY;
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(t2, ps->pk[c], negb, rv[c].r[j]);
    if (err == WF_OK && mpz_cmp(t2, v.F) != 0)
        err = WF_ERR_VERIFY;
    if (err != WF_OK)
        snprintf(why, cap, "party %u: its MtA message to party %u does not match its reveal",
                 (unsigned)ps->set[c], (unsigned)ps->set[j]);
    mpz_clears(negb, t1, t2, NULL);
    r2_view_clear(&v);
    return err;
}

/* δ_c must be k_c·γ_c + Σ_j (γ_j·k_c − β_cj) + Σ_j β_jc. */
static int delta_matches(presign *ps, size_t c, reveal *rv)
{
    mpz_t acc, t;
    mpz_inits(acc, t, NULL);
    mpz_mul(acc, rv[c].k, rv[c].gamma);
    for (size_t j = 0; j < ps->t; j++) {
        if (j == c)
            continue;
        mpz_mul(t, rv[j].gamma, rv[c].k);
        mpz_add(acc, acc, t);
        mpz_sub(acc, acc, rv[j].beta[c]);
        mpz_add(acc, acc, rv[c].beta[j]);
    }
    wf_scalar d;
    wf_scalar_from_mpz(&d, acc);
    mpz_clears(acc, t, NULL);
    return wf_scalar_eq(&d, &ps->delta_j[c]);
}

/* Every party revealed; name the first whose δ_c or messages are wrong. */
static void judge_reveals(presign *ps)
{
    reveal *rv = calloc(ps->t, sizeof *rv);
    if (rv == NULL) {
        wf_session_abort(&ps->base.s, ps->base.s.cfg.self, "out of memory judging reveals");
        return;
    }
    for (size_t c = 0; c < ps->t; c++)
        reveal_init(&rv[c]);
    char why[160];
    uint32_t culprit = WF_CULPRIT_UNKNOWN;
    for (size_t c = 0; c < ps->t && culprit == WF_CULPRIT_UNKNOWN; c++)
        if (read_reveal(ps, c, &rv[c], why, sizeof why) != WF_OK)
            culprit = ps->set[c];
    for (size_t c = 0; c < ps->t && culprit == WF_CULPRIT_UNKNOWN; c++)
        for (size_t j = 0; j < ps->t && culprit == WF_CULPRIT_UNKNOWN; j++)
            if (j != c && check_pair(ps, c, j, rv, why, sizeof why) != WF_OK)
                culprit = ps->set[c];
    for (size_t c = 0; c < ps->t && culprit == WF_CULPRIT_UNKNOWN; c++)
        if (!delta_matches(ps, c, rv)) {
            culprit = ps->set[c];
            snprintf(why, sizeof why, "party %u broadcast a wrong δ", (unsigned)culprit);
        }
    if (culprit == WF_CULPRIT_UNKNOWN)
        snprintf(why, sizeof why, "δ·G differs from ΣΔ_j but every reveal checks out");
    wf_session_abort(&ps->base.s, culprit, "%s", why);
    for (size_t c = 0; c < ps->t; c++)
        reveal_clear(&rv[c]);
    free(rv);
}

/* ---------------------------------------------------------------- driver */

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    return r <= 3 ? WF_ROUND_BCAST | WF_ROUND_P2P : WF_ROUND_BCAST;
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    presign *ps = of(m);
    switch (r) {
    case 1: return finish_round1(ps, out);
    case 2: return finish_round2(ps, out);
    case 3: return finish_round3(ps, out);
    case 4: return finish_round4(ps, out);
    default: judge_reveals(ps); return WF_OK;
    }
}

static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    presign *ps = of(m);
    uint32_t r = ev->env.round;
    int s = wf_session_pos(&ps->base.s, ev->env.from), a = wf_session_pos(&ps->base.s, accuser);
    if (s < 0 || a < 0)
        return WF_JUDGE_INNOCENT;
    if (m->round <= r)
        return WF_JUDGE_LATER; /* we have not finished that round ourselves */
    wf_err err = WF_OK;
    if (r == 1) {
        err = check_r1_direct(ps, (size_t)s, (size_t)a, ev, reason, cap);
    } else if (r == 2) {
        r2_view v;
        r2_view_init(&v);
        err = check_r2_direct(ps, (size_t)s, (size_t)a, ev, &v, reason, cap);
        r2_view_clear(&v);
    } else if (r == 3) {
        err = check_r3_direct(ps, (size_t)s, (size_t)a, ev, reason, cap);
    }
    return err == WF_OK ? WF_JUDGE_INNOCENT : WF_JUDGE_GUILTY;
}

static void destroy(wf_machine *m)
{
    presign *ps = of(m);
    wf_session_clear(&ps->base.s);
    wf_secure_free(ps->sec);
    wf_smpz_free(ps->rho);
    wf_smpz_free(ps->nu);
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++) {
        mta_out *mo = &ps->mta[j];
        wf_smpz *all[] = {mo->beta, mo->s, mo->r, mo->beta_hat, mo->s_hat, mo->r_hat};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            wf_smpz_free(all[i]);
        mpz_clears(ps->K[j], ps->Gc[j], NULL);
        free(ps->direct[j]);
    }
    wf_presig_free(ps->result);
    wf_memzero(ps, sizeof *ps);
    free(ps);
}

static const wf_machine_ops OPS = {round_kinds, start, finish_round, judge, destroy};

static wf_err setup(presign *ps, const wf_presign_params *p)
{
    const wf_key_public *pub = &p->key->pub;
    ps->t = p->n;
    memcpy(ps->set, p->signers, p->n * sizeof p->signers[0]);
    int me = wf_session_pos(&ps->base.s, p->key->self);
    if (me < 0)
        return WF_ERR_ARG;
    ps->me = (size_t)me;
    wf_scalar b[WF_MAX_MEMBERS];
    wf_err err = wf_key_signer_weights(pub, ps->set, ps->t, b, ps->W);
    if (err != WF_OK)
        return err;
    if ((err = point_sum(&ps->X, ps->W, ps->t)) != WF_OK)
        return err;
    if (!wf_point_eq(&ps->X, &pub->public_key))
        return WF_ERR_ARG;
    wf_point_generator(&ps->G);
    if ((ps->sec = wf_secure_alloc(sizeof *ps->sec)) == NULL || (ps->rho = wf_smpz_new()) == NULL ||
        (ps->nu = wf_smpz_new()) == NULL)
        return WF_ERR_NOMEM;
    wf_scalar_mul(&ps->sec->w, &b[ps->me], p->key->share);
    for (size_t j = 0; j < ps->t; j++) {
        uint32_t member = ps->set[j];
        ps->pk[j] = wf_aux_pk(p->aux, member);
        ps->rped[j] = p->aux->rped[member];
        if (ps->pk[j] == NULL || ps->rped[j] == NULL)
            return WF_ERR_ARG;
        if (j == ps->me)
            continue;
        mta_out *mo = &ps->mta[j];
        if ((mo->beta = wf_smpz_new()) == NULL || (mo->s = wf_smpz_new()) == NULL ||
            (mo->r = wf_smpz_new()) == NULL || (mo->beta_hat = wf_smpz_new()) == NULL ||
            (mo->s_hat = wf_smpz_new()) == NULL || (mo->r_hat = wf_smpz_new()) == NULL)
            return WF_ERR_NOMEM;
    }
    return WF_OK;
}

static int cmp_member(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* What a presign session binds its id to (wf_machine_bind_inputs): the
 * signers in ascending order and the public key. */
typedef struct bound_inputs {
    uint8_t set[4 * WF_MAX_MEMBERS], pub[WF_POINT_BYTES];
    wf_hash_part parts[2];
} bound_inputs;

static wf_err bind_inputs_of(bound_inputs *b, const wf_key_public *key, const uint32_t *sorted, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            b->set[4 * i + (size_t)k] = (uint8_t)(sorted[i] >> (24 - 8 * k));
    b->parts[0] = (wf_hash_part){b->set, 4 * n};
    b->parts[1] = (wf_hash_part){b->pub, sizeof b->pub};
    return wf_point_serialize(b->pub, &key->public_key);
}

wf_err wf_presign_id(uint8_t out[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES], const wf_key_public *key,
                     const uint32_t *signers, size_t n)
{
    uint32_t sorted[WF_MAX_MEMBERS];
    bound_inputs b;
    if (out == NULL || start_id == NULL || key == NULL || signers == NULL || n < 2 ||
        n > WF_PRESIGN_MAX_SIGNERS)
        return WF_ERR_ARG;
    memcpy(sorted, signers, n * sizeof signers[0]);
    qsort(sorted, n, sizeof sorted[0], cmp_member);
    wf_err err = bind_inputs_of(&b, key, sorted, n);
    if (err == WF_OK)
        err = wf_machine_derive_id_for(out, "presign", start_id, b.parts, 2);
    return err;
}

wf_err wf_presign_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_presign_params *p)
{
    if (out == NULL || cfg == NULL || p == NULL || p->key == NULL || p->aux == NULL || p->key->share == NULL ||
        p->aux->sk == NULL || p->n < 2 || p->n > WF_PRESIGN_MAX_SIGNERS || cfg->self != p->key->self ||
        p->aux->self != p->key->self || p->aux->n != p->key->pub.n ||
        memcmp(p->aux->key_id, p->key->pub.key_id, WF_ID_BYTES) != 0 ||
        memcmp(cfg->key_id, p->key->pub.key_id, WF_ID_BYTES) != 0)
        return WF_ERR_ARG;
    *out = NULL;
    /* authorisation first: nothing is sent for a set that cannot sign */
    wf_err err = wf_key_signer_weights(&p->key->pub, p->signers, p->n, NULL, NULL);
    if (err != WF_OK)
        return err;
    presign *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return WF_ERR_NOMEM;
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++)
        mpz_inits(ps->K[j], ps->Gc[j], NULL);
    ps->key = p->key;
    ps->aux = p->aux;
    ps->threads = p->threads;
    /* one canonical order (ascending member index) for every party: the order
     * enters every proof transcript and the echoes */
    wf_presign_params sorted = *p;
    qsort(sorted.signers, sorted.n, sizeof sorted.signers[0], cmp_member);
    bound_inputs b;
    err = bind_inputs_of(&b, &p->key->pub, sorted.signers, sorted.n);
    if (err == WF_OK)
        err = wf_machine_init(&ps->base, &OPS, cfg, "presign", sorted.signers, sorted.n, ROUNDS);
    if (err == WF_OK)
        err = wf_machine_bind_inputs(&ps->base, b.parts, 2);
    if (err == WF_OK)
        err = setup(ps, &sorted);
    if (err != WF_OK) {
        destroy(&ps->base);
        return err;
    }
    *out = &ps->base;
    return WF_OK;
}

wf_err wf_presign_result(wf_machine *m, wf_presig **out)
{
    if (m == NULL || out == NULL || m->ops != &OPS || m->s.status != WF_SESSION_DONE || of(m)->result == NULL)
        return WF_ERR_ARG;
    *out = of(m)->result;
    of(m)->result = NULL;
    return WF_OK;
}

void wf_presig_free(wf_presig *p)
{
    if (p == NULL)
        return;
    wf_secure_free(p->k);
    wf_secure_free(p->chi);
    wf_memzero(p, sizeof *p);
    free(p);
}
