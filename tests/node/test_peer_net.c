/* node/peer_net.c over loopback, three members in one process (alpha, bravo,
 * charlie = member indices 0, 1, 2):
 *   - every member sends to every other; each message is attributed to its
 *     sender by the link it arrived on, also when its content claims another;
 *   - a reader that falls behind stalls its link, loses nothing;
 *   - delta, whose certificate nobody pinned, cannot connect or deliver even
 *     on the ports of a real member, and the refused handshakes are counted;
 *   - charlie cannot speak on the link alpha keeps for bravo;
 *   - an impostor named bravo with its own key can neither speak for bravo
 *     nor, in bravo's place on bravo's ports, receive what is sent to bravo;
 *   - bravo restarts and messages flow both ways again;
 *   - oversized messages are refused by the sender, dropped and counted by a
 *     receiver with a smaller limit, and a frame beyond the receiver's hard
 *     limit never arrives while the link recovers (the receiver drops the
 *     connection only once the sender is idle: see test_oversize);
 *   - plain tcp:// works only with allow_plaintext_for_tests;
 *   - configurations that contradict their certificates are refused. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/peer_net.h"
#include "tests/check.h"
#include "tests/node/node_fixture.h"
#include "tests/node/port_fixture.h"

#define N        3
#define SLOTS    5 /* port ranges: alpha, bravo, charlie, a stranger, the plaintext test */
#define MAX_MSG  4096
#define WAIT_MS  10000 /* for what must happen: generous, it returns as soon as it does */
#define QUIET_MS 400   /* for what must not happen */

static const char *names[N] = {"alpha", "bravo", "charlie"};
static unsigned base_port;
static wf_peer_net *nets[N];

#ifdef WF_SANITIZED
/* LeakSanitizer: a message NNG 1.5.2 loses when a connection is torn down
 * around a send (test_beyond_hard_limit) is never freed inside NNG, although
 * wf_peer_net_send handed it over and no longer owns it. Only allocations
 * under wf_peer_net_send are exempt, and only in this program; the other
 * node tests still check them. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:wf_peer_net_send\n";
}
#endif

/* ---- set-up ---- */

/* SLOTS * N consecutive free ports, so parallel runs and other programs do
 * not collide with us. */
static void pick_ports(void)
{
    base_port = wf_test_free_port_range(SLOTS * N);
}

static void slot_url(char *out, size_t cap, const char *scheme, int slot)
{
    snprintf(out, cap, "%s://127.0.0.1:%u", scheme, base_port + (unsigned)slot * N);
}

/* Peer k of member m is the k-th other member in index order. */
static uint32_t member_of(uint32_t self, size_t k)
{
    return (uint32_t)(k < self ? k : k + 1);
}

static size_t index_of(uint32_t self, uint32_t member)
{
    return member < self ? member : member - 1;
}

/* What a node is told: its name, the identity files it uses (stem), the
 * member index it claims, the port range it listens on. Its peers are the
 * real members (their real certificates) other than the index it claims. */
typedef struct node_spec {
    const char *name;
    const char *stem;
    uint32_t member;
    int slot;
    size_t max_msg;
    const char *scheme;
    int plaintext_ok;
} node_spec;

typedef struct cfg_buf {
    wf_peer_net_cfg cfg;
    wf_peer_net_peer peers[N];
    char listen[64], urls[N][64], certs[N][256], cert[256], key[256];
} cfg_buf;

static void build_cfg(cfg_buf *b, const node_spec *s)
{
    memset(b, 0, sizeof *b);
    slot_url(b->listen, sizeof b->listen, s->scheme, s->slot);
    wf_test_path(b->cert, sizeof b->cert, s->stem, "crt");
    wf_test_path(b->key, sizeof b->key, s->stem, "key");
    for (size_t k = 0; k < N - 1; k++) {
        uint32_t m = member_of(s->member, k);
        slot_url(b->urls[k], sizeof b->urls[k], s->scheme, (int)m);
        wf_test_path(b->certs[k], sizeof b->certs[k], names[m], "crt");
        b->peers[k] =
            (wf_peer_net_peer){.name = names[m], .member = m, .url = b->urls[k], .cert_path = b->certs[k]};
    }
    b->cfg = (wf_peer_net_cfg){.self_name = s->name,
                               .self_member = s->member,
                               .listen_url = b->listen,
                               .cert_path = b->cert,
                               .key_path = b->key,
                               .peers = b->peers,
                               .n_peers = N - 1,
                               .max_msg = s->max_msg,
                               .allow_plaintext_for_tests = s->plaintext_ok};
}

