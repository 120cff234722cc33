/* Resharing: an authorised quorum deals its additive shares of the key to a
 * new committee under Feldman commitments (see reshare.h). */
#include "protocol/reshare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "protocol/proto/reshare.pb-c.h"
#include "protocol/wire.h"

/* Writes the reason a check failed and gives the verdict. */
#define GUILTY(reason, cap, ...) (snprintf((reason), (cap), __VA_ARGS__), WF_JUDGE_GUILTY)

/* Own secrets, in one locked allocation. */
typedef struct rs_secrets {
    wf_scalar w;                   /* w_self = b_self·s_self (dealers) */
    wf_scalar share;               /* Σ of the shares to us checked so far, then s'_self */
    wf_scalar tmp;                 /* one share being sent or read */
    uint8_t wire[WF_SCALAR_BYTES]; /* its wire form */
} rs_secrets;

typedef struct reshare {
    wf_machine base;   /* first: the driver's view */
    wf_key_public old; /* the current record */
    uint32_t n, t;     /* the new committee */
    wf_member members[WF_MAX_MEMBERS];
    size_t parties, me;           /* session parties; own position */
    int dealer[WF_MAX_MEMBERS];   /* by session position: index in the quorum, or -1 */
    int receiver[WF_MAX_MEMBERS]; /* by session position: new member index, or -1 */
    wf_point W[WF_MAX_MEMBERS];   /* by quorum index: W_d = b_d·X_d of the current record */
    rs_secrets *sec;
    wf_poly *poly;                  /* g_self, from round 1 until the shares are sent */
    wf_point own[WF_MAX_MEMBERS];   /* G_{self,k} */
    wf_point joint[WF_MAX_MEMBERS]; /* C'_k = Σ_i G_{i,k} */
    wf_key_share *result;
} reshare;

static reshare *of(wf_machine *m)
{
    return (reshare *)m;
}

static uint32_t party(const reshare *r, size_t pos)
{
    return r->base.s.cfg.parties[pos];
}

/* ---------------------------------------------------------------- checks */

/* An empty payload where the protocol expects nothing from pos. */
static wf_judgement check_empty(const reshare *r, size_t pos, const wf_filed *f, const char *what,
                                char *reason, size_t cap)
{
    if (f->env.payload_len == 0)
        return WF_JUDGE_INNOCENT;
    return GUILTY(reason, cap, "party %u sent %s where nothing was due", (unsigned)party(r, pos), what);
}

/* Party pos's round-1 broadcast: a dealer's t' commitments, read into G, the
 * first equal to its W from the current record; empty from a non-dealer. */
static wf_judgement check_deal(const reshare *r, size_t pos, const wf_filed *f, wf_point *G, char *reason,
                               size_t cap)
{
    unsigned who = (unsigned)party(r, pos);
    int d = r->dealer[pos];
    if (d < 0)
        return check_empty(r, pos, f, "commitments", reason, cap);
    Warifu__Reshare__Deal *msg = (Warifu__Reshare__Deal *)wf_wire_unpack(&warifu__reshare__deal__descriptor,
                                                                         f->env.payload, f->env.payload_len);
    int ok = msg != NULL && msg->n_commitments == r->t;
    for (uint32_t k = 0; ok && k < r->t; k++)
        ok = wf_wire_get_point(&G[k], &msg->commitments[k]) == WF_OK;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    if (!ok)
        return GUILTY(reason, cap, "party %u sent malformed commitments", who);
    if (!wf_point_eq(&G[0], &r->W[d]))
        return GUILTY(reason, cap, "party %u dealt a constant term other than its share of the key", who);
    return WF_JUDGE_INNOCENT;
}

/* Party pos's round-2 message to the party at `to`: from a dealer to a new
 * member, a share its commitments G give that member (read into *share);
 * empty between any other two parties. */
