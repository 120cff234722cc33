/* An in-process network for protocol state machines: n machines exchange
 * envelopes over one FIFO queue until nobody has anything left to send.
 * Used by the tests and the benches; the node drives the same machines over
 * NNG instead.
 *
 * A hook sees every envelope before delivery and may drop it (return 0) or
 * replace its bytes (a test playing a network adversary). The harness counts
 * the bytes each party sends (once per recipient) and the process CPU time
 * spent inside each party's start/step calls. */
#ifndef WF_PROTOCOL_HARNESS_H
#define WF_PROTOCOL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/machine.h"

typedef struct wf_harness_stats {
    uint64_t cpu_ns[WF_MAX_MEMBERS]; /* by machine position */
    uint64_t bytes_sent[WF_MAX_MEMBERS];
    uint64_t msgs_sent[WF_MAX_MEMBERS];
    size_t refused; /* envelopes a machine refused (step returned an error) */
} wf_harness_stats;

/* Return 0 to drop the envelope; may replace *bytes (malloc'ed; free the old). */
typedef int (*wf_harness_hook)(void *ctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len);

/* Starts every machine (in order) and delivers until the queue is empty.
 * stats and hook may be NULL. WF_OK when the queue drained; the machines'
 * statuses say how each ended. */
wf_err wf_harness_run(wf_machine *const *m, size_t n, wf_harness_hook hook, void *ctx, wf_harness_stats *stats);

#endif
