#include "feldman.h"

wf_err wf_feldman_commit(wf_point *out, const wf_scalar *coeffs, size_t t)
{
    if (out == NULL || coeffs == NULL || t == 0)
        return WF_ERR_ARG;
    for (size_t k = 0; k < t; k++) {
        wf_err err = wf_point_base_mul(&out[k], &coeffs[k]);
        if (err != WF_OK)
            return err;
    }
    return WF_OK;
}

wf_err wf_feldman_share_point(wf_point *out, const wf_point *commitments, size_t t, const wf_member *member)
{
    if (out == NULL || commitments == NULL || member == NULL || t == 0 || t > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    wf_scalar coeff[WF_MAX_MEMBERS];
    for (size_t k = 0; k < t; k++) {
        wf_err err = wf_birkhoff_entry(&coeff[k], member, (uint32_t)k);
        if (err != WF_OK)
            return err;
    }
    return wf_point_msm(out, coeff, commitments, t);
}

wf_err wf_feldman_verify_share(const wf_point *commitments, size_t t, const wf_member *member,
                               const wf_scalar *share)
{
    if (share == NULL)
        return WF_ERR_ARG;
    wf_point expected, actual;
    wf_err err = wf_feldman_share_point(&expected, commitments, t, member);
    if (err == WF_OK)
        err = wf_point_base_mul(&actual, share);
    if (err == WF_OK && !wf_point_eq(&expected, &actual))
        err = WF_ERR_VERIFY;
    return err;
}

wf_err wf_feldman_add(wf_point *out, const wf_point *a, const wf_point *b, size_t t)
{
    if (out == NULL || a == NULL || b == NULL)
        return WF_ERR_ARG;
    for (size_t k = 0; k < t; k++) {
        wf_err err = wf_point_add(&out[k], &a[k], &b[k]);
        if (err != WF_OK)
            return err;
    }
    return WF_OK;
}
