/* End to end through warifu-sim (issue 8): one 3-of-5 hierarchical cluster
 * (ranks 0,0,1,1,1: every quorum needs n1 or n2) of warifud processes, every
 * peer link behind a relay with the default inter-region RTT matrix, and the
 * sim's client asking through the real mutual-TLS client API. Every
 * signature is checked with libsecp256k1 against the child key derived from
 * the key's xpub. The scenarios share the cluster and run in order; each
 * leaves every node up and honest. */
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/client.h"
#include "node/text_format.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"
#include "store/audit.h"
#include "store/store.h"
#include "tests/sim/sim_fixture.h"

static char dir[128];
static wf_sim_layout L;
static wf_client *C;
static wf_client_key KEY;
static const uint32_t PATH[2] = {0, 7};
static secp256k1_context *secp;

/* A command for the supervisor that must succeed. */
static void ctl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ctl(const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    wf_simt_ctl(&L, cmd);
}

/* The signature verifies for digest under the child key at PATH of KEY,
 * by libsecp256k1: low-s, v recovers the key, DER is the same (r, s). */
static int sig_valid(const wf_client_signature *s, const uint8_t digest[32])
{
    wf_point child;
    uint8_t want[33], compact[64], der_compact[64], recovered[33];
    size_t rlen = sizeof recovered;
    if (wf_client_key_child(&child, &KEY, PATH, 2) != WF_OK || wf_point_serialize(want, &child) != WF_OK ||
        memcmp(want, s->public_key, 33) != 0 || s->v > 3)
        return 0;
    memcpy(compact, s->r, 32);
    memcpy(compact + 32, s->s, 32);
    secp256k1_pubkey key, rkey;
    secp256k1_ecdsa_signature sig, der_sig, normal;
    secp256k1_ecdsa_recoverable_signature rsig;
    return secp256k1_ec_pubkey_parse(secp, &key, want, 33) &&
           secp256k1_ecdsa_signature_parse_compact(secp, &sig, compact) &&
           secp256k1_ecdsa_verify(secp, &sig, digest, &key) &&
           secp256k1_ecdsa_signature_normalize(secp, &normal, &sig) == 0 &&
           secp256k1_ecdsa_signature_parse_der(secp, &der_sig, s->der, s->der_len) &&
           secp256k1_ecdsa_signature_serialize_compact(secp, der_compact, &der_sig) &&
           memcmp(der_compact, compact, 64) == 0 &&
           secp256k1_ecdsa_recoverable_signature_parse_compact(secp, &rsig, compact, (int)s->v) &&
           secp256k1_ecdsa_recover(secp, &rkey, &rsig, digest) &&
           secp256k1_ec_pubkey_serialize(secp, recovered, &rlen, &rkey, SECP256K1_EC_COMPRESSED) &&
           memcmp(recovered, want, 33) == 0;
}

/* One request for a fresh random digest, starting at node `first` and moving
 * on to the next nodes as the sim's client does. */
static wf_client_outcome sign_at(size_t first, wf_sim_outcome *o)
{
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    wf_client_signature sig;
    wf_client_outcome r = wf_sim_sign(&L, C, &KEY, PATH, 2, digest, NULL, first, &sig, o);
    if (r == WF_CLIENT_SUCCEEDED)
        CHECK(sig_valid(&sig, digest));
    else if (getenv("WF_TEST_VERBOSE") != NULL)
        fprintf(stderr, "sign from %s: %s (code %d)\n", L.nodes[first].name, o->last.why, o->last.code);
    return r;
}

/* One request to node k alone (no moving on). */
static wf_client_outcome sign_only(size_t k, wf_client_result *res)
{
    wf_sign_request req;
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_client_signature sig;
    memset(&req, 0, sizeof req);
    req.request_id_len = 20;
    randombytes_buf(req.request_id, req.request_id_len);
    for (size_t i = 0; i < req.request_id_len; i++)
        req.request_id[i] = (uint8_t)('a' + req.request_id[i] % 26);
    memcpy(req.key_id, KEY.key_id, WF_ID_BYTES);
    memcpy(req.path, PATH, sizeof PATH);
    req.path_len = 2;
    randombytes_buf(req.digest, sizeof req.digest);
    req.expiry_ms = wf_client_expiry_after(120);
    wf_sim_client_nodes(&L, nodes, 0);
    wf_client_outcome out = wf_client_sign(C, &nodes[k], &req, &sig, res);
    if (out == WF_CLIENT_SUCCEEDED)
        CHECK(sig_valid(&sig, req.digest));
    else if (getenv("WF_TEST_VERBOSE") != NULL)
        fprintf(stderr, "sign at %s only: %s (code %d)\n", L.nodes[k].name, res->why, res->code);
    return out;
}

