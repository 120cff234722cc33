/* Bech32 (BIP-173): a human-readable part, the separator '1', then data
 * values of 5 bits each written in the alphabet "qpzry9x8gf2tvdw0s3jn54khce6mua7l",
 * then a 6-character BCH checksum over both.
 *
 * Encoding only: this module writes segwit v0 addresses and never has to read
 * one. (Segwit v1+ addresses use Bech32m, a different checksum constant, which
 * is not here.) These functions handle public data only: not constant time. */
#ifndef WF_BECH32_H
#define WF_BECH32_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WF_BECH32_MAX_CHARS      90 /* whole string, without the NUL */
#define WF_BECH32_HRP_MAX_CHARS  83
#define WF_BECH32_CHECKSUM_CHARS 6

/* Regroups in[0..len) into 5-bit values, most significant bit first, the last
 * group padded with zero bits: ceil(8·len / 5) values. *out_len is the
 * capacity of out (in values) on entry and the count on return; too small a
 * buffer or a NULL argument: WF_ERR_ARG. */
wf_err wf_bech32_bytes_to_5bit(uint8_t *out, size_t *out_len, const uint8_t *in, size_t len);

/* Writes hrp ‖ '1' ‖ values ‖ checksum as a NUL-terminated lowercase string.
 * *out_len is the capacity of out (including the NUL) on entry and the string
 * length on return. Refused with WF_ERR_ARG: a NULL argument, an hrp that is
 * empty, longer than WF_BECH32_HRP_MAX_CHARS, has a character outside
 * US-ASCII 33..126 or an uppercase letter (encoders output lowercase only), a
 * value >= 32, a result longer than WF_BECH32_MAX_CHARS, too small a buffer. */
wf_err wf_bech32_encode(char *out, size_t *out_len, const char *hrp, const uint8_t *values, size_t n);

#endif