static wf_judgement check_share(const reshare *r, size_t pos, size_t to, const wf_point *G, const wf_filed *f,
                                wf_scalar *share, char *reason, size_t cap)
{
    unsigned who = (unsigned)party(r, pos);
    if (r->dealer[pos] < 0 || r->receiver[to] < 0)
        return check_empty(r, pos, f, "a share", reason, cap);
    Warifu__Reshare__Share *msg = (Warifu__Reshare__Share *)wf_wire_unpack(
        &warifu__reshare__share__descriptor, f->env.payload, f->env.payload_len);
    wf_err err = msg != NULL ? wf_wire_get_scalar(share, &msg->share) : WF_ERR_ENCODING;
    if (msg != NULL) {
        wf_memzero(msg->share.data, msg->share.len);
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    }
    if (err != WF_OK)
        return GUILTY(reason, cap, "party %u sent a malformed share", who);
    err = wf_feldman_verify_share(G, r->t, &r->members[r->receiver[to]], share);
    if (err == WF_ERR_VERIFY)
        return GUILTY(reason, cap, "party %u sent party %u a share that fails the Feldman check", who,
                      (unsigned)party(r, to));
    return err == WF_OK ? WF_JUDGE_INNOCENT : WF_JUDGE_LATER;
}

/* The share check on our own copy of dealer pos's commitments (which passed
 * our round 1). */
static wf_judgement check_share_filed(const reshare *r, size_t pos, size_t to, const wf_filed *f,
                                      wf_scalar *share, char *reason, size_t cap)
{
    wf_point G[WF_MAX_MEMBERS];
    char unused[WF_REASON_BYTES];
    if (r->dealer[pos] >= 0 &&
        check_deal(r, pos, &r->base.s.box[1].bcast[pos], G, unused, sizeof unused) != WF_JUDGE_INNOCENT)
        return WF_JUDGE_LATER;
    return check_share(r, pos, to, G, f, share, reason, cap);
}

/* ---------------------------------------------------------------- sending */

/* Round 1 for a dealer: g_self with constant w_self (w_self + 1 under the
 * wrong-constant fault) and its commitments, broadcast. */
static wf_err deal(reshare *r, wf_outbox *out)
{
    rs_secrets *s = r->sec;
    s->tmp = s->w;
    wf_err err = WF_OK;
    if (r->base.fault.kind == WF_RESHARE_FAULT_WRONG_CONSTANT) {
        wf_scalar one;
        wf_scalar_set_u64(&one, 1);
        err = wf_scalar_add(&s->tmp, &s->tmp, &one);
    }
    r->poly = err == WF_OK ? wf_poly_new_random(r->t, &s->tmp) : NULL;
    wf_scalar_wipe(&s->tmp);
    if (r->poly == NULL)
        return err != WF_OK ? err : WF_ERR_NOMEM;
    if ((err = wf_feldman_commit(r->own, r->poly->a, r->t)) != WF_OK)
        return err;
    wf_wire_arena arena = {0};
    Warifu__Reshare__Deal msg = WARIFU__RESHARE__DEAL__INIT;
    msg.n_commitments = r->t;
    msg.commitments = wf_wire_put_array(&arena, r->t);
    for (uint32_t k = 0; k < r->t && msg.commitments != NULL; k++)
        wf_wire_put_point(&arena, &msg.commitments[k], &r->own[k]);
    return wf_machine_pack_send(&r->base, out, 1, WF_TO_BROADCAST, &arena, &msg.base);
}

/* Round 2 to the party at pos: from a dealer to a new member, its share
 * g_self^(r'_j)(x'_j), plaintext only in locked memory here; else empty. */
