/* Key refresh: CGGMP21 (eprint 2021/060) Fig. 6 with a hierarchical
 * zero-sharing under Feldman commitments (see refresh.h). The Paillier half
 * (key, Πprm, Πmod, Πfac, ρ) is aux_keys.c, shared with aux-info. */
#include "protocol/refresh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/proofs/sch.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "protocol/aux_keys.h"
#include "protocol/commit_reveal.h"
#include "protocol/proto/refresh.pb-c.h"
#include "protocol/wire.h"

#define NO_POS       SIZE_MAX /* a broadcast: no addressee */
#define DOMAIN       "warifu/refresh/v1/commit"

/* Writes the reason a check failed and gives the verdict. */
#define GUILTY(reason, cap, ...) (snprintf((reason), (cap), __VA_ARGS__), WF_JUDGE_GUILTY)

/* Own secrets, in one locked allocation. */
typedef struct rf_secrets {
    wf_scalar share;               /* s_self, then s'_self */
    wf_scalar delta;               /* Σ of the zero-sharing shares to us checked so far */
    wf_scalar tmp;                 /* one share being sent or read */
    uint8_t wire[WF_SCALAR_BYTES]; /* its wire form */
} rf_secrets;

/* A dealer's zero-sharing as opened: F[0] is the point at infinity (no
 * constant term), F[1..t-1] its commitments, B[1..t-1] its Πsch first
 * messages. */
typedef struct rf_dealing {
    wf_point F[WF_MAX_MEMBERS];
    wf_point B[WF_MAX_MEMBERS];
} rf_dealing;

typedef struct refresh {
    wf_machine base; /* first: the driver's view */
    wf_aux_keys keys;
    wf_key_public pub; /* the key's current public record */
    uint32_t t;
    rf_secrets *sec;
    wf_poly *poly;                          /* f_self, until the shares are sent */
    wf_proof_sch_state sch[WF_MAX_MEMBERS]; /* for B_{self,k}, until the responses */
    rf_dealing own;
    wf_point joint[WF_MAX_MEMBERS]; /* Σ_i F_{i,k} over the checked openings */
    uint8_t *opening;               /* own round-2 payload, built in start */
    size_t opening_len;
    wf_key_share *key_result;
    wf_aux *aux_result;
} refresh;

static refresh *of(wf_machine *m)
{
    return (refresh *)m;
}

static int faulty(const refresh *r, uint32_t kind)
{
    return r->base.fault.kind == kind;
}

static uint32_t member(const refresh *r, size_t pos)
{
    return r->base.s.cfg.parties[pos];
}

static wf_aux_keys_wire opening_wire(Warifu__Refresh__Opening *o)
{
    return (wf_aux_keys_wire){&o->n, &o->s, &o->t, &o->prm, &o->rho, &o->u};
}

/* The commitment's extra parts: the commitments and the Πsch first messages,
 * each list as its wire forms in order (fixed 33-byte items, so the
 * concatenation is unambiguous). buf holds 2·WF_MAX_MEMBERS points. */
static void extra_parts(const Warifu__Refresh__Opening *o, uint8_t *buf, wf_hash_part parts[2])
{
    const ProtobufCBinaryData *lists[2] = {o->commitments, o->schnorr_a};
    size_t counts[2] = {o->n_commitments, o->n_schnorr_a};
    for (int l = 0; l < 2; l++) {
        parts[l] = (wf_hash_part){buf, 0};
        for (size_t i = 0; i < counts[l]; i++, buf += WF_POINT_BYTES) {
            memcpy(buf, lists[l][i].data, WF_POINT_BYTES);
            parts[l].len += WF_POINT_BYTES;
        }
    }
}

/* ---------------------------------------------------------------- round 1 */

/* f_self with a zero constant term (a random one under the constant faults),
 * its commitments F_{self,k} and Πsch first messages B_{self,k}, k >= 1. */
