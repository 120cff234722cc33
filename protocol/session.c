#include "protocol/session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/secmem.h"
#include "protocol/proto/session.pb-c.h"

void wf_outbox_clear(wf_outbox *box)
{
    if (box == NULL)
        return;
    for (size_t i = 0; i < box->n; i++) {
        if (box->items[i].bytes != NULL)
            wf_memzero(box->items[i].bytes, box->items[i].len);
        free(box->items[i].bytes);
    }
    free(box->items);
    memset(box, 0, sizeof *box);
}

static wf_err outbox_push(wf_outbox *box, uint32_t to, uint8_t *bytes, size_t len)
{
    if (box->n == box->cap) {
        size_t cap = box->cap ? 2 * box->cap : 8;
        wf_outmsg *items = realloc(box->items, cap * sizeof *items);
        if (items == NULL)
            return WF_ERR_NOMEM;
        box->items = items;
        box->cap = cap;
    }
    box->items[box->n++] = (wf_outmsg){to, WF_TO_BROADCAST, bytes, len};
    return WF_OK;
}

int wf_session_pos(const wf_session *s, uint32_t member)
{
    for (size_t i = 0; i < s->cfg.n; i++)
        if (s->cfg.parties[i] == member)
            return (int)i;
    return -1;
}

wf_err wf_session_init(wf_session *s, const wf_session_cfg *cfg, uint32_t rounds)
{
    if (s == NULL || cfg == NULL || cfg->identity_sk == NULL || cfg->n < 2 || cfg->n > WF_MAX_MEMBERS ||
        rounds == 0 || rounds > WF_SESSION_MAX_ROUNDS || cfg->protocol[0] == '\0' ||
        memchr(cfg->protocol, '\0', WF_PROTOCOL_NAME_MAX) == NULL)
        return WF_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    int self = -1;
    for (size_t i = 0; i < cfg->n; i++) {
        for (size_t j = 0; j < i; j++)
            if (cfg->parties[i] == cfg->parties[j] || cfg->parties[i] == WF_TO_BROADCAST)
                return WF_ERR_ARG;
        if (cfg->parties[i] == cfg->self)
            self = (int)i;
    }
    if (self < 0)
        return WF_ERR_ARG;
    s->self_pos = (size_t)self;
    s->rounds = rounds;
    s->status = WF_SESSION_RUNNING;
    return WF_OK;
}

void wf_filed_clear(wf_filed *f)
{
    wf_envelope_clear(&f->env);
    if (f->raw != NULL)
        wf_memzero(f->raw, f->raw_len);
    free(f->raw);
    memset(f, 0, sizeof *f);
}

void wf_session_clear(wf_session *s)
{
    if (s == NULL)
        return;
    for (uint32_t r = 0; r <= WF_SESSION_MAX_ROUNDS; r++)
        for (size_t i = 0; i < WF_MAX_MEMBERS; i++) {
            wf_filed_clear(&s->box[r].bcast[i]);
            wf_filed_clear(&s->box[r].p2p[i]);
        }
    for (size_t i = 0; i < WF_MAX_MEMBERS; i++)
        wf_filed_clear(&s->blame[i]);
}

void wf_session_abort(wf_session *s, uint32_t culprit, const char *fmt, ...)
{
    if (s->status != WF_SESSION_RUNNING)
        return;
    s->status = WF_SESSION_ABORTED;
    s->culprit = culprit;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
}

