#include "protocol/codec.h"

#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "crypto/point.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"

wf_err wf_codec_mpz_encode(ProtobufCBinaryData *out, const mpz_t v)
{
    size_t mag = mpz_sgn(v) == 0 ? 0 : (mpz_sizeinbase(v, 2) + 7) / 8;
    if (mag > WF_CODEC_MAX_INT_BYTES)
        return WF_ERR_RANGE;
    out->data = malloc(mag + 1);
    if (out->data == NULL)
        return WF_ERR_NOMEM;
    out->data[0] = mpz_sgn(v) < 0 ? 1 : 0;
    size_t written = 0;
    if (mag > 0)
        mpz_export(out->data + 1, &written, 1, 1, 1, 0, v);
    out->len = written + 1;
    return WF_OK;
}

wf_err wf_codec_mpz_decode(mpz_t out, const ProtobufCBinaryData *in)
{
    if (in->len == 0 || in->data == NULL)
        return WF_ERR_ENCODING; /* missing field */
    if (in->len - 1 > WF_CODEC_MAX_INT_BYTES)
        return WF_ERR_RANGE;
    uint8_t sign = in->data[0];
    size_t mag = in->len - 1;
    if (sign > 1 || (mag > 0 && in->data[1] == 0) || (sign == 1 && mag == 0))
        return WF_ERR_ENCODING; /* bad sign, leading zero, or negative zero */
    mpz_import(out, mag, 1, 1, 1, 0, in->data + 1);
    if (sign)
        mpz_neg(out, out);
    return WF_OK;
}

static ProtobufCBinaryData *bytes_at(void *msg, const ProtobufCFieldDescriptor *f)
{
    return (ProtobufCBinaryData *)((char *)msg + f->offset);
}

static wf_err encode_field(void *msg, const ProtobufCFieldDescriptor *f, const wf_codec_field *cf,
                           const char *src)
{
    const void *member = src + cf->offset;
    ProtobufCBinaryData *b = bytes_at(msg, f);
    switch (cf->kind) {
    case WF_CODEC_MPZ: return wf_codec_mpz_encode(b, *(const mpz_t *)member);
    case WF_CODEC_POINT:
        if ((b->data = malloc(WF_POINT_BYTES)) == NULL)
            return WF_ERR_NOMEM;
        b->len = WF_POINT_BYTES;
        return wf_point_serialize(b->data, member);
    case WF_CODEC_SCALAR:
        if ((b->data = malloc(WF_SCALAR_BYTES)) == NULL)
            return WF_ERR_NOMEM;
        b->len = WF_SCALAR_BYTES;
        wf_scalar_serialize(b->data, member);
        return WF_OK;
    case WF_CODEC_BITS:
        if ((b->data = malloc(cf->count)) == NULL)
            return WF_ERR_NOMEM;
        b->len = cf->count;
        memcpy(b->data, member, cf->count);
        return WF_OK;
    case WF_CODEC_MPZ_ARRAY: {
        ProtobufCBinaryData *items = calloc(cf->count, sizeof *items);
        if (items == NULL)
            return WF_ERR_NOMEM;
        *(size_t *)((char *)msg + f->quantifier_offset) = cf->count;
        *(ProtobufCBinaryData **)((char *)msg + f->offset) = items;
        const mpz_t *arr = member;
        for (size_t i = 0; i < cf->count; i++) {
            wf_err err = wf_codec_mpz_encode(&items[i], arr[i]);
            if (err != WF_OK)
                return err;
        }
        return WF_OK;
    }
    }
    return WF_ERR_ARG;
}

/* Frees the buffers encode_field attached to a message built on the stack. */
static void free_encoded(void *msg, const wf_codec_schema *schema)
{
    for (size_t i = 0; i < schema->n_fields; i++) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(schema->descriptor, schema->fields[i].name);
        if (f == NULL)
            continue;
        if (schema->fields[i].kind == WF_CODEC_MPZ_ARRAY) {
            ProtobufCBinaryData *items = *(ProtobufCBinaryData **)((char *)msg + f->offset);
            size_t n = *(size_t *)((char *)msg + f->quantifier_offset);
            for (size_t k = 0; items != NULL && k < n; k++)
                free(items[k].data);
            free(items);
        } else {
            free(bytes_at(msg, f)->data);
        }
    }
}

