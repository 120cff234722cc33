/* simulator/relay.c over loopback, everything on one libuv loop: an echo
 * server as the relay's target and clients that dial the relay.
 *   - with no faults, bytes pass both ways unchanged, a half-close passes
 *     through after the data, and the counters add up;
 *   - a delay holds each way at least that long; with jitter the byte order
 *     is kept and each way is held at least delay − jitter;
 *   - loss = 1 holds a chunk one retransmission timeout (200 ms) longer;
 *   - bitflip = 1 changes bits (no more than it counts) but no lengths, and a
 *     seed reproduces the same flips;
 *   - a sender faster than the delay makes the relay stop reading it and
 *     everything still arrives in order;
 *   - cut closes the open connection and refuses new ones until cleared;
 *     drop_connections closes without refusing;
 *   - a target that is down gets the dialer's connection closed;
 *   - faults out of range and a port in use are refused;
 *   - close with data held frees everything (the loop then closes with no
 *     handle left; valgrind and ASan check the memory) and frees the port,
 *     where a new relay can start at once.
 * The only timed assertions are lower bounds: "held at least this long". */
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "simulator/relay.h"
#include "tests/check.h"

#define WAIT_NS   (20 * 1000000000ull) /* for what must happen: generous, it returns as soon as it does */
#define TICK_MS   5                    /* so UV_RUN_ONCE wakes up to look at the condition again */
#define READ_SIZE (64 * 1024)

static uv_loop_t loop;
static uv_timer_t tick;

/* Runs the loop until cond holds or WAIT_NS pass; the caller then CHECKs
 * cond itself. */
#define WAIT_FOR(cond)                                                                                       \
    do {                                                                                                     \
        uint64_t deadline_ = uv_hrtime() + WAIT_NS;                                                          \
        while (!(cond) && uv_hrtime() < deadline_)                                                           \
            uv_run(&loop, UV_RUN_ONCE);                                                                      \
    } while (0)

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

static double ms_since(uint64_t t0)
{
    return (double)(uv_hrtime() - t0) / 1e6;
}

static uint16_t bound_port(const uv_tcp_t *t)
{
    struct sockaddr_in a;
    int len = sizeof a;
    REQUIRE(uv_tcp_getsockname(t, (struct sockaddr *)&a, &len) == 0);
    return ntohs(a.sin_port);
}

static void free_on_close(uv_handle_t *h)
{
    free(h);
}

/* ---- the echo server: writes back whatever it reads, ends its stream
 * after the peer's ---- */

typedef struct echo_write {
    uv_write_t req;
    char data[];
} echo_write;

static uv_tcp_t echo_listener;
static uint16_t echo_port;

static void echo_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    buf->base = malloc(READ_SIZE);
    buf->len = buf->base != NULL ? READ_SIZE : 0;
}

static void echo_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void echo_close(uv_stream_t *s)
{
    if (!uv_is_closing((uv_handle_t *)s))
        uv_close((uv_handle_t *)s, free_on_close);
}

static void echo_shut(uv_shutdown_t *req, int status)
{
    (void)status;
    echo_close(req->handle);
    free(req);
}

static void echo_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    if (nread > 0) {
        echo_write *w = malloc(sizeof *w + (size_t)nread);
        REQUIRE(w != NULL);
        memcpy(w->data, buf->base, (size_t)nread);
        uv_buf_t b = uv_buf_init(w->data, (unsigned)nread);
        if (uv_write(&w->req, s, &b, 1, echo_written) != 0) {
            free(w);
            echo_close(s);
        }
    } else if (nread == UV_EOF) {
        uv_shutdown_t *req = malloc(sizeof *req);
        REQUIRE(req != NULL);
        if (uv_shutdown(req, s, echo_shut) != 0) {
            free(req);
            echo_close(s);
        }
    } else if (nread < 0) {
        echo_close(s);
    }
    free(buf->base);
}

