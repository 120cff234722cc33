/* Hierarchical DKG: CGGMP21 (eprint 2021/060) Fig. 5, "ECDSA Key-Generation",
 * with Tassa sharings under Feldman commitments (see keygen.h). */
#include "protocol/keygen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/hash.h"
#include "crypto/proofs/sch.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "crypto/sharing.h"
#include "crypto/transcript.h"
#include "protocol/commit_reveal.h"
#include "protocol/proto/keygen.pb-c.h"
#include "protocol/wire.h"

#define KG_V_BYTES        WF_COMMIT_BYTES /* V_i */
#define KG_DECOMMIT_BYTES 32 /* u_i */

/* What party i commits to in round 1 and opens in round 2. */
typedef struct kg_opening {
    uint8_t rid[WF_RID_BYTES];
    uint8_t chain[WF_CHAIN_CODE_BYTES];
    wf_point C[WF_MAX_MEMBERS]; /* C_{i,k}, k < t */
    wf_point A;                 /* Πsch first message for C_{i,0} */
    uint8_t u[KG_DECOMMIT_BYTES];
} kg_opening;

/* Own secrets, in one locked allocation. */
typedef struct kg_secrets {
    wf_scalar x0;                  /* a_{self,0}, until the Πsch response */
    wf_scalar share;               /* Σ of the shares checked so far, then s_self */
    wf_scalar tmp;                 /* one share being sent or read */
    uint8_t wire[WF_SCALAR_BYTES]; /* its wire form */
} kg_secrets;

typedef struct kg_machine {
    wf_machine base; /* first: the driver sees a wf_machine */
    wf_keygen_params p;
    wf_poly *poly; /* f_self, until the shares are sent */
    kg_secrets *sec;
    wf_proof_sch_state sch; /* α, until the Πsch response */
    kg_opening own;
    int opened;                /* round 2 checked: rid, chain, A, C0, joint are set */
    uint8_t rid[WF_RID_BYTES]; /* ⊕ rid_j */
    uint8_t chain[WF_CHAIN_CODE_BYTES];
    wf_point A[WF_MAX_MEMBERS];     /* A_j, by member index */
    wf_point C0[WF_MAX_MEMBERS];    /* C_{j,0}, by member index */
    wf_point joint[WF_MAX_MEMBERS]; /* C_k = Σ_j C_{j,k} */
    wf_key_share *result;
} kg_machine;

/* Outcome of a check on a peer's message. The round functions and judge run
 * the same checks, so an accuser and every judge reach the same verdict. */
typedef enum {
    KG_PASS,    /* the message is what the protocol asks */
    KG_FAIL,    /* it is not: its sender is to blame (reason written) */
    KG_MISSING, /* a message the check needs is not filed yet */
    KG_LOCAL    /* our own failure (memory, library): nobody is to blame */
} kg_check;

static kg_check fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static kg_check fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return KG_FAIL;
}

static ProtobufCMessage *unpack(const ProtobufCMessageDescriptor *d, const wf_filed *f)
{
    return wf_wire_unpack(d, f->env.payload, f->env.payload_len);
}

/* ---- commitment and proof context ---- */

/* V_i: a labelled transcript (crypto/transcript.h) of the session, i and the
 * opening, squeezed to 32 bytes. Every item is length-prefixed and labelled. */
static wf_err commitment_hash(const kg_machine *k, uint32_t i, const kg_opening *o, uint8_t V[KG_V_BYTES])
{
    const wf_session_cfg *c = &k->base.s.cfg;
    wf_transcript t;
    wf_err err = wf_transcript_init(&t, "warifu/keygen/v1/commitment");
    if (err != WF_OK)
        return err;
    int ok = wf_transcript_append_bytes(&t, "cluster_id", c->cluster_id, WF_ID_BYTES) == WF_OK &&
             wf_transcript_append_bytes(&t, "key_id", c->key_id, WF_ID_BYTES) == WF_OK &&
             wf_transcript_append_bytes(&t, "session_id", c->session_id, WF_ID_BYTES) == WF_OK &&
             wf_transcript_append_u64(&t, "party", i) == WF_OK &&
             wf_transcript_append_bytes(&t, "rid", o->rid, WF_RID_BYTES) == WF_OK &&
             wf_transcript_append_bytes(&t, "chain_code", o->chain, WF_CHAIN_CODE_BYTES) == WF_OK &&
             wf_transcript_append_u64(&t, "t", k->p.t) == WF_OK;
    for (uint32_t j = 0; ok && j < k->p.t; j++)
        ok = wf_transcript_append_point(&t, "C", &o->C[j]) == WF_OK;
    ok = ok && wf_transcript_append_point(&t, "A", &o->A) == WF_OK &&
         wf_transcript_append_bytes(&t, "u", o->u, KG_DECOMMIT_BYTES) == WF_OK;
    wf_xof x;
    if (ok && (err = wf_transcript_challenge_xof(&t, "V", &x)) == WF_OK) {
        wf_xof_read(&x, V, KG_V_BYTES);
        wf_xof_wipe(&x);
    }
    wf_transcript_free(&t);
    return ok ? err : WF_ERR_INTERNAL;
}

