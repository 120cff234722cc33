/* protocol/client_request.c, committees: a keygen request without one signs
 * exactly the bytes it signed before committees existed (and names the same
 * key); one with a committee signs and binds it (every field, every bit);
 * reshare requests round-trip, sign every field under their own domain, and
 * malformed ones are refused. */
#include <sodium.h>
#include <string.h>

#include "crypto/hash.h"
#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"
#include "tests/check.h"

static uint8_t SK[WF_IDENTITY_SK_BYTES], PK[WF_IDENTITY_PK_BYTES];
static const uint64_t NOW = 1790000000000ull;
static const uint8_t CLUSTER[32] = {0xc1, 0xc2, 0xc3};

static wf_keygen_request keygen(uint32_t n)
{
    static const uint32_t nodes[4] = {1, 2, 4, 6}, ranks[4] = {0, 1, 1, 1};
    wf_keygen_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "cold-wallet", 11);
    r.request_id_len = 11;
    r.expiry_ms = NOW + 60000;
    r.n_members = n;
    r.threshold = n ? 2 : 0;
    for (uint32_t i = 0; i < n; i++) {
        r.members[i] = nodes[i];
        r.ranks[i] = ranks[i];
    }
    REQUIRE(wf_keygen_request_sign(&r, SK) == WF_OK);
    return r;
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
    return p + 8;
}

/* The documented bytes of a committee-less request, built here by hand. */
static void test_compatible(void)
{
    wf_keygen_request r = keygen(0);
    uint8_t want[WF_KEYGEN_REQUEST_SIGNED_MAX], got[WF_KEYGEN_REQUEST_SIGNED_MAX], *p = want;
    memcpy(p, "warifu/keygen-request/v1", 25); /* with its NUL */
    p += 25;
    *p++ = 11;
    memcpy(p, "cold-wallet", 11);
    p += 11;
    p = put_be64(p, r.expiry_ms);
    memcpy(p, PK, 32);
    p += 32;
    size_t len = wf_keygen_request_signed_bytes(&r, got);
    CHECK(len == (size_t)(p - want) && memcmp(got, want, len) == 0);
    /* … so a signature made over them still checks */
    uint8_t sig[64];
    crypto_sign_detached(sig, NULL, want, len, SK);
    memcpy(r.signature, sig, 64);
    CHECK(wf_keygen_request_check(&r, NOW) == WF_REQUEST_OK);
    /* and the key id is the documented hash without a committee */
    uint8_t buf[128], *q = buf, id[32], want_id[32];
    memcpy(q, "warifu/keygen-key-id/v1", 23);
    q += 23;
    memcpy(q, CLUSTER, 32);
    q += 32;
    memcpy(q, PK, 32);
    q += 32;
    *q++ = 11;
    memcpy(q, "cold-wallet", 11);
    q += 11;
    CHECK_OK(wf_sha256(want_id, buf, (size_t)(q - buf)));
    CHECK_OK(wf_keygen_key_id(id, CLUSTER, &r));
    CHECK(memcmp(id, want_id, 32) == 0);
}

