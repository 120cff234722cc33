#include "protocol/sign.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/bip32.h"
#include "crypto/secmem.h"
#include "protocol/proto/sign.pb-c.h"
#include "protocol/wire.h"

typedef struct sign_secrets {
    wf_scalar k, chi;
} sign_secrets;

typedef struct sign {
    wf_machine base;
    size_t t, me;
    uint32_t set[WF_MAX_MEMBERS];
    wf_point R, Rbar[WF_MAX_MEMBERS], S[WF_MAX_MEMBERS];
    wf_point pub;        /* the key the signature must verify under */
    wf_scalar m, r, tau; /* digest, x(R) mod q, BIP32 tweak */
    uint8_t digest[WF_ECDSA_DIGEST_BYTES];
    sign_secrets *sec;   /* wiped once σ_i is computed */
    wf_scalar sigma[WF_MAX_MEMBERS];
    wf_ecdsa_sig sig;
} sign;

static sign *of(wf_machine *m)
{
    return (sign *)m;
}

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    (void)r;
    return WF_ROUND_BCAST;
}

static wf_err start(wf_machine *m, wf_outbox *out)
{
    sign *sg = of(m);
    /* σ_i = k_i·(m + r·τ) + r·χ_i */
    wf_scalar a, b;
    wf_err err = wf_scalar_mul(&a, &sg->r, &sg->tau);
    if (err == WF_OK)
        err = wf_scalar_add(&a, &a, &sg->m);
    if (err == WF_OK)
        err = wf_scalar_mul(&a, &a, &sg->sec->k);
    if (err == WF_OK)
        err = wf_scalar_mul(&b, &sg->r, &sg->sec->chi);
    if (err == WF_OK)
        err = wf_scalar_add(&sg->sigma[sg->me], &a, &b);
    wf_scalar_wipe(&a);
    wf_scalar_wipe(&b);
    wf_secure_free(sg->sec);
    sg->sec = NULL;
    if (err != WF_OK)
        return err; /* nothing half-computed ever leaves */
    if (m->fault.kind == WF_SIGN_FAULT_WRONG_SIGMA) {
        wf_scalar one = {{0}};
        one.b[WF_SCALAR_BYTES - 1] = 1;
        wf_scalar_add(&sg->sigma[sg->me], &sg->sigma[sg->me], &one);
    }
    Warifu__Sign__Partial msg = WARIFU__SIGN__PARTIAL__INIT;
    wf_wire_arena a_ = {0};
    wf_wire_put_scalar(&a_, &msg.sigma, &sg->sigma[sg->me]);
    if (m->fault.kind == WF_SIGN_FAULT_MALFORMED)
        msg.sigma.len = 31;
    uint8_t *buf = NULL;
    size_t len = 0;
    err = wf_wire_pack(&a_, &msg.base, &buf, &len);
    if (err == WF_OK)
        err = wf_machine_broadcast(m, out, 1, buf, len);
    free(buf);
    return err;
}

static wf_err read_partial(sign *sg, size_t s, const wf_filed *f)
{
    Warifu__Sign__Partial *msg = (Warifu__Sign__Partial *)wf_wire_unpack(&warifu__sign__partial__descriptor,
                                                                        f->env.payload, f->env.payload_len);
    wf_err err = msg == NULL ? WF_ERR_ENCODING : wf_wire_get_scalar(&sg->sigma[s], &msg->sigma);
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

/* σ_s·R == (m + r·τ)·R̄_s + r·S_s */
static int partial_ok(const sign *sg, size_t s)
{
    wf_scalar c[2];
    wf_point p[2] = {sg->Rbar[s], sg->S[s]}, lhs, rhs;
    wf_scalar_mul(&c[0], &sg->r, &sg->tau);
    wf_scalar_add(&c[0], &c[0], &sg->m);
    c[1] = sg->r;
    return wf_point_mul(&lhs, &sg->R, &sg->sigma[s]) == WF_OK && wf_point_msm(&rhs, c, p, 2) == WF_OK &&
           wf_point_eq(&lhs, &rhs);
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    sign *sg = of(m);
    if (r == 2) {
        m->s.status = WF_SESSION_DONE;
        return WF_OK;
    }
    for (size_t s = 0; s < sg->t; s++) {
        const wf_filed *f = &m->s.box[1].bcast[s];
        if (s != sg->me && read_partial(sg, s, f) != WF_OK) {
            wf_session_blame(&m->s, out, f, sg->set[s], "party %u sent a malformed partial signature",
                             (unsigned)sg->set[s]);
            return WF_OK;
        }
    }
    wf_scalar sum = sg->sigma[0];
    for (size_t s = 1; s < sg->t; s++)
        wf_scalar_add(&sum, &sum, &sg->sigma[s]);
    sg->sig.r = sg->r;
    sg->sig.s = sum;
    wf_err err = wf_ecdsa_recovery_id(&sg->R, &sg->sig.v);
    if (err == WF_OK)
        err = wf_ecdsa_normalize_low_s(&sg->sig);
    if (err == WF_OK && !wf_scalar_is_zero(&sum) && wf_ecdsa_verify_strict(&sg->pub, sg->digest, &sg->sig) == WF_OK)
        return wf_session_send(&m->s, out, 2, WF_TO_BROADCAST, NULL, 0);
    for (size_t s = 0; s < sg->t; s++)
        if (!partial_ok(sg, s)) {
            wf_session_blame(&m->s, out, &m->s.box[1].bcast[s], sg->set[s],
                             "party %u sent a partial signature that fails σ·R = (m + rτ)·R̄ + r·S",
                             (unsigned)sg->set[s]);
            return WF_OK;
        }
    wf_session_abort(&m->s, WF_CULPRIT_UNKNOWN, "the signature does not verify though every partial checks");
    return WF_OK;
}

static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    (void)ev;
    (void)accuser;
    (void)reason;
    (void)cap;
    /* only broadcasts here: the same message passed (or will pass) our own check */
    return m->round <= 1 ? WF_JUDGE_LATER : WF_JUDGE_INNOCENT;
}