/* Πsch of `prover` for C_{prover,0}: the session's context with its session
 * id replaced by wf_machine_derive_id(rid), so the challenge binds rid. */
static wf_err proof_ctx(const kg_machine *k, uint32_t prover, wf_proof_ctx *ctx)
{
    wf_machine_proof_ctx(&k->base, ctx, prover, WF_PROOF_BROADCAST);
    wf_hash_part rid = {k->rid, WF_RID_BYTES};
    return wf_machine_derive_id(&k->base, ctx->session_id, &rid, 1);
}

/* ---- checks on received messages ---- */

/* Party j's round-1 broadcast f: V_j (commit_reveal.h). */
static kg_check read_commitment(const wf_filed *f, uint8_t V[KG_V_BYTES], char *why, size_t cap)
{
    if (wf_commit_reveal_read(f, V) > 0)
        return KG_PASS;
    return fail(why, cap, "party %u sent a malformed commitment", (unsigned)f->env.from);
}

/* The checks on a broadcast share this shape (check_bcast[r] for round r). */
typedef kg_check (*kg_bcast_check)(const kg_machine *k, const wf_filed *f, char *why, size_t cap);

static kg_check check_commitment(const kg_machine *k, const wf_filed *f, char *why, size_t cap)
{
    (void)k;
    uint8_t V[KG_V_BYTES];
    return read_commitment(f, V, why, cap);
}

static int read_opening(const kg_machine *k, const wf_filed *f, kg_opening *o)
{
    Warifu__Keygen__Opening *msg = (void *)unpack(&warifu__keygen__opening__descriptor, f);
    int ok = msg != NULL && msg->n_commitments == k->p.t &&
             wf_wire_get_bytes(o->rid, WF_RID_BYTES, &msg->rid) == WF_OK &&
             wf_wire_get_bytes(o->chain, WF_CHAIN_CODE_BYTES, &msg->chain_code) == WF_OK &&
             wf_wire_get_point(&o->A, &msg->schnorr_a) == WF_OK &&
             wf_wire_get_bytes(o->u, KG_DECOMMIT_BYTES, &msg->decommit) == WF_OK;
    for (size_t j = 0; ok && j < k->p.t; j++)
        ok = wf_wire_get_point(&o->C[j], &msg->commitments[j]) == WF_OK;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return ok;
}

/* Party j's round-2 broadcast f2 (the opening), checked against its round-1
 * commitment as filed here. */
static kg_check check_opening(const kg_machine *k, const wf_filed *f2, kg_opening *o, char *why, size_t cap)
{
    uint32_t j = f2->env.from;
    const wf_filed *f1 = wf_machine_bcast(&k->base, 1, j);
    if (f1 == NULL)
        return KG_MISSING;
    uint8_t V[KG_V_BYTES], W[KG_V_BYTES];
    if (read_commitment(f1, V, why, cap) != KG_PASS)
        return KG_FAIL;
    if (!read_opening(k, f2, o))
        return fail(why, cap, "party %u sent a malformed opening", (unsigned)j);
    if (commitment_hash(k, j, o, W) != WF_OK)
        return KG_LOCAL;
    if (memcmp(V, W, KG_V_BYTES) != 0)
        return fail(why, cap, "party %u opened something other than its commitment", (unsigned)j);
    return KG_PASS;
}

