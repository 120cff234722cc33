/* Building and reading the protobuf round messages of the protocols.
 *
 * Round messages (protocol/proto/<protocol>.proto) hold every value as
 * `bytes` in the wire forms of codec.h: integers as sign byte + minimal
 * big-endian magnitude, points as 33-byte compressed SEC1 (never infinity),
 * scalars as 32 bytes below q, proofs as their own encoded message.
 *
 * A wf_wire_arena owns the buffers a message under construction points to;
 * wf_wire_pack() encodes the message and the arena is then freed. Readers are
 * strict: a missing field, a wrong size, a point off the curve, a scalar
 * >= q, a non-canonical integer or an unknown field is an error. */
#ifndef WF_PROTOCOL_WIRE_H
#define WF_PROTOCOL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <gmp.h>
#include <protobuf-c/protobuf-c.h>

#include "crypto/err.h"
#include "crypto/point.h"
#include "crypto/scalar.h"
#include "protocol/proof_codec.h"

#define WF_WIRE_ARENA_MAX 512

typedef struct wf_wire_arena {
    void *ptrs[WF_WIRE_ARENA_MAX];
    size_t n;
    wf_err err; /* first error of any put; checked by wf_wire_pack */
} wf_wire_arena;

/* Frees every buffer the arena owns (wiping none: only public values go on the wire). */
void wf_wire_arena_free(wf_wire_arena *a);

/* Each put fills *f with a buffer the arena owns; errors are recorded in a->err. */
void wf_wire_put_point(wf_wire_arena *a, ProtobufCBinaryData *f, const wf_point *p);
void wf_wire_put_scalar(wf_wire_arena *a, ProtobufCBinaryData *f, const wf_scalar *s);
void wf_wire_put_mpz(wf_wire_arena *a, ProtobufCBinaryData *f, const mpz_t v);
void wf_wire_put_bytes(wf_wire_arena *a, ProtobufCBinaryData *f, const uint8_t *bytes, size_t len);
void wf_wire_put_proof(wf_wire_arena *a, ProtobufCBinaryData *f, wf_proof_kind kind, const void *proof);
/* An array of n fields the arena owns (for repeated bytes). */
ProtobufCBinaryData *wf_wire_put_array(wf_wire_arena *a, size_t n);

/* Packs msg into a malloc'ed buffer (*out), then frees the arena. Returns the
 * arena's first error instead if any put failed. */
wf_err wf_wire_pack(wf_wire_arena *a, const ProtobufCMessage *msg, uint8_t **out, size_t *out_len);

/* Unpacks payload as a message of descriptor d, refusing unknown fields.
 * NULL for anything malformed. Free with protobuf_c_message_free_unpacked. */
ProtobufCMessage *wf_wire_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *payload, size_t len);

wf_err wf_wire_get_point(wf_point *p, const ProtobufCBinaryData *f);
wf_err wf_wire_get_scalar(wf_scalar *s, const ProtobufCBinaryData *f);
wf_err wf_wire_get_mpz(mpz_t v, const ProtobufCBinaryData *f);
/* Exactly len bytes. */
wf_err wf_wire_get_bytes(uint8_t *out, size_t len, const ProtobufCBinaryData *f);
/* proof must be _init'ed by the caller (and cleared by it, also on error). */
wf_err wf_wire_get_proof(wf_proof_kind kind, void *proof, const ProtobufCBinaryData *f);

#endif