/* Opens bytes as an envelope of this session signed by the member it names. */
static wf_err open_checked(const wf_session *s, wf_envelope *env, int *pos, const uint8_t *in, size_t len,
                           int allow_self, const char **why)
{
    uint32_t from;
    wf_err err = wf_envelope_peek_from(&from, in, len);
    if (err != WF_OK) {
        *why = "malformed envelope";
        return err;
    }
    *pos = wf_session_pos(s, from);
    if (*pos < 0 || (!allow_self && (size_t)*pos == s->self_pos)) {
        *why = "sender is not a party of this session";
        return WF_ERR_UNAUTHORISED;
    }
    err = wf_envelope_open(env, in, len, s->cfg.identity_pk[*pos]);
    if (err != WF_OK) {
        *why = err == WF_ERR_VERIFY ? "bad envelope signature" : "malformed envelope";
        return err;
    }
    if (env->version != WF_ENVELOPE_VERSION || memcmp(env->cluster_id, s->cfg.cluster_id, WF_ID_BYTES) != 0 ||
        memcmp(env->key_id, s->cfg.key_id, WF_ID_BYTES) != 0 ||
        memcmp(env->session_id, s->cfg.session_id, WF_ID_BYTES) != 0 ||
        strcmp(env->protocol, s->cfg.protocol) != 0) {
        *why = "envelope of another version, cluster, key, session or protocol";
        wf_envelope_clear(env);
        return WF_ERR_ARG;
    }
    return WF_OK;
}

wf_err wf_session_close_round(wf_session *s, uint32_t r)
{
    if (r == 0 || r > s->rounds)
        return WF_ERR_ARG;
    wf_round_box *b = &s->box[r];
    wf_hash_part parts[WF_MAX_MEMBERS];
    static const uint8_t absent[WF_ECHO_BYTES];
    for (size_t i = 0; i < s->cfg.n; i++)
        parts[i] = (wf_hash_part){b->bcast[i].present ? b->bcast[i].digest : absent, WF_ECHO_BYTES};
    uint8_t full[WF_SHA512_BYTES];
    wf_err err = wf_sha512_parts(full, parts, s->cfg.n, 0);
    if (err == WF_OK) {
        memcpy(b->echo, full, WF_ECHO_BYTES);
        b->echo_ready = 1;
    }
    return err;
}

static int round_has_broadcasts(const wf_session *s, uint32_t r)
{
    return r >= 1 && r <= s->rounds && s->box[r].bcast[s->self_pos].present;
}

/* An envelope from us in this session, for round and recipient to. */
static wf_envelope envelope_from_us(const wf_session *s, uint32_t round, uint32_t to, const uint8_t *payload,
                                    size_t len)
{
    wf_envelope env = {.version = WF_ENVELOPE_VERSION,
                       .round = round,
                       .from = s->cfg.self,
                       .to = to,
                       .payload = (uint8_t *)payload,
                       .payload_len = len};
    memcpy(env.cluster_id, s->cfg.cluster_id, WF_ID_BYTES);
    memcpy(env.key_id, s->cfg.key_id, WF_ID_BYTES);
    memcpy(env.session_id, s->cfg.session_id, WF_ID_BYTES);
    memcpy(env.protocol, s->cfg.protocol, WF_PROTOCOL_NAME_MAX);
    return env;
}

wf_err wf_session_send(wf_session *s, wf_outbox *box, uint32_t round, uint32_t to, const uint8_t *payload,
                       size_t len)
{
    if (s->status != WF_SESSION_RUNNING || round == 0 || round > s->rounds ||
        (to != WF_TO_BROADCAST && (wf_session_pos(s, to) < 0 || to == s->cfg.self)))
        return WF_ERR_ARG;
    wf_envelope env = envelope_from_us(s, round, to, payload, len);
    if (round > 1 && round_has_broadcasts(s, round - 1)) {
        if (!s->box[round - 1].echo_ready)
            return WF_ERR_ARG; /* close the previous round first */
        env.has_echo = 1;
        memcpy(env.echo, s->box[round - 1].echo, WF_ECHO_BYTES);
    }
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    wf_err err = wf_envelope_seal(&bytes, &bytes_len, &env, s->cfg.identity_sk);
    if (err != WF_OK)
        return err;
    if (to == WF_TO_BROADCAST) {
        /* file our own broadcast: it counts in the echo */
        wf_filed *f = &s->box[round].bcast[s->self_pos];
        wf_filed_clear(f);
        err = wf_envelope_open(&f->env, bytes, bytes_len, s->cfg.identity_pk[s->self_pos]);
        if (err == WF_OK && (f->raw = malloc(bytes_len)) == NULL)
            err = WF_ERR_NOMEM;
        if (err == WF_OK) {
            memcpy(f->raw, bytes, bytes_len);
            f->raw_len = bytes_len;
            memcpy(f->digest, f->env.digest, WF_ECHO_BYTES);
            f->present = 1;
        }
    }
    if (err == WF_OK)
        err = outbox_push(box, to, bytes, bytes_len);
    if (err != WF_OK)
        free(bytes);
    return err;
}

