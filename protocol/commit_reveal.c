/* The commit-then-open rounds shared by keygen, aux-info and refresh: see
 * commit_reveal.h. */
#include "protocol/commit_reveal.h"

#include <stdio.h>
#include <stdlib.h>

#include "protocol/proto/commit_reveal.pb-c.h"

wf_err wf_commit_reveal_pack(const uint8_t v[WF_COMMIT_BYTES], uint8_t **out, size_t *out_len)
{
    wf_wire_arena arena = {0};
    Warifu__CommitReveal__Commitment msg = WARIFU__COMMIT_REVEAL__COMMITMENT__INIT;
    wf_wire_put_bytes(&arena, &msg.v, v, WF_COMMIT_BYTES);
    return wf_wire_pack(&arena, &msg.base, out, out_len);
}

wf_err wf_commit_reveal_start(wf_machine *m, wf_outbox *out, wf_wire_arena *arena,
                              const ProtobufCMessage *msg, const uint8_t v[WF_COMMIT_BYTES],
                              uint8_t **opening, size_t *opening_len)
{
    wf_err err = wf_wire_pack(arena, msg, opening, opening_len);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (err == WF_OK)
        err = wf_commit_reveal_pack(v, &buf, &len);
    if (err == WF_OK)
        err = wf_machine_broadcast(m, out, 1, buf, len);
    free(buf);
    return err;
}

int wf_commit_reveal_read(const wf_filed *f, uint8_t v[WF_COMMIT_BYTES])
{
    if (f == NULL || !f->present)
        return -1;
    Warifu__CommitReveal__Commitment *msg = (Warifu__CommitReveal__Commitment *)wf_wire_unpack(
        &warifu__commit_reveal__commitment__descriptor, f->env.payload, f->env.payload_len);
    int ok = msg != NULL && wf_wire_get_bytes(v, WF_COMMIT_BYTES, &msg->v) == WF_OK;
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return ok;
}

static wf_judgement verdict(int have, uint32_t who, char *reason, size_t cap)
{
    if (have < 0)
        return WF_JUDGE_LATER;
    if (have > 0)
        return WF_JUDGE_INNOCENT;
    snprintf(reason, cap, "party %u sent a malformed commitment", (unsigned)who);
    return WF_JUDGE_GUILTY;
}

wf_judgement wf_commit_reveal_check(const wf_machine *m, const wf_filed *f, char *reason, size_t cap)
{
    (void)m;
    uint8_t v[WF_COMMIT_BYTES];
    return verdict(wf_commit_reveal_read(f, v), f->env.from, reason, cap);
}

wf_judgement wf_commit_reveal_filed(const wf_machine *m, size_t pos, uint8_t v[WF_COMMIT_BYTES], char *reason,
                                    size_t cap)
{
    return verdict(wf_commit_reveal_read(&m->s.box[1].bcast[pos], v), m->s.cfg.parties[pos], reason, cap);
}

wf_err wf_commit_reveal_open(wf_machine *m, wf_outbox *out, const uint8_t *opening, size_t opening_len)
{
    wf_err err = wf_machine_check_bcasts(m, out, 1, wf_commit_reveal_check);
    if (err != WF_OK || m->s.status != WF_SESSION_RUNNING)
        return err;
    return wf_machine_broadcast(m, out, 2, opening, opening_len);
}
