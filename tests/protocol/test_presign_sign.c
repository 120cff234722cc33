/* protocol/presign.c and protocol/sign.c: presignatures among authorised sets
 * of hierarchical keys, signatures verified by libsecp256k1 (an independent
 * implementation) under the root and BIP32-derived keys, single use of a
 * presignature, refusal of unauthorised sets, and a cheating signer for every
 * check presign and sign make: each ends every honest signer in
 * abort(culprit = the cheater). */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bip32.h"
#include "crypto/ecdsa.h"
#include "protocol/presign.h"
#include "protocol/sign.h"
#include "tests/protocol_dealer.h"
#include "tests/protocol_fixture.h"

static wf_test_cluster cl;
static wf_key_share *keys[WF_MAX_MEMBERS];
static wf_aux *aux[WF_MAX_MEMBERS];
static size_t n_members;
static secp256k1_context *secp;
static uint8_t session_tag = 1;

static void setup(size_t n, size_t t, const uint32_t *ranks, unsigned first_pair)
{
    n_members = n;
    wf_test_cluster_init(&cl, n);
    wf_test_deal_key(keys, n, t, ranks);
    wf_test_make_aux(aux, n, first_pair);
}

static void teardown(void)
{
    for (size_t j = 0; j < n_members; j++) {
        wf_key_share_free(keys[j]);
        wf_aux_free(aux[j]);
        keys[j] = NULL;
        aux[j] = NULL;
    }
    wf_test_cluster_clear(&cl);
}

/* Runs presign among set; with a fault on party `cheater`. Fills presigs on success. */
static int run_presign(const uint32_t *set, size_t t, wf_presig **presigs, wf_fault fault, uint32_t cheater,
                       wf_machine **ms_out)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = session_tag++;
    for (size_t i = 0; i < t; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&cl, set[i], tag);
        if (set[i] == cheater)
            cfg.fault = fault;
        wf_presign_params p = {.key = keys[set[i]], .aux = aux[set[i]], .n = t, .threads = 2};
        memcpy(p.signers, set, t * sizeof set[0]);
        REQUIRE(wf_presign_new(&ms[i], &cfg, &p) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
    int done = 1;
    for (size_t i = 0; i < t; i++)
        done &= wf_machine_status(ms[i]) == WF_SESSION_DONE;
    if (done && presigs != NULL) {
        /* the name wf_presign_id predicts from the start id, for any signer order */
        uint8_t start_id[WF_ID_BYTES], want[WF_ID_BYTES];
        memcpy(start_id, wf_test_cfg(&cl, set[0], tag).session_id, WF_ID_BYTES);
        CHECK_OK(wf_presign_id(want, start_id, &keys[set[0]]->pub, set, t));
        for (size_t i = 0; i < t; i++) {
            REQUIRE(wf_presign_result(ms[i], &presigs[i]) == WF_OK);
            CHECK(memcmp(presigs[i]->session_id, want, WF_ID_BYTES) == 0);
        }
    }
    if (ms_out != NULL) {
        memcpy(ms_out, ms, t * sizeof ms[0]);
    } else {
        for (size_t i = 0; i < t; i++)
            wf_machine_free(ms[i]);
    }
    return done;
}

/* libsecp256k1's verdict on (r, s) under pub for digest. */
static int secp_verify(const wf_point *pub, const uint8_t digest[32], const wf_ecdsa_sig *sig)
{
    uint8_t ser[WF_POINT_BYTES], compact[64];
    secp256k1_pubkey key;
    secp256k1_ecdsa_signature s;
    if (wf_point_serialize(ser, pub) != WF_OK || !secp256k1_ec_pubkey_parse(secp, &key, ser, sizeof ser))
        return 0;
    wf_scalar_serialize(compact, &sig->r);
    wf_scalar_serialize(compact + 32, &sig->s);
    if (!secp256k1_ecdsa_signature_parse_compact(secp, &s, compact))
        return 0;
    secp256k1_ecdsa_signature normal;
    if (secp256k1_ecdsa_signature_normalize(secp, &normal, &s))
        return 0; /* it was high-s */
    if (!secp256k1_ecdsa_verify(secp, &s, digest, &key))
        return 0;
    /* the recovery id recovers the same key */
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey rec;
    uint8_t a[WF_POINT_BYTES];
    size_t alen = sizeof a;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp, &rs, compact, sig->v) ||
        !secp256k1_ecdsa_recover(secp, &rec, &rs, digest) ||
        !secp256k1_ec_pubkey_serialize(secp, a, &alen, &rec, SECP256K1_EC_COMPRESSED))
        return 0;
    return memcmp(a, ser, sizeof a) == 0;
}

