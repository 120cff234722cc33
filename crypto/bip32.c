#include "bip32.h"

#include <string.h>

#include "base58.h"
#include "hash.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

wf_err wf_bip32_fingerprint(uint8_t fp[WF_BIP32_FINGERPRINT_BYTES], const wf_point *key)
{
    if (fp == NULL || key == NULL)
        return WF_ERR_ARG;
    uint8_t ser[WF_POINT_BYTES], h[WF_HASH160_BYTES];
    wf_err err;
    if ((err = wf_point_serialize(ser, key)) != WF_OK || (err = wf_hash160(h, ser, sizeof ser)) != WF_OK)
        return err;
    memcpy(fp, h, WF_BIP32_FINGERPRINT_BYTES);
    return WF_OK;
}

wf_err wf_bip32_ckd_pub(wf_xpub *child_out, wf_scalar *tweak_out, const wf_xpub *parent, uint32_t index)
{
    if (child_out == NULL || parent == NULL)
        return WF_ERR_ARG;
    if ((index & WF_BIP32_HARDENED) != 0 || parent->depth == UINT8_MAX)
        return WF_ERR_RANGE;
    uint8_t data[WF_POINT_BYTES + 4], I[WF_SHA512_BYTES];
    wf_scalar il;
    wf_point il_g;
    wf_xpub child = {0};
    wf_err err;
    /* I = HMAC-SHA512(c_par, serP(K_par) ‖ ser32(i)) */
    if ((err = wf_point_serialize(data, &parent->key)) != WF_OK)
        return err;
    put_be32(data + WF_POINT_BYTES, index);
    if ((err = wf_hmac_sha512(I, parent->chain, WF_BIP32_CHAIN_BYTES, data, sizeof data)) != WF_OK)
        return err;
    /* IL >= q: this index has no child (parse refuses it with WF_ERR_RANGE) */
    if ((err = wf_scalar_parse(&il, I, WF_SCALAR_BYTES)) != WF_OK)
        return err;
    /* K_i = K_par + IL·G; infinity means no child either */
    if ((err = wf_point_base_mul(&il_g, &il)) != WF_OK ||
        (err = wf_point_add(&child.key, &parent->key, &il_g)) != WF_OK)
        return err;
    if (wf_point_is_infinity(&child.key))
        return WF_ERR_RANGE;
    if ((err = wf_bip32_fingerprint(child.parent_fp, &parent->key)) != WF_OK)
        return err;
    child.depth = (uint8_t)(parent->depth + 1);
    child.child = index;
    memcpy(child.chain, I + WF_SCALAR_BYTES, WF_BIP32_CHAIN_BYTES);
    *child_out = child;
    if (tweak_out != NULL)
        *tweak_out = il;
    return WF_OK;
}

wf_err wf_bip32_derive_path(wf_xpub *out_xpub, wf_scalar *out_tweak_sum, const wf_xpub *parent,
                            const uint32_t *path, size_t path_len)
{
    if (out_xpub == NULL || parent == NULL || (path == NULL && path_len > 0))
        return WF_ERR_ARG;
    if (path_len > WF_BIP32_PATH_MAX)
        return WF_ERR_RANGE;
    wf_xpub cur = *parent;
    wf_scalar sum, il;
    wf_scalar_set_u64(&sum, 0);
    /* each step adds IL·G to the key, so the whole path adds (Σ IL)·G */
    for (size_t i = 0; i < path_len; i++) {
        wf_err err;
        if ((err = wf_bip32_ckd_pub(&cur, &il, &cur, path[i])) != WF_OK ||
            (err = wf_scalar_add(&sum, &sum, &il)) != WF_OK)
            return err;
    }
    *out_xpub = cur;
    if (out_tweak_sum != NULL)
        *out_tweak_sum = sum;
    return WF_OK;
}

wf_err wf_bip32_xpub_serialize(uint8_t out[WF_BIP32_XPUB_BYTES], const wf_xpub *x)
{
    if (out == NULL || x == NULL)
        return WF_ERR_ARG;
    put_be32(out, WF_BIP32_VERSION_XPUB);
    out[4] = x->depth;
    memcpy(out + 5, x->parent_fp, WF_BIP32_FINGERPRINT_BYTES);
    put_be32(out + 9, x->child);
    memcpy(out + 13, x->chain, WF_BIP32_CHAIN_BYTES);
    return wf_point_serialize(out + 45, &x->key);
}