static wf_err deal(refresh *r)
{
    wf_scalar zero;
    wf_scalar_set_u64(&zero, 0);
    int constant = faulty(r, WF_REFRESH_FAULT_CONSTANT) || faulty(r, WF_REFRESH_FAULT_HIDDEN_CONSTANT);
    r->poly = wf_poly_new_random(r->t, constant ? NULL : &zero);
    if (r->poly == NULL)
        return WF_ERR_NOMEM;
    wf_err err = WF_OK;
    wf_point_set_infinity(&r->own.F[0]);
    for (uint32_t k = 1; k < r->t && err == WF_OK; k++) {
        err = wf_point_base_mul(&r->own.F[k], &r->poly->a[k]);
        if (err == WF_OK)
            err = wf_proof_sch_commit(&r->sch[k], &r->own.B[k]);
    }
    return err;
}

/* The opening: aux-keys fields, then F_{self,1..t-1} (F_{self,0} first under
 * WF_REFRESH_FAULT_CONSTANT) and B_{self,1..t-1}; V over all of it. */
static wf_err build_opening(refresh *r, wf_wire_arena *arena, Warifu__Refresh__Opening *o,
                            uint8_t v[WF_COMMIT_BYTES])
{
    unsigned faults = (faulty(r, WF_REFRESH_FAULT_BAD_PRM) ? WF_AUX_KEYS_FAULT_BAD_PRM : 0);
    wf_aux_keys_wire w = opening_wire(o);
    wf_err err = wf_aux_keys_open(&r->keys, arena, &w, faults);
    uint32_t first = faulty(r, WF_REFRESH_FAULT_CONSTANT) ? 0 : 1;
    wf_point c0;
    if (err == WF_OK && first == 0 && (err = wf_point_base_mul(&c0, &r->poly->a[0])) != WF_OK)
        return err;
    o->n_commitments = r->t - first;
    o->n_schnorr_a = r->t - 1;
    o->commitments = wf_wire_put_array(arena, r->t);
    o->schnorr_a = wf_wire_put_array(arena, r->t);
    for (uint32_t k = first; k < r->t && arena->err == WF_OK; k++)
        wf_wire_put_point(arena, &o->commitments[k - first], k == 0 ? &c0 : &r->own.F[k]);
    for (uint32_t k = 1; k < r->t && arena->err == WF_OK; k++)
        wf_wire_put_point(arena, &o->schnorr_a[k - 1], &r->own.B[k]);
    if (err != WF_OK || arena->err != WF_OK)
        return err != WF_OK ? err : arena->err;
    uint8_t buf[2 * WF_MAX_MEMBERS * WF_POINT_BYTES];
    wf_hash_part extra[2];
    extra_parts(o, buf, extra);
    return wf_aux_keys_commitment(&r->base, DOMAIN, r->base.s.cfg.self, &w, extra, 2, v);
}

/* Fig. 6 round 1: the Paillier key and Πprm (aux_keys.c), the zero-sharing
 * and its Πsch commitments; the opening is packed now and sent in round 2,
 * and the commitment V_i to it broadcast. */
static wf_err start(wf_machine *m, wf_outbox *out)
{
    refresh *r = of(m);
    Warifu__Refresh__Opening o = WARIFU__REFRESH__OPENING__INIT;
    wf_wire_arena arena = {0};
    uint8_t v[WF_COMMIT_BYTES];
    wf_err err = deal(r);
    if (err == WF_OK)
        err = build_opening(r, &arena, &o, v);
    if (err != WF_OK) {
        wf_wire_arena_free(&arena);
        return err;
    }
    if (faulty(r, WF_REFRESH_FAULT_BAD_OPENING))
        o.u.data[0] ^= 1; /* after committing */
    return wf_commit_reveal_start(m, out, &arena, &o.base, v, &r->opening, &r->opening_len);
}

/* ---------------------------------------------------------------- round 2 */

/* Party pos's zero-sharing from its opening message: exactly t-1 commitments
 * (t of them: a constant term) and t-1 first messages, all points. */