static kg_check check_opening_only(const kg_machine *k, const wf_filed *f2, char *why, size_t cap)
{
    kg_opening o;
    return check_opening(k, f2, &o, why, cap);
}

/* Party j's round-2 message f to member `to`: a share that the Feldman
 * commitments of j's opening o give `to`. The share is read into *share. */
static kg_check check_share(const kg_machine *k, uint32_t to, const kg_opening *o, const wf_filed *f,
                            wf_scalar *share, char *why, size_t cap)
{
    uint32_t j = f->env.from;
    Warifu__Keygen__Share *msg = (void *)unpack(&warifu__keygen__share__descriptor, f);
    wf_err err = msg != NULL ? wf_wire_get_scalar(share, &msg->share) : WF_ERR_ENCODING;
    if (msg != NULL) {
        wf_memzero(msg->share.data, msg->share.len);
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    }
    if (err != WF_OK)
        return fail(why, cap, "party %u sent a malformed share", (unsigned)j);
    err = wf_feldman_verify_share(o->C, k->p.t, &k->p.members[to], share);
    if (err == WF_ERR_VERIFY)
        return fail(why, cap, "party %u sent member %u a share that fails the Feldman check", (unsigned)j,
                    (unsigned)to);
    return err == WF_OK ? KG_PASS : KG_LOCAL;
}

/* Party j's round-3 broadcast f: the Πsch response for C_{j,0} with A_j. */
static kg_check check_proof(const kg_machine *k, const wf_filed *f, char *why, size_t cap)
{
    uint32_t j = f->env.from;
    wf_scalar z;
    Warifu__Keygen__Proof *msg = (void *)unpack(&warifu__keygen__proof__descriptor, f);
    wf_err err = msg != NULL ? wf_wire_get_scalar(&z, &msg->z) : WF_ERR_ENCODING;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    if (err != WF_OK)
        return fail(why, cap, "party %u sent a malformed Schnorr response", (unsigned)j);
    if (!k->opened)
        return KG_MISSING;
    wf_proof_ctx ctx;
    if (proof_ctx(k, j, &ctx) != WF_OK)
        return KG_LOCAL;
    err = wf_proof_sch_verify(&ctx, &k->C0[j], &k->A[j], &z);
    if (err == WF_ERR_VERIFY)
        return fail(why, cap, "party %u sent a Schnorr proof that does not verify", (unsigned)j);
    return err == WF_OK ? KG_PASS : KG_LOCAL;
}

/* Party j's round-4 broadcast f: an empty confirmation. */
static kg_check check_confirmation(const kg_machine *k, const wf_filed *f, char *why, size_t cap)
{
    (void)k;
    ProtobufCMessage *msg = unpack(&warifu__keygen__confirmation__descriptor, f);
    if (msg == NULL)
        return fail(why, cap, "party %u sent a malformed confirmation", (unsigned)f->env.from);
    protobuf_c_message_free_unpacked(msg, NULL);
    return KG_PASS;
}

static const kg_bcast_check check_bcast[WF_KEYGEN_ROUNDS + 1] = {NULL, check_commitment, check_opening_only,
                                                                 check_proof, check_confirmation};

/* After a check of f in a round function: blames f's sender on KG_FAIL (the
 * session then aborts), a local error on anything but KG_PASS. */
static wf_err settle(kg_machine *k, wf_outbox *out, const wf_filed *f, kg_check c, const char *why)
{
    if (c == KG_FAIL)
        return wf_session_blame(&k->base.s, out, f, f->env.from, "%s", why);
    return c == KG_PASS ? WF_OK : WF_ERR_INTERNAL;
}

/* Runs check_bcast[r] on every peer's round-r broadcast, blaming the first
 * that fails. */
static wf_err check_peers(kg_machine *k, wf_outbox *out, uint32_t r)
{
    char why[WF_REASON_BYTES];
    for (uint32_t j = 0; j < k->p.n; j++) {
        const wf_filed *f = wf_machine_bcast(&k->base, r, j);
        kg_check c = j == k->base.s.cfg.self ? KG_PASS : check_bcast[r](k, f, why, sizeof why);
        if (c != KG_PASS)
            return settle(k, out, f, c, why);
    }
    return WF_OK;
}

/* ---- sending ---- */

/* Sends buf (a packed message, freed here) as our round-r broadcast; the
 * malformed-payload fault appends an unknown field. */