static void echo_connection(uv_stream_t *server, int status)
{
    uv_tcp_t *c = malloc(sizeof *c);
    REQUIRE(status == 0 && c != NULL);
    uv_tcp_init(&loop, c);
    REQUIRE(uv_accept(server, (uv_stream_t *)c) == 0);
    uv_tcp_nodelay(c, 1);
    REQUIRE(uv_read_start((uv_stream_t *)c, echo_alloc, echo_read) == 0);
}

static void echo_start(void)
{
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(&loop, &echo_listener);
    REQUIRE(uv_tcp_bind(&echo_listener, (const struct sockaddr *)&a, 0) == 0);
    REQUIRE(uv_listen((uv_stream_t *)&echo_listener, 16, echo_connection) == 0);
    echo_port = bound_port(&echo_listener);
}

/* ---- clients: dial, write, collect what comes back ---- */

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_shutdown_t shutdown_req;
    int connected, ended, closed; /* ended: EOF or an error on reading */
    int eof;                      /* ended by a clean end of stream */
    unsigned char *rx;
    size_t rx_len, rx_cap;
    size_t writes_pending;
} client;

static void client_closed(uv_handle_t *h)
{
    client *c = h->data;
    c->closed = 1;
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    client *c = h->data;
    (void)suggested;
    if (c->rx_cap - c->rx_len < READ_SIZE) {
        c->rx_cap = c->rx_cap * 2 + READ_SIZE;
        c->rx = realloc(c->rx, c->rx_cap);
        REQUIRE(c->rx != NULL);
    }
    *buf = uv_buf_init((char *)c->rx + c->rx_len, READ_SIZE);
}

static void client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    client *c = s->data;
    (void)buf;
    if (nread > 0) {
        c->rx_len += (size_t)nread;
    } else if (nread < 0) {
        c->ended = 1;
        c->eof = nread == UV_EOF;
        uv_read_stop(s);
    }
}

static void client_connected(uv_connect_t *req, int status)
{
    client *c = req->data;
    if (status != 0) {
        c->ended = 1;
        return;
    }
    c->connected = 1;
    uv_tcp_nodelay(&c->tcp, 1);
    REQUIRE(uv_read_start((uv_stream_t *)&c->tcp, client_alloc, client_read) == 0);
}

static void client_dial(client *c, uint16_t port)
{
    struct sockaddr_in a;
    memset(c, 0, sizeof *c);
    uv_ip4_addr("127.0.0.1", port, &a);
    uv_tcp_init(&loop, &c->tcp);
    c->tcp.data = c;
    c->connect_req.data = c;
    REQUIRE(uv_tcp_connect(&c->connect_req, &c->tcp, (const struct sockaddr *)&a, client_connected) == 0);
    WAIT_FOR(c->connected || c->ended);
    REQUIRE(c->connected);
}

static void client_written(uv_write_t *req, int status)
{
    client *c = req->data;
    (void)status;
    c->writes_pending--;
    free(req);
}

/* Queues a copy of data[0..len) for sending. */
static void client_send(client *c, const void *data, size_t len)
{
    uv_write_t *req = malloc(sizeof *req + len);
    REQUIRE(req != NULL);
    memcpy(req + 1, data, len);
    req->data = c;
    uv_buf_t b = uv_buf_init((char *)(req + 1), (unsigned)len);
    REQUIRE(uv_write(req, (uv_stream_t *)&c->tcp, &b, 1, client_written) == 0);
    c->writes_pending++;
}

static void client_shut(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

static void client_half_close(client *c)
{
    REQUIRE(uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, client_shut) == 0);
}

static void client_free(client *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, client_closed);
    WAIT_FOR(c->closed);
    REQUIRE(c->closed);
    free(c->rx);
    c->rx = NULL;
}

/* Sends len pattern bytes and waits for them to come back; 1 when they
 * came back unchanged. */