static wf_judgement read_dealing(const refresh *r, size_t pos, const Warifu__Refresh__Opening *o,
                                 rf_dealing *d, char *reason, size_t cap)
{
    unsigned who = (unsigned)member(r, pos);
    if (o->n_commitments == r->t)
        return GUILTY(reason, cap,
                      "party %u's zero-sharing has a non-zero constant term (%u commitments, not %u)", who,
                      (unsigned)r->t, (unsigned)r->t - 1);
    if (o->n_commitments != r->t - 1 || o->n_schnorr_a != r->t - 1)
        return GUILTY(reason, cap, "party %u sent a malformed opening", who);
    wf_point_set_infinity(&d->F[0]);
    for (uint32_t k = 1; k < r->t; k++)
        if (wf_wire_get_point(&d->F[k], &o->commitments[k - 1]) != WF_OK ||
            wf_wire_get_point(&d->B[k], &o->schnorr_a[k - 1]) != WF_OK)
            return GUILTY(reason, cap, "party %u sent a malformed opening", who);
    return WF_JUDGE_INNOCENT;
}

/* Decodes party pos's opening (payload): its zero-sharing, then the aux-keys
 * fields, checked against its round-1 commitment and |N| (Fig. 6 round 3,
 * first checks). o must be zero-filled; clear it with
 * wf_aux_keys_opening_clear. */
static wf_judgement read_opening(const refresh *r, size_t pos, const uint8_t *payload, size_t len,
                                 wf_aux_keys_opening *o, rf_dealing *d, char *reason, size_t cap)
{
    unsigned who = (unsigned)member(r, pos);
    uint8_t v[WF_COMMIT_BYTES];
    wf_judgement verdict = wf_commit_reveal_filed(&r->base, pos, v, reason, cap);
    if (verdict != WF_JUDGE_INNOCENT)
        return verdict;
    Warifu__Refresh__Opening *msg =
        (Warifu__Refresh__Opening *)wf_wire_unpack(&warifu__refresh__opening__descriptor, payload, len);
    if (msg == NULL)
        return GUILTY(reason, cap, "party %u sent a malformed opening", who);
    verdict = read_dealing(r, pos, msg, d, reason, cap);
    if (verdict == WF_JUDGE_INNOCENT) {
        uint8_t buf[2 * WF_MAX_MEMBERS * WF_POINT_BYTES];
        wf_hash_part extra[2];
        extra_parts(msg, buf, extra);
        wf_aux_keys_wire w = opening_wire(msg);
        verdict = wf_aux_keys_read(&r->keys, pos, &w, v, DOMAIN, extra, 2, o, reason, cap);
    }
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return verdict;
}

/* The distinct-modulus check's view of an earlier party's filed opening. */
static wf_judgement read_filed_opening(const wf_machine *m, size_t pos, wf_aux_keys_opening *o, char *reason,
                                       size_t cap)
{
    const wf_filed *f = &m->s.box[2].bcast[pos];
    rf_dealing d;
    if (!f->present)
        return WF_JUDGE_LATER;
    return read_opening((const refresh *)m, pos, f->env.payload, f->env.payload_len, o, &d, reason, cap);
}

/* Every round-2 check on party pos's opening, in the order the accuser runs
 * them: zero-sharing, opening, size, distinct modulus, Πprm. */
static wf_judgement check_opening(const refresh *r, size_t pos, const wf_filed *f, wf_aux_keys_opening *o,
                                  rf_dealing *d, char *reason, size_t cap)
{
    wf_judgement v = read_opening(r, pos, f->env.payload, f->env.payload_len, o, d, reason, cap);
    if (v == WF_JUDGE_INNOCENT)
        v = wf_aux_keys_check(&r->keys, pos, o, read_filed_opening, reason, cap);
    return v;
}

/* ---------------------------------------------------------------- round 3 */

