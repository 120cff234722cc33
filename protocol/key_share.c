#include "protocol/key_share.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"

wf_key_share *wf_key_share_new(void)
{
    wf_key_share *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    k->share = wf_secure_alloc(sizeof *k->share);
    if (k->share == NULL) {
        free(k);
        return NULL;
    }
    return k;
}

void wf_key_share_free(wf_key_share *k)
{
    if (k == NULL)
        return;
    wf_secure_free(k->share);
    free(k);
}

wf_err wf_key_signer_weights(const wf_key_public *pub, const uint32_t *set, size_t n, wf_scalar *b, wf_point *W)
{
    if (pub == NULL || set == NULL || n != pub->t || n == 0 || n > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    wf_member members[WF_MAX_MEMBERS];
    for (size_t i = 0; i < n; i++) {
        if (set[i] >= pub->n)
            return WF_ERR_ARG;
        for (size_t j = 0; j < i; j++)
            if (set[j] == set[i])
                return WF_ERR_ARG;
        members[i] = pub->members[set[i]];
    }
    wf_scalar coef[WF_MAX_MEMBERS];
    wf_err err = wf_birkhoff_coefficients(coef, members, n);
    for (size_t i = 0; i < n && err == WF_OK; i++) {
        if (b != NULL)
            b[i] = coef[i];
        if (W != NULL)
            err = wf_point_mul(&W[i], &pub->X[set[i]], &coef[i]);
    }
    return err;
}

wf_err wf_key_xpub(const wf_key_public *pub, wf_xpub *out)
{
    if (pub == NULL || out == NULL)
        return WF_ERR_ARG;
    memset(out, 0, sizeof *out);
    memcpy(out->chain, pub->chain_code, WF_BIP32_CHAIN_BYTES);
    out->key = pub->public_key;
    return WF_OK;
}