static int client_echo(client *c, size_t len)
{
    unsigned char *msg = malloc(len);
    REQUIRE(msg != NULL);
    for (size_t i = 0; i < len; i++)
        msg[i] = (unsigned char)(i * 131 + 7);
    size_t start = c->rx_len;
    client_send(c, msg, len);
    WAIT_FOR(c->rx_len >= start + len || c->ended);
    int ok = c->rx_len == start + len && memcmp(c->rx + start, msg, len) == 0;
    free(msg);
    return ok;
}

static wf_relay *relay_new(const wf_link_faults *f, uint64_t seed)
{
    wf_relay *r = NULL;
    const char *why = NULL;
    wf_err err = wf_relay_start(&r, &loop, 0, echo_port, f, seed, &why);
    if (err != WF_OK)
        fprintf(stderr, "relay: %s\n", why);
    REQUIRE(err == WF_OK && r != NULL && wf_relay_port(r) != 0);
    return r;
}

static wf_relay_counters counters(const wf_relay *r)
{
    wf_relay_counters k;
    wf_relay_counters_get(r, &k);
    return k;
}

/* ---- the tests ---- */

static void test_passthrough(void)
{
    const size_t n = 300000; /* several reads' worth */
    wf_relay *r = relay_new(NULL, 1);
    client c;
    client_dial(&c, wf_relay_port(r));
    unsigned char *msg = malloc(n);
    REQUIRE(msg != NULL);
    for (size_t i = 0; i < n; i++)
        msg[i] = (unsigned char)(i ^ (i >> 8));
    client_send(&c, msg, n);
    client_half_close(&c);
    /* The echo server ends its stream only after it saw ours end, so the end
     * of stream passed through the relay both ways, after the data. */
    WAIT_FOR(c.ended);
    CHECK(c.eof);
    CHECK(c.rx_len == n && memcmp(c.rx, msg, n) == 0);
    WAIT_FOR(counters(r).open == 0); /* both ways ended: the relay closes */
    wf_relay_counters k = counters(r);
    CHECK(k.open == 0);
    CHECK(k.accepted == 1 && k.refused == 0 && k.connect_failed == 0 && k.dropped == 0);
    CHECK(k.bytes_to_target == n && k.bytes_from_target == n);
    CHECK(k.chunks_delayed == 0 && k.chunks_lost == 0 && k.flips == 0);
    free(msg);
    client_free(&c);
    wf_relay_close(r);
}

/* Writes one 8-byte message (its sequence number) every few ms. */
typedef struct pacer {
    uv_timer_t timer;
    client *c;
    uint32_t next, count;
    uint64_t *sent_at;
} pacer;

static void pace(uv_timer_t *t)
{
    pacer *p = t->data;
    unsigned char m[8] = {0};
    memcpy(m, &p->next, sizeof p->next);
    p->sent_at[p->next] = uv_hrtime();
    client_send(p->c, m, sizeof m);
    if (++p->next == p->count)
        uv_timer_stop(t);
}

static void pacer_closed(uv_handle_t *h)
{
    *(int *)h->data = 1;
}

