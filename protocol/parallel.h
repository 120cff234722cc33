/* Runs fn(ctx, i) for i in [0, n) on up to `threads` POSIX threads (the
 * calling thread included). The protocols use it for the per-peer work of a
 * round, which is independent per peer; fn must not touch shared state other
 * than slot i of its outputs. threads <= 1 runs everything in the caller. */
#ifndef WF_PROTOCOL_PARALLEL_H
#define WF_PROTOCOL_PARALLEL_H

#include <stddef.h>

#include "crypto/err.h"

typedef wf_err (*wf_parallel_fn)(void *ctx, size_t i);

/* The first error (by index) any call returned, or WF_OK. */
wf_err wf_parallel_for(size_t n, unsigned threads, wf_parallel_fn fn, void *ctx);

#endif
