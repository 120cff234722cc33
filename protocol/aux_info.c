/* aux-info (CGGMP21, eprint 2021/060, Fig. 6 without the share refresh):
 * see aux_info.h for the rounds, the commitment and the ρ binding; the
 * Paillier-key checks themselves are aux_keys.c, shared with refresh. */
#include "protocol/aux_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/aux_keys.h"
#include "protocol/commit_reveal.h"
#include "protocol/proto/aux_info.pb-c.h"
#include "protocol/wire.h"

#define NO_POS       SIZE_MAX /* a broadcast: no addressee */
#define DOMAIN       "warifu/aux-info/v1/commit"

/* Writes the reason a check failed and gives the verdict. */
#define GUILTY(reason, cap, ...) (snprintf((reason), (cap), __VA_ARGS__), WF_JUDGE_GUILTY)

typedef struct aux_info {
    wf_machine base; /* first: the driver's view */
    wf_aux_keys keys;
    uint8_t *opening; /* own round-2 payload, built in start */
    size_t opening_len;
    wf_aux *result;
} aux_info;

static aux_info *of(wf_machine *m)
{
    return (aux_info *)m;
}

static int faulty(const aux_info *a, uint32_t kind)
{
    return a->base.fault.kind == kind;
}

static wf_aux_keys_wire opening_wire(Warifu__AuxInfo__Opening *o)
{
    return (wf_aux_keys_wire){&o->n, &o->s, &o->t, &o->prm, &o->rho, &o->u};
}

/* ---------------------------------------------------------------- round 1 */

/* Fig. 6 round 1: a fresh key (unless pooled), ring-Pedersen parameters over
 * it, Πprm for them; the opening is packed now and sent in round 2, and the
 * commitment V_i to it broadcast. */
static wf_err start(wf_machine *m, wf_outbox *out)
{
    aux_info *a = of(m);
    Warifu__AuxInfo__Opening o = WARIFU__AUX_INFO__OPENING__INIT;
    wf_aux_keys_wire w = opening_wire(&o);
    wf_wire_arena arena = {0};
    unsigned faults = (faulty(a, WF_AUX_FAULT_BAD_PRM) ? WF_AUX_KEYS_FAULT_BAD_PRM : 0) |
                      (faulty(a, WF_AUX_FAULT_SHORT_N) ? WF_AUX_KEYS_FAULT_SHORT_N : 0);
    uint8_t v[WF_COMMIT_BYTES];
    wf_err err = wf_aux_keys_open(&a->keys, &arena, &w, faults);
    if (err == WF_OK)
        err = wf_aux_keys_commitment(m, DOMAIN, m->s.cfg.self, &w, NULL, 0, v);
    if (err != WF_OK) {
        wf_wire_arena_free(&arena);
        return err;
    }
    if (faulty(a, WF_AUX_FAULT_BAD_OPENING))
        o.u.data[0] ^= 1; /* after committing */
    return wf_commit_reveal_start(m, out, &arena, &o.base, v, &a->opening, &a->opening_len);
}

/* ---------------------------------------------------------------- round 2 */

/* Decodes party pos's opening (payload) and checks it against the party's
 * round-1 commitment and that |N| = bits exactly (Fig. 6 round 3, first
 * checks). o must be zero-filled; clear it with wf_aux_keys_opening_clear. */
static wf_judgement read_opening(const aux_info *a, size_t pos, const uint8_t *payload, size_t len,
                                 wf_aux_keys_opening *o, char *reason, size_t cap)
{
    uint8_t v[WF_COMMIT_BYTES];
    wf_judgement verdict = wf_commit_reveal_filed(&a->base, pos, v, reason, cap);
    if (verdict != WF_JUDGE_INNOCENT)
        return verdict;
    Warifu__AuxInfo__Opening *msg =
        (Warifu__AuxInfo__Opening *)wf_wire_unpack(&warifu__aux_info__opening__descriptor, payload, len);
    if (msg == NULL)
        return GUILTY(reason, cap, "party %u sent a malformed opening", (unsigned)a->base.s.cfg.parties[pos]);
    wf_aux_keys_wire w = opening_wire(msg);
    verdict = wf_aux_keys_read(&a->keys, pos, &w, v, DOMAIN, NULL, 0, o, reason, cap);
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return verdict;
}

/* The distinct-modulus check's view of an earlier party's filed opening. */
static wf_judgement read_filed_opening(const wf_machine *m, size_t pos, wf_aux_keys_opening *o, char *reason,
                                       size_t cap)
{
    const wf_filed *f = &m->s.box[2].bcast[pos];
    if (!f->present)
        return WF_JUDGE_LATER;
    return read_opening((const aux_info *)m, pos, f->env.payload, f->env.payload_len, o, reason, cap);
}