/* Signs digest with presigs (consumed); returns 1 when every signer is DONE
 * with the same signature that libsecp256k1 accepts. */
static int run_sign(wf_presig **presigs, size_t t, const uint8_t digest[32], const uint32_t *path, size_t path_len,
                    wf_fault fault, uint32_t cheater, wf_machine **ms_out)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = session_tag++;
    for (size_t i = 0; i < t; i++) {
        uint32_t self = presigs[i]->self;
        wf_machine_cfg cfg = wf_test_cfg(&cl, self, tag);
        if (self == cheater)
            cfg.fault = fault;
        wf_sign_params p = {.key = &keys[self]->pub, .presig = presigs[i], .path = path, .path_len = path_len};
        memcpy(p.digest, digest, 32);
        REQUIRE(wf_sign_new(&ms[i], &cfg, &p) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
    int ok = 1;
    wf_ecdsa_sig first;
    for (size_t i = 0; i < t && ok; i++) {
        wf_ecdsa_sig sig;
        wf_point pub;
        ok = wf_machine_status(ms[i]) == WF_SESSION_DONE && wf_sign_result(ms[i], &sig, &pub) == WF_OK &&
             secp_verify(&pub, digest, &sig);
        if (i == 0)
            first = sig;
        else
            ok = ok && memcmp(&first, &sig, sizeof sig) == 0;
    }
    if (ms_out != NULL) {
        memcpy(ms_out, ms, t * sizeof ms[0]);
    } else {
        for (size_t i = 0; i < t; i++)
            wf_machine_free(ms[i]);
    }
    return ok;
}

static void free_presigs(wf_presig **p, size_t t)
{
    for (size_t i = 0; i < t; i++)
        wf_presig_free(p[i]);
}

static const wf_fault NO_FAULT = {0};

static void sign_once(const uint32_t *set, size_t t, const uint32_t *path, size_t path_len)
{
    wf_presig *p[WF_MAX_MEMBERS];
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    CHECK(run_presign(set, t, p, NO_FAULT, 0, NULL));
    CHECK(run_sign(p, t, digest, path, path_len, NO_FAULT, UINT32_MAX, NULL));
    free_presigs(p, t);
}

static void test_2_of_3(void)
{
    uint32_t ranks[3] = {0, 0, 0};
    setup(3, 2, ranks, 0);
    uint32_t sets[3][2] = {{0, 1}, {0, 2}, {2, 1}};
    for (int s = 0; s < 3; s++)
        sign_once(sets[s], 2, NULL, 0);
    uint32_t path[3] = {0, 7, 42};
    sign_once(sets[0], 2, path, 3);
    teardown();
}

/* Every authorised 3-subset of the 3-of-5 {0,0,1,1,1} signs; the operators
 * alone are refused before any message. */
static void test_3_of_5(void)
{
    uint32_t ranks[5] = {0, 0, 1, 1, 1};
    setup(5, 3, ranks, 3);
    int signed_sets = 0;
    for (uint32_t a = 0; a < 5; a++)
        for (uint32_t b = a + 1; b < 5; b++)
            for (uint32_t c = b + 1; c < 5; c++) {
                uint32_t set[3] = {a, b, c};
                if (a >= 2) {
                    wf_machine *m = NULL;
                    wf_machine_cfg cfg = wf_test_cfg(&cl, a, 99);
                    wf_presign_params p = {.key = keys[a], .aux = aux[a], .n = 3};
                    memcpy(p.signers, set, sizeof set);
                    CHECK_ERR(wf_presign_new(&m, &cfg, &p), WF_ERR_UNAUTHORISED);
                    CHECK(m == NULL);
                    continue;
                }
                uint32_t path[2] = {1, (uint32_t)signed_sets};
#ifdef WF_SANITIZED
                if (signed_sets % 3 == 0) /* the sanitizer pass signs with every third set */
#endif
                    sign_once(set, 3, path, 2);
                signed_sets++;
            }
    CHECK(signed_sets == 9);
    teardown();
}

/* A presignature signs once: a second wf_sign_new with it is refused. */
static void test_single_use(void)
{
    uint32_t ranks[3] = {0, 0, 0};
    setup(3, 2, ranks, 0);
    uint32_t set[2] = {0, 1};
    wf_presig *p[2];
    uint8_t digest[32] = {1, 2, 3};
    CHECK(run_presign(set, 2, p, NO_FAULT, 0, NULL));
    CHECK(run_sign(p, 2, digest, NULL, 0, NO_FAULT, UINT32_MAX, NULL));
    wf_machine *m = NULL;
    wf_machine_cfg cfg = wf_test_cfg(&cl, 0, 77);
    wf_sign_params sp = {.key = &keys[0]->pub, .presig = p[0]};
    CHECK_ERR(wf_sign_new(&m, &cfg, &sp), WF_ERR_ARG);
    CHECK(m == NULL);
    free_presigs(p, 2);
    teardown();
}

/* Many signatures over random digests and paths: 30, every signer pair with
 * every path length (i % 3, i % 5) twice; 1000 with the slow tests; 10 in the
 * sanitizer build, whose job is memory errors. */
static void test_many(void)
{
#if defined(WF_SLOW_TESTS)
    const int count = 1000;
#elif defined(WF_SANITIZED)
    const int count = 10; /* the Release pass runs all 30 */
#else
    const int count = 30;
#endif
    uint32_t ranks[3] = {0, 0, 0};
    setup(3, 2, ranks, 6);
    int good = 0;
    for (int i = 0; i < count; i++) {
        uint32_t set[2] = {(uint32_t)(i % 3), (uint32_t)((i + 1) % 3)};
        uint32_t path[4];
        size_t path_len = (size_t)(i % 5);
        for (size_t k = 0; k < path_len; k++)
            path[k] = randombytes_uniform(WF_BIP32_HARDENED);
        wf_presig *p[2];
        uint8_t digest[32];
        randombytes_buf(digest, sizeof digest);
        if (run_presign(set, 2, p, NO_FAULT, 0, NULL)) {
            good += run_sign(p, 2, digest, path, path_len, NO_FAULT, UINT32_MAX, NULL);
            free_presigs(p, 2);
        }
    }
    printf("many: %d of %d signatures verified by libsecp256k1\n", good, count);
    CHECK(good == count);
    teardown();
}

/* One cheating signer per presign check: every honest signer names it. */
static void test_presign_cheaters(void)
{
    uint32_t ranks[5] = {0, 0, 1, 1, 1};
    setup(5, 3, ranks, 3);
    uint32_t set[3] = {0, 2, 4};
    const struct {
        uint32_t kind, victim;
        const char *name;
    } faults[] = {
        {WF_PRESIGN_FAULT_ENC_PROOF, 2, "Πenc"},
        {WF_PRESIGN_FAULT_AFF_G, 0, "Πaff-g (γ)"},
        {WF_PRESIGN_FAULT_AFF_G_HAT, 2, "Πaff-g (w)"},
        {WF_PRESIGN_FAULT_LOG_STAR_G, 0, "Πlog* (Γ)"},
        {WF_PRESIGN_FAULT_LOG_STAR_DELTA, 2, "Πlog* (Δ)"},
        {WF_PRESIGN_FAULT_WRONG_DELTA, WF_TO_BROADCAST, "wrong δ"},
        {WF_PRESIGN_FAULT_MALFORMED, WF_TO_BROADCAST, "malformed broadcast"},
        {WF_PRESIGN_FAULT_BAD_CIPHERTEXT, WF_TO_BROADCAST, "G not a unit"},
        {WF_FAULT_EQUIVOCATE, 0, "equivocation in round 1"},
        {WF_FAULT_EQUIVOCATE, 2, "equivocation in round 3"},
    };
    for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++) {
        wf_fault fault = {.kind = faults[f].kind, .victim = faults[f].victim,
                          .round = f == 9 ? 3 : 1};
        wf_machine *ms[3];
        run_presign(set, 3, NULL, fault, 4, ms);
        int ok = wf_test_all_blame(ms, 3, 4);
        printf("presign cheater (%s): %s — '%s'\n", faults[f].name, ok ? "named" : "NOT NAMED",
               wf_machine_reason(ms[0]));
        CHECK(ok);
        for (size_t i = 0; i < 3; i++)
            wf_machine_free(ms[i]);
    }
    teardown();
}