/* Signs with node k as the coordinator until it works. */
static int sign_only_eventually(size_t k, double within_s)
{
    wf_client_result res;
    double end = wf_simt_now_s() + within_s;
    while (sign_only(k, &res) != WF_CLIENT_SUCCEEDED) {
        if (wf_simt_now_s() > end) {
            fprintf(stderr, "no signature from %s within %.0f s: %s\n", L.nodes[k].name, within_s, res.why);
            return 0;
        }
        usleep(200 * 1000);
    }
    return 1;
}

/* Signs from node `first` until it works (links come back with the dialers'
 * back-off, peers are seen up again within a second or two). */
static int sign_eventually(size_t first, double within_s)
{
    double end = wf_simt_now_s() + within_s;
    wf_sim_outcome o;
    do {
        if (sign_at(first, &o) == WF_CLIENT_SUCCEEDED)
            return 1;
        usleep(200 * 1000);
    } while (wf_simt_now_s() < end);
    fprintf(stderr, "no signature from %s within %.0f s: %s\n", L.nodes[first].name, within_s, o.last.why);
    return 0;
}

/* Audit records of node k naming member m as the culprit, read from its
 * store beside the running warifud (read-only). */
typedef struct blame {
    char want[32];
    int n;
} blame;

static int count_blame(const wf_audit_entry *e, void *ctx)
{
    blame *b = ctx;
    if (strcmp(e->kind, "abort") == 0 && strstr(e->text, b->want) != NULL)
        b->n++;
    return 0;
}

static int blames(size_t k, size_t m)
{
    char store[WF_SIM_PATH_MAX + 8];
    snprintf(store, sizeof store, "%s/store", L.nodes[k].dir);
    wf_store_unlock u = {.key_file = L.nodes[k].key_file};
    wf_store *s = NULL;
    blame b = {.n = 0};
    snprintf(b.want, sizeof b.want, "culprit=%zu (%s)", m, L.nodes[m].name);
    if (wf_store_open_readonly(&s, store, &u) != WF_OK)
        return -1;
    CHECK_OK(wf_store_audit_each(s, count_blame, &b));
    wf_audit_report rep;
    CHECK_OK(wf_store_audit_verify(s, &rep));
    wf_store_close(s);
    return b.n;
}

/* ---- scenarios ---- */

static void test_keygen_and_sign(void)
{
    wf_sim_outcome o;
    double t0 = wf_simt_now_s();
    CHECK(wf_sim_keygen(&L, C, "e2e-key", 0, &KEY, &o) == WF_CLIENT_SUCCEEDED);
    fprintf(stderr, "keygen + aux-info among 5 nodes: %.1f s\n", wf_simt_now_s() - t0);
    for (size_t k = 0; k < L.n; k++)
        CHECK(sign_only_eventually(k, 30));
}

/* Two machines lost (a cloud down): a quorum with an officer still signs,
 * whichever node is asked. */
static void test_two_down(void)
{
    wf_sim_outcome o;
    ctl("kill n4");
    ctl("kill n5");
    CHECK(sign_eventually(0, 30));
    CHECK(sign_at(2, &o) == WF_CLIENT_SUCCEEDED && o.served_by == 2);
    ctl("start n4");
    ctl("start n5");
}

/* Only operators left: no authorised quorum, and every survivor says so. */
static int no_quorum(const wf_client_result *res)
{
    return res->outcome == WF_CLIENT_NODE_ERROR && res->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE &&
           strstr(res->why, "no authorised quorum") != NULL;
}

static void test_only_rank1_refuse(void)
{
    wf_sim_outcome o;
    wf_client_result res;
    ctl("kill n1");
    ctl("kill n2");
    for (size_t k = 2; k < 5; k++)
        CHECK(sign_only(k, &res) != WF_CLIENT_SUCCEEDED && no_quorum(&res));
    CHECK(sign_at(2, &o) != WF_CLIENT_SUCCEEDED && no_quorum(&o.last));
    CHECK(o.tries == L.n); /* n3, n4, n5 refused; n1 and n2 did not answer */
    ctl("start n1");
    ctl("start n2");
    CHECK(sign_eventually(2, 30));
}

/* The coordinator dies mid-request; the client retries the same request on
 * another node and gets one valid signature, the same on every retry. */
typedef struct attempt {
    const wf_sign_request *req;
    wf_client_signature sig;
    wf_client_result res;
    wf_client_outcome out;
} attempt;

