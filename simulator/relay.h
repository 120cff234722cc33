/* A fault-injecting TCP relay for the simulator (DESIGN §6: latency, loss,
 * partitions). One relay sits on one direction of one peer link of a
 * simulated cluster: node i's dialer connects to the relay's port on
 * 127.0.0.1 instead of node j's, and for every such connection the relay
 * dials node j's real port on 127.0.0.1 and copies bytes both ways. The
 * stream is TLS end to end; the relay never parses it. It only holds,
 * releases and damages chunks — a chunk is whatever one read returned, so
 * its size follows the sender's writes and TCP's segmentation.
 *
 * Faults, set at start and changeable at any time with wf_relay_set. A
 * change applies to chunks read from then on: chunks already held keep the
 * release time they were given. Every fault applies to both directions of a
 * connection (i→j carries the data; j→i only the TLS handshake and TCP's
 * acknowledgements, which a real link delays just the same).
 *
 *   delay_ms, jitter_ms  Each chunk is held delay + U(-jitter, +jitter) ms
 *           (at least 0) after it was read. Byte order per direction is kept,
 *           as one TCP connection keeps it: a chunk's release time is
 *           max(the previous chunk's release time, read time + hold), so
 *           jitter spreads bursts out but never reorders them. The delay is
 *           one-way: the link's round trip is 2·delay. A chunk is never
 *           released before its time (the relay checks the monotonic clock,
 *           not only libuv's cached loop time); it may be released a
 *           millisecond or so after it, the timer's granularity.
 *   loss    The probability that a chunk is "lost". TCP never shows a loss to
 *           its reader, only a retransmission: so a lost chunk is not dropped
 *           (that would corrupt the stream, which no real link can do to a
 *           TCP connection) but held one retransmission timeout longer,
 *           RTO = max(200 ms, 2·RTT) = max(200, 4·delay) ms — 200 ms is
 *           Linux's floor for the RTO, and 2·RTT stands for its estimate of
 *           RTT plus variance. With the ordering rule the chunks behind it
 *           wait too: head-of-line blocking, as in TCP. A chunk is lost at
 *           most once (no repeated losses, no exponential backoff).
 *   bitflip The probability that one bit of a chunk, chosen uniformly, is
 *           flipped. The authenticated TLS channel must reject the record;
 *           the node drops the connection and its dialer reconnects.
 *   cut     A partition. Setting it closes every open connection of the
 *           relay at once; while it is set, new connections are accepted and
 *           closed immediately (counted as refused). Clearing it lets new
 *           connections through again.
 *
 * wf_relay_drop_connections closes every open connection without cutting:
 * for when the target node is killed, or for tests. Closing is a plain
 * close on both sockets, so each node sees the end of its stream.
 *
 * Connections. The relay dials the target only when a connection arrives,
 * and starts copying once that dial succeeds; if it fails the accepted side
 * is closed (counted as connect_failed), which a dialer sees as the peer
 * being down. When one side ends its stream (EOF), the relay sends its
 * end-of-stream on to the other side after the data it still holds for it
 * (a half-close) and keeps copying the other way; the connection is closed
 * once both ways have ended, or at once when either side fails (reset,
 * write error). TCP_NODELAY is set on both sockets so the relay adds no
 * Nagle delay of its own.
 *
 * Backpressure. When more than WF_RELAY_HIGH_WATER bytes read from a side
 * wait in the relay (held, or handed to the other side's socket and not yet
 * written), the relay stops reading that side, so TCP's flow control pushes
 * back on its sender; it reads again once they drop to WF_RELAY_LOW_WATER.
 * Memory per connection is therefore bounded by about 2 · (high-water mark
 * + one 64 KiB read); every read of a relay lands in one buffer it owns.
 *
 * Randomness (jitter samples, loss and bitflip draws, which bit) comes from
 * a xoshiro256** generator seeded through splitmix64: NOT for cryptography,
 * only to make fault decisions. A seed of 0 asks for a fresh seed from
 * libsodium's randombytes_buf; any other seed gives the same sequence of
 * decisions on every run (callers that want random runs they can replay
 * draw the seed themselves and log it). Chunk boundaries depend on timing,
 * so the same seed reproduces the decisions, not which bytes they hit.
 *
 * Threads: everything runs on the thread of the loop given to
 * wf_relay_start; no function here may be called from another thread. */
