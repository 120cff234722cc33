#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "secmem.h"

/* Type tags keep a scalar, a point and raw bytes of the same length apart. */
enum { TAG_BYTES = 1, TAG_U64 = 2, TAG_MPZ = 3, TAG_SCALAR = 4, TAG_POINT = 5, TAG_CHALLENGE = 6 };

static void put_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static wf_err absorb(wf_transcript *t, const char *label, uint8_t tag, const uint8_t *data, size_t len)
{
    if (t == NULL || t->md_ctx == NULL || label == NULL || (data == NULL && len > 0))
        return WF_ERR_ARG;
    uint8_t head[8];
    size_t label_len = strlen(label);
    put_u64(head, label_len);
    int ok = EVP_DigestUpdate(t->md_ctx, head, 8) && EVP_DigestUpdate(t->md_ctx, label, label_len) &&
             EVP_DigestUpdate(t->md_ctx, &tag, 1);
    put_u64(head, len);
    ok = ok && EVP_DigestUpdate(t->md_ctx, head, 8);
    if (len > 0)
        ok = ok && EVP_DigestUpdate(t->md_ctx, data, len);
    return ok ? WF_OK : WF_ERR_INTERNAL;
}

wf_err wf_transcript_init(wf_transcript *t, const char *domain)
{
    if (t == NULL || domain == NULL)
        return WF_ERR_ARG;
    t->md_ctx = EVP_MD_CTX_new();
    if (t->md_ctx == NULL)
        return WF_ERR_NOMEM;
    if (!EVP_DigestInit_ex(t->md_ctx, EVP_shake256(), NULL)) {
        wf_transcript_free(t);
        return WF_ERR_INTERNAL;
    }
    wf_err err = absorb(t, "wf-transcript-domain", TAG_BYTES, (const uint8_t *)domain, strlen(domain));
    if (err != WF_OK)
        wf_transcript_free(t);
    return err;
}

wf_err wf_transcript_clone(wf_transcript *dst, const wf_transcript *src)
{
    if (dst == NULL || src == NULL || src->md_ctx == NULL)
        return WF_ERR_ARG;
    dst->md_ctx = EVP_MD_CTX_new();
    if (dst->md_ctx == NULL)
        return WF_ERR_NOMEM;
    if (!EVP_MD_CTX_copy_ex(dst->md_ctx, src->md_ctx)) {
        wf_transcript_free(dst);
        return WF_ERR_INTERNAL;
    }
    return WF_OK;
}

void wf_transcript_free(wf_transcript *t)
{
    if (t == NULL)
        return;
    EVP_MD_CTX_free(t->md_ctx);
    t->md_ctx = NULL;
}

wf_err wf_transcript_append_bytes(wf_transcript *t, const char *label, const uint8_t *data, size_t len)
{
    return absorb(t, label, TAG_BYTES, data, len);
}

wf_err wf_transcript_append_u64(wf_transcript *t, const char *label, uint64_t v)
{
    uint8_t buf[8];
    put_u64(buf, v);
    return absorb(t, label, TAG_U64, buf, sizeof buf);
}

wf_err wf_transcript_append_mpz(wf_transcript *t, const char *label, const mpz_t v)
{
    size_t mag_len = (mpz_sizeinbase(v, 2) + 7) / 8;
    uint8_t *buf = malloc(mag_len + 1);
    if (buf == NULL)
        return WF_ERR_NOMEM;
    size_t count = 0;
    buf[0] = mpz_sgn(v) < 0 ? 1 : 0;
    if (mpz_sgn(v) != 0)
        mpz_export(buf + 1, &count, 1, 1, 1, 0, v);
    wf_err err = absorb(t, label, TAG_MPZ, buf, count + 1);
    free(buf);
    return err;
}

wf_err wf_transcript_append_scalar(wf_transcript *t, const char *label, const wf_scalar *s)
{
    return absorb(t, label, TAG_SCALAR, s->b, WF_SCALAR_BYTES);
}

wf_err wf_transcript_append_point(wf_transcript *t, const char *label, const wf_point *p)
{
    uint8_t buf[WF_POINT_BYTES];
    if (wf_point_is_infinity(p)) {
        buf[0] = 0x00;
        return absorb(t, label, TAG_POINT, buf, 1);
    }
    wf_point_serialize(buf, p);
    return absorb(t, label, TAG_POINT, buf, sizeof buf);
}

