#include "protocol/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"

static void judge_blames(wf_machine *m)
{
    wf_session *s = &m->s;
    for (size_t pos = 0; pos < s->cfg.n && s->status == WF_SESSION_RUNNING; pos++) {
        if (!s->blame[pos].present || s->blame_judged[pos])
            continue;
        uint32_t accuser = s->cfg.parties[pos], accused = 0;
        wf_filed ev;
        if (wf_session_blame_evidence(s, pos, &ev, &accused) != WF_OK) {
            s->blame_judged[pos] = 1;
            wf_session_abort(s, accuser, "party %u blamed without valid evidence", (unsigned)accuser);
            return;
        }
        int apos = wf_session_pos(s, accused);
        const wf_filed *mine = ev.env.to == WF_TO_BROADCAST ? &s->box[ev.env.round].bcast[apos] : NULL;
        if (mine != NULL && mine->present && memcmp(mine->digest, ev.digest, WF_ECHO_BYTES) != 0) {
            s->blame_judged[pos] = 1;
            wf_session_abort(s, accused, "party %u sent different signed broadcasts in round %u", (unsigned)accused,
                             (unsigned)ev.env.round);
            wf_filed_clear(&ev);
            return;
        }
        char reason[WF_REASON_BYTES] = "";
        /* a blame of ourselves: we know we sent what the protocol asks; a
         * broadcast equal to our copy of a round we finished passed our own
         * checks (they do not depend on the receiver) */
        int passed = accused == s->cfg.self || (mine != NULL && mine->present && m->round > ev.env.round);
        wf_judgement v = passed ? WF_JUDGE_INNOCENT : m->ops->judge(m, &ev, accuser, reason, sizeof reason);
        wf_filed_clear(&ev);
        if (v == WF_JUDGE_LATER)
            continue;
        s->blame_judged[pos] = 1;
        if (v == WF_JUDGE_GUILTY)
            wf_session_abort(s, accused, "%s (reported by party %u)", reason, (unsigned)accuser);
        else
            wf_session_abort(s, accuser, "party %u blamed party %u for a message that passes the check",
                             (unsigned)accuser, (unsigned)accused);
    }
}

static wf_err advance(wf_machine *m, wf_outbox *out)
{
    wf_session *s = &m->s;
    for (;;) {
        judge_blames(m);
        if (s->status != WF_SESSION_RUNNING || m->round > s->rounds)
            return WF_OK;
        unsigned kinds = m->ops->round_kinds(m, m->round);
        if (!wf_session_round_ready(s, out, m->round, (kinds & WF_ROUND_BCAST) != 0,
                                    (kinds & WF_ROUND_P2P) != 0))
            return WF_OK;
        if (kinds & WF_ROUND_BCAST) {
            wf_err err = wf_session_close_round(s, m->round);
            if (err != WF_OK)
                return err;
        }
        uint32_t r = m->round++;
        wf_err err = m->ops->finish_round(m, r, out);
        if (err != WF_OK) {
            /* our own failure (memory, internal): stop without blaming anyone else */
            wf_session_abort(s, s->cfg.self, "local error in round %u: %s", (unsigned)r, wf_err_str(err));
            return err;
        }
    }
}

wf_err wf_machine_start(wf_machine *m, wf_outbox *out)
{
    if (m == NULL || out == NULL || m->round != 0)
        return WF_ERR_ARG;
    m->round = 1;
    wf_err err = m->ops->start(m, out);
    if (err != WF_OK) {
        wf_session_abort(&m->s, m->s.cfg.self, "local error starting: %s", wf_err_str(err));
        return err;
    }
    return advance(m, out);
}

wf_err wf_machine_step(wf_machine *m, const uint8_t *in, size_t len, wf_outbox *out, const char **why)
{
    const char *unused;
    if (why == NULL)
        why = &unused;
    *why = "";
    if (m == NULL || out == NULL)
        return WF_ERR_ARG;
    if (m->round == 0) {
        *why = "machine not started";
        return WF_ERR_ARG;
    }
    wf_err err = wf_session_receive(&m->s, out, in, len, why);
    if (err != WF_OK)
        return err;
    return advance(m, out);
}

