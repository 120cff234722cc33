/* The Paillier key pool's keeper (DESIGN §3: "a small pool of pre-generated
 * Paillier keys, generated in the background, stored encrypted"), and the
 * daemon's paillier_source that hands those keys to aux-info (and to refresh
 * and reshare, which need a fresh key too).
 *
 * One thread generates one key at a time, at the lowest CPU priority (nice
 * 19 for that thread only), so protocol sessions go first. It refills when
 * the pool holds fewer than cfg.paillier_pool_low keys of cfg.paillier_bits
 * and then up to cfg.paillier_pool_high, then sleeps until a key is taken (or
 * KEEPER_PERIOD_MS passes). Stopping sets the cancel flag the prime search
 * polls, so a stop never waits for a search to finish.
 *
 * Keys are sealed in the store (store/paillier_pool.h); a take deletes the
 * record in a synced write before the key is used, so no key serves twice.
 * A taken key is checked in full (wf_paillier_keygen_from_primes: both safe,
 * ≡ 3 mod 4, distinct, equal sizes) before use; a record that fails is
 * dropped, logged and written to the audit log, and the next one is tried.
 * The primes are wf_smpz values (locked headers, limbs wiped on free) and
 * are wiped as soon as they are sealed or made into a key. */
#define _GNU_SOURCE /* syscall(SYS_gettid) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crypto/paillier.h"
#include "crypto/secmem.h"
#include "node/daemon_internal.h"
#include "node/monotonic.h"
#include "store/paillier_pool.h"

#define KEEPER_PERIOD_MS  5000  /* a look at the pool at least this often */
#define KEEPER_BACKOFF_MS 10000 /* after a failed generation or store write */
#define TAKE_TRIES        8     /* damaged records skipped by one take at most */

struct wf_paillier_keeper {
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wake;            /* under mu: a key was taken, look again now */
    volatile int cancel; /* set once at stop; the prime search polls it */
};

static void set_depth(wf_daemon *d, unsigned bits)
{
    size_t n = 0;
    char label[16];
    if (wf_store_paillier_count(d->store, bits, &n) != WF_OK)
        return;
    snprintf(label, sizeof label, "%u", bits);
    const char *values[] = {label};
    wf_metric_set(d->nm.paillier_pool, values, (double)n);
}

static int cancelled(const struct wf_paillier_keeper *k)
{
    return __atomic_load_n(&k->cancel, __ATOMIC_RELAXED) != 0;
}

