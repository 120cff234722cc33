#include "protocol/aux.h"

#include <stdlib.h>

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