static wf_err send_packed(kg_machine *k, wf_outbox *out, uint32_t r, wf_err err, uint8_t *buf, size_t len)
{
    static const uint8_t unknown_field[] = {0x78, 0x00}; /* field 15, varint 0 */
    if (err == WF_OK && k->base.fault.kind == WF_KEYGEN_FAULT_MALFORMED && k->base.fault.round == r) {
        uint8_t *longer = realloc(buf, len + sizeof unknown_field);
        if (longer == NULL) {
            err = WF_ERR_NOMEM;
        } else {
            buf = longer;
            memcpy(buf + len, unknown_field, sizeof unknown_field);
            len += sizeof unknown_field;
        }
    }
    if (err == WF_OK)
        err = wf_machine_broadcast(&k->base, out, r, buf, len);
    free(buf);
    return err;
}

/* Packs msg (freeing the arena) and sends it as our round-r broadcast. */
static wf_err send_bcast(kg_machine *k, wf_outbox *out, uint32_t r, wf_wire_arena *a,
                         const ProtobufCMessage *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    wf_err err = wf_wire_pack(a, msg, &buf, &len);
    return send_packed(k, out, r, err, buf, len);
}

static wf_err send_opening(kg_machine *k, wf_outbox *out)
{
    wf_wire_arena a = {0};
    Warifu__Keygen__Opening msg = WARIFU__KEYGEN__OPENING__INIT;
    wf_wire_put_bytes(&a, &msg.rid, k->own.rid, WF_RID_BYTES);
    wf_wire_put_bytes(&a, &msg.chain_code, k->own.chain, WF_CHAIN_CODE_BYTES);
    msg.commitments = wf_wire_put_array(&a, k->p.t);
    for (size_t j = 0; msg.commitments != NULL && j < k->p.t; j++)
        wf_wire_put_point(&a, &msg.commitments[j], &k->own.C[j]);
    msg.n_commitments = k->p.t;
    wf_wire_put_point(&a, &msg.schnorr_a, &k->own.A);
    wf_wire_put_bytes(&a, &msg.decommit, k->own.u, KG_DECOMMIT_BYTES);
    if (k->base.fault.kind == WF_KEYGEN_FAULT_BAD_OPENING && msg.decommit.data != NULL)
        msg.decommit.data[0] ^= 1;
    return send_bcast(k, out, 2, &a, &msg.base);
}

/* s_{self→j} = f_self^(r_j)(x_j) to member j, its plaintext only ever in
 * locked memory here (the sealed envelope is the transport's to protect). */
static wf_err send_share(kg_machine *k, wf_outbox *out, uint32_t j)
{
    kg_secrets *s = k->sec;
    wf_err err = wf_poly_share(&s->tmp, k->poly, &k->p.members[j]);
    if (err == WF_OK && k->base.fault.kind == WF_KEYGEN_FAULT_BAD_SHARE && k->base.fault.victim == j) {
        wf_scalar one;
        wf_scalar_set_u64(&one, 1);
        err = wf_scalar_add(&s->tmp, &s->tmp, &one);
    }
    if (err == WF_OK) {
        wf_scalar_serialize(s->wire, &s->tmp);
        Warifu__Keygen__Share msg = WARIFU__KEYGEN__SHARE__INIT;
        msg.share = (ProtobufCBinaryData){WF_SCALAR_BYTES, s->wire};
        size_t len = warifu__keygen__share__get_packed_size(&msg);
        uint8_t *buf = malloc(len);
        if (buf == NULL) {
            err = WF_ERR_NOMEM;
        } else {
            warifu__keygen__share__pack(&msg, buf);
            err = wf_session_send(&k->base.s, out, 2, j, buf, len);
            wf_memzero(buf, len);
            free(buf);
        }
    }
    wf_scalar_wipe(&s->tmp);
    wf_memzero(s->wire, sizeof s->wire);
    return err;
}

/* ---- rounds ---- */

/* Fig. 5, round 1: sample f_i (so C_i), rid_i, chain_i, u_i and Πsch's
 * A_i = α·G; broadcast the commitment V_i. */
