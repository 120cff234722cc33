#include "protocol/envelope.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/hash.h"
#include "crypto/secmem.h"
#include "protocol/codec.h"
#include "protocol/proto/envelope.pb-c.h"

static const char SIGNING_DOMAIN[] = "warifu/envelope/v1";

/* Signs or verifies DOMAIN || packed envelope with an empty signature. */
static wf_err signing_input(uint8_t **out, size_t *out_len, const Warifu__Wire__Envelope *msg)
{
    Warifu__Wire__Envelope unsigned_msg = *msg;
    unsigned_msg.signature = (ProtobufCBinaryData){0, NULL};
    size_t packed = warifu__wire__envelope__get_packed_size(&unsigned_msg);
    *out_len = sizeof SIGNING_DOMAIN - 1 + packed;
    *out = malloc(*out_len);
    if (*out == NULL)
        return WF_ERR_NOMEM;
    memcpy(*out, SIGNING_DOMAIN, sizeof SIGNING_DOMAIN - 1);
    warifu__wire__envelope__pack(&unsigned_msg, *out + sizeof SIGNING_DOMAIN - 1);
    return WF_OK;
}

wf_err wf_envelope_seal(uint8_t **out, size_t *out_len, const wf_envelope *env, const uint8_t *identity_sk)
{
    if (out == NULL || out_len == NULL || env == NULL || identity_sk == NULL ||
        (env->payload == NULL && env->payload_len > 0) || strlen(env->protocol) == 0)
        return WF_ERR_ARG;
    Warifu__Wire__Envelope msg = WARIFU__WIRE__ENVELOPE__INIT;
    uint32_t to = env->to;
    uint8_t sig[WF_SIGNATURE_BYTES];
    msg.version = env->version;
    msg.cluster_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)env->cluster_id};
    msg.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)env->key_id};
    msg.session_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)env->session_id};
    msg.protocol = (char *)env->protocol;
    msg.round = env->round;
    msg.from = env->from;
    if (env->to != WF_TO_BROADCAST) {
        msg.n_to = 1;
        msg.to = &to;
    }
    if (env->has_echo)
        msg.echo = (ProtobufCBinaryData){WF_ECHO_BYTES, (uint8_t *)env->echo};
    msg.payload = (ProtobufCBinaryData){env->payload_len, env->payload};

    uint8_t *input = NULL;
    size_t input_len = 0;
    wf_err err = signing_input(&input, &input_len, &msg);
    if (err != WF_OK)
        return err;
    crypto_sign_detached(sig, NULL, input, input_len, identity_sk);
    free(input);
    msg.signature = (ProtobufCBinaryData){sizeof sig, sig};
    *out_len = warifu__wire__envelope__get_packed_size(&msg);
    *out = malloc(*out_len);
    if (*out == NULL)
        return WF_ERR_NOMEM;
    warifu__wire__envelope__pack(&msg, *out);
    return WF_OK;
}

static wf_err check_shape(const Warifu__Wire__Envelope *msg)
{
    if (msg->base.n_unknown_fields > 0 || msg->cluster_id.len != WF_ID_BYTES ||
        msg->key_id.len != WF_ID_BYTES || msg->session_id.len != WF_ID_BYTES ||
        msg->signature.len != WF_SIGNATURE_BYTES || msg->n_to > 1 ||
        (msg->n_to == 1 && msg->to[0] == WF_TO_BROADCAST) ||
        (msg->echo.len != 0 && msg->echo.len != WF_ECHO_BYTES))
        return WF_ERR_ENCODING;
    size_t name_len = msg->protocol == NULL ? 0 : strlen(msg->protocol);
    if (name_len == 0 || name_len >= WF_PROTOCOL_NAME_MAX)
        return WF_ERR_ENCODING;
    return WF_OK;
}

wf_err wf_envelope_peek_from(uint32_t *from, const uint8_t *in, size_t in_len)
{
    if (from == NULL || (in == NULL && in_len > 0))
        return WF_ERR_ARG;
    if (in_len > WF_CODEC_MAX_MESSAGE_BYTES)
        return WF_ERR_RANGE;
    Warifu__Wire__Envelope *msg = warifu__wire__envelope__unpack(NULL, in_len, in);
    if (msg == NULL)
        return WF_ERR_ENCODING;
    *from = msg->from;
    warifu__wire__envelope__free_unpacked(msg, NULL);
    return WF_OK;
}

static void copy_fields(wf_envelope *env, const Warifu__Wire__Envelope *msg)
{
    env->version = msg->version;
    memcpy(env->cluster_id, msg->cluster_id.data, WF_ID_BYTES);
    memcpy(env->key_id, msg->key_id.data, WF_ID_BYTES);
    memcpy(env->session_id, msg->session_id.data, WF_ID_BYTES);
    strcpy(env->protocol, msg->protocol);
    env->round = msg->round;
    env->from = msg->from;
    env->to = msg->n_to == 1 ? msg->to[0] : WF_TO_BROADCAST;
    env->has_echo = msg->echo.len == WF_ECHO_BYTES;
    if (env->has_echo)
        memcpy(env->echo, msg->echo.data, WF_ECHO_BYTES);
}

wf_err wf_envelope_open(wf_envelope *env, const uint8_t *in, size_t in_len,
                        const uint8_t sender_pk[WF_IDENTITY_PK_BYTES])
{
    if (env == NULL || sender_pk == NULL || (in == NULL && in_len > 0))
        return WF_ERR_ARG;
    memset(env, 0, sizeof *env);
    if (in_len > WF_CODEC_MAX_MESSAGE_BYTES)
        return WF_ERR_RANGE;
    Warifu__Wire__Envelope *msg = warifu__wire__envelope__unpack(NULL, in_len, in);
    if (msg == NULL)
        return WF_ERR_ENCODING;
    wf_err err = check_shape(msg);
    uint8_t *input = NULL;
    size_t input_len = 0;
    if (err == WF_OK)
        err = signing_input(&input, &input_len, msg);
    if (err == WF_OK && crypto_sign_verify_detached(msg->signature.data, input, input_len, sender_pk) != 0)
        err = WF_ERR_VERIFY;
    if (err == WF_OK)
        err = wf_sha256(env->digest, input, input_len);
    if (err == WF_OK) {
        copy_fields(env, msg);
        env->payload_len = msg->payload.len;
        env->payload = malloc(msg->payload.len ? msg->payload.len : 1);
        if (env->payload == NULL)
            err = WF_ERR_NOMEM;
        else if (msg->payload.len)
            memcpy(env->payload, msg->payload.data, msg->payload.len);
    }
    free(input);
    warifu__wire__envelope__free_unpacked(msg, NULL);
    return err;
}

void wf_envelope_clear(wf_envelope *env)
{
    if (env == NULL)
        return;
    /* a direct message may carry a share (keygen): wipe every payload */
    if (env->payload != NULL)
        wf_memzero(env->payload, env->payload_len);
    free(env->payload);
    memset(env, 0, sizeof *env);
}
