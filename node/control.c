/* Control envelopes of the daemon (node/control.h). */
#include "node/control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/fail.h"
#include "protocol/proto/control.pb-c.h"
#include "protocol/wire.h"

static const char *const PROTOCOLS[] = {"keygen",         "aux-info",        "presign", "sign",
                                        "refresh",        "refresh-confirm", "reshare", "retire",
                                        "reshare-attest", "reshare-drop"};

static wf_err seal(uint8_t **out, size_t *len, const wf_control_addr *a, uint32_t round, const uint8_t *payload,
                   size_t payload_len, const uint8_t *identity_sk)
{
    wf_envelope env;
    memset(&env, 0, sizeof env);
    env.version = WF_ENVELOPE_VERSION;
    memcpy(env.cluster_id, a->cluster_id, WF_ID_BYTES);
    memcpy(env.key_id, a->key_id, WF_ID_BYTES);
    memcpy(env.session_id, a->session_id, WF_ID_BYTES);
    strcpy(env.protocol, WF_CONTROL_PROTOCOL);
    env.round = round;
    env.from = a->from;
    env.to = a->to;
    env.payload = (uint8_t *)payload;
    env.payload_len = payload_len;
    return wf_envelope_seal(out, len, &env, identity_sk);
}

/* Packs msg and seals it as the round's control envelope. */
static wf_err seal_msg(uint8_t **out, size_t *len, const wf_control_addr *a, uint32_t round,
                       const ProtobufCMessage *msg, const uint8_t *identity_sk)
{
    size_t plen = protobuf_c_message_get_packed_size(msg);
    uint8_t *payload = malloc(plen ? plen : 1);
    if (payload == NULL)
        return WF_ERR_NOMEM;
    protobuf_c_message_pack(msg, payload);
    wf_err err = seal(out, len, a, round, payload, plen, identity_sk);
    free(payload);
    return err;
}

