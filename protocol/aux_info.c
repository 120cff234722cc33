/* aux-info (CGGMP21, eprint 2021/060, Fig. 6 without the share refresh):
 * see aux_info.h for the rounds, the commitment and the ρ binding. */
#include "protocol/aux_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/proofs/fac.h"
#include "crypto/proofs/mod.h"
#include "crypto/proofs/prm.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/proto/aux_info.pb-c.h"
#include "protocol/wire.h"

#define COMMIT_BYTES WF_SHA256_BYTES
#define RHO_BYTES    WF_AUX_INFO_RHO_BYTES
#define U_BYTES      WF_AUX_INFO_U_BYTES
#define NO_POS       SIZE_MAX /* verifier position of a broadcast proof */

/* Writes the reason a check failed and gives the verdict. */
#define GUILTY(reason, cap, ...) (snprintf((reason), (cap), __VA_ARGS__), WF_JUDGE_GUILTY)

typedef struct aux_info {
    wf_machine base; /* first: the driver's view */
    unsigned bits;
    size_t n, me;       /* parties, own session position */
    wf_paillier_sk *sk; /* own key: pooled, or generated in start */
    uint8_t *opening;   /* own round-2 payload, built in start */
    size_t opening_len;
    wf_rped *rped[WF_MAX_MEMBERS]; /* by position: own from start, peers' once their opening passed */
    uint8_t rho_own[RHO_BYTES];
    int have_rho;                       /* round 2 passed: rho_sid is set */
    uint8_t rho_sid[WF_PROOF_ID_BYTES]; /* the session id Πmod and Πfac bind (aux_info.h) */
    wf_aux *result;
} aux_info;

static aux_info *of(wf_machine *m)
{
    return (aux_info *)m;
}

static uint32_t member(const aux_info *a, size_t pos)
{
    return a->base.s.cfg.parties[pos];
}

static int faulty(const aux_info *a, uint32_t kind)
{
    return a->base.fault.kind == kind;
}

/* V_i over party i's opening fields as they travel (aux_info.h). */
static wf_err commitment(const aux_info *a, uint32_t party, const Warifu__AuxInfo__Opening *o,
                         uint8_t v[COMMIT_BYTES])
{
    const wf_session_cfg *c = &a->base.s.cfg;
    static const char domain[] = "warifu/aux-info/v1/commit";
    uint8_t parties[4 * WF_MAX_MEMBERS], who[4];
    for (size_t i = 0; i < c->n; i++)
        for (int b = 0; b < 4; b++)
            parties[4 * i + (size_t)b] = (uint8_t)(c->parties[i] >> (24 - 8 * b));
    for (int b = 0; b < 4; b++)
        who[b] = (uint8_t)(party >> (24 - 8 * b));
    const ProtobufCBinaryData *fields[] = {&o->n, &o->s, &o->t, &o->prm, &o->rho, &o->u};
    wf_hash_part parts[6 + sizeof fields / sizeof fields[0]] = {
        {(const uint8_t *)domain, sizeof domain - 1}, {c->cluster_id, WF_ID_BYTES}, {c->key_id, WF_ID_BYTES},
        {c->session_id, WF_ID_BYTES},                 {parties, 4 * c->n},          {who, sizeof who}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        parts[6 + i] = (wf_hash_part){fields[i]->data, fields[i]->len};
    uint8_t digest[WF_SHA512_BYTES];
    wf_err err = wf_sha512_parts(digest, parts, sizeof parts / sizeof parts[0], 1);
    if (err == WF_OK)
        memcpy(v, digest, COMMIT_BYTES);
    return err;
}

/* The proof context of Πmod and Πfac: this session's, with the session id
 * replaced by wf_machine_derive_id(ρ). */
static void rho_ctx(const aux_info *a, wf_proof_ctx *ctx, size_t prover, size_t verifier)
{
    wf_machine_proof_ctx(&a->base, ctx, member(a, prover),
                         verifier == NO_POS ? WF_PROOF_BROADCAST : member(a, verifier));
    memcpy(ctx->session_id, a->rho_sid, WF_PROOF_ID_BYTES);
}

static wf_err bind_rho(aux_info *a, const uint8_t rho[RHO_BYTES])
{
    wf_hash_part part = {rho, RHO_BYTES};
    wf_err err = wf_machine_derive_id(&a->base, a->rho_sid, &part, 1);
    a->have_rho = err == WF_OK;
    return err;
}

/* ---------------------------------------------------------------- sending */

/* Every broadcast goes through wf_machine_broadcast (equivocation faults). */
static wf_err send_bcast(aux_info *a, wf_outbox *out, uint32_t r, const uint8_t *payload, size_t len)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff}; /* an unterminated protobuf tag */
    if (faulty(a, WF_AUX_FAULT_MALFORMED) && a->base.fault.round == r)
        return wf_machine_broadcast(&a->base, out, r, garbage, sizeof garbage);
    return wf_machine_broadcast(&a->base, out, r, payload, len);
}