static void test_delay_and_jitter(void)
{
    enum { COUNT = 40 };
    const double delay = 30, jitter = 25;
    wf_link_faults f = {.delay_ms = 60};
    wf_relay *r = relay_new(&f, 2);
    client c;
    client_dial(&c, wf_relay_port(r));

    /* A plain delay: the round trip passes it twice. */
    uint64_t t0 = uv_hrtime();
    CHECK(client_echo(&c, 100));
    CHECK(ms_since(t0) >= 2 * f.delay_ms);
    CHECK(counters(r).chunks_delayed >= 2);

    /* Jitter, set live on the open connection: messages sent every 3 ms,
     * each held a different time, must still come back in order. */
    f = (wf_link_faults){.delay_ms = delay, .jitter_ms = jitter};
    CHECK_OK(wf_relay_set(r, &f, NULL));
    uint64_t sent_at[COUNT], back_at[COUNT];
    pacer p = {.c = &c, .count = COUNT, .sent_at = sent_at};
    int pacer_done = 0;
    uv_timer_init(&loop, &p.timer);
    p.timer.data = &p;
    uv_timer_start(&p.timer, pace, 0, 3);
    size_t base = c.rx_len, seen = 0;
    while (seen < COUNT) {
        WAIT_FOR(c.rx_len >= base + 8 * (seen + 1) || c.ended);
        if (c.rx_len < base + 8 * (seen + 1))
            break;
        for (; seen < COUNT && c.rx_len >= base + 8 * (seen + 1); seen++)
            back_at[seen] = uv_hrtime();
    }
    CHECK(seen == COUNT && c.rx_len == base + 8 * COUNT);
    int in_order = 1, held = 1;
    for (uint32_t i = 0; i < seen; i++) {
        uint32_t seq;
        memcpy(&seq, c.rx + base + 8 * i, sizeof seq);
        in_order &= seq == i;
        held &= (double)(back_at[i] - sent_at[i]) / 1e6 >= 2 * (delay - jitter);
    }
    CHECK(in_order);
    CHECK(held);
    p.timer.data = &pacer_done;
    uv_close((uv_handle_t *)&p.timer, pacer_closed);
    WAIT_FOR(pacer_done);

    /* Loss: every chunk is "retransmitted", one RTO (200 ms) late each way. */
    f = (wf_link_faults){.loss = 1};
    CHECK_OK(wf_relay_set(r, &f, NULL));
    wf_relay_counters before = counters(r);
    t0 = uv_hrtime();
    CHECK(client_echo(&c, 100));
    CHECK(ms_since(t0) >= 2 * WF_RELAY_MIN_RTO_MS);
    CHECK(counters(r).chunks_lost >= before.chunks_lost + 2);

    client_free(&c);
    wf_relay_close(r);
}

/* Echoes 1000 bytes through a relay flipping a bit of every chunk; returns
 * what came back (1000 bytes, malloc'ed) and the flip count. */
static unsigned char *flipped_echo(uint64_t seed, uint64_t *flips)
{
    wf_link_faults f = {.bitflip = 1};
    wf_relay *r = relay_new(&f, seed);
    client c;
    client_dial(&c, wf_relay_port(r));
    unsigned char msg[1000];
    memset(msg, 0x5a, sizeof msg);
    client_send(&c, msg, sizeof msg);
    client_half_close(&c);
    WAIT_FOR(c.ended);
    CHECK(c.rx_len == sizeof msg); /* a flip changes bits, never lengths */
    *flips = counters(r).flips;
    unsigned char *out = calloc(1, sizeof msg);
    REQUIRE(out != NULL);
    memcpy(out, c.rx, c.rx_len < sizeof msg ? c.rx_len : sizeof msg);
    client_free(&c);
    wf_relay_close(r);
    return out;
}

static void test_bitflip(void)
{
    uint64_t flips = 0, flips2 = 0, flips3 = 0;
    unsigned char *a = flipped_echo(7, &flips);
    unsigned char *b = flipped_echo(7, &flips2);
    unsigned char *d = flipped_echo(8, &flips3);
    unsigned diff = 0;
    for (size_t i = 0; i < 1000; i++)
        diff += (unsigned)__builtin_popcount(a[i] ^ 0x5a);
    CHECK(flips >= 2);                 /* at least one chunk each way */
    CHECK(diff >= 1 && diff <= flips); /* two flips of one bit may cancel, no more */
    /* Same seed, same (single-chunk) traffic: the same bits flipped. */
    CHECK(flips2 == flips && memcmp(a, b, 1000) == 0);
    CHECK(memcmp(a, d, 1000) != 0);
    free(a);
    free(b);
    free(d);
}