/* Party pos's zero-sharing, once every opening passed round 2 (ours: own). */
static wf_judgement dealing_of(const refresh *r, size_t pos, rf_dealing *d)
{
    if (pos == r->keys.me) {
        *d = r->own;
        return WF_JUDGE_INNOCENT;
    }
    const wf_filed *f = &r->base.s.box[2].bcast[pos];
    Warifu__Refresh__Opening *msg =
        f->present ? (Warifu__Refresh__Opening *)wf_wire_unpack(&warifu__refresh__opening__descriptor,
                                                                f->env.payload, f->env.payload_len)
                   : NULL;
    char unused[WF_REASON_BYTES];
    wf_judgement v = msg != NULL ? read_dealing(r, pos, msg, d, unused, sizeof unused) : WF_JUDGE_LATER;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return v == WF_JUDGE_INNOCENT ? v : WF_JUDGE_LATER; /* it passed our round 2 */
}

/* Party pos's round-3 broadcast: Πmod, then a Πsch for each F_{pos,k}. */
static wf_judgement check_proofs(const refresh *r, size_t pos, const wf_filed *f, char *reason, size_t cap)
{
    if (!r->keys.have_rho)
        return WF_JUDGE_LATER; /* the moduli, ρ and F come from our own round 2 */
    unsigned who = (unsigned)member(r, pos);
    Warifu__Refresh__Proofs *msg = (Warifu__Refresh__Proofs *)wf_wire_unpack(
        &warifu__refresh__proofs__descriptor, f->env.payload, f->env.payload_len);
    if (msg == NULL)
        return GUILTY(reason, cap, "party %u sent malformed proofs", who);
    wf_judgement v = wf_aux_keys_check_mod(&r->keys, pos, &msg->mod, reason, cap);
    rf_dealing d;
    if (v == WF_JUDGE_INNOCENT && msg->n_schnorr_z != r->t - 1)
        v = GUILTY(reason, cap, "party %u sent malformed proofs", who);
    if (v == WF_JUDGE_INNOCENT)
        v = dealing_of(r, pos, &d);
    wf_proof_ctx ctx;
    wf_aux_keys_rho_ctx(&r->keys, &ctx, pos, NO_POS);
    for (uint32_t k = 1; k < r->t && v == WF_JUDGE_INNOCENT; k++) {
        wf_scalar z;
        wf_err err = wf_wire_get_scalar(&z, &msg->schnorr_z[k - 1]);
        if (err != WF_OK)
            v = GUILTY(reason, cap, "party %u sent malformed proofs", who);
        else if ((err = wf_proof_sch_verify(&ctx, &d.F[k], &d.B[k], &z)) == WF_ERR_NOMEM)
            v = WF_JUDGE_LATER;
        else if (err != WF_OK)
            v = GUILTY(reason, cap, "party %u's Πsch for its commitment %u does not verify (%s)", who,
                       (unsigned)k, wf_err_str(err));
    }
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return v;
}

/* Party pos's round-3 message to the party at `to`: a Πfac under to's
 * parameters, and a share that pos's commitments give member `to` (read into
 * *share). */
static wf_judgement check_direct(const refresh *r, size_t pos, size_t to, const wf_filed *f, wf_scalar *share,
                                 char *reason, size_t cap)
{
    if (!r->keys.have_rho)
        return WF_JUDGE_LATER;
    unsigned who = (unsigned)member(r, pos);
    Warifu__Refresh__Direct *msg = (Warifu__Refresh__Direct *)wf_wire_unpack(
        &warifu__refresh__direct__descriptor, f->env.payload, f->env.payload_len);
    if (msg == NULL)
        return GUILTY(reason, cap, "party %u sent a malformed direct message", who);
    wf_judgement v = wf_aux_keys_check_fac(&r->keys, pos, to, &msg->fac, reason, cap);
    if (v == WF_JUDGE_INNOCENT && wf_wire_get_scalar(share, &msg->share) != WF_OK)
        v = GUILTY(reason, cap, "party %u sent a malformed share", who);
    wf_memzero(msg->share.data, msg->share.len);
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    rf_dealing d;
    if (v == WF_JUDGE_INNOCENT)
        v = dealing_of(r, pos, &d);
    if (v != WF_JUDGE_INNOCENT)
        return v;
    wf_err err = wf_feldman_verify_share(d.F, r->t, &r->pub.members[member(r, to)], share);
    if (err == WF_ERR_VERIFY)
        return GUILTY(reason, cap, "party %u sent member %u a share that fails the Feldman check", who,
                      (unsigned)member(r, to));
    return err == WF_OK ? WF_JUDGE_INNOCENT : WF_JUDGE_LATER;
}

