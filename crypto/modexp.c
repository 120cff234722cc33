#include "modexp.h"

#include "mont.h"
#include "secmem.h"

static int modulus_ok(const mpz_t mod)
{
    return mpz_odd_p(mod) && mpz_cmp_ui(mod, 1) > 0;
}

/* Writes the n-limb, zero-padded form of 0 <= a < 2^(n·GMP_NUMB_BITS) into x's limbs. */
static mp_limb_t *padded_limbs(mpz_t x, const mpz_t a, mp_size_t n)
{
    mp_limb_t *xp = mpz_limbs_write(x, n);
    wf_mpn_pad(xp, a, n);
    return xp;
}

wf_err wf_invert_sec(mpz_t rop, const mpz_t a, const mpz_t mod)
{
    if (!modulus_ok(mod))
        return WF_ERR_ARG;
    mp_size_t n = (mp_size_t)mpz_size(mod);
    mpz_t ar, ap, r, scratch;
    mpz_inits(ar, ap, r, scratch, NULL);

    mpz_mod(ar, a, mod); /* 0 <= ar < mod, so it fits in n limbs */
    mp_limb_t *app = padded_limbs(ap, ar, n);
    mp_limb_t *rp = mpz_limbs_write(r, n);
    mp_size_t itch = mpn_sec_invert_itch(n);
    mp_limb_t *tp = mpz_limbs_write(scratch, itch);
    /* nbcnt = 2·n·GMP_NUMB_BITS bounds log2(a+1) + log2(mod+1) as required. */
    int ok = mpn_sec_invert(rp, app, mpz_limbs_read(mod), n, (mp_bitcnt_t)(2 * n * GMP_NUMB_BITS), tp);
    mpz_limbs_finish(r, n);
    /* Both buffers hold secret intermediates; their size fields stay 0. */
    wf_memzero(app, (size_t)n * sizeof *app);
    wf_memzero(tp, (size_t)itch * sizeof *tp);
    if (ok)
        mpz_set(rop, r);

    wf_mpz_wipe(ar);
    wf_mpz_wipe(r);
    mpz_clears(ar, ap, r, scratch, NULL);
    return ok ? WF_OK : WF_ERR_NOT_UNIT;
}

wf_err wf_powm_sec_signed(mpz_t rop, const mpz_t base, const mpz_t exp, unsigned bound_bits, const mpz_t mod)
{
    if (!modulus_ok(mod) || bound_bits > WF_MODEXP_MAX_BOUND_BITS)
        return WF_ERR_ARG;
    mpz_t lim;
    mpz_init(lim);
    mpz_setbit(lim, bound_bits);
    int in_range = mpz_cmpabs(exp, lim) <= 0;
    mpz_clear(lim);
    if (!in_range)
        return WF_ERR_RANGE;

    mp_size_t n = (mp_size_t)mpz_size(mod);
    mp_bitcnt_t enb = (mp_bitcnt_t)bound_bits + 1; /* |exp| <= 2^b < 2^enb */
    mp_size_t en = (mp_size_t)((enb + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS);
    mp_size_t itch = mpn_sec_powm_itch(n, enb, n);
    mpz_t b, inv, mag, work;
    mpz_inits(b, inv, mag, work, NULL);
    mpz_mod(b, base, mod);
    wf_err err = wf_invert_sec(inv, b, mod);
    if (err == WF_OK) {
        /* work = [b | b^{-1} | |exp| | result | scratch]; the sign picks the
         * base by a masked swap, so one exponentiation serves both signs. */
        mp_limb_t *w = mpz_limbs_write(work, 3 * n + en + itch);
        mp_limb_t *bp = w, *ip = w + n, *ep = w + 2 * n, *rp = ep + en, *tp = rp + n;
        mpz_abs(mag, exp);
        wf_mpn_pad(bp, b, n);
        wf_mpn_pad(ip, inv, n);
        wf_mpn_pad(ep, mag, en);
        mpn_cnd_swap((mp_limb_t)(mpz_sgn(exp) < 0), bp, ip, n);
        mpn_sec_powm(rp, bp, n, ep, enb, mpz_limbs_read(mod), n, tp);
        mpz_t view;
        mpz_set(rop, mpz_roinit_n(view, rp, n));
        wf_memzero(w, (size_t)(3 * n + en + itch) * sizeof *w);
    }
    wf_mpz_wipe(b);
    wf_mpz_wipe(inv);
    wf_mpz_wipe(mag);
    mpz_clears(b, inv, mag, work, NULL);
    return err;
}

void wf_crt_combine(mpz_t out, const mpz_t xp, const mpz_t xq, const mpz_t m1, const mpz_t m2,
                    const mpz_t m2inv_m1)
{
    mpz_t h;
    mpz_init(h);
    mpz_sub(h, xp, xq);
    mpz_mul(h, h, m2inv_m1);
    mpz_mod(h, h, m1);
    mpz_mul(h, h, m2);
    mpz_add(out, h, xq);
    wf_mpz_wipe(h);
    mpz_clear(h);
}