static const ProtobufCFieldDescriptor *field_for(const wf_codec_schema *schema, const wf_codec_field *cf)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(schema->descriptor, cf->name);
    if (f == NULL || f->type != PROTOBUF_C_TYPE_BYTES)
        return NULL;
    int repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
    return repeated == (cf->kind == WF_CODEC_MPZ_ARRAY) ? f : NULL;
}

wf_err wf_codec_encode(const wf_codec_schema *schema, const void *src, uint8_t **out, size_t *out_len)
{
    if (schema == NULL || src == NULL || out == NULL || out_len == NULL)
        return WF_ERR_ARG;
    void *msg = calloc(1, schema->descriptor->sizeof_message);
    if (msg == NULL)
        return WF_ERR_NOMEM;
    protobuf_c_message_init(schema->descriptor, msg);
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < schema->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = field_for(schema, &schema->fields[i]);
        err = f == NULL ? WF_ERR_INTERNAL : encode_field(msg, f, &schema->fields[i], src);
    }
    if (err == WF_OK) {
        *out_len = protobuf_c_message_get_packed_size(msg);
        *out = malloc(*out_len ? *out_len : 1);
        if (*out == NULL)
            err = WF_ERR_NOMEM;
        else
            protobuf_c_message_pack(msg, *out);
    }
    free_encoded(msg, schema);
    free(msg);
    return err;
}

static wf_err decode_field(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                           const wf_codec_field *cf, char *dst)
{
    void *member = dst + cf->offset;
    const ProtobufCBinaryData *b = (const ProtobufCBinaryData *)((const char *)msg + f->offset);
    switch (cf->kind) {
    case WF_CODEC_MPZ: return wf_codec_mpz_decode(*(mpz_t *)member, b);
    case WF_CODEC_POINT: return wf_point_parse(member, b->data, b->len);
    case WF_CODEC_SCALAR: return b->data == NULL ? WF_ERR_ENCODING : wf_scalar_parse(member, b->data, b->len);
    case WF_CODEC_BITS:
        if (b->len != cf->count)
            return WF_ERR_ENCODING;
        for (size_t i = 0; i < cf->count; i++)
            if (b->data[i] > 1)
                return WF_ERR_ENCODING;
        memcpy(member, b->data, cf->count);
        return WF_OK;
    case WF_CODEC_MPZ_ARRAY: {
        size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
        const ProtobufCBinaryData *items = *(ProtobufCBinaryData *const *)((const char *)msg + f->offset);
        if (n != cf->count)
            return WF_ERR_ENCODING;
        mpz_t *arr = member;
        for (size_t i = 0; i < n; i++) {
            wf_err err = wf_codec_mpz_decode(arr[i], &items[i]);
            if (err != WF_OK)
                return err;
        }
        return WF_OK;
    }
    }
    return WF_ERR_ARG;
}

wf_err wf_codec_decode(const wf_codec_schema *schema, void *dst, const uint8_t *in, size_t in_len)
{
    if (schema == NULL || dst == NULL || (in == NULL && in_len > 0))
        return WF_ERR_ARG;
    if (in_len > WF_CODEC_MAX_MESSAGE_BYTES)
        return WF_ERR_RANGE;
    ProtobufCMessage *msg = protobuf_c_message_unpack(schema->descriptor, NULL, in_len, in);
    if (msg == NULL)
        return WF_ERR_ENCODING;
    wf_err err = msg->n_unknown_fields == 0 ? WF_OK : WF_ERR_ENCODING;
    for (size_t i = 0; err == WF_OK && i < schema->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = field_for(schema, &schema->fields[i]);
        err = f == NULL ? WF_ERR_INTERNAL : decode_field(msg, f, &schema->fields[i], dst);
    }
    protobuf_c_message_free_unpacked(msg, NULL);
    return err;
}