wf_err wf_bip32_xpub_parse(wf_xpub *x, const uint8_t *in, size_t len)
{
    static const uint8_t zero_fp[WF_BIP32_FINGERPRINT_BYTES] = {0};
    if (x == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len != WF_BIP32_XPUB_BYTES || get_be32(in) != WF_BIP32_VERSION_XPUB)
        return WF_ERR_ENCODING;
    wf_xpub tmp = {0};
    tmp.depth = in[4];
    memcpy(tmp.parent_fp, in + 5, WF_BIP32_FINGERPRINT_BYTES);
    tmp.child = get_be32(in + 9);
    memcpy(tmp.chain, in + 13, WF_BIP32_CHAIN_BYTES);
    /* a master key has no parent and no index */
    if (tmp.depth == 0 && (memcmp(tmp.parent_fp, zero_fp, sizeof zero_fp) != 0 || tmp.child != 0))
        return WF_ERR_ENCODING;
    wf_err err = wf_point_parse(&tmp.key, in + 45, WF_POINT_BYTES);
    if (err != WF_OK)
        return err;
    *x = tmp;
    return WF_OK;
}

wf_err wf_bip32_xpub_to_string(char *out, size_t out_cap, const wf_xpub *x)
{
    if (out == NULL || x == NULL)
        return WF_ERR_ARG;
    uint8_t raw[WF_BIP32_XPUB_BYTES];
    wf_err err = wf_bip32_xpub_serialize(raw, x);
    if (err != WF_OK)
        return err;
    size_t len = out_cap;
    return wf_base58check_encode(out, &len, raw, sizeof raw);
}

wf_err wf_bip32_xpub_from_string(wf_xpub *x, const char *str)
{
    if (x == NULL || str == NULL)
        return WF_ERR_ARG;
    uint8_t raw[WF_BASE58_MAX_BYTES];
    size_t len = sizeof raw;
    wf_err err = wf_base58check_decode(raw, &len, str);
    if (err != WF_OK)
        return err;
    return wf_bip32_xpub_parse(x, raw, len); /* checks len == 78 */
}

/* ---- derivation path strings ---- */

typedef struct path_error {
    const char *why;
} path_error;

static wf_err path_fail(path_error *pe, wf_err err, const char *why)
{
    pe->why = why;
    return err;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* One decimal index at *p; advances *p past it. */
static wf_err parse_component(const char **p, uint32_t *out, path_error *pe)
{
    const char *s = *p;
    if (!is_digit(*s))
        return path_fail(pe, WF_ERR_ENCODING, "each path component must be a decimal index");
    if (s[0] == '0' && is_digit(s[1]))
        return path_fail(pe, WF_ERR_ENCODING, "leading zeros are not allowed in a path index");
    uint64_t v = 0;
    int too_big = 0;
    for (; is_digit(*s); s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v >= WF_BIP32_HARDENED) {
            too_big = 1;
            v = WF_BIP32_HARDENED; /* keeps v bounded however many digits follow */
        }
    }
    if (*s == '\'' || *s == 'h' || *s == 'H')
        return path_fail(pe, WF_ERR_RANGE,
                         "hardened derivation needs the private key, which the cluster never holds; "
                         "use non-hardened indices only");
    if (too_big)
        return path_fail(pe, WF_ERR_RANGE, "path index must be below 2^31 (2^31 and above are hardened)");
    *out = (uint32_t)v;
    *p = s;
    return WF_OK;
}

static wf_err parse_path(uint32_t *out, size_t *out_len, const char *str, path_error *pe)
{
    const char *p = str;
    if (*p == 'm') {
        p++;
        if (*p == '\0') {
            *out_len = 0; /* "m": the key itself */
            return WF_OK;
        }
        if (*p != '/')
            return path_fail(pe, WF_ERR_ENCODING, "'m' must be followed by '/' or end the path");
        p++;
    }
    if (*p == '\0')
        return path_fail(pe, WF_ERR_ENCODING, "empty derivation path");
    size_t n = 0;
    for (;;) {
        uint32_t idx;
        wf_err err = parse_component(&p, &idx, pe);
        if (err != WF_OK)
            return err;
        if (n == *out_len || n == WF_BIP32_PATH_MAX)
            return path_fail(pe, WF_ERR_RANGE, "derivation path has too many components");
        out[n++] = idx;
        if (*p == '\0')
            break;
        if (*p != '/')
            return path_fail(pe, WF_ERR_ENCODING, "path components must be separated by '/'");
        p++;
    }
    *out_len = n;
    return WF_OK;
}

wf_err wf_bip32_path_parse(uint32_t *out, size_t *out_len, const char *str, const char **why)
{
    path_error pe = {NULL};
    wf_err err = (out == NULL || out_len == NULL || str == NULL)
                     ? path_fail(&pe, WF_ERR_ARG, "missing argument")
                     : parse_path(out, out_len, str, &pe);
    if (why != NULL)
        *why = pe.why;
    return err;
}