/* Packs msg (whose fields the arena owns) and sends it in round r to the
 * party at `to`, or broadcasts it (NO_POS). */
static wf_err pack_send(aux_info *a, wf_outbox *out, uint32_t r, size_t to, wf_wire_arena *arena,
                        const ProtobufCMessage *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    wf_err err = wf_wire_pack(arena, msg, &buf, &len);
    if (err == WF_OK)
        err = to == NO_POS ? send_bcast(a, out, r, buf, len)
                           : wf_session_send(&a->base.s, out, r, member(a, to), buf, len);
    free(buf);
    return err;
}

/* Round 3: a message whose only field is one encoded proof. */
static wf_err send_proof(aux_info *a, wf_outbox *out, size_t to, wf_proof_kind kind, const void *proof)
{
    Warifu__AuxInfo__Proof msg = WARIFU__AUX_INFO__PROOF__INIT;
    wf_wire_arena arena = {0};
    wf_wire_put_proof(&arena, &msg.proof, kind, proof);
    return pack_send(a, out, 3, to, &arena, &msg.base);
}

/* ---------------------------------------------------------------- round 1 */

/* Fig. 6 round 1: the opening (N_i, s_i, t_i, ψ_i, ρ_i, u_i), packed now and
 * sent in round 2, and V_i over it. */
static wf_err build_opening(aux_info *a, const wf_proof_prm *prm, uint8_t v[COMMIT_BYTES])
{
    const wf_rped *rp = a->rped[a->me];
    Warifu__AuxInfo__Opening o = WARIFU__AUX_INFO__OPENING__INIT;
    wf_wire_arena arena = {0};
    uint8_t u[U_BYTES];
    wf_random_bytes(a->rho_own, RHO_BYTES);
    wf_random_bytes(u, U_BYTES);
    mpz_t n;
    mpz_init_set(n, rp->n);
    if (faulty(a, WF_AUX_FAULT_SHORT_N))
        mpz_fdiv_q_2exp(n, n, 8);
    wf_wire_put_mpz(&arena, &o.n, n);
    mpz_clear(n);
    wf_wire_put_mpz(&arena, &o.s, rp->s);
    wf_wire_put_mpz(&arena, &o.t, rp->t);
    wf_wire_put_proof(&arena, &o.prm, WF_PROOF_PRM, prm);
    wf_wire_put_bytes(&arena, &o.rho, a->rho_own, RHO_BYTES);
    wf_wire_put_bytes(&arena, &o.u, u, U_BYTES);
    wf_err err = arena.err == WF_OK ? commitment(a, member(a, a->me), &o, v) : arena.err;
    if (err != WF_OK) {
        wf_wire_arena_free(&arena);
        return err;
    }
    if (faulty(a, WF_AUX_FAULT_BAD_OPENING))
        o.u.data[0] ^= 1; /* after committing */
    return wf_wire_pack(&arena, &o.base, &a->opening, &a->opening_len);
}

static wf_err send_commitment(aux_info *a, wf_outbox *out, const uint8_t v[COMMIT_BYTES])
{
    Warifu__AuxInfo__Commitment msg = WARIFU__AUX_INFO__COMMITMENT__INIT;
    msg.v = (ProtobufCBinaryData){COMMIT_BYTES, (uint8_t *)v};
    wf_wire_arena arena = {0};
    return pack_send(a, out, 1, NO_POS, &arena, &msg.base);
}

/* Fig. 6 round 1: a fresh key (unless pooled), ring-Pedersen parameters over
 * it, Πprm for them, and the commitment to all of it. */
