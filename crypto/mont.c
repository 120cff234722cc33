#include "mont.h"

#include <stdlib.h>

#include "secmem.h"

#define LIMB_BITS ((mp_bitcnt_t)GMP_NUMB_BITS)

static mp_size_t limbs_for(mp_bitcnt_t bits)
{
    return (mp_size_t)((bits + LIMB_BITS - 1) / LIMB_BITS);
}

void wf_mpn_pad(mp_limb_t *x, const mpz_t a, mp_size_t n)
{
    size_t used = mpz_size(a);
    mpn_zero(x, n);
    if (used > 0)
        mpn_copyi(x, mpz_limbs_read(a), (mp_size_t)used);
}

/* ---- context ---- */

wf_err wf_mont_init(wf_mont *ctx, const mpz_t m, int ct)
{
    *ctx = (wf_mont){0};
    if (mpz_even_p(m) || mpz_cmp_ui(m, 1) <= 0)
        return WF_ERR_ARG;
    mp_size_t n = (mp_size_t)mpz_size(m);
    ctx->mem = malloc(3 * (size_t)n * sizeof(mp_limb_t));
    if (ctx->mem == NULL)
        return WF_ERR_NOMEM;
    ctx->n = n;
    ctx->ct = ct;
    ctx->m = ctx->mem;
    ctx->one = ctx->mem + n;
    ctx->rr = ctx->mem + 2 * n;
    mpn_copyi(ctx->m, mpz_limbs_read(m), n);
    mpz_t r;
    mpz_init(r);
    mpz_setbit(r, (mp_bitcnt_t)n * LIMB_BITS);
    mpz_mod(r, r, m);
    wf_mpn_pad(ctx->one, r, n);
    mpz_set_ui(r, 0);
    mpz_setbit(r, 2 * (mp_bitcnt_t)n * LIMB_BITS);
    mpz_mod(r, r, m);
    wf_mpn_pad(ctx->rr, r, n);
    wf_mpz_wipe(r);
    mpz_clear(r);
    /* Newton: each step doubles the correct low bits (3 to start, m odd). */
    mp_limb_t m0 = ctx->m[0], inv = m0;
    for (int i = 0; i < 6; i++)
        inv *= 2 - m0 * inv;
    ctx->minv = -inv;
    return WF_OK;
}

void wf_mont_clear(wf_mont *ctx)
{
    if (ctx == NULL || ctx->mem == NULL)
        return;
    wf_memzero(ctx->mem, 3 * (size_t)ctx->n * sizeof(mp_limb_t));
    free(ctx->mem);
    *ctx = (wf_mont){0};
}

/* Scratch layout: [0, 2n) product, [2n, 3n) operand, [3n, …) GMP's sec itch. */
mp_size_t wf_mont_itch(const wf_mont *ctx)
{
    mp_size_t n = ctx->n, a = mpn_sec_mul_itch(n, n), b = mpn_sec_sqr_itch(n);
    return 3 * n + (a > b ? a : b);
}

/* r = t·R^{-1} mod m, r < B^n; t (2n limbs) is destroyed. Row i clears limb i
 * and parks its carry there; the carries are added back at the end. */
static void redc(const wf_mont *ctx, mp_limb_t *r, mp_limb_t *t)
{
    mp_size_t n = ctx->n;
    for (mp_size_t i = 0; i < n; i++)
        t[i] = mpn_addmul_1(t + i, ctx->m, n, t[i] * ctx->minv);
    mp_limb_t cy = mpn_add_n(r, t + n, t, n);
    mpn_cnd_sub_n(cy, r, r, ctx->m, n);
}

void wf_mont_mul(const wf_mont *ctx, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    if (ctx->ct)
        mpn_sec_mul(scratch, a, n, b, n, scratch + 3 * n);
    else
        mpn_mul_n(scratch, a, b, n);
    redc(ctx, r, scratch);
}

static void mont_sqr(const wf_mont *ctx, mp_limb_t *r, const mp_limb_t *a, mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    if (ctx->ct)
        mpn_sec_sqr(scratch, a, n, scratch + 3 * n);
    else
        mpn_sqr(scratch, a, n);
    redc(ctx, r, scratch);
}