/* A wrong or malformed partial signature names its signer. */
static void test_sign_cheaters(void)
{
    uint32_t ranks[3] = {0, 0, 0};
    setup(3, 2, ranks, 0);
    uint32_t set[2] = {1, 2};
    uint32_t kinds[3] = {WF_SIGN_FAULT_WRONG_SIGMA, WF_SIGN_FAULT_MALFORMED, WF_FAULT_EQUIVOCATE};
    for (int k = 0; k < 3; k++) {
        wf_presig *p[2];
        uint8_t digest[32] = {9};
        uint32_t path[1] = {5};
        CHECK(run_presign(set, 2, p, NO_FAULT, 0, NULL));
        wf_fault fault = {.kind = kinds[k], .victim = 1, .round = 1};
        wf_machine *ms[2];
        CHECK(!run_sign(p, 2, digest, path, 1, fault, 2, ms));
        CHECK(wf_test_all_blame(ms, 2, 2));
        for (size_t i = 0; i < 2; i++)
            wf_machine_free(ms[i]);
        free_presigs(p, 2);
    }
    teardown();
}

/* Bad input on every delivery: garbage, truncation, a replay, a message of
 * another session, a stranger's message, an out-of-range round and a message
 * addressed to someone else. Each is refused with an error and no state
 * change; the run still ends with a valid presignature. */