static wf_err start(wf_machine *m, wf_outbox *out)
{
    aux_info *a = of(m);
    wf_err err = WF_OK;
    if (a->sk == NULL && (err = wf_paillier_keygen(&a->sk, a->bits, NULL)) != WF_OK)
        return err;
    wf_rped_secret *secret = NULL;
    if ((err = wf_rped_generate(&a->rped[a->me], &secret, a->sk)) != WF_OK)
        return err;
    wf_proof_prm prm;
    wf_proof_prm_init(&prm);
    wf_proof_ctx ctx;
    wf_machine_proof_ctx(m, &ctx, member(a, a->me), WF_PROOF_BROADCAST);
    wf_proof_prm_stmt stmt = {.rped = a->rped[a->me], .bits = a->bits};
    err = wf_proof_prm_prove(&prm, &ctx, &stmt, secret);
    wf_rped_secret_free(secret);
    if (err == WF_OK && faulty(a, WF_AUX_FAULT_BAD_PRM)) {
        mpz_add_ui(prm.z[0], prm.z[0], 1);
        mpz_mod(prm.z[0], prm.z[0], a->rped[a->me]->n);
    }
    uint8_t v[COMMIT_BYTES];
    if (err == WF_OK)
        err = build_opening(a, &prm, v);
    wf_proof_prm_clear(&prm);
    return err == WF_OK ? send_commitment(a, out, v) : err;
}

/* 1 with v set when f is filed and well formed; 0 when malformed; -1 when
 * it has not arrived. */
static int read_commitment(const wf_filed *f, uint8_t v[COMMIT_BYTES])
{
    if (!f->present)
        return -1;
    Warifu__AuxInfo__Commitment *msg = (Warifu__AuxInfo__Commitment *)wf_wire_unpack(
        &warifu__aux_info__commitment__descriptor, f->env.payload, f->env.payload_len);
    int ok = msg != NULL && wf_wire_get_bytes(v, COMMIT_BYTES, &msg->v) == WF_OK;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return ok;
}

static wf_judgement check_commitment(const wf_filed *f, char *reason, size_t cap)
{
    uint8_t v[COMMIT_BYTES];
    switch (read_commitment(f, v)) {
    case 1: return WF_JUDGE_INNOCENT;
    case 0: return GUILTY(reason, cap, "party %u sent a malformed commitment", (unsigned)f->env.from);
    default: return WF_JUDGE_LATER;
    }
}

/* ---------------------------------------------------------------- round 2 */

/* A peer's opening, decoded and checked against its commitment and the size. */
typedef struct opening {
    wf_rped *rped;
    wf_proof_prm prm;
    uint8_t rho[RHO_BYTES];
} opening;

static void opening_clear(opening *o)
{
    wf_rped_free(o->rped);
    wf_proof_prm_clear(&o->prm);
    memset(o, 0, sizeof *o);
}

/* Decodes party pos's opening (payload) and checks it against the party's
 * round-1 commitment and that |N| = bits exactly (Fig. 6 round 3, first
 * checks). o must be zero-filled; clear it with opening_clear. */
static wf_judgement read_opening(const aux_info *a, size_t pos, const uint8_t *payload, size_t len,
                                 opening *o, char *reason, size_t cap)
{
    unsigned who = (unsigned)member(a, pos);
    uint8_t v[COMMIT_BYTES], mine[COMMIT_BYTES], u[U_BYTES];
    int have = read_commitment(&a->base.s.box[1].bcast[pos], v);
    if (have < 0)
        return WF_JUDGE_LATER;
    if (have == 0)
        return GUILTY(reason, cap, "party %u sent a malformed commitment", who);
    wf_proof_prm_init(&o->prm);
    Warifu__AuxInfo__Opening *msg =
        (Warifu__AuxInfo__Opening *)wf_wire_unpack(&warifu__aux_info__opening__descriptor, payload, len);
    mpz_t n, s, t;
    mpz_inits(n, s, t, NULL);
    wf_judgement verdict = WF_JUDGE_INNOCENT;
    wf_err err;
    if (msg == NULL || wf_wire_get_mpz(n, &msg->n) != WF_OK || wf_wire_get_mpz(s, &msg->s) != WF_OK ||
        wf_wire_get_mpz(t, &msg->t) != WF_OK ||
        wf_wire_get_proof(WF_PROOF_PRM, &o->prm, &msg->prm) != WF_OK ||
        wf_wire_get_bytes(o->rho, RHO_BYTES, &msg->rho) != WF_OK ||
        wf_wire_get_bytes(u, U_BYTES, &msg->u) != WF_OK) {
        verdict = GUILTY(reason, cap, "party %u sent a malformed opening", who);
    } else if (commitment(a, (uint32_t)who, msg, mine) != WF_OK) {
        verdict = WF_JUDGE_LATER; /* out of memory: no verdict */
    } else if (memcmp(v, mine, COMMIT_BYTES) != 0) {
        verdict = GUILTY(reason, cap, "party %u's opening does not match its commitment", who);
    } else if ((err = wf_rped_from_values(&o->rped, n, s, t, a->bits)) != WF_OK) {
        verdict = GUILTY(reason, cap,
                         "party %u's modulus is not %u bits or its ring-Pedersen parameters are bad (%s)",
                         who, a->bits, wf_err_str(err));
    }
    mpz_clears(n, s, t, NULL);
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return verdict;
}