static wf_err send_share(reshare *r, wf_outbox *out, size_t pos)
{
    if (r->dealer[r->me] < 0 || r->receiver[pos] < 0)
        return wf_session_send(&r->base.s, out, 2, party(r, pos), NULL, 0);
    rs_secrets *s = r->sec;
    wf_err err = wf_poly_share(&s->tmp, r->poly, &r->members[r->receiver[pos]]);
    if (err == WF_OK && r->base.fault.kind == WF_RESHARE_FAULT_BAD_SHARE &&
        r->base.fault.victim == party(r, pos)) {
        wf_scalar one;
        wf_scalar_set_u64(&one, 1);
        err = wf_scalar_add(&s->tmp, &s->tmp, &one);
    }
    if (err == WF_OK) {
        wf_scalar_serialize(s->wire, &s->tmp);
        Warifu__Reshare__Share msg = WARIFU__RESHARE__SHARE__INIT;
        msg.share = (ProtobufCBinaryData){WF_SCALAR_BYTES, s->wire}; /* not the arena's: locked */
        wf_wire_arena arena = {0};
        err = wf_machine_pack_send(&r->base, out, 2, party(r, pos), &arena, &msg.base);
    }
    wf_scalar_wipe(&s->tmp);
    wf_memzero(s->wire, sizeof s->wire);
    return err;
}

/* ---------------------------------------------------------------- rounds */

static wf_err blame(reshare *r, wf_outbox *out, const wf_filed *f, const char *reason)
{
    return wf_machine_blame(&r->base, out, f, reason);
}

/* Round 1: a dealer deals; every other party broadcasts an empty payload. */
static wf_err start(wf_machine *m, wf_outbox *out)
{
    reshare *r = of(m);
    return r->dealer[r->me] >= 0 ? deal(r, out) : wf_machine_broadcast(m, out, 1, NULL, 0);
}

/* Every dealer's commitments checked (and summed into C'); then each new
 * member's share of ours (empty messages to everyone else), ours kept. */
static wf_err finish_round1(reshare *r, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    wf_point G[WF_MAX_MEMBERS];
    for (uint32_t k = 0; k < r->t; k++)
        wf_point_set_infinity(&r->joint[k]);
    for (size_t pos = 0; pos < r->parties; pos++) {
        const wf_filed *f = &r->base.s.box[1].bcast[pos];
        wf_judgement v = pos == r->me ? WF_JUDGE_INNOCENT : check_deal(r, pos, f, G, reason, sizeof reason);
        if (v != WF_JUDGE_INNOCENT)
            return v == WF_JUDGE_GUILTY ? blame(r, out, f, reason) : WF_ERR_INTERNAL;
        wf_err err =
            r->dealer[pos] < 0 ? WF_OK : wf_feldman_add(r->joint, r->joint, pos == r->me ? r->own : G, r->t);
        if (err != WF_OK)
            return err;
    }
    wf_err err = WF_OK;
    for (size_t pos = 0; pos < r->parties && err == WF_OK; pos++)
        if (pos != r->me)
            err = send_share(r, out, pos);
    if (err == WF_OK && r->dealer[r->me] >= 0 && r->receiver[r->me] >= 0)
        err = wf_poly_share(&r->sec->share, r->poly, &r->members[r->receiver[r->me]]);
    wf_poly_free(r->poly);
    r->poly = NULL;
    return err;
}

/* Every round-2 message to us checked (the session layer has matched their
 * echoes of round 1) and the shares added up; then the confirmation. */
static wf_err finish_round2(reshare *r, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    rs_secrets *s = r->sec;
    for (size_t pos = 0; pos < r->parties; pos++) {
        if (pos == r->me)
            continue;
        const wf_filed *f = &r->base.s.box[2].p2p[pos];
        wf_judgement v = check_share_filed(r, pos, r->me, f, &s->tmp, reason, sizeof reason);
        wf_err err = v == WF_JUDGE_INNOCENT && r->dealer[pos] >= 0 && r->receiver[r->me] >= 0
                         ? wf_scalar_add(&s->share, &s->share, &s->tmp)
                         : WF_OK;
        wf_scalar_wipe(&s->tmp);
        if (v != WF_JUDGE_INNOCENT)
            return v == WF_JUDGE_GUILTY ? blame(r, out, f, reason) : WF_ERR_INTERNAL;
        if (err != WF_OK)
            return err;
    }
    return wf_machine_broadcast(&r->base, out, 3, NULL, 0);
}