static wf_err round1(wf_machine *m, wf_outbox *out)
{
    kg_machine *k = (kg_machine *)m;
    k->poly = wf_poly_new_random(k->p.t, NULL);
    if (k->poly == NULL)
        return WF_ERR_NOMEM;
    wf_random_bytes(k->own.rid, WF_RID_BYTES);
    wf_random_bytes(k->own.chain, WF_CHAIN_CODE_BYTES);
    wf_random_bytes(k->own.u, KG_DECOMMIT_BYTES);
    uint8_t V[KG_V_BYTES];
    wf_err err = wf_feldman_commit(k->own.C, k->poly->a, k->p.t);
    if (err == WF_OK)
        err = wf_proof_sch_commit(&k->sch, &k->own.A);
    if (err == WF_OK)
        err = commitment_hash(k, m->s.cfg.self, &k->own, V);
    if (err != WF_OK)
        return err;
    uint8_t *buf = NULL;
    size_t len = 0;
    err = wf_commit_reveal_pack(V, &buf, &len);
    return send_packed(k, out, 1, err, buf, len);
}

/* Fig. 5, round 2: every commitment is well-formed; open ours to everyone
 * and send each member its share of f_i. Only a_{i,0} outlives this round. */
static wf_err round2(kg_machine *k, wf_outbox *out)
{
    uint32_t self = k->base.s.cfg.self;
    wf_err err = check_peers(k, out, 1);
    if (err != WF_OK || k->base.s.status != WF_SESSION_RUNNING)
        return err;
    err = send_opening(k, out);
    for (uint32_t j = 0; j < k->p.n && err == WF_OK; j++)
        if (j != self)
            err = send_share(k, out, j);
    if (err == WF_OK)
        err = wf_poly_share(&k->sec->share, k->poly, &k->p.members[self]);
    k->sec->x0 = k->poly->a[0];
    wf_poly_free(k->poly);
    k->poly = NULL;
    return err;
}

/* Takes party j's checked opening into rid, the chain code and the joint
 * commitments. */
static wf_err absorb_opening(kg_machine *k, uint32_t j, const kg_opening *o)
{
    for (size_t b = 0; b < WF_RID_BYTES; b++)
        k->rid[b] ^= o->rid[b];
    for (size_t b = 0; b < WF_CHAIN_CODE_BYTES; b++)
        k->chain[b] ^= o->chain[b];
    k->A[j] = o->A;
    k->C0[j] = o->C[0];
    return wf_feldman_add(k->joint, k->joint, o->C, k->p.t);
}

/* Party j's opening and share to us, checked, absorbed and the share added
 * to ours. */
static wf_err take_dealer(kg_machine *k, wf_outbox *out, uint32_t j)
{
    char why[WF_REASON_BYTES];
    kg_opening o;
    kg_secrets *s = k->sec;
    const wf_filed *f2 = wf_machine_bcast(&k->base, 2, j), *share = wf_machine_p2p(&k->base, 2, j);
    kg_check c = check_opening(k, f2, &o, why, sizeof why);
    if (c != KG_PASS)
        return settle(k, out, f2, c, why);
    c = check_share(k, k->base.s.cfg.self, &o, share, &s->tmp, why, sizeof why);
    wf_err err = c == KG_PASS ? wf_scalar_add(&s->share, &s->share, &s->tmp) : settle(k, out, share, c, why);
    wf_scalar_wipe(&s->tmp);
    if (err == WF_OK && c == KG_PASS)
        err = absorb_opening(k, j, &o);
    return err;
}

/* Fig. 5, round 3: every opening matches its commitment and every share its
 * dealer's commitments; rid = ⊕ rid_j, chain code = ⊕ chain_j; answer our
 * Πsch challenge, now bound to rid, and forget a_{i,0}. */