/* Every round-2 check on party pos's opening, in the order the accuser runs
 * them: opening, size, distinct modulus, Πprm. */
static wf_judgement check_opening(const aux_info *a, size_t pos, const wf_filed *f, wf_aux_keys_opening *o,
                                  char *reason, size_t cap)
{
    wf_judgement v = read_opening(a, pos, f->env.payload, f->env.payload_len, o, reason, cap);
    if (v == WF_JUDGE_INNOCENT)
        v = wf_aux_keys_check(&a->keys, pos, o, read_filed_opening, reason, cap);
    return v;
}

/* ---------------------------------------------------------------- round 3 */

/* Party pos's round-3 proof: its Πmod (verifier NO_POS) or its Πfac to the
 * party at `verifier`, under that party's ring-Pedersen parameters. */
static wf_judgement check_proof(const aux_info *a, size_t pos, size_t verifier, const wf_filed *f,
                                char *reason, size_t cap)
{
    if (!a->keys.have_rho)
        return WF_JUDGE_LATER; /* the moduli and ρ come from our own round 2 */
    int is_mod = verifier == NO_POS;
    Warifu__AuxInfo__Proof *msg = (Warifu__AuxInfo__Proof *)wf_wire_unpack(
        &warifu__aux_info__proof__descriptor, f->env.payload, f->env.payload_len);
    if (msg == NULL)
        return GUILTY(reason, cap, "party %u sent a malformed %s", (unsigned)a->base.s.cfg.parties[pos],
                      is_mod ? "Πmod" : "Πfac");
    wf_judgement v = is_mod ? wf_aux_keys_check_mod(&a->keys, pos, &msg->proof, reason, cap)
                            : wf_aux_keys_check_fac(&a->keys, pos, verifier, &msg->proof, reason, cap);
    protobuf_c_message_free_unpacked(&msg->base, NULL);
    return v;
}

/* Fig. 6 round 3: Πmod for our N to everyone, Πfac to each party under its
 * ring-Pedersen parameters, both bound to ρ. */
static wf_err send_round3(aux_info *a, wf_outbox *out)
{
    Warifu__AuxInfo__Proof msg = WARIFU__AUX_INFO__PROOF__INIT;
    wf_wire_arena arena = {0};
    wf_err err = wf_aux_keys_put_mod(&a->keys, &arena, &msg.proof, faulty(a, WF_AUX_FAULT_BAD_MOD));
    err = err == WF_OK ? wf_machine_pack_send(&a->base, out, 3, WF_TO_BROADCAST, &arena, &msg.base) : err;
    for (size_t j = 0; j < a->keys.n && err == WF_OK; j++) {
        if (j == a->keys.me)
            continue;
        int bad = faulty(a, WF_AUX_FAULT_BAD_FAC) && (a->base.fault.victim == WF_TO_BROADCAST ||
                                                      a->base.fault.victim == a->base.s.cfg.parties[j]);
        err = wf_aux_keys_put_fac(&a->keys, &arena, &msg.proof, j, bad);
        err = err == WF_OK
                  ? wf_machine_pack_send(&a->base, out, 3, a->base.s.cfg.parties[j], &arena, &msg.base)
                  : err;
    }
    wf_wire_arena_free(&arena);
    return err;
}

/* ---------------------------------------------------------------- rounds */

static wf_err blame(aux_info *a, wf_outbox *out, const wf_filed *f, const char *reason)
{
    return wf_machine_blame(&a->base, out, f, reason);
}

/* Fig. 6 round 3: every opening checked in session order, ρ = ⊕ ρ_j, then
 * our proofs. */
static wf_err finish_round2(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < a->keys.n; j++) {
        wf_aux_keys_opening o = {0};
        if (j == a->keys.me) {
            /* our own N against earlier parties': the others run this check on us */
            wf_judgement v = wf_aux_keys_check_own(&a->keys, read_filed_opening, reason, sizeof reason);
            if (v == WF_JUDGE_GUILTY)
                wf_session_abort(&a->base.s, a->base.s.cfg.self, "%s: our key was not fresh", reason);
            if (v != WF_JUDGE_INNOCENT)
                return v == WF_JUDGE_GUILTY ? WF_OK : WF_ERR_INTERNAL;
        } else {
            const wf_filed *f = &a->base.s.box[2].bcast[j];
            wf_judgement v = check_opening(a, j, f, &o, reason, sizeof reason);
            if (v != WF_JUDGE_INNOCENT) {
                wf_aux_keys_opening_clear(&o);
                return v == WF_JUDGE_GUILTY ? blame(a, out, f, reason) : WF_ERR_INTERNAL;
            }
        }
        wf_err err = wf_aux_keys_adopt(&a->keys, j, j == a->keys.me ? NULL : &o);
        wf_aux_keys_opening_clear(&o);
        if (err != WF_OK)
            return err;
    }
    wf_err err = wf_aux_keys_bind_rho(&a->keys);
    return err == WF_OK ? send_round3(a, out) : err;
}