/* Sleeps up to ms or until woken or cancelled. */
static void nap(struct wf_paillier_keeper *k, unsigned ms)
{
    struct timespec ts;
    wf_mono_deadline(&ts, ms);
    pthread_mutex_lock(&k->mu);
    while (!k->wake && !cancelled(k))
        if (pthread_cond_timedwait(&k->cv, &k->mu, &ts) != 0)
            break;
    k->wake = 0;
    pthread_mutex_unlock(&k->mu);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Generates one key and seals it into the pool. */
static wf_err generate_one(wf_daemon *d, struct wf_paillier_keeper *k)
{
    unsigned bits = d->cfg.paillier_bits;
    wf_paillier_sk *sk = NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wf_err err = d->cfg.paillier_generate != NULL
                     ? d->cfg.paillier_generate(d->cfg.paillier_generate_ctx, bits, &k->cancel, &sk)
                     : wf_paillier_keygen(&sk, bits, &k->cancel);
    double secs = seconds_since(&t0);
    if (err == WF_OK && sk == NULL)
        err = WF_ERR_INTERNAL;
    if (err == WF_OK) {
        err = wf_store_paillier_put(d->store, bits, sk->p.v, sk->q.v);
        if (err != WF_OK)
            wf_daemon_log(d, "cannot pool a Paillier key: %s", wf_store_last_error());
    } else if (err != WF_ERR_CANCELLED) {
        wf_daemon_log(d, "Paillier key generation failed (%s)", wf_err_str(err));
    }
    wf_paillier_sk_free(sk); /* wipes the primes */
    if (err == WF_OK) {
        wf_metric_add(d->nm.paillier_generated, NULL, 1);
        wf_metric_add(d->nm.paillier_seconds, NULL, secs);
        set_depth(d, bits);
    }
    return err;
}

static void *keeper_main(void *arg)
{
    wf_daemon *d = arg;
    struct wf_paillier_keeper *k = d->paillier;
    /* Linux: a thread's nice value is its own */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
    int filling = 0;
    while (!cancelled(k)) {
        size_t n = 0;
        if (wf_store_paillier_count(d->store, d->cfg.paillier_bits, &n) != WF_OK) {
            nap(k, KEEPER_BACKOFF_MS);
            continue;
        }
        filling = n < d->cfg.paillier_pool_high && (filling || n < d->cfg.paillier_pool_low);
        if (!filling) {
            nap(k, KEEPER_PERIOD_MS);
            continue;
        }
        wf_err err = generate_one(d, k);
        if (err != WF_OK && err != WF_ERR_CANCELLED)
            nap(k, KEEPER_BACKOFF_MS);
    }
    return NULL;
}

wf_err wf_paillier_keeper_start(wf_daemon *d)
{
    struct wf_paillier_keeper *k = calloc(1, sizeof *k);
    if (k == NULL)
        return WF_ERR_NOMEM;
    pthread_mutex_init(&k->mu, NULL);
    wf_mono_cond_init(&k->cv);
    d->paillier = k;
    set_depth(d, d->cfg.paillier_bits);
    if (d->cfg.paillier_pool_high == 0)
        return WF_OK;
    if (pthread_create(&k->thread, NULL, keeper_main, d) != 0)
        return WF_ERR_INTERNAL;
    k->started = 1;
    return WF_OK;
}

void wf_paillier_keeper_stop(wf_daemon *d)
{
    struct wf_paillier_keeper *k = d->paillier;
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    __atomic_store_n(&k->cancel, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    if (k->started)
        pthread_join(k->thread, NULL);
    k->started = 0;
}

void wf_paillier_keeper_free(wf_daemon *d)
{
    struct wf_paillier_keeper *k = d->paillier;
    if (k == NULL)
        return;
    wf_paillier_keeper_stop(d);
    d->paillier = NULL;
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k);
}

static void wake(struct wf_paillier_keeper *k)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    k->wake = 1;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

/* One pooled key of `bits`, checked in full; NULL when the pool is empty. */
static wf_paillier_sk *take_checked(wf_daemon *d, unsigned bits)
{
    for (int i = 0; i < TAKE_TRIES; i++) {
        wf_smpz *p = wf_smpz_new(), *q = wf_smpz_new();
        wf_paillier_sk *sk = NULL;
        wf_err err = p && q ? wf_store_paillier_take(d->store, bits, p->v, q->v) : WF_ERR_NOMEM;
        if (err == WF_OK && wf_paillier_keygen_from_primes(&sk, p->v, q->v) != WF_OK) {
            wf_daemon_log(d, "a pooled %u-bit Paillier key failed the safe-prime check: dropped", bits);
            wf_daemon_audit(d, "paillier-pool",
                            "a pooled %u-bit Paillier key failed the safe-prime check and "
                            "was dropped",
                            bits);
        } else if (err != WF_OK && err != WF_ERR_NOT_FOUND) {
            wf_daemon_log(d, "a pooled Paillier key could not be taken: %s", wf_store_last_error());
            if (err == WF_ERR_VERIFY || err == WF_ERR_ENCODING)
                wf_daemon_audit(d, "paillier-pool", "%s", wf_store_last_error());
        }
        wf_smpz_free(p);
        wf_smpz_free(q);
        if (sk != NULL || err == WF_ERR_NOT_FOUND || err == WF_ERR_STORAGE || err == WF_ERR_NOMEM)
            return sk;
    }
    return NULL;
}

wf_paillier_sk *wf_paillier_keeper_source(void *ctx, unsigned bits)
{
    wf_daemon *d = ctx;
    wf_paillier_sk *sk = take_checked(d, bits);
    if (sk == NULL) {
        wf_metric_add(d->nm.paillier_misses, NULL, 1);
        wf_daemon_log(d, "no pooled %u-bit Paillier key: searching safe primes now (seconds to minutes)",
                      bits);
    }
    set_depth(d, bits);
    wake(d->paillier);
    return sk;
}