/* A new member's record: C', every X'_j from it, the public key C'_0, which
 * must be the current one, and s'_self on X'_self. */
static wf_err build_key(reshare *r)
{
    wf_key_share *ks = wf_key_share_new();
    if (ks == NULL)
        return WF_ERR_NOMEM;
    wf_key_public *pub = &ks->pub;
    memcpy(pub->key_id, r->old.key_id, WF_ID_BYTES);
    pub->n = r->n;
    pub->t = r->t;
    memcpy(pub->members, r->members, r->n * sizeof *pub->members);
    memcpy(pub->commitments, r->joint, r->t * sizeof *pub->commitments);
    pub->public_key = r->joint[0];
    memcpy(pub->chain_code, r->old.chain_code, WF_CHAIN_CODE_BYTES);
    memcpy(pub->rid, r->old.rid, WF_RID_BYTES);
    ks->self = (uint32_t)r->receiver[r->me];
    *ks->share = r->sec->share;
    wf_err err =
        wf_point_eq(&pub->public_key, &r->old.public_key) ? wf_key_share_complete(ks) : WF_ERR_INTERNAL;
    if (err == WF_OK)
        r->result = ks;
    else
        wf_key_share_free(ks);
    return err;
}

/* Every confirmation is empty: a new member's record, or nothing. */
static wf_err finish_round3(reshare *r, wf_outbox *out)
{
    wf_err err = wf_machine_check_bcasts(&r->base, out, 3, wf_machine_check_confirmation);
    if (err != WF_OK || r->base.s.status != WF_SESSION_RUNNING)
        return err;
    err = r->receiver[r->me] >= 0 ? build_key(r) : WF_OK;
    wf_scalar_wipe(&r->sec->share);
    wf_scalar_wipe(&r->sec->w);
    if (err == WF_OK)
        r->base.s.status = WF_SESSION_DONE;
    return err;
}

/* ---------------------------------------------------------------- machine */

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    return r == 2 ? WF_ROUND_P2P : WF_ROUND_BCAST;
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    reshare *rs = of(m);
    switch (r) {
    case 1: return finish_round1(rs, out);
    case 2: return finish_round2(rs, out);
    case 3: return finish_round3(rs, out);
    default: return WF_ERR_ARG;
    }
}

/* Re-runs the accuser's check on the accused's message (machine.h). A share
 * is judged only once our own round 2 is done: every round-2 envelope we hold,
 * the accuser's included, then carried our echo of round 1, so the dealer's
 * commitments we check it against are the ones the accuser used. */
static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    reshare *r = of(m);
    int pos = wf_session_pos(&m->s, ev->env.from), apos = wf_session_pos(&m->s, accuser);
    uint32_t round = ev->env.round;
    int bcast = ev->env.to == WF_TO_BROADCAST;
    if (pos < 0 || apos < 0 || bcast != (round != 2) || round == 0 || round > WF_RESHARE_ROUNDS)
        return WF_JUDGE_INNOCENT; /* nothing the protocol reads */
    wf_point G[WF_MAX_MEMBERS];
    switch (round) {
    case 1: return check_deal(r, (size_t)pos, ev, G, reason, cap);
    case 2: {
        if (m->round <= 2)
            return WF_JUDGE_LATER;
        wf_judgement v = check_share_filed(r, (size_t)pos, (size_t)apos, ev, &r->sec->tmp, reason, cap);
        wf_scalar_wipe(&r->sec->tmp);
        return v;
    }
    default: return wf_machine_check_confirmation(m, ev, reason, cap);
    }
}

static void destroy(wf_machine *m)
{
    reshare *r = of(m);
    wf_session_clear(&r->base.s);
    wf_poly_free(r->poly);
    wf_secure_free(r->sec);
    wf_key_share_free(r->result);
    wf_memzero(r, sizeof *r);
    free(r);
}