/* Fig. 6 round 3 broadcast: Πmod and a Πsch response for each F_{self,k},
 * bound to ρ. Every α of the Πsch states is consumed here. */
static wf_err send_proofs(refresh *r, wf_outbox *out)
{
    Warifu__Refresh__Proofs msg = WARIFU__REFRESH__PROOFS__INIT;
    wf_wire_arena arena = {0};
    wf_err err = wf_aux_keys_put_mod(&r->keys, &arena, &msg.mod, faulty(r, WF_REFRESH_FAULT_BAD_MOD));
    msg.n_schnorr_z = r->t - 1;
    msg.schnorr_z = wf_wire_put_array(&arena, r->t);
    wf_proof_ctx ctx;
    wf_aux_keys_rho_ctx(&r->keys, &ctx, r->keys.me, NO_POS);
    for (uint32_t k = 1; k < r->t && err == WF_OK; k++) {
        wf_scalar z;
        err = wf_proof_sch_prove(&z, &r->sch[k], &r->poly->a[k], &ctx, &r->own.F[k], &r->own.B[k]);
        if (err == WF_OK && k == 1 && faulty(r, WF_REFRESH_FAULT_BAD_SCH)) {
            wf_scalar one;
            wf_scalar_set_u64(&one, 1);
            err = wf_scalar_add(&z, &z, &one);
        }
        if (err == WF_OK && msg.schnorr_z != NULL)
            wf_wire_put_scalar(&arena, &msg.schnorr_z[k - 1], &z);
    }
    if (err != WF_OK) {
        wf_wire_arena_free(&arena);
        return err;
    }
    return wf_machine_pack_send(&r->base, out, 3, WF_TO_BROADCAST, &arena, &msg.base);
}

/* Fig. 6 round 3 to the party at j: Πfac under j's parameters and j's share
 * f_self^(r_j)(x_j), its plaintext only in locked memory here. */
static wf_err send_direct(refresh *r, wf_outbox *out, size_t j)
{
    rf_secrets *s = r->sec;
    uint32_t to = member(r, j);
    Warifu__Refresh__Direct msg = WARIFU__REFRESH__DIRECT__INIT;
    wf_wire_arena arena = {0};
    int bad_fac = faulty(r, WF_REFRESH_FAULT_BAD_FAC) &&
                  (r->base.fault.victim == WF_TO_BROADCAST || r->base.fault.victim == to);
    wf_err err = wf_aux_keys_put_fac(&r->keys, &arena, &msg.fac, j, bad_fac);
    if (err == WF_OK)
        err = wf_poly_share(&s->tmp, r->poly, &r->pub.members[to]);
    if (err == WF_OK && faulty(r, WF_REFRESH_FAULT_BAD_SHARE) && r->base.fault.victim == to) {
        wf_scalar one;
        wf_scalar_set_u64(&one, 1);
        err = wf_scalar_add(&s->tmp, &s->tmp, &one);
    }
    wf_scalar_serialize(s->wire, &s->tmp);
    msg.share = (ProtobufCBinaryData){WF_SCALAR_BYTES, s->wire};
    if (err == WF_OK)
        err = wf_machine_pack_send(&r->base, out, 3, to, &arena, &msg.base);
    wf_wire_arena_free(&arena);
    wf_scalar_wipe(&s->tmp);
    wf_memzero(s->wire, sizeof s->wire);
    return err;
}

/* ---------------------------------------------------------------- rounds */

static wf_err blame(refresh *r, wf_outbox *out, const wf_filed *f, const char *reason)
{
    return wf_machine_blame(&r->base, out, f, reason);
}

/* Takes party j's checked opening (or our own): its Paillier values and ρ_j,
 * and its commitments into the joint Σ_i F_i. */
