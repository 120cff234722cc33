#include "protocol/aux.h"

#include <stdlib.h>
#include <string.h>

int wf_aux_bits_valid(unsigned bits)
{
    return bits == WF_PAILLIER_BITS_DEFAULT || bits == 3072;
}

static int parts_valid(uint32_t n, uint32_t self, unsigned bits, const wf_paillier_sk *sk,
                       wf_rped *const *rped)
{
    if (n < 2 || n > WF_MAX_MEMBERS || self >= n || !wf_aux_bits_valid(bits) || sk == NULL || rped == NULL ||
        sk->pk.bits != bits)
        return 0;
    for (uint32_t j = 0; j < n; j++)
        if (rped[j] == NULL || rped[j]->bits != bits)
            return 0;
    return mpz_cmp(sk->pk.n, rped[self]->n) == 0;
}

/* Frees what wf_aux_assemble was given (every rped before sk, which one of
 * them may name as owner) and fails with err. */
static wf_err refuse(wf_aux **out, wf_err err, uint32_t n, wf_paillier_sk *sk, wf_rped *const *rped)
{
    for (uint32_t j = 0; rped != NULL && j < n && j < WF_MAX_MEMBERS; j++)
        wf_rped_free(rped[j]);
    wf_paillier_sk_free(sk);
    if (out != NULL)
        *out = NULL;
    return err;
}

wf_err wf_aux_assemble(wf_aux **out, const uint8_t key_id[WF_ID_BYTES], uint32_t n, uint32_t self,
                       unsigned bits, wf_paillier_sk *sk, wf_rped *const *rped)
{
    if (out == NULL || key_id == NULL || !parts_valid(n, self, bits, sk, rped))
        return refuse(out, WF_ERR_ARG, n, sk, rped);
    wf_aux *a = calloc(1, sizeof *a);
    if (a == NULL)
        return refuse(out, WF_ERR_NOMEM, n, sk, rped);
    wf_err err = WF_OK;
    memcpy(a->key_id, key_id, WF_ID_BYTES);
    a->n = n;
    a->self = self;
    a->bits = bits;
    a->sk = sk;
    for (uint32_t j = 0; j < n; j++) {
        a->rped[j] = rped[j];
        if (j == self)
            a->rped[j]->owner = sk;
        else if (err == WF_OK)
            err = wf_paillier_pk_from_n(&a->pk[j], rped[j]->n, bits);
    }
    if (err != WF_OK) {
        wf_aux_free(a);
        a = NULL;
    }
    *out = a;
    return err;
}

const wf_paillier_pk *wf_aux_pk(const wf_aux *a, uint32_t j)
{
    if (a == NULL || j >= a->n)
        return NULL;
    return j == a->self ? wf_paillier_sk_public(a->sk) : a->pk[j];
}

void wf_aux_free(wf_aux *a)
{
    if (a == NULL)
        return;
    for (uint32_t j = 0; j < WF_MAX_MEMBERS; j++) {
        wf_paillier_pk_free(a->pk[j]);
        wf_rped_free(a->rped[j]);
    }
    wf_paillier_sk_free(a->sk);
    free(a);
}

wf_err wf_aux_precompute(wf_aux *a)
{
    if (a == NULL)
        return WF_ERR_ARG;
    for (uint32_t j = 0; j < a->n; j++) {
        if (j == a->self || a->rped[j] == NULL || a->rped[j]->accel != NULL)
            continue;
        wf_err err = wf_rped_precompute(a->rped[j]);
        if (err != WF_OK)
            return err;
    }
    return WF_OK;
}
