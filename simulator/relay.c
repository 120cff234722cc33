#include "simulator/relay.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "node/fail.h"

#define READ_BYTES   (64 * 1024) /* one read; a chunk is at most this */
#define NS_PER_MS    1000000.0
#define CONN_HANDLES 4 /* down, up and one timer per direction */

/* The struct a libuv request is embedded in (its data field is ours too, but
 * this needs no promise about what uv_write and friends leave in it). */
#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- the fault generator: xoshiro256**, seeded through splitmix64 ---- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void rng_seed(rng *g, uint64_t seed)
{
    /* splitmix64 spreads any seed, 1 included, over the whole state, which
     * is then never all zero (the one state xoshiro cannot leave). */
    for (int i = 0; i < 4; i++)
        g->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *g)
{
    uint64_t *s = g->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1), from the top 53 bits. */
static double rng_unit(rng *g)
{
    return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) for n > 0, by rejection (n is a chunk's bit count: the
 * bias of a plain modulo would be tiny, but rejection costs nothing here). */
static uint64_t rng_below(rng *g, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = rng_next(g);
    while (x >= limit);
    return x % n;
}

/* ---- state ---- */

typedef struct conn conn;

/* A chunk read from one side, held until its release time, then written to
 * the other side; the write request lives in it until written. */
typedef struct chunk {
    struct chunk *next;
    struct flow *flow;
    uint64_t release_ns; /* uv_hrtime() clock */
    uv_write_t req;
    size_t len;
    char data[];
} chunk;

/* One direction of a connection: bytes read from src, written to dst. */
typedef struct flow {
    conn *c;
    uv_tcp_t *src, *dst;
    uv_timer_t timer;         /* runs while a held chunk waits for its release time */
    chunk *head, *tail;       /* held, in release order */
    uint64_t last_release_ns; /* of the last chunk queued: the next is not released before */
    size_t waiting;           /* bytes held plus bytes handed to dst and not yet written */
    uint64_t *bytes_counter;  /* the relay's counter of bytes written this way */
    uv_shutdown_t shutdown_req;
    int paused;   /* src not read: too many bytes waiting */
    int eof;      /* src ended its stream */
    int shutting; /* end of stream passed on to dst (shutdown requested) */
    int ended;    /* ... and done */
} flow;

struct conn {
    conn *prev, *next; /* the relay's open connections */
    wf_relay *r;
    uv_tcp_t down; /* accepted: the dialing node i */
    uv_tcp_t up;   /* dialed: the target node j */
    uv_connect_t connect_req;
    flow flows[2]; /* [0] down → up (i → j), [1] up → down */
    int handles;   /* not yet closed */
    int closing;
};

struct wf_relay {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uint16_t port;
    struct sockaddr_in target;
    wf_link_faults faults;
    rng g;
    wf_relay_counters counters;
    conn *conns;
    size_t live; /* the listener until closed, plus every connection not yet freed */
    int closing;
    char read_buf[READ_BYTES]; /* every read lands here and is copied into a chunk at once */
};

static void relay_unref(wf_relay *r)
{
    if (--r->live == 0)
        free(r);
}

/* ---- faults ---- */

static int faults_valid(const wf_link_faults *f)
{
    /* Written so that NaN fails every comparison and so every check. */
    return f->delay_ms >= 0 && f->delay_ms <= WF_RELAY_MAX_DELAY_MS && f->jitter_ms >= 0 &&
           f->jitter_ms <= WF_RELAY_MAX_DELAY_MS && f->loss >= 0 && f->loss <= 1 && f->bitflip >= 0 &&
           f->bitflip <= 1;
}

/* How long a chunk read now is held, in ms, drawing its loss. */
static double hold_ms(wf_relay *r)
{
    const wf_link_faults *f = &r->faults;
    double ms = f->delay_ms;
    if (f->jitter_ms > 0)
        ms += (2 * rng_unit(&r->g) - 1) * f->jitter_ms;
    if (ms < 0)
        ms = 0;
    if (f->loss > 0 && rng_unit(&r->g) < f->loss) {
        ms += fmax(WF_RELAY_MIN_RTO_MS, 4 * f->delay_ms);
        r->counters.chunks_lost++;
    }
    return ms;
}

