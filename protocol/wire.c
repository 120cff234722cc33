#include "protocol/wire.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"

void wf_wire_arena_free(wf_wire_arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptrs[i]);
    a->n = 0;
}

static void *arena_alloc(wf_wire_arena *a, size_t len)
{
    if (a->err != WF_OK)
        return NULL;
    void *p = a->n < WF_WIRE_ARENA_MAX ? calloc(1, len ? len : 1) : NULL;
    if (p == NULL) {
        a->err = WF_ERR_NOMEM;
        return NULL;
    }
    a->ptrs[a->n++] = p;
    return p;
}

static void arena_adopt(wf_wire_arena *a, void *p)
{
    if (a->n < WF_WIRE_ARENA_MAX) {
        a->ptrs[a->n++] = p;
    } else {
        free(p);
        a->err = WF_ERR_NOMEM;
    }
}

void wf_wire_put_point(wf_wire_arena *a, ProtobufCBinaryData *f, const wf_point *p)
{
    uint8_t *buf = arena_alloc(a, WF_POINT_BYTES);
    if (buf == NULL)
        return;
    wf_err err = wf_point_serialize(buf, p);
    if (err != WF_OK)
        a->err = err;
    *f = (ProtobufCBinaryData){WF_POINT_BYTES, buf};
}

void wf_wire_put_scalar(wf_wire_arena *a, ProtobufCBinaryData *f, const wf_scalar *s)
{
    uint8_t *buf = arena_alloc(a, WF_SCALAR_BYTES);
    if (buf == NULL)
        return;
    wf_scalar_serialize(buf, s);
    *f = (ProtobufCBinaryData){WF_SCALAR_BYTES, buf};
}

void wf_wire_put_mpz(wf_wire_arena *a, ProtobufCBinaryData *f, const mpz_t v)
{
    if (a->err != WF_OK)
        return;
    wf_err err = wf_codec_mpz_encode(f, v);
    if (err != WF_OK) {
        a->err = err;
        return;
    }
    arena_adopt(a, f->data);
}

void wf_wire_put_bytes(wf_wire_arena *a, ProtobufCBinaryData *f, const uint8_t *bytes, size_t len)
{
    uint8_t *buf = arena_alloc(a, len);
    if (buf == NULL)
        return;
    memcpy(buf, bytes, len);
    *f = (ProtobufCBinaryData){len, buf};
}

void wf_wire_put_proof(wf_wire_arena *a, ProtobufCBinaryData *f, wf_proof_kind kind, const void *proof)
{
    if (a->err != WF_OK)
        return;
    uint8_t *buf = NULL;
    size_t len = 0;
    wf_err err = wf_proof_encode(kind, proof, &buf, &len);
    if (err != WF_OK) {
        a->err = err;
        return;
    }
    arena_adopt(a, buf);
    *f = (ProtobufCBinaryData){len, buf};
}

ProtobufCBinaryData *wf_wire_put_array(wf_wire_arena *a, size_t n)
{
    return arena_alloc(a, n * sizeof(ProtobufCBinaryData));
}

wf_err wf_wire_pack(wf_wire_arena *a, const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
    wf_err err = a->err;
    *out = NULL;
    *out_len = 0;
    if (err == WF_OK) {
        size_t len = protobuf_c_message_get_packed_size(msg);
        *out = malloc(len ? len : 1);
        if (*out == NULL) {
            err = WF_ERR_NOMEM;
        } else {
            *out_len = protobuf_c_message_pack(msg, *out);
        }
    }
    wf_wire_arena_free(a);
    return err;
}

ProtobufCMessage *wf_wire_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *payload, size_t len)
{
    if (len > WF_CODEC_MAX_MESSAGE_BYTES)
        return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, payload);
    if (m != NULL && m->n_unknown_fields != 0) {
        protobuf_c_message_free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

wf_err wf_wire_get_point(wf_point *p, const ProtobufCBinaryData *f)
{
    if (f->len != WF_POINT_BYTES)
        return WF_ERR_ENCODING;
    return wf_point_parse(p, f->data, f->len);
}

wf_err wf_wire_get_scalar(wf_scalar *s, const ProtobufCBinaryData *f)
{
    if (f->len != WF_SCALAR_BYTES)
        return WF_ERR_ENCODING;
    return wf_scalar_parse(s, f->data, f->len);
}

wf_err wf_wire_get_mpz(mpz_t v, const ProtobufCBinaryData *f)
{
    return wf_codec_mpz_decode(v, f);
}

wf_err wf_wire_get_bytes(uint8_t *out, size_t len, const ProtobufCBinaryData *f)
{
    if (f->len != len || (len > 0 && f->data == NULL))
        return WF_ERR_ENCODING;
    memcpy(out, f->data, len);
    return WF_OK;
}

wf_err wf_wire_get_proof(wf_proof_kind kind, void *proof, const ProtobufCBinaryData *f)
{
    if (f->len == 0 || f->data == NULL)
        return WF_ERR_ENCODING;
    return wf_proof_decode(kind, proof, f->data, f->len);
}