void wf_mont_to(const wf_mont *ctx, mp_limb_t *r, const mpz_t a, mp_limb_t *scratch)
{
    mpz_t mv, ar;
    mpz_roinit_n(mv, ctx->m, ctx->n);
    mpz_init(ar);
    mpz_mod(ar, a, mv);
    mp_limb_t *x = scratch + 2 * ctx->n;
    wf_mpn_pad(x, ar, ctx->n);
    wf_mpz_wipe(ar);
    mpz_clear(ar);
    wf_mont_mul(ctx, r, x, ctx->rr, scratch);
}

void wf_mont_from(const wf_mont *ctx, mpz_t out, const mp_limb_t *a, mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    mp_limb_t *t = scratch, *x = scratch + 2 * n;
    mpn_copyi(t, a, n);
    mpn_zero(t + n, n);
    redc(ctx, x, t); /* (a + Q·m)/R <= m */
    mp_limb_t borrow = mpn_sub_n(t, x, ctx->m, n);
    mpn_cnd_swap(borrow ^ 1, x, t, n); /* x - m unless that borrowed */
    mpn_copyi(mpz_limbs_write(out, n), x, n);
    mpz_limbs_finish(out, n);
    wf_memzero(scratch, 3 * (size_t)n * sizeof *scratch);
}

/* ---- multi-exponentiation ---- */

/* Per-call memory: k per-term records of `size` bytes, and a limb workspace. */
static wf_err work_alloc(void **terms, size_t size, size_t k, mp_limb_t **mem, size_t limbs)
{
    *terms = calloc(k + 1, size);
    *mem = malloc(limbs * sizeof **mem);
    if (*terms != NULL && *mem != NULL)
        return WF_OK;
    free(*terms);
    free(*mem);
    return WF_ERR_NOMEM;
}

/* Wipes the workspace (it held secret powers and digits) and frees both. */
static void work_free(void *terms, mp_limb_t *mem, size_t limbs)
{
    wf_memzero(mem, limbs * sizeof *mem);
    free(mem);
    free(terms);
}

/* The w bits of e (nl limbs) starting at bit pos; pos is public. */
static mp_limb_t get_bits(const mp_limb_t *e, mp_size_t nl, mp_bitcnt_t pos, unsigned w)
{
    mp_size_t li = (mp_size_t)(pos / LIMB_BITS);
    unsigned off = (unsigned)(pos % LIMB_BITS);
    mp_limb_t v = e[li] >> off;
    if (off + w > LIMB_BITS && li + 1 < nl)
        v |= e[li + 1] << (LIMB_BITS - off);
    return v & (((mp_limb_t)1 << w) - 1);
}

/* Window width for an exponent of `bits` bits (public). */
static unsigned window_for(mp_bitcnt_t bits)
{
    return bits <= 32 ? 1 : bits <= 128 ? 3 : bits <= 640 ? 4 : 5;
}

typedef struct straus_term {
    mp_limb_t *tab; /* 2^w entries */
    mp_limb_t *e;   /* nl limbs */
    mp_size_t nl;
    mp_bitcnt_t bits;
    unsigned w;
} straus_term;

/* tab[j] = b^j, j < 2^w, in Montgomery form. */
static void straus_table(const wf_mont *ctx, const straus_term *t, mpz_srcptr b, mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    mpn_copyi(t->tab, ctx->one, n);
    wf_mont_to(ctx, t->tab + n, b, scratch);
    for (size_t j = 2; j < ((size_t)1 << t->w); j++)
        wf_mont_mul(ctx, t->tab + j * n, t->tab + (j - 1) * n, t->tab + n, scratch);
}

/* acc = Π tab_i[digit]… over bit positions top..0, one squaring per bit. */
static void straus_run(const wf_mont *ctx, mp_limb_t *acc, const straus_term *terms, size_t k,
                       mp_bitcnt_t top, mp_limb_t *tmp, mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    mpn_copyi(acc, ctx->one, n);
    for (mp_bitcnt_t pos = top + 1; pos-- > 0;) {
        if (pos != top)
            mont_sqr(ctx, acc, acc, scratch);
        for (size_t i = 0; i < k; i++) {
            const straus_term *t = &terms[i];
            if (pos >= t->bits || pos % t->w != 0)
                continue; /* public: sizes only */
            mp_limb_t d = get_bits(t->e, t->nl, pos, t->w);
            if (ctx->ct) {
                mpn_sec_tabselect(tmp, t->tab, n, (mp_size_t)1 << t->w, d);
                wf_mont_mul(ctx, acc, acc, tmp, scratch);
            } else if (d != 0) {
                wf_mont_mul(ctx, acc, acc, t->tab + d * (size_t)n, scratch);
            }
        }
    }
}

