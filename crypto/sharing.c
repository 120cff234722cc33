#include "sharing.h"

#include "secmem.h"

wf_poly *wf_poly_new_random(size_t t, const wf_scalar *secret)
{
    if (t == 0 || t > WF_MAX_MEMBERS)
        return NULL;
    wf_poly *p = wf_secure_alloc(sizeof *p);
    if (p == NULL)
        return NULL;
    p->t = t;
    p->a = wf_secure_alloc(t * sizeof *p->a);
    if (p->a == NULL) {
        wf_secure_free(p);
        return NULL;
    }
    for (size_t k = 0; k < t; k++)
        wf_scalar_random(&p->a[k]);
    if (secret != NULL)
        p->a[0] = *secret;
    return p;
}

void wf_poly_free(wf_poly *p)
{
    if (p == NULL)
        return;
    wf_secure_free(p->a);
    wf_secure_free(p);
}

/* acc += c · v, with every temporary wiped. */
static wf_err mul_acc(wf_scalar *acc, const wf_scalar *c, const wf_scalar *v)
{
    wf_scalar term;
    wf_err err = wf_scalar_mul(&term, c, v);
    if (err == WF_OK)
        err = wf_scalar_add(acc, acc, &term);
    wf_scalar_wipe(&term);
    return err;
}

wf_err wf_poly_share(wf_scalar *share, const wf_poly *p, const wf_member *member)
{
    if (share == NULL || p == NULL || member == NULL)
        return WF_ERR_ARG;
    wf_scalar acc, coeff;
    wf_scalar_set_u64(&acc, 0);
    wf_err err = WF_OK;
    for (size_t k = 0; err == WF_OK && k < p->t; k++) {
        err = wf_birkhoff_entry(&coeff, member, (uint32_t)k);
        if (err == WF_OK)
            err = mul_acc(&acc, &coeff, &p->a[k]);
    }
    if (err == WF_OK)
        *share = acc;
    wf_scalar_wipe(&acc);
    return err;
}

wf_err wf_sharing_reconstruct(wf_scalar *secret, const wf_member *set, const wf_scalar *shares, size_t n,
                              size_t t)
{
    if (secret == NULL || set == NULL || shares == NULL || t == 0 || t > WF_MAX_MEMBERS || n > t)
        return WF_ERR_ARG;
    if (n < t)
        return WF_ERR_UNAUTHORISED;
    wf_scalar b[WF_MAX_MEMBERS], acc;
    wf_err err = wf_birkhoff_coefficients(b, set, t);
    wf_scalar_set_u64(&acc, 0);
    for (size_t j = 0; err == WF_OK && j < t; j++)
        err = mul_acc(&acc, &b[j], &shares[j]);
    if (err == WF_OK)
        *secret = acc;
    wf_scalar_wipe(&acc);
    return err;
}