#ifndef WF_SIM_RELAY_H
#define WF_SIM_RELAY_H

#include <stdint.h>

#include <uv.h>

#include "crypto/err.h"

#define WF_RELAY_MAX_DELAY_MS 60000.0    /* bound for delay_ms and jitter_ms */
#define WF_RELAY_MIN_RTO_MS   200.0      /* a lost chunk is held max(this, 4·delay) ms longer */
#define WF_RELAY_HIGH_WATER   (1u << 20) /* bytes waiting per direction before the relay stops reading */
#define WF_RELAY_LOW_WATER    (1u << 18) /* ... and when it reads again */

typedef struct wf_link_faults {
    double delay_ms;  /* one-way hold per chunk, 0..WF_RELAY_MAX_DELAY_MS */
    double jitter_ms; /* uniform ±jitter around delay, 0..WF_RELAY_MAX_DELAY_MS */
    double loss;      /* probability per chunk, 0..1: held one RTO longer */
    double bitflip;   /* probability per chunk, 0..1: one bit flipped */
    int cut;          /* non-zero: partitioned */
} wf_link_faults;

typedef struct wf_relay_counters {
    uint64_t accepted;          /* connections taken on and forwarded (or tried: see connect_failed) */
    uint64_t refused;           /* connections accepted and closed at once because the link was cut */
    uint64_t connect_failed;    /* accepted connections closed because the target could not be reached */
    uint64_t dropped;           /* open connections closed by cut or wf_relay_drop_connections */
    uint64_t bytes_to_target;   /* i→j bytes written to the target */
    uint64_t bytes_from_target; /* j→i bytes written back to the dialer */
    uint64_t chunks_delayed;    /* chunks held for any time at all, either direction */
    uint64_t chunks_lost;       /* chunks held one RTO longer (a subset of chunks_delayed) */
    uint64_t flips;             /* bits flipped, either direction */
    uint64_t read_pauses;       /* times a side stopped being read for backpressure */
    uint64_t open;              /* connections open now */
} wf_relay_counters;

typedef struct wf_relay wf_relay;

/* Starts a relay listening on 127.0.0.1:listen_port (0: a port the kernel
 * picks, see wf_relay_port) that forwards to 127.0.0.1:target_port, with
 * faults *f (NULL: none) and the given seed (0: random, see above).
 * WF_ERR_ARG for NULL out or loop, or target_port 0; WF_ERR_RANGE for
 * faults out of range (NaN included); WF_ERR_INTERNAL when the port cannot
 * be bound (in use); WF_ERR_NOMEM. On failure *out is NULL and nothing is
 * left to free. */
wf_err wf_relay_start(wf_relay **out, uv_loop_t *loop, uint16_t listen_port, uint16_t target_port,
                      const wf_link_faults *f, uint64_t seed, const char **why);

/* The port the relay listens on. */
uint16_t wf_relay_port(const wf_relay *r);

/* Replaces the faults; chunks read from now on follow them. Setting cut
 * closes every open connection now. WF_ERR_ARG for NULL, WF_ERR_RANGE for
 * values out of range (the faults are then left as they were). */
wf_err wf_relay_set(wf_relay *r, const wf_link_faults *f, const char **why);

/* The faults in force. */
void wf_relay_get(const wf_relay *r, wf_link_faults *out);

/* Closes every open connection now, without cutting: new ones are taken on
 * as usual. */
void wf_relay_drop_connections(wf_relay *r);

void wf_relay_counters_get(const wf_relay *r, wf_relay_counters *out);

/* Stops listening and closes every connection. The memory is freed once the
 * loop has run the close callbacks, so run the loop afterwards (e.g.
 * uv_run(loop, UV_RUN_DEFAULT) until it returns, with nothing else on it).
 * r must not be used after this call. Accepts NULL. */
void wf_relay_close(wf_relay *r);

#endif
