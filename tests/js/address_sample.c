/* Prints "<compressed key hex> <kind> <address>" lines for 100 random keys and
 * the edge keys 1·G, 2·G and (q-1)·G (even and odd y): one P2WPKH address per
 * known HRP (kind = the HRP), then the Ethereum address (kind "eth"), for
 * check_addresses.js to recompute with independent implementations. */
#include <stdio.h>

#include "crypto/address.h"
#include "crypto/secmem.h"

#define RANDOM_KEYS 100

static const char *const HRPS[] = {WF_ADDRESS_HRP_MAINNET, WF_ADDRESS_HRP_TESTNET, WF_ADDRESS_HRP_REGTEST};

/* One line, or 0 (with a message) when the address could not be made. */
static int print_line(const uint8_t key[WF_POINT_BYTES], const char *kind, const char *addr, wf_err err)
{
    if (err != WF_OK) {
        fprintf(stderr, "address_sample: %s: %s\n", kind, wf_err_str(err));
        return 0;
    }
    for (size_t b = 0; b < WF_POINT_BYTES; b++)
        printf("%02x", key[b]);
    printf(" %s %s\n", kind, addr);
    return 1;
}

static int print_key(const wf_point *pub)
{
    uint8_t key[WF_POINT_BYTES];
    char btc[WF_ADDRESS_P2WPKH_MAX_BYTES], eth[WF_ADDRESS_ETH_BYTES];
    if (wf_point_serialize(key, pub) != WF_OK)
        return 0;
    for (size_t i = 0; i < sizeof HRPS / sizeof HRPS[0]; i++)
        if (!print_line(key, HRPS[i], btc, wf_address_p2wpkh(btc, sizeof btc, pub, HRPS[i])))
            return 0;
    return print_line(key, "eth", eth, wf_address_eth(eth, sizeof eth, pub));
}

/* k·G for k = 1, 2 and q-1 */
static int print_edge_keys(void)
{
    wf_scalar k, one;
    wf_point pub;
    wf_scalar_set_u64(&one, 1);
    for (uint64_t v = 1; v <= 2; v++) {
        wf_scalar_set_u64(&k, v);
        if (wf_point_base_mul(&pub, &k) != WF_OK || !print_key(&pub))
            return 0;
    }
    return wf_scalar_neg(&k, &one) == WF_OK && wf_point_base_mul(&pub, &k) == WF_OK && print_key(&pub);
}

int main(void)
{
    if (wf_crypto_init() != WF_OK || !print_edge_keys())
        return 1;
    for (int i = 0; i < RANDOM_KEYS; i++) {
        wf_scalar k;
        wf_point pub;
        wf_scalar_random(&k);
        if (wf_point_base_mul(&pub, &k) != WF_OK || !print_key(&pub))
            return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