static void destroy(wf_machine *m)
{
    sign *sg = of(m);
    wf_session_clear(&sg->base.s);
    wf_secure_free(sg->sec);
    wf_memzero(sg, sizeof *sg);
    free(sg);
}

static const wf_machine_ops OPS = {round_kinds, start, finish_round, judge, destroy};

static wf_err setup(sign *sg, const wf_sign_params *p)
{
    const wf_presig *ps = p->presig;
    sg->t = ps->n;
    memcpy(sg->set, ps->signers, ps->n * sizeof ps->signers[0]);
    for (size_t i = 0; i < ps->n; i++)
        if (ps->signers[i] == ps->self)
            sg->me = i;
    sg->R = ps->R;
    memcpy(sg->Rbar, ps->Rbar, sizeof sg->Rbar);
    memcpy(sg->S, ps->S, sizeof sg->S);
    memcpy(sg->digest, p->digest, WF_ECDSA_DIGEST_BYTES);
    wf_err err = wf_ecdsa_digest_scalar(&sg->m, p->digest);
    if (err == WF_OK)
        err = wf_point_x_mod_q(&sg->r, &sg->R);
    if (err == WF_OK && wf_scalar_is_zero(&sg->r))
        err = WF_ERR_RANGE;
    wf_xpub root, child;
    if (err == WF_OK)
        err = wf_key_xpub(p->key, &root);
    if (err == WF_OK)
        err = wf_bip32_derive_path(&child, &sg->tau, &root, p->path, p->path_len);
    if (err == WF_OK)
        sg->pub = child.key;
    return err;
}

wf_err wf_sign_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_sign_params *p)
{
    if (out == NULL || cfg == NULL || p == NULL || p->key == NULL || p->presig == NULL ||
        (p->path == NULL && p->path_len > 0) || p->path_len > WF_BIP32_PATH_MAX)
        return WF_ERR_ARG;
    *out = NULL;
    wf_presig *ps = p->presig;
    if (ps->k == NULL || ps->chi == NULL || ps->self != cfg->self || ps->n < 2 ||
        memcmp(ps->key_id, p->key->key_id, WF_ID_BYTES) != 0 ||
        memcmp(cfg->key_id, p->key->key_id, WF_ID_BYTES) != 0)
        return WF_ERR_ARG;
    for (size_t i = 0; i < p->path_len; i++)
        if (p->path[i] & WF_BIP32_HARDENED)
            return WF_ERR_ARG;
    sign *sg = calloc(1, sizeof *sg);
    if (sg == NULL)
        return WF_ERR_NOMEM;
    wf_err err = wf_machine_init(&sg->base, &OPS, cfg, "sign", ps->signers, ps->n, 2);
    /* every signer must sign the same digest and path with the same
     * presignature: bound into the session, a mismatch stalls the run
     * instead of making honest partials look wrong */
    uint8_t R[WF_POINT_BYTES], path_bytes[4 * WF_BIP32_PATH_MAX];
    for (size_t i = 0; i < p->path_len; i++)
        for (int b = 0; b < 4; b++)
            path_bytes[4 * i + (size_t)b] = (uint8_t)(p->path[i] >> (24 - 8 * b));
    if (err == WF_OK)
        err = wf_point_serialize(R, &ps->R);
    wf_hash_part inputs[4] = {{ps->session_id, WF_ID_BYTES},
                              {R, sizeof R},
                              {p->digest, WF_ECDSA_DIGEST_BYTES},
                              {path_bytes, 4 * p->path_len}};
    if (err == WF_OK)
        err = wf_machine_bind_inputs(&sg->base, inputs, 4);
    if (err == WF_OK)
        err = setup(sg, p);
    if (err == WF_OK && (sg->sec = wf_secure_alloc(sizeof *sg->sec)) == NULL)
        err = WF_ERR_NOMEM;
    if (err != WF_OK) {
        destroy(&sg->base);
        return err;
    }
    /* consume the presignature: its secrets now live only in this machine */
    sg->sec->k = *ps->k;
    sg->sec->chi = *ps->chi;
    wf_secure_free(ps->k);
    wf_secure_free(ps->chi);
    ps->k = ps->chi = NULL;
    *out = &sg->base;
    return WF_OK;
}

wf_err wf_sign_result(const wf_machine *m, wf_ecdsa_sig *sig, wf_point *pub)
{
    if (m == NULL || sig == NULL || m->ops != &OPS || m->s.status != WF_SESSION_DONE)
        return WF_ERR_ARG;
    *sig = ((const sign *)m)->sig;
    if (pub != NULL)
        *pub = ((const sign *)m)->pub;
    return WF_OK;
}