/* Files an opened envelope. Equal digest: a duplicate (refused, nothing
 * changes). Different digest: the sender signed two messages for one slot. */
static wf_err file_envelope(wf_session *s, wf_filed *slot, wf_envelope *env, const uint8_t *in, size_t len,
                            const char **why)
{
    if (slot->present) {
        if (memcmp(slot->digest, env->digest, WF_ECHO_BYTES) == 0) {
            *why = "duplicate message";
            wf_envelope_clear(env);
            return WF_ERR_ARG;
        }
        wf_session_abort(s, env->from, "party %u sent two different signed messages for round %u",
                         (unsigned)env->from, (unsigned)env->round);
        wf_envelope_clear(env);
        *why = "equivocation";
        return WF_ERR_VERIFY;
    }
    slot->raw = malloc(len ? len : 1);
    if (slot->raw == NULL) {
        wf_envelope_clear(env);
        return WF_ERR_NOMEM;
    }
    memcpy(slot->raw, in, len);
    slot->raw_len = len;
    slot->env = *env;
    memcpy(slot->digest, env->digest, WF_ECHO_BYTES);
    slot->present = 1;
    return WF_OK;
}

static wf_err send_out_of_round(wf_session *s, wf_outbox *box, uint32_t round, const uint8_t *payload,
                                size_t len);

/* Sends a complaint about round r holding every round-r broadcast we hold
 * and the envelope whose echo differs from ours. */
static wf_err send_complaint(wf_session *s, wf_outbox *box, uint32_t r, const wf_filed *offending)
{
    if (s->complained[r])
        return WF_OK;
    Warifu__Wire__EchoComplaint msg = WARIFU__WIRE__ECHO_COMPLAINT__INIT;
    ProtobufCBinaryData items[WF_MAX_MEMBERS];
    msg.round = r;
    for (size_t i = 0; i < s->cfg.n; i++)
        if (s->box[r].bcast[i].present)
            items[msg.n_broadcasts++] =
                (ProtobufCBinaryData){s->box[r].bcast[i].raw_len, s->box[r].bcast[i].raw};
    msg.broadcasts = items;
    msg.offending = (ProtobufCBinaryData){offending->raw_len, offending->raw};
    size_t len = warifu__wire__echo_complaint__get_packed_size(&msg);
    uint8_t *payload = malloc(len);
    if (payload == NULL)
        return WF_ERR_NOMEM;
    warifu__wire__echo_complaint__pack(&msg, payload);
    /* a complaint is sealed outside the round numbering, without echo */
    wf_err err = send_out_of_round(s, box, WF_ROUND_COMPLAINT | r, payload, len);
    free(payload);
    if (err == WF_OK)
        s->complained[r] = 1;
    return err;
}

/* Checks one forwarded round-r broadcast against our copy; files it when we
 * have none yet. Sets *forged when it is not a validly signed round-r
 * broadcast of this session; aborts naming its sender when it differs from
 * our copy (two signed versions prove equivocation). */
static void check_forwarded(wf_session *s, uint32_t r, const ProtobufCBinaryData *item, int *forged)
{
    wf_envelope env;
    int pos;
    const char *why;
    if (open_checked(s, &env, &pos, item->data, item->len, 1, &why) != WF_OK) {
        *forged = 1;
        return;
    }
    wf_filed *slot = &s->box[r].bcast[pos];
    if (env.round != r || env.to != WF_TO_BROADCAST) {
        *forged = 1;
    } else if (!slot->present) {
        file_envelope(s, slot, &env, item->data, item->len, &why); /* takes env */
        return;
    } else if (memcmp(slot->digest, env.digest, WF_ECHO_BYTES) != 0) {
        wf_session_abort(s, env.from, "party %u sent different signed broadcasts in round %u (echo)",
                         (unsigned)env.from, (unsigned)r);
    }
    wf_envelope_clear(&env);
}