static void *ask_n1(void *arg)
{
    attempt *a = arg;
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(&L, nodes, 0);
    a->out = wf_client_sign(C, &nodes[0], a->req, &a->sig, &a->res);
    return NULL;
}

static void test_coordinator_killed(void)
{
    wf_sign_request req;
    memset(&req, 0, sizeof req);
    memcpy(req.request_id, "e2e-coordinator-killed", 22);
    req.request_id_len = 22;
    memcpy(req.key_id, KEY.key_id, WF_ID_BYTES);
    memcpy(req.path, PATH, sizeof PATH);
    req.path_len = 2;
    randombytes_buf(req.digest, sizeof req.digest);
    req.expiry_ms = wf_client_expiry_after(120);

    attempt a = {.req = &req};
    pthread_t th;
    /* n1's messages take 2 s to arrive: a kill 0.5 s into the request lands
     * while n1 is waiting on its quorum, whatever the pools hold */
    ctl("faults n1 delay=2000");
    REQUIRE(pthread_create(&th, NULL, ask_n1, &a) == 0);
    usleep(500 * 1000);
    ctl("kill n1");
    pthread_join(th, NULL);
    ctl("faults n1 delay=matrix");
    CHECK(a.out == WF_CLIENT_NO_ANSWER && wf_client_retryable(&a.res));

    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(&L, nodes, 0);
    wf_client_signature first, again;
    wf_client_result res;
    double end = wf_simt_now_s() + 30;
    wf_client_outcome out;
    while ((out = wf_client_sign(C, &nodes[1], &req, &first, &res)) != WF_CLIENT_SUCCEEDED && wf_simt_now_s() < end &&
           wf_client_retryable(&res))
        usleep(200 * 1000);
    CHECK(out == WF_CLIENT_SUCCEEDED && sig_valid(&first, req.digest));
    CHECK(wf_client_sign(C, &nodes[1], &req, &again, &res) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(first.r, again.r, 32) == 0 && memcmp(first.s, again.s, 32) == 0);
    /* the same request id with another digest is refused, never signed */
    wf_sign_request other = req;
    other.digest[0] ^= 1;
    CHECK(wf_client_sign(C, &nodes[1], &other, &again, &res) == WF_CLIENT_NODE_ERROR);
    CHECK(res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT);
    ctl("start n1");
}

/* A partition leaving no authorised quorum stops signing; healing it lets
 * signing resume. A minority without an officer cannot sign meanwhile. */
static void test_partition_heals(void)
{
    wf_client_result res;
    ctl("partition n1,n2,n3|n4,n5");
    CHECK(sign_eventually(0, 30)); /* the majority side, with both officers */
    CHECK(sign_only(3, &res) != WF_CLIENT_SUCCEEDED && no_quorum(&res));
    ctl("partition n1,n4|n2,n5|n3");
    usleep(1500 * 1000);
    CHECK(sign_only(0, &res) != WF_CLIENT_SUCCEEDED && no_quorum(&res));
    ctl("heal");
    double t0 = wf_simt_now_s();
    CHECK(sign_eventually(0, 40));
    fprintf(stderr, "signing resumed %.1f s after heal\n", wf_simt_now_s() - t0);
}

/* Bits flipped on the link between the two officers: TLS refuses every
 * record (the handshake included), so the link never carries a message, and
 * n1 signs over the other links. */
static unsigned long long flips_on(const char *link)
{
    char *reply = NULL;
    const char *why = NULL;
    unsigned long long flips = 0;
    CHECK_OK(wf_sim_control(&L, "counters", 10000, &reply, &why));
    const char *p = reply != NULL ? strstr(reply, link) : NULL;
    const char *q = p != NULL ? strstr(p, "flips=") : NULL;
    CHECK(q != NULL && sscanf(q, "flips=%llu", &flips) == 1);
    free(reply);
    return flips;
}

static unsigned long long flips_n1_n2(void)
{
    return flips_on("n1>n2 ") + flips_on("n2>n1 ");
}

static void test_bitflips(void)
{
    unsigned long long before = flips_n1_n2();
    ctl("faults n1-n2 bitflip=1");
    /* An idle link carries no record to flip, and n1 need not pick n2 for
     * its quorum (once in CI no byte crossed n1-n2 while n1 signed). A
     * restart of n2 makes both directions handshake anew across the
     * flipping relays. */
    ctl("restart n2");
    CHECK(sign_only_eventually(0, 30));
    double end = wf_simt_now_s() + 15;
    while (flips_n1_n2() == before && wf_simt_now_s() < end)
        usleep(250 * 1000);
    CHECK(flips_n1_n2() > before);
    ctl("faults n1-n2 bitflip=0");
}

