/* Hash functions over OpenSSL's EVP interface: SHA-256, SHA-512, HASH160
 * (RIPEMD-160 of SHA-256, for Bitcoin key fingerprints and addresses) and
 * HMAC-SHA512 (BIP32). */
#ifndef WF_HASH_H
#define WF_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WF_SHA256_BYTES  32
#define WF_SHA512_BYTES  64
#define WF_HASH160_BYTES 20

/* One piece of a multi-part message. */
typedef struct wf_hash_part {
    const uint8_t *data;
    size_t len;
} wf_hash_part;

wf_err wf_sha256(uint8_t out[WF_SHA256_BYTES], const uint8_t *msg, size_t len);
wf_err wf_sha512(uint8_t out[WF_SHA512_BYTES], const uint8_t *msg, size_t len);
/* SHA-512 over parts; with length_prefix set, each part is preceded by its
 * length as 8 big-endian bytes so that no two part lists collide. */
wf_err wf_sha512_parts(uint8_t out[WF_SHA512_BYTES], const wf_hash_part *parts, size_t n, int length_prefix);
wf_err wf_hash160(uint8_t out[WF_HASH160_BYTES], const uint8_t *msg, size_t len);
wf_err wf_hmac_sha512(uint8_t out[WF_SHA512_BYTES], const uint8_t *key, size_t key_len, const uint8_t *msg,
                      size_t len);

#endif
