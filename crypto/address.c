#include "address.h"

#include <string.h>

#include "bech32.h"
#include "keccak.h"

#define SEGWIT_V0 0

/* pub as 0x04 || x || y in full and as parsed back in *parsed, once pub is
 * known to be a point of the curve. */
static wf_err checked_point(wf_point *parsed, uint8_t full[WF_POINT_UNCOMPRESSED_BYTES], const wf_point *pub)
{
    if (pub == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_point_serialize_uncompressed(full, pub);
    if (err == WF_OK) /* a round trip through the parser checks the curve equation */
        err = wf_point_parse_uncompressed(parsed, full, WF_POINT_UNCOMPRESSED_BYTES);
    return err;
}

/* The compressed form of pub, once pub is known to be a point of the curve. */
static wf_err checked_key(uint8_t out[WF_POINT_BYTES], const wf_point *pub)
{
    uint8_t full[WF_POINT_UNCOMPRESSED_BYTES];
    wf_point parsed;
    wf_err err = checked_point(&parsed, full, pub);
    return err != WF_OK ? err : wf_point_serialize(out, &parsed);
}

static int known_hrp(const char *hrp)
{
    static const char *const KNOWN[] = {WF_ADDRESS_HRP_MAINNET, WF_ADDRESS_HRP_TESTNET,
                                        WF_ADDRESS_HRP_REGTEST};
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strcmp(hrp, KNOWN[i]) == 0)
            return 1;
    return 0;
}

wf_err wf_address_hash160(uint8_t out[WF_HASH160_BYTES], const wf_point *pub)
{
    uint8_t key[WF_POINT_BYTES];
    if (out == NULL)
        return WF_ERR_ARG;
    wf_err err = checked_key(key, pub);
    return err != WF_OK ? err : wf_hash160(out, key, sizeof key);
}

/* The Bech32 data values: witness version 0, then the program in 5-bit groups. */
static wf_err p2wpkh_values(uint8_t *values, size_t *n, const wf_point *pub)
{
    uint8_t program[WF_HASH160_BYTES];
    wf_err err = wf_address_hash160(program, pub);
    if (err != WF_OK)
        return err;
    size_t groups = *n - 1;
    values[0] = SEGWIT_V0;
    err = wf_bech32_bytes_to_5bit(values + 1, &groups, program, sizeof program);
    *n = groups + 1;
    return err;
}

wf_err wf_address_p2wpkh(char *out, size_t out_cap, const wf_point *pub, const char *hrp)
{
    if (out == NULL || out_cap == 0)
        return WF_ERR_ARG;
    out[0] = '\0';
    if (hrp == NULL || !known_hrp(hrp))
        return WF_ERR_ARG;
    uint8_t values[1 + (WF_HASH160_BYTES * 8 + 4) / 5];
    size_t n = sizeof values;
    wf_err err = p2wpkh_values(values, &n, pub);
    if (err != WF_OK)
        return err;
    size_t len = out_cap;
    err = wf_bech32_encode(out, &len, hrp, values, n);
    if (err != WF_OK)
        out[0] = '\0';
    return err;
}

/* EIP-55: the address as 40 lowercase hex digits, then each letter whose
 * nibble of Keccak-256(those 40 ASCII digits) is 8 or more made uppercase. */
static wf_err eip55(char out[WF_ADDRESS_ETH_BYTES], const uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES])
{
    static const char HEX[] = "0123456789abcdef";
    char *digits = out + 2;
    uint8_t hash[WF_KECCAK256_BYTES];
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < WF_ADDRESS_ETH_RAW_BYTES; i++) {
        digits[2 * i] = HEX[raw[i] >> 4];
        digits[2 * i + 1] = HEX[raw[i] & 15u];
    }
    digits[2 * WF_ADDRESS_ETH_RAW_BYTES] = '\0';
    wf_err err = wf_keccak256(hash, (const uint8_t *)digits, 2 * WF_ADDRESS_ETH_RAW_BYTES);
    if (err != WF_OK)
        return err;
    for (size_t i = 0; i < 2 * WF_ADDRESS_ETH_RAW_BYTES; i++) {
        unsigned nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 15u;
        if (digits[i] >= 'a' && nibble >= 8)
            digits[i] = (char)(digits[i] - 'a' + 'A');
    }
    return WF_OK;
}

wf_err wf_address_eth_encode(char *out, size_t out_cap, const uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES])
{
    if (out == NULL || out_cap == 0)
        return WF_ERR_ARG;
    out[0] = '\0';
    if (raw == NULL || out_cap < WF_ADDRESS_ETH_BYTES)
        return WF_ERR_ARG;
    wf_err err = eip55(out, raw);
    if (err != WF_OK)
        out[0] = '\0';
    return err;
}

wf_err wf_address_eth(char *out, size_t out_cap, const wf_point *pub)
{
    uint8_t full[WF_POINT_UNCOMPRESSED_BYTES], hash[WF_KECCAK256_BYTES];
    wf_point parsed;
    if (out == NULL || out_cap == 0)
        return WF_ERR_ARG;
    out[0] = '\0';
    if (out_cap < WF_ADDRESS_ETH_BYTES)
        return WF_ERR_ARG;
    wf_err err = checked_point(&parsed, full, pub);
    if (err == WF_OK) /* x || y, without the 0x04 prefix */
        err = wf_keccak256(hash, full + 1, WF_POINT_UNCOMPRESSED_BYTES - 1);
    if (err != WF_OK)
        return err;
    /* the address is the hash's last 20 bytes */
    return wf_address_eth_encode(out, out_cap, hash + WF_KECCAK256_BYTES - WF_ADDRESS_ETH_RAW_BYTES);
}
