#include "protocol/parallel.h"

#include <pthread.h>
#include <stdlib.h>

#define WF_PARALLEL_MAX 64

typedef struct job {
    wf_parallel_fn fn;
    void *ctx;
    size_t n;
    pthread_mutex_t lock;
    size_t next;
    wf_err errs[WF_PARALLEL_MAX];
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n)
            return NULL;
        j->errs[i] = j->fn(j->ctx, i);
    }
}

wf_err wf_parallel_for(size_t n, unsigned threads, wf_parallel_fn fn, void *ctx)
{
    if (fn == NULL || n > WF_PARALLEL_MAX)
        return WF_ERR_ARG;
    if (threads <= 1 || n <= 1) {
        wf_err first = WF_OK;
        for (size_t i = 0; i < n; i++) {
            wf_err err = fn(ctx, i);
            if (first == WF_OK)
                first = err;
        }
        return first;
    }
    job j = {.fn = fn, .ctx = ctx, .n = n};
    pthread_mutex_init(&j.lock, NULL);
    size_t extra = threads - 1 < n - 1 ? threads - 1 : n - 1;
    pthread_t tid[WF_PARALLEL_MAX];
    size_t started = 0;
    for (; started < extra; started++)
        if (pthread_create(&tid[started], NULL, worker, &j) != 0)
            break; /* fewer threads: the caller does the rest */
    worker(&j);
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&j.lock);
    for (size_t i = 0; i < n; i++)
        if (j.errs[i] != WF_OK)
            return j.errs[i];
    return WF_OK;
}
