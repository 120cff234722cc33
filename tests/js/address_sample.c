/* Prints "<compressed key hex> <hrp> <address>" lines, one per known HRP, for
 * 100 random keys and the edge keys 1·G, 2·G and (q-1)·G (even and odd y), for
 * check_addresses.js to recompute with an independent implementation. */
#include <stdio.h>

#include "crypto/address.h"
#include "crypto/secmem.h"

#define RANDOM_KEYS 100

static const char *const HRPS[] = {WF_ADDRESS_HRP_MAINNET, WF_ADDRESS_HRP_TESTNET, WF_ADDRESS_HRP_REGTEST};

static int print_key(const wf_point *pub)
{
    uint8_t key[WF_POINT_BYTES];
    if (wf_point_serialize(key, pub) != WF_OK)
        return 0;
    for (size_t i = 0; i < sizeof HRPS / sizeof HRPS[0]; i++) {
        char addr[WF_ADDRESS_P2WPKH_MAX_BYTES];
        wf_err err = wf_address_p2wpkh(addr, sizeof addr, pub, HRPS[i]);
        if (err != WF_OK) {
            fprintf(stderr, "address_sample: %s\n", wf_err_str(err));
            return 0;
        }
        for (size_t b = 0; b < sizeof key; b++)
            printf("%02x", key[b]);
        printf(" %s %s\n", HRPS[i], addr);
    }
    return 1;
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