wf_err wf_mont_multi_powm(mpz_t out, const wf_mont *ctx, const wf_mont_term *terms, size_t k)
{
    mp_size_t n = ctx->n, itch = wf_mont_itch(ctx);
    size_t limbs = (size_t)(2 * n + itch);
    mp_bitcnt_t top = 0;
    for (size_t i = 0; i < k; i++) {
        mpz_srcptr e = terms[i].e;
        if (mpz_sgn(e) < 0 || (mpz_sgn(e) > 0 && mpz_sizeinbase(e, 2) > terms[i].bits))
            return WF_ERR_RANGE;
        limbs += ((size_t)1 << window_for(terms[i].bits)) * (size_t)n + (size_t)limbs_for(terms[i].bits);
        if (terms[i].bits > top)
            top = terms[i].bits;
    }
    straus_term *st;
    mp_limb_t *mem;
    if (work_alloc((void **)&st, sizeof *st, k, &mem, limbs) != WF_OK)
        return WF_ERR_NOMEM;
    mp_limb_t *acc = mem, *tmp = mem + n, *scratch = mem + 2 * n, *p = scratch + itch;
    for (size_t i = 0; i < k; i++) {
        st[i].bits = terms[i].bits;
        st[i].w = window_for(terms[i].bits);
        st[i].nl = limbs_for(terms[i].bits);
        st[i].tab = p;
        p += ((size_t)1 << st[i].w) * (size_t)n;
        st[i].e = p;
        p += st[i].nl;
        if (st[i].nl > 0)
            wf_mpn_pad(st[i].e, terms[i].e, st[i].nl);
        straus_table(ctx, &st[i], terms[i].b, scratch);
    }
    if (top == 0)
        mpn_copyi(acc, ctx->one, n);
    else
        straus_run(ctx, acc, st, k, top - 1, tmp, scratch);
    wf_mont_from(ctx, out, acc, scratch);
    work_free(st, mem, limbs);
    return WF_OK;
}

wf_err wf_mont_powm_public(mpz_t out, const mpz_t n, const mpz_srcptr *b, const mpz_srcptr *e, size_t k)
{
    wf_mont ctx;
    wf_err err = wf_mont_init(&ctx, n, 0);
    if (err != WF_OK)
        return err;
    mpz_t *v = malloc(2 * (k + 1) * sizeof *v);
    wf_mont_term *t = malloc((k + 1) * sizeof *t);
    if (v == NULL || t == NULL)
        err = WF_ERR_NOMEM;
    for (size_t i = 0; err == WF_OK && i < k; i++) {
        mpz_ptr base = v[2 * i], mag = v[2 * i + 1];
        mpz_inits(base, mag, NULL);
        mpz_abs(mag, e[i]);
        if (mpz_sgn(e[i]) >= 0)
            mpz_set(base, b[i]);
        else if (!mpz_invert(base, b[i], n))
            err = WF_ERR_NOT_UNIT;
        t[i] = (wf_mont_term){.b = base, .e = mag, .bits = mpz_sizeinbase(mag, 2)};
        if (err != WF_OK)
            k = i + 1; /* clear what was initialised */
    }
    if (err == WF_OK)
        err = wf_mont_multi_powm(out, &ctx, t, k);
    for (size_t i = 0; v != NULL && t != NULL && i < k; i++)
        mpz_clears(v[2 * i], v[2 * i + 1], NULL);
    free(v);
    free(t);
    wf_mont_clear(&ctx);
    return err;
}

/* ---- fixed-base combs ---- */

#define TEETH   WF_MONT_COMB_TEETH
#define SPACING WF_MONT_COMB_SPACING
#define ENTRIES ((size_t)1 << TEETH)
#define BLOCK   (TEETH * SPACING) /* exponent bits per block */

struct wf_mont_comb {
    const wf_mont *ctx;
    unsigned max_bound;
    size_t blocks;
    mp_limb_t *tab; /* blocks × ENTRIES × n: block j, entry u = Π_{i ∈ u} g^{2^{(j·TEETH+i)·SPACING}} */
};