static void xof_refill(wf_xof *x)
{
    uint8_t ctr[8];
    put_u64(ctr, x->counter++);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const char tag[] = "wf-xof-block";
    if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_shake256(), NULL) ||
        !EVP_DigestUpdate(ctx, tag, sizeof tag - 1) || !EVP_DigestUpdate(ctx, x->seed, sizeof x->seed) ||
        !EVP_DigestUpdate(ctx, ctr, sizeof ctr) || !EVP_DigestFinalXOF(ctx, x->block, sizeof x->block))
        abort(); /* SHAKE256 cannot fail short of memory exhaustion */
    EVP_MD_CTX_free(ctx);
    x->pos = 0;
}

void wf_xof_read(wf_xof *x, uint8_t *out, size_t len)
{
    while (len > 0) {
        if (x->pos == sizeof x->block)
            xof_refill(x);
        size_t take = sizeof x->block - x->pos;
        if (take > len)
            take = len;
        memcpy(out, x->block + x->pos, take);
        x->pos += take;
        out += take;
        len -= take;
    }
}

void wf_xof_wipe(wf_xof *x)
{
    wf_memzero(x, sizeof *x);
}

wf_err wf_transcript_challenge_xof(wf_transcript *t, const char *label, wf_xof *out)
{
    wf_err err = absorb(t, label, TAG_CHALLENGE, NULL, 0);
    if (err != WF_OK)
        return err;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (copy == NULL)
        return WF_ERR_NOMEM;
    err = WF_ERR_INTERNAL;
    if (EVP_MD_CTX_copy_ex(copy, t->md_ctx) && EVP_DigestFinalXOF(copy, out->seed, sizeof out->seed))
        err = absorb(t, "wf-challenge-seed", TAG_CHALLENGE, out->seed, sizeof out->seed);
    EVP_MD_CTX_free(copy);
    out->counter = 0;
    out->pos = sizeof out->block; /* first read refills */
    return err;
}

wf_err wf_xof_sample_below(wf_xof *x, const mpz_t n, mpz_t out)
{
    if (x == NULL || mpz_sgn(n) <= 0)
        return WF_ERR_ARG;
    size_t bits = mpz_sizeinbase(n, 2);
    size_t len = (bits + 7) / 8;
    uint8_t *buf = malloc(len);
    if (buf == NULL)
        abort();
    /* Each draw is accepted with probability > 1/2. */
    do {
        wf_xof_read(x, buf, len);
        buf[0] &= (uint8_t)(0xFFu >> (len * 8 - bits));
        mpz_import(out, len, 1, 1, 1, 0, buf);
    } while (mpz_cmp(out, n) >= 0);
    free(buf);
    return WF_OK;
}

wf_err wf_transcript_challenge_below(wf_transcript *t, const char *label, const mpz_t n, mpz_t out)
{
    if (mpz_sgn(n) <= 0)
        return WF_ERR_ARG;
    wf_xof x;
    wf_err err = wf_transcript_challenge_xof(t, label, &x);
    if (err == WF_OK)
        err = wf_xof_sample_below(&x, n, out);
    wf_xof_wipe(&x);
    return err;
}

wf_err wf_transcript_challenge_scalar(wf_transcript *t, const char *label, wf_scalar *out)
{
    mpz_t q, v;
    mpz_inits(q, v, NULL);
    mpz_import(q, WF_SCALAR_BYTES, 1, 1, 1, 0, WF_SECP256K1_ORDER);
    wf_err err = wf_transcript_challenge_below(t, label, q, v);
    if (err == WF_OK)
        wf_scalar_from_mpz(out, v);
    mpz_clears(q, v, NULL);
    return err;
}

wf_err wf_transcript_challenge_pm_q(wf_transcript *t, const char *label, mpz_t out)
{
    /* Draw uniformly from [0, 2q] and shift by -q. */
    mpz_t q, range;
    mpz_inits(q, range, NULL);
    mpz_import(q, WF_SCALAR_BYTES, 1, 1, 1, 0, WF_SECP256K1_ORDER);
    mpz_mul_2exp(range, q, 1);
    mpz_add_ui(range, range, 1);
    wf_err err = wf_transcript_challenge_below(t, label, range, out);
    if (err == WF_OK)
        mpz_sub(out, out, q);
    mpz_clears(q, range, NULL);
    return err;
}

wf_err wf_transcript_challenge_bits(wf_transcript *t, const char *label, uint8_t *bits, size_t m)
{
    wf_xof x;
    wf_err err = wf_transcript_challenge_xof(t, label, &x);
    uint8_t byte = 0;
    for (size_t i = 0; err == WF_OK && i < m; i++) {
        if (i % 8 == 0)
            wf_xof_read(&x, &byte, 1);
        bits[i] = (byte >> (i % 8)) & 1;
    }
    wf_xof_wipe(&x);
    return err;
}