/* N_pos must differ from the modulus of every party before it in session
 * order; a duplicate names the later sender. That is fair: V_j was fixed in
 * round 1, before anyone's N was revealed, and an honest party's N is fresh
 * (a pooled key is used by one session only and never published before its
 * round 2), so a party whose committed N equals an earlier party's either
 * copied an N it could not have seen in this session — a key published before,
 * i.e. not an honest party's fresh one — or colludes with that party. An honest
 * party is named only if its own N was not fresh, which it controls. Every
 * honest party holds the same openings (they match the echoed commitments),
 * so all name the same sender. */
static wf_judgement check_distinct(const aux_info *a, size_t pos, mpz_srcptr n, char *reason, size_t cap)
{
    for (size_t k = 0; k < pos; k++) {
        opening o = {0};
        char unused[WF_REASON_BYTES];
        mpz_srcptr nk = a->rped[k] != NULL ? a->rped[k]->n : NULL;
        if (nk == NULL) { /* a judge that has not checked party k yet */
            const wf_filed *f = &a->base.s.box[2].bcast[k];
            if (!f->present || read_opening(a, k, f->env.payload, f->env.payload_len, &o, unused,
                                            sizeof unused) != WF_JUDGE_INNOCENT) {
                opening_clear(&o); /* party k's own check comes first: ours will name it */
                return WF_JUDGE_LATER;
            }
            nk = o.rped->n;
        }
        int same = mpz_cmp(nk, n) == 0;
        opening_clear(&o);
        if (same)
            return GUILTY(reason, cap, "party %u's modulus duplicates party %u's", (unsigned)member(a, pos),
                          (unsigned)member(a, k));
    }
    return WF_JUDGE_INNOCENT;
}

static wf_judgement proof_verdict(wf_err err, char *reason, size_t cap, const char *proof, unsigned who)
{
    if (err == WF_OK)
        return WF_JUDGE_INNOCENT;
    if (err == WF_ERR_NOMEM)
        return WF_JUDGE_LATER;
    return GUILTY(reason, cap, "party %u's %s does not verify (%s)", who, proof, wf_err_str(err));
}

/* Every round-2 check on party pos's opening, in the order the accuser runs
 * them: opening, size, distinct modulus, Πprm. */
static wf_judgement check_opening(const aux_info *a, size_t pos, const wf_filed *f, opening *o, char *reason,
                                  size_t cap)
{
    wf_judgement v = read_opening(a, pos, f->env.payload, f->env.payload_len, o, reason, cap);
    if (v == WF_JUDGE_INNOCENT)
        v = check_distinct(a, pos, o->rped->n, reason, cap);
    if (v != WF_JUDGE_INNOCENT)
        return v;
    wf_proof_ctx ctx;
    wf_machine_proof_ctx(&a->base, &ctx, member(a, pos), WF_PROOF_BROADCAST);
    wf_proof_prm_stmt stmt = {.rped = o->rped, .bits = a->bits};
    return proof_verdict(wf_proof_prm_verify(&o->prm, &ctx, &stmt), reason, cap, "Πprm",
                         (unsigned)member(a, pos));
}

/* ---------------------------------------------------------------- round 3 */

/* Party pos's round-3 proof: its Πmod (verifier NO_POS) or its Πfac to the
 * party at `verifier`, under that party's ring-Pedersen parameters. */