static wf_err round3(kg_machine *k, wf_outbox *out)
{
    uint32_t self = k->base.s.cfg.self;
    for (uint32_t i = 0; i < k->p.n; i++)
        wf_point_set_infinity(&k->joint[i]);
    wf_err err = absorb_opening(k, self, &k->own);
    for (uint32_t j = 0; j < k->p.n && err == WF_OK && k->base.s.status == WF_SESSION_RUNNING; j++)
        if (j != self)
            err = take_dealer(k, out, j);
    if (err != WF_OK || k->base.s.status != WF_SESSION_RUNNING)
        return err;
    k->opened = 1;
    wf_proof_ctx ctx;
    wf_scalar z;
    err = proof_ctx(k, self, &ctx);
    if (err == WF_OK)
        err = wf_proof_sch_prove(&z, &k->sch, &k->sec->x0, &ctx, &k->own.C[0], &k->own.A);
    wf_scalar_wipe(&k->sec->x0);
    if (err == WF_OK && k->base.fault.kind == WF_KEYGEN_FAULT_BAD_PROOF) {
        wf_scalar one;
        wf_scalar_set_u64(&one, 1);
        err = wf_scalar_add(&z, &z, &one);
    }
    if (err != WF_OK)
        return err;
    wf_wire_arena a = {0};
    Warifu__Keygen__Proof msg = WARIFU__KEYGEN__PROOF__INIT;
    wf_wire_put_scalar(&a, &msg.z, &z);
    return send_bcast(k, out, 3, &a, &msg.base);
}

/* The key share: joint commitments, every X_j, the public key C_0, and our
 * share, which must match X_self. */
static wf_err build_result(kg_machine *k)
{
    wf_key_share *r = wf_key_share_new();
    if (r == NULL)
        return WF_ERR_NOMEM;
    wf_key_public *pub = &r->pub;
    memcpy(pub->key_id, k->base.s.cfg.key_id, WF_ID_BYTES);
    pub->n = k->p.n;
    pub->t = k->p.t;
    memcpy(pub->members, k->p.members, k->p.n * sizeof *pub->members);
    memcpy(pub->commitments, k->joint, k->p.t * sizeof *pub->commitments);
    pub->public_key = k->joint[0];
    memcpy(pub->chain_code, k->chain, WF_CHAIN_CODE_BYTES);
    memcpy(pub->rid, k->rid, WF_RID_BYTES);
    r->self = k->base.s.cfg.self;
    *r->share = k->sec->share;
    wf_scalar_wipe(&k->sec->share);
    wf_err err = wf_point_is_infinity(&pub->public_key) ? WF_ERR_INFINITY : wf_key_share_complete(r);
    if (err == WF_OK)
        k->result = r;
    else
        wf_key_share_free(r);
    return err;
}

/* Fig. 5, output: every Πsch verifies; assemble the key share and confirm
 * (the confirmation carries the echo of round 3). */
static wf_err round4(kg_machine *k, wf_outbox *out)
{
    wf_err err = check_peers(k, out, 3);
    if (err == WF_OK && k->base.s.status == WF_SESSION_RUNNING)
        err = build_result(k);
    if (err != WF_OK || k->base.s.status != WF_SESSION_RUNNING)
        return err;
    wf_wire_arena a = {0};
    Warifu__Keygen__Confirmation msg = WARIFU__KEYGEN__CONFIRMATION__INIT;
    return send_bcast(k, out, 4, &a, &msg.base);
}

/* Every party confirmed with our echo of round 3: done. */
static wf_err finish(kg_machine *k, wf_outbox *out)
{
    wf_err err = check_peers(k, out, 4);
    if (err == WF_OK && k->base.s.status == WF_SESSION_RUNNING)
        k->base.s.status = WF_SESSION_DONE;
    return err;
}

/* ---- machine ops ---- */

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    return r == 2 ? WF_ROUND_BCAST | WF_ROUND_P2P : WF_ROUND_BCAST;
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    kg_machine *k = (kg_machine *)m;
    switch (r) {
    case 1: return round2(k, out);
    case 2: return round3(k, out);
    case 3: return round4(k, out);
    case 4: return finish(k, out);
    default: return WF_ERR_INTERNAL;
    }
}

/* Re-runs the check the accuser ran on the accused's message ev, on our own
 * copies of whatever else it needs. */
static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    kg_machine *k = (kg_machine *)m;
    uint32_t r = ev->env.round;
    kg_check c = KG_PASS;
    kg_opening o;
    if (ev->env.to == WF_TO_BROADCAST) {
        c = r >= 1 && r <= WF_KEYGEN_ROUNDS ? check_bcast[r](k, ev, reason, cap) : KG_PASS;
    } else if (r == 2) { /* a share: only p2p message of the protocol */
        const wf_filed *f2 = wf_machine_bcast(m, 2, ev->env.from);
        c = f2 == NULL ? KG_MISSING : check_opening(k, f2, &o, reason, cap);
        if (c == KG_PASS) {
            c = check_share(k, accuser, &o, ev, &k->sec->tmp, reason, cap);
            wf_scalar_wipe(&k->sec->tmp);
        }
    }
    return c == KG_FAIL ? WF_JUDGE_GUILTY : c == KG_PASS ? WF_JUDGE_INNOCENT : WF_JUDGE_LATER;
}

