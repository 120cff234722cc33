/* Keccak-256 as Ethereum uses it: the Keccak submission's padding (domain
 * byte 0x01), not FIPS 202's SHA3-256 (0x06), so the two give different
 * digests of the same input. It hashes public data (keys, addresses): nothing
 * here is constant time.
 *
 * None of the libraries we already link has it: OpenSSL 3.0 (Debian 12) knows
 * only SHA3, and we do not write our own hash. It comes from Crypto++
 * (CryptoPP::Keccak_256, Debian's libcrypto++-dev) through keccak.cc, the
 * project's one C++ file; this header is plain C and hides Crypto++ from its
 * callers. */
#ifndef WF_KECCAK_H
#define WF_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WF_KECCAK256_BYTES 32

/* Keccak-256 of in[0..len). in may be NULL only when len is 0; out NULL or
 * in NULL with len > 0 give WF_ERR_ARG. A C++ exception inside Crypto++ never
 * reaches the caller: it gives WF_ERR_INTERNAL. */
wf_err wf_keccak256(uint8_t out[WF_KECCAK256_BYTES], const uint8_t *in, size_t len);

#ifdef __cplusplus
}
#endif

#endif