static wf_judgement check_proof(const aux_info *a, size_t pos, size_t verifier, const wf_filed *f,
                                char *reason, size_t cap)
{
    if (!a->have_rho)
        return WF_JUDGE_LATER; /* the moduli and ρ come from our own round 2 */
    unsigned who = (unsigned)member(a, pos);
    int is_mod = verifier == NO_POS;
    Warifu__AuxInfo__Proof *msg = (Warifu__AuxInfo__Proof *)wf_wire_unpack(
        &warifu__aux_info__proof__descriptor, f->env.payload, f->env.payload_len);
    union {
        wf_proof_mod mod;
        wf_proof_fac fac;
    } p;
    if (is_mod)
        wf_proof_mod_init(&p.mod);
    else
        wf_proof_fac_init(&p.fac);
    wf_proof_ctx ctx;
    rho_ctx(a, &ctx, pos, verifier);
    wf_judgement v;
    if (msg == NULL || wf_wire_get_proof(is_mod ? WF_PROOF_MOD : WF_PROOF_FAC, &p, &msg->proof) != WF_OK) {
        v = GUILTY(reason, cap, "party %u sent a malformed %s", who, is_mod ? "Πmod" : "Πfac");
    } else if (is_mod) {
        wf_proof_mod_stmt st = {.n = a->rped[pos]->n, .bits = a->bits};
        v = proof_verdict(wf_proof_mod_verify(&p.mod, &ctx, &st), reason, cap, "Πmod", who);
    } else {
        wf_proof_fac_stmt st = {.n0 = a->rped[pos]->n, .bits = a->bits, .rped = a->rped[verifier]};
        v = proof_verdict(wf_proof_fac_verify(&p.fac, &ctx, &st), reason, cap, "Πfac", who);
    }
    if (is_mod)
        wf_proof_mod_clear(&p.mod);
    else
        wf_proof_fac_clear(&p.fac);
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return v;
}

/* Fig. 6 round 3: Πmod for our N to everyone, Πfac to each party under its
 * ring-Pedersen parameters, both bound to ρ. */
static wf_err send_round3(aux_info *a, wf_outbox *out)
{
    wf_proof_ctx ctx;
    wf_proof_mod mod;
    wf_proof_mod_init(&mod);
    rho_ctx(a, &ctx, a->me, NO_POS);
    wf_proof_mod_stmt ms = {.n = a->rped[a->me]->n, .bits = a->bits};
    wf_err err = wf_proof_mod_prove(&mod, &ctx, &ms, a->sk);
    if (err == WF_OK && faulty(a, WF_AUX_FAULT_BAD_MOD)) {
        mpz_add_ui(mod.z[0], mod.z[0], 1);
        mpz_mod(mod.z[0], mod.z[0], ms.n);
    }
    if (err == WF_OK)
        err = send_proof(a, out, NO_POS, WF_PROOF_MOD, &mod);
    wf_proof_mod_clear(&mod);
    wf_proof_fac_wit wit = {.p = a->sk->p.v, .q = a->sk->q.v};
    for (size_t j = 0; j < a->n && err == WF_OK; j++) {
        if (j == a->me)
            continue;
        wf_proof_fac fac;
        wf_proof_fac_init(&fac);
        rho_ctx(a, &ctx, a->me, j);
        wf_proof_fac_stmt fs = {.n0 = a->rped[a->me]->n, .bits = a->bits, .rped = a->rped[j]};
        err = wf_proof_fac_prove(&fac, &ctx, &fs, &wit);
        if (err == WF_OK && faulty(a, WF_AUX_FAULT_BAD_FAC) &&
            (a->base.fault.victim == WF_TO_BROADCAST || a->base.fault.victim == member(a, j)))
            mpz_add_ui(fac.z1, fac.z1, 1);
        if (err == WF_OK)
            err = send_proof(a, out, j, WF_PROOF_FAC, &fac);
        wf_proof_fac_clear(&fac);
    }
    return err;
}

/* ---------------------------------------------------------------- rounds */

static wf_err blame(aux_info *a, wf_outbox *out, const wf_filed *f, const char *reason)
{
    return wf_session_blame(&a->base.s, out, f, f->env.from, "%s", reason);
}

/* Fig. 6 round 2: every commitment is well formed; send our opening. */
static wf_err finish_round1(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < a->n; j++) {
        if (j == a->me)
            continue;
        if (check_commitment(&a->base.s.box[1].bcast[j], reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, &a->base.s.box[1].bcast[j], reason);
    }
    return send_bcast(a, out, 2, a->opening, a->opening_len);
}

