#include "protocol/harness.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secmem.h"

typedef struct item {
    size_t from_pos;
    uint32_t to, skip;
    uint8_t *bytes;
    size_t len;
} item;

typedef struct queue {
    item *v;
    size_t head, n, cap;
} queue;

static wf_err push(queue *q, size_t from_pos, const wf_outmsg *msg)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        item *v = realloc(q->v, cap * sizeof *v);
        if (v == NULL)
            return WF_ERR_NOMEM;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (item){from_pos, msg->to, msg->skip, msg->bytes, msg->len};
    return WF_OK;
}

static uint64_t cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Moves a machine's outbox into the queue (taking the buffers). */
static wf_err drain(queue *q, size_t pos, wf_outbox *box)
{
    wf_err err = WF_OK;
    for (size_t i = 0; i < box->n; i++) {
        if (err == WF_OK && (err = push(q, pos, &box->items[i])) == WF_OK)
            box->items[i].bytes = NULL;
    }
    wf_outbox_clear(box);
    return err;
}

static void deliver(wf_machine *const *m, size_t n, queue *q, item *it, wf_harness_hook hook, void *ctx,
                    wf_harness_stats *st)
{
    uint32_t from = m[it->from_pos]->s.cfg.self;
    for (size_t j = 0; j < n; j++) {
        uint32_t member = m[j]->s.cfg.self;
        if (j == it->from_pos || (it->to != WF_TO_BROADCAST && it->to != member) ||
            (it->to == WF_TO_BROADCAST && it->skip == member))
            continue;
        uint8_t *bytes = malloc(it->len ? it->len : 1);
        if (bytes == NULL)
            continue;
        memcpy(bytes, it->bytes, it->len);
        size_t len = it->len;
        if (hook != NULL && !hook(ctx, from, member, &bytes, &len)) {
            free(bytes);
            continue;
        }
        if (st != NULL) {
            st->bytes_sent[it->from_pos] += len;
            st->msgs_sent[it->from_pos]++;
        }
        wf_outbox out = {0};
        uint64_t t0 = cpu_now();
        const char *why;
        if (wf_machine_step(m[j], bytes, len, &out, &why) != WF_OK && st != NULL)
            st->refused++;
        if (st != NULL)
            st->cpu_ns[j] += cpu_now() - t0;
        wf_memzero(bytes, len);
        free(bytes);
        drain(q, j, &out);
    }
}

wf_err wf_harness_run(wf_machine *const *m, size_t n, wf_harness_hook hook, void *ctx, wf_harness_stats *stats)
{
    if (m == NULL || n == 0 || n > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    queue q = {0};
    wf_err err = WF_OK;
    for (size_t i = 0; i < n && err == WF_OK; i++) {
        wf_outbox out = {0};
        uint64_t t0 = cpu_now();
        wf_machine_start(m[i], &out); /* a failed start aborts that machine */
        if (stats != NULL)
            stats->cpu_ns[i] += cpu_now() - t0;
        err = drain(&q, i, &out);
    }
    while (err == WF_OK && q.head < q.n) {
        item it = q.v[q.head++];
        deliver(m, n, &q, &it, hook, ctx, stats);
        wf_memzero(it.bytes, it.len);
        free(it.bytes);
    }
    for (size_t i = q.head; i < q.n; i++)
        free(q.v[i].bytes);
    free(q.v);
    return err;
}