static void test_backpressure(void)
{
    const size_t n = 3u << 20, piece = 64 * 1024;
    wf_link_faults f = {.delay_ms = 100};
    wf_relay *r = relay_new(&f, 3);
    client c;
    client_dial(&c, wf_relay_port(r));
    unsigned char *msg = malloc(n);
    REQUIRE(msg != NULL);
    for (size_t i = 0; i < n; i++)
        msg[i] = (unsigned char)(i * 7 + (i >> 16));
    for (size_t at = 0; at < n; at += piece)
        client_send(&c, msg + at, piece);
    WAIT_FOR(c.rx_len >= n || c.ended);
    CHECK(c.rx_len == n && memcmp(c.rx, msg, n) == 0);
    wf_relay_counters k = counters(r);
    CHECK(k.read_pauses >= 1);
    CHECK(k.bytes_to_target == n);
    free(msg);
    client_free(&c);
    wf_relay_close(r);
}

static void test_cut_and_drop(void)
{
    wf_link_faults f = {0};
    wf_relay *r = relay_new(&f, 4);
    client a, b, d, e;

    client_dial(&a, wf_relay_port(r));
    CHECK(client_echo(&a, 500));
    f.cut = 1;
    CHECK_OK(wf_relay_set(r, &f, NULL));
    CHECK(counters(r).open == 0 && counters(r).dropped == 1); /* at once */
    WAIT_FOR(a.ended);
    CHECK(a.ended);

    /* While cut, a connection is accepted by the kernel and closed by the
     * relay without a byte. */
    client_dial(&b, wf_relay_port(r));
    client_send(&b, "hello", 5);
    WAIT_FOR(b.ended);
    CHECK(b.ended && b.rx_len == 0);
    CHECK(counters(r).refused == 1 && counters(r).accepted == 1);

    f.cut = 0;
    CHECK_OK(wf_relay_set(r, &f, NULL));
    client_dial(&d, wf_relay_port(r));
    CHECK(client_echo(&d, 500));
    CHECK(counters(r).accepted == 2 && counters(r).open == 1);

    /* drop_connections closes without refusing what comes next. */
    wf_relay_drop_connections(r);
    CHECK(counters(r).open == 0 && counters(r).dropped == 2);
    WAIT_FOR(d.ended);
    CHECK(d.ended);
    client_dial(&e, wf_relay_port(r));
    CHECK(client_echo(&e, 500));
    CHECK(counters(r).accepted == 3 && counters(r).refused == 1);

    client_free(&a);
    client_free(&b);
    client_free(&d);
    client_free(&e);
    wf_relay_close(r);
}

static int listener_closed;

static void on_listener_closed(uv_handle_t *h)
{
    (void)h;
    listener_closed = 1;
}

static void test_target_down(void)
{
    /* A port that was just free: bound, read, released. */
    uv_tcp_t probe;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(&loop, &probe);
    REQUIRE(uv_tcp_bind(&probe, (const struct sockaddr *)&a, 0) == 0);
    uint16_t dead = bound_port(&probe);
    listener_closed = 0;
    uv_close((uv_handle_t *)&probe, on_listener_closed);
    WAIT_FOR(listener_closed);

    wf_relay *r = NULL;
    CHECK_OK(wf_relay_start(&r, &loop, 0, dead, NULL, 5, NULL));
    REQUIRE(r != NULL);
    client c;
    client_dial(&c, wf_relay_port(r));
    WAIT_FOR(c.ended);
    CHECK(c.ended && c.rx_len == 0);
    wf_relay_counters k = counters(r);
    CHECK(k.accepted == 1 && k.connect_failed == 1 && k.open == 0);
    client_free(&c);
    wf_relay_close(r);
}