/* Fig. 6 round 3: every opening checked in session order, ρ = ⊕ ρ_j, then
 * our proofs. */
static wf_err finish_round2(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    uint8_t rho[RHO_BYTES] = {0};
    for (size_t j = 0; j < a->n; j++) {
        const uint8_t *rho_j = a->rho_own;
        opening o = {0};
        if (j == a->me) {
            /* our own N against earlier parties': the others run this check on us */
            wf_judgement v = check_distinct(a, j, a->rped[j]->n, reason, sizeof reason);
            if (v == WF_JUDGE_GUILTY)
                wf_session_abort(&a->base.s, a->base.s.cfg.self, "%s: our key was not fresh", reason);
            if (v != WF_JUDGE_INNOCENT)
                return v == WF_JUDGE_GUILTY ? WF_OK : WF_ERR_INTERNAL;
        } else {
            const wf_filed *f = &a->base.s.box[2].bcast[j];
            wf_judgement v = check_opening(a, j, f, &o, reason, sizeof reason);
            if (v != WF_JUDGE_INNOCENT) {
                opening_clear(&o);
                return v == WF_JUDGE_GUILTY ? blame(a, out, f, reason) : WF_ERR_INTERNAL;
            }
            a->rped[j] = o.rped;
            o.rped = NULL;
            rho_j = o.rho;
        }
        for (size_t b = 0; b < RHO_BYTES; b++)
            rho[b] ^= rho_j[b];
        opening_clear(&o);
    }
    wf_err err = bind_rho(a, rho);
    return err == WF_OK ? send_round3(a, out) : err;
}

/* Fig. 6 output step: every Πmod and the Πfac addressed to us; then the
 * confirmation (not in the figure: it carries the echo of round 3). */