/* Every broadcast the complainer c forwarded equals ours, so c's echo of
 * round r must equal ours. c lied if any envelope it signed for round r+1
 * carries another echo; its complaint is false if the offending envelope's
 * echo is ours. An offending envelope with another echo proves nothing yet
 * about its sender, who may hold an equivocator's other version: that
 * sender's own complaint (with its copies) settles it. */
static void judge_complainer(wf_session *s, uint32_t c, uint32_t r, const ProtobufCBinaryData *offending)
{
    for (size_t i = 0; i < s->cfg.n; i++)
        if (!s->box[r].bcast[i].present) {
            wf_session_abort(s, c, "party %u complained without forwarding every broadcast of round %u",
                             (unsigned)c, (unsigned)r);
            return;
        }
    wf_session_close_round(s, r);
    const uint8_t *mine = s->box[r].echo;
    int pos = wf_session_pos(s, c);
    if (r + 1 <= s->rounds) {
        const wf_filed *kinds[2] = {&s->box[r + 1].bcast[pos], &s->box[r + 1].p2p[pos]};
        for (int k = 0; k < 2; k++)
            if (kinds[k]->present &&
                (!kinds[k]->env.has_echo || memcmp(kinds[k]->env.echo, mine, WF_ECHO_BYTES))) {
                wf_session_abort(s, c, "party %u signed a false echo of round %u", (unsigned)c, (unsigned)r);
                return;
            }
    }
    wf_envelope off;
    int off_pos;
    const char *why;
    if (open_checked(s, &off, &off_pos, offending->data, offending->len, 1, &why) != WF_OK) {
        wf_session_abort(s, c, "party %u forwarded a forged envelope in an echo complaint", (unsigned)c);
        return;
    }
    if (off.round != r + 1) {
        wf_session_abort(s, c, "party %u complained with an envelope of another round", (unsigned)c);
    } else if (off.from == c && (!off.has_echo || memcmp(off.echo, mine, WF_ECHO_BYTES) != 0)) {
        wf_session_abort(s, c, "party %u signed a false echo of round %u", (unsigned)c, (unsigned)r);
    } else if (off.has_echo && memcmp(off.echo, mine, WF_ECHO_BYTES) == 0) {
        wf_session_abort(s, c, "party %u complained about a correct echo of round %u", (unsigned)c,
                         (unsigned)r);
    }
    wf_envelope_clear(&off);
}

static wf_err handle_complaint(wf_session *s, const wf_envelope *env, const char **why)
{
    uint32_t r = env->round & ~WF_ROUND_COMPLAINT;
    Warifu__Wire__EchoComplaint *msg =
        warifu__wire__echo_complaint__unpack(NULL, env->payload_len, env->payload);
    if (msg == NULL || msg->round != r || r == 0 || r > s->rounds || msg->n_broadcasts > s->cfg.n) {
        if (msg != NULL)
            warifu__wire__echo_complaint__free_unpacked(msg, NULL);
        wf_session_abort(s, env->from, "party %u sent a malformed echo complaint", (unsigned)env->from);
        *why = "malformed echo complaint";
        return WF_ERR_ENCODING;
    }
    int forged = 0;
    for (size_t i = 0; i < msg->n_broadcasts && s->status == WF_SESSION_RUNNING; i++)
        check_forwarded(s, r, &msg->broadcasts[i], &forged);
    if (s->status == WF_SESSION_RUNNING && forged)
        wf_session_abort(s, env->from, "party %u forwarded a forged broadcast in an echo complaint",
                         (unsigned)env->from);
    if (s->status == WF_SESSION_RUNNING)
        judge_complainer(s, env->from, r, &msg->offending);
    warifu__wire__echo_complaint__free_unpacked(msg, NULL);
    return WF_OK;
}