/* How a signed x with |x| <= 2^bound is made non-negative: e = x + K with
 * K = 2^kpos + 2^{kpos+SPACING}, kpos the first tooth above bound. Then
 * 2^{kpos+SPACING} < e < 2^{kpos+SPACING+1}: e always has exactly
 * kpos+SPACING+1 bits, and g^K is the product of two single-tooth entries. */
static unsigned offset_tooth(unsigned bound)
{
    return (bound + SPACING) / SPACING; /* index: kpos = tooth·SPACING >= bound+1 */
}

static size_t blocks_for(unsigned bound)
{
    size_t bits = (size_t)(offset_tooth(bound) + 1) * SPACING + 1;
    return (bits + BLOCK - 1) / BLOCK;
}

/* The table entry for tooth index ti alone (g^{2^{ti·SPACING}}). */
static const mp_limb_t *tooth_entry(const wf_mont_comb *c, size_t ti)
{
    size_t j = ti / TEETH, i = ti % TEETH;
    return c->tab + (j * ENTRIES + ((size_t)1 << i)) * (size_t)c->ctx->n;
}

wf_err wf_mont_comb_new(wf_mont_comb **out, const wf_mont *ctx, const mpz_t g, unsigned max_bound)
{
    *out = NULL;
    if (!ctx->ct || max_bound > (1u << 20))
        return WF_ERR_ARG;
    mp_size_t n = ctx->n, itch = wf_mont_itch(ctx);
    wf_mont_comb *c = calloc(1, sizeof *c);
    mp_limb_t *scratch = malloc((size_t)(itch + n) * sizeof *scratch);
    size_t blocks = blocks_for(max_bound);
    if (c != NULL)
        c->tab = malloc(blocks * ENTRIES * (size_t)n * sizeof(mp_limb_t));
    if (c == NULL || scratch == NULL || c->tab == NULL) {
        free(scratch);
        wf_mont_comb_free(c);
        return WF_ERR_NOMEM;
    }
    c->ctx = ctx;
    c->max_bound = max_bound;
    c->blocks = blocks;
    mp_limb_t *cur = scratch + itch;
    wf_mont_to(ctx, cur, g, scratch);
    for (size_t j = 0; j < blocks; j++) {
        mp_limb_t *tj = c->tab + j * ENTRIES * (size_t)n;
        mpn_copyi(tj, ctx->one, n);
        for (size_t i = 0; i < TEETH; i++) {
            size_t bit = (size_t)1 << i;
            mpn_copyi(tj + bit * (size_t)n, cur, n);
            for (size_t u = bit + 1; u < 2 * bit; u++)
                wf_mont_mul(ctx, tj + u * (size_t)n, tj + (u - bit) * (size_t)n, cur, scratch);
            for (unsigned s = 0; s < SPACING; s++)
                mont_sqr(ctx, cur, cur, scratch);
        }
    }
    free(scratch);
    *out = c;
    return WF_OK;
}

void wf_mont_comb_free(wf_mont_comb *comb)
{
    if (comb == NULL)
        return;
    free(comb->tab);
    free(comb);
}

unsigned wf_mont_comb_max_bound(const wf_mont_comb *comb)
{
    return comb->max_bound;
}

/* Per-term state of one comb evaluation. */
typedef struct comb_run {
    const wf_mont_comb *comb;
    mp_limb_t *e; /* x + K, nl limbs */
    mp_size_t nl;
    size_t blocks; /* blocks the exponent spans */
} comb_run;

/* Index u of the entry of block j for squaring round r: bit i of u is
 * exponent bit (j·TEETH + i)·SPACING + r. */
static mp_limb_t comb_digit(const comb_run *cr, size_t j, unsigned r)
{
    mp_limb_t u = 0;
    for (unsigned i = 0; i < TEETH; i++)
        u |= get_bits(cr->e, cr->nl, (mp_bitcnt_t)(j * TEETH + i) * SPACING + r, 1) << i;
    return u;
}