static wf_err finish_round3(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < a->n; j++) {
        if (j == a->me)
            continue;
        const wf_filed *f = &a->base.s.box[3].bcast[j];
        if (check_proof(a, j, NO_POS, f, reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, f, reason);
        f = &a->base.s.box[3].p2p[j];
        if (check_proof(a, j, a->me, f, reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, f, reason);
    }
    return send_bcast(a, out, 4, NULL, 0);
}

/* Moves the key and every rped into the result (member index = session
 * position); wf_aux_assemble adds the peers' Paillier public keys. */
static wf_err make_result(aux_info *a)
{
    wf_paillier_sk *sk = a->sk;
    wf_rped *rped[WF_MAX_MEMBERS];
    a->sk = NULL;
    for (size_t j = 0; j < a->n; j++) {
        rped[j] = a->rped[j];
        a->rped[j] = NULL;
    }
    return wf_aux_assemble(&a->result, a->base.s.cfg.key_id, (uint32_t)a->n, a->base.s.cfg.self, a->bits, sk,
                           rped);
}

/* A confirmation is empty: its envelope's echo of round 3 is its content. */
static wf_judgement check_confirmation(const wf_filed *f, char *reason, size_t cap)
{
    if (f->env.payload_len == 0)
        return WF_JUDGE_INNOCENT;
    return GUILTY(reason, cap, "party %u sent a non-empty confirmation", (unsigned)f->env.from);
}

/* The confirmations (the session layer has checked their echo of round 3),
 * then the result. */
static wf_err finish_round4(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < a->n; j++) {
        const wf_filed *f = &a->base.s.box[4].bcast[j];
        if (j != a->me && check_confirmation(f, reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, f, reason);
    }
    wf_err err = make_result(a);
    if (err == WF_OK)
        a->base.s.status = WF_SESSION_DONE;
    return err;
}

/* WF_AUX_FAULT_FALSE_BLAME: accuse the victim over its valid message. */
static wf_err false_blame(aux_info *a, wf_outbox *out, uint32_t r)
{
    int v = wf_session_pos(&a->base.s, a->base.fault.victim);
    if (v < 0 || (size_t)v == a->me)
        return WF_ERR_ARG;
    const wf_filed *f = r == 3 ? &a->base.s.box[3].p2p[v] : &a->base.s.box[r].bcast[v];
    return blame(a, out, f, "false blame (fault injection)");
}

/* ---------------------------------------------------------------- machine */

static unsigned round_kinds(const wf_machine *m, uint32_t r)
{
    (void)m;
    return r == 3 ? WF_ROUND_BCAST | WF_ROUND_P2P : WF_ROUND_BCAST;
}

static wf_err finish_round(wf_machine *m, uint32_t r, wf_outbox *out)
{
    aux_info *a = of(m);
    if (faulty(a, WF_AUX_FAULT_FALSE_BLAME) && m->fault.round == r)
        return false_blame(a, out, r);
    switch (r) {
    case 1: return finish_round1(a, out);
    case 2: return finish_round2(a, out);
    case 3: return finish_round3(a, out);
    case 4: return finish_round4(a, out);
    default: return WF_ERR_ARG;
    }
}

/* Re-runs the accuser's check on the accused's message. A broadcast that
 * passed our own check passes theirs: the driver has already named an accused
 * whose evidence differs from our copy. */
static wf_judgement judge(wf_machine *m, const wf_filed *ev, uint32_t accuser, char *reason, size_t cap)
{
    aux_info *a = of(m);
    int pos = wf_session_pos(&m->s, ev->env.from), apos = wf_session_pos(&m->s, accuser);
    uint32_t r = ev->env.round;
    int bcast = ev->env.to == WF_TO_BROADCAST;
    if (pos < 0 || apos < 0 || r == 0 || r > WF_AUX_INFO_ROUNDS)
        return WF_JUDGE_INNOCENT;
    if (!bcast && r != 3)
        return WF_JUDGE_INNOCENT; /* a direct message the protocol never reads */
    switch (r) {
    case 1: return check_commitment(ev, reason, cap);
    case 2: {
        opening o = {0};
        wf_judgement v = check_opening(a, (size_t)pos, ev, &o, reason, cap);
        opening_clear(&o);
        return v;
    }
    case 3: return check_proof(a, (size_t)pos, bcast ? NO_POS : (size_t)apos, ev, reason, cap);
    default: return check_confirmation(ev, reason, cap);
    }
}

static void destroy(wf_machine *m)
{
    aux_info *a = of(m);
    wf_session_clear(&a->base.s);
    for (size_t j = 0; j < WF_MAX_MEMBERS; j++)
        wf_rped_free(a->rped[j]);
    wf_paillier_sk_free(a->sk); /* after rped[me], which names it as owner */
    free(a->opening);
    wf_aux_free(a->result);
    wf_memzero(a, sizeof *a);
    free(a);
}

static const wf_machine_ops OPS = {round_kinds, start, finish_round, judge, destroy};

wf_err wf_aux_info_new(wf_machine **out, const wf_machine_cfg *cfg, const wf_aux_info_params *p)
{
    if (out == NULL || cfg == NULL || p == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (p->n < 2 || p->n > WF_MAX_MEMBERS || cfg->self >= p->n || !wf_aux_bits_valid(p->bits) ||
        (p->pooled != NULL && wf_paillier_sk_public(p->pooled)->bits != p->bits))
        return WF_ERR_ARG;
    aux_info *a = calloc(1, sizeof *a);
    if (a == NULL)
        return WF_ERR_NOMEM;
    uint32_t parties[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < p->n; i++)
        parties[i] = i;
    wf_err err =
        wf_machine_init(&a->base, &OPS, cfg, WF_AUX_INFO_PROTOCOL, parties, p->n, WF_AUX_INFO_ROUNDS);
    uint8_t agreed[8] = {(uint8_t)(p->n >> 24), (uint8_t)(p->n >> 16), (uint8_t)(p->n >> 8), (uint8_t)p->n,
                         (uint8_t)(p->bits >> 24), (uint8_t)(p->bits >> 16), (uint8_t)(p->bits >> 8),
                         (uint8_t)p->bits};
    wf_hash_part inputs[1] = {{agreed, sizeof agreed}};
    if (err == WF_OK) /* parties given another n or |N| run another session */
        err = wf_machine_bind_inputs(&a->base, inputs, 1);
    if (err != WF_OK) {
        free(a);
        return err;
    }
    a->bits = p->bits;
    a->n = p->n;
    a->me = cfg->self;
    a->sk = p->pooled;
    *out = &a->base;
    return WF_OK;
}

wf_err wf_aux_info_result(wf_machine *m, wf_aux **out)
{
    if (m == NULL || out == NULL || m->ops != &OPS || m->s.status != WF_SESSION_DONE || of(m)->result == NULL)
        return WF_ERR_ARG;
    *out = of(m)->result;
    of(m)->result = NULL;
    return WF_OK;
}