wf_err wf_session_receive(wf_session *s, wf_outbox *box, const uint8_t *in, size_t len, const char **why)
{
    const char *unused;
    if (why == NULL)
        why = &unused;
    *why = "";
    if (s == NULL || box == NULL || (in == NULL && len > 0))
        return WF_ERR_ARG;
    if (s->status != WF_SESSION_RUNNING) {
        *why = "session has ended";
        return WF_ERR_ARG;
    }
    wf_envelope env;
    int pos;
    wf_err err = open_checked(s, &env, &pos, in, len, 0, why);
    if (err != WF_OK)
        return err;
    if (env.round & WF_ROUND_COMPLAINT) {
        err = env.to == WF_TO_BROADCAST ? handle_complaint(s, &env, why) : WF_ERR_ARG;
        wf_envelope_clear(&env);
        return err;
    }
    if (env.round & WF_ROUND_BLAME) {
        if (env.to != WF_TO_BROADCAST) {
            *why = "a blame must be broadcast";
            wf_envelope_clear(&env);
            return WF_ERR_ARG;
        }
        return file_envelope(s, &s->blame[pos], &env, in, len, why);
    }
    if (env.round == 0 || env.round > s->rounds) {
        *why = "round out of range";
        wf_envelope_clear(&env);
        return WF_ERR_RANGE;
    }
    if (env.to != WF_TO_BROADCAST && env.to != s->cfg.self) {
        *why = "message addressed to another party";
        wf_envelope_clear(&env);
        return WF_ERR_ARG;
    }
    wf_round_box *b = &s->box[env.round];
    wf_filed *slot = env.to == WF_TO_BROADCAST ? &b->bcast[pos] : &b->p2p[pos];
    return file_envelope(s, slot, &env, in, len, why);
}

/* Compares the echo every filed round-r envelope carries with ours of r-1;
 * on a difference sends our complaint. Returns 1 when all match. */
static int echoes_match(wf_session *s, wf_outbox *box, uint32_t r)
{
    if (r < 2 || !round_has_broadcasts(s, r - 1))
        return 1;
    if (!s->box[r - 1].echo_ready && wf_session_close_round(s, r - 1) != WF_OK)
        return 0;
    const uint8_t *mine = s->box[r - 1].echo;
    for (size_t i = 0; i < s->cfg.n; i++) {
        const wf_filed *kinds[2] = {&s->box[r].bcast[i], &s->box[r].p2p[i]};
        for (int k = 0; k < 2; k++) {
            const wf_filed *f = kinds[k];
            if (!f->present || i == s->self_pos)
                continue;
            if (!f->env.has_echo || memcmp(f->env.echo, mine, WF_ECHO_BYTES) != 0) {
                send_complaint(s, box, r - 1, f);
                return 0;
            }
        }
    }
    return 1;
}

int wf_session_round_ready(wf_session *s, wf_outbox *box, uint32_t r, int want_bcast, int want_p2p)
{
    if (s->status != WF_SESSION_RUNNING || r == 0 || r > s->rounds)
        return 0;
    for (size_t i = 0; i < s->cfg.n; i++) {
        if (i == s->self_pos)
            continue;
        if ((want_bcast && !s->box[r].bcast[i].present) || (want_p2p && !s->box[r].p2p[i].present))
            return 0;
    }
    return echoes_match(s, box, r);
}

/* Seals a message of ours outside the round numbering (complaints, blames)
 * and queues it as a broadcast. */
static wf_err send_out_of_round(wf_session *s, wf_outbox *box, uint32_t round, const uint8_t *payload,
                                size_t len)
{
    wf_envelope env = envelope_from_us(s, round, WF_TO_BROADCAST, payload, len);
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    wf_err err = wf_envelope_seal(&bytes, &bytes_len, &env, s->cfg.identity_sk);
    if (err == WF_OK)
        err = outbox_push(box, WF_TO_BROADCAST, bytes, bytes_len);
    if (err != WF_OK)
        free(bytes);
    return err;
}