static wf_peer_net *start(const node_spec *s)
{
    cfg_buf b;
    build_cfg(&b, s);
    wf_peer_net *net = NULL;
    const char *why = NULL;
    wf_err err = wf_peer_net_create(&net, &b.cfg, &why);
    if (err != WF_OK)
        fprintf(stderr, "create %s: %s\n", s->name, why != NULL ? why : wf_err_str(err));
    REQUIRE(err == WF_OK);
    return net;
}

static wf_peer_net *start_member(uint32_t m)
{
    node_spec s = {names[m], names[m], m, (int)m, m == 2 ? 4 * MAX_MSG : MAX_MSG, "tls+tcp", 0};
    return start(&s);
}

/* ---- helpers ---- */

static wf_peer_net_counters counters(wf_peer_net *net, size_t peer)
{
    wf_peer_net_counters c;
    REQUIRE(wf_peer_net_counters_get(net, peer, &c) == WF_OK);
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until our sending connection to peer is up (want = 1) or down (0). */
static int wait_link(wf_peer_net *net, size_t peer, uint64_t want)
{
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        if (counters(net, peer).connected == want)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

/* Waits until the handshakes refused on our link to peer exceed `before`:
 * the refusing side counts them when the attempt fails, which under a slow
 * machine (valgrind) may come after the sender gave up. */
static int wait_refused(wf_peer_net *net, size_t peer, uint64_t before)
{
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        if (counters(net, peer).refused_handshake > before)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

/* A statistic of the dialer that dials url (the URL of one link, which only
 * one member dials at a time), read from NNG: `connect` counts the
 * connections it made. With pipe_stat set, the statistic of that dialer's
 * current connection instead: `tx_msgs` counts the messages that left it. */
static uint64_t dialer_stat(const char *url, const char *name, int pipe_stat)
{
    nng_stat *root = NULL;
    uint64_t id = 0, value = 0;
    REQUIRE(nng_stats_get(&root) == 0);
    for (nng_stat *s = nng_stat_child(root); s != NULL; s = nng_stat_next(s)) {
        nng_stat *u = nng_stat_find(s, "url");
        if (strcmp(nng_stat_name(s), "dialer") == 0 && u != NULL && strcmp(nng_stat_string(u), url) == 0) {
            id = nng_stat_value(nng_stat_find(s, "id"));
            if (!pipe_stat && nng_stat_find(s, name) != NULL)
                value = nng_stat_value(nng_stat_find(s, name));
        }
    }
    for (nng_stat *s = nng_stat_child(root); pipe_stat && s != NULL; s = nng_stat_next(s)) {
        nng_stat *d = nng_stat_find(s, "dialer"), *v = nng_stat_find(s, name);
        if (strcmp(nng_stat_name(s), "pipe") == 0 && d != NULL && v != NULL && nng_stat_value(d) == id)
            value = nng_stat_value(v);
    }
    nng_stats_free(root);
    return value;
}

/* Waits until dialer_stat(url, name, pipe_stat) reaches at least want. */
static int wait_dialer_stat(const char *url, const char *name, int pipe_stat, uint64_t want)
{
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        if (dialer_stat(url, name, pipe_stat) >= want)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

static wf_err send_str(wf_peer_net *net, size_t peer, const char *s, int timeout_ms)
{
    return wf_peer_net_send(net, peer, (const uint8_t *)s, strlen(s), timeout_ms);
}

/* Receives one message and checks it came from member `from` (seen by `self`)
 * with exactly the text `want`. */
static void expect_msg(wf_peer_net *net, uint32_t self, uint32_t from, const char *want)
{
    size_t peer = 99, len = 0;
    uint8_t *msg = NULL;
    wf_err err = wf_peer_net_recv(net, WAIT_MS, &peer, &msg, &len);
    CHECK_OK(err);
    CHECK(peer == index_of(self, from));
    CHECK(msg != NULL && len == strlen(want) && memcmp(msg, want, len) == 0);
    if (err != WF_OK) {
        wf_peer_net_counters c = counters(net, WF_PEER_NET_ALL);
        fprintf(stderr, "  waiting for \"%s\": received %lu, refused %lu/%lu/%lu, connected %lu\n", want,
                (unsigned long)c.received, (unsigned long)c.refused_oversize,
                (unsigned long)c.refused_handshake, (unsigned long)c.refused_unverified,
                (unsigned long)c.connected);
    }
    wf_peer_net_msg_free(msg, len);
}

/* Checks that nothing arrives for QUIET_MS. */
static void expect_nothing(wf_peer_net *net)
{
    size_t peer = 0, len = 0;
    uint8_t *msg = NULL;
    CHECK_ERR(wf_peer_net_recv(net, QUIET_MS, &peer, &msg, &len), WF_ERR_CANCELLED);
    CHECK(msg == NULL);
    wf_peer_net_msg_free(msg, len);
}

/* ---- tests ---- */

static void test_all_pairs(void)
{
    char text[128];
    for (uint32_t i = 0; i < N; i++)
        for (size_t k = 0; k < N - 1; k++)
            CHECK(wait_link(nets[i], k, 1));
    for (int r = 0; r < 3; r++)
        for (uint32_t i = 0; i < N; i++)
            for (size_t k = 0; k < N - 1; k++) {
                snprintf(text, sizeof text, "%s to %s #%d", names[i], names[member_of(i, k)], r);
                CHECK_OK(send_str(nets[i], k, text, WAIT_MS));
            }
    /* one link keeps order; across links anything goes: sort by sender */
    for (uint32_t j = 0; j < N; j++) {
        int next[N] = {0};
        for (int got = 0; got < 3 * (N - 1); got++) {
            size_t peer = 99, len = 0;
            uint8_t *msg = NULL;
            CHECK_OK(wf_peer_net_recv(nets[j], WAIT_MS, &peer, &msg, &len));
            if (msg == NULL || peer >= N - 1)
                continue;
            uint32_t from = member_of(j, peer);
            snprintf(text, sizeof text, "%s to %s #%d", names[from], names[j], next[from]++);
            CHECK(len == strlen(text) && memcmp(msg, text, len) == 0);
            wf_peer_net_msg_free(msg, len);
        }
        CHECK(next[j] == 0);
        for (uint32_t i = 0; i < N; i++)
            CHECK(i == j || next[i] == 3);
    }
    for (uint32_t i = 0; i < N; i++)
        for (size_t k = 0; k < N - 1; k++) {
            wf_peer_net_counters c = counters(nets[i], k);
            CHECK(c.sent == 3 && c.received == 3 && c.send_failed == 0 && c.connected == 1);
            CHECK(c.send_too_large == 0 && c.refused_oversize == 0);
            CHECK(c.refused_handshake == 0 && c.refused_unverified == 0);
        }
    wf_peer_net_counters all = counters(nets[0], WF_PEER_NET_ALL);
    CHECK(all.sent == 6 && all.received == 6 && all.connected == 2);

    /* the content claims charlie; the connection is alpha's */
    CHECK_OK(send_str(nets[0], index_of(0, 1), "charlie to bravo (says alpha)", WAIT_MS));
    expect_msg(nets[1], 1, 0, "charlie to bravo (says alpha)");
    expect_nothing(nets[1]);
}

/* More messages than a peer may have waiting (WF_PEER_NET_QUEUE_PER_PEER):
 * the link stops reading when the queue is full and resumes as it drains,
 * so all of them arrive, in order. */
static void test_queue_cap(void)
{
    enum { COUNT = 2 * WF_PEER_NET_QUEUE_PER_PEER + 10 };
    char text[32];
    size_t charlie_at_a = index_of(0, 2), alpha_at_c = index_of(2, 0);
    uint64_t before = counters(nets[2], alpha_at_c).received;
    for (int i = 0; i < COUNT; i++) {
        snprintf(text, sizeof text, "queued #%d", i);
        CHECK_OK(send_str(nets[0], charlie_at_a, text, WAIT_MS));
    }
    sleep_ms(200); /* let the queue fill up and the link stall */
    CHECK(counters(nets[2], alpha_at_c).received - before <= WF_PEER_NET_QUEUE_PER_PEER);
    for (int i = 0; i < COUNT; i++) {
        snprintf(text, sizeof text, "queued #%d", i);
        expect_msg(nets[2], 2, 0, text);
    }
    CHECK(counters(nets[2], alpha_at_c).received - before == COUNT);
    expect_nothing(nets[2]);
}

/* delta has the real members' certificates, but nobody has delta's; it
 * claims charlie's member index so it dials the ports alpha and bravo keep
 * for charlie. */
static void test_unpinned_stranger(void)
{
    node_spec s = {"delta", "delta", 2, 3, MAX_MSG, "tls+tcp", 0};
    uint64_t before_a = counters(nets[0], index_of(0, 2)).refused_handshake;
    uint64_t before_b = counters(nets[1], index_of(1, 2)).refused_handshake;
    uint64_t recv_a = counters(nets[0], WF_PEER_NET_ALL).received;
    wf_peer_net *d = start(&s);
    CHECK_ERR(send_str(d, 0, "delta to alpha", QUIET_MS), WF_ERR_CANCELLED);
    CHECK_ERR(send_str(d, 1, "delta to bravo", QUIET_MS), WF_ERR_CANCELLED);
    expect_nothing(nets[0]);
    expect_nothing(nets[1]);
    CHECK(counters(d, WF_PEER_NET_ALL).connected == 0);
    CHECK(counters(d, WF_PEER_NET_ALL).send_failed == 2);
    CHECK(wait_refused(nets[0], index_of(0, 2), before_a));
    CHECK(wait_refused(nets[1], index_of(1, 2), before_b));
    CHECK(counters(nets[0], WF_PEER_NET_ALL).received == recv_a);
    wf_peer_net_close(d);
}

/* charlie, with its own pinned certificate, dials the port alpha keeps for
 * bravo: a member trusted on one link is a stranger on every other. */
static void test_member_on_wrong_link(void)
{
    cfg_buf b;
    wf_peer_net *net = NULL;
    const char *why = NULL;
    node_spec s = {"charlie", "charlie", 1, 3, MAX_MSG, "tls+tcp", 0};
    build_cfg(&b, &s);
    b.cfg.n_peers = 1; /* alpha only */
    uint64_t before = counters(nets[0], index_of(0, 1)).refused_handshake;
    CHECK_OK(wf_peer_net_create(&net, &b.cfg, &why));
    if (net == NULL)
        return;
    CHECK_ERR(send_str(net, 0, "charlie to alpha as bravo", QUIET_MS), WF_ERR_CANCELLED);
    expect_nothing(nets[0]);
    CHECK(wait_refused(nets[0], index_of(0, 1), before));
    CHECK(counters(nets[0], index_of(0, 1)).received == 3 && counters(nets[0], index_of(0, 2)).received == 3);
    wf_peer_net_close(net);
}

/* An impostor presents the name bravo with a certificate of its own. */
static void test_impostor(void)
{
    size_t bravo_at_a = index_of(0, 1), bravo_at_c = index_of(2, 1);

    /* speaking for bravo from elsewhere: alpha's listener for bravo refuses */
    node_spec beside = {"bravo", "impostor", 1, 3, MAX_MSG, "tls+tcp", 0};
    uint64_t before = counters(nets[0], bravo_at_a).refused_handshake;
    wf_peer_net *x = start(&beside);
    CHECK_ERR(send_str(x, 0, "bravo to alpha (impostor)", QUIET_MS), WF_ERR_CANCELLED);
    expect_nothing(nets[0]);
    CHECK(wait_refused(nets[0], bravo_at_a, before));
    wf_peer_net_close(x);

    /* in bravo's place, on bravo's ports: alpha and charlie do not talk to it */
    wf_peer_net_close(nets[1]);
    nets[1] = NULL;
    CHECK(wait_link(nets[0], bravo_at_a, 0));
    CHECK(wait_link(nets[2], bravo_at_c, 0));
    node_spec instead = {"bravo", "impostor", 1, 1, MAX_MSG, "tls+tcp", 0};
    before = counters(nets[0], bravo_at_a).refused_handshake;
    x = start(&instead);
    CHECK_ERR(send_str(nets[0], bravo_at_a, "alpha to bravo: secret", QUIET_MS), WF_ERR_CANCELLED);
    CHECK_ERR(send_str(nets[2], bravo_at_c, "charlie to bravo: secret", QUIET_MS), WF_ERR_CANCELLED);
    CHECK_ERR(send_str(x, 0, "bravo to alpha (impostor)", QUIET_MS), WF_ERR_CANCELLED);
    expect_nothing(x);
    expect_nothing(nets[0]);
    CHECK(wait_refused(nets[0], bravo_at_a, before));
    CHECK(counters(x, WF_PEER_NET_ALL).received == 0 && counters(x, WF_PEER_NET_ALL).connected == 0);
    wf_peer_net_close(x);
}

/* bravo comes back (after test_impostor took it down): the others' dialers
 * find it again by themselves. */
static void test_restart(void)
{
    nets[1] = start_member(1);
    for (uint32_t i = 0; i < N; i++)
        for (size_t k = 0; k < N - 1; k++)
            CHECK(wait_link(nets[i], k, 1));
    CHECK_OK(send_str(nets[0], index_of(0, 1), "alpha to bravo again", WAIT_MS));
    CHECK_OK(send_str(nets[2], index_of(2, 1), "charlie to bravo again", WAIT_MS));
    CHECK_OK(send_str(nets[1], index_of(1, 0), "bravo to alpha again", WAIT_MS));
    expect_msg(nets[0], 0, 1, "bravo to alpha again");
    size_t peer = 99, len = 0, seen = 0;
    uint8_t *msg = NULL;
    for (int i = 0; i < 2; i++) {
        CHECK_OK(wf_peer_net_recv(nets[1], WAIT_MS, &peer, &msg, &len));
        if (msg != NULL && peer == index_of(1, 0) && len == 20 &&
            memcmp(msg, "alpha to bravo again", len) == 0)
            seen |= 1;
        if (msg != NULL && peer == index_of(1, 2) && len == 22 &&
            memcmp(msg, "charlie to bravo again", len) == 0)
            seen |= 2;
        wf_peer_net_msg_free(msg, len);
        msg = NULL;
    }
    CHECK(seen == 3);
    wf_peer_net_counters c = counters(nets[1], WF_PEER_NET_ALL);
    CHECK(c.received == 2 && c.sent == 1 && c.refused_handshake == 0);
}

/* A frame beyond alpha's hard limit: NNG drops the connection when it reads
 * the frame's length, before allocating it; the frame never arrives, charlie's
 * dialer connects again and a small message gets through.
 *
 * alpha drops the connection only once charlie is idle. NNG 1.5.2 over
 * tls+tcp can wedge a sender for good when its connection breaks with its
 * data still in flight (reproduced: a peer killed while we stream to it;
 * alpha reading the length of this frame while charlie still writes it, in
 * about one run of this test in seventy under load): the broken pipe's
 * teardown never finishes, NNG's one reaper thread waits on it, and from then
 * on no connection of the process is torn down, so the link never comes back.
 * That hazard is NNG's, not what this checks. So alpha first stops reading
 * (its queue for charlie full, plus the one message NNG's pull socket holds),
 * charlie's frame leaves charlie's connection in full (NNG's tx_msgs of that
 * connection), and only then does alpha read on; and charlie sends again
 * only on its new connection (NNG's connect count of the dialer): a message
 * sent into the connection being torn down is lost, and NNG 1.5.2 leaks it. */
static void test_beyond_hard_limit(const uint8_t *huge, size_t huge_len)
{
    enum { FILL = WF_PEER_NET_QUEUE_PER_PEER + 1 };
    size_t charlie_at_a = index_of(0, 2), alpha_at_c = index_of(2, 0);
    char url[64];
    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%u", base_port + 2); /* alpha's port for charlie */
    uint64_t received = counters(nets[0], charlie_at_a).received;
    uint64_t connects = dialer_stat(url, "connect", 0);
    uint64_t left = dialer_stat(url, "tx_msgs", 1);
    REQUIRE(connects > 0);

    for (int i = 0; i < FILL; i++)
        CHECK_OK(send_str(nets[2], alpha_at_c, "fill", WAIT_MS));
    for (int waited = 0; waited < WAIT_MS; waited += 10) {
        if (counters(nets[0], charlie_at_a).received - received >= WF_PEER_NET_QUEUE_PER_PEER)
            break;
        sleep_ms(10);
    }
    CHECK(counters(nets[0], charlie_at_a).received - received == WF_PEER_NET_QUEUE_PER_PEER);
    CHECK_OK(wf_peer_net_send(nets[2], alpha_at_c, huge, huge_len, WAIT_MS));
    CHECK(wait_dialer_stat(url, "tx_msgs", 1, left + FILL + 1));
    CHECK(dialer_stat(url, "connect", 0) == connects); /* alpha has not read it yet */

    for (int i = 0; i < FILL; i++)
        expect_msg(nets[0], 0, 2, "fill");
    CHECK(wait_dialer_stat(url, "connect", 0, connects + 1));
    CHECK(wait_link(nets[2], alpha_at_c, 1));
    /* once more if it does not come: in about one such cycle in five hundred
     * NNG 1.5.2 loses (and leaks) the first message on the new connection */
    size_t peer = 99, len = 0;
    uint8_t *msg = NULL;
    int through = 0;
    for (int attempt = 0; attempt < 3 && !through; attempt++) {
        CHECK_OK(send_str(nets[2], alpha_at_c, "small after huge", WAIT_MS));
        if (wf_peer_net_recv(nets[0], WAIT_MS / 3, &peer, &msg, &len) == WF_OK) {
            CHECK(peer == charlie_at_a && len == 16 && memcmp(msg, "small after huge", 16) == 0);
            through = 1;
            wf_peer_net_msg_free(msg, len);
        }
    }
    CHECK(through);
    while (wf_peer_net_recv(nets[0], QUIET_MS, &peer, &msg, &len) == WF_OK) { /* a late copy, not the frame */
        CHECK(peer == charlie_at_a && len == 16);
        wf_peer_net_msg_free(msg, len);
    }
    wf_peer_net_counters c = counters(nets[0], charlie_at_a);
    CHECK(c.refused_oversize == 1 && c.refused_unverified == 0); /* the drop is not counted (peer_net.h) */
}

/* alpha accepts MAX_MSG and reads frames up to 2 * MAX_MSG; charlie may send
 * up to 4 * MAX_MSG. */
static void test_oversize(void)
{
    static uint8_t big[3 * MAX_MSG];
    size_t charlie_at_a = index_of(0, 2), alpha_at_c = index_of(2, 0);
    memset(big, 0xab, sizeof big);

    uint64_t sent = counters(nets[0], charlie_at_a).sent;
    CHECK_ERR(wf_peer_net_send(nets[0], charlie_at_a, big, MAX_MSG + 1, WAIT_MS), WF_ERR_RANGE);
    CHECK(counters(nets[0], charlie_at_a).send_too_large == 1);
    CHECK(counters(nets[0], charlie_at_a).refused_oversize == 0);
    CHECK(counters(nets[0], charlie_at_a).sent == sent);
    CHECK_OK(wf_peer_net_send(nets[0], charlie_at_a, big, MAX_MSG, WAIT_MS)); /* the limit itself is fine */
    size_t peer = 99, len = 0;
    uint8_t *msg = NULL;
    CHECK_OK(wf_peer_net_recv(nets[2], WAIT_MS, &peer, &msg, &len));
    CHECK(peer == alpha_at_c && len == MAX_MSG && msg != NULL && msg[MAX_MSG - 1] == 0xab);
    wf_peer_net_msg_free(msg, len);

    /* between alpha's limit and its hard limit: dropped, counted, link kept */
    CHECK_OK(wf_peer_net_send(nets[2], alpha_at_c, big, MAX_MSG + 100, WAIT_MS));
    CHECK_OK(send_str(nets[2], alpha_at_c, "small after big", WAIT_MS));
    expect_msg(nets[0], 0, 2, "small after big");
    CHECK(counters(nets[0], charlie_at_a).refused_oversize == 1);

    test_beyond_hard_limit(big, sizeof big);
}

static void test_plaintext(void)
{
    cfg_buf b;
    wf_peer_net *p = NULL, *q = NULL;
    const char *why = NULL;
    node_spec sp = {"alpha", "alpha", 0, 4, MAX_MSG, "tcp", 0};
    build_cfg(&b, &sp);
    b.cfg.n_peers = 1; /* alpha and bravo only */
    CHECK_ERR(wf_peer_net_create(&p, &b.cfg, &why), WF_ERR_ARG);
    CHECK(p == NULL && why != NULL && strstr(why, "allow_plaintext_for_tests") != NULL);

    b.cfg.allow_plaintext_for_tests = 1;
    b.cfg.cert_path = b.cfg.key_path = NULL; /* no TLS, no identity */
    snprintf(b.urls[0], sizeof b.urls[0], "tcp://127.0.0.1:%u", base_port + 3 * N);
    CHECK_OK(wf_peer_net_create(&p, &b.cfg, &why));
    node_spec sq = {"bravo", "bravo", 1, 3, MAX_MSG, "tcp", 1};
    cfg_buf bq;
    build_cfg(&bq, &sq);
    bq.cfg.n_peers = 1;
    snprintf(bq.urls[0], sizeof bq.urls[0], "tcp://127.0.0.1:%u", base_port + 4 * N);
    CHECK_OK(wf_peer_net_create(&q, &bq.cfg, &why));
    if (p != NULL && q != NULL) {
        CHECK_OK(send_str(p, 0, "plain alpha to bravo", WAIT_MS));
        expect_msg(q, 1, 0, "plain alpha to bravo");
        CHECK_OK(send_str(q, 0, "plain bravo to alpha", WAIT_MS));
        expect_msg(p, 0, 1, "plain bravo to alpha");
    }
    wf_peer_net_close(p);
    wf_peer_net_close(q);

    /* one TLS URL among plain ones */
    b.cfg.listen_url = "tls+tcp://127.0.0.1:1";
    b.cfg.cert_path = b.cert;
    b.cfg.key_path = b.key;
    p = NULL;
    CHECK_ERR(wf_peer_net_create(&p, &b.cfg, &why), WF_ERR_ARG);
    CHECK(p == NULL && why != NULL && strstr(why, "same scheme") != NULL);
}

/* Configurations that contradict their certificates or each other. */
static void test_bad_config(void)
{
    cfg_buf b;
    wf_peer_net *net = NULL;
    const char *why = NULL;
    node_spec s = {"alpha", "alpha", 0, 4, MAX_MSG, "tls+tcp", 0};

    build_cfg(&b, &s);
    b.cfg.self_name = "bravo"; /* with alpha's certificate */
    b.peers[0].name = "alpha";
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);
    CHECK(why != NULL && strstr(why, "our name") != NULL);

    build_cfg(&b, &s);
    b.peers[0].cert_path = b.certs[1]; /* bravo named with charlie's certificate */
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);
    CHECK(why != NULL && strstr(why, "its name") != NULL);

    build_cfg(&b, &s);
    b.peers[1].member = 1; /* two peers with index 1 */
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);

    build_cfg(&b, &s);
    b.peers[0].url = "tls+tcp://127.0.0.1:65535";   /* + own index 0 fits; the listener side: */
    b.cfg.listen_url = "tls+tcp://127.0.0.1:65534"; /* 65534 + 2 does not */
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);
    CHECK(why != NULL && strstr(why, "65535") != NULL);

    build_cfg(&b, &s);
    b.cfg.listen_url = "tls+tcp://127.0.0.1"; /* no port */
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);
    b.cfg.listen_url = "ws://127.0.0.1:4000";
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_ARG);

    build_cfg(&b, &s);
    REQUIRE(chmod(b.key, 0644) == 0);
    CHECK_ERR(wf_peer_net_create(&net, &b.cfg, &why), WF_ERR_VERIFY);
    CHECK(why != NULL && strstr(why, "group or others") != NULL);
    REQUIRE(chmod(b.key, 0600) == 0);
    CHECK(net == NULL);

    size_t peer;
    uint8_t *msg;
    size_t len;
    CHECK_ERR(wf_peer_net_send(nets[0], N - 1, (const uint8_t *)"x", 1, 0), WF_ERR_ARG);
    CHECK_ERR(wf_peer_net_send(nets[0], 0, NULL, 1, 0), WF_ERR_ARG);
    CHECK_ERR(wf_peer_net_recv(NULL, 0, &peer, &msg, &len), WF_ERR_ARG);
    CHECK_ERR(wf_peer_net_recv(nets[0], 0, &peer, &msg, &len), WF_ERR_CANCELLED); /* nothing queued */
    wf_peer_net_counters c;
    CHECK_ERR(wf_peer_net_counters_get(nets[0], N - 1, &c), WF_ERR_ARG);
    wf_peer_net_close(NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_dir_make();
    for (int i = 0; i < N; i++)
        wf_test_identity(names[i], names[i]);
    wf_test_identity("delta", "delta");
    wf_test_identity("impostor", "bravo"); /* CN bravo, another key */
    pick_ports();

    for (uint32_t m = 0; m < N; m++)
        nets[m] = start_member(m);
    test_bad_config();
    test_all_pairs();
    test_queue_cap();
    test_unpinned_stranger();
    test_member_on_wrong_link();
    test_impostor();
    test_restart();
    test_oversize();
    test_plaintext();
    for (int i = 0; i < N; i++)
        wf_peer_net_close(nets[i]);
    return wf_check_summary("test_peer_net");
}
