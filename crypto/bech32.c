#include "bech32.h"

#include <string.h>

/* BIP-173's character table: value v is written as ALPHABET[v]. */
static const char ALPHABET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* One step of BIP-173's checksum: the running remainder chk, a polynomial
 * over GF(32) of degree < 6 held as six 5-bit coefficients (30 bits), is
 * multiplied by x and v is added; the coefficient pushed out at x^6 (the top
 * 5 bits) is reduced by adding the generator's multiples GEN[i] for each of
 * its bits i. */
static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t GEN[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu, 0x2a1462b3u};
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    for (unsigned i = 0; i < 5; i++)
        if ((top >> i) & 1u)
            chk ^= GEN[i];
    return chk;
}

/* The six checksum values for hrp and values[0..n): the remainder of
 * [high bits of hrp] 0 [low bits of hrp] [values] 0 0 0 0 0 0, starting from
 * 1, with the final constant 1 added. */
static void checksum(uint8_t out[WF_BECH32_CHECKSUM_CHARS], const char *hrp, size_t hrp_len,
                     const uint8_t *values, size_t n)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hrp_len; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] & 31u));
    for (size_t i = 0; i < n; i++)
        chk = polymod_step(chk, values[i]);
    for (size_t i = 0; i < WF_BECH32_CHECKSUM_CHARS; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (size_t i = 0; i < WF_BECH32_CHECKSUM_CHARS; i++)
        out[i] = (uint8_t)((chk >> (5 * (WF_BECH32_CHECKSUM_CHARS - 1 - i))) & 31u);
}

/* 1 if hrp is 1..83 characters of US-ASCII 33..126 with no uppercase letter;
 * its length in *len. */
static int hrp_ok(const char *hrp, size_t *len)
{
    size_t n = strnlen(hrp, WF_BECH32_HRP_MAX_CHARS + 1);
    if (n == 0 || n > WF_BECH32_HRP_MAX_CHARS)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return 0;
    }
    *len = n;
    return 1;
}

wf_err wf_bech32_bytes_to_5bit(uint8_t *out, size_t *out_len, const uint8_t *in, size_t len)
{
    if (out == NULL || out_len == NULL || (in == NULL && len > 0) || len > SIZE_MAX / 8)
        return WF_ERR_ARG;
    size_t count = (len * 8 + 4) / 5;
    if (count > *out_len)
        return WF_ERR_ARG;
    uint32_t acc = 0; /* the bits not yet written, in the low `bits` bits */
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        acc = ((acc << 8) | in[i]) & 0xfffu; /* at most 4 + 8 bits are pending */
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[k++] = (uint8_t)((acc >> bits) & 31u);
        }
    }
    if (bits > 0)
        out[k++] = (uint8_t)((acc << (5 - bits)) & 31u);
    *out_len = k;
    return WF_OK;
}

wf_err wf_bech32_encode(char *out, size_t *out_len, const char *hrp, const uint8_t *values, size_t n)
{
    size_t hrp_len = 0;
    if (out == NULL || out_len == NULL || hrp == NULL || (values == NULL && n > 0) || !hrp_ok(hrp, &hrp_len))
        return WF_ERR_ARG;
    if (n > WF_BECH32_MAX_CHARS || hrp_len + 1 + n + WF_BECH32_CHECKSUM_CHARS > WF_BECH32_MAX_CHARS)
        return WF_ERR_ARG;
    size_t total = hrp_len + 1 + n + WF_BECH32_CHECKSUM_CHARS;
    if (total + 1 > *out_len)
        return WF_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (values[i] >= 32)
            return WF_ERR_ARG;
    uint8_t check[WF_BECH32_CHECKSUM_CHARS];
    checksum(check, hrp, hrp_len, values, n);
    memcpy(out, hrp, hrp_len);
    out[hrp_len] = '1';
    char *p = out + hrp_len + 1;
    for (size_t i = 0; i < n; i++)
        *p++ = ALPHABET[values[i]];
    for (size_t i = 0; i < WF_BECH32_CHECKSUM_CHARS; i++)
        *p++ = ALPHABET[check[i]];
    *p = '\0';
    *out_len = total;
    return WF_OK;
}
