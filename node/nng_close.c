/* node/nng_close.h: each socket closed on a thread of its own, the caller
 * waiting a bounded time. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "node/monotonic.h"
#include "node/nng_close.h"

typedef struct closers {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    size_t refs;       /* under mu: the caller and every closing thread not yet finished */
    size_t pending;    /* under mu: sockets not closed yet */
} closers;

typedef struct closer {
    closers *g;
    nng_socket sock;
} closer;

static void closers_unref(closers *g)
{
    pthread_mutex_lock(&g->mu);
    size_t refs = --g->refs;
    pthread_mutex_unlock(&g->mu);
    if (refs == 0) {
        pthread_cond_destroy(&g->cv);
        pthread_mutex_destroy(&g->mu);
        free(g);
    }
}

static void *closer_main(void *arg)
{
    closer c = *(closer *)arg;
    free(arg);
    nng_close(c.sock);
    pthread_mutex_lock(&c.g->mu);
    c.g->pending--;
    pthread_cond_broadcast(&c.g->cv);
    pthread_mutex_unlock(&c.g->mu);
    closers_unref(c.g);
    return NULL;
}

static closers *closers_new(void)
{
    closers *g = calloc(1, sizeof *g);
    if (g == NULL || wf_mono_cond_init(&g->cv) != 0) {
        free(g);
        return NULL;
    }
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        pthread_cond_destroy(&g->cv);
        free(g);
        return NULL;
    }
    g->refs = 1;
    return g;
}

/* Starts closing sock on a thread of g's; closes it here if that fails. */
static void close_on_thread(closers *g, nng_socket sock)
{
    closer *c = g != NULL ? malloc(sizeof *c) : NULL;
    pthread_t t;
    if (c != NULL) {
        *c = (closer){.g = g, .sock = sock};
        pthread_mutex_lock(&g->mu);
        g->refs++;
        g->pending++;
        pthread_mutex_unlock(&g->mu);
        if (pthread_create(&t, NULL, closer_main, c) == 0) {
            pthread_detach(t);
            return;
        }
        free(c);
        pthread_mutex_lock(&g->mu);
        g->refs--;
        g->pending--;
        pthread_mutex_unlock(&g->mu);
    }
    nng_close(sock); /* a socket never opened has id 0: ECLOSED, harmless */
}

int wf_nng_close_all(const nng_socket *socks, size_t n, int wait_ms)
{
    closers *g = closers_new();
    for (size_t i = 0; i < n; i++)
        close_on_thread(g, socks[i]);
    if (g == NULL)
        return 1; /* closed here, one by one */
    struct timespec end;
    wf_mono_deadline(&end, wait_ms > 0 ? (uint64_t)wait_ms : 0);
    pthread_mutex_lock(&g->mu);
    while (g->pending > 0 && pthread_cond_timedwait(&g->cv, &g->mu, &end) == 0)
        ;
    int all = g->pending == 0;
    pthread_mutex_unlock(&g->mu);
    closers_unref(g);
    return all;
}