static void destroy(wf_machine *m)
{
    kg_machine *k = (kg_machine *)m;
    wf_poly_free(k->poly);
    wf_proof_sch_state_clear(&k->sch);
    wf_secure_free(k->sec);
    wf_key_share_free(k->result);
    wf_session_clear(&m->s);
    free(k);
}

static const wf_machine_ops kg_ops = {.round_kinds = round_kinds,
                                      .start = round1,
                                      .finish_round = finish_round,
                                      .judge = judge,
                                      .destroy = destroy};

static int fault_valid(const wf_fault *f, uint32_t n, uint32_t self)
{
    int victim_ok = f->victim < n && f->victim != self;
    int round_ok = f->round >= 1 && f->round <= WF_KEYGEN_ROUNDS;
    switch (f->kind) {
    case WF_FAULT_NONE:
    case WF_KEYGEN_FAULT_BAD_OPENING:
    case WF_KEYGEN_FAULT_BAD_PROOF: return 1;
    case WF_KEYGEN_FAULT_BAD_SHARE: return victim_ok;
    case WF_FAULT_EQUIVOCATE: return victim_ok && round_ok;
    case WF_KEYGEN_FAULT_MALFORMED: return round_ok;
    default: return 0;
    }
}

wf_err wf_keygen_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_keygen_params *p)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (cfg == NULL || p == NULL || p->n < 2 || p->n > WF_MAX_MEMBERS || cfg->self >= p->n ||
        cfg->identity_sk == NULL || !fault_valid(&cfg->fault, p->n, cfg->self))
        return WF_ERR_ARG;
    wf_err err = wf_access_check(p->members, p->n, p->t);
    if (err != WF_OK)
        return err;
    kg_machine *k = calloc(1, sizeof *k);
    if (k == NULL)
        return WF_ERR_NOMEM;
    uint32_t parties[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < p->n; i++)
        parties[i] = i;
    err = wf_machine_init(&k->base, &kg_ops, cfg, "keygen", parties, p->n, WF_KEYGEN_ROUNDS);
    /* parties given other n, t, identifiers or ranks run another session */
    uint8_t agreed[8 + WF_MAX_MEMBERS * (WF_SCALAR_BYTES + 4)];
    size_t len = 0;
    uint32_t head[2] = {p->n, p->t};
    for (size_t i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++)
            agreed[len++] = (uint8_t)(head[i] >> (24 - 8 * b));
    for (uint32_t j = 0; j < p->n; j++) {
        memcpy(agreed + len, p->members[j].x.b, WF_SCALAR_BYTES);
        len += WF_SCALAR_BYTES;
        for (int b = 0; b < 4; b++)
            agreed[len++] = (uint8_t)(p->members[j].rank >> (24 - 8 * b));
    }
    wf_hash_part inputs[1] = {{agreed, len}};
    if (err == WF_OK)
        err = wf_machine_bind_inputs(&k->base, inputs, 1);
    if (err != WF_OK) {
        free(k);
        return err;
    }
    k->p = *p;
    k->sec = wf_secure_alloc(sizeof *k->sec);
    if (k->sec == NULL) {
        destroy(&k->base);
        return WF_ERR_NOMEM;
    }
    *out = &k->base;
    return WF_OK;
}

wf_err wf_keygen_result(const wf_machine *m, wf_key_share **out)
{
    if (out != NULL)
        *out = NULL;
    if (m == NULL || out == NULL || m->ops != &kg_ops || wf_machine_status(m) != WF_SESSION_DONE)
        return WF_ERR_ARG;
    const kg_machine *k = (const kg_machine *)m;
    wf_key_share *r = wf_key_share_new();
    if (r == NULL)
        return WF_ERR_NOMEM;
    r->pub = k->result->pub;
    r->self = k->result->self;
    *r->share = *k->result->share;
    *out = r;
    return WF_OK;
}
