#include "hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "secmem.h"

#include <limits.h>

static wf_err digest_parts(const EVP_MD *md, uint8_t *out, const wf_hash_part *parts, size_t n,
                           int length_prefix)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    wf_err err = WF_ERR_INTERNAL;
    if (md == NULL || ctx == NULL || !EVP_DigestInit_ex(ctx, md, NULL))
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (length_prefix) {
            uint8_t prefix[8];
            for (int b = 0; b < 8; b++)
                prefix[b] = (uint8_t)((uint64_t)parts[i].len >> (56 - 8 * b));
            if (!EVP_DigestUpdate(ctx, prefix, sizeof prefix))
                goto done;
        }
        if (parts[i].len > 0 && !EVP_DigestUpdate(ctx, parts[i].data, parts[i].len))
            goto done;
    }
    if (EVP_DigestFinal_ex(ctx, out, NULL))
        err = WF_OK;
done:
    EVP_MD_CTX_free(ctx);
    return err;
}

wf_err wf_sha256(uint8_t out[WF_SHA256_BYTES], const uint8_t *msg, size_t len)
{
    wf_hash_part part = {msg, len};
    return digest_parts(EVP_sha256(), out, &part, 1, 0);
}

wf_err wf_sha512(uint8_t out[WF_SHA512_BYTES], const uint8_t *msg, size_t len)
{
    wf_hash_part part = {msg, len};
    return digest_parts(EVP_sha512(), out, &part, 1, 0);
}

wf_err wf_sha512_parts(uint8_t out[WF_SHA512_BYTES], const wf_hash_part *parts, size_t n, int length_prefix)
{
    return digest_parts(EVP_sha512(), out, parts, n, length_prefix);
}

wf_err wf_hash160(uint8_t out[WF_HASH160_BYTES], const uint8_t *msg, size_t len)
{
    uint8_t inner[WF_SHA256_BYTES];
    wf_err err = wf_sha256(inner, msg, len);
    if (err == WF_OK) {
        wf_hash_part part = {inner, sizeof inner};
        err = digest_parts(EVP_ripemd160(), out, &part, 1, 0);
    }
    wf_memzero(inner, sizeof inner);
    return err;
}

wf_err wf_hmac_sha512(uint8_t out[WF_SHA512_BYTES], const uint8_t *key, size_t key_len, const uint8_t *msg,
                      size_t len)
{
    unsigned out_len = 0;
    if (key_len > INT_MAX)
        return WF_ERR_ARG;
    if (HMAC(EVP_sha512(), key, (int)key_len, msg, len, out, &out_len) == NULL || out_len != WF_SHA512_BYTES)
        return WF_ERR_INTERNAL;
    return WF_OK;
}
