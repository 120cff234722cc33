#include "secmem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "curve.h"

/* GMP does not tell its free function how much of the old block was in use,
 * only its allocated size, which is exactly what we wipe. */
static void *gmp_alloc_wiping(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        abort(); /* GMP has no way to report allocation failure */
    return p;
}

static void *gmp_realloc_wiping(void *old, size_t old_size, size_t new_size)
{
    void *p = gmp_alloc_wiping(new_size);
    memcpy(p, old, old_size < new_size ? old_size : new_size);
    sodium_memzero(old, old_size);
    free(old);
    return p;
}

static void gmp_free_wiping(void *p, size_t size)
{
    if (p == NULL)
        return;
    sodium_memzero(p, size);
    free(p);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static wf_err init_result = WF_ERR_INTERNAL;

static void crypto_init_once(void)
{
    if (sodium_init() < 0) {
        init_result = WF_ERR_INTERNAL;
        return;
    }
    mp_set_memory_functions(gmp_alloc_wiping, gmp_realloc_wiping, gmp_free_wiping);
    init_result = wf_curve_init();
}

wf_err wf_crypto_init(void)
{
    pthread_once(&init_once, crypto_init_once);
    return init_result;
}

void *wf_secure_alloc(size_t len)
{
    void *p = sodium_malloc(len == 0 ? 1 : len);
    if (p != NULL)
        sodium_memzero(p, len == 0 ? 1 : len);
    return p;
}

void wf_secure_free(void *ptr)
{
    if (ptr != NULL)
        sodium_free(ptr); /* wipes before unmapping */
}

void wf_memzero(void *ptr, size_t len)
{
    if (ptr != NULL && len > 0)
        sodium_memzero(ptr, len);
}

void wf_mpz_wipe(mpz_t x)
{
    size_t n = mpz_size(x);
    if (n > 0)
        sodium_memzero(mpz_limbs_modify(x, (mp_size_t)n), n * sizeof(mp_limb_t));
    mpz_set_ui(x, 0);
}

wf_smpz *wf_smpz_new(void)
{
    wf_smpz *s = wf_secure_alloc(sizeof *s);
    if (s != NULL)
        mpz_init(s->v);
    return s;
}

void wf_smpz_free(wf_smpz *s)
{
    if (s == NULL)
        return;
    mpz_clear(s->v); /* the wiping free function clears the limbs */
    wf_secure_free(s);
}