static wf_err adopt(refresh *r, size_t j, wf_aux_keys_opening *o, const rf_dealing *d)
{
    wf_err err = wf_aux_keys_adopt(&r->keys, j, j == r->keys.me ? NULL : o);
    return err == WF_OK ? wf_feldman_add(r->joint, r->joint, d->F, r->t) : err;
}

/* Fig. 6 round 3: every opening checked in session order, ρ = ⊕ ρ_j; then
 * our proofs and each party's share of our zero-sharing, ours kept. */
static wf_err finish_round2(refresh *r, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < r->keys.n; j++) {
        wf_aux_keys_opening o = {0};
        rf_dealing d;
        wf_judgement v;
        const wf_filed *f = &r->base.s.box[2].bcast[j];
        if (j == r->keys.me) { /* our own N against earlier parties': the others run this check on us */
            d = r->own;
            v = wf_aux_keys_check_own(&r->keys, read_filed_opening, reason, sizeof reason);
            if (v == WF_JUDGE_GUILTY) {
                wf_session_abort(&r->base.s, r->base.s.cfg.self, "%s: our key was not fresh", reason);
                return WF_OK;
            }
        } else if ((v = check_opening(r, j, f, &o, &d, reason, sizeof reason)) == WF_JUDGE_GUILTY) {
            wf_aux_keys_opening_clear(&o);
            return blame(r, out, f, reason);
        }
        wf_err err = v == WF_JUDGE_INNOCENT ? adopt(r, j, &o, &d) : WF_ERR_INTERNAL;
        wf_aux_keys_opening_clear(&o);
        if (err != WF_OK)
            return err;
    }
    wf_err err = wf_aux_keys_bind_rho(&r->keys);
    if (err == WF_OK)
        err = send_proofs(r, out);
    for (size_t j = 0; j < r->keys.n && err == WF_OK; j++)
        if (j != r->keys.me)
            err = send_direct(r, out, j);
    if (err == WF_OK)
        err = wf_poly_share(&r->sec->delta, r->poly, &r->pub.members[r->base.s.cfg.self]);
    wf_poly_free(r->poly);
    r->poly = NULL;
    return err;
}

/* Fig. 6 output step: every Πmod and Πsch, and each dealer's Πfac and share
 * to us, added up; then the confirmation (it carries the echo of round 3). */
static wf_err finish_round3(refresh *r, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    rf_secrets *s = r->sec;
    for (size_t j = 0; j < r->keys.n; j++) {
        if (j == r->keys.me)
            continue;
        const wf_filed *f = &r->base.s.box[3].bcast[j];
        wf_judgement v = check_proofs(r, j, f, reason, sizeof reason);
        if (v == WF_JUDGE_INNOCENT) {
            f = &r->base.s.box[3].p2p[j];
            v = check_direct(r, j, r->keys.me, f, &s->tmp, reason, sizeof reason);
        }
        wf_err err = v == WF_JUDGE_INNOCENT ? wf_scalar_add(&s->delta, &s->delta, &s->tmp) : WF_OK;
        wf_scalar_wipe(&s->tmp);
        if (v != WF_JUDGE_INNOCENT)
            return v == WF_JUDGE_GUILTY ? blame(r, out, f, reason) : WF_ERR_INTERNAL;
        if (err != WF_OK)
            return err;
    }
    return wf_machine_broadcast(&r->base, out, 4, NULL, 0);
}

/* The refreshed record: C'_0 = C_0, C'_k = C_k + Σ_i F_{i,k}, every X'_j
 * from C', and s' = s + Σ_i f_i^(r_self)(x_self), which must lie on X'_self. */
static wf_err build_key(refresh *r)
{
    wf_key_share *ks = wf_key_share_new();
    if (ks == NULL)
        return WF_ERR_NOMEM;
    ks->pub = r->pub;
    ks->self = r->base.s.cfg.self;
    wf_key_public *pub = &ks->pub;
    wf_err err = wf_feldman_add(pub->commitments, pub->commitments, r->joint, r->t);
    if (err == WF_OK && !wf_point_eq(&pub->commitments[0], &pub->public_key))
        err = WF_ERR_INTERNAL; /* every F_{i,0} is infinity by construction */
    if (err == WF_OK)
        err = wf_scalar_add(ks->share, &r->sec->share, &r->sec->delta);
    if (err == WF_OK)
        err = wf_key_share_complete(ks);
    if (err == WF_OK)
        r->key_result = ks;
    else
        wf_key_share_free(ks);
    return err;
}

