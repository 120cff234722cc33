#include "base58.h"

#include <string.h>

#include "hash.h"

static const char ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Value of one Base58 character, or -1 when it is not in the alphabet
 * (0, O, I, l, anything outside printable ASCII). */
static int digit_value(unsigned char c)
{
    const char *hit = c != 0 ? strchr(ALPHABET, c) : NULL;
    return hit != NULL ? (int)(hit - ALPHABET) : -1;
}

wf_err wf_base58_encode(char *out, size_t *out_len, const uint8_t *in, size_t in_len)
{
    if (out == NULL || out_len == NULL || (in == NULL && in_len > 0) || in_len > WF_BASE58_MAX_BYTES)
        return WF_ERR_ARG;
    uint8_t digits[WF_BASE58_MAX_CHARS]; /* base-58 digits, least significant first */
    size_t ndig = 0, zeros = 0;
    while (zeros < in_len && in[zeros] == 0)
        zeros++; /* each leading zero byte is one '1' */
    for (size_t i = zeros; i < in_len; i++) {
        /* number = number·256 + in[i], carried through the base-58 digits */
        unsigned carry = in[i];
        for (size_t j = 0; j < ndig; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        for (; carry > 0; carry /= 58) {
            if (ndig == sizeof digits)
                return WF_ERR_INTERNAL; /* cannot happen: bounded by WF_BASE58_MAX_BYTES */
            digits[ndig++] = (uint8_t)(carry % 58);
        }
    }
    size_t total = zeros + ndig;
    if (total + 1 > *out_len)
        return WF_ERR_ARG;
    memset(out, '1', zeros);
    for (size_t j = 0; j < ndig; j++)
        out[zeros + j] = ALPHABET[digits[ndig - 1 - j]];
    out[total] = '\0';
    *out_len = total;
    return WF_OK;
}

wf_err wf_base58_decode(uint8_t *out, size_t *out_len, const char *in)
{
    if (out == NULL || out_len == NULL || in == NULL)
        return WF_ERR_ARG;
    size_t n = strnlen(in, WF_BASE58_MAX_CHARS + 1);
    if (n > WF_BASE58_MAX_CHARS)
        return WF_ERR_ENCODING;
    for (size_t i = 0; i < n; i++)
        if (digit_value((unsigned char)in[i]) < 0)
            return WF_ERR_ENCODING;
    uint8_t bytes[WF_BASE58_MAX_BYTES]; /* least significant first */
    size_t nbytes = 0, zeros = 0;
    while (zeros < n && in[zeros] == '1')
        zeros++; /* each leading '1' is one zero byte */
    for (size_t i = zeros; i < n; i++) {
        /* number = number·58 + digit */
        unsigned carry = (unsigned)digit_value((unsigned char)in[i]);
        for (size_t j = 0; j < nbytes; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        for (; carry > 0; carry >>= 8) {
            if (nbytes == sizeof bytes)
                return WF_ERR_RANGE;
            bytes[nbytes++] = (uint8_t)carry;
        }
    }
    size_t total = zeros + nbytes;
    if (total > *out_len || total > WF_BASE58_MAX_BYTES)
        return WF_ERR_RANGE;
    memset(out, 0, zeros);
    for (size_t j = 0; j < nbytes; j++)
        out[zeros + j] = bytes[nbytes - 1 - j];
    *out_len = total;
    return WF_OK;
}

/* First four bytes of SHA-256(SHA-256(data)). */
static wf_err checksum(uint8_t out[WF_BASE58_CHECKSUM_BYTES], const uint8_t *data, size_t len)
{
    uint8_t h[WF_SHA256_BYTES];
    wf_err err = wf_sha256(h, data, len);
    if (err == WF_OK)
        err = wf_sha256(h, h, sizeof h);
    if (err == WF_OK)
        memcpy(out, h, WF_BASE58_CHECKSUM_BYTES);
    return err;
}

wf_err wf_base58check_encode(char *out, size_t *out_len, const uint8_t *payload, size_t len)
{
    if (out == NULL || out_len == NULL || (payload == NULL && len > 0) ||
        len > WF_BASE58_MAX_BYTES - WF_BASE58_CHECKSUM_BYTES)
        return WF_ERR_ARG;
    uint8_t buf[WF_BASE58_MAX_BYTES];
    if (len > 0)
        memcpy(buf, payload, len);
    wf_err err = checksum(buf + len, buf, len);
    if (err != WF_OK)
        return err;
    return wf_base58_encode(out, out_len, buf, len + WF_BASE58_CHECKSUM_BYTES);
}

wf_err wf_base58check_decode(uint8_t *out, size_t *out_len, const char *in)
{
    if (out == NULL || out_len == NULL || in == NULL)
        return WF_ERR_ARG;
    uint8_t buf[WF_BASE58_MAX_BYTES], want[WF_BASE58_CHECKSUM_BYTES];
    size_t len = sizeof buf;
    wf_err err = wf_base58_decode(buf, &len, in);
    if (err != WF_OK)
        return err;
    if (len < WF_BASE58_CHECKSUM_BYTES)
        return WF_ERR_ENCODING;
    len -= WF_BASE58_CHECKSUM_BYTES;
    if ((err = checksum(want, buf, len)) != WF_OK)
        return err;
    if (memcmp(want, buf + len, WF_BASE58_CHECKSUM_BYTES) != 0)
        return WF_ERR_VERIFY;
    if (len > *out_len)
        return WF_ERR_RANGE;
    memcpy(out, buf, len);
    *out_len = len;
    return WF_OK;
}