static void test_keygen_committee(void)
{
    wf_keygen_request r = keygen(3), back, x;
    CHECK(wf_keygen_request_check(&r, NOW) == WF_REQUEST_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_keygen_request_encode(&r, &buf, &len));
    CHECK_OK(wf_keygen_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            if (wf_keygen_request_decode(&x, buf, len) != WF_OK ||
                wf_keygen_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    free(buf);
    /* every committee field is signed and bound into the key id */
    uint8_t id[32], other[32];
    CHECK_OK(wf_keygen_key_id(id, CLUSTER, &r));
    wf_keygen_request variants[5];
    for (int v = 0; v < 5; v++)
        variants[v] = r;
    variants[0].members[2] = 5;
    variants[1].ranks[0] = 1;
    variants[2].threshold = 3;
    variants[3].n_members = 2;
    variants[4].n_members = 0;
    variants[4].threshold = 0;
    for (int v = 0; v < 5; v++) {
        CHECK(wf_keygen_request_check(&variants[v], NOW) == WF_REQUEST_BAD_SIGNATURE);
        CHECK_OK(wf_keygen_key_id(other, CLUSTER, &variants[v]));
        CHECK(memcmp(id, other, 32) != 0);
    }
    /* shapes no node could use are refused before any signature check */
    x = r;
    x.members[0] = 64;
    CHECK(wf_keygen_request_sign(&x, SK) == WF_ERR_ARG);
    x = r;
    x.n_members = 0; /* a threshold without members */
    CHECK(wf_keygen_request_sign(&x, SK) == WF_ERR_ARG);
    /* ranks missing */
    Warifu__Wire__KeygenRequest m = WARIFU__WIRE__KEYGEN_REQUEST__INIT;
    uint32_t mem[3] = {1, 2, 4}, rk[2] = {0, 1};
    m.request_id = (ProtobufCBinaryData){r.request_id_len, r.request_id};
    m.client_id = (ProtobufCBinaryData){32, r.client_id};
    m.signature = (ProtobufCBinaryData){64, r.signature};
    m.n_members = 3;
    m.members = mem;
    m.threshold = 2;
    m.n_ranks = 2;
    m.ranks = rk;
    uint8_t enc[512];
    size_t elen = warifu__wire__keygen_request__pack(&m, enc);
    CHECK_ERR(wf_keygen_request_decode(&x, enc, elen), WF_ERR_ENCODING);
}

static wf_reshare_request reshare(void)
{
    static const uint32_t nodes[5] = {0, 1, 2, 3, 4}, ranks[5] = {0, 0, 1, 1, 1};
    wf_reshare_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "grow-committee", 14);
    r.request_id_len = 14;
    memset(r.key_id, 0x5a, 32);
    r.n_members = 5;
    r.threshold = 3;
    memcpy(r.members, nodes, sizeof nodes);
    memcpy(r.ranks, ranks, sizeof ranks);
    r.expiry_ms = NOW + 60000;
    REQUIRE(wf_reshare_request_sign(&r, SK) == WF_OK);
    return r;
}

static void test_reshare(void)
{
    wf_reshare_request r = reshare(), back, x;
    CHECK(memcmp(r.client_id, PK, 32) == 0);
    CHECK(wf_reshare_request_check(&r, NOW) == WF_REQUEST_OK);
    CHECK(wf_reshare_request_check(&r, r.expiry_ms + 1) == WF_REQUEST_EXPIRED);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_reshare_request_encode(&r, &buf, &len));
    CHECK_OK(wf_reshare_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            if (wf_reshare_request_decode(&x, buf, len) != WF_OK ||
                wf_reshare_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    for (size_t cut = 0; cut < len; cut++) {
        wf_err err = wf_reshare_request_decode(&x, buf, cut);
        CHECK(err != WF_OK || wf_reshare_request_check(&x, NOW) != WF_REQUEST_OK);
    }
    /* a keygen request's encoding is not a reshare request */
    wf_keygen_request k = keygen(3);
    uint8_t *kbuf = NULL;
    size_t klen = 0;
    CHECK_OK(wf_keygen_request_encode(&k, &kbuf, &klen));
    CHECK(wf_reshare_request_decode(&x, kbuf, klen) != WF_OK);
    free(kbuf);
    free(buf);
    /* every field is signed */
    wf_reshare_request v[7];
    for (int i = 0; i < 7; i++)
        v[i] = r;
    v[0].request_id[0] ^= 1;
    v[1].key_id[31] ^= 1;
    v[2].members[4] = 5;
    v[3].ranks[4] = 0;
    v[4].threshold = 2;
    v[5].expiry_ms += 1;
    v[6].n_members = 4;
    for (int i = 0; i < 7; i++)
        CHECK(wf_reshare_request_check(&v[i], NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* its own domain: the same bytes signed as another request do not verify */
    uint8_t sb[WF_RESHARE_REQUEST_SIGNED_MAX];
    size_t sl = wf_reshare_request_signed_bytes(&r, sb);
    CHECK(sl > 26 && memcmp(sb, "warifu/reshare-request/v1", 26) == 0);
    /* shapes refused: one member, no threshold */
    x = r;
    x.n_members = 1;
    CHECK(wf_reshare_request_sign(&x, SK) == WF_ERR_ARG);
    x = r;
    x.threshold = 0;
    CHECK(wf_reshare_request_sign(&x, SK) == WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(sodium_init() >= 0);
    crypto_sign_keypair(PK, SK);
    test_compatible();
    test_keygen_committee();
    test_reshare();
    return wf_check_summary("test_committee_request");
}