wf_err wf_control_seal_start(uint8_t **out, size_t *len, const wf_control_addr *a, const wf_control_start *st,
                             const uint8_t *identity_sk)
{
    if (out == NULL || len == NULL || a == NULL || st == NULL || st->n > WF_MAX_MEMBERS ||
        st->request_len > WF_CONTROL_REQUEST_MAX || st->record_len > WF_CONTROL_RECORD_MAX ||
        st->n_dealers > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    Warifu__Control__SessionStart msg = WARIFU__CONTROL__SESSION_START__INIT;
    uint32_t parties[WF_MAX_MEMBERS];
    memcpy(parties, st->parties, st->n * sizeof parties[0]);
    msg.protocol = (char *)st->protocol;
    msg.n_parties = st->n;
    msg.parties = parties;
    msg.issued_ms = st->issued_ms;
    msg.request.data = (uint8_t *)st->request;
    msg.request.len = st->request_len;
    if (st->has_presig) {
        msg.presig_id.data = (uint8_t *)st->presig_id;
        msg.presig_id.len = WF_ID_BYTES;
    }
    if (st->has_key_state) {
        msg.key_state.data = (uint8_t *)st->key_state;
        msg.key_state.len = WF_ID_BYTES;
        msg.key_generation = st->key_generation;
    }
    uint32_t dealers[WF_MAX_MEMBERS];
    memcpy(dealers, st->dealers, st->n_dealers * sizeof dealers[0]);
    msg.record.data = (uint8_t *)st->record;
    msg.record.len = st->record_len;
    msg.n_dealers = st->n_dealers;
    msg.dealers = dealers;
    return seal_msg(out, len, a, WF_CONTROL_ROUND_START, &msg.base, identity_sk);
}

wf_err wf_control_seal_result(uint8_t **out, size_t *len, const wf_control_addr *a, const wf_control_result *r,
                              const uint8_t *identity_sk)
{
    if (out == NULL || len == NULL || a == NULL || r == NULL)
        return WF_ERR_ARG;
    Warifu__Control__SessionResult msg = WARIFU__CONTROL__SESSION_RESULT__INIT;
    char reason[WF_CONTROL_REASON_MAX];
    snprintf(reason, sizeof reason, "%s", r->reason);
    msg.outcome = (Warifu__Control__Outcome)r->outcome;
    msg.culprit = r->culprit;
    msg.reason = reason;
    if (r->has_sig) {
        msg.signature.data = (uint8_t *)r->sig;
        msg.signature.len = WF_CONTROL_SIG_BYTES;
    }
    msg.take_count = r->take_count;
    return seal_msg(out, len, a, WF_CONTROL_ROUND_RESULT, &msg.base, identity_sk);
}

/* An optional 32-byte id: absent (empty, *has = 0) or exactly 32 bytes
 * (copied to out, *has = 1); 0 for any other length. */
static int optional_id(const ProtobufCBinaryData *f, uint8_t out[WF_ID_BYTES], int *has)
{
    if (f->len != 0 && f->len != WF_ID_BYTES)
        return 0;
    *has = f->len == WF_ID_BYTES;
    if (*has)
        memcpy(out, f->data, WF_ID_BYTES);
    return 1;
}

wf_err wf_control_decode_start(wf_control_start *st, const uint8_t *payload, size_t len, uint32_t members,
                               const char **why)
{
    wf_err err = WF_OK;
    Warifu__Control__SessionStart *msg = NULL;
    if (st == NULL || (payload == NULL && len != 0))
        FAIL(WF_ERR_ARG, "no session start");
    memset(st, 0, sizeof *st);
    msg = (Warifu__Control__SessionStart *)wf_wire_unpack(&warifu__control__session_start__descriptor, payload,
                                                           len);
    if (msg == NULL)
        FAIL(WF_ERR_ENCODING, "session start: malformed protobuf");
    int known = 0;
    for (size_t i = 0; i < sizeof PROTOCOLS / sizeof PROTOCOLS[0]; i++)
        known |= strcmp(msg->protocol, PROTOCOLS[i]) == 0;
    if (!known)
        FAIL(WF_ERR_ENCODING, "session start: unknown protocol");
    strcpy(st->protocol, msg->protocol);
    if (msg->n_parties < 2 || msg->n_parties > members || msg->n_parties > WF_MAX_MEMBERS)
        FAIL(WF_ERR_RANGE, "session start: wrong number of parties");
    for (size_t i = 0; i < msg->n_parties; i++) {
        if (msg->parties[i] >= members || (i > 0 && msg->parties[i] <= msg->parties[i - 1]))
            FAIL(WF_ERR_ENCODING, "session start: parties not distinct ascending members");
        st->parties[i] = msg->parties[i];
    }
    st->n = msg->n_parties;
    st->issued_ms = msg->issued_ms;
    if (msg->request.len > WF_CONTROL_REQUEST_MAX)
        FAIL(WF_ERR_RANGE, "session start: request too large");
    if (msg->request.len > 0)
        memcpy(st->request, msg->request.data, msg->request.len);
    st->request_len = msg->request.len;
    if (!optional_id(&msg->presig_id, st->presig_id, &st->has_presig))
        FAIL(WF_ERR_ENCODING, "session start: presignature id is not 32 bytes");
    if (!optional_id(&msg->key_state, st->key_state, &st->has_key_state))
        FAIL(WF_ERR_ENCODING, "session start: key state is not 32 bytes");
    st->key_generation = msg->key_generation;
    if (msg->record.len > WF_CONTROL_RECORD_MAX)
        FAIL(WF_ERR_RANGE, "session start: key record too large");
    if (msg->record.len > 0)
        memcpy(st->record, msg->record.data, msg->record.len);
    st->record_len = msg->record.len;
    if (msg->n_dealers > WF_MAX_MEMBERS)
        FAIL(WF_ERR_RANGE, "session start: too many dealers");
    for (size_t i = 0; i < msg->n_dealers; i++) {
        if (msg->dealers[i] >= WF_MAX_MEMBERS || (i > 0 && msg->dealers[i] <= msg->dealers[i - 1]))
            FAIL(WF_ERR_ENCODING, "session start: dealers not distinct ascending node indices");
        st->dealers[i] = msg->dealers[i];
    }
    st->n_dealers = msg->n_dealers;
done:
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

wf_err wf_control_decode_result(wf_control_result *r, const uint8_t *payload, size_t len, const char **why)
{
    wf_err err = WF_OK;
    Warifu__Control__SessionResult *msg = NULL;
    if (r == NULL || (payload == NULL && len != 0))
        FAIL(WF_ERR_ARG, "no session result");
    memset(r, 0, sizeof *r);
    msg = (Warifu__Control__SessionResult *)wf_wire_unpack(&warifu__control__session_result__descriptor,
                                                            payload, len);
    if (msg == NULL)
        FAIL(WF_ERR_ENCODING, "session result: malformed protobuf");
    if (msg->outcome > WARIFU__CONTROL__OUTCOME__OUTCOME_ALREADY)
        FAIL(WF_ERR_ENCODING, "session result: unknown outcome");
    r->outcome = (wf_outcome)msg->outcome;
    r->culprit = msg->culprit;
    if (strlen(msg->reason) >= sizeof r->reason)
        FAIL(WF_ERR_RANGE, "session result: reason too long");
    strcpy(r->reason, msg->reason);
    if (msg->signature.len != 0 && msg->signature.len != WF_CONTROL_SIG_BYTES)
        FAIL(WF_ERR_ENCODING, "session result: signature is not 65 bytes");
    r->has_sig = msg->signature.len == WF_CONTROL_SIG_BYTES;
    if (r->has_sig)
        memcpy(r->sig, msg->signature.data, WF_CONTROL_SIG_BYTES);
    r->take_count = msg->take_count;
done:
    if (msg != NULL)
        protobuf_c_message_free_unpacked(&msg->base, NULL);
    return err;
}

const char *wf_outcome_str(wf_outcome o)
{
    switch (o) {
    case WF_OUTCOME_DONE: return "done";
    case WF_OUTCOME_ABORTED: return "aborted";
    case WF_OUTCOME_REFUSED: return "refused";
    case WF_OUTCOME_ALREADY: return "already signed";
    }
    return "unknown";
}