/* kill -9, restart: the node serves with the share from its store. */
static void test_kill9_rejoin(void)
{
    ctl("kill n2");
    ctl("start n2");
    CHECK(sign_only_eventually(1, 30)); /* n2 coordinates, with its stored share */
}

/* n3 sends wrong partial signatures. For each honest node X, a quorum with
 * X and n3 is forced by stopping the others, and X coordinates: X names
 * n3. Then, with every node up, n3 stays excluded. */
static void test_cheater(void)
{
    static const size_t forced[3][2] = {{3, 4}, {1, 4}, {1, 3}}; /* stopped while n1|n4|n5 meets n3 */
    static const size_t coord[3] = {0, 3, 4};
    wf_client_result res;
    ctl("cheat n3 wrong-partial");
    for (int i = 0; i < 3; i++) {
        ctl("stop %s", L.nodes[forced[i][0]].name);
        ctl("stop %s", L.nodes[forced[i][1]].name);
        double end = wf_simt_now_s() + 60;
        while (blames(coord[i], 2) <= 0 && wf_simt_now_s() < end) {
            sign_only(coord[i], &res); /* X coordinates; its only quorum: X, an officer, n3 */
            usleep(300 * 1000);
        }
        ctl("start %s", L.nodes[forced[i][0]].name);
        ctl("start %s", L.nodes[forced[i][1]].name);
    }
    for (size_t k = 0; k < L.n; k++)
        if (k != 2)
            CHECK(blames(k, 2) > 0);
    /* Excluded: a coordinator that named a culprit leaves it out of its
     * quorums (for 10 minutes, in memory). n1 and n5 named n3 as
     * coordinators and have not restarted since: they sign (once members
     * just restarted are back in their view), and no node records another
     * abort by n3. */
    int named[WF_SIM_MAX_NODES];
    CHECK(wf_sim_wait_linked(&L, C, (1u << L.n) - 1, 30000));
    for (size_t k = 0; k < L.n; k++)
        named[k] = k != 2 ? blames(k, 2) : 0;
    for (int i = 0; i < 3; i++) {
        CHECK(sign_only_eventually(0, 20));
        CHECK(sign_only_eventually(4, 20));
    }
    for (size_t k = 0; k < L.n; k++)
        if (k != 2)
            CHECK(blames(k, 2) == named[k]);
    ctl("cheat n3 none");
}

int main(void)
{
    secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    REQUIRE(wf_crypto_init() == WF_OK);
    snprintf(dir, sizeof dir, "/tmp/wf-e2e-%d", (int)getpid());
    /* No background presigning: every kill and restart lands on idle links.
     * NNG 1.5.2 over TLS can wedge a sender for good when its peer dies
     * with data in flight (the peer link then never redials; see the issue
     * note), which would make these scenarios fail for a reason of their
     * own. Every signature presigns on demand instead. */
    const char *up[] = {"up", "--dir", dir, "--session-timeout-ms", "8000", "--presig-low", "0",
                        "--presig-high", "0", NULL};
    double t0 = wf_simt_now_s();
    REQUIRE(wf_simt_run(up) == 0);
    fprintf(stderr, "up: %.1f s\n", wf_simt_now_s() - t0);
    const char *why = NULL;
    REQUIRE(wf_sim_layout_load(&L, dir, &why) == WF_OK);
    REQUIRE(wf_client_open(&C, L.client_dir, 1, &why) == WF_OK);

    struct {
        const char *name;
        void (*fn)(void);
    } steps[] = {{"keygen_and_sign", test_keygen_and_sign}, {"two_down", test_two_down},
                 {"only_rank1_refuse", test_only_rank1_refuse}, {"coordinator_killed", test_coordinator_killed},
                 {"partition_heals", test_partition_heals}, {"bitflips", test_bitflips},
                 {"kill9_rejoin", test_kill9_rejoin}, {"cheater", test_cheater}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        double ts = wf_simt_now_s();
        steps[i].fn();
        fprintf(stderr, "%s: %.1f s\n", steps[i].name, wf_simt_now_s() - ts);
    }

    const char *down[] = {"down", "--dir", dir, NULL};
    CHECK(wf_simt_run(down) == 0);
    CHECK(!wf_sim_is_up(&L));
    wf_client_close(C);
    secp256k1_context_destroy(secp);
    wf_simt_cleanup(dir);
    return wf_check_summary("test_sim_e2e");
}