static void comb_eval(const wf_mont *ctx, mp_limb_t *acc, const comb_run *runs, size_t k, mp_limb_t *tmp,
                      mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    mpn_copyi(acc, ctx->one, n);
    for (unsigned r = SPACING; r-- > 0;) {
        if (r != SPACING - 1)
            mont_sqr(ctx, acc, acc, scratch);
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < runs[i].blocks; j++) {
                const mp_limb_t *tj = runs[i].comb->tab + j * ENTRIES * (size_t)n;
                mpn_sec_tabselect(tmp, tj, n, (mp_size_t)ENTRIES, comb_digit(&runs[i], j, r));
                wf_mont_mul(ctx, acc, acc, tmp, scratch);
            }
    }
}

/* corr = (Π g_i^{K_i})^{-1} in Montgomery form (public values). */
static wf_err comb_correction(const wf_mont *ctx, mp_limb_t *corr, const wf_mont_comb_term *terms, size_t k,
                              mp_limb_t *scratch)
{
    mp_size_t n = ctx->n;
    mpn_copyi(corr, ctx->one, n);
    for (size_t i = 0; i < k; i++) {
        size_t ti = offset_tooth(terms[i].bound);
        wf_mont_mul(ctx, corr, corr, tooth_entry(terms[i].comb, ti), scratch);
        wf_mont_mul(ctx, corr, corr, tooth_entry(terms[i].comb, ti + 1), scratch);
    }
    mpz_t v, mv;
    mpz_init(v);
    mpz_roinit_n(mv, ctx->m, n);
    wf_mont_from(ctx, v, corr, scratch);
    int ok = mpz_invert(v, v, mv);
    if (ok)
        wf_mont_to(ctx, corr, v, scratch);
    mpz_clear(v);
    return ok ? WF_OK : WF_ERR_NOT_UNIT;
}

static wf_err comb_check(const wf_mont_comb_term *terms, size_t k)
{
    if (k == 0)
        return WF_ERR_ARG;
    mpz_t lim;
    mpz_init(lim);
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < k; i++) {
        const wf_mont_comb_term *t = &terms[i];
        if (t->comb == NULL || t->x == NULL || t->comb->ctx != terms[0].comb->ctx ||
            t->bound > t->comb->max_bound) {
            err = WF_ERR_ARG;
            break;
        }
        mpz_set_ui(lim, 0);
        mpz_setbit(lim, t->bound);
        if (mpz_cmpabs(t->x, lim) > 0)
            err = WF_ERR_RANGE;
    }
    mpz_clear(lim);
    return err;
}

wf_err wf_mont_comb_powm(mpz_t out, const wf_mont_comb_term *terms, size_t k)
{
    wf_err err = comb_check(terms, k);
    if (err != WF_OK)
        return err;
    const wf_mont *ctx = terms[0].comb->ctx;
    mp_size_t n = ctx->n, itch = wf_mont_itch(ctx);
    size_t limbs = (size_t)(3 * n + itch);
    for (size_t i = 0; i < k; i++)
        limbs += (size_t)limbs_for(blocks_for(terms[i].bound) * BLOCK);
    comb_run *runs;
    mp_limb_t *mem;
    if (work_alloc((void **)&runs, sizeof *runs, k, &mem, limbs) != WF_OK)
        return WF_ERR_NOMEM;
    mp_limb_t *acc = mem, *tmp = mem + n, *corr = mem + 2 * n, *scratch = mem + 3 * n, *p = scratch + itch;
    mpz_t e;
    mpz_init(e);
    for (size_t i = 0; i < k; i++) {
        unsigned kpos = offset_tooth(terms[i].bound) * SPACING;
        size_t blocks = blocks_for(terms[i].bound);
        mpz_set_ui(e, 0);
        mpz_setbit(e, kpos);
        mpz_setbit(e, kpos + SPACING);
        mpz_add(e, e, terms[i].x);
        runs[i] =
            (comb_run){.comb = terms[i].comb, .e = p, .nl = limbs_for(blocks * BLOCK), .blocks = blocks};
        wf_mpn_pad(p, e, runs[i].nl);
        p += runs[i].nl;
    }
    wf_mpz_wipe(e);
    mpz_clear(e);
    err = comb_correction(ctx, corr, terms, k, scratch);
    if (err == WF_OK) {
        comb_eval(ctx, acc, runs, k, tmp, scratch);
        wf_mont_mul(ctx, acc, acc, corr, scratch);
        wf_mont_from(ctx, out, acc, scratch);
    }
    work_free(runs, mem, limbs);
    return err;
}
