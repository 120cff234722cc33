#include "protocol/key_share.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/hash.h"
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

static size_t put_u32(uint8_t *out, uint32_t v)
{
    for (int b = 0; b < 4; b++)
        out[b] = (uint8_t)(v >> (24 - 8 * b));
    return 4;
}

/* 33 bytes: the compressed point, or zeros for the point at infinity. */
static size_t put_point(uint8_t *out, const wf_point *p)
{
    if (wf_point_serialize(out, p) != WF_OK)
        memset(out, 0, WF_POINT_BYTES);
    return WF_POINT_BYTES;
}

wf_err wf_key_public_digest(const wf_key_public *pub, uint8_t out[WF_ID_BYTES])
{
    static const char domain[] = "warifu/key-public/v1";
    enum { MEMBER_BYTES = WF_SCALAR_BYTES + 4 + 2 * WF_POINT_BYTES };
    if (pub == NULL || out == NULL || pub->n > WF_MAX_MEMBERS || pub->t > pub->n)
        return WF_ERR_ARG;
    uint8_t *buf = malloc(8 + (size_t)pub->n * MEMBER_BYTES + WF_POINT_BYTES);
    if (buf == NULL)
        return WF_ERR_NOMEM;
    size_t len = put_u32(buf, pub->n);
    len += put_u32(buf + len, pub->t);
    for (uint32_t j = 0; j < pub->n; j++) {
        memcpy(buf + len, pub->members[j].x.b, WF_SCALAR_BYTES);
        len += WF_SCALAR_BYTES;
        len += put_u32(buf + len, pub->members[j].rank);
        len += put_point(buf + len, &pub->X[j]);
    }
    for (uint32_t k = 0; k < pub->t; k++)
        len += put_point(buf + len, &pub->commitments[k]);
    len += put_point(buf + len, &pub->public_key);
    wf_hash_part parts[] = {{(const uint8_t *)domain, sizeof domain - 1},
                            {pub->key_id, WF_ID_BYTES},
                            {buf, len},
                            {pub->chain_code, WF_CHAIN_CODE_BYTES},
                            {pub->rid, WF_RID_BYTES}};
    uint8_t digest[WF_SHA512_BYTES];
    wf_err err = wf_sha512_parts(digest, parts, sizeof parts / sizeof parts[0], 1);
    if (err == WF_OK)
        memcpy(out, digest, WF_ID_BYTES);
    free(buf);
    return err;
}

wf_err wf_key_share_complete(wf_key_share *k)
{
    wf_key_public *pub = &k->pub;
    wf_err err = pub->n <= WF_MAX_MEMBERS && k->self < pub->n ? WF_OK : WF_ERR_ARG;
    for (uint32_t j = 0; j < pub->n && err == WF_OK; j++)
        err = wf_feldman_share_point(&pub->X[j], pub->commitments, pub->t, &pub->members[j]);
    wf_point mine;
    if (err == WF_OK)
        err = wf_point_base_mul(&mine, k->share);
    if (err == WF_OK && !wf_point_eq(&mine, &pub->X[k->self]))
        err = WF_ERR_INTERNAL;
    return err;
}