static void maybe_flip(wf_relay *r, chunk *k)
{
    if (r->faults.bitflip > 0 && rng_unit(&r->g) < r->faults.bitflip) {
        uint64_t bit = rng_below(&r->g, (uint64_t)k->len * 8);
        ((unsigned char *)k->data)[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        r->counters.flips++;
    }
}

/* ---- closing ---- */

static void free_held(flow *f)
{
    while (f->head != NULL) {
        chunk *k = f->head;
        f->head = k->next;
        free(k);
    }
    f->tail = NULL;
}

/* Runs once per handle of c; the last frees c. libuv has by then called
 * every pending write, connect and shutdown callback (with UV_ECANCELED), so
 * nothing refers to c any more. */
static void on_conn_handle_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (--c->handles > 0)
        return;
    wf_relay *r = c->r;
    free_held(&c->flows[0]);
    free_held(&c->flows[1]);
    free(c);
    relay_unref(r);
}

/* Closes both sockets and both timers of c; safe to call more than once and
 * from c's own callbacks (c is freed later, from the loop). */
static void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    wf_relay *r = c->r;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        r->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    r->counters.open--;
    uv_close((uv_handle_t *)&c->down, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->up, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->flows[0].timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->flows[1].timer, on_conn_handle_closed);
}

static void drop_all(wf_relay *r)
{
    while (r->conns != NULL) {
        r->counters.dropped++;
        conn_close(r->conns);
    }
}

/* ---- copying ---- */

static void flow_pump(flow *f);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = h->data;
    (void)suggested;
    *buf = uv_buf_init(c->r->read_buf, sizeof c->r->read_buf);
}

static int flow_read_start(flow *f)
{
    return uv_read_start((uv_stream_t *)f->src, on_alloc, on_read);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    flow *f = CONTAINER(req, flow, shutdown_req);
    conn *c = f->c;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    f->ended = 1;
    if (c->flows[0].ended && c->flows[1].ended)
        conn_close(c);
}

static void on_write(uv_write_t *req, int status)
{
    chunk *k = CONTAINER(req, chunk, req);
    flow *f = k->flow;
    conn *c = f->c;
    f->waiting -= k->len;
    if (status == 0)
        *f->bytes_counter += k->len;
    free(k);
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (f->paused && f->waiting <= WF_RELAY_LOW_WATER && !f->eof) {
        if (flow_read_start(f) != 0) {
            conn_close(c);
            return;
        }
        f->paused = 0;
    }
}

static void on_timer(uv_timer_t *t)
{
    flow_pump(CONTAINER(t, flow, timer));
}

/* Writes every held chunk whose time has come, in order; sets the timer for
 * the next one; passes the end of stream on once nothing is held. */
static void flow_pump(flow *f)
{
    conn *c = f->c;
    uint64_t now = uv_hrtime();
    while (f->head != NULL && f->head->release_ns <= now) {
        chunk *k = f->head;
        f->head = k->next;
        if (f->head == NULL)
            f->tail = NULL;
        uv_buf_t b = uv_buf_init(k->data, (unsigned)k->len);
        if (uv_write(&k->req, (uv_stream_t *)f->dst, &b, 1, on_write) != 0) {
            f->waiting -= k->len;
            free(k);
            conn_close(c);
            return;
        }
    }
    if (f->head != NULL) {
        /* Rounded up: the timer may still fire early by the staleness of
         * libuv's cached loop time, and then this runs again and re-arms. */
        uint64_t ms = (f->head->release_ns - now + (uint64_t)NS_PER_MS - 1) / (uint64_t)NS_PER_MS;
        uv_timer_start(&f->timer, on_timer, ms, 0);
    } else if (f->eof && !f->shutting) {
        f->shutting = 1;
        if (uv_shutdown(&f->shutdown_req, (uv_stream_t *)f->dst, on_shutdown) != 0)
            conn_close(c);
    }
}

