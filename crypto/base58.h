/* Base58 (Bitcoin alphabet) and Base58Check (payload ‖ first 4 bytes of
 * SHA-256(SHA-256(payload))), for extended public keys and addresses.
 *
 * These functions handle public data only: they are not constant time.
 * Sizes are bounded so every buffer is on the stack: at most
 * WF_BASE58_MAX_BYTES decoded bytes and WF_BASE58_MAX_CHARS characters. */
#ifndef WF_BASE58_H
#define WF_BASE58_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WF_BASE58_MAX_BYTES      128 /* largest byte string handled (checksum included) */
#define WF_BASE58_MAX_CHARS      176 /* >= ceil(128 · log(256)/log(58)) */
#define WF_BASE58_CHECKSUM_BYTES 4

/* Encodes in[0..in_len) as a NUL-terminated string. *out_len is the
 * capacity of out (including the NUL) on entry and the string length on
 * return. in_len > WF_BASE58_MAX_BYTES or too small a buffer: WF_ERR_ARG. */
wf_err wf_base58_encode(char *out, size_t *out_len, const uint8_t *in, size_t in_len);
/* Decodes a NUL-terminated string. *out_len is the capacity of out on entry
 * and the decoded length on return. A character outside the alphabet or a
 * string longer than WF_BASE58_MAX_CHARS: WF_ERR_ENCODING; a value that does
 * not fit in *out_len (or WF_BASE58_MAX_BYTES) bytes: WF_ERR_RANGE. */
wf_err wf_base58_decode(uint8_t *out, size_t *out_len, const char *in);

/* Base58Check: same conventions; the payload is at most
 * WF_BASE58_MAX_BYTES - WF_BASE58_CHECKSUM_BYTES bytes. */
wf_err wf_base58check_encode(char *out, size_t *out_len, const uint8_t *payload, size_t len);
/* Refuses what wf_base58_decode refuses, a string shorter than the
 * checksum (WF_ERR_ENCODING) and a wrong checksum (WF_ERR_VERIFY). */
wf_err wf_base58check_decode(uint8_t *out, size_t *out_len, const char *in);

#endif