static const wf_machine_ops OPS = {round_kinds, start, finish_round, judge, destroy};

/* ---------------------------------------------------------------- set-up */

static int distinct_ids(const uint32_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= WF_MAX_MEMBERS)
            return 0;
        for (size_t j = 0; j < i; j++)
            if (ids[i] == ids[j])
                return 0;
    }
    return 1;
}

/* The session's parties: dealers in quorum order, then the new members that
 * do not deal; each party's roles. 0 when there are too many parties. */
static int place_parties(reshare *r, const wf_reshare_params *p, uint32_t *ids)
{
    size_t n = 0;
    for (uint32_t d = 0; d < p->old->t; d++) {
        r->dealer[n] = (int)d;
        r->receiver[n] = -1;
        ids[n++] = p->dealer_party[d];
    }
    for (uint32_t j = 0; j < p->n; j++) {
        size_t at = 0;
        while (at < n && ids[at] != p->member_party[j])
            at++;
        if (at == n) {
            if (n == WF_MAX_MEMBERS)
                return 0;
            r->dealer[n] = -1;
            ids[n++] = p->member_party[j];
        }
        r->receiver[at] = (int)j;
    }
    r->parties = n;
    return 1;
}

/* The current record, the quorum's W_d (which must add up to the public
 * key), and own w = b·s when dealing (s must lie on X). */
static wf_err check_old(reshare *r, const wf_reshare_params *p)
{
    const wf_key_public *old = p->old;
    wf_scalar b[WF_MAX_MEMBERS];
    wf_err err = wf_key_signer_weights(old, p->dealers, old->t, b, r->W);
    if (err != WF_OK)
        return err;
    wf_point sum, mine;
    wf_point_set_infinity(&sum);
    for (uint32_t d = 0; d < old->t && err == WF_OK; d++)
        err = wf_point_add(&sum, &sum, &r->W[d]);
    if (err != WF_OK || !wf_point_eq(&sum, &old->public_key))
        return WF_ERR_ARG;
    int d = r->dealer[r->me];
    if (d < 0)
        return p->share == NULL ? WF_OK : WF_ERR_ARG;
    if (p->share == NULL || p->share->self != p->dealers[d] ||
        memcmp(p->share->pub.key_id, old->key_id, WF_ID_BYTES) != 0 ||
        wf_point_base_mul(&mine, p->share->share) != WF_OK || !wf_point_eq(&mine, &old->X[p->dealers[d]]))
        return WF_ERR_ARG;
    return wf_scalar_mul(&r->sec->w, &b[d], p->share->share);
}

static int fault_valid(const reshare *r, const wf_fault *f)
{
    int pos = f->victim < WF_MAX_MEMBERS ? wf_session_pos(&r->base.s, f->victim) : -1;
    int dealing = r->dealer[r->me] >= 0;
    switch (f->kind) {
    case WF_FAULT_NONE: return 1;
    case WF_RESHARE_FAULT_WRONG_CONSTANT: return dealing;
    case WF_RESHARE_FAULT_BAD_SHARE:
        return dealing && pos >= 0 && (size_t)pos != r->me && r->receiver[pos] >= 0;
    case WF_FAULT_EQUIVOCATE:
        return pos >= 0 && (size_t)pos != r->me && (f->round == 1 || f->round == WF_RESHARE_ROUNDS);
    case WF_RESHARE_FAULT_MALFORMED: return f->round == 1 || f->round == WF_RESHARE_ROUNDS;
    default: return 0;
    }
}