/* Takes a chunk just read from f's source: its faults are decided now. */
static void flow_take(flow *f, const char *data, size_t len)
{
    conn *c = f->c;
    wf_relay *r = c->r;
    chunk *k = malloc(sizeof *k + len);
    if (k == NULL) {
        conn_close(c); /* dropping bytes would corrupt the stream: end it instead */
        return;
    }
    memcpy(k->data, data, len);
    k->len = len;
    k->flow = f;
    k->next = NULL;
    maybe_flip(r, k);

    uint64_t now = uv_hrtime();
    uint64_t release = now + (uint64_t)ceil(hold_ms(r) * NS_PER_MS);
    if (release < f->last_release_ns)
        release = f->last_release_ns;
    f->last_release_ns = k->release_ns = release;
    if (release > now)
        r->counters.chunks_delayed++;

    if (f->tail != NULL)
        f->tail->next = k;
    else
        f->head = k;
    f->tail = k;
    f->waiting += len;
    if (f->waiting > WF_RELAY_HIGH_WATER && !f->paused) {
        uv_read_stop((uv_stream_t *)f->src);
        f->paused = 1;
        r->counters.read_pauses++;
    }
    flow_pump(f);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    flow *f = s == (uv_stream_t *)&c->down ? &c->flows[0] : &c->flows[1];
    if (c->closing || nread == 0)
        return;
    if (nread == UV_EOF) {
        uv_read_stop(s);
        f->eof = 1;
        flow_pump(f);
        return;
    }
    if (nread < 0) {
        conn_close(c);
        return;
    }
    flow_take(f, buf->base, (size_t)nread);
}

/* ---- connections ---- */

static void on_connect(uv_connect_t *req, int status)
{
    conn *c = CONTAINER(req, conn, connect_req);
    if (c->closing)
        return;
    if (status < 0) {
        c->r->counters.connect_failed++;
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->down, 1);
    uv_tcp_nodelay(&c->up, 1);
    if (flow_read_start(&c->flows[0]) != 0 || flow_read_start(&c->flows[1]) != 0)
        conn_close(c);
}

static void flow_init(flow *f, conn *c, uv_tcp_t *src, uv_tcp_t *dst, uint64_t *bytes_counter)
{
    f->c = c;
    f->src = src;
    f->dst = dst;
    f->bytes_counter = bytes_counter;
    uv_timer_init(c->r->loop, &f->timer);
    f->timer.data = c; /* every handle of c points to c: see on_conn_handle_closed */
}

/* A connection object with its four handles initialised and linked into r
 * (so conn_close can always close it), or NULL. */
static conn *conn_new(wf_relay *r)
{
    conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->r = r;
    c->handles = CONN_HANDLES;
    uv_tcp_init(r->loop, &c->down);
    uv_tcp_init(r->loop, &c->up);
    c->down.data = c->up.data = c;
    flow_init(&c->flows[0], c, &c->down, &c->up, &r->counters.bytes_to_target);
    flow_init(&c->flows[1], c, &c->up, &c->down, &r->counters.bytes_from_target);
    c->next = r->conns;
    if (r->conns != NULL)
        r->conns->prev = c;
    r->conns = c;
    r->counters.open++;
    r->live++;
    return c;
}

static void on_connection(uv_stream_t *server, int status)
{
    wf_relay *r = server->data;
    if (status < 0 || r->closing)
        return;
    /* Without memory for the connection it stays in the kernel's backlog,
     * and libuv offers it again with the next one. */
    conn *c = conn_new(r);
    if (c == NULL)
        return;
    if (uv_accept(server, (uv_stream_t *)&c->down) != 0) {
        conn_close(c);
        return;
    }
    if (r->faults.cut) {
        r->counters.refused++;
        conn_close(c);
        return;
    }
    r->counters.accepted++;
    if (uv_tcp_connect(&c->connect_req, &c->up, (const struct sockaddr *)&r->target, on_connect) != 0) {
        r->counters.connect_failed++;
        conn_close(c);
    }
}

/* ---- the relay ---- */

/* A non-blocking socket listening on 127.0.0.1:port, made here rather than
 * by libuv so that every failure is reported before any handle exists (a
 * handle can only be released through the loop). */
