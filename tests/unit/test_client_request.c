/* protocol/client_request.c: a signed request survives encode/decode and
 * checks; any change to what was signed, an expired or far-future request,
 * and malformed encodings are refused. */
#include <sodium.h>
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/client_request.h"
#include "tests/check.h"

static uint8_t SK[WF_IDENTITY_SK_BYTES], PK[WF_IDENTITY_PK_BYTES];
static const uint64_t NOW = 1790000000000ull;

static wf_sign_request make(void)
{
    wf_sign_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "withdrawal-000042", 17);
    r.request_id_len = 17;
    memset(r.key_id, 0x4b, sizeof r.key_id);
    r.path[0] = 0;
    r.path[1] = 7;
    r.path_len = 2;
    for (int i = 0; i < 32; i++) r.digest[i] = (uint8_t)i;
    r.expiry_ms = NOW + 60000;
    REQUIRE(wf_sign_request_sign(&r, SK) == WF_OK);
    return r;
}

static void test_round_trip(void)
{
    wf_sign_request r = make(), back;
    CHECK(memcmp(r.client_id, PK, 32) == 0);
    CHECK(wf_sign_request_check(&r, NOW) == WF_REQUEST_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_sign_request_encode(&r, &buf, &len));
    CHECK_OK(wf_sign_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    CHECK(wf_sign_request_check(&back, NOW) == WF_REQUEST_OK);

    /* every single-bit change of the encoding is refused by decode or check */
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            wf_sign_request x;
            if (wf_sign_request_decode(&x, buf, len) != WF_OK || wf_sign_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    /* truncations and trailing garbage */
    for (size_t cut = 0; cut < len; cut++) {
        wf_sign_request x;
        wf_err err = wf_sign_request_decode(&x, buf, cut);
        CHECK(err != WF_OK || wf_sign_request_check(&x, NOW) != WF_REQUEST_OK);
    }
    uint8_t *longer = malloc(len + 3);
    memcpy(longer, buf, len);
    memcpy(longer + len, "\x78\x01\x02", 3); /* an unknown field 15 */
    wf_sign_request x;
    CHECK_ERR(wf_sign_request_decode(&x, longer, len + 3), WF_ERR_ENCODING);
    free(longer);
    free(buf);
}

static void test_fields_are_signed(void)
{
    wf_sign_request r = make(), x;
    x = r;
    x.digest[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.path[1] = 8;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.path_len = 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.expiry_ms += 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.request_id[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.key_id[31] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* another client's key in client_id */
    x = r;
    x.client_id[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
}

static void test_expiry(void)
{
    wf_sign_request r = make();
    CHECK(wf_sign_request_check(&r, r.expiry_ms - 1) == WF_REQUEST_OK);
    CHECK(wf_sign_request_check(&r, r.expiry_ms) == WF_REQUEST_EXPIRED);
    CHECK(wf_sign_request_check(&r, r.expiry_ms + 100000) == WF_REQUEST_EXPIRED);
    CHECK(wf_sign_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS) == WF_REQUEST_OK);
    CHECK(wf_sign_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS - 1) == WF_REQUEST_TOO_FAR_AHEAD);
    CHECK(strstr(wf_request_verdict_str(WF_REQUEST_EXPIRED), "expired") != NULL);
}

static void test_shape(void)
{
    wf_sign_request r = make();
    r.path[0] = 0x80000000u; /* hardened */
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);
    uint8_t *buf;
    size_t len;
    CHECK_ERR(wf_sign_request_encode(&r, &buf, &len), WF_ERR_ARG);
    r = make();
    r.request_id_len = 0;
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);
    r = make();
    r.path_len = WF_REQUEST_PATH_MAX + 1;
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);

    /* contexts: same key and path → same; any difference → different */
    wf_sign_request a = make(), b = make();
    uint8_t ca[32], cb[32];
    b.digest[0] ^= 1; /* the digest is not part of the context */
    CHECK_OK(wf_sign_request_context(&a, ca));
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) == 0);
    b.path[1] = 8;
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) != 0);
    b = make();
    b.key_id[0] ^= 1;
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) != 0);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    crypto_sign_keypair(PK, SK);
    test_round_trip();
    test_fields_are_signed();
    test_expiry();
    test_shape();
    return wf_check_summary("test_client_request");
}