/* Fig. 6 output step: every Πmod and the Πfac addressed to us; then the
 * confirmation (not in the figure: it carries the echo of round 3). */
static wf_err finish_round3(aux_info *a, wf_outbox *out)
{
    char reason[WF_REASON_BYTES];
    for (size_t j = 0; j < a->keys.n; j++) {
        if (j == a->keys.me)
            continue;
        const wf_filed *f = &a->base.s.box[3].bcast[j];
        if (check_proof(a, j, NO_POS, f, reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, f, reason);
        f = &a->base.s.box[3].p2p[j];
        if (check_proof(a, j, a->keys.me, f, reason, sizeof reason) != WF_JUDGE_INNOCENT)
            return blame(a, out, f, reason);
    }
    return wf_machine_broadcast(&a->base, out, 4, NULL, 0);
}

/* The confirmations (the session layer has checked their echo of round 3),
 * then the result. */
static wf_err finish_round4(aux_info *a, wf_outbox *out)
{
    wf_err err = wf_machine_check_bcasts(&a->base, out, 4, wf_machine_check_confirmation);
    if (err != WF_OK || a->base.s.status != WF_SESSION_RUNNING)
        return err;
    err = wf_aux_keys_result(&a->keys, &a->result);
    if (err == WF_OK)
        a->base.s.status = WF_SESSION_DONE;
    return err;
}

/* WF_AUX_FAULT_FALSE_BLAME: accuse the victim over its valid message. */
static wf_err false_blame(aux_info *a, wf_outbox *out, uint32_t r)
{
    int v = wf_session_pos(&a->base.s, a->base.fault.victim);
    if (v < 0 || (size_t)v == a->keys.me)
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
    case 1: return wf_commit_reveal_open(m, out, a->opening, a->opening_len);
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
    case 1: return wf_commit_reveal_check(m, ev, reason, cap);
    case 2: {
        wf_aux_keys_opening o = {0};
        wf_judgement v = check_opening(a, (size_t)pos, ev, &o, reason, cap);
        wf_aux_keys_opening_clear(&o);
        return v;
    }
    case 3: return check_proof(a, (size_t)pos, bcast ? NO_POS : (size_t)apos, ev, reason, cap);
    default: return wf_machine_check_confirmation(m, ev, reason, cap);
    }
}

static void destroy(wf_machine *m)
{
    aux_info *a = of(m);
    wf_session_clear(&a->base.s);
    wf_aux_keys_clear(&a->keys);
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
    if (p->n < 2 || p->n > WF_MAX_MEMBERS || cfg->self >= p->n ||
        wf_aux_keys_params_check(p->bits, p->pooled) != WF_OK)
        return WF_ERR_ARG;
    aux_info *a = calloc(1, sizeof *a);
    if (a == NULL)
        return WF_ERR_NOMEM;
    uint32_t parties[WF_MAX_MEMBERS];
    for (uint32_t i = 0; i < p->n; i++)
        parties[i] = i;
    wf_err err =
        wf_machine_init(&a->base, &OPS, cfg, WF_AUX_INFO_PROTOCOL, parties, p->n, WF_AUX_INFO_ROUNDS);
    uint8_t agreed[8] = {(uint8_t)(p->n >> 24),   (uint8_t)(p->n >> 16),    (uint8_t)(p->n >> 8),
                         (uint8_t)p->n,           (uint8_t)(p->bits >> 24), (uint8_t)(p->bits >> 16),
                         (uint8_t)(p->bits >> 8), (uint8_t)p->bits};
    wf_hash_part inputs[1] = {{agreed, sizeof agreed}};
    if (err == WF_OK) /* parties given another n or |N| run another session */
        err = wf_machine_bind_inputs(&a->base, inputs, 1);
    if (err != WF_OK) {
        free(a);
        return err;
    }
    a->base.malformed_fault = WF_AUX_FAULT_MALFORMED;
    wf_aux_keys_init(&a->keys, &a->base, p->bits, p->n, cfg->self, p->pooled);
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