static int listen_socket(uint16_t port, uint16_t *bound)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    socklen_t alen = sizeof a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    /* SO_REUSEADDR: a relay restarted on its port is not kept out by the
     * TIME_WAIT connections of the last one. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(a.sin_port);
    return fd;
}

static void on_listener_closed(uv_handle_t *h)
{
    relay_unref(h->data);
}

static uint64_t fresh_seed(void)
{
    uint64_t seed = 0;
    if (sodium_init() < 0)
        abort(); /* libsodium cannot run at all: nothing of warifu can */
    while (seed == 0)
        randombytes_buf(&seed, sizeof seed);
    return seed;
}

wf_err wf_relay_start(wf_relay **out, uv_loop_t *loop, uint16_t listen_port, uint16_t target_port,
                      const wf_link_faults *f, uint64_t seed, const char **why)
{
    wf_err err = WF_OK;
    wf_relay *r = NULL;
    int fd = -1;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || loop == NULL || target_port == 0)
        FAIL(WF_ERR_ARG, "relay: need an output, a loop and a target port");
    if (f != NULL && !faults_valid(f))
        FAIL(WF_ERR_RANGE, "relay: delay and jitter must be 0..60000 ms, loss and bitflip 0..1");
    if ((r = calloc(1, sizeof *r)) == NULL)
        FAIL(WF_ERR_NOMEM, "relay: out of memory");
    if ((fd = listen_socket(listen_port, &r->port)) < 0)
        FAIL(WF_ERR_INTERNAL, "relay: cannot listen on 127.0.0.1 at that port (in use?)");
    r->loop = loop;
    if (f != NULL)
        r->faults = *f;
    rng_seed(&r->g, seed != 0 ? seed : fresh_seed());
    uv_ip4_addr("127.0.0.1", target_port, &r->target);

    /* From here on the listener handle exists: a failure closes it through
     * the loop, which frees r. */
    uv_tcp_init(loop, &r->listener);
    r->listener.data = r;
    r->live = 1;
    if (uv_tcp_open(&r->listener, fd) != 0) {
        r->closing = 1;
        uv_close((uv_handle_t *)&r->listener, on_listener_closed);
        r = NULL;
        FAIL(WF_ERR_INTERNAL, "relay: libuv refused the listening socket");
    }
    fd = -1; /* the handle owns it now */
    if (uv_listen((uv_stream_t *)&r->listener, SOMAXCONN, on_connection) != 0) {
        r->closing = 1;
        uv_close((uv_handle_t *)&r->listener, on_listener_closed);
        r = NULL;
        FAIL(WF_ERR_INTERNAL, "relay: cannot listen");
    }
    *out = r;
    r = NULL;
done:
    if (fd >= 0)
        close(fd);
    free(r);
    return err;
}

uint16_t wf_relay_port(const wf_relay *r)
{
    return r != NULL ? r->port : 0;
}

wf_err wf_relay_set(wf_relay *r, const wf_link_faults *f, const char **why)
{
    wf_err err = WF_OK;
    if (r == NULL || f == NULL || r->closing)
        FAIL(WF_ERR_ARG, "relay: need a running relay and faults");
    if (!faults_valid(f))
        FAIL(WF_ERR_RANGE, "relay: delay and jitter must be 0..60000 ms, loss and bitflip 0..1");
    r->faults = *f;
    if (f->cut)
        drop_all(r);
done:
    return err;
}

void wf_relay_get(const wf_relay *r, wf_link_faults *out)
{
    if (r != NULL && out != NULL)
        *out = r->faults;
}

void wf_relay_drop_connections(wf_relay *r)
{
    if (r != NULL)
        drop_all(r);
}

void wf_relay_counters_get(const wf_relay *r, wf_relay_counters *out)
{
    if (r != NULL && out != NULL)
        *out = r->counters;
}

void wf_relay_close(wf_relay *r)
{
    if (r == NULL || r->closing)
        return;
    r->closing = 1;
    while (r->conns != NULL)
        conn_close(r->conns);
    uv_close((uv_handle_t *)&r->listener, on_listener_closed);
}
