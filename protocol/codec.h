/* Table-driven protobuf codec between plain C structs (crypto/ and protocol/
 * state) and protobuf-c messages whose fields are all `bytes`.
 *
 * Wire forms (protocol/proto/proofs.proto documents the same):
 *   integer  sign byte (0x00 non-negative, 0x01 negative) then the big-endian
 *            magnitude with no leading zero byte; zero is the single byte 0x00
 *   point    33-byte compressed SEC1, on the curve, not infinity
 *   scalar   32 bytes big-endian, < q
 *   bits     one byte per entry, each 0 or 1
 * Decoding is strict: unknown fields, missing fields, non-canonical integers,
 * oversized values and wrong repetition counts are all refused, so one value
 * has exactly one encoding. */
#ifndef WF_PROTOCOL_CODEC_H
#define WF_PROTOCOL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <gmp.h>
#include <protobuf-c/protobuf-c.h>

#include "crypto/err.h"

/* Largest integer magnitude accepted (bytes): enough for values bounded by
 * 2^(ℓ+ε)·N̂·N at 3072-bit moduli, far below what could exhaust memory. */
#define WF_CODEC_MAX_INT_BYTES 1280
/* Largest encoded message accepted. */
#define WF_CODEC_MAX_MESSAGE_BYTES (1u << 20)

typedef enum {
    WF_CODEC_MPZ,       /* mpz_t at offset */
    WF_CODEC_POINT,     /* wf_point at offset */
    WF_CODEC_SCALAR,    /* wf_scalar at offset */
    WF_CODEC_MPZ_ARRAY, /* mpz_t[count] at offset (repeated bytes) */
    WF_CODEC_BITS,      /* uint8_t[count] of 0/1 at offset (one bytes field) */
} wf_codec_kind;

typedef struct wf_codec_field {
    const char *name; /* the protobuf field name */
    wf_codec_kind kind;
    size_t offset; /* offsetof the member in the C struct */
    size_t count;  /* entries, for MPZ_ARRAY and BITS */
} wf_codec_field;

typedef struct wf_codec_schema {
    const ProtobufCMessageDescriptor *descriptor;
    const wf_codec_field *fields;
    size_t n_fields;
} wf_codec_schema;

/* Encodes the struct at src into a fresh malloc'ed buffer (*out, *out_len).
 * The caller frees *out. */
wf_err wf_codec_encode(const wf_codec_schema *schema, const void *src, uint8_t **out, size_t *out_len);
/* Decodes into the struct at dst, whose mpz_t members must already be
 * initialised. On error dst may be partly written; the caller clears it. */
wf_err wf_codec_decode(const wf_codec_schema *schema, void *dst, const uint8_t *in, size_t in_len);

/* The integer wire form on its own (used by other messages too). */
wf_err wf_codec_mpz_encode(ProtobufCBinaryData *out, const mpz_t v);
wf_err wf_codec_mpz_decode(mpz_t out, const ProtobufCBinaryData *in);

#endif