static void test_refusals(void)
{
    wf_relay *r = (wf_relay *)&loop; /* must be reset to NULL on failure */
    const char *why = NULL;
    const wf_link_faults bad[] = {
        {.delay_ms = -1}, {.delay_ms = NAN}, {.jitter_ms = -0.5}, {.delay_ms = 60001},
        {.loss = 1.5},    {.loss = -0.1},    {.bitflip = 2},      {.bitflip = NAN},
    };
    CHECK_ERR(wf_relay_start(NULL, &loop, 0, echo_port, NULL, 1, &why), WF_ERR_ARG);
    CHECK_ERR(wf_relay_start(&r, NULL, 0, echo_port, NULL, 1, &why), WF_ERR_ARG);
    CHECK(r == NULL);
    CHECK_ERR(wf_relay_start(&r, &loop, 0, 0, NULL, 1, &why), WF_ERR_ARG);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = (wf_relay *)&loop;
        why = NULL;
        CHECK_ERR(wf_relay_start(&r, &loop, 0, echo_port, &bad[i], 1, &why), WF_ERR_RANGE);
        CHECK(r == NULL && why != NULL);
    }
    /* The echo server holds its port. */
    why = NULL;
    CHECK_ERR(wf_relay_start(&r, &loop, echo_port, echo_port, NULL, 1, &why), WF_ERR_INTERNAL);
    CHECK(r == NULL && why != NULL);

    /* A refused change leaves the faults as they were. */
    wf_link_faults f = {.delay_ms = 5, .jitter_ms = 1, .loss = 0.25, .bitflip = 0.5}, got;
    r = relay_new(&f, 0); /* 0: a seed from libsodium */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_ERR(wf_relay_set(r, &bad[i], NULL), WF_ERR_RANGE);
    CHECK_ERR(wf_relay_set(r, NULL, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_relay_set(NULL, &f, NULL), WF_ERR_ARG);
    wf_relay_get(r, &got);
    CHECK(memcmp(&got, &f, sizeof f) == 0);
    wf_relay_close(r);
    wf_relay_close(NULL);
    wf_relay_drop_connections(NULL);
}

/* 1 if a TCP listener could bind 127.0.0.1:port now. */
static int port_free(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
             bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void test_close_with_data_held(void)
{
    wf_link_faults f = {.delay_ms = 5000};
    wf_relay *r = relay_new(&f, 6);
    uint16_t port = wf_relay_port(r);
    client c;
    client_dial(&c, port);
    client_send(&c, "held in the relay", 17);
    WAIT_FOR(counters(r).chunks_delayed >= 1);
    CHECK(counters(r).chunks_delayed == 1 && counters(r).bytes_to_target == 0);
    CHECK(!port_free(port));
    wf_relay_close(r);
    WAIT_FOR(c.ended);
    CHECK(c.ended && c.rx_len == 0);
    CHECK(port_free(port));
    client_free(&c);

    /* A relay started again on the same port (as the simulator does after a
     * restart) binds it despite the last one's closed connections. */
    wf_relay *again = NULL;
    CHECK_OK(wf_relay_start(&again, &loop, port, echo_port, NULL, 6, NULL));
    REQUIRE(again != NULL);
    CHECK(wf_relay_port(again) == port);
    client_dial(&c, port);
    CHECK(client_echo(&c, 100));
    client_free(&c);
    wf_relay_close(again);
}

static void count_handle(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        ++*(int *)arg;
}

static int count_open_handles(void)
{
    int n = 0;
    uv_walk(&loop, count_handle, &n);
    return n;
}

/* Echo connections are malloc'ed; the rest are static. */
static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, h == (uv_handle_t *)&echo_listener || h == (uv_handle_t *)&tick ? NULL : free_on_close);
}

int main(void)
{
    REQUIRE(uv_loop_init(&loop) == 0);
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, on_tick, TICK_MS, TICK_MS);
    echo_start();

    test_passthrough();
    test_delay_and_jitter();
    test_bitflip();
    test_backpressure();
    test_cut_and_drop();
    test_target_down();
    test_refusals();
    test_close_with_data_held();

    /* Every relay was closed, so the echo server's connections end; once
     * they, the echo listener and the tick are closed, no handle may be
     * left: the relays' close callbacks all ran and freed everything (the
     * sanitizer and valgrind runs check that they did). */
    int open_handles = 0;
    WAIT_FOR((open_handles = count_open_handles()) == 2); /* the echo listener and the tick */
    CHECK(open_handles == 2);
    uv_walk(&loop, close_handle, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    return wf_check_summary("test_relay");
}