/* Binds the session to the current record and every parameter. */
static wf_err bind(reshare *r, const wf_reshare_params *p)
{
    enum { MEMBER = WF_SCALAR_BYTES + 8 };
    uint8_t agreed[WF_ID_BYTES + 8 + WF_MAX_MEMBERS * (8 + MEMBER)];
    size_t len = WF_ID_BYTES;
    wf_err err = wf_key_public_digest(p->old, agreed);
    uint32_t head[2] = {p->n, p->t};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++)
            agreed[len++] = (uint8_t)(head[i] >> (24 - 8 * b));
    for (uint32_t d = 0; d < p->old->t; d++) {
        uint32_t v[2] = {p->dealers[d], p->dealer_party[d]};
        for (int i = 0; i < 2; i++)
            for (int b = 0; b < 4; b++)
                agreed[len++] = (uint8_t)(v[i] >> (24 - 8 * b));
    }
    for (uint32_t j = 0; j < p->n; j++) {
        memcpy(agreed + len, p->members[j].x.b, WF_SCALAR_BYTES);
        len += WF_SCALAR_BYTES;
        uint32_t v[2] = {p->members[j].rank, p->member_party[j]};
        for (int i = 0; i < 2; i++)
            for (int b = 0; b < 4; b++)
                agreed[len++] = (uint8_t)(v[i] >> (24 - 8 * b));
    }
    wf_hash_part inputs[1] = {{agreed, len}};
    return err == WF_OK ? wf_machine_bind_inputs(&r->base, inputs, 1) : err;
}

/* Everything about p that needs no machine: the records and committees. */
static wf_err check_params(const wf_machine_cfg *cfg, const wf_reshare_params *p)
{
    const wf_key_public *old = p->old;
    if (old == NULL || cfg->identity_sk == NULL || old->n == 0 || old->n > WF_MAX_MEMBERS || old->t == 0 ||
        old->t > old->n || memcmp(cfg->key_id, old->key_id, WF_ID_BYTES) != 0 ||
        !distinct_ids(p->dealer_party, old->t) || p->n > WF_MAX_MEMBERS ||
        !distinct_ids(p->member_party, p->n))
        return WF_ERR_ARG;
    wf_err err = wf_access_check(p->members, p->n, p->t);
    if (err != WF_OK)
        return err;
    return wf_key_signer_weights(old, p->dealers, old->t, NULL, NULL);
}

wf_err wf_reshare_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_reshare_params *p)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (cfg == NULL || p == NULL)
        return WF_ERR_ARG;
    wf_err err = check_params(cfg, p);
    if (err != WF_OK)
        return err;
    reshare *r = calloc(1, sizeof *r);
    if (r == NULL)
        return WF_ERR_NOMEM;
    uint32_t ids[WF_MAX_MEMBERS];
    err = place_parties(r, p, ids) ? WF_OK : WF_ERR_ARG;
    if (err == WF_OK)
        err = wf_machine_init(&r->base, &OPS, cfg, WF_RESHARE_PROTOCOL, ids, r->parties, WF_RESHARE_ROUNDS);
    if (err == WF_OK) {
        r->me = (size_t)wf_session_pos(&r->base.s, cfg->self);
        r->old = *p->old;
        r->n = p->n;
        r->t = p->t;
        memcpy(r->members, p->members, p->n * sizeof *p->members);
        r->base.malformed_fault = WF_RESHARE_FAULT_MALFORMED;
        err = fault_valid(r, &cfg->fault) ? bind(r, p) : WF_ERR_ARG;
    }
    if (err == WF_OK && (r->sec = wf_secure_alloc(sizeof *r->sec)) == NULL)
        err = WF_ERR_NOMEM;
    if (err == WF_OK)
        err = check_old(r, p);
    if (err != WF_OK) {
        destroy(&r->base);
        return err;
    }
    *out = &r->base;
    return WF_OK;
}

wf_err wf_reshare_result(wf_machine *m, wf_key_share **out)
{
    if (out != NULL)
        *out = NULL;
    if (m == NULL || out == NULL || m->ops != &OPS || m->s.status != WF_SESSION_DONE)
        return WF_ERR_ARG;
    reshare *r = of(m);
    if (r->receiver[r->me] < 0)
        return WF_OK; /* a dealer leaving the committee: no share */
    if (r->result == NULL)
        return WF_ERR_ARG; /* taken already */
    *out = r->result;
    r->result = NULL;
    return WF_OK;
}