/* The confirmations (the session layer has checked their echo of round 3),
 * then the results. */
static wf_err finish_round4(refresh *r, wf_outbox *out)
{
    wf_err err = wf_machine_check_bcasts(&r->base, out, 4, wf_machine_check_confirmation);
    if (err != WF_OK || r->base.s.status != WF_SESSION_RUNNING)
        return err;
    err = build_key(r);
    if (err == WF_OK)
        err = wf_aux_keys_result(&r->keys, &r->aux_result);
    wf_scalar_wipe(&r->sec->share);
    wf_scalar_wipe(&r->sec->delta);
    if (err == WF_OK)
        r->base.s.status = WF_SESSION_DONE;
    return err;
}

/* ---------------------------------------------------------------- machine */

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    return r == 3 ? WF_ROUND_BCAST | WF_ROUND_P2P : WF_ROUND_BCAST;
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    refresh *rf = of(m);
    switch (r) {
    case 1: return wf_commit_reveal_open(m, out, rf->opening, rf->opening_len);
    case 2: return finish_round2(rf, out);
    case 3: return finish_round3(rf, out);
    case 4: return finish_round4(rf, out);
    default: return WF_ERR_ARG;
    }
}

/* Re-runs the accuser's check on the accused's message (machine.h). */
static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    refresh *r = of(m);
    int pos = wf_session_pos(&m->s, ev->env.from), apos = wf_session_pos(&m->s, accuser);
    uint32_t round = ev->env.round;
    int bcast = ev->env.to == WF_TO_BROADCAST;
    if (pos < 0 || apos < 0 || round == 0 || round > WF_REFRESH_ROUNDS || (!bcast && round != 3))
        return WF_JUDGE_INNOCENT; /* nothing the protocol reads */
    wf_judgement v;
    switch (round) {
    case 1: return wf_commit_reveal_check(m, ev, reason, cap);
    case 2: {
        wf_aux_keys_opening o = {0};
        rf_dealing d;
        v = check_opening(r, (size_t)pos, ev, &o, &d, reason, cap);
        wf_aux_keys_opening_clear(&o);
        return v;
    }
    case 3:
        if (bcast)
            return check_proofs(r, (size_t)pos, ev, reason, cap);
        v = check_direct(r, (size_t)pos, (size_t)apos, ev, &r->sec->tmp, reason, cap);
        wf_scalar_wipe(&r->sec->tmp);
        return v;
    default: return wf_machine_check_confirmation(m, ev, reason, cap);
    }
}

static void destroy(wf_machine *m)
{
    refresh *r = of(m);
    wf_session_clear(&r->base.s);
    wf_aux_keys_clear(&r->keys);
    wf_poly_free(r->poly);
    for (size_t k = 0; k < WF_MAX_MEMBERS; k++)
        wf_proof_sch_state_clear(&r->sch[k]);
    wf_secure_free(r->sec);
    free(r->opening);
    wf_key_share_free(r->key_result);
    wf_aux_free(r->aux_result);
    wf_memzero(r, sizeof *r);
    free(r);
}

static const wf_machine_ops OPS = {round_kinds, start, finish_round, judge, destroy};

