#include "address.h"

#include <string.h>

#include "bech32.h"

#define SEGWIT_V0 0

/* The compressed form of pub, once pub is known to be a point of the curve. */
static wf_err checked_key(uint8_t out[WF_POINT_BYTES], const wf_point *pub)
{
    uint8_t full[WF_POINT_UNCOMPRESSED_BYTES];
    wf_point parsed;
    if (pub == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_point_serialize_uncompressed(full, pub);
    if (err == WF_OK) /* a round trip through the parser checks the curve equation */
        err = wf_point_parse_uncompressed(&parsed, full, sizeof full);
    if (err == WF_OK)
        err = wf_point_serialize(out, &parsed);
    return err;
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
