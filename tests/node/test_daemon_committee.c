/* Per-key committees end to end: five daemons of a 3-of-5 cluster with ranks
 * {0,0,1,1,1}; a key made for a 2-of-3 committee {bravo: 0, charlie: 1,
 * echo: 1} — node indices 1, 2, 4, so member indices differ from node
 * indices. Every authorised set of the committee signs (through the member
 * that must be in it), each signature checked by libsecp256k1 against the
 * key; the unauthorised set {charlie, echo} cannot sign; nodes outside the
 * committee hold nothing and refuse clearly; a restarted member loads the
 * key and signs again. Bad committees — outside the cluster, not ascending,
 * admitting no authorised set, ranks missing, a committee added to a request
 * signed without one — are refused and change nothing. */
#include <sodium.h>

#include "tests/node/committee_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2
#define DELTA   3
#define ECHO    4

static wf_df f;
static uint8_t key_id[32], pub[33];
static char xpub[128];
static const uint32_t nodes[3] = {BRAVO, CHARLIE, ECHO};
static const uint32_t ranks[3] = {0, 1, 1};

static size_t total_keys(void)
{
    size_t n = 0;
    for (size_t i = 0; i < f.n; i++)
        if (f.d[i] != NULL)
            n += wf_kf_key_count(&f, i);
    return n;
}

static void test_bad_committees(void)
{
    uint8_t id[32];
    const uint32_t outside[3] = {BRAVO, CHARLIE, 7}, unordered[3] = {CHARLIE, BRAVO, ECHO};
    const uint32_t senior_less[3] = {1, 1, 1};
    wf_kf_expect(wf_kf_keygen(&f, ALPHA, "bad-1", nodes, ranks, 3, 2, id),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST,
                 "a node outside the committee coordinating");
    wf_kf_expect(wf_kf_keygen(&f, BRAVO, "bad-2", outside, ranks, 3, 2, id),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "a member outside the cluster");
    wf_kf_expect(wf_kf_keygen(&f, BRAVO, "bad-3", unordered, ranks, 3, 2, id),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "members not ascending");
    wf_kf_expect(wf_kf_keygen(&f, BRAVO, "bad-4", nodes, senior_less, 3, 2, id),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "no authorised set");
    wf_kf_expect(wf_kf_keygen(&f, BRAVO, "bad-5", nodes, ranks, 3, 4, id),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "threshold above the committee");

    /* ranks missing: malformed */
    wf_keygen_request kr;
    wf_kf_keygen_request(&f, &kr, "bad-6", nodes, ranks, 3, 2);
    uint8_t *enc = NULL;
    size_t len = 0;
    REQUIRE(wf_keygen_request_encode(&kr, &enc, &len) == WF_OK);
    Warifu__Wire__KeygenRequest *km = warifu__wire__keygen_request__unpack(NULL, len, enc);
    free(enc);
    REQUIRE(km != NULL);
    km->n_ranks = 2;
    wf_kf_expect(wf_kf_send_keygen(&f, BRAVO, km), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST,
                 "ranks missing");
    warifu__wire__keygen_request__free_unpacked(km, NULL);

    /* a committee added to a request the client signed without one */
    wf_kf_keygen_request(&f, &kr, "bad-7", nodes, ranks, 0, 0);
    REQUIRE(wf_keygen_request_encode(&kr, &enc, &len) == WF_OK);
    km = warifu__wire__keygen_request__unpack(NULL, len, enc);
    free(enc);
    REQUIRE(km != NULL);
    uint32_t m[3] = {BRAVO, CHARLIE, ECHO}, r[3] = {0, 1, 1};
    km->n_members = km->n_ranks = 3;
    km->members = m;
    km->ranks = r;
    km->threshold = 2;
    wf_kf_expect(wf_kf_send_keygen(&f, BRAVO, km), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED,
                 "committee not signed");
    km->n_members = km->n_ranks = 0;
    km->members = km->ranks = NULL;
    warifu__wire__keygen_request__free_unpacked(km, NULL);

    CHECK(total_keys() == 0);
}