wf_session_status wf_machine_status(const wf_machine *m)
{
    return m->s.status;
}

uint32_t wf_machine_culprit(const wf_machine *m)
{
    return m->s.culprit;
}

const char *wf_machine_reason(const wf_machine *m)
{
    return m->s.reason;
}

void wf_machine_free(wf_machine *m)
{
    if (m != NULL)
        m->ops->destroy(m);
}

const wf_filed *wf_machine_bcast(const wf_machine *m, uint32_t r, uint32_t member)
{
    int pos = wf_session_pos(&m->s, member);
    if (pos < 0 || r == 0 || r > m->s.rounds || !m->s.box[r].bcast[pos].present)
        return NULL;
    return &m->s.box[r].bcast[pos];
}

const wf_filed *wf_machine_p2p(const wf_machine *m, uint32_t r, uint32_t member)
{
    int pos = wf_session_pos(&m->s, member);
    if (pos < 0 || r == 0 || r > m->s.rounds || !m->s.box[r].p2p[pos].present)
        return NULL;
    return &m->s.box[r].p2p[pos];
}

wf_err wf_machine_broadcast(wf_machine *m, wf_outbox *out, uint32_t r, const uint8_t *payload, size_t len)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff}; /* an unterminated protobuf tag */
    if (m->malformed_fault != WF_FAULT_NONE && m->fault.kind == m->malformed_fault && m->fault.round == r) {
        payload = garbage;
        len = sizeof garbage;
    }
    if (m->fault.kind != WF_FAULT_EQUIVOCATE || m->fault.round != r)
        return wf_session_send(&m->s, out, r, WF_TO_BROADCAST, payload, len);
    uint8_t *other = malloc(len + 1);
    if (other == NULL)
        return WF_ERR_NOMEM;
    memcpy(other, payload, len);
    other[len] = 0; /* a different payload (and malformed: field tag 0) */
    wf_err err =
        wf_session_send_equivocating(&m->s, out, r, payload, len, other, len + 1, m->fault.victim);
    free(other);
    return err;
}

wf_err wf_machine_pack_send(wf_machine *m, wf_outbox *out, uint32_t r, uint32_t to, wf_wire_arena *arena,
                            const ProtobufCMessage *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    wf_err err = wf_wire_pack(arena, msg, &buf, &len);
    if (err == WF_OK)
        err = to == WF_TO_BROADCAST ? wf_machine_broadcast(m, out, r, buf, len)
                                    : wf_session_send(&m->s, out, r, to, buf, len);
    if (buf != NULL)
        wf_memzero(buf, len);
    free(buf);
    return err;
}

wf_err wf_machine_blame(wf_machine *m, wf_outbox *out, const wf_filed *f, const char *reason)
{
    return wf_session_blame(&m->s, out, f, f->env.from, "%s", reason);
}

wf_err wf_machine_check_bcasts(wf_machine *m, wf_outbox *out, uint32_t r, wf_machine_check check)
{
    char reason[WF_REASON_BYTES];
    if (r == 0 || r > m->s.rounds)
        return WF_ERR_ARG;
    for (size_t pos = 0; pos < m->s.cfg.n; pos++) {
        if (pos == m->s.self_pos)
            continue;
        const wf_filed *f = &m->s.box[r].bcast[pos];
        wf_judgement v = check(m, f, reason, sizeof reason);
        if (v != WF_JUDGE_INNOCENT)
            return v == WF_JUDGE_GUILTY ? wf_machine_blame(m, out, f, reason) : WF_ERR_INTERNAL;
    }
    return WF_OK;
}

wf_judgement wf_machine_check_confirmation(const wf_machine *m, const wf_filed *f, char *reason, size_t cap)
{
    (void)m;
    if (f->env.payload_len == 0)
        return WF_JUDGE_INNOCENT;
    snprintf(reason, cap, "party %u sent a non-empty confirmation", (unsigned)f->env.from);
    return WF_JUDGE_GUILTY;
}