static int fault_valid(const wf_fault *f, uint32_t n, uint32_t self)
{
    int victim_ok = f->victim < n && f->victim != self;
    switch (f->kind) {
    case WF_FAULT_NONE:
    case WF_REFRESH_FAULT_BAD_PRM:
    case WF_REFRESH_FAULT_BAD_MOD:
    case WF_REFRESH_FAULT_BAD_SCH:
    case WF_REFRESH_FAULT_CONSTANT:
    case WF_REFRESH_FAULT_HIDDEN_CONSTANT:
    case WF_REFRESH_FAULT_BAD_OPENING: return 1;
    case WF_REFRESH_FAULT_BAD_FAC: return victim_ok || f->victim == WF_TO_BROADCAST;
    case WF_REFRESH_FAULT_BAD_SHARE: return victim_ok;
    case WF_FAULT_EQUIVOCATE: return victim_ok && f->round >= 1 && f->round <= WF_REFRESH_ROUNDS;
    case WF_REFRESH_FAULT_MALFORMED: return f->round >= 1 && f->round <= WF_REFRESH_ROUNDS;
    default: return 0;
    }
}

static int params_ok(const wf_machine_cfg *cfg, const wf_refresh_params *p)
{
    const wf_key_share *key = p->key;
    if (key == NULL || key->share == NULL)
        return 0;
    const wf_key_public *pub = &key->pub;
    wf_point mine;
    if (pub->n > WF_MAX_MEMBERS || key->self >= pub->n || wf_point_base_mul(&mine, key->share) != WF_OK ||
        !wf_point_eq(&mine, &pub->X[key->self]))
        return 0; /* not a share of this record */
    return pub->n >= 2 && pub->n <= WF_MAX_MEMBERS && pub->t >= 1 && pub->t <= pub->n &&
           key->self == cfg->self && cfg->self < pub->n && cfg->identity_sk != NULL &&
           memcmp(cfg->key_id, pub->key_id, WF_ID_BYTES) == 0 &&
           fault_valid(&cfg->fault, pub->n, cfg->self) &&
           wf_aux_keys_params_check(p->bits, p->pooled) == WF_OK;
}

/* Binds the session to bits and the key's whole public record. */
static wf_err bind(refresh *r, unsigned bits)
{
    uint8_t agreed[4 + WF_ID_BYTES] = {(uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8),
                                       (uint8_t)bits};
    wf_err err = wf_key_public_digest(&r->pub, agreed + 4);
    wf_hash_part inputs[1] = {{agreed, sizeof agreed}};
    return err == WF_OK ? wf_machine_bind_inputs(&r->base, inputs, 1) : err;
}

wf_err wf_refresh_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_refresh_params *p)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (cfg == NULL || p == NULL || !params_ok(cfg, p))
        return WF_ERR_ARG;
    const wf_key_public *pub = &p->key->pub;
    refresh *r = calloc(1, sizeof *r);
    if (r == NULL)
        return WF_ERR_NOMEM;
    uint32_t parties[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < pub->n; i++)
        parties[i] = i;
    r->pub = *pub;
    r->t = pub->t;
    wf_err err =
        wf_machine_init(&r->base, &OPS, cfg, WF_REFRESH_PROTOCOL, parties, pub->n, WF_REFRESH_ROUNDS);
    if (err == WF_OK)
        err = bind(r, p->bits);
    if (err == WF_OK && (r->sec = wf_secure_alloc(sizeof *r->sec)) == NULL)
        err = WF_ERR_NOMEM;
    if (err != WF_OK) {
        wf_session_clear(&r->base.s);
        free(r);
        return err;
    }
    r->base.malformed_fault = WF_REFRESH_FAULT_MALFORMED;
    r->sec->share = *p->key->share;
    for (uint32_t k = 0; k < r->t; k++)
        wf_point_set_infinity(&r->joint[k]);
    wf_aux_keys_init(&r->keys, &r->base, p->bits, pub->n, cfg->self, p->pooled);
    *out = &r->base;
    return WF_OK;
}

wf_err wf_refresh_result(wf_machine *m, wf_key_share **key, wf_aux **aux)
{
    if (m == NULL || key == NULL || aux == NULL || m->ops != &OPS || m->s.status != WF_SESSION_DONE ||
        of(m)->key_result == NULL || of(m)->aux_result == NULL)
        return WF_ERR_ARG;
    *key = of(m)->key_result;
    *aux = of(m)->aux_result;
    of(m)->key_result = NULL;
    of(m)->aux_result = NULL;
    return WF_OK;
}