static void test_keygen(void)
{
    Warifu__Wire__ClientResponse *r = wf_kf_keygen(&f, BRAVO, "committee-key", nodes, ranks, 3, 2, key_id);
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "keygen: %s\n", r->error);
    REQUIRE(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    CHECK(memcmp(r->key->key_id.data, key_id, 32) == 0);
    CHECK(r->key->threshold == 2 && r->key->members == 3);
    memcpy(pub, r->key->public_key.data, 33);
    snprintf(xpub, sizeof xpub, "%s", r->key->xpub);
    warifu__wire__client_response__free_unpacked(r, NULL);

    /* the key id binds the committee: the same request id for another committee names another key */
    wf_keygen_request a, b;
    uint8_t ia[32], ib[32];
    const uint32_t other[3] = {BRAVO, CHARLIE, DELTA};
    wf_kf_keygen_request(&f, &a, "committee-key", nodes, ranks, 3, 2);
    wf_kf_keygen_request(&f, &b, "committee-key", other, ranks, 3, 2);
    REQUIRE(wf_keygen_key_id(ia, f.cluster_id, &a) == WF_OK &&
            wf_keygen_key_id(ib, f.cluster_id, &b) == WF_OK);
    CHECK(memcmp(ia, key_id, 32) == 0 && memcmp(ia, ib, 32) != 0);

    /* the members hold the key, the others nothing */
    for (size_t i = 0; i < f.n; i++) {
        uint8_t p[33];
        char x[128];
        uint32_t t = 0, n = 0;
        int member = i == BRAVO || i == CHARLIE || i == ECHO;
        CHECK(wf_kf_pubkey(&f, i, key_id, p, x, &t, &n) == member);
        CHECK(wf_kf_key_count(&f, i) == (size_t)member);
        if (member)
            CHECK(memcmp(p, pub, 33) == 0 && strcmp(x, xpub) == 0 && t == 2 && n == 3);
    }
}

/* Signs through node `via`: a valid signature under the key, made by exactly `set`. */
static void sign_through(size_t via, const uint32_t *set, size_t n, const char *request_id)
{
    double before[WF_DF_MAX];
    for (size_t i = 0; i < f.n; i++)
        before[i] = wf_kf_done(&f, i, "sign");
    uint8_t digest[32];
    Warifu__Wire__ClientResponse *r = wf_kf_sign(&f, via, request_id, key_id, digest);
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "sign via %s: %s\n", wf_df_names[via], r->error);
    CHECK(r->code == 0 && r->signature != NULL && wf_df_sig_valid(r->signature, digest));
    CHECK(r->signature != NULL && r->signature->public_key.len == 33 &&
          memcmp(r->signature->public_key.data, pub, 33) == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);
    for (size_t i = 0; i < f.n; i++) {
        int in = 0;
        for (size_t j = 0; j < n; j++)
            in |= set[j] == i;
        double after = wf_kf_done(&f, i, "sign");
        if (after != before[i] + in)
            fprintf(stderr, "%s signed %g times, wanted %d\n", wf_df_names[i], after - before[i], in);
        CHECK(after == before[i] + in);
    }
}

static void test_sign_sets(void)
{
    sign_through(CHARLIE, (const uint32_t[]){BRAVO, CHARLIE}, 2, "c-1");
    sign_through(ECHO, (const uint32_t[]){BRAVO, ECHO}, 2, "c-2");
    sign_through(BRAVO, (const uint32_t[]){BRAVO, CHARLIE}, 2, "c-3");
    /* nodes outside the committee do not know the key */
    uint8_t digest[32];
    wf_kf_expect(wf_kf_sign(&f, ALPHA, "c-4", key_id, digest),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, "sign through alpha");
    wf_kf_expect(wf_kf_sign(&f, DELTA, "c-5", key_id, digest),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, "sign through delta");
}

/* A restarted member loads the committee key from its store. */
static void test_restart(void)
{
    wf_df_stop(&f, CHARLIE);
    wf_daemon_cfg cfg = wf_df_cfg(&f, CHARLIE);
    wf_df_start(&f, CHARLIE, &cfg);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    sign_through(CHARLIE, (const uint32_t[]){BRAVO, CHARLIE}, 2, "c-6");
}

/* Without bravo (the only rank-0 member) no authorised set is left. */
static void test_unauthorised_set(void)
{
    wf_df_stop(&f, BRAVO);
    wf_df_sleep_ms(1500); /* the links notice */
    uint8_t digest[32];
    double c0 = wf_kf_done(&f, CHARLIE, "sign"), e0 = wf_kf_done(&f, ECHO, "sign");
    Warifu__Wire__ClientResponse *r = wf_kf_sign(&f, CHARLIE, "c-7", key_id, digest);
    CHECK(r != NULL && r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE);
    CHECK(r != NULL && strstr(r->error, "no authorised quorum") != NULL);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    wf_kf_expect(wf_kf_sign(&f, ECHO, "c-8", key_id, digest),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE, "sign through echo without bravo");
    CHECK(wf_kf_done(&f, CHARLIE, "sign") == c0 && wf_kf_done(&f, ECHO, "sign") == e0);
    /* charlie is not ready: its key has no authorised set with it */
    int status = 0;
    free(wf_df_get(&f, CHARLIE, "/readyz", &status));
    CHECK(status == 503);
    free(wf_df_get(&f, ALPHA, "/readyz", &status)); /* alpha holds no key: the cluster's rule */
    CHECK(status == 200);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 5, 3, (const uint32_t[]){0, 0, 1, 1, 1});
    wf_df_start_all(&f);
    test_bad_committees();
    test_keygen();
    test_sign_sets();
    test_restart();
    test_unauthorised_set();
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_committee");
}