typedef struct noise {
    wf_machine **ms;
    size_t t;
    uint8_t *last[WF_MAX_MEMBERS]; /* previous message delivered to each member */
    size_t last_len[WF_MAX_MEMBERS];
    uint8_t *foreign; /* a message of an earlier session */
    size_t foreign_len;
    int refused, accepted;
} noise;

static wf_machine *machine_of(noise *nz, uint32_t member)
{
    for (size_t i = 0; i < nz->t; i++)
        if (nz->ms[i]->s.cfg.self == member)
            return nz->ms[i];
    return NULL;
}

static void inject(noise *nz, wf_machine *m, const uint8_t *bytes, size_t len)
{
    wf_outbox out = {0};
    const char *why = NULL;
    wf_err err = wf_machine_step(m, bytes, len, &out, &why);
    if (err != WF_OK && wf_machine_status(m) == WF_SESSION_RUNNING && out.n == 0 && why != NULL && why[0])
        nz->refused++;
    else
        nz->accepted++;
    wf_outbox_clear(&out);
}

static uint8_t *seal_as(uint32_t signer, const wf_machine *like, uint32_t round, uint32_t to, size_t *len)
{
    wf_envelope env;
    memset(&env, 0, sizeof env);
    env.version = WF_ENVELOPE_VERSION;
    memcpy(env.cluster_id, like->s.cfg.cluster_id, WF_ID_BYTES);
    memcpy(env.key_id, like->s.cfg.key_id, WF_ID_BYTES);
    memcpy(env.session_id, like->s.cfg.session_id, WF_ID_BYTES);
    strcpy(env.protocol, like->s.cfg.protocol);
    env.round = round;
    env.from = signer;
    env.to = to;
    uint8_t payload[4] = {1, 2, 3, 4}, *out = NULL;
    env.payload = payload;
    env.payload_len = sizeof payload;
    REQUIRE(wf_envelope_seal(&out, len, &env, cl.sk[signer]) == WF_OK);
    return out;
}

static int noise_hook(void *ctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    noise *nz = ctx;
    wf_machine *m = machine_of(nz, to);
    if (m == NULL || wf_machine_status(m) != WF_SESSION_RUNNING)
        return 1;
    uint8_t garbage[64];
    randombytes_buf(garbage, sizeof garbage);
    inject(nz, m, garbage, sizeof garbage);
    inject(nz, m, *bytes, *len / 2);
    if (nz->last[to] != NULL)
        inject(nz, m, nz->last[to], nz->last_len[to]); /* a replay */
    if (nz->foreign != NULL)
        inject(nz, m, nz->foreign, nz->foreign_len);
    size_t l;
    uint8_t *e = seal_as(1, m, 1, WF_TO_BROADCAST, &l); /* member 1 is not a signer */
    inject(nz, m, e, l);
    free(e);
    e = seal_as(from, m, 9, WF_TO_BROADCAST, &l); /* no round 9 */
    inject(nz, m, e, l);
    free(e);
    uint32_t other = to == nz->ms[0]->s.cfg.self ? nz->ms[1]->s.cfg.self : nz->ms[0]->s.cfg.self;
    if (other != from) {
        e = seal_as(from, m, 1, other, &l); /* addressed to someone else */
        inject(nz, m, e, l);
        free(e);
    }
    free(nz->last[to]);
    nz->last[to] = malloc(*len);
    memcpy(nz->last[to], *bytes, *len);
    nz->last_len[to] = *len;
    return 1;
}