wf_err wf_machine_init(wf_machine *m, const wf_machine_ops *ops, const wf_machine_cfg *cfg, const char *protocol,
                       const uint32_t *parties, size_t n, uint32_t rounds)
{
    if (m == NULL || ops == NULL || cfg == NULL || protocol == NULL || parties == NULL || n > WF_MAX_MEMBERS ||
        strlen(protocol) >= WF_PROTOCOL_NAME_MAX)
        return WF_ERR_ARG;
    memset(m, 0, sizeof *m);
    wf_session_cfg sc = {.self = cfg->self, .n = n, .identity_sk = cfg->identity_sk};
    memcpy(sc.cluster_id, cfg->cluster_id, WF_ID_BYTES);
    memcpy(sc.key_id, cfg->key_id, WF_ID_BYTES);
    memcpy(sc.session_id, cfg->session_id, WF_ID_BYTES);
    strcpy(sc.protocol, protocol);
    for (size_t i = 0; i < n; i++) {
        if (parties[i] >= WF_MAX_MEMBERS)
            return WF_ERR_ARG;
        sc.parties[i] = parties[i];
        memcpy(sc.identity_pk[i], cfg->identity_pk[parties[i]], WF_IDENTITY_PK_BYTES);
    }
    wf_err err = wf_session_init(&m->s, &sc, rounds);
    if (err != WF_OK)
        return err;
    m->ops = ops;
    m->fault = cfg->fault;
    snprintf(m->transcript_name, sizeof m->transcript_name, "warifu/%s/v1", protocol);
    return WF_OK;
}

void wf_machine_proof_ctx(const wf_machine *m, wf_proof_ctx *ctx, uint32_t prover, uint32_t verifier)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->protocol = m->transcript_name;
    memcpy(ctx->cluster_id, m->s.cfg.cluster_id, WF_ID_BYTES);
    memcpy(ctx->key_id, m->s.cfg.key_id, WF_ID_BYTES);
    memcpy(ctx->session_id, m->s.cfg.session_id, WF_ID_BYTES);
    ctx->signers = m->s.cfg.parties;
    ctx->n_signers = m->s.cfg.n;
    ctx->prover = prover;
    ctx->verifier = verifier;
}

wf_err wf_machine_derive_id(const wf_machine *m, uint8_t out[WF_ID_BYTES], const wf_hash_part *inputs, size_t n)
{
    if (m == NULL)
        return WF_ERR_ARG;
    return wf_machine_derive_id_for(out, m->s.cfg.protocol, m->s.cfg.session_id, inputs, n);
}

wf_err wf_machine_derive_id_for(uint8_t out[WF_ID_BYTES], const char *protocol,
                                const uint8_t session_id[WF_ID_BYTES], const wf_hash_part *inputs, size_t n)
{
    static const char domain[] = "warifu/session-inputs/v1";
    wf_hash_part parts[16];
    if (out == NULL || protocol == NULL || session_id == NULL || n + 3 > sizeof parts / sizeof parts[0] ||
        (inputs == NULL && n > 0))
        return WF_ERR_ARG;
    parts[0] = (wf_hash_part){(const uint8_t *)domain, sizeof domain - 1};
    parts[1] = (wf_hash_part){(const uint8_t *)protocol, strlen(protocol)};
    parts[2] = (wf_hash_part){session_id, WF_ID_BYTES};
    for (size_t i = 0; i < n; i++)
        parts[3 + i] = inputs[i];
    uint8_t digest[WF_SHA512_BYTES];
    wf_err err = wf_sha512_parts(digest, parts, n + 3, 1);
    if (err == WF_OK)
        memcpy(out, digest, WF_ID_BYTES);
    return err;
}

wf_err wf_machine_bind_inputs(wf_machine *m, const wf_hash_part *inputs, size_t n)
{
    if (m == NULL)
        return WF_ERR_ARG;
    return wf_machine_derive_id(m, m->s.cfg.session_id, inputs, n);
}