wf_err wf_session_blame(wf_session *s, wf_outbox *box, const wf_filed *evidence, uint32_t accused,
                        const char *fmt, ...)
{
    if (s->status != WF_SESSION_RUNNING)
        return WF_OK;
    s->status = WF_SESSION_ABORTED;
    s->culprit = accused;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    if (evidence == NULL || !evidence->present)
        return WF_OK;
    Warifu__Wire__Blame msg = WARIFU__WIRE__BLAME__INIT;
    msg.accused = accused;
    msg.evidence = (ProtobufCBinaryData){evidence->raw_len, evidence->raw};
    size_t len = warifu__wire__blame__get_packed_size(&msg);
    uint8_t *payload = malloc(len);
    if (payload == NULL)
        return WF_ERR_NOMEM;
    warifu__wire__blame__pack(&msg, payload);
    wf_err err = send_out_of_round(s, box, WF_ROUND_BLAME | (evidence->env.round & 0xffffu), payload, len);
    free(payload);
    return err;
}

wf_err wf_session_blame_evidence(const wf_session *s, size_t pos, wf_filed *evidence, uint32_t *accused)
{
    memset(evidence, 0, sizeof *evidence);
    const wf_filed *b = &s->blame[pos];
    if (!b->present)
        return WF_ERR_ARG;
    Warifu__Wire__Blame *msg = warifu__wire__blame__unpack(NULL, b->env.payload_len, b->env.payload);
    if (msg == NULL)
        return WF_ERR_ENCODING;
    wf_err err = WF_ERR_VERIFY;
    const char *why;
    int from_pos;
    wf_envelope env;
    if (msg->base.n_unknown_fields == 0 && wf_session_pos(s, msg->accused) >= 0 &&
        msg->accused != s->cfg.parties[pos] &&
        open_checked(s, &env, &from_pos, msg->evidence.data, msg->evidence.len, 1, &why) == WF_OK) {
        if (env.from == msg->accused && env.round >= 1 && env.round <= s->rounds &&
            (env.to == WF_TO_BROADCAST || env.to == s->cfg.parties[pos]) &&
            (evidence->raw = malloc(msg->evidence.len ? msg->evidence.len : 1)) != NULL) {
            memcpy(evidence->raw, msg->evidence.data, msg->evidence.len);
            evidence->raw_len = msg->evidence.len;
            evidence->env = env;
            memcpy(evidence->digest, env.digest, WF_ECHO_BYTES);
            evidence->present = 1;
            *accused = msg->accused;
            err = WF_OK;
        } else {
            wf_envelope_clear(&env);
        }
    }
    warifu__wire__blame__free_unpacked(msg, NULL);
    return err;
}

wf_err wf_session_send_equivocating(wf_session *s, wf_outbox *box, uint32_t round, const uint8_t *payload,
                                    size_t len, const uint8_t *other, size_t other_len, uint32_t victim)
{
    size_t before = box->n;
    wf_err err = wf_session_send(s, box, round, WF_TO_BROADCAST, payload, len);
    if (err != WF_OK)
        return err;
    for (size_t i = before; i < box->n; i++)
        box->items[i].skip = victim;
    wf_envelope env = envelope_from_us(s, round, WF_TO_BROADCAST, other, other_len);
    if (round > 1 && round_has_broadcasts(s, round - 1)) {
        env.has_echo = 1;
        memcpy(env.echo, s->box[round - 1].echo, WF_ECHO_BYTES);
    }
    uint8_t *bytes = NULL;
    size_t bytes_len = 0;
    err = wf_envelope_seal(&bytes, &bytes_len, &env, s->cfg.identity_sk);
    if (err == WF_OK)
        err = outbox_push(box, victim, bytes, bytes_len);
    if (err != WF_OK)
        free(bytes);
    return err;
}

wf_err wf_session_open_forwarded(const wf_session *s, wf_filed *out, const uint8_t *raw, size_t len)
{
    memset(out, 0, sizeof *out);
    const char *why;
    int pos;
    wf_err err = open_checked(s, &out->env, &pos, raw, len, 1, &why);
    if (err != WF_OK)
        return err;
    if ((out->raw = malloc(len ? len : 1)) == NULL) {
        wf_envelope_clear(&out->env);
        return WF_ERR_NOMEM;
    }
    memcpy(out->raw, raw, len);
    out->raw_len = len;
    memcpy(out->digest, out->env.digest, WF_ECHO_BYTES);
    out->present = 1;
    return WF_OK;
}