static void test_bad_input(void)
{
    uint32_t ranks[5] = {0, 0, 1, 1, 1};
    setup(5, 3, ranks, 3);
    uint32_t set[3] = {0, 2, 4};
    noise nz = {.t = 3};
    for (int run = 0; run < 2; run++) {
        wf_machine *ms[3];
        uint8_t tag = session_tag++;
        for (size_t i = 0; i < 3; i++) {
            wf_machine_cfg cfg = wf_test_cfg(&cl, set[i], tag);
            wf_presign_params p = {.key = keys[set[i]], .aux = aux[set[i]], .n = 3, .threads = 2};
            memcpy(p.signers, set, sizeof set);
            REQUIRE(wf_presign_new(&ms[i], &cfg, &p) == WF_OK);
        }
        nz.ms = ms;
        REQUIRE(wf_harness_run(ms, 3, noise_hook, &nz, NULL) == WF_OK);
        CHECK(wf_test_all_done(ms, 3));
        for (size_t i = 0; i < 3; i++) {
            wf_presig *p = NULL;
            CHECK_OK(wf_presign_result(ms[i], &p));
            wf_presig_free(p);
            wf_machine_free(ms[i]);
        }
        /* the first run's last message becomes the foreign one of the second */
        if (nz.foreign == NULL) {
            nz.foreign = nz.last[0];
            nz.foreign_len = nz.last_len[0];
            nz.last[0] = NULL;
        }
        for (size_t j = 0; j < WF_MAX_MEMBERS; j++) {
            free(nz.last[j]);
            nz.last[j] = NULL;
        }
    }
    printf("bad input: %d refused cleanly, %d not\n", nz.refused, nz.accepted);
    CHECK(nz.refused > 100);
    CHECK(nz.accepted == 0);
    free(nz.foreign);
    teardown();
}

/* A compromised coordinator handing parties different views: the signer set
 * in different orders still makes one presignature (the order is
 * canonical); different digests put the signers in different sessions, so
 * the run stalls (the node's timeout ends it) and nobody is blamed. */
static void test_disagreement(void)
{
    uint32_t ranks[3] = {0, 0, 0};
    setup(3, 2, ranks, 0);
    wf_machine *ms[2];
    uint8_t tag = session_tag++;
    uint32_t orders[2][2] = {{0, 1}, {1, 0}};
    for (size_t i = 0; i < 2; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&cl, (uint32_t)i, tag);
        wf_presign_params p = {.key = keys[i], .aux = aux[i], .n = 2, .signers = {orders[i][0], orders[i][1]}};
        REQUIRE(wf_presign_new(&ms[i], &cfg, &p) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, 2, NULL, NULL, NULL) == WF_OK);
    CHECK(wf_test_all_done(ms, 2));
    wf_presig *p[2];
    for (size_t i = 0; i < 2; i++) {
        REQUIRE(wf_presign_result(ms[i], &p[i]) == WF_OK);
        wf_machine_free(ms[i]);
    }
    tag = session_tag++;
    for (size_t i = 0; i < 2; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&cl, (uint32_t)i, tag);
        wf_sign_params sp = {.key = &keys[i]->pub, .presig = p[i]};
        memset(sp.digest, (int)(0x10 + i), sizeof sp.digest); /* different digests */
        REQUIRE(wf_sign_new(&ms[i], &cfg, &sp) == WF_OK);
    }
    wf_harness_stats st;
    memset(&st, 0, sizeof st);
    REQUIRE(wf_harness_run(ms, 2, NULL, NULL, &st) == WF_OK);
    for (size_t i = 0; i < 2; i++) {
        CHECK(wf_machine_status(ms[i]) == WF_SESSION_RUNNING);
        wf_machine_free(ms[i]);
    }
    CHECK(st.refused == 2); /* each refused the other's partial as another session's */
    free_presigs(p, 2);
    teardown();
}

int main(void)
{
    secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    test_2_of_3();
    test_single_use();
    test_bad_input();
    test_disagreement();
    test_presign_cheaters();
    test_sign_cheaters();
    test_3_of_5();
    test_many();
    secp256k1_context_destroy(secp);
    return wf_check_summary("test_presign_sign");
}
